//! The school's privacy page: its authorisation of TallSchool for educational use (the lawful
//! basis of its students' accounts), every break-glass grant a technical admin opened on it,
//! and the access log — who read whose personal data, or was refused, and why. Never values.

use dioxus::prelude::*;
use tallschool_shared::api::{
    AccessOutcome, BreakGlassGrant, ConsentDecision, PiiAccessEntry, RecordAuthorizationRequest, SchoolAuthorization,
    UserView,
};
use tallschool_shared::dates::format_utc;
use tallschool_shared::{SchoolId, UserId};

use super::people::{Pager, role_label, sort_state};
use super::table::View;
use super::{Body, Failure, Session};
use crate::t;

#[component]
pub fn Privacy() -> Element {
    let session = use_context::<Session>();
    let Some(school) = session.admin.read().as_ref().and_then(super::Admin::school) else {
        return rsx! { Failure { failure: Some(t!("admin-no-school")) } };
    };
    rsx! {
        div { class: "admin-pair",
            Authorization { school }
            BreakGlassGrants { school }
        }
        AccessLog { school }
    }
}

#[component]
fn Authorization(school: SchoolId) -> Element {
    let session = use_context::<Session>();
    let mut version = use_signal(|| 0_u32);
    let state = use_resource(move || async move {
        let _ = version();
        let path = format!("/api/v1/schools/{school}/authorization");
        session.call::<SchoolAuthorization>("GET", &path, || Body::None).await.map_err(|f| f.message)
    });
    let mut failure = use_signal(|| None::<String>);
    let record = move |decision: ConsentDecision| async move {
        failure.set(None);
        let request = RecordAuthorizationRequest { decision };
        let path = format!("/api/v1/schools/{school}/authorization");
        match session.call::<SchoolAuthorization>("POST", &path, move || Body::json(&request)).await {
            Ok(_) => *version.write() += 1,
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let loaded = state.read().clone();
    rsx! {
        section { class: "card admin-side", id: "school-authorization",
            h2 { {t!("admin-authorisation")} }
            match loaded {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some(Err(message)) => rsx! { Failure { failure: Some(message) } },
                Some(Ok(view)) => {
                    let since = view.history.first().map(|r| format_utc(r.at)).unwrap_or_default();
                    rsx! {
                        if view.authorized {
                            p { id: "authorisation-state", "data-authorized": "true",
                                span { class: "ok", {t!("admin-authorised")} } " " span { class: "muted", {t!("admin-since", at = since)} } }
                            p { class: "muted", {t!("admin-authorised-means")} }
                            button { class: "secondary", id: "withdraw-authorisation",
                                onclick: move |_| record(ConsentDecision::Withdrawn), {t!("admin-withdraw-authorisation")} }
                        } else {
                            p { id: "authorisation-state", "data-authorized": "false", span { class: "bad", {t!("admin-not-authorised")} } }
                            p { class: "muted", {t!("admin-not-authorised-means")} }
                            button { class: "primary", id: "give-authorisation",
                                onclick: move |_| record(ConsentDecision::Given), {t!("admin-give-authorisation")} }
                        }
                    }
                }
            }
            Failure { failure: failure() }
        }
    }
}

#[component]
fn BreakGlassGrants(school: SchoolId) -> Element {
    let session = use_context::<Session>();
    let grants = use_resource(move || async move {
        let path = format!("/api/v1/schools/{school}/break-glass");
        session.call::<Vec<BreakGlassGrant>>("GET", &path, || Body::None).await.map_err(|f| f.message)
    });
    let loaded = grants.read().clone();
    rsx! {
        section { class: "card admin-side", id: "break-glass-grants",
            h2 { {t!("admin-break-glass")} }
            p { class: "muted", {t!("admin-break-glass-means")} }
            match loaded {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some(Err(message)) => rsx! { Failure { failure: Some(message) } },
                Some(Ok(list)) if list.is_empty() => rsx! { p { id: "no-break-glass", {t!("admin-no-break-glass")} } },
                Some(Ok(list)) => rsx! {
                    ul { class: "grants",
                        for grant in list {
                            li { key: "{grant.id}", class: if grant.active { "grant active" } else { "grant" },
                                p {
                                    strong { {grant.actor_username.clone().unwrap_or_else(|| t!("admin-someone-erased"))} }
                                    " · " {format_utc(grant.granted_at)} " → " {format_utc(grant.expires_at)}
                                    if grant.active { " " span { class: "bad", {t!("admin-open-now")} } }
                                }
                                p { class: "reason", "{grant.reason}" }
                            }
                        }
                    }
                },
            }
        }
    }
}

/// Why, as a person reads it: a break-glass read shows its reason, not the grant's id.
fn purpose_label(purpose: &str) -> String {
    match purpose.strip_prefix("break_glass ").and_then(|rest| rest.split_once(": ")) {
        Some((_, reason)) => t!("admin-purpose-break-glass", reason = reason.to_owned()),
        None => purpose.replace('_', " "),
    }
}

fn outcome_label(outcome: AccessOutcome) -> String {
    match outcome {
        AccessOutcome::Allowed => t!("admin-read"),
        AccessOutcome::Denied => t!("admin-refused"),
    }
}

#[component]
pub(super) fn AccessLog(school: SchoolId) -> Element {
    let session = use_context::<Session>();
    let log = use_resource(move || async move {
        let entries = session
            .call::<Vec<PiiAccessEntry>>("GET", &format!("/api/v1/schools/{school}/pii-access-log?limit=500"), || {
                Body::None
            })
            .await
            .map_err(|f| f.message)?;
        // Ids to usernames (no personal data in either).
        let people = session
            .call::<Vec<UserView>>("GET", &format!("/api/v1/schools/{school}/users"), || Body::None)
            .await
            .map_err(|f| f.message)?;
        Ok::<_, String>((entries, people))
    });
    let mut view = use_signal(|| View { descending: true, ..View::default() });
    let loaded = log.read().clone();
    let (entries, people) = match loaded {
        None => return rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => return rsx! { Failure { failure: Some(message) } },
        Some(Ok(loaded)) => loaded,
    };
    let name = |id: Option<UserId>| match id {
        None => "—".to_owned(),
        // Someone outside the school (a technical admin): the id's start.
        Some(id) => people
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.username.clone())
            .unwrap_or_else(|| id.to_string().chars().take(8).collect()),
    };
    let cells = |e: &PiiAccessEntry| {
        vec![
            format!("{:012}", e.at),
            name(e.actor_id),
            name(e.subject_id),
            e.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
            format!("{} {}", e.purpose, purpose_label(&e.purpose)),
            outcome_label(e.outcome),
        ]
    };
    let (page_rows, pages) = view.read().apply(&entries, cells);
    let current = view.read().page.min(pages - 1);
    let headers = [
        t!("admin-when"),
        t!("admin-who-read"),
        t!("admin-whose"),
        t!("admin-fields"),
        t!("admin-why"),
        t!("admin-outcome"),
    ];
    rsx! {
        section { class: "card admin-wide", id: "access-log-card",
            div { class: "list-head",
                h2 { {t!("admin-access-log")} " " span { class: "muted", "{entries.len()}" } }
                input { r#type: "search", id: "access-log-filter", placeholder: t!("admin-filter"), aria_label: t!("admin-filter"),
                    value: "{view.read().filter}", oninput: move |e| view.write().set_filter(e.value()) }
            }
            p { class: "muted", {t!("admin-access-log-means")} }
            table { id: "access-log",
                thead { tr {
                    for (i, header) in headers.iter().enumerate() {
                        th { aria_sort: sort_state(&view.read(), i),
                            button { class: "sort", onclick: move |_| view.write().sort(i), "{header}" }
                        }
                    }
                } }
                tbody {
                    for entry in page_rows {
                        tr { key: "{entry.seq}", class: if entry.outcome == AccessOutcome::Denied { "refused" } else { "" },
                            td { {format_utc(entry.at)} }
                            td { {name(entry.actor_id)} " " span { class: "muted", "(" {role_label(entry.actor_role)} ")" } }
                            td { {name(entry.subject_id)} }
                            td { {entry.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")} }
                            td { class: "purpose", title: "{entry.purpose}", {purpose_label(&entry.purpose)} }
                            td { {outcome_label(entry.outcome)} }
                        }
                    }
                }
            }
            Pager { page: current, pages, on_page: move |p| view.write().page = p }
        }
    }
}
