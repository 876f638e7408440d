//! The weekly cohort digest: per class and per cohort, computed from the documents, stored,
//! visible to teachers and educational admins, and published as `learning.digest.v1`.
//! Runs on a cron schedule (`--digest-schedule`) and on demand.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use tallschool_shared::digest::{self, Digest, DigestNumbers, DigestScope, StudentWeek};
use tallschool_shared::docs::DocKind;
use tallschool_shared::events::DigestComputed;
use tallschool_shared::reader;
use tallschool_shared::schema;
use tallschool_shared::{ClassId, ClassRole, CohortId, SchoolId, UserId};

use super::grading;
use crate::db::{Conn, Db, col, id_col};
use crate::directory::classes;
use crate::documents::store::{class_documents, load_document};
use crate::error::ApiError;
use crate::events;

/// The numbers of one class for the week starting `week_start`.
pub async fn class_digest(
    conn: &mut Conn,
    class: ClassId,
    week_start: i64,
    now: i64,
) -> Result<DigestNumbers, ApiError> {
    let students: Vec<UserId> = classes::list_members(conn, class)
        .await?
        .into_iter()
        .filter(|m| m.role == ClassRole::Student)
        .map(|m| m.user_id)
        .collect();
    let mut weeks: BTreeMap<UserId, StudentWeek> = students.iter().map(|s| (*s, StudentWeek::default())).collect();
    let documents = class_documents(conn, class, None).await?;
    // Content: what each assignment needs.
    enum Goal {
        Deck(BTreeSet<String>),
        Reading(f64),
        Video,
    }
    let mut goals = BTreeMap::new();
    let mut assignments = Vec::new();
    for meta in documents.iter().filter(|m| m.kind.is_content()) {
        let Some((_, document)) = load_document(conn, meta.id).await? else { continue };
        let goal_for = |a: &schema::Assignment| match meta.kind {
            DocKind::Text => Goal::Reading(digest::reading_goal(a, &reader::outline(&schema::body(&document)))),
            DocKind::VideoTest => Goal::Video,
            _ => Goal::Deck(
                schema::cards(&document)
                    .iter()
                    .filter(|c| !c.deleted)
                    .flat_map(|c| c.fields.items(&c.id))
                    .map(|i| i.id)
                    .collect(),
            ),
        };
        for assignment in schema::assignments(&document) {
            goals.insert((meta.id, assignment.id.clone()), goal_for(&assignment));
            assignments.push((meta.id, assignment));
        }
    }
    // Progress: each student's documents.
    let mut progress_of = BTreeMap::new();
    for meta in documents.iter().filter(|m| m.kind == DocKind::Progress) {
        let (Some(owner), Some(subject)) = (meta.owner_id, meta.subject_id) else { continue };
        let Some(week) = weeks.get_mut(&owner) else { continue };
        let Some((_, document)) = load_document(conn, meta.id).await? else { continue };
        let reviews = schema::reviews(&document);
        let progress = schema::progress(&document);
        week.reviews.extend(reviews.iter().cloned());
        week.activity.extend(progress.attempts.iter().flat_map(|a| a.answers.values().map(|g| g.at)));
        let subject_kind = documents.iter().find(|d| d.id == subject).map(|d| d.kind);
        if subject_kind == Some(DocKind::Text) {
            week.reading.push(progress.clone());
        }
        progress_of.insert((owner, subject), (reviews, progress));
    }
    for meta in documents.iter().filter(|m| m.kind == DocKind::VideoTest) {
        for result in grading::results(conn, class, meta.id, None).await? {
            if let (Ok(student), Some(submitted)) = (UserId::from_str(&result.student_id), result.submitted_at)
                && let Some(week) = weeks.get_mut(&student)
            {
                week.scores.push((submitted, result.score, result.max_score));
            }
        }
    }
    let empty = (Vec::new(), schema::Progress::default());
    for (doc, assignment) in &assignments {
        for (student, week) in weeks.iter_mut().filter(|(s, _)| assignment.is_for(**s)) {
            let (reviews, progress) = progress_of.get(&(*student, *doc)).unwrap_or(&empty);
            let done = match goals.get(&(*doc, assignment.id.clone())) {
                Some(Goal::Deck(items)) => digest::deck_done(items, reviews),
                Some(Goal::Reading(goal)) => digest::reading_done(*goal, progress),
                Some(Goal::Video) => digest::video_done(progress),
                None => false,
            };
            week.assignments.push((assignment.due, done));
        }
    }
    Ok(digest::class_numbers(&weeks, week_start, now))
}

async fn store(conn: &mut Conn, school: SchoolId, digest: &Digest) -> Result<(), ApiError> {
    let (scope, scope_id) = match &digest.scope {
        DigestScope::Class(id) => ("class", id.to_string()),
        DigestScope::Cohort(id) => ("cohort", id.to_string()),
    };
    let body = serde_json::to_string(digest).map_err(|e| ApiError::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO digests (scope, scope_id, school_id, week_start, body, computed_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (scope, scope_id, week_start) DO UPDATE SET body = excluded.body, computed_at = excluded.computed_at",
    )
    .bind(scope)
    .bind(scope_id)
    .bind(school.to_string())
    .bind(digest.week_start)
    .bind(body)
    .bind(digest.computed_at)
    .execute(&mut *conn)
    .await?;
    events::publish(conn, &DigestComputed { school_id: school, digest: digest.clone() }, digest.computed_at).await
}

/// Compute, store and publish the digests of every class and cohort of `school` for the
/// week containing `week_of`.
pub async fn run_for_school(db: &Db, school: SchoolId, week_of: i64, now: i64) -> Result<Vec<Digest>, ApiError> {
    let week_start = digest::week_start(week_of);
    let mut tx = db.begin().await?;
    let class_list = classes::list_school_classes(&mut tx, school).await?;
    let mut out = Vec::new();
    let mut cohorts: BTreeMap<CohortId, Vec<DigestNumbers>> = BTreeMap::new();
    for class in class_list {
        let numbers = class_digest(&mut tx, class.id, week_start, now).await?;
        if let Some(cohort) = class.cohort_id {
            cohorts.entry(cohort).or_default().push(numbers.clone());
        }
        out.push(Digest {
            scope: DigestScope::Class(class.id),
            week_start,
            week_end: week_start + digest::WEEK,
            numbers,
            computed_at: now,
        });
    }
    for (cohort, numbers) in cohorts {
        out.push(Digest {
            scope: DigestScope::Cohort(cohort),
            week_start,
            week_end: week_start + digest::WEEK,
            numbers: digest::cohort_numbers(&numbers),
            computed_at: now,
        });
    }
    for d in &out {
        store(&mut tx, school, d).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// Every school's digests for the week containing `week_of` (the scheduled run).
pub async fn run_all(db: &Db, week_of: i64, now: i64) -> Result<usize, ApiError> {
    let schools: Vec<SchoolId> = {
        let rows = sqlx::query("SELECT id FROM schools ORDER BY id").fetch_all(&db.pool).await?;
        rows.iter().map(|row| id_col(row, "id")).collect::<Result<_, _>>()?
    };
    let mut count = 0;
    for school in schools {
        count += run_for_school(db, school, week_of, now).await?.len();
    }
    Ok(count)
}

/// Stored digests of a class, or of a whole school (classes and cohorts), newest first.
pub async fn stored(conn: &mut Conn, school: SchoolId, class: Option<ClassId>) -> Result<Vec<Digest>, ApiError> {
    let rows = sqlx::query(
        "SELECT body FROM digests WHERE school_id = $1 AND ($2 = '' OR (scope = 'class' AND scope_id = $2)) \
         ORDER BY week_start DESC, scope, scope_id",
    )
    .bind(school.to_string())
    .bind(class.map(|c| c.to_string()).unwrap_or_default())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let body: String = col(row, "body")?;
            serde_json::from_str(&body).map_err(|e| ApiError::Internal(format!("stored digest unreadable: {e}")))
        })
        .collect()
}

/// Run the digest of the week that just ended at every tick of `schedule` (cron syntax with
/// seconds, UTC, e.g. `0 0 5 * * Mon`).
pub fn spawn(db: Db, clock: crate::clock::Clock, schedule: cron::Schedule) {
    tokio::spawn(async move {
        for next in schedule.upcoming(chrono::Utc) {
            let wait = (next - chrono::Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait).await;
            let now = clock.now();
            // The week before the one that is starting.
            let work = run_all(&db, now - digest::WEEK, now);
            // The occurrence is the slot: one replica computes each week's digests.
            let (job, slot) = (crate::jobs::Job::Digests, next.timestamp());
            let summarize = |n: &usize| serde_json::json!({ "digests": n });
            match crate::jobs::scheduled(&db, &clock, job, slot, work, summarize).await {
                None => {}
                Some(Ok(count)) => tracing::info!(digests = count, "weekly digests computed"),
                Some(Err(error)) => tracing::warn!(error = %error, "weekly digest failed; next run will retry"),
            }
        }
    });
}
