//! The PII access log: one row per person whose data was read — or per refused attempt —
//! saying who, whose, which fields, why, from where, and whether it was allowed; never values.
//! Rows are only ever appended, each sealed into a hash chain (`chain`), so that
//! `tallschool-server audit verify` can tell when a row was edited, deleted, added or moved.

pub mod chain;

use std::collections::HashMap;

use secrecy::ExposeSecret;
use tallschool_shared::api::AccessOutcome;
use tallschool_shared::events::PiiField;
use tallschool_shared::{ClassId, Role, SchoolId, UserId};

use self::chain::{Entry, Head, Report, Sealer, StoredEntry, Verifier};
use crate::config::Settings;
use crate::db::{AnyRow, Conn, Db, DbError, col};
use crate::error::ApiError;
use crate::keys::{self, Key, KeyError, KeyLength};

/// Where the audit key lives unless configured, under the keys folder.
pub const KEY_FILE: &str = "audit.key";
/// The audit key's length (HMAC-SHA-256 keys are as long as its output).
pub const KEY_LEN: usize = 32;

/// The one chain there is today; the head table is keyed by chain so that others can follow.
const PII_ACCESS: &str = "pii_access";
/// Rows read per query while verifying.
const VERIFY_PAGE: i64 = 2_000;

/// Whose data an access was about: a person, or a class roster refused as a whole.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    Person(UserId),
    Class(ClassId),
}

/// One access, as the reader describes it.
#[derive(Clone, Debug)]
pub struct Access<'a> {
    pub actor_id: UserId,
    pub actor_role: Role,
    pub subject: Subject,
    pub school: Option<SchoolId>,
    pub fields: &'a [PiiField],
    pub purpose: &'a str,
    pub request_id: Option<&'a str>,
    pub client_address: Option<String>,
    pub outcome: AccessOutcome,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the audit chain has no head: the server seals it at start")]
    NoHead,
    #[error("the audit chain's head is sealed with key {0}, which is not loaded")]
    UnknownKey(String),
}

impl From<AuditError> for ApiError {
    fn from(error: AuditError) -> Self {
        match error {
            AuditError::Db(error) => ApiError::from(error),
            // No audit, no personal data: fail closed.
            other => ApiError::Unavailable(format!("pii access log: {other}")),
        }
    }
}

pub struct AuditLog {
    current_id: String,
    keyring: HashMap<String, Key>,
}

impl AuditLog {
    pub fn new(current: Key) -> Self {
        let current_id = current.id.clone();
        Self { current_id, keyring: HashMap::from([(current.id.clone(), current)]) }
    }

    fn sealer(&self) -> Sealer<'_> {
        let key = &self.keyring[&self.current_id];
        Sealer::new(key.bytes.expose_secret())
    }

    fn key_bytes(&self, id: &str) -> Option<Vec<u8>> {
        self.keyring.get(id).map(|key| key.bytes.expose_secret().clone())
    }

    /// Append `access` to the chain. Run it in the transaction of the read it records: the
    /// head row stays locked until that commits, so appends are strictly one after another.
    pub async fn append(&self, conn: &mut Conn, access: &Access<'_>, now: i64) -> Result<(), AuditError> {
        // Taking the next position first locks the head: no two appends read the same last seal.
        let mut head = lock_head(conn, 1).await?;
        let sealer = self.sealer();
        let (subject_id, class_id) = match access.subject {
            Subject::Person(user) => (Some(user.to_string()), None),
            Subject::Class(class) => (None, Some(class.to_string())),
        };
        let actor_id = access.actor_id.to_string();
        let names: Vec<&str> = access.fields.iter().map(|f| f.as_str()).collect();
        let entry = Entry {
            seq: head.last_seq,
            at: now,
            actor_digest: sealer.person_digest(&actor_id),
            actor_id: Some(actor_id),
            actor_role: access.actor_role.as_str().to_owned(),
            // A refused roster names no person; its digest seals the empty id.
            subject_digest: sealer.person_digest(subject_id.as_deref().unwrap_or("")),
            subject_id,
            class_id,
            school_id: access.school.map(|s| s.to_string()),
            fields: names.join(","),
            purpose: access.purpose.to_owned(),
            request_id: access.request_id.map(str::to_owned),
            client_address: access.client_address.clone(),
            outcome: access.outcome.as_str().to_owned(),
        };
        let hash = sealer.entry_hash(&head.last_hash, &entry);
        insert(conn, &entry, &self.current_id, &head.last_hash, &hash).await?;
        head.last_hash = hash;
        sqlx::query("UPDATE audit_chain_head SET last_hash = $1, key_id = $2, mac = $3 WHERE chain = $4")
            .bind(&head.last_hash)
            .bind(&self.current_id)
            .bind(sealer.head_mac(&head))
            .bind(PII_ACCESS)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Retention: delete the rows written before `cutoff` (Unix seconds) from the front of the
    /// chain, and move the sealed head's start to the first row kept (its position and the
    /// seal before it), so that `verify` still finds the chain whole. Answers rows deleted.
    pub async fn trim_before(&self, conn: &mut Conn, cutoff: i64) -> Result<u64, AuditError> {
        let mut head = lock_head(conn, 0).await?;
        let first_kept = sqlx::query(
            "SELECT seq, prev_hash FROM pii_access_log WHERE seq IS NOT NULL AND at >= $1 ORDER BY seq LIMIT 1",
        )
        .bind(cutoff)
        .fetch_optional(&mut *conn)
        .await?;
        let (first_seq, first_prev_hash) = match first_kept {
            Some(row) => (col::<i64>(&row, "seq")?, col::<String>(&row, "prev_hash")?),
            // Everything is older: the chain is empty from the next position on.
            None => (head.last_seq + 1, head.last_hash.clone()),
        };
        if first_seq <= head.first_seq {
            return Ok(0);
        }
        let deleted = sqlx::query("DELETE FROM pii_access_log WHERE seq < $1")
            .bind(first_seq)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        head.first_seq = first_seq;
        head.first_prev_hash = first_prev_hash;
        sqlx::query(
            "UPDATE audit_chain_head SET first_seq = $1, first_prev_hash = $2, key_id = $3, mac = $4 WHERE chain = $5",
        )
        .bind(head.first_seq)
        .bind(&head.first_prev_hash)
        .bind(&self.current_id)
        .bind(self.sealer().head_mac(&head))
        .bind(PII_ACCESS)
        .execute(&mut *conn)
        .await?;
        Ok(deleted)
    }

    /// At start: on a database whose chain was never begun, seal the rows written before the
    /// log was chained (in the order they were written) and create the head. Once the head
    /// exists this does nothing: a row without a position is then a finding, never sealed.
    pub async fn seal_unchained(&self, db: &Db) -> Result<u64, AuditError> {
        let mut tx = db.begin().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM audit_chain_head WHERE chain = $1")
            .bind(PII_ACCESS)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Ok(0);
        }
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor_role, subject_id, class_id, school_id, fields, purpose, request_id, \
             client_address, outcome FROM pii_access_log WHERE seq IS NULL ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let sealer = self.sealer();
        let mut head = Head::empty();
        for row in &rows {
            let id: i64 = col(row, "id")?;
            let person = |column: &str| -> Result<String, sqlx::Error> {
                let id: Option<String> = col(row, column)?;
                Ok(sealer.person_digest(id.as_deref().unwrap_or("")))
            };
            let digests = Digests { actor: person("actor_id")?, subject: person("subject_id")? };
            let entry = entry_from_row(row, head.last_seq + 1, digests)?;
            let hash = sealer.entry_hash(&head.last_hash, &entry);
            sqlx::query(
                "UPDATE pii_access_log SET seq = $1, actor_digest = $2, subject_digest = $3, key_id = $4, \
                 prev_hash = $5, hash = $6 WHERE id = $7",
            )
            .bind(entry.seq)
            .bind(&entry.actor_digest)
            .bind(&entry.subject_digest)
            .bind(&self.current_id)
            .bind(&head.last_hash)
            .bind(&hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            head.last_seq = entry.seq;
            head.last_hash = hash;
        }
        // Two replicas starting at once both get here; the second one's work is dropped.
        let created = sqlx::query(
            "INSERT INTO audit_chain_head (chain, first_seq, first_prev_hash, last_seq, last_hash, key_id, mac) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chain) DO NOTHING",
        )
        .bind(PII_ACCESS)
        .bind(head.first_seq)
        .bind(&head.first_prev_hash)
        .bind(head.last_seq)
        .bind(&head.last_hash)
        .bind(&self.current_id)
        .bind(sealer.head_mac(&head))
        .execute(&mut *tx)
        .await?;
        if created.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(0);
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// Walk the whole chain and report what does not match its seals.
    pub async fn verify(&self, db: &Db) -> Result<Report, AuditError> {
        let mut conn = db.pool.acquire().await?;
        let head = sqlx::query(
            "SELECT first_seq, first_prev_hash, last_seq, last_hash, key_id, mac FROM audit_chain_head WHERE chain = $1",
        )
        .bind(PII_ACCESS)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| -> Result<_, sqlx::Error> {
            let head = Head {
                first_seq: col(&row, "first_seq")?,
                first_prev_hash: col(&row, "first_prev_hash")?,
                last_seq: col(&row, "last_seq")?,
                last_hash: col(&row, "last_hash")?,
            };
            Ok((head, col(&row, "key_id")?, col(&row, "mac")?))
        })
        .transpose()?;
        let keys = |id: &str| self.key_bytes(id);
        let mut verifier = Verifier::new(&keys, head);
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(
                "SELECT id, seq, at, actor_id, actor_digest, actor_role, subject_id, subject_digest, class_id, \
                 school_id, fields, purpose, request_id, client_address, outcome, key_id, prev_hash, hash \
                 FROM pii_access_log WHERE seq IS NOT NULL AND seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(after)
            .bind(VERIFY_PAGE)
            .fetch_all(&mut *conn)
            .await?;
            for row in &rows {
                let stored = stored_entry(row)?;
                after = stored.entry.seq;
                verifier.check(&stored);
            }
            if (rows.len() as i64) < VERIFY_PAGE {
                break;
            }
        }
        let unchained: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pii_access_log WHERE seq IS NULL").fetch_one(&mut *conn).await?;
        Ok(verifier.finish(u64::try_from(unchained).unwrap_or(0)))
    }
}

async fn insert(conn: &mut Conn, entry: &Entry, key_id: &str, prev_hash: &str, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pii_access_log (seq, at, actor_id, actor_digest, actor_role, subject_id, subject_digest, \
         class_id, school_id, fields, purpose, request_id, client_address, outcome, key_id, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(entry.seq)
    .bind(entry.at)
    .bind(&entry.actor_id)
    .bind(&entry.actor_digest)
    .bind(&entry.actor_role)
    .bind(&entry.subject_id)
    .bind(&entry.subject_digest)
    .bind(&entry.class_id)
    .bind(&entry.school_id)
    .bind(&entry.fields)
    .bind(&entry.purpose)
    .bind(&entry.request_id)
    .bind(&entry.client_address)
    .bind(&entry.outcome)
    .bind(key_id)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn stored_entry(row: &AnyRow) -> Result<StoredEntry, sqlx::Error> {
    // A NULL where a seal belongs reads as empty, which then fails its check (not an error
    // that would stop verification).
    let text = |name: &str| -> Result<String, sqlx::Error> {
        let value: Option<String> = col(row, name)?;
        Ok(value.unwrap_or_default())
    };
    Ok(StoredEntry {
        id: col(row, "id")?,
        key_id: text("key_id")?,
        prev_hash: text("prev_hash")?,
        hash: text("hash")?,
        entry: entry_from_row(
            row,
            col(row, "seq")?,
            Digests { actor: text("actor_digest")?, subject: text("subject_digest")? },
        )?,
    })
}

/// The people's digests of a row: as stored, or computed when a row is first sealed.
struct Digests {
    actor: String,
    subject: String,
}

/// A stored row's sealed fields, at chain position `seq`.
fn entry_from_row(row: &AnyRow, seq: i64, digests: Digests) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        seq,
        at: col(row, "at")?,
        actor_id: col(row, "actor_id")?,
        actor_digest: digests.actor,
        actor_role: col(row, "actor_role")?,
        subject_id: col(row, "subject_id")?,
        subject_digest: digests.subject,
        class_id: col(row, "class_id")?,
        school_id: col(row, "school_id")?,
        fields: col(row, "fields")?,
        purpose: col(row, "purpose")?,
        request_id: col(row, "request_id")?,
        client_address: col(row, "client_address")?,
        outcome: col(row, "outcome")?,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("{0}")]
    Audit(#[from] AuditError),
}

/// The chain's head, locked until the transaction ends (the row on PostgreSQL, the database
/// on SQLite), its last position moved on by `advance` (1 to append, 0 to only lock it).
async fn lock_head(conn: &mut Conn, advance: i64) -> Result<Head, AuditError> {
    let row = sqlx::query(
        "UPDATE audit_chain_head SET last_seq = last_seq + $1 WHERE chain = $2 \
         RETURNING first_seq, first_prev_hash, last_seq, last_hash",
    )
    .bind(advance)
    .bind(PII_ACCESS)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AuditError::NoHead)?;
    Ok(Head {
        first_seq: col(&row, "first_seq")?,
        first_prev_hash: col(&row, "first_prev_hash")?,
        last_seq: col(&row, "last_seq")?,
        last_hash: col(&row, "last_hash")?,
    })
}

/// `tallschool-server audit verify`: check the chain of the database the settings name, with
/// the audit key they name. Creates and migrates nothing: it reports on what is there.
pub async fn check_configured(settings: &Settings) -> Result<Report, CheckError> {
    let key = keys::load_existing(
        "audit_key",
        settings.audit_key.as_ref(),
        &settings.keys_dir().join(KEY_FILE),
        KeyLength::Exactly(KEY_LEN),
        "audit",
    )?;
    let db = Db::connect(&settings.database_url).await?;
    Ok(AuditLog::new(key).verify(&db).await?)
}

/// The verdict as an operator reads it; the head's position and seal can be noted elsewhere
/// (a ticket, a printout) to later prove nothing was cut from the end since.
pub fn describe(report: &Report) -> String {
    let mut text = match &report.head {
        Some(head) => format!(
            "PII access log: {} rows in the chain (positions {} to {}), head seal {}\n",
            report.rows, head.first_seq, head.last_seq, head.last_hash
        ),
        None => format!("PII access log: {} rows, no chain head\n", report.rows),
    };
    if report.intact() {
        text.push_str("intact: every row matches its seal\n");
    } else {
        text.push_str(&format!("TAMPERED: {} finding(s)\n", report.findings.len()));
        for finding in &report.findings {
            text.push_str(&format!("  {finding}\n"));
        }
    }
    text
}
