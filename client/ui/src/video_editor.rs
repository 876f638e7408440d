//! The teacher's video-test editor: the video (uploaded with progress; its length read from the
//! file), the rules (skipping, attempts, when students see results), and questions placed on
//! the video's timeline, each with its answer key and points.

use dioxus::prelude::*;
use tallschool_contract::video::{NewQuestion, TestSettings};
use tallschool_contract::{Request, Response};
use tallschool_shared::DocId;
use tallschool_shared::schema::VideoTest;
use tallschool_shared::video::{Feedback, Key, QuestionKind};

use crate::app::{Screen, Shell, use_live};
use crate::browser::{media_duration, media_time, object_url, set_media_time};
use crate::engine::{ask, media_file};
use crate::playback::clock;
use crate::t;
use crate::uploads::{Transfer, upload_picked};

const PREVIEW: &str = "editor-video";

#[derive(Clone, PartialEq)]
struct Loaded {
    test: VideoTest,
    /// The video from this device's cache, once there.
    cached: Option<String>,
}

pub fn kind_name(kind: QuestionKind) -> String {
    match kind {
        QuestionKind::SingleChoice => t!("kind-single-choice"),
        QuestionKind::MultipleChoice => t!("kind-multiple-choice"),
        QuestionKind::TrueFalse => t!("kind-true-false"),
        QuestionKind::ShortText => t!("kind-short-text"),
    }
}

/// A question being written: what the form holds.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionDraft {
    pub kind: QuestionKind,
    pub prompt: String,
    /// Options of a choice question, each with whether it is right.
    pub options: Vec<(String, bool)>,
    pub truth: bool,
    /// Accepted answers of a short-text question, one per line (none: graded by hand).
    pub accepted: String,
    pub points: u32,
}

impl Default for QuestionDraft {
    fn default() -> QuestionDraft {
        QuestionDraft {
            kind: QuestionKind::SingleChoice,
            prompt: String::new(),
            options: vec![(String::new(), true), (String::new(), false)],
            truth: true,
            accepted: String::new(),
            points: 1,
        }
    }
}

impl QuestionDraft {
    /// The question to add at `at_secs`, or what is missing.
    pub fn question(&self, at_secs: u32) -> Result<NewQuestion, String> {
        if self.prompt.trim().is_empty() {
            return Err(t!("question-needs-prompt"));
        }
        let choice = matches!(self.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice);
        let options: Vec<(String, bool)> = if choice {
            self.options.iter().filter(|(text, _)| !text.trim().is_empty()).cloned().collect()
        } else {
            Vec::new()
        };
        let key = match self.kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                if options.len() < 2 {
                    return Err(t!("question-needs-options"));
                }
                let right: std::collections::BTreeSet<u32> =
                    options.iter().enumerate().filter(|(_, (_, right))| *right).map(|(i, _)| i as u32).collect();
                match (self.kind, right.len()) {
                    (_, 0) => return Err(t!("question-needs-right-option")),
                    (QuestionKind::SingleChoice, n) if n > 1 => return Err(t!("question-one-right-option")),
                    _ => Some(Key::Choices(right)),
                }
            }
            QuestionKind::TrueFalse => Some(Key::Truth(self.truth)),
            QuestionKind::ShortText => {
                let accepted: Vec<String> =
                    self.accepted.lines().map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned).collect();
                (!accepted.is_empty()).then_some(Key::Accepted(accepted))
            }
        };
        Ok(NewQuestion {
            at_secs,
            kind: self.kind,
            prompt: self.prompt.trim().to_owned(),
            options: options.into_iter().map(|(text, _)| text.trim().to_owned()).collect(),
            points: self.points,
            key,
        })
    }
}

#[component]
pub fn VideoEditor(test: DocId) -> Element {
    let shell = use_context::<Shell>();
    let data = use_live(move |engine| async move {
        let view = ask(&engine, Request::VideoTest { test }, crate::pick!(Response::VideoTest)).await?;
        let cached =
            if view.media.is_empty() { None } else { media_file(&engine, &view.media).await.ok().map(|(url, _)| url) };
        Ok::<_, String>(Loaded { test: view, cached })
    });
    // The video just picked, shown before the device's cache has it.
    let mut picked = use_signal(|| None::<String>);
    // The picked video's length, once the preview knows it; the upload waits for it.
    let mut picked_length = use_signal(|| None::<u32>);
    let copying = use_signal(|| None::<(u64, u64)>);
    let mut uploading = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let mut notice = use_signal(|| None::<String>);
    let mut now = use_signal(|| 0.0_f64);

    let configure = {
        let engine = shell.engine.clone();
        move |settings: TestSettings| {
            let engine = engine.clone();
            async move {
                match ask(&engine, Request::ConfigureVideoTest { test, settings }, Some).await {
                    Ok(_) => {
                        problem.set(None);
                        notice.set(Some(t!("saved")));
                    }
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };

    let choose_video = {
        let engine = shell.engine.clone();
        let configure = configure.clone();
        move |event: FormEvent| {
            let engine = engine.clone();
            let configure = configure.clone();
            async move {
                let Some(file) = event.files().into_iter().next() else { return };
                picked_length.set(None);
                picked.set(object_url(&file));
                uploading.set(true);
                problem.set(None);
                let uploaded = upload_picked(&engine, file, copying).await;
                uploading.set(false);
                match uploaded {
                    Ok(media) => {
                        // The length comes from the file itself (the preview reads it).
                        let mut length = picked_length();
                        for _ in 0..100 {
                            if length.is_some() {
                                break;
                            }
                            crate::browser::sleep(100).await;
                            length = picked_length().or_else(|| media_duration(PREVIEW).map(|d| d.ceil() as u32));
                        }
                        let settings =
                            TestSettings { media: Some(media.hash), duration_secs: length, ..TestSettings::default() };
                        configure(settings).await;
                    }
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };

    let back = {
        let shell = shell.clone();
        move |_| shell.go(Screen::Lobby)
    };
    let loaded = match &*data.read() {
        Some(Ok(loaded)) => loaded.clone(),
        Some(Err(message)) => {
            return rsx! {
                header { class: "top", button { class: "secondary", onclick: back, {t!("back-to-classes")} } }
                p { class: "error", role: "alert", "{message}" }
            };
        }
        None => return rsx! { p { class: "muted center", {t!("loading")} } },
    };
    let video_test = loaded.test.clone();
    let source = picked().or(loaded.cached.clone());
    let has_video = !video_test.media.is_empty();
    let duration = f64::from(video_test.duration_secs.max(1));
    let percent = |at: f64| (at / duration * 100.0).clamp(0.0, 100.0);

    rsx! {
        header { class: "top",
            button { class: "secondary", id: "video-editor-back", onclick: back, {t!("back-to-classes")} }
            TitleField { doc: test, title: video_test.title.clone() }
        }
        main { class: "editor video-editor",
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            if let Some(message) = notice() { p { class: "notice-inline", role: "status", "{message}" } }
            section { class: "card",
                h2 { {t!("the-video")} }
                match source.clone() {
                    Some(url) => rsx! {
                        video { id: PREVIEW, class: "preview-video", src: "{url}", controls: true, preload: "metadata",
                            onloadedmetadata: move |_| picked_length.set(media_duration(PREVIEW).map(|d| d.ceil() as u32)),
                            ontimeupdate: move |_| now.set(media_time(PREVIEW)),
                        }
                    },
                    None if has_video => rsx! { p { class: "muted", {t!("video-downloading")} } },
                    None => rsx! { p { class: "muted", {t!("no-video-yet")} } },
                }
                if has_video {
                    p { class: "muted", id: "video-length", {t!("video-length", time = clock(f64::from(video_test.duration_secs)))} }
                }
                label { r#for: "video-file", if has_video { {t!("replace-video")} } else { {t!("choose-video")} } }
                input { id: "video-file", r#type: "file", accept: "video/*", disabled: uploading(), onchange: choose_video }
                Transfer { copying: copying(), busy: uploading() }
            }
            Rules { test: video_test.clone(), on_save: move |settings| { spawn(configure.clone()(settings)); } }
            if has_video {
                section { class: "card",
                    h2 { {t!("questions")} }
                    div { class: "timeline editor-timeline", "aria-hidden": "true",
                        div { class: "playhead", style: "left: {percent(now())}%" }
                        for question in video_test.questions.iter() {
                            div { class: "marker", key: "{question.id}", style: "left: {percent(f64::from(question.at_secs))}%" }
                        }
                    }
                    ul { class: "questions", id: "question-list",
                        for question in video_test.questions.iter().cloned() {
                            li { key: "{question.id}",
                                button { class: "link time", title: t!("go-to-time"),
                                    onclick: move |_| set_media_time(PREVIEW, f64::from(question.at_secs)),
                                    "{clock(f64::from(question.at_secs))}"
                                }
                                span { class: "kind", {kind_name(question.kind)} }
                                span { class: "q-prompt", "{question.prompt}" }
                                span { class: "muted", {t!("points-n", n = question.points)} }
                                RemoveQuestion { test, question: question.id.clone(), prompt: question.prompt.clone() }
                            }
                        }
                    }
                    NewQuestionForm { test, at: now().floor().min(duration) as u32, feedback: video_test.feedback }
                }
            }
        }
    }
}

#[component]
fn TitleField(doc: DocId, title: String) -> Element {
    let shell = use_context::<Shell>();
    let mut value = use_signal(|| title.clone());
    let mut problem = use_signal(|| None::<String>);
    let save = move |_| {
        let shell = shell.clone();
        let stored = title.clone();
        async move {
            if value() != stored {
                problem.set(ask(&shell.engine, Request::SetTitle { doc, title: value() }, Some).await.err());
            }
        }
    };
    rsx! {
        input { class: "title-field", id: "video-title", "aria-label": t!("title"), value: "{value}",
            oninput: move |e| value.set(e.value()), onchange: save }
        if let Some(message) = problem() { span { class: "error", role: "alert", "{message}" } }
    }
}

/// Skipping, attempts and feedback.
#[component]
fn Rules(test: VideoTest, on_save: EventHandler<TestSettings>) -> Element {
    let mut prevent = use_signal(|| test.prevent_skipping);
    let mut attempts = use_signal(|| test.attempts_allowed.to_string());
    let mut feedback = use_signal(|| test.feedback);
    let mut problem = use_signal(|| None::<String>);
    let save = move |event: FormEvent| {
        event.prevent_default();
        let Ok(allowed) = attempts().trim().parse::<u32>() else {
            problem.set(Some(t!("attempts-not-a-number")));
            return;
        };
        problem.set(None);
        on_save.call(TestSettings {
            prevent_skipping: Some(prevent()),
            attempts_allowed: Some(allowed),
            feedback: Some(feedback()),
            ..TestSettings::default()
        });
    };
    rsx! {
        form { class: "card form rules", onsubmit: save,
            h2 { {t!("rules")} }
            label { class: "check",
                input { id: "prevent-skipping", r#type: "checkbox", checked: prevent(), onchange: move |e| prevent.set(e.checked()) }
                span { {t!("prevent-skipping")} }
            }
            label { r#for: "attempts-allowed", {t!("attempts-allowed")} }
            input { id: "attempts-allowed", r#type: "number", min: "0", max: "100", value: "{attempts}",
                oninput: move |e| attempts.set(e.value()) }
            label { r#for: "feedback", {t!("when-results")} }
            select { id: "feedback",
                onchange: move |e: FormEvent| if let Some(f) = Feedback::parse(&e.value()) { feedback.set(f) },
                option { value: "graded_on_sync", selected: feedback() == Feedback::GradedOnSync, {t!("feedback-graded-option")} }
                option { value: "instant", selected: feedback() == Feedback::Instant, {t!("feedback-instant-option")} }
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            button { class: "secondary", r#type: "submit", id: "save-rules", {t!("save-rules")} }
        }
    }
}

#[component]
fn RemoveQuestion(test: DocId, question: String, prompt: String) -> Element {
    let shell = use_context::<Shell>();
    let mut problem = use_signal(|| None::<String>);
    rsx! {
        button { class: "delete", "aria-label": t!("delete-question", prompt = prompt.as_str()),
            onclick: move |_| {
                let engine = shell.engine.clone();
                let question = question.clone();
                async move {
                    problem.set(ask(&engine, Request::RemoveQuestion { test, question }, Some).await.err());
                }
            },
            "×"
        }
        if let Some(message) = problem() { span { class: "error", "{message}" } }
    }
}

/// A question at the preview's current time.
#[component]
fn NewQuestionForm(test: DocId, at: u32, feedback: Feedback) -> Element {
    let shell = use_context::<Shell>();
    let mut draft = use_signal(QuestionDraft::default);
    let mut problem = use_signal(|| None::<String>);
    let add = move |event: FormEvent| {
        event.prevent_default();
        let shell = shell.clone();
        async move {
            let question = match draft.read().question(at) {
                Ok(question) => question,
                Err(message) => {
                    problem.set(Some(message));
                    return;
                }
            };
            match ask(&shell.engine, Request::AddQuestion { test, question }, Some).await {
                Ok(_) => {
                    let kind = draft.read().kind;
                    draft.set(QuestionDraft { kind, ..QuestionDraft::default() });
                    problem.set(None);
                }
                Err(message) => problem.set(Some(message)),
            }
        }
    };
    let current = draft();
    let choice = matches!(current.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice);
    rsx! {
        form { class: "new-question form", id: "new-question", onsubmit: add,
            h3 { {t!("add-question-at", time = clock(f64::from(at)))} }
            p { class: "muted", {t!("add-question-help")} }
            label { r#for: "question-kind", {t!("question-kind")} }
            select { id: "question-kind",
                onchange: move |e: FormEvent| if let Some(kind) = QuestionKind::parse(&e.value()) { draft.write().kind = kind },
                for kind in QuestionKind::ALL {
                    option { value: kind.as_str(), selected: kind == current.kind, {kind_name(kind)} }
                }
            }
            label { r#for: "question-prompt-input", {t!("question-prompt")} }
            textarea { id: "question-prompt-input", rows: "2", value: "{current.prompt}",
                oninput: move |e| draft.write().prompt = e.value() }
            if choice {
                fieldset { class: "options-editor",
                    legend { {t!("options-right")} }
                    for (i, (text, right)) in current.options.iter().cloned().enumerate() {
                        div { class: "option-row", key: "{i}",
                            input { r#type: if current.kind == QuestionKind::SingleChoice { "radio" } else { "checkbox" },
                                name: "right-option", checked: right, "aria-label": t!("option-is-right", n = i + 1),
                                onchange: move |e: FormEvent| {
                                    let mut d = draft.write();
                                    if d.kind == QuestionKind::SingleChoice {
                                        for (j, option) in d.options.iter_mut().enumerate() { option.1 = j == i; }
                                    } else if let Some(option) = d.options.get_mut(i) {
                                        option.1 = e.checked();
                                    }
                                },
                            }
                            input { class: "option-text", id: "option-{i}", "aria-label": t!("option-n", n = i + 1), value: "{text}",
                                oninput: move |e| if let Some(option) = draft.write().options.get_mut(i) { option.0 = e.value() } }
                        }
                    }
                    if current.options.len() < tallschool_shared::video::MAX_OPTIONS {
                        button { class: "secondary", r#type: "button", id: "add-option",
                            onclick: move |_| draft.write().options.push((String::new(), false)), {t!("add-option")} }
                    }
                }
            }
            if current.kind == QuestionKind::TrueFalse {
                label { r#for: "question-truth", {t!("right-answer")} }
                select { id: "question-truth", onchange: move |e: FormEvent| draft.write().truth = e.value() == "true",
                    option { value: "true", selected: current.truth, {t!("true")} }
                    option { value: "false", selected: !current.truth, {t!("false")} }
                }
            }
            if current.kind == QuestionKind::ShortText {
                label { r#for: "question-accepted", {t!("accepted-answers")} }
                textarea { id: "question-accepted", rows: "2", value: "{current.accepted}",
                    oninput: move |e| draft.write().accepted = e.value() }
                p { class: "muted", {t!("accepted-answers-help")} }
            }
            label { r#for: "question-points", {t!("points")} }
            input { id: "question-points", r#type: "number", min: "1", max: "100", value: "{current.points}",
                oninput: move |e| if let Ok(points) = e.value().parse() { draft.write().points = points } }
            if feedback == Feedback::GradedOnSync {
                p { class: "muted", {t!("keys-stay-on-server")} }
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            button { class: "primary", r#type: "submit", id: "add-question", {t!("add-question")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_is_complete_before_it_is_added() {
        crate::i18n::set(crate::i18n::Lang::En);
        let mut draft = QuestionDraft { prompt: "Which animal barks?".to_owned(), ..QuestionDraft::default() };
        assert!(draft.question(5).is_err(), "two empty options are not a question");
        draft.options = vec![("cat".to_owned(), false), ("dog".to_owned(), true), (" ".to_owned(), false)];
        let question = draft.question(5).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(question.options, ["cat", "dog"], "empty options are left out");
        assert_eq!(question.key, Some(Key::Choices([1].into())));
        assert_eq!(question.at_secs, 5);
        draft.options[0].1 = true;
        assert!(draft.question(5).is_err(), "one right option for a single choice");
        draft.kind = QuestionKind::MultipleChoice;
        assert_eq!(draft.question(5).map(|q| q.key), Ok(Some(Key::Choices([0, 1].into()))));
        draft.kind = QuestionKind::ShortText;
        assert_eq!(draft.question(5).map(|q| q.key), Ok(None), "no accepted answers: a teacher grades it");
        draft.accepted = "dog\n  hound \n".to_owned();
        assert_eq!(draft.question(5).map(|q| q.key), Ok(Some(Key::Accepted(vec!["dog".into(), "hound".into()]))));
        assert_eq!(draft.question(5).map(|q| q.options), Ok(vec![]), "a text question has no options");
        draft.prompt = "  ".to_owned();
        assert!(draft.question(5).is_err());
    }
}
