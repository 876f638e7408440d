//! The Lobby: what is due today across decks, texts and video tests, what is overdue, the
//! streak, and the sync state (pending work, last sync, offline).

use dioxus::prelude::*;
use tallschool_contract::lobby::{AssignmentEntry, Lobby};
use tallschool_contract::{Request, Response};
use tallschool_shared::docs::DocKind;
use tallschool_shared::role::Role;

use crate::app::{Screen, Shell, use_live};
use crate::browser::{local_date, now};
use crate::engine::ask;
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

#[component]
pub fn LobbyScreen() -> Element {
    let shell = use_context::<Shell>();
    let mut syncing = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let lobby = use_live(move |engine| async move {
        ask(&engine, Request::Lobby, |r| match r {
            Response::Lobby(lobby) => Some(lobby),
            _ => None,
        })
        .await
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
    let teaches = user.as_ref().is_some_and(|u| matches!(u.role, Role::Teacher | Role::EduAdmin));
    let body = match &*lobby.read() {
        None => rsx! { p { class: "muted", "Loading…" } },
        Some(Err(message)) => rsx! { p { class: "error", role: "alert", "{message}" } },
        Some(Ok(_)) if teaches => rsx! { crate::teacher::TeacherHome {} },
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
            button { class: "link who", id: "account", title: "Account, sync and sign out",
                onclick: {
                    let shell = shell.clone();
                    move |_| shell.go(Screen::Account)
                },
                "{name}"
            }
            if let Some(now) = (shell.activity)() {
                span { class: "sync-state activity", role: "status", "{now}" }
            }
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
    let open = open_assignments(&lobby.assignments);
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
        if !open.is_empty() {
            section {
                h2 { "Assignments" }
                ul { class: "assignments",
                    for entry in open {
                        Assignment { key: "{entry.assignment_id}", entry }
                    }
                }
            }
        }
    }
}

/// The assignments not done yet: overdue first, then by due date, undated last.
pub fn open_assignments(all: &[AssignmentEntry]) -> Vec<AssignmentEntry> {
    let mut open: Vec<AssignmentEntry> = all.iter().filter(|a| !a.done).cloned().collect();
    open.sort_by_key(|a| (!a.overdue, a.due.is_none(), a.due, a.title.clone()));
    open
}

#[component]
fn Assignment(entry: AssignmentEntry) -> Element {
    let shell = use_context::<Shell>();
    let (kind, action, screen) = match entry.kind {
        DocKind::Text => ("Reading", Some("Read"), Some(Screen::Read(entry.doc_id))),
        DocKind::Deck => ("Cards", Some("Study"), Some(Screen::Study(entry.doc_id))),
        DocKind::VideoTest => ("Video test", None, None),
        DocKind::Progress => ("", None, None),
    };
    let due = entry.due.map(|due| format!("due {}", local_date(due)));
    let reading = entry.progress_percent.map(|read| (read, entry.goal_percent.unwrap_or(100.0)));
    rsx! {
        li { class: if entry.overdue { "card assignment overdue" } else { "card assignment" },
            div { class: "what",
                span { class: "kind", "{kind}" }
                strong { "{entry.title}" }
                if !entry.section.is_empty() { span { " — {entry.section}" } }
                if entry.overdue { span { class: "tag", "overdue" } }
                if let Some(due) = due { span { class: "muted due", " · {due}" } }
                if !entry.note.is_empty() { p { class: "muted", "{entry.note}" } }
                if let Some((read, goal)) = reading {
                    div { class: "progress small", role: "progressbar", "aria-label": "Read",
                        "aria-valuenow": "{read:.0}", "aria-valuemax": "{goal:.0}",
                        div { class: "bar", style: "width: {(read / goal.max(1.0) * 100.0).min(100.0)}%" }
                    }
                    span { class: "muted", "{read:.0}% of {goal:.0}% read" }
                }
            }
            if let (Some(action), Some(screen)) = (action, screen) {
                button { class: "secondary open", onclick: move |_| shell.go(screen.clone()), "{action}" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entry(title: &str, due: Option<i64>, overdue: bool, done: bool) -> AssignmentEntry {
        AssignmentEntry {
            doc_id: "00000000-0000-4000-8000-000000000000".parse().unwrap(),
            kind: DocKind::Text,
            title: title.to_owned(),
            assignment_id: title.to_owned(),
            section: String::new(),
            note: String::new(),
            due,
            done,
            overdue,
            progress_percent: None,
            goal_percent: None,
        }
    }

    #[test]
    fn open_work_comes_overdue_first_then_by_date() {
        let all = [
            entry("undated", None, false, false),
            entry("later", Some(300), false, false),
            entry("done", Some(50), false, true),
            entry("late", Some(10), true, false),
            entry("soon", Some(200), false, false),
        ];
        let titles: Vec<String> = open_assignments(&all).into_iter().map(|a| a.title).collect();
        assert_eq!(titles, ["late", "soon", "later", "undated"]);
    }

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
