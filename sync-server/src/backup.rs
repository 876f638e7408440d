//! Backups of a school on one machine: the SQLite database and the media folder, taken while
//! the server serves (`tallschool-server backup --to DIR`), and restored into a data folder
//! while it is stopped (`restore --from DIR`).
//!
//! The database is copied first with `VACUUM INTO`, SQLite's online copy: one read
//! transaction, so the copy is consistent as of an instant and writers go on beside it (WAL).
//! Media objects are immutable and named by their hash, and a media row is written only after
//! its file is in place, so copying the folder after the database finds every object the copy
//! refers to. Keys stay out of a backup unless asked for (`--with-keys`): whoever holds a
//! backup and its keys can read every pupil's personal data. PostgreSQL and S3 have their own
//! tools (`pg_dump`, bucket versioning; see the README's "Operate it").
//!
//! Erasure and backups: each person's fields need their own key from the key store
//! (`pii::subject_keys`), which a backup without keys does not hold. Restored after an erasure
//! beside the live key store, the backup's copy of that person's fields never opens again, and
//! the server erases the rest of them again when it starts (`erasure::reconcile`). A restore
//! never replaces a key store in place with the backup's older one.

use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::{MediaStoreKind, PiiKeyProvider, Settings};
use crate::db::{Backend, Db};
use crate::pii::subject_keys::SubjectKeys;

const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "tallschool.db";
const MEDIA: &str = "media";
const KEYS: &str = "keys";
const FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this server's database is PostgreSQL: back it up with pg_dump (see the README's \"Operate it\"); this command backs up SQLite"
    )]
    NotSqlite,
    #[error("{0} is not empty: back up into a new folder")]
    TargetNotEmpty(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("database: {0}")]
    Database(String),
    #[error("{0} is not a TallSchool backup (no readable manifest.json)")]
    NotABackup(PathBuf),
    #[error("the backup's database is damaged: {0}")]
    Damaged(String),
    #[error("{0} already exists: restore into a fresh data folder, or move it away first (with the server stopped)")]
    DatabaseExists(PathBuf),
    #[error(
        "the backup holds no keys and {0} is missing: put the keys folder of the server that made the backup in place (or pass its keys as settings) first, or the personal data cannot be read"
    )]
    KeysMissing(PathBuf),
    #[error("{0} differs from the key in the backup: the keys in place would not read this backup's data")]
    KeyDiffers(PathBuf),
}

/// What a backup holds (its `manifest.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub server_version: String,
    pub created_at: i64,
    pub database_bytes: u64,
    /// Media objects copied (0 when media lives in S3: `media_store` says so).
    pub media_objects: u64,
    pub media_bytes: u64,
    pub media_store: String,
    pub keys: bool,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.to_owned(), source }
}

fn sqlite_file(settings: &Settings) -> Result<PathBuf, BackupError> {
    crate::db::sqlite_file(settings.database_url.expose_secret()).ok_or(BackupError::NotSqlite)
}

/// The personal-data key store's file when it is a SQLite file in the keys folder (the
/// default); one kept elsewhere is backed up by its own means.
fn subject_key_store(settings: &Settings) -> Option<PathBuf> {
    let store = crate::db::sqlite_file(settings.pii_keys.subject_keys_url.expose_secret())?;
    (store.parent() == Some(settings.keys_dir().as_path())).then_some(store)
}

/// The key store's own files in the keys folder: copied as one consistent file (backup) and
/// never over a key store in place (restore), which knows of every erasure since.
fn is_subject_key_store_file(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with(crate::pii::subject_keys::FILE)
}

/// Back up the database, the media folder and (with `with_keys`) the keys into `to`, a new or
/// empty folder, while the server may be serving.
pub async fn backup(settings: &Settings, to: &Path, with_keys: bool, now: i64) -> Result<Manifest, BackupError> {
    sqlite_file(settings)?;
    if to.exists() && std::fs::read_dir(to).map_err(io(to))?.next().is_some() {
        return Err(BackupError::TargetNotEmpty(to.to_owned()));
    }
    create_private_dir(to)?;
    let db = Db::connect(&settings.database_url).await.map_err(|e| BackupError::Database(e.to_string()))?;
    if db.backend != Backend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    let copy = to.join(DATABASE);
    sqlx::query("VACUUM INTO $1")
        .bind(copy.display().to_string())
        .execute(&db.pool)
        .await
        .map_err(|e| BackupError::Database(e.to_string()))?;
    db.pool.close().await;
    check_integrity(&copy).await?;
    let (media_objects, media_bytes) = match settings.media.store {
        MediaStoreKind::Local => copy_tree(&settings.media.dir, &to.join(MEDIA), |_| false).await?,
        MediaStoreKind::S3 => (0, 0),
    };
    if with_keys {
        copy_tree(&settings.keys_dir(), &to.join(KEYS), is_subject_key_store_file).await?;
        if let Some(store) = subject_key_store(settings) {
            // Live (write-ahead log beside it): copied like the database, not file by file.
            let subjects = SubjectKeys::open(&settings.pii_keys.subject_keys_url)
                .await
                .map_err(|e| BackupError::Database(e.to_string()))?;
            let name = store.file_name().map(PathBuf::from).unwrap_or_default();
            subjects.copy_into(&to.join(KEYS).join(name)).await.map_err(|e| BackupError::Database(e.to_string()))?;
        }
    }
    let manifest = Manifest {
        format: FORMAT,
        server_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: now,
        database_bytes: std::fs::metadata(&copy).map_err(io(&copy))?.len(),
        media_objects,
        media_bytes,
        media_store: match settings.media.store {
            MediaStoreKind::Local => "local".to_owned(),
            MediaStoreKind::S3 => "s3".to_owned(),
        },
        keys: with_keys,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| BackupError::Database(e.to_string()))?;
    let path = to.join(MANIFEST);
    tokio::fs::write(&path, text).await.map_err(io(&path))?;
    Ok(manifest)
}

/// Restore the backup in `from` into this data folder (whose database must not exist yet).
/// The server must be stopped.
pub async fn restore(settings: &Settings, from: &Path) -> Result<Manifest, BackupError> {
    let target = sqlite_file(settings)?;
    let manifest: Manifest = std::fs::read_to_string(from.join(MANIFEST))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| BackupError::NotABackup(from.to_owned()))?;
    if target.exists() {
        return Err(BackupError::DatabaseExists(target));
    }
    let copy = from.join(DATABASE);
    check_integrity(&copy).await?;
    let keys_dir = settings.keys_dir();
    if manifest.keys {
        check_keys_agree(&from.join(KEYS), &keys_dir)?;
    } else {
        let kek = keys_dir.join(crate::pii::kek::KEK_FILE);
        let local_kek = settings.pii_keys.provider == PiiKeyProvider::Local && settings.pii_keys.key.is_none();
        if local_kek && !kek.exists() {
            return Err(BackupError::KeysMissing(kek));
        }
        let audit = keys_dir.join(crate::audit::KEY_FILE);
        if settings.audit_key.is_none() && !audit.exists() {
            return Err(BackupError::KeysMissing(audit));
        }
        if let Some(store) = subject_key_store(settings).filter(|store| !store.exists()) {
            return Err(BackupError::KeysMissing(store));
        }
    }
    create_private_dir(&settings.data_dir)?;
    if manifest.keys {
        copy_tree(&from.join(KEYS), &keys_dir, |_| false).await?;
    }
    if settings.media.store == MediaStoreKind::Local {
        copy_tree(&from.join(MEDIA), &settings.media.dir, |_| false).await?;
    }
    // Copied beside, then renamed: a restore cut short leaves no half database to start on.
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let partial = target.with_extension("db.restoring");
    tokio::fs::copy(&copy, &partial).await.map_err(io(&partial))?;
    tokio::fs::rename(&partial, &target).await.map_err(io(&target))?;
    Ok(manifest)
}

/// Keys in the backup may join a keys folder only where they are missing or the same.
fn check_keys_agree(from: &Path, to: &Path) -> Result<(), BackupError> {
    let Ok(entries) = std::fs::read_dir(from) else { return Ok(()) };
    for entry in entries {
        let entry = entry.map_err(io(from))?;
        let in_place = to.join(entry.file_name());
        if is_subject_key_store_file(&entry.file_name()) {
            continue;
        }
        if in_place.exists() && std::fs::read(&in_place).ok() != std::fs::read(entry.path()).ok() {
            return Err(BackupError::KeyDiffers(in_place));
        }
    }
    Ok(())
}

async fn check_integrity(file: &Path) -> Result<(), BackupError> {
    use sqlx::ConnectOptions as _;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file).read_only(true);
    let mut conn = options.connect().await.map_err(|e| BackupError::Damaged(e.to_string()))?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    if verdict != "ok" {
        return Err(BackupError::Damaged(verdict));
    }
    Ok(())
}

/// Copy every file under `from` into `to` (same relative paths), skipping files being written
/// (their names start with a dot), files `skip` names and files already there; the count and
/// bytes copied.
async fn copy_tree(from: &Path, to: &Path, skip: fn(&std::ffi::OsStr) -> bool) -> Result<(u64, u64), BackupError> {
    let (mut count, mut bytes) = (0, 0);
    if !from.exists() {
        return Ok((0, 0));
    }
    let mut folders = vec![PathBuf::new()];
    while let Some(relative) = folders.pop() {
        let source = from.join(&relative);
        create_private_dir(&to.join(&relative))?;
        let mut entries = tokio::fs::read_dir(&source).await.map_err(io(&source))?;
        while let Some(entry) = entries.next_entry().await.map_err(io(&source))? {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') || skip(&name) {
                continue;
            }
            let kind = entry.file_type().await.map_err(io(&entry.path()))?;
            if kind.is_dir() {
                folders.push(relative.join(&name));
            } else if kind.is_file() {
                let target = to.join(&relative).join(&name);
                if target.exists() {
                    continue;
                }
                bytes += tokio::fs::copy(entry.path(), &target).await.map_err(io(&target))?;
                count += 1;
            }
        }
    }
    Ok((count, bytes))
}

fn create_private_dir(dir: &Path) -> Result<(), BackupError> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io(dir))
}

/// What `backup` and `restore` print.
pub fn describe(manifest: &Manifest, folder: &Path) -> String {
    let media = if manifest.media_store == "s3" {
        "media: in S3 (keep the bucket's versioning on)".to_owned()
    } else {
        format!("media: {} objects, {} bytes", manifest.media_objects, manifest.media_bytes)
    };
    let keys = if manifest.keys {
        "keys: included, with every person's key as of now — store this backup as carefully as the server itself, and no longer than your erasure deadline: people erased later would read again from it".to_owned()
    } else {
        "keys: not included — keep a copy of the data folder's keys/ apart from the backups; people erased after this backup stay unreadable in it".to_owned()
    };
    format!(
        "backup: {}\ndatabase: {} bytes (server {})\n{media}\n{keys}\n",
        folder.display(),
        manifest.database_bytes,
        manifest.server_version
    )
}
