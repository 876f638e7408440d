//! A technical admin's break-glass access to one school's personal data: why (shown to the
//! school), for how long, and their password; while it is open, the school's people and, on a
//! click, one person's data — each read logged with the reason.

use dioxus::prelude::*;
use tallschool_shared::api::{BreakGlassGrant, BreakGlassRequest, PiiView, ReauthRequest, SchoolView, UserView};
use tallschool_shared::dates::format_utc;
use tallschool_shared::{Role, UserId};

use super::people::role_label;
use super::{Body, Failure, Session};
use crate::t;

#[component]
pub fn BreakGlass(school: SchoolView, on_close: EventHandler<()>) -> Element {
    let session = use_context::<Session>();
    let id = school.id;
    let me = session.admin.read().as_ref().map(|a| a.user.id);
    let mut version = use_signal(|| 0_u32);
    // The grant of mine that is open now, if any.
    let open = use_resource(move || async move {
        let _ = version();
        let grants = session
            .call::<Vec<BreakGlassGrant>>("GET", &format!("/api/v1/schools/{id}/break-glass"), || Body::None)
            .await
            .map_err(|f| f.message)?;
        Ok::<_, String>(grants.into_iter().find(|g| g.active && g.actor_id == me))
    });
    let mut reason = use_signal(String::new);
    let mut minutes = use_signal(|| "15".to_owned());
    let mut password = use_signal(String::new);
    let mut failure = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let submit = move |event: FormEvent| async move {
        event.prevent_default();
        busy.set(true);
        failure.set(None);
        let reauth = ReauthRequest { password: password() };
        password.set(String::new());
        let answer =
            match session.call::<serde_json::Value>("POST", "/api/v1/auth/reauth", move || Body::json(&reauth)).await {
                Err(f) => Err(f),
                Ok(_) => {
                    let request = BreakGlassRequest {
                        reason: reason().trim().to_owned(),
                        minutes: minutes().trim().parse().unwrap_or(0),
                    };
                    let path = format!("/api/v1/schools/{id}/break-glass");
                    session.call::<BreakGlassGrant>("POST", &path, move || Body::json(&request)).await
                }
            };
        busy.set(false);
        match answer {
            Ok(_) => {
                reason.set(String::new());
                *version.write() += 1;
            }
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let loaded = open.read().clone();
    rsx! {
        section { class: "card admin-side danger", id: "break-glass",
            div { class: "list-head",
                h2 { {t!("admin-break-glass-for", school = school.name.clone())} }
                button { class: "secondary small", onclick: move |_| on_close.call(()), aria_label: t!("admin-close"), "×" }
            }
            match loaded {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some(Err(message)) => rsx! { Failure { failure: Some(message) } },
                Some(Ok(Some(grant))) => rsx! {
                    p { role: "status", id: "break-glass-open", {t!("admin-break-glass-open", until = format_utc(grant.expires_at))} }
                    p { class: "muted", {t!("admin-break-glass-logged")} }
                    SchoolPeople { school: school.clone() }
                },
                Some(Ok(None)) => rsx! {
                    p { {t!("admin-break-glass-what")} }
                    form { class: "form", id: "break-glass-form", onsubmit: submit,
                        label { r#for: "break-glass-reason", {t!("admin-break-glass-reason")} }
                        textarea { id: "break-glass-reason", rows: 3, maxlength: 300, value: "{reason}", oninput: move |e| reason.set(e.value()) }
                        label { r#for: "break-glass-minutes", {t!("admin-break-glass-minutes")} }
                        input { id: "break-glass-minutes", r#type: "number", min: 1, max: 60, value: "{minutes}", oninput: move |e| minutes.set(e.value()) }
                        label { r#for: "break-glass-password", {t!("admin-your-password")} }
                        input { id: "break-glass-password", r#type: "password", autocomplete: "current-password", value: "{password}",
                            oninput: move |e| password.set(e.value()) }
                        Failure { failure: failure() }
                        button { class: "danger", r#type: "submit", id: "break-glass-open-button",
                            disabled: reason().trim().chars().count() < 10 || password().is_empty() || busy(), {t!("admin-break-glass-button")} }
                    }
                },
            }
        }
    }
}

/// The school's people, each with a button that reads their personal data under the grant.
#[component]
fn SchoolPeople(school: SchoolView) -> Element {
    let session = use_context::<Session>();
    let id = school.id;
    let people = use_resource(move || async move {
        session
            .call::<Vec<UserView>>("GET", &format!("/api/v1/schools/{id}/users"), || Body::None)
            .await
            .map_err(|f| f.message)
    });
    let mut shown = use_signal(|| None::<(String, PiiView)>);
    let mut failure = use_signal(|| None::<String>);
    let read = move |(user, username): (UserId, String)| async move {
        failure.set(None);
        match session.call::<PiiView>("GET", &format!("/api/v1/users/{user}/pii"), || Body::None).await {
            Ok(view) => shown.set(Some((username, view))),
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let loaded = people.read().clone();
    rsx! {
        if let Some((username, view)) = shown() {
            dl { class: "facts", id: "pii-view", "data-username": "{username}",
                dt { {t!("username")} } dd { "{username}" }
                dt { {t!("admin-display-name")} } dd { {view.display_name.clone().unwrap_or_else(|| "—".to_owned())} }
                dt { {t!("admin-email")} } dd { {view.email.clone().unwrap_or_else(|| "—".to_owned())} }
                dt { {t!("admin-birth-year")} } dd { {view.birth_date.clone().unwrap_or_else(|| "—".to_owned())} }
            }
        }
        Failure { failure: failure() }
        match loaded {
            None => rsx! { p { class: "muted", {t!("loading")} } },
            Some(Err(message)) => rsx! { Failure { failure: Some(message) } },
            Some(Ok(list)) => rsx! {
                ul { class: "devices",
                    for user in list.into_iter().filter(|u| u.role != Role::TechAdmin) {
                        li { key: "{user.id}", "data-username": "{user.username}",
                            div { strong { "{user.username}" } p { class: "muted", {role_label(user.role)} } }
                            button { class: "secondary small show-pii", onclick: {
                                    let username = user.username.clone();
                                    move |_| read((user.id, username.clone()))
                                }, {t!("admin-show-personal-data")} }
                        }
                    }
                }
            },
        }
    }
}
