//! The desktop app in a real window: the Tauri shell with the Dioxus screens under Xvfb, driven
//! by `tauri-driver` and WebKit's WebDriver, against a real server. A student studies, reads and
//! takes a video test while the server is down and the app syncs by itself when it is back;
//! the student's app speaks Russian, turns dark and is read at 200%; the teacher's app then
//! shows that progress, grades the test's short answer, imports a CSV with a bad row and an
//! Anki deck, adds a picture to a card, exports the deck and builds a video test. Screenshots
//! of each screen go to `docs/screenshots/`.
//!
//! Needs the app built (`scripts/build-desktop.sh`) and named by `TALLSCHOOL_DESKTOP_APP`;
//! `scripts/test.sh` does both and runs this test (it is ignored in a plain `cargo test`).
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/samples.rs"]
mod samples;
#[path = "../common/webdriver.rs"]
mod webdriver;
mod window;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{Device, TestServer};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use samples::{landscape, make_video, story};
use tallschool_client::contract::request::{CardPatch, NewAssignment};
use tallschool_client::contract::video::{NewQuestion, TestSettings};
use tallschool_shared::cards::CardType;
use tallschool_shared::video::{self, Feedback, QuestionKind};
use webdriver::{
    click, click_assignment, click_enabled, click_study, find, fits_the_window, gone, script, sign_in,
    synced_by_itself, text_becomes, text_where, within,
};
use window::{Driver, Screen, screenshot};

fn app() -> PathBuf {
    let app = PathBuf::from(
        std::env::var("TALLSCHOOL_DESKTOP_APP")
            .expect("TALLSCHOOL_DESKTOP_APP names the app built by scripts/build-desktop.sh (scripts/test.sh sets it)"),
    );
    assert!(app.exists(), "{} is not built", app.display());
    app
}

/// Click the element at `xpath` with the page's own `click()` (WebDriver's clicks miss at
/// another zoom), once it is there.
async fn click_zoomed(window: &Client, xpath: &str) {
    let wait = window.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(xpath));
    let element = within(xpath, wait).await.unwrap();
    let arguments = vec![serde_json::to_value(&element).unwrap()];
    within(xpath, window.execute("arguments[0].click(); return true", arguments)).await.unwrap();
}

/// Pick `value` in the `<select>` `css`.
async fn choose(window: &Client, css: &str, value: &str) {
    click(window, &format!("{css} option[value='{value}']")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the desktop app and a display server: run by scripts/test.sh"]
async fn a_student_works_offline_and_the_teacher_sees_it() {
    let app = app();
    let mut server = TestServer::start().await;
    let demo = server.demo_logins();
    let student = &demo.students[0];

    // The teacher's content, made through the engine: three cards and a story, both assigned.
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let decks = teacher.core.decks();
    let deck = decks.create(class, "Animals", Some("Spanish")).unwrap();
    // The first card shows a picture (a PNG the teacher uploads).
    let picture = server.data_dir.join("landscape.png");
    std::fs::write(&picture, landscape()).unwrap();
    let picture = teacher.core.media().upload(&picture, "image/png").await.unwrap().hash;
    for (front, back) in [("dog", "perro"), ("cat", "gato"), ("bird", "pájaro")] {
        let media = (front == "dog").then(|| vec![picture.clone()]);
        decks.put_card(deck, None, &CardPatch { media, ..CardPatch::front_back(Some(front), Some(back)) }).unwrap();
    }
    let assignment = NewAssignment { note: "Learn the animals".to_owned(), ..NewAssignment::default() };
    teacher.core.assignments().assign(deck, &assignment).unwrap();
    // A spelling card the student types in.
    let spelling = decks.create(class, "Spelling", Some("Spanish")).unwrap();
    let bird = CardPatch { card_type: Some(CardType::TypeIn), ..CardPatch::front_back(Some("bird"), Some("pájaro")) };
    decks.put_card(spelling, None, &bird).unwrap();
    let text = teacher.core.reader().create(class, "The fox's journey").unwrap();
    teacher.core.reader().set_body(text, &story()).unwrap();
    let reading = NewAssignment { note: "Read to the sea".to_owned(), ..NewAssignment::default() };
    teacher.core.assignments().assign(text, &reading).unwrap();
    // A video test: a question at 2 s graded by the server, a short answer at 4 s the teacher
    // grades, no skipping ahead.
    let video = server.data_dir.join("ball.webm");
    make_video(&video);
    let film = teacher.core.media().upload(&video, "video/webm").await.unwrap().hash;
    let tests = teacher.core.video_tests();
    let quiz = tests.create(class, "The bouncing ball").unwrap();
    let rules = TestSettings {
        media: Some(film.clone()),
        duration_secs: Some(6),
        prevent_skipping: Some(true),
        attempts_allowed: Some(2),
        feedback: Some(Feedback::GradedOnSync),
    };
    tests.configure(quiz, &rules).unwrap();
    let what = NewQuestion {
        at_secs: 2,
        kind: QuestionKind::SingleChoice,
        prompt: "What bounces?".to_owned(),
        options: vec!["A ball".to_owned(), "A cube".to_owned()],
        points: 1,
        key: Some(video::Key::Choices([0].into())),
    };
    tests.add_question(quiz, &what).unwrap();
    let how = NewQuestion {
        at_secs: 4,
        kind: QuestionKind::ShortText,
        prompt: "How does it move?".to_owned(),
        options: vec![],
        points: 2,
        key: None,
    };
    tests.add_question(quiz, &how).unwrap();
    let watching = NewAssignment { note: "Watch it before Friday".to_owned(), ..NewAssignment::default() };
    teacher.core.assignments().assign(quiz, &watching).unwrap();
    teacher.sync().await;

    let screen = Screen::start();
    let driver = Driver::start(&screen, &server.data_dir.join("desktop-student"), &server.base);
    let window = driver.open(&app).await;

    // Sign in: the server's address is offered; a wrong password says so and is cleared.
    let server_field = find(&window, "#server").await;
    assert_eq!(server_field.prop("value").await.unwrap().as_deref(), Some(server.base.as_str()));
    screenshot(&screen, &window, "sign-in").await;
    sign_in(&window, &student.username, "wrong password").await;
    let error = find(&window, ".error").await;
    assert!(error.text().await.unwrap().contains("do not match"), "a wrong password says so");
    screenshot(&screen, &window, "sign-in-wrong-password").await;
    let password = find(&window, "#password").await;
    assert_eq!(password.prop("value").await.unwrap().as_deref(), Some(""), "the password is typed again");
    find(&window, "#username").await.clear().await.unwrap();
    sign_in(&window, &student.username, &student.password).await;

    // The Lobby: the first sync brings three cards and the reading.
    text_becomes(&window, "#cards-due", "4").await;
    text_where(&window, "ul.assignments", |t| t.contains("The fox's journey")).await;
    screenshot(&screen, &window, "lobby").await;

    // The picture and the video are downloaded in the background before the server goes away.
    let media = server.data_dir.join("desktop-student").join("media");
    webdriver::poll("the picture's and the video's download", || {
        media.join(&picture).exists() && media.join(&film).exists()
    });

    // The server goes away. The app says it is offline, and everything still works.
    server.kill();
    click(&window, "#sync-now").await;
    find(&window, ".banner.offline").await;
    screenshot(&screen, &window, "lobby-offline").await;

    // Three cards with the keyboard only: Space shows the answer, 4 means Easy (Good would
    // bring a new card back in ten minutes, as in Anki, and the session would go on).
    click_study(&window, "Animals").await;
    let study = find(&window, "#study").await;
    for n in 0..3 {
        let prompt = within("the prompt", find(&window, "#prompt").await.text()).await.unwrap();
        assert!(["dog", "cat", "bird"].contains(&prompt.as_str()), "{prompt}");
        if prompt == "dog" {
            // The picture comes from the device's cache (the server is down).
            let img = find(&window, "#card-media img").await;
            let deadline = Instant::now() + Duration::from_secs(30);
            let arguments = vec![serde_json::to_value(&img).unwrap()];
            while window.execute("return arguments[0].naturalWidth", arguments.clone()).await.unwrap() != 240 {
                assert!(Instant::now() < deadline, "the card's picture did not load");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            screenshot(&screen, &window, "study-picture").await;
        }
        if n == 0 {
            screenshot(&screen, &window, "study-question").await;
        }
        within("Space", study.send_keys(" ")).await.unwrap();
        find(&window, "#answer").await;
        if n == 0 {
            // Each rating shows when the card comes back: Easy in days.
            let easy = find(&window, "#rate-4 .interval").await.text().await.unwrap();
            assert!(easy.ends_with('d'), "Easy brings a new card back in days, not {easy:?}");
            screenshot(&screen, &window, "study-answer").await;
        }
        within("4", study.send_keys("4")).await.unwrap();
        if n < 2 {
            gone(&window, "#answer").await;
        }
    }
    find(&window, "#session-summary").await;
    screenshot(&screen, &window, "study-done").await;
    click(&window, "#session-summary button").await;

    // A typed answer with a mistake: the differences are marked; Enter goes on.
    click_study(&window, "Spelling").await;
    let typed = find(&window, "#typed").await;
    within("typing", typed.send_keys("pajaro")).await.unwrap();
    within("Enter", typed.send_keys(&Key::Enter.to_string())).await.unwrap();
    let diff = text_where(&window, "#typed-diff", |t| t.contains("pájaro")).await;
    assert!(diff.contains("You typed: pajaro"), "{diff}");
    assert_eq!(find(&window, "#typed-diff .missing").await.text().await.unwrap(), "á");
    screenshot(&screen, &window, "study-typed").await;
    click(&window, "#back").await;

    // The reader: open the story, jump to chapter 3 from the contents, come back.
    let read = text_where(&window, "ul.assignments", |t| t.contains("Read")).await;
    assert!(read.contains("The fox's journey"), "{read}");
    click_assignment(&window, "The fox's journey").await;
    find(&window, "#reader-text .block").await;
    text_becomes(&window, "#reader-percent", "0%").await;
    screenshot(&screen, &window, "reader").await;
    click(&window, "nav.contents li:nth-child(3) button").await;
    let at =
        text_where(&window, "#reader-percent", |p| p.trim_end_matches('%').parse::<u32>().is_ok_and(|p| p >= 60)).await;
    screenshot(&screen, &window, "reader-chapter-3").await;
    click(&window, "#reader-back").await;

    // The video test, offline: it plays from the cache; each question stops it at its time;
    // skipping ahead is held back; the attempt is handed in and waits for the server.
    click_assignment(&window, "The bouncing ball").await;
    click(&window, "#start-attempt").await;
    // Play is enabled once the attempt has started.
    click_enabled(&window, "#play").await;
    text_becomes(&window, "#question-prompt", "What bounces?").await;
    let paused = script(&window, "return document.getElementById('test-video').paused").await;
    assert_eq!(paused, serde_json::Value::Bool(true), "a question stops the video");
    screenshot(&screen, &window, "video-question").await;
    click(&window, "#question-first").await;
    click_enabled(&window, "#question-answer").await;
    text_becomes(&window, "#answered-count", "1 of 2 questions answered").await;
    // Skipping to the end is held where the student has watched to.
    script(&window, "document.getElementById('test-video').currentTime = 5.5; return true").await;
    text_where(&window, "#video-notice", |n| n.contains("Skipping ahead is off")).await;
    let held = script(&window, "return document.getElementById('test-video').currentTime").await;
    assert!(held.as_f64().unwrap() <= 4.5, "the video did not stay where it was watched to: {held}");
    screenshot(&screen, &window, "video-no-skipping").await;
    text_becomes(&window, "#question-prompt", "How does it move?").await;
    within("typing", find(&window, "#question-first").await.send_keys("It bounces up and down")).await.unwrap();
    click_enabled(&window, "#question-answer").await;
    text_becomes(&window, "#answered-count", "2 of 2 questions answered").await;
    click(&window, "#submit-attempt").await;
    text_where(&window, "#video-notice", |n| n.starts_with("Handed in")).await;
    text_where(&window, "#results", |r| r.contains("results come after the next sync")).await;
    screenshot(&screen, &window, "video-submitted").await;
    click(&window, "#video-back").await;
    text_where(&window, "#sync-state", |s| s.contains("waiting")).await;

    // Signing out now would lose that work: the app says so and keeps it unless told otherwise.
    click(&window, "#account").await;
    text_where(&window, "#outbox", |t| t.contains("to be sent") && !t.starts_with("0 ")).await;
    click(&window, "#sign-out").await;
    find(&window, "#unsynced-warning").await;
    screenshot(&screen, &window, "sign-out-unsynced").await;
    click(&window, "#unsynced-warning button.primary").await;
    click(&window, "#account-back").await;

    // The server returns; the app syncs by itself, nobody presses a button.
    server.restart_in_place();
    synced_by_itself(&window).await;
    gone(&window, ".banner.offline").await;

    // The server graded the attempt's choice; the short answer waits for the teacher. Handed
    // in, the test is with the work done.
    click(&window, "#done-work summary").await;
    click_assignment(&window, "The bouncing ball").await;
    text_where(&window, "#results", |r| r.contains("1 of 3 points so far")).await;
    script(&window, "document.getElementById('results').scrollIntoView(); return true").await;
    screenshot(&screen, &window, "video-results").await;
    click(&window, "#video-back").await;

    click(&window, "#account").await;
    text_where(&window, "#outbox", |t| t.starts_with("Everything is saved")).await;
    text_where(&window, "#devices", |d| d.contains("this device")).await;
    screenshot(&screen, &window, "account").await;

    // In Russian: every screen, plurals included; then back to English.
    choose(&window, "#language", "ru").await;
    text_becomes(&window, "#account-back", "← Главная").await;
    screenshot(&screen, &window, "account-ru").await;
    click(&window, "#account-back").await;
    text_where(&window, "#sync-state", |s| s.starts_with("Всё сохранено")).await;
    text_where(&window, ".summary", |s| s.contains("на сегодня") && s.contains("подряд")).await;
    screenshot(&screen, &window, "lobby-ru").await;
    click(&window, "#account").await;
    choose(&window, "#language", "en").await;
    text_becomes(&window, "#account-back", "← Lobby").await;

    // Dark, whatever the system says; then as the system again.
    choose(&window, "#theme", "dark").await;
    let background = script(&window, "return getComputedStyle(document.documentElement).backgroundColor").await;
    assert_eq!(background.as_str(), Some("rgb(18, 21, 29)"), "the dark theme's background");
    click(&window, "#account-back").await;
    find(&window, "#cards-due").await;
    screenshot(&screen, &window, "lobby-dark").await;
    click(&window, "#account").await;
    choose(&window, "#theme", "system").await;
    click(&window, "#account-back").await;

    // At 200% (Ctrl + zooms too): everything still fits the window, nothing scrolls sideways.
    script(&window, "await window.__TAURI__.webview.getCurrentWebview().setZoom(2.0); return true").await;
    find(&window, "#cards-due").await;
    fits_the_window(&window, "the Lobby at 200%").await;
    screenshot(&screen, &window, "lobby-zoom-200").await;
    click_zoomed(&window, "//*[@id='account']").await;
    find(&window, "#sync-panel").await;
    fits_the_window(&window, "the account screen at 200%").await;
    click_zoomed(&window, "//*[@id='account-back']").await;
    click_zoomed(&window, "//li[contains(@class, 'deck')][.//h3[text()='Spelling']]//button").await;
    find(&window, "#typed").await;
    fits_the_window(&window, "a card at 200%").await;
    screenshot(&screen, &window, "study-zoom-200").await;
    click_zoomed(&window, "//*[@id='back']").await;
    find(&window, "#cards-due").await;
    script(&window, "await window.__TAURI__.webview.getCurrentWebview().setZoom(1.0); return true").await;
    window.close().await.ok();
    drop(driver);

    // The teacher's app: the class's progress shows the three reviews and the reading.
    let driver = Driver::start(&screen, &server.data_dir.join("desktop-teacher"), &server.base);
    let window = driver.open(&app).await;
    sign_in(&window, &demo.teacher.username, &demo.teacher.password).await;
    click(&window, "button.class-progress").await;
    text_where(&window, ".deck-report td.reviews", |r| r == "3").await;
    let read_cell = text_where(&window, ".reading-report td.read", |r| r != "0%").await;
    assert_eq!(read_cell, at, "the teacher sees how far the student read");
    screenshot(&screen, &window, "class-progress").await;

    // The video test's short answer waits in the grading queue; points complete the score.
    let queued = text_where(&window, ".grading-queue", |q| q.contains("It bounces up and down")).await;
    assert!(queued.contains("How does it move?"), "{queued}");
    let points = find(&window, ".grading-queue input.points").await;
    within("points", points.clear()).await.unwrap();
    within("points", points.send_keys("2")).await.unwrap();
    find(&window, ".test-report").await;
    screenshot(&screen, &window, "grading").await;
    click(&window, ".grading-queue button.give-points").await;
    gone(&window, ".grading-queue").await;
    text_where(&window, ".test-report td.score", |s| s == "3 of 3 points").await;

    // The deck editor: a CSV file with a bad row; the good rows go in, the bad one is named.
    click(&window, "#class-back").await;
    click(&window, "button.edit-deck").await;
    text_becomes(&window, "#card-count", "3 cards").await;
    let csv = server.data_dir.join("animals.csv");
    std::fs::write(&csv, "front,back,type\nhorse,caballo,basic\nfish,,basic\nmouse,ratón,basic\n").unwrap();
    let picker = find(&window, "#import-file").await;
    within("choosing the file", picker.send_keys(&csv.display().to_string())).await.unwrap();
    let report = text_where(&window, "#import-report", |r| r.contains("imported")).await;
    assert!(report.contains("2 cards imported"), "{report}");
    assert!(report.contains("Row 3") && report.contains("back is empty"), "the bad row is named: {report}");
    text_becomes(&window, "#card-count", "5 cards").await;
    screenshot(&screen, &window, "deck-import").await;

    // A card edited in place: its back changed, an empty front refused in the teacher's words.
    let edit = "//table[contains(@class, 'cards')]//tr[td[text()='horse']]//button[contains(@class, 'edit-card')]";
    let wait = window.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(edit));
    within("Edit", wait).await.unwrap().click().await.unwrap();
    // Emptied as a person does, with keys (WebDriver's clear() sends no input event).
    let erase = format!("{}a{}{}", Key::Control, Key::Null, Key::Backspace);
    let front = find(&window, "tr.editing input.edit-front").await;
    within("clearing the front", front.send_keys(&erase)).await.unwrap();
    click(&window, "tr.editing button[type=submit]").await;
    text_where(&window, "tr.editing .error", |e| e == "The front is empty.").await;
    screenshot(&screen, &window, "card-edit").await;
    within("the front", front.send_keys("horse")).await.unwrap();
    let back = find(&window, "tr.editing input.edit-back").await;
    within("clearing the back", back.send_keys(&erase)).await.unwrap();
    within("the back", back.send_keys("el caballo")).await.unwrap();
    click(&window, "tr.editing button[type=submit]").await;
    gone(&window, "tr.editing").await;
    text_where(&window, "table.cards", |t| t.contains("el caballo")).await;

    // A card with a picture, uploaded from the editor: the new card shows it at once.
    within("the front", find(&window, "#card-front").await.send_keys("sun")).await.unwrap();
    within("the back", find(&window, "#card-back").await.send_keys("sol")).await.unwrap();
    let picture_file = server.data_dir.join("sun.png");
    std::fs::write(&picture_file, landscape()).unwrap();
    let picker = find(&window, "#card-media-file").await;
    within("choosing the picture", picker.send_keys(&picture_file.display().to_string())).await.unwrap();
    text_where(&window, "ul.attached", |a| a.contains("sun.png")).await;
    click(&window, "form.new-card button[type=submit]").await;
    text_becomes(&window, "#card-count", "6 cards").await;
    let xpath = "//table[contains(@class, 'cards')]//tr[td[text()='sun']]//img[contains(@class, 'thumb')]";
    let thumb =
        within("the thumbnail", window.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(xpath)))
            .await
            .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let arguments = vec![serde_json::to_value(&thumb).unwrap()];
    while window.execute("return arguments[0].naturalWidth", arguments.clone()).await.unwrap() != 240 {
        assert!(Instant::now() < deadline, "the card's new picture did not show");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    within(
        "showing the card",
        window.execute("arguments[0].scrollIntoView({block: 'center'}); return true", arguments.clone()),
    )
    .await
    .unwrap();
    screenshot(&screen, &window, "deck-editor").await;

    // The deck exported as CSV into the Downloads folder.
    click(&window, "#export-deck").await;
    let saved = text_where(&window, "#deck-notice", |n| n.starts_with("Saved as")).await;
    let exported = std::fs::read_to_string(saved.trim_start_matches("Saved as ").trim()).unwrap();
    assert!(exported.starts_with("front,back") && exported.contains("sun,sol"), "{exported}");
    assert!(exported.contains("horse,el caballo"), "the edit is exported: {exported}");
    assert_eq!(exported.lines().count(), 7, "a header and 6 cards: {exported}");

    // The text editor: a new paragraph, previewed as students will read it, saved.
    click(&window, "#deck-back").await;
    click(&window, "button.edit-text").await;
    let body = find(&window, "#text-body").await;
    text_becomes(&window, "#save-state", "Saved").await;
    within("writing", body.send_keys(" The end, for now.")).await.unwrap();
    text_becomes(&window, "#save-state", "Unsaved changes").await;
    text_where(&window, ".preview", |t| t.contains("The end, for now.")).await;
    screenshot(&screen, &window, "text-editor").await;
    click(&window, "#save-text").await;
    text_becomes(&window, "#save-state", "Saved").await;
    click(&window, "#text-back").await;

    // Assign the deck again, due on a date, with a note: another student's device gets it.
    click(&window, "li.content-row button.assign").await;
    let due = find(&window, "form.assign input[type=date]").await;
    // Date fields take their text in the system's format; a script sets the ISO value instead.
    within(
        "setting the date",
        window.execute(
            "arguments[0].value = '2099-01-31'; arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
            vec![serde_json::to_value(&due).unwrap()],
        ),
    )
    .await
    .unwrap();
    within("the note", find(&window, "form.assign input[id^=assign-note]").await.send_keys("Quiz on Friday"))
        .await
        .unwrap();
    screenshot(&screen, &window, "assign").await;
    click(&window, "form.assign button[type=submit]").await;
    gone(&window, "form.assign").await;
    // The text to a group of one student (the roster's names to tick).
    let xpath = "//li[contains(@class, 'content-row')][.//strong[text()=\"The fox's journey\"]]//button[contains(@class, 'assign')]";
    let wait = window.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(xpath));
    within("the text's Assign", wait).await.unwrap().click().await.unwrap();
    choose(&window, "form.assign select", "group").await;
    within("the group", find(&window, "form.assign input[id^=assign-group]").await.send_keys("Reading club"))
        .await
        .unwrap();
    // The second student's name, as the roster shows it.
    let tokens = server.login(&demo.teacher).await;
    let (_, roster) = server.get(&format!("/api/v1/classes/{class}/roster"), &tokens.access_token).await;
    let member =
        roster.as_array().unwrap().iter().find(|m| m["username"] == demo.students[1].username.as_str()).unwrap();
    let name = member["display_name"].as_str().unwrap_or(demo.students[1].username.as_str()).to_owned();
    let tick = format!("//fieldset[contains(@class, 'group-members')]//label[span[text()=\"{name}\"]]//input");
    let tick = within("the roster", window.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(&tick)))
        .await
        .unwrap();
    within("ticking a student", tick.click()).await.unwrap();
    within("the note", find(&window, "form.assign input[id^=assign-note]").await.send_keys("For the reading club"))
        .await
        .unwrap();
    screenshot(&screen, &window, "assign-group").await;
    click(&window, "form.assign button[type=submit]").await;
    gone(&window, "form.assign").await;
    let other = Device::sign_in(&server, &demo.students[1]).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        other.sync().await;
        let lobby = other.core.lobby().get().unwrap();
        let edited = other.core.reader().body(text).is_ok_and(|b| b.trim_end().ends_with("The end, for now."));
        let club = lobby.assignments.iter().any(|a| a.note == "For the reading club" && a.doc_id == text);
        if let Some(quiz) = lobby.assignments.iter().find(|a| a.note == "Quiz on Friday").filter(|_| edited && club) {
            assert_eq!(quiz.doc_id, deck);
            let due = quiz.due.expect("a due date");
            // The end of that day where the app runs: within 14 hours of its end in UTC.
            let utc_end = tallschool_shared::dates::parse_due("2099-01-31").unwrap();
            assert!((due - utc_end).abs() <= 14 * 3600, "due on the day picked, not {due}");
            break;
        }
        assert!(Instant::now() < deadline, "the teacher's app never sent the assignment and the edit");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // An Anki deck (as current Anki exports it) becomes a deck of the class, with a report.
    let anki = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/anki/modern.apkg"));
    let picker = find(&window, "input.anki-file").await;
    within("choosing the Anki deck", picker.send_keys(&anki.display().to_string())).await.unwrap();
    let report = text_where(&window, "#anki-report", |r| r.contains("cards made")).await;
    assert!(report.contains("7 cards made from 8 notes"), "{report}");
    assert!(report.contains("Vocabulary") && report.contains("missing.png"), "{report}");
    screenshot(&screen, &window, "anki-import").await;

    // A new video test: the video uploaded (its length read from the file), a question placed.
    let title = find(&window, "form.new-video-test input").await;
    within("the test's title", title.send_keys("Watch the ball")).await.unwrap();
    click(&window, "form.new-video-test button[type=submit]").await;
    let picker = find(&window, "#video-file").await;
    within("choosing the video", picker.send_keys(&video.display().to_string())).await.unwrap();
    text_where(&window, "#video-length", |l| l.contains("0:06")).await;
    // The question goes where the preview is: 3 seconds in.
    script(&window, "document.getElementById('editor-video').currentTime = 3; return true").await;
    text_where(&window, "#new-question h3", |h| h.ends_with("0:03")).await;
    within("the prompt", find(&window, "#question-prompt-input").await.send_keys("What colour is the ball?"))
        .await
        .unwrap();
    within("option 1", find(&window, "#option-0").await.send_keys("White")).await.unwrap();
    within("option 2", find(&window, "#option-1").await.send_keys("Green")).await.unwrap();
    click(&window, "#add-question").await;
    text_where(&window, "#question-list", |l| l.contains("0:03") && l.contains("What colour is the ball?")).await;
    script(&window, "document.querySelector('.editor-timeline').scrollIntoView({block: 'start'}); window.scrollBy(0, -80); return true").await;
    screenshot(&screen, &window, "video-editor").await;
    click(&window, "#video-editor-back").await;
    window.close().await.ok();
    drop(driver);

    // A new student's first sign-in, with the one-time password the school gave: their own
    // password comes first, then the Lobby.
    let admin = server.login(&demo.edu_admin).await;
    let (_, me) = server.get("/api/v1/me", &admin.access_token).await;
    let school = me["school_id"].as_str().unwrap().to_owned();
    let (_, created) = server
        .post(
            &format!("/api/v1/schools/{school}/users"),
            Some(&admin.access_token),
            serde_json::json!({"username": "new.student", "role": "student"}),
        )
        .await;
    let one_time = created["initial_password"].as_str().unwrap().to_owned();
    let driver = Driver::start(&screen, &server.data_dir.join("desktop-new"), &server.base);
    let window = driver.open(&app).await;
    sign_in(&window, "new.student", &one_time).await;
    find(&window, "#choose-password").await;
    screenshot(&screen, &window, "choose-password").await;
    within("the new password", find(&window, "#choose-new-password").await.send_keys("a walk by the river"))
        .await
        .unwrap();
    within("again", find(&window, "#choose-repeat-password").await.send_keys("a walk by the river")).await.unwrap();
    click(&window, "#choose-password button[type=submit]").await;
    find(&window, "main.lobby").await;
    let (status, _) = server.try_login("new.student", "a walk by the river").await;
    assert_eq!(status, reqwest::StatusCode::OK, "the chosen password signs in");
    window.close().await.ok();
}
