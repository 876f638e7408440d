//! Where the access-token signing keys come from, and their rotation. From settings
//! (`--jwt-secret`, `--jwt-pending-secret`, `--jwt-previous-secret` with `--jwt-rotated-at`)
//! or, by default, files under `DATA_DIR/keys/`:
//!
//! - `jwt-signing.key` — current: signs and verifies (created on first start);
//! - `jwt-signing.pending.key` — pending: verifies only, so that every replica accepts tokens
//!   signed with it before any replica signs with it;
//! - `jwt-signing.previous.key` and `jwt-signing.rotated-at` — the key before the last
//!   rotation, which verifies only tokens it signed up to that moment.
//!
//! `tallschool-server keys stage-signing` writes a pending key; `keys rotate-signing` promotes
//! it (or a fresh key) to current. Servers read the files at start: on several replicas, stage,
//! restart them all, rotate, restart them all.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::keys::{self, Key, KeyError, KeyLength};

pub const CURRENT_FILE: &str = "jwt-signing.key";
pub const PENDING_FILE: &str = "jwt-signing.pending.key";
pub const PREVIOUS_FILE: &str = "jwt-signing.previous.key";
pub const ROTATED_AT_FILE: &str = "jwt-signing.rotated-at";
const LENGTH: KeyLength = KeyLength::AtLeast(32);
const PREFIX: &str = "jwt";

/// The signing keys as loaded.
pub struct Loaded {
    pub current: Key,
    pub pending: Option<Key>,
    pub previous: Option<(Key, i64)>,
}

/// Load the signing keys from settings, else from the files (the current one created once).
pub fn load(settings: &Settings) -> Result<Loaded, KeyError> {
    let dir = settings.keys_dir();
    let current =
        keys::load_or_create("jwt_secret", settings.jwt_secret.as_ref(), &dir.join(CURRENT_FILE), LENGTH, PREFIX)?;
    let optional = |name, setting: Option<&secrecy::SecretString>, file: &str| {
        let path = dir.join(file);
        if setting.is_some() || path.exists() {
            keys::load_existing(name, setting, &path, LENGTH, PREFIX).map(Some)
        } else {
            Ok(None)
        }
    };
    let pending = optional("jwt_pending_secret", settings.jwt_pending_secret.as_ref(), PENDING_FILE)?;
    let previous = optional("jwt_previous_secret", settings.jwt_previous_secret.as_ref(), PREVIOUS_FILE)?;
    let previous = match previous {
        None => None,
        Some(key) => {
            let rotated_at = match settings.jwt_rotated_at {
                Some(at) => at,
                None => read_rotated_at(&dir.join(ROTATED_AT_FILE))?,
            };
            Some((key, rotated_at))
        }
    };
    Ok(Loaded { current, pending, previous })
}

fn read_rotated_at(path: &Path) -> Result<i64, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::File { path: path.to_owned(), source })?;
    text.trim().parse().map_err(|_| KeyError::File {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not a Unix time in seconds"),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("the signing keys come from settings (--jwt-secret): rotate them there")]
    Configured,
    #[error("no signing key file to rotate at {0}: start the server once first")]
    NoCurrent(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Write a fresh pending key (kept if one is already pending). Answers its id.
pub fn stage(settings: &Settings) -> Result<String, RotateError> {
    let dir = settings.keys_dir();
    if settings.jwt_secret.is_some() {
        return Err(RotateError::Configured);
    }
    let path = dir.join(PENDING_FILE);
    if !path.exists() {
        write_private(&path, &fresh_key_text())?;
    }
    Ok(keys::load_existing("jwt_pending_secret", None, &path, LENGTH, PREFIX)?.id)
}

/// The pending key (or a fresh one) becomes current; the current one becomes previous, vouching
/// for tokens it signed up to `now`. Answers (new current id, previous id).
pub fn rotate(settings: &Settings, now: i64) -> Result<(String, String), RotateError> {
    let dir = settings.keys_dir();
    if settings.jwt_secret.is_some() {
        return Err(RotateError::Configured);
    }
    let current_path = dir.join(CURRENT_FILE);
    if !current_path.exists() {
        return Err(RotateError::NoCurrent(current_path.display().to_string()));
    }
    let old = keys::load_existing("jwt_secret", None, &current_path, LENGTH, PREFIX)?;
    let pending_path = dir.join(PENDING_FILE);
    let new_text = if pending_path.exists() { read(&pending_path)? } else { fresh_key_text() };
    // Previous first: a crash before the current key is replaced leaves both the same.
    write_private(&dir.join(PREVIOUS_FILE), &STANDARD.encode(old.bytes.expose_secret()))?;
    write_private(&dir.join(ROTATED_AT_FILE), &now.to_string())?;
    write_private(&current_path, &new_text)?;
    if pending_path.exists() {
        std::fs::remove_file(&pending_path).map_err(|source| KeyError::File { path: pending_path, source })?;
    }
    let new = keys::decode("jwt_secret", &new_text, LENGTH, PREFIX)?;
    Ok((new.id, old.id))
}

fn fresh_key_text() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

fn read(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path)
        .map(|text| text.trim().to_owned())
        .map_err(|source| KeyError::File { path: path.to_owned(), source })
}

/// Replace `path` with `text` (mode 0600) through a temporary file and a rename.
fn write_private(path: &Path, text: &str) -> Result<(), KeyError> {
    use std::io::Write;
    let error = |source| KeyError::File { path: path.to_owned(), source };
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(error)?;
    file.write_all(text.as_bytes()).map_err(error)?;
    file.sync_all().map_err(error)?;
    std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o600)).map_err(error)?;
    std::fs::rename(&temporary, path).map_err(error)
}
