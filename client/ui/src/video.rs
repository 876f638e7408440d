//! The video-test player: the video plays from the device's cache (offline too); each question
//! stops it at its time; with skipping prevented the student cannot go past what they have
//! watched, though rewatching is fine; the timeline marks the questions; an unfinished
//! attempt resumes where it stopped (on any device); results show once graded.

use std::collections::{BTreeMap, BTreeSet};

use dioxus::prelude::*;
use tallschool_contract::video::{AttemptStarted, AttemptView};
use tallschool_contract::{Request, Response};
use tallschool_shared::DocId;
use tallschool_shared::schema::VideoTest;
use tallschool_shared::video::{Answer, Feedback, Question, QuestionKind};

use crate::app::{Screen, Shell, use_live};
use crate::browser::{focus, local_date, media_time, set_media_playing, set_media_rate, set_media_time};
use crate::engine::{ask, media_file};
use crate::i18n::number;
use crate::playback::{Playback, Stretch, clock};
use crate::t;

const VIDEO: &str = "test-video";
/// Watching is recorded at least this often while the video plays (seconds).
const CHECKPOINT_SECS: f64 = 5.0;
pub const RATES: [f64; 5] = [0.75, 1.0, 1.25, 1.5, 2.0];

#[derive(Clone, PartialEq)]
struct Loaded {
    test: VideoTest,
    attempts: Vec<AttemptView>,
    /// Where the window loads the video from; `None` while it is still downloading.
    video: Option<String>,
}

async fn load(engine: std::rc::Rc<dyn crate::engine::Engine>, test: DocId) -> Result<Loaded, String> {
    let view = ask(&engine, Request::VideoTest { test }, crate::pick!(Response::VideoTest)).await?;
    let attempts = ask(&engine, Request::Attempts { test }, crate::pick!(Response::Attempts)).await?;
    let video =
        if view.media.is_empty() { None } else { media_file(&engine, &view.media).await.ok().map(|(url, _)| url) };
    Ok(Loaded { test: view, attempts, video })
}

/// A question's answer as the student picks it, before it is sent.
#[derive(Clone, Debug, Default, PartialEq)]
struct Draft {
    choices: BTreeSet<u32>,
    truth: Option<bool>,
    text: String,
}

impl Draft {
    fn answer(&self, kind: QuestionKind) -> Option<Answer> {
        match kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice if !self.choices.is_empty() => {
                Some(Answer::Choices(self.choices.clone()))
            }
            QuestionKind::TrueFalse => self.truth.map(Answer::Truth),
            QuestionKind::ShortText if !self.text.trim().is_empty() => Some(Answer::Text(self.text.trim().to_owned())),
            _ => None,
        }
    }
}

#[component]
pub fn VideoTestPlayer(test: DocId) -> Element {
    let shell = use_context::<Shell>();
    let data = use_live(move |engine| load(engine, test));
    let mut attempt = use_signal(|| None::<String>);
    let mut playback = use_signal(|| None::<Playback>);
    let mut answered = use_signal(BTreeMap::<String, Option<f64>>::new);
    let mut asking = use_signal(|| None::<Question>);
    let mut draft = use_signal(Draft::default);
    // After an instantly graded answer: the points and the most there were.
    let mut verdict = use_signal(|| None::<(f64, u32)>);
    let mut playing = use_signal(|| false);
    let mut now = use_signal(|| 0.0_f64);
    let mut since_checkpoint = use_signal(|| 0.0_f64);
    let mut rate = use_signal(|| 1.0_f64);
    // A line about what just happened; `true` when it is a warning.
    let mut notice = use_signal(|| None::<(String, bool)>);
    let mut problem = use_signal(|| None::<String>);
    let mut confirm_submit = use_signal(|| false);

    let loaded = match &*data.read() {
        Some(Ok(loaded)) => Some(loaded.clone()),
        _ => None,
    };
    let failed = match &*data.read() {
        Some(Err(message)) => Some(message.clone()),
        _ => None,
    };

    // Send a watched stretch to the engine (it keeps the attempt's place and what was seen).
    let record = {
        let engine = shell.engine.clone();
        move |stretch: Option<Stretch>| {
            let (Some((from, to)), Some(id)) = (stretch, attempt()) else { return };
            let engine = engine.clone();
            let rate = rate();
            spawn(async move {
                let request = Request::Watch { test, attempt: id, from, to, rate };
                if let Err(message) = ask(&engine, request, Some).await {
                    problem.set(Some(message));
                }
            });
        }
    };

    let start = {
        let engine = shell.engine.clone();
        move |_| {
            let engine = engine.clone();
            async move {
                let Some(loaded) = data.read().clone().and_then(Result::ok) else { return };
                let started =
                    ask(&engine, Request::StartAttempt { test, rate: rate() }, crate::pick!(Response::AttemptStarted))
                        .await;
                match started {
                    Ok(AttemptStarted { attempt: id, position }) => {
                        let open = loaded.attempts.iter().find(|a| a.attempt.id == id);
                        let watched = open.map(|a| a.attempt.watched.clone()).unwrap_or_default();
                        let given: BTreeMap<String, Option<f64>> = open
                            .map(|a| a.attempt.answers.keys().map(|q| (q.clone(), None)).collect())
                            .unwrap_or_default();
                        let t = &loaded.test;
                        playback.set(Some(Playback::new(watched, position, t.prevent_skipping, t.duration_secs)));
                        answered.set(given);
                        attempt.set(Some(id));
                        problem.set(None);
                        set_media_time(VIDEO, f64::from(position));
                        now.set(f64::from(position));
                        focus("player").await;
                    }
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };

    let pause_for = {
        let record = record.clone();
        move |question: Question| {
            set_media_playing(VIDEO, false);
            let at = media_time(VIDEO);
            if let Some(p) = playback.write().as_mut() {
                record(p.stop(at));
            }
            playing.set(false);
            draft.set(Draft::default());
            verdict.set(None);
            asking.set(Some(question));
            spawn(async move { focus("question-first").await });
        }
    };

    let on_time = {
        let record = record.clone();
        let mut pause_for = pause_for.clone();
        move |_| {
            let at = media_time(VIDEO);
            now.set(at);
            if !playing() {
                return;
            }
            let Some(loaded) = data.read().clone().and_then(Result::ok) else { return };
            let done: BTreeSet<String> = answered.read().keys().cloned().collect();
            let due = playback.write().as_mut().and_then(|p| p.advance(at, &loaded.test.questions, &done));
            if let Some(question) = due {
                pause_for(question);
                return;
            }
            if at - since_checkpoint() >= CHECKPOINT_SECS {
                since_checkpoint.set(at);
                if let Some(p) = playback.write().as_mut() {
                    record(p.checkpoint(at));
                }
            }
        }
    };

    let on_seeking = {
        let record = record.clone();
        move |_| {
            let target = media_time(VIDEO);
            let Some(allowed) = playback.read().as_ref().map(|p| p.allowed_seek(target)) else { return };
            if allowed + 0.5 < target {
                set_media_time(VIDEO, allowed);
                notice.set(Some((t!("video-no-skipping"), true)));
            }
            let landed = allowed.min(target);
            if let Some(p) = playback.write().as_mut() {
                record(p.jump(landed, playing()));
            }
            since_checkpoint.set(landed);
            now.set(landed);
        }
    };

    let on_play = move |_| {
        let at = media_time(VIDEO);
        if attempt().is_none() {
            // Watching before starting is not recorded; the attempt starts with the button.
            set_media_playing(VIDEO, false);
            return;
        }
        if asking().is_some() {
            set_media_playing(VIDEO, false);
            return;
        }
        if let Some(p) = playback.write().as_mut() {
            p.play(at);
        }
        since_checkpoint.set(at);
        playing.set(true);
    };

    let on_pause = {
        let record = record.clone();
        move |_| {
            if !playing() {
                return;
            }
            playing.set(false);
            let at = media_time(VIDEO);
            if let Some(p) = playback.write().as_mut() {
                record(p.stop(at));
            }
        }
    };

    let toggle = move || {
        if attempt().is_some() && asking().is_none() {
            set_media_playing(VIDEO, !playing());
        }
    };
    let seek_by = move |delta: f64| {
        if attempt().is_some() && asking().is_none() {
            set_media_time(VIDEO, (media_time(VIDEO) + delta).max(0.0));
        }
    };
    let on_key = move |event: KeyboardEvent| {
        if asking().is_some() {
            return;
        }
        match event.key().to_string().as_str() {
            " " | "k" => {
                event.prevent_default();
                toggle();
            }
            "ArrowLeft" => {
                event.prevent_default();
                seek_by(-5.0);
            }
            "ArrowRight" => {
                event.prevent_default();
                seek_by(5.0);
            }
            _ => {}
        }
    };

    let send_answer = {
        let engine = shell.engine.clone();
        move |question: Question| {
            let engine = engine.clone();
            async move {
                let (Some(id), Some(answer)) = (attempt(), draft.read().answer(question.kind)) else { return };
                let at = Some(media_time(VIDEO).floor() as u32);
                let request = Request::AnswerQuestion { test, attempt: id, question: question.id.clone(), answer, at };
                match ask(&engine, request, crate::pick!(Response::Points)).await {
                    Ok(points) => {
                        answered.write().insert(question.id.clone(), points);
                        problem.set(None);
                        match points {
                            Some(points) => verdict.set(Some((points, question.points))),
                            None => {
                                asking.set(None);
                                notice.set(Some((t!("answer-saved"), false)));
                                focus("player").await;
                                set_media_playing(VIDEO, true);
                            }
                        }
                    }
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };
    let mut go_on = move || {
        asking.set(None);
        verdict.set(None);
        set_media_playing(VIDEO, true);
        spawn(async move { focus("player").await });
    };

    let submit = {
        let engine = shell.engine.clone();
        move |_| {
            let engine = engine.clone();
            async move {
                let Some(id) = attempt() else { return };
                set_media_playing(VIDEO, false);
                match ask(&engine, Request::Submit { test, attempt: id }, Some).await {
                    Ok(_) => {
                        attempt.set(None);
                        playback.set(None);
                        confirm_submit.set(false);
                        notice.set(Some((t!("attempt-submitted"), false)));
                    }
                    Err(message) => problem.set(Some(message)),
                }
            }
        }
    };

    let back = {
        let shell = shell.clone();
        let record = record.clone();
        move |_| {
            set_media_playing(VIDEO, false);
            if let Some(p) = playback.write().as_mut() {
                record(p.stop(media_time(VIDEO)));
            }
            shell.go(Screen::Lobby);
        }
    };

    let Some(loaded) = loaded else {
        return rsx! {
            header { class: "top", button { class: "secondary", onclick: move |_| shell.go(Screen::Lobby), {t!("back-to-lobby")} } }
            match failed {
                Some(message) => rsx! { p { class: "error", role: "alert", "{message}" } },
                None => rsx! { p { class: "muted center", {t!("loading")} } },
            }
        };
    };
    let video_test = loaded.test.clone();
    let duration = f64::from(video_test.duration_secs.max(1));
    let open = loaded.attempts.iter().find(|a| a.attempt.submitted_at.is_none()).cloned();
    let submitted: Vec<AttemptView> =
        loaded.attempts.iter().filter(|a| a.attempt.submitted_at.is_some()).cloned().collect();
    let left =
        (video_test.attempts_allowed > 0).then(|| video_test.attempts_allowed.saturating_sub(submitted.len() as u32));
    let furthest = playback.read().as_ref().map_or(0.0, Playback::furthest);
    let watched_ranges = playback.read().as_ref().map(|p| p.watched().0.clone()).unwrap_or_default();
    let answered_count = answered.read().len();
    let total = video_test.questions.len();
    let percent = |at: f64| (at / duration * 100.0).clamp(0.0, 100.0);

    rsx! {
        header { class: "top",
            button { class: "secondary", id: "video-back", onclick: back, {t!("back-to-lobby")} }
            h1 { class: "reader-title", "{video_test.title}" }
            if video_test.prevent_skipping { span { class: "muted", {t!("video-no-skipping-short")} } }
        }
        main { class: "video-test", id: "video-test",
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
            match loaded.video.clone() {
                None => rsx! {
                    p { class: "banner offline", id: "video-downloading", {t!("video-downloading")} }
                },
                Some(url) => rsx! {
                    div { class: "player", id: "player", tabindex: "0", onkeydown: on_key,
                        "aria-label": t!("video-player"),
                        video { id: VIDEO, src: "{url}", preload: "auto", playsinline: true,
                            ontimeupdate: on_time, onseeking: on_seeking, onplay: on_play, onpause: on_pause,
                            onended: {
                                let record = record.clone();
                                move |_| {
                                    playing.set(false);
                                    if let Some(p) = playback.write().as_mut() {
                                        record(p.stop(duration));
                                    }
                                    now.set(duration);
                                }
                            },
                            onclick: move |_| toggle(),
                        }
                        if let Some(question) = asking() {
                            QuestionCard {
                                question: question.clone(),
                                draft: draft(),
                                verdict: verdict(),
                                skippable: !video_test.prevent_skipping,
                                on_draft: move |d| draft.set(d),
                                on_answer: {
                                    let send_answer = send_answer.clone();
                                    move |q: Question| { spawn(send_answer.clone()(q)); }
                                },
                                on_continue: move |_| go_on(),
                            }
                        }
                    }
                    div { class: "controls",
                        button { class: "secondary play", id: "play", disabled: attempt().is_none(),
                            "aria-label": if playing() { t!("pause") } else { t!("play") },
                            onclick: move |_| toggle(),
                            if playing() { "❚❚" } else { "▶" }
                        }
                        button { class: "secondary", disabled: attempt().is_none(), "aria-label": t!("back-10"),
                            onclick: move |_| seek_by(-10.0), "↺ 10" }
                        span { class: "clock", id: "video-clock", "{clock(now())} / {clock(duration)}" }
                        div { class: "timeline", id: "timeline", role: "slider", "aria-label": t!("timeline"),
                            "aria-valuemin": "0", "aria-valuemax": "{duration:.0}", "aria-valuenow": "{now():.0}",
                            for (from, to) in watched_ranges {
                                div { class: "watched", style: "left: {percent(f64::from(from))}%; width: {percent(f64::from(to - from))}%" }
                            }
                            if video_test.prevent_skipping {
                                div { class: "locked", style: "left: {percent(furthest)}%; width: {100.0 - percent(furthest)}%" }
                            }
                            div { class: "playhead", style: "left: {percent(now())}%" }
                            for question in video_test.questions.iter().cloned() {
                                button {
                                    key: "{question.id}",
                                    class: if answered.read().contains_key(&question.id) { "marker answered" } else { "marker" },
                                    style: "left: {percent(f64::from(question.at_secs))}%",
                                    title: t!("question-at", time = clock(f64::from(question.at_secs))),
                                    "aria-label": t!("question-at", time = clock(f64::from(question.at_secs))),
                                    disabled: attempt().is_none(),
                                    onclick: move |_| set_media_time(VIDEO, f64::from(question.at_secs).max(0.0) - 0.5),
                                }
                            }
                        }
                        select { "aria-label": t!("speed"),
                            onchange: move |e: FormEvent| if let Ok(r) = e.value().parse::<f64>() {
                                rate.set(r);
                                set_media_rate(VIDEO, r);
                            },
                            for r in RATES {
                                option { value: "{r}", selected: (r - rate()).abs() < 1e-9, "{number(r, 2)}×" }
                            }
                        }
                    }
                },
            }
            if let Some((message, warning)) = notice() {
                p { class: if warning { "warning-inline" } else { "notice-inline" }, role: "status", id: "video-notice", "{message}" }
            }
            if !submitted.is_empty() {
                section { class: "card results", id: "results",
                    h2 { {t!("your-results")} }
                    ul {
                        for (n, view) in submitted.iter().enumerate() {
                            li { key: "{view.attempt.id}",
                                strong { {t!("attempt-n", n = n + 1)} }
                                " · "
                                span { class: "muted", {t!("handed-in", date = local_date(view.attempt.submitted_at.unwrap_or_default()))} }
                                " · "
                                span { class: "score", {score_line(view)} }
                            }
                        }
                    }
                }
            }
            section { class: "card attempt-panel",
                if attempt().is_some() {
                    p { id: "answered-count", {t!("questions-answered", answered = answered_count, total = total)} }
                    if confirm_submit() && answered_count < total {
                        div { class: "warning", role: "alert",
                            p { {t!("unanswered-warning", n = total - answered_count)} }
                            button { class: "primary", id: "submit-anyway", onclick: submit.clone(), {t!("submit-anyway")} }
                            button { class: "secondary", onclick: move |_| confirm_submit.set(false), {t!("keep-watching")} }
                        }
                    } else {
                        button { class: "primary", id: "submit-attempt",
                            onclick: {
                                let submit = submit.clone();
                                move |event| if answered_count < total { confirm_submit.set(true) } else { spawn(submit.clone()(event)); }
                            },
                            {t!("submit-attempt")}
                        }
                    }
                } else if left == Some(0) {
                    p { class: "muted", id: "no-attempts-left", {t!("no-attempts-left")} }
                } else if loaded.video.is_some() {
                    button { class: "primary", id: "start-attempt", onclick: start,
                        match &open {
                            Some(open) => t!("resume-attempt", time = clock(f64::from(open.attempt.position))),
                            None => t!("start-attempt"),
                        }
                    }
                    p { class: "muted",
                        {t!("test-rules", questions = total, feedback = feedback_rule(video_test.feedback))}
                        if let Some(left) = left { " " {t!("attempts-left", n = left)} }
                    }
                }
            }
        }
    }
}

fn feedback_rule(feedback: Feedback) -> String {
    match feedback {
        Feedback::Instant => t!("feedback-instant"),
        Feedback::GradedOnSync => t!("feedback-graded"),
    }
}

/// "7 of 10 points", "5 of 10 points so far: 1 answer waits for your teacher", or
/// "results come after sync".
fn score_line(view: &AttemptView) -> String {
    match &view.result {
        None => t!("results-after-sync"),
        Some(result) => {
            let waiting = result.points.values().filter(|p| p.is_none()).count();
            let (score, max) = (number(result.score, 1), number(result.max_score, 1));
            if result.complete || waiting == 0 {
                t!("score", score = score, max = max)
            } else {
                t!("score-so-far", score = score, max = max, waiting = waiting)
            }
        }
    }
}

/// The question over the paused video.
#[component]
fn QuestionCard(
    question: Question,
    draft: Draft,
    verdict: Option<(f64, u32)>,
    skippable: bool,
    on_draft: EventHandler<Draft>,
    on_answer: EventHandler<Question>,
    on_continue: EventHandler<()>,
) -> Element {
    let ready = draft.answer(question.kind).is_some();
    let radio = question.kind != QuestionKind::MultipleChoice;
    let kind = question.kind;
    rsx! {
        div { class: "question-card card", role: "dialog", "aria-modal": "true", "aria-labelledby": "question-prompt", id: "question",
            p { class: "muted", {t!("question-at", time = clock(f64::from(question.at_secs)))} " · " {t!("points-n", n = question.points)} }
            h2 { id: "question-prompt", "{question.prompt}" }
            match kind {
                QuestionKind::SingleChoice | QuestionKind::MultipleChoice => rsx! {
                    div { class: "options", role: if radio { "radiogroup" } else { "group" },
                        for (i, option) in question.options.iter().enumerate() {
                            label { class: "option", key: "{i}",
                                input {
                                    id: (i == 0).then_some("question-first"),
                                    r#type: if radio { "radio" } else { "checkbox" }, name: "options",
                                    checked: draft.choices.contains(&(i as u32)),
                                    disabled: verdict.is_some(),
                                    onchange: {
                                        let draft = draft.clone();
                                        move |_| {
                                            let mut next = draft.clone();
                                            let i = i as u32;
                                            if radio { next.choices = [i].into(); }
                                            else if !next.choices.remove(&i) { next.choices.insert(i); }
                                            on_draft.call(next);
                                        }
                                    },
                                }
                                span { "{option}" }
                            }
                        }
                    }
                },
                QuestionKind::TrueFalse => rsx! {
                    div { class: "options", role: "radiogroup",
                        for (truth, label, id) in [(true, t!("true"), Some("question-first")), (false, t!("false"), None)] {
                            label { class: "option",
                                input { id: id, r#type: "radio", name: "truth", checked: draft.truth == Some(truth),
                                    disabled: verdict.is_some(),
                                    onchange: {
                                        let draft = draft.clone();
                                        move |_| on_draft.call(Draft { truth: Some(truth), ..draft.clone() })
                                    },
                                }
                                span { "{label}" }
                            }
                        }
                    }
                },
                QuestionKind::ShortText => rsx! {
                    textarea { id: "question-first", class: "short-answer", rows: "3", "aria-label": t!("your-answer"),
                        disabled: verdict.is_some(), value: "{draft.text}",
                        oninput: {
                            let draft = draft.clone();
                            move |e: FormEvent| on_draft.call(Draft { text: e.value(), ..draft.clone() })
                        },
                    }
                },
            }
            match verdict {
                Some((points, max)) => rsx! {
                    p { class: if points >= f64::from(max) { "verdict right" } else { "verdict wrong" }, role: "status",
                        if points >= f64::from(max) { {t!("answer-right")} } else { {t!("answer-wrong")} }
                        " " {t!("points-of", points = number(points, 1), max = max)}
                    }
                    button { class: "primary", id: "question-continue", autofocus: true, onclick: move |_| on_continue.call(()), {t!("continue")} }
                },
                None => rsx! {
                    div { class: "row",
                        button { class: "primary", id: "question-answer", disabled: !ready,
                            onclick: {
                                let question = question.clone();
                                move |_| on_answer.call(question.clone())
                            },
                            {t!("answer")}
                        }
                        if skippable {
                            button { class: "secondary", onclick: move |_| on_continue.call(()), {t!("answer-later")} }
                        }
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_ready_once_it_fits_the_question() {
        let mut draft = Draft::default();
        assert_eq!(draft.answer(QuestionKind::SingleChoice), None);
        assert_eq!(draft.answer(QuestionKind::TrueFalse), None);
        draft.choices.insert(1);
        assert_eq!(draft.answer(QuestionKind::SingleChoice), Some(Answer::Choices([1].into())));
        draft.text = "  photosynthesis ".to_owned();
        assert_eq!(draft.answer(QuestionKind::ShortText), Some(Answer::Text("photosynthesis".to_owned())));
        draft.text = "   ".to_owned();
        assert_eq!(draft.answer(QuestionKind::ShortText), None, "a blank answer is not sent");
        draft.truth = Some(false);
        assert_eq!(draft.answer(QuestionKind::TrueFalse), Some(Answer::Truth(false)));
    }
}
