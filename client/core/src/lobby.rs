//! The student's Lobby: classes, what is due today across cards, reading and video tests,
//! overdue work, the streak, and the sync state — from this device's store, offline.

use tallschool_shared::digest::{deck_done, reading_done, reading_goal, video_done};
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::reader::outline;
use tallschool_shared::{DocId, UserId, schema};

use crate::error::Result;
use crate::store::Store;
pub use tallschool_contract::lobby::{AssignmentEntry, ClassEntry, DeckDue, Lobby, SyncState};

pub fn lobby(store: &mut Store, student: UserId, now: i64) -> Result<Lobby> {
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
    let mut assignments = Vec::new();
    for doc in docs.iter().filter(|d| d.kind.is_content()) {
        let Some((meta, document)) = store.load(doc.id)? else { continue };
        let mine: Vec<_> = schema::assignments(&document).into_iter().filter(|a| a.is_for(student)).collect();
        if mine.is_empty() {
            continue;
        }
        let progress_doc = store.load(DocMeta::progress(student, &meta).id)?.map(|(_, d)| d);
        let progress = progress_doc.as_ref().map(schema::progress).unwrap_or_default();
        let reviews = progress_doc.as_ref().map(schema::reviews).unwrap_or_default();
        let sections = if doc.kind == DocKind::Text { outline(&schema::body(&document)) } else { Vec::new() };
        let items = || {
            schema::cards(&document)
                .iter()
                .filter(|c| !c.deleted)
                .flat_map(|c| c.fields.items(&c.id))
                .map(|i| i.id)
                .collect()
        };
        for a in mine {
            let (done, progress_percent, goal_percent) = match doc.kind {
                DocKind::Text => {
                    let goal = reading_goal(&a, &sections);
                    (reading_done(goal, &progress), Some(progress.furthest), Some(goal))
                }
                DocKind::VideoTest => (video_done(&progress), None, None),
                _ => (deck_done(&items(), &reviews) || pending_covers(store, doc.id, &items())?, None, None),
            };
            assignments.push(AssignmentEntry {
                doc_id: doc.id,
                kind: doc.kind,
                title: doc.title.clone(),
                assignment_id: a.id.clone(),
                section: a.section.clone(),
                note: a.note.clone(),
                due: a.due,
                done,
                overdue: !done && a.due.is_some_and(|d| d < now),
                progress_percent,
                goal_percent,
            });
        }
    }
    assignments.sort_by_key(|a| (a.due.unwrap_or(i64::MAX), a.title.clone()));
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
        },
    })
}

/// Whether every item of a deck has been answered on this device (answers not yet written
/// into the progress document count too).
fn pending_covers(store: &Store, deck: DocId, items: &std::collections::BTreeSet<String>) -> Result<bool> {
    let answered = store.answered_items(deck)?;
    Ok(items.iter().all(|i| answered.contains(i)))
}
