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
use crate::{messages, t};

/// "3 minutes ago", "yesterday": how long ago a Unix time was, from `now`.
pub fn ago(then: i64, now: i64) -> String {
    let seconds = (now - then).max(0);
    match seconds {
        0..60 => t!("ago-now"),
        60..3_600 => t!("ago-minutes", n = seconds / 60),
        3_600..86_400 => t!("ago-hours", n = seconds / 3_600),
        86_400..172_800 => t!("ago-yesterday"),
        _ => t!("ago-days", n = seconds / 86_400),
    }
}

#[component]
pub fn LobbyScreen() -> Element {
    let shell = use_context::<Shell>();
    let mut syncing = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let lobby =
        use_live(move |engine| async move { ask(&engine, Request::Lobby, crate::pick!(Response::Lobby)).await });

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
        None => rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => rsx! { p { class: "error", role: "alert", "{message}" } },
        Some(Ok(_)) if teaches => rsx! { crate::teacher::TeacherHome {} },
        Some(Ok(lobby)) => rsx! { LobbyBody { lobby: lobby.clone() } },
    };
    let update_required = match &*lobby.read() {
        Some(Ok(lobby)) => lobby.sync.update_required,
        _ => false,
    };
    let sync_line = match &*lobby.read() {
        Some(Ok(lobby)) => {
            let last = lobby.sync.last_sync_at.map_or(t!("never-synced"), |at| t!("synced-ago", ago = ago(at, now())));
            let waiting = lobby.sync.pending_changes + lobby.sync.unsaved_answers;
            if waiting == 0 { t!("all-saved", last = last) } else { t!("changes-waiting", n = waiting, last = last) }
        }
        _ => String::new(),
    };

    rsx! {
        header { class: "top",
            span { class: "brand", "TallSchool" }
            button { class: "link who", id: "account", title: t!("account-button-title"),
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
                if syncing() { {t!("syncing")} } else { {t!("sync-now")} }
            }
        }
        if update_required {
            div { class: "banner update", role: "alert", id: "update-required", {t!("error-update-required")} }
        }
        if (shell.offline)() {
            div { class: "banner offline", role: "status", {t!("offline-banner")} }
        }
        crate::web_app::HomeScreenHint {}
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
    let done: Vec<AssignmentEntry> = lobby.assignments.iter().filter(|a| a.done).cloned().collect();
    rsx! {
        section { class: "summary",
            div { class: "stat", span { class: "number", id: "cards-due", "{total}" } span { {t!("stat-cards-due", n = total)} } }
            div { class: "stat", span { class: "number", "{streak}" } span { {t!("stat-streak", n = streak)} } }
            div { class: "stat", span { class: "number", "{lobby.overdue.len()}" } span { {t!("stat-overdue", n = lobby.overdue.len())} } }
        }
        section {
            h2 { {t!("lobby-cards")} }
            if lobby.cards_due.is_empty() {
                p { class: "muted", {t!("lobby-nothing-due")} }
            }
            ul { class: "decks",
                for deck in lobby.cards_due.iter().cloned() {
                    li { class: "card deck", key: "{deck.deck_id}",
                        div {
                            h3 { "{deck.title}" }
                            crate::study::Counts { counts: deck.counts }
                        }
                        button {
                            class: "primary study",
                            onclick: {
                                let shell = shell.clone();
                                move |_| shell.go(Screen::Study(deck.deck_id))
                            },
                            {t!("study")}
                        }
                    }
                }
            }
        }
        if !open.is_empty() {
            section {
                h2 { {t!("lobby-assignments")} }
                ul { class: "assignments",
                    for entry in open {
                        Assignment { key: "{entry.assignment_id}", entry }
                    }
                }
            }
        }
        if !done.is_empty() {
            details { class: "done-work", id: "done-work",
                summary { {t!("lobby-done", n = done.len())} }
                ul { class: "assignments done",
                    for entry in done {
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
        DocKind::Text => (t!("kind-reading"), Some(t!("read")), Some(Screen::Read(entry.doc_id))),
        DocKind::Deck => (t!("kind-cards"), Some(t!("study")), Some(Screen::Study(entry.doc_id))),
        DocKind::VideoTest if entry.done => {
            (t!("kind-video-test"), Some(t!("see-results")), Some(Screen::Video(entry.doc_id)))
        }
        DocKind::VideoTest => (t!("kind-video-test"), Some(t!("watch")), Some(Screen::Video(entry.doc_id))),
        DocKind::Progress => (String::new(), None, None),
    };
    let due = entry.due.map(|due| t!("due-on", date = local_date(due)));
    let reading = entry.progress_percent.map(|read| (read, entry.goal_percent.unwrap_or(100.0)));
    rsx! {
        li { class: if entry.overdue { "card assignment overdue" } else { "card assignment" },
            div { class: "what",
                span { class: "kind", "{kind}" }
                strong { "{entry.title}" }
                if !entry.section.is_empty() { span { " — {entry.section}" } }
                if entry.overdue { span { class: "tag", {t!("tag-overdue")} } }
                if let Some(due) = due { span { class: "muted due", " · {due}" } }
                if !entry.note.is_empty() { p { class: "muted", "{entry.note}" } }
                if let Some((read, goal)) = reading {
                    div { class: "progress small", role: "progressbar", "aria-label": t!("read-label"),
                        "aria-valuenow": "{read:.0}", "aria-valuemax": "{goal:.0}",
                        div { class: "bar", style: "width: {(read / goal.max(1.0) * 100.0).min(100.0)}%" }
                    }
                    span { class: "muted", {t!("read-of-goal", read = format!("{read:.0}"), goal = format!("{goal:.0}"))} }
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
        crate::i18n::set(crate::i18n::Lang::En);
        assert_eq!(ago(1_000, 1_030), "just now");
        assert_eq!(ago(1_000, 1_060), "1 minute ago");
        assert_eq!(ago(0, 7_200), "2 hours ago");
        assert_eq!(ago(0, 90_000), "yesterday");
        assert_eq!(ago(0, 5 * 86_400), "5 days ago");
        assert_eq!(ago(100, 0), "just now", "a clock behind the server's is not the future");
        crate::i18n::set(crate::i18n::Lang::Ru);
        assert_eq!(ago(0, 120), "2 минуты назад");
        assert_eq!(ago(0, 5 * 86_400), "5 дней назад");
        assert_eq!(ago(0, 21 * 86_400), "21 день назад");
        crate::i18n::set(crate::i18n::Lang::En);
    }
}
