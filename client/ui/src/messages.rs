//! What a person reads when something fails: one sentence per error code, without jargon.

use tallschool_contract::{Error, ErrorCode};

/// The message for a failed sign-in.
pub fn sign_in_failure(error: &Error) -> String {
    match (error.code, error.server_code.as_deref()) {
        (ErrorCode::Offline, _) => {
            "The school's server cannot be reached. Check the address and your connection, then try again.".to_owned()
        }
        (ErrorCode::Refused, Some("rate_limited")) => "Too many attempts. Wait a minute, then try again.".to_owned(),
        (ErrorCode::Refused, _) => "That username and password do not match. Try again.".to_owned(),
        (ErrorCode::Invalid, _) => error.message.clone(),
        (ErrorCode::PasswordChangeRequired, _) => "Choose a new password to continue.".to_owned(),
        _ => format!("Signing in did not work: {}", error.message),
    }
}

/// The message for any other failure.
pub fn failure(error: &Error) -> String {
    match error.code {
        ErrorCode::Offline => "You are offline. Your work is kept on this computer and syncs later.".to_owned(),
        ErrorCode::SessionExpired => "Your session has ended. Sign in again; nothing you did is lost.".to_owned(),
        _ => error.message.clone(),
    }
}

/// "1 card", "3 cards": a count with its noun (English plurals; `many` for anything but 1).
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: ErrorCode, server_code: Option<&str>) -> Error {
        Error { code, message: "details".to_owned(), field: None, server_code: server_code.map(str::to_owned) }
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(1, "row", "rows"), "1 row");
        assert_eq!(count(0, "row", "rows"), "0 rows");
        assert_eq!(count(2, "card", "cards"), "2 cards");
    }

    #[test]
    fn each_sign_in_failure_says_what_to_do() {
        assert!(sign_in_failure(&error(ErrorCode::Offline, None)).contains("cannot be reached"));
        assert!(sign_in_failure(&error(ErrorCode::Refused, Some("invalid_credentials"))).contains("do not match"));
        assert!(sign_in_failure(&error(ErrorCode::Refused, Some("rate_limited"))).contains("Too many attempts"));
        assert!(sign_in_failure(&error(ErrorCode::PasswordChangeRequired, None)).contains("new password"));
    }
}
