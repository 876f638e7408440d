//! One error type for the client. Being offline is not an error: see `SyncReport::offline`.

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("local store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("document: {0}")]
    Document(#[from] automerge::AutomergeError),
    #[error("file {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error("not signed in: run `tallschool login` first")]
    NotSignedIn,
    #[error("the session has ended; sign in again (unsynced work is kept)")]
    SessionExpired,
    #[error("this account signed in with a one-time password and must choose a new password first")]
    PasswordChangeRequired,
    #[error("{0}; signing out would delete it from this device")]
    UnsyncedWork(Unsynced),
    #[error("the server refused: {status} {code}: {message}")]
    Server { status: u16, code: String, message: String },
    #[error("the server cannot be reached: {0}")]
    Offline(String),
    #[error("the server sent something unreadable: {0}")]
    Protocol(String),
    #[error("{0}")]
    Invalid(String),
    #[error("no document {0} on this device")]
    UnknownDocument(String),
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// Work on this device that the server does not have.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
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
