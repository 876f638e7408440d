//! What the database knows about media: the objects, who uploaded them, which documents
//! reference them, and uploads in progress. Who may fetch an object is decided here: its
//! uploader, their school's admins, and anyone who may read a document that references it —
//! provided the document's own school holds the object (a member of that school uploaded it).
//! A hash from another school's file on a card grants nothing: it is reported back to the
//! author as refused, and the file stays where it belongs.

use std::collections::BTreeSet;

use tallschool_shared::api::MediaView;
use tallschool_shared::docs::DocKind;
use tallschool_shared::sync::MediaRefusal;
use tallschool_shared::{DocId, schema};

use crate::auth::AuthUser;
use crate::db::{AnyRow, Conn, Db, col};
use crate::documents::store::{load_document, load_document_after, readable_documents};
use crate::error::ApiError;
use crate::hot::HotCache;

fn view(row: &AnyRow) -> Result<MediaView, ApiError> {
    Ok(MediaView {
        hash: col(row, "hash")?,
        size: u64::try_from(col::<i64>(row, "size")?).unwrap_or(0),
        mime: col(row, "mime")?,
    })
}

/// Record a stored object and its uploader (idempotent: the same file twice is one object).
pub async fn insert(conn: &mut Conn, media: &MediaView, uploader: &AuthUser, now: i64) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO media (hash, size, mime, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
    )
    .bind(&media.hash)
    .bind(i64::try_from(media.size).unwrap_or(i64::MAX))
    .bind(&media.mime)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO media_uploaders (hash, user_id, school_id, uploaded_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (hash, user_id) DO NOTHING",
    )
    .bind(&media.hash)
    .bind(uploader.id.to_string())
    .bind(uploader.school_id.map(|s| s.to_string()))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Objects the caller may fetch, with the SQL condition on `m.hash` (parameters `$1` user,
/// `$2` school, `$3` role). A reference counts only where the referencing document's school
/// holds the object.
fn readable_condition(actor: &AuthUser) -> Option<String> {
    let documents = readable_documents(actor.role, "$1", "$2")?;
    Some(format!(
        "(m.hash IN (SELECT r.hash FROM media_refs r JOIN documents rd ON rd.id = r.doc_id \
                     WHERE r.doc_id IN ({documents}) \
                       AND EXISTS (SELECT 1 FROM media_uploaders h WHERE h.hash = r.hash AND h.school_id = rd.school_id)) \
          OR m.hash IN (SELECT u.hash FROM media_uploaders u WHERE u.user_id = $1 \
                        OR (u.school_id = $2 AND $3 = 'edu_admin')))"
    ))
}

/// The object, if the caller may fetch it (one query: the check and the lookup together).
pub async fn find_readable(conn: &mut Conn, actor: &AuthUser, hash: &str) -> Result<Option<MediaView>, ApiError> {
    let Some(condition) = readable_condition(actor) else { return Ok(None) };
    let sql = format!("SELECT m.hash, m.size, m.mime FROM media m WHERE m.hash = $4 AND {condition}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(actor.id.to_string())
        .bind(actor.school_id.map(|s| s.to_string()).unwrap_or_default())
        .bind(actor.role.as_str())
        .bind(hash)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(view).transpose()
}

/// Every object the caller may fetch (what a device's cache should hold).
pub async fn list_readable(conn: &mut Conn, actor: &AuthUser) -> Result<Vec<MediaView>, ApiError> {
    let Some(condition) = readable_condition(actor) else { return Ok(Vec::new()) };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT m.hash, m.size, m.mime FROM media m WHERE {condition} ORDER BY m.hash"
    )))
    .bind(actor.id.to_string())
    .bind(actor.school_id.map(|s| s.to_string()).unwrap_or_default())
    .bind(actor.role.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(view).collect()
}

/// Bring a document's media references in step with its contents. Returns the references
/// that grant nothing because the document's school does not hold those objects (never
/// uploaded there — perhaps another school's file): the author is told.
pub async fn index_document(conn: &mut Conn, doc: DocId) -> Result<Vec<String>, ApiError> {
    let Some((meta, document)) = load_document(conn, doc).await? else { return Ok(Vec::new()) };
    index_contents(conn, doc, meta.kind, &document).await
}

async fn index_contents(
    conn: &mut Conn,
    doc: DocId,
    kind: DocKind,
    document: &automerge::Automerge,
) -> Result<Vec<String>, ApiError> {
    let hashes: BTreeSet<String> = match kind {
        DocKind::Progress => BTreeSet::new(),
        kind => schema::media_references(kind, document),
    };
    sqlx::query("DELETE FROM media_refs WHERE doc_id = $1").bind(doc.to_string()).execute(&mut *conn).await?;
    let mut not_held = Vec::new();
    for hash in hashes {
        sqlx::query("INSERT INTO media_refs (doc_id, hash) VALUES ($1, $2) ON CONFLICT (doc_id, hash) DO NOTHING")
            .bind(doc.to_string())
            .bind(&hash)
            .execute(&mut *conn)
            .await?;
        let held: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM media_uploaders u JOIN documents d ON d.school_id = u.school_id \
             WHERE d.id = $1 AND u.hash = $2 LIMIT 1",
        )
        .bind(doc.to_string())
        .bind(&hash)
        .fetch_optional(&mut *conn)
        .await?;
        if held.is_none() {
            not_held.push(hash);
        }
    }
    Ok(not_held)
}

/// Re-index the content documents of a sync push (after it is stored), returning what the
/// pusher should hear about references that grant nothing. A copy of each document indexed
/// lately is kept in memory, so that the next push reads only the changes stored since — not
/// the whole document again.
pub async fn index_documents(db: &Db, hot: &HotCache, docs: &[DocId]) -> Vec<MediaRefusal> {
    let mut refusals = Vec::new();
    for doc in docs {
        let result = async {
            let mut tx = db.begin().await?;
            let copy = hot.take_document(*doc);
            let Some((meta, document, up_to)) = load_document_after(&mut tx, *doc, copy).await? else {
                return Ok(Vec::new());
            };
            let not_held = index_contents(&mut tx, *doc, meta.kind, &document).await?;
            tx.commit().await?;
            hot.keep_document(*doc, document, up_to);
            Ok::<_, ApiError>(not_held)
        }
        .await;
        match result {
            Ok(not_held) => refusals.extend(not_held.into_iter().map(|hash| MediaRefusal {
                doc: *doc,
                hash,
                message: "this school holds no such file, so nobody will see it: upload the file first".to_owned(),
            })),
            // The collector re-indexes everything before deleting, so a miss here only
            // delays access until the next push of the document.
            Err(error) => tracing::warn!(doc = %doc, error = %error, "media references not indexed"),
        }
    }
    refusals
}

// ----------------------------------------------------------------------------- uploads

pub struct Upload {
    pub id: String,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    pub received: u64,
}

pub async fn start_upload(
    conn: &mut Conn,
    actor: &AuthUser,
    mime: &str,
    size: u64,
    sha256: &str,
    filename: Option<&str>,
    now: i64,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    sqlx::query(
        "INSERT INTO uploads (id, user_id, school_id, mime, size, sha256, filename, received, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
    )
    .bind(&id)
    .bind(actor.id.to_string())
    .bind(actor.school_id.map(|s| s.to_string()))
    .bind(mime)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(sha256)
    .bind(filename)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The caller's own upload (another person's is not found).
pub async fn find_upload(conn: &mut Conn, actor: &AuthUser, id: &str) -> Result<Upload, ApiError> {
    let row = sqlx::query("SELECT id, mime, size, sha256, received FROM uploads WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(actor.id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Upload {
        id: col(&row, "id")?,
        mime: col(&row, "mime")?,
        size: u64::try_from(col::<i64>(&row, "size")?).unwrap_or(0),
        sha256: col(&row, "sha256")?,
        received: u64::try_from(col::<i64>(&row, "received")?).unwrap_or(0),
    })
}

pub async fn set_received(conn: &mut Conn, id: &str, received: u64) -> Result<(), ApiError> {
    sqlx::query("UPDATE uploads SET received = $1 WHERE id = $2")
        .bind(i64::try_from(received).unwrap_or(i64::MAX))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_upload(conn: &mut Conn, id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM uploads WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}
