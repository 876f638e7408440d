//! Files a person picked to give the engine (a picture to upload, an Anki package to import),
//! named by a path in requests. Natively that is a file on disk (the desktop shell copies the
//! picked file into its staging folder). In a browser the window hands the picked `File` to
//! the worker, which keeps it here under a name (`keep`) until the window lets it go
//! (`release`): the bytes are read from the browser's copy, never duplicated.

use std::path::Path;

/// A picked file opened for reading from any place (a zip archive reads its end first).
#[cfg(not(target_arch = "wasm32"))]
pub type Opened = std::io::BufReader<std::fs::File>;
#[cfg(target_arch = "wasm32")]
pub type Opened = std::io::Cursor<Vec<u8>>;

/// The whole file.
pub async fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    #[cfg(not(target_arch = "wasm32"))]
    return std::fs::read(path);
    #[cfg(target_arch = "wasm32")]
    return in_browser::read(path).await;
}

/// The file, to read in pieces.
pub async fn open(path: &Path) -> std::io::Result<Opened> {
    #[cfg(not(target_arch = "wasm32"))]
    return std::fs::File::open(path).map(std::io::BufReader::new);
    #[cfg(target_arch = "wasm32")]
    return in_browser::read(path).await.map(std::io::Cursor::new);
}

#[cfg(target_arch = "wasm32")]
pub use in_browser::{keep, release};

#[cfg(target_arch = "wasm32")]
mod in_browser {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::path::Path;

    use wasm_bindgen_futures::JsFuture;

    thread_local! {
        static PICKED: RefCell<HashMap<String, web_sys::File>> = RefCell::new(HashMap::new());
    }

    /// Keep a picked file under `name`; the path requests name it by.
    pub fn keep(name: &str, file: web_sys::File) -> String {
        PICKED.with(|picked| picked.borrow_mut().insert(name.to_owned(), file));
        tallschool_contract::worker::picked_path(name)
    }

    /// Let a picked file go (by its name or its path).
    pub fn release(name: &str) {
        let name = name.rsplit('/').next().unwrap_or(name);
        PICKED.with(|picked| picked.borrow_mut().remove(name));
    }

    pub async fn read(path: &Path) -> std::io::Result<Vec<u8>> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let file = PICKED.with(|picked| picked.borrow().get(name).cloned()).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "that file is no longer picked: pick it again")
        })?;
        let buffer = JsFuture::from(file.array_buffer())
            .await
            .map_err(|_| std::io::Error::other("the picked file could not be read"))?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }
}
