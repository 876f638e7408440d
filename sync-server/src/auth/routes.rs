//! `/api/v1/auth/*` and the caller's own account under `/api/v1/me`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tallschool_shared::api::{
    ChangePasswordRequest, LoginRequest, RefreshRequest, SessionView, TokenResponse, UserView,
};
use tallschool_shared::events::UserEvent;
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, SessionId, UserStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::password::{Verified, check_new_password};
use super::{AuthUser, RequestMeta, sessions};
use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::clock;
use crate::directory::users;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{ApiJson, ApiPath};
use crate::validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
        .routes(routes!(change_password))
}

/// Sign in on a device. Unknown users and wrong passwords get the same answer in similar time.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    state.limits.check_client(meta.client_ip)?;
    let username = validate::normalize_username(&request.username);
    state.limits.check_account(&username)?;
    let device_name = validate::label("device_name", &request.device_name, 100)?;
    if request.password.len() > super::password::MAX_PASSWORD_BYTES {
        return Err(ApiError::InvalidCredentials);
    }
    let mut conn = state.db.pool.acquire().await?;
    let user = users::find_by_username(&mut conn, &username).await?;
    drop(conn);
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = state.passwords.verify(request.password.clone(), stored).await?;
    let (user, needs_rehash) = match (user, verified) {
        (Some(user), Verified::Match { needs_rehash }) if user.status == UserStatus::Active => (user, needs_rehash),
        _ => return Err(ApiError::InvalidCredentials),
    };
    let now = clock::now();
    if needs_rehash {
        let hash = state.passwords.hash(request.password).await?;
        let mut conn = state.db.pool.acquire().await?;
        users::set_password_hash(&mut conn, user.id, &hash, now).await?;
    }
    Ok(Json(sessions::start(&state, &user, &device_name, now).await?))
}

/// Exchange a refresh token for a new pair. The presented token is then used up.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn refresh(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    state.limits.check_client(meta.client_ip)?;
    if request.refresh_token.len() > 128 {
        return Err(ApiError::InvalidRefreshToken);
    }
    Ok(Json(sessions::rotate(&state, &request.refresh_token, clock::now()).await?))
}

/// End the session the access token belongs to; its refresh token stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, actor: AuthUser) -> ApiResult<StatusCode> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::Logout, TargetRef::Caller).await?;
    sessions::revoke(&mut conn, actor.session_id, "logout", clock::now()).await?;
    state.hot.forget_sessions();
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account (no personal data; see `/me/pii`).
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<UserView>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadOwnAccount, TargetRef::Caller).await?;
    let user = users::find(&mut conn, actor.id).await?.ok_or(ApiError::Unauthorized)?;
    Ok(Json(user.view()))
}

/// The caller's signed-in devices.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = ErrorBody)))]
async fn list_sessions(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<Vec<SessionView>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListOwnSessions, TargetRef::Caller).await?;
    Ok(Json(sessions::list(&mut conn, actor.id, actor.session_id, clock::now()).await?))
}

/// Sign out one of the caller's devices.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{session_id}", tag = "me", security(("bearer" = [])),
    params(("session_id" = String, Path, description = "Session id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_session(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(session): ApiPath<SessionId>,
) -> ApiResult<StatusCode> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::RevokeOwnSession, TargetRef::Caller).await?;
    // Someone else's session is "not found", not "forbidden".
    if sessions::owner(&mut conn, session).await? != Some(actor.id) {
        return Err(ApiError::NotFound);
    }
    sessions::revoke(&mut conn, session, "signed_out_by_user", clock::now()).await?;
    state.hot.forget_sessions();
    Ok(StatusCode::NO_CONTENT)
}

/// Change the caller's password; requires the current one and, by default, signs out every
/// other device.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ChangeOwnPassword, TargetRef::Caller).await?;
    let user = users::find(&mut conn, actor.id).await?.ok_or(ApiError::Unauthorized)?;
    drop(conn);
    state.limits.check_account(&user.username)?;
    let verified = state.passwords.verify(request.current_password, Some(user.password_hash.clone())).await?;
    if verified == Verified::Mismatch {
        return Err(ApiError::InvalidCredentials);
    }
    check_new_password(&request.new_password, &user.username)?;
    let hash = state.passwords.hash(request.new_password).await?;
    let now = clock::now();
    let mut tx = state.db.begin().await?;
    users::set_password_hash(&mut tx, user.id, &hash, now).await?;
    events::publish(&mut tx, &UserEvent::PasswordChanged { user_id: user.id }, now).await?;
    if request.end_other_sessions.unwrap_or(true) {
        sessions::revoke_all(&mut tx, user.id, Some(actor.session_id), "password_changed", now).await?;
    }
    tx.commit().await?;
    state.hot.forget_sessions();
    Ok(StatusCode::NO_CONTENT)
}
