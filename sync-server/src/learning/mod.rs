//! Learning on the server: class study settings, grading of video tests whose keys stay
//! here, and the weekly cohort digest. Contents are read from the synced documents through
//! `tallschool_shared::schema`, the same code the devices use.

pub mod digest;
pub mod grading;
pub mod routes;
