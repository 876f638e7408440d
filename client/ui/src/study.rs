//! Study: the question first; Space or Enter shows the answer; Again / Hard / Good / Easy on
//! 1–4 (Space or Enter = Good); a typed answer is checked; Ctrl+Z takes the last answer back;
//! a summary when the session ends.

use dioxus::prelude::*;
use tallschool_contract::learning::{Answered, NextItem};
use tallschool_contract::{Request, Response};
use tallschool_shared::DocId;
use tallschool_shared::scheduling::Rating;

use crate::app::{Screen, Shell};
use crate::engine::media_file;
use crate::i18n::number;
use crate::keys::{StudyKey, study_key};
use crate::typed_diff::typed_diff;
use crate::{messages, t};

/// How long until a card comes back, the way Anki writes it on its buttons: "<1m", "10m",
/// "3h", "4d", "1.5mo", "2.1y" (in Russian "10 мин", "4 д").
pub fn interval_label(seconds: i64) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    match seconds {
        ..MINUTE => t!("interval-under-minute"),
        MINUTE..HOUR => t!("interval-minutes", n = number((seconds / MINUTE) as f64, 0)),
        HOUR..DAY => t!("interval-hours", n = number((seconds / HOUR) as f64, 0)),
        DAY..2_592_000 => t!("interval-days", n = number(((seconds + DAY / 2) / DAY) as f64, 0)),
        2_592_000..31_536_000 => t!("interval-months", n = number(seconds as f64 / 2_592_000.0, 1)),
        _ => t!("interval-years", n = number(seconds as f64 / 31_536_000.0, 1)),
    }
}

/// New, learning and to-review counts, each in its colour.
#[component]
pub fn Counts(counts: tallschool_contract::learning::Counts) -> Element {
    rsx! {
        span { class: "counts",
            span { class: "new", {t!("count-new", n = counts.new)} }
            span { class: "learning", {t!("count-learning", n = counts.learning)} }
            span { class: "review", {t!("count-review", n = counts.review)} }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Session {
    answered: u32,
    again: u32,
}

#[component]
pub fn Study(deck: DocId) -> Element {
    let shell = use_context::<Shell>();
    let mut item = use_signal(|| None::<NextItem>);
    let mut finished = use_signal(|| false);
    let mut revealed = use_signal(|| false);
    let mut typed = use_signal(String::new);
    let mut checked = use_signal(|| None::<Answered>);
    let mut session = use_signal(Session::default);
    let mut problem = use_signal(|| None::<String>);

    let mut show = move |next: Option<NextItem>| {
        finished.set(next.is_none());
        item.set(next);
        revealed.set(false);
        typed.set(String::new());
        checked.set(None);
    };
    let load = {
        let shell = shell.clone();
        move || {
            let shell = shell.clone();
            spawn(async move {
                match shell.engine.call(Request::NextItem { deck: Some(deck) }).await {
                    Ok(Response::Next(next)) => show(next),
                    Ok(_) => problem.set(Some(t!("unexpected-answer"))),
                    Err(error) => problem.set(Some(messages::failure(&error))),
                }
            });
        }
    };
    use_hook({
        let load = load.clone();
        move || load()
    });

    let answer = {
        let shell = shell.clone();
        move |rating: Option<Rating>| {
            let Some(current) = item() else { return };
            let shell = shell.clone();
            let typed_answer = (current.typed && checked().is_none()).then(|| typed.read().clone());
            spawn(async move {
                let request =
                    Request::Answer { deck, item: current.item_id.clone(), rating, typed: typed_answer.clone() };
                match shell.engine.call(request).await {
                    Ok(Response::Answered(result)) if typed_answer.is_some() && rating.is_none() => {
                        // A typed answer: show whether it matched before moving on.
                        revealed.set(true);
                        checked.set(Some(result));
                        let mut s = session.write();
                        s.answered += 1;
                    }
                    Ok(Response::Answered(result)) => {
                        let mut s = session.write();
                        s.answered += 1;
                        if result.rating == Rating::Again {
                            s.again += 1;
                        }
                        drop(s);
                        // The answer brings the next card: one message per answer.
                        show(result.next);
                    }
                    Ok(_) => problem.set(Some(t!("unexpected-answer"))),
                    Err(error) => problem.set(Some(messages::failure(&error))),
                }
            });
        }
    };

    let undo = {
        let shell = shell.clone();
        let load = load.clone();
        move || {
            let shell = shell.clone();
            let load = load.clone();
            spawn(async move {
                if let Ok(Response::Undone(Some(_))) = shell.engine.call(Request::Undo).await {
                    let mut s = session.write();
                    s.answered = s.answered.saturating_sub(1);
                    drop(s);
                    load();
                }
            });
        }
    };

    let on_key = {
        let answer = answer.clone();
        let undo = undo.clone();
        let load = load.clone();
        move |event: KeyboardEvent| {
            let key = event.key().to_string();
            let ctrl = event.modifiers().ctrl() || event.modifiers().meta();
            let typing = item().is_some_and(|i| i.typed) && !revealed();
            match study_key(&key, ctrl, revealed(), typing) {
                Some(StudyKey::Reveal) if typing => {
                    event.prevent_default();
                    answer(None);
                }
                Some(StudyKey::Reveal) => {
                    event.prevent_default();
                    revealed.set(true);
                }
                Some(StudyKey::Rate(_)) if checked().is_some() => {
                    // The typed answer was graded already: next card.
                    event.prevent_default();
                    load();
                }
                Some(StudyKey::Rate(rating)) => {
                    event.prevent_default();
                    answer(Some(rating));
                }
                Some(StudyKey::Undo) => {
                    event.prevent_default();
                    undo();
                }
                None => {}
            }
        }
    };

    let back = {
        let shell = shell.clone();
        move |_| shell.go(Screen::Lobby)
    };

    let current = item();
    let done = finished();
    let stats = session();
    rsx! {
        header { class: "top",
            button { class: "secondary", id: "back", onclick: back, {t!("back-to-lobby")} }
            if let Some(current) = &current {
                Counts { counts: current.counts }
            }
        }
        main {
            class: "study", id: "study", tabindex: "0", onkeydown: on_key,
            onmounted: move |e: MountedEvent| async move { let _ = e.set_focus(true).await; },
            if let Some(message) = problem() {
                p { class: "error", role: "alert", "{message}" }
            }
            if done {
                section { class: "card summary-card", id: "session-summary",
                    h2 { {t!("session-done")} }
                    p { {t!("session-summary", answered = stats.answered, again = stats.again)} }
                    button { class: "primary", autofocus: true, onclick: move |_| shell.go(Screen::Lobby), {t!("back-to-the-lobby")} }
                }
            } else if let Some(current) = current {
                section { class: "card flashcard", id: "flashcard",
                    p { class: "prompt", id: "prompt", "{current.prompt}" }
                    if !current.media.is_empty() {
                        CardMedia { key: "{current.item_id}", hashes: current.media.clone() }
                    }
                    if !current.hint.is_empty() && !revealed() {
                        p { class: "muted hint", {t!("hint", hint = current.hint.as_str())} }
                    }
                    if current.typed && !revealed() {
                        input {
                            id: "typed", class: "typed", placeholder: t!("type-the-answer"), autofocus: true,
                            value: "{typed}", oninput: move |e| typed.set(e.value()),
                        }
                    }
                    if revealed() {
                        hr {}
                        p { class: "answer", id: "answer", "{current.answer}" }
                        if let Some(result) = checked() {
                            if result.typed_correct == Some(true) {
                                p { class: "verdict right", {t!("typed-right")} }
                            } else {
                                TypedDiff { typed: typed(), answer: result.answer.clone() }
                            }
                        }
                        if !current.example.is_empty() {
                            p { class: "muted example", "{current.example}" }
                        }
                    }
                }
                if !revealed() {
                    div { class: "actions",
                        button { class: "primary", id: "show-answer",
                            onclick: {
                                let answer = answer.clone();
                                move |_| if current.typed { answer(None) } else { revealed.set(true) }
                            },
                            {t!("show-answer")} span { class: "key", {t!("key-space")} }
                        }
                    }
                } else if checked().is_some() {
                    div { class: "actions",
                        button { class: "primary", id: "next", onclick: move |_| load(), {t!("next")} span { class: "key", {t!("key-enter")} } }
                    }
                } else {
                    div { class: "actions ratings",
                        for (i, (rating, class, label, key)) in ratings().into_iter().enumerate() {
                            button {
                                class: "rating {class}", id: "rate-{key}",
                                title: t!("rating-title", rating = label.as_str(), interval = interval_label(current.intervals[i])),
                                onclick: {
                                    let answer = answer.clone();
                                    move |_| answer(Some(rating))
                                },
                                span { class: "interval", "{interval_label(current.intervals[i])}" }
                                span { "{label}" span { class: "key", "{key}" } }
                            }
                        }
                    }
                }
            } else {
                p { class: "muted", {t!("loading")} }
            }
        }
    }
}

/// The four rating buttons: rating, style, label, key.
fn ratings() -> [(Rating, &'static str, String, &'static str); 4] {
    [
        (Rating::Again, "again", t!("rating-again"), "1"),
        (Rating::Hard, "hard", t!("rating-hard"), "2"),
        (Rating::Good, "good", t!("rating-good"), "3"),
        (Rating::Easy, "easy", t!("rating-easy"), "4"),
    ]
}

/// A card's pictures and sounds, from the device's media cache (they work offline once
/// downloaded; until then the card says so).
#[component]
fn CardMedia(hashes: Vec<String>) -> Element {
    let shell = use_context::<Shell>();
    let engine = shell.engine.clone();
    let files = use_resource(move || {
        let engine = engine.clone();
        let hashes = hashes.clone();
        async move {
            let mut files = Vec::new();
            for hash in hashes {
                files.push(media_file(&engine, &hash).await);
            }
            files
        }
    });
    let files = files.read().clone().unwrap_or_default();
    rsx! {
        div { class: "card-media", id: "card-media",
            for file in files {
                match file {
                    Ok((url, mime)) if mime.starts_with("image/") => rsx! { img { src: "{url}", alt: "" } },
                    Ok((url, mime)) if mime.starts_with("audio/") => rsx! { audio { src: "{url}", controls: true, autoplay: true } },
                    Ok((url, mime)) if mime.starts_with("video/") => rsx! { video { src: "{url}", controls: true } },
                    Ok(_) => rsx! {},
                    Err(_) => rsx! { p { class: "muted", {t!("media-still-downloading")} } },
                }
            }
        }
    }
}

/// A wrong typed answer beside the right one, the differences marked.
#[component]
fn TypedDiff(typed: String, answer: String) -> Element {
    let (typed_runs, answer_runs) = typed_diff(&typed, &answer);
    rsx! {
        div { class: "verdict wrong", id: "typed-diff",
            p { {t!("typed-not-quite")} " "
                span { class: "diff",
                    for (mark, text) in typed_runs { span { class: mark.class(), "{text}" } }
                }
            }
            p { {t!("typed-the-answer")} " "
                span { class: "diff",
                    for (mark, text) in answer_runs { span { class: mark.class(), "{text}" } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::interval_label;

    #[test]
    fn intervals_read_as_on_anki_buttons() {
        crate::i18n::set(crate::i18n::Lang::En);
        assert_eq!(interval_label(30), "<1m");
        assert_eq!(interval_label(600), "10m");
        assert_eq!(interval_label(3 * 3600 + 100), "3h");
        assert_eq!(interval_label(4 * 86_400 - 600), "4d", "a learning card due just under four days");
        assert_eq!(interval_label(45 * 86_400), "1.5mo");
        assert_eq!(interval_label(60 * 86_400), "2mo");
        assert_eq!(interval_label(2 * 31_536_000), "2y");
        crate::i18n::set(crate::i18n::Lang::Ru);
        assert_eq!(interval_label(600), "10 мин");
        assert_eq!(interval_label(45 * 86_400), "1,5 мес");
        crate::i18n::set(crate::i18n::Lang::En);
    }
}
