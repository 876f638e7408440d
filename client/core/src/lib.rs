//! TallSchool's offline engine. Everything a student or teacher does is written to a local
//! SQLite store first, as automerge changes, and synced when a network is there: a device is
//! fully usable offline, and nothing done offline is ever lost.
//!
//! - [`store`]: the local store (documents as snapshot + chunks, the outbox, the cursor,
//!   materialized tables), every write one durable transaction.
//! - [`content`]: operations on documents (decks, texts, video tests, progress).
//! - [`session`] and [`api`]: sign-in and the HTTP client.
//! - [`engine`]: sync rounds until nothing is left; resumable at any point.

pub mod api;
pub mod content;
pub mod engine;
pub mod error;
pub mod learning;
pub mod lobby;
pub mod media;
pub mod reading;
pub mod reports;
pub mod session;
pub mod store;
pub mod video_tests;

pub use engine::{Client, LogoutReport, SyncReport};
pub use error::{ClientError, Unsynced};
pub use store::Store;
