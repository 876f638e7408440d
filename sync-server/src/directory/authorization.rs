//! A school's lawful basis for its students' accounts (SECURITY.md item 29): the school may
//! authorise TallSchool for educational use on parents' behalf. Without a current
//! authorisation, a student account is created only with a recorded consent — never with none.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tallschool_shared::api::{
    AuthorizationRecord, ConsentDecision, ConsentGiver, ConsentPurpose, RecordAuthorizationRequest, SchoolAuthorization,
};
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, SchoolId, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::consent;
use crate::db::{Conn, col, id_col};
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiJson, ApiPath};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_authorization, record_authorization))
}

/// Whether the school authorises TallSchool for educational use, and its record.
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/authorization", tag = "schools", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")),
    responses((status = 200, body = SchoolAuthorization), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_authorization(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
) -> ApiResult<Json<SchoolAuthorization>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ReadSchoolAuthorization, TargetRef::School(school)).await?;
    Ok(Json(view(&mut conn, school).await?))
}

/// Record that the school gives (or withdraws) its authorisation (the school's admins).
/// Withdrawing it stops new student accounts without a consent; existing ones keep theirs.
#[utoipa::path(post, path = "/api/v1/schools/{school_id}/authorization", tag = "schools", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")), request_body = RecordAuthorizationRequest,
    responses((status = 201, body = SchoolAuthorization), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn record_authorization(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
    ApiJson(request): ApiJson<RecordAuthorizationRequest>,
) -> ApiResult<(StatusCode, Json<SchoolAuthorization>)> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::RecordSchoolAuthorization, TargetRef::School(school)).await?;
    record(&mut conn, school, request.decision, actor.id, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(view(&mut conn, school).await?)))
}

pub async fn record(
    conn: &mut Conn,
    school: SchoolId,
    decision: ConsentDecision,
    recorded_by: UserId,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO school_authorizations (id, school_id, decision, recorded_by, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(school.to_string())
    .bind(consent::decision_str(decision))
    .bind(recorded_by.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn view(conn: &mut Conn, school: SchoolId) -> Result<SchoolAuthorization, ApiError> {
    let rows = sqlx::query(
        "SELECT decision, recorded_by, at FROM school_authorizations WHERE school_id = $1 ORDER BY at DESC, id DESC",
    )
    .bind(school.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let history = rows
        .iter()
        .map(|row| {
            let decision: String = col(row, "decision")?;
            Ok(AuthorizationRecord {
                decision: consent::parse_decision(&decision)?,
                recorded_by: id_col(row, "recorded_by")?,
                at: col(row, "at")?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let authorized = history.first().is_some_and(|latest| latest.decision == ConsentDecision::Given);
    Ok(SchoolAuthorization { authorized, history })
}

/// The lawful basis of a new student account, recorded with it in the caller's transaction:
/// the consent given (by `consent_by`), else the school's current authorisation; with neither,
/// the account is refused.
pub async fn record_basis_for_student(
    conn: &mut Conn,
    school: SchoolId,
    student: UserId,
    consent_by: Option<ConsentGiver>,
    recorded_by: UserId,
    now: i64,
) -> Result<(), ApiError> {
    let given_by = match consent_by {
        Some(giver) => giver,
        None if view(conn, school).await?.authorized => ConsentGiver::School,
        None => {
            return Err(ApiError::Field {
                field: "consent_by".to_owned(),
                message: "a student account needs a lawful basis: say who consented (consent_by), \
                          or record the school's authorisation for educational use first"
                    .to_owned(),
            });
        }
    };
    consent::record(conn, student, ConsentPurpose::Platform, ConsentDecision::Given, given_by, recorded_by, now).await
}
