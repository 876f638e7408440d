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
