//! The media cache: everything the user's documents show (images, audio, video), downloaded
//! after sync so it is there offline. Downloads resume where they stopped (HTTP `Range` on a
//! partial file), end with a SHA-256 check, run several at a time, stay within a storage
//! budget (with a clear message when it is full), and what no document references any more is
//! evicted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use rusqlite::{OptionalExtension, params};
#[cfg(not(target_arch = "wasm32"))]
use sha2::{Digest, Sha256};
use tallschool_shared::api::MediaView;
use tallschool_shared::cards::is_sha256;

use crate::error::Result;
use crate::feature::{Feature, Migration};
use crate::platform::media_files;
use crate::store::Store;
pub use tallschool_contract::media::{MediaProgress, MediaStatus};

/// The device's media cache (the files go with the store's folder on sign-out).
pub const FEATURE: Feature = Feature {
    name: "media",
    migrations: &[Migration { sql: SCHEMA, rebuild: false }],
    materialize: None,
    forget: "DELETE FROM media_cache;",
    forget_document: &[],
};

const SCHEMA: &str = "
-- What this device should hold (the server's list of media the user may fetch) and what it has.
CREATE TABLE IF NOT EXISTS media_cache (
    hash        TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    mime        TEXT NOT NULL,
    wanted      INTEGER NOT NULL DEFAULT 1,
    complete    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    updated_at  INTEGER NOT NULL
);
";

/// Default storage budget for media on a device.
pub const DEFAULT_BUDGET_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Downloads at a time.
pub const PARALLEL: usize = 8;

/// The cache's folder (files named by their hash).
pub fn media_dir(store: &Store) -> PathBuf {
    store.dir().join("media")
}

/// Where a complete object is kept.
pub fn path_of(store: &Store, hash: &str) -> Option<PathBuf> {
    is_sha256(hash).then(|| media_dir(store).join(hash))
}

pub fn budget(store: &Store) -> Result<u64> {
    Ok(store.get("media_budget_bytes")?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_BUDGET_BYTES))
}

pub fn set_budget(store: &Store, bytes: u64) -> Result<()> {
    store.set("media_budget_bytes", &bytes.to_string())
}

/// Record what the server says this user may hold; everything else is no longer wanted.
pub fn set_wanted(store: &mut Store, media: &[MediaView]) -> Result<()> {
    let at = store.now();
    let tx = store.conn_mut().transaction()?;
    tx.execute("UPDATE media_cache SET wanted = 0", [])?;
    for m in media.iter().filter(|m| is_sha256(&m.hash)) {
        tx.execute(
            "INSERT INTO media_cache (hash, size, mime, wanted, updated_at) VALUES (?1, ?2, ?3, 1, ?4) \
             ON CONFLICT (hash) DO UPDATE SET wanted = 1, size = excluded.size, mime = excluded.mime",
            params![m.hash, i64::try_from(m.size).unwrap_or(i64::MAX), m.mime, at],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub fn status(store: &Store) -> Result<MediaStatus> {
    let conn = store.conn();
    let sum = |sql: &str| -> Result<(u64, u64)> {
        let (n, bytes): (i64, i64) = conn.query_row(sql, [], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok((u64::try_from(n).unwrap_or(0), u64::try_from(bytes).unwrap_or(0)))
    };
    let (files_wanted, bytes_wanted) =
        sum("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM media_cache WHERE wanted = 1")?;
    let (files_cached, bytes_cached) =
        sum("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM media_cache WHERE wanted = 1 AND complete = 1")?;
    let budget = budget(store)?;
    let mut statement = conn.prepare(
        "SELECT hash, last_error FROM media_cache WHERE wanted = 1 AND last_error IS NOT NULL ORDER BY hash",
    )?;
    let failed = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let (_, over_budget) = plan(store, budget)?;
    Ok(MediaStatus {
        files_wanted,
        files_cached,
        bytes_wanted,
        bytes_cached,
        budget_bytes: budget,
        over_budget: over_budget.len() as u64,
        failed,
    })
}

/// Wanted objects not yet complete that fit in the budget (smallest first, so that most
/// cards and pages work), and those that do not fit.
fn plan(store: &Store, budget: u64) -> Result<(Vec<MediaView>, Vec<MediaView>)> {
    let conn = store.conn();
    let cached: i64 = conn.query_row(
        "SELECT COALESCE(SUM(size), 0) FROM media_cache WHERE wanted = 1 AND complete = 1",
        [],
        |row| row.get(0),
    )?;
    let mut used = u64::try_from(cached).unwrap_or(0);
    let mut statement =
        conn.prepare("SELECT hash, size, mime FROM media_cache WHERE wanted = 1 AND complete = 0 ORDER BY size, hash")?;
    let rows = statement.query_map([], |row| {
        Ok(MediaView { hash: row.get(0)?, size: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0), mime: row.get(2)? })
    })?;
    let (mut fits, mut over) = (Vec::new(), Vec::new());
    for row in rows {
        let media = row?;
        if used + media.size <= budget {
            used += media.size;
            fits.push(media);
        } else {
            over.push(media);
        }
    }
    Ok((fits, over))
}

/// Forget the objects no document references any more: their rows go, and the caller removes
/// their files ([`crate::platform::media_files::remove`]) once the store is free.
pub fn drop_unwanted(store: &mut Store) -> Result<Vec<String>> {
    let tx = store.conn_mut().transaction()?;
    let unwanted: Vec<String> = {
        let mut statement = tx.prepare("SELECT hash FROM media_cache WHERE wanted = 0")?;
        statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    tx.execute("DELETE FROM media_cache WHERE wanted = 0", [])?;
    tx.commit()?;
    Ok(unwanted.into_iter().filter(|hash| is_sha256(hash)).collect())
}

/// Objects recorded as complete whose file is missing or has the wrong size (a crash, or a
/// person deleting files) are fetched again. `on_disk`: the complete files and their sizes
/// ([`crate::platform::media_files::complete_sizes`]).
pub fn repair(store: &mut Store, on_disk: &HashMap<String, u64>) -> Result<u64> {
    let complete: Vec<(String, i64)> = {
        let mut statement = store.conn().prepare("SELECT hash, size FROM media_cache WHERE complete = 1")?;
        statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?
    };
    let mut repaired = 0;
    for (hash, size) in complete {
        if on_disk.get(&hash).copied() != u64::try_from(size).ok() {
            store.conn().execute("UPDATE media_cache SET complete = 0 WHERE hash = ?1", [&hash])?;
            repaired += 1;
        }
    }
    Ok(repaired)
}

/// Fetch an object again at the next media sync (a damaged file); it stays wanted. The new
/// download replaces the file.
pub fn forget(store: &mut Store, hash: &str) -> Result<()> {
    store.conn().execute("UPDATE media_cache SET complete = 0 WHERE hash = ?1", [hash])?;
    Ok(())
}

/// Keep a file this device just uploaded as a complete cached object — when the server stored
/// the very bytes (it strips metadata from photos, which gives another hash; that one is
/// downloaded as any other).
pub async fn keep_uploaded(dir: &Path, media: &MediaView, bytes: &[u8]) -> std::io::Result<bool> {
    if !is_sha256(&media.hash) || hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes)) != media.hash {
        return Ok(false);
    }
    media_files::write(dir, &media.hash, bytes).await?;
    Ok(true)
}

/// Record an object [`keep_uploaded`] kept.
pub fn record_uploaded(store: &Store, media: &MediaView) -> Result<()> {
    store.conn().execute(
        "INSERT INTO media_cache (hash, size, mime, wanted, complete, updated_at) VALUES (?1, ?2, ?3, 1, 1, ?4) \
         ON CONFLICT (hash) DO UPDATE SET complete = 1, last_error = NULL, updated_at = excluded.updated_at",
        params![media.hash, i64::try_from(media.size).unwrap_or(i64::MAX), media.mime, store.now()],
    )?;
    Ok(())
}

pub fn is_cached(store: &Store, hash: &str) -> Result<bool> {
    Ok(cached_mime(store, hash)?.is_some())
}

/// The type of a cached object, if it is complete on this device.
pub fn cached_mime(store: &Store, hash: &str) -> Result<Option<String>> {
    let row: Option<(bool, String)> = store
        .conn()
        .query_row("SELECT complete, mime FROM media_cache WHERE hash = ?1", [hash], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    Ok(row
        .filter(|(complete, _)| *complete && path_of(store, hash).is_some_and(|p| media_files::present(&p)))
        .map(|(_, mime)| mime))
}

/// Objects up to this size are fetched in one piece and written in one step: a card's picture
/// is not worth resuming, and a thousand of them should not cost a thousand round trips to
/// the disk each.
#[cfg(not(target_arch = "wasm32"))]
const WHOLE_IN_MEMORY: u64 = 1024 * 1024;

#[cfg(not(target_arch = "wasm32"))]
async fn fetch_small(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    partial: &Path,
    done: &Path,
    media: &MediaView,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> std::result::Result<(), String> {
    let response = http.get(url).bearer_auth(token).send().await.map_err(|e| format!("offline: {e}"))?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(format!("the server answered {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|e| format!("interrupted: {e}"))?;
    on_bytes(bytes.len() as u64);
    let hash = hex::encode(Sha256::digest(&bytes));
    if hash != media.hash {
        return Err(format!("the download's SHA-256 is {hash}; discarded, fetched again next time"));
    }
    let (partial, done) = (partial.to_owned(), done.to_owned());
    tokio::task::spawn_blocking(move || {
        std::fs::write(&partial, &bytes)?;
        std::fs::rename(&partial, &done)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())
}

/// How one object ended.
enum Fetched {
    Done,
    Failed(String),
}

/// Download one object into the Origin Private File System (a browser worker): streamed into
/// its file and hashed as it arrives. The table marks it complete only after the hash matched,
/// so a download cut short is simply fetched again (from its start: a browser's `fetch`
/// cannot be resumed into the same file cheaply enough to be worth it for cards' pictures).
#[cfg(target_arch = "wasm32")]
async fn fetch_one(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    dir: &Path,
    media: &MediaView,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Fetched {
    use sha2::{Digest, Sha256};
    let result: std::result::Result<(), String> = async {
        let response = http.get(url).bearer_auth(token).send().await.map_err(|e| format!("offline: {e}"))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("the server answered {}", response.status()));
        }
        let mut file =
            media_files::opfs::Writer::create(dir, &media.hash).await.map_err(|e| format!("storage: {e}"))?;
        let mut hasher = Sha256::new();
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| format!("interrupted: {e}"))?;
            hasher.update(&chunk);
            file.write(&chunk).map_err(|e| format!("storage: {e}"))?;
            on_bytes(chunk.len() as u64);
        }
        file.finish().map_err(|e| format!("storage: {e}"))?;
        let hash = hex::encode(hasher.finalize());
        if hash != media.hash {
            media_files::remove(dir, std::slice::from_ref(&media.hash)).await;
            return Err(format!("the download's SHA-256 is {hash}; discarded, fetched again next time"));
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Fetched::Done,
        Err(error) => Fetched::Failed(error),
    }
}

/// Download one object into `dir`, resuming a partial file; verified before it is kept.
#[cfg(not(target_arch = "wasm32"))]
async fn fetch_one(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    dir: &Path,
    media: &MediaView,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Fetched {
    let partial = dir.join("partial").join(&media.hash);
    let done = dir.join(&media.hash);
    if media.size <= WHOLE_IN_MEMORY {
        return match fetch_small(http, url, token, &partial, &done, media, on_bytes).await {
            Ok(()) => Fetched::Done,
            Err(error) => Fetched::Failed(error),
        };
    }
    let result: std::result::Result<u64, String> = async {
        let mut have = tokio::fs::metadata(&partial).await.map(|m| m.len()).unwrap_or(0);
        if have > media.size {
            have = 0;
            let _ = tokio::fs::remove_file(&partial).await;
        }
        // The hash runs over what is on disk already, then over each chunk as it arrives:
        // one pass over the bytes, no re-reading at the end.
        let mut hasher = Sha256::new();
        if have > 0 {
            let existing = partial.clone();
            hasher = tokio::task::spawn_blocking(move || -> std::result::Result<Sha256, String> {
                let mut hasher = Sha256::new();
                let mut file = std::fs::File::open(&existing).map_err(|e| e.to_string())?;
                std::io::copy(&mut file, &mut hasher).map_err(|e| e.to_string())?;
                Ok(hasher)
            })
            .await
            .map_err(|e| e.to_string())??;
        }
        if have < media.size {
            let mut request = http.get(url).bearer_auth(token);
            if have > 0 {
                request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
            }
            let response = request.send().await.map_err(|e| format!("offline: {e}"))?;
            let append = match response.status() {
                reqwest::StatusCode::PARTIAL_CONTENT => true,
                reqwest::StatusCode::OK => false,
                status => return Err(format!("the server answered {status}")),
            };
            if !append {
                // The server sent the whole object: start over.
                have = 0;
                hasher = Sha256::new();
            }
            // Receiving runs here; hashing and writing run on a blocking thread, fed chunk by
            // chunk, so the network and the disk work at the same time.
            let (sender, mut receiver) = tokio::sync::mpsc::channel(64);
            let target = partial.clone();
            let writer = tokio::task::spawn_blocking(move || -> std::result::Result<Sha256, String> {
                use std::io::Write as _;
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(append)
                    .truncate(!append)
                    .open(&target)
                    .map_err(|e| e.to_string())?;
                let mut file = std::io::BufWriter::with_capacity(1 << 20, file);
                while let Some(chunk) = receiver.blocking_recv() {
                    let chunk: bytes::Bytes = chunk;
                    hasher.update(&chunk);
                    file.write_all(&chunk).map_err(|e| e.to_string())?;
                }
                // Flushed to disk once for the whole batch (see `download`), not file by file.
                file.flush().map_err(|e| e.to_string())?;
                Ok(hasher)
            });
            on_bytes(have);
            let mut body = response.bytes_stream();
            let mut received = Ok(());
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(chunk) => {
                        on_bytes(chunk.len() as u64);
                        if sender.send(chunk).await.is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        received = Err(format!("interrupted: {e}"));
                        break;
                    }
                }
            }
            drop(sender);
            hasher = writer.await.map_err(|e| e.to_string())??;
            received?;
        }
        let hash = hex::encode(hasher.finalize());
        if hash != media.hash {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(format!("the download's SHA-256 is {hash}; discarded, fetched again next time"));
        }
        tokio::fs::rename(&partial, &done).await.map_err(|e| e.to_string())?;
        Ok(media.size)
    }
    .await;
    match result {
        Ok(_) => Fetched::Done,
        Err(error) => Fetched::Failed(error),
    }
}

/// A download about to run: what to fetch, into where, and the totals so far.
pub struct DownloadPlan {
    fits: Vec<MediaView>,
    /// Objects no longer shown, whose files go.
    unwanted: Vec<String>,
    dir: PathBuf,
    totals: MediaProgress,
}

/// Forget what is no longer wanted, notice damaged files (`on_disk`: the complete files and
/// their sizes, [`media_files::complete_sizes`]), and choose what to fetch (within the
/// budget). Needs the store only for this step; [`fetch_all`] removes the unwanted files.
pub fn plan_download(store: &mut Store, on_disk: &HashMap<String, u64>) -> Result<DownloadPlan> {
    let unwanted = drop_unwanted(store)?;
    repair(store, on_disk)?;
    let budget = budget(store)?;
    let (fits, over) = plan(store, budget)?;
    let mut totals = MediaProgress {
        files_total: fits.len() as u64,
        bytes_total: fits.iter().map(|m| m.size).sum(),
        evicted: unwanted.iter().filter(|hash| on_disk.contains_key(*hash)).count() as u64,
        ..MediaProgress::default()
    };
    if !over.is_empty() {
        let need: u64 = over.iter().map(|m| m.size).sum();
        totals.budget_message = Some(format!(
            "storage budget full: {} files ({} MB) do not fit in {} MB; raise the media budget to keep them",
            over.len(),
            need.div_ceil(1024 * 1024),
            budget / (1024 * 1024)
        ));
    }
    Ok(DownloadPlan { fits, unwanted, dir: media_dir(store), totals })
}

/// How the downloads of a plan ended.
pub struct Downloaded {
    results: Vec<(String, Fetched)>,
    totals: MediaProgress,
}

/// Fetch every object of the plan, `PARALLEL` at a time, without the store; `progress` sees
/// the running totals.
pub async fn fetch_all(
    plan: DownloadPlan,
    http: &reqwest::Client,
    server: &str,
    token: &str,
    progress: &(dyn Fn(&MediaProgress) + Sync),
) -> Downloaded {
    let DownloadPlan { fits, unwanted, dir, totals } = plan;
    media_files::remove(&dir, &unwanted).await;
    if let Err(error) = media_files::prepare(&dir).await {
        let error = format!("the media folder cannot be made: {error}");
        let results = fits.iter().map(|m| (m.hash.clone(), Fetched::Failed(error.clone()))).collect();
        return Downloaded { results, totals };
    }
    let bytes_done = std::sync::atomic::AtomicU64::new(0);
    let files_done = std::sync::atomic::AtomicU64::new(0);
    let report = |extra_file: bool| {
        if extra_file {
            files_done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let mut snapshot = totals.clone();
        snapshot.bytes_done = bytes_done.load(std::sync::atomic::Ordering::Relaxed);
        snapshot.files_done = files_done.load(std::sync::atomic::Ordering::Relaxed);
        progress(&snapshot);
    };
    // Progress is told when a file completes and at each MiB received, so a large video shows
    // it moving without an event per network chunk.
    let on_bytes = |n: u64| {
        let before = bytes_done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        if before >> 20 != (before + n) >> 20 {
            report(false);
        }
    };
    // The downloads as a list first, then run `PARALLEL` at a time: a stream mapping over the
    // plan with a closure would make this future impossible to prove `Send` (a front end
    // spawns it on a thread pool).
    let (dir, on_bytes, report) = (&dir, &on_bytes, &report);
    let downloads: Vec<_> = fits
        .iter()
        .map(|media| {
            let url = format!("{}/api/v1/media/{}", server.trim_end_matches('/'), media.hash);
            async move {
                let outcome = fetch_one(http, &url, token, dir, media, on_bytes).await;
                report(matches!(outcome, Fetched::Done));
                (media.hash.clone(), outcome)
            }
        })
        .collect();
    let results: Vec<(String, Fetched)> =
        futures_util::stream::iter(downloads).buffer_unordered(PARALLEL).collect().await;
    let mut totals = totals;
    totals.bytes_done = bytes_done.into_inner();
    totals.files_done = files_done.into_inner();
    Downloaded { results, totals }
}

/// Record what arrived (one transaction) and return the final totals.
///
/// No fsync per file: media is a cache of what the server holds. A file a crash cut short is
/// found by `repair` at the next sync (its size is wrong or it is missing) and fetched again;
/// a wrong byte would fail the hash check of that download.
pub fn record_download(store: &mut Store, downloaded: Downloaded) -> Result<MediaProgress> {
    let Downloaded { results, mut totals } = downloaded;
    let at = store.now();
    let tx = store.conn_mut().transaction()?;
    for (hash, outcome) in results {
        let error = match &outcome {
            Fetched::Done => None,
            Fetched::Failed(error) => Some(error.clone()),
        };
        tx.execute(
            "UPDATE media_cache SET complete = ?2, last_error = ?3, updated_at = ?4 WHERE hash = ?1",
            params![hash, error.is_none(), error, at],
        )?;
        if let Some(error) = error {
            totals.failed.push((hash, error));
        }
    }
    tx.commit()?;
    Ok(totals)
}
