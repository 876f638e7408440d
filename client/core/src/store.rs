//! The local store (SQLite through rusqlite, WAL, `synchronous = FULL`).
//!
//! A document is its last snapshot plus the chunks (automerge changes) added since; loading is
//! `load(snapshot)` then `load_incremental` of each chunk, and after enough chunks the document
//! is saved as a new snapshot. Changes made on this device also go to the outbox, where they
//! stay until the server acknowledges them (or, if it refuses them, are kept and reported).
//! Every edit and every applied sync answer is one transaction: a crash at any point leaves
//! the store as before or after it, never between.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use automerge::transaction::Transaction;
use automerge::{ActorId, Automerge, AutomergeError, ChangeHash};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_bytes::ByteBuf;
use tallschool_shared::DocId;
use tallschool_shared::docs::{DocKind, DocMeta, genesis};
use tallschool_shared::sync::{ACK_PREFIX, DocPush, DocRejection, SyncResponse};

use crate::clock::Clock;
use crate::error::{ClientError, Result};
use crate::feature::{Changed, Feature, Migration, Origin};
pub use tallschool_contract::sync::{DocSummary, StoreStatus as Status};

/// After this many chunks a document is saved as a new snapshot.
const CHUNKS_BEFORE_SNAPSHOT: i64 = 64;

/// The kv key of the last document removal applied.
const REMOVALS_SEEN: &str = "removals_seen";

/// The store's own tables (documents, chunks, outbox, refusals); features add theirs.
const MIGRATIONS: &[Migration] = &[Migration { sql: BASE_SCHEMA, rebuild: false }];

/// The first schema; `IF NOT EXISTS` throughout, so that a store made before migrations were
/// numbered takes it as already applied.
const BASE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    class_id    TEXT NOT NULL,
    owner_id    TEXT,
    subject_id  TEXT,
    snapshot    BLOB NOT NULL,
    -- bumped on every write, so that an in-memory copy knows when it is stale
    version     INTEGER NOT NULL DEFAULT 0,
    -- materialized for listing without opening the document
    title       TEXT NOT NULL DEFAULT '',
    items       INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_chunks (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id  TEXT NOT NULL REFERENCES docs(id),
    bytes   BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_chunks_doc ON doc_chunks(doc_id, id);
-- Changes made here, in the order they were made: 'pending' until acknowledged, then
-- 'acked'; 'rejected' (kept, never dropped) when the server refuses their document.
CREATE TABLE IF NOT EXISTS outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id      TEXT NOT NULL REFERENCES docs(id),
    hash        BLOB NOT NULL,
    bytes       BLOB NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'acked', 'rejected')),
    created_at  INTEGER NOT NULL,
    UNIQUE (doc_id, hash)
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, id);
CREATE TABLE IF NOT EXISTS rejections (
    doc_id   TEXT PRIMARY KEY,
    reason   TEXT NOT NULL,
    message  TEXT NOT NULL,
    at       INTEGER NOT NULL
);
-- Media this device's documents name that the server will show to nobody (the school holds
-- no such file); replaced each time the server acknowledges the document again.
CREATE TABLE IF NOT EXISTS media_refusals (
    doc_id   TEXT NOT NULL,
    hash     TEXT NOT NULL,
    message  TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (doc_id, hash)
);
";

pub struct Store {
    conn: Connection,
    dir: PathBuf,
    actor: ActorId,
    /// Documents as last loaded or written by this store, with the `version` they were at;
    /// reused while the stored version is unchanged (another process may write too).
    open: HashMap<DocId, (i64, Automerge)>,
    clock: Clock,
    features: &'static [Feature],
}

/// Where the server's last "update the app" answer is kept (empty once a sync succeeds).
pub const UPDATE_REQUIRED: &str = "update_required";

/// The changes of one round's push, and the outbox rows they came from.
pub struct Outgoing {
    pub push: Vec<DocPush>,
    pub rows: Vec<i64>,
}

/// What applying a sync answer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub acked: u64,
    pub rejected_docs: u64,
    pub media_refusals: u64,
    pub received_changes: u64,
    pub received_docs: u64,
    /// Copies deleted because the server removed their document (an erasure).
    pub removed_docs: u64,
    /// Documents that changes arrived for, or that were removed.
    pub changed: Vec<DocId>,
}

impl Store {
    /// Open (or create) the store in `dir` with the tables of `features` (upgrading an older
    /// store in place), reading the time from `clock`.
    pub fn open(dir: &Path, clock: Clock, features: &'static [Feature]) -> Result<Store> {
        let file_error = |source| ClientError::File { path: dir.display().to_string(), source };
        if !dir.exists() {
            crate::platform::make_private_dir(dir).map_err(file_error)?;
        }
        let conn = Connection::open(dir.join("tallschool.db"))?;
        conn.pragma_update(None, "journal_mode", crate::platform::JOURNAL_MODE)?;
        // FULL: an edit the user saw saved survives power loss, not only a crash.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut conn = conn;
        let rebuild = migrate(&mut conn, features)?;
        let actor = match kv_get(&conn, "device_actor")? {
            Some(hex) => {
                ActorId::from(decode_hex(&hex).ok_or_else(|| ClientError::Invalid("device actor corrupt".to_owned()))?)
            }
            None => {
                let actor = ActorId::random();
                kv_set(&conn, "device_actor", &actor.to_hex_string())?;
                actor
            }
        };
        let mut store = Store { conn, dir: dir.to_owned(), actor, open: HashMap::new(), clock, features };
        if !rebuild.is_empty() {
            store.rebuild(&rebuild)?;
        }
        Ok(store)
    }

    /// Derive the tables of `features` again from every document, in one transaction.
    fn rebuild(&mut self, features: &[&'static Feature]) -> Result<()> {
        let ids: Vec<DocId> = self.list()?.into_iter().map(|d| d.id).collect();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for id in ids {
            let Some(meta) = meta_in(&tx, id)? else { continue };
            let (_, doc) = take_doc(&tx, &mut self.open, id)?;
            for feature in features {
                if let Some(materialize) = feature.materialize {
                    materialize(&tx, &meta, &doc, Changed::Everything, Origin::Elsewhere)?;
                }
            }
        }
        tx.commit()?;
        self.open.clear();
        Ok(())
    }

    /// Numbered steps applied to this store, per feature.
    pub fn migrations(&self) -> Result<Vec<(String, u32)>> {
        let mut statement = self.conn.prepare("SELECT feature, version FROM migrations ORDER BY feature, version")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Now, by the engine's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// This device's automerge actor, as hex: also its key for per-device values.
    pub fn device_actor_hex(&self) -> String {
        self.actor.to_hex_string()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn get(&self, key: &str) -> Result<Option<String>> {
        kv_get(&self.conn, key)
    }

    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        kv_set(&self.conn, key, value)
    }

    /// The last document removal applied (sent as `removals_seen`).
    pub fn removals_seen(&self) -> Result<u64> {
        Ok(self.get(REMOVALS_SEEN)?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// The last server position seen, and the access epoch it belongs to.
    pub fn cursor(&self) -> Result<(u64, u64)> {
        let number = |key| -> Result<u64> { Ok(self.get(key)?.and_then(|v| v.parse().ok()).unwrap_or(0)) };
        Ok((number("cursor")?, number("epoch")?))
    }

    pub fn meta(&self, id: DocId) -> Result<Option<DocMeta>> {
        self.conn
            .query_row(
                "SELECT id, kind, class_id, owner_id, subject_id FROM docs WHERE id = ?1",
                [id.to_string()],
                meta_from_row,
            )
            .optional()?
            .transpose()
    }

    /// The document as this device has it.
    pub fn load(&mut self, id: DocId) -> Result<Option<(DocMeta, Automerge)>> {
        let Some(meta) = self.meta(id)? else { return Ok(None) };
        let (version, doc) = take_doc(&self.conn, &mut self.open, id)?;
        self.open.insert(id, (version, doc.clone()));
        Ok(Some((meta, doc)))
    }

    /// Read the document without copying it: `f` sees this device's current state.
    pub fn read<T>(&mut self, id: DocId, f: impl FnOnce(&DocMeta, &Automerge) -> T) -> Result<Option<T>> {
        let Some(meta) = self.meta(id)? else { return Ok(None) };
        let (version, doc) = take_doc(&self.conn, &mut self.open, id)?;
        let value = f(&meta, &doc);
        self.open.insert(id, (version, doc));
        Ok(Some(value))
    }

    pub fn list(&self) -> Result<Vec<DocSummary>> {
        let mut statement = self.conn.prepare(
            "SELECT id, kind, class_id, owner_id, subject_id, title, items FROM docs ORDER BY kind, title, id",
        )?;
        let rows = statement.query_map([], |row| {
            let meta = meta_from_row(row)?;
            Ok((meta, row.get::<_, String>(5)?, row.get::<_, i64>(6)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (meta, title, items) = row?;
            let meta = meta?;
            out.push(DocSummary {
                id: meta.id,
                kind: meta.kind,
                class_id: meta.class_id,
                owner_id: meta.owner_id,
                subject_id: meta.subject_id,
                title,
                items,
            });
        }
        Ok(out)
    }

    /// Make one change to a document (creating it from its deterministic first change if this
    /// device does not have it yet), durably, and queue it for the server.
    pub fn edit<F>(&mut self, meta: &DocMeta, f: F) -> Result<Option<ChangeHash>>
    where
        F: FnOnce(&mut Transaction<'_>) -> std::result::Result<(), AutomergeError>,
    {
        self.edit_then(meta, f, |_| Ok(()))
    }

    /// [`Store::edit`], and `then` in the same local transaction (e.g. removing the rows the
    /// change was made from), so a crash leaves both done or neither.
    pub fn edit_then<F, G>(&mut self, meta: &DocMeta, f: F, then: G) -> Result<Option<ChangeHash>>
    where
        F: FnOnce(&mut Transaction<'_>) -> std::result::Result<(), AutomergeError>,
        G: FnOnce(&Connection) -> Result<()>,
    {
        meta.check().map_err(|e| ClientError::Invalid(e.to_string()))?;
        let at = self.now();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut doc = match meta_in(&tx, meta.id)? {
            Some(stored) if &stored != meta => {
                return Err(ClientError::Invalid(format!("document {} exists with other metadata", meta.id)));
            }
            Some(_) => take_doc(&tx, &mut self.open, meta.id)?.1,
            None => {
                let doc = genesis(meta.id, meta.kind)?;
                insert_doc(&tx, meta, &doc, at)?;
                for change in doc.get_changes(&[]) {
                    queue(&tx, meta.id, change.hash(), change.raw_bytes(), at)?;
                }
                doc
            }
        };
        // A document from a newer app is read, not written (this app does not know its layout).
        tallschool_shared::schema::check_writable(&doc)
            .map_err(|newer| ClientError::UpdateRequired(newer.to_string()))?;
        doc.set_actor(self.actor.clone());
        let heads = doc.get_heads();
        // The first edit by this app brings an older document to its layout, in the same change
        // (an edit that writes nothing writes no upgrade either).
        let edit_and_upgrade = |tx: &mut Transaction<'_>| {
            f(tx)?;
            if automerge::transaction::Transactable::pending_ops(tx) > 0 {
                tallschool_shared::schema::upgrade(tx, meta.kind)?;
            }
            Ok(())
        };
        let mut log = doc
            .transact_and_log_patches::<_, _, AutomergeError>(edit_and_upgrade)
            .map_err(|failure| failure.error)?
            .patch_log;
        let patches = doc.make_patches(&mut log);
        if doc.get_heads() == heads {
            then(&tx)?;
            tx.commit()?;
            return Ok(None);
        }
        let Some(change) = doc.get_last_local_change() else {
            return Err(ClientError::Invalid("the edit made no change".to_owned()));
        };
        // A student's document keeps its history on every device of the class: no contact
        // details in it (the transaction is dropped, so nothing of the edit is kept).
        if !meta.kind.is_content() && tallschool_shared::privacy::email_in_change(&change).is_some() {
            return Err(ClientError::Invalid(
                "this looks like an email address: please leave personal details out of notes, answers and cards"
                    .to_owned(),
            ));
        }
        let bytes = change.raw_bytes().to_vec();
        append_chunk(&tx, meta.id, &bytes)?;
        queue(&tx, meta.id, change.hash(), &bytes, at)?;
        materialize(&tx, self.features, meta, &doc, Changed::Patches(&patches), Origin::Local, at)?;
        maybe_snapshot(&tx, meta.id, &doc)?;
        let version = bump_version(&tx, meta.id)?;
        then(&tx)?;
        tx.commit()?;
        self.open.insert(meta.id, (version, doc));
        Ok(Some(change.hash()))
    }

    /// The oldest pending changes, grouped per document, at most `max_changes`.
    pub fn outgoing(&self, max_changes: usize) -> Result<Outgoing> {
        self.outgoing_where(max_changes, false)
    }

    /// Like [`Store::outgoing`], but only the oldest pending document's changes.
    pub fn outgoing_one_document(&self, max_changes: usize) -> Result<Outgoing> {
        self.outgoing_where(max_changes, true)
    }

    fn outgoing_where(&self, max_changes: usize, one_document: bool) -> Result<Outgoing> {
        let mut statement = self.conn.prepare(
            "SELECT o.id, o.bytes, d.id, d.kind, d.class_id, d.owner_id, d.subject_id \
             FROM outbox o JOIN docs d ON d.id = o.doc_id WHERE o.state = 'pending' \
               AND (?2 = 0 OR o.doc_id = (SELECT doc_id FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1)) \
             ORDER BY o.id LIMIT ?1",
        )?;
        let limit = i64::try_from(max_changes).unwrap_or(i64::MAX);
        let rows = statement.query_map(params![limit, i64::from(one_document)], |row| {
            let meta = meta_from_columns(row, 2)?;
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?, meta))
        })?;
        let mut push: Vec<DocPush> = Vec::new();
        let mut index: HashMap<DocId, usize> = HashMap::new();
        let mut ids = Vec::new();
        for row in rows {
            let (id, bytes, meta) = row?;
            let meta = meta?;
            let slot = *index.entry(meta.id).or_insert_with(|| {
                push.push(DocPush { meta: meta.clone(), changes: Vec::new() });
                push.len() - 1
            });
            push[slot].changes.push(ByteBuf::from(bytes));
            ids.push(id);
        }
        Ok(Outgoing { push, rows: ids })
    }

    /// Apply a server answer in one transaction: acknowledgements, rejections, received
    /// changes, and the new cursor.
    pub fn apply(&mut self, response: &SyncResponse) -> Result<Applied> {
        let at = self.now();
        let mut applied = Applied::default();
        if !response.removed.is_empty() {
            // Removed documents are an erased person's: overwritten, not left in free pages.
            self.conn.pragma_update(None, "secure_delete", "ON")?;
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut touched = Vec::new();
        for ack in &response.acks {
            // Acknowledged by hash prefix; a prefix shorter than the protocol's could match
            // changes the server never saw, so it is ignored.
            for hash in ack.hashes.iter().filter(|h| (ACK_PREFIX..=32).contains(&h.len())) {
                applied.acked += u64::try_from(tx.execute(
                    "UPDATE outbox SET state = 'acked' \
                     WHERE doc_id = ?1 AND substr(hash, 1, ?3) = ?2 AND state = 'pending'",
                    params![ack.doc.to_string(), hash.as_slice(), i64::try_from(hash.len()).unwrap_or(32)],
                )?)
                .unwrap_or(0);
            }
        }
        // Refusals describe the documents as just acknowledged: they replace earlier ones.
        for ack in &response.acks {
            tx.execute("DELETE FROM media_refusals WHERE doc_id = ?1", [ack.doc.to_string()])?;
        }
        for refusal in &response.media_refusals {
            tx.execute(
                "INSERT INTO media_refusals (doc_id, hash, message, at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (doc_id, hash) DO UPDATE SET message = excluded.message, at = excluded.at",
                params![refusal.doc.to_string(), refusal.hash, refusal.message, at],
            )?;
            applied.media_refusals += 1;
        }
        for DocRejection { doc, reason, message } in &response.rejections {
            tx.execute(
                "UPDATE outbox SET state = 'rejected' WHERE doc_id = ?1 AND state = 'pending'",
                [doc.to_string()],
            )?;
            let reason =
                serde_json::to_value(reason).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            tx.execute(
                "INSERT INTO rejections (doc_id, reason, message, at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (doc_id) DO UPDATE SET reason = excluded.reason, message = excluded.message, at = excluded.at",
                params![doc.to_string(), reason, message, at],
            )?;
            applied.rejected_docs += 1;
        }
        for update in &response.docs {
            let meta = &update.meta;
            meta.check().map_err(|e| ClientError::Protocol(format!("server sent invalid metadata: {e}")))?;
            let mut doc = match meta_in(&tx, meta.id)? {
                Some(_) => take_doc(&tx, &mut self.open, meta.id)?.1,
                None => {
                    let doc = genesis(meta.id, meta.kind)?;
                    insert_doc(&tx, meta, &doc, at)?;
                    applied.received_docs += 1;
                    doc
                }
            };
            let mut log = automerge::PatchLog::active();
            for chunk in &update.changes {
                doc.load_incremental_log_patches(chunk, &mut log)
                    .map_err(|e| ClientError::Protocol(format!("received change unreadable: {e}")))?;
                append_chunk(&tx, meta.id, chunk)?;
                applied.received_changes += 1;
            }
            let patches = doc.make_patches(&mut log);
            materialize(&tx, self.features, meta, &doc, Changed::Patches(&patches), Origin::Elsewhere, at)?;
            maybe_snapshot(&tx, meta.id, &doc)?;
            touched.push((meta.id, bump_version(&tx, meta.id)?, doc));
        }
        let mut removed = Vec::new();
        for &id in &response.removed {
            if meta_in(&tx, id)?.is_some() {
                remove_doc(&tx, self.features, id)?;
                removed.push(id);
            }
        }
        kv_set(&tx, "cursor", &response.cursor.to_string())?;
        kv_set(&tx, "epoch", &response.epoch.to_string())?;
        kv_set(&tx, REMOVALS_SEEN, &response.removals_cursor.to_string())?;
        kv_set(&tx, "last_sync_at", &at.to_string())?;
        tx.commit()?;
        if !removed.is_empty() {
            // Old page images of the removed documents leave the write-ahead log too.
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        for id in removed {
            self.open.remove(&id);
            applied.removed_docs += 1;
            applied.changed.push(id);
        }
        for (id, version, doc) in touched {
            applied.changed.push(id);
            self.open.insert(id, (version, doc));
        }
        Ok(applied)
    }

    /// The server refused a whole round because of this document (e.g. it grew too large):
    /// keep its changes, stop sending them, and say why.
    pub fn refuse_locally(&self, doc: DocId, reason: &str, message: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'rejected' WHERE doc_id = ?1 AND state = 'pending'",
            [doc.to_string()],
        )?;
        self.conn.execute(
            "INSERT INTO rejections (doc_id, reason, message, at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (doc_id) DO UPDATE SET reason = excluded.reason, message = excluded.message, at = excluded.at",
            params![doc.to_string(), reason, message, self.now()],
        )?;
        Ok(())
    }

    /// Refused changes go back to the outbox to be tried again (e.g. after a teacher fixed
    /// the class membership that made the server refuse them).
    pub fn retry_rejected(&self) -> Result<u64> {
        let count = self.conn.execute("UPDATE outbox SET state = 'pending' WHERE state = 'rejected'", [])?;
        self.conn.execute("DELETE FROM rejections", [])?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Changes waiting to be sent (one count; [`Store::status`] reads much more).
    pub fn pending_changes(&self) -> Result<u64> {
        let n: i64 =
            self.conn.query_row("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", [], |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn status(&self) -> Result<Status> {
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = self.conn.query_row(sql, [], |row| row.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let (cursor, epoch) = self.cursor()?;
        let mut statement =
            self.conn.prepare("SELECT doc_id, reason || ': ' || message FROM rejections ORDER BY at")?;
        let rejections =
            statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        let mut statement = self.conn.prepare("SELECT doc_id, hash, message FROM media_refusals ORDER BY at, hash")?;
        let media_refusals = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Status {
            pending_changes: self.pending_changes()?,
            rejected_changes: count("SELECT COUNT(*) FROM outbox WHERE state = 'rejected'")?,
            documents: count("SELECT COUNT(*) FROM docs")?,
            cursor,
            epoch,
            last_sync_at: self.get("last_sync_at")?.and_then(|v| v.parse().ok()),
            rejections,
            media_refusals,
            update_required: self.get(UPDATE_REQUIRED)?.filter(|message| !message.is_empty()),
        })
    }

    /// Forget the account's documents and position (sign-out, or another account signing in on
    /// a shared device). Deleted rows are overwritten and the files compacted, so nothing of the
    /// account stays readable in the database's free pages or its write-ahead log. The media
    /// files go with [`crate::Core::forget_everything`].
    pub fn forget_everything(&mut self) -> Result<()> {
        self.open.clear();
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "DELETE FROM outbox; DELETE FROM doc_chunks; DELETE FROM rejections; DELETE FROM media_refusals; DELETE FROM docs; \
             DELETE FROM kv WHERE key IN ('account', 'cursor', 'epoch', 'removals_seen', 'last_sync_at', 'update_required') \
             OR key LIKE 'upload:%';",
        )?;
        for feature in self.features {
            tx.execute_batch(feature.forget)?;
        }
        tx.commit()?;
        self.conn.execute_batch("VACUUM")?;
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        self.conn.pragma_update(None, "secure_delete", "OFF")?;
        Ok(())
    }
}

fn kv_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM kv WHERE key = ?1", [key], |row| row.get(0)).optional()?)
}

fn kv_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

type MetaResult = Result<DocMeta>;

fn meta_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<MetaResult> {
    meta_from_columns(row, 0)
}

fn meta_from_columns(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<MetaResult> {
    let id: String = row.get(first)?;
    let kind: String = row.get(first + 1)?;
    let class: String = row.get(first + 2)?;
    let owner: Option<String> = row.get(first + 3)?;
    let subject: Option<String> = row.get(first + 4)?;
    let bad = |what: &str| ClientError::Invalid(format!("stored {what} unreadable"));
    Ok((|| {
        Ok(DocMeta {
            id: id.parse().map_err(|_| bad("id"))?,
            kind: DocKind::parse(&kind).ok_or_else(|| bad("kind"))?,
            class_id: class.parse().map_err(|_| bad("class"))?,
            owner_id: owner.map(|o| o.parse().map_err(|_| bad("owner"))).transpose()?,
            subject_id: subject.map(|s| s.parse().map_err(|_| bad("subject"))).transpose()?,
        })
    })())
}

fn meta_in(conn: &Connection, id: DocId) -> Result<Option<DocMeta>> {
    conn.query_row(
        "SELECT id, kind, class_id, owner_id, subject_id FROM docs WHERE id = ?1",
        [id.to_string()],
        meta_from_row,
    )
    .optional()?
    .transpose()
}

/// The document, taken out of the in-memory copies if current, else loaded from disk. Callers
/// that change it put it back after their transaction commits.
fn take_doc(conn: &Connection, open: &mut HashMap<DocId, (i64, Automerge)>, id: DocId) -> Result<(i64, Automerge)> {
    let version: i64 = conn.query_row("SELECT version FROM docs WHERE id = ?1", [id.to_string()], |row| row.get(0))?;
    match open.remove(&id) {
        Some((cached, doc)) if cached == version => Ok((version, doc)),
        _ => Ok((version, load_doc(conn, id)?)),
    }
}

fn bump_version(conn: &Connection, id: DocId) -> Result<i64> {
    Ok(conn.query_row(
        "UPDATE docs SET version = version + 1 WHERE id = ?1 RETURNING version",
        [id.to_string()],
        |row| row.get(0),
    )?)
}

fn load_doc(conn: &Connection, id: DocId) -> Result<Automerge> {
    let snapshot: Vec<u8> =
        conn.query_row("SELECT snapshot FROM docs WHERE id = ?1", [id.to_string()], |row| row.get(0))?;
    let mut doc = Automerge::load(&snapshot)?;
    let mut statement = conn.prepare_cached("SELECT bytes FROM doc_chunks WHERE doc_id = ?1 ORDER BY id")?;
    let chunks = statement.query_map([id.to_string()], |row| row.get::<_, Vec<u8>>(0))?;
    for chunk in chunks {
        doc.load_incremental(&chunk?)?;
    }
    Ok(doc)
}

/// Delete a document the server removed, with its unsent changes and everything features
/// derived from it.
fn remove_doc(tx: &rusqlite::Transaction<'_>, features: &[Feature], id: DocId) -> Result<()> {
    let id = id.to_string();
    for feature in features {
        for sql in feature.forget_document {
            tx.execute(sql, [&id])?;
        }
    }
    for sql in [
        "DELETE FROM outbox WHERE doc_id = ?1",
        "DELETE FROM doc_chunks WHERE doc_id = ?1",
        "DELETE FROM rejections WHERE doc_id = ?1",
        "DELETE FROM media_refusals WHERE doc_id = ?1",
        "DELETE FROM docs WHERE id = ?1",
    ] {
        tx.execute(sql, [&id])?;
    }
    Ok(())
}

fn insert_doc(conn: &Connection, meta: &DocMeta, doc: &Automerge, at: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO docs (id, kind, class_id, owner_id, subject_id, snapshot, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            meta.id.to_string(),
            meta.kind.as_str(),
            meta.class_id.to_string(),
            meta.owner_id.map(|o| o.to_string()),
            meta.subject_id.map(|s| s.to_string()),
            doc.save(),
            at
        ],
    )?;
    Ok(())
}

fn append_chunk(conn: &Connection, id: DocId, bytes: &[u8]) -> Result<()> {
    conn.prepare_cached("INSERT INTO doc_chunks (doc_id, bytes) VALUES (?1, ?2)")?
        .execute(params![id.to_string(), bytes])?;
    Ok(())
}

fn queue(conn: &Connection, id: DocId, hash: ChangeHash, bytes: &[u8], at: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO outbox (doc_id, hash, bytes, state, created_at) VALUES (?1, ?2, ?3, 'pending', ?4) \
         ON CONFLICT (doc_id, hash) DO NOTHING",
    )?
    .execute(params![id.to_string(), hash.0.as_slice(), bytes, at])?;
    Ok(())
}

fn maybe_snapshot(conn: &Connection, id: DocId, doc: &Automerge) -> Result<()> {
    let chunks: i64 =
        conn.query_row("SELECT COUNT(*) FROM doc_chunks WHERE doc_id = ?1", [id.to_string()], |row| row.get(0))?;
    if chunks >= CHUNKS_BEFORE_SNAPSHOT {
        conn.execute("UPDATE docs SET snapshot = ?1 WHERE id = ?2", params![doc.save(), id.to_string()])?;
        conn.execute("DELETE FROM doc_chunks WHERE doc_id = ?1", [id.to_string()])?;
    }
    Ok(())
}

/// Keep the listing columns in step with the document.
/// The document's own listing row, then every feature's tables.
fn materialize(
    conn: &Connection,
    features: &[Feature],
    meta: &DocMeta,
    doc: &Automerge,
    changed: Changed<'_>,
    origin: Origin,
    at: i64,
) -> Result<()> {
    let (title, items) = summarize(meta.kind, doc);
    conn.execute(
        "UPDATE docs SET title = ?1, items = ?2, updated_at = ?3 WHERE id = ?4",
        params![title, items, at, meta.id.to_string()],
    )?;
    for feature in features {
        if let Some(materialize) = feature.materialize {
            materialize(conn, meta, doc, changed, origin)?;
        }
    }
    Ok(())
}

/// What the listing shows of a document: its title, and its cards, questions, characters of
/// text, or reviews.
fn summarize(kind: DocKind, doc: &Automerge) -> (String, i64) {
    use tallschool_shared::schema::{keys, size_of};
    let items = size_of(
        doc,
        match kind {
            DocKind::Deck => keys::CARDS,
            DocKind::Text => keys::BODY,
            DocKind::VideoTest => keys::QUESTIONS,
            DocKind::Progress => keys::REVIEWS,
        },
    );
    let items = i64::try_from(items).unwrap_or(i64::MAX);
    (tallschool_shared::schema::title(doc), items)
}

/// Run the steps of the store and of each feature that this store has not run yet; returns
/// the features whose tables must be derived again.
fn migrate(conn: &mut Connection, features: &'static [Feature]) -> Result<Vec<&'static Feature>> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS migrations (
            feature    TEXT NOT NULL,
            version    INTEGER NOT NULL,
            applied_at INTEGER NOT NULL,
            PRIMARY KEY (feature, version)
        );",
    )?;
    let mut rebuild = Vec::new();
    let steps =
        std::iter::once(("store", MIGRATIONS, None)).chain(features.iter().map(|f| (f.name, f.migrations, Some(f))));
    for (name, migrations, feature) in steps {
        let applied: u32 =
            conn.query_row("SELECT COALESCE(MAX(version), 0) FROM migrations WHERE feature = ?1", [name], |row| {
                row.get(0)
            })?;
        if applied as usize > migrations.len() {
            return Err(ClientError::Invalid(format!(
                "this device's data was written by a newer version of the app ({name} step {applied}); update the app"
            )));
        }
        for (index, migration) in migrations.iter().enumerate().skip(applied as usize) {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(migration.sql)?;
            tx.execute(
                "INSERT INTO migrations (feature, version, applied_at) VALUES (?1, ?2, strftime('%s', 'now'))",
                params![name, i64::try_from(index + 1).unwrap_or(i64::MAX)],
            )?;
            tx.commit()?;
            if let Some(feature) = feature
                && migration.rebuild
                && !rebuild.iter().any(|f: &&Feature| f.name == feature.name)
            {
                rebuild.push(feature);
            }
        }
    }
    Ok(rebuild)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok())).collect()
}
