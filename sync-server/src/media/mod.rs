//! Media: images, audio and video that cards, texts and video tests show. Content-addressed
//! objects in a local folder or S3 (`store`), uploads checked by content and stripped of
//! photo metadata (`content`, `ingest`), access decided by the documents that reference them
//! (`registry`), downloads with ranges (`routes`), and a collector of orphans (`gc`).

pub mod content;
pub mod gc;
pub mod ingest;
pub mod registry;
pub mod routes;
pub mod store;
