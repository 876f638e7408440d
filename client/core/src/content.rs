//! Operations on documents. Each one is a single automerge change made through
//! [`Store::edit`], so a whole study session or a whole edit is one change, not one per tap.

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, AutomergeError, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::{ClassId, DocId, UserId};

use crate::error::{ClientError, Result};
use crate::store::Store;

/// What the listing shows of a document.
pub struct Summary {
    pub title: String,
    /// Cards, questions, characters of text, or review sessions.
    pub items: i64,
}

pub fn summarize(kind: DocKind, doc: &Automerge) -> Summary {
    let title = match doc.get(ROOT, "title") {
        Ok(Some((Value::Scalar(value), _))) => value.as_str().unwrap_or_default().to_owned(),
        _ => String::new(),
    };
    let count = |key: &str| child(doc, key).map(|obj| i64::try_from(doc.length(&obj)).unwrap_or(0)).unwrap_or(0);
    let items = match kind {
        DocKind::Deck => count("cards"),
        DocKind::Text => count("body"),
        DocKind::VideoTest => count("questions"),
        DocKind::Progress => count("reviews"),
    };
    Summary { title, items }
}

fn child(doc: &Automerge, key: &str) -> Option<ObjId> {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

fn child_in(tx: &Transaction<'_>, key: &str) -> std::result::Result<ObjId, AutomergeError> {
    match tx.get(ROOT, key)? {
        Some((Value::Object(_), id)) => Ok(id),
        _ => Err(AutomergeError::InvalidObjId(key.to_owned())),
    }
}

/// A new deck, text or video test in `class`, titled `title`.
pub fn create(store: &mut Store, kind: DocKind, class: ClassId, title: &str) -> Result<DocMeta> {
    if !kind.is_content() {
        return Err(ClientError::Invalid("progress documents are created by studying".to_owned()));
    }
    let meta = DocMeta::content(DocId(uuid::Uuid::new_v4()), kind, class);
    store.edit(&meta, |tx| tx.put(ROOT, "title", title).map(|_| ()))?;
    Ok(meta)
}

pub fn set_title(store: &mut Store, doc: DocId, title: &str) -> Result<()> {
    let meta = existing(store, doc)?;
    store.edit(&meta, |tx| tx.put(ROOT, "title", title).map(|_| ()))?;
    Ok(())
}

/// Add a card (or overwrite the given fields of an existing one). Returns the card id.
pub fn put_card(
    store: &mut Store,
    deck: DocId,
    card: Option<&str>,
    front: Option<&str>,
    back: Option<&str>,
) -> Result<String> {
    let meta = existing(store, deck)?;
    if meta.kind != DocKind::Deck {
        return Err(ClientError::Invalid(format!("{deck} is not a deck")));
    }
    let card_id = card.map(str::to_owned).unwrap_or_else(short_id);
    store.edit(&meta, |tx| {
        let cards = child_in(tx, "cards")?;
        let card = match tx.get(&cards, card_id.as_str())? {
            Some((Value::Object(_), id)) => id,
            _ => tx.put_object(&cards, card_id.as_str(), ObjType::Map)?,
        };
        if let Some(front) = front {
            tx.put(&card, "front", front)?;
        }
        if let Some(back) = back {
            tx.put(&card, "back", back)?;
        }
        Ok(())
    })?;
    Ok(card_id)
}

/// Append text at the end of a reader text.
pub fn append_text(store: &mut Store, text: DocId, words: &str) -> Result<()> {
    let meta = existing(store, text)?;
    store.edit(&meta, |tx| {
        let body = child_in(tx, "body")?;
        let end = tx.length(&body);
        tx.splice_text(&body, end, 0, words)
    })?;
    Ok(())
}

/// Add a question at `at_secs` into a video test. Returns the question id.
pub fn add_question(store: &mut Store, test: DocId, at_secs: u32, prompt: &str) -> Result<String> {
    let meta = existing(store, test)?;
    let id = uuid::Uuid::new_v4().to_string();
    store.edit(&meta, |tx| {
        let questions = child_in(tx, "questions")?;
        let question = tx.put_object(&questions, id.as_str(), ObjType::Map)?;
        tx.put(&question, "at_secs", u64::from(at_secs))?;
        tx.put(&question, "prompt", prompt)?;
        Ok(())
    })?;
    Ok(id)
}

pub use tallschool_shared::reviews::Review;

/// Record a study session: all its reviews become one value under a fresh session id in the
/// student's progress document for `subject`, so merging devices is a set union.
pub fn record_session(store: &mut Store, student: UserId, subject: DocId, reviews: &[Review]) -> Result<DocMeta> {
    let subject_meta = existing(store, subject)?;
    if !subject_meta.kind.is_content() {
        return Err(ClientError::Invalid(format!("{subject} is not a deck, text or video test")));
    }
    let mut ordered = reviews.to_vec();
    ordered.sort_by_key(|review| review.at);
    let packed = tallschool_shared::reviews::pack(&ordered).map_err(|e| ClientError::Invalid(e.to_string()))?;
    let meta = DocMeta::progress(student, &subject_meta);
    let session = short_id();
    store.edit(&meta, |tx| {
        let sessions = child_in(tx, "reviews")?;
        tx.put(&sessions, session.as_str(), ScalarValue::Bytes(packed)).map(|_| ())
    })?;
    Ok(meta)
}

/// Every review in a progress document, ordered by time then card.
pub fn reviews(doc: &Automerge) -> Vec<Review> {
    let Some(sessions) = child(doc, "reviews") else { return Vec::new() };
    let mut all: Vec<Review> = doc
        .map_range(&sessions, ..)
        .filter_map(|item| match item.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(bytes)) => {
                tallschool_shared::reviews::unpack(&bytes).ok()
            }
            _ => None,
        })
        .flatten()
        .collect();
    all.sort_by(|a, b| (a.at, &a.card, a.rating).cmp(&(b.at, &b.card, b.rating)));
    all
}

/// The document as JSON, for `tallschool show` and tests.
pub fn to_json(doc: &Automerge) -> serde_json::Value {
    serde_json::to_value(automerge::AutoSerde::from(doc)).unwrap_or(serde_json::Value::Null)
}

/// A short random id (12 characters, 72 bits) for cards and study sessions: unique within a
/// document for all practical purposes, and a fraction of a UUID's bytes in every review.
pub fn short_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
    let mut rng = rand::rng();
    (0..12).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

fn existing(store: &Store, id: DocId) -> Result<DocMeta> {
    store.meta(id)?.ok_or_else(|| ClientError::UnknownDocument(id.to_string()))
}
