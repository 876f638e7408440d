//! Prometheus metrics (`GET /metrics`, text format): requests per route template, sync rounds,
//! jobs, sign-in failures, media served, the outbox, the database pool and the data folder's
//! disk. Off unless `--metrics-bind` (a separate, internal address) or `--metrics-token` (the
//! main address, with `Authorization: Bearer TOKEN`) is set: metrics are never public by
//! default. Every name the server exports is a constant here; `deploy/` (alert rules, the
//! Grafana board) uses only these, which a test checks against a live scrape.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;

use crate::app::AppState;

pub const HTTP_REQUESTS: &str = "tallschool_http_requests_total";
pub const HTTP_DURATION: &str = "tallschool_http_request_duration_seconds";
pub const SYNC_ROUNDS: &str = "tallschool_sync_rounds_total";
pub const SYNC_DURATION: &str = "tallschool_sync_round_duration_seconds";
pub const SYNC_CHANGES_IN: &str = "tallschool_sync_changes_received_total";
pub const SYNC_CHANGES_OUT: &str = "tallschool_sync_changes_sent_total";
pub const SYNC_BYTES_IN: &str = "tallschool_sync_bytes_received_total";
pub const SYNC_BYTES_OUT: &str = "tallschool_sync_bytes_sent_total";
pub const SYNC_REFUSALS: &str = "tallschool_sync_refusals_total";
pub const DEVICES_WAITING_CHANGES: &str = "tallschool_sync_waiting_changes";
pub const OUTBOX_PENDING: &str = "tallschool_outbox_pending_events";
pub const OUTBOX_LAG: &str = "tallschool_outbox_lag_seconds";
pub const JOB_RUNS: &str = "tallschool_job_runs_total";
pub const JOB_DURATION: &str = "tallschool_job_duration_seconds";
pub const JOB_LAST_SUCCESS: &str = "tallschool_job_last_success_timestamp_seconds";
pub const DB_CONNECTIONS: &str = "tallschool_db_pool_connections";
pub const DB_MAX_CONNECTIONS: &str = "tallschool_db_pool_max_connections";
pub const MEDIA_BYTES_SERVED: &str = "tallschool_media_bytes_served_total";
pub const SIGN_IN_FAILURES: &str = "tallschool_sign_in_failures_total";
pub const THROTTLED: &str = "tallschool_throttled_total";
pub const REFUSED: &str = "tallschool_requests_refused_total";
pub const DISK_FREE: &str = "tallschool_data_disk_free_bytes";
pub const DISK_SIZE: &str = "tallschool_data_disk_size_bytes";
pub const BUILD_INFO: &str = "tallschool_build_info";

/// Every metric the server exports.
pub const ALL: &[&str] = &[
    HTTP_REQUESTS,
    HTTP_DURATION,
    SYNC_ROUNDS,
    SYNC_DURATION,
    SYNC_CHANGES_IN,
    SYNC_CHANGES_OUT,
    SYNC_BYTES_IN,
    SYNC_BYTES_OUT,
    SYNC_REFUSALS,
    DEVICES_WAITING_CHANGES,
    OUTBOX_PENDING,
    OUTBOX_LAG,
    JOB_RUNS,
    JOB_DURATION,
    JOB_LAST_SUCCESS,
    DB_CONNECTIONS,
    DB_MAX_CONNECTIONS,
    MEDIA_BYTES_SERVED,
    SIGN_IN_FAILURES,
    THROTTLED,
    REFUSED,
    DISK_FREE,
    DISK_SIZE,
    BUILD_INFO,
];

/// Latency buckets (seconds) for requests and sync rounds.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// Job durations: a second to an hour.
const JOB_BUCKETS: &[f64] = &[0.1, 1.0, 10.0, 60.0, 300.0, 900.0, 3600.0];
/// Changes a device still holds after a round.
const WAITING_BUCKETS: &[f64] = &[0.0, 1.0, 10.0, 100.0, 1000.0, 10000.0];

/// The process's recorder, installed once (metrics are process-wide; a second server in the
/// same process, as in tests, shares it).
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(JOB_DURATION.to_owned()), JOB_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(DEVICES_WAITING_CHANGES.to_owned()), WAITING_BUCKETS)
                })
                .and_then(|b| b.set_buckets(LATENCY_BUCKETS));
            let recorder = match builder {
                Ok(builder) => builder.build_recorder(),
                Err(error) => {
                    tracing::warn!(%error, "metric buckets not set; histograms become summaries");
                    PrometheusBuilder::new().build_recorder()
                }
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            describe_and_start_at_zero();
            handle
        })
        .clone()
}

/// Say what each metric means, and make the counters exist from the start at 0, so that a
/// rate over them is 0 rather than absent (an absent series never alerts).
fn describe_and_start_at_zero() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "Requests answered, by method, route template and status");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to answer a request, by method and route template");
    describe_counter!(SYNC_ROUNDS, "Sync rounds answered");
    describe_histogram!(SYNC_DURATION, Unit::Seconds, "Time to answer a sync round");
    describe_counter!(SYNC_CHANGES_IN, "Document changes devices sent");
    describe_counter!(SYNC_CHANGES_OUT, "Document changes sent to devices");
    describe_counter!(SYNC_BYTES_IN, Unit::Bytes, "Sync request bytes received");
    describe_counter!(SYNC_BYTES_OUT, Unit::Bytes, "Sync answer bytes sent");
    describe_counter!(SYNC_REFUSALS, "Documents whose pushed changes were refused, by reason");
    describe_histogram!(DEVICES_WAITING_CHANGES, "Changes a device said it still held beyond a sync round");
    describe_gauge!(OUTBOX_PENDING, "Events in the outbox not yet exported");
    describe_gauge!(OUTBOX_LAG, Unit::Seconds, "Age of the oldest event not yet exported (0: none waits)");
    describe_counter!(JOB_RUNS, "Job runs, by task and outcome");
    describe_histogram!(JOB_DURATION, Unit::Seconds, "Job run durations, by task");
    describe_gauge!(JOB_LAST_SUCCESS, Unit::Seconds, "When each task last ended well (Unix time)");
    describe_gauge!(DB_CONNECTIONS, "Database pool connections, by state (idle, in_use)");
    describe_gauge!(DB_MAX_CONNECTIONS, "The database pool's size limit");
    describe_counter!(MEDIA_BYTES_SERVED, Unit::Bytes, "Media bytes sent to devices");
    describe_counter!(SIGN_IN_FAILURES, "Wrong passwords (sign-in and password confirmations)");
    describe_counter!(THROTTLED, "Sign-ins and refreshes refused for repeated failures, by kind");
    describe_counter!(REFUSED, "Requests refused before their handler, by reason");
    describe_gauge!(DISK_FREE, Unit::Bytes, "Free space on the data folder's disk");
    describe_gauge!(DISK_SIZE, Unit::Bytes, "Size of the data folder's disk");
    describe_gauge!(BUILD_INFO, "The server's version (value 1)");
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    for name in [
        SYNC_ROUNDS,
        SYNC_CHANGES_IN,
        SYNC_CHANGES_OUT,
        SYNC_BYTES_IN,
        SYNC_BYTES_OUT,
        MEDIA_BYTES_SERVED,
        SIGN_IN_FAILURES,
    ] {
        counter!(name).increment(0);
    }
    for reason in ["forbidden", "invalid_meta", "unknown_dependencies", "personal_data"] {
        counter!(SYNC_REFUSALS, "reason" => reason).increment(0);
    }
    for kind in ["sign_in", "refresh"] {
        counter!(THROTTLED, "kind" => kind).increment(0);
    }
    for reason in ["overloaded", "rate_limited", "upgrade_required"] {
        counter!(REFUSED, "reason" => reason).increment(0);
    }
    for task in crate::jobs::Job::ALL {
        for outcome in ["ok", "failed"] {
            counter!(JOB_RUNS, "task" => task.as_str(), "outcome" => outcome).increment(0);
        }
    }
}

/// Keep the recorder's histograms bounded (they are drained at this pace).
pub fn spawn_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    });
}

/// Middleware: count each request and time it by method, route template and status.
/// Requests answered before routing (overload, a missing token) count under `unrouted`.
pub async fn track(request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    // The router leaves the matched template on the response (`http::record_route`).
    let route = response
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unrouted".to_owned(), |matched| matched.as_str().to_owned());
    let status = response.status().as_u16().to_string();
    let elapsed = started.elapsed().as_secs_f64();
    histogram!(HTTP_DURATION, "method" => method.clone(), "route" => route.clone()).record(elapsed);
    counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status).increment(1);
    response
}

/// One sync round that was answered.
pub struct SyncRound {
    pub changes_in: usize,
    pub changes_out: usize,
    pub bytes_in: usize,
    pub bytes_out: usize,
    pub waiting: u64,
    pub started: Instant,
}

pub fn sync_round(round: &SyncRound, refusals: impl Iterator<Item = &'static str>) {
    counter!(SYNC_ROUNDS).increment(1);
    counter!(SYNC_CHANGES_IN).increment(round.changes_in as u64);
    counter!(SYNC_CHANGES_OUT).increment(round.changes_out as u64);
    counter!(SYNC_BYTES_IN).increment(round.bytes_in as u64);
    counter!(SYNC_BYTES_OUT).increment(round.bytes_out as u64);
    histogram!(SYNC_DURATION).record(round.started.elapsed().as_secs_f64());
    for reason in refusals {
        counter!(SYNC_REFUSALS, "reason" => reason).increment(1);
    }
    histogram!(DEVICES_WAITING_CHANGES).record(round.waiting as f64);
}

/// A job's run: labelled `task` (Prometheus's own `job` label names the scrape target).
pub fn job_finished(job: &'static str, ok: bool, took: Duration, at: i64) {
    let outcome = if ok { "ok" } else { "failed" };
    counter!(JOB_RUNS, "task" => job, "outcome" => outcome).increment(1);
    histogram!(JOB_DURATION, "task" => job).record(took.as_secs_f64());
    if ok {
        gauge!(JOB_LAST_SUCCESS, "task" => job).set(at as f64);
    }
}

pub fn media_served(bytes: u64) {
    counter!(MEDIA_BYTES_SERVED).increment(bytes);
}

pub fn sign_in_failed() {
    counter!(SIGN_IN_FAILURES).increment(1);
}

/// A sign-in or refresh refused for repeated failures (`sign_in`, `refresh`).
pub fn throttled(kind: &'static str) {
    counter!(THROTTLED, "kind" => kind).increment(1);
}

/// A request refused before its handler: `overloaded`, `rate_limited`, `upgrade_required`.
pub fn refused(reason: &'static str) {
    counter!(REFUSED, "reason" => reason).increment(1);
}

/// Gauges read at scrape time: the outbox, the pool, the disk.
async fn refresh_gauges(state: &AppState) {
    match crate::events::backlog(&state.db, state.clock.now()).await {
        Ok(backlog) => {
            gauge!(OUTBOX_PENDING).set(backlog.pending as f64);
            // Without an exporter events are not meant to leave: no lag to alert on.
            let lag = if state.settings.nats_url.is_some() { backlog.lag_secs } else { 0 };
            gauge!(OUTBOX_LAG).set(lag as f64);
        }
        Err(error) => tracing::warn!(%error, "outbox backlog not measured"),
    }
    let pool = &state.db.pool;
    let idle = pool.num_idle() as f64;
    gauge!(DB_CONNECTIONS, "state" => "idle").set(idle);
    gauge!(DB_CONNECTIONS, "state" => "in_use").set(f64::from(pool.size()) - idle);
    gauge!(DB_MAX_CONNECTIONS).set(f64::from(pool.options().get_max_connections()));
    match rustix::fs::statvfs(&state.settings.data_dir) {
        Ok(fs) => {
            gauge!(DISK_FREE).set((fs.f_bavail * fs.f_frsize) as f64);
            gauge!(DISK_SIZE).set((fs.f_blocks * fs.f_frsize) as f64);
        }
        Err(error) => tracing::warn!(%error, "data folder's disk not measured"),
    }
}

async fn render(state: &AppState) -> Response {
    let Some(handle) = &state.metrics else {
        return crate::error::ApiError::NotFound.into_response();
    };
    refresh_gauges(state).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response()
}

/// `GET /metrics` on the main address: only with the configured token.
pub async fn metrics_with_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.settings.metrics_token else {
        return crate::error::ApiError::NotFound.into_response();
    };
    let sent = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let expected = token.expose_secret().as_bytes();
    let matches = sent.is_some_and(|sent| {
        use subtle::ConstantTimeEq as _;
        sent.len() == expected.len() && bool::from(sent.as_bytes().ct_eq(expected))
    });
    if !matches {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics need the metrics token\n")
            .into_response();
    }
    render(&state).await
}

/// `GET /metrics` on the separate metrics address (reachable only where it is bound).
async fn metrics_open(State(state): State<AppState>) -> Response {
    render(&state).await
}

/// Serve `/metrics` alone on `listener` (the `--metrics-bind` address).
pub fn spawn_listener(listener: tokio::net::TcpListener, state: AppState) {
    let app = axum::Router::new().route("/metrics", axum::routing::get(metrics_open)).with_state(state);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
}
