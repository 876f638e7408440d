//! What a typed answer got wrong, character by character, as Anki shows it: the typed text with
//! the characters that should not be there marked, and the answer with the ones that are
//! missing marked.

use similar::{ChangeTag, TextDiff};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Same,
    /// Typed, but not in the answer.
    Wrong,
    /// In the answer, but not typed.
    Missing,
}

impl Mark {
    pub fn class(self) -> &'static str {
        match self {
            Mark::Same => "same",
            Mark::Wrong => "wrong",
            Mark::Missing => "missing",
        }
    }
}

/// Runs of marked text, for the typed text and for the answer.
pub type Runs = Vec<(Mark, String)>;

pub fn typed_diff(typed: &str, answer: &str) -> (Runs, Runs) {
    let (mut typed_runs, mut answer_runs): (Runs, Runs) = (Vec::new(), Vec::new());
    let push = |runs: &mut Runs, mark: Mark, text: &str| match runs.last_mut() {
        Some((last, run)) if *last == mark => run.push_str(text),
        _ => runs.push((mark, text.to_owned())),
    };
    for change in TextDiff::from_chars(typed, answer).iter_all_changes() {
        let text = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                push(&mut typed_runs, Mark::Same, text);
                push(&mut answer_runs, Mark::Same, text);
            }
            ChangeTag::Delete => push(&mut typed_runs, Mark::Wrong, text),
            ChangeTag::Insert => push(&mut answer_runs, Mark::Missing, text),
        }
    }
    (typed_runs, answer_runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(list: &[(Mark, &str)]) -> Runs {
        list.iter().map(|(m, t)| (*m, (*t).to_owned())).collect()
    }

    #[test]
    fn a_misspelling_is_marked_where_it_is() {
        let (typed, answer) = typed_diff("pajaro", "pájaro");
        assert_eq!(typed, runs(&[(Mark::Same, "p"), (Mark::Wrong, "a"), (Mark::Same, "jaro")]));
        assert_eq!(answer, runs(&[(Mark::Same, "p"), (Mark::Missing, "á"), (Mark::Same, "jaro")]));
    }

    #[test]
    fn a_right_answer_has_nothing_marked() {
        let (typed, answer) = typed_diff("gato", "gato");
        assert_eq!(typed, runs(&[(Mark::Same, "gato")]));
        assert_eq!(answer, typed);
    }

    #[test]
    fn nothing_typed_means_all_missing() {
        let (typed, answer) = typed_diff("", "perro");
        assert!(typed.is_empty());
        assert_eq!(answer, runs(&[(Mark::Missing, "perro")]));
    }
}
