//! What a technical admin watches across every school: security events (rotated refresh tokens
//! presented again, throttling, wrong passwords, refused reads of personal data, break-glass
//! grants) and every signed-in device. Ids, usernames, roles and addresses — no personal data.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use tallschool_shared::api::{DeviceSession, SecurityEventEntry};
use tallschool_shared::events::{Event, SecurityEvent};
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, SchoolId, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{col, id_col, optional_id_col};
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(security_events)).routes(routes!(devices))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct EventPage {
    /// Newest first; at most 500 (default 200).
    limit: Option<u32>,
    /// Only events before this position (the previous page's last `seq`).
    before: Option<i64>,
}

/// Security events, newest first, each with the username of the account it is about.
#[utoipa::path(get, path = "/api/v1/admin/security-events", tag = "admin", security(("bearer" = [])),
    params(EventPage),
    responses((status = 200, body = Vec<SecurityEventEntry>), (status = 403, body = ErrorBody)))]
async fn security_events(
    State(state): State<AppState>,
    actor: AuthUser,
    Query(page): Query<EventPage>,
) -> ApiResult<Json<Vec<SecurityEventEntry>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadSecurityEvents, TargetRef::System).await?;
    let limit = i64::from(page.limit.unwrap_or(200).clamp(1, 500));
    let rows = sqlx::query(
        "SELECT seq, occurred_at, payload FROM outbox WHERE topic = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
    )
    .bind(SecurityEvent::TOPIC)
    .bind(page.before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let payload: String = col(row, "payload")?;
        let details: serde_json::Value =
            serde_json::from_str(&payload).map_err(|_| ApiError::Internal("stored event unreadable".to_owned()))?;
        let kind = details["type"].as_str().unwrap_or("unknown").to_owned();
        // The account an event is about: its user, else who acted.
        let user_id: Option<UserId> =
            ["user_id", "actor_id"].iter().find_map(|key| details[*key].as_str()).and_then(|id| id.parse().ok());
        entries.push(SecurityEventEntry {
            seq: col(row, "seq")?,
            at: col(row, "occurred_at")?,
            kind,
            user_id,
            username: None,
            details,
        });
    }
    // The accounts' usernames, in one query for the page.
    let names = usernames(&mut conn, entries.iter().filter_map(|e| e.user_id)).await?;
    for entry in &mut entries {
        entry.username = entry.user_id.and_then(|id| names.get(&id).cloned());
    }
    Ok(Json(entries))
}

/// The usernames of `ids` (those that still exist).
async fn usernames(
    conn: &mut crate::db::Conn,
    ids: impl Iterator<Item = UserId>,
) -> Result<std::collections::HashMap<UserId, String>, ApiError> {
    let ids: std::collections::BTreeSet<UserId> = ids.collect();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!("SELECT id, username FROM users WHERE id IN ({})", placeholders.join(", "));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in &ids {
        query = query.bind(id.to_string());
    }
    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let id: String = col(row, "id")?;
            let id = id.parse().map_err(|_| ApiError::Internal("a stored user id is not an id".to_owned()))?;
            Ok((id, col(row, "username")?))
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DeviceFilter {
    /// Only the devices of this school's people.
    school_id: Option<SchoolId>,
}

/// Every live session (signed-in device) of every account, most recently used first (at most
/// 2000). Sign one out with `POST /users/{id}/sessions/revoke`.
#[utoipa::path(get, path = "/api/v1/admin/devices", tag = "admin", security(("bearer" = [])),
    params(DeviceFilter),
    responses((status = 200, body = Vec<DeviceSession>), (status = 403, body = ErrorBody)))]
async fn devices(
    State(state): State<AppState>,
    actor: AuthUser,
    Query(filter): Query<DeviceFilter>,
) -> ApiResult<Json<Vec<DeviceSession>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListAllDevices, TargetRef::System).await?;
    let rows = sqlx::query(
        "SELECT s.id, s.user_id, u.username, u.role, u.school_id, s.device_name, s.created_at, s.last_used_at, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.revoked_at IS NULL AND s.expires_at > $1 AND ($2 = '' OR u.school_id = $2) \
         ORDER BY s.last_used_at DESC LIMIT 2000",
    )
    .bind(state.clock.now())
    .bind(filter.school_id.map(|s| s.to_string()).unwrap_or_default())
    .fetch_all(&mut *conn)
    .await?;
    let sessions = rows
        .iter()
        .map(|row| {
            let role: String = col(row, "role")?;
            Ok(DeviceSession {
                session_id: id_col(row, "id")?,
                user_id: id_col(row, "user_id")?,
                username: col(row, "username")?,
                role: role.parse().map_err(|_| ApiError::Internal("stored role unknown".to_owned()))?,
                school_id: optional_id_col(row, "school_id")?,
                device_name: col(row, "device_name")?,
                created_at: col(row, "created_at")?,
                last_used_at: col(row, "last_used_at")?,
                expires_at: col(row, "expires_at")?,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(sessions))
}
