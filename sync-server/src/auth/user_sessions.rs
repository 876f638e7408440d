//! An account's devices as its school's admins see them: listed, and signed out — one or all,
//! with or without wiping the account's data from them at their next contact
//! ([`sessions::WIPE`]).

use axum::Json;
use axum::extract::State;
use tallschool_shared::api::{RevokeSessionsRequest, SessionView, SessionsRevoked};
use tallschool_shared::events::SecurityEvent;
use tallschool_shared::policy::Action;
use tallschool_shared::{ErrorBody, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AuthUser, sessions};
use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{ApiJson, ApiPath};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_user_sessions)).routes(routes!(revoke_user_sessions))
}

/// The account's signed-in devices, most recently used first.
#[utoipa::path(get, path = "/api/v1/users/{user_id}/sessions", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")),
    responses((status = 200, body = Vec<SessionView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_user_sessions(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user): ApiPath<UserId>,
) -> ApiResult<Json<Vec<SessionView>>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ListUserSessions, TargetRef::User(user)).await?;
    Ok(Json(sessions::list(&mut conn, user, Some(actor.session_id), state.clock.now()).await?))
}

/// Sign out one device of the account (`session_id`) or every one. With `wipe`, each device
/// deletes the account's data (unsynced work included) when it next reaches the server, and the
/// server refuses anything it still tries to send.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/sessions/revoke", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")), request_body = RevokeSessionsRequest,
    responses((status = 200, body = SessionsRevoked), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn revoke_user_sessions(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user): ApiPath<UserId>,
    ApiJson(request): ApiJson<RevokeSessionsRequest>,
) -> ApiResult<Json<SessionsRevoked>> {
    let now = state.clock.now();
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::RevokeUserSessions, TargetRef::User(user)).await?;
    if request.session_id == Some(actor.session_id) {
        return Err(ApiError::Validation("session_id is the device you are using: sign out instead".to_owned()));
    }
    let reason = if request.wipe { sessions::WIPE } else { "signed_out_by_admin" };
    let mut tx = state.db.begin().await?;
    let revoked = match request.session_id {
        Some(session) => {
            if sessions::owner(&mut tx, session).await? != Some(user) {
                return Err(ApiError::NotFound);
            }
            let ended = sessions::end(&mut tx, session, reason, now).await?;
            if ended > 0 {
                let event = SecurityEvent::SessionsRevoked { user_id: user, reason: reason.to_owned(), count: ended };
                events::publish(&mut tx, &event, now).await?;
            }
            ended
        }
        None => sessions::revoke_all(&mut tx, user, Some(actor.session_id), reason, now).await?,
    };
    tx.commit().await?;
    state.hot.forget_sessions();
    tracing::info!(%user, revoked, wipe = request.wipe, "sessions revoked by an admin");
    Ok(Json(SessionsRevoked { revoked, wipe: request.wipe }))
}
