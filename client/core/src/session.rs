//! The signed-in session: server address, tokens and the account, in `session.json` beside
//! the store, readable by the user only (0600), replaced atomically.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
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

/// Write to a temporary file (0600), sync, then rename over the old one: a crash leaves either
/// the old or the new session, never half of one.
pub fn save(dir: &Path, session: &Session) -> Result<()> {
    let path = path(dir);
    let temporary = dir.join("session.json.tmp");
    let file_error = |source| ClientError::File { path: path.display().to_string(), source };
    let bytes = serde_json::to_vec_pretty(session).map_err(|e| ClientError::Invalid(e.to_string()))?;
    let _ = std::fs::remove_file(&temporary);
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary).map_err(file_error)?;
    file.write_all(&bytes).map_err(file_error)?;
    file.sync_all().map_err(file_error)?;
    std::fs::rename(&temporary, &path).map_err(file_error)
}

pub fn clear(dir: &Path) -> Result<()> {
    match std::fs::remove_file(path(dir)) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(ClientError::File { path: path(dir).display().to_string(), source: error })
        }
        _ => Ok(()),
    }
}
