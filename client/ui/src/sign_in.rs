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
    let mut server = use_signal(default_server);
    let mut username = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);

    let submit = move |event: FormEvent| {
        event.prevent_default();
        let shell = shell.clone();
        async move {
            busy.set(true);
            error.set(None);
            let request = Request::Login {
                server: server().trim().to_owned(),
                username: username().trim().to_owned(),
                password: password(),
                device_name: "TallSchool desktop".to_owned(),
            };
            let answer = shell.engine.call(request).await;
            busy.set(false);
            match answer {
                Ok(Response::User(user)) => {
                    store("server", server().trim());
                    password.set(String::new());
                    let mut current = shell.user;
                    current.set(Some(user));
                    shell.go(Screen::Lobby);
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

    rsx! {
        main { class: "sign-in",
            h1 { class: "brand", "TallSchool" }
            p { class: "muted", {t!("sign-in-intro")} }
            form { onsubmit: submit, class: "card form",
                label { r#for: "server", {t!("school-server")} }
                input {
                    id: "server", r#type: "url", required: true, placeholder: "https://school.example.org",
                    value: "{server}", oninput: move |e| server.set(e.value()),
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
