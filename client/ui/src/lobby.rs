//! The Lobby: what is due today across decks, texts and video tests, what is overdue, the
//! streak, and the sync state (pending work, last sync, offline).

use dioxus::prelude::*;
use tallschool_contract::lobby::Lobby;
use tallschool_contract::{Request, Response};

use crate::app::{Screen, Shell};
use crate::messages;

/// "3 minutes ago", "yesterday": how long ago a Unix time was, from `now`.
pub fn ago(then: i64, now: i64) -> String {
    let seconds = (now - then).max(0);
    match seconds {
        0..60 => "just now".to_owned(),
        60..3_600 => plural(seconds / 60, "minute"),
        3_600..86_400 => plural(seconds / 3_600, "hour"),
        86_400..172_800 => "yesterday".to_owned(),
        _ => plural(seconds / 86_400, "day"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 { format!("1 {unit} ago") } else { format!("{n} {unit}s ago") }
}

fn now() -> i64 {
    #[cfg(target_arch = "wasm32")]
    return (js_sys::Date::now() / 1000.0) as i64;
    #[cfg(not(target_arch = "wasm32"))]
    return 0;
}

#[component]
pub fn LobbyScreen() -> Element {
    let shell = use_context::<Shell>();
    let mut syncing = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let engine = shell.engine.clone();
    let changes = shell.changes;
    let lobby = use_resource(move || {
        let engine = engine.clone();
        // Read so that every change the engine reports loads the Lobby again.
        let _ = changes();
        async move {
            match engine.call(Request::Lobby).await {
                Ok(Response::Lobby(lobby)) => Ok(lobby),
                Ok(_) => Err("The app answered something unexpected.".to_owned()),
                Err(error) => Err(messages::failure(&error)),
            }
        }
    });

    let sync_now = {
        let shell = shell.clone();
        move |_| {
            let shell = shell.clone();
            async move {
                syncing.set(true);
                problem.set(None);
                if let Err(error) = shell.engine.call(Request::Sync).await {
                    problem.set(Some(messages::failure(&error)));
                }
                syncing.set(false);
            }
        }
    };

    let user = shell.user.read().clone();
    let name = user.as_ref().map(|u| u.username.clone()).unwrap_or_default();
    let body = match &*lobby.read() {
        None => rsx! { p { class: "muted", "Loading…" } },
        Some(Err(message)) => rsx! { p { class: "error", role: "alert", "{message}" } },
        Some(Ok(lobby)) => rsx! { LobbyBody { lobby: lobby.clone() } },
    };
    let sync_line = match &*lobby.read() {
        Some(Ok(lobby)) => {
            let last =
                lobby.sync.last_sync_at.map_or("never synced".to_owned(), |at| format!("synced {}", ago(at, now())));
            let waiting = lobby.sync.pending_changes + lobby.sync.unsaved_answers;
            if waiting == 0 { format!("All saved · {last}") } else { format!("{waiting} changes waiting · {last}") }
        }
        _ => String::new(),
    };

    rsx! {
        header { class: "top",
            span { class: "brand", "TallSchool" }
            span { class: "who", "{name}" }
            span { class: "sync-state", id: "sync-state", "{sync_line}" }
            button { class: "secondary", id: "sync-now", disabled: syncing(), onclick: sync_now,
                if syncing() { "Syncing…" } else { "Sync now" }
            }
        }
        if (shell.offline)() {
            div { class: "banner offline", role: "status",
                "Offline — everything you do is kept on this computer and syncs when the server is back."
            }
        }
        if let Some(message) = problem() {
            p { class: "error", role: "alert", "{message}" }
        }
        main { class: "lobby", {body} }
    }
}

#[component]
fn LobbyBody(lobby: Lobby) -> Element {
    let shell = use_context::<Shell>();
    let streak = lobby.streak_days;
    let total = lobby.cards_due_total;
    rsx! {
        section { class: "summary",
            div { class: "stat", span { class: "number", id: "cards-due", "{total}" } span { "cards due today" } }
            div { class: "stat", span { class: "number", "{streak}" } span { if streak == 1 { "day streak" } else { "days streak" } } }
            div { class: "stat", span { class: "number", "{lobby.overdue.len()}" } span { "overdue" } }
        }
        section {
            h2 { "Cards" }
            if lobby.cards_due.is_empty() {
                p { class: "muted", "Nothing to study right now. Well done!" }
            }
            ul { class: "decks",
                for deck in lobby.cards_due.iter().cloned() {
                    li { class: "card deck", key: "{deck.deck_id}",
                        div {
                            h3 { "{deck.title}" }
                            p { class: "counts",
                                span { class: "new", "{deck.counts.new} new" }
                                span { class: "learning", "{deck.counts.learning} learning" }
                                span { class: "review", "{deck.counts.review} to review" }
                            }
                        }
                        button {
                            class: "primary study",
                            onclick: {
                                let shell = shell.clone();
                                move |_| shell.go(Screen::Study(deck.deck_id))
                            },
                            "Study"
                        }
                    }
                }
            }
        }
        if !lobby.overdue.is_empty() || !lobby.due_today.is_empty() {
            section {
                h2 { "Assignments" }
                ul { class: "assignments",
                    for entry in lobby.overdue.iter().chain(lobby.due_today.iter()).cloned() {
                        li { class: if entry.overdue { "card assignment overdue" } else { "card assignment" },
                            key: "{entry.assignment_id}",
                            strong { "{entry.title}" }
                            if !entry.section.is_empty() { span { " — {entry.section}" } }
                            if entry.overdue { span { class: "tag", "overdue" } }
                            if !entry.note.is_empty() { p { class: "muted", "{entry.note}" } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ago;

    #[test]
    fn times_read_as_a_person_says_them() {
        assert_eq!(ago(1_000, 1_030), "just now");
        assert_eq!(ago(1_000, 1_060), "1 minute ago");
        assert_eq!(ago(0, 7_200), "2 hours ago");
        assert_eq!(ago(0, 90_000), "yesterday");
        assert_eq!(ago(0, 5 * 86_400), "5 days ago");
        assert_eq!(ago(100, 0), "just now", "a clock behind the server's is not the future");
    }
}
