//! Sign in: the school's server (asked once, then remembered), username and password.

use dioxus::prelude::*;
use tallschool_contract::{ErrorCode, Request, Response};

use crate::app::{Screen, Shell};
use crate::browser::{store, stored};
use crate::{messages, t};

/// The server address the app was started with, else the one used last.
fn default_server() -> String {
    #[cfg(target_arch = "wasm32")]
    let given = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"__TALLSCHOOL_SERVER__".into()).ok())
        .and_then(|v| v.as_string());
    #[cfg(not(target_arch = "wasm32"))]
    let given = None::<String>;
    given.filter(|g| !g.is_empty()).or_else(|| stored("server")).unwrap_or_default()
}

#[component]
pub fn SignIn() -> Element {
    let shell = use_context::<Shell>();
    let mut notice = shell.notice;
    // The web app signs in to the server that serves it: nothing to ask.
    let fixed = shell.engine.fixed_server();
    let mut server = use_signal({
        let fixed = fixed.clone();
        move || fixed.unwrap_or_else(default_server)
    });
    let device_name = if fixed.is_some() { "TallSchool web" } else { "TallSchool desktop" };
    let mut username = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    // Signed in with a one-time password: kept here only until the account's own is chosen.
    let mut one_time = use_signal(|| None::<String>);

    let submit = move |event: FormEvent| {
        event.prevent_default();
        let shell = shell.clone();
        async move {
            busy.set(true);
            notice.set(None);
            error.set(None);
            let request = Request::Login {
                server: server().trim().to_owned(),
                username: username().trim().to_owned(),
                password: password(),
                device_name: device_name.to_owned(),
            };
            let answer = shell.engine.call(request).await;
            busy.set(false);
            match answer {
                Ok(Response::User(user)) => {
                    store("server", server().trim());
                    let mut current = shell.user;
                    current.set(Some(user));
                    let must =
                        matches!(shell.engine.call(Request::PasswordChangeRequired).await, Ok(Response::Flag(true)));
                    if must {
                        one_time.set(Some(password()));
                    } else {
                        shell.go(Screen::Lobby);
                    }
                    password.set(String::new());
                }
                Ok(_) => error.set(Some(t!("unexpected-answer"))),
                Err(failure) if failure.code == ErrorCode::PasswordChangeRequired => {
                    error.set(Some(messages::sign_in_failure(&failure)));
                }
                Err(failure) => {
                    // As sign-in forms do: the password is typed again, the rest stays.
                    password.set(String::new());
                    error.set(Some(messages::sign_in_failure(&failure)));
                }
            }
        }
    };

    if let Some(given) = one_time() {
        return rsx! { ChoosePassword { one_time: Some(given) } };
    }
    rsx! {
        main { class: "sign-in",
            h1 { class: "brand", "TallSchool" }
            if let Some(why) = notice() {
                p { class: "error", role: "alert", id: "signed-out-notice", "{why}" }
            }
            p { class: "muted", {t!("sign-in-intro")} }
            form { onsubmit: submit, class: "card form",
                if fixed.is_none() {
                    label { r#for: "server", {t!("school-server")} }
                    input {
                        id: "server", r#type: "url", required: true, placeholder: "https://school.example.org",
                        value: "{server}", oninput: move |e| server.set(e.value()),
                    }
                }
                label { r#for: "username", {t!("username")} }
                input {
                    id: "username", required: true, autofocus: true, autocomplete: "username",
                    value: "{username}", oninput: move |e| username.set(e.value()),
                }
                label { r#for: "password", {t!("password")} }
                input {
                    id: "password", r#type: "password", required: true, autocomplete: "current-password",
                    value: "{password}", oninput: move |e| password.set(e.value()),
                }
                if let Some(message) = error() {
                    p { class: "error", role: "alert", "{message}" }
                }
                button { r#type: "submit", class: "primary", disabled: busy(),
                    if busy() { {t!("signing-in")} } else { {t!("sign-in")} }
                }
            }
            crate::account::LanguagePicker {}
        }
    }
}

/// The account's own password, chosen after a sign-in with the one-time password a teacher or
/// the school gave (`one_time`; asked again when the app was closed in between).
#[component]
pub fn ChoosePassword(one_time: Option<String>) -> Element {
    let shell = use_context::<Shell>();
    let mut current = use_signal(String::new);
    let mut new = use_signal(String::new);
    let mut repeat = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let ask_current = one_time.is_none();
    let submit = move |event: FormEvent| {
        event.prevent_default();
        let shell = shell.clone();
        let given = one_time.clone();
        async move {
            if new() != repeat() {
                error.set(Some(t!("passwords-differ")));
                return;
            }
            busy.set(true);
            let old = match given {
                Some(given) => given,
                None => current(),
            };
            let request = Request::ChangePassword { current: old, new: new() };
            let answer = shell.engine.call(request).await;
            busy.set(false);
            match answer {
                Ok(_) => shell.go(Screen::Lobby),
                Err(failure) => {
                    current.set(String::new());
                    error.set(Some(messages::failure(&failure)));
                }
            }
        }
    };
    rsx! {
        main { class: "sign-in",
            h1 { class: "brand", "TallSchool" }
            h2 { {t!("choose-password-title")} }
            p { class: "muted", {t!("choose-password-intro")} }
            form { onsubmit: submit, class: "card form", id: "choose-password",
                if ask_current {
                    label { r#for: "one-time-password", {t!("one-time-password")} }
                    input { id: "one-time-password", r#type: "password", required: true, autocomplete: "current-password",
                        value: "{current}", oninput: move |e| current.set(e.value()) }
                }
                label { r#for: "choose-new-password", {t!("new-password")} }
                input { id: "choose-new-password", r#type: "password", required: true, autofocus: true, autocomplete: "new-password",
                    value: "{new}", oninput: move |e| new.set(e.value()) }
                label { r#for: "choose-repeat-password", {t!("repeat-password")} }
                input { id: "choose-repeat-password", r#type: "password", required: true, autocomplete: "new-password",
                    value: "{repeat}", oninput: move |e| repeat.set(e.value()) }
                if let Some(message) = error() {
                    p { class: "error", role: "alert", "{message}" }
                }
                button { r#type: "submit", class: "primary", disabled: busy(), {t!("choose-password")} }
            }
        }
    }
}
