//! The teacher's deck editor: the cards (every type, with pictures and sound uploaded with
//! progress), imports — a CSV or tab-separated file with a report of every row left out, or an
//! Anki deck (`.apkg`) with a report of what it became — and the deck exported as CSV.

use dioxus::prelude::*;
use tallschool_contract::request::CardPatch;
use tallschool_contract::{Request, Response};
use tallschool_shared::anki::AnkiReport;
use tallschool_shared::cards::{CardType, ImportReport};
use tallschool_shared::schema::StoredCard;
use tallschool_shared::{ClassId, DocId};

use crate::app::{Screen, Shell, use_live};
use crate::browser::reveal;
use crate::engine::{ask, media_file};
use crate::messages::{card_problem, row_problem};
use crate::t;
use crate::uploads::{Transfer, stage, upload_picked};

/// A card type as teachers read it.
pub fn card_type_name(kind: CardType) -> String {
    match kind {
        CardType::Basic => t!("card-type-basic"),
        CardType::Reversed => t!("card-type-reversed"),
        CardType::TypeIn => t!("card-type-type-in"),
        CardType::Cloze => t!("card-type-cloze"),
    }
}

/// A deck's file name for its export: its title, without what file names cannot hold.
pub fn export_name(title: &str) -> String {
    let clean: String = title.chars().map(|c| if c.is_alphanumeric() || " -_".contains(c) { c } else { '_' }).collect();
    let clean = clean.trim();
    format!("{}.csv", if clean.is_empty() { "deck" } else { clean })
}

#[derive(Clone, PartialEq)]
struct Deck {
    cards: Vec<StoredCard>,
    title: String,
    theme: String,
    class: ClassId,
}

#[component]
pub fn DeckEditor(deck: DocId) -> Element {
    let shell = use_context::<Shell>();
    let data = use_live(move |engine| async move {
        let cards = ask(&engine, Request::Cards { deck }, crate::pick!(Response::Cards)).await?;
        let report = ask(&engine, Request::DeckReport { deck }, crate::pick!(Response::DeckReport)).await?;
        let docs = ask(&engine, Request::Documents, crate::pick!(Response::Documents)).await?;
        let class = docs.iter().find(|d| d.id == deck).map(|d| d.class_id).ok_or_else(|| t!("unexpected-answer"))?;
        Ok::<_, String>(Deck { cards, title: report.title, theme: report.theme, class })
    });
    let mut problem = use_signal(|| None::<String>);
    let mut notice = use_signal(|| None::<String>);
    let engine = shell.engine.clone();
    let delete = use_callback(move |card: String| {
        let engine = engine.clone();
        spawn(async move {
            if let Err(message) = ask(&engine, Request::DeleteCard { deck, card }, Some).await {
                problem.set(Some(message));
            }
        });
    });
    let export = {
        let engine = shell.engine.clone();
        move |title: String| {
            let engine = engine.clone();
            async move {
                let csv = ask(&engine, Request::ExportCards { deck }, crate::pick!(Response::Csv)).await;
                let saved = match csv {
                    Ok(csv) => engine.save_file(&export_name(&title), csv.into_bytes()).await.map_err(|e| e.message),
                    Err(message) => Err(message),
                };
                match saved {
                    Ok(path) => notice.set(Some(t!("exported-to", path = path))),
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };

    let back = {
        let shell = shell.clone();
        move |_| shell.go(Screen::Lobby)
    };
    let Deck { cards, title, theme, class } = match &*data.read() {
        None => return rsx! { p { class: "muted center", {t!("loading")} } },
        Some(Err(message)) => {
            return rsx! {
                header { class: "top", button { class: "secondary", onclick: back, {t!("back-to-classes")} } }
                p { class: "error", role: "alert", "{message}" }
            };
        }
        Some(Ok(data)) => data.clone(),
    };
    let live: Vec<_> = cards.into_iter().filter(|c| !c.deleted).collect();
    rsx! {
        header { class: "top",
            button { class: "secondary", id: "deck-back", onclick: back, {t!("back-to-classes")} }
            DeckNames { key: "{title}{theme}", deck, title: title.clone(), theme: theme.clone() }
            button { class: "secondary", id: "export-deck",
                onclick: {
                    let title = title.clone();
                    move |_| export.clone()(title.clone())
                },
                {t!("export-csv")}
            }
        }
        main { class: "editor",
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            if let Some(message) = notice() { p { class: "notice-inline", role: "status", id: "deck-notice", "{message}" } }
            NewCard { deck }
            ImportCards { deck }
            AnkiImport { class, deck: Some(deck) }
            h2 { id: "card-count", {t!("cards-n", n = live.len())} }
            table { class: "cards",
                thead { tr {
                    th { {t!("card-type")} } th { {t!("card-front")} } th { {t!("card-back")} }
                    th { {t!("card-media")} } th { {t!("card-tags")} } th { span { class: "visually-hidden", {t!("delete")} } }
                } }
                tbody {
                    for card in live {
                        CardRow { key: "{card.id}", deck, card: card.clone(), on_delete: delete }
                    }
                }
            }
        }
    }
}

/// One card of the table; "Edit" turns it into a form of all its fields.
#[component]
fn CardRow(deck: DocId, card: StoredCard, on_delete: Callback<String>) -> Element {
    let shell = use_context::<Shell>();
    let mut editing = use_signal(|| false);
    let mut fields = use_signal(|| card.fields.clone());
    let mut tags = use_signal(|| card.fields.tags.join(" "));
    let mut problem = use_signal(|| None::<String>);
    let id = card.id.clone();
    let save = {
        let id = id.clone();
        move |event: FormEvent| {
            event.prevent_default();
            let engine = shell.engine.clone();
            let card = Some(id.clone());
            async move {
                let mut next = fields();
                next.tags = tags().split_whitespace().map(str::to_owned).collect();
                // Checked here first, so the reason is in the teacher's language.
                if let Err(why) = next.check() {
                    problem.set(Some(crate::messages::sentence(&card_problem(&why))));
                    return;
                }
                let patch = CardPatch {
                    card_type: Some(next.card_type),
                    front: Some(next.front),
                    back: Some(next.back),
                    example: Some(next.example),
                    hint: Some(next.hint),
                    tags: Some(next.tags),
                    media: None,
                };
                match ask(&engine, Request::PutCard { deck, card, patch }, Some).await {
                    Ok(_) => {
                        problem.set(None);
                        editing.set(false);
                    }
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };
    if editing() {
        let current = fields();
        let cloze = current.card_type == CardType::Cloze;
        return rsx! {
            tr { class: "editing",
                td { colspan: "6",
                    form { class: "card-form", id: "edit-{id}", onsubmit: save,
                        div { class: "row",
                            label { r#for: "edit-type-{id}", {t!("card-type")} }
                            select { id: "edit-type-{id}",
                                onchange: move |e| fields.write().card_type = CardType::parse(&e.value()).unwrap_or_default(),
                                for kind in CardType::ALL {
                                    option { value: kind.as_str(), selected: kind == current.card_type, {card_type_name(kind)} }
                                }
                            }
                        }
                        label { r#for: "edit-front-{id}", {t!("card-front")} }
                        input { id: "edit-front-{id}", class: "edit-front", value: "{current.front}", oninput: move |e| fields.write().front = e.value() }
                        if !cloze {
                            label { r#for: "edit-back-{id}", {t!("card-back")} }
                            input { id: "edit-back-{id}", class: "edit-back", value: "{current.back}", oninput: move |e| fields.write().back = e.value() }
                        }
                        label { r#for: "edit-example-{id}", {t!("card-example")} }
                        input { id: "edit-example-{id}", value: "{current.example}", oninput: move |e| fields.write().example = e.value() }
                        label { r#for: "edit-hint-{id}", {t!("card-hint")} }
                        input { id: "edit-hint-{id}", value: "{current.hint}", oninput: move |e| fields.write().hint = e.value() }
                        label { r#for: "edit-tags-{id}", {t!("card-tags-help")} }
                        input { id: "edit-tags-{id}", value: "{tags}", oninput: move |e| tags.set(e.value()) }
                        if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
                        div { class: "row",
                            button { class: "primary", r#type: "submit", {t!("save")} }
                            button { class: "secondary", r#type: "button",
                                onclick: {
                                    let stored = card.fields.clone();
                                    move |_| {
                                        fields.set(stored.clone());
                                        tags.set(stored.tags.join(" "));
                                        problem.set(None);
                                        editing.set(false);
                                    }
                                },
                                {t!("cancel")}
                            }
                        }
                    }
                }
            }
        };
    }
    rsx! {
        tr {
            td { class: "muted", {card_type_name(card.fields.card_type)} }
            td { "{card.fields.front}" }
            td { "{card.fields.back}" }
            td { CardMediaCell { deck, card: card.clone() } }
            td { class: "muted", "{card.fields.tags.join(\" \")}" }
            td { class: "card-actions",
                button { class: "link edit-card", "aria-label": t!("edit-card", front = card.fields.front.as_str()),
                    onclick: {
                        let stored = card.fields.clone();
                        move |_| {
                            fields.set(stored.clone());
                            tags.set(stored.tags.join(" "));
                            editing.set(true);
                        }
                    },
                    {t!("edit")}
                }
                button { class: "delete", "aria-label": t!("delete-card", front = card.fields.front.as_str()),
                    onclick: move |_| on_delete.call(id.clone()),
                    "×"
                }
            }
        }
    }
}

/// The deck's title and theme, saved when a field is left.
#[component]
fn DeckNames(deck: DocId, title: String, theme: String) -> Element {
    let shell = use_context::<Shell>();
    let mut new_title = use_signal(|| title.clone());
    let mut new_theme = use_signal(|| theme.clone());
    let mut problem = use_signal(|| None::<String>);
    let save_title = {
        let engine = shell.engine.clone();
        move |_| {
            let engine = engine.clone();
            let stored = title.clone();
            async move {
                if new_title().trim() != stored && !new_title().trim().is_empty() {
                    let request = Request::SetTitle { doc: deck, title: new_title().trim().to_owned() };
                    problem.set(ask(&engine, request, Some).await.err());
                }
            }
        }
    };
    let save_theme = {
        let engine = shell.engine.clone();
        move |_| {
            let engine = engine.clone();
            let stored = theme.clone();
            async move {
                if new_theme().trim() != stored {
                    let request = Request::SetTheme { deck, theme: new_theme().trim().to_owned() };
                    problem.set(ask(&engine, request, Some).await.err());
                }
            }
        }
    };
    rsx! {
        input { class: "title-field", id: "deck-title", "aria-label": t!("title"), value: "{new_title}",
            oninput: move |e| new_title.set(e.value()), onchange: save_title }
        input { class: "theme-field", id: "deck-theme", "aria-label": t!("theme"), placeholder: t!("theme"), value: "{new_theme}",
            oninput: move |e| new_theme.set(e.value()), onchange: save_theme }
        if let Some(message) = problem() { span { class: "error", role: "alert", "{message}" } }
    }
}

/// A card's pictures and sounds (thumbnails from the cache, or their kind while they download),
/// each removable, and a way to add one.
#[component]
fn CardMediaCell(deck: DocId, card: StoredCard) -> Element {
    let shell = use_context::<Shell>();
    let copying = use_signal(|| None::<(u64, u64)>);
    let mut uploading = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let set_media = {
        let engine = shell.engine.clone();
        let id = card.id.clone();
        move |media: Vec<String>| {
            let engine = engine.clone();
            let card = Some(id.clone());
            async move {
                let patch = CardPatch { media: Some(media), ..CardPatch::default() };
                problem.set(ask(&engine, Request::PutCard { deck, card, patch }, Some).await.err());
            }
        }
    };
    let add = {
        let engine = shell.engine.clone();
        let set_media = set_media.clone();
        let existing = card.fields.media.clone();
        move |event: FormEvent| {
            let engine = engine.clone();
            let set_media = set_media.clone();
            let mut media = existing.clone();
            async move {
                let Some(file) = event.files().into_iter().next() else { return };
                uploading.set(true);
                let uploaded = upload_picked(&engine, file, copying).await;
                uploading.set(false);
                match uploaded {
                    Ok(object) => {
                        media.push(object.hash);
                        set_media(media).await;
                    }
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };
    let input_id = format!("media-{}", card.id);
    rsx! {
        div { class: "media-cell",
            for hash in card.fields.media.iter().cloned() {
                span { class: "media-chip", key: "{hash}",
                    MediaThumb { hash: hash.clone() }
                    button { class: "delete", "aria-label": t!("remove-media"),
                        onclick: {
                            let set_media = set_media.clone();
                            let rest: Vec<String> = card.fields.media.iter().filter(|h| **h != hash).cloned().collect();
                            move |_| { spawn(set_media.clone()(rest.clone())); }
                        },
                        "×"
                    }
                }
            }
            label { class: "file-button", r#for: "{input_id}", title: t!("add-media"), "+" span { class: "visually-hidden", {t!("add-media")} } }
            input { id: "{input_id}", class: "visually-hidden add-media", r#type: "file", accept: "image/*,audio/*",
                disabled: uploading(), onchange: add }
            Transfer { copying: copying(), busy: uploading() }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
        }
    }
}

/// A picture as a thumbnail, a sound as a note, from this device's cache.
#[component]
fn MediaThumb(hash: String) -> Element {
    let shell = use_context::<Shell>();
    let engine = shell.engine.clone();
    let file = use_resource(move || {
        let engine = engine.clone();
        let hash = hash.clone();
        async move { media_file(&engine, &hash).await.ok() }
    });
    match file.read().clone().flatten() {
        Some((url, mime)) if mime.starts_with("image/") => {
            rsx! { img { class: "thumb", src: "{url}", alt: t!("a-picture") } }
        }
        Some((_, mime)) if mime.starts_with("audio/") => rsx! { span { class: "muted", "♪ " {t!("a-sound")} } },
        _ => rsx! { span { class: "muted", {t!("media-not-here-yet")} } },
    }
}

#[component]
fn NewCard(deck: DocId) -> Element {
    let shell = use_context::<Shell>();
    let mut card_type = use_signal(|| CardType::Basic);
    let mut front = use_signal(String::new);
    let mut back = use_signal(String::new);
    let mut example = use_signal(String::new);
    let mut hint = use_signal(String::new);
    let mut tags = use_signal(String::new);
    let mut media = use_signal(Vec::<(String, String)>::new);
    let copying = use_signal(|| None::<(u64, u64)>);
    let mut uploading = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let add = {
        let shell = shell.clone();
        move |event: FormEvent| {
            event.prevent_default();
            let shell = shell.clone();
            async move {
                let patch = CardPatch {
                    card_type: Some(card_type()),
                    front: Some(front()),
                    back: Some(back()),
                    example: Some(example().trim().to_owned()),
                    hint: Some(hint().trim().to_owned()),
                    tags: Some(tags().split_whitespace().map(str::to_owned).collect()),
                    media: Some(media().into_iter().map(|(hash, _)| hash).collect()),
                };
                match ask(&shell.engine, Request::PutCard { deck, card: None, patch }, Some).await {
                    Ok(_) => {
                        for mut field in [front, back, example, hint] {
                            field.set(String::new());
                        }
                        media.set(Vec::new());
                        problem.set(None);
                    }
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };
    let attach = move |event: FormEvent| {
        let engine = shell.engine.clone();
        async move {
            let Some(file) = event.files().into_iter().next() else { return };
            let name = file.name();
            uploading.set(true);
            let uploaded = upload_picked(&engine, file, copying).await;
            uploading.set(false);
            match uploaded {
                Ok(object) => media.write().push((object.hash, name)),
                Err(message) => problem.set(Some(message)),
            }
        }
    };
    rsx! {
        form { class: "card new-card", onsubmit: add,
            h2 { {t!("add-a-card")} }
            div { class: "row",
                label { r#for: "card-type", {t!("card-type")} }
                select { id: "card-type",
                    onchange: move |e| card_type.set(CardType::parse(&e.value()).unwrap_or_default()),
                    for kind in CardType::ALL {
                        option { value: kind.as_str(), selected: kind == card_type(), {card_type_name(kind)} }
                    }
                }
            }
            label { r#for: "card-front", {t!("card-front")} }
            input { id: "card-front", value: "{front}", oninput: move |e| front.set(e.value()),
                placeholder: if card_type() == CardType::Cloze { t!("cloze-placeholder") } else { String::new() } }
            if card_type() != CardType::Cloze {
                label { r#for: "card-back", {t!("card-back")} }
                input { id: "card-back", value: "{back}", oninput: move |e| back.set(e.value()) }
            }
            details { class: "more-fields",
                summary { {t!("more-fields")} }
                label { r#for: "card-example", {t!("card-example")} }
                input { id: "card-example", value: "{example}", oninput: move |e| example.set(e.value()) }
                label { r#for: "card-hint", {t!("card-hint")} }
                input { id: "card-hint", value: "{hint}", oninput: move |e| hint.set(e.value()) }
                label { r#for: "card-tags", {t!("card-tags-help")} }
                input { id: "card-tags", value: "{tags}", oninput: move |e| tags.set(e.value()) }
            }
            label { r#for: "card-media-file", {t!("card-picture-or-sound")} }
            input { id: "card-media-file", r#type: "file", accept: "image/*,audio/*", disabled: uploading(), onchange: attach }
            Transfer { copying: copying(), busy: uploading() }
            if !media.read().is_empty() {
                ul { class: "attached",
                    for (i, (hash, name)) in media().into_iter().enumerate() {
                        li { key: "{hash}",
                            "{name}"
                            button { class: "delete", r#type: "button", "aria-label": t!("remove-media"),
                                onclick: move |_| { media.write().remove(i); }, "×" }
                        }
                    }
                }
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            button { class: "primary", r#type: "submit", disabled: uploading(), {t!("add-card")} }
        }
    }
}

#[component]
fn ImportCards(deck: DocId) -> Element {
    let shell = use_context::<Shell>();
    let mut pasted = use_signal(String::new);
    let mut report = use_signal(|| None::<ImportReport>);
    let mut problem = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let run = {
        let shell = shell.clone();
        move |text: String| {
            let shell = shell.clone();
            spawn(async move {
                busy.set(true);
                problem.set(None);
                match ask(&shell.engine, Request::ImportCards { deck, text }, crate::pick!(Response::Imported)).await {
                    Ok(imported) => {
                        report.set(Some(imported));
                        pasted.set(String::new());
                        reveal("import-report").await;
                    }
                    Err(message) => {
                        report.set(None);
                        problem.set(Some(message));
                    }
                }
                busy.set(false);
            });
        }
    };
    let from_file = {
        let run = run.clone();
        move |event: FormEvent| {
            let run = run.clone();
            async move {
                let Some(file) = event.files().into_iter().next() else { return };
                match file.read_bytes().await {
                    Ok(bytes) => match String::from_utf8(bytes.to_vec()) {
                        Ok(text) => run(text),
                        Err(_) => problem.set(Some(t!("not-utf8", file = file.name()))),
                    },
                    Err(error) => {
                        problem.set(Some(t!("file-unreadable", file = file.name(), detail = error.to_string())))
                    }
                }
            }
        }
    };
    rsx! {
        section { class: "card import",
            h2 { {t!("import-cards")} }
            p { class: "muted", {t!("import-cards-help")} }
            label { r#for: "import-file", {t!("import-from-file")} }
            input { id: "import-file", r#type: "file", accept: ".csv,.tsv,.txt,text/csv", disabled: busy(), onchange: from_file }
            label { r#for: "import-text", {t!("import-paste")} }
            textarea { id: "import-text", rows: "4", value: "{pasted}", oninput: move |e| pasted.set(e.value()),
                placeholder: "front,back\ndog,perro" }
            button { class: "secondary", id: "import-pasted", disabled: busy() || pasted.read().trim().is_empty(),
                onclick: {
                    let run = run.clone();
                    move |_| run(pasted())
                },
                {t!("import-pasted")}
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            if let Some(report) = report() {
                div { class: "import-report", id: "import-report", role: "status",
                    p { class: "imported", {t!("cards-imported", n = report.cards.len())} }
                    if !report.rejected.is_empty() {
                        p { class: "error", {t!("rows-left-out", n = report.rejected.len())} }
                        ul { class: "rejected",
                            for (line, reason) in report.rejected.iter() {
                                li { key: "{line}", {t!("row-because", row = *line, reason = row_problem(reason))} }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An Anki deck (`.apkg`) into `deck`, or into new decks of `class` (one per Anki deck).
#[component]
pub fn AnkiImport(class: ClassId, deck: Option<DocId>) -> Element {
    let shell = use_context::<Shell>();
    let copying = use_signal(|| None::<(u64, u64)>);
    let mut busy = use_signal(|| false);
    let mut report = use_signal(|| None::<AnkiReport>);
    let mut problem = use_signal(|| None::<String>);
    let import = move |event: FormEvent| {
        let engine = shell.engine.clone();
        async move {
            let Some(file) = event.files().into_iter().next() else { return };
            busy.set(true);
            problem.set(None);
            report.set(None);
            let imported = match stage(&engine, file, copying).await {
                Ok(path) => {
                    let imported = ask(
                        &engine,
                        Request::ImportAnki { class, deck, path: path.clone() },
                        crate::pick!(Response::AnkiImported),
                    )
                    .await;
                    engine.release_file(&path);
                    imported
                }
                Err(message) => Err(message),
            };
            busy.set(false);
            match imported {
                Ok(imported) => {
                    report.set(Some(imported));
                    reveal("anki-report").await;
                }
                Err(message) => problem.set(Some(message)),
            }
        }
    };
    let id = match deck {
        Some(_) => "anki-file".to_owned(),
        None => format!("anki-file-{class}"),
    };
    rsx! {
        section { class: if deck.is_some() { "card import anki" } else { "anki new-from-anki" },
            if deck.is_some() { h2 { {t!("import-anki")} } }
            label { class: "file-label", r#for: "{id}", if deck.is_some() { {t!("choose-anki-file")} } else { {t!("import-anki-as-decks")} } }
            p { class: "muted", if deck.is_some() { {t!("import-anki-help-deck")} } else { {t!("import-anki-help-class")} } }
            input { id: "{id}", class: "anki-file", r#type: "file", accept: ".apkg", disabled: busy(), onchange: import }
            Transfer { copying: copying(), busy: false }
            if busy() && copying().is_none() {
                p { class: "muted", role: "status", {t!("importing-anki")} }
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            if let Some(report) = report() {
                AnkiReportView { report }
            }
        }
    }
}

#[component]
fn AnkiReportView(report: AnkiReport) -> Element {
    let shell = use_context::<Shell>();
    let kinds: Vec<(String, u64)> = CardType::ALL
        .iter()
        .filter_map(|kind| report.cards.get(kind.as_str()).map(|n| (card_type_name(*kind), *n)))
        .collect();
    rsx! {
        div { class: "import-report", id: "anki-report", role: "status",
            p { class: "imported", {t!("anki-imported", cards = report.cards_total(), notes = report.notes)} }
            p { class: "muted",
                for (i, (kind, n)) in kinds.iter().enumerate() {
                    if i > 0 { " · " }
                    "{kind}: {n}"
                }
            }
            ul { class: "anki-decks",
                for imported in report.decks.iter().cloned() {
                    li { key: "{imported.deck}",
                        button { class: "link", onclick: {
                                let shell = shell.clone();
                                move |_| shell.go(Screen::Deck(imported.deck))
                            },
                            if imported.title.is_empty() { {t!("this-deck")} } else { "{imported.title}" }
                        }
                        " — " {t!("cards-n", n = imported.cards)}
                    }
                }
            }
            if report.media_uploaded > 0 { p { {t!("anki-media-uploaded", n = report.media_uploaded)} } }
            for (name, notes) in report.as_basic.iter() {
                p { class: "warning-inline", {t!("anki-as-basic", kind = name.as_str(), n = *notes)} }
            }
            if !report.skipped.is_empty() {
                p { class: "error", {t!("anki-notes-left-out", n = report.skipped.len())} }
                ul { class: "rejected",
                    for (label, why) in report.skipped.iter() {
                        li { "“{label}”: " {card_problem(why)} }
                    }
                }
            }
            if !report.media_missing.is_empty() {
                p { class: "warning-inline", {t!("anki-media-missing", names = report.media_missing.join(", "))} }
            }
            for (name, why) in report.media_refused.iter() {
                p { class: "warning-inline", {t!("anki-media-refused", name = name.as_str(), why = why.as_str())} }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_are_named_after_their_deck() {
        assert_eq!(export_name("Animals"), "Animals.csv");
        assert_eq!(export_name("Spanish: week 1/2"), "Spanish_ week 1_2.csv");
        assert_eq!(export_name("   "), "deck.csv");
        assert_eq!(export_name("Животные"), "Животные.csv");
    }
}
