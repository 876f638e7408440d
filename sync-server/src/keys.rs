//! Key material for token signing and the PII vault: from settings (environment, config file)
//! or, by default, a key file under `DATA_DIR/keys/` created on first start with mode 0600.
//! Keys are identified by a key id derived from the key, which is stored beside every
//! ciphertext and token, so that rotation can tell old from new.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{name}: not valid base64")]
    NotBase64 { name: &'static str },
    #[error("{name}: must be {expected} bytes, got {actual}")]
    WrongLength { name: &'static str, expected: String, actual: usize },
    #[error("cannot read or create key file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
}

/// A secret key and its public id.
pub struct Key {
    pub id: String,
    pub bytes: SecretBox<Vec<u8>>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("id", &self.id).field("bytes", &"[REDACTED]").finish()
    }
}

/// How long a key must be.
#[derive(Clone, Copy, Debug)]
pub enum KeyLength {
    Exactly(usize),
    AtLeast(usize),
}

/// The key from `setting` if given, else from `file`, which is created (0600) if missing.
pub fn load_or_create(
    name: &'static str,
    setting: Option<&SecretString>,
    file: &Path,
    length: KeyLength,
    prefix: &str,
) -> Result<Key, KeyError> {
    load(name, setting, length, prefix, || read_or_create_file(file, length))
}

/// The key from `setting` if given, else from `file`, which must exist: for tools that check
/// what a running server wrote, where a fresh key would only make everything look forged.
pub fn load_existing(
    name: &'static str,
    setting: Option<&SecretString>,
    file: &Path,
    length: KeyLength,
    prefix: &str,
) -> Result<Key, KeyError> {
    let read = || match std::fs::read_to_string(file) {
        Ok(text) => Ok(text.trim().to_owned()),
        Err(source) => Err(KeyError::File { path: file.to_owned(), source }),
    };
    load(name, setting, length, prefix, read)
}

/// The configured key, else the one `from_file` reads, checked for length.
fn load(
    name: &'static str,
    setting: Option<&SecretString>,
    length: KeyLength,
    prefix: &str,
    from_file: impl FnOnce() -> Result<String, KeyError>,
) -> Result<Key, KeyError> {
    let encoded = match setting {
        Some(secret) => secret.expose_secret().trim().to_owned(),
        None => from_file()?,
    };
    decode(name, &encoded, length, prefix)
}

/// A key from its base64 text, checked for length.
pub fn decode(name: &'static str, encoded: &str, length: KeyLength, prefix: &str) -> Result<Key, KeyError> {
    let bytes = STANDARD.decode(encoded.trim().as_bytes()).map_err(|_| KeyError::NotBase64 { name })?;
    let fits = match length {
        KeyLength::Exactly(n) => bytes.len() == n,
        KeyLength::AtLeast(n) => bytes.len() >= n,
    };
    if !fits {
        let expected = match length {
            KeyLength::Exactly(n) => n.to_string(),
            KeyLength::AtLeast(n) => format!("at least {n}"),
        };
        return Err(KeyError::WrongLength { name, expected, actual: bytes.len() });
    }
    Ok(Key { id: key_id(prefix, &bytes), bytes: SecretBox::new(Box::new(bytes)) })
}

/// A short public name for a key: a hash prefix, which reveals nothing about a 256-bit key.
pub fn key_id(prefix: &str, key: &[u8]) -> String {
    let digest = Sha256::new().chain_update(b"tallschool key id\0").chain_update(key).finalize();
    format!("{prefix}-{}", &hex::encode(digest)[..16])
}

fn read_or_create_file(path: &Path, length: KeyLength) -> Result<String, KeyError> {
    let file_error = |source| KeyError::File { path: path.to_owned(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(file_error)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(file_error)?;
    }
    let size = match length {
        KeyLength::Exactly(n) | KeyLength::AtLeast(n) => n,
    };
    let mut fresh = vec![0_u8; size];
    rand::rng().fill_bytes(&mut fresh);
    let encoded = STANDARD.encode(&fresh);
    // create_new: two servers starting at once must not overwrite each other's key.
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut file) => {
            file.write_all(encoded.as_bytes()).map_err(file_error)?;
            file.sync_all().map_err(file_error)?;
            Ok(encoded)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = std::fs::metadata(path).map_err(file_error)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "key file is readable by others; setting mode 0600");
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(file_error)?;
            }
            Ok(std::fs::read_to_string(path).map_err(file_error)?.trim().to_owned())
        }
        Err(error) => Err(file_error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_file_is_private_and_stable() {
        let dir = std::env::temp_dir().join(format!("tallschool-keys-{}", std::process::id()));
        let path = dir.join("keys/test.key");
        let first = load_or_create("test", None, &path, KeyLength::Exactly(32), "t").expect("created");
        let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode, 0o600);
        let second = load_or_create("test", None, &path, KeyLength::Exactly(32), "t").expect("read back");
        assert_eq!(first.id, second.id);
        assert_eq!(first.bytes.expose_secret(), second.bytes.expose_secret());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_short_configured_key_is_refused() {
        let short = SecretString::from(STANDARD.encode([1_u8; 16]));
        let error = load_or_create("pii_key", Some(&short), Path::new("/nonexistent"), KeyLength::Exactly(32), "p");
        assert!(matches!(error, Err(KeyError::WrongLength { .. })));
    }
}
