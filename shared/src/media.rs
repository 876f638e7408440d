//! Media types as files name them.

/// A file's type from its name's extension, when nothing better is known (the server checks
/// the content anyway): `dog.JPG` → `image/jpeg`.
pub fn mime_from_name(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "m4a" => "audio/mp4",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_follow_the_extension() {
        assert_eq!(mime_from_name("Dog.JPG"), "image/jpeg");
        assert_eq!(mime_from_name("bark.mp3"), "audio/mpeg");
        assert_eq!(mime_from_name("lesson.webm"), "video/webm");
        assert_eq!(mime_from_name("notes"), "application/octet-stream");
    }
}
