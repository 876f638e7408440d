//! The school's weekly digests as charts: for a cohort or a class, retention, active students,
//! reading pace and scores over the weeks, with the latest week's numbers. The digests run
//! weekly on the server; "Compute last week" runs them now.

use dioxus::prelude::*;
use tallschool_shared::api::{ClassView, CohortView, RunDigestRequest};
use tallschool_shared::dates::format_utc;
use tallschool_shared::digest::{Digest, DigestScope};

use super::charts::LineChart;
use super::{Body, Failure, Session};
use crate::t;

/// How many weeks the charts show.
const WEEKS: usize = 12;

#[derive(Clone, Debug, PartialEq)]
struct Loaded {
    digests: Vec<Digest>,
    cohorts: Vec<CohortView>,
    classes: Vec<ClassView>,
}

/// The scopes a digest can be about, as (key, label), cohorts first.
fn scopes(loaded: &Loaded) -> Vec<(DigestScope, String)> {
    let cohorts = loaded.cohorts.iter().map(|c| (DigestScope::Cohort(c.id), c.name.clone()));
    let classes = loaded.classes.iter().map(|c| (DigestScope::Class(c.id), c.name.clone()));
    cohorts.chain(classes).collect()
}

fn scope_key(scope: &DigestScope) -> String {
    match scope {
        DigestScope::Class(id) => format!("class:{id}"),
        DigestScope::Cohort(id) => format!("cohort:{id}"),
    }
}

/// The scope's digests, oldest week first, the last `WEEKS`.
fn series(digests: &[Digest], scope: &DigestScope) -> Vec<Digest> {
    let mut mine: Vec<Digest> = digests.iter().filter(|d| &d.scope == scope).cloned().collect();
    mine.sort_by_key(|d| d.week_start);
    mine.dedup_by_key(|d| d.week_start);
    let skip = mine.len().saturating_sub(WEEKS);
    mine.into_iter().skip(skip).collect()
}

#[component]
pub fn Digests() -> Element {
    let session = use_context::<Session>();
    let Some(school) = session.admin.read().as_ref().and_then(super::Admin::school) else {
        return rsx! { Failure { failure: Some(t!("admin-no-school")) } };
    };
    let mut version = use_signal(|| 0_u32);
    let loaded = use_resource(move || async move {
        let _ = version();
        let digests = session.call("GET", &format!("/api/v1/schools/{school}/digests"), || Body::None).await;
        let cohorts = session.call("GET", &format!("/api/v1/schools/{school}/cohorts"), || Body::None).await;
        let classes = session.call("GET", &format!("/api/v1/schools/{school}/classes"), || Body::None).await;
        match (digests, cohorts, classes) {
            (Ok(digests), Ok(cohorts), Ok(classes)) => Ok(Loaded { digests, cohorts, classes }),
            (Err(f), _, _) | (_, Err(f), _) | (_, _, Err(f)) => Err(f.message),
        }
    });
    let mut chosen = use_signal(|| None::<String>);
    let mut failure = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let compute = move |_| async move {
        busy.set(true);
        failure.set(None);
        let request = RunDigestRequest { week_of: None };
        let path = format!("/api/v1/schools/{school}/digests");
        let answer = session.call::<Vec<Digest>>("POST", &path, move || Body::json(&request)).await;
        busy.set(false);
        match answer {
            Ok(_) => *version.write() += 1,
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let loaded = loaded.read().clone();
    let data = match loaded {
        None => return rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => return rsx! { Failure { failure: Some(message) } },
        Some(Ok(data)) => data,
    };
    let options = scopes(&data);
    // The chosen scope, else the first that has digests, else the first.
    let current = chosen()
        .and_then(|key| options.iter().find(|(s, _)| scope_key(s) == key).cloned())
        .or_else(|| options.iter().find(|(s, _)| data.digests.iter().any(|d| &d.scope == s)).cloned())
        .or_else(|| options.first().cloned());
    let weeks = current.as_ref().map(|(scope, _)| series(&data.digests, scope)).unwrap_or_default();
    let labels: Vec<String> = weeks.iter().map(|d| format_utc(d.week_start).chars().take(10).collect()).collect();
    let pick = |f: fn(&Digest) -> Option<f64>| weeks.iter().map(f).collect::<Vec<_>>();
    let retention = pick(|d| d.numbers.retention.map(|r| r * 100.0));
    let active = pick(|d| Some(d.numbers.active_students as f64));
    let pace = pick(|d| d.numbers.reading_pace);
    let scores = pick(|d| d.numbers.average_score);
    let latest = weeks.last().cloned();
    rsx! {
        section { class: "card admin-wide", id: "digests",
            div { class: "list-head",
                h2 { {t!("admin-digests")} }
                div { class: "row-actions",
                    label { r#for: "digest-scope", class: "visually-hidden", {t!("admin-digest-scope")} }
                    select { id: "digest-scope", onchange: move |e| chosen.set(Some(e.value())),
                        for (scope, name) in options.iter() {
                            option { value: scope_key(scope), selected: current.as_ref().is_some_and(|(c, _)| c == scope),
                                {match scope { DigestScope::Cohort(_) => t!("admin-digest-cohort", name = name.clone()), DigestScope::Class(_) => name.clone() }} }
                        }
                    }
                    button { class: "secondary", id: "compute-digests", disabled: busy(), onclick: compute, {t!("admin-compute-digests")} }
                }
            }
            Failure { failure: failure() }
            if weeks.is_empty() {
                p { class: "muted", id: "no-digests", {t!("admin-no-digests")} }
            } else {
                p { class: "muted", id: "digest-weeks", "data-weeks": "{weeks.len()}", {t!("admin-digest-weeks", n = weeks.len())} }
                div { class: "charts",
                    LineChart { id: "chart-retention", title: t!("admin-chart-retention"), weeks: labels.clone(), values: retention, unit: "%", fixed_top: Some(100.0) }
                    LineChart { id: "chart-active", title: t!("admin-chart-active"), weeks: labels.clone(), values: active, unit: "", fixed_top: None }
                    LineChart { id: "chart-pace", title: t!("admin-chart-pace"), weeks: labels.clone(), values: pace, unit: " pp", fixed_top: None }
                    LineChart { id: "chart-scores", title: t!("admin-chart-scores"), weeks: labels, values: scores, unit: "%", fixed_top: Some(100.0) }
                }
                if let Some(last) = latest {
                    dl { class: "facts", id: "digest-latest",
                        dt { {t!("admin-digest-students")} } dd { "{last.numbers.students}" }
                        dt { {t!("admin-digest-reviews")} } dd { "{last.numbers.reviews}" }
                        dt { {t!("admin-digest-attempts")} } dd { "{last.numbers.attempts_submitted}" }
                        dt { {t!("admin-digest-overdue")} } dd { "{last.numbers.overdue}" }
                    }
                }
            }
        }
    }
}
