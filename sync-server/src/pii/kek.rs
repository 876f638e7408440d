//! Where the vault's key-encryption keys (KEKs) come from. A KEK only wraps data keys; it never
//! enters the database. Two providers:
//!
//! - **local** (default): `DATA_DIR/keys/pii.key` (or `--pii-key`), created on first start, and
//!   after a KEK rotation the one before it in `pii.previous.key` (or `--pii-previous-key`).
//! - **AWS Secrets Manager**: one secret holding a base64 256-bit key; the version labelled
//!   `AWSCURRENT` wraps, the one labelled `AWSPREVIOUS` still unwraps — Secrets Manager's own
//!   rotation model. Asked again when the vault's cache expires, so that an unreachable provider
//!   makes personal data unavailable (503) rather than kept readable from anywhere else.
//!
//! A KEK's id is derived from its bytes (`keys::key_id`), so a secret rotated in place under
//! the same name is still told apart from its previous version.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;

use crate::config::{PiiKeyProvider, PiiKeySettings};
use crate::keys::{self, Key, KeyError, KeyLength};

/// The prefix of a KEK's id ("pii-…"); data keys are "dek-…".
pub const KEK_ID_PREFIX: &str = "pii";
/// The KEK file under `DATA_DIR/keys/`, and the one a KEK rotation keeps for unwrapping.
pub const KEK_FILE: &str = "pii.key";
pub const PREVIOUS_KEK_FILE: &str = "pii.previous.key";

#[derive(Debug, thiserror::Error)]
pub enum KekError {
    #[error("the key provider cannot be reached: {0}")]
    Unreachable(String),
    #[error("the key provider's key is not usable: {0}")]
    Malformed(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// The KEKs available now: the one that wraps new data keys, and older ones that still unwrap.
#[derive(Debug)]
pub struct KekSet {
    pub current: Arc<Key>,
    pub previous: Vec<Arc<Key>>,
}

impl KekSet {
    pub fn find(&self, id: &str) -> Option<&Arc<Key>> {
        std::iter::once(&self.current).chain(&self.previous).find(|key| key.id == id)
    }
}

/// A configured source of KEKs.
pub enum KekSource {
    Local(Arc<KekSet>),
    SecretsManager { client: aws_sdk_secretsmanager::Client, secret_id: String },
}

impl KekSource {
    /// Open the configured provider. `create` makes the local key file on first start (the
    /// server); tools that only read what a server wrote pass `false`.
    pub async fn open(settings: &PiiKeySettings, keys_dir: &std::path::Path, create: bool) -> Result<Self, KekError> {
        match settings.provider {
            PiiKeyProvider::Local => {
                let path = keys_dir.join(KEK_FILE);
                let length = KeyLength::Exactly(crate::crypto::KEY_LEN);
                let current = if create {
                    keys::load_or_create("pii_key", settings.key.as_ref(), &path, length, KEK_ID_PREFIX)?
                } else {
                    keys::load_existing("pii_key", settings.key.as_ref(), &path, length, KEK_ID_PREFIX)?
                };
                let previous_path = keys_dir.join(PREVIOUS_KEK_FILE);
                let previous = if settings.previous_key.is_some() || previous_path.exists() {
                    let secret = settings.previous_key.as_ref();
                    Some(keys::load_existing("pii_previous_key", secret, &previous_path, length, KEK_ID_PREFIX)?)
                } else {
                    None
                };
                let previous = previous.filter(|key| key.id != current.id).map(Arc::new).into_iter().collect();
                Ok(KekSource::Local(Arc::new(KekSet { current: Arc::new(current), previous })))
            }
            PiiKeyProvider::AwsSecretsManager => {
                let secret_id = settings
                    .secret_id
                    .clone()
                    .ok_or_else(|| KekError::Malformed("aws_secrets_manager needs --pii-kek-secret-id".to_owned()))?;
                Ok(KekSource::SecretsManager { client: secrets_client(settings).await, secret_id })
            }
        }
    }

    /// A short description for status pages (never a key).
    pub fn describe(&self) -> String {
        match self {
            KekSource::Local(_) => "local key file".to_owned(),
            KekSource::SecretsManager { secret_id, .. } => format!("AWS Secrets Manager secret {secret_id}"),
        }
    }

    /// The KEKs as the provider holds them now.
    pub async fn fetch(&self) -> Result<Arc<KekSet>, KekError> {
        match self {
            KekSource::Local(set) => Ok(set.clone()),
            KekSource::SecretsManager { client, secret_id } => {
                let current = fetch_stage(client, secret_id, "AWSCURRENT")
                    .await?
                    .ok_or_else(|| KekError::Malformed(format!("secret {secret_id} has no AWSCURRENT version")))?;
                let previous = fetch_stage(client, secret_id, "AWSPREVIOUS").await?;
                let previous = previous.filter(|key| key.id != current.id).map(Arc::new).into_iter().collect();
                Ok(Arc::new(KekSet { current: Arc::new(current), previous }))
            }
        }
    }
}

/// The key in the secret's version labelled `stage`, `None` when no version carries it.
async fn fetch_stage(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
    stage: &str,
) -> Result<Option<Key>, KekError> {
    let answer = client.get_secret_value().secret_id(secret_id).version_stage(stage).send().await;
    let output = match answer {
        Ok(output) => output,
        // No version with this label (e.g. no AWSPREVIOUS before the first rotation).
        Err(SdkError::ServiceError(error))
            if matches!(error.err(), GetSecretValueError::ResourceNotFoundException(_)) && stage != "AWSCURRENT" =>
        {
            return Ok(None);
        }
        Err(error) => {
            let detail = aws_sdk_secretsmanager::error::DisplayErrorContext(&error).to_string();
            return Err(KekError::Unreachable(detail));
        }
    };
    let text = output
        .secret_string()
        .ok_or_else(|| KekError::Malformed(format!("secret {secret_id} ({stage}) holds no string")))?;
    let length = KeyLength::Exactly(crate::crypto::KEY_LEN);
    Ok(Some(keys::decode("pii_kek_secret", text, length, KEK_ID_PREFIX)?))
}

/// A Secrets Manager client: region and credentials from the usual AWS chain, an endpoint
/// override for a local stand-in, and short timeouts so an outage answers 503 quickly.
async fn secrets_client(settings: &PiiKeySettings) -> aws_sdk_secretsmanager::Client {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(6))
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(region) = &settings.secrets_region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    let shared = loader.load().await;
    let mut builder = aws_sdk_secretsmanager::config::Builder::from(&shared)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2));
    if shared.region().is_none() {
        builder = builder.region(aws_config::Region::from_static("us-east-1"));
    }
    if let Some(endpoint) = &settings.secrets_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    aws_sdk_secretsmanager::Client::from_conf(builder.build())
}
