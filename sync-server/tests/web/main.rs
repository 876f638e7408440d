//! The web app on a phone: the screens and the engine (compiled to wasm, in a browser worker,
//! its store in OPFS) served by a real server, in headless Chromium at 390 × 844. A student
//! signs in and syncs; the server stops; the app reloads from its service worker with the
//! data intact, the student studies three cards by touch, reloads again (the answers are
//! still there), reads a story and answers a video test's question; a second tab waits while the first holds the store; the server returns and
//! the app syncs by itself; a new version of the app waits until the student reloads; the
//! teacher's phone then shows the answers in the class's progress and adds a card with a
//! picture. Screenshots of each screen
//! go to `docs/screenshots/phone-*.png`.
//!
//! The admin dashboard (`/admin`) is driven in the same browser on a laptop-sized window
//! (`admin.rs`).
//!
//! Needs the web app built (`scripts/build-web.sh`) and named by `TALLSCHOOL_WEB_DIR`;
//! `scripts/test.sh` does both and runs this test (it is ignored in a plain `cargo test`).
#![allow(clippy::unwrap_used)]

mod admin;
mod browser;
#[path = "../common/mod.rs"]
mod common;
#[path = "../common/samples.rs"]
mod samples;
#[path = "../common/webdriver.rs"]
mod webdriver;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use browser::{ChromeDriver, PHONE, screenshot};
use common::{Device, TestServer};
use fantoccini::{Client, Locator};
use samples::{landscape, make_video, story};
use tallschool_client::contract::request::{CardPatch, NewAssignment};
use tallschool_client::contract::video::{NewQuestion, TestSettings};
use tallschool_shared::video::{self, QuestionKind};
use webdriver::{
    click, click_assignment, click_enabled, click_study, find, fits_the_window, gone, script, sign_in,
    synced_by_itself, text_becomes, text_where, within,
};

/// The built web app, copied for this test (the update step changes it).
fn web_app(into: &Path) -> PathBuf {
    let built = PathBuf::from(
        std::env::var("TALLSCHOOL_WEB_DIR")
            .expect("TALLSCHOOL_WEB_DIR names the web app built by scripts/build-web.sh (scripts/test.sh sets it)"),
    );
    assert!(built.join("index.html").exists(), "{} is not built", built.display());
    let copy = into.join("web");
    copy_dir(&built, &copy);
    copy
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Wait until a script in the page answers `true`.
async fn until(phone: &Client, what: &str, code: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while script(phone, code).await != serde_json::Value::Bool(true) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reload the page and wait for the screens to be running again.
async fn reload(phone: &Client) {
    within("reloading", phone.refresh()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the web app built and Chromium: run by scripts/test.sh"]
async fn school_and_technical_admins_run_the_school_from_the_dashboard() {
    let scratch = std::env::temp_dir().join(format!("tallschool-admin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let web = web_app(&scratch);
    let server = TestServer::start_with(&["--web-dir", web.to_str().unwrap()]).await;
    let driver = ChromeDriver::start(&scratch.join("chromedriver.log"));
    admin::an_admin_runs_the_school_from_the_browser(&server, &driver, &scratch.join("admin-profile")).await;
    drop(driver);
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the web app built and Chromium: run by scripts/test.sh"]
async fn a_student_studies_offline_on_a_phone_and_the_teacher_sees_it() {
    let scratch = std::env::temp_dir().join(format!("tallschool-web-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let web = web_app(&scratch);
    let mut server = TestServer::start_with(&["--web-dir", web.to_str().unwrap()]).await;
    let demo = server.demo_logins();
    let student = &demo.students[0];

    // The teacher's content, made through the engine: three cards, one with a picture.
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let decks = teacher.core.decks();
    let deck = decks.create(class, "Animals", Some("Spanish")).unwrap();
    let picture_file = scratch.join("field.png");
    std::fs::write(&picture_file, landscape()).unwrap();
    let picture = teacher.core.media().upload(&picture_file, "image/png").await.unwrap().hash;
    for (front, back) in [("dog", "perro"), ("cat", "gato"), ("bird", "pájaro")] {
        let media = (front == "dog").then(|| vec![picture.clone()]);
        decks.put_card(deck, None, &CardPatch { media, ..CardPatch::front_back(Some(front), Some(back)) }).unwrap();
    }
    let assignment = NewAssignment { note: "Learn the animals".to_owned(), ..NewAssignment::default() };
    teacher.core.assignments().assign(deck, &assignment).unwrap();
    // A story in chapters, and a video test with a question at 2 s.
    let text = teacher.core.reader().create(class, "The fox's journey").unwrap();
    teacher.core.reader().set_body(text, &story()).unwrap();
    let reading = NewAssignment { note: "Read to the sea".to_owned(), ..NewAssignment::default() };
    teacher.core.assignments().assign(text, &reading).unwrap();
    let video_file = scratch.join("ball.webm");
    make_video(&video_file);
    let film = teacher.core.media().upload(&video_file, "video/webm").await.unwrap().hash;
    let tests = teacher.core.video_tests();
    let quiz = tests.create(class, "The bouncing ball").unwrap();
    let rules = TestSettings { media: Some(film.clone()), duration_secs: Some(6), ..TestSettings::default() };
    tests.configure(quiz, &rules).unwrap();
    let question = NewQuestion {
        at_secs: 2,
        kind: QuestionKind::SingleChoice,
        prompt: "What bounces?".to_owned(),
        options: vec!["A ball".to_owned(), "A cube".to_owned()],
        points: 1,
        key: Some(video::Key::Choices([0].into())),
    };
    tests.add_question(quiz, &question).unwrap();
    let watching = NewAssignment { note: "Watch it on the bus".to_owned(), ..NewAssignment::default() };
    teacher.core.assignments().assign(quiz, &watching).unwrap();
    teacher.sync().await;

    let driver = ChromeDriver::start(&scratch.join("chromedriver.log"));
    let phone = driver.phone(&scratch.join("student-profile")).await;
    within("opening the app", phone.goto(&server.base)).await.unwrap();

    // Sign in: the web app signs in to the server that serves it (no address to type).
    find(&phone, "#username").await;
    assert!(phone.find(Locator::Css("#server")).await.is_err(), "no server field in the web app");
    let viewport = script(&phone, "return [window.innerWidth, window.innerHeight]").await;
    assert_eq!(viewport, serde_json::json!([PHONE.0, PHONE.1]), "a phone-sized window");
    screenshot(&phone, "sign-in").await;
    sign_in(&phone, &student.username, &student.password).await;
    text_becomes(&phone, "#cards-due", "3").await;
    fits_the_window(&phone, "the Lobby").await;
    screenshot(&phone, "lobby").await;

    // Ready for the road: the service worker holds the app, the picture is in the device's
    // storage (OPFS).
    until(&phone, "the service worker", "return !!navigator.serviceWorker.controller").await;
    let picture_kept = format!(
        "try {{ const root = await navigator.storage.getDirectory(); \
         const media = await (await root.getDirectoryHandle('tallschool')).getDirectoryHandle('media'); \
         const file = await (await media.getFileHandle('{picture}')).getFile(); return file.size > 0; }} \
         catch (e) {{ return false; }}"
    );
    until(&phone, "the picture's download", &picture_kept).await;
    until(&phone, "the video's download", &picture_kept.replace(&picture, &film)).await;

    // The server goes away. The page reloads from the service worker, data intact.
    server.kill();
    reload(&phone).await;
    text_becomes(&phone, "#cards-due", "3").await;
    click(&phone, "#sync-now").await;
    find(&phone, ".banner.offline").await;
    screenshot(&phone, "lobby-offline").await;

    // Three cards by touch: tap to see the answer, then Easy (the four ratings at the bottom,
    // where a thumb reaches).
    click_study(&phone, "Animals").await;
    for n in 0..3 {
        let prompt = within("the prompt", find(&phone, "#prompt").await.text()).await.unwrap();
        assert!(["dog", "cat", "bird"].contains(&prompt.as_str()), "{prompt}");
        if prompt == "dog" {
            // The picture comes from the device's storage (the server is down).
            until(
                &phone,
                "the card's picture",
                "const img = document.querySelector('#card-media img'); return !!img && img.naturalWidth === 240",
            )
            .await;
        }
        if n == 0 {
            fits_the_window(&phone, "a card").await;
            screenshot(&phone, "study-question").await;
        }
        click(&phone, "#show-answer").await;
        find(&phone, "#answer").await;
        if n == 0 {
            let reach = script(&phone, "const r = document.getElementById('rate-1').getBoundingClientRect(); return [r.top, r.bottom, r.height]").await;
            let (top, bottom, height) =
                (reach[0].as_f64().unwrap(), reach[1].as_f64().unwrap(), reach[2].as_f64().unwrap());
            assert!(
                top > f64::from(PHONE.1) / 2.0 && bottom <= f64::from(PHONE.1),
                "the ratings sit low on the screen: {reach}"
            );
            assert!(height >= 44.0, "a rating is large enough to tap: {height}px");
            screenshot(&phone, "study-answer").await;
        }
        click(&phone, "#rate-4").await;
        if n < 2 {
            gone(&phone, "#answer").await;
        }
    }
    find(&phone, "#session-summary").await;
    screenshot(&phone, "study-done").await;
    click(&phone, "#session-summary button").await;

    // The reader: the contents open over the text (no room beside it), chapter 3 from there.
    click_assignment(&phone, "The fox's journey").await;
    find(&phone, "#reader-text .block").await;
    fits_the_window(&phone, "the reader").await;
    screenshot(&phone, "reader").await;
    click(&phone, "#contents-toggle").await;
    screenshot(&phone, "reader-contents").await;
    click(&phone, "nav.contents li:nth-child(3) button").await;
    gone(&phone, ".reader.contents-open").await;
    text_where(&phone, "#reader-percent", |p| p.trim_end_matches('%').parse::<u32>().is_ok_and(|p| p >= 60)).await;
    click(&phone, "#reader-back").await;

    // The video test plays from the device, fits the screen, and stops at its question.
    click_assignment(&phone, "The bouncing ball").await;
    click(&phone, "#start-attempt").await;
    // Play is enabled once the attempt has started.
    click_enabled(&phone, "#play").await;
    text_becomes(&phone, "#question-prompt", "What bounces?").await;
    fits_the_window(&phone, "the video test").await;
    let width = script(&phone, "return document.getElementById('test-video').getBoundingClientRect().width").await;
    assert!(width.as_f64().unwrap() <= f64::from(PHONE.0), "the video fits the screen: {width}");
    screenshot(&phone, "video-question").await;
    click(&phone, "#question-first").await;
    click_enabled(&phone, "#question-answer").await;
    text_becomes(&phone, "#answered-count", "1 of 1 question answered").await;
    click(&phone, "#video-back").await;

    // Reloaded again, still offline: the answers are there.
    reload(&phone).await;
    text_becomes(&phone, "#cards-due", "0").await;
    text_where(&phone, "#sync-state", |s| s.contains("waiting")).await;

    // A second tab of the app waits: the first holds the device's store.
    let first = within("the first tab", phone.window()).await.unwrap();
    let second = within("a second tab", phone.new_window(true)).await.unwrap();
    within("to the second tab", phone.switch_to_window(second.handle.clone())).await.unwrap();
    within("opening the app again", phone.goto(&server.base)).await.unwrap();
    text_where(&phone, "#open-elsewhere", |t| t.contains("open in another tab")).await;
    screenshot(&phone, "open-elsewhere").await;
    // The first tab goes on working meanwhile.
    within("to the first tab", phone.switch_to_window(first.clone())).await.unwrap();
    text_becomes(&phone, "#cards-due", "0").await;
    // Closed, it lets the second one in, with the same data.
    within("closing the first tab", phone.close_window()).await.unwrap();
    within("to the second tab", phone.switch_to_window(second.handle)).await.unwrap();
    text_becomes(&phone, "#cards-due", "0").await;

    // The server returns; the app syncs by itself, nobody presses a button.
    server.restart_in_place();
    synced_by_itself(&phone).await;
    gone(&phone, ".banner.offline").await;

    // The account: what the browser keeps.
    click(&phone, "#account").await;
    text_where(&phone, "#outbox", |t| t.starts_with("Everything is saved")).await;
    find(&phone, "#browser-storage").await;
    fits_the_window(&phone, "the account").await;
    screenshot(&phone, "account").await;
    click(&phone, "#account-back").await;

    // A new version of the app is published: it is fetched whole in the background and waits
    // until the student reloads; then the page runs the new version.
    let (old, new) = publish_new_version(&web);
    script(&phone, "const r = await navigator.serviceWorker.getRegistration(); await r.update(); return true").await;
    find(&phone, "#update-ready").await;
    screenshot(&phone, "update-ready").await;
    let running = script(&phone, "return document.querySelector('script[type=module]').src").await;
    assert!(running.as_str().unwrap().contains(&old), "the old version runs until the reload: {running}");
    click(&phone, "#update-reload").await;
    until(
        &phone,
        "the new version",
        &format!("return document.querySelector('script[type=module]').src.includes('{new}')"),
    )
    .await;
    text_becomes(&phone, "#cards-due", "0").await;

    // The teacher's phone: the class's progress shows the three answers.
    let teacher_phone = driver.phone(&scratch.join("teacher-profile")).await;
    within("opening the app", teacher_phone.goto(&server.base)).await.unwrap();
    sign_in(&teacher_phone, &demo.teacher.username, &demo.teacher.password).await;
    click(&teacher_phone, "button.class-progress").await;
    text_where(&teacher_phone, ".deck-report td.reviews", |r| r == "3").await;
    fits_the_window(&teacher_phone, "the class's progress").await;
    screenshot(&teacher_phone, "class-progress").await;

    // The teacher adds a card with a picture from the phone: the picked file goes to the
    // engine in its worker, is uploaded, and shows at once from the device's storage.
    click(&teacher_phone, "#class-back").await;
    click(&teacher_phone, "button.edit-deck").await;
    text_becomes(&teacher_phone, "#card-count", "3 cards").await;
    within("the front", find(&teacher_phone, "#card-front").await.send_keys("sun")).await.unwrap();
    within("the back", find(&teacher_phone, "#card-back").await.send_keys("sol")).await.unwrap();
    let sun = scratch.join("sun.png");
    std::fs::write(&sun, landscape()).unwrap();
    let picker = find(&teacher_phone, "#card-media-file").await;
    within("choosing the picture", picker.send_keys(&sun.display().to_string())).await.unwrap();
    text_where(&teacher_phone, "ul.attached", |a| a.contains("sun.png")).await;
    click(&teacher_phone, "form.new-card button[type=submit]").await;
    text_becomes(&teacher_phone, "#card-count", "4 cards").await;
    until(
        &teacher_phone,
        "the new card's picture",
        "const img = [...document.querySelectorAll('table.cards tr')].find(r => r.textContent.includes('sun'))?.querySelector('img.thumb'); \
         if (img) img.scrollIntoView({block: 'center'}); return !!img && img.naturalWidth === 240",
    )
    .await;
    screenshot(&teacher_phone, "deck-editor").await;

    teacher_phone.close().await.ok();
    phone.close().await.ok();
    drop(driver);
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Publish the built app again as another version (the same files under a new name, as a new
/// build would have): the old and the new version's names.
fn publish_new_version(web: &Path) -> (String, String) {
    let app = web.join("app");
    let old = std::fs::read_dir(&app).unwrap().next().unwrap().unwrap().file_name().to_string_lossy().into_owned();
    let new = format!("{old}-next");
    copy_dir(&app.join(&old), &app.join(&new));
    for page in ["index.html", "sw.js"] {
        let text = std::fs::read_to_string(web.join(page)).unwrap().replace(&old, &new);
        std::fs::write(web.join(page), text).unwrap();
        // The precompressed copy would still be the old one.
        let _ = std::fs::remove_file(web.join(format!("{page}.gz")));
    }
    (old, new)
}
