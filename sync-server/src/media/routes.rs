//! Media routes: upload (in one request, or resumable in chunks), list, download with
//! `Range` and `ETag`, and the collector on demand.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tallschool_shared::ErrorBody;
use tallschool_shared::api::{MediaView, StartUploadRequest, UploadView};
use tallschool_shared::cards::is_sha256;
use tallschool_shared::policy::Action;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::content::{self, MediaKind};
use super::ingest::{self, StagingFile};
use super::store::{ByteRange, ObjectStore};
use super::{gc, registry};
use crate::access::{TargetRef, authorize, authorize_caller};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::config::MediaDelivery;
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiPath};

/// Paths whose bodies are streamed by their handlers (with their own caps), not buffered.
pub fn streams_body(path: &str) -> bool {
    path == "/api/v1/media" || path.starts_with("/api/v1/media/uploads/")
}

const PRESIGNED_TTL: Duration = Duration::from_secs(300);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload, list_media))
        .routes(routes!(start_upload))
        .routes(routes!(upload_status, upload_chunk))
        .routes(routes!(fetch))
        .routes(routes!(run_gc))
}

fn declared_type(headers: &HeaderMap) -> Result<(String, MediaKind), ApiError> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let kind = content::declared_kind(&declared)?;
    Ok((declared, kind))
}

fn check_sha256(value: &str) -> Result<String, ApiError> {
    let lower = value.trim().to_ascii_lowercase();
    if is_sha256(&lower) { Ok(lower) } else { Err(ApiError::Validation("sha256 must be 64 hex digits".to_owned())) }
}

/// Upload a file in one request: the body is the file, `Content-Type` its declared type,
/// `X-Content-SHA256` (optional) its hash. Answers the stored object; the same file twice is
/// stored once.
#[utoipa::path(post, path = "/api/v1/media", tag = "media", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "image/*", description = "the file"),
    responses((status = 201, body = MediaView), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload(State(state): State<AppState>, actor: AuthUser, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    authorize_caller(&actor, Action::UploadMedia)?;
    let (_, kind) = declared_type(&headers)?;
    let expected = headers
        .get("x-content-sha256")
        .map(|v| v.to_str().map_err(|_| ApiError::Validation("bad X-Content-SHA256".to_owned())).and_then(check_sha256))
        .transpose()?;
    let cap = kind.cap(&state.settings.media);
    if let Some(length) =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok())
        && length > cap
    {
        return Err(ApiError::TooLarge(format!("larger than the {} MB this kind of file may be", cap / (1024 * 1024))));
    }
    let staged = ingest::new_staging_file(&state).await?;
    ingest::append_body(&staged.path, body, 0, cap).await?;
    let media = ingest::finish(&state, &actor, staged, kind, expected.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(media)).into_response())
}

/// Media the caller may fetch: objects referenced by documents they may read, and their own
/// uploads. A device's cache holds exactly these.
#[utoipa::path(get, path = "/api/v1/media", tag = "media", security(("bearer" = [])),
    responses((status = 200, body = Vec<MediaView>), (status = 403, body = ErrorBody)))]
async fn list_media(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<Vec<MediaView>>> {
    authorize_caller(&actor, Action::ListMedia)?;
    let mut conn = state.db.pool.acquire().await?;
    Ok(Json(registry::list_readable(&mut conn, &actor).await?))
}

/// Start a resumable upload: then send the file in chunks with `PATCH`, each with
/// `Upload-Offset` (bytes already received).
#[utoipa::path(post, path = "/api/v1/media/uploads", tag = "media", security(("bearer" = [])),
    request_body = StartUploadRequest,
    responses((status = 201, body = UploadView), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn start_upload(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiJson(request): ApiJson<StartUploadRequest>,
) -> ApiResult<(StatusCode, Json<UploadView>)> {
    authorize_caller(&actor, Action::StartUpload)?;
    let kind = content::declared_kind(&request.mime)?;
    let cap = kind.cap(&state.settings.media);
    if request.size == 0 {
        return Err(ApiError::Validation("the file is empty".to_owned()));
    }
    if request.size > cap {
        return Err(ApiError::TooLarge(format!("larger than the {} MB this kind of file may be", cap / (1024 * 1024))));
    }
    let sha256 = check_sha256(&request.sha256)?;
    if let Some(name) = &request.filename
        && (name.is_empty()
            || name.len() > 255
            || name.contains(['/', '\\', '\0'])
            || name == "."
            || name == ".."
            || name.chars().any(char::is_control))
    {
        return Err(ApiError::Validation("filename must be a plain name, not a path".to_owned()));
    }
    let mut conn = state.db.pool.acquire().await?;
    let id = registry::start_upload(
        &mut conn,
        &actor,
        &request.mime,
        request.size,
        &sha256,
        request.filename.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(UploadView { upload_id: id, offset: 0, size: request.size, media: None })))
}

/// How far a resumable upload got.
#[utoipa::path(get, path = "/api/v1/media/uploads/{upload_id}", tag = "media", security(("bearer" = [])),
    params(("upload_id" = String, Path, description = "Upload id")),
    responses((status = 200, body = UploadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn upload_status(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<UploadView>> {
    authorize_caller(&actor, Action::ReadUpload)?;
    let mut conn = state.db.pool.acquire().await?;
    let upload = registry::find_upload(&mut conn, &actor, &id).await?;
    Ok(Json(UploadView { upload_id: upload.id, offset: upload.received, size: upload.size, media: None }))
}

/// The next chunk of a resumable upload. `Upload-Offset` must equal the bytes received so far
/// (409 with the right offset otherwise). The last chunk stores the object.
#[utoipa::path(patch, path = "/api/v1/media/uploads/{upload_id}", tag = "media", security(("bearer" = [])),
    params(("upload_id" = String, Path, description = "Upload id")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream", description = "the next bytes"),
    responses((status = 200, body = UploadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn upload_chunk(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<UploadView>> {
    authorize_caller(&actor, Action::UploadChunk)?;
    let path = ingest::upload_path(&state, &id).await?;
    // One chunk of an upload at a time: two appending at once would interleave their bytes.
    let _receiving = Receiving::start(&id)?;
    let upload = {
        let mut conn = state.db.pool.acquire().await?;
        registry::find_upload(&mut conn, &actor, &id).await?
    };
    let offset = headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| ApiError::Validation("Upload-Offset (bytes already sent) is required".to_owned()))?;
    // The file on disk is the truth (a chunk may have been written before a crash).
    let on_disk = tokio::fs::metadata(&path).await.map(|m| m.len()).unwrap_or(0);
    if offset != on_disk {
        return Err(ApiError::Conflict(format!("the upload has {on_disk} bytes; continue from there")));
    }
    let length = match ingest::append_body(&path, body, on_disk, upload.size).await {
        Ok(length) => length,
        Err(ApiError::TooLarge(_)) => {
            // Keep what was there before this chunk.
            truncate(&path, on_disk).await?;
            return Err(ApiError::TooLarge(format!("the upload was declared as {} bytes", upload.size)));
        }
        Err(error) => return Err(error),
    };
    let mut conn = state.db.pool.acquire().await?;
    registry::set_received(&mut conn, &id, length).await?;
    if length < upload.size {
        return Ok(Json(UploadView { upload_id: id, offset: length, size: upload.size, media: None }));
    }
    let kind = content::declared_kind(&upload.mime)?;
    let result = ingest::finish(&state, &actor, StagingFile { path }, kind, Some(&upload.sha256)).await;
    // Finished or refused, the upload is over (a refused one starts again from scratch).
    registry::delete_upload(&mut conn, &id).await?;
    let media = result?;
    Ok(Json(UploadView { upload_id: id, offset: length, size: upload.size, media: Some(media) }))
}

/// Uploads receiving a chunk right now (on this server; a resumable upload is staged on the
/// server that started it).
static RECEIVING: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

struct Receiving(String);

impl Receiving {
    fn start(id: &str) -> Result<Receiving, ApiError> {
        let mut active = RECEIVING.lock().map_err(|_| ApiError::Internal("upload registry poisoned".to_owned()))?;
        if !active.insert(id.to_owned()) {
            return Err(ApiError::Conflict(
                "another chunk of this upload is being received; ask for the offset and go on".to_owned(),
            ));
        }
        Ok(Receiving(id.to_owned()))
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        if let Ok(mut active) = RECEIVING.lock() {
            active.remove(&self.0);
        }
    }
}

async fn truncate(path: &std::path::Path, length: u64) -> Result<(), ApiError> {
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .await
        .map_err(|e| ApiError::Internal(format!("media staging: {e}")))?;
    file.set_len(length).await.map_err(|e| ApiError::Internal(format!("media staging: {e}")))
}

/// An object's bytes, if a document the caller may read references it (else 404, whether or
/// not it exists). Honours `Range` (one range; 416 outside the object), `If-None-Match`
/// (the ETag is the hash) and may redirect to a presigned URL when so configured.
#[utoipa::path(get, path = "/api/v1/media/{hash}", tag = "media", security(("bearer" = [])),
    params(("hash" = String, Path, description = "SHA-256 of the object")),
    responses((status = 200, description = "the object"), (status = 206, description = "the requested range"),
        (status = 302, description = "presigned URL"), (status = 304, description = "not modified"),
        (status = 404, body = ErrorBody), (status = 416, body = ErrorBody)))]
async fn fetch(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(hash): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    authorize_caller(&actor, Action::FetchMedia)?;
    if !is_sha256(&hash) {
        return Err(ApiError::NotFound);
    }
    let media = {
        let mut conn = state.db.pool.acquire().await?;
        registry::find_readable(&mut conn, &actor, &hash).await?.ok_or(ApiError::NotFound)?
    };
    let etag = format!("\"{hash}\"");
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "private, max-age=31536000, immutable".to_owned()),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
    ];
    let matches = |value: &str| value.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*");
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(matches) {
        return Ok((StatusCode::NOT_MODIFIED, header_map(&cache)?).into_response());
    }
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(value) => {
            let ranges = http_range_header::parse_range_header(value)
                .and_then(|parsed| parsed.validate(media.size))
                .map_err(|_| ApiError::RangeNotSatisfiable { size: media.size })?;
            // One range is answered as asked; several get the whole object (RFC 9110 allows it).
            match ranges.as_slice() {
                [one] => Some(ByteRange { start: *one.start(), end: *one.end() }),
                _ => None,
            }
        }
    };
    if state.settings.media.delivery == MediaDelivery::Presign
        && let Some(url) = state.media.presigned_url(&hash, PRESIGNED_TTL).await?
    {
        let mut response = (StatusCode::FOUND, header_map(&cache)?).into_response();
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_str(&url).map_err(|e| ApiError::Internal(e.to_string()))?);
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    let body = state.media.get(&hash, range).await?;
    let mut response = match range {
        Some(r) => {
            let mut response = (StatusCode::PARTIAL_CONTENT, body).into_response();
            let content_range = format!("bytes {}-{}/{}", r.start, r.end, media.size);
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&content_range).map_err(|e| ApiError::Internal(e.to_string()))?,
            );
            response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(r.byte_count()));
            crate::telemetry::media_served(r.byte_count());
            response
        }
        None => {
            let mut response = (StatusCode::OK, body).into_response();
            response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(media.size));
            crate::telemetry::media_served(media.size);
            response
        }
    };
    response.headers_mut().extend(header_map(&cache)?);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media.mime).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

fn header_map(pairs: &[(header::HeaderName, String)]) -> Result<HeaderMap, ApiError> {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(name.clone(), HeaderValue::from_str(value).map_err(|e| ApiError::Internal(e.to_string()))?);
    }
    Ok(map)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct GcReport {
    /// Objects deleted: referenced by no document and older than the grace period.
    deleted: u64,
}

/// Collect orphaned media now (it also runs in the background).
#[utoipa::path(post, path = "/api/v1/admin/media-gc", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = GcReport), (status = 403, body = ErrorBody)))]
async fn run_gc(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<GcReport>> {
    {
        let mut conn = state.db.pool.acquire().await?;
        authorize(&mut conn, &actor, Action::RunMediaGc, TargetRef::System).await?;
    }
    let work = gc::run_once(&state, state.clock.now());
    let (job, trigger) = (crate::jobs::Job::MediaGc, crate::jobs::Trigger::Admin(actor.id));
    let deleted =
        crate::jobs::recorded(&state.db, &state.clock, job, trigger, work, |n| serde_json::json!({ "deleted": n }))
            .await?;
    Ok(Json(GcReport { deleted }))
}
