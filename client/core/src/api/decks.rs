//! Decks and cards (teachers write them; everyone with the deck reads them), and the deck
//! report.

use tallschool_contract::reports::DeckReport;
use tallschool_contract::request::CardPatch;
use tallschool_shared::cards::ImportReport;
use tallschool_shared::docs::DocKind;
use tallschool_shared::schema::{self, StoredCard};
use tallschool_shared::{ClassId, DocId};

use crate::error::Result;
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
