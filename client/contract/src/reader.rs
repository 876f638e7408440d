//! The reader: a text, the student's place in it, bookmarks and highlights.

use serde::{Deserialize, Serialize};
use tallschool_shared::reader::Section;
use tallschool_shared::schema::Mark;

/// What the reader shows of a text and the student's place in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReaderView {
    pub title: String,
    pub chars: u64,
    pub outline: Vec<Section>,
    pub media: Vec<String>,
    /// Where this device's user was last (any device), resolved in the current text.
    pub last_offset: Option<u64>,
    pub last_percent: Option<f64>,
    /// Each device's last position (device key → percent in the current text, when).
    pub devices: Vec<(String, f64, i64)>,
    pub furthest_percent: f64,
    pub bookmarks: Vec<(Mark, u64)>,
    /// Highlights with where their quote is now (`None`: the passage was edited away).
    pub highlights: Vec<(Mark, Option<(u64, u64)>)>,
}

/// Bookmark or highlight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    Bookmark,
    Highlight,
}

/// A place in a text: a character offset, a percentage, or the first occurrence of some words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Offset(u64),
    Percent(f64),
    Find(String),
}

/// A stretch of a text: `start..end` in characters, or the first occurrence of some words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    Range { start: u64, end: u64 },
    Find(String),
}

/// Where the student is now after moving.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub offset: u64,
    pub percent: f64,
}
