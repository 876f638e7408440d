//! What differs between a native process (the CLI, the desktop app) and a browser worker (the
//! phone web app): the wall clock, waiting, HTTP client settings, private files, and the
//! journal mode of the store. Everything else in the engine is the same code on both.
//!
//! In a browser worker the store lives in the Origin Private File System (one tab at a time,
//! no WAL), and the small private files ([`small_files`]: sign-in, device key) are rows of a
//! SQLite database beside it; media files are OPFS files ([`media_files`]); files the person
//! picks are the browser's own copies ([`picked_files`]).

pub mod media_files;
pub mod picked_files;
pub mod small_files;

use std::path::Path;
use std::time::Duration;

/// Seconds since the Unix epoch.
#[cfg(not(target_arch = "wasm32"))]
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch (the browser's clock: `SystemTime` panics there).
#[cfg(target_arch = "wasm32")]
pub fn unix_now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Wait before trying the server again.
pub async fn sleep(duration: Duration) {
    #[cfg(not(target_arch = "wasm32"))]
    tokio::time::sleep(duration).await;
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::sleep(duration).await;
}

/// An HTTP client. Natively with a connect timeout and, when `overall` is set, a limit on the
/// whole request (else on each read, so a long download goes on while bytes arrive); in a
/// browser `fetch` keeps its own timeouts and none can be set here.
pub fn http_client(overall: Option<Duration>) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder();
    #[cfg(not(target_arch = "wasm32"))]
    let builder = {
        let builder = builder
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("tallschool/", env!("CARGO_PKG_VERSION")));
        match overall {
            Some(limit) => builder.timeout(limit),
            None => builder.read_timeout(Duration::from_secs(60)),
        }
    };
    #[cfg(target_arch = "wasm32")]
    let _ = overall;
    builder.build()
}

/// Make `dir` readable by this user only (a student's work is theirs, on a shared computer).
/// In a browser there are no folders to make: SQLite's storage there takes paths as names,
/// and the origin's storage is private to it.
#[cfg(target_arch = "wasm32")]
pub fn make_private_dir(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Make `dir` readable by this user only (a student's work is theirs, on a shared computer).
#[cfg(not(target_arch = "wasm32"))]
pub fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// A new file only this user may read (fails if it exists).
pub fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The store's journal: WAL natively (readers never wait for the writer); a browser's OPFS
/// storage has no shared memory for it.
pub const JOURNAL_MODE: &str = if cfg!(target_arch = "wasm32") { "DELETE" } else { "WAL" };
