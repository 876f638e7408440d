//! The admin dashboard at `/admin`: the same screens' styles and words, no engine — a client
//! of the REST API only. An educational admin runs their school's people, imports and classes;
//! a technical admin runs the server's jobs. Every action is checked again by the server.

mod api;
mod break_glass;
mod charts;
mod classes;
mod consents;
mod devices;
mod digests;
mod import;
mod operations;
mod people;
mod privacy;
mod schools;
mod security;
mod table;

use dioxus::prelude::*;
use tallschool_shared::api::{ChangePasswordRequest, LoginRequest, RefreshRequest, TokenResponse, UserView};
use tallschool_shared::{Role, SchoolId};

pub use api::{ApiFailure, Body};

use crate::t;

/// Whether this page is the dashboard (served at `/admin`).
pub fn is_admin_page() -> bool {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .is_some_and(|path| path == "/admin" || path.starts_with("/admin/"));
    #[cfg(not(target_arch = "wasm32"))]
    false
}

/// The signed-in admin. Tokens stay in this tab's memory: closing it signs out.
#[derive(Clone, Debug, PartialEq)]
pub struct Admin {
    pub access_token: String,
    pub refresh_token: String,
    pub user: UserView,
}

impl Admin {
    pub fn school(&self) -> Option<SchoolId> {
        self.user.school_id
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    People,
    Import,
    Classes,
    Digests,
    Privacy,
    Schools,
    Devices,
    Security,
    Operations,
}

impl Page {
    fn for_role(role: Role) -> &'static [Page] {
        match role {
            Role::EduAdmin => &[Page::People, Page::Import, Page::Classes, Page::Digests, Page::Privacy],
            Role::TechAdmin => &[Page::Operations, Page::Schools, Page::Devices, Page::Security],
            Role::Teacher | Role::Student => &[],
        }
    }

    fn label(self) -> String {
        match self {
            Page::People => t!("admin-people"),
            Page::Import => t!("admin-import"),
            Page::Classes => t!("admin-classes"),
            Page::Privacy => t!("admin-privacy"),
            Page::Digests => t!("admin-digests"),
            Page::Devices => t!("admin-devices"),
            Page::Security => t!("admin-security"),
            Page::Schools => t!("admin-schools"),
            Page::Operations => t!("admin-operations"),
        }
    }

    fn id(self) -> &'static str {
        match self {
            Page::People => "nav-people",
            Page::Import => "nav-import",
            Page::Classes => "nav-classes",
            Page::Privacy => "nav-privacy",
            Page::Digests => "nav-digests",
            Page::Devices => "nav-devices",
            Page::Security => "nav-security",
            Page::Schools => "nav-schools",
            Page::Operations => "nav-operations",
        }
    }
}

/// The session every page calls the API with.
#[derive(Clone, Copy)]
pub struct Session {
    pub admin: Signal<Option<Admin>>,
}

impl Session {
    /// Call the API as the admin; an expired access token is renewed once with the refresh
    /// token, and a session that cannot be renewed goes back to sign-in.
    pub async fn call<T: serde::de::DeserializeOwned>(
        self,
        method: &str,
        path: &str,
        body: impl Fn() -> Body,
    ) -> Result<T, ApiFailure> {
        let mut admin_signal = self.admin;
        let Some(admin) = admin_signal() else {
            return Err(ApiFailure { status: 401, code: "unauthorized".to_owned(), message: t!("admin-signed-out") });
        };
        match api::call(method, path, Some(&admin.access_token), body()).await {
            Err(failure) if failure.status == 401 && failure.code == "unauthorized" => {
                let request = RefreshRequest { refresh_token: admin.refresh_token.clone() };
                match api::call::<TokenResponse>("POST", "/api/v1/auth/refresh", None, Body::json(&request)).await {
                    Ok(tokens) => {
                        let renewed = Admin {
                            access_token: tokens.access_token,
                            refresh_token: tokens.refresh_token,
                            user: tokens.user,
                        };
                        let token = renewed.access_token.clone();
                        admin_signal.set(Some(renewed));
                        api::call(method, path, Some(&token), body()).await
                    }
                    Err(_) => {
                        admin_signal.set(None);
                        Err(failure)
                    }
                }
            }
            other => other,
        }
    }
}

#[component]
pub fn AdminApp() -> Element {
    let admin = use_signal(|| None::<Admin>);
    use_context_provider(|| Session { admin });
    use_hook(crate::prefs::start_theme);
    rsx! {
        div { class: "app admin",
            match admin() {
                None => rsx! { AdminSignIn {} },
                Some(signed_in) => rsx! { Dashboard { role: signed_in.user.role } },
            }
        }
    }
}

#[component]
fn AdminSignIn() -> Element {
    let session = use_context::<Session>();
    let mut username = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    // Signed in with a one-time password: the admin's own password comes first.
    let mut pending = use_signal(|| None::<(Admin, String)>);
    let mut new_password = use_signal(String::new);
    let mut repeat = use_signal(String::new);
    let choose = move |event: FormEvent| async move {
        event.prevent_default();
        let Some((admin, one_time)) = pending() else { return };
        if new_password() != repeat() {
            error.set(Some(t!("passwords-differ")));
            return;
        }
        busy.set(true);
        error.set(None);
        let request = ChangePasswordRequest {
            current_password: one_time,
            new_password: new_password(),
            end_other_sessions: Some(true),
        };
        let answer =
            api::call::<()>("POST", "/api/v1/me/password", Some(&admin.access_token), Body::json(&request)).await;
        busy.set(false);
        match answer {
            Ok(()) => {
                new_password.set(String::new());
                repeat.set(String::new());
                pending.set(None);
                let mut signed_in = session.admin;
                signed_in.set(Some(admin));
            }
            Err(failure) => error.set(Some(failure.message)),
        }
    };
    let submit = move |event: FormEvent| {
        event.prevent_default();
        async move {
            busy.set(true);
            error.set(None);
            let request = LoginRequest {
                username: username().trim().to_owned(),
                password: password(),
                device_name: "Admin dashboard".to_owned(),
                device_key: None,
            };
            let answer = api::call::<TokenResponse>("POST", "/api/v1/auth/login", None, Body::json(&request)).await;
            busy.set(false);
            let typed = password();
            password.set(String::new());
            match answer {
                Ok(tokens) if Page::for_role(tokens.user.role).is_empty() => error.set(Some(t!("admin-not-an-admin"))),
                Ok(tokens) if tokens.password_change_required => {
                    let admin = Admin {
                        access_token: tokens.access_token,
                        refresh_token: tokens.refresh_token,
                        user: tokens.user,
                    };
                    pending.set(Some((admin, typed)));
                }
                Ok(tokens) => {
                    let mut admin = session.admin;
                    admin.set(Some(Admin {
                        access_token: tokens.access_token,
                        refresh_token: tokens.refresh_token,
                        user: tokens.user,
                    }));
                }
                Err(failure) => error.set(Some(failure.message)),
            }
        }
    };
    if pending().is_some() {
        return rsx! {
            main { class: "sign-in",
                h1 { class: "brand", "TallSchool" }
                p { {t!("sign-in-new-password")} }
                form { class: "form", id: "admin-choose-password", onsubmit: choose,
                    label { r#for: "admin-new-password", {t!("admin-new-password")} }
                    input { id: "admin-new-password", r#type: "password", autocomplete: "new-password", autofocus: true,
                        value: "{new_password}", oninput: move |e| new_password.set(e.value()) }
                    label { r#for: "admin-repeat-password", {t!("admin-repeat-password")} }
                    input { id: "admin-repeat-password", r#type: "password", autocomplete: "new-password",
                        value: "{repeat}", oninput: move |e| repeat.set(e.value()) }
                    if let Some(message) = error() {
                        p { class: "error", role: "alert", "{message}" }
                    }
                    button { class: "primary", r#type: "submit", id: "admin-save-password", disabled: busy(), {t!("admin-save-password")} }
                }
            }
        };
    }
    rsx! {
        main { class: "sign-in",
            h1 { class: "brand", "TallSchool" }
            p { class: "muted", {t!("admin-sign-in-lead")} }
            form { class: "form", onsubmit: submit,
                label { r#for: "admin-username", {t!("username")} }
                input { id: "admin-username", autocomplete: "username", autofocus: true, value: "{username}",
                    oninput: move |e| username.set(e.value()) }
                label { r#for: "admin-password", {t!("password")} }
                input { id: "admin-password", r#type: "password", autocomplete: "current-password", value: "{password}",
                    oninput: move |e| password.set(e.value()) }
                if let Some(message) = error() {
                    p { class: "error", role: "alert", id: "admin-sign-in-error", "{message}" }
                }
                button { class: "primary", r#type: "submit", id: "admin-sign-in", disabled: busy(), {t!("sign-in")} }
            }
        }
    }
}

#[component]
fn Dashboard(role: Role) -> Element {
    let session = use_context::<Session>();
    let pages = Page::for_role(role);
    let mut page = use_signal(|| pages.first().copied().unwrap_or(Page::Operations));
    let who = session.admin.read().as_ref().map(|a| a.user.username.clone()).unwrap_or_default();
    let sign_out = move |_| async move {
        let _: Result<(), _> = session.call("POST", "/api/v1/auth/logout", || Body::Json("{}".to_owned())).await;
        let mut admin = session.admin;
        admin.set(None);
    };
    rsx! {
        header { class: "top",
            span { class: "brand", "TallSchool" }
            span { class: "muted", {t!("admin-dashboard")} }
            nav { class: "tabs", aria_label: t!("admin-dashboard"),
                for p in pages.iter().copied() {
                    button { class: if page() == p { "tab current" } else { "tab" }, id: p.id(),
                        aria_current: if page() == p { "page" } else { "false" },
                        onclick: move |_| page.set(p), {p.label()} }
                }
            }
            span { class: "who", id: "admin-who", "{who}" }
            button { class: "secondary", id: "admin-sign-out", onclick: sign_out, {t!("sign-out")} }
        }
        main { class: "admin-page",
            match page() {
                Page::People => rsx! { people::People {} },
                Page::Import => rsx! { import::Import {} },
                Page::Classes => rsx! { classes::Classes {} },
                Page::Privacy => rsx! { privacy::Privacy {} },
                Page::Digests => rsx! { digests::Digests {} },
                Page::Devices => rsx! { devices::AllDevices {} },
                Page::Security => rsx! { security::Security {} },
                Page::Schools => rsx! { schools::Schools {} },
                Page::Operations => rsx! { operations::Operations {} },
            }
        }
    }
}

/// A failure as a line on the page.
#[component]
pub fn Failure(failure: Option<String>) -> Element {
    rsx! {
        if let Some(message) = failure {
            p { class: "error", role: "alert", "{message}" }
        }
    }
}
