//! Everyone's account screen: what is waiting to sync and what the server refused (with a way
//! to try again), media downloads and storage against the budget, the password, and signing
//! out — which never drops unsynced work without an explicit choice.

use dioxus::prelude::*;
use tallschool_contract::media::MediaStatus;
use tallschool_contract::sync::StoreStatus;
use tallschool_contract::{ErrorCode, Request, Response};

use crate::app::{Screen, Shell, use_live};
use crate::browser::{now, reveal};
use crate::engine::ask;
use crate::lobby::ago;
use crate::messages::{self, count};

/// The media budgets offered, in bytes.
pub const BUDGETS: [u64; 5] = [256 << 20, 1 << 30, 2 << 30, 4 << 30, 16 << 30];

/// "512 MB", "1.5 GB": a size as people read it.
pub fn size(bytes: u64) -> String {
    const MB: f64 = (1 << 20) as f64;
    let mb = bytes as f64 / MB;
    if mb < 1.0 {
        format!("{} KB", bytes.div_ceil(1024))
    } else if mb < 1024.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{:.1} GB", mb / 1024.0)
    }
}

#[component]
pub fn Account() -> Element {
    let shell = use_context::<Shell>();
    let status = use_live(move |engine| async move {
        let store = ask(&engine, Request::StoreStatus, |r| match r {
            Response::StoreStatus(status) => Some(status),
            _ => None,
        })
        .await?;
        let media = ask(&engine, Request::MediaStatus, |r| match r {
            Response::MediaStatus(status) => Some(status),
            _ => None,
        })
        .await?;
        Ok::<_, String>((store, media))
    });
    let user = shell.user.read().clone();
    let back = {
        let shell = shell.clone();
        move |_| shell.go(Screen::Lobby)
    };
    rsx! {
        header { class: "top",
            button { class: "secondary", id: "account-back", onclick: back, "← Lobby" }
            h1 { class: "reader-title", "Account and sync" }
        }
        main { class: "editor account",
            match &*status.read() {
                None => rsx! { p { class: "muted", "Loading…" } },
                Some(Err(message)) => rsx! { p { class: "error", role: "alert", "{message}" } },
                Some(Ok((store, media))) => rsx! {
                    SyncPanel { status: store.clone() }
                    MediaPanel { status: media.clone() }
                },
            }
            SignOut { username: user.as_ref().map(|u| u.username.clone()).unwrap_or_default() }
            section { class: "card",
                h2 { "Password" }
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
    let last = status.last_sync_at.map_or("Never synced".to_owned(), |at| format!("Last synced {}", ago(at, now())));
    let waiting = if status.pending_changes == 0 {
        "Everything is saved on the server".to_owned()
    } else {
        format!("{} to be sent", count(status.pending_changes as usize, "change waits", "changes wait"))
    };
    rsx! {
        section { class: "card", id: "sync-panel",
            h2 { "Sync" }
            p { id: "outbox", "{waiting}. {last}." }
            if (shell.offline)() {
                p { class: "muted", "The server cannot be reached now; the app tries again every few seconds." }
            }
            if !status.rejections.is_empty() {
                p { class: "error", "The server refused {count(status.rejections.len(), \"document\", \"documents\")}; they stay on this computer:" }
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
                    "Try them again"
                }
            }
            button { class: "primary", disabled: busy(),
                onclick: {
                    let run = run.clone();
                    move |_| run(Request::Sync)
                },
                if busy() { "Syncing…" } else { "Sync now" }
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
            h2 { "Pictures, sound and video" }
            if status.files_wanted == 0 {
                p { "Nothing to keep offline yet. Up to {size(status.budget_bytes)} may be used." }
            } else {
                p { "{status.files_cached} of {count(status.files_wanted as usize, \"file\", \"files\")} on this computer · {size(status.bytes_cached)} of {size(status.budget_bytes)} allowed" }
            }
            div { class: "progress small", role: "meter", "aria-label": "Storage used", "aria-valuenow": "{used:.0}",
                "aria-valuemin": "0", "aria-valuemax": "100",
                div { class: "bar", style: "width: {used.min(100.0)}%" }
            }
            if status.over_budget > 0 {
                p { class: "muted", "{count(status.over_budget as usize, \"file does\", \"files do\")} not fit: allow more space to keep them offline." }
            }
            for (hash, why) in status.failed.iter() {
                p { class: "error", key: "{hash}", "A download failed: {why}" }
            }
            div { class: "row",
                label { r#for: "budget", "Space allowed" }
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
                    "Download now"
                }
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
                result.set(Some(Err("The new passwords are not the same.".to_owned())));
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
            label { r#for: "current-password", "Current password" }
            input { id: "current-password", r#type: "password", autocomplete: "current-password", value: "{current}",
                oninput: move |e| current.set(e.value()) }
            label { r#for: "new-password", "New password" }
            input { id: "new-password", r#type: "password", autocomplete: "new-password", value: "{new}",
                oninput: move |e| new.set(e.value()) }
            label { r#for: "repeat-password", "New password again" }
            input { id: "repeat-password", r#type: "password", autocomplete: "new-password", value: "{repeat}",
                oninput: move |e| repeat.set(e.value()) }
            match result() {
                Some(Ok(())) => rsx! { p { class: "notice-inline", role: "status", "Your password is changed." } },
                Some(Err(message)) => rsx! { p { class: "error", role: "alert", "{message}" } },
                None => rsx! {},
            }
            button { class: "secondary", r#type: "submit", "Change password" }
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
            h2 { "Signed in as {username}" }
            if let Some(what) = unsynced() {
                div { class: "warning", role: "alert", id: "unsynced-warning",
                    p { strong { "Some of your work is not on the server yet." } }
                    p { "Stay signed in and it is sent as soon as the server can be reached — or sign out and delete it from this computer." }
                    p { class: "detail", "{what}" }
                    button { class: "primary", onclick: move |_| unsynced.set(None), "Stay signed in" }
                    button { class: "danger", id: "discard-and-sign-out",
                        onclick: {
                            let sign_out = sign_out.clone();
                            move |_| sign_out(true)
                        },
                        "Sign out and delete it"
                    }
                }
            } else {
                p { class: "muted", "Your work is sent to the server first. Your data leaves this computer when you sign out." }
                button { class: "secondary", id: "sign-out",
                    onclick: {
                        let sign_out = sign_out.clone();
                        move |_| sign_out(false)
                    },
                    "Sign out"
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
        assert_eq!(size(512), "1 KB");
        assert_eq!(size(300 << 20), "300 MB");
        assert_eq!(size(3 << 29), "1.5 GB");
    }
}
