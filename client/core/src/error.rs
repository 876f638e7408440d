//! One error type for the engine, turned into the contract's [`tallschool_contract::Error`]
//! (a stable code and a message for a person) at the API's edge. Being offline during a sync
//! is not an error: see `SyncReport::offline`.

use tallschool_contract::{Error, ErrorCode};

pub use tallschool_contract::sync::Unsynced;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("local store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("document: {0}")]
    Document(#[from] automerge::AutomergeError),
    #[error("file {path}: {source}")]
    File { path: String, source: std::io::Error },
    #[error("not signed in")]
    NotSignedIn,
    #[error("the session has ended; sign in again (unsynced work is kept)")]
    SessionExpired,
    #[error("your school signed this device out and removed this account's data from it")]
    DeviceWiped,
    #[error("this account signed in with a one-time password and must choose a new password first")]
    PasswordChangeRequired,
    #[error("{0}; signing out would delete it from this device")]
    UnsyncedWork(Unsynced),
    /// The server accepts only newer apps; the message names the version it needs.
    #[error("{0}")]
    UpdateRequired(String),
    #[error("the server refused: {status} {code}: {message}")]
    Server { status: u16, code: String, message: String },
    #[error("the server cannot be reached: {0}")]
    Offline(String),
    #[error("the server sent something unreadable: {0}")]
    Protocol(String),
    /// Input that is not valid, and the request field at fault.
    #[error("{message}")]
    InvalidField { field: &'static str, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("no document {0} on this device")]
    UnknownDocument(String),
}

impl ClientError {
    /// Invalid input in `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ClientError {
        ClientError::InvalidField { field, message: message.into() }
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

impl From<ClientError> for Error {
    fn from(error: ClientError) -> Error {
        let message = match &error {
            // The person reads the server's own words; the code is in `server_code`.
            ClientError::Server { message, .. } => message.clone(),
            other => other.to_string(),
        };
        let code = match &error {
            ClientError::Store(_) | ClientError::Document(_) | ClientError::File { .. } => ErrorCode::Storage,
            ClientError::NotSignedIn => ErrorCode::NotSignedIn,
            ClientError::SessionExpired => ErrorCode::SessionExpired,
            ClientError::DeviceWiped => ErrorCode::DeviceWiped,
            ClientError::UpdateRequired(_) => ErrorCode::UpdateRequired,
            ClientError::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            ClientError::UnsyncedWork(_) => ErrorCode::UnsyncedWork,
            ClientError::Server { status: 404, .. } | ClientError::UnknownDocument(_) => ErrorCode::NotFound,
            ClientError::Server { .. } => ErrorCode::Refused,
            ClientError::Offline(_) => ErrorCode::Offline,
            ClientError::Protocol(_) => ErrorCode::Protocol,
            ClientError::Invalid(_) | ClientError::InvalidField { .. } => ErrorCode::Invalid,
        };
        let mut out = Error::new(code, message);
        match error {
            ClientError::InvalidField { field, .. } => out.field = Some(field.to_owned()),
            ClientError::Server { code, .. } if !code.is_empty() => out.server_code = Some(code),
            _ => {}
        }
        out
    }
}
