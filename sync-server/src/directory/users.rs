//! Accounts: opaque id, username, role, school, status, password hash. No personal data here;
//! that lives in the PII vault.

use tallschool_shared::api::UserView;
use tallschool_shared::events::UserEvent;
use tallschool_shared::{Role, SchoolId, UserId, UserStatus};

use crate::db::{AnyRow, Conn, col, id_col, opt_id_col};
use crate::error::{ApiError, conflict_as};
use crate::events;

/// Where an account's password came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordKind {
    /// Chosen by the person.
    Chosen,
    /// Set by an administrator or teacher (a new account, a reset): single use, expiring, and
    /// the session it opens may only choose a new password.
    OneTime,
    /// A demo school's account (`--demo`): a generated password that keeps working.
    Demo,
}

impl PasswordKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PasswordKind::Chosen => "chosen",
            PasswordKind::OneTime => "one_time",
            PasswordKind::Demo => "demo",
        }
    }

    pub fn parse(text: &str) -> Result<Self, ApiError> {
        [PasswordKind::Chosen, PasswordKind::OneTime, PasswordKind::Demo]
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| ApiError::Internal("stored password kind unknown".to_owned()))
    }
}

/// A password to store with an account.
#[derive(Clone, Copy, Debug)]
pub enum NewPassword<'a> {
    Chosen { hash: &'a str },
    OneTime { hash: &'a str, expires_at: i64 },
    Demo { hash: &'a str },
}

impl NewPassword<'_> {
    fn parts(&self) -> (&str, PasswordKind, Option<i64>) {
        match *self {
            NewPassword::Chosen { hash } => (hash, PasswordKind::Chosen, None),
            NewPassword::OneTime { hash, expires_at } => (hash, PasswordKind::OneTime, Some(expires_at)),
            NewPassword::Demo { hash } => (hash, PasswordKind::Demo, None),
        }
    }
}

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub school_id: Option<SchoolId>,
    pub status: UserStatus,
    pub password_hash: String,
    pub password_kind: PasswordKind,
    /// One-time passwords only: when it stops signing in, and when it was first used.
    pub password_expires_at: Option<i64>,
    pub one_time_used_at: Option<i64>,
}

impl UserRecord {
    pub fn view(&self) -> UserView {
        UserView {
            id: self.id,
            username: self.username.clone(),
            role: self.role,
            school_id: self.school_id,
            status: self.status,
        }
    }

    fn from_row(row: &AnyRow) -> Result<Self, ApiError> {
        let role: String = col(row, "role")?;
        let status: String = col(row, "status")?;
        Ok(Self {
            id: id_col(row, "id")?,
            username: col(row, "username")?,
            role: role.parse().map_err(|_| ApiError::Internal("stored role unknown".to_owned()))?,
            school_id: opt_id_col(row, "school_id")?,
            status: status.parse().map_err(|_| ApiError::Internal("stored status unknown".to_owned()))?,
            password_hash: col(row, "password_hash")?,
            password_kind: PasswordKind::parse(&col::<String>(row, "password_kind")?)?,
            password_expires_at: col(row, "password_expires_at")?,
            one_time_used_at: col(row, "one_time_used_at")?,
        })
    }
}

const COLUMNS: &str =
    "id, username, role, school_id, status, password_hash, password_kind, password_expires_at, one_time_used_at";

pub async fn find_by_username(conn: &mut Conn, username: &str) -> Result<Option<UserRecord>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(username).fetch_optional(&mut *conn).await?;
    row.as_ref().map(UserRecord::from_row).transpose()
}

pub async fn find(conn: &mut Conn, id: UserId) -> Result<Option<UserRecord>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.to_string()).fetch_optional(&mut *conn).await?;
    row.as_ref().map(UserRecord::from_row).transpose()
}

pub async fn list_in_school(conn: &mut Conn, school: SchoolId) -> Result<Vec<UserRecord>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE school_id = $1 ORDER BY username");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(school.to_string()).fetch_all(&mut *conn).await?;
    rows.iter().map(UserRecord::from_row).collect()
}

/// A new account and its `user.events.v2` event, in the caller's transaction.
pub async fn insert(
    conn: &mut Conn,
    username: &str,
    role: Role,
    school_id: Option<SchoolId>,
    password: NewPassword<'_>,
    actor: Option<UserId>,
    now: i64,
) -> Result<UserRecord, ApiError> {
    let (hash, kind, expires_at) = password.parts();
    let record = UserRecord {
        id: UserId(uuid::Uuid::new_v4()),
        username: username.to_owned(),
        role,
        school_id,
        status: UserStatus::Active,
        password_hash: hash.to_owned(),
        password_kind: kind,
        password_expires_at: expires_at,
        one_time_used_at: None,
    };
    sqlx::query(
        "INSERT INTO users (id, username, role, school_id, status, password_hash, password_kind, \
                            password_expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(record.id.to_string())
    .bind(&record.username)
    .bind(role.as_str())
    .bind(school_id.map(|s| s.to_string()))
    .bind(record.status.as_str())
    .bind(hash)
    .bind(kind.as_str())
    .bind(expires_at)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(conflict_as("that username is taken"))?;
    let event = UserEvent::Created { user_id: record.id, school_id, role, actor_id: actor };
    events::publish(conn, &event, now).await?;
    Ok(record)
}

/// Replace the password (a new kind starts afresh: a one-time password is unused).
pub async fn set_password(conn: &mut Conn, id: UserId, password: NewPassword<'_>, now: i64) -> Result<(), ApiError> {
    let (hash, kind, expires_at) = password.parts();
    sqlx::query(
        "UPDATE users SET password_hash = $1, password_kind = $2, password_expires_at = $3, \
                          one_time_used_at = NULL, updated_at = $4 WHERE id = $5",
    )
    .bind(hash)
    .bind(kind.as_str())
    .bind(expires_at)
    .bind(now)
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A stronger hash of the same password (its kind and state are kept).
pub async fn rehash_password(conn: &mut Conn, id: UserId, hash: &str, now: i64) -> Result<(), ApiError> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Mark a one-time password used. `false` when it was used already (a concurrent sign-in won).
pub async fn use_one_time_password(conn: &mut Conn, id: UserId, now: i64) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "UPDATE users SET one_time_used_at = $1 WHERE id = $2 AND password_kind = 'one_time' \
         AND one_time_used_at IS NULL",
    )
    .bind(now)
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_role(conn: &mut Conn, id: UserId, role: Role, now: i64) -> Result<(), ApiError> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_status(conn: &mut Conn, id: UserId, status: UserStatus, now: i64) -> Result<(), ApiError> {
    // `disabled_at` starts the retention clock of an account that is disabled (a student who
    // left); enabling it again stops it.
    sqlx::query(
        "UPDATE users SET status = $1, updated_at = $2, \
         disabled_at = CASE WHEN $1 = 'disabled' THEN COALESCE(disabled_at, $2) ELSE NULL END WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(now)
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn count(conn: &mut Conn) -> Result<i64, ApiError> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(&mut *conn).await?)
}
