//! Anki notes as TallSchool cards, without any file: which note types become which card types,
//! a field's HTML as the plain text cards hold, and the pictures and sounds a note shows.
//! Reading `.apkg` packages (zip, SQLite, zstd, protobuf) is the engine's part
//! (`client/core/src/anki.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::DocId;
use crate::cards::{CardError, CardFields, CardType};

/// An Anki note type, as a package describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoteType {
    pub name: String,
    pub cloze: bool,
    pub fields: Vec<String>,
    /// Each card template's question format (`{{Front}}`, `{{type:Back}}`…).
    pub questions: Vec<String>,
}

/// What an Anki note type becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// A card type of ours that asks the same as the note type does.
    Same(CardType),
    /// A note type we have no equal of: its first field is the front, the second the back,
    /// the others the example (and the report says so).
    AsBasic,
}

impl NoteType {
    /// Anki's stock types are recognised by what they do, not by name (people rename them):
    /// cloze; one template typing the answer; one template on two fields; two templates
    /// (front→back and back→front) on two fields, or three with "add reverse".
    pub fn mapping(&self) -> Mapping {
        let typed = self.questions.iter().any(|q| q.contains("{{type:"));
        match (self.cloze, self.questions.len(), self.fields.len()) {
            (true, _, 1..) => Mapping::Same(CardType::Cloze),
            (false, 1, 2) if typed => Mapping::Same(CardType::TypeIn),
            (false, 1, 2) => Mapping::Same(CardType::Basic),
            (false, 2, 2 | 3) if !typed => Mapping::Same(CardType::Reversed),
            _ => Mapping::AsBasic,
        }
    }
}

/// A note's card, and the names of the files it shows (as the package names them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    pub card: CardFields,
    pub media: Vec<String>,
}

/// The card a note of `note_type` becomes: its fields' HTML as text, its pictures and sounds
/// named, its tags kept. The card is checked as any card is (an empty back is refused).
pub fn convert(note_type: &NoteType, fields: &[String], tags: &[String]) -> Result<Converted, CardError> {
    let mut media = Vec::new();
    let mut texts: Vec<String> = fields.iter().map(|f| field_text(f, &mut media)).collect();
    texts.resize(note_type.fields.len().max(2), String::new());
    let card_type = match note_type.mapping() {
        Mapping::Same(card_type) => card_type,
        Mapping::AsBasic => CardType::Basic,
    };
    let (front, back, example) = match (card_type, note_type.mapping()) {
        // Cloze: the text with its deletions, and "Back Extra" shown with the answer.
        (CardType::Cloze, _) => (texts[0].clone(), String::new(), texts[1..].join("\n").trim().to_owned()),
        (_, Mapping::AsBasic) => {
            let rest: Vec<&str> = texts[2..].iter().map(String::as_str).filter(|t| !t.is_empty()).collect();
            (texts[0].clone(), texts[1].clone(), rest.join("\n"))
        }
        _ => (texts[0].clone(), texts[1].clone(), String::new()),
    };
    let mut seen = std::collections::BTreeSet::new();
    media.retain(|name| seen.insert(name.clone()));
    let card = CardFields {
        card_type,
        front,
        back,
        example,
        hint: String::new(),
        tags: tags.iter().filter(|t| !t.is_empty()).cloned().collect(),
        media: Vec::new(),
    };
    card.check()?;
    Ok(Converted { card, media })
}

/// A field's HTML as plain text; the pictures (`<img src>`) and sounds (`[sound:…]`) it shows
/// are added to `media` and left out of the text.
pub fn field_text(html: &str, media: &mut Vec<String>) -> String {
    let mut text = String::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[sound:")
            && let Some(end) = after.find(']')
        {
            media.push(decode_entities(&after[..end]));
            rest = &after[end + 1..];
        } else if rest.starts_with('<')
            && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!')
        {
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            let tag = &rest[..end];
            let name = tag_name(tag);
            match name.as_str() {
                "br" | "div" | "/div" | "p" | "/p" | "li" | "/li" | "hr" | "tr" | "/tr" => text.push('\n'),
                "img" => {
                    if let Some(src) = attribute(tag, "src") {
                        media.push(decode_entities(&src));
                    }
                }
                "style" | "script" => {
                    // Their content is not text anyone reads.
                    let close = format!("</{name}");
                    let skip = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
                    rest = &rest[skip..];
                    let end = rest.find('>').map_or(rest.len(), |i| i + 1);
                    rest = &rest[end..];
                    continue;
                }
                _ => {}
            }
            rest = &rest[end..];
        } else {
            // Up to the next tag or sound; a `<` or `[` that starts neither is text.
            let skip = rest.chars().next().map_or(0, |c| if c == '<' || c == '[' { c.len_utf8() } else { 0 });
            let end = rest[skip..].find(['<', '[']).map_or(rest.len(), |i| i + skip);
            text.push_str(&decode_entities(&rest[..end]));
            rest = &rest[end..];
        }
    }
    tidy(&text)
}

/// `<IMG src=…>` → `img`, `</div>` → `/div`.
fn tag_name(tag: &str) -> String {
    tag.trim_start_matches('<')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// An attribute's value, quoted with `"` or `'` or not at all.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(name).map(|i| i + from) {
        from = found + name.len();
        let before_ok = found > 0 && lower.as_bytes()[found - 1].is_ascii_whitespace();
        let after = tag[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value = after[1..].trim_start();
        return Some(match value.chars().next() {
            Some(quote @ ('"' | '\'')) => value[1..].split(quote).next().unwrap_or_default().to_owned(),
            _ => value.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or_default().to_owned(),
        });
    }
    None
}

fn decode_entities(text: &str) -> String {
    html_escape::decode_html_entities(text).replace('\u{a0}', " ")
}

/// Spaces collapsed within lines, lines trimmed, at most one empty line in a row.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        out.push_str(&line);
        blank = 0;
    }
    out
}

/// An Anki deck's name ("Spanish::Animals", or with Anki's newer separator) as a deck of ours:
/// its own name is the title, the top of its path the theme.
pub fn deck_title_and_theme(name: &str) -> (String, String) {
    let parts: Vec<&str> =
        name.split(['\u{1f}']).flat_map(|p| p.split("::")).map(str::trim).filter(|p| !p.is_empty()).collect();
    let title = parts.last().copied().unwrap_or("Anki").to_owned();
    let theme = parts.first().copied().unwrap_or("").to_owned();
    (title, theme)
}

/// What an import did, for the teacher.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnkiReport {
    /// The decks written: new ones (one per Anki deck) or the one chosen.
    pub decks: Vec<ImportedDeck>,
    /// Notes in the package.
    pub notes: u64,
    /// Cards made, per card type.
    pub cards: BTreeMap<String, u64>,
    /// Note types we have no equal of, imported as basic cards: name and notes.
    pub as_basic: Vec<(String, u64)>,
    /// Notes left out: their first field (shortened) and why.
    pub skipped: Vec<(String, CardError)>,
    pub media_uploaded: u64,
    /// Pictures and sounds notes name that the package does not hold.
    pub media_missing: Vec<String>,
    /// Files the server would not take: name and why.
    pub media_refused: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportedDeck {
    pub deck: DocId,
    pub title: String,
    pub cards: u64,
}

impl AnkiReport {
    pub fn cards_total(&self) -> u64 {
        self.cards.values().sum()
    }
}

/// A note's first words, to name it in a report.
pub fn note_label(fields: &[String]) -> String {
    let text = fields.first().map(|f| field_text(f, &mut Vec::new())).unwrap_or_default();
    if text.chars().count() <= 40 { text } else { format!("{}…", text.chars().take(39).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note_type(name: &str, cloze: bool, fields: &[&str], questions: &[&str]) -> NoteType {
        NoteType {
            name: name.to_owned(),
            cloze,
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            questions: questions.iter().map(|q| (*q).to_owned()).collect(),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn stock_note_types_are_known_by_what_they_do() {
        let front_back = ["Front", "Back"];
        assert_eq!(note_type("Basic", false, &front_back, &["{{Front}}"]).mapping(), Mapping::Same(CardType::Basic));
        assert_eq!(
            note_type("Einfach (umgekehrt)", false, &front_back, &["{{Front}}", "{{Back}}"]).mapping(),
            Mapping::Same(CardType::Reversed),
            "renamed or translated, it is still the reversed type"
        );
        assert_eq!(
            note_type(
                "Basic (optional reversed card)",
                false,
                &["Front", "Back", "Add Reverse"],
                &["{{Front}}", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}"]
            )
            .mapping(),
            Mapping::Same(CardType::Reversed)
        );
        assert_eq!(
            note_type("Basic (type in the answer)", false, &front_back, &["{{Front}}\n{{type:Back}}"]).mapping(),
            Mapping::Same(CardType::TypeIn)
        );
        assert_eq!(
            note_type("Cloze", true, &["Text", "Back Extra"], &["{{cloze:Text}}"]).mapping(),
            Mapping::Same(CardType::Cloze)
        );
        assert_eq!(
            note_type("Vocabulary", false, &["Word", "Meaning", "Example"], &["{{Word}}"]).mapping(),
            Mapping::AsBasic
        );
        assert_eq!(note_type("Image Occlusion", false, &["Image"], &["{{Image}}"]).mapping(), Mapping::AsBasic);
    }

    #[test]
    fn html_becomes_text_and_names_its_media() {
        let mut media = Vec::new();
        let text = field_text(
            "<div><b>perro</b>&nbsp;&amp; <i>can</i></div><div><img src=\"dog&amp;cat.png\"></div>[sound:bark.mp3]",
            &mut media,
        );
        assert_eq!(text, "perro & can");
        assert_eq!(media, ["dog&cat.png", "bark.mp3"]);
        let mut media = Vec::new();
        assert_eq!(field_text("line one<br>line two<br/><br>", &mut media), "line one\nline two");
        assert_eq!(field_text("<style>.x { color: red }</style>shown <IMG SRC='a.jpg' alt=x>", &mut media), "shown");
        assert_eq!(media, ["a.jpg"]);
        assert_eq!(field_text("1 < 2 and [not a sound", &mut Vec::new()), "1 < 2 and [not a sound");
        assert_eq!(field_text("fácil — ünïcode", &mut Vec::new()), "fácil — ünïcode");
    }

    #[test]
    fn notes_become_cards_of_their_type() {
        let basic = note_type("Basic", false, &["Front", "Back"], &["{{Front}}"]);
        let card = convert(&basic, &strings(&["dog", "perro <img src=\"dog.png\">"]), &strings(&["animals"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((card.card.front.as_str(), card.card.back.as_str()), ("dog", "perro"));
        assert_eq!(card.media, ["dog.png"]);
        assert_eq!(card.card.tags, ["animals"]);
        assert_eq!(convert(&basic, &strings(&["fish", ""]), &[]), Err(CardError::EmptyBack));

        let cloze = note_type("Cloze", true, &["Text", "Back Extra"], &["{{cloze:Text}}"]);
        let card = convert(&cloze, &strings(&["The {{c1::<b>whale</b>}} is big", "It lives in the sea"]), &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(card.card.card_type, CardType::Cloze);
        assert_eq!(card.card.front, "The {{c1::whale}} is big");
        assert_eq!(card.card.example, "It lives in the sea");

        let vocabulary = note_type("Vocabulary", false, &["Word", "Meaning", "Example"], &["{{Word}}"]);
        let card = convert(&vocabulary, &strings(&["mouse", "ratón", "The mouse eats cheese"]), &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (card.card.card_type, card.card.back.as_str(), card.card.example.as_str()),
            (CardType::Basic, "ratón", "The mouse eats cheese")
        );
        // A note with fewer fields than its type (a damaged package) is still read.
        assert_eq!(convert(&basic, &strings(&["lonely"]), &[]), Err(CardError::EmptyBack));
    }

    #[test]
    fn deck_paths_become_title_and_theme() {
        assert_eq!(deck_title_and_theme("Spanish::Animals"), ("Animals".to_owned(), "Spanish".to_owned()));
        assert_eq!(deck_title_and_theme("Spanish\u{1f}Food\u{1f}Fruit"), ("Fruit".to_owned(), "Spanish".to_owned()));
        assert_eq!(deck_title_and_theme("Default"), ("Default".to_owned(), "Default".to_owned()));
    }
}
