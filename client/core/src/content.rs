//! Operations on documents. Each one is a single automerge change made through
//! [`Store::edit`], so a whole study session or a whole edit is one change, not one per tap.

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, AutomergeError, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use tallschool_shared::cards::{self, CardFields, ImportReport};
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::schema;
use tallschool_shared::{ClassId, DocId, UserId};

use crate::error::{ClientError, Result};
use crate::store::Store;
pub use tallschool_contract::request::CardPatch;

pub(crate) fn child_in(tx: &Transaction<'_>, key: &str) -> std::result::Result<ObjId, AutomergeError> {
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

fn write_card(
    tx: &mut Transaction<'_>,
    cards: &ObjId,
    id: &str,
    patch: &CardPatch,
    at: i64,
) -> std::result::Result<(), AutomergeError> {
    let card = match tx.get(cards, id)? {
        Some((Value::Object(_), obj)) => obj,
        _ => {
            let obj = tx.put_object(cards, id, ObjType::Map)?;
            tx.put(&obj, "created_at", at)?;
            obj
        }
    };
    // Only the fields that change are written, so two teachers editing different fields of
    // one card offline both keep their edit.
    let current = schema::read_card(tx, id.to_owned(), &card).fields;
    let mut next = current.clone();
    patch.apply(&mut next);
    if next.card_type != current.card_type || tx.get(&card, "type")?.is_none() {
        tx.put(&card, "type", next.card_type.as_str())?;
    }
    for (key, old, new) in [
        ("front", &current.front, &next.front),
        ("back", &current.back, &next.back),
        ("example", &current.example, &next.example),
        ("hint", &current.hint, &next.hint),
    ] {
        if old != new {
            tx.put(&card, key, new.as_str())?;
        }
    }
    if next.tags != current.tags {
        tx.put(&card, "tags", next.tags.join(" "))?;
    }
    if next.media != current.media {
        tx.put(&card, "media", next.media.join(" "))?;
    }
    Ok(())
}

/// The deck's metadata, and `f` applied to its document (read in place, not copied).
fn with_deck<T>(store: &mut Store, deck: DocId, f: impl FnOnce(&Automerge) -> T) -> Result<(DocMeta, T)> {
    let found = store.read(deck, |meta, doc| (meta.clone(), f(doc)))?;
    let (meta, value) = found.ok_or_else(|| ClientError::UnknownDocument(deck.to_string()))?;
    if meta.kind != DocKind::Deck {
        return Err(ClientError::Invalid(format!("{deck} is not a deck")));
    }
    Ok((meta, value))
}

fn find_card(doc: &Automerge, id: &str) -> Option<schema::StoredCard> {
    let cards = schema::child(doc, &ROOT, "cards")?;
    schema::child(doc, &cards, id).map(|obj| schema::read_card(doc, id.to_owned(), &obj))
}

/// Add a card (`card: None`) or change fields of an existing one. Returns the card id.
/// Editing never touches reviews, so every student's schedule for the card is kept.
pub fn put_card(store: &mut Store, deck: DocId, card: Option<&str>, patch: &CardPatch) -> Result<String> {
    let (meta, existing) = with_deck(store, deck, |doc| card.map(|id| find_card(doc, id)))?;
    let mut fields = match existing {
        Some(found) => {
            found
                .ok_or_else(|| ClientError::Invalid(format!("no card {} in deck {deck}", card.unwrap_or_default())))?
                .fields
        }
        None => CardFields::default(),
    };
    patch.apply(&mut fields);
    fields.check().map_err(|e| ClientError::Invalid(e.to_string()))?;
    let card_id = card.map(str::to_owned).unwrap_or_else(short_id);
    let at = store.now();
    store.edit(&meta, |tx| {
        let cards = child_in(tx, "cards")?;
        write_card(tx, &cards, &card_id, patch, at)
    })?;
    Ok(card_id)
}

/// Hide a card from the deck. Its reviews stay in every student's history.
pub fn delete_card(store: &mut Store, deck: DocId, card: &str) -> Result<()> {
    let (meta, exists) = with_deck(store, deck, |doc| find_card(doc, card).is_some())?;
    if !exists {
        return Err(ClientError::Invalid(format!("no card {card} in deck {deck}")));
    }
    store.edit(&meta, |tx| {
        let cards = child_in(tx, "cards")?;
        let Some((Value::Object(_), obj)) = tx.get(&cards, card)? else { return Ok(()) };
        tx.put(&obj, "deleted", true)
    })?;
    Ok(())
}

pub fn set_theme(store: &mut Store, deck: DocId, theme: &str) -> Result<()> {
    let (meta, ()) = with_deck(store, deck, |_| ())?;
    store.edit(&meta, |tx| tx.put(ROOT, "theme", theme))?;
    Ok(())
}

/// Import a CSV/TSV file into a deck: every accepted row becomes a card, all in one change;
/// the report lists rows left out and why. Nothing is written if the file itself is unreadable.
pub fn import_cards(store: &mut Store, deck: DocId, text: &str) -> Result<ImportReport> {
    let (meta, ()) = with_deck(store, deck, |_| ())?;
    let report = cards::import(text).map_err(|e| ClientError::Invalid(e.to_string()))?;
    if report.cards.is_empty() {
        return Ok(report);
    }
    let at = store.now();
    store.edit(&meta, |tx| {
        let cards = child_in(tx, "cards")?;
        for (i, card) in report.cards.iter().enumerate() {
            // Cards keep the file's order.
            write_card(tx, &cards, &short_id(), &CardPatch::from_fields(card), at + i as i64)?;
        }
        Ok(())
    })?;
    Ok(report)
}

/// The deck's cards (not the deleted ones) as CSV.
pub fn export_cards(store: &mut Store, deck: DocId) -> Result<String> {
    let (_, cards) = with_deck(store, deck, schema::cards)?;
    Ok(cards::export(cards.iter().filter(|c| !c.deleted).map(|c| &c.fields)))
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

pub use tallschool_shared::reviews::Review;

/// Record a study session: all its reviews become one value under a fresh session id in the
/// student's progress document for `subject`, so merging devices is a set union. (The study
/// screens go through `Store::answer` and `Store::end_session`, which end here too.)
pub fn record_session(store: &mut Store, student: UserId, subject: DocId, reviews: &[Review]) -> Result<DocMeta> {
    let subject_meta = existing(store, subject)?;
    if !subject_meta.kind.is_content() {
        return Err(ClientError::Invalid(format!("{subject} is not a deck, text or video test")));
    }
    let meta = DocMeta::progress(student, &subject_meta);
    write_session(store, &meta, reviews, |_| Ok(()))?;
    Ok(meta)
}

/// Write `reviews` into the progress document `meta` as one packed session, and `then` in the
/// same local transaction.
pub(crate) fn write_session(
    store: &mut Store,
    meta: &DocMeta,
    reviews: &[Review],
    then: impl FnOnce(&rusqlite::Connection) -> Result<()>,
) -> Result<()> {
    let mut ordered = reviews.to_vec();
    ordered.sort_by_key(|review| review.at);
    let packed = tallschool_shared::reviews::pack(&ordered).map_err(|e| ClientError::Invalid(e.to_string()))?;
    let session = short_id();
    store.edit_then(
        meta,
        |tx| {
            let sessions = child_in(tx, "reviews")?;
            tx.put(&sessions, session.as_str(), ScalarValue::Bytes(packed)).map(|_| ())
        },
        then,
    )?;
    Ok(())
}

/// The document as JSON, for `tallschool show` and tests.
pub fn to_json(doc: &Automerge) -> serde_json::Value {
    serde_json::to_value(automerge::AutoSerde::from(doc)).unwrap_or(serde_json::Value::Null)
}

/// A short random id (12 characters, 71 bits) for cards and study sessions: unique within a
/// document for all practical purposes, and a fraction of a UUID's bytes in every review.
pub fn short_id() -> String {
    use rand::Rng;
    // Letters and digits only: an id never looks like a command-line option ("-x…").
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..12).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}

fn existing(store: &Store, id: DocId) -> Result<DocMeta> {
    store.meta(id)?.ok_or_else(|| ClientError::UnknownDocument(id.to_string()))
}

/// Assign a deck, text or video test to the whole class (`students` empty) or to a group or
/// one student, with an optional due date and, for texts, a section ("chapter 2").
pub fn assign(
    store: &mut Store,
    doc: DocId,
    students: &[UserId],
    group: &str,
    due: Option<i64>,
    section: &str,
    note: &str,
) -> Result<String> {
    let (meta, document) = store.load(doc)?.ok_or_else(|| ClientError::UnknownDocument(doc.to_string()))?;
    if !meta.kind.is_content() {
        return Err(ClientError::Invalid("only decks, texts and video tests can be assigned".to_owned()));
    }
    if !section.trim().is_empty() {
        if meta.kind != DocKind::Text {
            return Err(ClientError::Invalid("a section can only be given for a text".to_owned()));
        }
        let sections = tallschool_shared::reader::outline(&schema::body(&document));
        if tallschool_shared::reader::find_section(&sections, section).is_none() {
            let known: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
            return Err(ClientError::Invalid(format!("no section {section:?}; the text has: {}", known.join(" | "))));
        }
    }
    if note.chars().count() > 2_000 || group.chars().count() > 200 {
        return Err(ClientError::Invalid("note or group name too long".to_owned()));
    }
    let id = short_id();
    let at = store.now();
    let students: Vec<String> = students.iter().map(ToString::to_string).collect();
    store.edit(&meta, |tx| {
        let assignments = child_in(tx, "assignments")?;
        let a = tx.put_object(&assignments, id.as_str(), ObjType::Map)?;
        tx.put(&a, "students", students.join(" "))?;
        tx.put(&a, "group", group)?;
        if let Some(due) = due {
            tx.put(&a, "due", due)?;
        }
        tx.put(&a, "section", section)?;
        tx.put(&a, "note", note)?;
        tx.put(&a, "assigned_at", at)?;
        Ok(())
    })?;
    Ok(id)
}

pub fn unassign(store: &mut Store, doc: DocId, assignment: &str) -> Result<()> {
    let (meta, document) = store.load(doc)?.ok_or_else(|| ClientError::UnknownDocument(doc.to_string()))?;
    if !schema::assignments(&document).iter().any(|a| a.id == assignment) {
        return Err(ClientError::Invalid(format!("no assignment {assignment}")));
    }
    store.edit(&meta, |tx| {
        let assignments = child_in(tx, "assignments")?;
        if let Some((Value::Object(_), a)) = tx.get(&assignments, assignment)? {
            tx.put(&a, "deleted", true)?;
        }
        Ok(())
    })?;
    Ok(())
}
