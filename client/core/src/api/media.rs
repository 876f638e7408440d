//! Images, audio and video: the device's cache (fetched while the student goes on studying)
//! and uploads (teachers).

use std::path::Path;
use std::time::Duration;

use sha2::Digest as _;
use tallschool_contract::Event;
use tallschool_contract::media::{MediaFile, MediaProgress, MediaStatus};
use tallschool_shared::api::{MediaView, UploadView};

use crate::Core;
use crate::error::{ClientError, Result};
use crate::media;
use crate::platform::{self, media_files, picked_files};

/// Files larger than this are uploaded in resumable chunks of this size.
pub const UPLOAD_CHUNK: usize = 8 * 1024 * 1024;
/// Broken connections in a row an upload rides out (waiting 0.5, 1 and 2 s) before it says
/// the server cannot be reached; the next attempt resumes where the server got to.
const CHUNK_RETRIES: u32 = 3;

pub struct MediaService<'a> {
    pub(crate) core: &'a Core,
}

impl MediaService<'_> {
    /// What is cached, what is missing, the budget.
    pub fn status(&self) -> Result<MediaStatus> {
        media::status(&self.core.store())
    }

    /// The storage budget for media on this device.
    pub fn set_budget(&self, bytes: u64) -> Result<()> {
        media::set_budget(&self.core.store(), bytes)
    }

    /// Where a cached object is on this device, and its type.
    pub fn file(&self, hash: &str) -> Result<MediaFile> {
        let store = self.core.store();
        let path = media::path_of(&store, hash).ok_or_else(|| ClientError::invalid("hash", "not a SHA-256"))?;
        let mime = media::cached_mime(&store, hash)?
            .ok_or_else(|| ClientError::invalid("hash", format!("{hash} is not on this device (yet)")))?;
        Ok(MediaFile { path: path.display().to_string(), mime })
    }

    /// Fetch the media this user's documents show into the device's cache (resuming partial
    /// downloads, within the storage budget) and evict what is no longer referenced;
    /// [`Event::MediaProgress`] on the way. The store is free while files download.
    pub async fn sync(&self) -> Result<MediaProgress> {
        let core = self.core;
        let wanted: Vec<MediaView> = core.call(http::Method::GET, "/api/v1/media", None).await?;
        let dir = media::media_dir(&core.store());
        let on_disk = media_files::complete_sizes(&dir)
            .await
            .map_err(|source| ClientError::File { path: dir.display().to_string(), source })?;
        let plan = core.with_store(|store| {
            media::set_wanted(store, &wanted)?;
            media::plan_download(store, &on_disk)
        })?;
        let session = core.signed_in().ok_or(ClientError::NotSignedIn)?;
        // No overall timeout: a video on a slow school network takes as long as it takes.
        let http =
            crate::platform::http_client(None).map_err(|e| ClientError::Protocol(format!("http client: {e}")))?;
        let progress = |p: &MediaProgress| core.emit(&Event::MediaProgress { progress: p.clone() });
        let downloaded = media::fetch_all(plan, &http, &session.server, &session.access_token, &progress).await;
        let totals = core.with_store(|store| media::record_download(store, downloaded))?;
        core.emit(&Event::MediaProgress { progress: totals.clone() });
        Ok(totals)
    }

    /// Upload a file (teachers): in one request when small, else in resumable chunks; an
    /// interrupted upload of the same file continues where it stopped. Returns the stored
    /// object, whose hash documents use; [`Event::UploadProgress`] on the way.
    pub async fn upload(&self, file: &Path, mime: &str) -> Result<MediaView> {
        let bytes = picked_files::read(file)
            .await
            .map_err(|source| ClientError::File { path: file.display().to_string(), source })?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        self.upload_bytes(bytes, mime, name.as_deref()).await
    }

    /// Upload `bytes` (named `name` for the server's records), as [`MediaService::upload`].
    /// The object is kept in this device's cache at once: the teacher who added a picture sees
    /// it, offline too, without downloading it back.
    pub async fn upload_bytes(&self, bytes: Vec<u8>, mime: &str, name: Option<&str>) -> Result<MediaView> {
        let media = self.send(&bytes, mime, name).await?;
        let dir = media::media_dir(&self.core.store());
        match media::keep_uploaded(&dir, &media, &bytes).await {
            Ok(true) => media::record_uploaded(&self.core.store(), &media)?,
            Ok(false) => {}
            // The next media sync fetches it instead.
            Err(error) => tracing::info!(%error, "an uploaded file was not kept in the cache"),
        }
        Ok(media)
    }

    async fn send(&self, bytes: &[u8], mime: &str, name: Option<&str>) -> Result<MediaView> {
        let core = self.core;
        let size = bytes.len() as u64;
        let progress = |done: u64| core.emit(&Event::UploadProgress { done, total: size });
        let sha256 = hex::encode(sha2::Sha256::digest(bytes));
        if size <= UPLOAD_CHUNK as u64 {
            let body = bytes.to_vec();
            let media = core
                .with_token(|api, token| {
                    let headers = vec![("content-type", mime.to_owned()), ("x-content-sha256", sha256.clone())];
                    let body = body.clone();
                    async move { api.bytes(&token, http::Method::POST, "/api/v1/media", headers, body).await }
                })
                .await?;
            progress(size);
            return Ok(media);
        }
        let key = format!("upload:{sha256}");
        let known = core.store().get(&key)?.filter(|id| !id.is_empty());
        let mut upload = match known {
            Some(id) => {
                let path = format!("/api/v1/media/uploads/{id}");
                match core.call::<UploadView>(http::Method::GET, &path, None).await {
                    Ok(upload) => Some(upload),
                    Err(ClientError::Server { status: 404, .. }) => None,
                    Err(error) => return Err(error),
                }
            }
            None => None,
        };
        if upload.is_none() {
            let body = serde_json::json!({"mime": mime, "size": size, "sha256": sha256, "filename": name});
            let started: UploadView = core.call(http::Method::POST, "/api/v1/media/uploads", Some(&body)).await?;
            core.store().set(&key, &started.upload_id)?;
            upload = Some(started);
        }
        let mut upload = upload.ok_or_else(|| ClientError::Protocol("no upload".to_owned()))?;
        let mut broken = 0;
        loop {
            if let Some(media) = upload.media.take() {
                core.store().set(&key, "")?;
                return Ok(media);
            }
            progress(upload.offset);
            let start = usize::try_from(upload.offset).unwrap_or(usize::MAX).min(bytes.len());
            let chunk = bytes[start..(start + UPLOAD_CHUNK).min(bytes.len())].to_vec();
            let path = format!("/api/v1/media/uploads/{}", upload.upload_id);
            let offset = upload.offset;
            let sent = core
                .with_token(|api, token| {
                    let headers = vec![
                        ("upload-offset", offset.to_string()),
                        ("content-type", "application/offset+octet-stream".to_owned()),
                    ];
                    let (chunk, path) = (chunk.clone(), path.clone());
                    async move { api.bytes::<UploadView>(&token, http::Method::PATCH, &path, headers, chunk).await }
                })
                .await;
            upload = match sent {
                Ok(next) => {
                    broken = 0;
                    next
                }
                // The server has a different count (an answer was lost): ask and go on from there.
                Err(ClientError::Server { status: 409, .. }) => core.call(http::Method::GET, &path, None).await?,
                // The connection broke mid-chunk (Wi-Fi dropped, a proxy or the server closed
                // it): the upload is resumable, so wait a little, ask how far it got, go on.
                Err(ClientError::Offline(_)) if broken < CHUNK_RETRIES => {
                    broken += 1;
                    platform::sleep(Duration::from_millis(250 << broken)).await;
                    match core.call(http::Method::GET, &path, None).await {
                        Ok(status) => status,
                        Err(ClientError::Offline(_)) => upload,
                        Err(error) => return Err(error),
                    }
                }
                Err(error) => return Err(error),
            };
            if upload.offset == size && upload.media.is_none() {
                return Err(ClientError::Protocol("the upload completed without a stored object".to_owned()));
            }
        }
    }
}
