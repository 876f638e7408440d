//! Keeping personal data out of documents (SECURITY.md item 24). Documents keep their whole
//! history and are copied to every device of a class, so what a student types into them (notes,
//! answers, their own cards) must not carry contact details: a change whose text holds an email
//! address is refused — by the engine before it is written, and by the server if another client
//! sends one. Names are kept out by design: documents refer to people by opaque ids only.

use automerge::{Change, ScalarValue};

/// Whether `text` holds something shaped like an email address (`local@domain.tld`).
pub fn has_email_address(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || "<>()[]{},;:\"'".contains(c)).any(is_email_address)
}

fn is_email_address(word: &str) -> bool {
    let word = word.trim_end_matches(['.', '!', '?']);
    let Some((local, domain)) = word.split_once('@') else { return false };
    let local_ok = !local.is_empty() && local.chars().all(|c| c.is_alphanumeric() || "._%+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
    local_ok && domain_ok
}

/// The first text value a change writes that holds an email address, if any.
pub fn email_in_change(change: &Change) -> Option<String> {
    change.decode().operations.into_iter().find_map(|op| match op.action {
        automerge::legacy::OpType::Put(ScalarValue::Str(text)) if has_email_address(&text) => Some(text.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    use super::*;

    #[test]
    fn finds_email_addresses_in_free_text_and_nothing_else() {
        for text in ["write to ada.l@example.org", "(mail: x+y@school.co.uk).", "ADA@EXAMPLE.ORG!"] {
            assert!(has_email_address(text), "{text}");
        }
        for text in ["@home at 5", "a@b", "2 @ 3.5", "user@localhost", "x@1.2", "café au lait", "ratio 3:2 @ 10.4"] {
            assert!(!has_email_address(text), "{text}");
        }
    }

    #[test]
    fn finds_the_email_a_change_writes() {
        let mut doc = AutoCommit::new();
        doc.put(&ROOT, "note", "see page 4").unwrap();
        doc.put(&ROOT, "colour", "yellow").unwrap();
        let clean = doc.get_last_local_change().unwrap().clone();
        assert_eq!(email_in_change(&clean), None);
        doc.put(&ROOT, "note", "my mum is jane@example.org").unwrap();
        let leaking = doc.get_last_local_change().unwrap().clone();
        assert_eq!(email_in_change(&leaking).as_deref(), Some("my mum is jane@example.org"));
    }
}
