//! Flashcard study: what is asked next, how an answer came out, the schedule, class settings.

use serde::{Deserialize, Serialize};
use tallschool_shared::ClassId;
use tallschool_shared::scheduling::{CardState, Rating, StudySettings};

/// What the student is asked next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NextItem {
    pub deck_id: tallschool_shared::DocId,
    pub item_id: String,
    pub card_id: String,
    pub prompt: String,
    pub answer: String,
    /// The answer is typed in rather than revealed.
    pub typed: bool,
    pub hint: String,
    pub example: String,
    /// SHA-256 of the images and sounds the card shows.
    pub media: Vec<String>,
    pub phase: String,
    pub counts: Counts,
    /// Seconds until the card comes back if rated Again, Hard, Good, Easy now (the rating
    /// buttons show them, as Anki's do).
    #[serde(default)]
    pub intervals: [i64; 4],
}

/// Due now in a deck: cards in (re)learning, reviews due today, new cards left today.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub learning: u64,
    pub review: u64,
    pub new: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.learning + self.review + self.new
    }
}

/// How an answer came out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answered {
    pub item: String,
    pub rating: Rating,
    /// The item's schedule after the answer.
    pub state: CardState,
    /// For a typed answer: whether it matched.
    pub typed_correct: Option<bool>,
    /// The card's answer, to show.
    pub answer: String,
    /// What to show next in this deck (`None`: nothing is left now), so a study screen needs
    /// one message per answer.
    #[serde(default)]
    pub next: Option<NextItem>,
}

/// One studied item's schedule, as the queue lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scheduled {
    pub item_id: String,
    pub phase: String,
    pub due: i64,
    pub reps: u32,
    pub lapses: u32,
    pub stability: f32,
}

/// A class of this device's user with its study settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassSettings {
    pub id: ClassId,
    pub name: String,
    pub study: StudySettings,
}
