//! Studying on this device: the materialized study tables, the due queue, answering, undo,
//! and writing a session's answers into the progress document as one change.
//!
//! The automerge documents are the record; these tables are derived from them so that the
//! next due card is one indexed lookup. Each answer is a durable row (`pending_reviews`) and an
//! updated schedule row in one transaction; `end_session` (or the next sync) packs the
//! session's answers into one change. After a sync brought reviews from another device, the
//! schedule is recomputed from the merged log, so every device shows the same queue.

use std::collections::{BTreeMap, BTreeSet};

use automerge::Automerge;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tallschool_shared::cards::card_of;
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::reviews::Review;
use tallschool_shared::scheduling::{CardState, Phase, Rating, Scheduler, StudySettings};
use tallschool_shared::schema::{self, keys};
use tallschool_shared::{DocId, UserId};

use crate::error::{ClientError, Result};
use crate::feature::{Feature, Migration, Origin};
use crate::store::Store;
pub use tallschool_contract::learning::{Counts, NextItem, Scheduled};

pub const DAY: i64 = 86_400;

/// Study items and their schedule, answers not yet written, daily counts, the streak, the
/// classes' settings.
pub const FEATURE: Feature = Feature {
    name: "learning",
    migrations: &[Migration { sql: SCHEMA, rebuild: false }],
    materialize: Some(materialize),
    forget: "DELETE FROM study_items; DELETE FROM pending_reviews; DELETE FROM study_days; \
             DELETE FROM activity_days; DELETE FROM classes;",
    forget_document: &[
        "DELETE FROM study_items WHERE deck_id = ?1 OR progress_id = ?1",
        "DELETE FROM pending_reviews WHERE deck_id = ?1 OR progress_id = ?1",
        "DELETE FROM study_days WHERE deck_id = ?1",
    ],
};

const SCHEMA: &str = "
-- One row per study item (a card seen from one side, or one cloze deletion), with this
-- device's user's schedule for it.
CREATE TABLE IF NOT EXISTS study_items (
    deck_id     TEXT NOT NULL,   -- the document holding the card: a deck, or a progress document (own cards)
    item_id     TEXT NOT NULL,
    progress_id TEXT NOT NULL,   -- where reviews of the item are written
    class_id    TEXT NOT NULL,
    theme       TEXT NOT NULL DEFAULT '',
    card_type   TEXT NOT NULL DEFAULT 'basic',
    prompt      TEXT NOT NULL DEFAULT '',
    answer      TEXT NOT NULL DEFAULT '',
    typed       INTEGER NOT NULL DEFAULT 0,
    hint        TEXT NOT NULL DEFAULT '',
    example     TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '',
    media       TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    phase       TEXT NOT NULL DEFAULT 'new',
    step        INTEGER NOT NULL DEFAULT 0,
    stability   REAL NOT NULL DEFAULT 0,
    difficulty  REAL NOT NULL DEFAULT 0,
    due         INTEGER NOT NULL DEFAULT 0,
    last_review INTEGER NOT NULL DEFAULT 0,
    reps        INTEGER NOT NULL DEFAULT 0,
    lapses      INTEGER NOT NULL DEFAULT 0,
    first_review_day INTEGER,
    PRIMARY KEY (deck_id, item_id)
);
CREATE INDEX IF NOT EXISTS study_items_due ON study_items(deck_id, deleted, phase, due);
CREATE INDEX IF NOT EXISTS study_items_new ON study_items(deck_id, deleted, phase, position);
-- Answers not yet written into a progress document, with the state each one replaced (undo).
CREATE TABLE IF NOT EXISTS pending_reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    deck_id     TEXT NOT NULL,
    progress_id TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    rating      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    previous    TEXT NOT NULL
);
-- Reviews per deck and day, for the daily limits.
CREATE TABLE IF NOT EXISTS study_days (
    deck_id TEXT NOT NULL,
    day     INTEGER NOT NULL,
    new_items INTEGER NOT NULL DEFAULT 0,
    reviews INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (deck_id, day)
);
-- Days with any learning activity of this device's user (the streak).
CREATE TABLE IF NOT EXISTS activity_days (day INTEGER PRIMARY KEY);
-- Classes of the user, with their study settings (from the server, kept for offline use).
CREATE TABLE IF NOT EXISTS classes (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    settings TEXT NOT NULL
);
";

/// The UTC day number of `at` (documents record days this way, the same on every device).
pub fn day_of(at: i64) -> i64 {
    at.div_euclid(DAY)
}

/// This device's offset from UTC in seconds ("today" for the daily limits, the queue, the
/// streak and the Lobby is the student's local day).
pub(crate) fn utc_offset(conn: &Connection) -> Result<i64> {
    let value: Option<String> =
        conn.query_row("SELECT value FROM kv WHERE key = 'utc_offset_secs'", [], |row| row.get(0)).optional()?;
    Ok(value.and_then(|v| v.parse::<i64>().ok()).filter(|o| o.abs() <= 14 * 3600).unwrap_or(0))
}

/// The local day number of `at` on this device.
pub(crate) fn local_day(conn: &Connection, at: i64) -> Result<i64> {
    Ok((at + utc_offset(conn)?).div_euclid(DAY))
}

/// The instant the local day of `at` ends.
pub(crate) fn end_of_local_day(conn: &Connection, at: i64) -> Result<i64> {
    let offset = utc_offset(conn)?;
    Ok(((at + offset).div_euclid(DAY) + 1) * DAY - offset)
}

pub(crate) fn account(conn: &Connection) -> Result<Option<UserId>> {
    let value: Option<String> =
        conn.query_row("SELECT value FROM kv WHERE key = 'account'", [], |row| row.get(0)).optional()?;
    Ok(value.and_then(|v| v.parse().ok()))
}

/// What changed in a document, as far as the study tables care.
struct Changed {
    /// Cards whose fields changed (`None`: rebuild every card, e.g. the theme changed).
    cards: Option<BTreeSet<String>>,
    reviews: bool,
}

fn changed(changed: crate::feature::Changed<'_>) -> Changed {
    let cards = if changed.touches(&[keys::THEME]) { None } else { changed.entries_of(keys::CARDS) };
    Changed { cards, reviews: changed.touches(&[keys::REVIEWS]) }
}

/// Derive this document's rows from what changed (`patches`, logged while the change was made
/// or loaded: proportional to the change, not to the document). `from_sync`: changes from
/// elsewhere arrived, so a progress document's schedule is recomputed from its whole log
/// (local answers keep it current).
fn materialize(
    conn: &Connection,
    meta: &DocMeta,
    doc: &Automerge,
    patches: crate::feature::Changed<'_>,
    origin: Origin,
) -> Result<()> {
    let from_sync = origin == Origin::Elsewhere;
    match meta.kind {
        DocKind::Deck => {
            let changed = changed(patches);
            let theme = schema::theme(doc);
            let user = account(conn)?;
            let progress = user.map(|u| DocMeta::progress(u, meta).id.to_string()).unwrap_or_default();
            let cards = match &changed.cards {
                None => schema::cards(doc),
                Some(ids) if ids.is_empty() => return Ok(()),
                Some(ids) => ids.iter().filter_map(|id| schema::card(doc, id)).collect(),
            };
            put_items(conn, meta.id, &progress, meta, &theme, &cards, changed.cards.is_none())?;
        }
        DocKind::Progress => {
            let user = account(conn)?;
            if meta.owner_id.is_none() || meta.owner_id != user {
                return Ok(());
            }
            let changed = changed(patches);
            if changed.cards.as_ref().is_none_or(|c| !c.is_empty()) {
                put_items(conn, meta.id, &meta.id.to_string(), meta, "", &schema::cards(doc), true)?;
            }
            if from_sync && changed.reviews {
                replay(conn, meta, doc)?;
            }
            if from_sync {
                for day in schema::progress(doc).reading_days.keys() {
                    mark_active(conn, *day)?;
                }
            }
        }
        DocKind::Text | DocKind::VideoTest => {}
    }
    Ok(())
}

/// Write the study items of `cards` (all of the deck's when `full`: items that vanished are
/// hidden; their schedule stays).
fn put_items(
    conn: &Connection,
    deck: DocId,
    progress: &str,
    meta: &DocMeta,
    theme: &str,
    cards: &[schema::StoredCard],
    full: bool,
) -> Result<()> {
    let deck_text = deck.to_string();
    if full {
        conn.execute("UPDATE study_items SET deleted = 1 WHERE deck_id = ?1", [&deck_text])?;
    } else {
        let mut hide = conn.prepare_cached(
            "UPDATE study_items SET deleted = 1 WHERE deck_id = ?1 AND (item_id = ?2 OR item_id LIKE ?2 || '#%')",
        )?;
        for card in cards {
            hide.execute(params![deck_text, card.id])?;
        }
    }
    let mut upsert = conn.prepare_cached(
        "INSERT INTO study_items (deck_id, item_id, progress_id, class_id, theme, card_type, prompt, answer, typed, \
                                  hint, example, tags, media, position, deleted) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
         ON CONFLICT (deck_id, item_id) DO UPDATE SET progress_id = excluded.progress_id, \
             class_id = excluded.class_id, theme = excluded.theme, card_type = excluded.card_type, \
             prompt = excluded.prompt, answer = excluded.answer, typed = excluded.typed, hint = excluded.hint, \
             example = excluded.example, tags = excluded.tags, media = excluded.media, \
             position = excluded.position, deleted = excluded.deleted",
    )?;
    for card in cards {
        for item in card.fields.items(&card.id) {
            upsert.execute(params![
                deck_text,
                item.id,
                progress,
                meta.class_id.to_string(),
                theme,
                card.fields.card_type.as_str(),
                item.prompt,
                item.answer,
                item.typed,
                card.fields.hint,
                card.fields.example,
                card.fields.tags.join(" "),
                card.fields.media.join(" "),
                // New cards come in the order they were made.
                card.created_at,
                card.deleted,
            ])?;
        }
    }
    Ok(())
}

/// Recompute the schedule of every item a progress document has reviews for, from the
/// merged log plus this device's answers not yet written.
fn replay(conn: &Connection, meta: &DocMeta, doc: &Automerge) -> Result<()> {
    let Some(subject) = meta.subject_id else { return Ok(()) };
    let mut log = schema::reviews(doc);
    let mut pending = conn.prepare_cached("SELECT item_id, rating, at FROM pending_reviews WHERE progress_id = ?1")?;
    let rows = pending.query_map([meta.id.to_string()], |row| {
        Ok(Review { card: row.get(0)?, rating: row.get(1)?, at: row.get(2)? })
    })?;
    for row in rows {
        log.push(row?);
    }
    let scheduler = scheduler_for(conn, &meta.class_id.to_string())?;
    let states = scheduler.replay(&log);
    log.sort_by(|a, b| (a.at, &a.card, a.rating).cmp(&(b.at, &b.card, b.rating)));
    let mut first_day: BTreeMap<&str, i64> = BTreeMap::new();
    let mut per_day: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut active = std::collections::BTreeSet::new();
    let offset = utc_offset(conn)?;
    for review in &log {
        let day = (review.at + offset).div_euclid(DAY);
        active.insert(day);
        let counts = per_day.entry(day).or_default();
        if first_day.contains_key(review.card.as_str()) {
            counts.1 += 1;
        } else {
            first_day.insert(review.card.as_str(), day);
            counts.0 += 1;
        }
    }
    for day in active {
        mark_active(conn, day)?;
    }
    let decks = [subject.to_string(), meta.id.to_string()];
    let mut placeholder = conn.prepare_cached(
        "INSERT OR IGNORE INTO study_items (deck_id, item_id, progress_id, class_id, deleted) VALUES (?1, ?2, ?3, ?4, 1)",
    )?;
    for (item, state) in &states {
        let first = first_day.get(item.as_str()).copied();
        let deck_pair = [decks[0].as_str(), decks[1].as_str()];
        if write_state(conn, deck_pair, item, state, first)? == 0 {
            // Reviews of a card this device has not received yet: keep the schedule for it.
            placeholder.execute(params![decks[0], item, meta.id.to_string(), meta.class_id.to_string()])?;
            write_state(conn, deck_pair, item, state, first)?;
        }
    }
    for deck in &decks {
        conn.execute("DELETE FROM study_days WHERE deck_id = ?1", [deck])?;
    }
    // Daily counts are kept per subject deck (own cards count with their own document).
    for (day, (new_items, reviews)) in per_day {
        conn.execute(
            "INSERT INTO study_days (deck_id, day, new_items, reviews) VALUES (?1, ?2, ?3, ?4)",
            params![decks[0], day, new_items, reviews],
        )?;
    }
    Ok(())
}

/// Write an item's schedule (in `decks[0]` or `decks[1]`: a deck or the own-card document).
/// `first_review_day` is set when given (the item's first review); a state back to new clears it.
fn write_state(
    conn: &Connection,
    decks: [&str; 2],
    item: &str,
    state: &CardState,
    first_review_day: Option<i64>,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE study_items SET phase = ?3, step = ?4, stability = ?5, difficulty = ?6, due = ?7, \
                    last_review = ?8, reps = ?9, lapses = ?10, \
                    first_review_day = CASE WHEN ?3 = 'new' THEN NULL ELSE COALESCE(?11, first_review_day) END \
             WHERE deck_id IN (?1, ?12) AND item_id = ?2",
        )?
        .execute(params![
            decks[0],
            item,
            state.phase.as_str(),
            state.step,
            state.stability,
            state.difficulty,
            state.due,
            state.last_review,
            state.reps,
            state.lapses,
            first_review_day,
            decks[1],
        ])?)
}

pub(crate) fn mark_active(conn: &Connection, day: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO activity_days (day) VALUES (?1)")?.execute([day])?;
    Ok(())
}

pub(crate) fn settings_for(conn: &Connection, class: &str) -> Result<StudySettings> {
    let stored: Option<String> =
        conn.query_row("SELECT settings FROM classes WHERE id = ?1", [class], |row| row.get(0)).optional()?;
    Ok(stored.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default())
}

fn scheduler_for(conn: &Connection, class: &str) -> Result<Scheduler> {
    let settings = settings_for(conn, class)?;
    Scheduler::new(&settings)
        .or_else(|_| Scheduler::new(&StudySettings::default()))
        .map_err(|e| ClientError::Invalid(e.to_string()))
}

fn state_from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<CardState> {
    let phase: String = row.get(first)?;
    Ok(CardState {
        phase: Phase::parse(&phase).unwrap_or(Phase::New),
        step: row.get(first + 1)?,
        stability: row.get(first + 2)?,
        difficulty: row.get(first + 3)?,
        due: row.get(first + 4)?,
        last_review: row.get(first + 5)?,
        reps: row.get(first + 6)?,
        lapses: row.get(first + 7)?,
    })
}

const ITEM_COLUMNS: &str = "item_id, prompt, answer, typed, hint, example, media, phase";

fn item_from_row(row: &rusqlite::Row<'_>, deck: DocId, counts: Counts) -> rusqlite::Result<NextItem> {
    let item: String = row.get(0)?;
    Ok(NextItem {
        deck_id: deck,
        card_id: card_of(&item).to_owned(),
        item_id: item,
        prompt: row.get(1)?,
        answer: row.get(2)?,
        typed: row.get(3)?,
        hint: row.get(4)?,
        example: row.get(5)?,
        media: row.get::<_, String>(6)?.split_whitespace().map(str::to_owned).collect(),
        phase: row.get(7)?,
        counts,
        intervals: [0; 4],
    })
}

const STATE_COLUMNS: &str = "phase, step, stability, difficulty, due, last_review, reps, lapses";

impl Store {
    /// This device's offset from UTC in seconds (−14 h to +14 h), for "today".
    pub fn set_utc_offset(&self, seconds: i64) -> Result<()> {
        if seconds.abs() > 14 * 3600 {
            return Err(ClientError::invalid("offset", "a UTC offset is between -14:00 and +14:00"));
        }
        self.set("utc_offset_secs", &seconds.to_string())
    }

    pub fn utc_offset(&self) -> Result<i64> {
        utc_offset(self.conn())
    }

    /// When the local day of `at` ends on this device.
    pub fn end_of_day(&self, at: i64) -> Result<i64> {
        end_of_local_day(self.conn(), at)
    }

    /// Keep the user's classes and their study settings for offline use.
    pub fn save_classes(&mut self, classes: &[(String, String, StudySettings)]) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        tx.execute("DELETE FROM classes", [])?;
        for (id, name, settings) in classes {
            tx.execute(
                "INSERT INTO classes (id, name, settings) VALUES (?1, ?2, ?3)",
                params![id, name, serde_json::to_string(settings).unwrap_or_default()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn classes(&self) -> Result<Vec<(String, String, StudySettings)>> {
        let mut statement = self.conn().prepare("SELECT id, name, settings FROM classes ORDER BY name")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, settings) = row?;
            out.push((id, name, serde_json::from_str(&settings).unwrap_or_default()));
        }
        Ok(out)
    }

    /// What is due in `deck` at `at`, within the class's daily limits.
    pub fn counts(&self, deck: DocId, at: i64) -> Result<Counts> {
        let conn = self.conn();
        let deck_text = deck.to_string();
        let class: Option<String> = conn
            .query_row("SELECT class_id FROM study_items WHERE deck_id = ?1 LIMIT 1", [&deck_text], |row| row.get(0))
            .optional()?;
        let settings = settings_for(conn, class.as_deref().unwrap_or(""))?;
        let day = local_day(conn, at)?;
        let day_end = end_of_local_day(conn, at)?;
        let (new_done, reviews_done): (i64, i64) = conn
            .query_row(
                "SELECT new_items, reviews FROM study_days WHERE deck_id = ?1 AND day = ?2",
                params![deck_text, day],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, 0));
        let count = |sql: &str, limit: i64| -> Result<u64> {
            let n: i64 =
                conn.prepare_cached(sql)?.query_row(params![deck_text, at, day_end, limit], |row| row.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let review_left = (i64::from(settings.reviews_per_day) - reviews_done).max(0);
        let new_left = (i64::from(settings.new_per_day) - new_done).max(0);
        Ok(Counts {
            learning: count(
                "SELECT COUNT(*) FROM (SELECT 1 FROM study_items WHERE deck_id = ?1 AND deleted = 0 \
                 AND phase IN ('learning', 'relearning') AND due < ?3 LIMIT ?4)",
                i64::MAX,
            )?,
            review: count(
                "SELECT COUNT(*) FROM (SELECT 1 FROM study_items WHERE deck_id = ?1 AND deleted = 0 \
                 AND phase = 'review' AND due < ?3 LIMIT ?4)",
                review_left,
            )?,
            new: count(
                "SELECT COUNT(*) FROM (SELECT 1 FROM study_items WHERE deck_id = ?1 AND deleted = 0 \
                 AND phase = 'new' AND ?3 > 0 LIMIT ?4)",
                new_left,
            )?,
        })
    }

    /// Decks (and own-card documents) this device can study.
    pub fn study_decks(&self) -> Result<Vec<DocId>> {
        let mut statement = self.conn().prepare("SELECT DISTINCT deck_id FROM study_items WHERE deleted = 0")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            if let Ok(id) = row?.parse() {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The next item to study in `deck` (or in the first deck with something due): learning
    /// cards whose step has come, then reviews due today, then new cards, within the limits.
    pub fn next_item(&self, deck: Option<DocId>, at: i64) -> Result<Option<NextItem>> {
        let decks = match deck {
            Some(deck) => vec![deck],
            None => self.study_decks()?,
        };
        for deck in decks {
            let counts = self.counts(deck, at)?;
            let day_end = end_of_local_day(self.conn(), at)?;
            // `?2` is the time bound of the query, if it has one.
            let pick = |sql: &str, bound: Option<i64>| -> Result<Option<NextItem>> {
                let sql = format!(
                    "SELECT {ITEM_COLUMNS} FROM study_items WHERE deck_id = ?1 AND deleted = 0 AND {sql} LIMIT 1"
                );
                let mut statement = self.conn().prepare_cached(&sql)?;
                let row = |row: &rusqlite::Row<'_>| item_from_row(row, deck, counts);
                Ok(match bound {
                    Some(bound) => statement.query_row(params![deck.to_string(), bound], row),
                    None => statement.query_row(params![deck.to_string()], row),
                }
                .optional()?)
            };
            // Learning steps that have come; a learning card due later today waits unless
            // nothing else is left (as in Anki).
            let found = match pick("phase IN ('learning', 'relearning') AND due <= ?2 ORDER BY due", Some(at))? {
                Some(item) => Some(item),
                None if counts.review > 0 => pick("phase = 'review' AND due < ?2 ORDER BY due", Some(day_end))?,
                None if counts.new > 0 => pick("phase = 'new' ORDER BY position, item_id", None)?,
                None => pick("phase IN ('learning', 'relearning') AND due < ?2 ORDER BY due", Some(day_end))?,
            };
            if let Some(mut item) = found {
                item.intervals = self.intervals(deck, &item.item_id, at)?;
                return Ok(Some(item));
            }
        }
        Ok(None)
    }

    /// How long until `item` comes back after each rating, answered at `at`.
    fn intervals(&self, deck: DocId, item: &str, at: i64) -> Result<[i64; 4]> {
        let (class, state) = self
            .conn()
            .prepare_cached(&format!(
                "SELECT class_id, {STATE_COLUMNS} FROM study_items WHERE deck_id = ?1 AND item_id = ?2"
            ))?
            .query_row(params![deck.to_string(), item], |row| {
                Ok((row.get::<_, String>(0)?, state_from_row(row, 1)?))
            })?;
        let scheduler = scheduler_for(self.conn(), &class)?;
        Ok([Rating::Again, Rating::Hard, Rating::Good, Rating::Easy]
            .map(|rating| (scheduler.answer(item, &state, rating, at).due - at).max(0)))
    }

    /// Answer an item: one durable local write (schedule + pending review); the progress
    /// document gets the whole session as one change at [`Store::end_session`].
    pub fn answer(&mut self, deck: DocId, item: &str, rating: Rating, at: i64) -> Result<CardState> {
        let tx = self.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .prepare_cached(&format!(
                "SELECT progress_id, class_id, deleted, {STATE_COLUMNS} FROM study_items WHERE deck_id = ?1 AND item_id = ?2"
            ))?
            .query_row(params![deck.to_string(), item], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, bool>(2)?, state_from_row(row, 3)?))
            })
            .optional()?;
        let Some((progress, class, deleted, state)) = row else {
            return Err(ClientError::Invalid(format!("no card {item} in deck {deck}")));
        };
        if deleted {
            return Err(ClientError::Invalid(format!("card {item} was deleted from the deck")));
        }
        if progress.is_empty() {
            return Err(ClientError::NotSignedIn);
        }
        let next = scheduler_for(&tx, &class)?.answer(item, &state, rating, at);
        let today = local_day(&tx, at)?;
        let deck_text = deck.to_string();
        let first = (state.phase == Phase::New).then_some(today);
        write_state(&tx, [&deck_text, &deck_text], item, &next, first)?;
        tx.prepare_cached(
            "INSERT INTO pending_reviews (deck_id, progress_id, item_id, rating, at, previous) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            deck.to_string(),
            progress,
            item,
            rating as u8,
            at,
            serde_json::to_string(&state).unwrap_or_default()
        ])?;
        let (new_items, reviews) = if state.phase == Phase::New { (1, 0) } else { (0, 1) };
        tx.prepare_cached(
            "INSERT INTO study_days (deck_id, day, new_items, reviews) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (deck_id, day) DO UPDATE SET new_items = new_items + ?3, reviews = reviews + ?4",
        )?
        .execute(params![deck.to_string(), today, new_items, reviews])?;
        mark_active(&tx, today)?;
        tx.commit()?;
        Ok(next)
    }

    /// Take back the last answer not yet written into a progress document.
    pub fn undo(&mut self) -> Result<Option<(DocId, String)>> {
        let tx = self.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last = tx
            .query_row(
                "SELECT id, deck_id, item_id, at, previous FROM pending_reviews ORDER BY id DESC LIMIT 1",
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, deck, item, at, previous)) = last else { return Ok(None) };
        let state: CardState = serde_json::from_str(&previous)
            .map_err(|_| ClientError::Invalid("the answer to undo is unreadable".to_owned()))?;
        write_state(&tx, [&deck, &deck], &item, &state, None)?;
        let (new_items, reviews) = if state.phase == Phase::New { (1, 0) } else { (0, 1) };
        tx.execute(
            "UPDATE study_days SET new_items = MAX(0, new_items - ?3), reviews = MAX(0, reviews - ?4) \
             WHERE deck_id = ?1 AND day = ?2",
            params![deck, local_day(&tx, at)?, new_items, reviews],
        )?;
        tx.execute("DELETE FROM pending_reviews WHERE id = ?1", [id])?;
        tx.commit()?;
        let deck = deck.parse().map_err(|_| ClientError::Invalid("stored deck id unreadable".to_owned()))?;
        Ok(Some((deck, item)))
    }

    /// Write the answers given since the last session end into the progress documents: one
    /// change per document, under a fresh session id (so devices' sessions merge as a union).
    pub fn end_session(&mut self) -> Result<usize> {
        let user = account(self.conn())?.ok_or(ClientError::NotSignedIn)?;
        let mut groups: BTreeMap<(String, String), Vec<(i64, Review)>> = BTreeMap::new();
        {
            let mut statement = self
                .conn()
                .prepare("SELECT id, deck_id, progress_id, item_id, rating, at FROM pending_reviews ORDER BY id")?;
            let rows = statement.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    Review { card: row.get(3)?, rating: row.get(4)?, at: row.get(5)? },
                ))
            })?;
            for row in rows {
                let (id, deck, progress, review) = row?;
                groups.entry((deck, progress)).or_default().push((id, review));
            }
        }
        let mut written = 0;
        for ((deck, progress), rows) in groups {
            let bad = || ClientError::Invalid("stored document id unreadable".to_owned());
            let progress_id: DocId = progress.parse().map_err(|_| bad())?;
            let meta = match self.meta(progress_id)? {
                Some(meta) => meta,
                None => {
                    let subject = self
                        .meta(deck.parse().map_err(|_| bad())?)?
                        .ok_or_else(|| ClientError::UnknownDocument(deck.clone()))?;
                    DocMeta::progress(user, &subject)
                }
            };
            let reviews: Vec<Review> = rows.iter().map(|(_, r)| r.clone()).collect();
            let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
            crate::content::write_session(self, &meta, &reviews, |conn| {
                let mut delete = conn.prepare_cached("DELETE FROM pending_reviews WHERE id = ?1")?;
                for id in &ids {
                    delete.execute([id])?;
                }
                Ok(())
            })?;
            written += reviews.len();
        }
        Ok(written)
    }

    /// Answers given and not yet written into a progress document.
    pub fn pending_answers(&self) -> Result<u64> {
        let n: i64 = self.conn().query_row("SELECT COUNT(*) FROM pending_reviews", [], |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Consecutive days with learning activity, ending today (or yesterday, if today has
    /// none yet).
    pub fn streak(&self, at: i64) -> Result<u32> {
        let today = local_day(self.conn(), at)?;
        let mut statement = self.conn().prepare("SELECT day FROM activity_days WHERE day <= ?1 ORDER BY day DESC")?;
        let days = statement.query_map([today], |row| row.get::<_, i64>(0))?;
        let mut expected = None;
        let mut streak = 0;
        for day in days {
            let day = day?;
            match expected {
                None if day == today || day == today - 1 => {}
                None => break,
                Some(e) if day == e => {}
                Some(_) => break,
            }
            streak += 1;
            expected = Some(day - 1);
        }
        Ok(streak)
    }

    /// Record learning activity on the day of `at` (reading, answering a video question).
    pub fn mark_active(&self, at: i64) -> Result<()> {
        mark_active(self.conn(), local_day(self.conn(), at)?)
    }
}

impl Store {
    /// Items of `deck` this device's user has answered at least once.
    pub fn answered_items(&self, deck: DocId) -> Result<std::collections::BTreeSet<String>> {
        let mut statement =
            self.conn().prepare_cached("SELECT item_id FROM study_items WHERE deck_id = ?1 AND reps > 0")?;
        let rows = statement.query_map([deck.to_string()], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store {
    /// One item of a deck as the study screen shows it.
    pub fn next_item_by_id(&self, deck: DocId, item: &str) -> Result<Option<NextItem>> {
        let counts = self.counts(deck, self.now())?;
        Ok(self
            .conn()
            .prepare_cached(&format!("SELECT {ITEM_COLUMNS} FROM study_items WHERE deck_id = ?1 AND item_id = ?2"))?
            .query_row(params![deck.to_string(), item], |row| item_from_row(row, deck, counts))
            .optional()?)
    }
}

impl Store {
    /// Every studied (not new) item of a deck with its schedule, soonest due first.
    pub fn queue(&self, deck: DocId) -> Result<Vec<Scheduled>> {
        let mut statement = self.conn().prepare(
            "SELECT item_id, phase, due, reps, lapses, stability FROM study_items \
             WHERE deck_id = ?1 AND deleted = 0 AND phase <> 'new' ORDER BY due, item_id",
        )?;
        let rows = statement.query_map([deck.to_string()], |row| {
            Ok(Scheduled {
                item_id: row.get(0)?,
                phase: row.get(1)?,
                due: row.get(2)?,
                reps: row.get(3)?,
                lapses: row.get(4)?,
                stability: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn today_is_the_devices_local_day() {
        let dir = std::env::temp_dir().join(format!("tallschool-day-{}", uuid::Uuid::new_v4().simple()));
        let store = Store::open(&dir, crate::Clock::system(), crate::FEATURES).unwrap();
        let monday = 1_795_392_000; // 2026-11-23 00:00 UTC
        let late = monday + 22 * 3600;
        assert_eq!(store.end_of_day(late).unwrap(), monday + DAY);
        // Three hours east of UTC it is already Tuesday 01:00: today ends Tuesday 21:00 UTC.
        store.set_utc_offset(3 * 3600).unwrap();
        assert_eq!(store.end_of_day(late).unwrap(), monday + 2 * DAY - 3 * 3600);
        assert_eq!(local_day(store.conn(), late).unwrap(), monday / DAY + 1);
        store.set_utc_offset(-5 * 3600).unwrap();
        assert_eq!(store.end_of_day(late).unwrap(), monday + DAY + 5 * 3600);
        assert!(store.set_utc_offset(15 * 3600).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
