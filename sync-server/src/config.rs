//! Settings: built-in defaults, then an optional TOML file, then `TALLSCHOOL_…` environment
//! variables, then command-line flags (each later source wins). Secrets are `SecretString`, so
//! `Debug` and logs show `[REDACTED]` instead of their value.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use secrecy::SecretString;
use serde::Deserialize;

use crate::admission::{AdmissionSettings, Rate};
use crate::auth::throttle::{Allowance, Delays, ThrottlePolicy};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    ReadFile { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid: {message}")]
    ParseFile { path: PathBuf, message: String },
    #[error("invalid setting {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Flags; each also reads its `TALLSCHOOL_…` environment variable. The TOML file takes the
/// same settings under their snake_case names, so one struct describes both.
#[derive(Debug, Default, Parser, Deserialize)]
#[command(name = "tallschool-server", version, about = "TallSchool sync server")]
#[serde(deny_unknown_fields)]
pub struct Cli {
    /// TOML file with any of the settings below (snake_case names).
    #[arg(long, env = "TALLSCHOOL_CONFIG", global = true)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// What to do instead of serving (default: serve).
    #[command(subcommand)]
    #[serde(skip)]
    pub command: Option<Command>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "TALLSCHOOL_BIND")]
    pub bind: Option<SocketAddr>,
    /// Where the SQLite database, keys and media live by default.
    #[arg(long, env = "TALLSCHOOL_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://FILE` or `postgres://…` (also read from `DATABASE_URL`).
    #[arg(long, env = "TALLSCHOOL_DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<SecretString>,
    /// Create a demo school on an empty database and print its logins.
    #[arg(long, env = "TALLSCHOOL_DEMO", num_args = 0..=1, default_missing_value = "true")]
    pub demo: Option<bool>,
    /// Base64 HS256 signing key (≥ 32 bytes). Default: DATA_DIR/keys/jwt-signing.key, created once.
    #[arg(long, env = "TALLSCHOOL_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<SecretString>,
    /// A signing key that only verifies until it is promoted (published to every replica
    /// first). Default: DATA_DIR/keys/jwt-signing.pending.key when it exists.
    #[arg(long, env = "TALLSCHOOL_JWT_PENDING_SECRET", hide_env_values = true)]
    pub jwt_pending_secret: Option<SecretString>,
    /// The signing key before the last rotation: verifies only tokens it signed up to
    /// `--jwt-rotated-at`. Default: DATA_DIR/keys/jwt-signing.previous.key when it exists.
    #[arg(long, env = "TALLSCHOOL_JWT_PREVIOUS_SECRET", hide_env_values = true)]
    pub jwt_previous_secret: Option<SecretString>,
    /// When the previous signing key stopped signing (Unix seconds). Default:
    /// DATA_DIR/keys/jwt-signing.rotated-at.
    #[arg(long, env = "TALLSCHOOL_JWT_ROTATED_AT")]
    pub jwt_rotated_at: Option<i64>,
    /// Where the PII vault's key-encryption key comes from: `local` (default: `--pii-key`, else
    /// DATA_DIR/keys/pii.key, created once) or `aws_secrets_manager` (`--pii-kek-secret-id`).
    #[arg(long, env = "TALLSCHOOL_PII_KEY_PROVIDER", global = true)]
    pub pii_key_provider: Option<PiiKeyProvider>,
    /// The personal-data key store (one secret per person, destroyed when they are erased):
    /// a database kept apart from the main one and out of its backups. Default:
    /// sqlite://DATA_DIR/keys/pii-subjects.db; replicas on several hosts share a PostgreSQL
    /// database of its own.
    #[arg(long, env = "TALLSCHOOL_PII_SUBJECT_KEYS_URL", hide_env_values = true, global = true)]
    pub pii_subject_keys_url: Option<SecretString>,
    /// Base64 AES-256 key-encryption key for the PII vault (local provider).
    #[arg(long, env = "TALLSCHOOL_PII_KEY", hide_env_values = true, global = true)]
    pub pii_key: Option<SecretString>,
    /// The key-encryption key before the last KEK rotation (local provider), kept until the
    /// data keys are rewrapped. Default: DATA_DIR/keys/pii.previous.key when it exists.
    #[arg(long, env = "TALLSCHOOL_PII_PREVIOUS_KEY", hide_env_values = true, global = true)]
    pub pii_previous_key: Option<SecretString>,
    /// Name or ARN of the Secrets Manager secret holding the key-encryption key (base64).
    #[arg(long, env = "TALLSCHOOL_PII_KEK_SECRET_ID", global = true)]
    pub pii_kek_secret_id: Option<String>,
    /// Secrets Manager region (default: the AWS chain's, else `us-east-1`).
    #[arg(long, env = "TALLSCHOOL_SECRETS_REGION", global = true)]
    pub secrets_region: Option<String>,
    /// Endpoint of a Secrets Manager-compatible service (default: AWS's).
    #[arg(long, env = "TALLSCHOOL_SECRETS_ENDPOINT", global = true)]
    pub secrets_endpoint: Option<String>,
    /// How long unwrapped data keys stay in memory (default 300 s). After that the provider is
    /// asked again; while it cannot be reached, personal data answers 503.
    #[arg(long, env = "TALLSCHOOL_PII_KEY_CACHE_SECS", global = true)]
    pub pii_key_cache_secs: Option<u64>,
    /// A data key is replaced after this many encryptions (default 2^30, well inside AES-GCM's
    /// 2^32 bound for random nonces).
    #[arg(long, env = "TALLSCHOOL_PII_KEY_MAX_ENCRYPTIONS", global = true)]
    pub pii_key_max_encryptions: Option<i64>,
    /// Days the PII access log (and its events) is kept (default 730).
    #[arg(long, env = "TALLSCHOOL_AUDIT_RETENTION_DAYS")]
    pub audit_retention_days: Option<i64>,
    /// Days security events (sign-in failures, token reuse, refused reads) are kept (default 365).
    #[arg(long, env = "TALLSCHOOL_SECURITY_EVENT_RETENTION_DAYS")]
    pub security_event_retention_days: Option<i64>,
    /// Days a disabled account (a student who left) is kept before the retention job erases
    /// it (default 365).
    #[arg(long, env = "TALLSCHOOL_DISABLED_ACCOUNT_RETENTION_DAYS")]
    pub disabled_account_retention_days: Option<i64>,
    /// Seconds between re-encryption job runs, which move rows off previous data keys
    /// (default 600; a rotation starts one at once).
    #[arg(long, env = "TALLSCHOOL_PII_REENCRYPT_INTERVAL_SECS")]
    pub pii_reencrypt_interval_secs: Option<u64>,
    /// Base64 key (32 bytes) sealing the PII access log's hash chain. Keep it out of the
    /// database's reach. Default: DATA_DIR/keys/audit.key, created once.
    #[arg(long, env = "TALLSCHOOL_AUDIT_KEY", hide_env_values = true, global = true)]
    pub audit_key: Option<SecretString>,
    /// Access-token lifetime in seconds (at most 900).
    #[arg(long, env = "TALLSCHOOL_ACCESS_TOKEN_TTL_SECS")]
    pub access_token_ttl_secs: Option<u64>,
    /// A session ends after this many seconds without a refresh.
    #[arg(long, env = "TALLSCHOOL_SESSION_IDLE_TTL_SECS")]
    pub session_idle_ttl_secs: Option<u64>,
    /// A session ends this many seconds after sign-in, however active.
    #[arg(long, env = "TALLSCHOOL_SESSION_ABSOLUTE_TTL_SECS")]
    pub session_absolute_ttl_secs: Option<u64>,
    /// Seconds during which a retried refresh with the just-rotated token gets the same answer.
    #[arg(long, env = "TALLSCHOOL_REFRESH_REUSE_GRACE_SECS")]
    pub refresh_reuse_grace_secs: Option<u64>,
    /// Wrong passwords for one account from one client address before delays start
    /// (forgiven at this many per 15 minutes).
    #[arg(long, env = "TALLSCHOOL_SIGNIN_ACCOUNT_ADDRESS_FAILURES")]
    pub signin_account_address_failures: Option<u32>,
    /// Wrong passwords from one client address, any account, before delays start (per hour).
    #[arg(long, env = "TALLSCHOOL_SIGNIN_ADDRESS_FAILURES")]
    pub signin_address_failures: Option<u32>,
    /// Wrong passwords for one account from devices without a session of it, before delays
    /// start (per hour).
    #[arg(long, env = "TALLSCHOOL_SIGNIN_ACCOUNT_FAILURES")]
    pub signin_account_failures: Option<u32>,
    /// The first delay after the free failures (seconds); each further failure doubles it.
    #[arg(long, env = "TALLSCHOOL_SIGNIN_BASE_DELAY_SECS")]
    pub signin_base_delay_secs: Option<u64>,
    /// The longest delay (seconds): throttling never locks anyone out for longer.
    #[arg(long, env = "TALLSCHOOL_SIGNIN_MAX_DELAY_SECS")]
    pub signin_max_delay_secs: Option<u64>,
    /// Sensitive changes (role, email, another person's password) need the password proved in
    /// the session within this many seconds.
    #[arg(long, env = "TALLSCHOOL_REAUTH_WINDOW_SECS")]
    pub reauth_window_secs: Option<u64>,
    /// How long a one-time password (new account, reset) signs in, in seconds.
    #[arg(long, env = "TALLSCHOOL_ONE_TIME_PASSWORD_TTL_SECS")]
    pub one_time_password_ttl_secs: Option<u64>,
    /// Requests served at once; beyond, 503 with Retry-After.
    #[arg(long, env = "TALLSCHOOL_MAX_IN_FLIGHT")]
    pub max_in_flight: Option<usize>,
    /// Requests without an access token (sign-in, refresh, health) served at once.
    #[arg(long, env = "TALLSCHOOL_MAX_UNAUTHENTICATED_IN_FLIGHT")]
    pub max_unauthenticated_in_flight: Option<usize>,
    /// Sync rounds per second one user may make, and as a burst.
    #[arg(long, env = "TALLSCHOOL_USER_SYNC_PER_SEC")]
    pub user_sync_per_sec: Option<u32>,
    #[arg(long, env = "TALLSCHOOL_USER_SYNC_BURST")]
    pub user_sync_burst: Option<u32>,
    /// Media requests per second one user may make, and as a burst.
    #[arg(long, env = "TALLSCHOOL_USER_MEDIA_PER_SEC")]
    pub user_media_per_sec: Option<u32>,
    #[arg(long, env = "TALLSCHOOL_USER_MEDIA_BURST")]
    pub user_media_burst: Option<u32>,
    /// Other API requests per second one user may make, and as a burst.
    #[arg(long, env = "TALLSCHOOL_USER_API_PER_SEC")]
    pub user_api_per_sec: Option<u32>,
    #[arg(long, env = "TALLSCHOOL_USER_API_BURST")]
    pub user_api_burst: Option<u32>,
    /// Web origins allowed to call the API from a browser (comma-separated, e.g.
    /// `https://app.school.example`). Default: none — cross-origin calls are refused.
    #[arg(long, env = "TALLSCHOOL_CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Option<Vec<String>>,
    /// Send `Strict-Transport-Security` with this max-age (seconds) — only when TLS is
    /// terminated in front of the server. Default 0: off.
    #[arg(long, env = "TALLSCHOOL_HSTS_MAX_AGE_SECS")]
    pub hsts_max_age_secs: Option<u64>,
    /// `json` (default) or `pretty`.
    #[arg(long, env = "TALLSCHOOL_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Seconds between snapshot compaction runs.
    #[arg(long, env = "TALLSCHOOL_COMPACTION_INTERVAL_SECS")]
    pub compaction_interval_secs: Option<u64>,
    /// A document is compacted once it has this many changes since its last snapshot.
    #[arg(long, env = "TALLSCHOOL_COMPACTION_MIN_CHANGES")]
    pub compaction_min_changes: Option<i64>,
    /// Largest stored size of one document's changes (422 beyond).
    #[arg(long, env = "TALLSCHOOL_MAX_DOC_BYTES")]
    pub max_doc_bytes: Option<u64>,
    /// Most changes in one sync answer; more wait for the next round (`has_more`).
    #[arg(long, env = "TALLSCHOOL_SYNC_PAGE_CHANGES")]
    pub sync_page_changes: Option<u64>,
    /// The web app's files, as `scripts/build-web.sh` makes them (default `client/web/dist`),
    /// served at `/`.
    #[arg(long, env = "TALLSCHOOL_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// When the weekly digest runs: cron with seconds, UTC (default `0 0 5 * * Mon`);
    /// `off` to run it only on demand.
    #[arg(long, env = "TALLSCHOOL_DIGEST_SCHEDULE")]
    pub digest_schedule: Option<String>,
    /// The oldest app version this server accepts (e.g. `1.4.0`): an older app is answered
    /// `426 upgrade_required` and asks its user to update (nothing on the device is lost).
    /// Default: every version.
    #[arg(long, env = "TALLSCHOOL_MIN_CLIENT_VERSION")]
    pub min_client_version: Option<String>,
    /// Serve Prometheus metrics at `http://ADDR/metrics` on this separate address (keep it
    /// internal: it answers without a token). Default: off.
    #[arg(long, env = "TALLSCHOOL_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Serve Prometheus metrics at `/metrics` on the main address to callers sending
    /// `Authorization: Bearer TOKEN` (16+ characters). Default: off.
    #[arg(long, env = "TALLSCHOOL_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
    /// Stream the outbox's events to this NATS server (`nats://HOST:4222`), JetStream enabled.
    /// Default: off (events stay in the outbox).
    #[arg(long, env = "TALLSCHOOL_NATS_URL", hide_env_values = true)]
    pub nats_url: Option<SecretString>,
    /// The JetStream stream the events go to (created if missing; default `TALLSCHOOL_EVENTS`).
    #[arg(long, env = "TALLSCHOOL_NATS_STREAM")]
    pub nats_stream: Option<String>,
    /// Where media objects live: `local` (a folder, default) or `s3`.
    #[arg(long, env = "TALLSCHOOL_MEDIA_STORE")]
    pub media_store: Option<MediaStoreKind>,
    /// The media folder for `local` (default DATA_DIR/media); uploads are staged in DATA_DIR/uploads.
    #[arg(long, env = "TALLSCHOOL_MEDIA_DIR")]
    pub media_dir: Option<PathBuf>,
    /// S3 bucket (created if missing). Credentials come from the usual AWS chain.
    #[arg(long, env = "TALLSCHOOL_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// S3 region (default `us-east-1`, or the AWS chain's).
    #[arg(long, env = "TALLSCHOOL_S3_REGION")]
    pub s3_region: Option<String>,
    /// Endpoint of an S3-compatible service (path-style addressing is then used).
    #[arg(long, env = "TALLSCHOOL_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// How S3 media reaches clients: `stream` through the server (default) or `presign`
    /// (a redirect to a short-lived presigned URL).
    #[arg(long, env = "TALLSCHOOL_MEDIA_DELIVERY")]
    pub media_delivery: Option<MediaDelivery>,
    /// Upload caps in MB per kind (defaults 10, 50, 2048).
    #[arg(long, env = "TALLSCHOOL_MEDIA_MAX_IMAGE_MB")]
    pub media_max_image_mb: Option<u64>,
    #[arg(long, env = "TALLSCHOOL_MEDIA_MAX_AUDIO_MB")]
    pub media_max_audio_mb: Option<u64>,
    #[arg(long, env = "TALLSCHOOL_MEDIA_MAX_VIDEO_MB")]
    pub media_max_video_mb: Option<u64>,
    /// Seconds between runs of the orphaned-media collector (default 3600).
    #[arg(long, env = "TALLSCHOOL_MEDIA_GC_INTERVAL_SECS")]
    pub media_gc_interval_secs: Option<u64>,
    /// Unreferenced media younger than this many seconds is kept (default 7 days), so a
    /// teacher's upload survives until the document that uses it is synced.
    #[arg(long, env = "TALLSCHOOL_MEDIA_GC_GRACE_SECS")]
    pub media_gc_grace_secs: Option<u64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum MediaStoreKind {
    #[default]
    Local,
    S3,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum PiiKeyProvider {
    #[default]
    Local,
    AwsSecretsManager,
}

/// The PII vault's key settings, resolved.
#[derive(Clone, Debug)]
pub struct PiiKeySettings {
    pub provider: PiiKeyProvider,
    pub key: Option<SecretString>,
    pub previous_key: Option<SecretString>,
    pub secret_id: Option<String>,
    /// Where each person's key lives (`pii::subject_keys`).
    pub subject_keys_url: SecretString,
    pub secrets_region: Option<String>,
    pub secrets_endpoint: Option<String>,
    pub cache: Duration,
    pub max_encryptions: i64,
    pub reencrypt_interval: Duration,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum MediaDelivery {
    #[default]
    Stream,
    Presign,
}

/// Media settings, resolved.
#[derive(Clone, Debug)]
pub struct MediaSettings {
    pub store: MediaStoreKind,
    pub dir: PathBuf,
    pub uploads_dir: PathBuf,
    pub s3_bucket: Option<String>,
    pub s3_region: Option<String>,
    pub s3_endpoint: Option<String>,
    pub delivery: MediaDelivery,
    pub max_image_bytes: u64,
    pub max_audio_bytes: u64,
    pub max_video_bytes: u64,
    pub gc_interval_secs: u64,
    pub gc_grace_secs: u64,
}

/// Tasks other than serving, run by an operator against the same data and settings.
#[derive(Clone, Debug, PartialEq, Eq, clap::Subcommand)]
pub enum Command {
    /// The PII access log.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// The PII vault's keys.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Make a technical admin with a one-time password (shown once; changed at first sign-in):
    /// how a real installation gets its first account.
    AddTechAdmin {
        /// `a-z 0-9 . _ -`, 3–64 characters.
        #[arg(long)]
        username: String,
    },
    /// Copy the SQLite database and the media folder into a new folder, while the server runs.
    Backup {
        /// The folder to create (it must not exist, or be empty).
        #[arg(long)]
        to: PathBuf,
        /// Also copy the keys (then the backup alone reads every pupil's personal data).
        #[arg(long)]
        with_keys: bool,
    },
    /// Restore a backup into the data folder (its database must not exist; server stopped).
    Restore {
        /// The backup's folder.
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, clap::Subcommand)]
pub enum KeysCommand {
    /// List the data keys with their state and how many fields each still seals.
    Status,
    /// Make a new current data key, then move every field to it (as `reencrypt` does).
    Rotate,
    /// Write a pending access-token signing key (verifies only); restart every replica, then
    /// `rotate-signing`.
    StageSigning,
    /// Promote the pending signing key (or a fresh one) to current; the old one keeps
    /// verifying the tokens it signed until they expire. Restart the servers afterwards.
    RotateSigning,
    /// Move every field still sealed under an older key to the current one, rewrap data keys
    /// under the current key-encryption key, and retire keys that seal nothing. Resumable: stop
    /// it at any point and run it again.
    Reencrypt,
}

#[derive(Clone, Debug, PartialEq, Eq, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the access log's hash chain: exit 0 when intact, 1 naming every row that was
    /// edited, deleted, added or moved, 2 when it could not be checked.
    Verify,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Json,
    Pretty,
}

/// The settings the server runs with.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: SecretString,
    pub demo: bool,
    pub jwt_secret: Option<SecretString>,
    pub jwt_pending_secret: Option<SecretString>,
    pub jwt_previous_secret: Option<SecretString>,
    pub jwt_rotated_at: Option<i64>,
    pub pii_keys: PiiKeySettings,
    pub audit_key: Option<SecretString>,
    pub audit_retention_days: i64,
    pub security_event_retention_days: i64,
    pub disabled_account_retention_days: i64,
    pub access_token_ttl_secs: u64,
    pub session_idle_ttl_secs: u64,
    pub session_absolute_ttl_secs: u64,
    pub refresh_reuse_grace_secs: u64,
    pub throttle: ThrottlePolicy,
    pub reauth_window_secs: u64,
    pub one_time_password_ttl_secs: u64,
    pub admission: AdmissionSettings,
    pub cors_allowed_origins: Vec<String>,
    pub hsts_max_age_secs: u64,
    pub log_format: LogFormat,
    pub compaction_interval_secs: u64,
    pub compaction_min_changes: i64,
    pub max_doc_bytes: u64,
    pub sync_page_changes: u64,
    /// `None`: the digest runs only on demand.
    pub digest_schedule: Option<cron::Schedule>,
    pub min_client_version: Option<semver::Version>,
    pub metrics_bind: Option<SocketAddr>,
    pub metrics_token: Option<SecretString>,
    /// Event export to NATS JetStream: the server's URL (it may hold credentials) and stream.
    pub nats_url: Option<SecretString>,
    pub nats_stream: String,
    pub media: MediaSettings,
    /// The web app's files.
    pub web_dir: PathBuf,
}

pub const MAX_ACCESS_TOKEN_TTL_SECS: u64 = 15 * 60;
const MB: u64 = 1024 * 1024;
pub const MAX_REFRESH_REUSE_GRACE_SECS: u64 = 60;

impl Settings {
    /// Layer defaults, the TOML file named by `--config`, environment and flags.
    pub fn resolve(cli: Cli) -> Result<Self, ConfigError> {
        let file = match &cli.config {
            Some(path) => read_file(path)?,
            None => Cli::default(),
        };
        let data_dir = cli.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from("data"));
        let database_url = cli
            .database_url
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty()).map(SecretString::from))
            .or(file.database_url)
            .unwrap_or_else(|| default_database_url(&data_dir));
        let media = MediaSettings {
            uploads_dir: data_dir.join("uploads"),
            store: cli.media_store.or(file.media_store).unwrap_or_default(),
            dir: cli.media_dir.or(file.media_dir).unwrap_or_else(|| data_dir.join("media")),
            s3_bucket: cli.s3_bucket.or(file.s3_bucket),
            s3_region: cli.s3_region.or(file.s3_region),
            s3_endpoint: cli.s3_endpoint.or(file.s3_endpoint),
            delivery: cli.media_delivery.or(file.media_delivery).unwrap_or_default(),
            max_image_bytes: MB * cli.media_max_image_mb.or(file.media_max_image_mb).unwrap_or(10),
            max_audio_bytes: MB * cli.media_max_audio_mb.or(file.media_max_audio_mb).unwrap_or(50),
            max_video_bytes: MB * cli.media_max_video_mb.or(file.media_max_video_mb).unwrap_or(2048),
            gc_interval_secs: cli.media_gc_interval_secs.or(file.media_gc_interval_secs).unwrap_or(3600),
            gc_grace_secs: cli.media_gc_grace_secs.or(file.media_gc_grace_secs).unwrap_or(7 * 24 * 3600),
        };
        let subject_keys_url = cli.pii_subject_keys_url.or(file.pii_subject_keys_url).unwrap_or_else(|| {
            let store = data_dir.join("keys").join(crate::pii::subject_keys::FILE);
            SecretString::from(format!("sqlite://{}", store.display()))
        });
        let settings = Settings {
            bind: cli.bind.or(file.bind).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            database_url,
            demo: cli.demo.or(file.demo).unwrap_or(false),
            jwt_secret: cli.jwt_secret.or(file.jwt_secret),
            jwt_pending_secret: cli.jwt_pending_secret.or(file.jwt_pending_secret),
            jwt_previous_secret: cli.jwt_previous_secret.or(file.jwt_previous_secret),
            jwt_rotated_at: cli.jwt_rotated_at.or(file.jwt_rotated_at),
            pii_keys: PiiKeySettings {
                provider: cli.pii_key_provider.or(file.pii_key_provider).unwrap_or_default(),
                key: cli.pii_key.or(file.pii_key),
                previous_key: cli.pii_previous_key.or(file.pii_previous_key),
                secret_id: cli.pii_kek_secret_id.or(file.pii_kek_secret_id),
                subject_keys_url,
                secrets_region: cli.secrets_region.or(file.secrets_region),
                secrets_endpoint: cli.secrets_endpoint.or(file.secrets_endpoint),
                cache: Duration::from_secs(cli.pii_key_cache_secs.or(file.pii_key_cache_secs).unwrap_or(300)),
                max_encryptions: cli.pii_key_max_encryptions.or(file.pii_key_max_encryptions).unwrap_or(1 << 30),
                reencrypt_interval: Duration::from_secs(
                    cli.pii_reencrypt_interval_secs.or(file.pii_reencrypt_interval_secs).unwrap_or(600),
                ),
            },
            audit_key: cli.audit_key.or(file.audit_key),
            audit_retention_days: cli.audit_retention_days.or(file.audit_retention_days).unwrap_or(730),
            disabled_account_retention_days: cli
                .disabled_account_retention_days
                .or(file.disabled_account_retention_days)
                .unwrap_or(365),
            security_event_retention_days: cli
                .security_event_retention_days
                .or(file.security_event_retention_days)
                .unwrap_or(365),
            access_token_ttl_secs: cli
                .access_token_ttl_secs
                .or(file.access_token_ttl_secs)
                .unwrap_or(MAX_ACCESS_TOKEN_TTL_SECS),
            session_idle_ttl_secs: cli.session_idle_ttl_secs.or(file.session_idle_ttl_secs).unwrap_or(14 * 24 * 3600),
            session_absolute_ttl_secs: cli
                .session_absolute_ttl_secs
                .or(file.session_absolute_ttl_secs)
                .unwrap_or(30 * 24 * 3600),
            refresh_reuse_grace_secs: cli.refresh_reuse_grace_secs.or(file.refresh_reuse_grace_secs).unwrap_or(10),
            throttle: {
                let account_address = Allowance {
                    free: cli.signin_account_address_failures.or(file.signin_account_address_failures).unwrap_or(5),
                    window: Duration::from_secs(15 * 60),
                };
                let hourly = |free| Allowance { free, window: Duration::from_secs(3600) };
                ThrottlePolicy {
                    account_address,
                    address: hourly(cli.signin_address_failures.or(file.signin_address_failures).unwrap_or(100)),
                    account: hourly(cli.signin_account_failures.or(file.signin_account_failures).unwrap_or(100)),
                    device: account_address,
                    refresh_address: hourly(100),
                    delays: Delays {
                        base: Duration::from_secs(
                            cli.signin_base_delay_secs.or(file.signin_base_delay_secs).unwrap_or(1),
                        ),
                        max: Duration::from_secs(
                            cli.signin_max_delay_secs.or(file.signin_max_delay_secs).unwrap_or(300),
                        ),
                    },
                }
            },
            reauth_window_secs: cli.reauth_window_secs.or(file.reauth_window_secs).unwrap_or(300),
            one_time_password_ttl_secs: cli
                .one_time_password_ttl_secs
                .or(file.one_time_password_ttl_secs)
                .unwrap_or(7 * 24 * 3600),
            admission: AdmissionSettings {
                max_in_flight: cli.max_in_flight.or(file.max_in_flight).unwrap_or(1024),
                max_unauthenticated: cli
                    .max_unauthenticated_in_flight
                    .or(file.max_unauthenticated_in_flight)
                    .unwrap_or(64),
                sync: Rate {
                    per_sec: cli.user_sync_per_sec.or(file.user_sync_per_sec).unwrap_or(20),
                    burst: cli.user_sync_burst.or(file.user_sync_burst).unwrap_or(200),
                },
                media: Rate {
                    per_sec: cli.user_media_per_sec.or(file.user_media_per_sec).unwrap_or(500),
                    burst: cli.user_media_burst.or(file.user_media_burst).unwrap_or(2000),
                },
                api: Rate {
                    per_sec: cli.user_api_per_sec.or(file.user_api_per_sec).unwrap_or(30),
                    burst: cli.user_api_burst.or(file.user_api_burst).unwrap_or(300),
                },
            },
            cors_allowed_origins: cli.cors_allowed_origins.or(file.cors_allowed_origins).unwrap_or_default(),
            hsts_max_age_secs: cli.hsts_max_age_secs.or(file.hsts_max_age_secs).unwrap_or(0),
            log_format: cli.log_format.or(file.log_format).unwrap_or_default(),
            compaction_interval_secs: cli.compaction_interval_secs.or(file.compaction_interval_secs).unwrap_or(300),
            compaction_min_changes: cli.compaction_min_changes.or(file.compaction_min_changes).unwrap_or(200),
            max_doc_bytes: cli.max_doc_bytes.or(file.max_doc_bytes).unwrap_or(tallschool_shared::sync::MAX_DOC_BYTES),
            sync_page_changes: cli.sync_page_changes.or(file.sync_page_changes).unwrap_or(5_000),
            media,
            web_dir: cli.web_dir.or(file.web_dir).unwrap_or_else(crate::web_app::default_dir),
            metrics_bind: cli.metrics_bind.or(file.metrics_bind),
            metrics_token: cli.metrics_token.or(file.metrics_token),
            nats_url: cli.nats_url.or(file.nats_url),
            nats_stream: cli.nats_stream.or(file.nats_stream).unwrap_or_else(|| "TALLSCHOOL_EVENTS".to_owned()),
            min_client_version: parse_min_version(
                cli.min_client_version.as_deref().or(file.min_client_version.as_deref()),
            )?,
            digest_schedule: parse_schedule(
                cli.digest_schedule.as_deref().or(file.digest_schedule.as_deref()).unwrap_or("0 0 5 * * Mon"),
            )?,
        };
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |name, reason: &str| Err(ConfigError::Invalid { name, reason: reason.to_owned() });
        if !(1..=MAX_ACCESS_TOKEN_TTL_SECS).contains(&self.access_token_ttl_secs) {
            return invalid("access_token_ttl_secs", "must be between 1 and 900");
        }
        if self.refresh_reuse_grace_secs > MAX_REFRESH_REUSE_GRACE_SECS {
            return invalid("refresh_reuse_grace_secs", "must be at most 60");
        }
        if self.session_idle_ttl_secs == 0 || self.session_absolute_ttl_secs < self.session_idle_ttl_secs {
            return invalid("session_absolute_ttl_secs", "must be at least session_idle_ttl_secs (> 0)");
        }
        let throttle = &self.throttle;
        if [throttle.account_address, throttle.address, throttle.account].iter().any(|a| a.free == 0) {
            return invalid("signin_account_address_failures", "free sign-in failures must be at least 1");
        }
        if throttle.delays.base.is_zero()
            || throttle.delays.max < throttle.delays.base
            || throttle.delays.max.as_secs() > 3600
        {
            return invalid("signin_max_delay_secs", "delays must be 1 s or more, the longest at most an hour");
        }
        if self.reauth_window_secs == 0 || self.one_time_password_ttl_secs == 0 {
            return invalid(
                "reauth_window_secs",
                "the re-authentication window and one-time password lifetime must be positive",
            );
        }
        if self.metrics_token.as_ref().is_some_and(|token| secrecy::ExposeSecret::expose_secret(token).len() < 16) {
            return invalid("metrics_token", "must be at least 16 characters");
        }
        let stream_name_ok = |name: &str| {
            !name.is_empty()
                && name.len() <= 64
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !stream_name_ok(&self.nats_stream) {
            return invalid("nats_stream", "must be 1–64 letters, digits, '_' or '-'");
        }
        let admission = &self.admission;
        if admission.max_in_flight == 0 || admission.max_unauthenticated == 0 {
            return invalid("max_in_flight", "request limits must be at least 1");
        }
        let rates = [
            ("user_sync_per_sec", admission.sync),
            ("user_media_per_sec", admission.media),
            ("user_api_per_sec", admission.api),
        ];
        if let Some((name, _)) = rates.iter().find(|(_, rate)| rate.per_sec == 0 || rate.burst == 0) {
            return invalid(name, "per-user rates and bursts must be at least 1");
        }
        for origin in &self.cors_allowed_origins {
            if !is_origin(origin) {
                return invalid(
                    "cors_allowed_origins",
                    "each allowed origin is a scheme and host (and port), e.g. https://app.school.example",
                );
            }
        }
        if self.sync_page_changes == 0 || self.max_doc_bytes == 0 {
            return invalid("sync_page_changes", "sync page size and document size limit must be positive");
        }
        if self.compaction_interval_secs == 0 || self.compaction_min_changes < 1 {
            return invalid("compaction_interval_secs", "compaction interval and threshold must be positive");
        }
        if self.media.store == MediaStoreKind::S3 && self.media.s3_bucket.as_deref().is_none_or(str::is_empty) {
            return invalid("s3_bucket", "the s3 media store needs --s3-bucket");
        }
        if self.media.max_image_bytes == 0 || self.media.max_audio_bytes == 0 || self.media.max_video_bytes == 0 {
            return invalid("media_max_image_mb", "media caps must be at least 1 MB");
        }
        if self.media.gc_interval_secs == 0 {
            return invalid("media_gc_interval_secs", "must be positive");
        }
        if self.jwt_previous_secret.is_some() && self.jwt_rotated_at.is_none() {
            return invalid("jwt_rotated_at", "a configured previous signing key needs --jwt-rotated-at");
        }
        if self.audit_retention_days < 1
            || self.security_event_retention_days < 1
            || self.disabled_account_retention_days < 1
        {
            return invalid("audit_retention_days", "retention is at least one day");
        }
        let keys = &self.pii_keys;
        if keys.provider == PiiKeyProvider::AwsSecretsManager && keys.secret_id.as_deref().is_none_or(str::is_empty) {
            return invalid("pii_kek_secret_id", "the aws_secrets_manager key provider needs --pii-kek-secret-id");
        }
        if keys.provider == PiiKeyProvider::AwsSecretsManager && (keys.key.is_some() || keys.previous_key.is_some()) {
            return invalid("pii_key", "a local key is not used with the aws_secrets_manager key provider: remove it");
        }
        // 2^32 is AES-GCM's bound for random 96-bit nonces under one key.
        if !(1..=1 << 32).contains(&keys.max_encryptions) {
            return invalid("pii_key_max_encryptions", "must be between 1 and 2^32");
        }
        if keys.reencrypt_interval.is_zero() {
            return invalid("pii_reencrypt_interval_secs", "must be positive");
        }
        Ok(())
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }
}

/// `http(s)://host[:port]`, nothing more (no path, no wildcard).
fn is_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else { return false };
    let host_ok =
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    matches!(scheme, "http" | "https") && host_ok
}

fn default_database_url(data_dir: &Path) -> SecretString {
    SecretString::from(format!("sqlite://{}", data_dir.join("tallschool.db").display()))
}

fn read_file(path: &Path) -> Result<Cli, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile { path: path.to_owned(), source })?;
    // toml's messages quote the offending line, which may hold a secret: keep only the position.
    toml::from_str(&text).map_err(|error| ConfigError::ParseFile {
        path: path.to_owned(),
        message: match error.span() {
            Some(span) => format!("{} (at byte {})", first_line(error.message()), span.start),
            None => first_line(error.message()).to_owned(),
        },
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn parse_min_version(text: Option<&str>) -> Result<Option<semver::Version>, ConfigError> {
    text.map(|text| {
        semver::Version::parse(text.trim()).map_err(|e| ConfigError::Invalid {
            name: "min_client_version",
            reason: format!("{text:?} is not a version like 1.4.0: {e}"),
        })
    })
    .transpose()
}

fn parse_schedule(text: &str) -> Result<Option<cron::Schedule>, ConfigError> {
    if text.trim() == "off" {
        return Ok(None);
    }
    text.parse::<cron::Schedule>().map(Some).map_err(|e| ConfigError::Invalid {
        name: "digest_schedule",
        reason: format!("{text:?} is not a cron schedule with seconds (e.g. \"0 0 5 * * Mon\"): {e}"),
    })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn flags_override_the_file_and_defaults_fill_the_rest() {
        let dir = std::env::temp_dir().join(format!("tallschool-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join("server.toml");
        std::fs::write(
            &path,
            "bind = \"127.0.0.1:9000\"\naccess_token_ttl_secs = 600\njwt_secret = \"s3cr3t-value\"\n",
        )
        .ok();
        let cli = Cli {
            config: Some(path),
            access_token_ttl_secs: Some(300),
            database_url: Some(SecretString::from("sqlite://x.db")),
            ..Cli::default()
        };
        let settings = Settings::resolve(cli).expect("valid settings");
        assert_eq!(settings.bind.port(), 9000);
        assert_eq!(settings.access_token_ttl_secs, 300);
        assert_eq!(settings.database_url.expose_secret(), "sqlite://x.db");
        assert!(!format!("{settings:?}").contains("s3cr3t-value"), "Debug must not show secrets");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_example_configuration_for_one_school_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/tallschool.example.toml");
        let settings = Settings::resolve(Cli { config: Some(path), ..Cli::default() }).expect("valid example");
        assert_eq!(settings.data_dir, Path::new("/var/lib/tallschool"));
        assert_eq!(settings.metrics_bind, Some(SocketAddr::from(([127, 0, 0, 1], 9464))));
        assert!(settings.database_url.expose_secret().starts_with("sqlite:///var/lib/tallschool/"));
        assert_eq!(settings.hsts_max_age_secs, 31_536_000);
    }

    #[test]
    fn unknown_keys_and_long_token_lifetimes_are_rejected() {
        let dir = std::env::temp_dir().join(format!("tallschool-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join("server.toml");
        std::fs::write(&path, "jwt_secrett = \"oops-value\"\n").ok();
        let error = Settings::resolve(Cli { config: Some(path), ..Cli::default() }).err().map(|e| e.to_string());
        assert!(
            error.as_deref().is_some_and(|e| e.contains("unknown field") && !e.contains("oops-value")),
            "{error:?}"
        );
        std::fs::remove_dir_all(&dir).ok();
        let cli = Cli {
            access_token_ttl_secs: Some(3600),
            database_url: Some(SecretString::from("sqlite://x.db")),
            ..Cli::default()
        };
        assert!(Settings::resolve(cli).is_err());
    }
}
