//! What differs between a desktop/CLI process and a browser worker: the wall clock, waiting,
//! and where files live. Everything else in the engine is the same code on both.

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Wait before trying the server again.
pub async fn sleep(duration: std::time::Duration) {
    tokio::time::sleep(duration).await;
}
