//! Sign-in, sessions and tokens: Argon2id passwords, short JWT access tokens, rotating opaque
//! refresh tokens (one family per device), failure throttling and re-authentication.
//! [`AuthUser`] is the extractor every protected handler takes.

pub mod password;
pub mod routes;
pub mod sessions;
pub mod signing_keys;
pub mod throttle;
pub mod tokens;
pub mod user_sessions;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tallschool_shared::{Role, SchoolId, SessionId, UserId, UserStatus};

use crate::app::AppState;
use crate::db::{col, opt_id_col};
use crate::directory::users::PasswordKind;
use crate::error::ApiError;

/// The authenticated caller, checked against the database on every request: a disabled
/// account, an ended session or a changed role take effect at once, not when the token expires.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub school_id: Option<SchoolId>,
    pub session_id: SessionId,
    /// Signed in with a one-time password that is not replaced yet: may only change it.
    pub must_change_password: bool,
}

impl AuthUser {
    /// Check the bearer token in `headers` against the live session and account. The
    /// admission gate calls this before any of the body is read.
    pub async fn authenticate(headers: &HeaderMap, state: &AppState) -> Result<AuthUser, ApiError> {
        let token = bearer_token(headers).ok_or(ApiError::Unauthorized)?;
        let now = state.clock.now();
        let claims = state.tokens.verify(token, now)?;
        if let Some(cached) = state.hot.session(claims.sid).filter(|c| c.user.id == claims.sub) {
            return if now < cached.expires_at { Ok(cached.user) } else { Err(ApiError::Unauthorized) };
        }
        let row = sqlx::query(
            "SELECT u.username, u.role, u.school_id, u.status, u.access_epoch, u.password_kind, \
                    s.revoked_at, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.user_id = $2",
        )
        .bind(claims.sid.to_string())
        .bind(claims.sub.to_string())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(ApiError::Unauthorized)?;
        let status: String = col(&row, "status")?;
        let revoked_at: Option<i64> = col(&row, "revoked_at")?;
        let expires_at: i64 = col(&row, "expires_at")?;
        if status != UserStatus::Active.as_str() || revoked_at.is_some() || now >= expires_at {
            return Err(ApiError::Unauthorized);
        }
        let role: String = col(&row, "role")?;
        let password_kind: String = col(&row, "password_kind")?;
        let user = AuthUser {
            id: claims.sub,
            username: col(&row, "username")?,
            role: role.parse().map_err(|_| ApiError::Internal("stored role unknown".to_owned()))?,
            school_id: opt_id_col(&row, "school_id")?,
            session_id: claims.sid,
            must_change_password: PasswordKind::parse(&password_kind)? == PasswordKind::OneTime,
        };
        let epoch: i64 = col(&row, "access_epoch")?;
        let cached =
            crate::hot::CachedSession { user: user.clone(), expires_at, epoch: u64::try_from(epoch).unwrap_or(0) };
        state.hot.remember_session(claims.sid, cached);
        Ok(user)
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let header = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The admission gate has checked the token already.
        if let Some(user) = parts.extensions.get::<AuthUser>() {
            return Ok(user.clone());
        }
        AuthUser::authenticate(&parts.headers, state).await
    }
}

/// Where a request came from, for rate limits and audit rows.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    pub client_ip: IpAddr,
    pub request_id: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // The socket peer, never a client-supplied header: X-Forwarded-For is trivially spoofed
        // when the server is reachable directly.
        let client_ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let request_id = parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(RequestMeta { client_ip, request_id })
    }
}
