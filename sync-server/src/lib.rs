//! The TallSchool sync server as a library, so that tests and benchmarks can start it in
//! process; `main.rs` is a thin wrapper around [`run`].

pub mod access;
pub mod admission;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod break_glass;
pub mod clock;
pub mod config;
pub mod consent;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod directory;
pub mod documents;
pub mod erasure;
pub mod error;
pub mod events;
pub mod export;
pub mod first_admin;
pub mod hot;
pub mod http;
pub mod jobs;
pub mod keys;
pub mod learning;
pub mod legal_hold;
pub mod media;
pub mod monitoring;
pub mod openapi;
pub mod pii;
pub mod retention;
pub mod telemetry;
pub mod validate;
pub mod web_app;

pub use app::{AppState, router, run, serve};
pub use config::Settings;
pub use error::ApiError;
