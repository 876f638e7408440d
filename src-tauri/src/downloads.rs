//! Files the app gives the person (a deck exported as CSV) go to their Downloads folder,
//! under the name the screen suggests, never over a file that is already there.

use std::path::{Path, PathBuf};

/// A file name from the window made safe: no folders, no hidden files, no control characters.
pub fn safe_name(suggested: &str) -> String {
    let name: String =
        suggested.chars().map(|c| if c == '/' || c == '\\' || c.is_control() || c == ':' { '_' } else { c }).collect();
    let name = name.trim().trim_start_matches('.').trim();
    if name.is_empty() { "download".to_owned() } else { name.chars().take(120).collect() }
}

/// `dir/name`, or `dir/name (2)`, `dir/name (3)`… when taken.
pub fn free_path(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (name, String::new()),
    };
    (2..).map(|n| dir.join(format!("{stem} ({n}){extension}"))).find(|path| !path.exists()).unwrap_or(first)
}

/// Save `bytes` as `suggested` in `dir`; where it went.
pub fn save(dir: &Path, suggested: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = free_path(dir, &safe_name(suggested));
    std::fs::write(&path, bytes)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_cannot_leave_the_folder_or_overwrite() {
        assert_eq!(safe_name("../../.bashrc"), "_.._.bashrc");
        assert_eq!(safe_name("..."), "download");
        assert_eq!(safe_name("Animals.csv"), "Animals.csv");
        let dir = std::env::temp_dir().join(format!("tallschool-downloads-{}", std::process::id()));
        let first = save(&dir, "Animals.csv", b"a").unwrap();
        let second = save(&dir, "Animals.csv", b"b").unwrap();
        assert_eq!(first.file_name().unwrap(), "Animals.csv");
        assert_eq!(second.file_name().unwrap(), "Animals (2).csv");
        assert_eq!(std::fs::read(&first).unwrap(), b"a", "the first file is kept");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
