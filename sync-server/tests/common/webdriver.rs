//! Driving a window through WebDriver (the desktop app's, or a browser's): waits that poll
//! with a deadline and say what they waited for, the steps both apps' tests take, and where
//! screenshots go.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

/// Wait for a condition outside the window (a socket, a file), up to 30 s.
pub fn poll(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A WebDriver step that must end within 30 s (a stuck window fails the test, saying where).
pub async fn within<T>(what: &str, step: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(30), step).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within 30 s"),
    }
}

/// The element once it is on screen (the screens load asynchronously).
pub async fn find(client: &Client, css: &str) -> fantoccini::elements::Element {
    let wait = client.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css(css));
    within(css, wait).await.unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// Wait until the element's text is `expected`.
pub async fn text_becomes(client: &Client, css: &str, expected: &str) {
    let text = text_where(client, css, |text| text == expected).await;
    assert_eq!(text, expected);
}

/// Wait until the element's text passes `check`; the text.
pub async fn text_where(client: &Client, css: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = match within("finding an element", client.find(Locator::Css(css))).await {
            Ok(element) => within("reading a text", element.text()).await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if check(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{css} shows {text:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait until nothing matches `css`.
pub async fn gone(client: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while within("finding an element", client.find(Locator::Css(css))).await.is_ok() {
        assert!(Instant::now() < deadline, "{css} stayed on screen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Where the screenshots the tests save go (linked from the README).
pub fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
}

pub async fn sign_in(client: &Client, username: &str, password: &str) {
    within("typing the username", find(client, "#username").await.send_keys(username)).await.unwrap();
    within("typing the password", find(client, "#password").await.send_keys(password)).await.unwrap();
    within("signing in", find(client, "button[type=submit]").await.click()).await.unwrap();
}

pub async fn click(client: &Client, css: &str) {
    within(css, find(client, css).await.click()).await.unwrap();
}

/// Click `css` once it is enabled (a form's button waits for what is typed to be taken in).
pub async fn click_enabled(client: &Client, css: &str) {
    let element = find(client, css).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !within(css, element.is_enabled()).await.unwrap() {
        assert!(Instant::now() < deadline, "{css} stayed disabled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    within(css, element.click()).await.unwrap();
}

/// The Study button of the deck titled `title` in the Lobby.
pub async fn click_study(client: &Client, title: &str) {
    let xpath = format!("//li[contains(@class, 'deck')][.//h3[text()='{title}']]//button");
    let wait = client.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(&xpath));
    within(title, wait).await.unwrap().click().await.unwrap();
}

/// The button of the Lobby's assignment titled `title`.
pub async fn click_assignment(client: &Client, title: &str) {
    let xpath = format!("//ul[contains(@class, 'assignments')]/li[.//strong[text()=\"{title}\"]]//button");
    let wait = client.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(&xpath));
    within(title, wait).await.unwrap().click().await.unwrap();
}

/// Run a script in the window (it may `await`); its answer.
pub async fn script(client: &Client, code: &str) -> serde_json::Value {
    within(code, client.execute(code, vec![])).await.unwrap()
}

/// Nothing on the page is wider than the window (no sideways scrolling).
pub async fn fits_the_window(client: &Client, what: &str) {
    let overflow =
        script(client, "const root = document.documentElement; return root.scrollWidth - root.clientWidth;").await;
    assert!(overflow.as_f64().unwrap_or(1.0) <= 0.0, "{what} is wider than the window by {overflow}px");
}

/// The app syncs by itself (nobody presses a button) until everything is saved: within a
/// minute of the server's return.
pub async fn synced_by_itself(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = within("the sync state", find(client, "#sync-state").await.text()).await.unwrap();
        if state.starts_with("All saved") {
            return;
        }
        assert!(Instant::now() < deadline, "the app did not sync by itself: {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Wait for the page to paint its last change (two animation frames).
pub async fn next_frame(client: &Client) {
    let frames =
        "return await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))";
    within("a frame", client.execute(frames, vec![])).await.ok();
}
