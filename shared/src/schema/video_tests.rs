//! Video tests: `title`, `media`, `duration`, `prevent_skipping`, `attempts_allowed`,
//! `feedback`, `questions` {id → question}, `assignments`.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjType, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};

use super::{entries, get_bool, get_i64, get_str, keys, map_in};
use crate::video::{Feedback, Key, Question, QuestionKind, TestSettings};

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
    for (id, obj) in entries(doc, &ROOT, keys::QUESTIONS) {
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
        title: get_str(doc, &ROOT, keys::TITLE),
        media: get_str(doc, &ROOT, keys::MEDIA),
        duration_secs: u32::try_from(get_i64(doc, &ROOT, "duration").unwrap_or(0)).unwrap_or(0),
        prevent_skipping: get_bool(doc, &ROOT, "prevent_skipping"),
        attempts_allowed: u32::try_from(get_i64(doc, &ROOT, "attempts_allowed").unwrap_or(0)).unwrap_or(0),
        feedback: Feedback::parse(&get_str(doc, &ROOT, "feedback")).unwrap_or_default(),
        questions,
        keys,
    }
}

/// Change the test's settings; a `None` leaves that one as it is.
pub fn put_settings<T: Transactable>(tx: &mut T, settings: &TestSettings) -> Result<(), AutomergeError> {
    if let Some(media) = &settings.media {
        tx.put(ROOT, keys::MEDIA, media.as_str())?;
    }
    if let Some(duration) = settings.duration_secs {
        tx.put(ROOT, "duration", i64::from(duration))?;
    }
    if let Some(prevent) = settings.prevent_skipping {
        tx.put(ROOT, "prevent_skipping", prevent)?;
    }
    if let Some(attempts) = settings.attempts_allowed {
        tx.put(ROOT, "attempts_allowed", i64::from(attempts))?;
    }
    if let Some(feedback) = settings.feedback {
        tx.put(ROOT, "feedback", feedback.as_str())?;
    }
    Ok(())
}

/// Add a question, with its key only when the test gives instant feedback (a graded test's
/// keys stay on the server).
pub fn put_question<T: Transactable>(tx: &mut T, question: &Question, key: Option<&Key>) -> Result<(), AutomergeError> {
    let questions = map_in(tx, &ROOT, keys::QUESTIONS)?;
    let q = tx.put_object(&questions, question.id.as_str(), ObjType::Map)?;
    tx.put(&q, "at_secs", i64::from(question.at_secs))?;
    tx.put(&q, "kind", question.kind.as_str())?;
    tx.put(&q, "prompt", question.prompt.as_str())?;
    tx.put(&q, "options", serde_json::to_string(&question.options).unwrap_or_default())?;
    tx.put(&q, "points", i64::from(question.points))?;
    if let Some(key) = key {
        tx.put(&q, "key", serde_json::to_string(key).unwrap_or_default())?;
    }
    Ok(())
}

/// Take a question out of the test. Answers students gave to it stay in their history.
pub fn delete_question<T: Transactable>(tx: &mut T, id: &str) -> Result<(), AutomergeError> {
    if let Some(question) = super::entry_in(tx, keys::QUESTIONS, id)? {
        tx.put(&question, "deleted", true)?;
    }
    Ok(())
}
