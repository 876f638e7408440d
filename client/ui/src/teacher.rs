//! The teacher's screens: the classes with their decks, texts and video tests (made, assigned,
//! imported from Anki), and the class's progress (who studies, who struggles, which cards are
//! hard, how far each student has read, test scores and answers to grade). The editors have
//! their own modules.

use std::collections::BTreeMap;

use dioxus::prelude::*;
use tallschool_contract::request::NewAssignment;
use tallschool_contract::sync::DocSummary;
use tallschool_contract::{Request, Response};
use tallschool_shared::api::RosterEntry;
use tallschool_shared::docs::DocKind;
use tallschool_shared::{ClassId, DocId, UserId};

use crate::app::{Screen, Shell, use_live};
use crate::browser::{end_of_local_day, now};
use crate::engine::ask;
use crate::lobby::ago;
use crate::t;

/// The class's own content (not students' progress or their own decks), decks first.
pub fn class_content(docs: &[DocSummary], class: ClassId) -> Vec<DocSummary> {
    let rank = |kind: DocKind| match kind {
        DocKind::Deck => 0,
        DocKind::Text => 1,
        DocKind::VideoTest => 2,
        DocKind::Progress => 3,
    };
    let mut content: Vec<DocSummary> = docs
        .iter()
        .filter(|d| d.class_id == class && d.owner_id.is_none() && d.kind != DocKind::Progress)
        .cloned()
        .collect();
    content.sort_by_key(|d| (rank(d.kind), d.title.to_lowercase()));
    content
}

/// How a teacher sees a student: the name from the roster, else the username, else a short id
/// (offline, names are not on the device).
pub fn student_name(roster: &[RosterEntry], student: UserId) -> String {
    match roster.iter().find(|m| m.user_id == student) {
        Some(RosterEntry { display_name: Some(name), .. }) if !name.trim().is_empty() => name.clone(),
        Some(member) => member.username.clone(),
        None => t!("student-short-id", id = &student.to_string()[..8]),
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or("—".to_owned(), |v| format!("{:.0}%", v * 100.0))
}

#[component]
pub fn TeacherHome() -> Element {
    let shell = use_context::<Shell>();
    let data = use_live(move |engine| async move {
        let classes = ask(&engine, Request::Classes, crate::pick!(Response::Classes)).await?;
        let docs = ask(&engine, Request::Documents, crate::pick!(Response::Documents)).await?;
        Ok::<_, String>((classes, docs))
    });
    let (classes, docs) = match &*data.read() {
        None => return rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => return rsx! { p { class: "error", role: "alert", "{message}" } },
        Some(Ok(data)) => data.clone(),
    };
    rsx! {
        if classes.is_empty() {
            p { class: "muted", {t!("no-classes")} }
        }
        for class in classes {
            section { class: "class-block", key: "{class.id}",
                div { class: "class-head",
                    h2 { "{class.name}" }
                    button { class: "secondary class-progress",
                        onclick: {
                            let shell = shell.clone();
                            move |_| shell.go(Screen::ClassProgress(class.id))
                        },
                        {t!("class-progress")}
                    }
                }
                ul { class: "content",
                    for doc in class_content(&docs, class.id) {
                        ContentRow { key: "{doc.id}", doc }
                    }
                }
                NewContent { class: class.id, kind: DocKind::Deck }
                NewContent { class: class.id, kind: DocKind::Text }
                NewContent { class: class.id, kind: DocKind::VideoTest }
                crate::deck_editor::AnkiImport { class: class.id, deck: None }
            }
        }
    }
}

#[component]
fn ContentRow(doc: DocSummary) -> Element {
    let shell = use_context::<Shell>();
    let mut assigning = use_signal(|| false);
    let (kind, items) = match doc.kind {
        DocKind::Deck => (t!("kind-deck"), t!("cards-n", n = doc.items)),
        DocKind::Text => (t!("kind-text"), t!("characters-n", n = doc.items)),
        DocKind::VideoTest => (t!("kind-video-test"), t!("questions-n", n = doc.items)),
        DocKind::Progress => (String::new(), String::new()),
    };
    rsx! {
        li { class: "card content-row",
            div {
                span { class: "kind", "{kind}" }
                strong { "{doc.title}" }
                span { class: "muted", " · {items}" }
            }
            div { class: "row-actions",
                button { class: "secondary assign", "aria-expanded": "{assigning()}",
                    onclick: move |_| assigning.toggle(), {t!("assign")} }
                match doc.kind {
                    DocKind::Deck => rsx! {
                        button { class: "secondary edit-deck", onclick: move |_| shell.go(Screen::Deck(doc.id)), {t!("edit")} }
                    },
                    DocKind::Text => rsx! {
                        button { class: "secondary edit-text", onclick: move |_| shell.go(Screen::TextEditor(doc.id)), {t!("edit")} }
                    },
                    DocKind::VideoTest => rsx! {
                        button { class: "secondary edit-video", onclick: move |_| shell.go(Screen::VideoEditor(doc.id)), {t!("edit")} }
                    },
                    DocKind::Progress => rsx! {},
                }
            }
        }
        if assigning() {
            li { class: "card assign-form",
                AssignForm { doc: doc.clone(), on_done: move |_| assigning.set(false) }
            }
        }
    }
}

/// Give a deck or a text to the class or one student, with a due date and a note.
#[component]
fn AssignForm(doc: DocSummary, on_done: EventHandler<()>) -> Element {
    let shell = use_context::<Shell>();
    // Offline, the roster is unknown: the class as a whole can still be given work.
    let roster = use_roster(doc.class_id);
    // "" the whole class, "group" some students, else one student's id.
    let mut who = use_signal(String::new);
    let mut group = use_signal(String::new);
    let mut members = use_signal(std::collections::BTreeSet::<UserId>::new);
    let mut due = use_signal(String::new);
    let mut section = use_signal(String::new);
    let mut note = use_signal(String::new);
    let mut problem = use_signal(|| None::<String>);
    let submit = move |event: FormEvent| {
        event.prevent_default();
        let shell = shell.clone();
        async move {
            let due = match due().trim() {
                "" => None,
                date => match end_of_local_day(date) {
                    Some(at) => Some(at),
                    None => {
                        problem.set(Some(t!("not-a-date", date = date)));
                        return;
                    }
                },
            };
            let (students, group_name) = match who().as_str() {
                "group" => {
                    let name = group().trim().to_owned();
                    if name.is_empty() || members.read().is_empty() {
                        problem.set(Some(t!("group-needs-name-and-students")));
                        return;
                    }
                    (members.read().iter().copied().collect(), name)
                }
                one => (one.parse::<UserId>().map(|s| vec![s]).unwrap_or_default(), String::new()),
            };
            let assignment = NewAssignment { students, group: group_name, due, section: section(), note: note() };
            match ask(&shell.engine, Request::Assign { doc: doc.id, assignment }, Some).await {
                Ok(_) => on_done.call(()),
                Err(message) => problem.set(Some(message)),
            }
        }
    };
    let students: Vec<RosterEntry> = roster
        .read()
        .clone()
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.role == tallschool_shared::ClassRole::Student)
        .collect();
    rsx! {
        form { class: "assign", onsubmit: submit,
            div { class: "row",
                label { r#for: "assign-who-{doc.id}", {t!("assign-to")} }
                select { id: "assign-who-{doc.id}", onchange: move |e| who.set(e.value()),
                    option { value: "", {t!("assign-whole-class")} }
                    if !students.is_empty() { option { value: "group", {t!("assign-a-group")} } }
                    for member in students.iter() {
                        option { value: "{member.user_id}", "{student_name(&students, member.user_id)}" }
                    }
                }
                label { r#for: "assign-due-{doc.id}", {t!("assign-due")} }
                input { id: "assign-due-{doc.id}", r#type: "date", value: "{due}", oninput: move |e| due.set(e.value()) }
            }
            if who() == "group" {
                fieldset { class: "group-members",
                    legend { {t!("group-members")} }
                    label { r#for: "assign-group-{doc.id}", {t!("group-name")} }
                    input { id: "assign-group-{doc.id}", placeholder: t!("group-name-placeholder"), value: "{group}",
                        oninput: move |e| group.set(e.value()) }
                    for member in students.iter() {
                        label { class: "check", key: "{member.user_id}",
                            input { r#type: "checkbox", checked: members.read().contains(&member.user_id),
                                onchange: {
                                    let id = member.user_id;
                                    move |e: FormEvent| {
                                        if e.checked() { members.write().insert(id); } else { members.write().remove(&id); }
                                    }
                                },
                            }
                            span { "{student_name(&students, member.user_id)}" }
                        }
                    }
                }
            }
            if doc.kind == DocKind::Text {
                label { r#for: "assign-section-{doc.id}", {t!("assign-section")} }
                input { id: "assign-section-{doc.id}", value: "{section}", oninput: move |e| section.set(e.value()) }
            }
            label { r#for: "assign-note-{doc.id}", {t!("assign-note")} }
            input { id: "assign-note-{doc.id}", value: "{note}", oninput: move |e| note.set(e.value()) }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            div { class: "row",
                button { class: "primary", r#type: "submit", {t!("assign")} }
                button { class: "secondary", r#type: "button", onclick: move |_| on_done.call(()), {t!("cancel")} }
            }
        }
    }
}

/// Create a deck (with its theme), a text or a video test in the class, then open its editor.
#[component]
fn NewContent(class: ClassId, kind: DocKind) -> Element {
    let shell = use_context::<Shell>();
    let mut title = use_signal(String::new);
    let mut theme = use_signal(String::new);
    let mut problem = use_signal(|| None::<String>);
    let (noun, placeholder, button) = match kind {
        DocKind::Deck => ("deck", t!("new-deck-title"), t!("create-deck")),
        DocKind::Text => ("text", t!("new-text-title"), t!("create-text")),
        _ => ("video-test", t!("new-video-test-title"), t!("create-video-test")),
    };
    let create = move |event: FormEvent| {
        event.prevent_default();
        let shell = shell.clone();
        async move {
            let request = match kind {
                DocKind::Deck => {
                    Request::CreateDeck { class, title: title(), theme: Some(theme()).filter(|t| !t.trim().is_empty()) }
                }
                DocKind::Text => Request::CreateText { class, title: title() },
                _ => Request::CreateVideoTest { class, title: title() },
            };
            match ask(&shell.engine, request, crate::pick!(Response::Created)).await {
                Ok(doc) => shell.go(match kind {
                    DocKind::Deck => Screen::Deck(doc),
                    DocKind::Text => Screen::TextEditor(doc),
                    _ => Screen::VideoEditor(doc),
                }),
                Err(message) => problem.set(Some(message)),
            }
        }
    };
    rsx! {
        form { class: "new-content new-{noun}", onsubmit: create,
            input { "aria-label": "{placeholder}", placeholder: "{placeholder}", value: "{title}", required: true,
                oninput: move |e| title.set(e.value()) }
            if kind == DocKind::Deck {
                input { "aria-label": t!("theme"), placeholder: t!("theme-placeholder"), value: "{theme}",
                    oninput: move |e| theme.set(e.value()) }
            }
            button { class: "secondary", r#type: "submit", "{button}" }
        }
        if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
    }
}

/// The class's members with their names, asked once per screen (each read of the names is
/// logged on the server as an access to personal data) and again when the server comes back;
/// `Some(None)` when it cannot be reached.
fn use_roster(class: ClassId) -> Resource<Option<Vec<RosterEntry>>> {
    let shell = use_context::<Shell>();
    let offline = shell.offline;
    let engine = shell.engine.clone();
    use_resource(move || {
        let engine = engine.clone();
        let _ = offline();
        async move { ask(&engine, Request::Roster { class }, crate::pick!(Response::Roster)).await.ok() }
    })
}

/// Everything the class view shows (but names), loaded at once.
#[derive(Clone, PartialEq)]
struct ClassData {
    name: String,
    decks: Vec<tallschool_contract::reports::DeckReport>,
    texts: Vec<(String, Vec<tallschool_contract::reports::ReadingRow>)>,
    /// The class's video tests: id and title.
    tests: Vec<(DocId, String)>,
    heatmap: tallschool_contract::reports::ThemeHeatmap,
}

async fn load_class(engine: std::rc::Rc<dyn crate::engine::Engine>, class: ClassId) -> Result<ClassData, String> {
    let classes = ask(&engine, Request::Classes, crate::pick!(Response::Classes)).await?;
    let name = classes.into_iter().find(|c| c.id == class).map(|c| c.name).unwrap_or_default();
    let docs = ask(&engine, Request::Documents, crate::pick!(Response::Documents)).await?;
    let (mut decks, mut texts, mut tests) = (Vec::new(), Vec::new(), Vec::new());
    for doc in class_content(&docs, class) {
        match doc.kind {
            DocKind::Deck => decks
                .push(ask(&engine, Request::DeckReport { deck: doc.id }, crate::pick!(Response::DeckReport)).await?),
            DocKind::Text => texts.push((
                doc.title.clone(),
                ask(&engine, Request::ReadingProgress { text: doc.id }, crate::pick!(Response::ReadingProgress))
                    .await?,
            )),
            DocKind::VideoTest => tests.push((doc.id, doc.title.clone())),
            DocKind::Progress => {}
        }
    }
    let heatmap = ask(&engine, Request::ThemeHeatmap { class }, crate::pick!(Response::ThemeHeatmap)).await?;
    Ok(ClassData { name, decks, texts, tests, heatmap })
}

/// A colour band for a predicted retention (0–1): the heatmap's cells.
pub fn retention_band(retention: f64) -> &'static str {
    match retention {
        r if r >= 0.9 => "strong",
        r if r >= 0.75 => "fair",
        r if r >= 0.5 => "weak",
        _ => "poor",
    }
}

#[component]
pub fn ClassProgress(class: ClassId) -> Element {
    let shell = use_context::<Shell>();
    let data = use_live(move |engine| load_class(engine, class));
    // Names need the server; without it the view still shows everything else.
    let roster = use_roster(class);
    let names_unreachable = matches!(&*roster.read(), Some(None));
    let roster: Vec<RosterEntry> = roster.read().clone().flatten().unwrap_or_default();
    let back = move |_| shell.go(Screen::Lobby);
    let data = match &*data.read() {
        None => return rsx! { p { class: "muted center", {t!("loading-class")} } },
        Some(Err(message)) => {
            return rsx! {
                header { class: "top", button { class: "secondary", onclick: back, {t!("back-to-classes")} } }
                p { class: "error", role: "alert", "{message}" }
            };
        }
        Some(Ok(data)) => data.clone(),
    };
    let name = |student: UserId| student_name(&roster, student);
    let students: Vec<UserId> =
        roster.iter().filter(|m| m.role == tallschool_shared::ClassRole::Student).map(|m| m.user_id).collect();
    let themes: BTreeMap<String, BTreeMap<UserId, f64>> = data.heatmap.clone();
    let heat_students: Vec<UserId> = {
        let mut all: Vec<UserId> = themes.values().flat_map(|row| row.keys().copied()).collect();
        all.sort();
        all.dedup();
        all
    };
    rsx! {
        header { class: "top",
            button { class: "secondary", id: "class-back", onclick: back, {t!("back-to-classes")} }
            h1 { class: "reader-title", {t!("class-progress-title", class = data.name.as_str())} }
        }
        main { class: "class-view", id: "class-view",
            if names_unreachable {
                p { class: "banner offline", {t!("names-need-server")} }
            }
            if !themes.is_empty() {
                section {
                    h2 { {t!("retention-by-theme")} }
                    table { class: "heatmap",
                        thead { tr { th { {t!("theme")} } for s in heat_students.iter() { th { "{name(*s)}" } } } }
                        tbody {
                            for (theme, row) in themes.iter() {
                                tr {
                                    th { "{theme}" }
                                    for s in heat_students.iter() {
                                        match row.get(s) {
                                            Some(r) => rsx! { td { class: "heat {retention_band(*r)}", "{r * 100.0:.0}%" } },
                                            None => rsx! { td { class: "heat none", "—" } },
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for report in data.decks.iter().cloned() {
                section { class: "deck-report", key: "{report.deck_id}",
                    h2 { "{report.title}" }
                    table { class: "students",
                        thead { tr { th { {t!("col-student")} } th { {t!("col-cards-studied")} } th { {t!("col-reviews")} } th { {t!("col-lapses")} } th { {t!("col-retention")} } } }
                        tbody {
                            for row in report.students.iter() {
                                tr { class: if row.struggling { "struggling" } else { "" },
                                    td { "{name(row.student_id)}" if row.struggling { span { class: "tag", {t!("tag-struggling")} } } }
                                    td { "{row.cards_studied}" }
                                    td { class: "reviews", "{row.reviews}" }
                                    td { "{row.lapses}" }
                                    td { "{percent(row.predicted_retention)}" }
                                }
                            }
                            for s in students.iter().filter(|s| !report.students.iter().any(|r| r.student_id == **s)) {
                                tr { class: "not-started", td { "{name(*s)}" } td { colspan: "4", class: "muted", {t!("not-started")} } }
                            }
                        }
                    }
                    HardCards { report: report.clone() }
                }
            }
            for (test, title) in data.tests.iter().cloned() {
                crate::test_results::TestResults { key: "{test}", test, title, roster: roster.clone() }
            }
            for (title, rows) in data.texts.iter().cloned() {
                section { class: "reading-report",
                    h2 { {t!("reading-title", title = title.as_str())} }
                    table { class: "students",
                        thead { tr { th { {t!("col-student")} } th { {t!("col-read")} } th { {t!("col-last-read")} } th { {t!("col-highlights")} } } }
                        tbody {
                            for row in rows {
                                tr {
                                    td { "{name(row.student_id)}" }
                                    td { class: "read", "{row.furthest_percent:.0}%" }
                                    td { "{row.last_read_at.map(|t| ago(t, now())).unwrap_or_default()}" }
                                    td { "{row.highlights}" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The cards the class remembers least (studied ones the class is likely to forget).
#[component]
fn HardCards(report: tallschool_contract::reports::DeckReport) -> Element {
    let mut hard: Vec<_> =
        report.cards.iter().filter(|c| c.predicted_retention.is_some_and(|r| r < 0.9)).cloned().collect();
    hard.sort_by(|a, b| a.predicted_retention.partial_cmp(&b.predicted_retention).unwrap_or(std::cmp::Ordering::Equal));
    hard.truncate(5);
    rsx! {
        if !hard.is_empty() {
            h3 { class: "muted", {t!("hardest-cards")} }
            ul { class: "hard-cards",
                for card in hard {
                    li { key: "{card.card_id}",
                        {t!("hard-card", front = card.front.as_str(), retention = percent(card.predicted_retention), reviews = card.reviews)}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn retention_reads_as_a_band() {
        assert_eq!(retention_band(0.95), "strong");
        assert_eq!(retention_band(0.8), "fair");
        assert_eq!(retention_band(0.6), "weak");
        assert_eq!(retention_band(0.1), "poor");
    }

    #[test]
    fn a_student_without_a_name_is_still_told_apart() {
        crate::i18n::set(crate::i18n::Lang::En);
        let id: UserId = "6b1f3a52-0000-4000-8000-000000000001".parse().unwrap();
        let other: UserId = "9c2e0000-0000-4000-8000-000000000002".parse().unwrap();
        let roster = vec![RosterEntry {
            user_id: id,
            username: "anna".to_owned(),
            role: tallschool_shared::ClassRole::Student,
            display_name: Some("Anna K.".to_owned()),
        }];
        assert_eq!(student_name(&roster, id), "Anna K.");
        assert_eq!(student_name(&[], id), "Student 6b1f3a52");
        assert_eq!(student_name(&roster, other), "Student 9c2e0000");
    }
}
