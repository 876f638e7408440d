//! Erasure of a person (GDPR art. 17, SECURITY.md item 27), on their school's request: in one
//! transaction their personal data, their progress documents (changes, snapshots, media
//! references), their enrolments and grades go; their username is replaced; every device of
//! theirs is told to wipe the account at its next contact (so a device that was offline with
//! unsynced work cannot bring it back: its pushes are refused and it deletes them); what they
//! authored as a teacher is handed to the admin who erased them, not lost. The access log keeps
//! its rows with the person's id removed (its chain stays whole). Events say what happened,
//! by opaque id only.

use axum::Json;
use axum::extract::State;
use tallschool_shared::api::{ErasureReport, ErasureRequest};
use tallschool_shared::events::{PiiField, PiiUpdated, SecurityEvent, UserEvent};
use tallschool_shared::policy::{Action, may_assign_role};
use tallschool_shared::{ErrorBody, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::{AuthUser, sessions};
use crate::db::Conn;
use crate::directory::users;
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{ApiJson, ApiPath};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(erase_user))
}

/// Erase a person (school admins, for the roles they manage; needs a recent password). The
/// request repeats the person's username, so that a wrong click erases nobody.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/erasure", tag = "users", security(("bearer" = [])),
    params(("user_id" = String, Path, description = "User id")), request_body = ErasureRequest,
    responses((status = 200, body = ErasureReport),
        (status = 401, body = ErrorBody, description = "reauth_required: confirm the password first"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the person is under a legal hold"), (status = 422, body = ErrorBody)))]
async fn erase_user(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(user_id): ApiPath<UserId>,
    ApiJson(request): ApiJson<ErasureRequest>,
) -> ApiResult<Json<ErasureReport>> {
    let now = state.clock.now();
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::EraseUser, TargetRef::User(user_id)).await?;
    let person = users::find(&mut conn, user_id).await?.ok_or(ApiError::NotFound)?;
    if person.id == actor.id || !may_assign_role(actor.role, person.role) {
        return Err(ApiError::Forbidden);
    }
    if request.confirm_username.trim().to_lowercase() != person.username {
        return Err(ApiError::Field {
            field: "confirm_username".to_owned(),
            message: "confirm_username must be the username of the person to erase".to_owned(),
        });
    }
    if crate::legal_hold::held(&mut conn, user_id).await?.is_some() {
        return Err(ApiError::Conflict(
            "this person is under a legal hold: lift the hold before erasing them".to_owned(),
        ));
    }
    sessions::require_recent_auth(&mut conn, actor.session_id, now, state.settings.reauth_window_secs).await?;
    drop(conn);
    Ok(Json(erase_person(&state, user_id, actor.id, Some(actor.id), None, now).await?))
}

/// Erase `user` and say so in events: content they authored goes to `heir`; `actor` is who
/// asked (none for the retention job, which passes the extra event to publish with it).
pub async fn erase_person(
    state: &AppState,
    user_id: UserId,
    heir: UserId,
    actor: Option<UserId>,
    also_publish: Option<&SecurityEvent>,
    now: i64,
) -> Result<ErasureReport, ApiError> {
    // The person's own key first: from here on no copy of their fields opens anywhere (a
    // backup included), whatever happens next; a retry after a failure below is harmless.
    state.vault.keyring().subjects().shred(user_id, now).await?;
    // Nobody signs in as the tombstone: its password is random and never shown.
    let unusable = state.passwords.hash(uuid::Uuid::new_v4().to_string()).await?;
    let mut tx = state.db.begin().await?;
    let report = erase(&mut tx, user_id, heir, &unusable, now).await?;
    events::publish(&mut tx, &PiiUpdated { subject_id: user_id, fields: PiiField::ALL.to_vec(), actor_id: actor }, now)
        .await?;
    events::publish(&mut tx, &UserEvent::Deleted { user_id, actor_id: actor.unwrap_or(heir) }, now).await?;
    if let Some(event) = also_publish {
        events::publish(&mut tx, event, now).await?;
    }
    tx.commit().await?;
    state.hot.forget_sessions();
    state.hot.latest_removal.forget();
    if let Err(error) = state.db.purge_old_versions().await {
        // Readers may hold old pages a moment: the next checkpoint empties the log instead.
        tracing::warn!(%error, "write-ahead log not emptied after an erasure");
    }
    tracing::info!(%user_id, documents = report.documents_deleted, "person erased");
    Ok(report)
}

/// Make good erasures that one of the two stores missed because it was restored from a copy
/// older than them: a person with a tombstone in the key store but not erased in the database
/// is erased again (their fields no longer open anyway; their documents, enrolments and name
/// go now), and a person the database says was erased whose key is still in the key store has
/// it destroyed. Runs when the server starts, before it serves. Answers (erased again, keys
/// destroyed).
pub async fn reconcile(state: &AppState) -> Result<(usize, usize), ApiError> {
    let subjects = state.vault.keyring().subjects();
    let tombstones = subjects.erased().await?;
    let (live, erased): (Vec<UserId>, Vec<UserId>) = {
        let mut conn = state.db.pool.acquire().await?;
        let ids = |sql: &'static str| sqlx::query_scalar::<_, String>(sql);
        let live = ids("SELECT id FROM users WHERE erased_at IS NULL").fetch_all(&mut *conn).await?;
        let erased = ids("SELECT id FROM users WHERE erased_at IS NOT NULL").fetch_all(&mut *conn).await?;
        let parse = |ids: Vec<String>| ids.iter().filter_map(|id| id.parse().ok()).collect();
        (parse(live), parse(erased))
    };
    let now = state.clock.now();
    let erase_again: Vec<UserId> = live.into_iter().filter(|id| tombstones.contains(id)).collect();
    for user in &erase_again {
        let heir = {
            let mut conn = state.db.pool.acquire().await?;
            heir_of(&mut conn, *user).await?
        };
        erase_person(state, *user, heir, None, None, now).await?;
    }
    let shred_again: Vec<UserId> = erased.into_iter().filter(|id| !tombstones.contains(id)).collect();
    for user in &shred_again {
        subjects.shred(*user, now).await?;
    }
    if !erase_again.is_empty() || !shred_again.is_empty() {
        tracing::warn!(
            erased_again = erase_again.len(),
            keys_destroyed = shred_again.len(),
            "erasures made after this copy of the database (or of the key store) was taken were applied again"
        );
    }
    Ok((erase_again.len(), shred_again.len()))
}

/// Who holds what `user` authored once they are erased: their school's longest-standing active
/// educational admin, else (no admin left) the tombstone itself.
pub async fn heir_of(conn: &mut Conn, user: UserId) -> Result<UserId, ApiError> {
    let heir: Option<String> = sqlx::query_scalar(
        "SELECT a.id FROM users a JOIN users u ON a.school_id = u.school_id \
         WHERE u.id = $1 AND a.role = 'edu_admin' AND a.status = 'active' AND a.id <> u.id \
         ORDER BY a.created_at, a.id LIMIT 1",
    )
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(heir.and_then(|id| id.parse().ok()).unwrap_or(user))
}

async fn run(conn: &mut Conn, sql: &str, binds: &[&str]) -> Result<u64, ApiError> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for bind in binds {
        query = query.bind(bind.to_string());
    }
    Ok(query.execute(&mut *conn).await?.rows_affected())
}

/// Everything erasure changes, in the caller's transaction.
async fn erase(
    conn: &mut Conn,
    user: UserId,
    actor: UserId,
    unusable: &str,
    now: i64,
) -> Result<ErasureReport, ApiError> {
    let (user_s, actor_s) = (user.to_string(), actor.to_string());
    let (u, a) = (user_s.as_str(), actor_s.as_str());
    let progress = "SELECT id FROM documents WHERE owner_id = $1 AND kind = 'progress'";
    // Other devices that hold copies (a teacher's) delete them at their next sync.
    sqlx::query(
        "INSERT INTO doc_removals (doc_id, school_id, removed_at) \
         SELECT id, school_id, $2 FROM documents WHERE owner_id = $1 AND kind = 'progress' ORDER BY id",
    )
    .bind(u)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let changes_deleted = run(conn, &format!("DELETE FROM doc_changes WHERE doc_id IN ({progress})"), &[u]).await?;
    run(conn, &format!("DELETE FROM doc_snapshots WHERE doc_id IN ({progress})"), &[u]).await?;
    let media_released = run(conn, &format!("DELETE FROM media_refs WHERE doc_id IN ({progress})"), &[u]).await?;
    let documents_deleted = run(conn, "DELETE FROM documents WHERE owner_id = $1 AND kind = 'progress'", &[u]).await?;
    run(conn, "DELETE FROM manual_grades WHERE student_id = $1", &[u]).await?;
    let pii_fields_deleted = run(conn, "DELETE FROM pii_fields WHERE user_id = $1", &[u]).await?;
    run(conn, "DELETE FROM enrolments WHERE user_id = $1", &[u]).await?;
    run(conn, "DELETE FROM consents WHERE user_id = $1", &[u]).await?;
    // Only an erasure a hold did not stop gets here (one re-applied after a restore).
    run(conn, "DELETE FROM legal_holds WHERE user_id = $1", &[u]).await?;
    run(conn, "UPDATE consents SET recorded_by = $2 WHERE recorded_by = $1", &[u, a]).await?;
    run(conn, "DELETE FROM media_uploaders WHERE user_id = $1", &[u]).await?;
    run(conn, "DELETE FROM uploads WHERE user_id = $1", &[u]).await?;
    // A teacher's decks, texts, tests, keys and grades stay with the class: the admin holds them.
    let mut content_reassigned =
        run(conn, "UPDATE documents SET created_by = $2 WHERE created_by = $1", &[u, a]).await?;
    content_reassigned += run(conn, "UPDATE documents SET owner_id = $2 WHERE owner_id = $1", &[u, a]).await?;
    run(conn, "UPDATE doc_changes SET author_id = $2 WHERE author_id = $1", &[u, a]).await?;
    run(conn, "UPDATE answer_keys SET set_by = $2 WHERE set_by = $1", &[u, a]).await?;
    run(conn, "UPDATE manual_grades SET graded_by = $2 WHERE graded_by = $1", &[u, a]).await?;
    // The access log keeps its rows (and its chain): the person's id goes, their digest stays.
    run(conn, "UPDATE pii_access_log SET subject_id = NULL WHERE subject_id = $1", &[u]).await?;
    run(conn, "UPDATE pii_access_log SET actor_id = NULL WHERE actor_id = $1", &[u]).await?;
    // Every device that may still hold the account wipes it at its next contact; one that
    // signed out itself already deleted it.
    let sessions_wiped = sqlx::query(
        "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2), revoked_reason = $3, device_name = 'erased' \
         WHERE user_id = $1 AND (revoked_reason IS NULL OR revoked_reason NOT IN ('logout', $3))",
    )
    .bind(u)
    .bind(now)
    .bind(sessions::WIPE)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let tombstone = format!("erased-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    sqlx::query(
        "UPDATE users SET username = $2, status = 'disabled', password_hash = $3, password_kind = 'chosen', \
         access_epoch = access_epoch + 1, updated_at = $4, disabled_at = COALESCE(disabled_at, $4), erased_at = $4 \
         WHERE id = $1",
    )
    .bind(u)
    .bind(&tombstone)
    .bind(unusable)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(ErasureReport {
        user_id: user,
        documents_deleted,
        changes_deleted,
        pii_fields_deleted,
        sessions_wiped,
        content_reassigned,
        media_released,
    })
}
