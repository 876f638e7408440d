//! Operations on documents. Each one is a single automerge change made through
//! [`Store::edit`], so a whole study session or a whole edit is one change, not one per tap.

use automerge::Automerge;
use tallschool_shared::cards::{self, CardFields, ImportReport};
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::schema;
use tallschool_shared::{ClassId, DocId, UserId};

use crate::error::{ClientError, Result};
use crate::store::Store;
pub use tallschool_contract::request::CardPatch;

/// A new deck, text or video test in `class`, titled `title`.
pub fn create(store: &mut Store, kind: DocKind, class: ClassId, title: &str) -> Result<DocMeta> {
    if !kind.is_content() {
        return Err(ClientError::Invalid("progress documents are created by studying".to_owned()));
    }
    let meta = DocMeta::content(DocId(uuid::Uuid::new_v4()), kind, class);
    store.edit(&meta, |tx| schema::set_title(tx, title))?;
    Ok(meta)
}

pub fn set_title(store: &mut Store, doc: DocId, title: &str) -> Result<()> {
    let meta = existing(store, doc)?;
    store.edit(&meta, |tx| schema::set_title(tx, title))?;
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

/// Add a card (`card: None`) or change fields of an existing one. Returns the card id.
/// Editing never touches reviews, so every student's schedule for the card is kept.
pub fn put_card(store: &mut Store, deck: DocId, card: Option<&str>, patch: &CardPatch) -> Result<String> {
    let (meta, existing) = with_deck(store, deck, |doc| card.map(|id| schema::card(doc, id)))?;
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
    store.edit(&meta, |tx| schema::write_card(tx, &card_id, at, |fields| patch.apply(fields)))?;
    Ok(card_id)
}

/// Hide a card from the deck. Its reviews stay in every student's history.
pub fn delete_card(store: &mut Store, deck: DocId, card: &str) -> Result<()> {
    let (meta, exists) = with_deck(store, deck, |doc| schema::card(doc, card).is_some())?;
    if !exists {
        return Err(ClientError::Invalid(format!("no card {card} in deck {deck}")));
    }
    store.edit(&meta, |tx| schema::delete_card(tx, card))?;
    Ok(())
}

pub fn set_theme(store: &mut Store, deck: DocId, theme: &str) -> Result<()> {
    let (meta, ()) = with_deck(store, deck, |_| ())?;
    store.edit(&meta, |tx| schema::set_theme(tx, theme))?;
    Ok(())
}

/// Import a CSV/TSV file into a deck: every accepted row becomes a card, all in one change;
/// the report lists rows left out and why. Nothing is written if the file itself is unreadable.
pub fn import_cards(store: &mut Store, deck: DocId, text: &str) -> Result<ImportReport> {
    with_deck(store, deck, |_| ())?;
    let report = cards::import(text).map_err(|e| ClientError::Invalid(e.to_string()))?;
    add_cards(store, deck, &report.cards)?;
    Ok(report)
}

/// Add checked cards to a deck in one change, in their order.
pub fn add_cards(store: &mut Store, deck: DocId, new: &[CardFields]) -> Result<()> {
    let (meta, ()) = with_deck(store, deck, |_| ())?;
    if new.is_empty() {
        return Ok(());
    }
    let at = store.now();
    store.edit(&meta, |tx| {
        for (i, card) in new.iter().enumerate() {
            // Cards keep the file's order.
            schema::write_card(tx, &short_id(), at + i as i64, |fields| card.clone_into(fields))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The deck's cards (not the deleted ones) as CSV.
pub fn export_cards(store: &mut Store, deck: DocId) -> Result<String> {
    let (_, cards) = with_deck(store, deck, schema::cards)?;
    Ok(cards::export(cards.iter().filter(|c| !c.deleted).map(|c| &c.fields)))
}

/// Append text at the end of a reader text.
pub fn append_text(store: &mut Store, text: DocId, words: &str) -> Result<()> {
    let meta = existing(store, text)?;
    store.edit(&meta, |tx| schema::append_to_body(tx, words))?;
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
    store.edit_then(meta, |tx| schema::put_session(tx, &session, packed), then)?;
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
    let assignment = schema::Assignment {
        id: short_id(),
        assignee: if students.is_empty() {
            schema::Assignee::Class
        } else {
            schema::Assignee::Students(students.to_vec())
        },
        group: group.to_owned(),
        due,
        section: section.to_owned(),
        note: note.to_owned(),
        assigned_at: store.now(),
    };
    store.edit(&meta, |tx| schema::put_assignment(tx, &assignment))?;
    Ok(assignment.id)
}

pub fn unassign(store: &mut Store, doc: DocId, assignment: &str) -> Result<()> {
    let (meta, document) = store.load(doc)?.ok_or_else(|| ClientError::UnknownDocument(doc.to_string()))?;
    if !schema::assignments(&document).iter().any(|a| a.id == assignment) {
        return Err(ClientError::Invalid(format!("no assignment {assignment}")));
    }
    store.edit(&meta, |tx| schema::delete_assignment(tx, assignment))?;
    Ok(())
}
