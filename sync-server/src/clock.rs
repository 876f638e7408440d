//! Wall-clock time in one place, as Unix seconds. Handlers and jobs read the clock held in the
//! server's state, so that tests can stop and move time (session lifetimes, token expiry)
//! instead of waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The system clock, or (in tests) a clock that stands still until moved.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `start` until it is moved with [`Clock::advance`] or [`Clock::set`].
    pub fn manual(start: i64) -> Clock {
        Clock { manual: Some(Arc::new(AtomicI64::new(start))) }
    }

    pub fn now(&self) -> i64 {
        match &self.manual {
            Some(at) => at.load(Ordering::SeqCst),
            None => system_now(),
        }
    }

    /// Move a manual clock forward (the system clock cannot be moved: nothing happens).
    pub fn advance(&self, secs: i64) {
        if let Some(at) = &self.manual {
            at.fetch_add(secs, Ordering::SeqCst);
        }
    }

    /// Set a manual clock (the system clock cannot be set: nothing happens).
    pub fn set(&self, unix_secs: i64) {
        if let Some(at) = &self.manual {
            at.store(unix_secs, Ordering::SeqCst);
        }
    }
}

/// The operating system's time.
pub fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = Clock::manual(1_000);
        let copy = clock.clone();
        assert_eq!(clock.now(), 1_000);
        copy.advance(60);
        assert_eq!(clock.now(), 1_060);
        clock.set(5);
        assert_eq!(copy.now(), 5);
        let system = Clock::system();
        system.advance(1_000_000);
        assert!((system.now() - system_now()).abs() <= 1);
    }
}
