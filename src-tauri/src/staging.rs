//! Files a person picks in the window (a picture for a card, a video for a test, an Anki
//! deck) are copied here, piece by piece, so the engine can read them by path: the window
//! itself has no access to the disk. The folder is emptied when the app starts.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The name the window gives a file it copies in: letters, digits and dashes (a UUID).
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[derive(Debug, thiserror::Error)]
pub enum StagingError {
    #[error("not a name for a copied file")]
    BadId,
    #[error("this piece starts at byte {offset}, but {have} bytes are copied so far")]
    OutOfOrder { offset: u64, have: u64 },
    #[error("copying the file failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Write `bytes` at `offset` of the copied file `id` (offset 0 starts it afresh); its path.
pub fn write_piece(dir: &Path, id: &str, offset: u64, bytes: &[u8]) -> Result<PathBuf, StagingError> {
    if !valid_id(id) {
        return Err(StagingError::BadId);
    }
    std::fs::create_dir_all(dir)?;
    let path = dir.join(id);
    let mut file = OpenOptions::new().create(true).write(true).truncate(offset == 0).open(&path)?;
    let have = file.metadata()?.len();
    // Pieces come in order; a piece sent again after a lost answer is written again.
    if offset > have {
        return Err(StagingError::OutOfOrder { offset, have });
    }
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(bytes)?;
    file.set_len(offset + bytes.len() as u64)?;
    Ok(path)
}

/// Remove a copied file once the engine has used it.
pub fn release(dir: &Path, id: &str) {
    if valid_id(id) {
        let _ = std::fs::remove_file(dir.join(id));
    }
}

/// Empty the folder (at start: nothing copied before is still wanted).
pub fn clear(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pieces_make_the_file_and_names_stay_in_the_folder() {
        let dir = std::env::temp_dir().join(format!("tallschool-staging-{}", std::process::id()));
        let path = write_piece(&dir, "a1-b2", 0, b"hello ").unwrap();
        write_piece(&dir, "a1-b2", 6, b"world").unwrap();
        // A piece sent twice is written once.
        write_piece(&dir, "a1-b2", 6, b"world").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello world");
        assert!(matches!(write_piece(&dir, "a1-b2", 40, b"x"), Err(StagingError::OutOfOrder { offset: 40, have: 11 })));
        for bad in ["../etc/passwd", "a/b", "", "é"] {
            assert!(matches!(write_piece(&dir, bad, 0, b"x"), Err(StagingError::BadId)), "{bad:?}");
        }
        release(&dir, "a1-b2");
        assert!(!path.exists());
        clear(&dir);
        assert!(!dir.exists());
    }
}
