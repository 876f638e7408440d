//! The student's Lobby: classes, what is due today, overdue work, the streak, the sync state.

use serde::{Deserialize, Serialize};
use tallschool_shared::DocId;
use tallschool_shared::docs::DocKind;

use crate::learning::Counts;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassEntry {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeckDue {
    pub deck_id: DocId,
    pub title: String,
    pub counts: Counts,
}

/// An assignment for this student and how far along it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssignmentEntry {
    pub doc_id: DocId,
    pub kind: DocKind,
    pub title: String,
    pub assignment_id: String,
    pub section: String,
    pub note: String,
    pub due: Option<i64>,
    pub done: bool,
    pub overdue: bool,
    /// Reading: percent read of the goal's percent.
    pub progress_percent: Option<f64>,
    pub goal_percent: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub pending_changes: u64,
    pub unsaved_answers: u64,
    pub refused_documents: u64,
    pub last_sync_at: Option<i64>,
    /// The server refused this app as too old: it should be updated (its work is kept).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub update_required: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lobby {
    pub classes: Vec<ClassEntry>,
    /// Decks with cards due today.
    pub cards_due: Vec<DeckDue>,
    pub cards_due_total: u64,
    /// Assignments due by the end of today, or with no date, not done yet.
    pub due_today: Vec<AssignmentEntry>,
    pub overdue: Vec<AssignmentEntry>,
    /// Everything assigned, done or not.
    pub assignments: Vec<AssignmentEntry>,
    pub streak_days: u32,
    pub sync: SyncState,
}
