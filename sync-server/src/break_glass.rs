//! Break-glass access (SECURITY.md item 18): technical admins read no personal data, except a
//! school's for a few minutes after asking with a reason and a recent password. Every grant
//! stays on record for the school's admins to see, raises a `break_glass_granted` security
//! event (the data-protection contact's alert), and each read under it is logged in the access
//! log with the grant's reason as its purpose.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tallschool_shared::api::{BreakGlassGrant, BreakGlassRequest};
use tallschool_shared::events::SecurityEvent;
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, Role, SchoolId, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::{AuthUser, sessions};
use crate::db::{AnyRow, Conn, col, optional_id_col};
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiPath};
use crate::{events, validate};

/// The longest a grant may last.
pub const MAX_MINUTES: u32 = 60;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_grants, open_grant))
}

/// A live grant, as a read under it needs it.
pub struct LiveGrant {
    pub id: String,
    pub reason: String,
}

/// The grant `actor` holds for `school` at `now`, if any.
pub async fn live_grant(
    conn: &mut Conn,
    actor: UserId,
    school: SchoolId,
    now: i64,
) -> Result<Option<LiveGrant>, ApiError> {
    let row = sqlx::query(
        "SELECT id, reason FROM break_glass_grants WHERE actor_id = $1 AND school_id = $2 \
         AND granted_at <= $3 AND expires_at > $3 AND ended_at IS NULL ORDER BY expires_at DESC LIMIT 1",
    )
    .bind(actor.to_string())
    .bind(school.to_string())
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| Ok(LiveGrant { id: col(&row, "id")?, reason: col(&row, "reason")? })).transpose()
}

/// Whether a technical admin holds a live grant for `school` (false for every other role).
pub async fn holds(conn: &mut Conn, actor: &AuthUser, school: Option<SchoolId>, now: i64) -> Result<bool, ApiError> {
    match school {
        Some(school) if actor.role == Role::TechAdmin => Ok(live_grant(conn, actor.id, school, now).await?.is_some()),
        _ => Ok(false),
    }
}

/// The break-glass grants of a school, newest first: who, why, when, until when.
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/break-glass", tag = "pii", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 200, body = Vec<BreakGlassGrant>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_grants(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
) -> ApiResult<Json<Vec<BreakGlassGrant>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListBreakGlass, TargetRef::School(school)).await?;
    let rows = sqlx::query(
        "SELECT g.id, g.school_id, g.actor_id, u.username, g.reason, g.granted_at, g.expires_at, g.ended_at \
         FROM break_glass_grants g LEFT JOIN users u ON u.id = g.actor_id \
         WHERE g.school_id = $1 ORDER BY g.granted_at DESC, g.id DESC LIMIT 200",
    )
    .bind(school.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let now = state.clock.now();
    Ok(Json(rows.iter().map(|row| grant_from_row(row, now)).collect::<Result<_, _>>()?))
}

/// Open break-glass access to a school's personal data (technical admins, with a recent
/// password): `GET /users/{id}/pii` of its people answers for `minutes`, each read logged with
/// the reason. The school's admins see the grant.
#[utoipa::path(post, path = "/api/v1/schools/{school_id}/break-glass", tag = "pii", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")), request_body = BreakGlassRequest,
    responses((status = 201, body = BreakGlassGrant),
        (status = 401, body = ErrorBody, description = "reauth_required: confirm the password first"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open_grant(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
    ApiJson(request): ApiJson<BreakGlassRequest>,
) -> ApiResult<(StatusCode, Json<BreakGlassGrant>)> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::GrantBreakGlass, TargetRef::School(school)).await?;
    let reason = validate::reason(&request.reason)?;
    if !(1..=MAX_MINUTES).contains(&request.minutes) {
        return Err(ApiError::Field {
            field: "minutes".to_owned(),
            message: format!("minutes must be 1 to {MAX_MINUTES}"),
        });
    }
    sessions::require_recent_auth(&mut tx, actor.session_id, now, state.settings.reauth_window_secs).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let expires_at = now.saturating_add(i64::from(request.minutes) * 60);
    sqlx::query(
        "INSERT INTO break_glass_grants (id, school_id, actor_id, reason, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(school.to_string())
    .bind(actor.id.to_string())
    .bind(&reason)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    let alert =
        SecurityEvent::BreakGlassGranted { actor_id: actor.id, school_id: school, grant_id: id.clone(), expires_at };
    events::publish(&mut tx, &alert, now).await?;
    tx.commit().await?;
    // The reason stays out of the log (it is free text); the grant's id leads to it.
    tracing::warn!(grant_id = %id, actor_id = %actor.id, school_id = %school, minutes = request.minutes, "break-glass access granted");
    let grant = BreakGlassGrant {
        id,
        school_id: school,
        actor_id: Some(actor.id),
        actor_username: Some(actor.username.clone()),
        reason,
        granted_at: now,
        expires_at,
        active: true,
    };
    Ok((StatusCode::CREATED, Json(grant)))
}

fn grant_from_row(row: &AnyRow, now: i64) -> Result<BreakGlassGrant, ApiError> {
    let expires_at: i64 = col(row, "expires_at")?;
    let ended_at: Option<i64> = col(row, "ended_at")?;
    Ok(BreakGlassGrant {
        id: col(row, "id")?,
        school_id: crate::db::id_col(row, "school_id")?,
        actor_id: optional_id_col(row, "actor_id")?,
        actor_username: col(row, "username")?,
        reason: col(row, "reason")?,
        granted_at: col(row, "granted_at")?,
        expires_at,
        active: ended_at.is_none() && now < expires_at,
    })
}
