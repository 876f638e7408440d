//! Per-person keys: crypto-shredding (SECURITY.md item 27). A person's fields are sealed under
//! a key derived from the data key *and* a secret of their own ([`field_key`]). The secrets
//! live in a key store apart from the database — `DATA_DIR/keys/pii-subjects.db` by default,
//! or a database of its own (`--pii-subject-keys-url`) — wrapped by the key-encryption key.
//! Erasure destroys the person's secret and leaves a tombstone, so a copy of the database made
//! earlier (a backup, a dump, a replica) still holds their ciphertexts but nothing opens them.
//!
//! The two stores also tell each other about erasures the other missed: a database restored
//! from before an erasure finds the tombstone and erases the person again, and a key store
//! restored from before one finds the database's erasure record and destroys the secret again
//! (`erasure::reconcile`).

use std::collections::HashSet;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;
use tallschool_shared::UserId;

use super::keyring::Keyring;
use crate::crypto;
use crate::db::{Db, DbError, col};
use crate::error::ApiError;
use crate::keys::Key;

/// The key store's file under `DATA_DIR/keys/` unless another database is configured.
pub const FILE: &str = "pii-subjects.db";

/// Dialect-neutral (SQLite and PostgreSQL); the wrapped secret is hex so one column type fits
/// both.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS subject_keys (\
     subject_id TEXT PRIMARY KEY, \
     kek_id     TEXT, \
     wrapped    TEXT, \
     created_at BIGINT NOT NULL, \
     erased_at  BIGINT, \
     CHECK ((erased_at IS NULL) = (wrapped IS NOT NULL AND kek_id IS NOT NULL)))";

/// A person's secret, or the fact that they were erased.
pub enum SubjectSecret {
    Live(Arc<Key>),
    Erased,
}

pub struct SubjectKeys {
    db: Db,
}

fn erased() -> ApiError {
    ApiError::Conflict("this person's personal data was erased".to_owned())
}

fn unreachable(error: impl std::fmt::Display) -> ApiError {
    tracing::error!(%error, "pii subject key store unavailable");
    ApiError::Unavailable("personal data is unavailable: the personal-data key store cannot be reached".to_owned())
}

impl SubjectKeys {
    /// Open (creating) the key store at `url`.
    pub async fn open(url: &SecretString) -> Result<Self, DbError> {
        let db = Db::connect(url).await?;
        sqlx::query(SCHEMA).execute(&db.pool).await.map_err(DbError::Connect)?;
        Ok(Self { db })
    }

    /// The person's secret for sealing their fields, made on first use. An erased person gets
    /// none: nothing may be written for them again.
    pub async fn for_write(&self, keyring: &Keyring, subject: UserId, now: i64) -> Result<Arc<Key>, ApiError> {
        match self.find(keyring, subject).await? {
            Some(SubjectSecret::Live(key)) => return Ok(key),
            Some(SubjectSecret::Erased) => return Err(erased()),
            None => {}
        }
        let keks = keyring.keks().await?;
        let mut material = vec![0_u8; crypto::KEY_LEN];
        rand::rng().fill_bytes(&mut material);
        let wrapped = wrap(&keks.current, subject, &material)?;
        // Two first writes at once: one secret stands, the other insert does nothing.
        sqlx::query(
            "INSERT INTO subject_keys (subject_id, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (subject_id) DO NOTHING",
        )
        .bind(subject.to_string())
        .bind(&keks.current.id)
        .bind(hex::encode(crypto::to_blob(&wrapped)))
        .bind(now)
        .execute(&self.db.pool)
        .await
        .map_err(unreachable)?;
        match self.find(keyring, subject).await? {
            Some(SubjectSecret::Live(key)) => Ok(key),
            _ => Err(erased()),
        }
    }

    /// The person's secret for opening their fields. A person with sealed fields but neither a
    /// secret nor a tombstone means the key store is not the one this database was written
    /// with: an error, never a guess.
    pub async fn for_read(&self, keyring: &Keyring, subject: UserId) -> Result<SubjectSecret, ApiError> {
        self.find(keyring, subject).await?.ok_or_else(|| {
            tracing::error!(subject_id = %subject, "no key for a person with sealed personal data: wrong key store?");
            ApiError::Internal("the personal-data key store has no key for this person".to_owned())
        })
    }

    /// Destroy the person's secret, leaving a tombstone (also for someone who never had one).
    /// Deleted bytes are zeroed in the file and the write-ahead log emptied.
    pub async fn shred(&self, subject: UserId, now: i64) -> Result<(), ApiError> {
        sqlx::query(
            "INSERT INTO subject_keys (subject_id, kek_id, wrapped, created_at, erased_at) VALUES ($1, NULL, NULL, $2, $2) \
             ON CONFLICT (subject_id) DO UPDATE SET kek_id = NULL, wrapped = NULL, \
             erased_at = COALESCE(subject_keys.erased_at, excluded.erased_at)",
        )
        .bind(subject.to_string())
        .bind(now)
        .execute(&self.db.pool)
        .await
        .map_err(unreachable)?;
        self.db.purge_old_versions().await.map_err(unreachable)?;
        Ok(())
    }

    /// Everyone with a tombstone.
    pub async fn erased(&self) -> Result<HashSet<UserId>, ApiError> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT subject_id FROM subject_keys WHERE erased_at IS NOT NULL")
            .fetch_all(&self.db.pool)
            .await
            .map_err(unreachable)?;
        Ok(ids.iter().filter_map(|id| id.parse().ok()).collect())
    }

    /// People with a live key, and people whose key was destroyed.
    pub async fn counts(&self) -> Result<(i64, i64), ApiError> {
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.db.pool);
        let live = count("SELECT COUNT(*) FROM subject_keys WHERE erased_at IS NULL").await.map_err(unreachable)?;
        let destroyed =
            count("SELECT COUNT(*) FROM subject_keys WHERE erased_at IS NOT NULL").await.map_err(unreachable)?;
        Ok((live, destroyed))
    }

    /// Secrets wrapped by another key-encryption key than the current one.
    pub async fn behind(&self, keyring: &Keyring) -> Result<i64, ApiError> {
        let keks = keyring.keks().await?;
        sqlx::query_scalar("SELECT COUNT(*) FROM subject_keys WHERE erased_at IS NULL AND kek_id <> $1")
            .bind(&keks.current.id)
            .fetch_one(&self.db.pool)
            .await
            .map_err(unreachable)
    }

    /// Wrap every secret under the current key-encryption key (after a KEK rotation). Each row
    /// only if it is still what was read. Answers how many were rewrapped.
    pub async fn rewrap(&self, keyring: &Keyring) -> Result<i64, ApiError> {
        let keks = keyring.keks().await?;
        let rows = sqlx::query(
            "SELECT subject_id, kek_id, wrapped FROM subject_keys WHERE erased_at IS NULL AND kek_id <> $1",
        )
        .bind(&keks.current.id)
        .fetch_all(&self.db.pool)
        .await
        .map_err(unreachable)?;
        let mut rewrapped = 0;
        for row in &rows {
            let (id, kek_id, wrapped): (String, String, String) =
                (col(row, "subject_id")?, col(row, "kek_id")?, col(row, "wrapped")?);
            let subject: UserId = id.parse().map_err(|_| ApiError::Internal(format!("bad subject id {id}")))?;
            let material = unwrap(keyring, subject, &kek_id, &wrapped).await?;
            let sealed = wrap(&keks.current, subject, material.bytes.expose_secret())?;
            let done =
                sqlx::query("UPDATE subject_keys SET kek_id = $1, wrapped = $2 WHERE subject_id = $3 AND wrapped = $4")
                    .bind(&keks.current.id)
                    .bind(hex::encode(crypto::to_blob(&sealed)))
                    .bind(&id)
                    .bind(&wrapped)
                    .execute(&self.db.pool)
                    .await
                    .map_err(unreachable)?;
            rewrapped += i64::try_from(done.rows_affected()).unwrap_or(0);
        }
        Ok(rewrapped)
    }

    /// A consistent copy of a SQLite key store into `file` (for `backup --with-keys`).
    pub async fn copy_into(&self, file: &std::path::Path) -> Result<(), sqlx::Error> {
        sqlx::query("VACUUM INTO $1").bind(file.display().to_string()).execute(&self.db.pool).await?;
        Ok(())
    }

    /// `None` when the store knows nothing of `subject`.
    async fn find(&self, keyring: &Keyring, subject: UserId) -> Result<Option<SubjectSecret>, ApiError> {
        let row = sqlx::query("SELECT kek_id, wrapped FROM subject_keys WHERE subject_id = $1")
            .bind(subject.to_string())
            .fetch_optional(&self.db.pool)
            .await
            .map_err(unreachable)?;
        let Some(row) = row else { return Ok(None) };
        let (kek_id, wrapped): (Option<String>, Option<String>) = (col(&row, "kek_id")?, col(&row, "wrapped")?);
        let (Some(kek_id), Some(wrapped)) = (kek_id, wrapped) else { return Ok(Some(SubjectSecret::Erased)) };
        Ok(Some(SubjectSecret::Live(unwrap(keyring, subject, &kek_id, &wrapped).await?)))
    }
}

/// The key that seals one person's fields: the data key and the person's secret together, so
/// that losing either (a retired data key, a shredded person) makes the value unreadable.
pub fn field_key(data_key: &Key, subject_secret: &Key) -> Result<Key, ApiError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(data_key.bytes.expose_secret())
        .map_err(|e| ApiError::Internal(format!("derive pii field key: {e}")))?;
    mac.update(b"tallschool.pii.field.v2\0");
    mac.update(subject_secret.bytes.expose_secret());
    let bytes = mac.finalize().into_bytes().to_vec();
    Ok(Key { id: data_key.id.clone(), bytes: SecretBox::new(Box::new(bytes)) })
}

fn wrap(kek: &Key, subject: UserId, material: &[u8]) -> Result<crypto::Sealed, ApiError> {
    crypto::seal(kek.bytes.expose_secret(), &wrap_context(subject, &kek.id), material)
        .map_err(|e| ApiError::Internal(format!("wrap pii subject key: {e}")))
}

async fn unwrap(keyring: &Keyring, subject: UserId, kek_id: &str, wrapped: &str) -> Result<Arc<Key>, ApiError> {
    let keks = keyring.keks().await?;
    let kek = keks.find(kek_id).ok_or_else(|| {
        ApiError::Unavailable(format!("personal data is unavailable: key-encryption key {kek_id} is not available"))
    })?;
    let damaged = || ApiError::Internal(format!("the personal-data key of {subject} is damaged"));
    let sealed = hex::decode(wrapped).ok().and_then(|blob| crypto::from_blob(&blob)).ok_or_else(damaged)?;
    let material = crypto::open(kek.bytes.expose_secret(), &wrap_context(subject, kek_id), &sealed).map_err(|_| {
        tracing::error!(subject_id = %subject, kek = %kek_id, "pii subject key failed authentication");
        damaged()
    })?;
    Ok(Arc::new(Key { id: format!("subject-{subject}"), bytes: SecretBox::new(Box::new(material)) }))
}

/// Binds a wrapped secret to its person and KEK: moved to another person's row, it no longer opens.
fn wrap_context(subject: UserId, kek_id: &str) -> Vec<u8> {
    format!("tallschool.pii.subject.v1\0{subject}\0{kek_id}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, byte: u8) -> Key {
        Key { id: id.to_owned(), bytes: SecretBox::new(Box::new(vec![byte; 32])) }
    }

    #[test]
    fn a_field_key_needs_both_the_data_key_and_the_persons_secret() {
        let both = field_key(&key("dek-1", 1), &key("s", 2)).expect("derive");
        let other_person = field_key(&key("dek-1", 1), &key("s", 3)).expect("derive");
        let other_data_key = field_key(&key("dek-1", 4), &key("s", 2)).expect("derive");
        assert_eq!(both.bytes.expose_secret().len(), crypto::KEY_LEN);
        assert_ne!(both.bytes.expose_secret(), other_person.bytes.expose_secret());
        assert_ne!(both.bytes.expose_secret(), other_data_key.bytes.expose_secret());
        assert_eq!(both.id, "dek-1", "the stored key id stays the data key's");
    }

    #[test]
    fn a_wrapped_secret_opens_only_for_its_person() {
        let kek = key("pii-a", 7);
        let (alice, bob) = (UserId::from_uuid(uuid::Uuid::new_v4()), UserId::from_uuid(uuid::Uuid::new_v4()));
        let sealed = wrap(&kek, alice, &[9; 32]).expect("wrap");
        assert!(crypto::open(&[7; 32], &wrap_context(alice, "pii-a"), &sealed).is_ok());
        assert!(crypto::open(&[7; 32], &wrap_context(bob, "pii-a"), &sealed).is_err());
    }
}
