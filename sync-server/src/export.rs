//! A person's complete data as one archive (GDPR art. 15 and 20, SECURITY.md item 26), asked
//! for by the person or by their school's admin after confirming their password: account,
//! personal data (a logged read), progress documents rendered as JSON, grades, the media they
//! uploaded, their devices and the access-log rows about them. The archive waits under
//! `DATA_DIR/exports/` behind an unguessable id for a short time, for the one who asked only.

use std::path::{Path, PathBuf};

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tallschool_shared::api::ExportReady;
use tallschool_shared::events::PiiField;
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::{AuthUser, RequestMeta, sessions};
use crate::db::{Conn, col};
use crate::directory::users;
use crate::error::{ApiError, ApiResult};
use crate::http::ApiPath;
use crate::media::store::ObjectStore as _;
use crate::pii::Reader;

/// How long a download link works.
pub const LINK_TTL_SECS: i64 = 15 * 60;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request_export)).routes(routes!(download_export))
}

/// Who may fetch an archive, until when.
#[derive(Debug, Serialize, Deserialize)]
struct Ticket {
    requester: UserId,
    subject: UserId,
    expires_at: i64,
}

fn exports_dir(state: &AppState) -> PathBuf {
    state.settings.data_dir.join("exports")
}

fn io_error(what: &'static str) -> impl Fn(std::io::Error) -> ApiError {
    move |e| ApiError::Internal(format!("export {what}: {e}"))
}

/// Prepare the archive of a person's data; the answer names where to download it (with the
/// same sign-in) for the next 15 minutes. Needs a recent password.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/export", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 201, body = ExportReady),
        (status = 401, body = ErrorBody, description = "reauth_required: confirm the password first"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn request_export(
    State(state): State<AppState>,
    actor: AuthUser,
    meta: RequestMeta,
    ApiPath(user_id): ApiPath<UserId>,
) -> ApiResult<(axum::http::StatusCode, Json<ExportReady>)> {
    let now = state.clock.now();
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ExportUserData, TargetRef::User(user_id)).await?;
    sessions::require_recent_auth(&mut conn, actor.session_id, now, state.settings.reauth_window_secs).await?;
    drop(conn);
    let dir = exports_dir(&state);
    tokio::fs::create_dir_all(&dir).await.map_err(io_error("folder"))?;
    sweep(&dir, now).await;
    let entries = collect(&state, &actor, &meta, user_id, now).await?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let archive = dir.join(format!("{id}.zip"));
    let written = archive.clone();
    tokio::task::spawn_blocking(move || write_zip(&written, entries))
        .await
        .map_err(|e| ApiError::Internal(format!("export task: {e}")))??;
    let ticket = Ticket { requester: actor.id, subject: user_id, expires_at: now + LINK_TTL_SECS };
    let ticket = serde_json::to_vec(&ticket).map_err(|e| ApiError::Internal(format!("export ticket: {e}")))?;
    tokio::fs::write(dir.join(format!("{id}.json")), ticket).await.map_err(io_error("ticket"))?;
    tracing::info!(subject = %user_id, "personal data exported");
    let ready = ExportReady { download: format!("/api/v1/exports/{id}"), expires_at: now + LINK_TTL_SECS };
    Ok((axum::http::StatusCode::CREATED, Json(ready)))
}

/// The archive, for the one who asked for it, until its link expires.
#[utoipa::path(get, path = "/api/v1/exports/{export_id}", tag = "me", security(("bearer" = [])),
    params(("export_id" = String, Path, description = "Export id")),
    responses((status = 200, content_type = "application/zip", description = "the archive"),
        (status = 404, body = ErrorBody, description = "unknown, someone else's, or expired")))]
async fn download_export(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(export_id): ApiPath<String>,
) -> ApiResult<Response> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::DownloadExport, TargetRef::Caller).await?;
    drop(conn);
    if export_id.len() != 32 || !export_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound);
    }
    let dir = exports_dir(&state);
    let ticket = tokio::fs::read(dir.join(format!("{export_id}.json"))).await.map_err(|_| ApiError::NotFound)?;
    let ticket: Ticket = serde_json::from_slice(&ticket).map_err(|_| ApiError::NotFound)?;
    if ticket.requester != actor.id || state.clock.now() >= ticket.expires_at {
        return Err(ApiError::NotFound);
    }
    let bytes = tokio::fs::read(dir.join(format!("{export_id}.zip"))).await.map_err(|_| ApiError::NotFound)?;
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tallschool-personal-data.zip\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Delete archives whose links have expired.
async fn sweep(dir: &Path, now: i64) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else { return };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let expired = match tokio::fs::read(&path).await.ok().and_then(|b| serde_json::from_slice::<Ticket>(&b).ok()) {
            Some(ticket) => now >= ticket.expires_at,
            None => true,
        };
        if expired {
            let _ = tokio::fs::remove_file(path.with_extension("zip")).await;
            let _ = tokio::fs::remove_file(&path).await;
        }
    }
}

fn json_entry(name: &str, value: &impl Serialize) -> Result<(String, Vec<u8>), ApiError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| ApiError::Internal(format!("export encode: {e}")))?;
    Ok((name.to_owned(), bytes))
}

const README: &str = "Your data in TallSchool, as the school's server holds it.\n\n\
account.json         your account (username, role, school, status)\n\
personal-data.json   your personal data (name, email, birth date)\n\
progress/*.json      your study progress and answers, one file per document\n\
grades.json          points teachers gave your answers by hand\n\
media.json, media/   the files you uploaded\n\
devices.json         the devices you signed in on\n\
access-log.json      who read your personal data, when and why (never the values)\n\
consents.json        what you (or your parents) consented to, and when\n";

/// Every file of the archive. The personal data is read through the vault (a logged read).
async fn collect(
    state: &AppState,
    actor: &AuthUser,
    meta: &RequestMeta,
    subject: UserId,
    now: i64,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let mut tx = state.db.begin().await?;
    let person = users::find(&mut tx, subject).await?.ok_or(ApiError::NotFound)?;
    let reader = Reader::new(actor, "personal data export", meta);
    let pii = state.vault.read(&mut tx, &reader, &[(subject, person.school_id)], &PiiField::ALL, now).await?;
    let mut entries = vec![
        ("README.txt".to_owned(), README.as_bytes().to_vec()),
        json_entry("account.json", &person.view())?,
        json_entry("personal-data.json", &pii.first())?,
        json_entry("devices.json", &devices(&mut tx, subject).await?)?,
        json_entry("grades.json", &grades(&mut tx, subject).await?)?,
        json_entry("access-log.json", &access_log(&mut tx, subject).await?)?,
        json_entry("consents.json", &crate::consent::view(&mut tx, subject).await?)?,
    ];
    let progress: Vec<String> =
        sqlx::query_scalar("SELECT id FROM documents WHERE owner_id = $1 AND kind = 'progress' ORDER BY id")
            .bind(subject.to_string())
            .fetch_all(&mut *tx)
            .await?;
    for id in progress {
        let doc_id = id.parse().map_err(|_| ApiError::Internal("stored id unreadable".to_owned()))?;
        if let Some((_, document)) = crate::documents::store::load_document(&mut tx, doc_id).await? {
            // Read with the document schema: answers as cards, ratings and times, not packed bytes.
            let rendered = serde_json::json!({
                "document": id,
                "reviews": tallschool_shared::schema::reviews(&document),
                "progress": tallschool_shared::schema::progress(&document),
            });
            entries.push(json_entry(&format!("progress/{id}.json"), &rendered)?);
        }
    }
    let media: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT m.hash, m.mime, m.size FROM media_uploaders u JOIN media m ON m.hash = u.hash \
         WHERE u.user_id = $1 ORDER BY m.hash",
    )
    .bind(subject.to_string())
    .fetch_all(&mut *tx)
    .await?;
    // The read of the personal data and its log row are committed together.
    tx.commit().await?;
    let listed: Vec<serde_json::Value> = media
        .iter()
        .map(|(hash, mime, size)| serde_json::json!({"file": format!("media/{hash}"), "mime": mime, "size": size}))
        .collect();
    entries.push(json_entry("media.json", &listed)?);
    for (hash, _, _) in media {
        let body = state.media.get(&hash, None).await?;
        let bytes =
            axum::body::to_bytes(body, usize::MAX).await.map_err(|e| ApiError::Internal(format!("media read: {e}")))?;
        entries.push((format!("media/{hash}"), bytes.to_vec()));
    }
    Ok(entries)
}

/// How a column is read into the archive's JSON.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    MaybeInt,
    Real,
}

/// The rows `sql` (one `$1`: the person) finds, as JSON objects of the named columns.
async fn rows_as_json(
    conn: &mut Conn,
    sql: &'static str,
    user: UserId,
    columns: &[(&str, Kind)],
) -> Result<Vec<serde_json::Value>, ApiError> {
    let rows = sqlx::query(sql).bind(user.to_string()).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let mut object = serde_json::Map::new();
            for (name, kind) in columns {
                let value = match kind {
                    Kind::Text => serde_json::json!(col::<String>(row, name)?),
                    Kind::Int => serde_json::json!(col::<i64>(row, name)?),
                    Kind::MaybeInt => serde_json::json!(col::<Option<i64>>(row, name)?),
                    Kind::Real => serde_json::json!(col::<f64>(row, name)?),
                };
                object.insert((*name).to_owned(), value);
            }
            Ok(serde_json::Value::Object(object))
        })
        .collect()
}

async fn devices(conn: &mut Conn, user: UserId) -> Result<Vec<serde_json::Value>, ApiError> {
    let sql = "SELECT device_name, created_at AS signed_in_at, last_used_at, revoked_at AS signed_out_at \
               FROM sessions WHERE user_id = $1 ORDER BY created_at";
    let columns = [
        ("device_name", Kind::Text),
        ("signed_in_at", Kind::Int),
        ("last_used_at", Kind::Int),
        ("signed_out_at", Kind::MaybeInt),
    ];
    rows_as_json(conn, sql, user, &columns).await
}

async fn grades(conn: &mut Conn, user: UserId) -> Result<Vec<serde_json::Value>, ApiError> {
    let sql = "SELECT test_id, attempt_id, question_id, points, graded_at FROM manual_grades WHERE student_id = $1 \
               ORDER BY graded_at";
    let columns = [
        ("test_id", Kind::Text),
        ("attempt_id", Kind::Text),
        ("question_id", Kind::Text),
        ("points", Kind::Real),
        ("graded_at", Kind::Int),
    ];
    rows_as_json(conn, sql, user, &columns).await
}

async fn access_log(conn: &mut Conn, user: UserId) -> Result<Vec<serde_json::Value>, ApiError> {
    let sql = "SELECT at, actor_role AS reader_role, fields, purpose, outcome FROM pii_access_log \
               WHERE subject_id = $1 ORDER BY id";
    let columns = [
        ("at", Kind::Int),
        ("reader_role", Kind::Text),
        ("fields", Kind::Text),
        ("purpose", Kind::Text),
        ("outcome", Kind::Text),
    ];
    rows_as_json(conn, sql, user, &columns).await
}

fn write_zip(path: &Path, entries: Vec<(String, Vec<u8>)>) -> Result<(), ApiError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let zip_error = |e: zip::result::ZipError| ApiError::Internal(format!("export archive: {e}"));
    let file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io_error("file"))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(&bytes).map_err(io_error("write"))?;
    }
    zip.finish().map_err(zip_error)?;
    Ok(())
}
