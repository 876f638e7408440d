//! Video tests on this device: teachers build them (keys of graded tests go to the server
//! only), students take attempts offline — answers with their video time, watched intervals,
//! playback rate — and submit; results of graded tests come back with the next sync.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use tallschool_shared::cards::is_sha256;
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::schema::{self, Attempt, GivenAnswer, VideoTest};
use tallschool_shared::video::{self, Answer, AttemptResult, Feedback, Key, Question, QuestionKind, Watched};
use tallschool_shared::{DocId, UserId};

use crate::content::short_id;
use crate::error::{ClientError, Result};
use crate::feature::{Feature, Migration};
use crate::store::Store;
pub use tallschool_contract::video::{AttemptView, Submission, TestSettings};

/// Answer keys waiting for the server, and graded results.
pub const FEATURE: Feature = Feature {
    name: "video_tests",
    migrations: &[Migration { sql: SCHEMA, rebuild: false }],
    materialize: None,
    forget: "DELETE FROM pending_keys; DELETE FROM results;",
    forget_document: &["DELETE FROM pending_keys WHERE test_id = ?1", "DELETE FROM results WHERE test_id = ?1"],
};

const SCHEMA: &str = "
-- Answer keys of graded tests, kept on the teacher's device until the server has them.
CREATE TABLE IF NOT EXISTS pending_keys (
    test_id     TEXT NOT NULL,
    question_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    PRIMARY KEY (test_id, question_id)
);
-- Results of graded attempts, as the server last sent them.
CREATE TABLE IF NOT EXISTS results (
    test_id    TEXT NOT NULL,
    attempt_id TEXT NOT NULL,
    result     TEXT NOT NULL,
    PRIMARY KEY (test_id, attempt_id)
);
";

fn test_doc(store: &mut Store, test: DocId) -> Result<(DocMeta, VideoTest)> {
    let found = store.read(test, |meta, doc| (meta.clone(), schema::video_test(doc)))?;
    let (meta, video_test) = found.ok_or_else(|| ClientError::UnknownDocument(test.to_string()))?;
    if meta.kind != DocKind::VideoTest {
        return Err(ClientError::Invalid(format!("{test} is not a video test")));
    }
    Ok((meta, video_test))
}

pub fn view(store: &mut Store, test: DocId) -> Result<VideoTest> {
    test_doc(store, test).map(|(_, t)| t)
}

pub fn configure(store: &mut Store, test: DocId, settings: &TestSettings) -> Result<()> {
    let (meta, current) = test_doc(store, test)?;
    if let Some(media) = &settings.media
        && !is_sha256(media)
    {
        return Err(ClientError::Invalid("media must be the video's SHA-256 (64 hex digits)".to_owned()));
    }
    if let Some(duration) = settings.duration_secs {
        if !(1..=86_400).contains(&duration) {
            return Err(ClientError::Invalid(video::VideoError::BadDuration.to_string()));
        }
        if let Some(late) = current.questions.iter().find(|q| q.at_secs > duration) {
            return Err(ClientError::Invalid(format!(
                "question {} is at {}s, after the new end",
                late.id, late.at_secs
            )));
        }
    }
    if settings.feedback == Some(Feedback::Instant)
        && current.feedback == Feedback::GradedOnSync
        && !current.questions.is_empty()
    {
        return Err(ClientError::Invalid(
            "keys of a graded test stay on the server; make a new test for instant feedback".to_owned(),
        ));
    }
    store.edit(&meta, |tx| schema::put_settings(tx, settings))?;
    Ok(())
}

/// Add a question. Its key goes into the document only for instant feedback; for graded
/// tests it waits on this device until the next sync hands it to the server.
/// A question to add: where, what kind, what it asks, its options and points.
#[derive(Clone, Debug)]
pub struct NewQuestion<'a> {
    pub at_secs: u32,
    pub kind: QuestionKind,
    pub prompt: &'a str,
    pub options: &'a [String],
    pub points: u32,
}

pub fn add_question(store: &mut Store, test: DocId, new: &NewQuestion<'_>, key: Option<&Key>) -> Result<String> {
    let NewQuestion { at_secs, kind, prompt, options, points } = *new;
    let (meta, current) = test_doc(store, test)?;
    if current.duration_secs == 0 {
        return Err(ClientError::Invalid("set the video and its duration first (video configure)".to_owned()));
    }
    let id = short_id();
    let question =
        Question { id: id.clone(), at_secs, kind, prompt: prompt.to_owned(), options: options.to_vec(), points };
    question.check(current.duration_secs).map_err(|e| ClientError::Invalid(e.to_string()))?;
    if let Some(key) = key {
        question.check_key(key).map_err(|e| ClientError::Invalid(e.to_string()))?;
    } else if kind != QuestionKind::ShortText {
        return Err(ClientError::Invalid("choice and true/false questions need a key".to_owned()));
    }
    let in_document = current.feedback == Feedback::Instant;
    let pending = key.filter(|_| !in_document).map(|k| serde_json::to_string(k).unwrap_or_default());
    store.edit_then(
        &meta,
        |tx| schema::put_question(tx, &question, key.filter(|_| in_document)),
        |conn| {
            if let Some(key) = &pending {
                conn.execute(
                    "INSERT INTO pending_keys (test_id, question_id, key) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (test_id, question_id) DO UPDATE SET key = excluded.key",
                    params![test.to_string(), id, key],
                )?;
            }
            Ok(())
        },
    )?;
    Ok(id)
}

/// Take a question out of a test (answers already given stay in the students' history). A
/// graded question's key still waiting for the server is dropped with it.
pub fn remove_question(store: &mut Store, test: DocId, question: &str) -> Result<()> {
    let (meta, current) = test_doc(store, test)?;
    if !current.questions.iter().any(|q| q.id == question) {
        return Err(ClientError::invalid("question", format!("no question {question} in this test")));
    }
    store.edit_then(
        &meta,
        |tx| schema::delete_question(tx, question),
        |conn| {
            conn.execute(
                "DELETE FROM pending_keys WHERE test_id = ?1 AND question_id = ?2",
                params![test.to_string(), question],
            )?;
            Ok(())
        },
    )?;
    Ok(())
}

/// Keys waiting to be handed to the server, per test.
pub fn pending_keys(store: &Store) -> Result<BTreeMap<DocId, BTreeMap<String, Key>>> {
    let mut statement = store.conn().prepare("SELECT test_id, question_id, key FROM pending_keys")?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?)))?;
    let mut out: BTreeMap<DocId, BTreeMap<String, Key>> = BTreeMap::new();
    for row in rows {
        let (test, question, key) = row?;
        if let (Ok(test), Ok(key)) = (test.parse(), serde_json::from_str(&key)) {
            out.entry(test).or_default().insert(question, key);
        }
    }
    Ok(out)
}

pub fn keys_delivered(store: &Store, test: DocId, questions: &[String]) -> Result<()> {
    for question in questions {
        store.conn().execute(
            "DELETE FROM pending_keys WHERE test_id = ?1 AND question_id = ?2",
            params![test.to_string(), question],
        )?;
    }
    Ok(())
}

fn my_attempts(store: &mut Store, student: UserId, meta: &DocMeta) -> Result<Vec<Attempt>> {
    let progress = DocMeta::progress(student, meta).id;
    Ok(store.read(progress, |_, d| schema::progress(d).attempts)?.unwrap_or_default())
}

/// Resume the latest unfinished attempt (from any device), or start a new one if attempts
/// are left. Returns the attempt id and where to continue.
pub fn start_attempt(store: &mut Store, student: UserId, test: DocId, rate: f64) -> Result<(String, u32)> {
    let (meta, current) = test_doc(store, test)?;
    if !(0.25..=4.0).contains(&rate) {
        return Err(ClientError::Invalid("playback rate must be 0.25 to 4".to_owned()));
    }
    let attempts = my_attempts(store, student, &meta)?;
    if let Some(open) = attempts.iter().rev().find(|a| a.submitted_at.is_none()) {
        return Ok((open.id.clone(), open.position));
    }
    let submitted = attempts.iter().filter(|a| a.submitted_at.is_some()).count();
    if current.attempts_allowed > 0 && submitted >= current.attempts_allowed as usize {
        return Err(ClientError::Invalid(format!("all {} attempts are used", current.attempts_allowed)));
    }
    let progress = DocMeta::progress(student, &meta);
    let attempt = Attempt {
        id: short_id(),
        device: store.device_actor_hex().chars().take(16).collect(),
        started_at: store.now(),
        submitted_at: None,
        playback_rate: rate,
        position: 0,
        watched: Watched::default(),
        answers: BTreeMap::new(),
    };
    store.edit(&progress, |tx| schema::start_attempt(tx, &attempt))?;
    store.mark_active(attempt.started_at)?;
    Ok((attempt.id, 0))
}

fn open_attempt(
    store: &mut Store,
    student: UserId,
    test: DocId,
    attempt: &str,
) -> Result<(DocMeta, VideoTest, Attempt)> {
    let (meta, current) = test_doc(store, test)?;
    let found = my_attempts(store, student, &meta)?
        .into_iter()
        .find(|a| a.id == attempt)
        .ok_or_else(|| ClientError::Invalid(format!("no attempt {attempt}")))?;
    if found.submitted_at.is_some() {
        return Err(ClientError::Invalid("the attempt was submitted".to_owned()));
    }
    Ok((DocMeta::progress(student, &meta), current, found))
}

/// The student watched `from..to` seconds at `rate`. With skipping prevented, playback may
/// not start beyond what was already watched.
pub fn watch(
    store: &mut Store,
    student: UserId,
    test: DocId,
    attempt: &str,
    from: u32,
    to: u32,
    rate: f64,
) -> Result<Watched> {
    let (progress, current, found) = open_attempt(store, student, test, attempt)?;
    if to <= from || to > current.duration_secs {
        return Err(ClientError::Invalid(format!(
            "{from}..{to} is not inside the video (0..{})",
            current.duration_secs
        )));
    }
    if current.prevent_skipping && from > found.watched.contiguous_from_start() {
        return Err(ClientError::Invalid(format!(
            "skipping ahead is off for this test: continue from {}s",
            found.watched.contiguous_from_start()
        )));
    }
    let mut watched = found.watched.clone();
    watched.add(from, to);
    store.edit(&progress, |tx| schema::put_watched(tx, attempt, &watched, to, rate))?;
    Ok(watched)
}

/// Answer a question of an open attempt. For instant-feedback tests, returns whether it was
/// right (`Some(points)`).
pub fn answer(
    store: &mut Store,
    student: UserId,
    test: DocId,
    attempt: &str,
    question: &str,
    given: &Answer,
    video_at: u32,
) -> Result<Option<f64>> {
    let (progress, current, found) = open_attempt(store, student, test, attempt)?;
    let q = current
        .questions
        .iter()
        .find(|q| q.id == question)
        .ok_or_else(|| ClientError::Invalid(format!("no question {question} in this test")))?;
    q.check_answer(given).map_err(|e| ClientError::Invalid(e.to_string()))?;
    if video_at > current.duration_secs {
        return Err(ClientError::Invalid(format!("{video_at}s is beyond the video's {}s", current.duration_secs)));
    }
    if current.prevent_skipping && found.watched.contiguous_from_start() < q.at_secs {
        return Err(ClientError::Invalid(format!("watch up to {}s before answering this question", q.at_secs)));
    }
    let at = store.now();
    let given_answer = GivenAnswer { answer: given.clone(), video_at, at };
    store.edit(&progress, |tx| schema::put_answer(tx, attempt, question, &given_answer))?;
    store.mark_active(at)?;
    Ok(match (current.feedback, current.keys.get(question)) {
        (Feedback::Instant, Some(key)) => video::grade(q, key, given),
        _ => None,
    })
}

pub fn submit(store: &mut Store, student: UserId, test: DocId, attempt: &str) -> Result<()> {
    let (progress, _, _) = open_attempt(store, student, test, attempt)?;
    let at = store.now();
    store.edit(&progress, |tx| schema::submit_attempt(tx, attempt, at))?;
    Ok(())
}

pub fn attempts(store: &mut Store, student: UserId, test: DocId) -> Result<Vec<AttemptView>> {
    let (meta, _) = test_doc(store, test)?;
    let list = my_attempts(store, student, &meta)?;
    let mut out = Vec::new();
    for attempt in list {
        out.push(AttemptView { result: saved_result(store, test, &attempt.id)?, attempt });
    }
    Ok(out)
}

/// Every student's attempts at a test on this device (a teacher's: the class's progress
/// documents), newest first, each with its graded result as last fetched.
pub fn submissions(store: &mut Store, test: DocId) -> Result<Vec<Submission>> {
    test_doc(store, test)?;
    let mut out = Vec::new();
    for doc in store.list()? {
        let Some(student) = doc.owner_id.filter(|_| doc.kind == DocKind::Progress && doc.subject_id == Some(test))
        else {
            continue;
        };
        let attempts = store.read(doc.id, |_, d| schema::progress(d).attempts)?.unwrap_or_default();
        for attempt in attempts {
            let result = saved_result(store, test, &attempt.id)?;
            out.push(Submission { student, attempt, result });
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.attempt.started_at));
    Ok(out)
}

fn saved_result(store: &Store, test: DocId, attempt: &str) -> Result<Option<AttemptResult>> {
    let result: Option<String> = store
        .conn()
        .query_row(
            "SELECT result FROM results WHERE test_id = ?1 AND attempt_id = ?2",
            params![test.to_string(), attempt],
            |row| row.get(0),
        )
        .optional()?;
    Ok(result.and_then(|r| serde_json::from_str(&r).ok()))
}

pub fn save_results(store: &Store, test: DocId, results: &[AttemptResult]) -> Result<()> {
    for result in results {
        store.conn().execute(
            "INSERT INTO results (test_id, attempt_id, result) VALUES (?1, ?2, ?3) \
             ON CONFLICT (test_id, attempt_id) DO UPDATE SET result = excluded.result",
            params![test.to_string(), result.attempt_id, serde_json::to_string(result).unwrap_or_default()],
        )?;
    }
    Ok(())
}

/// The server's whole answer for `test` replaces what this device kept of it: results the
/// server no longer has (an erased student's) go.
pub fn replace_results(store: &Store, test: DocId, results: &[AttemptResult]) -> Result<()> {
    let tx = store.conn().unchecked_transaction()?;
    tx.execute("DELETE FROM results WHERE test_id = ?1", [test.to_string()])?;
    save_results(store, test, results)?;
    tx.commit()?;
    Ok(())
}

/// Tests this device's user has submitted attempts in (their results are fetched on sync).
pub fn tests_with_submissions(store: &mut Store, student: UserId) -> Result<Vec<DocId>> {
    let mut out = Vec::new();
    for doc in store.list()? {
        if doc.kind == DocKind::Progress
            && doc.owner_id == Some(student)
            && let Some(subject) = doc.subject_id
        {
            let is_test = store.meta(subject)?.is_some_and(|m| m.kind == DocKind::VideoTest);
            if is_test
                && let Some((_, d)) = store.load(doc.id)?
                && schema::progress(&d).attempts.iter().any(|a| a.submitted_at.is_some())
            {
                out.push(subject);
            }
        }
    }
    Ok(out)
}

/// Tests in this device's documents (teachers fetch results of all of them).
pub fn all_tests(store: &Store) -> Result<Vec<DocId>> {
    Ok(store.list()?.into_iter().filter(|d| d.kind == DocKind::VideoTest).map(|d| d.id).collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Clock, FEATURES};

    fn result(attempt: &str, student: &str) -> AttemptResult {
        AttemptResult {
            attempt_id: attempt.to_owned(),
            student_id: student.to_owned(),
            submitted_at: Some(1),
            points: BTreeMap::new(),
            score: 1.0,
            max_score: 2.0,
            complete: true,
        }
    }

    #[test]
    fn the_servers_results_replace_a_tests_kept_ones_and_others_stay() {
        let dir = std::env::temp_dir().join(format!("tallschool-results-{}", uuid::Uuid::new_v4().simple()));
        let store = Store::open(&dir, Clock::system(), FEATURES).unwrap();
        let (test, other) = (DocId(uuid::Uuid::new_v4()), DocId(uuid::Uuid::new_v4()));
        save_results(&store, test, &[result("a1", "ana"), result("b1", "ben")]).unwrap();
        save_results(&store, other, &[result("a2", "ana")]).unwrap();
        // Ana was erased: the server answers for the test without her attempt.
        replace_results(&store, test, &[result("b1", "ben")]).unwrap();
        assert!(saved_result(&store, test, "a1").unwrap().is_none());
        assert_eq!(saved_result(&store, test, "b1").unwrap().map(|r| r.student_id).as_deref(), Some("ben"));
        assert!(saved_result(&store, other, "a2").unwrap().is_some(), "another test's results are its own answer's");
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
