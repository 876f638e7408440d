//! Consent records (SECURITY.md item 29): for each student, who consented to what and when,
//! and who withdrew it — kept by the school's admins, append-only, read by the person too,
//! exported with their data and erased with them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tallschool_shared::api::{
    ConsentDecision, ConsentGiver, ConsentPurpose, ConsentRecord, ConsentsView, RecordConsentRequest,
};
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{Conn, col, id_col};
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiPath};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_consents, record_consent))
}

/// A person's consents: the current state per purpose and the whole record.
#[utoipa::path(get, path = "/api/v1/users/{user_id}/consents", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 200, body = ConsentsView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_consents(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user): ApiPath<UserId>,
) -> ApiResult<Json<ConsentsView>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadConsents, TargetRef::User(user)).await?;
    Ok(Json(view(&mut conn, user).await?))
}

/// Record a consent given or withdrawn (the school's admins), e.g. from a signed form.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/consents", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")), request_body = RecordConsentRequest,
    responses((status = 201, body = ConsentsView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn record_consent(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user): ApiPath<UserId>,
    ApiJson(request): ApiJson<RecordConsentRequest>,
) -> ApiResult<(StatusCode, Json<ConsentsView>)> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::RecordConsent, TargetRef::User(user)).await?;
    let now = state.clock.now();
    record(&mut conn, user, request.purpose, request.decision, request.given_by, actor.id, now).await?;
    Ok((StatusCode::CREATED, Json(view(&mut conn, user).await?)))
}

/// Append one consent record.
pub async fn record(
    conn: &mut Conn,
    user: UserId,
    purpose: ConsentPurpose,
    decision: ConsentDecision,
    given_by: ConsentGiver,
    recorded_by: UserId,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO consents (id, user_id, purpose, decision, given_by, recorded_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(user.to_string())
    .bind(purpose.as_str())
    .bind(decision_str(decision))
    .bind(giver_str(given_by))
    .bind(recorded_by.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stored names of the consent enums (their serde names), both ways.
pub const fn decision_str(decision: ConsentDecision) -> &'static str {
    match decision {
        ConsentDecision::Given => "given",
        ConsentDecision::Withdrawn => "withdrawn",
    }
}

pub const fn giver_str(giver: ConsentGiver) -> &'static str {
    match giver {
        ConsentGiver::Student => "student",
        ConsentGiver::ParentOrGuardian => "parent_or_guardian",
        ConsentGiver::School => "school",
    }
}

/// A stored enum name back to the enum (the stored names are the serde names).
fn parse_stored<T: serde::de::DeserializeOwned>(stored: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|_| ApiError::Internal(format!("stored consent value {stored:?} unknown")))
}

pub fn parse_decision(stored: &str) -> Result<ConsentDecision, ApiError> {
    parse_stored(stored)
}

/// Every record of a person, newest first, and the latest per purpose.
pub async fn view(conn: &mut Conn, user: UserId) -> Result<ConsentsView, ApiError> {
    let rows = sqlx::query(
        "SELECT purpose, decision, given_by, recorded_by, at FROM consents WHERE user_id = $1 ORDER BY at DESC, id DESC",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut history = Vec::with_capacity(rows.len());
    for row in &rows {
        let purpose: String = col(row, "purpose")?;
        let decision: String = col(row, "decision")?;
        let given_by: String = col(row, "given_by")?;
        history.push(ConsentRecord {
            purpose: parse_stored(&purpose)?,
            decision: parse_decision(&decision)?,
            given_by: parse_stored(&given_by)?,
            recorded_by: id_col(row, "recorded_by")?,
            at: col(row, "at")?,
        });
    }
    let current = ConsentPurpose::ALL
        .into_iter()
        .filter_map(|purpose| history.iter().find(|r| r.purpose == purpose).cloned())
        .collect();
    Ok(ConsentsView { current, history })
}
