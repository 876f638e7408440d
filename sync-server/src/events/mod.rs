//! The outbox: every event is a row written in the same transaction as the change it
//! describes, so that an event exists exactly when its change does. Consumers read by topic
//! and sequence; the exporter ([`export`]) streams them to NATS JetStream when one is configured
//! and marks each published.

pub mod export;
pub mod nats;

use tallschool_shared::events::Event;

use crate::db::Conn;
use crate::error::ApiError;

/// Append `event` to the outbox inside the caller's transaction.
pub async fn publish<E: Event>(conn: &mut Conn, event: &E, now: i64) -> Result<(), ApiError> {
    let payload = serde_json::to_string(event).map_err(|e| ApiError::Internal(format!("event encode: {e}")))?;
    sqlx::query("INSERT INTO outbox (id, topic, schema_version, occurred_at, payload) VALUES ($1, $2, $3, $4, $5)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(E::TOPIC)
        .bind(i64::from(E::SCHEMA_VERSION))
        .bind(now)
        .bind(payload)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Events not yet exported, and the age of the oldest (0 when there is none).
pub struct Backlog {
    pub pending: i64,
    pub lag_secs: i64,
}

pub async fn backlog(db: &crate::db::Db, now: i64) -> Result<Backlog, ApiError> {
    let (pending, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(occurred_at) FROM outbox WHERE published_at IS NULL")
            .fetch_one(&db.pool)
            .await?;
    Ok(Backlog { pending, lag_secs: oldest.map_or(0, |at| (now - at).max(0)) })
}
