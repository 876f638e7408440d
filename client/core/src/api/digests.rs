//! Weekly class and school digests (computed by the server; online).

use tallschool_contract::request::DigestScope;
use tallschool_shared::SchoolId;
use tallschool_shared::digest::Digest;

use crate::Core;
use crate::error::Result;

pub struct DigestService<'a> {
    pub(crate) core: &'a Core,
}

impl DigestService<'_> {
    /// Compute a school's digests for the week holding `week_of` (default: last week).
    pub async fn run(&self, school: SchoolId, week_of: Option<i64>) -> Result<Vec<Digest>> {
        let body = serde_json::json!({"week_of": week_of});
        self.core.call(http::Method::POST, &format!("/api/v1/schools/{school}/digests"), Some(&body)).await
    }

    /// Stored digests of a class or a school.
    pub async fn list(&self, scope: DigestScope) -> Result<Vec<Digest>> {
        let path = match scope {
            DigestScope::Class(class) => format!("/api/v1/classes/{class}/digests"),
            DigestScope::School(school) => format!("/api/v1/schools/{school}/digests"),
        };
        self.core.call(http::Method::GET, &path, None).await
    }
}
