//! Decks: `title`, `theme`, `cards` {id → card}, `assignments`. A progress document keeps a
//! student's own cards in a `cards` map of the same shape.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjId, ObjType, ROOT, ReadDoc, Value};
use serde::{Deserialize, Serialize};

use super::{child, entries, entry_in, get_bool, get_i64, get_str, keys, map_in};
use crate::cards::{CardFields, CardType};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredCard {
    pub id: String,
    pub fields: CardFields,
    pub created_at: i64,
    /// Deleted cards are hidden from study and lists; their reviews stay.
    pub deleted: bool,
}

pub fn read_card<R: ReadDoc>(doc: &R, id: String, obj: &ObjId) -> StoredCard {
    let words = |key| get_str(doc, obj, key).split_whitespace().map(str::to_owned).collect();
    StoredCard {
        fields: CardFields {
            card_type: CardType::parse(&get_str(doc, obj, "type")).unwrap_or_default(),
            front: get_str(doc, obj, "front"),
            back: get_str(doc, obj, "back"),
            example: get_str(doc, obj, "example"),
            hint: get_str(doc, obj, "hint"),
            tags: words("tags"),
            media: words("media"),
        },
        created_at: get_i64(doc, obj, "created_at").unwrap_or(0),
        deleted: get_bool(doc, obj, "deleted"),
        id,
    }
}

/// The cards of a deck (or a student's own cards in a progress document), oldest first.
pub fn cards<R: ReadDoc>(doc: &R) -> Vec<StoredCard> {
    let mut cards: Vec<StoredCard> =
        entries(doc, &ROOT, keys::CARDS).into_iter().map(|(id, obj)| read_card(doc, id, &obj)).collect();
    cards.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    cards
}

/// The card `id` (deleted or not), if the document has it.
pub fn card<R: ReadDoc>(doc: &R, id: &str) -> Option<StoredCard> {
    let cards = child(doc, &ROOT, keys::CARDS)?;
    child(doc, &cards, id).map(|obj| read_card(doc, id.to_owned(), &obj))
}

pub fn theme<R: ReadDoc>(doc: &R) -> String {
    get_str(doc, &ROOT, keys::THEME)
}

/// Add the card `id` (created at `at`) or change it: `edit` is given its current fields, and
/// only the fields it changes are written, so two teachers editing different fields of one
/// card offline both keep their edit.
pub fn write_card<T: Transactable>(
    tx: &mut T,
    id: &str,
    at: i64,
    edit: impl FnOnce(&mut CardFields),
) -> Result<(), AutomergeError> {
    let cards = map_in(tx, &ROOT, keys::CARDS)?;
    let card = match tx.get(&cards, id)? {
        Some((Value::Object(_), obj)) => obj,
        _ => {
            let obj = tx.put_object(&cards, id, ObjType::Map)?;
            tx.put(&obj, "created_at", at)?;
            obj
        }
    };
    let current = read_card(&*tx, id.to_owned(), &card).fields;
    let mut next = current.clone();
    edit(&mut next);
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

/// Hide a card. Its reviews stay in every student's history.
pub fn delete_card<T: Transactable>(tx: &mut T, id: &str) -> Result<(), AutomergeError> {
    if let Some(card) = entry_in(tx, keys::CARDS, id)? {
        tx.put(&card, "deleted", true)?;
    }
    Ok(())
}

/// Where a student's own card came from (the text it was made in).
pub fn set_card_source<T: Transactable>(tx: &mut T, id: &str, source: &str) -> Result<(), AutomergeError> {
    if let Some(card) = entry_in(tx, keys::CARDS, id)? {
        tx.put(&card, "source", source)?;
    }
    Ok(())
}

pub fn set_theme<T: Transactable>(tx: &mut T, theme: &str) -> Result<(), AutomergeError> {
    tx.put(ROOT, keys::THEME, theme)
}
