//! Reading positions that survive edits of the text, and the outline of a Markdown text.
//!
//! A position is kept three ways (as KOReader and Hypothesis do): the character offset, the
//! words around it, and the percentage through the text. After the teacher edits the text, the
//! quote is searched for near the old offset; if it is gone, the percentage is used.

use serde::{Deserialize, Serialize};

/// The colours a highlight may have.
pub const HIGHLIGHT_COLOURS: [&str; 5] = ["yellow", "green", "blue", "pink", "orange"];

/// Characters of context kept on each side of an anchor.
const CONTEXT_CHARS: usize = 24;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    /// Characters from the start of the text.
    pub offset: u64,
    /// Up to 24 characters before the position, and after it.
    pub before: String,
    pub after: String,
    /// 0.0 to 100.0.
    pub percent: f64,
}

fn chars(text: &str) -> Vec<char> {
    text.chars().collect()
}

/// The anchor of character offset `offset` in `text` (clamped to its length).
pub fn anchor_at(text: &str, offset: u64) -> Anchor {
    let all = chars(text);
    let at = usize::try_from(offset).unwrap_or(usize::MAX).min(all.len());
    let before: String = all[at.saturating_sub(CONTEXT_CHARS)..at].iter().collect();
    let after: String = all[at..(at + CONTEXT_CHARS).min(all.len())].iter().collect();
    Anchor { offset: at as u64, before, after, percent: percent_of(at, all.len()) }
}

/// Percent through a text of `len` characters at `at` (an empty text counts as read).
pub fn percent_of(at: usize, len: usize) -> f64 {
    if len == 0 { 100.0 } else { (at as f64 * 100.0 / len as f64).clamp(0.0, 100.0) }
}

/// Where `anchor` points in `text` now: the exact context if it is still there (the occurrence
/// nearest the old offset), else the text after or before it, else the percentage.
pub fn resolve(text: &str, anchor: &Anchor) -> u64 {
    let all = chars(text);
    let old = usize::try_from(anchor.offset).unwrap_or(usize::MAX);
    let before = chars(&anchor.before);
    let after = chars(&anchor.after);
    let candidates = |needle: &[char], shift: usize| -> Option<usize> {
        if needle.is_empty() || needle.len() > all.len() {
            return None;
        }
        (0..=all.len() - needle.len())
            .filter(|&i| all[i..i + needle.len()] == *needle)
            .map(|i| i + shift)
            .min_by_key(|&i| i.abs_diff(old))
    };
    let both: Vec<char> = before.iter().chain(&after).copied().collect();
    let found = if before.is_empty() && after.is_empty() {
        None
    } else {
        candidates(&both, before.len()).or_else(|| candidates(&after, 0)).or_else(|| candidates(&before, before.len()))
    };
    let at = found.unwrap_or_else(|| ((anchor.percent.clamp(0.0, 100.0) / 100.0) * all.len() as f64).round() as usize);
    at.min(all.len()) as u64
}

/// Where a highlighted passage is now: the quote itself, nearest its old start.
pub fn resolve_quote(text: &str, start: &Anchor, quote: &str) -> Option<(u64, u64)> {
    let all = chars(text);
    let needle = chars(quote);
    if needle.is_empty() || needle.len() > all.len() {
        return None;
    }
    let near = usize::try_from(resolve(text, start)).unwrap_or(0);
    (0..=all.len() - needle.len())
        .filter(|&i| all[i..i + needle.len()] == *needle)
        .min_by_key(|&i| i.abs_diff(near))
        .map(|i| (i as u64, (i + needle.len()) as u64))
}

/// The characters from `start` to `end`.
pub fn slice(text: &str, start: u64, end: u64) -> String {
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let end = usize::try_from(end).unwrap_or(usize::MAX);
    text.chars().skip(start).take(end.saturating_sub(start)).collect()
}

/// A heading of the text and where its section starts and ends (characters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub level: u8,
    pub title: String,
    pub start: u64,
    pub end: u64,
    /// Percentage of the text read when the section's end is reached.
    pub end_percent: f64,
}

/// The headings of a Markdown text, each with its section's extent.
pub fn outline(text: &str) -> Vec<Section> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let total = text.chars().count();
    let char_at = |byte: usize| text[..byte.min(text.len())].chars().count() as u64;
    let mut sections: Vec<Section> = Vec::new();
    let mut open: Option<(u8, String, usize)> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => open = Some((level as u8, String::new(), range.start)),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, title, _)) = open.as_mut() {
                    title.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title, start)) = open.take() {
                    sections.push(Section { level, title, start: char_at(start), end: 0, end_percent: 0.0 });
                }
            }
            _ => {}
        }
    }
    for i in 0..sections.len() {
        let level = sections[i].level;
        let end = sections[i + 1..].iter().find(|s| s.level <= level).map_or(total as u64, |s| s.start);
        sections[i].end = end;
        sections[i].end_percent = percent_of(usize::try_from(end).unwrap_or(total), total);
    }
    sections
}

/// The section a reading assignment names: by exact title, else case-insensitively by prefix
/// (e.g. "chapter 2" matches "Chapter 2: The river").
pub fn find_section<'a>(sections: &'a [Section], name: &str) -> Option<&'a Section> {
    let wanted = name.trim().to_lowercase();
    sections.iter().find(|s| s.title == name).or_else(|| {
        sections.iter().find(|s| {
            let title = s.title.to_lowercase();
            title == wanted
                || title.strip_prefix(&wanted).is_some_and(|rest| rest.starts_with([':', ' ', '.', '-', '—']))
        })
    })
}

/// Images a Markdown text shows: `![alt](media:<sha256>)` references.
pub fn media_references(text: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    Parser::new(text)
        .filter_map(|event| match event {
            Event::Start(Tag::Image { dest_url, .. }) => {
                dest_url.strip_prefix("media:").filter(|h| crate::cards::is_sha256(h)).map(str::to_owned)
            }
            _ => None,
        })
        .collect()
}

/// One top-level block of a Markdown text (a heading, a paragraph, a list…) as HTML, with the
/// character offset where it starts: the reader shows blocks and knows where the student is
/// from the first block on screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub start: u64,
    pub html: String,
}

/// The text's blocks. Raw HTML in the Markdown is shown as text, never run, and links keep
/// only web and mail addresses: a text cannot script the app that shows it.
pub fn blocks(text: &str) -> Vec<Block> {
    use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};
    let safe = |url: CowStr<'_>| -> CowStr<'static> {
        let lower = url.trim().to_ascii_lowercase();
        let allowed = ["http://", "https://", "mailto:", "media:", "#"].iter().any(|p| lower.starts_with(p));
        if allowed { CowStr::from(url.into_string()) } else { CowStr::from("") }
    };
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let (mut counted_bytes, mut counted_chars) = (0_usize, 0_u64);
    let mut blocks = Vec::new();
    let mut current: Vec<Event<'_>> = Vec::new();
    let (mut depth, mut start) = (0_usize, 0_u64);
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        if depth == 0 {
            // Offsets only grow: count the characters since the last block.
            let at = range.start.min(text.len());
            counted_chars += text.get(counted_bytes..at).map_or(0, |s| s.chars().count() as u64);
            counted_bytes = at.max(counted_bytes);
            start = counted_chars;
        }
        let event = match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Link { link_type, dest_url: safe(dest_url), title, id })
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Image { link_type, dest_url: safe(dest_url), title, id })
            }
            other => other,
        };
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        current.push(event);
        if depth == 0 {
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, current.drain(..));
            blocks.push(Block { start, html });
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_start_where_their_markdown_starts() {
        let text = "# Über\n\nÉté was *warm*.\n\n- one\n- two\n\n## Next";
        let blocks = blocks(text);
        let starts: Vec<u64> = blocks.iter().map(|b| b.start).collect();
        let expected: Vec<u64> = ["# Über", "Été", "- one", "## Next"]
            .iter()
            .map(|m| text[..text.find(m).expect("in the text")].chars().count() as u64)
            .collect();
        assert_eq!(starts, expected);
        assert_eq!(blocks[0].html, "<h1>Über</h1>\n");
        assert!(blocks[1].html.contains("<em>warm</em>"));
        assert!(blocks[2].html.starts_with("<ul>") && blocks[2].html.contains("two"));
    }

    #[test]
    fn a_text_cannot_script_the_reader() {
        let text = "Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n<div onclick=\"x()\">a</div>\n\n\
                    [click](javascript:alert(1)) [ok](https://example.org) ![p](media:abc)";
        let html: String = blocks(text).into_iter().map(|b| b.html).collect();
        assert!(!html.contains("<script") && !html.contains("<img src=x") && !html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "raw HTML is shown as text: {html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.org\"") && html.contains("src=\"media:abc\""), "{html}");
    }

    const TEXT: &str = "# Chapter 1: Home\nThe fox lived by the river.\n\n# Chapter 2: The river\nOne morning the fox \
                        woke early and went down to the water.\n\n![map](media:";

    #[test]
    fn anchors_survive_edits_before_them() {
        let text = "It was a bright cold day in April, and the clocks were striking thirteen.";
        let offset = text.find("clocks").expect("word") as u64;
        let anchor = anchor_at(text, offset);
        assert_eq!(resolve(text, &anchor), offset);
        let edited = format!("Preface added by the teacher.\n\n{text}");
        assert_eq!(resolve(&edited, &anchor), edited.find("clocks").expect("word") as u64);
        // The words around it rewritten: the percentage still lands near the same place.
        let rewritten = "x".repeat(text.len());
        let at = resolve(&rewritten, &anchor);
        assert!(at.abs_diff(offset) <= 1, "{at} vs {offset}");
        assert_eq!(resolve("", &anchor), 0);
    }

    #[test]
    fn highlights_follow_their_quote() {
        let text = "alpha beta gamma delta";
        let start = anchor_at(text, 6);
        assert_eq!(resolve_quote(text, &start, "beta gamma"), Some((6, 16)));
        let edited = "new words first. alpha beta gamma delta";
        let (s, e) = resolve_quote(edited, &start, "beta gamma").expect("found");
        assert_eq!(slice(edited, s, e), "beta gamma");
        assert_eq!(resolve_quote(edited, &start, "omega"), None);
    }

    #[test]
    fn outline_finds_sections_and_chapters() {
        let text = format!("{TEXT}{})\n", "a".repeat(64));
        let sections = outline(&text);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].title, "Chapter 1: Home");
        assert_eq!(sections[0].end, sections[1].start);
        assert_eq!(find_section(&sections, "chapter 2").map(|s| s.title.as_str()), Some("Chapter 2: The river"));
        assert!(find_section(&sections, "chapter 3").is_none());
        assert_eq!(media_references(&text), vec!["a".repeat(64)]);
        assert!((sections[1].end_percent - 100.0).abs() < 1e-9);
    }
}
