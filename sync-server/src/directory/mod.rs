//! Schools, people, cohorts, classes and enrolments: the server-authoritative directory.

pub mod classes;
pub mod routes;
pub mod schools;
pub mod users;
