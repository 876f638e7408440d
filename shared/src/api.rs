//! Request and response bodies of `/api/v1`. Times are Unix seconds (UTC).
//!
//! Requests reject unknown fields, so that a typo (or a smuggled `role`) is an error rather
//! than silently ignored.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::scheduling::StudySettings;
use crate::video::{AttemptResult, Key};
use crate::{ClassId, ClassRole, CohortId, DocId, Role, SchoolId, SessionId, UserId, UserStatus};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

// ---------------------------------------------------------------- auth

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// Shown in the user's list of sessions, e.g. "Ana's laptop".
    pub device_name: String,
    /// A secret this device keeps (at least 32 random bytes, base64url). A device that holds
    /// a live session of the account proves it with this key and is then never slowed down by
    /// other people's failed sign-ins; signing in again replaces its previous session.
    #[serde(default)]
    pub device_key: Option<String>,
}

/// Sign out: by the access token (`Authorization`), or by the device's refresh token when the
/// access token has expired (e.g. a sign-out made offline, sent later).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LogoutRequest {
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Confirm the password again before a sensitive change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReauthRequest {
    pub password: String,
}

/// A one-time password set by an administrator or teacher: shown once, single use, expiring.
/// The first sign-in with it may only choose a new password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OneTimePassword {
    pub user_id: UserId,
    pub one_time_password: String,
    /// Unix seconds after which it no longer signs in.
    pub expires_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Answer to a login or a refresh: a short-lived access token and the next refresh token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single use: present it once to `/auth/refresh` to get the next pair.
    pub refresh_token: String,
    pub user: UserView,
    /// Signed in with a one-time password: until a new password is chosen
    /// (`POST /me/password`), that is all this session may do.
    #[serde(default)]
    pub password_change_required: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
    /// End every other signed-in device (default: true).
    #[serde(default)]
    pub end_other_sessions: Option<bool>,
}

/// One signed-in device of the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionView {
    pub id: SessionId,
    pub device_name: String,
    pub created_at: i64,
    pub last_used_at: i64,
    /// Hard end of this session, whatever its activity.
    pub expires_at: i64,
    /// When the device last synced (within a few minutes), if it ever did.
    #[serde(default)]
    pub last_sync_at: Option<i64>,
    /// Changes the device said, at that sync, it still held unsent.
    #[serde(default)]
    pub waiting_changes: Option<u64>,
    /// The session the request was made with.
    pub current: bool,
}

/// What a consent covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ConsentPurpose {
    /// Learning with TallSchool at all (accounts, progress, sync).
    Platform,
    /// Photos, audio and video of the student in class content.
    Recordings,
    /// The student's progress in the school's statistics (digests).
    Analytics,
}

impl ConsentPurpose {
    pub const ALL: [ConsentPurpose; 3] =
        [ConsentPurpose::Platform, ConsentPurpose::Recordings, ConsentPurpose::Analytics];

    pub const fn as_str(self) -> &'static str {
        match self {
            ConsentPurpose::Platform => "platform",
            ConsentPurpose::Recordings => "recordings",
            ConsentPurpose::Analytics => "analytics",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ConsentDecision {
    Given,
    Withdrawn,
}

/// Who consented (or withdrew): never their name, only who they are to the student.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ConsentGiver {
    Student,
    ParentOrGuardian,
    School,
}

/// Record a consent given or withdrawn.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecordConsentRequest {
    pub purpose: ConsentPurpose,
    pub decision: ConsentDecision,
    pub given_by: ConsentGiver,
}

/// One consent record: who consented (or withdrew) for what, when, recorded by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConsentRecord {
    pub purpose: ConsentPurpose,
    pub decision: ConsentDecision,
    pub given_by: ConsentGiver,
    pub recorded_by: UserId,
    pub at: i64,
}

/// A person's consents: the latest record per purpose, and every record, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConsentsView {
    pub current: Vec<ConsentRecord>,
    pub history: Vec<ConsentRecord>,
}

/// Record the school's authorisation of TallSchool for educational use (given or withdrawn).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecordAuthorizationRequest {
    pub decision: ConsentDecision,
}

/// One record of a school's authorisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuthorizationRecord {
    pub decision: ConsentDecision,
    pub recorded_by: UserId,
    pub at: i64,
}

/// A school's lawful basis for its students' accounts: whether the school currently authorises
/// TallSchool for educational use on parents' behalf, and every record, newest first. Without
/// it, a student account needs a recorded consent when it is created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SchoolAuthorization {
    pub authorized: bool,
    pub history: Vec<AuthorizationRecord>,
}

/// Open break-glass access to a school's personal data: why, and for how long.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BreakGlassRequest {
    /// Why the access is needed (10 to 300 characters; shown to the school).
    pub reason: String,
    /// How long it lasts: 1 to 60 minutes.
    pub minutes: u32,
}

/// A break-glass grant: who, why, from when until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BreakGlassGrant {
    pub id: String,
    pub school_id: SchoolId,
    /// The technical admin (absent once their account is erased).
    pub actor_id: Option<UserId>,
    pub actor_username: Option<String>,
    pub reason: String,
    pub granted_at: i64,
    pub expires_at: i64,
    /// Whether it is still open at the time of the answer.
    pub active: bool,
}

/// The header every TallSchool app sends with its version (`1.4.2`); a server configured with
/// a minimum version answers an older app `426 upgrade_required`.
pub const CLIENT_VERSION_HEADER: &str = "x-tallschool-version";
/// The header of a `426` answer naming the oldest version the server accepts.
pub const MIN_VERSION_HEADER: &str = "x-tallschool-min-version";

/// One security event, for the technical admin's view: what, when, about which account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SecurityEventEntry {
    pub seq: i64,
    pub at: i64,
    /// The event's `type` (`password_rejected`, `throttled`, `refresh_reuse_detected`, …).
    pub kind: String,
    /// The account it is about (or who acted), when there is one.
    pub user_id: Option<UserId>,
    pub username: Option<String>,
    /// The event as published on `security.events.v1`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// One run of a server job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobRun {
    pub id: String,
    /// `digests`, `compaction`, `media_gc`, `retention`, `key_rotation`, `reencryption`.
    pub job: String,
    /// `schedule`, or `admin` (then `actor_id` says who).
    pub trigger: String,
    pub actor_id: Option<UserId>,
    pub actor_username: Option<String>,
    /// The server process that ran it (host/pid): with several replicas, which one.
    #[serde(default)]
    pub replica: Option<String>,
    pub started_at: i64,
    /// Absent while it runs (or if the server stopped during it).
    pub finished_at: Option<i64>,
    /// `running`, `ok` or `failed`.
    pub outcome: String,
    /// What the run reported (counts and ids), or `{"error": …}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: serde_json::Value,
}

/// A signed-in device of any account (the technical admin's view across schools).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeviceSession {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
    pub school_id: Option<SchoolId>,
    pub device_name: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
}

/// A person's data is ready to download (with the same sign-in) until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExportReady {
    /// The path to fetch (`GET`, with the access token of the one who asked).
    pub download: String,
    pub expires_at: i64,
}

/// Erase a person: their username again, so that a slip erases nobody.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErasureRequest {
    pub confirm_username: String,
}

/// Place a legal hold on a person: why (a case, an investigation; 10 to 300 characters).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LegalHoldRequest {
    pub reason: String,
}

/// A person's legal hold: while it stands, neither an erasure request nor the retention job
/// erases them (SECURITY.md item 27).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LegalHoldView {
    pub user_id: UserId,
    pub held: bool,
    pub reason: Option<String>,
    /// Username of the admin who placed it.
    pub placed_by: Option<String>,
    pub placed_at: Option<i64>,
}

/// What an erasure removed, handed over or told to wipe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErasureReport {
    pub user_id: UserId,
    pub documents_deleted: u64,
    pub changes_deleted: u64,
    pub pii_fields_deleted: u64,
    /// Devices that delete the account's data at their next contact.
    pub sessions_wiped: u64,
    /// Documents the person created as a teacher, now held by the admin who erased them.
    pub content_reassigned: u64,
    /// References to media from the erased documents (objects nothing else shows are then
    /// deleted by the media collector).
    pub media_released: u64,
}

/// Sign out one device of an account (`session_id`), or all of them; with `wipe`, each device
/// also deletes the account's data it holds at its next contact with the server (a lost or
/// handed-on device, a pupil who left).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RevokeSessionsRequest {
    #[serde(default)]
    pub session_id: Option<SessionId>,
    #[serde(default)]
    pub wipe: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionsRevoked {
    pub revoked: u64,
    pub wipe: bool,
}

// ---------------------------------------------------------------- people

/// An account as others may see it: no personal data, only ids, role and status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub school_id: Option<SchoolId>,
    pub status: UserStatus,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateUserRequest {
    pub username: String,
    pub role: Role,
    /// Personal data for the vault; stored encrypted, never elsewhere.
    #[serde(default)]
    pub pii: Option<PiiInput>,
    /// For a student: who consented to learning with TallSchool (recorded with the account).
    /// Needed unless the school authorises TallSchool for educational use.
    #[serde(default)]
    pub consent_by: Option<ConsentGiver>,
}

/// A new account and its one-time initial password (generated by the server, shown once;
/// single use, expiring; the first sign-in must choose a new password).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreatedUser {
    pub user: UserView,
    pub initial_password: String,
    /// Unix seconds after which the initial password no longer signs in.
    pub initial_password_expires_at: i64,
}

/// What became of each row of a bulk import (`POST /schools/{id}/users/import`, a CSV file).
/// A rejected row stored nothing; the others were created, each with its one-time password,
/// shown here once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportReport {
    pub created: u32,
    pub rejected: u32,
    pub rows: Vec<ImportRow>,
}

/// One row of a bulk import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportRow {
    /// The row's line in the file (the header is line 1).
    pub line: u32,
    pub username: String,
    pub outcome: ImportOutcome,
    /// Why the row was refused, in words for the admin who fixes the file.
    #[serde(default)]
    pub error: Option<String>,
    /// The file's column the error is about.
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub user: Option<UserView>,
    #[serde(default)]
    pub initial_password: Option<String>,
    #[serde(default)]
    pub initial_password_expires_at: Option<i64>,
    /// The class the new account was enrolled in.
    #[serde(default)]
    pub class_id: Option<ClassId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ImportOutcome {
    Created,
    Rejected,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpdateUserRequest {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub status: Option<UserStatus>,
}

/// Personal data to store. Absent fields are left as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PiiInput {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// A birth year `YYYY` (enough for age bands, and preferred) or, where the school needs it,
    /// a date `YYYY-MM-DD`.
    #[serde(default)]
    pub birth_date: Option<String>,
}

/// Personal data as the caller may see it. Fields the caller may not read are absent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PiiView {
    pub user_id: UserId,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub birth_date: Option<String>,
}

/// One row of the PII access log: who read (or tried to read) whose which fields, why, from
/// where, and whether it was allowed. Never the values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PiiAccessEntry {
    /// The row's position in the tamper-evident chain.
    pub seq: i64,
    pub at: i64,
    /// `None` once the reader's account was erased.
    pub actor_id: Option<UserId>,
    pub actor_role: Role,
    /// Whose data; `None` once that person was erased, or for a refused class roster.
    pub subject_id: Option<UserId>,
    /// The class whose roster was refused.
    pub class_id: Option<ClassId>,
    pub fields: Vec<crate::events::PiiField>,
    pub purpose: String,
    pub client_address: Option<String>,
    pub outcome: AccessOutcome,
}

/// Whether a read of personal data was served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessOutcome {
    Allowed,
    Denied,
}

impl AccessOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessOutcome::Allowed => "allowed",
            AccessOutcome::Denied => "denied",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "allowed" => Some(AccessOutcome::Allowed),
            "denied" => Some(AccessOutcome::Denied),
            _ => None,
        }
    }
}

/// Which kind of key seals personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PiiKeyKind {
    /// A data key: seals fields, stored only wrapped by a key-encryption key.
    Data,
    /// A key-encryption key that sealed fields itself (written before envelope encryption).
    KeyEncryption,
}

/// Where a key is in its life: `current` seals new values, `previous` only opens old ones,
/// `retired` seals nothing and its material is erased.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PiiKeyState {
    Current,
    Previous,
    Retired,
}

/// One key of the PII vault, never its material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PiiKeyView {
    pub id: String,
    pub kind: PiiKeyKind,
    pub state: PiiKeyState,
    /// The key-encryption key wrapping this data key.
    pub wrapped_by: Option<String>,
    /// Personal-data fields sealed under this key now.
    pub fields: i64,
    /// Values sealed under this key so far (data keys).
    pub encryptions: Option<i64>,
    pub created_at: Option<i64>,
    pub retired_at: Option<i64>,
}

/// What one run of the re-encryption job did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReencryptionReport {
    pub started_at: i64,
    pub finished_at: i64,
    /// Fields moved to the current data key.
    pub moved: i64,
    /// Fields that did not open (tampered with or moved): left where they are, and named in
    /// the server log.
    pub unreadable: i64,
    /// Data keys wrapped anew under the current key-encryption key.
    pub rewrapped: i64,
    /// Data keys retired (nothing sealed under them any more).
    pub retired: Vec<String>,
    /// Fields still under a key other than the current one.
    pub fields_behind: i64,
    /// Why the run stopped early, if it did (it resumes at the next run).
    pub error: Option<String>,
}

/// The PII vault's keys and the re-encryption job (technical admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PiiKeysView {
    /// Where the key-encryption keys come from.
    pub provider: String,
    /// The key-encryption key that wraps data keys now, if the provider could be reached.
    pub current_kek: Option<String>,
    pub keys: Vec<PiiKeyView>,
    /// Fields still under a key other than the current data key.
    pub fields_behind: i64,
    /// People with a key of their own in the per-person key store, and people whose key was
    /// destroyed by their erasure (crypto-shredding).
    #[serde(default)]
    pub person_keys: i64,
    #[serde(default)]
    pub person_keys_destroyed: i64,
    pub reencryption_running: bool,
    pub last_reencryption: Option<ReencryptionReport>,
}

/// The data key a rotation made current; the re-encryption job has started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PiiKeyRotated {
    pub current_key: String,
}

/// What a retention run deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RetentionReport {
    pub audit_rows_deleted: i64,
    /// Outbox events deleted (the access log's and security events).
    pub events_deleted: i64,
    /// Access-log rows from this time on are kept (Unix seconds).
    pub audit_kept_since: i64,
    pub security_events_kept_since: i64,
    /// Accounts disabled longer than their retention, erased now.
    #[serde(default)]
    pub accounts_erased: i64,
    /// Accounts disabled before this time are erased.
    #[serde(default)]
    pub disabled_accounts_kept_since: i64,
}

// ---------------------------------------------------------------- schools and classes

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SchoolView {
    pub id: SchoolId,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateSchoolRequest {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CohortView {
    pub id: CohortId,
    pub school_id: SchoolId,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateCohortRequest {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ClassView {
    pub id: ClassId,
    pub school_id: SchoolId,
    pub name: String,
    pub cohort_id: Option<CohortId>,
    /// How the class studies flashcards (set by its teachers).
    #[serde(default)]
    pub study: StudySettings,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateClassRequest {
    pub name: String,
    #[serde(default)]
    pub cohort_id: Option<CohortId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AddMemberRequest {
    pub user_id: UserId,
    pub role: ClassRole,
}

/// A class member without personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberView {
    pub user_id: UserId,
    pub username: String,
    pub role: ClassRole,
}

/// A class member with the display name a teacher needs (a PII read, logged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RosterEntry {
    pub user_id: UserId,
    pub username: String,
    pub role: ClassRole,
    pub display_name: Option<String>,
}

// ---------------------------------------------------------------- learning

/// Answer keys of a graded video test: they stay on the server, never in the synced document.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AnswerKeysRequest {
    pub test_id: DocId,
    /// Question id → key.
    pub keys: BTreeMap<String, Key>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GradeRequest {
    pub test_id: DocId,
    pub student_id: UserId,
    pub attempt_id: String,
    pub question_id: String,
    pub points: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ResultsQuery {
    pub test_id: DocId,
}

/// Graded attempts of a test: the caller's own for a student, everyone's for teachers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResultsView {
    pub test_id: DocId,
    pub attempts: Vec<AttemptResult>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RunDigestRequest {
    /// Any time in the week to digest (Unix seconds); default: the week before this one.
    #[serde(default)]
    pub week_of: Option<i64>,
}

// ---------------------------------------------------------------- media

/// A stored media object. `hash` is the SHA-256 of the stored bytes (after metadata such as
/// EXIF was stripped from images): the name documents use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MediaView {
    pub hash: String,
    pub size: u64,
    pub mime: String,
}

/// Start a resumable upload.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StartUploadRequest {
    pub mime: String,
    pub size: u64,
    /// SHA-256 (hex) of the whole file, checked when the last byte arrives.
    pub sha256: String,
    /// Shown to people only; never used as a path.
    #[serde(default)]
    pub filename: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UploadView {
    pub upload_id: String,
    /// Bytes received so far: the next chunk starts here.
    pub offset: u64,
    pub size: u64,
    /// Set once the last byte arrived and the object is stored.
    pub media: Option<MediaView>,
}

// ---------------------------------------------------------------- health

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HealthView {
    pub status: String,
    /// The server's version.
    #[serde(default)]
    pub version: String,
}
