//! The engine in a browser: `client/core` compiled to wasm, running in a dedicated Web Worker
//! that the window starts (`engine-worker.js`). Its SQLite store lives in the Origin Private
//! File System through the `opfs-sahpool` VFS (durable; only a dedicated worker may use it),
//! its media files in OPFS beside it. The window sends the contract's requests as
//! [`ToWorker`] messages and gets [`FromWorker`] answers and events back. While signed in, the
//! worker syncs by itself ([`tallschool_client::background`]).
//!
//! One tab at a time: the store's files are held with exclusive handles, so the worker first
//! takes a Web Lock; a second tab's worker says [`FromWorker::OpenElsewhere`] and waits until
//! the first tab closes.
//!
//! [`ToWorker`]: tallschool_contract::worker::ToWorker
//! [`FromWorker`]: tallschool_contract::worker::FromWorker

#[cfg(target_arch = "wasm32")]
mod store_lock;
#[cfg(target_arch = "wasm32")]
mod worker;

#[cfg(target_arch = "wasm32")]
pub use worker::start;
