//! The desktop app in a real window: the Tauri shell with the Dioxus screens under Xvfb, driven
//! by `tauri-driver` and WebKit's WebDriver, against a real server. A student studies and reads
//! while the server is down and the app syncs by itself when it is back; the teacher's app then
//! shows that progress and imports a CSV with a bad row. Screenshots of each screen go to
//! `docs/screenshots/`.
//!
//! Needs the app built (`scripts/build-desktop.sh`) and named by `TALLSCHOOL_DESKTOP_APP`;
//! `scripts/test.sh` does both and runs this test (it is ignored in a plain `cargo test`).
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod window;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{Device, TestServer};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use tallschool_client::contract::request::{CardPatch, NewAssignment};
use tallschool_shared::cards::CardType;
use window::{Driver, Screen, find, gone, screenshot, text_becomes, text_where, within};

fn app() -> PathBuf {
    let app = PathBuf::from(
        std::env::var("TALLSCHOOL_DESKTOP_APP")
            .expect("TALLSCHOOL_DESKTOP_APP names the app built by scripts/build-desktop.sh (scripts/test.sh sets it)"),
    );
    assert!(app.exists(), "{} is not built", app.display());
    app
}

/// A 240 × 160 picture: sky, sun and a hill.
fn landscape() -> Vec<u8> {
    let (width, height) = (240_u32, 160_u32);
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (x as f32 - 180.0, y as f32 - 45.0);
            let hill = (y as f32) > 110.0 + 20.0 * ((x as f32) / 40.0).sin();
            let pixel = if dx * dx + dy * dy < 400.0 {
                [255, 200, 40]
            } else if hill {
                [70, 150, 70]
            } else {
                [120, 180, (230 - y / 2) as u8]
            };
            pixels.extend_from_slice(&pixel);
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    png
}

/// A story in three chapters, long enough to scroll.
fn story() -> String {
    let mut text = String::new();
    for (chapter, title) in [(1, "Home"), (2, "The river"), (3, "The sea")] {
        text.push_str(&format!("# Chapter {chapter}: {title}\n\n"));
        for paragraph in 1..=12 {
            text.push_str(&format!(
                "Paragraph {paragraph} of chapter {chapter}. The fox walked on, past the reeds and the old \
                 mill, and thought about the long way still ahead of her and the friends she had left behind.\n\n"
            ));
        }
    }
    text
}

async fn sign_in(window: &Client, username: &str, password: &str) {
    within("typing the username", find(window, "#username").await.send_keys(username)).await.unwrap();
    within("typing the password", find(window, "#password").await.send_keys(password)).await.unwrap();
    within("signing in", find(window, "button[type=submit]").await.click()).await.unwrap();
}

/// The Study button of the deck titled `title` in the Lobby.
async fn click_study(window: &Client, title: &str) {
    let xpath = format!("//li[contains(@class, 'deck')][.//h3[text()='{title}']]//button");
    let wait = window.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(&xpath));
    within(title, wait).await.unwrap().click().await.unwrap();
}

async fn click(window: &Client, css: &str) {
    within(css, find(window, css).await.click()).await.unwrap();
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

    // The picture is downloaded in the background before the server goes away.
    let cached = server.data_dir.join("desktop-student").join("media").join(&picture);
    window::poll("the picture's download", || cached.exists());

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
    click(&window, "ul.assignments button.open").await;
    find(&window, "#reader-text .block").await;
    text_becomes(&window, "#reader-percent", "0%").await;
    screenshot(&screen, &window, "reader").await;
    click(&window, "nav.contents li:nth-child(3) button").await;
    let at =
        text_where(&window, "#reader-percent", |p| p.trim_end_matches('%').parse::<u32>().is_ok_and(|p| p >= 60)).await;
    screenshot(&screen, &window, "reader-chapter-3").await;
    click(&window, "#reader-back").await;
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
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = within("the sync state", find(&window, "#sync-state").await.text()).await.unwrap();
        if state.starts_with("All saved") {
            break;
        }
        assert!(Instant::now() < deadline, "the app did not sync by itself: {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    gone(&window, ".banner.offline").await;
    click(&window, "#account").await;
    text_where(&window, "#outbox", |t| t.starts_with("Everything is saved")).await;
    screenshot(&screen, &window, "account").await;
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
    let other = Device::sign_in(&server, &demo.students[1]).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        other.sync().await;
        let lobby = other.core.lobby().get().unwrap();
        let edited = other.core.reader().body(text).is_ok_and(|b| b.trim_end().ends_with("The end, for now."));
        if let Some(quiz) = lobby.assignments.iter().find(|a| a.note == "Quiz on Friday").filter(|_| edited) {
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
    window.close().await.ok();
}
