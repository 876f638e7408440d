//! Texts: `title`, `body` (text, Markdown), `assignments`.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ROOT, ReadDoc};

use super::{child, keys, map_in};

pub fn body<R: ReadDoc>(doc: &R) -> String {
    child(doc, &ROOT, keys::BODY).and_then(|body| doc.text(&body).ok()).unwrap_or_default()
}

/// Replace `removed` characters at `at` with `inserted`: only the changed middle, so readers'
/// anchors before and after it stay exact.
pub fn splice_body<T: Transactable>(
    tx: &mut T,
    at: usize,
    removed: usize,
    inserted: &str,
) -> Result<(), AutomergeError> {
    let body = map_in(tx, &ROOT, keys::BODY)?;
    tx.splice_text(&body, at, isize::try_from(removed).unwrap_or(isize::MAX), inserted)
}

pub fn append_to_body<T: Transactable>(tx: &mut T, words: &str) -> Result<(), AutomergeError> {
    let body = map_in(tx, &ROOT, keys::BODY)?;
    let end = tx.length(&body);
    tx.splice_text(&body, end, 0, words)
}
