//! Assembling the server: state, router, layers, and the listener.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use tallschool_shared::api::HealthView;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::admission::Admission;
use crate::audit::AuditLog;
use crate::auth::password::PasswordHasher;
use crate::auth::throttle::SignInThrottle;
use crate::auth::tokens::{SigningKeys, TokenService};
use crate::clock::Clock;
use crate::config::{LogFormat, Settings};
use crate::db::Db;
use crate::error::ApiError;
use crate::keys::{self, KeyLength};
use crate::pii::PiiVault;
use crate::pii::kek::{KekError, KekSource};
use crate::pii::keyring::Keyring;
use crate::pii::subject_keys::SubjectKeys;
use crate::{auth, demo, directory, documents, http, learning, media, pii};

/// Largest request body any route accepts (413 above it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Sign-in bodies are tiny; a smaller cap keeps hashing work bounded.
pub const MAX_AUTH_BODY_BYTES: usize = 16 * 1024;

/// The body limit of a path: sync rounds carry documents' changes, media uploads are streamed
/// to disk by their handlers with per-kind caps (`None`), everything else is small.
pub fn body_limit(path: &str) -> Option<usize> {
    if media::routes::streams_body(path) {
        None
    } else if path.starts_with("/api/v1/schools/") && path.ends_with(directory::import::IMPORT_PATH_SUFFIX) {
        Some(directory::import::MAX_FILE_BYTES)
    } else if path == documents::SYNC_PATH {
        Some(tallschool_shared::sync::MAX_BODY_BYTES)
    } else {
        Some(MAX_BODY_BYTES)
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub tokens: Arc<TokenService>,
    pub passwords: PasswordHasher,
    pub vault: Arc<PiiVault>,
    pub audit: Arc<AuditLog>,
    pub throttle: Arc<SignInThrottle>,
    pub admission: Arc<Admission>,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    pub hot: Arc<crate::hot::HotCache>,
    pub media: Arc<crate::media::store::MediaStore>,
    /// The metrics recorder, when metrics are served (`--metrics-bind`, `--metrics-token`).
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error("pii key provider: {0}")]
    Kek(#[from] KekError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("demo school: {0}")]
    Demo(String),
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("startup: {0}")]
    Other(String),
}

impl AppState {
    /// Connect, migrate and load keys.
    pub async fn open(settings: Settings) -> Result<AppState, StartError> {
        Self::open_with_clock(settings, Clock::system()).await
    }

    /// Like [`AppState::open`], with time read from `clock` (tests move a manual clock).
    pub async fn open_with_clock(settings: Settings, clock: Clock) -> Result<AppState, StartError> {
        create_private_dir(&settings.data_dir)?;
        let db = Db::connect(&settings.database_url).await?;
        db.migrate().await?;
        let keys_dir = settings.keys_dir();
        let signing = auth::signing_keys::load(&settings)?;
        let keks = KekSource::open(&settings.pii_keys, &keys_dir, true).await?;
        let subjects = SubjectKeys::open(&settings.pii_keys.subject_keys_url).await?;
        let keyring = Keyring::new(keks, subjects, settings.pii_keys.cache, settings.pii_keys.max_encryptions);
        let audit_key = keys::load_or_create(
            "audit_key",
            settings.audit_key.as_ref(),
            &keys_dir.join(crate::audit::KEY_FILE),
            KeyLength::Exactly(crate::audit::KEY_LEN),
            "audit",
        )?;
        let audit = Arc::new(AuditLog::new(audit_key));
        audit.seal_unchained(&db).await.map_err(|e| StartError::Other(format!("audit log: {e}")))?;
        let passwords = PasswordHasher::new().map_err(|e| StartError::Other(e.to_string()))?;
        let media = media::store::MediaStore::open(&settings.media)
            .await
            .map_err(|e| StartError::Other(format!("media store: {e} ({e:?})")))?;
        let metrics =
            (settings.metrics_bind.is_some() || settings.metrics_token.is_some()).then(crate::telemetry::recorder);
        Ok(AppState {
            metrics,
            db,
            tokens: Arc::new(TokenService::with_keys(
                &SigningKeys {
                    current: &signing.current,
                    pending: signing.pending.as_ref(),
                    previous: signing.previous.as_ref().map(|(key, at)| (key, *at)),
                },
                settings.access_token_ttl_secs,
            )),
            passwords,
            vault: Arc::new(PiiVault::new(keyring, audit.clone())),
            audit,
            throttle: Arc::new(SignInThrottle::new(&settings.throttle)),
            admission: Arc::new(Admission::new(&settings.admission)),
            clock,
            settings: Arc::new(settings),
            hot: Arc::default(),
            media: Arc::new(media),
        })
    }
}

/// The data directory holds the database, keys and demo logins: readable by the server only.
fn create_private_dir(dir: &std::path::Path) -> Result<(), StartError> {
    use std::os::unix::fs::PermissionsExt;
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| StartError::Other(format!("cannot create {}: {e}", dir.display())))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| StartError::Other(format!("cannot restrict {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// The API routes and their OpenAPI document, both generated from the handlers.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let auth_routes = auth::routes::router().layer(DefaultBodyLimit::max(MAX_AUTH_BODY_BYTES));
    let (router, mut openapi) = OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(auth_routes)
        .merge(directory::routes::router())
        .merge(pii::routes::router())
        .merge(documents::routes::router())
        .merge(learning::routes::router())
        .merge(media::routes::router())
        .merge(crate::retention::router())
        .merge(crate::erasure::router())
        .merge(crate::legal_hold::router())
        .merge(crate::export::router())
        .merge(crate::consent::router())
        .merge(crate::break_glass::router())
        .merge(crate::monitoring::router())
        .merge(crate::jobs::router())
        .merge(crate::directory::authorization::router())
        .split_for_parts();
    crate::openapi::complete(&mut openapi);
    (router, openapi)
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api();
    let openapi = Arc::new(openapi);
    let request_id = HeaderName::from_static("x-request-id");
    let headers = http::SecurityHeaders::new(&state.settings);
    let cors = http::cors(&state.settings.cors_allowed_origins);
    let gate = axum::middleware::from_fn_with_state(state.clone(), crate::admission::gate);
    let metrics = state.metrics.is_some();
    Router::new()
        .merge(api)
        .route("/api/v1/openapi.json", get(move || {
            let openapi = openapi.clone();
            async move { Json(openapi.as_ref().clone()) }
        }))
        .merge(crate::web_app::router(&state.settings.web_dir))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::telemetry::metrics_with_token))
        // Logs name the route template, never the path as sent (it could carry anything).
        .route_layer(axum::middleware::from_fn(http::record_route))
        .fallback(http::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        // Outermost last: request-id check → request id → trace → security headers → JSON errors
        // → panic guard → CORS → compression → decompression → admission (token checked from
        // the headers, before any body byte is read) → body cap.
        .layer(axum::middleware::from_fn(http::cap_body))
        .layer(gate)
        // Outside the cap, so that the cap counts decompressed bytes (no zip bombs).
        .layer(tower_http::decompression::RequestDecompressionLayer::new())
        // Media is already compressed, and a compressed range would not be the range asked for.
        .layer(tower_http::compression::CompressionLayer::new().compress_when({
            use tower_http::compression::Predicate as _;
            tower_http::compression::predicate::DefaultPredicate::new()
                .and(tower_http::compression::predicate::NotForContentType::const_new("image/"))
                .and(tower_http::compression::predicate::NotForContentType::const_new("audio/"))
                .and(tower_http::compression::predicate::NotForContentType::const_new("video/"))
        }))
        .layer(tower::util::option_layer(cors))
        .layer(CatchPanicLayer::custom(http::panic_response))
        .layer(axum::middleware::from_fn(http::json_errors))
        .layer(axum::middleware::from_fn_with_state(headers, http::security_headers))
        // Only when metrics are served: otherwise no request pays for them.
        .layer(tower::util::option_layer(metrics.then(|| axum::middleware::from_fn(crate::telemetry::track))))
        // One line per request (method, route template, status, latency); never the path as
        // sent, the query or any header.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let request_id =
                        request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), route = tracing::field::Empty, request_id = %request_id)
                })
                .on_request(())
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(axum::middleware::from_fn(http::untrusted_request_id))
}

async fn healthz() -> Json<HealthView> {
    Json(HealthView { status: "ok".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() })
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        let health = HealthView { status: "ready".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() };
        (StatusCode::OK, Json(health)).into_response()
    } else {
        ApiError::Unavailable("database not reachable".to_owned()).into_response()
    }
}

/// Open everything, seed the demo school if asked, listen, and serve until Ctrl-C / SIGTERM.
pub async fn run(settings: Settings) -> Result<(), StartError> {
    let bind = settings.bind;
    let demo = settings.demo;
    let state = AppState::open(settings).await?;
    let listener = TcpListener::bind(bind).await.map_err(|source| StartError::Bind { addr: bind, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: bind, source })?;
    if demo {
        demo::seed_and_announce(&state, addr).await.map_err(|e| StartError::Demo(e.to_string()))?;
    }
    serve(listener, state).await
}

/// Serve on an already bound listener (tests bind port 0 themselves).
pub async fn serve(listener: TcpListener, state: AppState) -> Result<(), StartError> {
    let addr = listener.local_addr().map_err(StartError::Serve)?;
    // Before serving: a database or key store restored from an older copy must not serve
    // anyone erased since.
    crate::erasure::reconcile(&state)
        .await
        .map_err(|e| StartError::Other(format!("re-applying erasures: {e} ({e:?})")))?;
    if let Some(schedule) = state.settings.digest_schedule.clone() {
        learning::digest::spawn(state.db.clone(), state.clock.clone(), schedule);
    }
    media::gc::spawn(state.clone(), Duration::from_secs(state.settings.media.gc_interval_secs));
    documents::compaction::spawn(
        state.db.clone(),
        state.clock.clone(),
        Duration::from_secs(state.settings.compaction_interval_secs),
        state.settings.compaction_min_changes,
    );
    crate::admission::spawn_upkeep(state.clone());
    crate::retention::spawn(state.clone());
    pii::rotation::spawn(
        state.db.clone(),
        state.vault.clone(),
        state.clock.clone(),
        state.settings.pii_keys.reencrypt_interval,
    );
    if let Some(handle) = state.metrics.clone() {
        crate::telemetry::spawn_upkeep(handle);
    }
    if let Some(bind) = state.settings.metrics_bind {
        let listener = TcpListener::bind(bind).await.map_err(|source| StartError::Bind { addr: bind, source })?;
        let metrics_addr = listener.local_addr().map_err(StartError::Serve)?;
        crate::telemetry::spawn_listener(listener, state.clone());
        tracing::info!(addr = %metrics_addr, "metrics listening");
        #[allow(clippy::print_stdout)]
        {
            println!("metrics on http://{metrics_addr}/metrics");
        }
    }
    if let Some(url) = &state.settings.nats_url {
        use secrecy::ExposeSecret as _;
        let sink = crate::events::nats::NatsSink::connect(url.expose_secret(), &state.settings.nats_stream)
            .await
            .map_err(|e| StartError::Other(e.to_string()))?;
        crate::events::export::spawn(state.db.clone(), state.clock.clone(), sink);
    }
    tracing::info!(%addr, "listening");
    // The line scripts and tests wait for; printed on stdout, not only in the JSON log.
    #[allow(clippy::print_stdout)]
    {
        println!("listening on http://{addr}");
    }
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // No Nagle delay: a small response's headers and body go out at once, not 40 ms apart.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(StartError::Serve)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
}

/// JSON logs by default (one object per line, to stderr), human-readable with `pretty`.
pub fn init_tracing(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TALLSCHOOL_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match settings.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
