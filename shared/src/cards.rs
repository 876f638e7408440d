//! Flashcards: card types, the study items a card yields, cloze deletions, typed answers, and
//! CSV/TSV import and export.
//!
//! A card is a note in Anki's sense: one card of type "reversed" yields two study items
//! (`id` and `id#r`), a cloze card one item per deletion number (`id#c1`, `id#c2`, …). Reviews
//! name items, and a card's edits never touch them, so editing a card keeps every schedule.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub const MAX_FIELD_CHARS: usize = 10_000;
pub const MAX_IMPORT_ROWS: usize = 50_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardType {
    #[default]
    Basic,
    /// Front → back and back → front.
    Reversed,
    /// The student types the back.
    TypeIn,
    /// `{{c1::answer}}` or `{{c1::answer::hint}}` deletions in the front.
    Cloze,
}

impl CardType {
    pub const ALL: [CardType; 4] = [CardType::Basic, CardType::Reversed, CardType::TypeIn, CardType::Cloze];

    pub const fn as_str(self) -> &'static str {
        match self {
            CardType::Basic => "basic",
            CardType::Reversed => "reversed",
            CardType::TypeIn => "type_in",
            CardType::Cloze => "cloze",
        }
    }

    pub fn parse(s: &str) -> Option<CardType> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        match s.as_str() {
            "" => Some(CardType::Basic),
            "typein" | "type" => Some(CardType::TypeIn),
            "reverse" => Some(CardType::Reversed),
            _ => Self::ALL.into_iter().find(|t| t.as_str() == s),
        }
    }
}

/// A card's fields as stored in a deck document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFields {
    pub card_type: CardType,
    pub front: String,
    pub back: String,
    pub example: String,
    pub hint: String,
    pub tags: Vec<String>,
    /// SHA-256 hashes (hex) of images and audio the card shows.
    pub media: Vec<String>,
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", content = "value", rename_all = "snake_case")]
pub enum CardError {
    #[error("the front is empty")]
    EmptyFront,
    #[error("the back is empty")]
    EmptyBack,
    /// The field's name (`front`, `back`, `example`, `hint`).
    #[error("{0} is longer than 10000 characters")]
    TooLong(String),
    #[error("a cloze card needs at least one deletion such as {{{{c1::answer}}}}")]
    ClozeWithoutDeletion,
    #[error("unknown card type {0:?} (basic, reversed, type_in, cloze)")]
    UnknownType(String),
    #[error("media reference {0:?} is not a SHA-256 hash (64 hex digits)")]
    BadMedia(String),
    #[error("tag {0:?} contains whitespace")]
    BadTag(String),
}

impl CardFields {
    pub fn check(&self) -> Result<(), CardError> {
        for (name, value) in
            [("front", &self.front), ("back", &self.back), ("example", &self.example), ("hint", &self.hint)]
        {
            if value.chars().count() > MAX_FIELD_CHARS {
                return Err(CardError::TooLong(name.to_owned()));
            }
        }
        if self.front.trim().is_empty() {
            return Err(CardError::EmptyFront);
        }
        match self.card_type {
            CardType::Cloze if cloze_numbers(&self.front).is_empty() => return Err(CardError::ClozeWithoutDeletion),
            CardType::Cloze => {}
            _ if self.back.trim().is_empty() => return Err(CardError::EmptyBack),
            _ => {}
        }
        if let Some(bad) = self.media.iter().find(|m| !is_sha256(m)) {
            return Err(CardError::BadMedia(bad.clone()));
        }
        if let Some(bad) = self.tags.iter().find(|t| t.is_empty() || t.chars().any(char::is_whitespace)) {
            return Err(CardError::BadTag(bad.clone()));
        }
        Ok(())
    }

    /// The study items this card yields, with what each one asks and expects.
    pub fn items(&self, card_id: &str) -> Vec<StudyItem> {
        let item = |suffix: &str, prompt: &str, answer: &str, typed| StudyItem {
            id: format!("{card_id}{suffix}"),
            card_id: card_id.to_owned(),
            prompt: prompt.to_owned(),
            answer: answer.to_owned(),
            typed,
        };
        match self.card_type {
            CardType::Basic => vec![item("", &self.front, &self.back, false)],
            CardType::TypeIn => vec![item("", &self.front, &self.back, true)],
            CardType::Reversed => {
                vec![item("", &self.front, &self.back, false), item("#r", &self.back, &self.front, false)]
            }
            CardType::Cloze => cloze_numbers(&self.front)
                .into_iter()
                .map(|n| {
                    let (prompt, answer) = render_cloze(&self.front, n);
                    item(&format!("#c{n}"), &prompt, &answer, false)
                })
                .collect(),
        }
    }
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One thing a student is asked: a card seen from one side, or one cloze deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyItem {
    pub id: String,
    pub card_id: String,
    pub prompt: String,
    pub answer: String,
    /// Whether the student types the answer.
    pub typed: bool,
}

/// The item id's card: `abc#r` → `abc`.
pub fn card_of(item: &str) -> &str {
    item.split_once('#').map_or(item, |(card, _)| card)
}

struct Deletion<'a> {
    start: usize,
    end: usize,
    number: u32,
    answer: &'a str,
    hint: Option<&'a str>,
}

fn deletions(text: &str) -> Vec<Deletion<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{c").map(|i| i + from) {
        let Some(close) = text[open..].find("}}").map(|i| i + open) else { break };
        let inner = &text[open + 3..close];
        if let Some((number, rest)) = inner.split_once("::")
            && let Ok(number) = number.parse::<u32>()
            && number > 0
            && !rest.is_empty()
        {
            let (answer, hint) = match rest.split_once("::") {
                Some((answer, hint)) => (answer, Some(hint)),
                None => (rest, None),
            };
            found.push(Deletion { start: open, end: close + 2, number, answer, hint });
        }
        from = close + 2;
    }
    found
}

pub fn cloze_numbers(text: &str) -> BTreeSet<u32> {
    deletions(text).into_iter().map(|d| d.number).collect()
}

/// The prompt (deletion `n` hidden, the others shown) and the answer of one cloze item.
pub fn render_cloze(text: &str, n: u32) -> (String, String) {
    let mut prompt = String::new();
    let mut answers = Vec::new();
    let mut at = 0;
    for d in deletions(text) {
        prompt.push_str(&text[at..d.start]);
        if d.number == n {
            prompt.push_str(&format!("[{}]", d.hint.unwrap_or("…")));
            answers.push(d.answer);
        } else {
            prompt.push_str(d.answer);
        }
        at = d.end;
    }
    prompt.push_str(&text[at..]);
    (prompt, answers.join(", "))
}

/// Whether a typed answer matches, ignoring case, surrounding and repeated whitespace.
pub fn typed_matches(expected: &str, typed: &str) -> bool {
    let normal = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    normal(expected) == normal(typed)
}

/// The outcome of importing a CSV or TSV file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub cards: Vec<CardFields>,
    /// `(line, reason)` of every row left out.
    pub rejected: Vec<(u64, RowProblem)>,
}

/// Why a row of an imported file was left out: typed, so that each front end words it in
/// its own language.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum RowProblem {
    /// The CSV reader's own description.
    #[error("unreadable row: {0}")]
    Unreadable(String),
    #[error("{found} fields, the header has {expected}")]
    TooManyFields { found: u64, expected: u64 },
    #[error("{0}")]
    Card(CardError),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("the file has no header row with a `front` column")]
    NoHeader,
    #[error("unknown column {0:?} (known: front, back, type, example, hint, tags, media)")]
    UnknownColumn(String),
    #[error("the file is not valid CSV/TSV: {0}")]
    Malformed(String),
    #[error("more than 50000 rows")]
    TooManyRows,
}

const COLUMNS: [&str; 7] = ["front", "back", "type", "example", "hint", "tags", "media"];

/// Parse a deck file. The delimiter is a tab when the header has one, else a comma. The
/// header names the columns (any order, `front` required); bad rows are reported, not fatal.
pub fn import(text: &str) -> Result<ImportReport, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().next().ok_or(ImportError::NoHeader)?;
    let delimiter = if header_line.contains('\t') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| ImportError::Malformed(e.to_string()))?.clone();
    let mut positions = [None; COLUMNS.len()];
    for (i, name) in headers.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        let column = COLUMNS.iter().position(|c| *c == name).ok_or(ImportError::UnknownColumn(name))?;
        positions[column] = Some(i);
    }
    if positions[0].is_none() {
        return Err(ImportError::NoHeader);
    }
    let mut report = ImportReport::default();
    for (row_number, record) in reader.records().enumerate() {
        if row_number >= MAX_IMPORT_ROWS {
            return Err(ImportError::TooManyRows);
        }
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(row_number as u64 + 2, csv::Position::line);
                report.rejected.push((line, RowProblem::Unreadable(error.to_string())));
                continue;
            }
        };
        let line = record.position().map_or(row_number as u64 + 2, csv::Position::line);
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        if record.len() > headers.len() {
            let (found, expected) = (record.len() as u64, headers.len() as u64);
            report.rejected.push((line, RowProblem::TooManyFields { found, expected }));
            continue;
        }
        let field = |column: usize| positions[column].and_then(|i| record.get(i)).unwrap_or("").trim().to_owned();
        let Some(card_type) = CardType::parse(&field(2)) else {
            report.rejected.push((line, RowProblem::Card(CardError::UnknownType(field(2)))));
            continue;
        };
        let card = CardFields {
            card_type,
            front: field(0),
            back: field(1),
            example: field(3),
            hint: field(4),
            tags: field(5).split_whitespace().map(str::to_owned).collect(),
            media: field(6).split_whitespace().map(str::to_owned).collect(),
        };
        match card.check() {
            Ok(()) => report.cards.push(card),
            Err(error) => report.rejected.push((line, RowProblem::Card(error))),
        }
    }
    Ok(report)
}

/// A deck as CSV with a header, readable by [`import`] (and by spreadsheets).
pub fn export<'a>(cards: impl IntoIterator<Item = &'a CardFields>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<Vec<String>> = vec![COLUMNS.iter().map(|c| (*c).to_owned()).collect()];
    for card in cards {
        rows.push(vec![
            card.front.clone(),
            card.back.clone(),
            card.card_type.as_str().to_owned(),
            card.example.clone(),
            card.hint.clone(),
            card.tags.join(" "),
            card.media.join(" "),
        ]);
    }
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(&row);
    }
    writer.into_inner().map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(front: &str, back: &str) -> CardFields {
        CardFields { front: front.into(), back: back.into(), ..CardFields::default() }
    }

    #[test]
    fn card_types_yield_their_items() {
        assert_eq!(basic("a", "b").items("x").len(), 1);
        let reversed = CardFields { card_type: CardType::Reversed, ..basic("dog", "Hund") };
        let items = reversed.items("x");
        assert_eq!((items[1].id.as_str(), items[1].prompt.as_str(), items[1].answer.as_str()), ("x#r", "Hund", "dog"));
        let cloze = CardFields {
            card_type: CardType::Cloze,
            ..basic("{{c1::Paris}} is the capital of {{c2::France::country}}", "")
        };
        let items = cloze.items("k");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].prompt, "[…] is the capital of France");
        assert_eq!(items[1].prompt, "Paris is the capital of [country]");
        assert_eq!(items[1].answer, "France");
        assert_eq!(card_of("k#c2"), "k");
        assert!(typed_matches("la  Maison", " LA maison "));
        assert!(!typed_matches("maison", "maisons"));
    }

    #[test]
    fn bad_cards_are_refused() {
        let no_deletion = CardFields { card_type: CardType::Cloze, ..basic("no deletion here {{c1::}}", "") };
        assert_eq!(no_deletion.check(), Err(CardError::ClozeWithoutDeletion));
        assert_eq!(basic(" ", "b").check(), Err(CardError::EmptyFront));
        assert_eq!(basic("a", "").check(), Err(CardError::EmptyBack));
        assert_eq!(basic(&"x".repeat(10_001), "b").check(), Err(CardError::TooLong("front".to_owned())));
        let media = CardFields { media: vec!["../../etc/passwd".into()], ..basic("a", "b") };
        assert!(matches!(media.check(), Err(CardError::BadMedia(_))));
    }

    #[test]
    fn import_reports_rejected_rows_and_round_trips_export() {
        let file = "front,back,type,tags\nhello,hallo,,greeting\n,missing front,,\nx,y,wobbly,\n\
                    \"{{c1::Bonn}} was a capital\",,cloze,\nno deletion,,cloze,\na,b,basic,,extra\n";
        let report = import(file).expect("import");
        assert_eq!(report.cards.len(), 2, "{report:?}");
        let lines: Vec<u64> = report.rejected.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![3, 4, 6, 7], "{report:?}");
        assert_eq!(report.rejected[2].1, RowProblem::Card(CardError::ClozeWithoutDeletion));
        let again = import(&export(&report.cards)).expect("import");
        assert_eq!(again.cards, report.cards);
        assert!(again.rejected.is_empty());
        let tsv = import("front\tback\nun\tone\n").expect("tsv");
        assert_eq!(tsv.cards[0].back, "one");
    }

    #[test]
    fn malformed_files_give_clear_errors() {
        assert_eq!(import(""), Err(ImportError::NoHeader));
        assert_eq!(import("back\nx\n"), Err(ImportError::NoHeader));
        assert!(matches!(import("front,colour\na,b\n"), Err(ImportError::UnknownColumn(c)) if c == "colour"));
        let report = import("front,back\n\"unclosed,quote\n").expect("import");
        assert!(report.cards.is_empty());
        for garbage in ["\u{0}\u{1}\u{2}", "front\n\u{feff}\u{0}", "\"", "front,back\n\"\"\"\n"] {
            let _ = import(garbage);
        }
    }
}
