//! The record of the server's jobs (digests, compaction, media clean-up, retention, key
//! rotation and re-encryption): each run, scheduled or asked for, is written down when it starts
//! and when it ends, with its outcome and its report, so the technical admin sees every job's
//! last result and its history (`GET /api/v1/admin/jobs`). A run cut off by a crash stays
//! `running`. The last 100 runs of each job are kept.

use std::future::Future;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use tallschool_shared::api::JobRun;
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::db::{Db, col, optional_id_col};
use crate::error::{ApiError, ApiResult};

/// Runs kept per job.
const KEEP: i64 = 100;
/// The longest report kept (reports are counts and ids).
const MAX_SUMMARY: usize = 4000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    Digests,
    Compaction,
    MediaGc,
    Retention,
    KeyRotation,
    Reencryption,
}

impl Job {
    pub const ALL: [Job; 6] =
        [Job::Digests, Job::Compaction, Job::MediaGc, Job::Retention, Job::KeyRotation, Job::Reencryption];

    pub const fn as_str(self) -> &'static str {
        match self {
            Job::Digests => "digests",
            Job::Compaction => "compaction",
            Job::MediaGc => "media_gc",
            Job::Retention => "retention",
            Job::KeyRotation => "key_rotation",
            Job::Reencryption => "reencryption",
        }
    }
}

/// Who started a run.
#[derive(Clone, Copy, Debug)]
pub enum Trigger {
    /// The schedule, for the occurrence due at `slot` (Unix seconds): the replicas sharing a
    /// database agree on it, and only the first to claim it runs.
    Schedule {
        slot: i64,
    },
    Admin(UserId),
}

/// The slot of a job run every `every` at `now`: the start of the period `now` falls in, the
/// same on every replica whatever their clocks' phase.
pub fn slot(now: i64, every: std::time::Duration) -> i64 {
    let every = i64::try_from(every.as_secs()).unwrap_or(i64::MAX).max(1);
    now - now.rem_euclid(every)
}

/// This process among the replicas: host and process id.
fn replica() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let uname = rustix::system::uname();
        format!("{}/{}", uname.nodename().to_string_lossy(), std::process::id())
    })
}

/// A report kept as it is.
pub fn as_json<T: Serialize>(report: &T) -> serde_json::Value {
    serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
}

/// Run `work` as the scheduled run of `job` due at `slot`, unless another replica has claimed
/// that slot (then `None`, and `work` never starts). Recorded like [`recorded`].
pub async fn scheduled<T, F>(
    db: &Db,
    clock: &Clock,
    job: Job,
    slot: i64,
    work: F,
    summarize: impl Fn(&T) -> serde_json::Value,
) -> Option<Result<T, ApiError>>
where
    F: Future<Output = Result<T, ApiError>>,
{
    let id = uuid::Uuid::now_v7().to_string();
    match start(db, &id, job, Trigger::Schedule { slot }, clock.now()).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::debug!(job = job.as_str(), slot, "another replica runs this one");
            return None;
        }
        // Unrecorded, but run: the job matters more than its record.
        Err(error) => tracing::warn!(%error, job = job.as_str(), "job run not recorded"),
    }
    Some(run(db, clock, job, &id, work, summarize).await)
}

/// Run `work` as a recorded run of `job`, its report kept as `summarize` puts it. The run's
/// result is returned as it is; a record that cannot be written is logged and changes nothing.
pub async fn recorded<T, F>(
    db: &Db,
    clock: &Clock,
    job: Job,
    trigger: Trigger,
    work: F,
    summarize: impl Fn(&T) -> serde_json::Value,
) -> Result<T, ApiError>
where
    F: Future<Output = Result<T, ApiError>>,
{
    let id = uuid::Uuid::now_v7().to_string();
    if let Err(error) = start(db, &id, job, trigger, clock.now()).await {
        tracing::warn!(%error, job = job.as_str(), "job run not recorded");
    }
    run(db, clock, job, &id, work, summarize).await
}

async fn run<T, F>(
    db: &Db,
    clock: &Clock,
    job: Job,
    id: &str,
    work: F,
    summarize: impl Fn(&T) -> serde_json::Value,
) -> Result<T, ApiError>
where
    F: Future<Output = Result<T, ApiError>>,
{
    let started = std::time::Instant::now();
    let result = work.await;
    crate::telemetry::job_finished(job.as_str(), result.is_ok(), started.elapsed(), clock.now());
    let (outcome, summary) = match &result {
        Ok(report) => ("ok", summarize(report).to_string()),
        Err(error) => ("failed", serde_json::json!({ "error": error.to_string() }).to_string()),
    };
    let summary =
        if summary.len() > MAX_SUMMARY { r#"{"note":"report too long to keep"}"#.to_owned() } else { summary };
    if let Err(error) = finish(db, id, job, outcome, &summary, clock.now()).await {
        tracing::warn!(%error, job = job.as_str(), "job run's end not recorded");
    }
    result
}

/// Record the run's start; `false` when its slot was already claimed (by another replica).
async fn start(db: &Db, id: &str, job: Job, trigger: Trigger, now: i64) -> Result<bool, ApiError> {
    let (trigger, actor, slot) = match trigger {
        Trigger::Schedule { slot } => ("schedule", None, Some(slot)),
        Trigger::Admin(user) => ("admin", Some(user.to_string()), None),
    };
    let inserted = sqlx::query(
        "INSERT INTO job_runs (id, job, trigger, actor_id, started_at, outcome, summary, slot, replica) \
         VALUES ($1, $2, $3, $4, $5, 'running', '{}', $6, $7) ON CONFLICT (job, slot) DO NOTHING",
    )
    .bind(id)
    .bind(job.as_str())
    .bind(trigger)
    .bind(actor)
    .bind(now)
    .bind(slot)
    .bind(replica())
    .execute(&db.pool)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

async fn finish(db: &Db, id: &str, job: Job, outcome: &str, summary: &str, now: i64) -> Result<(), ApiError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE job_runs SET finished_at = $1, outcome = $2, summary = $3 WHERE id = $4")
        .bind(now)
        .bind(outcome)
        .bind(summary)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM job_runs WHERE job = $1 AND id NOT IN \
         (SELECT id FROM job_runs WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT $2)",
    )
    .bind(job.as_str())
    .bind(KEEP)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(job_runs))
}

/// The jobs' runs, newest first (at most 300): what ran, started by the schedule or by whom,
/// when, how it ended, and its report. Technical admins.
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<JobRun>), (status = 403, body = ErrorBody)))]
async fn job_runs(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<Vec<JobRun>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadJobRuns, TargetRef::System).await?;
    let rows = sqlx::query(
        "SELECT r.id, r.job, r.trigger, r.actor_id, u.username, r.replica, r.started_at, r.finished_at, r.outcome, r.summary \
         FROM job_runs r LEFT JOIN users u ON u.id = r.actor_id ORDER BY r.started_at DESC, r.id DESC LIMIT 300",
    )
    .fetch_all(&mut *conn)
    .await?;
    let runs = rows
        .iter()
        .map(|row| {
            let summary: String = col(row, "summary")?;
            Ok(JobRun {
                id: col(row, "id")?,
                job: col(row, "job")?,
                trigger: col(row, "trigger")?,
                actor_id: optional_id_col(row, "actor_id")?,
                actor_username: col(row, "username")?,
                replica: col(row, "replica")?,
                started_at: col(row, "started_at")?,
                finished_at: col(row, "finished_at")?,
                outcome: col(row, "outcome")?,
                report: serde_json::from_str(&summary).unwrap_or(serde_json::Value::Null),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(runs))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::slot;

    #[test]
    fn replicas_agree_on_a_slot_whatever_their_phase() {
        let every = Duration::from_secs(300);
        // 999_999_900 is a multiple of 300: a period starts there and ends 300 s later.
        assert_eq!(slot(999_999_900, every), 999_999_900);
        assert_eq!(slot(1_000_000_000, every), 999_999_900);
        assert_eq!(slot(1_000_000_199, every), 999_999_900);
        assert_eq!(slot(1_000_000_200, every), 1_000_000_200);
        // A zero interval counts as a second.
        assert_eq!(slot(42, Duration::ZERO), 42);
    }
}
