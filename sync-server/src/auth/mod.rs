//! Sign-in, sessions and tokens: Argon2id passwords, short JWT access tokens, rotating opaque
//! refresh tokens (one family per device) and rate limits. [`AuthUser`] is the extractor every
//! protected handler takes.

pub mod limits;
pub mod password;
pub mod routes;
pub mod sessions;
pub mod tokens;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tallschool_shared::{Role, SchoolId, SessionId, UserId, UserStatus};

use crate::app::AppState;
use crate::db::{col, opt_id_col};
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
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header =
            parts.headers.get(AUTHORIZATION).and_then(|value| value.to_str().ok()).ok_or(ApiError::Unauthorized)?;
        let (scheme, token) = header.split_once(' ').ok_or(ApiError::Unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::Unauthorized);
        }
        let claims = state.tokens.verify(token.trim())?;
        if let Some(cached) = state.hot.session(claims.sid).filter(|c| c.user.id == claims.sub) {
            return if crate::clock::now() < cached.expires_at { Ok(cached.user) } else { Err(ApiError::Unauthorized) };
        }
        let row = sqlx::query(
            "SELECT u.username, u.role, u.school_id, u.status, u.access_epoch, s.revoked_at, s.expires_at \
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
        if status != UserStatus::Active.as_str() || revoked_at.is_some() || crate::clock::now() >= expires_at {
            return Err(ApiError::Unauthorized);
        }
        let role: String = col(&row, "role")?;
        let user = AuthUser {
            id: claims.sub,
            username: col(&row, "username")?,
            role: role.parse().map_err(|_| ApiError::Internal("stored role unknown".to_owned()))?,
            school_id: opt_id_col(&row, "school_id")?,
            session_id: claims.sid,
        };
        let epoch: i64 = col(&row, "access_epoch")?;
        let cached =
            crate::hot::CachedSession { user: user.clone(), expires_at, epoch: u64::try_from(epoch).unwrap_or(0) };
        state.hot.remember_session(claims.sid, cached);
        Ok(user)
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
