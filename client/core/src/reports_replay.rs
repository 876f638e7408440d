//! The teacher's reports computed the slow way: every progress document loaded and its reviews
//! replayed on each call. The reference the materialized reports ([`crate::reports`]) are
//! checked against in tests, and their peer in the benchmark.

use std::collections::BTreeMap;

use tallschool_shared::cards::card_of;
use tallschool_shared::docs::DocKind;
use tallschool_shared::scheduling::{Scheduler, StudySettings};
use tallschool_shared::{DocId, UserId, schema};

use crate::error::{ClientError, Result};
use crate::learning::settings_for;
use crate::store::Store;
use tallschool_contract::reports::{CardRow, DeckReport, ReadingRow, StudentRow};

use tallschool_shared::scheduling::STRUGGLING_BELOW;

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

pub fn deck_report(store: &mut Store, deck: DocId, now: i64) -> Result<DeckReport> {
    let (meta, document) = store.load(deck)?.ok_or_else(|| ClientError::UnknownDocument(deck.to_string()))?;
    if meta.kind != DocKind::Deck {
        return Err(ClientError::Invalid(format!("{deck} is not a deck")));
    }
    let settings = settings_for(store.conn(), &meta.class_id.to_string())?;
    let scheduler = Scheduler::new(&settings)
        .or_else(|_| Scheduler::new(&StudySettings::default()))
        .map_err(|e| ClientError::Invalid(e.to_string()))?;
    let cards = schema::cards(&document);
    let progress_docs: Vec<_> =
        store.list()?.into_iter().filter(|d| d.kind == DocKind::Progress && d.subject_id == Some(deck)).collect();
    let mut students = Vec::new();
    let mut heatmap: BTreeMap<UserId, BTreeMap<String, f64>> = BTreeMap::new();
    let mut per_card: BTreeMap<String, (u64, u64, Vec<f64>)> = BTreeMap::new();
    for doc in progress_docs {
        let Some(student) = doc.owner_id else { continue };
        let Some((_, progress)) = store.load(doc.id)? else { continue };
        let reviews = schema::reviews(&progress);
        let states = scheduler.replay(&reviews);
        let mut by_card: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut lapses = 0;
        for (item, state) in &states {
            lapses += u64::from(state.lapses);
            if let Some(r) = scheduler.retrievability(state, now) {
                by_card.entry(card_of(item).to_owned()).or_default().push(f64::from(r));
            }
        }
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for review in &reviews {
            *counts.entry(card_of(&review.card)).or_default() += 1;
        }
        let mut all = Vec::new();
        let row = heatmap.entry(student).or_default();
        for (card, values) in &by_card {
            let retention = mean(values).unwrap_or(0.0);
            row.insert(card.clone(), retention);
            all.push(retention);
            let entry = per_card.entry(card.clone()).or_default();
            entry.1 += 1;
            entry.2.push(retention);
        }
        for (card, n) in counts {
            per_card.entry(card.to_owned()).or_default().0 += n;
        }
        let predicted = mean(&all);
        students.push(StudentRow {
            student_id: student,
            reviews: reviews.len() as u64,
            cards_studied: by_card.len() as u64,
            lapses,
            predicted_retention: predicted,
            struggling: predicted.is_some_and(|p| p < STRUGGLING_BELOW),
        });
    }
    let card_rows = cards
        .iter()
        .filter(|c| !c.deleted)
        .map(|c| {
            let (reviews, students, values) = per_card.get(&c.id).cloned().unwrap_or_default();
            CardRow {
                card_id: c.id.clone(),
                front: c.fields.front.clone(),
                reviews,
                students,
                predicted_retention: mean(&values),
            }
        })
        .collect();
    Ok(DeckReport {
        deck_id: deck,
        title: schema::title(&document),
        theme: schema::theme(&document),
        students,
        cards: card_rows,
        heatmap,
    })
}

/// Per theme (the decks' themes) and student: predicted retention, over every deck of a class
/// on this device.
pub fn theme_heatmap(store: &mut Store, class: &str, now: i64) -> Result<BTreeMap<String, BTreeMap<UserId, f64>>> {
    let decks: Vec<DocId> = store
        .list()?
        .into_iter()
        .filter(|d| d.kind == DocKind::Deck && d.class_id.to_string() == class)
        .map(|d| d.id)
        .collect();
    let mut sums: BTreeMap<String, BTreeMap<UserId, Vec<f64>>> = BTreeMap::new();
    for deck in decks {
        let report = deck_report(store, deck, now)?;
        let theme = if report.theme.is_empty() { report.title.clone() } else { report.theme.clone() };
        for (student, cards) in report.heatmap {
            sums.entry(theme.clone()).or_default().entry(student).or_default().extend(cards.values());
        }
    }
    Ok(sums
        .into_iter()
        .map(|(theme, students)| {
            (theme, students.into_iter().filter_map(|(s, values)| mean(&values).map(|m| (s, m))).collect())
        })
        .collect())
}

/// Each student's progress in a text.
pub fn reading_report(store: &mut Store, text: DocId) -> Result<Vec<ReadingRow>> {
    let meta = store.meta(text)?.ok_or_else(|| ClientError::UnknownDocument(text.to_string()))?;
    if meta.kind != DocKind::Text {
        return Err(ClientError::Invalid(format!("{text} is not a text")));
    }
    let docs: Vec<_> =
        store.list()?.into_iter().filter(|d| d.kind == DocKind::Progress && d.subject_id == Some(text)).collect();
    let mut rows = Vec::new();
    for doc in docs {
        let (Some(student), Some((_, document))) = (doc.owner_id, store.load(doc.id)?) else { continue };
        let progress = schema::progress(&document);
        rows.push(ReadingRow {
            student_id: student,
            furthest_percent: progress.furthest,
            last_read_at: progress.last_position().map(|p| p.at),
            highlights: progress.highlights.len() as u64,
            bookmarks: progress.bookmarks.len() as u64,
            own_cards: schema::cards(&document).len() as u64,
        });
    }
    Ok(rows)
}
