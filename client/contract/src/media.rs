//! The device's media cache.

use serde::{Deserialize, Serialize};

/// What is cached, what is missing, the budget.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaStatus {
    pub files_wanted: u64,
    pub files_cached: u64,
    pub bytes_wanted: u64,
    pub bytes_cached: u64,
    pub budget_bytes: u64,
    /// Files that do not fit in the budget.
    pub over_budget: u64,
    /// (hash, why) of downloads that failed.
    pub failed: Vec<(String, String)>,
}

/// Progress of a media sync: files and bytes done out of those to fetch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaProgress {
    pub files_done: u64,
    pub files_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub evicted: u64,
    /// Set when the budget is too small for everything.
    pub budget_message: Option<String>,
    pub failed: Vec<(String, String)>,
}

/// A cached object on this device: where it is and what it is (`image/png`, `audio/mpeg`…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaFile {
    pub path: String,
    pub mime: String,
}
