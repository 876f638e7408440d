//! TallSchool's offline engine. Everything a student or teacher does is written to a local
//! SQLite store first, as automerge changes, and synced when a network is there: a device is
//! fully usable offline, and nothing done offline is ever lost.
//!
//! Front ends hold a [`Core`] and call its services ([`api`]), or send it the contract's
//! messages through [`Core::handle`]; they learn what changed from its
//! [`Event`](tallschool_contract::Event)s.
//!
//! - [`core`]: the engine object — store, session, clock, events.
//! - [`api`]: the services, one per concept.
//! - [`store`]: the local store (documents as snapshot + chunks, the outbox, the cursor,
//!   materialized tables), every write one durable transaction.
//! - [`content`], [`learning`], [`reading`], [`video_tests`], [`media`], [`lobby`],
//!   [`reports`]: each feature's rules over the store.
//! - [`http`], [`transport`] and [`session`]: the server's API, how its requests travel (the
//!   network, or a server in a test's process), and the saved sign-in.
//! - [`background`]: syncing by itself, for the apps.
//! - [`clock`] and [`platform`]: what a test or a browser replaces.

pub mod anki;
pub mod api;
pub mod background;
pub mod clock;
pub mod content;
pub mod core;
mod dispatch;
pub mod error;
pub mod feature;
pub mod http;
pub mod learning;
pub mod lobby;
pub mod media;
pub mod platform;
pub mod reading;
pub mod reports;
pub mod reports_replay;
pub mod session;
pub mod store;
pub mod transport;
pub mod video_tests;

pub use crate::core::Core;

/// The features whose tables the store holds, in the order their steps run.
pub const FEATURES: &[feature::Feature] =
    &[learning::FEATURE, video_tests::FEATURE, media::FEATURE, reports::FEATURE, lobby::FEATURE];
pub use clock::Clock;
pub use error::{ClientError, Unsynced};
pub use store::Store;
pub use tallschool_contract as contract;
