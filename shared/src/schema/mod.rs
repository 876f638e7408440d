//! What each kind of document holds: read into plain types, and written, by the functions of
//! one module per kind, readers and writers side by side. Client and server touch documents
//! only through here, so the layout is described once.
//!
//! Each document says its layout's version (`schema`, see [`versions`]).
//!
//! Layout (every map below is created by the document's deterministic first change, so no two
//! devices ever create the same map twice):
//! - deck: `title`, `theme`, `cards` {id → card}, `assignments` {id → assignment}
//! - text: `title`, `body` (text, Markdown), `assignments`
//! - video test: `title`, `media`, `duration`, `prevent_skipping`, `attempts_allowed`,
//!   `feedback`, `questions` {id → question}, `assignments`
//! - progress: `reviews` {session → packed reviews}, `positions` {device → anchor},
//!   `furthest` {device → percent}, `reading_days` {"day/device" → percent}, `bookmarks`,
//!   `highlights`, `cards` (the student's own cards), `attempts` {id → attempt}
//!
//! Values written by one device under its own key (positions, furthest, attempts) never
//! conflict; values all devices compute (furthest) are combined by taking the maximum.

mod assignments;
mod decks;
pub mod keys;
mod progress;
mod texts;
pub mod versions;
mod video_tests;

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjId, ROOT, ReadDoc, ScalarValue, Value};

pub use assignments::{Assignee, Assignment, assignments, delete_assignment, put_assignment};
pub use decks::{StoredCard, card, cards, delete_card, read_card, set_card_source, set_theme, theme, write_card};
pub use progress::{
    Attempt, GivenAnswer, Mark, Position, Progress, delete_mark, progress, put_answer, put_mark, put_position,
    put_session, put_watched, reviews, start_attempt, submit_attempt,
};
pub use texts::{append_to_body, body, splice_body};
pub use versions::{NewerSchema, SCHEMA_VERSION, check_writable, upgrade};
pub use video_tests::{VideoTest, delete_question, put_question, put_settings, video_test};

pub fn child<R: ReadDoc>(doc: &R, parent: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(parent, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}

fn scalar<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<ScalarValue> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(value), _))) => Some(value.into_owned()),
        _ => None,
    }
}

pub fn get_str<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> String {
    match scalar(doc, obj, key) {
        Some(ScalarValue::Str(s)) => s.to_string(),
        _ => String::new(),
    }
}

pub fn get_i64<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<i64> {
    match scalar(doc, obj, key)? {
        ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Some(i),
        ScalarValue::Uint(u) => i64::try_from(u).ok(),
        ScalarValue::F64(f) => Some(f as i64),
        _ => None,
    }
}

pub fn get_f64<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Option<f64> {
    match scalar(doc, obj, key)? {
        ScalarValue::F64(f) => Some(f),
        ScalarValue::Int(i) => Some(i as f64),
        ScalarValue::Uint(u) => Some(u as f64),
        _ => None,
    }
}

pub fn get_bool<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> bool {
    matches!(scalar(doc, obj, key), Some(ScalarValue::Boolean(true)))
}

fn entries<R: ReadDoc>(doc: &R, parent: &ObjId, key: &str) -> Vec<(String, ObjId)> {
    let Some(map) = child(doc, parent, key) else { return Vec::new() };
    doc.map_range(&map, ..)
        .filter_map(|item| match item.value {
            automerge::ValueRef::Object(_) => Some((item.key.to_string(), item.id())),
            _ => None,
        })
        .collect()
}

/// How many entries (or characters, for a text's body) are under `key` at the root.
pub fn size_of<R: ReadDoc>(doc: &R, key: &str) -> usize {
    child(doc, &ROOT, key).map_or(0, |obj| doc.length(&obj))
}

/// A map the document's first change created (see the layout above), for writing into.
fn map_in<T: Transactable>(tx: &T, parent: &ObjId, key: &str) -> Result<ObjId, AutomergeError> {
    match tx.get(parent, key)? {
        Some((Value::Object(_), id)) => Ok(id),
        _ => Err(AutomergeError::InvalidObjId(key.to_owned())),
    }
}

/// The map entry `id` of the map `key` at the root, if it is there.
fn entry_in<T: Transactable>(tx: &T, key: &str, id: &str) -> Result<Option<ObjId>, AutomergeError> {
    let map = map_in(tx, &ROOT, key)?;
    Ok(match tx.get(&map, id)? {
        Some((Value::Object(_), obj)) => Some(obj),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------------
// Every content document

pub fn title<R: ReadDoc>(doc: &R) -> String {
    get_str(doc, &ROOT, keys::TITLE)
}

pub fn set_title<T: Transactable>(tx: &mut T, title: &str) -> Result<(), AutomergeError> {
    tx.put(ROOT, keys::TITLE, title)
}

/// The media objects (SHA-256 hashes) a content document shows: card images and audio,
/// images in a text, the video of a video test.
pub fn media_references<R: ReadDoc>(kind: crate::docs::DocKind, doc: &R) -> std::collections::BTreeSet<String> {
    use crate::docs::DocKind;
    let found: Vec<String> = match kind {
        DocKind::Deck | DocKind::Progress => {
            cards(doc).into_iter().filter(|c| !c.deleted).flat_map(|c| c.fields.media).collect()
        }
        DocKind::Text => crate::reader::media_references(&body(doc)),
        DocKind::VideoTest => vec![get_str(doc, &ROOT, keys::MEDIA)],
    };
    found.into_iter().filter(|h| crate::cards::is_sha256(h)).collect()
}

#[cfg(test)]
mod tests {
    //! Every writer's value comes back from its reader, through a save and a load (as another
    //! device would receive it).
    #![allow(clippy::unwrap_used)]

    use std::collections::{BTreeMap, BTreeSet};

    use automerge::{ActorId, Automerge, AutomergeError};

    use super::*;
    use crate::cards::{CardFields, CardType};
    use crate::docs::{DocKind, genesis};
    use crate::reader::Anchor;
    use crate::reviews::{Review, pack};
    use crate::video::{Answer, Feedback, Key, Question, QuestionKind, TestSettings, Watched};
    use crate::{DocId, UserId};

    fn edited(
        kind: DocKind,
        write: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), AutomergeError>,
    ) -> Automerge {
        let mut doc = genesis(DocId(uuid::Uuid::from_u128(7)), kind).unwrap();
        doc.set_actor(ActorId::from(b"device".as_slice()));
        doc.transact(write).map_err(|f| f.error).unwrap();
        Automerge::load(&doc.save()).unwrap()
    }

    fn anchor(offset: u64) -> Anchor {
        Anchor { offset, before: "the fox ".to_owned(), after: " lived".to_owned(), percent: 12.5 }
    }

    #[test]
    fn decks_and_assignments() {
        let student = UserId(uuid::Uuid::from_u128(9));
        let assignment = Assignment {
            id: "a1".to_owned(),
            assignee: Assignee::Students(vec![student]),
            group: "table 3".to_owned(),
            due: Some(1_900_000_000),
            section: String::new(),
            note: "before Friday".to_owned(),
            assigned_at: 1_800_000_000,
        };
        let fields = CardFields {
            card_type: CardType::Reversed,
            front: "dog".to_owned(),
            back: "perro".to_owned(),
            example: "el perro ladra".to_owned(),
            hint: "animal".to_owned(),
            tags: vec!["noun".to_owned(), "animal".to_owned()],
            media: vec!["a".repeat(64)],
        };
        let doc = edited(DocKind::Deck, |tx| {
            set_title(tx, "Animals")?;
            set_theme(tx, "Spanish")?;
            write_card(tx, "c1", 100, |card| fields.clone_into(card))?;
            write_card(tx, "c2", 101, |card| card.front = "cat".to_owned())?;
            write_card(tx, "c1", 999, |card| card.hint = "a pet".to_owned())?;
            delete_card(tx, "c2")?;
            put_assignment(tx, &assignment)?;
            put_assignment(tx, &Assignment { id: "a2".to_owned(), assignee: Assignee::Class, ..assignment.clone() })?;
            delete_assignment(tx, "a2")
        });
        assert_eq!((title(&doc), theme(&doc)), ("Animals".to_owned(), "Spanish".to_owned()));
        let c1 = card(&doc, "c1").unwrap();
        assert_eq!(c1.fields, CardFields { hint: "a pet".to_owned(), ..fields }, "only the hint changed");
        assert_eq!((c1.created_at, c1.deleted), (100, false), "an edit keeps the creation time");
        assert!(card(&doc, "c2").unwrap().deleted);
        assert_eq!(cards(&doc).iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["c1", "c2"]);
        assert_eq!(assignments(&doc), [assignment], "the withdrawn one is gone");
        assert_eq!(size_of(&doc, keys::CARDS), 2);
    }

    #[test]
    fn texts_and_video_tests() {
        let text = edited(DocKind::Text, |tx| {
            append_to_body(tx, "The fox lived by the river.")?;
            splice_body(tx, 4, 3, "heron")
        });
        assert_eq!(body(&text), "The heron lived by the river.");
        let question = Question {
            id: "q1".to_owned(),
            at_secs: 20,
            kind: QuestionKind::SingleChoice,
            prompt: "Plants need?".to_owned(),
            options: vec!["salt".to_owned(), "light".to_owned()],
            points: 2,
        };
        let key = Key::Choices(BTreeSet::from([1]));
        let settings = TestSettings {
            media: Some("b".repeat(64)),
            duration_secs: Some(120),
            prevent_skipping: Some(true),
            attempts_allowed: Some(2),
            feedback: Some(Feedback::Instant),
        };
        let test = edited(DocKind::VideoTest, |tx| {
            put_settings(tx, &settings)?;
            put_settings(tx, &TestSettings { attempts_allowed: Some(3), ..TestSettings::default() })?;
            put_question(tx, &question, Some(&key))?;
            put_question(tx, &Question { id: "q2".to_owned(), at_secs: 30, ..question.clone() }, None)
        });
        let read = video_test(&test);
        assert_eq!(
            (read.media, read.duration_secs, read.prevent_skipping, read.attempts_allowed, read.feedback),
            ("b".repeat(64), 120, true, 3, Feedback::Instant),
            "a setting left out stays as it was"
        );
        assert_eq!(read.questions[0], question);
        assert_eq!(read.keys, BTreeMap::from([("q1".to_owned(), key)]), "a key only where one was written");
    }

    #[test]
    fn progress() {
        let reviews = vec![
            Review { card: "c1".to_owned(), rating: 3, at: 10 },
            Review { card: "c2".to_owned(), rating: 1, at: 20 },
        ];
        let mark = Mark {
            id: "h1".to_owned(),
            anchor: anchor(8),
            quote: "lived".to_owned(),
            note: "vivía".to_owned(),
            colour: "green".to_owned(),
            at: 50,
        };
        let position = Position { anchor: anchor(40), at: 60 };
        let attempt = Attempt {
            id: "t1".to_owned(),
            device: "d1".to_owned(),
            started_at: 70,
            submitted_at: None,
            playback_rate: 1.5,
            position: 0,
            watched: Watched::default(),
            answers: BTreeMap::new(),
        };
        let given = GivenAnswer { answer: Answer::Truth(false), video_at: 25, at: 80 };
        let mut watched = Watched::default();
        watched.add(0, 30);
        let doc = edited(DocKind::Progress, |tx| {
            put_session(tx, "s1", pack(&reviews).unwrap())?;
            put_position(tx, "d1", &position, 33.0, 20_000, 30.0)?;
            put_mark(tx, keys::HIGHLIGHTS, &mark)?;
            put_mark(tx, keys::BOOKMARKS, &Mark { id: "b1".to_owned(), ..mark.clone() })?;
            delete_mark(tx, keys::BOOKMARKS, "b1")?;
            write_card(tx, "own", 55, |card| card.front = "lived".to_owned())?;
            set_card_source(tx, "own", "text-1")?;
            start_attempt(tx, &attempt)?;
            put_watched(tx, "t1", &watched, 30, 1.25)?;
            put_answer(tx, "t1", "q1", &given)?;
            submit_attempt(tx, "t1", 90)
        });
        assert_eq!(super::reviews(&doc), reviews);
        let read = super::progress(&doc);
        assert_eq!(read.positions["d1"], position);
        assert_eq!((read.furthest, read.reading_days[&20_000]), (33.0, 30.0));
        assert_eq!((read.highlights, read.bookmarks.len()), (vec![mark], 0));
        assert_eq!(cards(&doc)[0].fields.front, "lived");
        let expected = Attempt {
            submitted_at: Some(90),
            playback_rate: 1.25,
            position: 30,
            watched,
            answers: BTreeMap::from([("q1".to_owned(), given)]),
            ..attempt
        };
        assert_eq!(read.attempts, [expected]);
        let missing = edited(DocKind::Progress, |_| Ok(()));
        let mut doc = missing;
        let refused = doc.transact(|tx| submit_attempt(tx, "nope", 1)).map_err(|f| f.error);
        assert!(refused.is_err(), "no attempt to submit");
    }
}
