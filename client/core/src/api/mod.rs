//! The typed API every front end calls: one service per concept, reached from a [`Core`]
//! (`core.study().answer(…)`). Each method takes typed input and returns a contract type;
//! each write is one durable transaction and is followed by the [`Event`]s of what changed.
//!
//! | service | what |
//! |---|---|
//! | [`SessionService`] | sign in, new password, sign out |
//! | [`SyncService`] | sync rounds, the store's state, documents |
//! | [`LobbyService`] | the student's Lobby |
//! | [`DeckService`] | decks and cards (teachers), deck reports |
//! | [`StudyService`] | the next card, answers, the queue |
//! | [`ClassService`] | classes, study settings, the retention heatmap |
//! | [`ReaderService`] | texts, reading position, marks, reading progress |
//! | [`VideoTestService`] | video tests, attempts, results, grading |
//! | [`AssignmentService`] | assigning work |
//! | [`DigestService`] | weekly digests |
//! | [`MediaService`] | the media cache and uploads |
//! | [`SettingsService`] | device settings |
//!
//! [`Event`]: tallschool_contract::Event

mod assignments;
mod classes;
mod decks;
mod digests;
mod lobby;
mod media;
mod reader;
mod session;
mod settings;
mod study;
mod sync;
mod video_tests;

pub use assignments::AssignmentService;
pub use classes::ClassService;
pub use decks::DeckService;
pub use digests::DigestService;
pub use lobby::LobbyService;
pub use media::{MediaService, UPLOAD_CHUNK};
pub use reader::ReaderService;
pub use session::SessionService;
pub use settings::SettingsService;
pub use study::StudyService;
pub use sync::{Round, SyncService};
pub use video_tests::VideoTestService;

use tallschool_contract::Event;
use tallschool_shared::DocId;

use crate::Core;
use crate::error::{ClientError, Result};
use crate::store::Store;

impl Core {
    pub fn session(&self) -> SessionService<'_> {
        SessionService { core: self }
    }
    pub fn sync(&self) -> SyncService<'_> {
        SyncService { core: self }
    }
    pub fn lobby(&self) -> LobbyService<'_> {
        LobbyService { core: self }
    }
    pub fn decks(&self) -> DeckService<'_> {
        DeckService { core: self }
    }
    pub fn study(&self) -> StudyService<'_> {
        StudyService { core: self }
    }
    pub fn classes(&self) -> ClassService<'_> {
        ClassService { core: self }
    }
    pub fn reader(&self) -> ReaderService<'_> {
        ReaderService { core: self }
    }
    pub fn video_tests(&self) -> VideoTestService<'_> {
        VideoTestService { core: self }
    }
    pub fn assignments(&self) -> AssignmentService<'_> {
        AssignmentService { core: self }
    }
    pub fn digests(&self) -> DigestService<'_> {
        DigestService { core: self }
    }
    pub fn media(&self) -> MediaService<'_> {
        MediaService { core: self }
    }
    pub fn settings(&self) -> SettingsService<'_> {
        SettingsService { core: self }
    }

    /// Tell listeners that `docs` changed, and what that touches.
    pub(crate) fn changed(&self, docs: &[DocId]) {
        if !docs.is_empty() {
            self.emit(&Event::DocumentsChanged { docs: docs.to_vec() });
            self.emit(&Event::LobbyChanged);
        }
    }

    /// One step of work on the locked store.
    pub(crate) fn with_store<T>(&self, work: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        work(&mut self.store())
    }
}

/// The document, or "not on this device".
pub(crate) fn must_exist<T>(found: Option<T>, doc: DocId) -> Result<T> {
    found.ok_or_else(|| ClientError::UnknownDocument(doc.to_string()))
}

/// Character offsets of the first occurrence of `words` in `body`.
pub(crate) fn find_words(body: &str, words: &str) -> Result<(u64, u64)> {
    let byte = body.find(words).ok_or_else(|| ClientError::invalid("find", format!("{words:?} is not in the text")))?;
    let start = body[..byte].chars().count() as u64;
    Ok((start, start + words.chars().count() as u64))
}
