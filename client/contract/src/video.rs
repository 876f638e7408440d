//! Video tests: settings, questions and the student's attempts.

use serde::{Deserialize, Serialize};
use tallschool_shared::UserId;
use tallschool_shared::schema::Attempt;
pub use tallschool_shared::video::TestSettings;
use tallschool_shared::video::{AttemptResult, Key, QuestionKind};

/// A question to add at `at_secs` into the video.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewQuestion {
    pub at_secs: u32,
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<String>,
    pub points: u32,
    /// The answer key (kept apart from the test the students receive).
    pub key: Option<Key>,
}

/// An attempt started or resumed, and where in the video it stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptStarted {
    pub attempt: String,
    pub position: u32,
}

/// What the student sees of their attempts: graded results from the server where known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub attempt: Attempt,
    pub result: Option<AttemptResult>,
}

/// One student's attempt as their teacher sees it: the answers given and, once graded, the
/// points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub student: UserId,
    pub attempt: Attempt,
    pub result: Option<AttemptResult>,
}
