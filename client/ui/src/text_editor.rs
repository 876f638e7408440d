//! The teacher's text editor: Markdown on the left, the page as students will read it on the
//! right (the reader's own renderer), saved when the teacher says so — never lost by leaving:
//! the screen asks before dropping unsaved edits.

use dioxus::prelude::*;
use tallschool_contract::{Request, Response};
use tallschool_shared::DocId;
use tallschool_shared::reader::blocks;

use crate::app::{Screen, Shell};
use crate::engine::ask;
use crate::t;

#[component]
pub fn TextEditor(text: DocId) -> Element {
    let shell = use_context::<Shell>();
    let engine = shell.engine.clone();
    let loaded = use_resource(move || {
        let engine = engine.clone();
        async move {
            let view = ask(&engine, Request::Reader { text }, crate::pick!(Response::Reader)).await?;
            let body = ask(&engine, Request::Body { text }, crate::pick!(Response::Text)).await?;
            Ok::<_, String>((view.title, body))
        }
    });
    let mut title = use_signal(|| None::<String>);
    let mut body = use_signal(|| None::<String>);
    let mut saved = use_signal(|| None::<(String, String)>);
    let mut problem = use_signal(|| None::<String>);
    let mut leaving = use_signal(|| false);

    // The stored text fills the fields once.
    use_effect(move || {
        if let Some(Ok((stored_title, stored_body))) = &*loaded.read()
            && saved.peek().is_none()
        {
            title.set(Some(stored_title.clone()));
            body.set(Some(stored_body.clone()));
            saved.set(Some((stored_title.clone(), stored_body.clone())));
        }
    });

    let current = (title().unwrap_or_default(), body().unwrap_or_default());
    let unsaved = saved().is_some_and(|s| s != current);
    let save = {
        let shell = shell.clone();
        move |_| {
            let shell = shell.clone();
            async move {
                let (new_title, new_body) = (title().unwrap_or_default(), body().unwrap_or_default());
                let old = saved().unwrap_or_default();
                if new_title != old.0
                    && let Err(message) =
                        ask(&shell.engine, Request::SetTitle { doc: text, title: new_title.clone() }, Some).await
                {
                    problem.set(Some(message));
                    return;
                }
                if new_body != old.1
                    && let Err(message) =
                        ask(&shell.engine, Request::SetBody { text, markdown: new_body.clone() }, Some).await
                {
                    problem.set(Some(message));
                    return;
                }
                problem.set(None);
                saved.set(Some((new_title, new_body)));
            }
        }
    };
    let back = {
        let shell = shell.clone();
        move |_| if unsaved { leaving.set(true) } else { shell.go(Screen::Lobby) }
    };
    if let Some(Err(message)) = &*loaded.read() {
        return rsx! {
            header { class: "top", button { class: "secondary", onclick: move |_| shell.go(Screen::Lobby), {t!("back-to-classes")} } }
            p { class: "error", role: "alert", "{message}" }
        };
    }
    let preview = blocks(&current.1);
    rsx! {
        header { class: "top",
            button { class: "secondary", id: "text-back", onclick: back, {t!("back-to-classes")} }
            input { class: "title-field", id: "text-title", "aria-label": t!("title"), value: "{current.0}",
                oninput: move |e| title.set(Some(e.value())) }
            span { class: "muted", id: "save-state", if unsaved { {t!("unsaved-changes")} } else { {t!("saved")} } }
            button { class: "primary", id: "save-text", disabled: !unsaved, onclick: save, {t!("save")} }
        }
        if leaving() {
            div { class: "warning", role: "alert",
                p { strong { {t!("changes-not-saved")} } }
                button { class: "primary", onclick: move |_| leaving.set(false), {t!("keep-editing")} }
                button { class: "danger", onclick: move |_| shell.go(Screen::Lobby), {t!("leave-without-saving")} }
            }
        }
        if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
        div { class: "text-editor",
            div { class: "source",
                label { r#for: "text-body", {t!("markdown")} }
                p { class: "muted", {t!("markdown-help")} }
                textarea { id: "text-body", spellcheck: "true", value: "{current.1}", oninput: move |e| body.set(Some(e.value())) }
            }
            div { class: "preview reader-scroll", "aria-label": t!("preview"),
                article { class: "reader-text",
                    onclick: move |event| event.prevent_default(),
                    for block in preview {
                        div { key: "{block.start}", class: "block", dangerous_inner_html: "{block.html}" }
                    }
                }
            }
        }
    }
}
