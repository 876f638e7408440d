//! The names at the root of a document, for code that watches what a change touched (the
//! client's materialized tables). The fields inside each entry are known only to this module's
//! readers and writers.

pub const TITLE: &str = "title";
pub const THEME: &str = "theme";
/// A video test's video (SHA-256).
pub const MEDIA: &str = "media";
pub const BODY: &str = "body";
pub const CARDS: &str = "cards";
pub const ASSIGNMENTS: &str = "assignments";
pub const QUESTIONS: &str = "questions";
pub const REVIEWS: &str = "reviews";
pub const POSITIONS: &str = "positions";
pub const FURTHEST: &str = "furthest";
pub const READING_DAYS: &str = "reading_days";
pub const BOOKMARKS: &str = "bookmarks";
pub const HIGHLIGHTS: &str = "highlights";
pub const ATTEMPTS: &str = "attempts";
