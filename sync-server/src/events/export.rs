//! Streaming the outbox to a message broker: events leave in the order they were written, each
//! marked published once the broker has acknowledged it, so delivery is at least once and in
//! order per topic (and so per key). While the broker is away nothing is lost — the events
//! wait in the outbox, the exporter retries with backoff, and it resumes from the first
//! unpublished event after a broker or server restart. Replicas each run an exporter: each
//! event carries its id as the broker's de-duplication key, and every exporter goes in outbox
//! order, so a second copy is dropped by the broker and never overtakes.
//!
//! The broker sits behind [`EventSink`]: NATS JetStream today ([`super::nats`]); a Kafka sink
//! (the seed's broker) is another implementation of the same trait.

use std::future::Future;
use std::time::Duration;

use crate::clock::Clock;
use crate::db::Db;
use crate::error::ApiError;

/// Events read from the outbox at a time.
const BATCH: i64 = 200;
/// How often an idle exporter looks for new events.
const IDLE_POLL: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One event as it leaves the outbox.
#[derive(Clone, Debug)]
pub struct OutboxEvent {
    pub seq: i64,
    /// Unique per event: the broker's de-duplication key.
    pub id: String,
    /// `user.events.v2`, `pii.access.log`, … (the subject or topic it goes to).
    pub topic: String,
    pub schema_version: i64,
    pub occurred_at: i64,
    /// The event's JSON.
    pub payload: String,
}

impl OutboxEvent {
    /// The message body: the event in its envelope (id, topic, schema version, time, payload).
    pub fn envelope(&self) -> Vec<u8> {
        let payload: serde_json::Value = serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null);
        let envelope = serde_json::json!({
            "id": self.id,
            "topic": self.topic,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at,
            "payload": payload,
        });
        envelope.to_string().into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// A broker that takes events one by one and says when each is safely stored.
pub trait EventSink: Send + Sync + 'static {
    /// Publish `event`; `Ok` only once the broker has stored it.
    fn publish(&self, event: &OutboxEvent) -> impl Future<Output = Result<(), SinkError>> + Send;
}

#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error("outbox: {0}")]
    Outbox(#[from] ApiError),
    #[error("broker: {0}")]
    Sink(#[from] SinkError),
}

/// Run the exporter until the process ends.
pub fn spawn<S: EventSink>(db: Db, clock: Clock, sink: S) {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(200);
        let mut failing = false;
        loop {
            match export_batch(&db, &clock, &sink).await {
                Ok(sent) => {
                    if failing {
                        tracing::info!("event export resumed");
                        failing = false;
                    }
                    backoff = Duration::from_millis(200);
                    if sent < BATCH {
                        tokio::time::sleep(IDLE_POLL).await;
                    }
                }
                Err(error) => {
                    if !failing {
                        tracing::warn!(%error, "event export paused; events wait in the outbox");
                        failing = true;
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    });
}

/// Publish the oldest unpublished events in order, marking each once acknowledged; stop at the
/// first failure (what follows waits, keeping the order). How many were published.
async fn export_batch<S: EventSink>(db: &Db, clock: &Clock, sink: &S) -> Result<i64, ExportError> {
    let events = unpublished(db, BATCH).await?;
    let mut sent = 0;
    for event in &events {
        sink.publish(event).await?;
        sqlx::query("UPDATE outbox SET published_at = $1 WHERE seq = $2")
            .bind(clock.now())
            .bind(event.seq)
            .execute(&db.pool)
            .await
            .map_err(ApiError::from)?;
        sent += 1;
    }
    Ok(sent)
}

/// The oldest events not yet published, in the order they were written.
pub async fn unpublished(db: &Db, limit: i64) -> Result<Vec<OutboxEvent>, ApiError> {
    let rows: Vec<(i64, String, String, i64, i64, String)> = sqlx::query_as(
        "SELECT seq, id, topic, schema_version, occurred_at, payload FROM outbox \
         WHERE published_at IS NULL ORDER BY seq LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, id, topic, schema_version, occurred_at, payload)| OutboxEvent {
            seq,
            id,
            topic,
            schema_version,
            occurred_at,
            payload,
        })
        .collect())
}
