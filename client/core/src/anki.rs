//! Reading Anki packages (`.apkg`), both layouts Anki has written:
//!
//! - legacy (genanki, Anki before 2.1.50, "support older versions" exports):
//!   `collection.anki2` or `collection.anki21`, note types and decks as JSON in the `col`
//!   table, a JSON `media` map `{"0": "dog.png"}`, media files stored as they are;
//! - current: a `meta` file (protobuf `PackageMetadata`), `collection.anki21b` compressed with
//!   zstd, note types in the `notetypes`/`fields`/`templates` tables (protobuf configs), a
//!   zstd protobuf `media` list (`MediaEntries`), each media file compressed with zstd; beside
//!   them a stub `collection.anki2` that only tells old Anki versions to update.
//!
//! What the notes become is decided in `tallschool_shared::anki` (no files there).

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek};

use prost::Message as _;
use rusqlite::{Connection, OptionalExtension};
use tallschool_shared::anki::{self, AnkiReport, Converted, Mapping, NoteType};
use tallschool_shared::cards::CardError;

/// A package is refused past this, decompressed (a whole school's collection is far smaller).
const MAX_COLLECTION_BYTES: u64 = 512 << 20;
/// One picture or sound, decompressed.
const MAX_MEDIA_BYTES: u64 = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum AnkiError {
    #[error("this is not an Anki deck (.apkg): {0}")]
    NotAPackage(String),
    #[error("the Anki deck is damaged: {0}")]
    Damaged(String),
    #[error(
        "this Anki deck comes from a newer Anki than TallSchool reads; export it again with “Support older Anki versions” ticked"
    )]
    TooNew,
    #[error("the Anki deck is too large to import (over 512 MB unpacked)")]
    TooLarge,
}

type Result<T> = std::result::Result<T, AnkiError>;

fn damaged(error: impl std::fmt::Display) -> AnkiError {
    AnkiError::Damaged(error.to_string())
}

/// `PackageMetadata` (Anki's `import_export.proto`).
#[derive(Clone, PartialEq, prost::Message)]
struct PackageMetadata {
    /// 1, 2: legacy layouts; 3: the current one.
    #[prost(int32, tag = "1")]
    version: i32,
}

/// `MediaEntries` / `MediaEntry` (Anki's `import_export.proto`).
#[derive(Clone, PartialEq, prost::Message)]
struct MediaEntries {
    #[prost(message, repeated, tag = "1")]
    entries: Vec<MediaEntry>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct MediaEntry {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(uint32, tag = "2")]
    size: u32,
    #[prost(bytes = "vec", tag = "3")]
    sha1: Vec<u8>,
    #[prost(uint32, optional, tag = "255")]
    legacy_zip_filename: Option<u32>,
}

/// `Notetype.Config`: only its kind matters here (0 normal, 1 cloze).
#[derive(Clone, PartialEq, prost::Message)]
struct NotetypeConfig {
    #[prost(int32, tag = "1")]
    kind: i32,
}

/// `Notetype.Template.Config`: the question's format.
#[derive(Clone, PartialEq, prost::Message)]
struct TemplateConfig {
    #[prost(string, tag = "1")]
    q_format: String,
}

/// A note as the package holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub note_type: i64,
    pub fields: Vec<String>,
    pub tags: Vec<String>,
    /// The deck of its first card, by name ("Spanish::Animals").
    pub deck: String,
}

/// An opened package: its notes, their types, and where its media files are.
pub struct Package<R> {
    archive: zip::ZipArchive<R>,
    pub note_types: HashMap<i64, NoteType>,
    pub notes: Vec<Note>,
    /// Media file name → entry in the zip.
    media: HashMap<String, String>,
    /// Media files are zstd-compressed (the current layout).
    zstd_media: bool,
}

impl<R: Read + Seek> Package<R> {
    pub fn open(reader: R) -> Result<Package<R>> {
        let mut archive = zip::ZipArchive::new(reader).map_err(|e| AnkiError::NotAPackage(e.to_string()))?;
        let version = match read_entry(&mut archive, "meta", 1 << 20)? {
            Some(bytes) => PackageMetadata::decode(bytes.as_slice()).map_err(damaged)?.version,
            None if archive.by_name("collection.anki21").is_ok() => 2,
            None => 1,
        };
        let (collection_name, modern) = match version {
            1 => ("collection.anki2", false),
            2 => ("collection.anki21", false),
            3 => ("collection.anki21b", true),
            _ => return Err(AnkiError::TooNew),
        };
        let raw = read_entry(&mut archive, collection_name, MAX_COLLECTION_BYTES)?
            .ok_or_else(|| AnkiError::NotAPackage(format!("no {collection_name} inside")))?;
        let collection = if modern { unzstd(&raw, MAX_COLLECTION_BYTES)? } else { raw };
        let conn = open_collection(collection)?;
        let note_types =
            if has_table(&conn, "notetypes")? { note_types_v18(&conn)? } else { note_types_legacy(&conn)? };
        let decks = if has_table(&conn, "decks")? { decks_v18(&conn)? } else { decks_legacy(&conn)? };
        let notes = notes(&conn, &decks)?;
        let media_list = read_entry(&mut archive, "media", 64 << 20)?.unwrap_or_default();
        let media = if modern { media_v18(&unzstd(&media_list, 64 << 20)?)? } else { media_legacy(&media_list)? };
        Ok(Package { archive, note_types, notes, media, zstd_media: modern })
    }

    /// The bytes of a media file the notes name; `None` when the package lacks it.
    pub fn media(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(entry) = self.media.get(name).cloned() else { return Ok(None) };
        let Some(bytes) = read_entry(&mut self.archive, &entry, MAX_MEDIA_BYTES)? else { return Ok(None) };
        // Current exports compress each file; a file that is not a zstd frame is taken as it is.
        if self.zstd_media && bytes.starts_with(&ZSTD_MAGIC) {
            unzstd(&bytes, MAX_MEDIA_BYTES).map(Some)
        } else {
            Ok(Some(bytes))
        }
    }
}

/// The cards a package's notes become, by Anki deck (in the package's order), and the report
/// of what they are (before any media is uploaded).
pub fn plan<R>(package: &Package<R>) -> (Vec<(String, Vec<Converted>)>, AnkiReport) {
    let mut report = AnkiReport { notes: package.notes.len() as u64, ..AnkiReport::default() };
    let mut decks: Vec<(String, Vec<Converted>)> = Vec::new();
    let mut as_basic: BTreeMap<String, u64> = BTreeMap::new();
    for note in &package.notes {
        let Some(note_type) = package.note_types.get(&note.note_type) else {
            report.skipped.push((anki::note_label(&note.fields), CardError::UnknownType("?".to_owned())));
            continue;
        };
        match anki::convert(note_type, &note.fields, &note.tags) {
            Ok(converted) => {
                if note_type.mapping() == Mapping::AsBasic {
                    *as_basic.entry(note_type.name.clone()).or_default() += 1;
                }
                *report.cards.entry(converted.card.card_type.as_str().to_owned()).or_default() += 1;
                match decks.iter_mut().find(|(name, _)| *name == note.deck) {
                    Some((_, cards)) => cards.push(converted),
                    None => decks.push((note.deck.clone(), vec![converted])),
                }
            }
            Err(problem) => report.skipped.push((anki::note_label(&note.fields), problem)),
        }
    }
    report.as_basic = as_basic.into_iter().collect();
    (decks, report)
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// An entry of the zip, at most `limit` bytes; `None` if there is none.
fn read_entry<R: Read + Seek>(archive: &mut zip::ZipArchive<R>, name: &str, limit: u64) -> Result<Option<Vec<u8>>> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => return Err(damaged(error)),
    };
    if file.size() > limit {
        return Err(AnkiError::TooLarge);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(damaged)?;
    if bytes.len() as u64 > limit {
        return Err(AnkiError::TooLarge);
    }
    Ok(Some(bytes))
}

fn unzstd(bytes: &[u8], limit: u64) -> Result<Vec<u8>> {
    let decoder = ruzstd::decoding::StreamingDecoder::new(bytes).map_err(damaged)?;
    let mut out = Vec::new();
    decoder.take(limit + 1).read_to_end(&mut out).map_err(damaged)?;
    if out.len() as u64 > limit {
        return Err(AnkiError::TooLarge);
    }
    Ok(out)
}

/// The collection's SQLite database, read in memory (never written).
fn open_collection(mut bytes: Vec<u8>) -> Result<Connection> {
    // Anki keeps its collections in WAL mode, which a database in memory cannot be opened in:
    // the header's read and write versions (bytes 18 and 19) go back to rollback journal.
    if bytes.len() > 100 && bytes.starts_with(b"SQLite format 3\0") {
        bytes[18] = 1;
        bytes[19] = 1;
    }
    let mut conn = Connection::open_in_memory().map_err(damaged)?;
    let size = bytes.len();
    conn.deserialize_read_exact(rusqlite::MAIN_DB, bytes.as_slice(), size, true).map_err(damaged)?;
    // A file that is not SQLite fails here, at its first read.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)).map_err(damaged)?;
    Ok(conn)
}

fn has_table(conn: &Connection, name: &str) -> Result<bool> {
    conn.query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
        .map_err(damaged)
}

fn note_types_v18(conn: &Connection) -> Result<HashMap<i64, NoteType>> {
    let mut out = HashMap::new();
    let mut statement = conn.prepare("SELECT id, name, config FROM notetypes").map_err(damaged)?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, Vec<u8>>(2)?)))
        .map_err(damaged)?;
    for row in rows {
        let (id, name, config) = row.map_err(damaged)?;
        let cloze = NotetypeConfig::decode(config.as_slice()).map_err(damaged)?.kind == 1;
        out.insert(id, NoteType { name, cloze, ..NoteType::default() });
    }
    let mut fields = conn.prepare("SELECT ntid, name FROM fields ORDER BY ntid, ord").map_err(damaged)?;
    for row in fields.query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))).map_err(damaged)? {
        let (id, name) = row.map_err(damaged)?;
        if let Some(note_type) = out.get_mut(&id) {
            note_type.fields.push(name);
        }
    }
    let mut templates = conn.prepare("SELECT ntid, config FROM templates ORDER BY ntid, ord").map_err(damaged)?;
    for row in templates.query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))).map_err(damaged)? {
        let (id, config) = row.map_err(damaged)?;
        let question = TemplateConfig::decode(config.as_slice()).map_err(damaged)?.q_format;
        if let Some(note_type) = out.get_mut(&id) {
            note_type.questions.push(question);
        }
    }
    Ok(out)
}

/// The legacy layout's note types: `col.models`, JSON keyed by id.
fn note_types_legacy(conn: &Connection) -> Result<HashMap<i64, NoteType>> {
    #[derive(serde::Deserialize)]
    struct Model {
        name: String,
        #[serde(default, rename = "type")]
        kind: i64,
        #[serde(default)]
        flds: Vec<Named>,
        #[serde(default)]
        tmpls: Vec<Template>,
    }
    #[derive(serde::Deserialize)]
    struct Named {
        name: String,
    }
    #[derive(serde::Deserialize)]
    struct Template {
        #[serde(default)]
        qfmt: String,
    }
    let json: String = conn.query_row("SELECT models FROM col", [], |row| row.get(0)).map_err(damaged)?;
    let models: HashMap<String, Model> = serde_json::from_str(&json).map_err(damaged)?;
    Ok(models
        .into_iter()
        .filter_map(|(id, model)| {
            let note_type = NoteType {
                name: model.name,
                cloze: model.kind == 1,
                fields: model.flds.into_iter().map(|f| f.name).collect(),
                questions: model.tmpls.into_iter().map(|t| t.qfmt).collect(),
            };
            Some((id.parse().ok()?, note_type))
        })
        .collect())
}

fn decks_v18(conn: &Connection) -> Result<HashMap<i64, String>> {
    let mut statement = conn.prepare("SELECT id, name FROM decks").map_err(damaged)?;
    let rows = statement.query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))).map_err(damaged)?;
    rows.collect::<rusqlite::Result<_>>().map_err(damaged)
}

fn decks_legacy(conn: &Connection) -> Result<HashMap<i64, String>> {
    #[derive(serde::Deserialize)]
    struct Deck {
        name: String,
    }
    let json: String = conn.query_row("SELECT decks FROM col", [], |row| row.get(0)).map_err(damaged)?;
    let decks: HashMap<String, Deck> = serde_json::from_str(&json).map_err(damaged)?;
    Ok(decks.into_iter().filter_map(|(id, deck)| Some((id.parse().ok()?, deck.name))).collect())
}

/// Every note in the package's order, with the deck of its first card.
fn notes(conn: &Connection, decks: &HashMap<i64, String>) -> Result<Vec<Note>> {
    let mut deck_of: BTreeMap<i64, i64> = BTreeMap::new();
    let mut cards = conn.prepare("SELECT nid, did FROM cards ORDER BY ord").map_err(damaged)?;
    for row in cards.query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))).map_err(damaged)? {
        let (note, deck) = row.map_err(damaged)?;
        deck_of.entry(note).or_insert(deck);
    }
    let mut statement = conn.prepare("SELECT id, mid, flds, tags FROM notes ORDER BY id").map_err(damaged)?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?))
        })
        .map_err(damaged)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, note_type, fields, tags) = row.map_err(damaged)?;
        let deck = deck_of.get(&id).and_then(|d| decks.get(d)).cloned().unwrap_or_default();
        out.push(Note {
            note_type,
            fields: fields.split('\u{1f}').map(str::to_owned).collect(),
            tags: tags.split_whitespace().map(str::to_owned).collect(),
            deck,
        });
    }
    Ok(out)
}

/// The current layout's media list: the n-th entry is zip entry "n" (unless it says otherwise).
fn media_v18(bytes: &[u8]) -> Result<HashMap<String, String>> {
    let entries = MediaEntries::decode(bytes).map_err(damaged)?;
    Ok(entries
        .entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| (entry.name, entry.legacy_zip_filename.map_or(i.to_string(), |n| n.to_string())))
        .collect())
}

/// The legacy media map: JSON `{"0": "dog.png"}`.
fn media_legacy(bytes: &[u8]) -> Result<HashMap<String, String>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(HashMap::new());
    }
    let map: HashMap<String, String> = serde_json::from_slice(bytes).map_err(damaged)?;
    Ok(map.into_iter().map(|(entry, name)| (name, entry)).collect())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn what_is_not_a_package_is_refused_plainly() {
        let not_zip = Package::open(Cursor::new(b"hello, this is text".to_vec()));
        assert!(matches!(not_zip, Err(AnkiError::NotAPackage(_))));
        // A zip without a collection.
        let mut zip_bytes = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(Cursor::new(&mut zip_bytes));
            writer.start_file("notes.txt", zip::write::SimpleFileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
            std::io::Write::write_all(&mut writer, b"no collection here").unwrap_or_else(|e| panic!("{e}"));
            writer.finish().unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(
            matches!(Package::open(Cursor::new(zip_bytes)), Err(AnkiError::NotAPackage(m)) if m.contains("collection.anki2"))
        );
        // A collection that is not SQLite.
        let mut zip_bytes = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(Cursor::new(&mut zip_bytes));
            writer
                .start_file("collection.anki2", zip::write::SimpleFileOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            std::io::Write::write_all(&mut writer, &[7u8; 4096]).unwrap_or_else(|e| panic!("{e}"));
            writer.finish().unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(matches!(Package::open(Cursor::new(zip_bytes)), Err(AnkiError::Damaged(_))));
    }

    #[test]
    fn a_package_from_a_newer_anki_says_how_to_export_it() {
        let mut zip_bytes = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(Cursor::new(&mut zip_bytes));
            writer.start_file("meta", zip::write::SimpleFileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
            std::io::Write::write_all(&mut writer, &PackageMetadata { version: 9 }.encode_to_vec())
                .unwrap_or_else(|e| panic!("{e}"));
            writer.finish().unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(matches!(Package::open(Cursor::new(zip_bytes)), Err(AnkiError::TooNew)));
    }
}
