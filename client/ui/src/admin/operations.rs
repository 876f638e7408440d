//! The technical admin's page: is the server well, where are the personal-data keys, and the
//! server's jobs — each with a run button and what its last run (from here) did.

use dioxus::prelude::*;
use serde_json::Value;
use tallschool_shared::api::{HealthView, PiiKeysView, RunDigestRequest, SchoolView};

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
            Value::Number(at) if prefix.ends_with("_at") || prefix.ends_with("_since") => {
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
            "by_school": {"North": {"digests": 2}}, "error": null});
        assert_eq!(
            report_lines(&report),
            [
                "by_school.North.digests: 2",
                "error: null",
                "finished_at: 1970-01-01 00:00 UTC",
                "moved: 3",
                "retired: 2"
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
        (ready, keys)
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
    rsx! {
        section { class: "card", id: "server-health",
            h2 { {t!("admin-server")} }
            match status {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some((ready, keys)) => rsx! {
                    dl { class: "facts",
                        dt { {t!("admin-database")} }
                        dd { id: "database-state",
                            match ready {
                                Ok(health) => rsx! { span { class: "ok", "{health.status}" } },
                                Err(f) => rsx! { span { class: "bad", "{f.message}" } },
                            }
                        }
                        dt { {t!("admin-pii-keys")} }
                        dd { id: "pii-keys",
                            match keys {
                                Ok(keys) => rsx! { {t!("admin-pii-keys-state", provider = keys.provider.clone(), keys = keys.keys.len(), behind = keys.fields_behind)} },
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
    }
}
