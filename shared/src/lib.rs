//! Types both sides of TallSchool agree on: ids, roles, the HTTP API contract, event schemas,
//! error codes and the permission policy. Pure data and pure functions only — no I/O, no clock —
//! so that the same crate builds for the server, the native client and the wasm UI.

pub mod anki;
pub mod api;
pub mod cards;
pub mod dates;
pub mod digest;
pub mod docs;
pub mod error;
pub mod events;
pub mod ids;
pub mod media;
pub mod policy;
pub mod privacy;
pub mod reader;
pub mod reviews;
pub mod role;
pub mod scheduling;
pub mod schema;
pub mod sync;
pub mod video;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use ids::{ClassId, CohortId, DocId, SchoolId, SessionId, UserId};
pub use role::{ClassRole, Role, UserStatus};
