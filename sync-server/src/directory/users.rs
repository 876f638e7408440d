//! Accounts: opaque id, username, role, school, status, password hash. No personal data here;
//! that lives in the PII vault.

use tallschool_shared::api::UserView;
use tallschool_shared::events::UserEvent;
use tallschool_shared::{Role, SchoolId, UserId, UserStatus};

use crate::db::{AnyRow, Conn, col, id_col, opt_id_col};
use crate::error::{ApiError, conflict_as};
use crate::events;

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub school_id: Option<SchoolId>,
    pub status: UserStatus,
    pub password_hash: String,
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
        })
    }
}

const COLUMNS: &str = "id, username, role, school_id, status, password_hash";

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
    password_hash: &str,
    actor: Option<UserId>,
    now: i64,
) -> Result<UserRecord, ApiError> {
    let record = UserRecord {
        id: UserId(uuid::Uuid::new_v4()),
        username: username.to_owned(),
        role,
        school_id,
        status: UserStatus::Active,
        password_hash: password_hash.to_owned(),
    };
    sqlx::query(
        "INSERT INTO users (id, username, role, school_id, status, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(record.id.to_string())
    .bind(&record.username)
    .bind(role.as_str())
    .bind(school_id.map(|s| s.to_string()))
    .bind(record.status.as_str())
    .bind(password_hash)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(conflict_as("that username is taken"))?;
    let event = UserEvent::Created { user_id: record.id, school_id, role, actor_id: actor };
    events::publish(conn, &event, now).await?;
    Ok(record)
}

pub async fn set_password_hash(conn: &mut Conn, id: UserId, hash: &str, now: i64) -> Result<(), ApiError> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
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
    sqlx::query("UPDATE users SET status = $1, updated_at = $2 WHERE id = $3")
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
