//! Syncing without anyone pressing a button: soon after local work, often while the server is
//! out of reach (so offline work goes out as soon as it is back), and now and then otherwise
//! (to receive what teachers and other devices changed). The desktop shell runs it on its
//! runtime, the web app's worker on the browser's; waiting goes through [`platform::sleep`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tallschool_contract::Event;
use tokio::sync::Notify;

use crate::Core;
use crate::platform;

/// How the last attempt went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nobody signed in (or a password must change first): nothing to sync.
    Idle,
    Synced,
    Offline,
    Failed,
}

/// How long to wait before the next sync, unless local work wakes it earlier.
pub fn wait_after(outcome: Outcome) -> Duration {
    match outcome {
        Outcome::Idle | Outcome::Synced => Duration::from_secs(30),
        Outcome::Offline => Duration::from_secs(5),
        Outcome::Failed => Duration::from_secs(60),
    }
}

/// After a local change, wait this long for more before syncing (a study session answers
/// every few seconds: one sync carries several answers).
const SETTLE: Duration = Duration::from_secs(2);

/// What wakes the loop before its time.
#[derive(Default)]
pub struct Wake {
    notify: Notify,
    /// Someone just signed in: their classes and work are wanted now, not in two seconds.
    now: AtomicBool,
}

impl Wake {
    /// Sync now (the window came back online, the person asked).
    pub fn now(&self) {
        self.now.store(true, Ordering::Relaxed);
        self.notify.notify_one();
    }
}

/// Wakes the loop when documents change on this device, and at once when someone signs in.
pub fn waker(core: &Core) -> Arc<Wake> {
    let wake = Arc::new(Wake::default());
    let waker = wake.clone();
    core.subscribe(move |event| match event {
        Event::SessionChanged => waker.now(),
        Event::DocumentsChanged { .. } => waker.notify.notify_one(),
        _ => {}
    });
    wake
}

/// Sync, then wait (see [`wait_after`]), for as long as the app runs.
pub async fn sync_forever(core: Core, wake: Arc<Wake>) {
    // Media is looked at on the first good sync (files damaged or missing since the last run)
    // and after syncs that brought changes.
    let mut media_checked = false;
    loop {
        let outcome = if core.signed_in().is_some() && !core.password_change_required() {
            match core.sync().run().await {
                Ok(report) if report.offline => Outcome::Offline,
                Ok(report) => {
                    if !media_checked || report.received_changes > 0 {
                        match core.media().sync().await {
                            Ok(_) => media_checked = true,
                            Err(error) => tracing::info!(%error, "media not synced"),
                        }
                    }
                    Outcome::Synced
                }
                Err(error) => {
                    tracing::info!(%error, "background sync failed");
                    Outcome::Failed
                }
            }
        } else {
            Outcome::Idle
        };
        tokio::select! {
            () = platform::sleep(wait_after(outcome)) => {}
            () = wake.notify.notified() => {
                if !wake.now.swap(false, Ordering::Relaxed) {
                    platform::sleep(SETTLE).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_work_goes_out_soon_after_the_server_returns() {
        assert!(wait_after(Outcome::Offline) <= Duration::from_secs(5));
        assert!(wait_after(Outcome::Offline) < wait_after(Outcome::Synced));
        assert!(wait_after(Outcome::Failed) >= wait_after(Outcome::Synced), "a refusing server is not hammered");
    }
}
