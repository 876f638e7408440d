//! A real window for the desktop app: a virtual X screen (Xvfb), `tauri-driver` in front of
//! WebKit's WebDriver starting the app, and screenshots read from the X screen itself
//! (WebKitWebDriver's own screenshot command never returns once the app has synced under
//! Xvfb, while `xwd` reads what is on screen).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder};

use crate::webdriver::{next_frame, poll, screenshots, within};

/// A virtual screen for the window.
pub struct Screen {
    xvfb: Child,
    pub display: String,
}

impl Screen {
    pub fn start() -> Screen {
        let number = (90..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free display number");
        let display = format!(":{number}");
        let xvfb = Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (Debian package xvfb)");
        poll("the virtual screen", || Path::new(&format!("/tmp/.X11-unix/X{number}")).exists());
        Screen { xvfb, display }
    }

    /// The rectangle `(x, y, width, height)` of the screen as a PNG.
    pub fn capture(&self, (x, y, width, height): (u32, u32, u32, u32)) -> Vec<u8> {
        let output = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.display])
            .output()
            .expect("xwd (Debian package x11-apps)");
        assert!(output.status.success(), "xwd failed: {}", String::from_utf8_lossy(&output.stderr));
        let image = Xwd::parse(&output.stdout);
        let (width, height) = (width.min(image.width - x), height.min(image.height - y));
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        for row in y..y + height {
            for column in x..x + width {
                rgb.extend_from_slice(&image.rgb(column, row));
            }
        }
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("a PNG header");
        writer.write_image_data(&rgb).expect("the PNG's pixels");
        writer.finish().expect("a whole PNG");
        png
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.xvfb.kill().ok();
        self.xvfb.wait().ok();
    }
}

/// An X window dump of a true-colour screen (the format `xwd` writes).
struct Xwd<'a> {
    width: u32,
    height: u32,
    lsb_first: bool,
    bytes_per_pixel: usize,
    bytes_per_line: usize,
    masks: [u32; 3],
    pixels: &'a [u8],
}

impl<'a> Xwd<'a> {
    fn parse(bytes: &'a [u8]) -> Xwd<'a> {
        let field = |n: usize| u32::from_be_bytes(bytes[n * 4..n * 4 + 4].try_into().expect("4 bytes"));
        let (header_size, colours) = (field(0) as usize, field(19) as usize);
        assert_eq!(field(1), 7, "an XWD version 7 file");
        let pixels = &bytes[header_size + colours * 12..];
        let xwd = Xwd {
            width: field(4),
            height: field(5),
            lsb_first: field(7) == 0,
            bytes_per_pixel: field(11) as usize / 8,
            bytes_per_line: field(12) as usize,
            masks: [field(14), field(15), field(16)],
            pixels,
        };
        assert!(xwd.pixels.len() >= xwd.bytes_per_line * xwd.height as usize, "a whole screen in the dump");
        xwd
    }

    fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        let start = y as usize * self.bytes_per_line + x as usize * self.bytes_per_pixel;
        let bytes = &self.pixels[start..start + self.bytes_per_pixel];
        let value = if self.lsb_first {
            bytes.iter().rev().fold(0_u32, |value, byte| (value << 8) | u32::from(*byte))
        } else {
            bytes.iter().fold(0_u32, |value, byte| (value << 8) | u32::from(*byte))
        };
        self.masks.map(|mask| ((value & mask) >> mask.trailing_zeros()) as u8)
    }
}

/// `tauri-driver` in front of WebKitWebDriver, starting the app for one person.
pub struct Driver {
    child: Child,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Driver {
    pub fn start(screen: &Screen, home: &Path, server: &str) -> Driver {
        let (port, native) = (free_port(), free_port());
        let child = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
            .env("DISPLAY", &screen.display)
            .env("TALLSCHOOL_HOME", home)
            .env("TALLSCHOOL_SERVER", server)
            .env("TALLSCHOOL_DOWNLOADS", home.join("downloads"))
            // The app starts in the system's language: English here, whatever the machine's.
            .env("LANG", "en_US.UTF-8")
            .env("LANGUAGE", "en_US")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver)");
        // tauri-driver listens at once; WebKit's driver behind it takes a moment.
        poll("tauri-driver", || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        poll("WebKitWebDriver", || std::net::TcpStream::connect(("127.0.0.1", native)).is_ok());
        Driver { child, port }
    }

    pub async fn open(&self, app: &Path) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".to_owned(), "wry".into());
        capabilities.insert("tauri:options".to_owned(), serde_json::json!({ "application": app }));
        ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: tauri-driver then stops WebKitWebDriver too.
        let stopped = Command::new("kill").arg(self.child.id().to_string()).status().is_ok_and(|s| s.success());
        if !stopped {
            self.child.kill().ok();
        }
        self.child.wait().ok();
    }
}

/// Save what the window shows as `docs/screenshots/<name>.png`.
pub async fn screenshot(screen: &Screen, client: &Client, name: &str) {
    next_frame(client).await;
    let (x, y, width, height) = within("the window's place", client.get_window_rect()).await.unwrap();
    let rect = (x as u32, y as u32, width as u32, height as u32);
    let png = screen.capture(rect);
    std::fs::create_dir_all(screenshots()).unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}
