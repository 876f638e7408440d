//! The technical admin's security page: security events across schools (wrong passwords,
//! throttling, refresh tokens presented twice, refused reads of personal data, break-glass
//! grants, erasures by retention), and a school's access log — ids, usernames and addresses,
//! never personal data.

use dioxus::prelude::*;
use tallschool_shared::SchoolId;
use tallschool_shared::api::{SchoolView, SecurityEventEntry};
use tallschool_shared::dates::format_utc;

use super::people::{Pager, sort_state};
use super::table::View;
use super::{Body, Failure, Session};
use crate::t;

fn kind_label(kind: &str) -> String {
    match kind {
        "password_rejected" => t!("security-password-rejected"),
        "throttled" => t!("security-throttled"),
        "refresh_reuse_detected" => t!("security-refresh-reuse"),
        "sessions_revoked" => t!("security-sessions-revoked"),
        "sensitive_change" => t!("security-sensitive-change"),
        "pii_access_denied" => t!("security-pii-denied"),
        "break_glass_granted" => t!("security-break-glass"),
        "retention_erasure" => t!("security-retention-erasure"),
        "legal_hold_placed" => t!("security-legal-hold-placed"),
        "legal_hold_lifted" => t!("security-legal-hold-lifted"),
        other => other.to_owned(),
    }
}

/// What else the event says, in a few words: address, reason, step, scope.
fn details(entry: &SecurityEventEntry) -> String {
    let d = &entry.details;
    ["client_address", "reason", "step", "scope", "change", "purpose", "retry_after_secs", "count", "expires_at"]
        .iter()
        .filter_map(|key| match &d[*key] {
            serde_json::Value::Null => None,
            serde_json::Value::Number(at) if key.ends_with("_at") => {
                at.as_i64().map(|at| format!("{key}: {}", format_utc(at)))
            }
            serde_json::Value::String(s) => Some(format!("{key}: {s}")),
            other => Some(format!("{key}: {other}")),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[component]
pub fn Security() -> Element {
    let session = use_context::<Session>();
    let mut version = use_signal(|| 0_u32);
    let events = use_resource(move || async move {
        let _ = version();
        session
            .call::<Vec<SecurityEventEntry>>("GET", "/api/v1/admin/security-events?limit=500", || Body::None)
            .await
            .map_err(|f| f.message)
    });
    let schools = use_resource(move || async move {
        session.call::<Vec<SchoolView>>("GET", "/api/v1/schools", || Body::None).await.map_err(|f| f.message)
    });
    let mut view = use_signal(|| View { descending: true, ..View::default() });
    let mut log_school = use_signal(|| None::<SchoolId>);
    let loaded = events.read().clone();
    let schools = schools.read().clone().and_then(Result::ok).unwrap_or_default();
    let chosen = log_school().or_else(|| schools.first().map(|s| s.id));
    let entries = match loaded {
        None => return rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => return rsx! { Failure { failure: Some(message) } },
        Some(Ok(entries)) => entries,
    };
    let cells = |e: &SecurityEventEntry| {
        vec![format!("{:012}", e.at), kind_label(&e.kind), e.username.clone().unwrap_or_default(), details(e)]
    };
    let (page_rows, pages) = view.read().apply(&entries, cells);
    let current = view.read().page.min(pages - 1);
    let headers = [t!("admin-when"), t!("security-what"), t!("security-account"), t!("security-details")];
    rsx! {
        div { class: "admin-stack",
            section { class: "card admin-wide",
                div { class: "list-head",
                    h2 { {t!("security-events")} " " span { class: "muted", id: "security-count", "{entries.len()}" } }
                    div { class: "row-actions",
                        input { r#type: "search", id: "security-filter", placeholder: t!("admin-filter"), aria_label: t!("admin-filter"),
                            value: "{view.read().filter}", oninput: move |e| view.write().set_filter(e.value()) }
                        button { class: "secondary", id: "security-refresh", onclick: move |_| *version.write() += 1, {t!("admin-refresh")} }
                    }
                }
                table { id: "security-events",
                    thead { tr {
                        for (i, header) in headers.iter().enumerate() {
                            th { aria_sort: sort_state(&view.read(), i),
                                button { class: "sort", onclick: move |_| view.write().sort(i), "{header}" }
                            }
                        }
                    } }
                    tbody {
                        for entry in page_rows {
                            tr { key: "{entry.seq}", "data-kind": "{entry.kind}",
                                td { {format_utc(entry.at)} }
                                td { {kind_label(&entry.kind)} }
                                td { {entry.username.clone().unwrap_or_else(|| "—".to_owned())} }
                                td { class: "muted", {details(entry)} }
                            }
                        }
                    }
                }
                Pager { page: current, pages, on_page: move |p| view.write().page = p }
            }
            if let Some(school) = chosen {
                div { class: "row-actions access-log-school",
                    label { r#for: "access-log-school", {t!("security-access-log-of")} }
                    select { id: "access-log-school", onchange: move |e| log_school.set(e.value().parse().ok()),
                        for s in schools.iter() {
                            option { value: "{s.id}", selected: s.id == school, "{s.name}" }
                        }
                    }
                }
            }
            if let Some(school) = chosen {
                super::privacy::AccessLog { key: "{school}", school }
            }
        }
    }
}
