//! A technical admin made from the server's command line: how a real installation (not the
//! demo) gets its first account — whoever can run the server's commands with its settings
//! already holds its keys. The account gets a one-time password, shown once, that must be
//! replaced at the first sign-in (in the dashboard or any app).

use tallschool_shared::Role;

use crate::auth::password::{PasswordHasher, generate_initial_password};
use crate::config::Settings;
use crate::db::Db;
use crate::directory::users::{self, NewPassword};
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum FirstAdminError {
    #[error("database: {0}")]
    Database(String),
    #[error("{0}")]
    Refused(String),
}

impl From<ApiError> for FirstAdminError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Validation(message) | ApiError::Conflict(message) => FirstAdminError::Refused(message),
            other => FirstAdminError::Database(other.to_string()),
        }
    }
}

/// The account made: its username and one-time password (until `expires_at`).
pub struct Created {
    pub username: String,
    pub one_time_password: String,
    pub expires_at: i64,
}

/// Make the technical admin `username` (migrating a fresh database first).
pub async fn create(settings: &Settings, username: &str, now: i64) -> Result<Created, FirstAdminError> {
    let username = crate::validate::new_username(username)?;
    let db = Db::connect(&settings.database_url).await.map_err(|e| FirstAdminError::Database(e.to_string()))?;
    db.migrate().await.map_err(|e| FirstAdminError::Database(e.to_string()))?;
    let one_time_password = generate_initial_password();
    let hash = PasswordHasher::new()?.hash(one_time_password.clone()).await?;
    let expires_at = now + i64::try_from(settings.one_time_password_ttl_secs).unwrap_or(i64::MAX / 2);
    let mut tx = db.begin().await.map_err(|e| FirstAdminError::Database(e.to_string()))?;
    let password = NewPassword::OneTime { hash: &hash, expires_at };
    users::insert(&mut tx, &username, Role::TechAdmin, None, password, None, now).await?;
    tx.commit().await.map_err(|e| FirstAdminError::Database(e.to_string()))?;
    db.pool.close().await;
    Ok(Created { username, one_time_password, expires_at })
}
