//! Document schema versions. Every document's root holds `schema`: its first change (the same
//! on every device) writes [`GENESIS_SCHEMA`], and the first edit made by an app that knows a
//! later layout brings the document up to [`SCHEMA_VERSION`] in the same change. Each step only
//! adds what the older layout left implicit, with values every device computes alike, so two
//! devices upgrading one document offline merge without a conflict. Readers read every older
//! version (they fill the same defaults); an app meeting a document from a *newer* app still
//! reads it, but does not write to it: the user is asked to update.
//!
//! History:
//! - 1: the first layout (see [`super`]). Cards written before card types existed have no
//!   `type`: they are basic cards.
//! - 2: every card says its `type`.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ROOT, ReadDoc};

use super::{entries, get_i64, keys};
use crate::docs::DocKind;

/// What a document's first change writes.
pub const GENESIS_SCHEMA: u64 = 1;
/// The layout this build reads and writes.
pub const SCHEMA_VERSION: u64 = 2;

const SCHEMA_KEY: &str = "schema";

/// The document's schema version (1 when it does not say).
pub fn version<R: ReadDoc>(doc: &R) -> u64 {
    get_i64(doc, &ROOT, SCHEMA_KEY).and_then(|v| u64::try_from(v).ok()).unwrap_or(GENESIS_SCHEMA)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "this was made with a newer TallSchool (document schema {found}; this app knows up to {SCHEMA_VERSION}): update the app to change it"
)]
pub struct NewerSchema {
    pub found: u64,
}

/// Whether this build may write to `doc`.
pub fn check_writable<R: ReadDoc>(doc: &R) -> Result<(), NewerSchema> {
    match version(doc) {
        found if found > SCHEMA_VERSION => Err(NewerSchema { found }),
        _ => Ok(()),
    }
}

/// Bring the document to [`SCHEMA_VERSION`] inside `tx` (nothing when it is there already);
/// whether anything was written.
pub fn upgrade<T: Transactable>(tx: &mut T, kind: DocKind) -> Result<bool, AutomergeError> {
    let from = version(&*tx);
    if from >= SCHEMA_VERSION {
        return Ok(false);
    }
    if from < 2 && matches!(kind, DocKind::Deck | DocKind::Progress) {
        explicit_card_types(tx)?;
    }
    tx.put(ROOT, SCHEMA_KEY, SCHEMA_VERSION)?;
    Ok(true)
}

/// 1 → 2: a card without a type is a basic card, and now says so.
fn explicit_card_types<T: Transactable>(tx: &mut T) -> Result<(), AutomergeError> {
    let untyped: Vec<_> = entries(&*tx, &ROOT, keys::CARDS)
        .into_iter()
        .filter(|(_, card)| matches!(tx.get(card, "type"), Ok(None)))
        .map(|(_, card)| card)
        .collect();
    for card in untyped {
        tx.put(&card, "type", crate::cards::CardType::default().as_str())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc};

    use super::*;
    use crate::DocId;
    use crate::cards::CardType;
    use crate::docs::genesis;

    /// A deck as the first app wrote it: cards with a front and a back, no type.
    fn first_layout_deck() -> Automerge {
        let mut doc = genesis(DocId(uuid::Uuid::new_v4()), DocKind::Deck).expect("genesis");
        doc.set_actor(ActorId::random());
        doc.transact::<_, _, AutomergeError>(|tx| {
            let cards = super::super::child(tx, &ROOT, keys::CARDS).ok_or(AutomergeError::Fail)?;
            for (id, front, back) in [("c1", "dog", "perro"), ("c2", "cat", "gato")] {
                let card = tx.put_object(&cards, id, ObjType::Map)?;
                tx.put(&card, "front", front)?;
                tx.put(&card, "back", back)?;
                tx.put(&card, "created_at", 1_i64)?;
            }
            Ok(())
        })
        .expect("old cards");
        doc
    }

    fn stored_type(doc: &Automerge, id: &str) -> Option<String> {
        let cards = super::super::child(doc, &ROOT, keys::CARDS)?;
        let card = super::super::child(doc, &cards, id)?;
        doc.get(&card, "type").ok().flatten().map(|(value, _)| value.as_str().unwrap_or("").to_owned())
    }

    #[test]
    fn an_old_deck_reads_and_is_brought_up_to_date_by_its_first_edit() {
        let mut doc = first_layout_deck();
        assert_eq!(version(&doc), 1);
        // Read as it is: its cards are basic cards.
        let cards = crate::schema::cards(&doc);
        assert_eq!(cards.len(), 2);
        assert!(cards.iter().all(|c| c.fields.card_type == CardType::Basic && !c.fields.front.is_empty()));
        assert_eq!(stored_type(&doc, "c1"), None);

        let upgraded = doc.transact::<_, _, AutomergeError>(|tx| upgrade(tx, DocKind::Deck)).expect("upgrade").result;
        assert!(upgraded);
        assert_eq!(version(&doc), SCHEMA_VERSION);
        assert_eq!(stored_type(&doc, "c1").as_deref(), Some("basic"));
        assert_eq!(stored_type(&doc, "c2").as_deref(), Some("basic"));
        // Once there, nothing more is written.
        let heads = doc.get_heads();
        let again = doc.transact::<_, _, AutomergeError>(|tx| upgrade(tx, DocKind::Deck)).expect("again").result;
        assert!(!again);
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn two_devices_upgrading_one_old_deck_offline_merge_cleanly() {
        let old = first_layout_deck();
        let mut a = old.fork().with_actor(ActorId::random());
        let mut b = old.fork().with_actor(ActorId::random());
        a.transact::<_, _, AutomergeError>(|tx| upgrade(tx, DocKind::Deck)).expect("a");
        // B upgrades and edits a card in the same change.
        b.transact::<_, _, AutomergeError>(|tx| {
            upgrade(tx, DocKind::Deck)?;
            crate::schema::write_card(tx, "c1", 2, |fields| fields.back = "el perro".to_owned())
        })
        .expect("b");
        a.merge(&mut b).expect("merge");
        assert_eq!(version(&a), SCHEMA_VERSION);
        let cards = crate::schema::cards(&a);
        assert_eq!(cards[0].fields.back, "el perro");
        assert!(cards.iter().all(|c| c.fields.card_type == CardType::Basic));
        assert_eq!(stored_type(&a, "c2").as_deref(), Some("basic"));
    }

    #[test]
    fn a_document_from_a_newer_app_is_read_but_not_written() {
        let mut doc = first_layout_deck();
        doc.transact::<_, _, AutomergeError>(|tx| tx.put(ROOT, "schema", 9_i64)).expect("newer");
        assert_eq!(check_writable(&doc), Err(NewerSchema { found: 9 }));
        assert!(NewerSchema { found: 9 }.to_string().contains("update the app"));
        assert_eq!(crate::schema::cards(&doc).len(), 2, "still readable");
        assert_eq!(check_writable(&first_layout_deck()), Ok(()));
    }
}
