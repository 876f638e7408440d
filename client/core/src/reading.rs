//! The reader on this device: texts, positions, bookmarks, highlights, and cards made from
//! what a student highlighted. Positions are written under this device's key; "furthest" is the
//! maximum over devices, so two devices reading offline never overwrite each other.

use tallschool_shared::cards::{CardFields, CardType};
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::reader;
use tallschool_shared::schema::{self};
use tallschool_shared::{DocId, UserId};

use crate::content::short_id;
use crate::error::{ClientError, Result};
use crate::learning::day_of;
use crate::store::Store;
pub use tallschool_contract::reader::{MarkKind, ReaderView};

pub const MAX_TEXT_CHARS: usize = 2_000_000;

fn text_doc(store: &mut Store, text: DocId) -> Result<(DocMeta, String)> {
    let found = store.read(text, |meta, doc| (meta.clone(), schema::body(doc)))?;
    let (meta, body) = found.ok_or_else(|| ClientError::UnknownDocument(text.to_string()))?;
    if meta.kind != DocKind::Text {
        return Err(ClientError::Invalid(format!("{text} is not a text")));
    }
    Ok((meta, body))
}

/// Replace a text's body (e.g. from a Markdown file). The edit is a splice of the changed
/// middle only, so readers' anchors before and after it stay exact.
pub fn set_body(store: &mut Store, text: DocId, markdown: &str) -> Result<()> {
    if markdown.chars().count() > MAX_TEXT_CHARS {
        return Err(ClientError::Invalid("a text may have at most 2,000,000 characters".to_owned()));
    }
    let (meta, old) = text_doc(store, text)?;
    let old: Vec<char> = old.chars().collect();
    let new: Vec<char> = markdown.chars().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let removed = old.len() - prefix - suffix;
    let inserted: String = new[prefix..new.len() - suffix].iter().collect();
    store.edit(&meta, |tx| schema::splice_body(tx, prefix, removed, &inserted))?;
    Ok(())
}

pub fn view(store: &mut Store, student: UserId, text: DocId) -> Result<ReaderView> {
    let (meta, body) = text_doc(store, text)?;
    let title = store.read(text, |_, d| schema::title(d))?.unwrap_or_default();
    let progress_id = DocMeta::progress(student, &meta).id;
    let progress = store.read(progress_id, |_, d| schema::progress(d))?.unwrap_or_default();
    let last = progress.last_position().map(|p| reader::resolve(&body, &p.anchor));
    let total = body.chars().count();
    Ok(ReaderView {
        title,
        chars: total as u64,
        outline: reader::outline(&body),
        media: reader::media_references(&body),
        last_offset: last,
        last_percent: last.map(|o| reader::percent_of(usize::try_from(o).unwrap_or(total), total)),
        devices: progress
            .positions
            .iter()
            .map(|(device, p)| {
                let at = usize::try_from(reader::resolve(&body, &p.anchor)).unwrap_or(total);
                (device.clone(), reader::percent_of(at, total), p.at)
            })
            .collect(),
        furthest_percent: progress.furthest,
        bookmarks: progress.bookmarks.iter().map(|b| (b.clone(), reader::resolve(&body, &b.anchor))).collect(),
        highlights: progress
            .highlights
            .iter()
            .map(|h| (h.clone(), reader::resolve_quote(&body, &h.anchor, &h.quote)))
            .collect(),
    })
}

fn device_key(store: &Store) -> String {
    store.device_actor_hex().chars().take(16).collect()
}

/// Save where the student is (character offset). Returns the percentage.
pub fn set_position(store: &mut Store, student: UserId, text: DocId, offset: u64) -> Result<f64> {
    let (meta, body) = text_doc(store, text)?;
    let total = body.chars().count() as u64;
    if offset > total {
        return Err(ClientError::Invalid(format!("position {offset} is beyond the text's {total} characters")));
    }
    let anchor = reader::anchor_at(&body, offset);
    let progress = DocMeta::progress(student, &meta);
    let device = device_key(store);
    let at = store.now();
    let previous = store.read(progress.id, |_, d| schema::progress(d))?.unwrap_or_default();
    let furthest = previous.furthest.max(anchor.percent);
    let day = day_of(at);
    let day_best = previous.reading_days.get(&day).copied().unwrap_or(0.0).max(anchor.percent);
    let percent = anchor.percent;
    let position = schema::Position { anchor, at };
    store.edit(&progress, |tx| schema::put_position(tx, &device, &position, furthest, day, day_best))?;
    store.mark_active(at)?;
    Ok(percent)
}

/// Where marks of a kind are kept in a progress document.
const fn key_of(kind: MarkKind) -> &'static str {
    match kind {
        MarkKind::Bookmark => schema::keys::BOOKMARKS,
        MarkKind::Highlight => schema::keys::HIGHLIGHTS,
    }
}

pub use tallschool_shared::reader::HIGHLIGHT_COLOURS as COLOURS;

/// A bookmark (`end` = `start`) or a highlight of `start..end`, with a note and colour.
#[derive(Clone, Debug)]
pub struct NewMark<'a> {
    pub kind: MarkKind,
    pub start: u64,
    pub end: u64,
    pub note: &'a str,
    pub colour: &'a str,
}

pub fn add_mark(store: &mut Store, student: UserId, text: DocId, mark: &NewMark<'_>) -> Result<String> {
    let NewMark { kind, start, end, note, colour } = *mark;
    let (meta, body) = text_doc(store, text)?;
    let total = body.chars().count() as u64;
    if start > total || end > total || end < start {
        return Err(ClientError::Invalid(format!("range {start}..{end} is outside the text (0..{total})")));
    }
    if kind == MarkKind::Highlight && (end == start || end - start > 5_000) {
        return Err(ClientError::Invalid("a highlight covers 1 to 5000 characters".to_owned()));
    }
    if kind == MarkKind::Highlight && !COLOURS.contains(&colour) {
        return Err(ClientError::Invalid(format!("colour must be one of {}", COLOURS.join(", "))));
    }
    if note.chars().count() > 5_000 {
        return Err(ClientError::Invalid("a note may have at most 5000 characters".to_owned()));
    }
    let anchor = reader::anchor_at(&body, start);
    let quote = if kind == MarkKind::Highlight { reader::slice(&body, start, end) } else { String::new() };
    let progress = DocMeta::progress(student, &meta);
    let mark = schema::Mark {
        id: short_id(),
        anchor,
        quote,
        note: note.to_owned(),
        colour: if kind == MarkKind::Highlight { colour.to_owned() } else { String::new() },
        at: store.now(),
    };
    store.edit(&progress, |tx| schema::put_mark(tx, key_of(kind), &mark))?;
    Ok(mark.id)
}

pub fn delete_mark(store: &mut Store, student: UserId, text: DocId, kind: MarkKind, id: &str) -> Result<()> {
    let (meta, _) = text_doc(store, text)?;
    let progress = DocMeta::progress(student, &meta);
    let exists = store.load(progress.id)?.is_some_and(|(_, d)| {
        let p = schema::progress(&d);
        let marks = if kind == MarkKind::Bookmark { p.bookmarks } else { p.highlights };
        marks.iter().any(|m| m.id == id)
    });
    if !exists {
        return Err(ClientError::Invalid(format!("no {} {id}", key_of(kind).trim_end_matches('s'))));
    }
    store.edit(&progress, |tx| schema::delete_mark(tx, key_of(kind), id))?;
    Ok(())
}

/// Turn a highlight (or a selected word, `start..end`) into a card in the student's own deck
/// for this text: the passage on the front, the note (or the given back) on the back.
pub fn card_from_selection(
    store: &mut Store,
    student: UserId,
    text: DocId,
    highlight: Option<&str>,
    range: Option<(u64, u64)>,
    back: Option<&str>,
) -> Result<String> {
    let (meta, body) = text_doc(store, text)?;
    let progress = DocMeta::progress(student, &meta);
    let (front, note) = match (highlight, range) {
        (Some(id), _) => {
            let p = store.read(progress.id, |_, d| schema::progress(d))?.unwrap_or_default();
            let mark = p
                .highlights
                .into_iter()
                .find(|h| h.id == id)
                .ok_or_else(|| ClientError::Invalid(format!("no highlight {id}")))?;
            (mark.quote, mark.note)
        }
        (None, Some((start, end))) if start < end && end <= body.chars().count() as u64 => {
            (reader::slice(&body, start, end), String::new())
        }
        _ => return Err(ClientError::Invalid("give a highlight id or a range inside the text".to_owned())),
    };
    let back = back.map(str::to_owned).filter(|b| !b.trim().is_empty()).unwrap_or(note);
    let fields =
        CardFields { card_type: CardType::Basic, front: front.trim().to_owned(), back, ..CardFields::default() };
    fields.check().map_err(|e| ClientError::Invalid(format!("{e} (give --back)")))?;
    let id = short_id();
    let at = store.now();
    store.edit(&progress, |tx| {
        schema::write_card(tx, &id, at, |card| fields.clone_into(card))?;
        schema::set_card_source(tx, &id, &text.to_string())
    })?;
    Ok(id)
}
