//! What teachers see of their class, computed on their device.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tallschool_shared::{DocId, UserId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudentRow {
    pub student_id: UserId,
    pub reviews: u64,
    pub cards_studied: u64,
    pub lapses: u64,
    /// Mean probability of recalling the studied cards now.
    pub predicted_retention: Option<f64>,
    pub struggling: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardRow {
    pub card_id: String,
    pub front: String,
    pub reviews: u64,
    pub students: u64,
    pub predicted_retention: Option<f64>,
}

/// A deck's report: per student, per card, and the student × card heatmap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeckReport {
    pub deck_id: DocId,
    pub title: String,
    pub theme: String,
    pub students: Vec<StudentRow>,
    pub cards: Vec<CardRow>,
    /// Student → card → predicted retention.
    pub heatmap: BTreeMap<UserId, BTreeMap<String, f64>>,
}

/// Theme → student → mean predicted retention of the class's decks of that theme.
pub type ThemeHeatmap = BTreeMap<String, BTreeMap<UserId, f64>>;

/// One student's progress in a text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadingRow {
    pub student_id: UserId,
    pub furthest_percent: f64,
    pub last_read_at: Option<i64>,
    pub highlights: u64,
    pub bookmarks: u64,
    pub own_cards: u64,
}
