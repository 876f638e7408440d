//! The media cache's files: a folder natively, the Origin Private File System (OPFS) in a
//! browser worker. OPFS is reached asynchronously, so everything here that touches files is
//! `async` and runs without the store locked; the store's `media_cache` table says which
//! objects are complete.
//!
//! Natively every object is a file named by its hash in the cache folder (`partial/` holds
//! downloads under way). In a browser the same names are OPFS entries under the same path
//! (`/tallschool/media/<hash>`); the window shows them through a URL it makes from the file.

use std::collections::HashMap;
use std::path::Path;

/// The complete objects on this device and their sizes (partial downloads are not listed).
pub async fn complete_sizes(dir: &Path) -> std::io::Result<HashMap<String, u64>> {
    #[cfg(not(target_arch = "wasm32"))]
    return native::complete_sizes(dir);
    #[cfg(target_arch = "wasm32")]
    return opfs::complete_sizes(dir).await;
}

/// Make the folder downloads go to.
pub async fn prepare(dir: &Path) -> std::io::Result<()> {
    #[cfg(not(target_arch = "wasm32"))]
    return std::fs::create_dir_all(dir.join("partial"));
    #[cfg(target_arch = "wasm32")]
    return opfs::folder(dir, true).await.map(|_| ()).map_err(opfs::to_io);
}

/// Remove objects (and their partial downloads); one that is not there is removed already.
pub async fn remove(dir: &Path, hashes: &[String]) {
    #[cfg(not(target_arch = "wasm32"))]
    native::remove(dir, hashes);
    #[cfg(target_arch = "wasm32")]
    opfs::remove(dir, hashes).await;
}

/// Remove the whole cache (sign-out: the next account may not see these files).
pub async fn remove_all(dir: &Path) -> std::io::Result<()> {
    #[cfg(not(target_arch = "wasm32"))]
    return native::remove_all(dir);
    #[cfg(target_arch = "wasm32")]
    return opfs::remove_all(dir).await;
}

/// Keep `bytes` as the object `hash` (written under another name first, so a crash leaves no
/// half object under its own name natively; in a browser the table marks it complete only
/// after this returns).
pub async fn write(dir: &Path, hash: &str, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(not(target_arch = "wasm32"))]
    return native::write(dir, hash, bytes);
    #[cfg(target_arch = "wasm32")]
    return opfs::write(dir, hash, bytes).await;
}

/// Whether a file the table says is complete is there. Natively it is looked at; OPFS can only
/// be asked asynchronously, so there the table is trusted (a missing file is found by the
/// check at the next media sync, [`complete_sizes`]).
pub fn present(path: &Path) -> bool {
    #[cfg(not(target_arch = "wasm32"))]
    return path.exists();
    #[cfg(target_arch = "wasm32")]
    {
        let _ = path;
        true
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::HashMap;
    use std::path::Path;

    pub fn complete_sizes(dir: &Path) -> std::io::Result<HashMap<String, u64>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
            Err(error) => return Err(error),
        };
        let mut sizes = HashMap::new();
        for entry in entries {
            let entry = entry?;
            let metadata = entry.metadata()?;
            if metadata.is_file()
                && let Some(name) = entry.file_name().to_str()
            {
                sizes.insert(name.to_owned(), metadata.len());
            }
        }
        Ok(sizes)
    }

    pub fn remove(dir: &Path, hashes: &[String]) {
        for hash in hashes {
            let _ = std::fs::remove_file(dir.join(hash));
            let _ = std::fs::remove_file(dir.join("partial").join(hash));
        }
    }

    pub fn remove_all(dir: &Path) -> std::io::Result<()> {
        match std::fs::remove_dir_all(dir) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    pub fn write(dir: &Path, hash: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let partial = dir.join(format!("{hash}.uploaded"));
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, dir.join(hash))
    }
}

/// OPFS from a dedicated worker: folders from the origin's root along the path's parts,
/// files written through synchronous access handles (only a dedicated worker has those).
#[cfg(target_arch = "wasm32")]
pub mod opfs {
    use std::collections::HashMap;
    use std::path::Path;

    use wasm_bindgen::{JsCast as _, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetDirectoryOptions, FileSystemGetFileOptions,
        FileSystemReadWriteOptions, FileSystemRemoveOptions, FileSystemSyncAccessHandle,
    };

    pub fn to_io(error: JsValue) -> std::io::Error {
        let text = js_sys::JSON::stringify(&error).map(String::from).unwrap_or_default();
        let name = js_sys::Reflect::get(&error, &"message".into()).ok().and_then(|m| m.as_string());
        std::io::Error::other(name.unwrap_or(text))
    }

    fn is_not_found(error: &JsValue) -> bool {
        js_sys::Reflect::get(error, &"name".into()).ok().and_then(|n| n.as_string()).as_deref() == Some("NotFoundError")
    }

    /// The origin's private root folder (a worker's or a window's navigator).
    pub async fn root() -> Result<FileSystemDirectoryHandle, JsValue> {
        let global = js_sys::global();
        let navigator = js_sys::Reflect::get(&global, &"navigator".into())?;
        let storage: web_sys::StorageManager = js_sys::Reflect::get(&navigator, &"storage".into())?.unchecked_into();
        Ok(JsFuture::from(storage.get_directory()).await?.unchecked_into())
    }

    /// The folder at `path` (its parts from the root), made when `create`.
    pub async fn folder(path: &Path, create: bool) -> Result<FileSystemDirectoryHandle, JsValue> {
        let mut handle = root().await?;
        for part in path.iter().filter_map(|p| p.to_str()).filter(|p| !p.is_empty() && *p != "/") {
            let options = FileSystemGetDirectoryOptions::new();
            options.set_create(create);
            handle = JsFuture::from(handle.get_directory_handle_with_options(part, &options)).await?.unchecked_into();
        }
        Ok(handle)
    }

    pub async fn complete_sizes(dir: &Path) -> std::io::Result<HashMap<String, u64>> {
        let folder = match folder(dir, false).await {
            Ok(folder) => folder,
            Err(error) if is_not_found(&error) => return Ok(HashMap::new()),
            Err(error) => return Err(to_io(error)),
        };
        let mut sizes = HashMap::new();
        // `values()` is an async iterator of the folder's handles.
        let values: js_sys::Function = js_sys::Reflect::get(&folder, &"values".into()).map_err(to_io)?.unchecked_into();
        let iterator = values.call0(&folder).map_err(to_io)?;
        let next: js_sys::Function = js_sys::Reflect::get(&iterator, &"next".into()).map_err(to_io)?.unchecked_into();
        loop {
            let step =
                JsFuture::from(js_sys::Promise::from(next.call0(&iterator).map_err(to_io)?)).await.map_err(to_io)?;
            if js_sys::Reflect::get(&step, &"done".into()).map_err(to_io)?.is_truthy() {
                break;
            }
            let entry = js_sys::Reflect::get(&step, &"value".into()).map_err(to_io)?;
            let Ok(file) = entry.dyn_into::<FileSystemFileHandle>() else { continue };
            let blob: web_sys::File = JsFuture::from(file.get_file()).await.map_err(to_io)?.unchecked_into();
            sizes.insert(file.name(), blob.size() as u64);
        }
        Ok(sizes)
    }

    async fn remove_entry(folder: &FileSystemDirectoryHandle, name: &str, recursive: bool) -> Result<(), JsValue> {
        let options = FileSystemRemoveOptions::new();
        options.set_recursive(recursive);
        match JsFuture::from(folder.remove_entry_with_options(name, &options)).await {
            Err(error) if !is_not_found(&error) => Err(error),
            _ => Ok(()),
        }
    }

    pub async fn remove(dir: &Path, hashes: &[String]) {
        let Ok(folder) = folder(dir, false).await else { return };
        for hash in hashes {
            let _ = remove_entry(&folder, hash, false).await;
        }
    }

    pub async fn remove_all(dir: &Path) -> std::io::Result<()> {
        let (Some(parent), Some(name)) = (dir.parent(), dir.file_name().and_then(|n| n.to_str())) else {
            return Ok(());
        };
        match folder(parent, false).await {
            Ok(parent) => remove_entry(&parent, name, true).await.map_err(to_io),
            Err(error) if is_not_found(&error) => Ok(()),
            Err(error) => Err(to_io(error)),
        }
    }

    /// A file being written from its start (anything there before is cut away).
    pub struct Writer {
        handle: FileSystemSyncAccessHandle,
        at: f64,
    }

    impl Writer {
        pub async fn create(dir: &Path, name: &str) -> std::io::Result<Writer> {
            let folder = folder(dir, true).await.map_err(to_io)?;
            let options = FileSystemGetFileOptions::new();
            options.set_create(true);
            let file: FileSystemFileHandle = JsFuture::from(folder.get_file_handle_with_options(name, &options))
                .await
                .map_err(to_io)?
                .unchecked_into();
            let handle: FileSystemSyncAccessHandle =
                JsFuture::from(file.create_sync_access_handle()).await.map_err(to_io)?.unchecked_into();
            if let Err(error) = handle.truncate_with_f64(0.0) {
                handle.close();
                return Err(to_io(error));
            }
            Ok(Writer { handle, at: 0.0 })
        }

        pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            let options = FileSystemReadWriteOptions::new();
            options.set_at(self.at);
            let written = self.handle.write_with_u8_array_and_options(bytes, &options).map_err(to_io)?;
            self.at += written;
            if (written as usize) < bytes.len() {
                return Err(std::io::Error::other("the browser's storage took only part of the bytes (is it full?)"));
            }
            Ok(())
        }

        /// Flush and close; the file is whole.
        pub fn finish(self) -> std::io::Result<()> {
            let flushed = self.handle.flush().map_err(to_io);
            self.handle.close();
            flushed
        }
    }

    impl Drop for Writer {
        fn drop(&mut self) {
            // Closing twice is harmless; a writer dropped halfway lets the file go.
            self.handle.close();
        }
    }

    pub async fn write(dir: &Path, hash: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut writer = Writer::create(dir, hash).await?;
        writer.write(bytes)?;
        writer.finish()
    }
}
