//! Short-lived in-memory copies of what every request reads — a session's account, its access
//! epoch, the latest change sequence and document removal — so that a "nothing new" sync poll
//! needs no database round trip.
//!
//! It also keeps the content documents indexed for media lately, each with the sequence number
//! of the last change it holds: the next index reads only the changes stored after that (from
//! any replica), never a stale copy.
//!
//! Correctness does not rest on them: anything this process changes (sign-out, password or
//! role change, enrolment, a stored change) clears the affected copy at once; a change made by
//! another server replica is seen here within [`SESSION_TTL`] / [`SEQ_TTL`]. A stale sequence
//! only delays news by one poll; a stale epoch is re-read before it could cause a resync.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use automerge::Automerge;
use tallschool_shared::{DocId, SessionId};

use crate::auth::AuthUser;

/// How long another replica's revocation may take to reach this one.
pub const SESSION_TTL: Duration = Duration::from_secs(5);
pub const SEQ_TTL: Duration = Duration::from_secs(1);
const MAX_SESSIONS: usize = 200_000;
/// Seconds between the writes of an idle device's "last synced" time.
pub const SYNC_MARK_EVERY: i64 = 300;
/// Content documents kept for media indexing (the least recently used goes first).
const MAX_DOCUMENTS: usize = 64;

#[derive(Clone, Debug)]
pub struct CachedSession {
    pub user: AuthUser,
    pub expires_at: i64,
    pub epoch: u64,
}

/// A number read from the database, trusted for [`SEQ_TTL`].
#[derive(Default)]
pub struct Recent(Mutex<Option<(Instant, u64)>>);

impl Recent {
    pub fn get(&self) -> Option<u64> {
        let latest = self.0.lock().ok()?;
        latest.filter(|(at, _)| at.elapsed() < SEQ_TTL).map(|(_, value)| value)
    }

    pub fn remember(&self, value: u64) {
        if let Ok(mut latest) = self.0.lock() {
            *latest = Some((Instant::now(), value));
        }
    }

    pub fn forget(&self) {
        if let Ok(mut latest) = self.0.lock() {
            *latest = None;
        }
    }
}

#[derive(Default)]
pub struct HotCache {
    sessions: RwLock<HashMap<SessionId, (Instant, CachedSession)>>,
    /// The latest change sequence number (forgotten after storing changes).
    pub latest_seq: Recent,
    /// The latest document removal (forgotten after an erasure removed documents).
    pub latest_removal: Recent,
    documents: Mutex<HashMap<DocId, (Instant, Automerge, i64)>>,
    /// Per session: when its last sync was written down, and how many changes it said it
    /// still held (so an idle device polling every few seconds writes at most now and then).
    sync_marks: Mutex<HashMap<SessionId, (i64, u64)>>,
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

    /// Whether a sync round of `session` at `now`, with `waiting` changes left on the device,
    /// should be written down: its first, one whose count changed, or the first for
    /// [`SYNC_MARK_EVERY`] seconds. Remembers it when so.
    pub fn sync_mark_due(&self, session: SessionId, now: i64, waiting: u64) -> bool {
        let Ok(mut marks) = self.sync_marks.lock() else { return true };
        let due = marks.get(&session).is_none_or(|(at, was)| *was != waiting || now - at >= SYNC_MARK_EVERY);
        if due {
            if marks.len() >= MAX_SESSIONS {
                marks.clear();
            }
            marks.insert(session, (now, waiting));
        }
        due
    }

    /// The copy of a document kept for media indexing, and the sequence number of the last
    /// change it holds (taken out: whoever brings it up to date puts it back).
    pub fn take_document(&self, id: DocId) -> Option<(Automerge, i64)> {
        let mut documents = self.documents.lock().ok()?;
        documents.remove(&id).map(|(_, document, up_to)| (document, up_to))
    }

    pub fn keep_document(&self, id: DocId, document: Automerge, up_to: i64) {
        let Ok(mut documents) = self.documents.lock() else { return };
        if documents.len() >= MAX_DOCUMENTS
            && let Some(oldest) = documents.iter().min_by_key(|(_, (used, _, _))| *used).map(|(id, _)| *id)
        {
            documents.remove(&oldest);
        }
        documents.insert(id, (Instant::now(), document, up_to));
    }
}
