//! Everyone's account screen: what is waiting to sync and what the server refused (with a way
//! to try again), media downloads and storage against the budget, the language and theme, the
//! account's devices, the password, and signing out — which never drops unsynced work without
//! an explicit choice.

use dioxus::prelude::*;
use tallschool_contract::media::MediaStatus;
use tallschool_contract::sync::StoreStatus;
use tallschool_contract::{ErrorCode, Request, Response};
use tallschool_shared::api::SessionView;

use crate::app::{Screen, Shell, use_live};
use crate::browser::{now, reveal};
use crate::engine::ask;
use crate::i18n::{Lang, number};
use crate::lobby::ago;
use crate::prefs::Theme;
use crate::{messages, t};

/// The media budgets offered, in bytes.
pub const BUDGETS: [u64; 5] = [256 << 20, 1 << 30, 2 << 30, 4 << 30, 16 << 30];

/// "512 MB", "1.5 GB": a size as people read it ("1,5 ГБ" in Russian).
pub fn size(bytes: u64) -> String {
    const MB: f64 = (1 << 20) as f64;
    let mb = bytes as f64 / MB;
    if mb < 1.0 {
        t!("size-kb", n = number(bytes.div_ceil(1024) as f64, 0))
    } else if mb < 1024.0 {
        t!("size-mb", n = number(mb, 0))
    } else {
        t!("size-gb", n = number(mb / 1024.0, 1))
    }
}

#[component]
pub fn Account() -> Element {
    let shell = use_context::<Shell>();
    let status = use_live(move |engine| async move {
        let store = ask(&engine, Request::StoreStatus, crate::pick!(Response::StoreStatus)).await?;
        let media = ask(&engine, Request::MediaStatus, crate::pick!(Response::MediaStatus)).await?;
        Ok::<_, String>((store, media))
    });
    let user = shell.user.read().clone();
    let back = {
        let shell = shell.clone();
        move |_| shell.go(Screen::Lobby)
    };
    rsx! {
        header { class: "top",
            button { class: "secondary", id: "account-back", onclick: back, {t!("back-to-lobby")} }
            h1 { class: "reader-title", {t!("account-title")} }
        }
        main { class: "editor account",
            match &*status.read() {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some(Err(message)) => rsx! { p { class: "error", role: "alert", "{message}" } },
                Some(Ok((store, media))) => rsx! {
                    SyncPanel { status: store.clone() }
                    MediaPanel { status: media.clone() }
                },
            }
            if crate::web_app::is_web_app(&shell) {
                crate::web_app::BrowserStoragePanel {}
            }
            SignOut { username: user.as_ref().map(|u| u.username.clone()).unwrap_or_default() }
            AppearancePanel {}
            DevicesPanel {}
            section { class: "card",
                h2 { {t!("password")} }
                ChangePassword {}
            }
        }
    }
}

/// A button's request, run in the background: the runner, whether it runs, and what failed.
fn use_action() -> (impl Fn(Request) + Clone, Signal<bool>, Signal<Option<String>>) {
    let shell = use_context::<Shell>();
    let mut problem = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let engine = shell.engine.clone();
    let run = move |request: Request| {
        let engine = engine.clone();
        spawn(async move {
            busy.set(true);
            problem.set(ask(&engine, request, Some).await.err());
            busy.set(false);
        });
    };
    (run, busy, problem)
}

#[component]
fn SyncPanel(status: StoreStatus) -> Element {
    let shell = use_context::<Shell>();
    let (run, busy, problem) = use_action();
    let last = status.last_sync_at.map_or(t!("never-synced-long"), |at| t!("last-synced", ago = ago(at, now())));
    let waiting = if status.pending_changes == 0 {
        t!("everything-saved")
    } else {
        t!("changes-to-send", n = status.pending_changes)
    };
    rsx! {
        section { class: "card", id: "sync-panel",
            h2 { {t!("sync")} }
            p { id: "outbox", "{waiting}. {last}." }
            if (shell.offline)() {
                p { class: "muted", {t!("server-unreachable-retrying")} }
            }
            if !status.rejections.is_empty() {
                p { class: "error", {t!("documents-refused", n = status.rejections.len())} }
                ul { class: "rejected",
                    for (doc, why) in status.rejections.iter() {
                        li { key: "{doc}", "{why}" }
                    }
                }
                button { class: "secondary", disabled: busy(),
                    onclick: {
                        let run = run.clone();
                        move |_| run(Request::RetryRejected)
                    },
                    {t!("try-again")}
                }
            }
            button { class: "primary", disabled: busy(),
                onclick: {
                    let run = run.clone();
                    move |_| run(Request::Sync)
                },
                if busy() { {t!("syncing")} } else { {t!("sync-now")} }
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
        }
    }
}

#[component]
fn MediaPanel(status: MediaStatus) -> Element {
    let (run, busy, problem) = use_action();
    let used =
        if status.budget_bytes == 0 { 0.0 } else { status.bytes_cached as f64 * 100.0 / status.budget_bytes as f64 };
    rsx! {
        section { class: "card", id: "media-panel",
            h2 { {t!("media-title")} }
            if status.files_wanted == 0 {
                p { {t!("media-nothing", budget = size(status.budget_bytes))} }
            } else {
                p { {t!("media-on-device", cached = status.files_cached, wanted = status.files_wanted, bytes = size(status.bytes_cached), budget = size(status.budget_bytes))} }
            }
            div { class: "progress small", role: "meter", "aria-label": t!("storage-used"), "aria-valuenow": "{used:.0}",
                "aria-valuemin": "0", "aria-valuemax": "100",
                div { class: "bar", style: "width: {used.min(100.0)}%" }
            }
            if status.over_budget > 0 {
                p { class: "muted", {t!("media-over-budget", n = status.over_budget)} }
            }
            for (hash, why) in status.failed.iter() {
                p { class: "error", key: "{hash}", {t!("download-failed", why = why.as_str())} }
            }
            div { class: "row",
                label { r#for: "budget", {t!("space-allowed")} }
                select { id: "budget",
                    onchange: {
                        let run = run.clone();
                        move |e: FormEvent| if let Ok(bytes) = e.value().parse() { run(Request::SetMediaBudget { bytes }) }
                    },
                    for budget in BUDGETS {
                        option { value: "{budget}", selected: budget == status.budget_bytes, "{size(budget)}" }
                    }
                }
                button { class: "secondary", disabled: busy(),
                    onclick: {
                        let run = run.clone();
                        move |_| run(Request::SyncMedia)
                    },
                    {t!("download-now")}
                }
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
        }
    }
}

/// The language and light or dark, for this device.
#[component]
fn AppearancePanel() -> Element {
    let shell = use_context::<Shell>();
    let theme = (shell.theme)();
    rsx! {
        section { class: "card", id: "appearance",
            h2 { {t!("appearance")} }
            div { class: "row",
                LanguagePicker {}
                label { r#for: "theme", {t!("theme-label")} }
                select { id: "theme",
                    onchange: move |e: FormEvent| if let Some(theme) = Theme::parse(&e.value()) { shell.set_theme(theme) },
                    for choice in Theme::ALL {
                        option { value: choice.tag(), selected: choice == theme, {theme_name(choice)} }
                    }
                }
            }
        }
    }
}

fn theme_name(theme: Theme) -> String {
    match theme {
        Theme::System => t!("theme-system"),
        Theme::Light => t!("theme-light"),
        Theme::Dark => t!("theme-dark"),
    }
}

/// The language menu: each language named in itself, so anyone finds their own.
#[component]
pub fn LanguagePicker() -> Element {
    let shell = use_context::<Shell>();
    let lang = crate::i18n::current();
    rsx! {
        span { class: "language",
            label { r#for: "language", {t!("language")} }
            select { id: "language",
                onchange: move |e: FormEvent| if let Some(lang) = Lang::parse(&e.value()) { shell.set_language(lang) },
                for choice in Lang::ALL {
                    option { value: choice.tag(), lang: choice.tag(), selected: choice == lang, {choice.native_name()} }
                }
            }
        }
    }
}

/// The account's signed-in devices (online), each but this one with a way to sign it out.
#[component]
fn DevicesPanel() -> Element {
    let shell = use_context::<Shell>();
    let offline = shell.offline;
    let engine = shell.engine.clone();
    let mut reload = use_signal(|| 0_u32);
    let devices = use_resource(move || {
        let engine = engine.clone();
        let _ = (offline(), reload());
        async move { ask(&engine, Request::Devices, crate::pick!(Response::Devices)).await }
    });
    let mut problem = use_signal(|| None::<String>);
    let engine = shell.engine.clone();
    let sign_out = move |device: &SessionView| {
        let (engine, session) = (engine.clone(), device.id);
        move |_| {
            let engine = engine.clone();
            spawn(async move {
                problem.set(ask(&engine, Request::SignOutDevice { session }, Some).await.err());
                *reload.write() += 1;
            });
        }
    };
    rsx! {
        section { class: "card", id: "devices",
            h2 { {t!("devices")} }
            match &*devices.read() {
                None => rsx! { p { class: "muted", {t!("loading")} } },
                Some(Err(_)) => rsx! { p { class: "muted", {t!("devices-need-server")} } },
                Some(Ok(list)) => rsx! {
                    ul { class: "devices",
                        for device in list.iter() {
                            li { key: "{device.id}",
                                div {
                                    strong { "{device.device_name}" }
                                    if device.current { span { class: "tag calm", {t!("this-device")} } }
                                    p { class: "muted", {t!("device-last-used", ago = ago(device.last_used_at, now()))} }
                                }
                                if !device.current {
                                    button { class: "secondary sign-out-device", onclick: sign_out(device),
                                        {t!("sign-out-device")} }
                                }
                            }
                        }
                    }
                },
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
        }
    }
}

#[component]
fn ChangePassword() -> Element {
    let shell = use_context::<Shell>();
    let mut current = use_signal(String::new);
    let mut new = use_signal(String::new);
    let mut repeat = use_signal(String::new);
    let mut result = use_signal(|| None::<Result<(), String>>);
    let submit = move |event: FormEvent| {
        event.prevent_default();
        let shell = shell.clone();
        async move {
            if new() != repeat() {
                result.set(Some(Err(t!("passwords-differ"))));
                return;
            }
            let request = Request::ChangePassword { current: current(), new: new() };
            let outcome = ask(&shell.engine, request, Some).await.map(|_| ());
            current.set(String::new());
            if outcome.is_ok() {
                new.set(String::new());
                repeat.set(String::new());
            }
            result.set(Some(outcome));
        }
    };
    rsx! {
        form { class: "form", onsubmit: submit,
            label { r#for: "current-password", {t!("current-password")} }
            input { id: "current-password", r#type: "password", autocomplete: "current-password", value: "{current}",
                oninput: move |e| current.set(e.value()) }
            label { r#for: "new-password", {t!("new-password")} }
            input { id: "new-password", r#type: "password", autocomplete: "new-password", value: "{new}",
                oninput: move |e| new.set(e.value()) }
            label { r#for: "repeat-password", {t!("repeat-password")} }
            input { id: "repeat-password", r#type: "password", autocomplete: "new-password", value: "{repeat}",
                oninput: move |e| repeat.set(e.value()) }
            match result() {
                Some(Ok(())) => rsx! { p { class: "notice-inline", role: "status", {t!("password-changed")} } },
                Some(Err(message)) => rsx! { p { class: "error", role: "alert", "{message}" } },
                None => rsx! {},
            }
            button { class: "secondary", r#type: "submit", {t!("change-password")} }
        }
    }
}

#[component]
fn SignOut(username: String) -> Element {
    let shell = use_context::<Shell>();
    // Work the server does not have, when a sign-out was refused for it.
    let mut unsynced = use_signal(|| None::<String>);
    let mut problem = use_signal(|| None::<String>);
    let sign_out = move |discard: bool| {
        let shell = shell.clone();
        spawn(async move {
            match shell.engine.call(Request::Logout { discard }).await {
                Ok(_) => {
                    let (mut user, mut screen) = (shell.user, shell.screen);
                    user.set(None);
                    screen.set(Screen::SignIn);
                }
                Err(error) if error.code == ErrorCode::UnsyncedWork => {
                    unsynced.set(Some(error.message));
                    reveal("unsynced-warning").await;
                }
                Err(error) => problem.set(Some(messages::failure(&error))),
            }
        });
    };
    rsx! {
        section { class: "card sign-out",
            h2 { {t!("signed-in-as", name = username.as_str())} }
            if let Some(what) = unsynced() {
                div { class: "warning", role: "alert", id: "unsynced-warning",
                    p { strong { {t!("work-not-on-server")} } }
                    p { {t!("stay-or-delete")} }
                    p { class: "detail", "{what}" }
                    button { class: "primary", onclick: move |_| unsynced.set(None), {t!("stay-signed-in")} }
                    button { class: "danger", id: "discard-and-sign-out",
                        onclick: {
                            let sign_out = sign_out.clone();
                            move |_| sign_out(true)
                        },
                        {t!("sign-out-and-delete")}
                    }
                }
            } else {
                p { class: "muted", {t!("sign-out-help")} }
                button { class: "secondary", id: "sign-out",
                    onclick: {
                        let sign_out = sign_out.clone();
                        move |_| sign_out(false)
                    },
                    {t!("sign-out")}
                }
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        crate::i18n::set(Lang::En);
        assert_eq!(size(512), "1 KB");
        assert_eq!(size(300 << 20), "300 MB");
        assert_eq!(size(3 << 29), "1.5 GB");
        crate::i18n::set(Lang::Ru);
        assert_eq!(size(3 << 29), "1,5 ГБ");
        crate::i18n::set(Lang::En);
    }
}
