//! The technical admin's page: is the server well, where are the personal-data keys, and the
//! server's jobs — each with a run button, its last run (by the schedule or an admin) and what
//! it did, and the history of runs.

use dioxus::prelude::*;
use serde_json::Value;
use tallschool_shared::api::{HealthView, JobRun, PiiKeysView, RunDigestRequest, SchoolView};
use tallschool_shared::dates::format_utc;

use super::{Body, Failure, Session};
use crate::t;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    Digests,
    Compaction,
    MediaGc,
    Retention,
    KeyRotation,
}

impl Job {
    const ALL: [Job; 5] = [Job::Digests, Job::Compaction, Job::MediaGc, Job::Retention, Job::KeyRotation];

    fn id(self) -> &'static str {
        match self {
            Job::Digests => "digests",
            Job::Compaction => "compaction",
            Job::MediaGc => "media-gc",
            Job::Retention => "retention",
            Job::KeyRotation => "key-rotation",
        }
    }

    fn name(self) -> String {
        match self {
            Job::Digests => t!("job-digests"),
            Job::Compaction => t!("job-compaction"),
            Job::MediaGc => t!("job-media-gc"),
            Job::Retention => t!("job-retention"),
            Job::KeyRotation => t!("job-key-rotation"),
        }
    }

    fn about(self) -> String {
        match self {
            Job::Digests => t!("job-digests-about"),
            Job::Compaction => t!("job-compaction-about"),
            Job::MediaGc => t!("job-media-gc-about"),
            Job::Retention => t!("job-retention-about"),
            Job::KeyRotation => t!("job-key-rotation-about"),
        }
    }

    /// The names the server records its runs under.
    fn recorded_as(self) -> &'static [&'static str] {
        match self {
            Job::Digests => &["digests"],
            Job::Compaction => &["compaction"],
            Job::MediaGc => &["media_gc"],
            Job::Retention => &["retention"],
            Job::KeyRotation => &["key_rotation", "reencryption"],
        }
    }

    fn named(recorded: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|job| job.recorded_as().contains(&recorded))
    }

    /// Run it once now; its report.
    async fn run(self, session: Session) -> Result<Value, String> {
        let post = |path: &'static str| async move {
            session.call::<Value>("POST", path, || Body::Json("{}".to_owned())).await.map_err(|f| f.message)
        };
        match self {
            Job::Compaction => post("/api/v1/admin/compaction").await,
            Job::MediaGc => post("/api/v1/admin/media-gc").await,
            Job::Retention => post("/api/v1/admin/retention").await,
            Job::KeyRotation => post("/api/v1/admin/pii-keys/rotate").await,
            Job::Digests => {
                let schools = session
                    .call::<Vec<SchoolView>>("GET", "/api/v1/schools", || Body::None)
                    .await
                    .map_err(|f| f.message)?;
                let mut done = serde_json::Map::new();
                for school in schools {
                    let path = format!("/api/v1/schools/{}/digests", school.id);
                    let report = session
                        .call::<Value>("POST", &path, || Body::json(&RunDigestRequest::default()))
                        .await
                        .map_err(|f| f.message)?;
                    done.insert(school.name, report);
                }
                Ok(Value::Object(done))
            }
        }
    }
}

/// A report as short lines ("deleted_rows: 12"), nested reports flattened with dots, lists
/// counted, times as dates.
pub fn report_lines(value: &Value) -> Vec<String> {
    fn walk(prefix: &str, value: &Value, lines: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    walk(&name, inner, lines);
                }
            }
            Value::Array(items) => lines.push(format!("{prefix}: {}", items.len())),
            // Times are Unix seconds in reports: shown as dates.
            Value::Number(at) if prefix.ends_with("_at") || prefix.ends_with("_since") || prefix.ends_with("_of") => {
                let at = at.as_i64().map(tallschool_shared::dates::format_utc).unwrap_or_else(|| at.to_string());
                lines.push(format!("{prefix}: {at}"));
            }
            Value::String(text) => lines.push(format!("{prefix}: {text}")),
            other => lines.push(format!("{prefix}: {other}")),
        }
    }
    let mut lines = Vec::new();
    walk("", value, &mut lines);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_read_as_lines() {
        let report = serde_json::json!({"moved": 3, "retired": ["dek-1", "dek-2"], "finished_at": 0,
            "by_school": {"North": {"digests": 2}}, "error": null, "week_of": 604_800});
        assert_eq!(
            report_lines(&report),
            [
                "by_school.North.digests: 2",
                "error: null",
                "finished_at: 1970-01-01 00:00 UTC",
                "moved: 3",
                "retired: 2",
                "week_of: 1970-01-08 00:00 UTC"
            ]
        );
    }
}

#[component]
pub fn Operations() -> Element {
    let session = use_context::<Session>();
    let mut version = use_signal(|| 0_u32);
    let health = use_resource(move || async move {
        let _ = version();
        let ready = super::api::call::<HealthView>("GET", "/readyz", None, Body::None).await;
        let keys = session.call::<PiiKeysView>("GET", "/api/v1/admin/pii-keys", || Body::None).await;
        let runs = session.call::<Vec<JobRun>>("GET", "/api/v1/admin/jobs", || Body::None).await;
        (ready, keys, runs.unwrap_or_default())
    });
    let mut results = use_signal(Vec::<(Job, Result<Value, String>)>::new);
    let mut running = use_signal(|| None::<Job>);
    let run = move |job: Job| async move {
        running.set(Some(job));
        let result = job.run(session).await;
        running.set(None);
        results.write().retain(|(j, _)| *j != job);
        results.write().push((job, result));
        *version.write() += 1;
    };
    let status = health.read().clone();
    let runs: Vec<JobRun> = status.as_ref().map(|(_, _, runs)| runs.clone()).unwrap_or_default();
    let last_of = |job: Job| runs.iter().find(|run| job.recorded_as().contains(&run.job.as_str())).cloned();
    rsx! {
        section { class: "card", id: "server-health",
            h2 { {t!("admin-server")} }
            match status {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some((ready, keys, _)) => rsx! {
                    dl { class: "facts",
                        dt { {t!("admin-database")} }
                        dd { id: "database-state",
                            match &ready {
                                Ok(health) => rsx! { span { class: "ok", "{health.status}" } },
                                Err(f) => rsx! { span { class: "bad", "{f.message}" } },
                            }
                        }
                        dt { {t!("admin-server-version")} }
                        dd { id: "server-version", {ready.as_ref().map(|h| h.version.clone()).unwrap_or_default()} }
                        dt { {t!("admin-pii-keys")} }
                        dd { id: "pii-keys",
                            match keys {
                                Ok(keys) => rsx! { {t!("admin-pii-keys-state", provider = keys.provider.clone(), keys = keys.keys.len(),
                                    people = keys.person_keys, destroyed = keys.person_keys_destroyed, behind = keys.fields_behind)} },
                                Err(f) => rsx! { span { class: "bad", "{f.message}" } },
                            }
                        }
                    }
                },
            }
        }
        section { class: "card", id: "jobs",
            h2 { {t!("admin-jobs")} }
            ul { class: "jobs",
                for job in Job::ALL {
                    li { key: "{job.id()}", id: "job-{job.id()}",
                        div { class: "job-head",
                            div {
                                h3 { {job.name()} }
                                p { class: "muted", {job.about()} }
                            }
                            button { class: "secondary", id: "run-{job.id()}", disabled: running().is_some(), onclick: move |_| run(job),
                                if running() == Some(job) { {t!("admin-running")} } else { {t!("admin-run")} }
                            }
                        }
                        if let Some(last) = last_of(job) {
                            LastRun { run: last }
                        } else {
                            p { class: "last-run muted", {t!("job-never-run")} }
                        }
                        for (_, result) in results.read().iter().filter(|(j, _)| *j == job) {
                            match result {
                                Ok(report) => rsx! {
                                    ul { class: "report", "data-job-done": "{job.id()}",
                                        for line in report_lines(report) { li { "{line}" } }
                                    }
                                },
                                Err(message) => rsx! { Failure { failure: Some(message.clone()) } },
                            }
                        }
                    }
                }
            }
        }
        History { runs }
    }
}

fn outcome_label(outcome: &str) -> String {
    match outcome {
        "ok" => t!("job-ok"),
        "failed" => t!("job-failed"),
        _ => t!("job-running-or-cut"),
    }
}

fn by_label(run: &JobRun) -> String {
    match run.actor_username.clone() {
        Some(who) if run.trigger == "admin" => who,
        _ => t!("job-by-schedule"),
    }
}

/// A job's last run as the server recorded it.
#[component]
fn LastRun(run: JobRun) -> Element {
    let failed = run.outcome == "failed";
    rsx! {
        p { class: "last-run", "data-last-outcome": "{run.outcome}",
            {t!("job-last-run", at = format_utc(run.started_at), by = by_label(&run))} " · "
            span { class: if failed { "bad" } else if run.outcome == "ok" { "ok" } else { "muted" }, {outcome_label(&run.outcome)} }
        }
        if failed {
            p { class: "error", {report_lines(&run.report).join("; ")} }
        }
    }
}

/// Every recorded run, newest first, a page at a time.
#[component]
fn History(runs: Vec<JobRun>) -> Element {
    let mut page = use_signal(|| 0_usize);
    let size = super::table::PAGE_SIZE;
    let pages = runs.len().div_ceil(size).max(1);
    let current = page().min(pages - 1);
    let shown: Vec<JobRun> = runs.iter().skip(current * size).take(size).cloned().collect();
    rsx! {
        section { class: "card admin-wide", id: "job-history",
            h2 { {t!("job-history")} " " span { class: "muted", "{runs.len()}" } }
            table {
                thead { tr {
                    th { {t!("job-name")} } th { {t!("job-started")} } th { {t!("job-took")} } th { {t!("job-by")} } th { {t!("job-server")} } th { {t!("job-outcome")} } th { {t!("job-report")} }
                } }
                tbody {
                    for run in shown {
                        tr { key: "{run.id}", "data-job": "{run.job}", class: if run.outcome == "failed" { "refused" } else { "" },
                            td { {Job::named(&run.job).map_or_else(|| run.job.clone(), Job::name)} }
                            td { {format_utc(run.started_at)} }
                            td { {run.finished_at.map_or_else(|| "—".to_owned(), |end| format!("{} s", end - run.started_at))} }
                            td { {by_label(&run)} }
                            td { class: "muted", {run.replica.clone().unwrap_or_default()} }
                            td { {outcome_label(&run.outcome)} }
                            td { class: "muted", {report_lines(&run.report).join(" · ")} }
                        }
                    }
                }
            }
            super::people::Pager { page: current, pages, on_page: move |p| page.set(p) }
        }
    }
}
