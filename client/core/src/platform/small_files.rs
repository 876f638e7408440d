//! Small private files beside the store — the saved sign-in, the device key, sign-outs still
//! to send: read whole, replaced atomically, readable by this user only.
//!
//! Natively they are files (0600, written to a temporary file and renamed over the old one).
//! A browser worker has no synchronous file API outside SQLite's own storage, so there they
//! are rows of a small SQLite database in the same folder, on the same storage as the store
//! (the phone build puts that in the Origin Private File System); one transaction per write.

use std::path::Path;

/// The file's bytes, or `None` if there is none.
pub fn read(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    #[cfg(not(target_arch = "wasm32"))]
    return native::read(path);
    #[cfg(target_arch = "wasm32")]
    return in_sqlite::read(path);
}

/// Replace the file's bytes: after a crash either the old or the new bytes are there.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(not(target_arch = "wasm32"))]
    return native::write(path, bytes);
    #[cfg(target_arch = "wasm32")]
    return in_sqlite::write(path, bytes);
}

/// Remove the file; one that is not there is removed already.
pub fn remove(path: &Path) -> std::io::Result<()> {
    #[cfg(not(target_arch = "wasm32"))]
    return native::remove(path);
    #[cfg(target_arch = "wasm32")]
    return in_sqlite::remove(path);
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::io::Write;
    use std::path::Path;

    pub fn read(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let temporary = path.with_extension("tmp");
        let _ = std::fs::remove_file(&temporary);
        let mut file = super::super::create_private_file(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    }

    pub fn remove(path: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

/// Files as rows: `small-files.db` in the file's folder, one row per file name. Built natively
/// too, so that its tests run here.
#[cfg(any(target_arch = "wasm32", test))]
mod in_sqlite {
    use std::path::Path;

    use rusqlite::{Connection, OptionalExtension};

    fn open(path: &Path) -> std::io::Result<(Connection, String)> {
        let folder = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "a file needs a name"))?
            .to_owned();
        let conn = Connection::open(folder.join("small-files.db")).map_err(to_io)?;
        conn.pragma_update(None, "journal_mode", super::super::JOURNAL_MODE).map_err(to_io)?;
        conn.execute_batch("CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, bytes BLOB NOT NULL)")
            .map_err(to_io)?;
        Ok((conn, name))
    }

    fn to_io(error: rusqlite::Error) -> std::io::Error {
        std::io::Error::other(error)
    }

    pub fn read(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        let (conn, name) = open(path)?;
        conn.query_row("SELECT bytes FROM files WHERE name = ?1", [name], |row| row.get(0)).optional().map_err(to_io)
    }

    pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let (conn, name) = open(path)?;
        conn.execute(
            "INSERT INTO files (name, bytes) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes",
            rusqlite::params![name, bytes],
        )
        .map(|_| ())
        .map_err(to_io)
    }

    pub fn remove(path: &Path) -> std::io::Result<()> {
        let (conn, name) = open(path)?;
        conn.execute("DELETE FROM files WHERE name = ?1", [name]).map(|_| ()).map_err(to_io)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    /// Both ways of keeping small files behave alike: read what was written, replace, remove.
    fn behaves_like_files(
        dir: &Path,
        read: fn(&Path) -> std::io::Result<Option<Vec<u8>>>,
        write: fn(&Path, &[u8]) -> std::io::Result<()>,
        remove: fn(&Path) -> std::io::Result<()>,
    ) {
        let session = dir.join("session.json");
        let key = dir.join("device.key");
        assert_eq!(read(&session).unwrap(), None);
        remove(&session).unwrap();
        write(&session, b"first").unwrap();
        write(&key, b"secret").unwrap();
        write(&session, b"second").unwrap();
        assert_eq!(read(&session).unwrap().as_deref(), Some(b"second".as_slice()));
        assert_eq!(read(&key).unwrap().as_deref(), Some(b"secret".as_slice()));
        remove(&session).unwrap();
        assert_eq!(read(&session).unwrap(), None);
        assert_eq!(read(&key).unwrap().as_deref(), Some(b"secret".as_slice()), "only the one removed");
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tallschool-small-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn files_on_disk() {
        let dir = scratch("disk");
        behaves_like_files(&dir, super::native::read, super::native::write, super::native::remove);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("device.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "readable by this user only");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn files_as_rows_as_in_a_browser() {
        let dir = scratch("rows");
        behaves_like_files(&dir, super::in_sqlite::read, super::in_sqlite::write, super::in_sqlite::remove);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
