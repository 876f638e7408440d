//! The outbox's events on NATS JetStream: one stream (default `TALLSCHOOL_EVENTS`) holding a
//! subject per topic (`user.events.v2`, `pii.access.log`, …), file storage. Each message is the
//! event in its envelope (JSON), with the event's id as `Nats-Msg-Id` so a second copy (a
//! retry after a lost acknowledgement, another replica) is dropped by the stream.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage, stream};

use super::export::{EventSink, OutboxEvent, SinkError};

/// How long the stream remembers message ids to drop second copies.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);

pub struct NatsSink {
    jetstream: jetstream::Context,
    stream: String,
    stream_ready: AtomicBool,
}

impl NatsSink {
    /// Connect to `url` (in the background when the broker is not up yet: the server starts
    /// regardless, and the events wait).
    pub async fn connect(url: &str, stream: &str) -> Result<NatsSink, SinkError> {
        let client = async_nats::ConnectOptions::new()
            .name("tallschool-server")
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| SinkError(format!("cannot connect to NATS: {e}")))?;
        let mut jetstream = jetstream::new(client);
        jetstream.set_timeout(Duration::from_secs(5));
        Ok(NatsSink { jetstream, stream: stream.to_owned(), stream_ready: AtomicBool::new(false) })
    }

    /// Make the stream if it is missing (once per connection that worked).
    async fn ensure_stream(&self) -> Result<(), SinkError> {
        if self.stream_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let config = stream::Config {
            name: self.stream.clone(),
            subjects: tallschool_shared::events::TOPICS.iter().map(|t| (*t).to_owned()).collect(),
            storage: stream::StorageType::File,
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        };
        self.jetstream.get_or_create_stream(config).await.map_err(|e| SinkError(format!("stream: {e}")))?;
        self.stream_ready.store(true, Ordering::Release);
        Ok(())
    }
}

impl EventSink for NatsSink {
    async fn publish(&self, event: &OutboxEvent) -> Result<(), SinkError> {
        self.ensure_stream().await?;
        let message = PublishMessage::build()
            .payload(event.envelope().into())
            .message_id(&event.id)
            .header("Tallschool-Schema-Version", event.schema_version.to_string().as_str());
        let acknowledged = self.jetstream.send_publish(event.topic.clone(), message).await;
        let result = match acknowledged {
            Ok(ack) => ack.await.map(|_| ()).map_err(|e| SinkError(format!("not acknowledged: {e}"))),
            Err(e) => Err(SinkError(format!("publish: {e}"))),
        };
        if result.is_err() {
            // The broker may have come back empty: check the stream again next time.
            self.stream_ready.store(false, Ordering::Release);
        }
        result
    }
}
