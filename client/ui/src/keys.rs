//! What a key press means on the study screen, as Anki does it: Space or Enter shows the
//! answer, then Space/Enter means Good and 1–4 mean Again, Hard, Good, Easy; Ctrl+Z takes the
//! last answer back. Pure, so it is tested without a window.

use tallschool_shared::scheduling::Rating;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StudyKey {
    Reveal,
    Rate(Rating),
    Undo,
}

/// The key's meaning while the answer is hidden (`revealed: false`) or shown. Typing into an
/// answer field is left alone (`typing`): only Enter submits it.
pub fn study_key(key: &str, ctrl: bool, revealed: bool, typing: bool) -> Option<StudyKey> {
    if ctrl {
        return (key.eq_ignore_ascii_case("z")).then_some(StudyKey::Undo);
    }
    if typing && key != "Enter" {
        return None;
    }
    match (revealed, key) {
        (false, " " | "Enter") => Some(StudyKey::Reveal),
        (true, " " | "Enter") => Some(StudyKey::Rate(Rating::Good)),
        (true, "1") => Some(StudyKey::Rate(Rating::Again)),
        (true, "2") => Some(StudyKey::Rate(Rating::Hard)),
        (true, "3") => Some(StudyKey::Rate(Rating::Good)),
        (true, "4") => Some(StudyKey::Rate(Rating::Easy)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_and_enter_reveal_then_mean_good() {
        assert_eq!(study_key(" ", false, false, false), Some(StudyKey::Reveal));
        assert_eq!(study_key("Enter", false, false, false), Some(StudyKey::Reveal));
        assert_eq!(study_key(" ", false, true, false), Some(StudyKey::Rate(Rating::Good)));
    }

    #[test]
    fn numbers_rate_only_once_the_answer_shows() {
        assert_eq!(study_key("1", false, false, false), None, "no rating before the answer is seen");
        let ratings: Vec<_> = ["1", "2", "3", "4"].iter().map(|k| study_key(k, false, true, false)).collect();
        assert_eq!(ratings, [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy].map(|r| Some(StudyKey::Rate(r))));
    }

    #[test]
    fn typing_an_answer_is_not_taken_for_commands() {
        assert_eq!(study_key(" ", false, false, true), None);
        assert_eq!(study_key("3", false, false, true), None);
        assert_eq!(study_key("Enter", false, false, true), Some(StudyKey::Reveal));
        assert_eq!(study_key("z", true, true, true), Some(StudyKey::Undo));
        assert_eq!(study_key("x", true, true, false), None);
    }
}
