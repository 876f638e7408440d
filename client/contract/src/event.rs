//! What the engine tells its front end: what changed after a write or a sync round (so a screen
//! refreshes only that), and how far long work has come.

use serde::{Deserialize, Serialize};
use tallschool_shared::DocId;

use crate::media::MediaProgress;
use crate::sync::{SyncProgress, SyncReport};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// These documents changed on this device (a local edit, or changes from the server).
    DocumentsChanged { docs: Vec<DocId> },
    /// A deck's study queue changed (an answer, an undo, new cards).
    QueueChanged { deck: DocId },
    /// What the Lobby shows may have changed.
    LobbyChanged,
    /// Signed in, signed out, or the password changed.
    SessionChanged,
    /// The school signed this device out and its account's data was removed from it: the
    /// screens go back to sign-in and say why.
    AccountRemoved,
    /// A sync round ended; `report` sums the rounds so far, `progress` says what is left.
    SyncRound { report: SyncReport, progress: SyncProgress },
    /// A sync ended (or found the server out of reach).
    SyncFinished { report: SyncReport },
    /// Media downloads: files and bytes so far.
    MediaProgress { progress: MediaProgress },
    /// An upload: bytes sent of the file's size.
    UploadProgress { done: u64, total: u64 },
    /// An Anki import: its pictures and sounds uploaded so far, of all it has.
    ImportProgress { done: u64, total: u64 },
}
