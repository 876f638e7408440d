//! Reader texts: writing them (teachers), the student's place, bookmarks and highlights,
//! cards made from a passage, and each student's progress (teachers).

use tallschool_contract::reader::{MarkKind, Place, Position, ReaderView, Span};
use tallschool_contract::reports::ReadingRow;
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::schema;
use tallschool_shared::{ClassId, DocId};

use crate::error::{ClientError, Result};
use crate::reading::{self, NewMark};
use crate::store::Store;
use crate::{Core, content, reports};

pub struct ReaderService<'a> {
    pub(crate) core: &'a Core,
}

fn body_of(store: &mut Store, text: DocId) -> Result<String> {
    super::must_exist(store.read(text, |_, d| schema::body(d))?, text)
}

impl ReaderService<'_> {
    /// A new text in `class`.
    pub fn create(&self, class: ClassId, title: &str) -> Result<DocId> {
        let meta = self.core.with_store(|store| content::create(store, DocKind::Text, class, title))?;
        self.core.changed(&[meta.id]);
        Ok(meta.id)
    }

    /// Add words at the end of a text.
    pub fn append(&self, text: DocId, words: &str) -> Result<()> {
        self.core.with_store(|store| content::append_text(store, text, words))?;
        self.core.changed(&[text]);
        Ok(())
    }

    /// Replace the body with `markdown`; only the changed part is edited, so readers' places
    /// and highlights elsewhere stay where they were.
    pub fn set_body(&self, text: DocId, markdown: &str) -> Result<()> {
        self.core.with_store(|store| reading::set_body(store, text, markdown))?;
        self.core.changed(&[text]);
        Ok(())
    }

    /// The text's outline, the student's place, bookmarks and highlights.
    pub fn view(&self, text: DocId) -> Result<ReaderView> {
        let user = self.core.user()?.id;
        reading::view(&mut self.core.store(), user, text)
    }

    /// The body (Markdown).
    pub fn body(&self, text: DocId) -> Result<String> {
        body_of(&mut self.core.store(), text)
    }

    /// Save where the student is.
    pub fn set_position(&self, text: DocId, place: &Place) -> Result<Position> {
        let user = self.core.user()?.id;
        let position = self.core.with_store(|store| {
            let body = body_of(store, text)?;
            let total = body.chars().count() as f64;
            let offset = match place {
                Place::Offset(at) => *at,
                Place::Percent(p) if (0.0..=100.0).contains(p) => (total * p / 100.0).round() as u64,
                Place::Percent(_) => return Err(ClientError::invalid("percent", "a percentage is 0 to 100")),
                Place::Find(words) => super::find_words(&body, words)?.0,
            };
            let percent = reading::set_position(store, user, text, offset)?;
            Ok(Position { offset, percent })
        })?;
        self.progress_changed(text)?;
        Ok(position)
    }

    /// A bookmark at `offset`; returns its id.
    pub fn bookmark(&self, text: DocId, offset: u64, note: &str) -> Result<String> {
        let user = self.core.user()?.id;
        let mark = NewMark { kind: MarkKind::Bookmark, start: offset, end: offset, note, colour: "" };
        let id = self.core.with_store(|store| reading::add_mark(store, user, text, &mark))?;
        self.progress_changed(text)?;
        Ok(id)
    }

    /// Highlight a stretch of the text; returns the highlight's id.
    pub fn highlight(&self, text: DocId, span: &Span, colour: &str, note: &str) -> Result<String> {
        let user = self.core.user()?.id;
        let id = self.core.with_store(|store| {
            let (start, end) = match span {
                Span::Range { start, end } => (*start, *end),
                Span::Find(words) => super::find_words(&body_of(store, text)?, words)?,
            };
            let mark = NewMark { kind: MarkKind::Highlight, start, end, note, colour };
            reading::add_mark(store, user, text, &mark)
        })?;
        self.progress_changed(text)?;
        Ok(id)
    }

    /// Remove a bookmark or highlight.
    pub fn delete_mark(&self, text: DocId, kind: MarkKind, id: &str) -> Result<()> {
        let user = self.core.user()?.id;
        self.core.with_store(|store| reading::delete_mark(store, user, text, kind, id))?;
        self.progress_changed(text)
    }

    /// A card in the student's own deck from a highlight, or from the first occurrence of
    /// `find`; the back is `back`, else the highlight's note.
    pub fn card_from_text(
        &self,
        text: DocId,
        highlight: Option<&str>,
        find: Option<&str>,
        back: Option<&str>,
    ) -> Result<String> {
        let user = self.core.user()?.id;
        let card = self.core.with_store(|store| {
            let range = match find {
                Some(words) => Some(super::find_words(&body_of(store, text)?, words)?),
                None => None,
            };
            reading::card_from_selection(store, user, text, highlight, range, back)
        })?;
        self.progress_changed(text)?;
        Ok(card)
    }

    /// Each student's progress in a text (teachers).
    pub fn progress(&self, text: DocId) -> Result<Vec<ReadingRow>> {
        reports::reading_report(&self.core.store(), text)
    }

    /// The signed-in student's progress document of `text` changed.
    fn progress_changed(&self, text: DocId) -> Result<()> {
        let user = self.core.user()?.id;
        if let Some(meta) = self.core.store().meta(text)? {
            self.core.changed(&[DocMeta::progress(user, &meta).id]);
        }
        Ok(())
    }
}
