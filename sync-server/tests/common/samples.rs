//! Content the window tests give the teacher: a picture, a short video, a story in chapters.
#![allow(dead_code, clippy::unwrap_used)]

/// A 240 × 160 picture: sky, sun and a hill.
pub fn landscape() -> Vec<u8> {
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

/// A 6-second video (a bouncing ball with the time on it), made by GStreamer (Debian's
/// gstreamer1.0-tools and -plugins-good), as WebM: WebKit plays it from the device's cache.
pub fn make_video(path: &std::path::Path) {
    let status = std::process::Command::new("gst-launch-1.0")
        .args(["-q", "videotestsrc", "num-buffers=180", "pattern=ball", "!"])
        .args(["video/x-raw,width=320,height=180,framerate=30/1", "!", "timeoverlay", "font-desc=Sans 20", "!"])
        .args(["vp8enc", "deadline=1", "!", "webmmux", "!", "filesink"])
        .arg(format!("location={}", path.display()))
        .status()
        .expect("gst-launch-1.0 (Debian package gstreamer1.0-tools)");
    assert!(status.success(), "the test video could not be made");
}

/// A story in three chapters, long enough to scroll.
pub fn story() -> String {
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
