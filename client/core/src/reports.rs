//! What teachers see, from the students' progress documents their device holds: reviews,
//! predicted retention and struggling students per deck, card and theme (the retention
//! heatmap), and each student's reading progress.
//!
//! Read from tables kept current as progress documents arrive (a student's memory of each
//! card, replayed from that student's reviews when their document changes), never by loading
//! documents: a report costs a few queries, whatever the size of the class's history. The
//! memory state (stability, difficulty) does not depend on a class's desired retention, so a
//! change of settings leaves the tables right.

use std::collections::BTreeMap;

use automerge::Automerge;
use rusqlite::{Connection, OptionalExtension, params};
use tallschool_shared::cards::card_of;
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::scheduling::{CardState, Phase, STRUGGLING_BELOW, Scheduler, StudySettings};
use tallschool_shared::schema::{self, keys};
use tallschool_shared::{DocId, UserId};

use crate::error::{ClientError, Result};
use crate::feature::{Changed, Feature, Migration, Origin};
use crate::learning::account;
use crate::store::Store;
pub use tallschool_contract::reports::{CardRow, DeckReport, ReadingRow, StudentRow, ThemeHeatmap};

pub const FEATURE: Feature = Feature {
    name: "reports",
    // Added after stores existed: filled from the documents a store already holds.
    migrations: &[Migration { sql: SCHEMA, rebuild: true }],
    materialize: Some(materialize),
    forget: "DELETE FROM report_decks; DELETE FROM report_cards; DELETE FROM report_memory; \
             DELETE FROM report_reading;",
    forget_document: &[
        "DELETE FROM report_memory WHERE progress_id = ?1",
        "DELETE FROM report_reading WHERE progress_id = ?1",
        "DELETE FROM report_cards WHERE deck_id = ?1",
        "DELETE FROM report_decks WHERE deck_id = ?1",
    ],
};

const SCHEMA: &str = "
-- A deck's theme (its title is in `docs`).
CREATE TABLE IF NOT EXISTS report_decks (
    deck_id  TEXT PRIMARY KEY,
    class_id TEXT NOT NULL,
    theme    TEXT NOT NULL
);
-- A deck's cards as the report lists them.
CREATE TABLE IF NOT EXISTS report_cards (
    deck_id  TEXT NOT NULL,
    card_id  TEXT NOT NULL,
    front    TEXT NOT NULL,
    deleted  INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (deck_id, card_id)
);
-- Each student's memory of each item they reviewed, from their progress document's reviews.
CREATE TABLE IF NOT EXISTS report_memory (
    progress_id TEXT NOT NULL,
    deck_id     TEXT NOT NULL,
    student_id  TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    card_id     TEXT NOT NULL,
    reviews     INTEGER NOT NULL,
    stability   REAL NOT NULL,
    difficulty  REAL NOT NULL,
    last_review INTEGER NOT NULL,
    reps        INTEGER NOT NULL,
    lapses      INTEGER NOT NULL,
    PRIMARY KEY (progress_id, item_id)
);
-- Everything a report reads, in the order it reads it: a report is one scan of this index.
CREATE INDEX IF NOT EXISTS report_memory_deck ON report_memory(
    deck_id, student_id, card_id, reps, stability, difficulty, last_review, lapses, reviews);
-- Each student's place in a text.
CREATE TABLE IF NOT EXISTS report_reading (
    progress_id      TEXT PRIMARY KEY,
    text_id          TEXT NOT NULL,
    student_id       TEXT NOT NULL,
    furthest_percent REAL NOT NULL,
    last_read_at     INTEGER,
    highlights       INTEGER NOT NULL,
    bookmarks        INTEGER NOT NULL,
    own_cards        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS report_reading_text ON report_reading(text_id);
";

fn materialize(conn: &Connection, meta: &DocMeta, doc: &Automerge, changed: Changed<'_>, _: Origin) -> Result<()> {
    match meta.kind {
        DocKind::Deck => {
            if changed.touches(&["theme"]) {
                conn.execute(
                    "INSERT INTO report_decks (deck_id, class_id, theme) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (deck_id) DO UPDATE SET class_id = excluded.class_id, theme = excluded.theme",
                    params![meta.id.to_string(), meta.class_id.to_string(), schema::theme(doc)],
                )?;
            }
            if changed.touches(&[keys::CARDS]) {
                put_cards(conn, meta.id, doc, changed.entries_of(keys::CARDS))?;
            }
        }
        DocKind::Progress => {
            let (Some(student), Some(subject)) = (meta.owner_id, meta.subject_id) else { return Ok(()) };
            // Reports are of other people's progress; this account's own memory of each card is
            // the study tables' (no second replay of a student's whole log on their device).
            if changed.touches(&[keys::REVIEWS]) && account(conn)? != Some(student) {
                put_memory(conn, meta.id, subject, student, doc)?;
            }
            if changed.touches(&[keys::POSITIONS, keys::FURTHEST, keys::HIGHLIGHTS, keys::BOOKMARKS, keys::CARDS])
                && subject_kind(conn, subject)? == Some(DocKind::Text)
            {
                put_reading(conn, meta.id, subject, student, doc)?;
            }
        }
        DocKind::Text | DocKind::VideoTest => {}
    }
    Ok(())
}

fn subject_kind(conn: &Connection, subject: DocId) -> Result<Option<DocKind>> {
    let kind: Option<String> =
        conn.query_row("SELECT kind FROM docs WHERE id = ?1", [subject.to_string()], |row| row.get(0)).optional()?;
    Ok(kind.and_then(|k| DocKind::parse(&k)))
}

/// Write the deck's cards (only `changed` ones, when known: an edit costs one card, not the
/// deck).
fn put_cards(
    conn: &Connection,
    deck: DocId,
    doc: &Automerge,
    changed: Option<std::collections::BTreeSet<String>>,
) -> Result<()> {
    let deck = deck.to_string();
    let cards = match changed {
        None => {
            conn.execute("DELETE FROM report_cards WHERE deck_id = ?1", [&deck])?;
            schema::cards(doc)
        }
        Some(ids) => ids.iter().filter_map(|id| schema::card(doc, id)).collect(),
    };
    let mut upsert = conn.prepare_cached(
        "INSERT INTO report_cards (deck_id, card_id, front, deleted, position) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (deck_id, card_id) DO UPDATE SET front = excluded.front, deleted = excluded.deleted, \
             position = excluded.position",
    )?;
    for card in cards {
        upsert.execute(params![deck, card.id, card.fields.front, card.deleted, card.created_at])?;
    }
    Ok(())
}

/// Replay one student's reviews of a deck (their whole log: reviews from several devices
/// merge in any order) into their memory of each item.
fn put_memory(conn: &Connection, progress: DocId, deck: DocId, student: UserId, doc: &Automerge) -> Result<()> {
    let reviews = schema::reviews(doc);
    let scheduler = Scheduler::new(&StudySettings::default()).map_err(|e| ClientError::Invalid(e.to_string()))?;
    let states = scheduler.replay(&reviews);
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for review in &reviews {
        *counts.entry(review.card.as_str()).or_default() += 1;
    }
    let progress = progress.to_string();
    conn.execute("DELETE FROM report_memory WHERE progress_id = ?1", [&progress])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO report_memory (progress_id, deck_id, student_id, item_id, card_id, reviews, stability, \
                                    difficulty, last_review, reps, lapses) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let (deck, student) = (deck.to_string(), student.to_string());
    for (item, state) in &states {
        insert.execute(params![
            progress,
            deck,
            student,
            item,
            card_of(item),
            counts.get(item.as_str()).copied().unwrap_or(0),
            state.stability,
            state.difficulty,
            state.last_review,
            state.reps,
            state.lapses,
        ])?;
    }
    Ok(())
}

fn put_reading(conn: &Connection, progress_id: DocId, text: DocId, student: UserId, doc: &Automerge) -> Result<()> {
    let progress = schema::progress(doc);
    conn.execute(
        "INSERT INTO report_reading (progress_id, text_id, student_id, furthest_percent, last_read_at, highlights, \
                                     bookmarks, own_cards) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (progress_id) DO UPDATE SET furthest_percent = excluded.furthest_percent, \
             last_read_at = excluded.last_read_at, highlights = excluded.highlights, \
             bookmarks = excluded.bookmarks, own_cards = excluded.own_cards",
        params![
            progress_id.to_string(),
            text.to_string(),
            student.to_string(),
            progress.furthest,
            progress.last_position().map(|p| p.at),
            count(progress.highlights.len()),
            count(progress.bookmarks.len()),
            count(schema::size_of(doc, keys::CARDS)),
        ],
    )?;
    Ok(())
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A count column (never negative).
fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// One stored memory, as the scheduler reads it.
fn state(stability: f32, difficulty: f32, last_review: i64, reps: u32, lapses: u32) -> CardState {
    CardState { phase: Phase::Review, step: 0, stability, difficulty, due: 0, last_review, reps, lapses }
}

fn parse_id<T: std::str::FromStr>(text: &str) -> Result<T> {
    text.parse().map_err(|_| ClientError::Invalid(format!("stored id {text:?} unreadable")))
}

/// Reviews, predicted retention and struggling students per card and student of a deck.
pub fn deck_report(store: &Store, deck: DocId, now: i64) -> Result<DeckReport> {
    let conn = store.conn();
    let meta = store.meta(deck)?.ok_or_else(|| ClientError::UnknownDocument(deck.to_string()))?;
    if meta.kind != DocKind::Deck {
        return Err(ClientError::Invalid(format!("{deck} is not a deck")));
    }
    let deck_text = deck.to_string();
    let title: String = conn.query_row("SELECT title FROM docs WHERE id = ?1", [&deck_text], |row| row.get(0))?;
    let theme: String = conn
        .query_row("SELECT theme FROM report_decks WHERE deck_id = ?1", [&deck_text], |row| row.get(0))
        .optional()?
        .unwrap_or_default();
    let scheduler = Scheduler::new(&StudySettings::default()).map_err(|e| ClientError::Invalid(e.to_string()))?;
    // Student → card → retention of each of the card's items; student → (reviews, lapses).
    let mut retention: BTreeMap<UserId, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    let mut totals: BTreeMap<UserId, (u64, u64)> = BTreeMap::new();
    let mut card_reviews: BTreeMap<String, u64> = BTreeMap::new();
    let mut statement = conn.prepare_cached(
        "SELECT student_id, card_id, reviews, stability, difficulty, last_review, reps, lapses \
         FROM report_memory WHERE deck_id = ?1",
    )?;
    let mut rows = statement.query([&deck_text])?;
    while let Some(row) = rows.next()? {
        let student: UserId = parse_id(&row.get::<_, String>(0)?)?;
        let card: String = row.get(1)?;
        let reviews = unsigned(row.get(2)?);
        let memory = state(row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?);
        let total = totals.entry(student).or_default();
        total.0 += reviews;
        total.1 += u64::from(memory.lapses);
        *card_reviews.entry(card.clone()).or_default() += reviews;
        let by_card = retention.entry(student).or_default();
        if let Some(r) = scheduler.retrievability(&memory, now) {
            by_card.entry(card).or_default().push(f64::from(r));
        }
    }
    let mut students = Vec::new();
    let mut heatmap: BTreeMap<UserId, BTreeMap<String, f64>> = BTreeMap::new();
    let mut per_card: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (student, (reviews, lapses)) in totals {
        let by_card = retention.remove(&student).unwrap_or_default();
        let row = heatmap.entry(student).or_default();
        let mut all = Vec::new();
        for (card, values) in &by_card {
            let r = mean(values).unwrap_or(0.0);
            row.insert(card.clone(), r);
            all.push(r);
            per_card.entry(card.clone()).or_default().push(r);
        }
        let predicted = mean(&all);
        students.push(StudentRow {
            student_id: student,
            reviews,
            cards_studied: by_card.len() as u64,
            lapses,
            predicted_retention: predicted,
            struggling: predicted.is_some_and(|p| p < STRUGGLING_BELOW),
        });
    }
    let mut statement = conn.prepare_cached(
        "SELECT card_id, front FROM report_cards WHERE deck_id = ?1 AND deleted = 0 ORDER BY position, card_id",
    )?;
    let cards = statement
        .query_map([&deck_text], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?
        .map(|row| {
            let (card_id, front) = row?;
            let values = per_card.get(&card_id).cloned().unwrap_or_default();
            Ok(CardRow {
                reviews: card_reviews.get(&card_id).copied().unwrap_or(0),
                students: values.len() as u64,
                predicted_retention: mean(&values),
                card_id,
                front,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DeckReport { deck_id: deck, title, theme, students, cards, heatmap })
}

/// Per theme (a deck's theme, else its title) and student: predicted retention over every
/// deck of a class on this device — the mean over cards of the mean over each card's items,
/// as the deck report's heatmap takes it. Each deck is one scan of an index that holds every
/// column needed, in (student, card) order, so rows are summed as they stream by.
pub fn theme_heatmap(store: &Store, class: &str, now: i64) -> Result<ThemeHeatmap> {
    let conn = store.conn();
    let scheduler = Scheduler::new(&StudySettings::default()).map_err(|e| ClientError::Invalid(e.to_string()))?;
    let mut decks = conn.prepare_cached(
        "SELECT d.id, CASE WHEN COALESCE(r.theme, '') = '' THEN d.title ELSE r.theme END \
         FROM docs d LEFT JOIN report_decks r ON r.deck_id = d.id WHERE d.kind = 'deck' AND d.class_id = ?1",
    )?;
    let decks: Vec<(String, String)> =
        decks.query_map([class], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut memory = conn.prepare_cached(
        "SELECT student_id, card_id, stability, difficulty, last_review, reps FROM report_memory \
         WHERE deck_id = ?1 AND reps > 0 ORDER BY student_id, card_id",
    )?;
    // Theme → student → (sum of card means, cards).
    let mut sums: BTreeMap<String, BTreeMap<UserId, (f64, u64)>> = BTreeMap::new();
    for (deck, theme) in decks {
        let by_student = sums.entry(theme).or_default();
        let mut rows = memory.query([&deck])?;
        // The student and card being summed, and the card's item retentions so far.
        let (mut student, mut student_id, mut card) = (String::new(), None, String::new());
        let (mut card_sum, mut card_items) = (0.0, 0_u32);
        let mut flush_card = |student_id: Option<UserId>, card_sum: f64, card_items: u32| {
            if let (Some(id), true) = (student_id, card_items > 0) {
                let entry = by_student.entry(id).or_default();
                entry.0 += card_sum / f64::from(card_items);
                entry.1 += 1;
            }
        };
        while let Some(row) = rows.next()? {
            let this_student = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let this_card = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            if this_student != student || this_card != card {
                flush_card(student_id, card_sum, card_items);
                (card_sum, card_items) = (0.0, 0);
                if this_student != student {
                    this_student.clone_into(&mut student);
                    student_id = Some(parse_id(&student)?);
                }
                this_card.clone_into(&mut card);
            }
            let memory = state(row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, 0);
            if let Some(r) = scheduler.retrievability(&memory, now) {
                card_sum += f64::from(r);
                card_items += 1;
            }
        }
        flush_card(student_id, card_sum, card_items);
    }
    Ok(sums
        .into_iter()
        .map(|(theme, students)| {
            let means = students.into_iter().filter(|(_, (_, n))| *n > 0).map(|(s, (sum, n))| (s, sum / n as f64));
            (theme, means.collect())
        })
        .filter(|(_, students): &(String, BTreeMap<UserId, f64>)| !students.is_empty())
        .collect())
}

/// Each student's progress in a text.
pub fn reading_report(store: &Store, text: DocId) -> Result<Vec<ReadingRow>> {
    let meta = store.meta(text)?.ok_or_else(|| ClientError::UnknownDocument(text.to_string()))?;
    if meta.kind != DocKind::Text {
        return Err(ClientError::Invalid(format!("{text} is not a text")));
    }
    let mut statement = store.conn().prepare_cached(
        "SELECT student_id, furthest_percent, last_read_at, highlights, bookmarks, own_cards \
         FROM report_reading WHERE text_id = ?1 ORDER BY progress_id",
    )?;
    statement
        .query_map([text.to_string()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get(1)?,
                row.get(2)?,
                unsigned(row.get(3)?),
                unsigned(row.get(4)?),
                unsigned(row.get(5)?),
            ))
        })?
        .map(|row| {
            let (student, furthest_percent, last_read_at, highlights, bookmarks, own_cards) = row?;
            Ok(ReadingRow {
                student_id: parse_id(&student)?,
                furthest_percent,
                last_read_at,
                highlights,
                bookmarks,
                own_cards,
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tallschool_shared::ClassId;
    use tallschool_shared::cards::CardType;
    use tallschool_shared::reviews::Review;

    use super::*;
    use crate::content::{self, CardPatch};
    use crate::reading::{self, MarkKind, NewMark};
    use crate::{Clock, FEATURES, reports_replay};

    const DAY: i64 = 86_400;

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (a, b) => a == b,
        }
    }

    fn same_deck_report(ours: &DeckReport, replayed: &DeckReport) {
        assert_eq!((&ours.title, &ours.theme), (&replayed.title, &replayed.theme));
        let mut theirs = replayed.students.clone();
        theirs.sort_by_key(|s| s.student_id);
        assert_eq!(ours.students.len(), theirs.len());
        for (a, b) in ours.students.iter().zip(&theirs) {
            assert_eq!(
                (a.student_id, a.reviews, a.cards_studied, a.lapses, a.struggling),
                (b.student_id, b.reviews, b.cards_studied, b.lapses, b.struggling)
            );
            assert!(close(a.predicted_retention, b.predicted_retention));
        }
        assert_eq!(ours.cards.len(), replayed.cards.len());
        for (a, b) in ours.cards.iter().zip(&replayed.cards) {
            assert_eq!((&a.card_id, &a.front, a.reviews, a.students), (&b.card_id, &b.front, b.reviews, b.students));
            assert!(close(a.predicted_retention, b.predicted_retention));
        }
        assert_eq!(ours.heatmap.len(), replayed.heatmap.len());
        for (student, cards) in &ours.heatmap {
            for (card, r) in cards {
                assert!(close(Some(*r), replayed.heatmap[student].get(card).copied()), "{student} {card}");
            }
        }
    }

    /// A teacher's device: two decks (one themed), a text, and five students' progress.
    fn classroom(store: &mut Store) -> (ClassId, Vec<DocId>, DocId, i64) {
        let class = ClassId(uuid::Uuid::new_v4());
        let verbs = content::create(store, DocKind::Deck, class, "Verbs").unwrap().id;
        content::set_theme(store, verbs, "grammar").unwrap();
        let nouns = content::create(store, DocKind::Deck, class, "Nouns").unwrap().id;
        let mut items = Vec::new();
        for (deck, n) in [(verbs, 12), (nouns, 5)] {
            for i in 0..n {
                let kind = if i % 3 == 0 { CardType::Reversed } else { CardType::Basic };
                let patch = CardPatch {
                    card_type: Some(kind),
                    ..CardPatch::front_back(Some(&format!("front {i}")), Some("b"))
                };
                let card = content::put_card(store, deck, None, &patch).unwrap();
                items.push((deck, card.clone()));
                if kind == CardType::Reversed {
                    items.push((deck, format!("{card}#r")));
                }
            }
        }
        content::delete_card(store, verbs, &items[2].1).unwrap();
        let text = content::create(store, DocKind::Text, class, "Poem").unwrap().id;
        content::append_text(store, text, "# One\nThe first part.\n# Two\nThe second part of the poem.").unwrap();
        let start = 1_790_000_000;
        for s in 0..5_u64 {
            let student = UserId(uuid::Uuid::from_u128(0xabc0 + u128::from(s)));
            for session in 0..3_i64 {
                for deck in [verbs, nouns] {
                    let reviews: Vec<Review> = items
                        .iter()
                        .filter(|(d, _)| *d == deck)
                        .enumerate()
                        .filter(|(i, _)| !(*i as u64 + s).is_multiple_of(4))
                        .map(|(i, (_, item))| Review {
                            card: item.clone(),
                            rating: [3, 1, 4, 2, 3][(i + s as usize + session as usize) % 5],
                            at: start + session * 2 * DAY + i as i64 * 60 + s as i64,
                        })
                        .collect();
                    content::record_session(store, student, deck, &reviews).unwrap();
                }
            }
            if s < 3 {
                reading::set_position(store, student, text, 10 + s * 7).unwrap();
                let mark = NewMark { kind: MarkKind::Highlight, start: 2, end: 9, note: "", colour: "yellow" };
                reading::add_mark(store, student, text, &mark).unwrap();
            }
        }
        (class, vec![verbs, nouns], text, start + 9 * DAY)
    }

    fn check(store: &mut Store, class: ClassId, decks: &[DocId], text: DocId, now: i64) {
        for deck in decks {
            let ours = deck_report(store, *deck, now).unwrap();
            same_deck_report(&ours, &reports_replay::deck_report(store, *deck, now).unwrap());
            assert!(ours.students.iter().all(|s| s.reviews > 0) && ours.students.len() == 5);
        }
        let ours = theme_heatmap(store, &class.to_string(), now).unwrap();
        let replayed = reports_replay::theme_heatmap(store, &class.to_string(), now).unwrap();
        assert_eq!(ours.keys().collect::<Vec<_>>(), vec!["Nouns", "grammar"]);
        for (theme, students) in &replayed {
            assert_eq!(ours[theme].len(), students.len());
            for (student, r) in students {
                assert!(close(ours[theme].get(student).copied(), Some(*r)), "{theme} {student}");
            }
        }
        let mut replayed = reports_replay::reading_report(store, text).unwrap();
        replayed.sort_by_key(|r| r.student_id);
        let mut ours = reading_report(store, text).unwrap();
        ours.sort_by_key(|r| r.student_id);
        assert_eq!(ours, replayed);
        assert_eq!(ours.len(), 3);
    }

    #[test]
    fn materialized_reports_match_a_replay_of_every_document_and_fill_in_on_upgrade() {
        let dir = std::env::temp_dir().join(format!("tallschool-reports-{}", uuid::Uuid::new_v4().simple()));
        let mut store = Store::open(&dir, Clock::system(), FEATURES).unwrap();
        let (class, decks, text, now) = classroom(&mut store);
        check(&mut store, class, &decks, text, now);
        // A store from before the reports feature: its tables are made and filled from the
        // documents at the next start.
        store
            .conn()
            .execute_batch(
                "DELETE FROM migrations WHERE feature = 'reports'; DROP TABLE report_decks; DROP TABLE report_cards; \
                 DROP TABLE report_memory; DROP TABLE report_reading;",
            )
            .unwrap();
        drop(store);
        let mut store = Store::open(&dir, Clock::system(), FEATURES).unwrap();
        assert!(store.migrations().unwrap().contains(&("reports".to_owned(), 1)));
        check(&mut store, class, &decks, text, now);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
