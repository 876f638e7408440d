//! The reader: a text in a comfortable column with its contents beside it; the place is kept
//! as the student scrolls (and resumed on any device); bookmarks, highlights with a colour and
//! a note, and a card for the student's own deck from selected words.

use dioxus::prelude::*;
use tallschool_contract::reader::{MarkKind, ReaderView, Span};
use tallschool_contract::{Request, Response};
use tallschool_shared::DocId;
use tallschool_shared::reader::{Block, HIGHLIGHT_COLOURS, blocks};

use crate::app::{Screen, Shell, use_live};
use crate::browser::{first_visible_offset, scroll_to_offset, selected_text, sleep};
use crate::engine::ask;
use crate::{messages, t};

const SCROLLER: &str = "reader-scroll";
const BLOCKS: &str = "#reader-text .block";

/// Percent through a text of `chars` characters at `offset` (the engine's own formula).
fn percent(offset: u64, chars: u64) -> f64 {
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    tallschool_shared::reader::percent_of(size(offset), size(chars))
}

#[component]
pub fn Reader(text: DocId) -> Element {
    let shell = use_context::<Shell>();
    let view =
        use_live(
            move |engine| async move { ask(&engine, Request::Reader { text }, crate::pick!(Response::Reader)).await },
        );
    let body = use_live(move |engine| async move {
        ask(&engine, Request::Body { text }, |r| match r {
            Response::Text(body) => Some(blocks(&body)),
            _ => None,
        })
        .await
    });

    // The offset being read, and the last one saved.
    let mut current = use_signal(|| None::<u64>);
    let mut saved = use_signal(|| None::<u64>);
    let mut saving = use_signal(|| false);
    let mut restored = use_signal(|| false);
    let mut selection = use_signal(|| None::<String>);
    let mut note = use_signal(String::new);
    let mut notice = use_signal(|| None::<String>);
    let mut problem = use_signal(|| None::<String>);
    // On a phone the contents open over the text (there is no room beside it).
    let mut contents_open = use_signal(|| false);

    // Once the text is on screen, go back to where the student was (on any device).
    use_effect(move || {
        let ready = matches!(&*body.read(), Some(Ok(_)));
        let last = match &*view.read() {
            Some(Ok(view)) => Some(view.last_offset),
            _ => None,
        };
        if let (true, Some(last), false) = (ready, last, *restored.peek()) {
            spawn(async move {
                // After the blocks are painted.
                sleep(0).await;
                if let Some(offset) = last {
                    scroll_to_offset(SCROLLER, BLOCKS, offset);
                }
                current.set(last);
                saved.set(last);
                restored.set(true);
            });
        }
    });

    let save = {
        let engine = shell.engine.clone();
        move || {
            let engine = engine.clone();
            async move {
                let at = current();
                if at.is_some() && at != saved() {
                    let place = tallschool_contract::reader::Place::Offset(at.unwrap_or(0));
                    match engine.call(Request::SetPosition { text, place }).await {
                        Ok(_) => saved.set(at),
                        Err(error) => problem.set(Some(messages::failure(&error))),
                    }
                }
            }
        }
    };

    let on_scroll = {
        let save = save.clone();
        move |_| {
            if !restored() {
                return;
            }
            current.set(first_visible_offset(SCROLLER, BLOCKS));
            // Save at most once a second while scrolling.
            if !saving() {
                saving.set(true);
                let save = save.clone();
                spawn(async move {
                    sleep(1000).await;
                    save().await;
                    saving.set(false);
                });
            }
        }
    };
    let back = {
        let shell = shell.clone();
        let save = save.clone();
        move |_| {
            let shell = shell.clone();
            let save = save.clone();
            async move {
                save().await;
                shell.go(Screen::Lobby);
            }
        }
    };
    let mut on_select = move || {
        selection.set(selected_text().filter(|s| s.chars().count() <= 500));
    };

    let mut mark_done = move |message: &str| {
        notice.set(Some(message.to_owned()));
        selection.set(None);
        note.set(String::new());
    };
    let highlight = {
        let engine = shell.engine.clone();
        move |colour: &'static str| {
            let engine = engine.clone();
            async move {
                let Some(words) = selection() else { return };
                let request =
                    Request::Highlight { text, span: Span::Find(words), colour: colour.to_owned(), note: note() };
                match engine.call(request).await {
                    Ok(_) => mark_done(&t!("highlighted")),
                    Err(error) => problem.set(Some(messages::failure(&error))),
                }
            }
        }
    };
    let make_card = {
        let engine = shell.engine.clone();
        move |_| {
            let engine = engine.clone();
            async move {
                let Some(words) = selection() else { return };
                let back = Some(note()).filter(|n| !n.trim().is_empty());
                let request = Request::CardFromText { text, highlight: None, find: Some(words), back };
                match engine.call(request).await {
                    Ok(_) => mark_done(&t!("card-made")),
                    Err(error) => problem.set(Some(messages::failure(&error))),
                }
            }
        }
    };
    let bookmark = {
        let engine = shell.engine.clone();
        move |_| {
            let engine = engine.clone();
            async move {
                let offset = current().unwrap_or(0);
                match engine.call(Request::Bookmark { text, offset, note: String::new() }).await {
                    Ok(_) => notice.set(Some(t!("bookmarked"))),
                    Err(error) => problem.set(Some(messages::failure(&error))),
                }
            }
        }
    };
    let delete_mark = {
        let engine = shell.engine.clone();
        move |(kind, id): (MarkKind, String)| {
            let engine = engine.clone();
            spawn(async move {
                if let Err(error) = engine.call(Request::DeleteMark { text, kind, id }).await {
                    problem.set(Some(messages::failure(&error)));
                }
            });
        }
    };

    let loaded = match (&*view.read(), &*body.read()) {
        (Some(Ok(view)), Some(Ok(blocks))) => Some((view.clone(), blocks.clone())),
        _ => None,
    };
    let failed = match (&*view.read(), &*body.read()) {
        (Some(Err(message)), _) | (_, Some(Err(message))) => Some(message.clone()),
        _ => None,
    };
    let Some((view, blocks)) = loaded else {
        return rsx! {
            header { class: "top", button { class: "secondary", onclick: move |_| shell.go(Screen::Lobby), {t!("back-to-lobby")} } }
            match failed {
                Some(message) => rsx! { p { class: "error", role: "alert", "{message}" } },
                None => rsx! { p { class: "muted center", {t!("opening-text")} } },
            }
        };
    };
    let at = percent(current().unwrap_or(0), view.chars);
    let at_label = format!("{at:.0}%");

    rsx! {
        header { class: "top",
            button { class: "secondary", id: "reader-back", onclick: back, {t!("back-to-lobby")} }
            h1 { class: "reader-title", "{view.title}" }
            span { class: "reader-percent", id: "reader-percent", "{at_label}" }
            button { class: "secondary contents-toggle", id: "contents-toggle", "aria-expanded": "{contents_open}",
                onclick: move |_| contents_open.toggle(), {t!("contents")} }
            button { class: "secondary", id: "bookmark", onclick: bookmark, {t!("bookmark")} }
        }
        div { class: "progress", role: "progressbar", "aria-label": t!("read-label"), "aria-valuemin": "0",
            "aria-valuemax": "100", "aria-valuenow": "{at:.0}",
            div { class: "bar", style: "width: {at}%" }
        }
        if let Some(message) = problem() {
            p { class: "error", role: "alert", "{message}" }
        }
        div { class: if contents_open() { "reader contents-open" } else { "reader" },
            nav { class: "contents", "aria-label": t!("contents"),
                h2 { {t!("contents")} }
                ul {
                    for section in view.outline.iter().cloned() {
                        li { class: "level-{section.level}", key: "{section.start}",
                            button { class: "link",
                                onclick: move |_| {
                                    scroll_to_offset(SCROLLER, BLOCKS, section.start);
                                    contents_open.set(false);
                                },
                                "{section.title}"
                            }
                        }
                    }
                }
                Marks { view: view.clone(), on_delete: delete_mark }
            }
            div { class: "reader-scroll", id: SCROLLER, tabindex: "0", onscroll: on_scroll,
                onmouseup: move |_| on_select(), onkeyup: move |_| on_select(), ontouchend: move |_| on_select(),
                article { class: "reader-text", id: "reader-text",
                    // Links in a text do not take the app's window elsewhere.
                    onclick: move |event| event.prevent_default(),
                    for block in blocks {
                        TextBlock { key: "{block.start}", block }
                    }
                }
            }
        }
        if let Some(words) = selection() {
            div { class: "selection-bar", role: "toolbar", "aria-label": t!("selected-words"),
                span { class: "quote", "“{shorten(&words)}”" }
                input { id: "mark-note", placeholder: t!("note-optional"), value: "{note}",
                    oninput: move |event| note.set(event.value()) }
                for colour in HIGHLIGHT_COLOURS {
                    button { class: "swatch {colour}", title: highlight_label(colour), "aria-label": highlight_label(colour),
                        onclick: {
                            let highlight = highlight.clone();
                            move |_| highlight(colour)
                        }
                    }
                }
                button { class: "primary", id: "make-card", onclick: make_card, {t!("make-a-card")} }
            }
        }
        if let Some(message) = notice() {
            p { class: "notice", role: "status", "{message}" }
        }
    }
}

#[component]
fn TextBlock(block: Block) -> Element {
    rsx! { div { class: "block", "data-offset": "{block.start}", dangerous_inner_html: "{block.html}" } }
}

/// The bookmarks and highlights of the text, each a jump to its place.
#[component]
fn Marks(view: ReaderView, on_delete: Callback<(MarkKind, String)>) -> Element {
    let percent_of = |offset: u64| format!("{:.0}%", percent(offset, view.chars));
    rsx! {
        if !view.bookmarks.is_empty() {
            h2 { {t!("bookmarks")} }
            ul { class: "marks",
                for (mark, offset) in view.bookmarks.iter().cloned() {
                    li { key: "{mark.id}",
                        button { class: "link", onclick: move |_| scroll_to_offset(SCROLLER, BLOCKS, offset),
                            {t!("bookmark-at", percent = percent_of(offset))}
                        }
                        button { class: "delete", "aria-label": t!("delete-bookmark"),
                            onclick: move |_| on_delete((MarkKind::Bookmark, mark.id.clone())), "×" }
                    }
                }
            }
        }
        if !view.highlights.is_empty() {
            h2 { {t!("highlights")} }
            ul { class: "marks",
                for (mark, place) in view.highlights.iter().cloned() {
                    li { key: "{mark.id}",
                        span { class: "swatch small {mark.colour}" }
                        button { class: "link", disabled: place.is_none(),
                            onclick: move |_| if let Some((start, _)) = place { scroll_to_offset(SCROLLER, BLOCKS, start) },
                            "{shorten(&mark.quote)}"
                        }
                        if !mark.note.is_empty() { p { class: "muted note", "{mark.note}" } }
                        button { class: "delete", "aria-label": t!("delete-highlight"),
                            onclick: move |_| on_delete((MarkKind::Highlight, mark.id.clone())), "×" }
                    }
                }
            }
        }
    }
}

/// "Highlight in yellow".
fn highlight_label(colour: &str) -> String {
    match colour {
        "yellow" => t!("highlight-yellow"),
        "green" => t!("highlight-green"),
        "blue" => t!("highlight-blue"),
        "pink" => t!("highlight-pink"),
        _ => t!("highlight-orange"),
    }
}

/// At most 60 characters of a quote.
fn shorten(quote: &str) -> String {
    if quote.chars().count() <= 60 {
        quote.to_owned()
    } else {
        format!("{}…", quote.chars().take(59).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quotes_are_shortened() {
        assert_eq!(shorten("short"), "short");
        let long = "é".repeat(80);
        assert_eq!(shorten(&long).chars().count(), 60);
    }
}
