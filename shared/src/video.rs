//! Video tests: questions at timestamps, the answers students give, and grading.
//!
//! Answer keys of tests that count ("graded on sync") never enter the synced document; they
//! stay on the server, which grades the attempts students sync. Tests with instant feedback
//! carry their key in the document so the device can answer at once.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub const MAX_PROMPT_CHARS: usize = 2_000;
pub const MAX_OPTIONS: usize = 12;
pub const MAX_TEXT_ANSWER_CHARS: usize = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    TrueFalse,
    ShortText,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 4] =
        [QuestionKind::SingleChoice, QuestionKind::MultipleChoice, QuestionKind::TrueFalse, QuestionKind::ShortText];

    pub const fn as_str(self) -> &'static str {
        match self {
            QuestionKind::SingleChoice => "single_choice",
            QuestionKind::MultipleChoice => "multiple_choice",
            QuestionKind::TrueFalse => "true_false",
            QuestionKind::ShortText => "short_text",
        }
    }

    pub fn parse(s: &str) -> Option<QuestionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// The key is on the device; the student sees right or wrong at once.
    Instant,
    /// The key stays on the server; results come back after sync. The default for tests that count.
    #[default]
    GradedOnSync,
}

impl Feedback {
    pub const fn as_str(self) -> &'static str {
        match self {
            Feedback::Instant => "instant",
            Feedback::GradedOnSync => "graded_on_sync",
        }
    }

    pub fn parse(s: &str) -> Option<Feedback> {
        [Feedback::Instant, Feedback::GradedOnSync].into_iter().find(|f| f.as_str() == s)
    }
}

/// A question's correct answer. Short-text questions may list accepted answers; without them a
/// teacher grades by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Key {
    Choices(BTreeSet<u32>),
    Truth(bool),
    Accepted(Vec<String>),
}

/// What a student answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Answer {
    Choices(BTreeSet<u32>),
    Truth(bool),
    Text(String),
}

/// Settings to change on a test; `None` leaves one as it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TestSettings {
    /// SHA-256 of the video.
    pub media: Option<String>,
    pub duration_secs: Option<u32>,
    pub prevent_skipping: Option<bool>,
    pub attempts_allowed: Option<u32>,
    pub feedback: Option<Feedback>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub at_secs: u32,
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<String>,
    pub points: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VideoError {
    #[error("the question is at {at}s but the video is {duration}s long")]
    BeyondVideo { at: u32, duration: u32 },
    #[error("the prompt is empty or longer than 2000 characters")]
    BadPrompt,
    #[error("a choice question needs 2 to 12 options, a true/false or text question none")]
    BadOptions,
    #[error("the key does not fit the question ({0})")]
    BadKey(&'static str),
    #[error("the answer does not fit the question ({0})")]
    BadAnswer(&'static str),
    #[error("points must be 1 to 100")]
    BadPoints,
    #[error("the video's duration must be 1 second to 24 hours")]
    BadDuration,
}

impl Question {
    pub fn check(&self, duration_secs: u32) -> Result<(), VideoError> {
        if self.at_secs > duration_secs {
            return Err(VideoError::BeyondVideo { at: self.at_secs, duration: duration_secs });
        }
        if self.prompt.trim().is_empty() || self.prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(VideoError::BadPrompt);
        }
        if !(1..=100).contains(&self.points) {
            return Err(VideoError::BadPoints);
        }
        let choice = matches!(self.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice);
        let options_ok = if choice {
            (2..=MAX_OPTIONS).contains(&self.options.len()) && self.options.iter().all(|o| !o.trim().is_empty())
        } else {
            self.options.is_empty()
        };
        if !options_ok {
            return Err(VideoError::BadOptions);
        }
        Ok(())
    }

    pub fn check_key(&self, key: &Key) -> Result<(), VideoError> {
        match (self.kind, key) {
            (QuestionKind::SingleChoice, Key::Choices(c)) if c.len() != 1 => Err(VideoError::BadKey("one choice")),
            (QuestionKind::MultipleChoice, Key::Choices(c)) if c.is_empty() => {
                Err(VideoError::BadKey("at least one choice"))
            }
            (QuestionKind::SingleChoice | QuestionKind::MultipleChoice, Key::Choices(c)) => {
                if c.iter().all(|i| (*i as usize) < self.options.len()) {
                    Ok(())
                } else {
                    Err(VideoError::BadKey("choice out of range"))
                }
            }
            (QuestionKind::TrueFalse, Key::Truth(_)) => Ok(()),
            (QuestionKind::ShortText, Key::Accepted(a)) if a.iter().all(|s| !s.trim().is_empty()) => Ok(()),
            _ => Err(VideoError::BadKey("wrong kind")),
        }
    }

    pub fn check_answer(&self, answer: &Answer) -> Result<(), VideoError> {
        match (self.kind, answer) {
            (QuestionKind::SingleChoice, Answer::Choices(c)) if c.len() != 1 => {
                Err(VideoError::BadAnswer("pick exactly one option"))
            }
            (QuestionKind::SingleChoice | QuestionKind::MultipleChoice, Answer::Choices(c)) => {
                if c.iter().all(|i| (*i as usize) < self.options.len()) {
                    Ok(())
                } else {
                    Err(VideoError::BadAnswer("no such option"))
                }
            }
            (QuestionKind::TrueFalse, Answer::Truth(_)) => Ok(()),
            (QuestionKind::ShortText, Answer::Text(t)) if t.chars().count() <= MAX_TEXT_ANSWER_CHARS => Ok(()),
            (QuestionKind::ShortText, Answer::Text(_)) => Err(VideoError::BadAnswer("answer too long")),
            _ => Err(VideoError::BadAnswer("wrong kind of answer")),
        }
    }
}

/// Points for an answer: `Some` when it can be graded automatically, `None` when a teacher
/// must grade it. Multiple choice gives partial credit (right picks minus wrong picks).
pub fn grade(question: &Question, key: &Key, answer: &Answer) -> Option<f64> {
    let points = f64::from(question.points);
    match (key, answer) {
        (Key::Choices(key), Answer::Choices(given)) => {
            if question.kind == QuestionKind::SingleChoice {
                return Some(if key == given { points } else { 0.0 });
            }
            let right = given.intersection(key).count() as f64;
            let wrong = given.difference(key).count() as f64;
            Some((points * (right - wrong) / key.len().max(1) as f64).max(0.0))
        }
        (Key::Truth(key), Answer::Truth(given)) => Some(if key == given { points } else { 0.0 }),
        // Not among the accepted answers: a teacher may still give credit.
        (Key::Accepted(accepted), Answer::Text(given)) => {
            accepted.iter().any(|a| crate::cards::typed_matches(a, given)).then_some(points)
        }
        _ => Some(0.0),
    }
}

/// Watched parts of a video as sorted, disjoint `[start, end)` second ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watched(pub Vec<(u32, u32)>);

impl Watched {
    pub fn add(&mut self, start: u32, end: u32) {
        if end <= start {
            return;
        }
        self.0.push((start, end));
        self.0.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.0.len());
        for &(s, e) in &self.0 {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.0 = merged;
    }

    pub fn union(&self, other: &Watched) -> Watched {
        let mut all = self.clone();
        for &(s, e) in &other.0 {
            all.add(s, e);
        }
        all
    }

    /// Seconds watched from the start without a gap: how far the student may seek when
    /// skipping ahead is prevented.
    pub fn contiguous_from_start(&self) -> u32 {
        match self.0.first() {
            Some(&(0, end)) => end,
            _ => 0,
        }
    }

    pub fn total(&self) -> u32 {
        self.0.iter().map(|(s, e)| e - s).sum()
    }

    /// `"0-35,40-60"`.
    pub fn encode(&self) -> String {
        self.0.iter().map(|(s, e)| format!("{s}-{e}")).collect::<Vec<_>>().join(",")
    }

    pub fn decode(text: &str) -> Watched {
        let mut watched = Watched::default();
        for part in text.split(',') {
            if let Some((s, e)) = part.split_once('-')
                && let (Ok(s), Ok(e)) = (s.trim().parse(), e.trim().parse())
            {
                watched.add(s, e);
            }
        }
        watched
    }
}

/// A graded attempt: points per question (`None`: waiting for a teacher), and the total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptResult {
    pub attempt_id: String,
    pub student_id: String,
    pub submitted_at: Option<i64>,
    pub points: BTreeMap<String, Option<f64>>,
    pub score: f64,
    pub max_score: f64,
    /// Every answered question has points.
    pub complete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: QuestionKind, options: usize) -> Question {
        Question {
            id: "q".into(),
            at_secs: 30,
            kind,
            prompt: "Which?".into(),
            options: (0..options).map(|i| format!("option {i}")).collect(),
            points: 2,
        }
    }

    #[test]
    fn questions_keys_and_answers_are_checked() {
        let single = question(QuestionKind::SingleChoice, 3);
        assert_eq!(single.check(120), Ok(()));
        assert_eq!(single.check(20), Err(VideoError::BeyondVideo { at: 30, duration: 20 }));
        assert_eq!(question(QuestionKind::SingleChoice, 1).check(60), Err(VideoError::BadOptions));
        assert_eq!(question(QuestionKind::TrueFalse, 2).check(60), Err(VideoError::BadOptions));
        assert!(single.check_key(&Key::Choices([0, 1].into())).is_err());
        assert!(single.check_key(&Key::Choices([7].into())).is_err());
        assert!(single.check_answer(&Answer::Choices([5].into())).is_err());
        assert!(single.check_answer(&Answer::Truth(true)).is_err());
        assert_eq!(single.check_answer(&Answer::Choices([2].into())), Ok(()));
    }

    #[test]
    fn grading_choice_truth_and_text() {
        let single = question(QuestionKind::SingleChoice, 3);
        assert_eq!(grade(&single, &Key::Choices([1].into()), &Answer::Choices([1].into())), Some(2.0));
        assert_eq!(grade(&single, &Key::Choices([1].into()), &Answer::Choices([2].into())), Some(0.0));
        let multiple = question(QuestionKind::MultipleChoice, 4);
        assert_eq!(grade(&multiple, &Key::Choices([0, 2].into()), &Answer::Choices([0].into())), Some(1.0));
        assert_eq!(grade(&multiple, &Key::Choices([0, 2].into()), &Answer::Choices([0, 1].into())), Some(0.0));
        let truth = question(QuestionKind::TrueFalse, 0);
        assert_eq!(grade(&truth, &Key::Truth(false), &Answer::Truth(false)), Some(2.0));
        let text = question(QuestionKind::ShortText, 0);
        assert_eq!(
            grade(&text, &Key::Accepted(vec!["Photosynthesis".into()]), &Answer::Text("photosynthesis".into())),
            Some(2.0)
        );
        assert_eq!(grade(&text, &Key::Accepted(vec![]), &Answer::Text("sun".into())), None);
    }

    #[test]
    fn watched_intervals_merge() {
        let mut a = Watched::default();
        a.add(0, 30);
        a.add(25, 50);
        a.add(70, 80);
        assert_eq!(a.0, vec![(0, 50), (70, 80)]);
        assert_eq!(a.contiguous_from_start(), 50);
        let b = Watched::decode("45-72, junk, 9-3");
        assert_eq!(a.union(&b).0, vec![(0, 80)]);
        assert_eq!(Watched::decode(&a.encode()), a);
        assert_eq!(a.total(), 60);
    }
}
