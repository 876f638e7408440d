//! People of the school: every account (no personal data in the list), a new account, an
//! account disabled or enabled again, a forgotten password replaced by a one-time password
//! shown once.

use dioxus::prelude::*;
use tallschool_shared::api::{
    ConsentGiver, CreateUserRequest, CreatedUser, ErasureReport, ErasureRequest, ExportReady, LegalHoldRequest,
    LegalHoldView, OneTimePassword, PiiInput, ReauthRequest, RevokeSessionsRequest, SessionView, SessionsRevoked,
    UpdateUserRequest, UserView,
};
use tallschool_shared::{Role, SessionId, UserId, UserStatus};

use tallschool_shared::dates::format_utc;

use super::table::View;
use super::{Body, Failure, Session};
use crate::t;

pub fn role_label(role: Role) -> String {
    match role {
        Role::TechAdmin => t!("role-tech-admin"),
        Role::EduAdmin => t!("role-edu-admin"),
        Role::Teacher => t!("role-teacher"),
        Role::Student => t!("role-student"),
    }
}

fn status_label(status: UserStatus) -> String {
    match status {
        UserStatus::Active => t!("status-active"),
        UserStatus::Disabled => t!("status-disabled"),
    }
}

/// A secret to hand over once: shown until the admin closes it, never again.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownOnce {
    pub username: String,
    pub password: String,
}

/// What needs the admin's password confirmed when their sign-in is not recent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sensitive {
    Reset,
    Export,
}

/// A person's data archive, prepared by the server and saved by the browser; its size.
async fn export(session: Session, user: &UserView) -> Result<u64, super::ApiFailure> {
    let path = format!("/api/v1/users/{}/export", user.id);
    let ready = session.call::<ExportReady>("POST", &path, || Body::Json("{}".to_owned())).await?;
    let token = session.admin.read().as_ref().map(|a| a.access_token.clone()).unwrap_or_default();
    super::api::save_download(&ready.download, &token, &format!("tallschool-{}.zip", user.username)).await
}

#[component]
pub fn People() -> Element {
    let session = use_context::<Session>();
    let school = session.admin.read().as_ref().and_then(super::Admin::school);
    let mut version = use_signal(|| 0_u32);
    let users = use_resource(move || async move {
        let _ = version();
        let school = school.ok_or_else(|| t!("admin-no-school"))?;
        session
            .call::<Vec<UserView>>("GET", &format!("/api/v1/schools/{school}/users"), || Body::None)
            .await
            .map_err(|f| f.message)
    });
    let mut view = use_signal(View::default);
    let mut shown_once = use_signal(|| None::<ShownOnce>);
    let mut failure = use_signal(|| None::<String>);
    // A password reset or an export waiting for the admin to confirm their own password.
    let mut confirming = use_signal(|| None::<(Sensitive, UserView)>);
    let mut exported = use_signal(|| None::<String>);
    let mut confirm_password = use_signal(String::new);
    // The person whose devices are shown beside the list.
    let mut devices_of = use_signal(|| None::<UserView>);
    // The person an erasure is being confirmed for.
    let mut erasing = use_signal(|| None::<UserView>);
    // The student whose consent record is shown.
    let mut consents_of = use_signal(|| None::<UserView>);

    let sensitive = move |(action, user): (Sensitive, UserView)| async move {
        failure.set(None);
        exported.set(None);
        let outcome = match action {
            Sensitive::Reset => {
                let path = format!("/api/v1/users/{}/password-reset", user.id);
                session.call::<OneTimePassword>("POST", &path, || Body::None).await.map(|otp| {
                    shown_once
                        .set(Some(ShownOnce { username: user.username.clone(), password: otp.one_time_password }));
                })
            }
            Sensitive::Export => export(session, &user).await.map(|size| {
                exported.set(Some(t!(
                    "admin-exported",
                    username = user.username.clone(),
                    size = crate::account::size(size)
                )));
            }),
        };
        match outcome {
            Ok(()) => {}
            Err(f) if f.needs_reauth() => confirming.set(Some((action, user))),
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let confirm = move |event: FormEvent| async move {
        event.prevent_default();
        let Some(pending) = confirming() else { return };
        let request = ReauthRequest { password: confirm_password() };
        confirm_password.set(String::new());
        match session.call::<serde_json::Value>("POST", "/api/v1/auth/reauth", move || Body::json(&request)).await {
            Ok(_) => {
                confirming.set(None);
                sensitive(pending).await;
            }
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let set_status = move |(id, status): (UserId, UserStatus)| async move {
        failure.set(None);
        let request = UpdateUserRequest { role: None, status: Some(status) };
        let path = format!("/api/v1/users/{id}");
        match session.call::<UserView>("PATCH", &path, move || Body::json(&request)).await {
            Ok(_) => *version.write() += 1,
            Err(f) => failure.set(Some(f.message)),
        }
    };

    let listed = users.read().clone();
    let rows = match listed {
        None => return rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => return rsx! { Failure { failure: Some(message) } },
        Some(Ok(rows)) => rows,
    };
    let cells = |u: &UserView| vec![u.username.clone(), role_label(u.role), status_label(u.status)];
    let (page_rows, pages) = view.read().apply(&rows, cells);
    let page_rows: Vec<UserView> = page_rows.into_iter().cloned().collect();
    let current = view.read().page.min(pages - 1);
    let headers = [t!("username"), t!("admin-role"), t!("admin-status")];
    rsx! {
        div { class: "admin-columns",
            section { class: "card admin-list",
                div { class: "list-head",
                    h2 { {t!("admin-people")} " " span { class: "muted", id: "people-count", "{rows.len()}" } }
                    input { r#type: "search", id: "people-filter", placeholder: t!("admin-filter"), aria_label: t!("admin-filter"),
                        value: "{view.read().filter}", oninput: move |e| view.write().set_filter(e.value()) }
                }
                Failure { failure: failure() }
                if let Some(once) = shown_once() {
                    OneTimeSecret { once, on_close: move |_| shown_once.set(None) }
                }
                if let Some(message) = exported() {
                    p { class: "notice-inline", role: "status", id: "exported", "{message}" }
                }
                if let Some((_, user)) = confirming() {
                    form { class: "card confirm", onsubmit: confirm,
                        p { {t!("admin-confirm-password", username = user.username.clone())} }
                        input { r#type: "password", id: "admin-confirm-password", autocomplete: "current-password", autofocus: true,
                            aria_label: t!("password"), value: "{confirm_password}", oninput: move |e| confirm_password.set(e.value()) }
                        div { class: "row-actions",
                            button { class: "primary", r#type: "submit", {t!("admin-confirm")} }
                            button { class: "secondary", r#type: "button", onclick: move |_| confirming.set(None), {t!("cancel")} }
                        }
                    }
                }
                table { id: "people",
                    thead { tr {
                        for (i, header) in headers.iter().enumerate() {
                            th { aria_sort: sort_state(&view.read(), i),
                                button { class: "sort", onclick: move |_| view.write().sort(i), "{header}" }
                            }
                        }
                        th { span { class: "visually-hidden", {t!("admin-actions")} } }
                    } }
                    tbody {
                        for user in page_rows {
                            tr { key: "{user.id}", "data-username": "{user.username}",
                                td { "{user.username}" }
                                td { {role_label(user.role)} }
                                td { class: if user.status == UserStatus::Disabled { "disabled" } else { "" }, {status_label(user.status)} }
                                td { div { class: "row-actions",
                                    if user.role != Role::EduAdmin {
                                        if user.role == Role::Student {
                                            button { class: "secondary small consents", onclick: {
                                                    let user = user.clone();
                                                    move |_| consents_of.set(Some(user.clone()))
                                                }, {t!("admin-consents")} }
                                        }
                                        button { class: "secondary small devices", onclick: {
                                                let user = user.clone();
                                                move |_| devices_of.set(Some(user.clone()))
                                            }, {t!("admin-devices")} }
                                        button { class: "secondary small reset", onclick: {
                                                let user = user.clone();
                                                move |_| sensitive((Sensitive::Reset, user.clone()))
                                            }, {t!("admin-reset-password")} }
                                        button { class: "secondary small export", onclick: {
                                                let user = user.clone();
                                                move |_| sensitive((Sensitive::Export, user.clone()))
                                            }, {t!("admin-export")} }
                                        button { class: "secondary small erase", onclick: {
                                                let user = user.clone();
                                                move |_| erasing.set(Some(user.clone()))
                                            }, {t!("admin-erase")} }
                                        if user.status == UserStatus::Active {
                                            button { class: "secondary small disable", onclick: move |_| set_status((user.id, UserStatus::Disabled)), {t!("admin-disable")} }
                                        } else {
                                            button { class: "secondary small enable", onclick: move |_| set_status((user.id, UserStatus::Active)), {t!("admin-enable")} }
                                        }
                                    }
                                } }
                            }
                        }
                    }
                }
                Pager { page: current, pages, on_page: move |p| view.write().page = p }
            }
            div { class: "admin-side-stack",
                if let Some(user) = consents_of() {
                    super::consents::Consents { key: "{user.id}", user, on_close: move |_| consents_of.set(None) }
                }
                if let Some(user) = erasing() {
                    Erase { key: "{user.id}", user, on_done: move |_| {
                        erasing.set(None);
                        *version.write() += 1;
                    } }
                }
                if let Some(user) = devices_of() {
                    Devices { key: "{user.id}", user, on_close: move |_| devices_of.set(None) }
                }
                NewAccount { on_created: move |created: CreatedUser| {
                    shown_once.set(Some(ShownOnce { username: created.user.username, password: created.initial_password }));
                    *version.write() += 1;
                } }
            }
        }
    }
}

pub fn sort_state(view: &View, column: usize) -> &'static str {
    match (view.sort_by == column, view.descending) {
        (false, _) => "none",
        (true, false) => "ascending",
        (true, true) => "descending",
    }
}

#[component]
pub fn Pager(page: usize, pages: usize, on_page: EventHandler<usize>) -> Element {
    rsx! {
        if pages > 1 {
            nav { class: "pager", aria_label: t!("admin-pages"),
                button { class: "secondary small", disabled: page == 0, onclick: move |_| on_page.call(page.saturating_sub(1)), "←" }
                span { {t!("admin-page-of", page = page + 1, pages = pages)} }
                button { class: "secondary small", disabled: page + 1 >= pages, onclick: move |_| on_page.call(page + 1), "→" }
            }
        }
    }
}

#[component]
pub fn OneTimeSecret(once: ShownOnce, on_close: EventHandler<()>) -> Element {
    rsx! {
        div { class: "card secret", role: "status", id: "one-time-password",
            p { {t!("admin-one-time-password", username = once.username.clone())} }
            p { class: "password", "{once.password}" }
            p { class: "muted", {t!("admin-shown-once")} }
            button { class: "secondary", onclick: move |_| on_close.call(()), {t!("admin-done")} }
        }
    }
}

#[component]
fn NewAccount(on_created: EventHandler<CreatedUser>) -> Element {
    let session = use_context::<Session>();
    let school = session.admin.read().as_ref().and_then(super::Admin::school);
    let mut username = use_signal(String::new);
    let mut role = use_signal(|| Role::Student);
    let mut display_name = use_signal(String::new);
    let mut email = use_signal(String::new);
    let mut birth = use_signal(String::new);
    // A student's lawful basis: the school's authorisation (none here), or who consented.
    let mut consent_by = use_signal(|| None::<ConsentGiver>);
    let mut failure = use_signal(|| None::<String>);
    let submit = move |event: FormEvent| async move {
        event.prevent_default();
        failure.set(None);
        let Some(school) = school else { return };
        let optional = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let request = CreateUserRequest {
            username: username().trim().to_owned(),
            role: role(),
            pii: Some(PiiInput {
                display_name: optional(display_name()),
                email: optional(email()),
                birth_date: optional(birth()),
            }),
            consent_by: if role() == Role::Student { consent_by() } else { None },
        };
        let path = format!("/api/v1/schools/{school}/users");
        match session.call::<CreatedUser>("POST", &path, move || Body::json(&request)).await {
            Ok(created) => {
                for mut field in [username, display_name, email, birth] {
                    field.set(String::new());
                }
                on_created.call(created);
            }
            Err(f) => failure.set(Some(f.message)),
        }
    };
    rsx! {
        section { class: "card admin-side",
            h2 { {t!("admin-new-account")} }
            form { class: "form", id: "new-account", onsubmit: submit,
                label { r#for: "new-username", {t!("username")} }
                input { id: "new-username", required: true, value: "{username}", oninput: move |e| username.set(e.value()) }
                label { r#for: "new-role", {t!("admin-role")} }
                select { id: "new-role", onchange: move |e| role.set(e.value().parse().unwrap_or(Role::Student)),
                    for r in [Role::Student, Role::Teacher, Role::EduAdmin] {
                        option { value: r.as_str(), selected: role() == r, {role_label(r)} }
                    }
                }
                label { r#for: "new-display-name", {t!("admin-display-name")} }
                input { id: "new-display-name", value: "{display_name}", oninput: move |e| display_name.set(e.value()) }
                label { r#for: "new-email", {t!("admin-email")} }
                input { id: "new-email", r#type: "email", value: "{email}", oninput: move |e| email.set(e.value()) }
                label { r#for: "new-birth", {t!("admin-birth-year")} }
                input { id: "new-birth", inputmode: "numeric", placeholder: "2013", value: "{birth}", oninput: move |e| birth.set(e.value()) }
                if role() == Role::Student {
                    label { r#for: "new-consent", {t!("admin-consent-to-learn")} }
                    select { id: "new-consent", onchange: move |e| consent_by.set(match e.value().as_str() {
                            "parent_or_guardian" => Some(ConsentGiver::ParentOrGuardian),
                            "student" => Some(ConsentGiver::Student),
                            _ => None,
                        }),
                        option { value: "school", selected: consent_by().is_none(), {t!("admin-consent-school-authorisation")} }
                        option { value: "parent_or_guardian", selected: consent_by() == Some(ConsentGiver::ParentOrGuardian), {t!("consent-by-parent")} }
                        option { value: "student", selected: consent_by() == Some(ConsentGiver::Student), {t!("consent-by-student")} }
                    }
                }
                Failure { failure: failure() }
                button { class: "primary", r#type: "submit", id: "create-account", {t!("admin-create-account")} }
            }
        }
    }
}

/// One person's signed-in devices: each signed out, and if the admin asks, told to remove the
/// account's data at its next contact (a lost tablet, a pupil who left).
#[component]
fn Devices(user: UserView, on_close: EventHandler<()>) -> Element {
    let session = use_context::<Session>();
    let id = user.id;
    let mut version = use_signal(|| 0_u32);
    let devices = use_resource(move || async move {
        let _ = version();
        session
            .call::<Vec<SessionView>>("GET", &format!("/api/v1/users/{id}/sessions"), || Body::None)
            .await
            .map_err(|f| f.message)
    });
    let mut wipe = use_signal(|| false);
    let mut done = use_signal(|| None::<String>);
    let mut failure = use_signal(|| None::<String>);
    let sign_out = move |device: SessionId| async move {
        failure.set(None);
        let request = RevokeSessionsRequest { session_id: Some(device), wipe: wipe() };
        let path = format!("/api/v1/users/{id}/sessions/revoke");
        match session.call::<SessionsRevoked>("POST", &path, move || Body::json(&request)).await {
            Ok(revoked) if revoked.wipe => done.set(Some(t!("admin-device-wiped"))),
            Ok(_) => done.set(Some(t!("admin-device-signed-out"))),
            Err(f) => failure.set(Some(f.message)),
        }
        *version.write() += 1;
    };
    let listed = devices.read().clone();
    rsx! {
        section { class: "card admin-side", id: "devices",
            div { class: "list-head",
                h2 { {t!("admin-devices-of", username = user.username.clone())} }
                button { class: "secondary small", onclick: move |_| on_close.call(()), aria_label: t!("admin-close"), "×" }
            }
            match listed {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some(Err(message)) => rsx! { Failure { failure: Some(message) } },
                Some(Ok(list)) if list.is_empty() => rsx! { p { class: "muted", id: "no-devices", {t!("admin-no-devices")} } },
                Some(Ok(list)) => rsx! {
                    label { class: "check",
                        input { r#type: "checkbox", id: "wipe-device", checked: wipe(), onchange: move |e| wipe.set(e.checked()) }
                        " " {t!("admin-wipe-device")}
                    }
                    ul { class: "devices",
                        for device in list {
                            li { key: "{device.id}", "data-session": "{device.id}",
                                div {
                                    strong { "{device.device_name}" }
                                    p { class: "muted", {t!("admin-device-last-used", at = tallschool_shared::dates::format_utc(device.last_used_at))} }
                                    p { class: if device.waiting_changes.unwrap_or(0) > 0 { "sync-state waiting" } else { "sync-state muted" },
                                        match (device.last_sync_at, device.waiting_changes) {
                                            (Some(at), waiting) => rsx! {
                                                {t!("admin-device-last-sync", at = tallschool_shared::dates::format_utc(at))} " · "
                                                {t!("admin-device-waiting", n = waiting.unwrap_or(0))}
                                            },
                                            (None, _) => rsx! { {t!("admin-device-never-synced")} },
                                        }
                                    }
                                }
                                button { class: "secondary small sign-out-device", onclick: move |_| sign_out(device.id), {t!("admin-sign-out-device")} }
                            }
                        }
                    }
                },
            }
            if let Some(message) = done() {
                p { class: "notice-inline", role: "status", id: "device-done", "{message}" }
            }
            Failure { failure: failure() }
        }
    }
}

/// Erasing a person on their (or their parent's) request: what it does, the username typed
/// again and the admin's own password, then what was removed. A person under a legal hold
/// cannot be erased: the hold is shown instead, with a way to lift it; otherwise a hold can be
/// placed here.
#[component]
fn Erase(user: UserView, on_done: EventHandler<()>) -> Element {
    let session = use_context::<Session>();
    let id = user.id;
    let mut failure = use_signal(|| None::<String>);
    let mut hold_version = use_signal(|| 0_u32);
    let hold = use_resource(move || async move {
        let _ = hold_version();
        session.call::<LegalHoldView>("GET", &format!("/api/v1/users/{id}/legal-hold"), || Body::None).await
    });
    let mut hold_reason = use_signal(String::new);
    let change_hold = move |place: bool| async move {
        failure.set(None);
        let path = format!("/api/v1/users/{id}/legal-hold");
        let answer = if place {
            let request = LegalHoldRequest { reason: hold_reason().trim().to_owned() };
            session.call::<LegalHoldView>("PUT", &path, move || Body::json(&request)).await
        } else {
            session.call::<LegalHoldView>("DELETE", &path, || Body::None).await
        };
        match answer {
            Ok(_) => {
                hold_reason.set(String::new());
                *hold_version.write() += 1;
            }
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let mut typed = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut report = use_signal(|| None::<ErasureReport>);
    let mut busy = use_signal(|| false);
    let username = user.username.clone();
    let matches = typed().trim().eq_ignore_ascii_case(&username);
    let submit = move |event: FormEvent| async move {
        event.prevent_default();
        busy.set(true);
        failure.set(None);
        let reauth = ReauthRequest { password: password() };
        password.set(String::new());
        let confirmed =
            session.call::<serde_json::Value>("POST", "/api/v1/auth/reauth", move || Body::json(&reauth)).await;
        let answer = match confirmed {
            Err(f) => Err(f),
            Ok(_) => {
                let request = ErasureRequest { confirm_username: typed().trim().to_owned() };
                let path = format!("/api/v1/users/{id}/erasure");
                session.call::<ErasureReport>("POST", &path, move || Body::json(&request)).await
            }
        };
        busy.set(false);
        match answer {
            Ok(done) => report.set(Some(done)),
            Err(f) => failure.set(Some(f.message)),
        }
    };
    rsx! {
        section { class: "card admin-side danger", id: "erase",
            h2 { {t!("admin-erase-title", username = user.username.clone())} }
            if let Some(done) = report() {
                p { role: "status", id: "erased", {t!("admin-erased", documents = done.documents_deleted, devices = done.sessions_wiped, reassigned = done.content_reassigned)} }
                button { class: "secondary", onclick: move |_| on_done.call(()), {t!("admin-done")} }
            } else {
                match hold.read().clone() {
                    None => rsx! { p { class: "muted", {t!("loading")} } },
                    Some(Err(f)) => rsx! { Failure { failure: Some(f.message) } },
                    Some(Ok(standing)) if standing.held => rsx! {
                        div { class: "warning", role: "status", id: "legal-hold",
                            p { strong { {t!("admin-legal-hold-standing")} } }
                            p { id: "legal-hold-reason", {standing.reason.clone().unwrap_or_default()} }
                            p { class: "detail", {t!("admin-legal-hold-placed",
                                by = standing.placed_by.clone().unwrap_or_default(),
                                at = standing.placed_at.map(format_utc).unwrap_or_default())} }
                            p { {t!("admin-legal-hold-blocks")} }
                        }
                        Failure { failure: failure() }
                        div { class: "row-actions",
                            button { class: "secondary", id: "lift-hold", onclick: move |_| change_hold(false), {t!("admin-legal-hold-lift")} }
                            button { class: "secondary", r#type: "button", onclick: move |_| on_done.call(()), {t!("admin-close")} }
                        }
                    },
                    Some(Ok(_)) => rsx! {
                        p { {t!("admin-erase-what")} }
                        form { class: "form", onsubmit: submit,
                            label { r#for: "erase-username", {t!("admin-erase-type-username", username = user.username.clone())} }
                            input { id: "erase-username", autocomplete: "off", value: "{typed}", oninput: move |e| typed.set(e.value()) }
                            label { r#for: "erase-password", {t!("admin-your-password")} }
                            input { id: "erase-password", r#type: "password", autocomplete: "current-password", value: "{password}",
                                oninput: move |e| password.set(e.value()) }
                            Failure { failure: failure() }
                            div { class: "row-actions",
                                button { class: "danger", r#type: "submit", id: "erase-confirm", disabled: !matches || password().is_empty() || busy(),
                                    {t!("admin-erase-confirm")} }
                                button { class: "secondary", r#type: "button", onclick: move |_| on_done.call(()), {t!("cancel")} }
                            }
                        }
                        details { class: "more-fields", id: "place-hold",
                            summary { {t!("admin-legal-hold-instead")} }
                            form { class: "form", onsubmit: move |event: FormEvent| async move {
                                    event.prevent_default();
                                    change_hold(true).await;
                                },
                                p { class: "muted", {t!("admin-legal-hold-what")} }
                                label { r#for: "hold-reason", {t!("admin-legal-hold-reason")} }
                                input { id: "hold-reason", autocomplete: "off", maxlength: "300", value: "{hold_reason}",
                                    oninput: move |e| hold_reason.set(e.value()) }
                                button { class: "secondary", r#type: "submit", id: "place-hold-confirm",
                                    disabled: hold_reason().trim().chars().count() < 10, {t!("admin-legal-hold-place")} }
                            }
                        }
                    },
                }
            }
        }
    }
}
