//! Personal-data endpoints. Every successful read is logged by the vault.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tallschool_shared::api::{AccessOutcome, PiiAccessEntry, PiiInput, PiiKeyRotated, PiiKeysView, PiiView};
use tallschool_shared::events::{PiiField, SecurityEvent, SensitiveChange};
use tallschool_shared::policy::{Action, Relation, readable_pii_fields};
use tallschool_shared::{ErrorBody, Role, SchoolId, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{PiiUpdate, Reader};
use crate::access::{TargetRef, authorize, authorize_with_break_glass};
use crate::app::AppState;
use crate::audit::Subject;
use crate::auth::{AuthUser, RequestMeta, sessions};
use crate::db::{col, optional_id_col};
use crate::directory::users;
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiPath};
use crate::{break_glass, events};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read_own))
        .routes(routes!(read_user, write_user))
        .routes(routes!(access_log))
        .routes(routes!(key_status))
        .routes(routes!(rotate_key))
}

/// The caller's own personal data.
#[utoipa::path(get, path = "/api/v1/me/pii", tag = "pii", security(("bearer" = [])),
    responses((status = 200, body = PiiView), (status = 401, body = ErrorBody)))]
async fn read_own(State(state): State<AppState>, actor: AuthUser, meta: RequestMeta) -> ApiResult<Json<PiiView>> {
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::ReadOwnPii, TargetRef::Caller).await?;
    let reader = Reader::new(&actor, "self_view", &meta);
    let fields = readable_pii_fields(actor.role, &Relation { is_self: true, ..Relation::default() });
    let view = state.vault.read(&mut tx, &reader, &[(actor.id, actor.school_id)], fields, state.clock.now()).await?;
    tx.commit().await?;
    view.into_iter().next().map(Json).ok_or_else(|| ApiError::Internal("vault returned nothing".to_owned()))
}

/// A person's personal data, limited to the fields the caller's role may see. A technical
/// admin reads it only under a live break-glass grant for the person's school.
#[utoipa::path(get, path = "/api/v1/users/{user_id}/pii", tag = "pii", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 200, body = PiiView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_user(
    State(state): State<AppState>,
    actor: AuthUser,
    meta: RequestMeta,
    ApiPath(subject): ApiPath<UserId>,
) -> ApiResult<Json<PiiView>> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let allowed =
        match authorize_with_break_glass(&mut tx, &actor, Action::ReadUserPii, TargetRef::User(subject), now).await {
            Ok(allowed) => allowed,
            Err(refused @ (ApiError::Forbidden | ApiError::NotFound)) => {
                // The attempt is logged where the person's school (or, for no such person, the
                // reader's school) will see it.
                let school = users::find(&mut tx, subject).await?.and_then(|user| user.school_id).or(actor.school_id);
                drop(tx);
                let reader = Reader::new(&actor, "profile_view", &meta);
                state.vault.log_refusal(&state.db, &reader, Subject::Person(subject), school, now).await;
                return Err(refused);
            }
            Err(other) => return Err(other),
        };
    let fields = readable_pii_fields(actor.role, &allowed.relation);
    let purpose = match (allowed.relation.is_self, actor.role, allowed.school) {
        (true, _, _) => "self_view".to_owned(),
        // The access log says which grant, and why.
        (false, Role::TechAdmin, Some(school)) => {
            let grant = break_glass::live_grant(&mut tx, actor.id, school, now).await?.ok_or(ApiError::Forbidden)?;
            format!("break_glass {}: {}", grant.id, grant.reason)
        }
        (false, _, _) => "profile_view".to_owned(),
    };
    let reader = Reader::new(&actor, &purpose, &meta);
    let view = state.vault.read(&mut tx, &reader, &[(subject, allowed.school)], fields, now).await?;
    tx.commit().await?;
    view.into_iter().next().map(Json).ok_or_else(|| ApiError::Internal("vault returned nothing".to_owned()))
}

/// Set some of a person's personal data (school admins, for their own school). Changing an
/// email needs a recent sign-in or re-authentication (`POST /auth/reauth`).
#[utoipa::path(put, path = "/api/v1/users/{user_id}/pii", tag = "pii", security(("bearer" = [])), request_body = PiiInput,
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 204), (status = 401, body = ErrorBody, description = "reauth_required: confirm the password first"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn write_user(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(subject): ApiPath<UserId>,
    ApiJson(input): ApiJson<PiiInput>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::WriteUserPii, TargetRef::User(subject)).await?;
    let update = PiiUpdate::validate(&input, now)?;
    if update.is_empty() {
        return Err(ApiError::Validation("give at least one of display_name, email, birth_date".to_owned()));
    }
    if update.has(PiiField::Email) {
        sessions::require_recent_auth(&mut tx, actor.session_id, now, state.settings.reauth_window_secs).await?;
        let change =
            SecurityEvent::SensitiveChange { user_id: subject, actor_id: actor.id, change: SensitiveChange::Email };
        events::publish(&mut tx, &change, now).await?;
    }
    state.vault.write(&mut tx, subject, &update, Some(actor.id), now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Page {
    /// Newest first; at most 500 (default 100).
    limit: Option<u32>,
    /// Only entries before this chain position (the previous page's last `seq`).
    before: Option<i64>,
}

/// Who read, or was refused, personal data in a school: actor, subject, fields, purpose,
/// address, outcome. Never values. Newest first.
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/pii-access-log", tag = "pii", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id"), Page),
    responses((status = 200, body = Vec<PiiAccessEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn access_log(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
    Query(page): Query<Page>,
) -> ApiResult<Json<Vec<PiiAccessEntry>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadPiiAccessLog, TargetRef::School(school)).await?;
    let limit = i64::from(page.limit.unwrap_or(100).clamp(1, 500));
    let rows = sqlx::query(
        "SELECT seq, at, actor_id, actor_role, subject_id, class_id, fields, purpose, client_address, outcome \
         FROM pii_access_log WHERE school_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
    )
    .bind(school.to_string())
    .bind(page.before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let entries = rows
        .iter()
        .map(|row| {
            let role: String = col(row, "actor_role")?;
            let fields: String = col(row, "fields")?;
            let outcome: String = col(row, "outcome")?;
            Ok(PiiAccessEntry {
                seq: col(row, "seq")?,
                at: col(row, "at")?,
                actor_id: optional_id_col(row, "actor_id")?,
                actor_role: role.parse().map_err(|_| ApiError::Internal("stored role unknown".to_owned()))?,
                subject_id: optional_id_col(row, "subject_id")?,
                class_id: optional_id_col(row, "class_id")?,
                fields: fields.split(',').filter_map(PiiField::parse).collect(),
                purpose: col(row, "purpose")?,
                client_address: col(row, "client_address")?,
                outcome: AccessOutcome::parse(&outcome)
                    .ok_or_else(|| ApiError::Internal("stored outcome unknown".to_owned()))?,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(entries))
}

/// The vault's keys (ids, states, fields under each; never key material) and the
/// re-encryption job's progress. Technical admins.
#[utoipa::path(get, path = "/api/v1/admin/pii-keys", tag = "pii", security(("bearer" = [])),
    responses((status = 200, body = PiiKeysView), (status = 403, body = ErrorBody)))]
async fn key_status(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<PiiKeysView>> {
    {
        let mut conn = state.db.pool.acquire().await?;
        authorize(&mut conn, &actor, Action::ReadPiiKeys, TargetRef::System).await?;
    }
    let vault = &state.vault;
    Ok(Json(super::rotation::status(&state.db, vault.keyring(), &vault.reencryption).await?))
}

/// Rotate the data key: new values are sealed under a new key at once, and the
/// re-encryption job starts moving the rest (follow it at `GET /admin/pii-keys`). The previous
/// key retires when nothing is sealed under it. Technical admins.
#[utoipa::path(post, path = "/api/v1/admin/pii-keys/rotate", tag = "pii", security(("bearer" = [])),
    responses((status = 202, body = PiiKeyRotated), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "the key provider cannot be reached")))]
async fn rotate_key(State(state): State<AppState>, actor: AuthUser) -> ApiResult<(StatusCode, Json<PiiKeyRotated>)> {
    {
        let mut conn = state.db.pool.acquire().await?;
        authorize(&mut conn, &actor, Action::RotatePiiKey, TargetRef::System).await?;
    }
    let vault = &state.vault;
    let work = super::rotation::rotate(&state.db, vault.keyring(), &vault.reencryption, state.clock.now());
    let (job, trigger) = (crate::jobs::Job::KeyRotation, crate::jobs::Trigger::Admin(actor.id));
    let summarize = |key: &String| serde_json::json!({ "current_key": key });
    let current_key = crate::jobs::recorded(&state.db, &state.clock, job, trigger, work, summarize).await?;
    Ok((StatusCode::ACCEPTED, Json(PiiKeyRotated { current_key })))
}
