//! Sign in: the school's server (asked once, then remembered), username and password.

use dioxus::prelude::*;
use tallschool_contract::{ErrorCode, Request, Response};

use crate::app::{Screen, Shell};
use crate::messages;

/// The server address the app was started with, else the one used last.
fn default_server() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let window = web_sys::window();
        let stored = window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item("server").ok().flatten());
        let given = window
            .and_then(|w| js_sys::Reflect::get(&w, &"__TALLSCHOOL_SERVER__".into()).ok())
            .and_then(|v| v.as_string());
        given.filter(|g| !g.is_empty()).or(stored).unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

#[cfg(target_arch = "wasm32")]
fn remember_server(server: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item("server", server);
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn remember_server(_: &str) {}

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
                    remember_server(server().trim());
                    password.set(String::new());
                    let mut current = shell.user;
                    current.set(Some(user));
                    shell.go(Screen::Lobby);
                }
                Ok(_) => error.set(Some("The app answered something unexpected.".to_owned())),
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
            p { class: "muted", "Sign in with the account your school gave you." }
            form { onsubmit: submit, class: "card form",
                label { r#for: "server", "School server" }
                input {
                    id: "server", r#type: "url", required: true, placeholder: "https://school.example.org",
                    value: "{server}", oninput: move |e| server.set(e.value()),
                }
                label { r#for: "username", "Username" }
                input {
                    id: "username", required: true, autofocus: true, autocomplete: "username",
                    value: "{username}", oninput: move |e| username.set(e.value()),
                }
                label { r#for: "password", "Password" }
                input {
                    id: "password", r#type: "password", required: true, autocomplete: "current-password",
                    value: "{password}", oninput: move |e| password.set(e.value()),
                }
                if let Some(message) = error() {
                    p { class: "error", role: "alert", "{message}" }
                }
                button { r#type: "submit", class: "primary", disabled: busy(),
                    if busy() { "Signing in…" } else { "Sign in" }
                }
            }
        }
    }
}
