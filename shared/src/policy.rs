//! The permission policy, written once as data: for every action, which role may do it and
//! how close to the target it must be. The server enforces it on every request; tests walk the
//! whole table (role × action × same school / other school); a UI may read it to hide buttons.
//!
//! Deny by default: an action missing from [`POLICY`] is denied for everyone.

use crate::Role;

/// Everything an authenticated caller can ask the API to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    // the caller's own account
    ReadOwnAccount,
    ListOwnClasses,
    ListOwnSessions,
    RevokeOwnSession,
    ChangeOwnPassword,
    ReadOwnPii,
    Reauthenticate,
    // schools
    ListSchools,
    CreateSchool,
    ReadSchool,
    ReadSchoolAuthorization,
    RecordSchoolAuthorization,
    GrantBreakGlass,
    ListBreakGlass,
    // people
    ListSchoolUsers,
    CreateUser,
    ImportUsers,
    ReadUser,
    UpdateUser,
    ResetUserPassword,
    EraseUser,
    ReadLegalHold,
    PlaceLegalHold,
    LiftLegalHold,
    ReadConsents,
    RecordConsent,
    ExportUserData,
    DownloadExport,
    ListUserSessions,
    RevokeUserSessions,
    ReadUserPii,
    WriteUserPii,
    ReadPiiAccessLog,
    ReadPiiKeys,
    RotatePiiKey,
    RunRetention,
    ReadSecurityEvents,
    ListAllDevices,
    ReadJobRuns,
    // cohorts and classes
    ListCohorts,
    CreateCohort,
    ListSchoolClasses,
    CreateClass,
    ReadClass,
    ListClassMembers,
    AddClassMember,
    RemoveClassMember,
    ReadClassRoster,
    // documents
    Sync,
    RunCompaction,
    // learning
    SetStudySettings,
    SetAnswerKeys,
    ReadResults,
    GradeAnswer,
    ReadClassDigests,
    ReadSchoolDigests,
    RunDigests,
    // media
    UploadMedia,
    StartUpload,
    ReadUpload,
    UploadChunk,
    ListMedia,
    FetchMedia,
    RunMediaGc,
}

/// How an actor must relate to the target for a role's permission to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    Deny,
    /// Any target in the system (technical administration).
    Anywhere,
    /// Targets in the actor's own school.
    OwnSchool,
    /// A class the actor teaches.
    ClassTeacher,
    /// A class the actor teaches or learns in.
    ClassMember,
    /// A student in one of the classes the actor teaches.
    TeacherOfSubject,
    /// The actor themselves.
    Myself,
    /// A target in a school for which the actor holds a live break-glass grant (a technical
    /// admin's time-boxed, reason-logged access to personal data, SECURITY.md item 18).
    BreakGlass,
}

/// What kind of thing an action's path points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The caller's own account (`/me…`).
    Caller,
    /// No single target (system-wide list or create).
    System,
    School,
    User,
    Class,
}

/// One row of the policy.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub action: Action,
    pub method: &'static str,
    /// The route as it appears in the OpenAPI document.
    pub path: &'static str,
    pub target: Target,
    pub tech_admin: Grant,
    pub edu_admin: Grant,
    pub teacher: Grant,
    pub student: Grant,
}

impl Rule {
    pub const fn grant_for(&self, role: Role) -> Grant {
        match role {
            Role::TechAdmin => self.tech_admin,
            Role::EduAdmin => self.edu_admin,
            Role::Teacher => self.teacher,
            Role::Student => self.student,
        }
    }
}

use Grant::{Anywhere, BreakGlass, ClassMember, ClassTeacher, Deny, Myself, OwnSchool, TeacherOfSubject};

macro_rules! rule {
    ($action:ident, $method:literal $path:literal, $target:ident: $t:expr, $e:expr, $te:expr, $s:expr) => {
        Rule {
            action: Action::$action,
            method: $method,
            path: $path,
            target: Target::$target,
            tech_admin: $t,
            edu_admin: $e,
            teacher: $te,
            student: $s,
        }
    };
}

/// The policy. Columns: technical admin, educational admin, teacher, student.
/// Technical admins never read personal data, except a person's under a live break-glass grant
/// for their school: every other PII action is `Deny` in their column.
pub const POLICY: &[Rule] = &[
    rule!(ReadOwnAccount, "GET" "/api/v1/me", Caller: Myself, Myself, Myself, Myself),
    rule!(ListOwnClasses, "GET" "/api/v1/me/classes", Caller: Myself, Myself, Myself, Myself),
    rule!(ListOwnSessions, "GET" "/api/v1/me/sessions", Caller: Myself, Myself, Myself, Myself),
    rule!(RevokeOwnSession, "DELETE" "/api/v1/me/sessions/{session_id}", Caller: Myself, Myself, Myself, Myself),
    rule!(ChangeOwnPassword, "POST" "/api/v1/me/password", Caller: Myself, Myself, Myself, Myself),
    rule!(ReadOwnPii, "GET" "/api/v1/me/pii", Caller: Myself, Myself, Myself, Myself),
    rule!(Reauthenticate, "POST" "/api/v1/auth/reauth", Caller: Myself, Myself, Myself, Myself),
    rule!(ListSchools, "GET" "/api/v1/schools", System: Anywhere, Deny, Deny, Deny),
    rule!(CreateSchool, "POST" "/api/v1/schools", System: Anywhere, Deny, Deny, Deny),
    rule!(ReadSchool, "GET" "/api/v1/schools/{school_id}", School: Anywhere, OwnSchool, OwnSchool, OwnSchool),
    // The school's authorisation of TallSchool for educational use, on parents' behalf (item 29).
    rule!(ReadSchoolAuthorization, "GET" "/api/v1/schools/{school_id}/authorization", School: Anywhere, OwnSchool, Deny, Deny),
    rule!(RecordSchoolAuthorization, "POST" "/api/v1/schools/{school_id}/authorization", School: Deny, OwnSchool, Deny, Deny),
    // A technical admin opens break-glass access to a school's personal data, with a reason and
    // an end; the school's admins see every grant.
    rule!(GrantBreakGlass, "POST" "/api/v1/schools/{school_id}/break-glass", School: Anywhere, Deny, Deny, Deny),
    rule!(ListBreakGlass, "GET" "/api/v1/schools/{school_id}/break-glass", School: Anywhere, OwnSchool, Deny, Deny),
    rule!(ListSchoolUsers, "GET" "/api/v1/schools/{school_id}/users", School: Anywhere, OwnSchool, Deny, Deny),
    rule!(CreateUser, "POST" "/api/v1/schools/{school_id}/users", School: Anywhere, OwnSchool, Deny, Deny),
    // A file of people carries personal data: the school's own admins only.
    rule!(ImportUsers, "POST" "/api/v1/schools/{school_id}/users/import", School: Deny, OwnSchool, Deny, Deny),
    rule!(ReadUser, "GET" "/api/v1/users/{user_id}", User: Anywhere, OwnSchool, TeacherOfSubject, Myself),
    rule!(UpdateUser, "PATCH" "/api/v1/users/{user_id}", User: Deny, OwnSchool, Deny, Deny),
    // A forgotten password: the school's admins, or the student's own teachers in class.
    rule!(ResetUserPassword, "POST" "/api/v1/users/{user_id}/password-reset", User: Deny, OwnSchool, TeacherOfSubject, Deny),
    // Devices of an account: its school's admins (and technical admins) see them and sign them
    // out, optionally wiping the account's data from them at their next contact.
    // Erasure is the school's decision (it holds the data); technical admins run the server only.
    // A person's data, to the person themselves or to their school's admins.
    rule!(ExportUserData, "POST" "/api/v1/users/{user_id}/export", User: Deny, OwnSchool, Myself, Myself),
    rule!(DownloadExport, "GET" "/api/v1/exports/{export_id}", Caller: Myself, Myself, Myself, Myself),
    // Consent records: the school's admins keep them; the person may read their own.
    rule!(ReadConsents, "GET" "/api/v1/users/{user_id}/consents", User: Deny, OwnSchool, Deny, Myself),
    rule!(RecordConsent, "POST" "/api/v1/users/{user_id}/consents", User: Deny, OwnSchool, Deny, Deny),
    rule!(EraseUser, "POST" "/api/v1/users/{user_id}/erasure", User: Deny, OwnSchool, Deny, Deny),
    // A legal hold keeps a person from erasure (a case, an investigation): the school's admins.
    rule!(ReadLegalHold, "GET" "/api/v1/users/{user_id}/legal-hold", User: Deny, OwnSchool, Deny, Deny),
    rule!(PlaceLegalHold, "PUT" "/api/v1/users/{user_id}/legal-hold", User: Deny, OwnSchool, Deny, Deny),
    rule!(LiftLegalHold, "DELETE" "/api/v1/users/{user_id}/legal-hold", User: Deny, OwnSchool, Deny, Deny),
    rule!(ListUserSessions, "GET" "/api/v1/users/{user_id}/sessions", User: Anywhere, OwnSchool, Deny, Deny),
    rule!(RevokeUserSessions, "POST" "/api/v1/users/{user_id}/sessions/revoke", User: Anywhere, OwnSchool, Deny, Deny),
    rule!(ReadUserPii, "GET" "/api/v1/users/{user_id}/pii", User: BreakGlass, OwnSchool, TeacherOfSubject, Myself),
    rule!(WriteUserPii, "PUT" "/api/v1/users/{user_id}/pii", User: Deny, OwnSchool, Deny, Deny),
    rule!(ReadPiiAccessLog, "GET" "/api/v1/schools/{school_id}/pii-access-log", School: Anywhere, OwnSchool, Deny, Deny),
    rule!(ListCohorts, "GET" "/api/v1/schools/{school_id}/cohorts", School: Deny, OwnSchool, OwnSchool, Deny),
    rule!(CreateCohort, "POST" "/api/v1/schools/{school_id}/cohorts", School: Deny, OwnSchool, Deny, Deny),
    rule!(ListSchoolClasses, "GET" "/api/v1/schools/{school_id}/classes", School: Deny, OwnSchool, Deny, Deny),
    rule!(CreateClass, "POST" "/api/v1/schools/{school_id}/classes", School: Deny, OwnSchool, Deny, Deny),
    rule!(ReadClass, "GET" "/api/v1/classes/{class_id}", Class: Deny, OwnSchool, ClassMember, ClassMember),
    rule!(ListClassMembers, "GET" "/api/v1/classes/{class_id}/members", Class: Deny, OwnSchool, ClassTeacher, Deny),
    rule!(AddClassMember, "POST" "/api/v1/classes/{class_id}/members", Class: Deny, OwnSchool, Deny, Deny),
    rule!(RemoveClassMember, "DELETE" "/api/v1/classes/{class_id}/members/{user_id}", Class: Deny, OwnSchool, Deny, Deny),
    rule!(ReadClassRoster, "GET" "/api/v1/classes/{class_id}/roster", Class: Deny, OwnSchool, ClassTeacher, Deny),
    // Which documents a sync round may read and write is decided per document by DOC_POLICY.
    rule!(Sync, "POST" "/api/v1/sync", Caller: Deny, Myself, Myself, Myself),
    rule!(RunCompaction, "POST" "/api/v1/admin/compaction", System: Anywhere, Deny, Deny, Deny),
    rule!(SetStudySettings, "PUT" "/api/v1/classes/{class_id}/study-settings", Class: Deny, OwnSchool, ClassTeacher, Deny),
    // Keys and grades are written by the class's teachers only; students read their own results.
    rule!(SetAnswerKeys, "PUT" "/api/v1/classes/{class_id}/answer-keys", Class: Deny, Deny, ClassTeacher, Deny),
    rule!(ReadResults, "GET" "/api/v1/classes/{class_id}/results", Class: Deny, OwnSchool, ClassTeacher, ClassMember),
    rule!(GradeAnswer, "PUT" "/api/v1/classes/{class_id}/grades", Class: Deny, Deny, ClassTeacher, Deny),
    rule!(ReadClassDigests, "GET" "/api/v1/classes/{class_id}/digests", Class: Deny, OwnSchool, ClassTeacher, Deny),
    rule!(ReadSchoolDigests, "GET" "/api/v1/schools/{school_id}/digests", School: Deny, OwnSchool, Deny, Deny),
    // Digests hold numbers and opaque ids only, so technical admins may run them.
    rule!(RunDigests, "POST" "/api/v1/schools/{school_id}/digests", School: Anywhere, OwnSchool, Deny, Deny),
    // Media: teachers and school admins upload; who may fetch an object is decided by the
    // documents that reference it (readable by the caller), so other schools see nothing.
    rule!(UploadMedia, "POST" "/api/v1/media", Caller: Deny, Myself, Myself, Deny),
    rule!(StartUpload, "POST" "/api/v1/media/uploads", Caller: Deny, Myself, Myself, Deny),
    rule!(ReadUpload, "GET" "/api/v1/media/uploads/{upload_id}", Caller: Deny, Myself, Myself, Deny),
    rule!(UploadChunk, "PATCH" "/api/v1/media/uploads/{upload_id}", Caller: Deny, Myself, Myself, Deny),
    rule!(ListMedia, "GET" "/api/v1/media", Caller: Deny, Myself, Myself, Myself),
    rule!(FetchMedia, "GET" "/api/v1/media/{hash}", Caller: Deny, Myself, Myself, Myself),
    rule!(RunMediaGc, "POST" "/api/v1/admin/media-gc", System: Anywhere, Deny, Deny, Deny),
    // Key ids and counts only, never key material or personal data.
    rule!(ReadPiiKeys, "GET" "/api/v1/admin/pii-keys", System: Anywhere, Deny, Deny, Deny),
    rule!(RotatePiiKey, "POST" "/api/v1/admin/pii-keys/rotate", System: Anywhere, Deny, Deny, Deny),
    rule!(RunRetention, "POST" "/api/v1/admin/retention", System: Anywhere, Deny, Deny, Deny),
    // Watching the server: security events and every signed-in device (ids and usernames only).
    rule!(ReadSecurityEvents, "GET" "/api/v1/admin/security-events", System: Anywhere, Deny, Deny, Deny),
    rule!(ListAllDevices, "GET" "/api/v1/admin/devices", System: Anywhere, Deny, Deny, Deny),
    rule!(ReadJobRuns, "GET" "/api/v1/admin/jobs", System: Anywhere, Deny, Deny, Deny),
];

/// Who may read and write a synced document, by document class and role:
/// `(read, write)` for technical admin, educational admin, teacher, student.
/// For progress documents, `Myself` means "the student the progress belongs to, while
/// enrolled in the class".
pub struct DocRule {
    pub content: bool,
    pub grants: [(Grant, Grant); 4],
}

pub const DOC_POLICY: &[DocRule] = &[
    DocRule {
        content: true,
        grants: [(Deny, Deny), (OwnSchool, OwnSchool), (ClassTeacher, ClassTeacher), (ClassMember, Deny)],
    },
    DocRule { content: false, grants: [(Deny, Deny), (OwnSchool, Deny), (ClassTeacher, Deny), (Myself, Myself)] },
];

/// Whether `role`, standing in `relation` to a document, may read / write it.
pub fn doc_access(role: Role, content: bool, relation: &Relation) -> (bool, bool) {
    let Some(rule) = DOC_POLICY.iter().find(|rule| rule.content == content) else {
        return (false, false);
    };
    let column = match role {
        Role::TechAdmin => 0,
        Role::EduAdmin => 1,
        Role::Teacher => 2,
        Role::Student => 3,
    };
    let (read, write) = rule.grants[column];
    // A student's own progress also requires still being in the class.
    let progress_owner = !content && role == Role::Student;
    let allows = |grant| grant_allows(grant, relation) && (!progress_owner || relation.learns_in_class);
    (allows(read), allows(write))
}

/// Routes anyone may call without an access token. Logout takes the access token or the
/// device's refresh token (a sign-out made offline is sent later, when the access token has
/// long expired), so it checks its caller itself.
pub const PUBLIC_ROUTES: &[(&str, &str)] =
    &[("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/logout")];

/// Facts about how the actor relates to one target, gathered by the server before deciding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relation {
    /// The target lies in the actor's school.
    pub same_school: bool,
    /// The target is the actor.
    pub is_self: bool,
    /// The target class is taught by the actor.
    pub teaches_class: bool,
    /// The actor learns in the target class.
    pub learns_in_class: bool,
    /// The target user is a student in a class the actor teaches.
    pub teaches_subject: bool,
    /// The actor holds a live break-glass grant for the target's school.
    pub break_glass: bool,
}

/// The outcome of a check. `Hidden` means the caller must not even learn that the target
/// exists (it lies in another school): answer 404, not 403.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbidden,
    Hidden,
}

pub fn rule(action: Action) -> Option<&'static Rule> {
    POLICY.iter().find(|rule| rule.action == action)
}

pub const fn grant_allows(grant: Grant, relation: &Relation) -> bool {
    match grant {
        Deny => false,
        Anywhere => true,
        OwnSchool => relation.same_school,
        ClassTeacher => relation.same_school && relation.teaches_class,
        ClassMember => relation.same_school && (relation.teaches_class || relation.learns_in_class),
        TeacherOfSubject => relation.same_school && relation.teaches_subject,
        Myself => relation.is_self,
        BreakGlass => relation.break_glass,
    }
}

/// Decide whether `role` may perform `action` on a target it stands in `relation` to.
pub fn decide(action: Action, role: Role, relation: &Relation) -> Decision {
    let Some(rule) = rule(action) else {
        return Decision::Forbidden;
    };
    let has_tenant = matches!(rule.target, Target::School | Target::User | Target::Class);
    if grant_allows(rule.grant_for(role), relation) {
        Decision::Allow
    } else if !has_tenant || relation.same_school || relation.is_self || role == Role::TechAdmin {
        Decision::Forbidden
    } else {
        Decision::Hidden
    }
}

/// Which roles an actor may give to an account (on creation or by a role change).
/// Technical admins create technical and school-admin accounts (to open a school); school
/// admins create everyone in their school except technical admins.
pub const fn may_assign_role(actor: Role, assigned: Role) -> bool {
    match actor {
        Role::TechAdmin => matches!(assigned, Role::TechAdmin | Role::EduAdmin),
        Role::EduAdmin => !matches!(assigned, Role::TechAdmin),
        Role::Teacher | Role::Student => false,
    }
}

/// Which personal-data fields a role may read about a subject it is allowed to see.
/// Teachers need names and emails of their students, not birth dates; a technical admin
/// reads nothing, except everything under a break-glass grant.
pub const fn readable_pii_fields(role: Role, relation: &Relation) -> &'static [crate::events::PiiField] {
    use crate::events::PiiField::{BirthDate, DisplayName, Email};
    if relation.is_self {
        return &[DisplayName, Email, BirthDate];
    }
    match role {
        Role::EduAdmin => &[DisplayName, Email, BirthDate],
        Role::Teacher => &[DisplayName, Email],
        Role::TechAdmin if relation.break_glass => &[DisplayName, Email, BirthDate],
        Role::TechAdmin | Role::Student => &[],
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_action_has_exactly_one_rule_and_route() {
        let mut actions = HashSet::new();
        let mut routes = HashSet::new();
        for rule in POLICY {
            assert!(actions.insert(rule.action), "{:?} listed twice", rule.action);
            assert!(routes.insert((rule.method, rule.path)), "{} {} listed twice", rule.method, rule.path);
        }
    }

    #[test]
    fn technical_admins_read_personal_data_only_under_break_glass() {
        for action in [Action::WriteUserPii, Action::ReadClassRoster, Action::ImportUsers, Action::ReadConsents] {
            let rule = rule(action).map(|r| r.tech_admin);
            assert_eq!(rule, Some(Grant::Deny), "{action:?}");
        }
        let anywhere = Relation { same_school: true, ..Relation::default() };
        assert_eq!(decide(Action::ReadUserPii, Role::TechAdmin, &anywhere), Decision::Forbidden);
        assert!(readable_pii_fields(Role::TechAdmin, &anywhere).is_empty());
        let granted = Relation { break_glass: true, ..Relation::default() };
        assert_eq!(decide(Action::ReadUserPii, Role::TechAdmin, &granted), Decision::Allow);
        assert_eq!(readable_pii_fields(Role::TechAdmin, &granted).len(), 3);
        // A grant opens nothing else, and means nothing for other roles.
        assert_eq!(decide(Action::WriteUserPii, Role::TechAdmin, &granted), Decision::Forbidden);
        assert_eq!(decide(Action::ReadUserPii, Role::Student, &granted), Decision::Hidden);
    }

    #[test]
    fn other_schools_are_hidden_not_forbidden() {
        let elsewhere = Relation::default();
        assert_eq!(decide(Action::ReadClass, Role::Teacher, &elsewhere), Decision::Hidden);
        let here = Relation { same_school: true, ..Relation::default() };
        assert_eq!(decide(Action::ReadClass, Role::Teacher, &here), Decision::Forbidden);
        let taught = Relation { teaches_class: true, ..here };
        assert_eq!(decide(Action::ReadClass, Role::Teacher, &taught), Decision::Allow);
    }

    #[test]
    fn students_write_only_their_own_progress_and_read_class_content() {
        let in_class = Relation { same_school: true, learns_in_class: true, ..Relation::default() };
        assert_eq!(doc_access(Role::Student, true, &in_class), (true, false));
        assert_eq!(doc_access(Role::Student, false, &in_class), (false, false));
        let own = Relation { is_self: true, ..in_class };
        assert_eq!(doc_access(Role::Student, false, &own), (true, true));
        let left_class = Relation { learns_in_class: false, ..own };
        assert_eq!(doc_access(Role::Student, false, &left_class), (false, false));
        let teaching = Relation { same_school: true, teaches_class: true, ..Relation::default() };
        assert_eq!(doc_access(Role::Teacher, true, &teaching), (true, true));
        assert_eq!(doc_access(Role::Teacher, false, &teaching), (true, false));
        assert_eq!(doc_access(Role::TechAdmin, true, &teaching), (false, false));
    }

    #[test]
    fn school_admins_cannot_mint_technical_admins() {
        assert!(!may_assign_role(Role::EduAdmin, Role::TechAdmin));
        assert!(may_assign_role(Role::EduAdmin, Role::Teacher));
        assert!(!may_assign_role(Role::TechAdmin, Role::Student));
        assert!(!may_assign_role(Role::Teacher, Role::Student));
    }
}
