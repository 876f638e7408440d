//! `POST /api/v1/sync`: one round of offline-first sync; `POST /api/v1/admin/compaction`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tallschool_shared::ErrorBody;
use tallschool_shared::policy::Action;
use tallschool_shared::sync::{self, MAX_CHANGES_PER_ROUND, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::compaction;
use super::store::{self, ParsedPush};
use crate::access::{TargetRef, authorize, authorize_caller};
use crate::app::AppState;
use crate::auth::{AuthUser, sessions};
use crate::error::{ApiError, ApiResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sync_round))
        .layer(DefaultBodyLimit::max(sync::MAX_BODY_BYTES))
        .routes(routes!(run_compaction))
}

/// One sync round: push unacknowledged changes, pull everything newer than the cursor.
/// Body and answer are MessagePack (`application/vnd.tallschool.sync+msgpack`); see
/// `tallschool_shared::sync` for the shapes.
#[utoipa::path(post, path = "/api/v1/sync", tag = "sync", security(("bearer" = [])),
    request_body(content = SyncRequest, content_type = "application/vnd.tallschool.sync+msgpack",
        description = "A SyncRequest encoded as MessagePack: maps with field names, ids as 16-byte bin, changes as bin"),
    responses(
        (status = 200, body = SyncResponse, content_type = "application/vnd.tallschool.sync+msgpack",
            description = "A SyncResponse encoded as MessagePack"),
        (status = 426, body = ErrorBody, description = "the client speaks an older sync protocol: update the app")))]
async fn sync_round(
    State(state): State<AppState>,
    actor: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let started = std::time::Instant::now();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with(sync::CONTENT_TYPE) {
        return Err(ApiError::UnsupportedMediaType);
    }
    authorize_caller(&actor, Action::Sync)?;
    // The decoder's message can quote the body: say only that it is not a sync message.
    let request: SyncRequest = sync::decode(&body)
        .map_err(|_| ApiError::InvalidBody("the body is not a MessagePack sync request".to_owned()))?;
    if request.protocol != PROTOCOL_VERSION {
        return Err(ApiError::UpgradeRequired(format!(
            "this server speaks sync protocol {PROTOCOL_VERSION}; update the app"
        )));
    }
    let total: usize = request.push.iter().map(|p| p.changes.len()).sum();
    if total > MAX_CHANGES_PER_ROUND {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut pushes = Vec::with_capacity(request.push.len());
    for push in request.push {
        let doc = push.meta.id;
        let mut changes = Vec::with_capacity(push.changes.len());
        for (index, bytes) in push.changes.into_iter().enumerate() {
            let change = automerge::Change::from_bytes(bytes.into_vec()).map_err(|_| {
                ApiError::InvalidBody(format!("document {doc}: change {index} is not a valid automerge change"))
            })?;
            changes.push(change);
        }
        pushes.push(ParsedPush { meta: push.meta, changes });
    }
    tracing::info!(user_id = %actor.id, docs = pushes.len(), changes = total, cursor = request.cursor, "sync round");
    let limits = store::SyncLimits {
        max_doc_bytes: state.settings.max_doc_bytes,
        page_changes: state.settings.sync_page_changes,
    };
    let content: Vec<_> = pushes.iter().filter(|p| p.meta.kind.is_content()).map(|p| p.meta.id).collect();
    let pushed = store::push(&state.db, &limits, &actor, pushes, state.clock.now()).await?;
    if !pushed.acks.is_empty() {
        state.hot.latest_seq.forget();
    }
    // Content that changed may show other media now: who may fetch what follows the documents.
    let changed: Vec<_> = content.into_iter().filter(|doc| pushed.acks.iter().any(|a| &a.doc == doc)).collect();
    let media_refusals = crate::media::registry::index_documents(&state.db, &state.hot, &changed).await;
    let pulled = store::pull(&state.db, &state.hot, &limits, &actor, request.cursor, request.epoch).await?;
    // Older apps do not ask (nor could they act on the answer).
    let (removed, removals_cursor) = match request.removals_seen {
        Some(seen) => store::removals(&state.db, &state.hot, &actor, seen).await?,
        None => (Vec::new(), 0),
    };
    let response = SyncResponse {
        acks: pushed.acks,
        rejections: pushed.rejections,
        docs: pulled.docs,
        cursor: pulled.cursor,
        epoch: pulled.epoch,
        has_more: pulled.has_more,
        remaining_changes: pulled.remaining,
        media_refusals,
        removed,
        removals_cursor,
    };
    let now = state.clock.now();
    if state.hot.sync_mark_due(actor.session_id, now, request.waiting) {
        // For the school's view of the device; the round stands whether or not it is written.
        if let Err(error) = sessions::record_sync(&state.db, actor.session_id, now, request.waiting).await {
            tracing::warn!(%error, "a device's last sync was not recorded");
        }
    }
    let bytes = sync::encode(&response).map_err(|e| ApiError::Internal(e.to_string()))?;
    let round = crate::telemetry::SyncRound {
        changes_in: total,
        changes_out: response.docs.iter().map(|d| d.changes.len()).sum(),
        bytes_in: body.len(),
        bytes_out: bytes.len(),
        waiting: request.waiting,
        started,
    };
    crate::telemetry::sync_round(&round, response.rejections.iter().map(|r| r.reason.as_str()));
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(sync::CONTENT_TYPE))], bytes).into_response())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct CompactionReport {
    /// Documents given a new snapshot.
    compacted: u64,
}

/// Compact documents' histories into snapshots now (it also runs in the background).
#[utoipa::path(post, path = "/api/v1/admin/compaction", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = CompactionReport), (status = 403, body = ErrorBody)))]
async fn run_compaction(State(state): State<AppState>, actor: AuthUser) -> ApiResult<Json<CompactionReport>> {
    {
        let mut conn = state.db.pool.acquire().await?;
        authorize(&mut conn, &actor, Action::RunCompaction, TargetRef::System).await?;
    }
    let work = compaction::run_once(&state.db, 1, state.clock.now());
    let (job, trigger) = (crate::jobs::Job::Compaction, crate::jobs::Trigger::Admin(actor.id));
    let summarize = |n: &u64| serde_json::json!({ "compacted": n });
    let compacted = crate::jobs::recorded(&state.db, &state.clock, job, trigger, work, summarize).await?;
    Ok(Json(CompactionReport { compacted }))
}
