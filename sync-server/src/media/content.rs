//! What an upload really is, by its bytes (never by its name), and stripping what photos
//! carry that must not leak: EXIF (GPS position, camera serial), XMP, IPTC and comments.

use img_parts::{Bytes, ImageEXIF};

use crate::config::MediaSettings;
use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Audio,
    Video,
}

impl MediaKind {
    pub fn of(mime: &str) -> Option<MediaKind> {
        match mime.split('/').next()? {
            "image" => Some(MediaKind::Image),
            "audio" => Some(MediaKind::Audio),
            "video" => Some(MediaKind::Video),
            _ => None,
        }
    }

    pub fn cap(self, settings: &MediaSettings) -> u64 {
        match self {
            MediaKind::Image => settings.max_image_bytes,
            MediaKind::Audio => settings.max_audio_bytes,
            MediaKind::Video => settings.max_video_bytes,
        }
    }
}

/// Types a school may upload, as detected from the content.
const ALLOWED: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "audio/mpeg",
    "audio/ogg",
    "audio/x-wav",
    "audio/x-flac",
    "audio/m4a",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "video/x-matroska",
];

/// Bytes needed to recognise a type.
pub const SNIFF_BYTES: usize = 8192;

/// The kind the client declared (from its `Content-Type`), or a clear refusal.
pub fn declared_kind(declared: &str) -> Result<MediaKind, ApiError> {
    let mime = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    MediaKind::of(&mime)
        .ok_or_else(|| ApiError::UnsupportedMediaTypeOf(format!("{mime:?} is not an image, audio or video type")))
}

/// The real type of the content, which must be allowed and of the declared kind.
pub fn check_content(declared: MediaKind, head: &[u8]) -> Result<&'static str, ApiError> {
    let found = infer::get(head).map(|t| t.mime_type()).or_else(|| matroska_doc_type(head));
    let Some(mime) = found.filter(|m| ALLOWED.contains(m)) else {
        return Err(ApiError::UnsupportedMediaTypeOf(format!(
            "the content is {}, not an image, audio or video type this server keeps",
            found.unwrap_or("unrecognised")
        )));
    };
    // An MP4 container holding only sound is announced as audio by careful clients.
    let kind = if mime == "video/mp4" && declared == MediaKind::Audio {
        MediaKind::Audio
    } else {
        MediaKind::of(mime).unwrap_or(MediaKind::Video)
    };
    if kind != declared {
        return Err(ApiError::UnsupportedMediaTypeOf(format!("declared as {declared:?} but the content is {mime}")));
    }
    Ok(if kind == MediaKind::Audio && mime == "video/mp4" { "audio/mp4" } else { mime })
}

/// WebM and Matroska by their EBML header's DocType, however its size is written: GStreamer
/// writes "webm" with a trailing NUL (size 5), which `infer` does not recognise.
fn matroska_doc_type(head: &[u8]) -> Option<&'static str> {
    const EBML: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];
    const DOC_TYPE: [u8; 2] = [0x42, 0x82];
    if !head.starts_with(&EBML) {
        return None;
    }
    let window = &head[..head.len().min(256)];
    let at = window.windows(2).position(|w| w == DOC_TYPE)? + 2;
    // A one-byte EBML size (0x80 | n) is what every writer uses for a DocType.
    let size = usize::from(*window.get(at)? & 0x7F);
    let name = window.get(at + 1..at + 1 + size)?;
    match name.split(|b| *b == 0).next()? {
        b"webm" => Some("video/webm"),
        b"matroska" => Some("video/x-matroska"),
        _ => None,
    }
}

const JPEG_COM: u8 = 0xFE;
const JPEG_APP1: u8 = 0xE1;
const JPEG_APP13: u8 = 0xED;

/// The image without EXIF, XMP, IPTC or text comments; other types unchanged. Pixels are
/// not re-encoded.
pub fn strip_metadata(mime: &str, bytes: Vec<u8>) -> Result<Vec<u8>, ApiError> {
    let unreadable = |e: img_parts::Error| ApiError::Validation(format!("the image is damaged: {e}"));
    let bytes = Bytes::from(bytes);
    Ok(match mime {
        "image/jpeg" => {
            let mut image = img_parts::jpeg::Jpeg::from_bytes(bytes).map_err(unreadable)?;
            image.set_exif(None);
            image.segments_mut().retain(|segment| {
                let marker = segment.marker();
                // APP1 holds EXIF (removed above) or XMP; APP13 holds IPTC.
                marker != JPEG_COM && marker != JPEG_APP1 && marker != JPEG_APP13
            });
            image.encoder().bytes().to_vec()
        }
        "image/png" => {
            let mut image = img_parts::png::Png::from_bytes(bytes).map_err(unreadable)?;
            image.set_exif(None);
            for kind in [*b"tEXt", *b"iTXt", *b"zTXt", *b"eXIf", *b"tIME"] {
                image.remove_chunks_by_type(kind);
            }
            image.encoder().bytes().to_vec()
        }
        "image/webp" => {
            let mut image = img_parts::webp::WebP::from_bytes(bytes).map_err(unreadable)?;
            image.set_exif(None);
            image.remove_chunks_by_id(*b"XMP ");
            image.encoder().bytes().to_vec()
        }
        _ => bytes.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 JPEG with an EXIF segment carrying a GPS-like marker string, and a comment.
    pub fn jpeg_with_exif() -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        let exif = b"Exif\0\0MM\0*GPS-SECRET-48.8584N";
        out.extend_from_slice(&[0xFF, JPEG_APP1]);
        out.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(exif);
        let comment = b"taken at home";
        out.extend_from_slice(&[0xFF, JPEG_COM]);
        out.extend_from_slice(&u16::try_from(comment.len() + 2).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(comment);
        out.extend_from_slice(TINY_JPEG_BODY);
        out
    }

    /// Quantisation, frame, Huffman and scan segments of a valid 1×1 grey JPEG, and its end.
    const TINY_JPEG_BODY: &[u8] = &[
        0xFF, 0xDB, 0x00, 0x43, 0x00, 8, 6, 6, 7, 6, 5, 8, 7, 7, 7, 9, 9, 8, 10, 12, 20, 13, 12, 11, 11, 12, 25, 18,
        19, 15, 20, 29, 26, 31, 30, 29, 26, 28, 28, 32, 36, 46, 39, 32, 34, 44, 35, 28, 28, 40, 55, 41, 44, 48, 49, 52,
        52, 52, 31, 39, 57, 61, 56, 50, 60, 46, 51, 52, 50, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01,
        0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0xFF,
        0xC4, 0x00, 0x14, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01,
        0x01, 0x00, 0x00, 0x3F, 0x00, 0x37, 0xFF, 0xD9,
    ];

    #[test]
    fn webm_is_known_however_its_header_names_it() {
        // The start of a WebM written by GStreamer's webmmux: DocType "webm\0".
        let mut gstreamer = vec![0x1A, 0x45, 0xDF, 0xA3, 0x01, 0, 0, 0, 0, 0, 0, 0x10, 0x42, 0x82, 0x85];
        gstreamer.extend_from_slice(b"webm\0");
        gstreamer.resize(300, 0);
        assert_eq!(check_content(MediaKind::Video, &gstreamer).ok(), Some("video/webm"));
        let mut mkv = vec![0x1A, 0x45, 0xDF, 0xA3, 0x01, 0, 0, 0, 0, 0, 0, 0x10, 0x42, 0x82, 0x88];
        mkv.extend_from_slice(b"matroska");
        mkv.resize(300, 0);
        assert_eq!(check_content(MediaKind::Video, &mkv).ok(), Some("video/x-matroska"));
        let mut other = vec![0x1A, 0x45, 0xDF, 0xA3, 0x01, 0, 0, 0, 0, 0, 0, 0x10, 0x42, 0x82, 0x84];
        other.extend_from_slice(b"evil");
        other.resize(300, 0);
        assert!(check_content(MediaKind::Video, &other).is_err(), "another EBML document is not a video");
        assert!(check_content(MediaKind::Audio, &gstreamer).is_err(), "a video declared as sound is refused");
    }

    #[test]
    fn exif_and_comments_are_stripped_and_the_rest_kept() {
        let original = jpeg_with_exif();
        assert_eq!(check_content(MediaKind::Image, &original).ok(), Some("image/jpeg"));
        let stripped = strip_metadata("image/jpeg", original.clone()).expect("strip");
        let text = String::from_utf8_lossy(&stripped);
        assert!(!text.contains("GPS-SECRET") && !text.contains("taken at home"), "{stripped:?}");
        assert!(stripped.ends_with(TINY_JPEG_BODY), "pixels untouched");
        assert_eq!(check_content(MediaKind::Image, &stripped).ok(), Some("image/jpeg"));
    }

    #[test]
    fn declared_types_must_match_the_content() {
        let jpeg = jpeg_with_exif();
        assert!(check_content(MediaKind::Audio, &jpeg).is_err());
        assert!(check_content(MediaKind::Image, b"#!/bin/sh\nrm -rf /\n").is_err());
        assert!(declared_kind("application/x-sh").is_err());
        assert_eq!(declared_kind("image/PNG; charset=x").ok(), Some(MediaKind::Image));
    }
}
