//! Input rules for names people type. Messages say what is wrong, never echo the value.

use time::Date;
use time::macros::format_description;
use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 64;

/// The canonical form of a username: NFKC, lower case. Look-alike spellings (full-width
/// letters, ligatures, upper case) collapse to one account name.
pub fn normalize_username(raw: &str) -> String {
    raw.nfkc().collect::<String>().to_lowercase()
}

/// A username for a new account: after normalisation only `a-z 0-9 . _ -`, 3–64 characters,
/// starting with a letter or digit. Anything else (spaces, emoji, zero-width or bidi
/// characters, other scripts) is refused rather than silently changed.
pub fn new_username(raw: &str) -> Result<String, ApiError> {
    let name = normalize_username(raw);
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
    let length = name.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&length) {
        return Err(ApiError::Validation(format!("username must have {USERNAME_MIN} to {USERNAME_MAX} characters")));
    }
    if !name.chars().all(allowed) || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(ApiError::Validation(
            "username may contain only letters a-z, digits, '.', '_' and '-', and must start with a letter or digit"
                .to_owned(),
        ));
    }
    Ok(name)
}

/// A short label (school, class, cohort, device name): trimmed, 1..=max characters, no
/// control characters.
pub fn label(field: &str, raw: &str, max: usize) -> Result<String, ApiError> {
    let text: String = raw.trim().nfc().collect();
    let length = text.chars().count();
    if length == 0 || length > max {
        return Err(ApiError::Validation(format!("{field} must have 1 to {max} characters")));
    }
    if text.chars().any(|c| c.is_control() || is_invisible_formatting(c)) {
        return Err(ApiError::Validation(format!("{field} must not contain control or invisible characters")));
    }
    Ok(text)
}

/// Why something is done (a break-glass grant, a legal hold): a label of 10 to 300 characters,
/// shown to the school.
pub fn reason(raw: &str) -> Result<String, ApiError> {
    let reason = label("reason", raw, 300)?;
    if reason.chars().count() < 10 {
        return Err(ApiError::Field {
            field: "reason".to_owned(),
            message: "reason must say why in at least 10 characters".to_owned(),
        });
    }
    Ok(reason)
}

/// A display name: like a label, up to 100 characters.
pub fn display_name(raw: &str) -> Result<String, ApiError> {
    label("display_name", raw, 100)
}

/// An email address: one `@`, a non-empty local part, a dotted domain, no spaces, ≤ 254 bytes.
pub fn email(raw: &str) -> Result<String, ApiError> {
    let text = raw.trim();
    let invalid = || ApiError::Validation("email is not a valid address".to_owned());
    if text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = text.rsplit_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty() && !part.starts_with('-') && !part.ends_with('-'));
    if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// A birth date `YYYY-MM-DD`, not in the future, not before 1900.
/// A birth year (`YYYY`, enough for age bands and preferred: data minimisation) or, where a
/// school needs it, a full date (`YYYY-MM-DD`); never in the future or before 1900.
pub fn birth_date(raw: &str, today_unix: i64) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::Validation("birth_date must be a year YYYY or a real date YYYY-MM-DD, not in the future".to_owned())
    };
    let raw = raw.trim();
    let today = time::OffsetDateTime::from_unix_timestamp(today_unix).map_err(|_| invalid())?.date();
    if raw.len() == 4 && raw.bytes().all(|b| b.is_ascii_digit()) {
        let year: i32 = raw.parse().map_err(|_| invalid())?;
        return if (1900..=today.year()).contains(&year) { Ok(raw.to_owned()) } else { Err(invalid()) };
    }
    let date = Date::parse(raw, format_description!("[year]-[month]-[day]")).map_err(|_| invalid())?;
    if date > today || date.year() < 1900 {
        return Err(invalid());
    }
    Ok(date.to_string())
}

fn is_invisible_formatting(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_normalise_and_refuse_odd_unicode() {
        assert_eq!(new_username("Ana.Lopez").ok().as_deref(), Some("ana.lopez"));
        assert_eq!(new_username("ｔｅａｃｈｅｒ").ok().as_deref(), Some("teacher"), "full-width folds");
        for bad in ["ab", "ana lopez", "ana\u{200B}lopez", "anа", "😀😀😀", "-ana", "ana\nlopez", "ana\u{202E}x"]
        {
            assert!(new_username(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn emails_and_dates_are_checked_without_echoing_them() {
        assert!(email("Ana@Example.ORG").is_ok_and(|e| e == "Ana@example.org"));
        for bad in ["ana", "ana@", "@x.org", "ana@localhost", "a na@x.org", "ana@x..org"] {
            let error = email(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!error.is_empty() && !error.contains(bad), "{bad}");
        }
        let today = 1_795_000_000; // 2026-11-18
        assert!(birth_date("2014-02-28", today).is_ok());
        assert!(birth_date("2014-02-30", today).is_err());
        assert!(birth_date("2099-01-01", today).is_err());
        assert!(birth_date("14/02/2014", today).is_err());
        // A year alone is enough (and preferred): minimisation.
        assert_eq!(birth_date(" 2014 ", today).ok().as_deref(), Some("2014"));
        for bad in ["2027", "1899", "201", "20144", "２０１４"] {
            assert!(birth_date(bad, today).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(label("name", "  Class 1A ", 80).ok().as_deref(), Some("Class 1A"));
        assert!(label("name", "   ", 80).is_err());
        assert!(label("name", &"x".repeat(81), 80).is_err());
        assert!(label("name", "a\u{0007}b", 80).is_err());
    }
}
