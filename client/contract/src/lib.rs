//! The contract between TallSchool's front ends (the CLI, the desktop app, the phone web app)
//! and the offline engine in `tallschool-client-core`.
//!
//! Everything here is plain data with `Serialize + Deserialize`, so the same messages cross a
//! Tauri command, a `postMessage` to a web worker or a function call:
//!
//! - [`Request`] names every operation; the engine answers each with a [`Response`] or an
//!   [`Error`] (a stable [`ErrorCode`], the field at fault where there is one, and a message for
//!   a person).
//! - [`Event`]s tell a front end what changed after a write or a sync round, and how far long
//!   work has come.
//! - The result types, one module per concept, and [`worker`]: how the window and an engine in
//!   a browser worker pass these messages.
//!
//! A crate of its own rather than a module of `tallschool-shared`: the server never sees these
//! messages, and a change to what a screen needs should not rebuild the server.

pub mod error;
pub mod event;
pub mod learning;
pub mod lobby;
pub mod media;
pub mod reader;
pub mod reports;
pub mod request;
pub mod sync;
pub mod video;
pub mod worker;

pub use error::{Error, ErrorCode};
pub use event::Event;
pub use request::{Request, Response};
