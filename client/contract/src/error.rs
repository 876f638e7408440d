//! One error for every operation: a stable code a front end can branch on, the input field at
//! fault (when one is), and a message written for the person using the app.

use serde::{Deserialize, Serialize};

/// What went wrong, as a front end needs to know it. The names are stable (snake_case on the
/// wire); new codes may be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Nobody is signed in on this device.
    NotSignedIn,
    /// The session ended (signed out elsewhere, expired): sign in again; unsynced work is kept.
    SessionExpired,
    /// Signed in with a one-time password: a new password must be chosen first.
    PasswordChangeRequired,
    /// The school signed this device out and removed the account's data from it.
    DeviceWiped,
    /// Signing out would delete work the server does not have yet.
    UnsyncedWork,
    /// The server cannot be reached (or is too busy); try again later.
    Offline,
    /// The server refused the request (wrong password, not allowed, invalid there).
    Refused,
    /// No such document, card, question, file… on this device.
    NotFound,
    /// The input is not valid; `field` says which part.
    Invalid,
    /// The device's storage failed (disk full, file unreadable).
    Storage,
    /// The server answered something this version cannot read; the app may need an update.
    Protocol,
    /// The server accepts only newer versions of the app: update it (nothing on the device is
    /// lost; it syncs after the update).
    UpdateRequired,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotSignedIn => "not_signed_in",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::DeviceWiped => "device_wiped",
            ErrorCode::UnsyncedWork => "unsynced_work",
            ErrorCode::Offline => "offline",
            ErrorCode::Refused => "refused",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Storage => "storage",
            ErrorCode::Protocol => "protocol",
            ErrorCode::UpdateRequired => "update_required",
        }
    }
}

/// An operation's failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The server's own error code, when the server refused (e.g. `forbidden`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_code: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), field: None, server_code: None }
    }

    /// Invalid input in `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        Error { field: Some(field.to_owned()), ..Error::new(ErrorCode::Invalid, message) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_snake_case_on_the_wire() {
        let error = Error::invalid("rating", "a rating is again, hard, good or easy");
        let json = serde_json::to_value(&error).unwrap_or_default();
        assert_eq!(json["code"], "invalid");
        assert_eq!(json["field"], "rating");
        assert!(json.get("server_code").is_none());
        for code in [ErrorCode::NotSignedIn, ErrorCode::PasswordChangeRequired, ErrorCode::UnsyncedWork] {
            assert_eq!(serde_json::to_value(code).unwrap_or_default(), code.as_str());
        }
        let back: Error = serde_json::from_value(json).unwrap_or_else(|_| Error::new(ErrorCode::Protocol, ""));
        assert_eq!(back, error);
    }
}
