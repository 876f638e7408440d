//! Retention (SECURITY.md item 28): the PII access log and security events are kept for a
//! configured time, then deleted by a job — the access log from the front of its hash chain, so
//! that `audit verify` still finds it whole; an account disabled (a student who left) longer
//! than its retention is erased like an erasure request would. Runs daily and on demand
//! (`POST /api/v1/admin/retention`).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use tallschool_shared::api::RetentionReport;
use tallschool_shared::events::{Event, PiiAccessed, SecurityEvent};
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{col, id_col};
use crate::erasure;
use crate::error::{ApiError, ApiResult};

const DAY: i64 = 24 * 3600;

/// Delete what is older than its retention at `now`.
pub async fn run_once(state: &AppState, now: i64) -> Result<RetentionReport, ApiError> {
    let settings = &state.settings;
    let audit_cutoff = now.saturating_sub(settings.audit_retention_days.saturating_mul(DAY));
    let events_cutoff = now.saturating_sub(settings.security_event_retention_days.saturating_mul(DAY));
    let mut tx = state.db.begin().await?;
    let audit_rows = state.audit.trim_before(&mut tx, audit_cutoff).await?;
    // The access log's events go with its rows; security events after their own time.
    let mut events = 0;
    for (topic, cutoff) in [(PiiAccessed::TOPIC, audit_cutoff), (SecurityEvent::TOPIC, events_cutoff)] {
        events += sqlx::query("DELETE FROM outbox WHERE topic = $1 AND occurred_at < $2")
            .bind(topic)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    if audit_rows > 0 || events > 0 {
        tracing::info!(audit_rows, events, "retention: old access-log rows and security events deleted");
    }
    let accounts_cutoff = now.saturating_sub(settings.disabled_account_retention_days.saturating_mul(DAY));
    let accounts_erased = erase_disabled_accounts(state, accounts_cutoff, now).await?;
    Ok(RetentionReport {
        accounts_erased,
        disabled_accounts_kept_since: accounts_cutoff,
        audit_rows_deleted: i64::try_from(audit_rows).unwrap_or(i64::MAX),
        events_deleted: i64::try_from(events).unwrap_or(i64::MAX),
        audit_kept_since: audit_cutoff,
        security_events_kept_since: events_cutoff,
    })
}

/// Erase every account disabled before `cutoff` (technical admins are never disabled away:
/// they run the server; a legal hold keeps an account until it is lifted). What a teacher
/// authored goes to one of the school's active admins (`erasure::heir_of`).
async fn erase_disabled_accounts(state: &AppState, cutoff: i64, now: i64) -> Result<i64, ApiError> {
    let mut conn = state.db.pool.acquire().await?;
    let rows = sqlx::query(
        "SELECT u.id, u.disabled_at \
         FROM users u WHERE u.status = 'disabled' AND u.erased_at IS NULL AND u.disabled_at < $1 \
         AND u.role <> 'tech_admin' AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.user_id = u.id) \
         ORDER BY u.disabled_at",
    )
    .bind(cutoff)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let mut erased = 0;
    for row in &rows {
        let user: UserId = id_col(row, "id")?;
        let disabled_at: i64 = col(row, "disabled_at")?;
        let heir = {
            let mut conn = state.db.pool.acquire().await?;
            erasure::heir_of(&mut conn, user).await?
        };
        let event = SecurityEvent::RetentionErasure { user_id: user, disabled_at };
        erasure::erase_person(state, user, heir, None, Some(&event), now).await?;
        erased += 1;
    }
    if erased > 0 {
        tracing::info!(erased, "retention: accounts disabled past their retention erased");
    }
    Ok(erased)
}

/// Run at start and then daily (once a day across replicas).
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(DAY as u64));
        loop {
            tick.tick().await;
            let work = run_once(&state, state.clock.now());
            let (job, slot) =
                (crate::jobs::Job::Retention, crate::jobs::slot(state.clock.now(), Duration::from_secs(DAY as u64)));
            if let Some(Err(error)) =
                crate::jobs::scheduled(&state.db, &state.clock, job, slot, work, crate::jobs::as_json).await
            {
                tracing::warn!(%error, "retention run failed; it runs again tomorrow");
            }
        }
    });
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(run_retention))
}

/// Delete access-log rows and security events older than their retention now (it also runs
/// daily). Technical admins.
#[utoipa::path(post, path = "/api/v1/admin/retention", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = RetentionReport), (status = 403, body = ErrorBody)))]
async fn run_retention(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<RetentionReport>> {
    {
        let mut conn = state.db.pool.acquire().await?;
        authorize(&mut conn, &actor, Action::RunRetention, TargetRef::System).await?;
    }
    let work = run_once(&state, state.clock.now());
    let (job, trigger) = (crate::jobs::Job::Retention, crate::jobs::Trigger::Admin(actor.id));
    Ok(Json(crate::jobs::recorded(&state.db, &state.clock, job, trigger, work, crate::jobs::as_json).await?))
}
