//! The change store. Pushing checks, per document, the metadata, the caller's right to write
//! and that every change hangs off changes the document already has; then stores new changes
//! idempotently (by hash) in one transaction. Pulling returns changes after a cursor in
//! documents the caller may read, without ever loading a document.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash};
use serde_bytes::ByteBuf;
use tallschool_shared::docs::{DocKind, DocMeta, genesis_hash};
use tallschool_shared::policy::{Relation, doc_access};
use tallschool_shared::privacy;
use tallschool_shared::sync::{ACK_PREFIX, DocAck, DocRejection, DocUpdate, PAGE_BYTES, RejectReason};
use tallschool_shared::{ClassId, ClassRole, DocId, Role};

use crate::auth::AuthUser;
use crate::db::{AnyRow, Conn, Db, col, id_col, opt_id_col};
use crate::directory::classes;
use crate::error::ApiError;
use crate::hot::HotCache;

/// Size limits of the store (settings; defaults in `tallschool_shared::sync`).
#[derive(Clone, Copy, Debug)]
pub struct SyncLimits {
    pub max_doc_bytes: u64,
    /// Most changes in one answer page.
    pub page_changes: u64,
}

/// One document's pushed changes, already parsed.
pub struct ParsedPush {
    pub meta: DocMeta,
    pub changes: Vec<Change>,
}

pub struct PushOutcome {
    pub acks: Vec<DocAck>,
    pub rejections: Vec<DocRejection>,
}

/// Store what may be stored. Rejections are per document; a document that would grow past
/// `limits.max_doc_bytes` fails the whole round (422) so that nothing is stored half-way.
pub async fn push(
    db: &Db,
    limits: &SyncLimits,
    actor: &AuthUser,
    pushes: Vec<ParsedPush>,
    now: i64,
) -> Result<PushOutcome, ApiError> {
    let mut outcome = PushOutcome { acks: Vec::new(), rejections: Vec::new() };
    if pushes.is_empty() {
        return Ok(outcome);
    }
    let mut tx = db.begin().await?;
    // First statement is a write: writers queue here, and sequence numbers commit in order.
    sqlx::query("UPDATE sync_lock SET n = n + 1 WHERE id = 1").execute(&mut *tx).await?;
    for push in pushes {
        let doc = push.meta.id;
        match check_push(&mut tx, limits, actor, &push).await? {
            Err((reason, message)) => outcome.rejections.push(DocRejection { doc, reason, message }),
            Ok(registered) => {
                let hashes = store_changes(&mut tx, actor, &push, registered, now).await?;
                outcome.acks.push(DocAck { doc, hashes });
            }
        }
    }
    tx.commit().await?;
    Ok(outcome)
}

type Verdict = Result<Option<Registered>, (RejectReason, String)>;

/// A document already in the registry.
struct Registered {
    total_bytes: i64,
}

/// `Ok(Err(..))` is a rejection of this document; `Err` fails the round.
async fn check_push(
    conn: &mut Conn,
    limits: &SyncLimits,
    actor: &AuthUser,
    push: &ParsedPush,
) -> Result<Verdict, ApiError> {
    let meta = &push.meta;
    if let Err(error) = meta.check() {
        return Ok(Err((RejectReason::InvalidMeta, error.to_string())));
    }
    let registered = find_meta(conn, meta.id).await?;
    let existing = match &registered {
        Some((stored, _)) if stored != meta => {
            return Ok(Err((RejectReason::InvalidMeta, "metadata differs from the registered document".to_owned())));
        }
        Some((_, total_bytes)) => Some(Registered { total_bytes: *total_bytes }),
        None => None,
    };
    let Some(class) = classes::find_class(conn, meta.class_id).await? else {
        return Ok(Err((RejectReason::InvalidMeta, "unknown class".to_owned())));
    };
    if let Some(subject) = meta.subject_id.filter(|_| existing.is_none()) {
        let subject_ok = find_meta(conn, subject)
            .await?
            .is_some_and(|(subject, _)| subject.kind.is_content() && subject.class_id == meta.class_id);
        if !subject_ok {
            return Ok(Err((RejectReason::InvalidMeta, "subject_id is not a document of this class".to_owned())));
        }
    }
    let relation = relation(conn, actor, meta, class.school_id).await?;
    let (_, may_write) = doc_access(actor.role, meta.kind.is_content(), &relation);
    if !may_write {
        return Ok(Err((RejectReason::Forbidden, format!("you may not write this {}", meta.kind.as_str()))));
    }
    if let Err(message) = check_dependencies(conn, meta, &push.changes).await? {
        return Ok(Err((RejectReason::UnknownDependencies, message)));
    }
    // What students type (notes, answers, their own cards) stays free of contact details; the
    // value itself is neither logged nor echoed.
    if !meta.kind.is_content() && push.changes.iter().any(|c| privacy::email_in_change(c).is_some()) {
        let message = "a text in this change looks like an email address: personal data stays out of documents";
        return Ok(Err((RejectReason::PersonalData, message.to_owned())));
    }
    let added: i64 = push.changes.iter().map(|c| i64::try_from(c.raw_bytes().len()).unwrap_or(i64::MAX)).sum();
    let current = existing.as_ref().map_or(0, |r| r.total_bytes);
    if u64::try_from(current.saturating_add(added)).unwrap_or(u64::MAX) > limits.max_doc_bytes {
        return Err(ApiError::Validation(format!("document {} would exceed {} bytes", meta.id, limits.max_doc_bytes)));
    }
    Ok(Ok(existing))
}

/// How the caller relates to a document (for `doc_access`).
pub async fn relation(
    conn: &mut Conn,
    actor: &AuthUser,
    meta: &DocMeta,
    school: tallschool_shared::SchoolId,
) -> Result<Relation, ApiError> {
    let same_school = actor.school_id == Some(school);
    let part = if same_school { classes::membership(conn, meta.class_id, actor.id).await? } else { None };
    Ok(Relation {
        same_school,
        is_self: meta.owner_id == Some(actor.id),
        teaches_class: part == Some(ClassRole::Teacher) && actor.role == Role::Teacher,
        learns_in_class: part == Some(ClassRole::Student) && actor.role == Role::Student,
        teaches_subject: false,
        break_glass: false,
    })
}

/// Every change must depend only on changes of this document (stored, or earlier in this
/// push); a change without dependencies must be the document's deterministic first change.
async fn check_dependencies(
    conn: &mut Conn,
    meta: &DocMeta,
    changes: &[Change],
) -> Result<Result<(), String>, ApiError> {
    let genesis = genesis_hash(meta.id, meta.kind).map_err(|e| ApiError::Internal(format!("genesis: {e}")))?;
    let mut in_push: HashSet<ChangeHash> = HashSet::new();
    let mut wanted: HashSet<ChangeHash> = HashSet::new();
    for change in changes {
        if change.deps().is_empty() && change.hash() != genesis {
            return Ok(Err(format!("change {} starts a new history: it belongs to another document", change.hash())));
        }
        wanted.extend(change.deps().iter().filter(|dep| !in_push.contains(*dep)).copied());
        in_push.insert(change.hash());
    }
    let stored = stored_hashes(conn, meta.id, &wanted).await?;
    match wanted.iter().find(|dep| !stored.contains(*dep)) {
        Some(missing) => Ok(Err(format!("a change depends on {missing}, which this document does not have"))),
        None => Ok(Ok(())),
    }
}

async fn stored_hashes(
    conn: &mut Conn,
    doc: DocId,
    wanted: &HashSet<ChangeHash>,
) -> Result<HashSet<ChangeHash>, ApiError> {
    let mut found = HashSet::new();
    let wanted: Vec<&ChangeHash> = wanted.iter().collect();
    for chunk in wanted.chunks(200) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!("SELECT hash FROM doc_changes WHERE doc_id = $1 AND hash IN ({})", placeholders.join(", "));
        let mut query = sqlx::query_scalar::<_, Vec<u8>>(sqlx::AssertSqlSafe(sql)).bind(doc.to_string());
        for hash in chunk {
            query = query.bind(hash.0.to_vec());
        }
        for bytes in query.fetch_all(&mut *conn).await? {
            if let Ok(hash) = ChangeHash::try_from(bytes.as_slice()) {
                found.insert(hash);
            }
        }
    }
    Ok(found)
}

async fn store_changes(
    conn: &mut Conn,
    actor: &AuthUser,
    push: &ParsedPush,
    registered: Option<Registered>,
    now: i64,
) -> Result<Vec<ByteBuf>, ApiError> {
    let meta = &push.meta;
    if registered.is_none() {
        let school = actor.school_id.ok_or(ApiError::Forbidden)?;
        sqlx::query(
            "INSERT INTO documents (id, kind, school_id, class_id, owner_id, subject_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(meta.id.to_string())
        .bind(meta.kind.as_str())
        .bind(school.to_string())
        .bind(meta.class_id.to_string())
        .bind(meta.owner_id.map(|o| o.to_string()))
        .bind(meta.subject_id.map(|s| s.to_string()))
        .bind(actor.id.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    let (mut count, mut bytes) = (0_i64, 0_i64);
    let mut hashes = Vec::with_capacity(push.changes.len());
    for change in &push.changes {
        let raw = change.raw_bytes();
        let stored = sqlx::query(
            "INSERT INTO doc_changes (doc_id, hash, bytes, author_id, origin_session, stored_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (doc_id, hash) DO NOTHING",
        )
        .bind(meta.id.to_string())
        .bind(change.hash().0.to_vec())
        .bind(raw.to_vec())
        .bind(actor.id.to_string())
        .bind(actor.session_id.to_string())
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if stored > 0 {
            count += 1;
            bytes += i64::try_from(raw.len()).unwrap_or(i64::MAX);
        }
        hashes.push(ByteBuf::from(change.hash().0[..ACK_PREFIX].to_vec()));
    }
    if count > 0 {
        sqlx::query(
            "UPDATE documents SET change_count = change_count + $1, total_bytes = total_bytes + $2 WHERE id = $3",
        )
        .bind(count)
        .bind(bytes)
        .bind(meta.id.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(hashes)
}

fn meta_from_row(row: &AnyRow) -> Result<DocMeta, ApiError> {
    let kind: String = col(row, "kind")?;
    Ok(DocMeta {
        id: id_col(row, "id")?,
        kind: DocKind::parse(&kind).ok_or_else(|| ApiError::Internal("stored kind unknown".to_owned()))?,
        class_id: id_col(row, "class_id")?,
        owner_id: opt_id_col(row, "owner_id")?,
        subject_id: opt_id_col(row, "subject_id")?,
    })
}

async fn find_meta(conn: &mut Conn, id: DocId) -> Result<Option<(DocMeta, i64)>, ApiError> {
    let row = sqlx::query("SELECT id, kind, class_id, owner_id, subject_id, total_bytes FROM documents WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| Ok((meta_from_row(&row)?, col(&row, "total_bytes")?))).transpose()
}

/// What a pull returns.
pub struct Pulled {
    pub docs: Vec<DocUpdate>,
    pub cursor: u64,
    pub epoch: u64,
    pub has_more: bool,
    /// With `has_more`: readable changes after `cursor` (at most; see `SyncResponse`).
    pub remaining: u64,
}

/// The documents a role may read, as SQL over the parameters `user` (user id) and `school`
/// (school id), e.g. `"$3"`. Mirrors the read grants of `DOC_POLICY`; the sync permission
/// tests hold the two together.
pub(crate) fn readable_documents(role: Role, user: &str, school: &str) -> Option<String> {
    match role {
        Role::TechAdmin => None,
        Role::EduAdmin => Some(format!("SELECT d.id FROM documents d WHERE d.school_id = {school}")),
        Role::Teacher => Some(format!(
            "SELECT d.id FROM documents d JOIN enrolments e ON e.class_id = d.class_id \
             WHERE e.user_id = {user} AND e.class_role = 'teacher' AND d.school_id = {school}"
        )),
        Role::Student => Some(format!(
            "SELECT d.id FROM documents d JOIN enrolments e ON e.class_id = d.class_id \
             WHERE e.user_id = {user} AND e.class_role = 'student' AND d.school_id = {school} \
               AND (d.kind <> 'progress' OR d.owner_id = {user})"
        )),
    }
}

/// Most removals one answer carries; the rest come with the next round.
const REMOVALS_PER_ANSWER: i64 = 1000;

/// Documents of the caller's school removed (by an erasure) after the removal position
/// `seen`, and the position to send next. An up-to-date device costs no query.
pub async fn removals(db: &Db, hot: &HotCache, actor: &AuthUser, seen: u64) -> Result<(Vec<DocId>, u64), ApiError> {
    if hot.latest_removal.get().is_some_and(|latest| seen == latest) {
        return Ok((Vec::new(), seen));
    }
    let mut conn = db.pool.acquire().await?;
    let latest: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM doc_removals").fetch_one(&mut *conn).await?;
    let latest = u64::try_from(latest).unwrap_or(0);
    hot.latest_removal.remember(latest);
    // A position from the future (a restored server): start over.
    let from = if seen > latest { 0 } else { seen };
    let Some(school) = actor.school_id.filter(|_| from < latest) else { return Ok((Vec::new(), latest)) };
    let rows =
        sqlx::query("SELECT seq, doc_id FROM doc_removals WHERE school_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(school.to_string())
            .bind(i64::try_from(from).unwrap_or(i64::MAX))
            .bind(REMOVALS_PER_ANSWER)
            .fetch_all(&mut *conn)
            .await?;
    let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= REMOVALS_PER_ANSWER;
    let mut removed = Vec::with_capacity(rows.len());
    let mut last = from;
    for row in &rows {
        last = u64::try_from(col::<i64>(row, "seq")?).unwrap_or(last);
        removed.push(id_col(row, "doc_id")?);
    }
    Ok((removed, if full { last } else { latest }))
}

/// Changes after `cursor` in documents the caller may read, at most a page.
pub async fn pull(
    db: &Db,
    hot: &HotCache,
    limits: &SyncLimits,
    actor: &AuthUser,
    cursor: u64,
    epoch: u64,
) -> Result<Pulled, ApiError> {
    // The common case — nothing new for an up-to-date device — is answered from memory.
    let cached_epoch = hot.session(actor.session_id).map(|s| s.epoch);
    if let (Some(max), Some(current)) = (hot.latest_seq.get(), cached_epoch)
        && epoch == current
        && cursor == max
    {
        return Ok(Pulled { docs: Vec::new(), cursor: max, epoch: current, has_more: false, remaining: 0 });
    }
    let mut conn = db.pool.acquire().await?;
    let current_epoch: i64 = sqlx::query_scalar("SELECT access_epoch FROM users WHERE id = $1")
        .bind(actor.id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let current_epoch = u64::try_from(current_epoch).unwrap_or(0);
    let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM doc_changes").fetch_one(&mut *conn).await?;
    let max = u64::try_from(max).unwrap_or(0);
    hot.latest_seq.remember(max);
    // Another epoch (new access) or a cursor from the future (a restored server): start over.
    let from = if epoch != current_epoch || cursor > max { 0 } else { cursor };
    if from >= max || actor.role == Role::TechAdmin {
        return Ok(Pulled { docs: Vec::new(), cursor: max, epoch: current_epoch, has_more: false, remaining: 0 });
    }
    let school = actor.school_id.map(|s| s.to_string()).unwrap_or_default();
    let from_i = i64::try_from(from).unwrap_or(i64::MAX);
    let max_i = i64::try_from(max).unwrap_or(i64::MAX);

    // Starting afresh: compacted snapshots replace the history they cover.
    let mut snapshots: HashMap<String, (i64, Vec<u8>)> = HashMap::new();
    if from == 0 {
        let readable = readable_documents(actor.role, "$2", "$3").unwrap_or_default();
        let sql = format!(
            "SELECT doc_id, up_to_seq, bytes FROM doc_snapshots WHERE up_to_seq <= $1 AND doc_id IN ({readable})"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(max_i)
            .bind(actor.id.to_string())
            .bind(&school)
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            snapshots.insert(col(&row, "doc_id")?, (col(&row, "up_to_seq")?, col(&row, "bytes")?));
        }
    }

    let readable = readable_documents(actor.role, "$3", "$4").unwrap_or_default();
    // Driven from the readable documents (CROSS JOIN fixes SQLite's join order), so the cost
    // follows the caller's documents, not everyone's traffic since the cursor.
    let changes = format!(
        "FROM ({readable}) r CROSS JOIN doc_changes c \
         WHERE c.doc_id = r.id AND c.seq > $1 AND c.seq <= $2 AND c.origin_session <> $5"
    );
    let sql = format!("SELECT c.seq, c.doc_id, c.bytes {changes} ORDER BY c.seq LIMIT $6");
    let limit = i64::try_from(limits.page_changes).unwrap_or(i64::MAX);
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(from_i)
        .bind(max_i)
        .bind(actor.id.to_string())
        .bind(&school)
        .bind(actor.session_id.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let full_page = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= limit;

    // Group per document, in the order documents first appear.
    let mut updates: Vec<(String, Vec<ByteBuf>)> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut add = |doc: &str, bytes: Vec<u8>| {
        let index = *position.entry(doc.to_owned()).or_insert_with(|| {
            updates.push((doc.to_owned(), Vec::new()));
            updates.len() - 1
        });
        updates[index].1.push(ByteBuf::from(bytes));
    };
    let mut page_bytes = 0_usize;
    for (doc, (_, snapshot)) in &snapshots {
        page_bytes += snapshot.len();
        add(doc, snapshot.clone());
    }
    let mut last_seq = from_i;
    let mut cut_short = false;
    for row in &rows {
        let seq: i64 = col(row, "seq")?;
        let doc: String = col(row, "doc_id")?;
        if snapshots.get(&doc).is_some_and(|(up_to, _)| seq <= *up_to) {
            last_seq = seq;
            continue;
        }
        let bytes: Vec<u8> = col(row, "bytes")?;
        if page_bytes > 0 && page_bytes + bytes.len() > PAGE_BYTES {
            cut_short = true;
            break;
        }
        page_bytes += bytes.len();
        last_seq = seq;
        add(&doc, bytes);
    }
    let has_more = cut_short || full_page;
    let new_cursor = if has_more { u64::try_from(last_seq).unwrap_or(0) } else { max };
    // Only while paging (a new device, or one back after a long time): what is left, so the
    // device can show how far along it is.
    let remaining = if has_more {
        let sql = format!("SELECT COUNT(*) {changes}");
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(last_seq)
            .bind(max_i)
            .bind(actor.id.to_string())
            .bind(&school)
            .bind(actor.session_id.to_string())
            .fetch_one(&mut *conn)
            .await?;
        u64::try_from(count).unwrap_or(0)
    } else {
        0
    };

    let ids: Vec<String> = updates.iter().map(|(id, _)| id.clone()).collect();
    let metas = load_metas(&mut conn, &ids).await?;
    let docs = updates
        .into_iter()
        .map(|(id, changes)| {
            let meta =
                metas.get(&id).cloned().ok_or_else(|| ApiError::Internal("document without metadata".to_owned()))?;
            Ok(DocUpdate { meta, changes })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Pulled { docs, cursor: new_cursor, epoch: current_epoch, has_more, remaining })
}

async fn load_metas(conn: &mut Conn, ids: &[String]) -> Result<HashMap<String, DocMeta>, ApiError> {
    let mut metas = HashMap::new();
    for chunk in ids.chunks(200) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT id, kind, class_id, owner_id, subject_id FROM documents WHERE id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let meta = meta_from_row(&row)?;
            metas.insert(meta.id.to_string(), meta);
        }
    }
    Ok(metas)
}

/// A document as the server holds it (snapshot plus later changes), for jobs that read
/// contents: grading, digests. Built off the async runtime.
pub async fn load_document(conn: &mut Conn, id: DocId) -> Result<Option<(DocMeta, Automerge)>, ApiError> {
    Ok(load_document_after(conn, id, None).await?.map(|(meta, document, _)| (meta, document)))
}

/// A document brought up to date: from `copy` (a document and the sequence number of the last
/// change it holds) only the changes stored after it are read; without one, from the snapshot
/// and the changes after it. Also returns the sequence number the result holds up to.
pub async fn load_document_after(
    conn: &mut Conn,
    id: DocId,
    copy: Option<(Automerge, i64)>,
) -> Result<Option<(DocMeta, Automerge, i64)>, ApiError> {
    let Some((meta, _)) = find_meta(conn, id).await? else { return Ok(None) };
    let (base, after): (Option<Result<Automerge, Vec<u8>>>, i64) = match copy {
        Some((document, up_to)) => (Some(Ok(document)), up_to),
        None => {
            let snapshot = sqlx::query("SELECT up_to_seq, bytes FROM doc_snapshots WHERE doc_id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
            match snapshot {
                Some(row) => (Some(Err(col(&row, "bytes")?)), col(&row, "up_to_seq")?),
                None => (None, 0),
            }
        }
    };
    let rows = sqlx::query("SELECT seq, bytes FROM doc_changes WHERE doc_id = $1 AND seq > $2 ORDER BY seq")
        .bind(id.to_string())
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
    // Changes one after another are a valid incremental save: loaded in one call, not one
    // call per change (which would cost the document's size each time).
    let mut changes = Vec::new();
    let mut up_to = after;
    for row in &rows {
        changes.extend_from_slice(&col::<Vec<u8>>(row, "bytes")?);
        up_to = up_to.max(col(row, "seq")?);
    }
    let document = tokio::task::spawn_blocking(move || -> Result<Automerge, ApiError> {
        let unreadable = |e: automerge::AutomergeError| ApiError::Internal(format!("stored document unreadable: {e}"));
        let mut document = match base {
            Some(Ok(document)) => document,
            Some(Err(snapshot)) => Automerge::load(&snapshot).map_err(unreadable)?,
            None => Automerge::new(),
        };
        if !changes.is_empty() {
            document.load_incremental(&changes).map_err(unreadable)?;
        }
        Ok(document)
    })
    .await??;
    Ok(Some((meta, document, up_to)))
}

/// Documents of a class, optionally of one kind.
pub async fn class_documents(conn: &mut Conn, class: ClassId, kind: Option<DocKind>) -> Result<Vec<DocMeta>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, kind, class_id, owner_id, subject_id FROM documents WHERE class_id = $1 AND ($2 = '' OR kind = $2) ORDER BY id",
    )
    .bind(class.to_string())
    .bind(kind.map_or("", DocKind::as_str))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(meta_from_row).collect()
}
