//! Learning routes: study settings, answer keys, results and grades of video tests, digests.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use tallschool_shared::api::{AnswerKeysRequest, ClassView, GradeRequest, ResultsQuery, ResultsView, RunDigestRequest};
use tallschool_shared::digest::{Digest, WEEK};
use tallschool_shared::policy::Action;
use tallschool_shared::scheduling::StudySettings;
use tallschool_shared::video::AttemptResult;
use tallschool_shared::{ClassId, ErrorBody, Role, SchoolId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{digest, grading};
use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::directory::classes;
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiPath};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_study_settings))
        .routes(routes!(set_answer_keys))
        .routes(routes!(read_results))
        .routes(routes!(grade_answer))
        .routes(routes!(class_digests))
        .routes(routes!(school_digests, run_digests))
}

/// Desired retention (0.70–0.97), new cards and reviews per day for the class's decks.
/// Students' devices pick them up with their classes on the next sync.
#[utoipa::path(put, path = "/api/v1/classes/{class_id}/study-settings", tag = "learning", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id")), request_body = StudySettings,
    responses((status = 200, body = ClassView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_study_settings(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(class): ApiPath<ClassId>,
    ApiJson(settings): ApiJson<StudySettings>,
) -> ApiResult<Json<ClassView>> {
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::SetStudySettings, TargetRef::Class(class)).await?;
    settings.check().map_err(|e| ApiError::Validation(e.to_string()))?;
    classes::set_study_settings(&mut tx, class, &settings).await?;
    let view = classes::find_class(&mut tx, class).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(view))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct KeysStored {
    stored: u64,
}

/// Store the answer keys of a graded video test. They stay on the server; students' devices
/// never receive them.
#[utoipa::path(put, path = "/api/v1/classes/{class_id}/answer-keys", tag = "learning", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id")), request_body = AnswerKeysRequest,
    responses((status = 200, body = KeysStored), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_answer_keys(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(class): ApiPath<ClassId>,
    ApiJson(request): ApiJson<AnswerKeysRequest>,
) -> ApiResult<Json<KeysStored>> {
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::SetAnswerKeys, TargetRef::Class(class)).await?;
    let stored = grading::set_keys(&mut tx, class, request.test_id, &request.keys, actor.id, state.clock.now()).await?;
    tx.commit().await?;
    Ok(Json(KeysStored { stored }))
}

/// Graded submitted attempts of a video test: a student sees their own, teachers and
/// educational admins everyone's.
#[utoipa::path(get, path = "/api/v1/classes/{class_id}/results", tag = "learning", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id"), ResultsQuery),
    responses((status = 200, body = ResultsView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_results(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(class): ApiPath<ClassId>,
    Query(query): Query<ResultsQuery>,
) -> ApiResult<Json<ResultsView>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadResults, TargetRef::Class(class)).await?;
    let only = (actor.role == Role::Student).then_some(actor.id);
    let attempts = grading::results(&mut conn, class, query.test_id, only).await?;
    Ok(Json(ResultsView { test_id: query.test_id, attempts }))
}

/// A teacher's points for one answer (short-text answers, or overriding the automatic grade).
#[utoipa::path(put, path = "/api/v1/classes/{class_id}/grades", tag = "learning", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id")), request_body = GradeRequest,
    responses((status = 200, body = AttemptResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn grade_answer(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(class): ApiPath<ClassId>,
    ApiJson(request): ApiJson<GradeRequest>,
) -> ApiResult<Json<AttemptResult>> {
    let mut tx = state.db.begin().await?;
    authorize(&mut tx, &actor, Action::GradeAnswer, TargetRef::Class(class)).await?;
    let result = grading::grade(&mut tx, class, &request, actor.id, state.clock.now()).await?;
    tx.commit().await?;
    Ok(Json(result))
}

/// Weekly digests of a class, newest first.
#[utoipa::path(get, path = "/api/v1/classes/{class_id}/digests", tag = "learning", security(("bearer" = [])),
    params(("class_id" = String, Path, description = "Class id")),
    responses((status = 200, body = Vec<Digest>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn class_digests(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(class): ApiPath<ClassId>,
) -> ApiResult<Json<Vec<Digest>>> {
    let mut conn = state.db.pool.acquire().await?;
    let allowed = authorize(&mut conn, &actor, Action::ReadClassDigests, TargetRef::Class(class)).await?;
    let school = allowed.school.ok_or(ApiError::NotFound)?;
    Ok(Json(digest::stored(&mut conn, school, Some(class)).await?))
}

/// Weekly digests of every class and cohort of a school, newest first.
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/digests", tag = "learning", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 200, body = Vec<Digest>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn school_digests(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
) -> ApiResult<Json<Vec<Digest>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadSchoolDigests, TargetRef::School(school)).await?;
    Ok(Json(digest::stored(&mut conn, school, None).await?))
}

/// Compute a school's digests now (they also run weekly on `--digest-schedule`).
#[utoipa::path(post, path = "/api/v1/schools/{school_id}/digests", tag = "learning", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")), request_body = RunDigestRequest,
    responses((status = 200, body = Vec<Digest>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn run_digests(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
    ApiJson(request): ApiJson<RunDigestRequest>,
) -> ApiResult<(StatusCode, Json<Vec<Digest>>)> {
    {
        let mut conn = state.db.pool.acquire().await?;
        authorize(&mut conn, &actor, Action::RunDigests, TargetRef::School(school)).await?;
    }
    let now = state.clock.now();
    let week_of = request.week_of.unwrap_or(now - WEEK);
    if !(0..=now + WEEK).contains(&week_of) {
        return Err(ApiError::Validation("week_of must be a time up to next week".to_owned()));
    }
    let work = digest::run_for_school(&state.db, school, week_of, now);
    let (job, trigger) = (crate::jobs::Job::Digests, crate::jobs::Trigger::Admin(actor.id));
    let summarize = |digests: &Vec<Digest>| serde_json::json!({ "school_id": school, "week_of": week_of, "digests": digests.len() });
    let digests = crate::jobs::recorded(&state.db, &state.clock, job, trigger, work, summarize).await?;
    Ok((StatusCode::OK, Json(digests)))
}
