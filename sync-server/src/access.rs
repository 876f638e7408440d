//! Enforcing the permission policy (`tallschool_shared::policy`) on a request: resolve the
//! target, gather how the caller relates to it, and let the pure policy decide. Handlers call
//! [`authorize`] first thing; nothing else in the server decides who may do what.

use tallschool_shared::policy::{self, Action, Decision, Relation};
use tallschool_shared::{ClassId, ClassRole, Role, SchoolId, UserId};

use crate::auth::AuthUser;
use crate::db::Conn;
use crate::directory::{classes, schools, users};
use crate::error::ApiError;

/// What an action's path points at, as the handler extracted it.
#[derive(Clone, Copy, Debug)]
pub enum TargetRef {
    Caller,
    System,
    School(SchoolId),
    User(UserId),
    Class(ClassId),
}

/// Proof that the policy allowed the action, with what was learned on the way.
#[derive(Clone, Copy, Debug)]
pub struct Allowed {
    pub relation: Relation,
    /// The school the target belongs to, when it has one.
    pub school: Option<SchoolId>,
}

pub async fn authorize(
    conn: &mut Conn,
    actor: &AuthUser,
    action: Action,
    target: TargetRef,
) -> Result<Allowed, ApiError> {
    let (relation, school) = relate(conn, actor, target).await?;
    match policy::decide(action, actor.role, &relation) {
        Decision::Allow => Ok(Allowed { relation, school }),
        Decision::Forbidden => Err(ApiError::Forbidden),
        Decision::Hidden => Err(ApiError::NotFound),
    }
}

/// Like [`authorize`], for the actions a technical admin may take under a break-glass grant:
/// whether a grant is live is decided at `now`.
pub async fn authorize_with_break_glass(
    conn: &mut Conn,
    actor: &AuthUser,
    action: Action,
    target: TargetRef,
    now: i64,
) -> Result<Allowed, ApiError> {
    let (mut relation, school) = relate(conn, actor, target).await?;
    relation.break_glass = crate::break_glass::holds(conn, actor, school, now).await?;
    match policy::decide(action, actor.role, &relation) {
        Decision::Allow => Ok(Allowed { relation, school }),
        Decision::Forbidden => Err(ApiError::Forbidden),
        Decision::Hidden => Err(ApiError::NotFound),
    }
}

/// For actions on the caller's own account: the policy needs no database facts.
pub fn authorize_caller(actor: &AuthUser, action: Action) -> Result<(), ApiError> {
    let relation = Relation { is_self: true, same_school: true, ..Relation::default() };
    match policy::decide(action, actor.role, &relation) {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(ApiError::Forbidden),
        Decision::Hidden => Err(ApiError::NotFound),
    }
}

async fn relate(
    conn: &mut Conn,
    actor: &AuthUser,
    target: TargetRef,
) -> Result<(Relation, Option<SchoolId>), ApiError> {
    let same = |school: SchoolId| actor.school_id == Some(school);
    Ok(match target {
        TargetRef::Caller => (Relation { is_self: true, same_school: true, ..Relation::default() }, actor.school_id),
        TargetRef::System => (Relation::default(), None),
        TargetRef::School(id) => {
            let school = schools::find(conn, id).await?.ok_or(ApiError::NotFound)?;
            (Relation { same_school: same(school.id), ..Relation::default() }, Some(school.id))
        }
        TargetRef::User(id) => {
            let user = users::find(conn, id).await?.ok_or(ApiError::NotFound)?;
            let same_school = user.school_id.is_some_and(same);
            let teaches_subject = same_school
                && actor.role == Role::Teacher
                && user.role == Role::Student
                && classes::teaches_student(conn, actor.id, user.id).await?;
            let relation =
                Relation { same_school, is_self: user.id == actor.id, teaches_subject, ..Relation::default() };
            (relation, user.school_id)
        }
        TargetRef::Class(id) => {
            let class = classes::find_class(conn, id).await?.ok_or(ApiError::NotFound)?;
            let same_school = same(class.school_id);
            let part = if same_school { classes::membership(conn, class.id, actor.id).await? } else { None };
            let relation = Relation {
                same_school,
                teaches_class: part == Some(ClassRole::Teacher) && actor.role == Role::Teacher,
                learns_in_class: part == Some(ClassRole::Student) && actor.role == Role::Student,
                ..Relation::default()
            };
            (relation, Some(class.school_id))
        }
    })
}
