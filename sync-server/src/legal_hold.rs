//! Legal holds (SECURITY.md item 27): a school admin keeps a person from erasure while a case
//! or an investigation needs their records. While the hold stands an erasure request is
//! refused (409, saying why) and the retention job passes the account by; lifting it lets
//! both go ahead. Placing and lifting raise security events, so the data-protection contact
//! sees every hold.

use axum::Json;
use axum::extract::State;
use tallschool_shared::api::{LegalHoldRequest, LegalHoldView};
use tallschool_shared::events::SecurityEvent;
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::db::{Conn, col};
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiPath};
use crate::{events, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_hold, place_hold, lift_hold))
}

/// Whether a legal hold stands on a person.
#[utoipa::path(get, path = "/api/v1/users/{user_id}/legal-hold", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 200, body = LegalHoldView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_hold(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user): ApiPath<UserId>,
) -> ApiResult<Json<LegalHoldView>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadLegalHold, TargetRef::User(user)).await?;
    Ok(Json(view(&mut conn, user).await?))
}

/// Place a legal hold (or replace its reason): the person is not erased until it is lifted.
#[utoipa::path(put, path = "/api/v1/users/{user_id}/legal-hold", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")), request_body = LegalHoldRequest,
    responses((status = 200, body = LegalHoldView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the person was already erased"), (status = 422, body = ErrorBody)))]
async fn place_hold(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user): ApiPath<UserId>,
    ApiJson(request): ApiJson<LegalHoldRequest>,
) -> ApiResult<Json<LegalHoldView>> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::PlaceLegalHold, TargetRef::User(user)).await?;
    let reason = validate::reason(&request.reason)?;
    let erased: Option<Option<i64>> = sqlx::query_scalar("SELECT erased_at FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    match erased {
        None => return Err(ApiError::NotFound),
        Some(Some(_)) => return Err(ApiError::Conflict("this person was already erased".to_owned())),
        Some(None) => {}
    }
    sqlx::query(
        "INSERT INTO legal_holds (user_id, reason, placed_by, placed_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason, placed_by = excluded.placed_by, \
         placed_at = excluded.placed_at",
    )
    .bind(user.to_string())
    .bind(&reason)
    .bind(actor.id.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    events::publish(&mut tx, &SecurityEvent::LegalHoldPlaced { user_id: user, actor_id: actor.id }, now).await?;
    let placed = view(&mut tx, user).await?;
    tx.commit().await?;
    Ok(Json(placed))
}

/// Lift a legal hold: the person may be erased again.
#[utoipa::path(delete, path = "/api/v1/users/{user_id}/legal-hold", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 200, body = LegalHoldView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn lift_hold(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user): ApiPath<UserId>,
) -> ApiResult<Json<LegalHoldView>> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::LiftLegalHold, TargetRef::User(user)).await?;
    let lifted = sqlx::query("DELETE FROM legal_holds WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if lifted > 0 {
        events::publish(&mut tx, &SecurityEvent::LegalHoldLifted { user_id: user, actor_id: actor.id }, now).await?;
    }
    let after = view(&mut tx, user).await?;
    tx.commit().await?;
    Ok(Json(after))
}

/// The reason of the hold on `user`, if one stands.
pub async fn held(conn: &mut Conn, user: UserId) -> Result<Option<String>, ApiError> {
    Ok(sqlx::query_scalar("SELECT reason FROM legal_holds WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_optional(&mut *conn)
        .await?)
}

async fn view(conn: &mut Conn, user: UserId) -> Result<LegalHoldView, ApiError> {
    let row = sqlx::query(
        "SELECT h.reason, h.placed_at, u.username FROM legal_holds h LEFT JOIN users u ON u.id = h.placed_by \
         WHERE h.user_id = $1",
    )
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => LegalHoldView {
            user_id: user,
            held: true,
            reason: Some(col(&row, "reason")?),
            placed_by: col(&row, "username")?,
            placed_at: Some(col(&row, "placed_at")?),
        },
        None => LegalHoldView { user_id: user, held: false, reason: None, placed_by: None, placed_at: None },
    })
}
