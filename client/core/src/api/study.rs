//! Studying flashcards: the next card, answers (rated, or typed and checked), undo, the queue.

use tallschool_contract::Event;
use tallschool_contract::learning::{Answered, NextItem, Scheduled};
use tallschool_shared::DocId;
use tallschool_shared::cards::typed_matches;
use tallschool_shared::reviews::Review;
use tallschool_shared::scheduling::Rating;
use tallschool_shared::schema;

use crate::Core;
use crate::error::{ClientError, Result};

pub struct StudyService<'a> {
    pub(crate) core: &'a Core,
}

impl StudyService<'_> {
    /// The next card due, in `deck` or in any deck.
    pub fn next(&self, deck: Option<DocId>) -> Result<Option<NextItem>> {
        let now = self.core.now();
        self.core.store().next_item(deck, now)
    }

    /// Answer a card with a rating, or with a typed answer: a match counts as Good, a miss as
    /// Again, unless a rating is given too. One durable write.
    pub fn answer(&self, deck: DocId, item: &str, rating: Option<Rating>, typed: Option<&str>) -> Result<Answered> {
        let now = self.core.now();
        let answered = self.core.with_store(|store| {
            let expected = store
                .next_item_by_id(deck, item)?
                .ok_or_else(|| ClientError::invalid("item", format!("no card {item} in deck {deck}")))?;
            let typed_correct = typed.map(|t| typed_matches(&expected.answer, t));
            let rating = match (rating, typed_correct) {
                (Some(rating), _) => rating,
                (None, Some(true)) => Rating::Good,
                (None, Some(false)) => Rating::Again,
                (None, None) => {
                    return Err(ClientError::invalid(
                        "rating",
                        "give a rating (again, hard, good, easy) or a typed answer",
                    ));
                }
            };
            let state = store.answer(deck, item, rating, now)?;
            Ok(Answered { item: item.to_owned(), rating, state, typed_correct, answer: expected.answer, next: None })
        })?;
        let answered = Answered { next: self.next(Some(deck))?, ..answered };
        self.core.emit(&Event::QueueChanged { deck });
        self.core.emit(&Event::LobbyChanged);
        Ok(answered)
    }

    /// Take back the last answer; returns the item it was for.
    pub fn undo(&self) -> Result<Option<String>> {
        let undone = self.core.store().undo()?;
        if let Some((deck, _)) = &undone {
            self.core.emit(&Event::QueueChanged { deck: *deck });
            self.core.emit(&Event::LobbyChanged);
        }
        Ok(undone.map(|(_, item)| item))
    }

    /// Studied cards of a deck with their schedule, soonest due first.
    pub fn queue(&self, deck: DocId) -> Result<Vec<Scheduled>> {
        self.core.store().queue(deck)
    }

    /// Write the session's answers into the progress documents (one change each); returns how
    /// many answers.
    pub fn end_session(&self) -> Result<u64> {
        let written = self.core.store().end_session()?;
        Ok(u64::try_from(written).unwrap_or(u64::MAX))
    }

    /// The reviews recorded in a progress document.
    pub fn reviews(&self, progress: DocId) -> Result<Vec<Review>> {
        let mut store = self.core.store();
        super::must_exist(store.read(progress, |_, d| schema::reviews(d))?, progress)
    }
}
