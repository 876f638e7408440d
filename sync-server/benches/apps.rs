//! The apps' benchmark, one run for both, on one student's data: a 10,000-card deck and a
//! progress document with 73,000 reviews (a year of 200 a day), synced from a real server.
//!
//! - The desktop app in a real window (Xvfb, `tauri-driver`, WebKit's WebDriver) beside a
//!   hello-world Tauri window built the same way: launch to the first due work painted (and
//!   Study to the first card painted), the memory (proportional set size) of all the app's
//!   processes idling with the deck open, and the time from an answer key to the next card
//!   painted (p50 and p99 of 200 answers).
//! - The web app in headless Chromium (its engine in a worker, the store in OPFS): a cold open
//!   (a new browser process on the same profile, the page from its service worker) to the
//!   Lobby painted and Study to the first card, the same answer keys, and the size of what a
//!   phone downloads (gzip).
//!
//! Times are read in the page (`performance.now()` after the next frame), so WebDriver's own
//! latency stays out of the key figures; launch figures include starting the WebDriver session
//! (and the browser), for every window alike.
//!
//! Needs the apps and the peer built: `scripts/bench.sh` builds them and names them by
//! `TALLSCHOOL_DESKTOP_APP`, `TALLSCHOOL_DESKTOP_PEER` and `TALLSCHOOL_WEB_DIR`. Prints a
//! Markdown table; asserts no speed.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

#[allow(dead_code)]
#[path = "../tests/web/browser.rs"]
mod browser;
mod common;
#[path = "../tests/common/webdriver.rs"]
mod webdriver;
#[allow(dead_code)]
#[path = "../tests/desktop/window.rs"]
mod window;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use automerge::{ActorId, AutomergeError};
use fantoccini::Client;
use serde_bytes::ByteBuf;
use tallschool_client::Core;
use tallschool_client::contract::request::NewAssignment;
use tallschool_shared::docs::{DocKind, DocMeta, genesis};
use tallschool_shared::reviews::{Review, pack};
use tallschool_shared::scheduling::StudySettings;
use tallschool_shared::sync::{DocPush, PROTOCOL_VERSION, SyncRequest};
use tallschool_shared::{UserId, schema};
use webdriver::{find, within};
use window::{Driver, Screen};

const CARDS: usize = 10_000;
const DAYS: i64 = 365;
const REVIEWS_PER_DAY: usize = 200;
const LAUNCHES: usize = 5;
const ANSWERS: usize = 200;

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0
}

/// Milliseconds since 1970 when the page painted `#cards-due` with a number above zero.
const PAINTED_DUE: &str = "const done = arguments[arguments.length - 1];
    const check = () => {
      const due = document.querySelector('#cards-due');
      if (due && Number(due.textContent) > 0) {
        requestAnimationFrame(() => setTimeout(() => done(performance.timeOrigin + performance.now()), 0));
      } else { setTimeout(check, 2); }
    };
    check();";

/// Milliseconds from clicking Study to the first card painted.
const STUDY_TO_CARD: &str = "const done = arguments[arguments.length - 1];
    const started = performance.now();
    document.querySelector('button.study').click();
    const check = () => {
      if (document.querySelector('#prompt')) {
        requestAnimationFrame(() => setTimeout(() => done(performance.now() - started), 0));
      } else { setTimeout(check, 1); }
    };
    check();";

/// Records, for every answer key (1–4), the time until `#prompt` shows another card, painted.
const WATCH_KEYS: &str = "window.__bench = { pressed: 0, samples: [] };
    window.addEventListener('keydown', (e) => {
      if (e.key >= '1' && e.key <= '4') {
        window.__bench.pressed = performance.now();
        window.__bench.prompt = document.querySelector('#prompt')?.textContent;
      }
    }, true);
    new MutationObserver(() => {
      const b = window.__bench;
      const prompt = document.querySelector('#prompt')?.textContent;
      if (b.pressed && prompt !== undefined && prompt !== b.prompt) {
        const pressed = b.pressed;
        b.pressed = 0;
        requestAnimationFrame(() => setTimeout(() => b.samples.push(performance.now() - pressed), 0));
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });";

/// Memory (kB) of the process running `exe` and all its descendants (WebKit's web and network
/// processes): the sum of their proportional set sizes (PSS), so the large libraries they all
/// map (WebKitGTK, GTK) count once, not once per process as a sum of RSS would.
fn tree_pss_kb(exe: &Path) -> u64 {
    let mut parents = Vec::new();
    let mut root = None;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // The parent is the second field after the command's closing parenthesis.
        let Some(ppid) =
            stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
        else {
            continue;
        };
        parents.push((pid, ppid));
        if std::fs::read_link(entry.path().join("exe")).is_ok_and(|e| e == exe) {
            root = Some(pid);
        }
    }
    let mut tree = vec![root.expect("the app is running")];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    tree.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|rollup| {
            rollup
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        })
        .sum()
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

/// Where a launch's time went, from the page's own clock: the page's start, when the
/// screens' code began running (the wasm fetched and compiled), and its size.
const LAUNCH_PARTS: &str = "const main = performance.getEntriesByName('tallschool-main')[0];
    const wasm = performance.getEntriesByType('resource').find(r => r.name.endsWith('.wasm'));
    return [performance.timeOrigin, main ? main.startTime : null, wasm ? wasm.responseEnd : null];";

struct Figures {
    launch_ms: f64,
    /// Session start → page start; page start → screens running (app only).
    window_ms: f64,
    code_ms: Option<f64>,
    study_ms: Option<f64>,
    memory_mb: f64,
    key_p50: f64,
    key_p99: f64,
}

/// Launch `app` `LAUNCHES` times (median), then idle memory and answer keys in the last window.
async fn measure(screen: &Screen, home: &Path, server: &str, app: &Path, is_app: bool) -> Figures {
    let mut launches = Vec::new();
    let mut studies = Vec::new();
    let (mut windows, mut codes) = (Vec::new(), Vec::new());
    let mut last: Option<(Driver, Client)> = None;
    for run in 0..LAUNCHES {
        if let Some((driver, window)) = last.take() {
            window.close().await.ok();
            drop(driver);
        }
        let driver = Driver::start(screen, home, server);
        let started = epoch_ms();
        let window = driver.open(app).await;
        let painted = within("the Lobby", window.execute_async(PAINTED_DUE, vec![])).await.unwrap();
        launches.push(painted.as_f64().unwrap() - started);
        let parts = within("the launch's parts", window.execute(LAUNCH_PARTS, vec![])).await.unwrap();
        windows.push(parts[0].as_f64().unwrap() - started);
        if let Some(main) = parts[1].as_f64() {
            codes.push(main);
        }
        if is_app {
            let study = within("the first card", window.execute_async(STUDY_TO_CARD, vec![])).await.unwrap();
            studies.push(study.as_f64().unwrap());
        }
        eprintln!("launch {run}: {:.0} ms", launches[run]);
        last = Some((driver, window));
    }
    let (driver, window) = last.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let memory_mb = tree_pss_kb(app) as f64 / 1024.0;

    let mut samples = answer_keys(&window, is_app).await;
    window.close().await.ok();
    drop(driver);
    launches.sort_by(|a, b| a.partial_cmp(b).unwrap());
    studies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    windows.sort_by(|a, b| a.partial_cmp(b).unwrap());
    codes.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Figures {
        launch_ms: launches[LAUNCHES / 2],
        window_ms: windows[LAUNCHES / 2],
        code_ms: codes.get(codes.len() / 2).copied(),
        study_ms: studies.get(LAUNCHES / 2).copied(),
        memory_mb,
        key_p50: percentile(&mut samples, 0.5),
        key_p99: percentile(&mut samples, 0.99),
    }
}

/// A year of the student's study of `deck` (200 reviews a day, the last day yesterday), pushed
/// as the student's devices push it: one change per day's session, packed.
async fn push_a_year(base: &str, token: &str, student: UserId, deck: &DocMeta, card_ids: &[String]) {
    let meta = DocMeta::progress(student, deck);
    let mut progress = genesis(meta.id, DocKind::Progress).unwrap();
    progress.set_actor(ActorId::random());
    let start = (epoch_ms() / 1000.0) as i64 - (DAYS + 1) * 86_400;
    for day in 0..DAYS {
        let reviews: Vec<Review> = (0..REVIEWS_PER_DAY)
            .map(|i| {
                let n = (day as usize * REVIEWS_PER_DAY + i) % card_ids.len();
                Review {
                    card: card_ids[n].clone(),
                    rating: [3, 3, 4, 1, 3, 2][i % 6],
                    at: start + day * 86_400 + i as i64 * 9,
                }
            })
            .collect();
        let packed = pack(&reviews).unwrap();
        progress.transact::<_, _, AutomergeError>(|tx| schema::put_session(tx, &format!("s{day}"), packed)).unwrap();
    }
    // Every change but the first, which every device derives from the document's id.
    let changes = progress.get_changes(&[]).iter().skip(1).map(|c| ByteBuf::from(c.raw_bytes().to_vec())).collect();
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor: 0,
        epoch: 0,
        push: vec![DocPush { meta, changes }],
        waiting: 0,
        removals_seen: None,
    };
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/sync"))
        .bearer_auth(token)
        .header("content-type", tallschool_shared::sync::CONTENT_TYPE)
        .body(tallschool_shared::sync::encode(&request).unwrap())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "the year of reviews was refused: {}", response.status());
}

/// The web app's figures.
struct WebFigures {
    /// Browser started (WebDriver session) → Lobby painted; of which the page's own part.
    open_ms: f64,
    page_ms: f64,
    /// Page start → the screens' code running; → the engine open in its worker.
    screens_ms: f64,
    engine_ms: f64,
    study_ms: f64,
    key_p50: f64,
    key_p99: f64,
}

/// Open the web app `LAUNCHES` times cold (a new browser process on the student's profile:
/// the page from its service worker, the store from OPFS), then answer keys.
async fn measure_web(driver: &browser::ChromeDriver, profile: &Path, base: &str) -> WebFigures {
    let (mut opens, mut pages, mut studies) = (Vec::new(), Vec::new(), Vec::new());
    let (mut screens, mut engines) = (Vec::new(), Vec::new());
    let mut last: Option<Client> = None;
    for run in 0..LAUNCHES {
        if let Some(phone) = last.take() {
            // Ends the session: Chromium quits.
            phone.close().await.ok();
        }
        let started = epoch_ms();
        let phone = driver.phone(profile).await;
        within("opening the app", phone.goto(base)).await.unwrap();
        let painted = within("the Lobby", phone.execute_async(PAINTED_DUE, vec![])).await.unwrap();
        let origin = within("the page's start", phone.execute("return performance.timeOrigin", vec![])).await.unwrap();
        opens.push(painted.as_f64().unwrap() - started);
        pages.push(painted.as_f64().unwrap() - origin.as_f64().unwrap());
        let marks = "return ['tallschool-main', 'tallschool-engine-ready'].map(n => performance.getEntriesByName(n)[0]?.startTime)";
        let marks = within("the opening's parts", phone.execute(marks, vec![])).await.unwrap();
        screens.extend(marks[0].as_f64());
        engines.extend(marks[1].as_f64());
        let study = within("the first card", phone.execute_async(STUDY_TO_CARD, vec![])).await.unwrap();
        studies.push(study.as_f64().unwrap());
        eprintln!(
            "web open {run}: {:.0} ms (page {:.0} ms) + {:.0} ms to the first card",
            opens[run], pages[run], studies[run]
        );
        last = Some(phone);
    }
    let phone = last.unwrap();
    let mut samples = answer_keys(&phone, true).await;
    phone.close().await.ok();
    WebFigures {
        open_ms: median(&mut opens),
        page_ms: median(&mut pages),
        screens_ms: median(&mut screens),
        engine_ms: median(&mut engines),
        study_ms: median(&mut studies),
        key_p50: percentile(&mut samples, 0.5),
        key_p99: percentile(&mut samples, 0.99),
    }
}

fn median(samples: &mut [f64]) -> f64 {
    if samples.is_empty() { f64::NAN } else { percentile(samples, 0.5) }
}

/// `ANSWERS` answers by key on the study screen (Space first when `reveal`): the time from each
/// key to the next card painted.
async fn answer_keys(window: &Client, reveal: bool) -> Vec<f64> {
    within("watching keys", window.execute(WATCH_KEYS, vec![])).await.unwrap();
    let study = find(window, "#study").await;
    for _ in 0..ANSWERS {
        if reveal {
            within("Space", study.send_keys(" ")).await.unwrap();
            find(window, "#answer").await;
        }
        within("3", study.send_keys("3")).await.unwrap();
        // The next card is on screen before the next key.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let pending = window.execute("return window.__bench.pressed", vec![]).await.unwrap();
            if pending.as_f64() == Some(0.0) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the next card never came");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let samples = window.execute("return window.__bench.samples", vec![]).await.unwrap();
    let samples: Vec<f64> = samples.as_array().unwrap().iter().filter_map(serde_json::Value::as_f64).collect();
    assert!(samples.len() >= ANSWERS * 9 / 10, "{} of {ANSWERS} answers measured", samples.len());
    samples
}

/// Bytes a browser downloads for the app's code, gzip-ed as served: the screens' wasm, the
/// engine's wasm, and everything.
fn web_download_sizes(dir: &Path) -> (u64, u64, u64) {
    let app = std::fs::read_dir(dir.join("app")).unwrap().next().unwrap().unwrap().path();
    let size = |name: &str| std::fs::metadata(app.join(name)).map(|m| m.len()).unwrap_or(0);
    let mut total = 0;
    let mut stack = vec![app.clone()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "gz") {
                total += entry.metadata().unwrap().len();
            }
        }
    }
    (size("tallschool-ui_bg.wasm.gz"), size("tallschool_web_bg.wasm.gz"), total)
}

fn built(variable: &str) -> PathBuf {
    let path =
        PathBuf::from(std::env::var(variable).unwrap_or_else(|_| panic!("{variable} (scripts/bench.sh sets it)")));
    assert!(path.exists(), "{} is not built", path.display());
    path
}

#[tokio::main]
async fn main() {
    let (app, peer) = (built("TALLSCHOOL_DESKTOP_APP"), built("TALLSCHOOL_DESKTOP_PEER"));
    let web = built("TALLSCHOOL_WEB_DIR");
    let dir = std::env::temp_dir().join(format!("tallschool-bench-apps-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (server, base, logins) = common::server_process(&dir, &["--web-dir", web.to_str().unwrap()]);

    // A 10,000-card deck, assigned, with no daily limit on new cards in the way.
    let teacher = Core::open(&dir.join("teacher")).unwrap();
    let login = |who: &serde_json::Value| {
        (who["username"].as_str().unwrap().to_owned(), who["password"].as_str().unwrap().to_owned())
    };
    let (username, password) = login(&logins["teacher"]);
    teacher.session().login(&base, &username, &password, "bench").await.unwrap();
    teacher.sync().run().await.unwrap();
    let class = teacher.classes().list().unwrap()[0].id;
    let settings = StudySettings { new_per_day: 1_000, ..StudySettings::default() };
    teacher.classes().set_study_settings(class, settings).await.unwrap();
    let deck = teacher.decks().create(class, "Ten thousand words", Some("Vocabulary")).unwrap();
    let mut csv = String::from("front,back\n");
    for i in 0..CARDS {
        csv.push_str(&format!("word {i},слово {i}\n"));
    }
    let report = teacher.decks().import(deck, &csv).unwrap();
    assert_eq!(report.cards.len(), CARDS);
    teacher.assignments().assign(deck, &NewAssignment::default()).unwrap();
    teacher.sync().run().await.unwrap();

    // A year of the student's study of it: 73,000 reviews in their progress document.
    let (username, password) = login(&logins["students"][0]);
    let seed = Core::open(&dir.join("student-seed")).unwrap();
    let student = seed.session().login(&base, &username, &password, "bench seed").await.unwrap();
    let token = seed.signed_in().unwrap().access_token;
    let card_ids: Vec<String> = teacher.decks().cards(deck).unwrap().into_iter().map(|c| c.id).collect();
    push_a_year(&base, &token, student.id, &DocMeta::content(deck, DocKind::Deck, class), &card_ids).await;

    // The student's app: signed in once, the deck synced; then measured from a cold start.
    let screen = Screen::start();
    let home = dir.join("student-app");
    {
        let driver = Driver::start(&screen, &home, &base);
        let window = driver.open(&app).await;
        let (username, password) = login(&logins["students"][0]);
        find(&window, "#username").await.send_keys(&username).await.unwrap();
        find(&window, "#password").await.send_keys(&password).await.unwrap();
        find(&window, "button[type=submit]").await.click().await.unwrap();
        // The first sync brings the whole deck.
        let synced = std::time::Instant::now();
        loop {
            let due = window.execute("return document.querySelector('#cards-due')?.textContent", vec![]).await.unwrap();
            if due.as_str().and_then(|d| d.parse::<u32>().ok()).is_some_and(|d| d > 0) {
                break;
            }
            if synced.elapsed() > Duration::from_secs(300) {
                std::fs::write(dir.join("stuck.png"), screen.capture((0, 0, 1024, 720))).unwrap();
                panic!("the deck did not arrive; see {}", dir.join("stuck.png").display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!(
            "desktop: first sync of {CARDS} cards and their 73,000 reviews: {:.1} s",
            synced.elapsed().as_secs_f64()
        );
        window.close().await.ok();
    }

    // The web app: signed in once in Chromium, everything synced and the app's files cached
    // by its service worker; then measured from cold opens.
    let chrome = browser::ChromeDriver::start(&dir.join("chromedriver.log"));
    let profile = dir.join("student-browser");
    {
        let phone = chrome.phone(&profile).await;
        phone.goto(&base).await.unwrap();
        find(&phone, "#username").await.send_keys(&username).await.unwrap();
        find(&phone, "#password").await.send_keys(&password).await.unwrap();
        find(&phone, "button[type=submit]").await.click().await.unwrap();
        let synced = std::time::Instant::now();
        loop {
            let state = phone
                .execute(
                    "return [document.querySelector('#cards-due')?.textContent, !!navigator.serviceWorker.controller]",
                    vec![],
                )
                .await
                .unwrap();
            let due = state[0].as_str().and_then(|d| d.parse::<u32>().ok()).unwrap_or(0);
            if due > 0 && state[1] == serde_json::Value::Bool(true) {
                break;
            }
            assert!(synced.elapsed() < Duration::from_secs(300), "the deck did not arrive in the browser");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!("web: first sync of {CARDS} cards and their 73,000 reviews: {:.1} s", synced.elapsed().as_secs_f64());
        phone.close().await.ok();
    }

    let ours = measure(&screen, &home, &base, &app, true).await;
    let hello = measure(&screen, &dir.join("peer"), &base, &peer, false).await;
    let browser = measure_web(&chrome, &profile, &base).await;
    let (screens_gz, engine_gz, all_gz) = web_download_sizes(&web);
    drop(chrome);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();

    println!("| measurement | ours | peer (same run) | goal |");
    println!("|---|---|---|---|");
    println!(
        "| launch to first due work painted (median of {LAUNCHES}, incl. WebDriver session) | {:.0} ms to the Lobby + {:.0} ms Study → first card = {:.0} ms | {:.0} ms (hello-world Tauri window, its text painted) | < 400 ms |",
        ours.launch_ms,
        ours.study_ms.unwrap_or_default(),
        ours.launch_ms + ours.study_ms.unwrap_or_default(),
        hello.launch_ms
    );
    let code = ours.code_ms.unwrap_or_default();
    println!(
        "| … of which: WebDriver session and window until the page starts; the screens' code fetched, compiled and running; engine calls and drawing to the Lobby painted | {:.0} ms; {:.0} ms; {:.0} ms | {:.0} ms; —; {:.0} ms | |",
        ours.window_ms,
        code,
        ours.launch_ms - ours.window_ms - code,
        hello.window_ms,
        hello.launch_ms - hello.window_ms
    );
    println!(
        "| idle memory, all app processes (sum of PSS), {CARDS}-card deck open | {:.0} MB | {:.0} MB | < 150 MB |",
        ours.memory_mb, hello.memory_mb
    );
    println!(
        "| answer key → next card painted ({ANSWERS} answers) | p50 {:.1} ms, p99 {:.1} ms | p50 {:.1} ms, p99 {:.1} ms (a script changing a text on the key) | p99 < 16 ms |",
        ours.key_p50, ours.key_p99, hello.key_p50, hello.key_p99
    );
    println!();
    println!("| web app in headless Chromium (same run, same data) | web app | desktop app |");
    println!("|---|---|---|");
    println!(
        "| cold open to the first due card painted (median of {LAUNCHES}) | {:.0} ms to the Lobby + {:.0} ms Study → first card = {:.0} ms | {:.0} ms |",
        browser.open_ms,
        browser.study_ms,
        browser.open_ms + browser.study_ms,
        ours.launch_ms + ours.study_ms.unwrap_or_default()
    );
    println!(
        "| … of which the page itself (navigation start → Lobby painted) | {:.0} ms (the screens running at {:.0} ms, the engine open in its worker at {:.0} ms) | {:.0} ms (page start → Lobby) |",
        browser.page_ms,
        browser.screens_ms,
        browser.engine_ms,
        ours.launch_ms - ours.window_ms
    );
    println!(
        "| answer key → next card painted ({ANSWERS} answers) | p50 {:.1} ms, p99 {:.1} ms | p50 {:.1} ms, p99 {:.1} ms |",
        browser.key_p50, browser.key_p99, ours.key_p50, ours.key_p99
    );
    let mb = |bytes: u64| bytes as f64 / 1_000_000.0;
    println!(
        "| code a phone downloads once (gzip) | {:.2} MB: screens' wasm {:.2} MB, engine's wasm {:.2} MB, the rest {:.2} MB | — (installed) |",
        mb(all_gz),
        mb(screens_gz),
        mb(engine_gz),
        mb(all_gz - screens_gz - engine_gz)
    );
}
