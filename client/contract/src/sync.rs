//! Sign-in, sign-out and sync: what a round did, what waits, what the device holds.

use serde::{Deserialize, Serialize};
use tallschool_shared::docs::DocKind;
use tallschool_shared::{ClassId, DocId, UserId};

/// How far a running sync is, after each round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    /// The round just ended, from 1.
    pub round: u64,
    /// Rounds this sync should take in all, by what is known now ("round 3 of 7"); it grows
    /// if more work arrives meanwhile.
    pub rounds_expected: u64,
    /// Changes made on this device still to send.
    pub to_send: u64,
    /// Changes the server still holds for this device (at most).
    pub to_receive: u64,
}

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub rounds: u64,
    pub sent_changes: u64,
    pub acked_changes: u64,
    pub received_changes: u64,
    pub received_docs: u64,
    pub rejected_docs: u64,
    /// Media references the server will show to nobody (see the status).
    pub media_refused: u64,
    pub bytes_sent: u64,
    /// The server could not be reached; everything stays queued.
    pub offline: bool,
    pub pending_after: u64,
    /// Study answers written into progress documents before sending.
    pub answers_written: u64,
    /// Answer keys handed to the server, and graded results received.
    pub keys_delivered: u64,
    pub results_received: u64,
    /// Steps after the rounds that did not work out (each is retried next sync).
    pub warnings: Vec<String>,
}

/// Work on this device that the server does not have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsynced {
    /// Changes waiting to be sent.
    pub changes: u64,
    /// Study answers not yet written into a document.
    pub answers: u64,
    /// Answer keys written offline, not yet handed to the server.
    pub keys: u64,
    /// Changes the server refused (kept here, never sent again unless retried).
    pub refused: u64,
    /// The server could not be reached to send them.
    pub offline: bool,
}

impl Unsynced {
    pub fn is_empty(&self) -> bool {
        self.changes + self.answers + self.keys + self.refused == 0
    }
}

impl std::fmt::Display for Unsynced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not on the server yet: {} changes, {} study answers, {} answer keys, {} refused changes",
            self.changes, self.answers, self.keys, self.refused
        )?;
        if self.offline {
            write!(f, " (the server cannot be reached)")?;
        }
        Ok(())
    }
}

/// What a sign-out did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutReport {
    /// The server ended the session now (else it is told at the next contact).
    pub ended_on_server: bool,
    /// Unsynced work deleted because the sign-out was told to discard it.
    pub discarded: Unsynced,
}

/// The device's store: what waits to be sent, what was refused, how far it has read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStatus {
    pub pending_changes: u64,
    pub rejected_changes: u64,
    pub documents: u64,
    pub cursor: u64,
    pub epoch: u64,
    pub last_sync_at: Option<i64>,
    /// (document, why) of documents the server refused.
    pub rejections: Vec<(String, String)>,
    /// (document, media hash, why): references that show nothing to anyone.
    pub media_refusals: Vec<(String, String, String)>,
    /// The server's words when it last refused this app as too old (cleared by a good sync):
    /// the app asks its user to update; nothing on the device is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_required: Option<String>,
}

/// A document on this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSummary {
    pub id: DocId,
    pub kind: DocKind,
    pub class_id: ClassId,
    pub owner_id: Option<UserId>,
    pub subject_id: Option<DocId>,
    pub title: String,
    /// Cards, questions, characters of text, or reviews.
    pub items: i64,
}
