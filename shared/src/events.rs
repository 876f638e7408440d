//! Typed, versioned events. The server writes them to its outbox in the same transaction as the
//! change they describe; consumers (in-process now, Kafka/NATS later) read them by topic.
//! A breaking change to a payload means a new topic version, never an edit in place.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Role, SchoolId, SessionId, UserId};

/// A payload that can be published: where it goes and which schema it follows.
pub trait Event: Serialize {
    /// Topic name including its version, e.g. `user.events.v2`.
    const TOPIC: &'static str;
    const SCHEMA_VERSION: u32;
}

/// Every topic the server publishes (each a NATS subject / Kafka topic of its own).
pub const TOPICS: [&str; 5] =
    ["user.events.v2", "pii.access.log", "user.pii.updated", "security.events.v1", "learning.digest.v1"];

/// What goes on the wire around every payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub id: Uuid,
    pub topic: String,
    pub schema_version: u32,
    /// Unix seconds.
    pub occurred_at: i64,
    pub payload: T,
}

/// Account lifecycle (`user.events.v2`). v2 refers to people by opaque id only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserEvent {
    Created {
        user_id: UserId,
        school_id: Option<SchoolId>,
        role: Role,
        actor_id: Option<UserId>,
    },
    RoleChanged {
        user_id: UserId,
        from: Role,
        to: Role,
        actor_id: UserId,
    },
    Disabled {
        user_id: UserId,
        actor_id: UserId,
    },
    Enabled {
        user_id: UserId,
        actor_id: UserId,
    },
    PasswordChanged {
        user_id: UserId,
    },
    /// Erased on the school's request: the id names a tombstone from now on.
    Deleted {
        user_id: UserId,
        actor_id: UserId,
    },
}

impl Event for UserEvent {
    const TOPIC: &'static str = "user.events.v2";
    const SCHEMA_VERSION: u32 = 2;
}

/// A personal-data field held by the vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PiiField {
    DisplayName,
    Email,
    BirthDate,
}

impl PiiField {
    pub const ALL: [PiiField; 3] = [PiiField::DisplayName, PiiField::Email, PiiField::BirthDate];

    pub const fn as_str(self) -> &'static str {
        match self {
            PiiField::DisplayName => "display_name",
            PiiField::Email => "email",
            PiiField::BirthDate => "birth_date",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Someone read personal data (`pii.access.log`): who, whose, which fields, why. Never values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiAccessed {
    pub actor_id: UserId,
    pub actor_role: Role,
    pub subject_id: UserId,
    pub fields: Vec<PiiField>,
    pub purpose: String,
}

impl Event for PiiAccessed {
    const TOPIC: &'static str = "pii.access.log";
    const SCHEMA_VERSION: u32 = 1;
}

/// Personal data was written (`user.pii.updated`): which fields, by whom. Never values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiUpdated {
    pub subject_id: UserId,
    pub fields: Vec<PiiField>,
    pub actor_id: Option<UserId>,
}

impl Event for PiiUpdated {
    const TOPIC: &'static str = "user.pii.updated";
    const SCHEMA_VERSION: u32 = 1;
}

/// Security-relevant happenings (`security.events.v1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SecurityEvent {
    /// A rotated refresh token was presented again: the whole session was revoked.
    RefreshReuseDetected { user_id: UserId, session_id: SessionId },
    /// Sessions ended by a password change, role change, disabling or the user.
    SessionsRevoked { user_id: UserId, reason: String, count: u64 },
    /// A wrong password: at sign-in, at re-authentication or when changing the password.
    /// `user_id` is absent when no such account exists (the name typed is never recorded).
    PasswordRejected { user_id: Option<UserId>, step: PasswordStep, client_address: String },
    /// Failures made a throttle key wait (see `scope`); its requests get 429 meanwhile.
    Throttled { scope: String, user_id: Option<UserId>, client_address: String, retry_after_secs: u64 },
    /// A password, email, role or one-time password was changed (by `actor_id`).
    SensitiveChange { user_id: UserId, actor_id: UserId, change: SensitiveChange },
    /// A read of personal data was refused (`subject_id` absent for a class roster).
    PiiAccessDenied { actor_id: UserId, subject_id: Option<UserId>, purpose: String },
    /// A technical admin opened break-glass access to a school's personal data: the
    /// data-protection contact's alert (the reason is in the grant, shown to the school).
    BreakGlassGranted { actor_id: UserId, school_id: SchoolId, grant_id: String, expires_at: i64 },
    /// An account disabled longer than its retention was erased by the retention job.
    RetentionErasure { user_id: UserId, disabled_at: i64 },
    /// A school admin placed a legal hold on a person (their erasure waits until it is lifted).
    LegalHoldPlaced { user_id: UserId, actor_id: UserId },
    /// A school admin lifted a legal hold.
    LegalHoldLifted { user_id: UserId, actor_id: UserId },
}

/// Where a password was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordStep {
    SignIn,
    Reauth,
    PasswordChange,
}

/// What a sensitive account change changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveChange {
    Password,
    OneTimePassword,
    Email,
    Role,
}

impl Event for SecurityEvent {
    const TOPIC: &'static str = "security.events.v1";
    const SCHEMA_VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_events_are_tagged_and_carry_no_names() {
        let event = UserEvent::RoleChanged {
            user_id: UserId(Uuid::nil()),
            from: Role::Teacher,
            to: Role::Student,
            actor_id: UserId(Uuid::nil()),
        };
        let json = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(json["type"], "role_changed");
        assert_eq!(json["from"], "teacher");
        assert_eq!(UserEvent::TOPIC, "user.events.v2");
        for topic in
            [UserEvent::TOPIC, PiiAccessed::TOPIC, PiiUpdated::TOPIC, SecurityEvent::TOPIC, DigestComputed::TOPIC]
        {
            assert!(TOPICS.contains(&topic), "{topic} is missing from TOPICS");
        }
    }

    #[test]
    fn pii_fields_parse_their_own_names() {
        for field in PiiField::ALL {
            assert_eq!(PiiField::parse(field.as_str()), Some(field));
        }
        assert_eq!(PiiField::parse("password"), None);
    }
}

/// A weekly digest of a class or cohort was computed (`learning.digest.v1`). Numbers and
/// opaque ids only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigestComputed {
    pub school_id: crate::SchoolId,
    pub digest: crate::digest::Digest,
}

impl Event for DigestComputed {
    const TOPIC: &'static str = "learning.digest.v1";
    const SCHEMA_VERSION: u32 = 1;
}
