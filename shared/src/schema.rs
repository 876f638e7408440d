//! What each kind of document holds, read into plain types. Client and server read documents
//! only through here, so the layout is described once.
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

use std::collections::BTreeMap;

use automerge::{ObjId, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};

use crate::UserId;
use crate::cards::{CardFields, CardType};
use crate::reader::Anchor;
use crate::reviews::Review;
use crate::video::{Answer, Feedback, Key, Question, QuestionKind, Watched};

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

// ---------------------------------------------------------------------------------------------
// Assignments (in every content document)

/// Who an assignment is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignee {
    Class,
    /// A group or one student (a group of one).
    Students(Vec<UserId>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: String,
    pub assignee: Assignee,
    /// A group's name, shown to the teacher.
    pub group: String,
    /// Unix seconds.
    pub due: Option<i64>,
    /// For texts: the section to read ("chapter 2"); empty means the whole text.
    pub section: String,
    pub note: String,
    pub assigned_at: i64,
}

impl Assignment {
    pub fn is_for(&self, student: UserId) -> bool {
        match &self.assignee {
            Assignee::Class => true,
            Assignee::Students(ids) => ids.contains(&student),
        }
    }
}

pub fn assignments<R: ReadDoc>(doc: &R) -> Vec<Assignment> {
    entries(doc, &ROOT, "assignments")
        .into_iter()
        .filter(|(_, obj)| !get_bool(doc, obj, "deleted"))
        .map(|(id, obj)| {
            let students = get_str(doc, &obj, "students");
            let assignee = if students.is_empty() {
                Assignee::Class
            } else {
                Assignee::Students(students.split_whitespace().filter_map(|s| s.parse().ok()).collect())
            };
            Assignment {
                id,
                assignee,
                group: get_str(doc, &obj, "group"),
                due: get_i64(doc, &obj, "due"),
                section: get_str(doc, &obj, "section"),
                note: get_str(doc, &obj, "note"),
                assigned_at: get_i64(doc, &obj, "assigned_at").unwrap_or(0),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Decks

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
        entries(doc, &ROOT, "cards").into_iter().map(|(id, obj)| read_card(doc, id, &obj)).collect();
    cards.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    cards
}

// ---------------------------------------------------------------------------------------------
// Video tests

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoTest {
    pub title: String,
    pub media: String,
    pub duration_secs: u32,
    pub prevent_skipping: bool,
    /// 0: unlimited.
    pub attempts_allowed: u32,
    pub feedback: Feedback,
    pub questions: Vec<Question>,
    /// Only for instant feedback.
    pub keys: BTreeMap<String, Key>,
}

pub fn video_test<R: ReadDoc>(doc: &R) -> VideoTest {
    let mut questions = Vec::new();
    let mut keys = BTreeMap::new();
    for (id, obj) in entries(doc, &ROOT, "questions") {
        if get_bool(doc, &obj, "deleted") {
            continue;
        }
        let Some(kind) = QuestionKind::parse(&get_str(doc, &obj, "kind")) else { continue };
        if let Ok(key) = serde_json::from_str::<Key>(&get_str(doc, &obj, "key")) {
            keys.insert(id.clone(), key);
        }
        questions.push(Question {
            at_secs: u32::try_from(get_i64(doc, &obj, "at_secs").unwrap_or(0)).unwrap_or(0),
            kind,
            prompt: get_str(doc, &obj, "prompt"),
            options: serde_json::from_str(&get_str(doc, &obj, "options")).unwrap_or_default(),
            points: u32::try_from(get_i64(doc, &obj, "points").unwrap_or(1)).unwrap_or(1),
            id,
        });
    }
    questions.sort_by(|a, b| (a.at_secs, &a.id).cmp(&(b.at_secs, &b.id)));
    VideoTest {
        title: get_str(doc, &ROOT, "title"),
        media: get_str(doc, &ROOT, "media"),
        duration_secs: u32::try_from(get_i64(doc, &ROOT, "duration").unwrap_or(0)).unwrap_or(0),
        prevent_skipping: get_bool(doc, &ROOT, "prevent_skipping"),
        attempts_allowed: u32::try_from(get_i64(doc, &ROOT, "attempts_allowed").unwrap_or(0)).unwrap_or(0),
        feedback: Feedback::parse(&get_str(doc, &ROOT, "feedback")).unwrap_or_default(),
        questions,
        keys,
    }
}

// ---------------------------------------------------------------------------------------------
// Progress

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
    let positions = entries(doc, &ROOT, "positions")
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
    let furthest = scalars("furthest").into_iter().map(|(_, f)| f).fold(0.0, f64::max);
    let mut reading_days: BTreeMap<i64, f64> = BTreeMap::new();
    for (key, percent) in scalars("reading_days") {
        if let Some(day) = key.split_once('/').and_then(|(day, _)| day.parse().ok()) {
            let best = reading_days.entry(day).or_insert(0.0);
            *best = best.max(percent);
        }
    }
    let mut attempts: Vec<Attempt> = entries(doc, &ROOT, "attempts")
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
        bookmarks: marks(doc, "bookmarks"),
        highlights: marks(doc, "highlights"),
        attempts,
    }
}

/// Every review in a progress document, ordered by time then item.
pub fn reviews<R: ReadDoc>(doc: &R) -> Vec<Review> {
    let Some(sessions) = child(doc, &ROOT, "reviews") else { return Vec::new() };
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

pub fn title<R: ReadDoc>(doc: &R) -> String {
    get_str(doc, &ROOT, "title")
}

pub fn body<R: ReadDoc>(doc: &R) -> String {
    child(doc, &ROOT, "body").and_then(|body| doc.text(&body).ok()).unwrap_or_default()
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
        DocKind::VideoTest => vec![get_str(doc, &ROOT, "media")],
    };
    found.into_iter().filter(|h| crate::cards::is_sha256(h)).collect()
}
