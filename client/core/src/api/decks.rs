//! Decks and cards (teachers write them; everyone with the deck reads them), and the deck
//! report.

use std::collections::{BTreeMap, BTreeSet};

use tallschool_contract::Event;
use tallschool_contract::reports::DeckReport;
use tallschool_contract::request::CardPatch;
use tallschool_shared::anki::{AnkiReport, ImportedDeck};
use tallschool_shared::cards::{CardFields, ImportReport};
use tallschool_shared::docs::DocKind;
use tallschool_shared::schema::{self, StoredCard};
use tallschool_shared::{ClassId, DocId};

use crate::anki::{self, AnkiError, Package};
use crate::error::{ClientError, Result};
use crate::{Core, content, reports};

pub struct DeckService<'a> {
    pub(crate) core: &'a Core,
}

impl DeckService<'_> {
    /// A new deck in `class`.
    pub fn create(&self, class: ClassId, title: &str, theme: Option<&str>) -> Result<DocId> {
        let id = self.core.with_store(|store| {
            let meta = content::create(store, DocKind::Deck, class, title)?;
            if let Some(theme) = theme {
                content::set_theme(store, meta.id, theme)?;
            }
            Ok(meta.id)
        })?;
        self.core.changed(&[id]);
        Ok(id)
    }

    /// Add a card (`card: None`) or change the fields `patch` sets; returns the card's id.
    pub fn put_card(&self, deck: DocId, card: Option<&str>, patch: &CardPatch) -> Result<String> {
        let id = self.core.with_store(|store| content::put_card(store, deck, card, patch))?;
        self.edited(deck);
        Ok(id)
    }

    /// Hide a card; students' history of it stays.
    pub fn delete_card(&self, deck: DocId, card: &str) -> Result<()> {
        self.core.with_store(|store| content::delete_card(store, deck, card))?;
        self.edited(deck);
        Ok(())
    }

    /// Retitle a deck, text or video test.
    pub fn set_title(&self, doc: DocId, title: &str) -> Result<()> {
        self.core.with_store(|store| content::set_title(store, doc, title))?;
        self.core.changed(&[doc]);
        Ok(())
    }

    pub fn set_theme(&self, deck: DocId, theme: &str) -> Result<()> {
        self.core.with_store(|store| content::set_theme(store, deck, theme))?;
        self.core.changed(&[deck]);
        Ok(())
    }

    /// The deck's cards (deleted ones left out).
    pub fn cards(&self, deck: DocId) -> Result<Vec<StoredCard>> {
        let cards =
            self.core.with_store(|store| super::must_exist(store.read(deck, |_, d| schema::cards(d))?, deck))?;
        Ok(cards.into_iter().filter(|c| !c.deleted).collect())
    }

    /// Cards from CSV or TSV text with a header row; rows that cannot be cards are reported.
    pub fn import(&self, deck: DocId, text: &str) -> Result<ImportReport> {
        let report = self.core.with_store(|store| content::import_cards(store, deck, text))?;
        self.edited(deck);
        Ok(report)
    }

    /// Import an Anki package (`.apkg`, legacy or current) at `path`: into `deck`, or into a
    /// new deck of `class` per Anki deck (its name the title, the top of its path the theme).
    /// Basic, reversed, typed-answer and cloze notes keep their type; other note types become
    /// basic cards; pictures and sounds are uploaded (so this needs the server when there are
    /// any); tags are kept. Nothing is written when the package cannot be read or the server
    /// cannot be reached. [`Event::ImportProgress`] counts the media files on the way.
    ///
    /// [`Event::ImportProgress`]: tallschool_contract::Event::ImportProgress
    pub async fn import_anki(&self, class: ClassId, deck: Option<DocId>, path: &std::path::Path) -> Result<AnkiReport> {
        let core = self.core;
        let unreadable = |error: AnkiError| ClientError::invalid("file", error.to_string());
        let file = crate::platform::picked_files::open(path)
            .await
            .map_err(|source| ClientError::File { path: path.display().to_string(), source })?;
        let mut package = Package::open(file).map_err(unreadable)?;
        let (planned, mut report) = anki::plan(&package);
        if let Some(deck) = deck {
            // The deck must be one this device may write, before anything is uploaded.
            core.with_store(|store| content::add_cards(store, deck, &[]))?;
        }
        let names: BTreeSet<String> =
            planned.iter().flat_map(|(_, cards)| cards.iter().flat_map(|c| c.media.iter().cloned())).collect();
        let mut hashes: BTreeMap<String, String> = BTreeMap::new();
        let total = names.len() as u64;
        for (done, name) in names.into_iter().enumerate() {
            core.emit(&Event::ImportProgress { done: done as u64, total });
            let Some(bytes) = package.media(&name).map_err(unreadable)? else {
                report.media_missing.push(name);
                continue;
            };
            let mime = tallschool_shared::media::mime_from_name(&name);
            match core.media().upload_bytes(bytes, mime, Some(&name)).await {
                Ok(media) => {
                    hashes.insert(name, media.hash);
                    report.media_uploaded += 1;
                }
                // The server would not keep this file (its type or size): the card goes in without it.
                Err(ClientError::Server { status: 413 | 415 | 422, message, .. }) => {
                    report.media_refused.push((name, message))
                }
                Err(error) => return Err(error),
            }
        }
        core.emit(&Event::ImportProgress { done: total, total });
        let mut written = Vec::new();
        for (anki_deck, cards) in planned {
            let cards: Vec<CardFields> = cards
                .into_iter()
                .map(|converted| CardFields {
                    media: converted.media.iter().filter_map(|name| hashes.get(name).cloned()).collect(),
                    ..converted.card
                })
                .collect();
            let (target, title) = match deck {
                Some(deck) => (deck, String::new()),
                None => {
                    let (title, theme) = tallschool_shared::anki::deck_title_and_theme(&anki_deck);
                    (self.create(class, &title, Some(&theme).filter(|t| !t.is_empty()).map(String::as_str))?, title)
                }
            };
            core.with_store(|store| content::add_cards(store, target, &cards))?;
            match report.decks.iter_mut().find(|d| d.deck == target) {
                Some(entry) => entry.cards += cards.len() as u64,
                None => report.decks.push(ImportedDeck { deck: target, title, cards: cards.len() as u64 }),
            }
            written.push(target);
        }
        for target in written {
            self.edited(target);
        }
        Ok(report)
    }

    /// The deck's cards as CSV.
    pub fn export(&self, deck: DocId) -> Result<String> {
        self.core.with_store(|store| content::export_cards(store, deck))
    }

    /// Reviews, predicted retention and struggling students per card (teachers).
    pub fn report(&self, deck: DocId) -> Result<DeckReport> {
        let now = self.core.now();
        self.core.with_store(|store| reports::deck_report(store, deck, now))
    }

    fn edited(&self, deck: DocId) {
        self.core.changed(&[deck]);
        self.core.emit(&tallschool_contract::Event::QueueChanged { deck });
    }
}
