//! The signed-in session: server address, tokens and the account, in `session.json` beside
//! the store, readable by the user only (0600), replaced atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tallschool_shared::api::UserView;

use crate::error::{ClientError, Result};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub server: String,
    pub access_token: String,
    pub refresh_token: String,
    pub user: UserView,
    /// Signed in with a one-time password: choosing a new one is all the server allows.
    #[serde(default)]
    pub password_change_required: bool,
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join("session.json")
}

pub fn load(dir: &Path) -> Result<Option<Session>> {
    let path = path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map(Some).map_err(|e| ClientError::Invalid(format!("session.json: {e}")))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ClientError::File { path: path.display().to_string(), source }),
    }
}

pub fn save(dir: &Path, session: &Session) -> Result<()> {
    write_private(&path(dir), &serde_json::to_vec_pretty(session).map_err(|e| ClientError::Invalid(e.to_string()))?)
}

/// Write to a temporary file (0600), sync, then rename over the old one: a crash leaves either
/// the old or the new contents, never half of them.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = path.with_extension("tmp");
    let file_error = |source| ClientError::File { path: path.display().to_string(), source };
    let _ = std::fs::remove_file(&temporary);
    let mut file = crate::platform::create_private_file(&temporary).map_err(file_error)?;
    file.write_all(bytes).map_err(file_error)?;
    file.sync_all().map_err(file_error)?;
    std::fs::rename(&temporary, path).map_err(file_error)
}

pub fn clear(dir: &Path) -> Result<()> {
    remove(&path(dir))
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(ClientError::File { path: path.display().to_string(), source: error })
        }
        _ => Ok(()),
    }
}

/// This device's secret key (created once, 0600): with it the server recognises a device that
/// holds a live session of an account, which other people's failed sign-ins never slow down.
pub fn device_key(dir: &Path) -> Result<String> {
    let path = dir.join("device.key");
    match std::fs::read_to_string(&path) {
        Ok(key) if key.trim().len() >= 32 => return Ok(key.trim().to_owned()),
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(ClientError::File { path: path.display().to_string(), source }),
    }
    let key = hex::encode(rand::random::<[u8; 32]>());
    write_private(&path, key.as_bytes())?;
    Ok(key)
}

/// A sign-out the server has not heard of yet (it was unreachable): the refresh token that
/// ends the session, sent at the next contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogout {
    pub server: String,
    pub refresh_token: String,
}

fn pending_logouts_path(dir: &Path) -> PathBuf {
    dir.join("pending-logouts.json")
}

pub fn pending_logouts(dir: &Path) -> Result<Vec<PendingLogout>> {
    let path = pending_logouts_path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Invalid(format!("{} is damaged: {e}", path.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(ClientError::File { path: path.display().to_string(), source }),
    }
}

pub fn save_pending_logouts(dir: &Path, pending: &[PendingLogout]) -> Result<()> {
    let path = pending_logouts_path(dir);
    if pending.is_empty() {
        return remove(&path);
    }
    write_private(&path, &serde_json::to_vec_pretty(pending).map_err(|e| ClientError::Invalid(e.to_string()))?)
}
