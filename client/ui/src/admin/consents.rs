//! A student's consents as the school office keeps them: the current state per purpose, a new
//! record (given or withdrawn, by whom), and the whole record, newest first.

use dioxus::prelude::*;
use tallschool_shared::api::{
    ConsentDecision, ConsentGiver, ConsentPurpose, ConsentsView, RecordConsentRequest, UserView,
};

use super::{Body, Failure, Session};
use crate::t;

fn purpose_label(purpose: ConsentPurpose) -> String {
    match purpose {
        ConsentPurpose::Platform => t!("consent-platform"),
        ConsentPurpose::Recordings => t!("consent-recordings"),
        ConsentPurpose::Analytics => t!("consent-analytics"),
    }
}

fn decision_label(decision: ConsentDecision) -> String {
    match decision {
        ConsentDecision::Given => t!("consent-given"),
        ConsentDecision::Withdrawn => t!("consent-withdrawn"),
    }
}

const GIVERS: [ConsentGiver; 3] = [ConsentGiver::ParentOrGuardian, ConsentGiver::Student, ConsentGiver::School];

fn giver_label(giver: ConsentGiver) -> String {
    match giver {
        ConsentGiver::Student => t!("consent-by-student"),
        ConsentGiver::ParentOrGuardian => t!("consent-by-parent"),
        ConsentGiver::School => t!("consent-by-school"),
    }
}

#[component]
pub fn Consents(user: UserView, on_close: EventHandler<()>) -> Element {
    let session = use_context::<Session>();
    let id = user.id;
    let mut version = use_signal(|| 0_u32);
    let record = use_resource(move || async move {
        let _ = version();
        session
            .call::<ConsentsView>("GET", &format!("/api/v1/users/{id}/consents"), || Body::None)
            .await
            .map_err(|f| f.message)
    });
    let mut purpose = use_signal(|| ConsentPurpose::Platform);
    let mut decision = use_signal(|| ConsentDecision::Given);
    let mut giver = use_signal(|| ConsentGiver::ParentOrGuardian);
    let mut failure = use_signal(|| None::<String>);
    let save = move |event: FormEvent| async move {
        event.prevent_default();
        failure.set(None);
        let request = RecordConsentRequest { purpose: purpose(), decision: decision(), given_by: giver() };
        let path = format!("/api/v1/users/{id}/consents");
        match session.call::<ConsentsView>("POST", &path, move || Body::json(&request)).await {
            Ok(_) => *version.write() += 1,
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let loaded = record.read().clone();
    rsx! {
        section { class: "card admin-side", id: "consents",
            div { class: "list-head",
                h2 { {t!("admin-consents-of", username = user.username.clone())} }
                button { class: "secondary small", onclick: move |_| on_close.call(()), aria_label: t!("admin-close"), "×" }
            }
            match loaded {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some(Err(message)) => rsx! { Failure { failure: Some(message) } },
                Some(Ok(view)) => rsx! {
                    dl { class: "facts", id: "consents-current",
                        for p in ConsentPurpose::ALL {
                            dt { {purpose_label(p)} }
                            dd { "data-purpose": p.as_str(),
                                match view.current.iter().find(|c| c.purpose == p) {
                                    Some(c) => rsx! {
                                        span { class: if c.decision == ConsentDecision::Given { "ok" } else { "bad" }, {decision_label(c.decision)} }
                                        " · " {giver_label(c.given_by)} " · " {tallschool_shared::dates::format_utc(c.at)}
                                    },
                                    None => rsx! { span { class: "muted", {t!("consent-none")} } },
                                }
                            }
                        }
                    }
                    details { class: "history",
                        summary { {t!("consent-history", n = view.history.len())} }
                        ul {
                            for c in view.history.iter() {
                                li { {purpose_label(c.purpose)} ": " {decision_label(c.decision)} " · " {giver_label(c.given_by)} " · " {tallschool_shared::dates::format_utc(c.at)} }
                            }
                        }
                    }
                },
            }
            form { class: "form", id: "record-consent", onsubmit: save,
                label { r#for: "consent-purpose", {t!("consent-purpose")} }
                select { id: "consent-purpose", onchange: move |e| {
                        if let Some(p) = ConsentPurpose::ALL.into_iter().find(|p| p.as_str() == e.value()) { purpose.set(p) }
                    },
                    for p in ConsentPurpose::ALL { option { value: p.as_str(), selected: purpose() == p, {purpose_label(p)} } }
                }
                label { r#for: "consent-decision", {t!("consent-decision")} }
                select { id: "consent-decision", onchange: move |e| decision.set(if e.value() == "withdrawn" { ConsentDecision::Withdrawn } else { ConsentDecision::Given }),
                    option { value: "given", selected: decision() == ConsentDecision::Given, {decision_label(ConsentDecision::Given)} }
                    option { value: "withdrawn", selected: decision() == ConsentDecision::Withdrawn, {decision_label(ConsentDecision::Withdrawn)} }
                }
                label { r#for: "consent-giver", {t!("consent-giver")} }
                select { id: "consent-giver", onchange: move |e| {
                        if let Some(g) = GIVERS.into_iter().nth(e.value().parse::<usize>().unwrap_or(0)) { giver.set(g) }
                    },
                    for (i, g) in GIVERS.into_iter().enumerate() { option { value: "{i}", selected: giver() == g, {giver_label(g)} } }
                }
                Failure { failure: failure() }
                button { class: "primary", r#type: "submit", id: "record-consent-button", {t!("consent-record")} }
            }
        }
    }
}
