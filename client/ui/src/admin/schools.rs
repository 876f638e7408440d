//! The technical admin's schools: every school, a new one, and its first school admin (whose
//! one-time password is shown once; the dashboard asks them for their own at first sign-in).

use dioxus::prelude::*;
use tallschool_shared::api::{CreateSchoolRequest, CreateUserRequest, CreatedUser, SchoolView};
use tallschool_shared::{Role, SchoolId};

use super::people::{OneTimeSecret, ShownOnce};
use super::{Body, Failure, Session};
use crate::t;

#[component]
pub fn Schools() -> Element {
    let session = use_context::<Session>();
    let mut version = use_signal(|| 0_u32);
    let schools = use_resource(move || async move {
        let _ = version();
        session.call::<Vec<SchoolView>>("GET", "/api/v1/schools", || Body::None).await.map_err(|f| f.message)
    });
    let mut name = use_signal(String::new);
    let mut failure = use_signal(|| None::<String>);
    let mut shown_once = use_signal(|| None::<ShownOnce>);
    // The school a break-glass grant is being opened (or used) for.
    let mut glass_for = use_signal(|| None::<SchoolView>);
    let create = move |event: FormEvent| async move {
        event.prevent_default();
        failure.set(None);
        let request = CreateSchoolRequest { name: name().trim().to_owned() };
        match session.call::<SchoolView>("POST", "/api/v1/schools", move || Body::json(&request)).await {
            Ok(_) => {
                name.set(String::new());
                *version.write() += 1;
            }
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let listed = schools.read().clone();
    let rows = match listed {
        None => return rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => return rsx! { Failure { failure: Some(message) } },
        Some(Ok(rows)) => rows,
    };
    rsx! {
        div { class: "admin-columns",
            section { class: "card admin-list",
                h2 { {t!("admin-schools")} }
                if let Some(once) = shown_once() {
                    OneTimeSecret { once, on_close: move |_| shown_once.set(None) }
                }
                table { id: "schools",
                    thead { tr {
                        th { {t!("admin-school-name")} } th { {t!("admin-first-admin")} }
                        th { span { class: "visually-hidden", {t!("admin-actions")} } }
                    } }
                    tbody {
                        for school in rows {
                            tr { key: "{school.id}", "data-school": "{school.name}",
                                td { "{school.name}" }
                                td { NewSchoolAdmin { school: school.id, on_created: move |created: CreatedUser| {
                                    shown_once.set(Some(ShownOnce { username: created.user.username, password: created.initial_password }));
                                } } }
                                td { button { class: "secondary small break-glass", onclick: {
                                        let school = school.clone();
                                        move |_| glass_for.set(Some(school.clone()))
                                    }, {t!("admin-break-glass")} } }
                            }
                        }
                    }
                }
            }
            if let Some(school) = glass_for() {
                super::break_glass::BreakGlass { key: "{school.id}", school, on_close: move |_| glass_for.set(None) }
            } else {
            section { class: "card admin-side",
                h2 { {t!("admin-new-school")} }
                form { class: "form", id: "new-school", onsubmit: create,
                    label { r#for: "school-name", {t!("admin-school-name")} }
                    input { id: "school-name", required: true, value: "{name}", oninput: move |e| name.set(e.value()) }
                    Failure { failure: failure() }
                    button { class: "primary", r#type: "submit", id: "create-school", {t!("admin-create-school")} }
                }
            }
            }
        }
    }
}

/// A username for the school's new admin, and the button that creates the account.
#[component]
fn NewSchoolAdmin(school: SchoolId, on_created: EventHandler<CreatedUser>) -> Element {
    let session = use_context::<Session>();
    let mut username = use_signal(String::new);
    let mut failure = use_signal(|| None::<String>);
    let create = move |event: FormEvent| async move {
        event.prevent_default();
        failure.set(None);
        let request = CreateUserRequest {
            username: username().trim().to_owned(),
            role: Role::EduAdmin,
            pii: None,
            consent_by: None,
        };
        let path = format!("/api/v1/schools/{school}/users");
        match session.call::<CreatedUser>("POST", &path, move || Body::json(&request)).await {
            Ok(created) => {
                username.set(String::new());
                on_created.call(created);
            }
            Err(f) => failure.set(Some(f.message)),
        }
    };
    rsx! {
        form { class: "row-actions new-school-admin", onsubmit: create,
            input { class: "admin-username", aria_label: t!("admin-school-admin-username"), placeholder: t!("username"),
                required: true, value: "{username}", oninput: move |e| username.set(e.value()) }
            button { class: "secondary small", r#type: "submit", {t!("admin-add-school-admin")} }
            Failure { failure: failure() }
        }
    }
}
