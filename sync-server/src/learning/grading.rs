//! Grading video tests: choice and true/false answers automatically against the key (kept in
//! `answer_keys`, or in the document for instant-feedback tests), short-text answers by a
//! teacher (`manual_grades`). Results are computed from the students' synced attempts each
//! time they are asked for, so a late sync or a new key is reflected at once.

use std::collections::BTreeMap;

use tallschool_shared::api::GradeRequest;
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::schema::{self, VideoTest};
use tallschool_shared::video::{self, AttemptResult, Key};
use tallschool_shared::{ClassId, DocId, UserId};

use crate::db::{Conn, col};
use crate::documents::store::{class_documents, load_document};
use crate::error::ApiError;

/// The test, checked to be a video test of `class`.
pub async fn load_test(conn: &mut Conn, class: ClassId, test: DocId) -> Result<(DocMeta, VideoTest), ApiError> {
    let (meta, document) = load_document(conn, test).await?.ok_or(ApiError::NotFound)?;
    if meta.class_id != class {
        return Err(ApiError::NotFound);
    }
    if meta.kind != DocKind::VideoTest {
        return Err(ApiError::Validation(format!("{test} is not a video test")));
    }
    Ok((meta, schema::video_test(&document)))
}

pub async fn set_keys(
    conn: &mut Conn,
    class: ClassId,
    test: DocId,
    keys: &BTreeMap<String, Key>,
    by: UserId,
    now: i64,
) -> Result<u64, ApiError> {
    let (_, video_test) = load_test(conn, class, test).await?;
    // Every key is checked before any is stored.
    for (question_id, key) in keys {
        let question = video_test.questions.iter().find(|q| &q.id == question_id).ok_or_else(|| ApiError::Field {
            field: "keys".to_owned(),
            message: "a question of these keys is not in this test (sync the test first)".to_owned(),
        })?;
        question.check_key(key).map_err(|e| ApiError::Validation(format!("question {question_id}: {e}")))?;
    }
    for (question_id, key) in keys {
        let encoded = serde_json::to_string(key).map_err(|e| ApiError::Internal(e.to_string()))?;
        sqlx::query(
            "INSERT INTO answer_keys (test_id, question_id, answer_key, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (test_id, question_id) DO UPDATE SET answer_key = excluded.answer_key, \
             set_by = excluded.set_by, set_at = excluded.set_at",
        )
        .bind(test.to_string())
        .bind(question_id)
        .bind(encoded)
        .bind(by.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(keys.len() as u64)
}

async fn server_keys(conn: &mut Conn, test: DocId) -> Result<BTreeMap<String, Key>, ApiError> {
    let rows = sqlx::query("SELECT question_id, answer_key FROM answer_keys WHERE test_id = $1")
        .bind(test.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let mut keys = BTreeMap::new();
    for row in &rows {
        let key: String = col(row, "answer_key")?;
        if let Ok(key) = serde_json::from_str(&key) {
            keys.insert(col(row, "question_id")?, key);
        }
    }
    Ok(keys)
}

async fn manual(conn: &mut Conn, test: DocId) -> Result<BTreeMap<(String, String), f64>, ApiError> {
    let rows = sqlx::query("SELECT attempt_id, question_id, points FROM manual_grades WHERE test_id = $1")
        .bind(test.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let mut grades = BTreeMap::new();
    for row in &rows {
        grades.insert((col(row, "attempt_id")?, col(row, "question_id")?), col(row, "points")?);
    }
    Ok(grades)
}

/// Graded submitted attempts of a test: of one student, or of everyone.
pub async fn results(
    conn: &mut Conn,
    class: ClassId,
    test: DocId,
    student: Option<UserId>,
) -> Result<Vec<AttemptResult>, ApiError> {
    let (_, video_test) = load_test(conn, class, test).await?;
    let mut keys = video_test.keys.clone();
    keys.extend(server_keys(conn, test).await?);
    let manual = manual(conn, test).await?;
    let progress_docs: Vec<DocMeta> = class_documents(conn, class, Some(DocKind::Progress))
        .await?
        .into_iter()
        .filter(|m| m.subject_id == Some(test) && (student.is_none() || m.owner_id == student))
        .collect();
    let max_score: f64 = video_test.questions.iter().map(|q| f64::from(q.points)).sum();
    let mut out = Vec::new();
    for meta in progress_docs {
        let Some((_, document)) = load_document(conn, meta.id).await? else { continue };
        let owner = meta.owner_id.map(|o| o.to_string()).unwrap_or_default();
        for attempt in schema::progress(&document).attempts {
            if attempt.submitted_at.is_none() {
                continue;
            }
            let mut points = BTreeMap::new();
            for question in &video_test.questions {
                let given = attempt.answers.get(&question.id);
                let by_hand = manual.get(&(attempt.id.clone(), question.id.clone())).copied();
                let auto = match (given, keys.get(&question.id)) {
                    (None, _) => Some(0.0),
                    (Some(given), Some(key)) if question.check_answer(&given.answer).is_ok() => {
                        video::grade(question, key, &given.answer)
                    }
                    // An answer that does not fit its question earns nothing.
                    (Some(given), _) if question.check_answer(&given.answer).is_err() => Some(0.0),
                    (Some(_), _) => None,
                };
                points.insert(question.id.clone(), by_hand.or(auto));
            }
            let score = points.values().flatten().sum();
            out.push(AttemptResult {
                attempt_id: attempt.id.clone(),
                student_id: owner.clone(),
                submitted_at: attempt.submitted_at,
                complete: points.values().all(Option::is_some),
                points,
                score,
                max_score,
            });
        }
    }
    out.sort_by(|a, b| (a.submitted_at, &a.attempt_id).cmp(&(b.submitted_at, &b.attempt_id)));
    Ok(out)
}

/// A teacher's points for one answer. The attempt must exist and be submitted, the question
/// must be in the test, and the points within the question's.
pub async fn grade(
    conn: &mut Conn,
    class: ClassId,
    request: &GradeRequest,
    by: UserId,
    now: i64,
) -> Result<AttemptResult, ApiError> {
    let GradeRequest { test_id: test, student_id: student, ref attempt_id, ref question_id, points } = *request;
    let (attempt, question) = (attempt_id.as_str(), question_id.as_str());
    let (test_meta, video_test) = load_test(conn, class, test).await?;
    let q = video_test.questions.iter().find(|q| q.id == question).ok_or_else(|| ApiError::Field {
        field: "question_id".to_owned(),
        message: "that question is not in this test".to_owned(),
    })?;
    if !points.is_finite() || points < 0.0 || points > f64::from(q.points) {
        return Err(ApiError::Validation(format!("points must be 0 to {}", q.points)));
    }
    let progress = DocMeta::progress(student, &test_meta);
    let submitted = match load_document(conn, progress.id).await? {
        Some((_, document)) => {
            schema::progress(&document).attempts.into_iter().any(|a| a.id == attempt && a.submitted_at.is_some())
        }
        None => false,
    };
    if !submitted {
        return Err(ApiError::Field {
            field: "attempt_id".to_owned(),
            message: "that student has no submitted attempt with this id".to_owned(),
        });
    }
    sqlx::query(
        "INSERT INTO manual_grades (test_id, student_id, attempt_id, question_id, points, graded_by, graded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (test_id, attempt_id, question_id) DO UPDATE SET \
         points = excluded.points, graded_by = excluded.graded_by, graded_at = excluded.graded_at",
    )
    .bind(test.to_string())
    .bind(student.to_string())
    .bind(attempt)
    .bind(question)
    .bind(points)
    .bind(by.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    results(conn, class, test, Some(student))
        .await?
        .into_iter()
        .find(|r| r.attempt_id == attempt)
        .ok_or_else(|| ApiError::Internal("graded attempt vanished".to_owned()))
}
