//! The one way the screens reach the engine: the contract's requests in, responses and
//! change notifications out. Two implementations: the desktop app's engine runs in the Tauri
//! shell (reached with `invoke`, [`tauri`]); the web app's runs in a browser worker (reached
//! with `postMessage`, [`worker`]). No screen knows which one it talks to.

pub mod tauri;
pub mod worker;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use dioxus::html::FileData;
use tallschool_contract::{Error, ErrorCode, Event, Request, Response};

pub use tauri::TauriEngine;
#[cfg(target_arch = "wasm32")]
pub use worker::WorkerEngine;

pub type Answer = Pin<Box<dyn Future<Output = Result<Response, Error>>>>;
pub type Done<T> = Pin<Box<dyn Future<Output = Result<T, Error>>>>;

/// Told how far a long copy is: bytes done, bytes in all.
pub type Progress = Rc<dyn Fn(u64, u64)>;

/// Whether the engine can answer yet (the web app's may wait for another tab).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub enum Availability {
    /// Not answering yet: the engine is loading.
    Starting,
    /// The app is open in another tab or window, which holds the device's store: this one
    /// waits until that one closes.
    OpenElsewhere,
    Ready,
    /// The engine cannot run here; every request fails with this.
    Failed(String),
}

pub trait Engine {
    /// Send one request; its response or its error.
    fn call(&self, request: Request) -> Answer;
    /// Be told of every change the engine reports, from now on.
    fn subscribe(&self, listener: Rc<dyn Fn(Event)>);
    /// Be told when the engine waits for another tab, starts answering, or cannot run.
    fn watch_availability(&self, listener: Rc<dyn Fn(Availability)>) {
        listener(Availability::Ready);
    }
    /// The school's server when the app can only use one (the web app: the server that serves
    /// it); `None` when the person says which.
    fn fixed_server(&self) -> Option<String> {
        None
    }
    /// The address the window loads a file of the device's media cache from.
    fn file_url(&self, path: &str) -> Done<String>;
    /// Make a file the person picked readable by the engine (`progress` as it goes); the path
    /// that requests taking a file name it by.
    fn stage_file(&self, file: FileData, progress: Progress) -> Done<String>;
    /// The engine is done with a file `stage_file` made.
    fn release_file(&self, path: &str);
    /// Give the person a file (an export): where it went, to tell them.
    fn save_file(&self, name: &str, bytes: Vec<u8>) -> Done<String>;
}

/// The engine of this window: the Tauri shell's when the screens run in the desktop app, else
/// the one in a browser worker (the web app), which the page started (`start.js`).
pub fn for_this_window() -> Rc<dyn Engine> {
    #[cfg(target_arch = "wasm32")]
    if !crate::browser::window_has("__TAURI__") {
        return Rc::new(WorkerEngine::attach());
    }
    Rc::new(TauriEngine)
}

pub(crate) fn protocol(message: String) -> Error {
    Error { code: ErrorCode::Protocol, message, field: None, server_code: None }
}

/// The value of one kind of response, for [`ask`]: `ask(&engine, Request::Cards { deck },
/// pick!(Response::Cards))`.
#[macro_export]
macro_rules! pick {
    ($variant:path) => {
        |response| match response {
            $variant(value) => Some(value),
            _ => None,
        }
    };
}

/// Send `request` and take the one kind of response it should get (`pick`), or the sentence
/// to show when it fails.
pub async fn ask<T>(
    engine: &Rc<dyn Engine>,
    request: Request,
    pick: impl FnOnce(Response) -> Option<T>,
) -> Result<T, String> {
    match engine.call(request).await {
        Ok(response) => pick(response).ok_or_else(|| crate::t!("unexpected-answer")),
        Err(error) => Err(crate::messages::failure(&error)),
    }
}

/// Where the window loads a cached picture, sound or video from, and its type; the sentence to
/// show when it is not on this device (yet).
pub async fn media_file(engine: &Rc<dyn Engine>, hash: &str) -> Result<(String, String), String> {
    let file = ask(engine, Request::MediaPath { hash: hash.to_owned() }, crate::pick!(Response::MediaFile)).await?;
    let url = engine.file_url(&file.path).await.map_err(|e| crate::messages::failure(&e))?;
    Ok((url, file.mime))
}
