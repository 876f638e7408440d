//! The collector of orphaned media: objects no document references any more, older than the
//! grace period (so a fresh upload survives until the document using it is synced). Every
//! content document is re-indexed first, so a referenced object is never taken for an orphan.
//! Abandoned resumable uploads are cleared too.

use std::time::Duration;

use super::registry;
use super::store::ObjectStore;
use crate::app::AppState;
use crate::db::col;
use crate::error::ApiError;

pub async fn run_once(state: &AppState, now: i64) -> Result<u64, ApiError> {
    let grace = i64::try_from(state.settings.media.gc_grace_secs).unwrap_or(i64::MAX);
    let documents: Vec<String> =
        sqlx::query_scalar("SELECT id FROM documents WHERE kind <> 'progress'").fetch_all(&state.db.pool).await?;
    for doc in documents {
        let Ok(doc) = doc.parse() else { continue };
        let mut tx = state.db.begin().await?;
        registry::index_document(&mut tx, doc).await?;
        tx.commit().await?;
    }
    let orphans: Vec<String> = sqlx::query_scalar(
        "SELECT m.hash FROM media m WHERE m.created_at <= $1 \
         AND NOT EXISTS (SELECT 1 FROM media_refs r WHERE r.hash = m.hash)",
    )
    .bind(now.saturating_sub(grace))
    .fetch_all(&state.db.pool)
    .await?;
    let mut deleted = 0;
    for hash in orphans {
        let mut tx = state.db.begin().await?;
        // Checked again inside the transaction that deletes the row.
        let referenced: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM media_refs WHERE hash = $1").bind(&hash).fetch_optional(&mut *tx).await?;
        if referenced.is_some() {
            continue;
        }
        sqlx::query("DELETE FROM media_uploaders WHERE hash = $1").bind(&hash).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM media WHERE hash = $1").bind(&hash).execute(&mut *tx).await?;
        tx.commit().await?;
        // After the row is gone: at worst a failed delete leaves bytes nobody can reach.
        state.media.delete(&hash).await?;
        deleted += 1;
    }
    let stale = sqlx::query("SELECT id FROM uploads WHERE created_at <= $1")
        .bind(now.saturating_sub(grace))
        .fetch_all(&state.db.pool)
        .await?;
    for row in stale {
        let id: String = col(&row, "id")?;
        if let Ok(path) = super::ingest::upload_path(state, &id).await {
            let _ = tokio::fs::remove_file(path).await;
        }
        let mut conn = state.db.pool.acquire().await?;
        registry::delete_upload(&mut conn, &id).await?;
    }
    Ok(deleted)
}

pub fn spawn(state: AppState, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let work = run_once(&state, state.clock.now());
            let (job, slot) = (crate::jobs::Job::MediaGc, crate::jobs::slot(state.clock.now(), every));
            let summarize = |n: &u64| serde_json::json!({ "deleted": n });
            match crate::jobs::scheduled(&state.db, &state.clock, job, slot, work, summarize).await {
                None | Some(Ok(0)) => {}
                Some(Ok(count)) => tracing::info!(objects = count, "orphaned media collected"),
                Some(Err(error)) => tracing::warn!(error = %error, "media collection failed; will retry"),
            }
        }
    });
}
