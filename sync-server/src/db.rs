//! The database: SQLite (one school, one machine, every laptop) or PostgreSQL (a district),
//! chosen from the URL. Queries are plain SQL that both engines accept, with `$1`-style
//! parameters; ids are UUID text and times Unix seconds so that both engines store the same.

use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};

pub use sqlx::any::AnyRow;
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
pub type Conn = sqlx::AnyConnection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("cannot create the database directory {0}: {1}")]
    CreateDir(String, std::io::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connect, creating the SQLite file if needed. The URL is secret (it may hold a password)
    /// and never appears in errors.
    pub async fn connect(url: &SecretString) -> Result<Db, DbError> {
        install_default_drivers();
        let url = url.expose_secret();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl);
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_dir(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(DbError::Connect)?;
        let pool = AnyPoolOptions::new()
            // SQLite has one writer; a small pool avoids lock convoys.
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL makes every
                        // acknowledged commit survive power loss; foreign keys are off by default.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // Deleted and overwritten rows are zeroed, not left in free pages: an
                        // erased person's data is gone from the file, not just from the tables.
                        conn.execute("PRAGMA secure_delete = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        Ok(Db { pool, backend })
    }

    /// After deleting personal data: old page versions left in SQLite's write-ahead log are
    /// copied back and the log emptied. (PostgreSQL's autovacuum reclaims dead rows itself.)
    pub async fn purge_old_versions(&self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Apply the migrations under `migrations/<engine>/` that have not run yet.
    pub async fn migrate(&self) -> Result<(), DbError> {
        migrator(self.backend).run(&self.pool).await?;
        Ok(())
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), waiting up to the busy timeout for it: a transaction that read first and
    /// asked for the lock later would fail at once (`SQLITE_BUSY`/`SQLITE_BUSY_SNAPSHOT`)
    /// whenever another writer got in between, which concurrent requests make common.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// The file a `sqlite:` URL names (`None` for another engine's URL).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(std::path::PathBuf::from(path.split_once('?').map_or(path, |(file, _)| file)))
}

fn sqlite_url_creating_dir(url: &str) -> Result<String, DbError> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (file, query) = path.split_once('?').unwrap_or((path, ""));
    let parent = std::path::Path::new(file).parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent.filter(|_| file != ":memory:") {
        std::fs::create_dir_all(parent).map_err(|e| DbError::CreateDir(parent.display().to_string(), e))?;
    }
    let mode = if query.contains("mode=") { String::new() } else { "mode=rwc".to_owned() };
    let query = [query, &mode].iter().filter(|part| !part.is_empty()).copied().collect::<Vec<_>>().join("&");
    Ok(format!("sqlite://{file}?{query}"))
}

/// Both engines' migrations, embedded in the binary. Same versions, same meaning.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../../migrations/sqlite/0001_foundation.sql")),
    (2, "documents", include_str!("../../migrations/sqlite/0002_documents.sql")),
    (3, "learning", include_str!("../../migrations/sqlite/0003_learning.sql")),
    (4, "media", include_str!("../../migrations/sqlite/0004_media.sql")),
    (5, "hardening", include_str!("../../migrations/sqlite/0005_hardening.sql")),
    (6, "audit_chain", include_str!("../../migrations/sqlite/0006_audit_chain.sql")),
    (7, "pii_data_keys", include_str!("../../migrations/sqlite/0007_pii_data_keys.sql")),
    (8, "consents", include_str!("../../migrations/sqlite/0008_consents.sql")),
    (9, "privacy_and_operations", include_str!("../../migrations/sqlite/0009_privacy_and_operations.sql")),
    (10, "operations", include_str!("../../migrations/sqlite/0010_operations.sql")),
    (11, "erasure_reach", include_str!("../../migrations/sqlite/0011_erasure_reach.sql")),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../../migrations/postgres/0001_foundation.sql")),
    (2, "documents", include_str!("../../migrations/postgres/0002_documents.sql")),
    (3, "learning", include_str!("../../migrations/postgres/0003_learning.sql")),
    (4, "media", include_str!("../../migrations/postgres/0004_media.sql")),
    (5, "hardening", include_str!("../../migrations/postgres/0005_hardening.sql")),
    (6, "audit_chain", include_str!("../../migrations/postgres/0006_audit_chain.sql")),
    (7, "pii_data_keys", include_str!("../../migrations/postgres/0007_pii_data_keys.sql")),
    (8, "consents", include_str!("../../migrations/postgres/0008_consents.sql")),
    (9, "privacy_and_operations", include_str!("../../migrations/postgres/0009_privacy_and_operations.sql")),
    (10, "operations", include_str!("../../migrations/postgres/0010_operations.sql")),
    (11, "erasure_reach", include_str!("../../migrations/postgres/0011_erasure_reach.sql")),
];

pub fn embedded_migrations(backend: Backend) -> &'static [(i64, &'static str, &'static str)] {
    match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    }
}

fn migrator(backend: Backend) -> Migrator {
    let migrations = embedded_migrations(backend)
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(*version, (*description).into(), MigrationType::Simple, (*sql).into_sql_str(), false)
        })
        .collect();
    Migrator::with_migrations(migrations)
}

use sqlx::SqlSafeStr as _;

/// Read a column, turning a type or name mismatch into an internal error.
pub fn col<T>(row: &AnyRow, name: &str) -> Result<T, sqlx::Error>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    sqlx::Row::try_get(row, name)
}

/// Read a nullable UUID-text column as a typed id.
pub fn optional_id_col<T: FromStr>(row: &AnyRow, name: &str) -> Result<Option<T>, sqlx::Error> {
    let text: Option<String> = col(row, name)?;
    text.map(|text| text.parse().map_err(|_| sqlx::Error::Decode(format!("column {name} is not a valid id").into())))
        .transpose()
}

/// Read a UUID-text column as a typed id.
pub fn id_col<T: FromStr>(row: &AnyRow, name: &str) -> Result<T, sqlx::Error> {
    let text: String = col(row, name)?;
    text.parse().map_err(|_| sqlx::Error::Decode(format!("column {name} is not a valid id").into()))
}

pub fn opt_id_col<T: FromStr>(row: &AnyRow, name: &str) -> Result<Option<T>, sqlx::Error> {
    let text: Option<String> = col(row, name)?;
    text.map(|t| t.parse().map_err(|_| sqlx::Error::Decode(format!("column {name} is not a valid id").into())))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_have_the_same_migration_versions_and_every_file_is_embedded() {
        for (engine, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(engine);
            let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect()
                })
                .unwrap_or_default();
            on_disk.sort();
            let embedded: Vec<String> = embedded_migrations(backend)
                .iter()
                .map(|(version, description, _)| format!("{version:04}_{description}.sql"))
                .collect();
            assert_eq!(on_disk, embedded, "{engine}: every migration file must be embedded, in order");
        }
    }

    #[test]
    fn sqlite_urls_get_create_mode() {
        let url = sqlite_url_creating_dir("sqlite::memory:").ok();
        assert_eq!(url.as_deref(), Some("sqlite://:memory:?mode=rwc"));
    }
}
