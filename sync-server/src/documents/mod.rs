//! Synced documents: the registry, the append-only change store, the one-request sync round
//! (`POST /api/v1/sync`) and snapshot compaction.

pub mod compaction;
pub mod routes;
pub mod store;

pub const SYNC_PATH: &str = "/api/v1/sync";
