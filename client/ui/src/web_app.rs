//! What only the web app (the screens in a browser tab or an installed phone app) shows: that a
//! new version is ready, how the browser keeps the data, and — on an iPhone in Safari — why to
//! add the app to the Home Screen.

use dioxus::prelude::*;

use crate::app::Shell;
use crate::browser::{self, BrowserStorage};
use crate::t;

/// Whether the screens run as the web app (their engine in a browser worker).
pub fn is_web_app(shell: &Shell) -> bool {
    shell.engine.fixed_server().is_some()
}

/// "A new version is ready": reloading switches to it, all at once.
#[component]
pub fn UpdateBanner() -> Element {
    let ready = use_signal(|| false);
    use_hook(move || {
        browser::on_update_ready(move || {
            let mut ready = ready;
            ready.set(true);
        })
    });
    rsx! {
        if ready() {
            div { class: "banner update", role: "status", id: "update-ready",
                span { {t!("update-ready")} }
                button { class: "primary", id: "update-reload", onclick: |_| browser::apply_update(), {t!("update-reload")} }
            }
        }
    }
}

/// On an iPhone or iPad in Safari: add the app to the Home Screen, or Safari may delete its data.
#[component]
pub fn HomeScreenHint() -> Element {
    let mut dismissed = use_signal(|| browser::stored("home-screen-hint").is_some());
    rsx! {
        if browser::ios_browser_tab() && !dismissed() {
            div { class: "banner hint", role: "note", id: "home-screen-hint",
                span { {t!("home-screen-hint")} }
                button { class: "secondary", onclick: move |_| {
                        browser::store("home-screen-hint", "seen");
                        dismissed.set(true);
                    },
                    {t!("got-it")}
                }
            }
        }
    }
}

/// The browser's storage for the app: how much is used, and whether the browser promised to
/// keep it (asked for at start; asked again here).
#[component]
pub fn BrowserStoragePanel() -> Element {
    let mut asked = use_signal(|| 0_u32);
    let storage = use_resource(move || async move {
        let _ = asked();
        browser::browser_storage().await
    });
    let ask = move |_| async move {
        browser::ask_persistent_storage().await;
        *asked.write() += 1;
    };
    let Some(Some(BrowserStorage { used, quota, persistent })) = storage.read().clone() else {
        return rsx! {};
    };
    rsx! {
        section { class: "card", id: "browser-storage",
            h2 { {t!("browser-storage-title")} }
            p { {t!("browser-storage-used", used = crate::account::size(used), quota = crate::account::size(quota))} }
            if persistent {
                p { id: "storage-persistent", {t!("browser-storage-kept")} }
            } else {
                p { class: "muted", {t!("browser-storage-not-kept")} }
                button { class: "secondary", onclick: ask, {t!("browser-storage-keep")} }
            }
        }
    }
}
