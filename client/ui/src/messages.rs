//! What a person reads when something fails: one sentence per error code, without jargon, in
//! the app's language.

use tallschool_contract::{Error, ErrorCode};
use tallschool_shared::cards::{CardError, RowProblem};

use crate::t;

/// The message for a failed sign-in.
pub fn sign_in_failure(error: &Error) -> String {
    match (error.code, error.server_code.as_deref()) {
        (ErrorCode::Offline, _) => t!("sign-in-unreachable"),
        (ErrorCode::Refused, Some("rate_limited")) => t!("sign-in-too-many"),
        (ErrorCode::Refused, _) => t!("sign-in-wrong"),
        (ErrorCode::Invalid, _) => error.message.clone(),
        (ErrorCode::PasswordChangeRequired, _) => t!("sign-in-new-password"),
        (ErrorCode::UpdateRequired, _) => t!("error-update-required"),
        _ => t!("sign-in-failed", detail = error.message.as_str()),
    }
}

/// The message for any other failure.
pub fn failure(error: &Error) -> String {
    match error.code {
        ErrorCode::Offline => t!("error-offline"),
        ErrorCode::SessionExpired => t!("error-session-ended"),
        ErrorCode::DeviceWiped => t!("error-device-wiped"),
        ErrorCode::UpdateRequired => t!("error-update-required"),
        _ => error.message.clone(),
    }
}

/// A reason ("the front is empty") standing alone, as a sentence ("The front is empty.").
pub fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.as_str().trim_end_matches('.');
            format!("{}{rest}.", first.to_uppercase())
        }
        None => String::new(),
    }
}

/// Why a row of an imported file was left out.
pub fn row_problem(problem: &RowProblem) -> String {
    match problem {
        RowProblem::Unreadable(detail) => t!("row-unreadable", detail = detail.as_str()),
        RowProblem::TooManyFields { found, expected } => {
            t!("row-too-many-fields", found = *found, expected = *expected)
        }
        RowProblem::Card(card) => card_problem(card),
    }
}

/// What is wrong with a card.
pub fn card_problem(problem: &CardError) -> String {
    match problem {
        CardError::EmptyFront => t!("card-empty-front"),
        CardError::EmptyBack => t!("card-empty-back"),
        CardError::TooLong(field) => t!("card-too-long", field = field.as_str()),
        CardError::ClozeWithoutDeletion => t!("card-cloze-without-deletion"),
        CardError::UnknownType(kind) => t!("card-unknown-type", kind = kind.as_str()),
        CardError::BadMedia(_) => t!("card-bad-media"),
        CardError::BadTag(tag) => t!("card-bad-tag", tag = tag.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{self, Lang};

    fn error(code: ErrorCode, server_code: Option<&str>) -> Error {
        Error { code, message: "details".to_owned(), field: None, server_code: server_code.map(str::to_owned) }
    }

    #[test]
    fn each_sign_in_failure_says_what_to_do() {
        i18n::set(Lang::En);
        assert!(sign_in_failure(&error(ErrorCode::Offline, None)).contains("cannot be reached"));
        assert!(sign_in_failure(&error(ErrorCode::Refused, Some("invalid_credentials"))).contains("do not match"));
        assert!(sign_in_failure(&error(ErrorCode::Refused, Some("rate_limited"))).contains("Too many attempts"));
        assert!(sign_in_failure(&error(ErrorCode::PasswordChangeRequired, None)).contains("new password"));
        i18n::set(Lang::Ru);
        assert!(sign_in_failure(&error(ErrorCode::Refused, Some("rate_limited"))).contains("Слишком много"));
        i18n::set(Lang::En);
    }

    #[test]
    fn a_reason_stands_alone_as_a_sentence() {
        assert_eq!(sentence("the front is empty"), "The front is empty.");
        assert_eq!(sentence("оборотная сторона пуста"), "Оборотная сторона пуста.");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn rows_left_out_say_why_in_each_language() {
        let problem = RowProblem::Card(CardError::EmptyBack);
        i18n::set(Lang::En);
        assert_eq!(row_problem(&problem), "the back is empty");
        assert_eq!(row_problem(&RowProblem::TooManyFields { found: 4, expected: 2 }), "4 fields, the header has 2");
        i18n::set(Lang::Ru);
        assert_eq!(row_problem(&problem), "оборотная сторона пуста");
        i18n::set(Lang::En);
    }
}
