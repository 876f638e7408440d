//! Taking an upload in: streamed to a staging file under `DATA_DIR/uploads` with a running
//! SHA-256 and a size cap, then checked (not empty, hash as declared, type by content),
//! images stripped of metadata, stored under the hash of what is kept, and registered.
//! Nothing reaches the store or the registry unless every check passed.

use std::path::{Path, PathBuf};

use axum::body::Body;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tallschool_shared::api::MediaView;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::content::{self, MediaKind, SNIFF_BYTES};
use super::registry;
use super::store::ObjectStore;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;

fn io_error(what: &'static str) -> impl Fn(std::io::Error) -> ApiError {
    move |e| ApiError::Internal(format!("media staging, {what}: {e}"))
}

/// Deletes the staging file unless it was handed on.
pub struct StagingFile {
    pub path: PathBuf,
}

impl Drop for StagingFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

pub async fn staging_dir(state: &AppState) -> Result<PathBuf, ApiError> {
    let dir = state.settings.media.uploads_dir.clone();
    tokio::fs::create_dir_all(&dir).await.map_err(io_error("create folder"))?;
    Ok(dir)
}

/// Append a request body to `path` (created if missing), refusing bytes beyond `limit` in
/// total. Returns the file's new length.
pub async fn append_body(path: &Path, body: Body, already: u64, limit: u64) -> Result<u64, ApiError> {
    let mut file =
        tokio::fs::OpenOptions::new().create(true).append(true).open(path).await.map_err(io_error("open"))?;
    let mut length = already;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::InvalidBody("the upload was interrupted".to_owned()))?;
        length += chunk.len() as u64;
        if length > limit {
            return Err(ApiError::TooLarge(format!(
                "larger than the {} MB this kind of file may be",
                limit / (1024 * 1024)
            )));
        }
        file.write_all(&chunk).await.map_err(io_error("write"))?;
    }
    file.flush().await.map_err(io_error("flush"))?;
    file.sync_all().await.map_err(io_error("sync"))?;
    Ok(length)
}

async fn sha256_of(path: &Path) -> Result<String, ApiError> {
    let mut file = tokio::fs::File::open(path).await.map_err(io_error("open"))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer).await.map_err(io_error("read"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Check a complete staged file and store it. `expected`: the SHA-256 the client declared.
pub async fn finish(
    state: &AppState,
    actor: &AuthUser,
    staged: StagingFile,
    declared: MediaKind,
    expected: Option<&str>,
) -> Result<MediaView, ApiError> {
    let size = tokio::fs::metadata(&staged.path).await.map_err(io_error("stat"))?.len();
    if size == 0 {
        return Err(ApiError::Validation("the file is empty".to_owned()));
    }
    let received_hash = sha256_of(&staged.path).await?;
    if let Some(expected) = expected
        && !expected.eq_ignore_ascii_case(&received_hash)
    {
        return Err(ApiError::Validation(format!(
            "the file's SHA-256 is {received_hash}, not the {expected} declared: it changed on the way; send it again"
        )));
    }
    let mut head = vec![0_u8; SNIFF_BYTES];
    let mut file = tokio::fs::File::open(&staged.path).await.map_err(io_error("open"))?;
    let n = file.read(&mut head).await.map_err(io_error("read"))?;
    head.truncate(n);
    let mime = content::check_content(declared, &head)?;
    // Photos lose what they say about where and by what they were taken.
    let (kept, hash, size) = if declared == MediaKind::Image {
        let bytes = tokio::fs::read(&staged.path).await.map_err(io_error("read"))?;
        let stripped = tokio::task::spawn_blocking(move || content::strip_metadata(mime, bytes)).await??;
        let hash = hex::encode(Sha256::digest(&stripped));
        let kept = StagingFile { path: staged.path.with_extension("stripped") };
        tokio::fs::write(&kept.path, &stripped).await.map_err(io_error("write"))?;
        (kept, hash, stripped.len() as u64)
    } else {
        (staged, received_hash, size)
    };
    state.media.put_file(&hash, &kept.path, size, mime).await?;
    let media = MediaView { hash, size, mime: mime.to_owned() };
    let mut tx = state.db.begin().await?;
    registry::insert(&mut tx, &media, actor, state.clock.now()).await?;
    tx.commit().await?;
    Ok(media)
}

/// A fresh staging file for a single-request upload.
pub async fn new_staging_file(state: &AppState) -> Result<StagingFile, ApiError> {
    Ok(StagingFile { path: staging_dir(state).await?.join(format!("direct-{}", uuid::Uuid::new_v4().simple())) })
}

/// The staging file of a resumable upload (kept between requests).
pub async fn upload_path(state: &AppState, id: &str) -> Result<PathBuf, ApiError> {
    // Upload ids are generated here (32 hex digits); anything else names nothing.
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound);
    }
    Ok(staging_dir(state).await?.join(format!("upload-{id}")))
}
