//! Progress (one per student and content document): `reviews` {session → packed reviews},
//! `positions` {device → anchor}, `furthest` {device → percent}, `reading_days` {"day/device" →
//! percent}, `bookmarks`, `highlights`, `cards` (the student's own cards), `attempts` {id →
//! attempt}. Each device writes under its own keys, so two devices never overwrite each other.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};

use super::{child, entries, entry_in, get_bool, get_f64, get_i64, get_str, keys, map_in};
use crate::reader::Anchor;
use crate::reviews::Review;
use crate::video::{Answer, Watched};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub anchor: Anchor,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub id: String,
    pub anchor: Anchor,
    /// For highlights: the highlighted words.
    pub quote: String,
    pub note: String,
    pub colour: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GivenAnswer {
    pub answer: Answer,
    /// Where in the video it was given (seconds).
    pub video_at: u32,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub id: String,
    pub device: String,
    pub started_at: i64,
    pub submitted_at: Option<i64>,
    pub playback_rate: f64,
    /// Seconds into the video where the student stopped.
    pub position: u32,
    pub watched: Watched,
    pub answers: BTreeMap<String, GivenAnswer>,
}

fn anchor_in<R: ReadDoc>(doc: &R, obj: &ObjId) -> Anchor {
    Anchor {
        offset: u64::try_from(get_i64(doc, obj, "offset").unwrap_or(0)).unwrap_or(0),
        before: get_str(doc, obj, "before"),
        after: get_str(doc, obj, "after"),
        percent: get_f64(doc, obj, "percent").unwrap_or(0.0),
    }
}

fn marks<R: ReadDoc>(doc: &R, key: &str) -> Vec<Mark> {
    let mut marks: Vec<Mark> = entries(doc, &ROOT, key)
        .into_iter()
        .filter(|(_, obj)| !get_bool(doc, obj, "deleted"))
        .map(|(id, obj)| Mark {
            anchor: anchor_in(doc, &obj),
            quote: get_str(doc, &obj, "quote"),
            note: get_str(doc, &obj, "note"),
            colour: get_str(doc, &obj, "colour"),
            at: get_i64(doc, &obj, "at").unwrap_or(0),
            id,
        })
        .collect();
    marks.sort_by(|a, b| (a.anchor.offset, &a.id).cmp(&(b.anchor.offset, &b.id)));
    marks
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub positions: BTreeMap<String, Position>,
    /// Furthest percentage read, over all devices.
    pub furthest: f64,
    /// Furthest percentage reached by the end of each day (days since the epoch).
    pub reading_days: BTreeMap<i64, f64>,
    pub bookmarks: Vec<Mark>,
    pub highlights: Vec<Mark>,
    pub attempts: Vec<Attempt>,
}

impl Progress {
    /// The most recent position over all devices.
    pub fn last_position(&self) -> Option<&Position> {
        self.positions.values().max_by_key(|p| p.at)
    }
}

pub fn progress<R: ReadDoc>(doc: &R) -> Progress {
    let positions = entries(doc, &ROOT, keys::POSITIONS)
        .into_iter()
        .map(|(device, obj)| {
            let at = get_i64(doc, &obj, "at").unwrap_or(0);
            (device, Position { anchor: anchor_in(doc, &obj), at })
        })
        .collect();
    let scalars = |key: &str| -> Vec<(String, f64)> {
        let Some(map) = child(doc, &ROOT, key) else { return Vec::new() };
        doc.map_range(&map, ..)
            .filter_map(|item| match item.value {
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::F64(f)) => Some((item.key.to_string(), f)),
                _ => None,
            })
            .collect()
    };
    let furthest = scalars(keys::FURTHEST).into_iter().map(|(_, f)| f).fold(0.0, f64::max);
    let mut reading_days: BTreeMap<i64, f64> = BTreeMap::new();
    for (key, percent) in scalars(keys::READING_DAYS) {
        if let Some(day) = key.split_once('/').and_then(|(day, _)| day.parse().ok()) {
            let best = reading_days.entry(day).or_insert(0.0);
            *best = best.max(percent);
        }
    }
    let mut attempts: Vec<Attempt> = entries(doc, &ROOT, keys::ATTEMPTS)
        .into_iter()
        .map(|(id, obj)| {
            let answers = entries(doc, &obj, "answers")
                .into_iter()
                .filter_map(|(question, a)| {
                    let answer = serde_json::from_str(&get_str(doc, &a, "answer")).ok()?;
                    let video_at = u32::try_from(get_i64(doc, &a, "video_at").unwrap_or(0)).unwrap_or(0);
                    Some((question, GivenAnswer { answer, video_at, at: get_i64(doc, &a, "at").unwrap_or(0) }))
                })
                .collect();
            Attempt {
                device: get_str(doc, &obj, "device"),
                started_at: get_i64(doc, &obj, "started_at").unwrap_or(0),
                submitted_at: get_i64(doc, &obj, "submitted_at"),
                playback_rate: get_f64(doc, &obj, "rate").unwrap_or(1.0),
                position: u32::try_from(get_i64(doc, &obj, "position").unwrap_or(0)).unwrap_or(0),
                watched: Watched::decode(&get_str(doc, &obj, "watched")),
                answers,
                id,
            }
        })
        .collect();
    attempts.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    Progress {
        positions,
        furthest,
        reading_days,
        bookmarks: marks(doc, keys::BOOKMARKS),
        highlights: marks(doc, keys::HIGHLIGHTS),
        attempts,
    }
}

/// Every review in a progress document, ordered by time then item.
pub fn reviews<R: ReadDoc>(doc: &R) -> Vec<Review> {
    let Some(sessions) = child(doc, &ROOT, keys::REVIEWS) else { return Vec::new() };
    let mut all: Vec<Review> = doc
        .map_range(&sessions, ..)
        .filter_map(|item| match item.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(bytes)) => crate::reviews::unpack(&bytes).ok(),
            _ => None,
        })
        .flatten()
        .collect();
    all.sort_by(|a, b| (a.at, &a.card, a.rating).cmp(&(b.at, &b.card, b.rating)));
    all
}

fn put_anchor<T: Transactable>(tx: &mut T, obj: &ObjId, anchor: &Anchor) -> Result<(), AutomergeError> {
    tx.put(obj, "offset", i64::try_from(anchor.offset).unwrap_or(i64::MAX))?;
    tx.put(obj, "before", anchor.before.as_str())?;
    tx.put(obj, "after", anchor.after.as_str())?;
    tx.put(obj, "percent", anchor.percent)?;
    Ok(())
}

/// One study session's reviews, packed, under a fresh session id: merging devices is a union.
pub fn put_session<T: Transactable>(tx: &mut T, session: &str, packed: Vec<u8>) -> Result<(), AutomergeError> {
    let sessions = map_in(tx, &ROOT, keys::REVIEWS)?;
    tx.put(&sessions, session, ScalarValue::Bytes(packed))
}

/// This device's reading position; `furthest` and `day_best` (the furthest by the end of
/// `day`) are this device's own maxima.
pub fn put_position<T: Transactable>(
    tx: &mut T,
    device: &str,
    position: &Position,
    furthest: f64,
    day: i64,
    day_best: f64,
) -> Result<(), AutomergeError> {
    let positions = map_in(tx, &ROOT, keys::POSITIONS)?;
    let obj = tx.put_object(&positions, device, ObjType::Map)?;
    put_anchor(tx, &obj, &position.anchor)?;
    tx.put(&obj, "at", position.at)?;
    let furthest_map = map_in(tx, &ROOT, keys::FURTHEST)?;
    tx.put(&furthest_map, device, furthest)?;
    let days = map_in(tx, &ROOT, keys::READING_DAYS)?;
    tx.put(&days, format!("{day}/{device}").as_str(), day_best)
}

/// Add a mark to `list` ([`keys::BOOKMARKS`] or [`keys::HIGHLIGHTS`]).
pub fn put_mark<T: Transactable>(tx: &mut T, list: &str, mark: &Mark) -> Result<(), AutomergeError> {
    let marks = map_in(tx, &ROOT, list)?;
    let obj = tx.put_object(&marks, mark.id.as_str(), ObjType::Map)?;
    put_anchor(tx, &obj, &mark.anchor)?;
    tx.put(&obj, "quote", mark.quote.as_str())?;
    tx.put(&obj, "note", mark.note.as_str())?;
    tx.put(&obj, "colour", mark.colour.as_str())?;
    tx.put(&obj, "at", mark.at)
}

pub fn delete_mark<T: Transactable>(tx: &mut T, list: &str, id: &str) -> Result<(), AutomergeError> {
    if let Some(obj) = entry_in(tx, list, id)? {
        tx.put(&obj, "deleted", true)?;
    }
    Ok(())
}

/// A new attempt at a video test.
pub fn start_attempt<T: Transactable>(tx: &mut T, attempt: &Attempt) -> Result<(), AutomergeError> {
    let attempts = map_in(tx, &ROOT, keys::ATTEMPTS)?;
    let obj = tx.put_object(&attempts, attempt.id.as_str(), ObjType::Map)?;
    tx.put(&obj, "device", attempt.device.as_str())?;
    tx.put(&obj, "started_at", attempt.started_at)?;
    tx.put(&obj, "rate", attempt.playback_rate)?;
    tx.put(&obj, "position", i64::from(attempt.position))?;
    tx.put(&obj, "watched", attempt.watched.encode())?;
    tx.put_object(&obj, "answers", ObjType::Map)?;
    Ok(())
}

fn attempt_in<T: Transactable>(tx: &T, attempt: &str) -> Result<ObjId, AutomergeError> {
    entry_in(tx, keys::ATTEMPTS, attempt)?.ok_or_else(|| AutomergeError::InvalidObjId(attempt.to_owned()))
}

/// What of the video the attempt has watched, where it stopped and at what speed.
pub fn put_watched<T: Transactable>(
    tx: &mut T,
    attempt: &str,
    watched: &Watched,
    position: u32,
    rate: f64,
) -> Result<(), AutomergeError> {
    let obj = attempt_in(tx, attempt)?;
    tx.put(&obj, "watched", watched.encode())?;
    tx.put(&obj, "position", i64::from(position))?;
    tx.put(&obj, "rate", rate)
}

/// The attempt's answer to `question` (a later answer replaces it).
pub fn put_answer<T: Transactable>(
    tx: &mut T,
    attempt: &str,
    question: &str,
    given: &GivenAnswer,
) -> Result<(), AutomergeError> {
    let obj = attempt_in(tx, attempt)?;
    let answers = match tx.get(&obj, "answers")? {
        Some((Value::Object(_), answers)) => answers,
        _ => tx.put_object(&obj, "answers", ObjType::Map)?,
    };
    let a = tx.put_object(&answers, question, ObjType::Map)?;
    tx.put(&a, "answer", serde_json::to_string(&given.answer).unwrap_or_default())?;
    tx.put(&a, "video_at", i64::from(given.video_at))?;
    tx.put(&a, "at", given.at)
}

pub fn submit_attempt<T: Transactable>(tx: &mut T, attempt: &str, at: i64) -> Result<(), AutomergeError> {
    let obj = attempt_in(tx, attempt)?;
    tx.put(&obj, "submitted_at", at)
}
