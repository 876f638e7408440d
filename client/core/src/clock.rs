//! The one clock the engine reads "now" from (Unix seconds): the system's, or one a test sets
//! and moves by hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock standing at `at` until moved with [`Clock::set`] or [`Clock::advance`].
    pub fn manual(at: i64) -> Clock {
        Clock { manual: Some(Arc::new(AtomicI64::new(at))) }
    }

    pub fn now(&self) -> i64 {
        match &self.manual {
            Some(at) => at.load(Ordering::SeqCst),
            None => crate::platform::unix_now(),
        }
    }

    /// Move a manual clock to `at` (a system clock ignores it).
    pub fn set(&self, at: i64) {
        if let Some(manual) = &self.manual {
            manual.store(at, Ordering::SeqCst);
        }
    }

    /// Move a manual clock on by `secs`.
    pub fn advance(&self, secs: i64) {
        if let Some(manual) = &self.manual {
            manual.fetch_add(secs, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_copies_share_it() {
        let clock = Clock::manual(1_000);
        let copy = clock.clone();
        assert_eq!(copy.now(), 1_000);
        clock.advance(60);
        assert_eq!(copy.now(), 1_060);
        copy.set(5);
        assert_eq!(clock.now(), 5);
        assert!(Clock::system().now() > 1_700_000_000);
    }
}
