//! `/api/v1/schools`, `/users`, `/classes` and `/me/classes`. Each handler authorizes first.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tallschool_shared::api::{
    AddMemberRequest, ClassView, CohortView, CreateClassRequest, CreateCohortRequest, CreateSchoolRequest,
    CreateUserRequest, CreatedUser, MemberView, OneTimePassword, RosterEntry, SchoolView, UpdateUserRequest, UserView,
};
use tallschool_shared::events::{PiiField, SecurityEvent, SensitiveChange, UserEvent};
use tallschool_shared::policy::{Action, Relation, may_assign_role, readable_pii_fields};
use tallschool_shared::{ClassId, ClassRole, ErrorBody, Role, SchoolId, UserId, UserStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::users::NewPassword;
use super::{authorization, classes, schools, users};
use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::audit::Subject;
use crate::auth::password::generate_initial_password;
use crate::auth::{AuthUser, RequestMeta, sessions};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{ApiJson, ApiPath};
use crate::pii::{PiiUpdate, Reader};
use crate::validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_schools, create_school))
        .routes(routes!(read_school))
        .routes(routes!(list_school_users, create_user))
        .routes(routes!(super::import::import_users))
        .routes(routes!(read_user, update_user))
        .routes(routes!(reset_password))
        .routes(routes!(list_cohorts, create_cohort))
        .routes(routes!(list_school_classes, create_class))
        .routes(routes!(read_class))
        .routes(routes!(list_members, add_member))
        .routes(routes!(remove_member))
        .routes(routes!(roster))
        .routes(routes!(my_classes))
}

// ---------------------------------------------------------------- schools

/// Every school (technical admins).
#[utoipa::path(get, path = "/api/v1/schools", tag = "schools", security(("bearer" = [])),
    responses((status = 200, body = Vec<SchoolView>), (status = 403, body = ErrorBody)))]
async fn list_schools(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<Vec<SchoolView>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListSchools, TargetRef::System).await?;
    Ok(Json(schools::list(&mut conn).await?))
}

/// Open a new school (technical admins).
#[utoipa::path(post, path = "/api/v1/schools", tag = "schools", security(("bearer" = [])), request_body = CreateSchoolRequest,
    responses((status = 201, body = SchoolView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_school(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiJson(request): ApiJson<CreateSchoolRequest>,
) -> ApiResult<(StatusCode, Json<SchoolView>)> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::CreateSchool, TargetRef::System).await?;
    let name = validate::label("name", &request.name, 120)?;
    Ok((StatusCode::CREATED, Json(schools::insert(&mut conn, &name, state.clock.now()).await?)))
}

#[utoipa::path(get, path = "/api/v1/schools/{school_id}", tag = "schools", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 200, body = SchoolView), (status = 404, body = ErrorBody)))]
async fn read_school(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
) -> ApiResult<Json<SchoolView>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadSchool, TargetRef::School(school)).await?;
    Ok(Json(schools::find(&mut conn, school).await?.ok_or(ApiError::NotFound)?))
}

// ---------------------------------------------------------------- people

/// Accounts of a school: ids, usernames, roles, status — no personal data.
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/users", tag = "users", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_school_users(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
) -> ApiResult<Json<Vec<UserView>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListSchoolUsers, TargetRef::School(school)).await?;
    Ok(Json(users::list_in_school(&mut conn, school).await?.iter().map(users::UserRecord::view).collect()))
}

/// Create an account in a school. The server generates the initial password and returns it
/// once: single use, expiring, and the first sign-in must choose a new one. Personal data goes
/// to the vault.
#[utoipa::path(post, path = "/api/v1/schools/{school_id}/users", tag = "users", security(("bearer" = [])), request_body = CreateUserRequest,
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 201, body = CreatedUser), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::CreateUser, TargetRef::School(school)).await?;
    drop(conn);
    let created = create_account(&state, &actor, school, &request, None).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A new account of `school` (the caller authorized), with its personal data and, if given,
/// its place in a class: all stored together or nothing.
pub(super) async fn create_account(
    state: &AppState,
    actor: &AuthUser,
    school: SchoolId,
    request: &CreateUserRequest,
    class: Option<ClassId>,
) -> ApiResult<CreatedUser> {
    if !may_assign_role(actor.role, request.role) {
        return Err(ApiError::Forbidden);
    }
    if request.consent_by.is_some() && request.role != Role::Student {
        return Err(ApiError::Field {
            field: "consent_by".to_owned(),
            message: "consent_by is recorded for students only".to_owned(),
        });
    }
    if !request.role.belongs_to_school() {
        return Err(ApiError::Validation("technical admins belong to no school".to_owned()));
    }
    let now = state.clock.now();
    let username = validate::new_username(&request.username)?;
    let pii = request.pii.as_ref().map(|input| PiiUpdate::validate(input, now)).transpose()?;
    let class_role = match (class, request.role) {
        (None, _) => None,
        (Some(_), Role::Student) => Some(ClassRole::Student),
        (Some(_), Role::Teacher) => Some(ClassRole::Teacher),
        (Some(_), _) => return Err(ApiError::Validation("only students and teachers join classes".to_owned())),
    };
    let (initial_password, hash, expires_at) = new_one_time_password(state, now).await?;
    let password = NewPassword::OneTime { hash: &hash, expires_at };
    let mut tx = state.db.begin().await?;
    let user = users::insert(&mut tx, &username, request.role, Some(school), password, Some(actor.id), now).await?;
    if let Some(pii) = pii.filter(|p| !p.is_empty()) {
        state.vault.write(&mut tx, user.id, &pii, Some(actor.id), now).await?;
    }
    if request.role == Role::Student {
        authorization::record_basis_for_student(&mut tx, school, user.id, request.consent_by, actor.id, now).await?;
    }
    if let (Some(class), Some(role)) = (class, class_role) {
        classes::upsert_member(&mut tx, class, user.id, role, now).await?;
    }
    tx.commit().await?;
    Ok(CreatedUser { user: user.view(), initial_password, initial_password_expires_at: expires_at })
}

/// A forgotten password: give the account a new one-time password (shown once; single use,
/// expiring; the first sign-in with it must choose a new password) and sign it out
/// everywhere. School admins for their school; teachers for the students they teach. Needs a
/// recent sign-in or re-authentication of the caller.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/password-reset", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 201, body = OneTimePassword),
        (status = 401, body = ErrorBody, description = "reauth_required: confirm the password first"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user_id): ApiPath<UserId>,
) -> ApiResult<(StatusCode, Json<OneTimePassword>)> {
    let now = state.clock.now();
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ResetUserPassword, TargetRef::User(user_id)).await?;
    let user = users::find(&mut conn, user_id).await?.ok_or(ApiError::NotFound)?;
    // A teacher may reset students only; an admin only the roles they could create.
    let manages = actor.role == Role::Teacher || may_assign_role(actor.role, user.role);
    if !manages || user.id == actor.id {
        return Err(ApiError::Forbidden);
    }
    sessions::require_recent_auth(&mut conn, actor.session_id, now, state.settings.reauth_window_secs).await?;
    drop(conn);
    let (one_time_password, hash, expires_at) = new_one_time_password(&state, now).await?;
    let mut tx = state.db.begin().await?;
    users::set_password(&mut tx, user.id, NewPassword::OneTime { hash: &hash, expires_at }, now).await?;
    let change = SecurityEvent::SensitiveChange {
        user_id: user.id,
        actor_id: actor.id,
        change: SensitiveChange::OneTimePassword,
    };
    events::publish(&mut tx, &change, now).await?;
    sessions::revoke_all(&mut tx, user.id, None, "password_reset", now).await?;
    tx.commit().await?;
    state.hot.forget_sessions();
    Ok((StatusCode::CREATED, Json(OneTimePassword { user_id: user.id, one_time_password, expires_at })))
}

/// A fresh one-time password, its hash, and when it stops signing in.
async fn new_one_time_password(state: &AppState, now: i64) -> ApiResult<(String, String, i64)> {
    let password = generate_initial_password();
    let hash = state.passwords.hash(password.clone()).await?;
    let ttl = i64::try_from(state.settings.one_time_password_ttl_secs).unwrap_or(i64::MAX);
    Ok((password, hash, now.saturating_add(ttl)))
}

#[utoipa::path(get, path = "/api/v1/users/{user_id}", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_user(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user): ApiPath<UserId>,
) -> ApiResult<Json<UserView>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadUser, TargetRef::User(user)).await?;
    Ok(Json(users::find(&mut conn, user).await?.ok_or(ApiError::NotFound)?.view()))
}

/// Change an account's role or status. Either change ends all the account's sessions; a role
/// change needs a recent sign-in or re-authentication of the caller.
#[utoipa::path(patch, path = "/api/v1/users/{user_id}", tag = "users", security(("bearer" = [])), request_body = UpdateUserRequest,
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody, description = "reauth_required: confirm the password first"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user_id): ApiPath<UserId>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserView>> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::UpdateUser, TargetRef::User(user_id)).await?;
    let user = users::find(&mut tx, user_id).await?.ok_or(ApiError::NotFound)?;
    // Both the account's current role and the new one must be the actor's to manage.
    if !may_assign_role(actor.role, user.role) {
        return Err(ApiError::Forbidden);
    }
    if user.id == actor.id {
        return Err(ApiError::Validation("you cannot change your own role or status".to_owned()));
    }
    let mut changed = false;
    if let Some(role) = request.role.filter(|role| *role != user.role) {
        if !may_assign_role(actor.role, role) || role.belongs_to_school() != user.role.belongs_to_school() {
            return Err(ApiError::Forbidden);
        }
        sessions::require_recent_auth(&mut tx, actor.session_id, now, state.settings.reauth_window_secs).await?;
        users::set_role(&mut tx, user.id, role, now).await?;
        let change =
            SecurityEvent::SensitiveChange { user_id: user.id, actor_id: actor.id, change: SensitiveChange::Role };
        events::publish(&mut tx, &change, now).await?;
        let kept = [ClassRole::Teacher, ClassRole::Student].into_iter().find(|part| part.required_role() == role);
        classes::remove_mismatched_enrolments(&mut tx, user.id, kept).await?;
        events::publish(
            &mut tx,
            &UserEvent::RoleChanged { user_id: user.id, from: user.role, to: role, actor_id: actor.id },
            now,
        )
        .await?;
        changed = true;
    }
    if let Some(status) = request.status.filter(|status| *status != user.status) {
        users::set_status(&mut tx, user.id, status, now).await?;
        let event = match status {
            UserStatus::Disabled => UserEvent::Disabled { user_id: user.id, actor_id: actor.id },
            UserStatus::Active => UserEvent::Enabled { user_id: user.id, actor_id: actor.id },
        };
        events::publish(&mut tx, &event, now).await?;
        changed = true;
    }
    if changed {
        sessions::revoke_all(&mut tx, user.id, None, "account_changed", now).await?;
    }
    let updated = users::find(&mut tx, user.id).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    state.hot.forget_sessions();
    Ok(Json(updated.view()))
}

// ---------------------------------------------------------------- cohorts and classes

#[utoipa::path(get, path = "/api/v1/schools/{school_id}/cohorts", tag = "classes", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 200, body = Vec<CohortView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_cohorts(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
) -> ApiResult<Json<Vec<CohortView>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListCohorts, TargetRef::School(school)).await?;
    Ok(Json(classes::list_cohorts(&mut conn, school).await?))
}

#[utoipa::path(post, path = "/api/v1/schools/{school_id}/cohorts", tag = "classes", security(("bearer" = [])), request_body = CreateCohortRequest,
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 201, body = CohortView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_cohort(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
    ApiJson(request): ApiJson<CreateCohortRequest>,
) -> ApiResult<(StatusCode, Json<CohortView>)> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::CreateCohort, TargetRef::School(school)).await?;
    let name = validate::label("name", &request.name, 80)?;
    Ok((StatusCode::CREATED, Json(classes::insert_cohort(&mut conn, school, &name, state.clock.now()).await?)))
}

/// Every class of a school (school admins).
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/classes", tag = "classes", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 200, body = Vec<ClassView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_school_classes(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
) -> ApiResult<Json<Vec<ClassView>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListSchoolClasses, TargetRef::School(school)).await?;
    Ok(Json(classes::list_school_classes(&mut conn, school).await?))
}

#[utoipa::path(post, path = "/api/v1/schools/{school_id}/classes", tag = "classes", security(("bearer" = [])), request_body = CreateClassRequest,
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 201, body = ClassView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_class(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
    ApiJson(request): ApiJson<CreateClassRequest>,
) -> ApiResult<(StatusCode, Json<ClassView>)> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::CreateClass, TargetRef::School(school)).await?;
    let name = validate::label("name", &request.name, 80)?;
    if let Some(cohort) = request.cohort_id {
        let found = classes::find_cohort(&mut conn, cohort).await?;
        if found.is_none_or(|c| c.school_id != school) {
            return Err(ApiError::Validation("cohort_id is not a cohort of this school".to_owned()));
        }
    }
    Ok((
        StatusCode::CREATED,
        Json(classes::insert_class(&mut conn, school, &name, request.cohort_id, state.clock.now()).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/classes/{class_id}", tag = "classes", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id")),
    responses((status = 200, body = ClassView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_class(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(class): ApiPath<ClassId>,
) -> ApiResult<Json<ClassView>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadClass, TargetRef::Class(class)).await?;
    Ok(Json(classes::find_class(&mut conn, class).await?.ok_or(ApiError::NotFound)?))
}

/// Teachers and students of a class, without personal data.
#[utoipa::path(get, path = "/api/v1/classes/{class_id}/members", tag = "classes", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id")),
    responses((status = 200, body = Vec<MemberView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_members(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(class): ApiPath<ClassId>,
) -> ApiResult<Json<Vec<MemberView>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListClassMembers, TargetRef::Class(class)).await?;
    Ok(Json(classes::list_members(&mut conn, class).await?))
}

/// Enrol a teacher or student of the same school (idempotent).
#[utoipa::path(post, path = "/api/v1/classes/{class_id}/members", tag = "classes", security(("bearer" = [])), request_body = AddMemberRequest,
    params(("class_id" = String, Path, description = "Class id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(class): ApiPath<ClassId>,
    ApiJson(request): ApiJson<AddMemberRequest>,
) -> ApiResult<StatusCode> {
    let mut conn = state.db.pool.acquire().await?;
    let allowed = authorize(&mut conn, &actor, Action::AddClassMember, TargetRef::Class(class)).await?;
    let member = users::find(&mut conn, request.user_id).await?;
    let fits = member.is_some_and(|m| {
        m.school_id == allowed.school && m.role == request.role.required_role() && m.status == UserStatus::Active
    });
    if !fits {
        return Err(ApiError::Validation(format!(
            "user_id must be an active {} of this school",
            request.role.as_str()
        )));
    }
    classes::upsert_member(&mut conn, class, request.user_id, request.role, state.clock.now()).await?;
    state.hot.forget_sessions();
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/classes/{class_id}/members/{user_id}", tag = "classes", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id"), ("user_id" = String, Path, description = "User id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath((class, user)): ApiPath<(ClassId, UserId)>,
) -> ApiResult<StatusCode> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::RemoveClassMember, TargetRef::Class(class)).await?;
    if !classes::remove_member(&mut conn, class, user).await? {
        return Err(ApiError::NotFound);
    }
    state.hot.forget_sessions();
    Ok(StatusCode::NO_CONTENT)
}

/// Members with their display names, for the class's teachers. Each name read is logged.
#[utoipa::path(get, path = "/api/v1/classes/{class_id}/roster", tag = "classes", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id")),
    responses((status = 200, body = Vec<RosterEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn roster(
    State(state): State<AppState>,
    actor: AuthUser,
    meta: RequestMeta,
    ApiPath(class): ApiPath<ClassId>,
) -> ApiResult<Json<Vec<RosterEntry>>> {
    let mut tx = state.db.begin().await?;
    let allowed = match authorize(&mut tx, &actor, Action::ReadClassRoster, TargetRef::Class(class)).await {
        Ok(allowed) => allowed,
        Err(refused @ (ApiError::Forbidden | ApiError::NotFound)) => {
            let school = classes::find_class(&mut tx, class).await?.map(|c| c.school_id).or(actor.school_id);
            drop(tx);
            let reader = Reader::new(&actor, "class_roster", &meta);
            state.vault.log_refusal(&state.db, &reader, Subject::Class(class), school, state.clock.now()).await;
            return Err(refused);
        }
        Err(other) => return Err(other),
    };
    let members = classes::list_members(&mut tx, class).await?;
    let fields: &[PiiField] = if readable_pii_fields(actor.role, &Relation::default()).contains(&PiiField::DisplayName)
    {
        &[PiiField::DisplayName]
    } else {
        &[]
    };
    let subjects: Vec<_> = members.iter().map(|m| (m.user_id, allowed.school)).collect();
    let reader = Reader::new(&actor, "class_roster", &meta);
    let names = state.vault.read(&mut tx, &reader, &subjects, fields, state.clock.now()).await?;
    tx.commit().await?;
    let roster = members
        .into_iter()
        .zip(names)
        .map(|(member, pii)| RosterEntry {
            user_id: member.user_id,
            username: member.username,
            role: member.role,
            display_name: pii.display_name,
        })
        .collect();
    Ok(Json(roster))
}

/// Classes the caller teaches or learns in.
#[utoipa::path(get, path = "/api/v1/me/classes", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Vec<ClassView>), (status = 401, body = ErrorBody)))]
async fn my_classes(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<Vec<ClassView>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListOwnClasses, TargetRef::Caller).await?;
    Ok(Json(classes::list_user_classes(&mut conn, actor.id).await?))
}
