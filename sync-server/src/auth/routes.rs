//! `/api/v1/auth/*` and the caller's own account under `/api/v1/me`.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use tallschool_shared::api::{
    ChangePasswordRequest, LoginRequest, LogoutRequest, ReauthRequest, RefreshRequest, SessionView, TokenResponse,
    UserView,
};
use tallschool_shared::events::{PasswordStep, SecurityEvent, SensitiveChange, UserEvent};
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, SessionId, UserId, UserStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::password::{Verified, check_new_password};
use super::throttle::{Attempt, Blocked, retry_after_secs};
use super::{AuthUser, RequestMeta, sessions};
use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::directory::users::{self, NewPassword, PasswordKind};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{ApiJson, ApiPath, parse_json};
use crate::validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(reauth))
        .routes(routes!(me))
        .routes(routes!(list_sessions))
        .routes(routes!(revoke_session))
        .routes(routes!(change_password))
        .merge(super::user_sessions::router())
}

/// Sign in on a device. Unknown users and wrong passwords get the same answer in similar time.
/// Only failures are counted (see `throttle`); a device with a live session of the account
/// (its `device_key`) is slowed only by its own failures.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse),
        (status = 401, body = ErrorBody, description = "wrong username or password, or a one-time password that expired or was used"),
        (status = 429, body = ErrorBody, description = "too many failures from here or for this account; see Retry-After")))]
async fn login(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let now = state.clock.now();
    let username = validate::normalize_username(&request.username);
    let device_name = validate::label("device_name", &request.device_name, 100)?;
    let device_key_hash = request.device_key.as_deref().map(sessions::device_key_digest).transpose()?;
    let trusted = match &device_key_hash {
        Some(hash) => sessions::is_trusted_device(&state, &username, hash, now).await?,
        None => false,
    };
    let attempt = Attempt {
        account: state.throttle.key_of(&username),
        address: meta.client_ip,
        trusted_device: device_key_hash.as_deref().filter(|_| trusted).map(|hash| state.throttle.key_of(hash)),
    };
    state.throttle.check(&attempt, Instant::now()).map_err(|blocked| limited(&blocked, "sign_in"))?;
    let mut conn = state.db.pool.acquire().await?;
    let user = users::find_by_username(&mut conn, &username).await?;
    drop(conn);
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = if request.password.len() > super::password::MAX_PASSWORD_BYTES {
        Verified::Mismatch
    } else {
        state.passwords.verify(request.password.clone(), stored).await?
    };
    let (user, needs_rehash) = match (user, verified) {
        (Some(user), Verified::Match { needs_rehash }) if user.status == UserStatus::Active => (user, needs_rehash),
        (user, _) => {
            let user_id = user.map(|u| u.id);
            password_rejected(&state, &attempt, user_id, PasswordStep::SignIn).await?;
            return Err(ApiError::InvalidCredentials);
        }
    };
    state.throttle.succeeded(&attempt);
    if user.password_kind == PasswordKind::OneTime {
        if user.password_expires_at.is_none_or(|expires| now >= expires) {
            return Err(ApiError::OneTimePasswordExpired);
        }
        if user.one_time_used_at.is_some() {
            return Err(ApiError::OneTimePasswordUsed);
        }
    }
    if needs_rehash {
        let hash = state.passwords.hash(request.password).await?;
        let mut conn = state.db.pool.acquire().await?;
        users::rehash_password(&mut conn, user.id, &hash, now).await?;
    }
    Ok(Json(sessions::start(&state, &user, &device_name, device_key_hash.as_deref(), now).await?))
}

/// Exchange a refresh token for a new pair. The presented token is then used up.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn refresh(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    state.throttle.check_refresh(meta.client_ip, Instant::now()).map_err(|blocked| limited(&blocked, "refresh"))?;
    let rotated = if request.refresh_token.len() > 128 {
        Err(ApiError::InvalidRefreshToken)
    } else {
        sessions::rotate(&state, &request.refresh_token, state.clock.now()).await
    };
    if let Err(ApiError::InvalidRefreshToken) = &rotated {
        refresh_rejected(&state, meta.client_ip).await?;
    }
    Ok(Json(rotated?))
}

/// Sign out this device: its session and refresh token stop working at once. Takes the
/// access token, or — when that has expired, e.g. a sign-out made offline and sent later —
/// the device's refresh token in the body.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security((), ("bearer" = [])),
    request_body(content = Option<LogoutRequest>, description = "Only needed without a valid access token"),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    if super::bearer_token(&headers).is_some()
        && let Ok(actor) = AuthUser::authenticate(&headers, &state).await
    {
        let mut conn = state.db.pool.acquire().await?;
        sessions::revoke(&mut conn, actor.session_id, "logout", now).await?;
        state.hot.forget_sessions();
        return Ok(StatusCode::NO_CONTENT);
    }
    let request: LogoutRequest = if body.is_empty() { LogoutRequest::default() } else { parse_json(&body)? };
    let Some(token) = request.refresh_token.filter(|t| t.len() <= 128) else {
        return Err(ApiError::Unauthorized);
    };
    state.throttle.check_refresh(meta.client_ip, Instant::now()).map_err(|blocked| limited(&blocked, "refresh"))?;
    if sessions::revoke_by_refresh_token(&state, &token, now).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        refresh_rejected(&state, meta.client_ip).await?;
        Err(ApiError::InvalidRefreshToken)
    }
}

/// Confirm the password in this session, before a sensitive change (a role or an email, a
/// one-time password for someone else). Valid for a few minutes.
#[utoipa::path(post, path = "/api/v1/auth/reauth", tag = "auth", security(("bearer" = [])), request_body = ReauthRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn reauth(
    State(state): State<AppState>,
    actor: AuthUser,
    meta: RequestMeta,
    ApiJson(request): ApiJson<ReauthRequest>,
) -> ApiResult<StatusCode> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::Reauthenticate, TargetRef::Caller).await?;
    let user = users::find(&mut conn, actor.id).await?.ok_or(ApiError::Unauthorized)?;
    drop(conn);
    check_password(&state, &actor, &meta, &user.password_hash, request.password, PasswordStep::Reauth).await?;
    let mut conn = state.db.pool.acquire().await?;
    sessions::reauthenticated(&mut conn, actor.session_id, state.clock.now()).await?;
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
    Ok(Json(sessions::list(&mut conn, actor.id, Some(actor.session_id), state.clock.now()).await?))
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
    sessions::revoke(&mut conn, session, "signed_out_by_user", state.clock.now()).await?;
    state.hot.forget_sessions();
    Ok(StatusCode::NO_CONTENT)
}

/// Change the caller's password; requires the current one and, by default, signs out every
/// other device. After a sign-in with a one-time password, this is the only thing allowed.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    actor: AuthUser,
    meta: RequestMeta,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ChangeOwnPassword, TargetRef::Caller).await?;
    let user = users::find(&mut conn, actor.id).await?.ok_or(ApiError::Unauthorized)?;
    drop(conn);
    let unchanged = request.new_password == request.current_password;
    check_password(&state, &actor, &meta, &user.password_hash, request.current_password, PasswordStep::PasswordChange)
        .await?;
    check_new_password(&request.new_password, &user.username)?;
    if unchanged {
        return Err(ApiError::Field {
            field: "new_password".to_owned(),
            message: "the new password must differ from the current one".to_owned(),
        });
    }
    let hash = state.passwords.hash(request.new_password).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    users::set_password(&mut tx, user.id, NewPassword::Chosen { hash: &hash }, now).await?;
    sessions::reauthenticated(&mut tx, actor.session_id, now).await?;
    events::publish(&mut tx, &UserEvent::PasswordChanged { user_id: user.id }, now).await?;
    let change =
        SecurityEvent::SensitiveChange { user_id: user.id, actor_id: user.id, change: SensitiveChange::Password };
    events::publish(&mut tx, &change, now).await?;
    if request.end_other_sessions.unwrap_or(true) {
        sessions::revoke_all(&mut tx, user.id, Some(actor.session_id), "password_changed", now).await?;
    }
    tx.commit().await?;
    state.hot.forget_sessions();
    Ok(StatusCode::NO_CONTENT)
}

/// Check a signed-in caller's password (re-authentication, password change), throttled by
/// this session's own failures only: a stolen session cannot guess fast, and nobody else's
/// failures block the owner.
async fn check_password(
    state: &AppState,
    actor: &AuthUser,
    meta: &RequestMeta,
    stored_hash: &str,
    password: String,
    step: PasswordStep,
) -> Result<(), ApiError> {
    let attempt = Attempt {
        account: state.throttle.key_of(&actor.username),
        address: meta.client_ip,
        trusted_device: Some(state.throttle.key_of(&actor.session_id.to_string())),
    };
    state.throttle.check(&attempt, Instant::now()).map_err(|blocked| limited(&blocked, "sign_in"))?;
    let verified = if password.len() > super::password::MAX_PASSWORD_BYTES {
        Verified::Mismatch
    } else {
        state.passwords.verify(password, Some(stored_hash.to_owned())).await?
    };
    if verified == Verified::Mismatch {
        password_rejected(state, &attempt, Some(actor.id), step).await?;
        return Err(ApiError::InvalidCredentials);
    }
    state.throttle.succeeded(&attempt);
    Ok(())
}

/// Count a wrong password and record it (and any delay it started) as security events.
async fn password_rejected(
    state: &AppState,
    attempt: &Attempt,
    user_id: Option<UserId>,
    step: PasswordStep,
) -> Result<(), ApiError> {
    crate::telemetry::sign_in_failed();
    let started = state.throttle.failed(attempt, Instant::now());
    let client_address = attempt.address.to_string();
    let mut events = vec![SecurityEvent::PasswordRejected { user_id, step, client_address: client_address.clone() }];
    events.extend(started.iter().map(|blocked| throttled(blocked, user_id, &client_address)));
    publish_all(state, &events).await
}

/// An unknown, used or expired refresh token: counted per address.
async fn refresh_rejected(state: &AppState, address: std::net::IpAddr) -> Result<(), ApiError> {
    match state.throttle.refresh_failed(address, Instant::now()) {
        Some(blocked) => publish_all(state, &[throttled(&blocked, None, &address.to_string())]).await,
        None => Ok(()),
    }
}

fn throttled(blocked: &Blocked, user_id: Option<UserId>, client_address: &str) -> SecurityEvent {
    SecurityEvent::Throttled {
        scope: blocked.scope.as_str().to_owned(),
        user_id,
        client_address: client_address.to_owned(),
        retry_after_secs: retry_after_secs(blocked.retry_after),
    }
}

async fn publish_all(state: &AppState, events: &[SecurityEvent]) -> Result<(), ApiError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    for event in events {
        events::publish(&mut tx, event, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn limited(blocked: &Blocked, kind: &'static str) -> ApiError {
    crate::telemetry::throttled(kind);
    ApiError::RateLimited { retry_after_secs: retry_after_secs(blocked.retry_after) }
}
