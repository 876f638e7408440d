//! Roles, account status and the role a member plays in a class.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an account may do in the system. Decided by the server, never by a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Runs the system; belongs to no school and does not read personal data.
    TechAdmin,
    /// Manages one school: people, classes, cohorts.
    EduAdmin,
    /// Teaches classes in one school.
    Teacher,
    /// Learns in classes of one school.
    Student,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::TechAdmin, Role::EduAdmin, Role::Teacher, Role::Student];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::TechAdmin => "tech_admin",
            Role::EduAdmin => "edu_admin",
            Role::Teacher => "teacher",
            Role::Student => "student",
        }
    }

    /// Technical admins are the only accounts without a school.
    pub const fn belongs_to_school(self) -> bool {
        !matches!(self, Role::TechAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

impl FromStr for Role {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// Whether an account may sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

impl FromStr for UserStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// The part a member plays in one class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ClassRole {
    Teacher,
    Student,
}

impl ClassRole {
    pub const fn as_str(self) -> &'static str {
        match self {
            ClassRole::Teacher => "teacher",
            ClassRole::Student => "student",
        }
    }

    /// The account role a member must have to take this part in a class.
    pub const fn required_role(self) -> Role {
        match self {
            ClassRole::Teacher => Role::Teacher,
            ClassRole::Student => Role::Student,
        }
    }
}

impl FromStr for ClassRole {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "teacher" => Ok(ClassRole::Teacher),
            "student" => Ok(ClassRole::Student),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_through_text_and_json() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
            let json = serde_json::to_string(&role).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
