//! The signed-in session: server address, tokens and the account, in `session.json` beside
//! the store, readable by the user only, replaced atomically ([`small_files`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tallschool_shared::api::UserView;

use crate::error::{ClientError, Result};
use crate::platform::small_files;

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
    match small_files::read(&path).map_err(|source| file_error(&path, source))? {
        Some(bytes) => {
            serde_json::from_slice(&bytes).map(Some).map_err(|e| ClientError::Invalid(format!("session.json: {e}")))
        }
        None => Ok(None),
    }
}

fn file_error(path: &Path, source: std::io::Error) -> ClientError {
    ClientError::File { path: path.display().to_string(), source }
}

pub fn save(dir: &Path, session: &Session) -> Result<()> {
    write_private(&path(dir), &serde_json::to_vec_pretty(session).map_err(|e| ClientError::Invalid(e.to_string()))?)
}

/// A crash leaves either the old or the new contents, never half of them.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    small_files::write(path, bytes).map_err(|source| file_error(path, source))
}

pub fn clear(dir: &Path) -> Result<()> {
    remove(&path(dir))
}

fn remove(path: &Path) -> Result<()> {
    small_files::remove(path).map_err(|source| file_error(path, source))
}

/// This device's secret key (created once, 0600): with it the server recognises a device that
/// holds a live session of an account, which other people's failed sign-ins never slow down.
pub fn device_key(dir: &Path) -> Result<String> {
    let path = dir.join("device.key");
    let stored = small_files::read(&path).map_err(|source| file_error(&path, source))?;
    if let Some(key) = stored.as_deref().and_then(|bytes| std::str::from_utf8(bytes).ok())
        && key.trim().len() >= 32
    {
        return Ok(key.trim().to_owned());
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
    match small_files::read(&path).map_err(|source| file_error(&path, source))? {
        Some(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Invalid(format!("{} is damaged: {e}", path.display()))),
        None => Ok(Vec::new()),
    }
}

pub fn save_pending_logouts(dir: &Path, pending: &[PendingLogout]) -> Result<()> {
    let path = pending_logouts_path(dir);
    if pending.is_empty() {
        return remove(&path);
    }
    write_private(&path, &serde_json::to_vec_pretty(pending).map_err(|e| ClientError::Invalid(e.to_string()))?)
}
