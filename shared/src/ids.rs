//! Opaque identifiers. Everything outside the PII vault refers to people by these, never by name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        pub struct $name(pub Uuid);

        impl $name {
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

opaque_id!(
    /// A person's account (any role).
    UserId
);
opaque_id!(
    /// A school: the tenant boundary.
    SchoolId
);
opaque_id!(
    /// A class: a group of students taught by one or more teachers.
    ClassId
);
opaque_id!(
    /// A cohort: classes grouped for reporting (e.g. "Year 7, 2026").
    CohortId
);
opaque_id!(
    /// One signed-in device: a refresh-token family.
    SessionId
);
opaque_id!(
    /// A synced document (deck, text, video test, or a student's progress in one of them).
    DocId
);
