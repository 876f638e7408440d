//! Schools, people, cohorts, classes and enrolments: the server-authoritative directory.

pub mod authorization;
pub mod classes;
pub mod import;
pub mod routes;
pub mod schools;
pub mod users;
