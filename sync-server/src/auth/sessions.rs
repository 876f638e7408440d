//! Sessions: one refresh-token family per signed-in device.
//!
//! A refresh token is single use. Presenting it returns a new pair and marks it used. A retry
//! with the just-used token inside a short grace window (lost response on a flaky school
//! network) returns the *same* successor pair, decrypted from a copy sealed under a key derived
//! from the presented token. Anything else — an older token, or the window passed — is token
//! theft as far as we can tell: the whole family is revoked and a security event written.

use tallschool_shared::api::{SessionView, TokenResponse};
use tallschool_shared::events::SecurityEvent;
use tallschool_shared::{SessionId, UserId, UserStatus};

use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::crypto;
use crate::db::{Conn, col, id_col};
use crate::directory::users::{self, PasswordKind, UserRecord};
use crate::error::ApiError;
use crate::events;

use super::tokens::{new_refresh_token, refresh_token_digest};

/// Start a session for `user` on a device and return its first token pair. A one-time
/// password is used up here, in the same transaction; a device that signs in again (same
/// device key) replaces its previous sessions of this account.
pub async fn start(
    state: &AppState,
    user: &UserRecord,
    device_name: &str,
    device_key_hash: Option<&str>,
    now: i64,
) -> Result<TokenResponse, ApiError> {
    let session = SessionId(uuid::Uuid::new_v4());
    let refresh_token = new_refresh_token();
    let expires_at = now.saturating_add(secs(state.settings.session_absolute_ttl_secs));
    let mut tx = state.db.begin().await?;
    if user.password_kind == PasswordKind::OneTime && !users::use_one_time_password(&mut tx, user.id, now).await? {
        return Err(ApiError::OneTimePasswordUsed);
    }
    let mut replaced = 0;
    if let Some(device) = device_key_hash {
        replaced = sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoked_reason = 'signed_in_again' \
             WHERE user_id = $2 AND device_key_hash = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user.id.to_string())
        .bind(device)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    sqlx::query(
        "INSERT INTO sessions (id, user_id, device_name, created_at, last_used_at, expires_at, authenticated_at, \
                               device_key_hash) VALUES ($1, $2, $3, $4, $4, $5, $4, $6)",
    )
    .bind(session.to_string())
    .bind(user.id.to_string())
    .bind(device_name)
    .bind(now)
    .bind(expires_at)
    .bind(device_key_hash)
    .execute(&mut *tx)
    .await?;
    insert_token(&mut tx, &refresh_token_digest(&refresh_token), session, now).await?;
    tx.commit().await?;
    if replaced > 0 {
        state.hot.forget_sessions();
    }
    pair(state, user, session, refresh_token, now)
}

/// What the database keeps of a device key: its SHA-256. A key must be 32–128 characters of
/// base64url (≥ 192 bits from a CSPRNG, chosen by the device).
pub fn device_key_digest(key: &str) -> Result<String, ApiError> {
    let well_formed =
        (32..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(ApiError::Field {
            field: "device_key".to_owned(),
            message: "device_key must be 32 to 128 characters of base64url".to_owned(),
        });
    }
    Ok(hex::encode(Sha256::digest(key.as_bytes())))
}

/// Whether the device holding this key has a live session of the account named `username`.
pub async fn is_trusted_device(
    state: &AppState,
    username: &str,
    device_key_hash: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let idle_since = now.saturating_sub(secs(state.settings.session_idle_ttl_secs));
    let live: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.username = $1 AND s.device_key_hash = $2 AND s.revoked_at IS NULL \
           AND s.expires_at > $3 AND s.last_used_at > $4 LIMIT 1",
    )
    .bind(username)
    .bind(device_key_hash)
    .bind(now)
    .bind(idle_since)
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(live.is_some())
}

/// The session proved the password just now (re-authentication).
pub async fn reauthenticated(conn: &mut Conn, session: SessionId, now: i64) -> Result<(), ApiError> {
    sqlx::query("UPDATE sessions SET authenticated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(session.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sensitive changes need the password proved within `window_secs` in this session.
pub async fn require_recent_auth(
    conn: &mut Conn,
    session: SessionId,
    now: i64,
    window_secs: u64,
) -> Result<(), ApiError> {
    let at: Option<Option<i64>> = sqlx::query_scalar("SELECT authenticated_at FROM sessions WHERE id = $1")
        .bind(session.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    match at.flatten() {
        Some(at) if now.saturating_sub(at) <= secs(window_secs) => Ok(()),
        _ => Err(ApiError::ReauthRequired),
    }
}

/// End the session a refresh token belongs to (any token of the family: a device that signed
/// out offline sends the newest one it has). `false` when there is no such live session.
pub async fn revoke_by_refresh_token(state: &AppState, presented: &str, now: i64) -> Result<bool, ApiError> {
    let Some(token) = find_token(state, &refresh_token_digest(presented)).await? else {
        return Ok(false);
    };
    if token.revoked_at.is_some() {
        return Ok(false);
    }
    let mut conn = state.db.pool.acquire().await?;
    let ended = revoke(&mut conn, token.session_id, "logout", now).await?;
    state.hot.forget_sessions();
    Ok(ended)
}

/// Exchange a refresh token for the next pair (see the module comment for the rules).
pub async fn rotate(state: &AppState, presented: &str, now: i64) -> Result<TokenResponse, ApiError> {
    let digest = refresh_token_digest(presented);
    let Some(token) = find_token(state, &digest).await? else {
        return Err(ApiError::InvalidRefreshToken);
    };
    // A device the school signed out to be wiped hears so at its next contact, however long
    // it was away (the session's own expiry does not hide it).
    if token.revoked_reason.as_deref() == Some(WIPE) {
        return Err(ApiError::DeviceWiped);
    }
    let idle_deadline = token.last_used_at.saturating_add(secs(state.settings.session_idle_ttl_secs));
    if token.revoked_at.is_some() || now >= token.expires_at || now >= idle_deadline {
        return Err(ApiError::InvalidRefreshToken);
    }
    let mut conn = state.db.pool.acquire().await?;
    let user = users::find(&mut conn, token.user_id).await?.ok_or(ApiError::InvalidRefreshToken)?;
    drop(conn);
    if user.status != UserStatus::Active {
        return Err(ApiError::InvalidRefreshToken);
    }

    if token.used_at.is_none() {
        let next_token = new_refresh_token();
        let next_digest = refresh_token_digest(&next_token);
        let response = pair(state, &user, token.session_id, next_token, now)?;
        let sealed = seal_successor(presented, &response)?;
        // The conditional UPDATE is the first statement, so concurrent refreshes queue on the
        // row (PostgreSQL) or the write lock (SQLite) and exactly one of them wins.
        let mut tx = state.db.begin().await?;
        let won = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1, successor_hash = $2, successor_sealed = $3 \
             WHERE token_hash = $4 AND used_at IS NULL",
        )
        .bind(now)
        .bind(&next_digest)
        .bind(crypto::to_blob(&sealed))
        .bind(&digest)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if won {
            let live = sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(token.session_id.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !live {
                return Err(ApiError::InvalidRefreshToken);
            }
            insert_token(&mut tx, &next_digest, token.session_id, now).await?;
            tx.commit().await?;
            return Ok(response);
        }
        tx.rollback().await?;
    }

    // The token was used before (or a concurrent request just used it).
    let used = find_token(state, &digest).await?.ok_or(ApiError::InvalidRefreshToken)?;
    if let Some(response) = retry_within_grace(state, &used, presented, now).await? {
        return Ok(response);
    }
    revoke_for_reuse(state, &used, now).await?;
    Err(ApiError::InvalidRefreshToken)
}

/// The reason of a session ended by an admin with "remove this account's data from the device".
pub const WIPE: &str = "wipe";

/// End one session (logout or "sign out that device").
pub async fn revoke(conn: &mut Conn, session: SessionId, reason: &str, now: i64) -> Result<bool, ApiError> {
    let done =
        sqlx::query("UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(reason)
            .bind(session.to_string())
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// End one session, or mark one already ended for wiping (a device signed out earlier may
/// still hold the account's data). How many sessions changed (0 or 1).
pub async fn end(conn: &mut Conn, session: SessionId, reason: &str, now: i64) -> Result<u64, ApiError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $1), revoked_reason = $2 \
         WHERE id = $3 AND (revoked_at IS NULL OR ($2 = 'wipe' AND revoked_reason <> 'wipe'))",
    )
    .bind(now)
    .bind(reason)
    .bind(session.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// End every session of `user` except `keep`, writing a security event when any ended.
pub async fn revoke_all(
    conn: &mut Conn,
    user: UserId,
    keep: Option<SessionId>,
    reason: &str,
    now: i64,
) -> Result<u64, ApiError> {
    let keep = keep.map(|s| s.to_string()).unwrap_or_default();
    let count = sqlx::query(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND id <> $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(user.to_string())
    .bind(keep)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if count > 0 {
        let event = SecurityEvent::SessionsRevoked { user_id: user, reason: reason.to_owned(), count };
        events::publish(conn, &event, now).await?;
    }
    Ok(count)
}

/// A user's live sessions, most recently used first; `current` is the caller's own.
pub async fn list(
    conn: &mut Conn,
    user: UserId,
    current: Option<SessionId>,
    now: i64,
) -> Result<Vec<SessionView>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, device_name, created_at, last_used_at, expires_at, last_sync_at, waiting_changes FROM sessions \
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_used_at DESC",
    )
    .bind(user.to_string())
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let id: SessionId = id_col(row, "id")?;
            Ok(SessionView {
                id,
                device_name: col(row, "device_name")?,
                created_at: col(row, "created_at")?,
                last_used_at: col(row, "last_used_at")?,
                expires_at: col(row, "expires_at")?,
                last_sync_at: col(row, "last_sync_at")?,
                waiting_changes: col::<Option<i64>>(row, "waiting_changes")?.map(|n| u64::try_from(n).unwrap_or(0)),
                current: Some(id) == current,
            })
        })
        .collect()
}

/// A device synced at `now` and said it still holds `waiting` changes.
pub async fn record_sync(db: &crate::db::Db, session: SessionId, now: i64, waiting: u64) -> Result<(), ApiError> {
    sqlx::query("UPDATE sessions SET last_sync_at = $1, waiting_changes = $2 WHERE id = $3")
        .bind(now)
        .bind(i64::try_from(waiting).unwrap_or(i64::MAX))
        .bind(session.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The owner of a session, if it exists.
pub async fn owner(conn: &mut Conn, session: SessionId) -> Result<Option<UserId>, ApiError> {
    let owner: Option<String> = sqlx::query_scalar("SELECT user_id FROM sessions WHERE id = $1")
        .bind(session.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    owner.map(|o| o.parse().map_err(|_| ApiError::Internal("stored id unreadable".to_owned()))).transpose()
}

struct TokenRow {
    session_id: SessionId,
    user_id: UserId,
    used_at: Option<i64>,
    successor_hash: Option<String>,
    successor_sealed: Option<Vec<u8>>,
    last_used_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
}

async fn find_token(state: &AppState, digest: &str) -> Result<Option<TokenRow>, ApiError> {
    let row = sqlx::query(
        "SELECT t.session_id, s.user_id, t.used_at, t.successor_hash, t.successor_sealed, \
                s.last_used_at, s.expires_at, s.revoked_at, s.revoked_reason \
         FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1",
    )
    .bind(digest)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(TokenRow {
        session_id: id_col(&row, "session_id")?,
        user_id: id_col(&row, "user_id")?,
        used_at: col(&row, "used_at")?,
        successor_hash: col(&row, "successor_hash")?,
        successor_sealed: col(&row, "successor_sealed")?,
        last_used_at: col(&row, "last_used_at")?,
        expires_at: col(&row, "expires_at")?,
        revoked_at: col(&row, "revoked_at")?,
        revoked_reason: col(&row, "revoked_reason")?,
    }))
}

/// The same answer again, if this is a retry of the latest rotation within the window.
async fn retry_within_grace(
    state: &AppState,
    used: &TokenRow,
    presented: &str,
    now: i64,
) -> Result<Option<TokenResponse>, ApiError> {
    let (Some(used_at), Some(successor), Some(sealed)) = (used.used_at, &used.successor_hash, &used.successor_sealed)
    else {
        return Ok(None);
    };
    if used.revoked_at.is_some() || now.saturating_sub(used_at) >= secs(state.settings.refresh_reuse_grace_secs) {
        return Ok(None);
    }
    // Only the immediately preceding token qualifies: its successor must still be unused.
    let successor_unused: Option<Option<i64>> =
        sqlx::query_scalar("SELECT used_at FROM refresh_tokens WHERE token_hash = $1")
            .bind(successor)
            .fetch_optional(&state.db.pool)
            .await?;
    if successor_unused != Some(None) {
        return Ok(None);
    }
    let sealed =
        crypto::from_blob(sealed).ok_or_else(|| ApiError::Internal("sealed successor malformed".to_owned()))?;
    let plain = crypto::open(&grace_key(presented), GRACE_AD, &sealed)
        .map_err(|_| ApiError::Internal("sealed successor does not open".to_owned()))?;
    let response = serde_json::from_slice(&plain).map_err(|e| ApiError::Internal(format!("sealed successor: {e}")))?;
    Ok(Some(response))
}

async fn revoke_for_reuse(state: &AppState, used: &TokenRow, now: i64) -> Result<(), ApiError> {
    let mut tx = state.db.begin().await?;
    if revoke(&mut tx, used.session_id, "refresh_reuse_detected", now).await? {
        let event = SecurityEvent::RefreshReuseDetected { user_id: used.user_id, session_id: used.session_id };
        events::publish(&mut tx, &event, now).await?;
        tracing::warn!(user_id = %used.user_id, session_id = %used.session_id, "refresh token reuse detected; session revoked");
    }
    tx.commit().await?;
    state.hot.forget_sessions();
    Ok(())
}

async fn insert_token(conn: &mut Conn, digest: &str, session: SessionId, now: i64) -> Result<(), ApiError> {
    sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)")
        .bind(digest)
        .bind(session.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn pair(
    state: &AppState,
    user: &UserRecord,
    session: SessionId,
    refresh_token: String,
    now: i64,
) -> Result<TokenResponse, ApiError> {
    Ok(TokenResponse {
        access_token: state.tokens.issue(user.id, session, now)?,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl_secs(),
        refresh_token,
        user: user.view(),
        password_change_required: user.password_kind == PasswordKind::OneTime,
    })
}

const GRACE_AD: &[u8] = b"tallschool refresh successor v1";

/// The successor pair can only be unsealed by someone holding the token it replaced.
fn grace_key(presented: &str) -> Vec<u8> {
    Sha256::new().chain_update(b"tallschool grace key\0").chain_update(presented.as_bytes()).finalize().to_vec()
}

fn seal_successor(presented: &str, response: &TokenResponse) -> Result<crypto::Sealed, ApiError> {
    let plain = serde_json::to_vec(response).map_err(|e| ApiError::Internal(format!("encode pair: {e}")))?;
    crypto::seal(&grace_key(presented), GRACE_AD, &plain).map_err(|e| ApiError::Internal(e.to_string()))
}

fn secs(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
