//! The student's Lobby: classes, what is due today across cards, reading and video tests,
//! overdue work, the streak, and the sync state — from this device's store, offline.
//!
//! Read from tables kept current as documents change: the assignments for this device's
//! student (with a text's reading goal, which depends on its outline), and how far the
//! student is in each text and test. No document is loaded to show the Lobby.

use automerge::Automerge;
use rusqlite::{Connection, params};
use tallschool_shared::digest::reading_goal;
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::reader::outline;
use tallschool_shared::schema::{self, keys};
use tallschool_shared::{DocId, UserId};

use crate::error::{ClientError, Result};
use crate::feature::{Changed, Feature, Migration, Origin};
use crate::learning::account;
use crate::store::Store;
pub use tallschool_contract::lobby::{AssignmentEntry, ClassEntry, DeckDue, Lobby, SyncState};

pub const FEATURE: Feature = Feature {
    name: "lobby",
    // Added after stores existed: filled from the documents a store already holds.
    migrations: &[Migration { sql: SCHEMA, rebuild: true }],
    materialize: Some(materialize),
    forget: "DELETE FROM lobby_assignments; DELETE FROM lobby_progress;",
    forget_document: &["DELETE FROM lobby_assignments WHERE doc_id = ?1"],
};

const SCHEMA: &str = "
-- Assignments for this device's student, with a text's reading goal (percent).
CREATE TABLE IF NOT EXISTS lobby_assignments (
    doc_id        TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    section       TEXT NOT NULL,
    note          TEXT NOT NULL,
    due           INTEGER,
    goal_percent  REAL,
    PRIMARY KEY (doc_id, assignment_id)
);
-- How far this device's student is in a text (furthest percent) or a test (submitted).
CREATE TABLE IF NOT EXISTS lobby_progress (
    subject_id TEXT PRIMARY KEY,
    furthest   REAL NOT NULL,
    submitted  INTEGER NOT NULL
);
";

fn materialize(conn: &Connection, meta: &DocMeta, doc: &Automerge, changed: Changed<'_>, _: Origin) -> Result<()> {
    let Some(student) = account(conn)? else { return Ok(()) };
    if meta.kind.is_content() {
        if changed.touches(&["assignments", "body"]) {
            put_assignments(conn, meta, doc, student)?;
        }
    } else if meta.owner_id == Some(student)
        && let Some(subject) = meta.subject_id
        && changed.touches(&[keys::FURTHEST, keys::POSITIONS, keys::ATTEMPTS])
    {
        let progress = schema::progress(doc);
        let submitted = progress.attempts.iter().any(|a| a.submitted_at.is_some());
        conn.execute(
            "INSERT INTO lobby_progress (subject_id, furthest, submitted) VALUES (?1, ?2, ?3) \
             ON CONFLICT (subject_id) DO UPDATE SET furthest = excluded.furthest, submitted = excluded.submitted",
            params![subject.to_string(), progress.furthest, submitted],
        )?;
    }
    Ok(())
}

fn put_assignments(conn: &Connection, meta: &DocMeta, doc: &Automerge, student: UserId) -> Result<()> {
    let doc_id = meta.id.to_string();
    conn.execute("DELETE FROM lobby_assignments WHERE doc_id = ?1", [&doc_id])?;
    let mine: Vec<_> = schema::assignments(doc).into_iter().filter(|a| a.is_for(student)).collect();
    if mine.is_empty() {
        return Ok(());
    }
    let sections = if meta.kind == DocKind::Text { outline(&schema::body(doc)) } else { Vec::new() };
    let mut insert = conn.prepare_cached(
        "INSERT INTO lobby_assignments (doc_id, assignment_id, section, note, due, goal_percent) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for a in mine {
        let goal = (meta.kind == DocKind::Text).then(|| reading_goal(&a, &sections));
        insert.execute(params![doc_id, a.id, a.section, a.note, a.due, goal])?;
    }
    Ok(())
}

/// A row of the Lobby's assignment query.
struct Row {
    doc_id: String,
    kind: String,
    title: String,
    assignment_id: String,
    section: String,
    note: String,
    due: Option<i64>,
    goal: Option<f64>,
    furthest: Option<f64>,
    submitted: bool,
    deck_done: bool,
}

fn assignments(store: &Store, now: i64) -> Result<Vec<AssignmentEntry>> {
    let mut statement = store.conn().prepare_cached(
        "SELECT a.doc_id, d.kind, d.title, a.assignment_id, a.section, a.note, a.due, a.goal_percent, \
                p.furthest, COALESCE(p.submitted, 0), \
                NOT EXISTS (SELECT 1 FROM study_items s WHERE s.deck_id = a.doc_id AND s.deleted = 0 AND s.reps = 0) \
         FROM lobby_assignments a JOIN docs d ON d.id = a.doc_id \
         LEFT JOIN lobby_progress p ON p.subject_id = a.doc_id",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(Row {
            doc_id: row.get(0)?,
            kind: row.get(1)?,
            title: row.get(2)?,
            assignment_id: row.get(3)?,
            section: row.get(4)?,
            note: row.get(5)?,
            due: row.get(6)?,
            goal: row.get(7)?,
            furthest: row.get(8)?,
            submitted: row.get(9)?,
            deck_done: row.get(10)?,
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let row = row?;
        let unreadable = || ClientError::Invalid(format!("stored assignment of {} unreadable", row.doc_id));
        let kind = DocKind::parse(&row.kind).ok_or_else(unreadable)?;
        let doc_id: DocId = row.doc_id.parse().map_err(|_| unreadable())?;
        let furthest = row.furthest.unwrap_or(0.0);
        let (done, progress_percent, goal_percent) = match kind {
            // Done within half a percent of the goal, as the digest counts it.
            DocKind::Text => {
                let goal = row.goal.unwrap_or(100.0);
                (furthest + 0.5 >= goal, Some(furthest), Some(goal))
            }
            DocKind::VideoTest => (row.submitted, None, None),
            _ => (row.deck_done, None, None),
        };
        out.push(AssignmentEntry {
            doc_id,
            kind,
            title: row.title,
            assignment_id: row.assignment_id,
            section: row.section,
            note: row.note,
            due: row.due,
            done,
            overdue: !done && row.due.is_some_and(|d| d < now),
            progress_percent,
            goal_percent,
        });
    }
    out.sort_by_key(|a| (a.due.unwrap_or(i64::MAX), a.title.clone()));
    Ok(out)
}

pub fn lobby(store: &Store, now: i64) -> Result<Lobby> {
    let end_of_today = store.end_of_day(now)?;
    let classes = store.classes()?.into_iter().map(|(id, name, _)| ClassEntry { id, name }).collect();
    let docs = store.list()?;
    let mut cards_due = Vec::new();
    for deck in store.study_decks()? {
        let counts = store.counts(deck, now)?;
        if counts.total() > 0 {
            let title = docs
                .iter()
                .find(|d| d.id == deck)
                .map(|d| if d.kind == DocKind::Progress { "My cards".to_owned() } else { d.title.clone() })
                .unwrap_or_default();
            cards_due.push(DeckDue { deck_id: deck, title, counts });
        }
    }
    let assignments = assignments(store, now)?;
    let overdue = assignments.iter().filter(|a| a.overdue).cloned().collect();
    let due_today = assignments
        .iter()
        .filter(|a| !a.done && !a.overdue && a.due.is_none_or(|d| d < end_of_today))
        .cloned()
        .collect();
    let status = store.status()?;
    Ok(Lobby {
        classes,
        cards_due_total: cards_due.iter().map(|d: &DeckDue| d.counts.total()).sum(),
        cards_due,
        due_today,
        overdue,
        assignments,
        streak_days: store.streak(now)?,
        sync: SyncState {
            pending_changes: status.pending_changes,
            unsaved_answers: store.pending_answers()?,
            refused_documents: status.rejections.len() as u64,
            last_sync_at: status.last_sync_at,
            update_required: status.update_required.is_some(),
        },
    })
}
