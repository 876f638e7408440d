//! A phone-sized browser for the web app: Debian's Chromium driven by its matching
//! ChromeDriver (nothing is downloaded), headless, at 390 × 844 with touch, one profile folder
//! per person so that each keeps their own storage across reloads.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder};

use crate::webdriver::{next_frame, poll, screenshots, within};

/// The phone's screen, in CSS pixels.
pub const PHONE: (u32, u32) = (390, 844);
/// A school office's laptop, in CSS pixels.
pub const LAPTOP: (u32, u32) = (1280, 860);

/// ChromeDriver on a free loopback port (its log beside the test's data).
pub struct ChromeDriver {
    child: Child,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl ChromeDriver {
    pub fn start(log: &Path) -> ChromeDriver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            // Everything the page writes to its console is in the log (kept when a test fails).
            .arg("--verbose")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver)");
        poll("chromedriver", || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        ChromeDriver { child, port }
    }

    /// A browser with its own profile in `profile` (kept while the test runs: a reload or a new
    /// session on the same folder finds the same storage).
    pub async fn phone(&self, profile: &Path) -> Client {
        self.open(profile, PHONE, true).await
    }

    /// A laptop-sized browser (an admin's), no touch.
    pub async fn laptop(&self, profile: &Path) -> Client {
        self.open(profile, LAPTOP, false).await
    }

    async fn open(&self, profile: &Path, (width, height): (u32, u32), phone: bool) -> Client {
        let mut options = serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--disable-features=Translate",
                "--lang=en-US", format!("--user-data-dir={}", profile.display()),
                format!("--window-size={width},{height}"),
            ],
            "prefs": { "intl.accept_languages": "en-US,en" },
        });
        if phone {
            options["mobileEmulation"] = serde_json::json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "touch": true } });
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".to_owned(), "chrome".into());
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        capabilities.insert("goog:loggingPrefs".to_owned(), serde_json::json!({ "browser": "ALL" }));
        ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap()
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Save what the phone shows as `docs/screenshots/phone-<name>.png`.
pub async fn screenshot(client: &Client, name: &str) {
    save_screenshot(client, &format!("phone-{name}")).await;
}

/// Save what the window shows as `docs/screenshots/<file>.png`.
pub async fn save_screenshot(client: &Client, file: &str) {
    next_frame(client).await;
    let png = within("a screenshot", client.screenshot()).await.unwrap();
    std::fs::create_dir_all(screenshots()).unwrap();
    std::fs::write(screenshots().join(format!("{file}.png")), png).unwrap();
}
