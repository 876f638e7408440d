//! The vault's keys. Data keys (DEKs): random AES-256 keys stored only wrapped by a key-encryption key
//! (`kek`), unwrapped into memory for a bounded time. One DEK is `current` and seals new
//! writes; `previous` ones only open what they sealed until the re-encryption job
//! (`rotation`) has moved it; `retired` ones have had their wrapped bytes erased. Each person's
//! own key, which a field's key also derives from, lives in a store of its own (`subject_keys`).
//!
//! Fails closed: a DEK that cannot be unwrapped because the provider is unreachable or no
//! longer holds its KEK is an outage (503), never a fallback.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox};

use super::kek::{KEK_ID_PREFIX, KekSet, KekSource};
use super::subject_keys::SubjectKeys;
use crate::crypto::{self, Sealed};
use crate::db::{Conn, col};
use crate::error::ApiError;
use crate::keys::Key;

/// The prefix of a data key's id.
pub const DEK_ID_PREFIX: &str = "dek";

pub struct Keyring {
    source: KekSource,
    /// How long an unwrapped key (and the provider's answer) is trusted without asking again.
    cache_for: Duration,
    /// Encryptions after which the current data key is replaced.
    max_encryptions: i64,
    keks: tokio::sync::Mutex<Option<(Instant, Arc<KekSet>)>>,
    deks: Mutex<HashMap<String, (Instant, Arc<Key>)>>,
    subjects: SubjectKeys,
}

/// A data key row as stored.
struct StoredDek {
    id: String,
    kek_id: String,
    wrapped: Option<Vec<u8>>,
}

impl Keyring {
    pub fn new(source: KekSource, subjects: SubjectKeys, cache_for: Duration, max_encryptions: i64) -> Self {
        Self {
            source,
            cache_for,
            max_encryptions,
            keks: tokio::sync::Mutex::default(),
            deks: Mutex::default(),
            subjects,
        }
    }

    /// Each person's own key (crypto-shredding at erasure).
    pub fn subjects(&self) -> &SubjectKeys {
        &self.subjects
    }

    pub fn describe_provider(&self) -> String {
        self.source.describe()
    }

    /// The provider's keys, asked again once the cache has expired.
    pub async fn keks(&self) -> Result<Arc<KekSet>, ApiError> {
        let mut cached = self.keks.lock().await;
        if let Some((_, set)) = cached.as_ref().filter(|(at, _)| at.elapsed() < self.cache_for) {
            return Ok(set.clone());
        }
        match self.source.fetch().await {
            Ok(set) => {
                *cached = Some((Instant::now(), set.clone()));
                Ok(set)
            }
            Err(error) => {
                *cached = None;
                tracing::error!(%error, "pii key provider unavailable");
                Err(ApiError::Unavailable(
                    "personal data is unavailable: the key provider cannot be reached".to_owned(),
                ))
            }
        }
    }

    /// The current data key for sealing `count` values, counting them against its limit; the
    /// key is replaced (in the caller's transaction) once it reaches the limit. Creates the
    /// first data key on first use.
    pub async fn for_write(&self, conn: &mut Conn, count: i64, now: i64) -> Result<Arc<Key>, ApiError> {
        // A rotation may commit between reading the current key and counting on it: the count
        // only lands while the key is still current, and its row lock then holds any rotation
        // (and so the key's retirement) back until this transaction ends.
        for _ in 0..3 {
            let dek = match current(conn).await? {
                Some(dek) => dek,
                None => {
                    self.create_current(conn, now).await?;
                    continue;
                }
            };
            let key = self.unwrap(&dek).await?;
            let used: Option<i64> = sqlx::query_scalar(
                "UPDATE pii_data_keys SET encryptions = encryptions + $1 WHERE id = $2 AND state = 'current' \
                 RETURNING encryptions",
            )
            .bind(count)
            .bind(&dek.id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(used) = used else { continue };
            if used >= self.max_encryptions {
                let next = self.rotate(conn, now).await?;
                tracing::info!(retired_from_writes = %dek.id, current = %next, encryptions = used, "pii data key reached its encryption limit and was replaced");
            }
            return Ok(key);
        }
        Err(ApiError::Unavailable("the pii data key is being rotated; try again".to_owned()))
    }

    /// The key that opens a value sealed under `key_id`: a data key, or for values written
    /// before envelope encryption, the key-encryption key itself.
    pub async fn for_read(&self, conn: &mut Conn, key_id: &str) -> Result<Arc<Key>, ApiError> {
        if let Some(key) = self.cached(key_id) {
            return Ok(key);
        }
        if is_kek_id(key_id) {
            return self.keks().await?.find(key_id).cloned().ok_or_else(|| missing_kek(key_id));
        }
        let row = sqlx::query("SELECT id, kek_id, wrapped FROM pii_data_keys WHERE id = $1")
            .bind(key_id)
            .fetch_optional(&mut *conn)
            .await?;
        let dek = row
            .map(|row| stored(&row))
            .transpose()?
            .ok_or_else(|| ApiError::Internal(format!("pii data key {key_id} is unknown")))?;
        self.unwrap(&dek).await
    }

    /// Make a new current data key; the current one becomes previous. Answers the new id.
    pub async fn rotate(&self, conn: &mut Conn, now: i64) -> Result<String, ApiError> {
        sqlx::query("UPDATE pii_data_keys SET state = 'previous' WHERE state = 'current'").execute(&mut *conn).await?;
        self.create_current(conn, now).await
    }

    /// Wrap data key `id` under the current key-encryption key if another wraps it. Answers
    /// whether it was rewrapped.
    pub async fn rewrap(&self, conn: &mut Conn, id: &str) -> Result<bool, ApiError> {
        let keks = self.keks().await?;
        let row = sqlx::query("SELECT id, kek_id, wrapped FROM pii_data_keys WHERE id = $1 AND state <> 'retired'")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(dek) = row.map(|row| stored(&row)).transpose()? else { return Ok(false) };
        if dek.kek_id == keks.current.id {
            return Ok(false);
        }
        let key = self.unwrap(&dek).await?;
        let wrapped = wrap(&keks.current, &dek.id, key.bytes.expose_secret())?;
        let done = sqlx::query("UPDATE pii_data_keys SET kek_id = $1, wrapped = $2 WHERE id = $3 AND kek_id = $4")
            .bind(&keks.current.id)
            .bind(wrapped)
            .bind(&dek.id)
            .bind(&dek.kek_id)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forget an unwrapped key (after it is retired).
    pub fn forget(&self, id: &str) {
        if let Ok(mut deks) = self.deks.lock() {
            deks.remove(id);
        }
    }

    async fn create_current(&self, conn: &mut Conn, now: i64) -> Result<String, ApiError> {
        let keks = self.keks().await?;
        let mut material = vec![0_u8; crypto::KEY_LEN];
        rand::rng().fill_bytes(&mut material);
        let mut suffix = [0_u8; 8];
        rand::rng().fill_bytes(&mut suffix);
        let id = format!("{DEK_ID_PREFIX}-{}", hex::encode(suffix));
        let wrapped = wrap(&keks.current, &id, &material)?;
        // Another request or replica may create one at the same moment: one current key
        // stands (a unique index), the other insert does nothing.
        sqlx::query(
            "INSERT INTO pii_data_keys (id, kek_id, wrapped, state, encryptions, created_at) \
             VALUES ($1, $2, $3, 'current', 0, $4) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(&keks.current.id)
        .bind(wrapped)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(id)
    }

    async fn unwrap(&self, dek: &StoredDek) -> Result<Arc<Key>, ApiError> {
        if let Some(key) = self.cached(&dek.id) {
            return Ok(key);
        }
        let wrapped =
            dek.wrapped.as_deref().ok_or_else(|| ApiError::Internal(format!("pii data key {} is retired", dek.id)))?;
        let keks = self.keks().await?;
        let kek = keks.find(&dek.kek_id).ok_or_else(|| missing_kek(&dek.kek_id))?;
        let sealed = crypto::from_blob(wrapped)
            .ok_or_else(|| ApiError::Internal(format!("pii data key {} is damaged", dek.id)))?;
        let material =
            crypto::open(kek.bytes.expose_secret(), &wrap_context(&dek.id, &kek.id), &sealed).map_err(|_| {
                tracing::error!(dek = %dek.id, kek = %kek.id, "pii data key failed authentication");
                ApiError::Internal(format!("pii data key {} failed authentication", dek.id))
            })?;
        let key = Arc::new(Key { id: dek.id.clone(), bytes: SecretBox::new(Box::new(material)) });
        if let Ok(mut deks) = self.deks.lock() {
            deks.insert(dek.id.clone(), (Instant::now(), key.clone()));
        }
        Ok(key)
    }

    fn cached(&self, id: &str) -> Option<Arc<Key>> {
        let deks = self.deks.lock().ok()?;
        deks.get(id).filter(|(at, _)| at.elapsed() < self.cache_for).map(|(_, key)| key.clone())
    }
}

/// Whether a stored key id names a key-encryption key (values sealed before envelope encryption).
pub fn is_kek_id(key_id: &str) -> bool {
    key_id.strip_prefix(KEK_ID_PREFIX).is_some_and(|rest| rest.starts_with('-'))
}

async fn current(conn: &mut Conn) -> Result<Option<StoredDek>, ApiError> {
    let row = sqlx::query("SELECT id, kek_id, wrapped FROM pii_data_keys WHERE state = 'current'")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|row| stored(&row)).transpose()?)
}

fn stored(row: &sqlx::any::AnyRow) -> Result<StoredDek, sqlx::Error> {
    Ok(StoredDek { id: col(row, "id")?, kek_id: col(row, "kek_id")?, wrapped: col(row, "wrapped")? })
}

fn wrap(kek: &Key, dek_id: &str, material: &[u8]) -> Result<Vec<u8>, ApiError> {
    let sealed: Sealed = crypto::seal(kek.bytes.expose_secret(), &wrap_context(dek_id, &kek.id), material)
        .map_err(|e| ApiError::Internal(format!("wrap pii data key: {e}")))?;
    Ok(crypto::to_blob(&sealed))
}

/// Binds a wrapped data key to its id and its KEK: swapped between rows, it no longer opens.
fn wrap_context(dek_id: &str, kek_id: &str) -> Vec<u8> {
    format!("tallschool.pii.dek.v1\0{dek_id}\0{kek_id}").into_bytes()
}

fn missing_kek(kek_id: &str) -> ApiError {
    tracing::error!(kek = %kek_id, "the key provider no longer holds a key-encryption key still in use");
    ApiError::Unavailable(format!("personal data is unavailable: key-encryption key {kek_id} is not available"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_told_apart() {
        assert!(is_kek_id("pii-0123456789abcdef"));
        assert!(!is_kek_id("dek-0123456789abcdef"));
        assert!(!is_kek_id("piiX-0123"));
    }

    #[test]
    fn a_wrapped_key_opens_only_as_itself_under_its_kek() {
        let kek = Key { id: "pii-a".to_owned(), bytes: SecretBox::new(Box::new(vec![7; 32])) };
        let wrapped = wrap(&kek, "dek-1", &[3; 32]).expect("wrap");
        let sealed = crypto::from_blob(&wrapped).expect("blob");
        assert_eq!(crypto::open(&[7; 32], &wrap_context("dek-1", "pii-a"), &sealed).as_deref(), Ok(&[3_u8; 32][..]));
        assert!(crypto::open(&[7; 32], &wrap_context("dek-2", "pii-a"), &sealed).is_err());
        assert!(crypto::open(&[7; 32], &wrap_context("dek-1", "pii-b"), &sealed).is_err());
    }
}
