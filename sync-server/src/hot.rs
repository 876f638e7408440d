//! Short-lived in-memory copies of what every request reads — a session's account, its access
//! epoch, the latest change sequence — so that a "nothing new" sync poll needs no database
//! round trip.
//!
//! Correctness does not rest on them: anything this process changes (sign-out, password or
//! role change, enrolment, a stored change) clears the affected copy at once; a change made by
//! another server replica is seen here within [`SESSION_TTL`] / [`SEQ_TTL`]. A stale sequence
//! only delays news by one poll; a stale epoch is re-read before it could cause a resync.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use tallschool_shared::SessionId;

use crate::auth::AuthUser;

/// How long another replica's revocation may take to reach this one.
pub const SESSION_TTL: Duration = Duration::from_secs(5);
pub const SEQ_TTL: Duration = Duration::from_secs(1);
const MAX_SESSIONS: usize = 200_000;

#[derive(Clone, Debug)]
pub struct CachedSession {
    pub user: AuthUser,
    pub expires_at: i64,
    pub epoch: u64,
}

#[derive(Default)]
pub struct HotCache {
    sessions: RwLock<HashMap<SessionId, (Instant, CachedSession)>>,
    latest_seq: Mutex<Option<(Instant, u64)>>,
}

impl HotCache {
    pub fn session(&self, id: SessionId) -> Option<CachedSession> {
        let sessions = self.sessions.read().ok()?;
        let (at, cached) = sessions.get(&id)?;
        (at.elapsed() < SESSION_TTL).then(|| cached.clone())
    }

    pub fn remember_session(&self, id: SessionId, session: CachedSession) {
        if let Ok(mut sessions) = self.sessions.write() {
            if sessions.len() >= MAX_SESSIONS {
                sessions.clear();
            }
            sessions.insert(id, (Instant::now(), session));
        }
    }

    /// After any sign-out, account change or enrolment change.
    pub fn forget_sessions(&self) {
        if let Ok(mut sessions) = self.sessions.write() {
            sessions.clear();
        }
    }

    pub fn latest_seq(&self) -> Option<u64> {
        let latest = self.latest_seq.lock().ok()?;
        latest.filter(|(at, _)| at.elapsed() < SEQ_TTL).map(|(_, seq)| seq)
    }

    pub fn remember_latest_seq(&self, seq: u64) {
        if let Ok(mut latest) = self.latest_seq.lock() {
            *latest = Some((Instant::now(), seq));
        }
    }

    /// After storing changes.
    pub fn forget_latest_seq(&self) {
        if let Ok(mut latest) = self.latest_seq.lock() {
            *latest = None;
        }
    }
}
