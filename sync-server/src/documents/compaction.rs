//! Snapshot compaction, a background job: documents whose history grew by enough changes since
//! their last snapshot get a new one (automerge's compressed save of the history up to a
//! sequence number). Devices starting afresh receive the snapshot instead of every change.
//! Changes stay stored: they are the record; snapshots are a faster way to send it.

use std::time::Duration;

use automerge::{Automerge, Change};

use crate::db::{Db, col};
use crate::error::ApiError;

/// Compact every document with at least `min_new_changes` changes since its last snapshot.
/// Returns how many documents got a new snapshot.
pub async fn run_once(db: &Db, min_new_changes: i64, now: i64) -> Result<u64, ApiError> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT d.id FROM documents d LEFT JOIN doc_snapshots s ON s.doc_id = d.id \
         WHERE d.change_count - COALESCE(s.changes, 0) >= $1",
    )
    .bind(min_new_changes)
    .fetch_all(&db.pool)
    .await?;
    let mut compacted = 0;
    for doc in due {
        if compact(db, &doc, now).await? {
            compacted += 1;
        }
    }
    Ok(compacted)
}

async fn compact(db: &Db, doc: &str, now: i64) -> Result<bool, ApiError> {
    let rows = sqlx::query("SELECT seq, bytes FROM doc_changes WHERE doc_id = $1 ORDER BY seq")
        .bind(doc)
        .fetch_all(&db.pool)
        .await?;
    let Some(last) = rows.last() else { return Ok(false) };
    let up_to: i64 = col(last, "seq")?;
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let mut changes = Vec::with_capacity(rows.len());
    for row in &rows {
        let bytes: Vec<u8> = col(row, "bytes")?;
        changes
            .push(Change::from_bytes(bytes).map_err(|e| ApiError::Internal(format!("stored change unreadable: {e}")))?);
    }
    // Building the document is CPU work: keep it off the async runtime.
    let snapshot = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let mut document = Automerge::new();
        document.apply_changes(changes).map_err(|e| ApiError::Internal(format!("compaction: {e}")))?;
        Ok(document.save())
    })
    .await??;
    sqlx::query(
        "INSERT INTO doc_snapshots (doc_id, up_to_seq, changes, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (doc_id) DO UPDATE SET up_to_seq = excluded.up_to_seq, changes = excluded.changes, \
         bytes = excluded.bytes, created_at = excluded.created_at",
    )
    .bind(doc)
    .bind(up_to)
    .bind(count)
    .bind(snapshot)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(true)
}

/// Run compaction every `every`, compacting documents with at least `min_new_changes` new changes.
pub fn spawn(db: Db, clock: crate::clock::Clock, every: Duration, min_new_changes: i64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let work = run_once(&db, min_new_changes, clock.now());
            let (job, slot) = (crate::jobs::Job::Compaction, crate::jobs::slot(clock.now(), every));
            let summarize = |n: &u64| serde_json::json!({ "compacted": n });
            match crate::jobs::scheduled(&db, &clock, job, slot, work, summarize).await {
                None | Some(Ok(0)) => {}
                Some(Ok(count)) => tracing::info!(documents = count, "compacted document histories"),
                Some(Err(error)) => tracing::warn!(error = %error, "compaction failed; will retry"),
            }
        }
    });
}
