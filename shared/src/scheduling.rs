//! Spaced repetition: FSRS (the `fsrs` crate, Anki's algorithm) for memory states and
//! intervals, Anki-style learning and relearning steps for the first minutes of a card.
//!
//! Everything is a pure function of the review log: a card's state is the fold of
//! [`Scheduler::answer`] over its reviews in `(time, card, rating)` order, so two devices that
//! hold the same merged log compute the same schedule, bit for bit.

use std::collections::BTreeMap;

use fsrs::{FSRS, MemoryState};
use serde::{Deserialize, Serialize};

use crate::reviews::Review;

const MINUTE: i64 = 60;
const DAY: i64 = 86_400;
/// Delays of a new card's learning steps (Anki's defaults: 1 minute, 10 minutes).
const LEARNING_STEPS: [i64; 2] = [MINUTE, 10 * MINUTE];
/// Delay after a forgotten review card.
const RELEARNING_STEP: i64 = 10 * MINUTE;
const MAX_INTERVAL_DAYS: i64 = 36_500;

/// How a class studies: set by its teachers, synced to students.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StudySettings {
    /// Probability of recalling a card when it comes due, 0.70 to 0.97.
    pub desired_retention: f32,
    /// New cards introduced per day and deck.
    pub new_per_day: u32,
    /// Reviews shown per day and deck.
    pub reviews_per_day: u32,
}

impl Default for StudySettings {
    fn default() -> Self {
        Self { desired_retention: 0.9, new_per_day: 20, reviews_per_day: 200 }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingsError {
    #[error("desired_retention must be between 0.70 and 0.97")]
    Retention,
    #[error("new_per_day must be at most 1000 and reviews_per_day at most 10000")]
    Limits,
}

impl StudySettings {
    pub fn check(&self) -> Result<(), SettingsError> {
        if !(0.70..=0.97).contains(&self.desired_retention) {
            return Err(SettingsError::Retention);
        }
        if self.new_per_day > 1000 || self.reviews_per_day > 10_000 {
            return Err(SettingsError::Limits);
        }
        Ok(())
    }
}

/// Again, Hard, Good, Easy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Again = 1,
    Hard = 2,
    Good = 3,
    Easy = 4,
}

impl Rating {
    pub fn from_number(n: u8) -> Option<Rating> {
        match n {
            1 => Some(Rating::Again),
            2 => Some(Rating::Hard),
            3 => Some(Rating::Good),
            4 => Some(Rating::Easy),
            _ => None,
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        match s.to_ascii_lowercase().as_str() {
            "1" | "again" => Some(Rating::Again),
            "2" | "hard" => Some(Rating::Hard),
            "3" | "good" => Some(Rating::Good),
            "4" | "easy" => Some(Rating::Easy),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    New,
    Learning,
    Review,
    Relearning,
}

impl Phase {
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::New => "new",
            Phase::Learning => "learning",
            Phase::Review => "review",
            Phase::Relearning => "relearning",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        [Phase::New, Phase::Learning, Phase::Review, Phase::Relearning].into_iter().find(|p| p.as_str() == s)
    }
}

/// Where one study item stands.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardState {
    pub phase: Phase,
    /// Index into the learning steps while learning.
    pub step: u8,
    pub stability: f32,
    pub difficulty: f32,
    /// Unix seconds when the item is next due.
    pub due: i64,
    pub last_review: i64,
    pub reps: u32,
    pub lapses: u32,
}

impl CardState {
    pub const NEW: CardState = CardState {
        phase: Phase::New,
        step: 0,
        stability: 0.0,
        difficulty: 0.0,
        due: 0,
        last_review: 0,
        reps: 0,
        lapses: 0,
    };

    fn memory(&self) -> Option<MemoryState> {
        (self.reps > 0).then_some(MemoryState { stability: self.stability, difficulty: self.difficulty })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("FSRS: {0}")]
    Fsrs(String),
}

/// Below this predicted retention (the mean over the cards a student studied) a teacher's
/// report marks the student as struggling.
pub const STRUGGLING_BELOW: f64 = 0.7;

/// FSRS with a class's desired retention.
#[derive(Clone, Debug)]
pub struct Scheduler {
    fsrs: FSRS,
    retention: f32,
}

/// Whole days between two instants (FSRS counts days, not seconds).
pub fn days_between(earlier: i64, later: i64) -> u32 {
    u32::try_from(later.saturating_sub(earlier).max(0) / DAY).unwrap_or(u32::MAX)
}

impl Scheduler {
    pub fn new(settings: &StudySettings) -> Result<Scheduler, ScheduleError> {
        settings.check()?;
        let fsrs = FSRS::new(&[]).map_err(|e| ScheduleError::Fsrs(e.to_string()))?;
        Ok(Scheduler { fsrs, retention: settings.desired_retention })
    }

    /// The state after answering `item` (in `state`) with `rating` at `at`.
    pub fn answer(&self, item: &str, state: &CardState, rating: Rating, at: i64) -> CardState {
        let days = if state.reps > 0 { days_between(state.last_review, at) } else { 0 };
        let Ok(next) = self.fsrs.next_states(state.memory(), self.retention, days) else {
            // Only reachable with a corrupt state; start the item over rather than fail a tap.
            return self.answer(item, &CardState::NEW, rating, at);
        };
        let chosen = match rating {
            Rating::Again => &next.again,
            Rating::Hard => &next.hard,
            Rating::Good => &next.good,
            Rating::Easy => &next.easy,
        };
        // Review intervals in whole days, kept in order hard < good < easy as Anki does.
        let hard = whole_days(next.hard.interval);
        let good = whole_days(next.good.interval).max(hard + 1);
        let easy = whole_days(next.easy.interval).max(good + 1);
        let review_days = match rating {
            Rating::Again | Rating::Hard => hard,
            Rating::Good => good,
            Rating::Easy => easy,
        };
        let graduate = |lapses| CardState {
            phase: Phase::Review,
            step: 0,
            stability: chosen.memory.stability,
            difficulty: chosen.memory.difficulty,
            due: at + fuzz(item, at, review_days) * DAY,
            last_review: at,
            reps: state.reps + 1,
            lapses,
        };
        let stay = |phase, step: u8, delay: i64, lapses| CardState {
            phase,
            step,
            stability: chosen.memory.stability,
            difficulty: chosen.memory.difficulty,
            due: at + delay,
            last_review: at,
            reps: state.reps + 1,
            lapses,
        };
        match (state.phase, rating) {
            (Phase::New | Phase::Learning, Rating::Again) => stay(Phase::Learning, 0, LEARNING_STEPS[0], state.lapses),
            (Phase::New | Phase::Learning, Rating::Hard) => {
                let step = usize::from(state.step).min(LEARNING_STEPS.len() - 1);
                let delay = if step == 0 { (LEARNING_STEPS[0] + LEARNING_STEPS[1]) / 2 } else { LEARNING_STEPS[step] };
                stay(Phase::Learning, step as u8, delay, state.lapses)
            }
            (Phase::New | Phase::Learning, Rating::Good) => {
                let next_step = if state.phase == Phase::New { 1 } else { usize::from(state.step) + 1 };
                match LEARNING_STEPS.get(next_step) {
                    Some(delay) => stay(Phase::Learning, next_step as u8, *delay, state.lapses),
                    None => graduate(state.lapses),
                }
            }
            (Phase::New | Phase::Learning, Rating::Easy) => graduate(state.lapses),
            (Phase::Review, Rating::Again) => stay(Phase::Relearning, 0, RELEARNING_STEP, state.lapses + 1),
            (Phase::Relearning, Rating::Again | Rating::Hard) => {
                stay(Phase::Relearning, 0, RELEARNING_STEP, state.lapses)
            }
            (Phase::Review | Phase::Relearning, _) => graduate(state.lapses),
        }
    }

    /// Every item's state after the whole log. The log is sorted here, so devices that merged
    /// the same reviews in any order agree.
    pub fn replay(&self, reviews: &[Review]) -> BTreeMap<String, CardState> {
        let mut ordered: Vec<&Review> = reviews.iter().collect();
        ordered.sort_by(|a, b| (a.at, &a.card, a.rating).cmp(&(b.at, &b.card, b.rating)));
        let mut states: BTreeMap<String, CardState> = BTreeMap::new();
        for review in ordered {
            let Some(rating) = Rating::from_number(review.rating) else { continue };
            let state = states.get(&review.card).copied().unwrap_or(CardState::NEW);
            states.insert(review.card.clone(), self.answer(&review.card, &state, rating, review.at));
        }
        states
    }

    /// Probability of recalling the item at `now` (1.0 for items never reviewed is wrong, so
    /// those give `None`).
    pub fn retrievability(&self, state: &CardState, now: i64) -> Option<f32> {
        let memory = state.memory()?;
        let elapsed = now.saturating_sub(state.last_review).max(0) as f32 / DAY as f32;
        Some(fsrs::current_retrievability(memory, elapsed, fsrs::FSRS6_DEFAULT_DECAY))
    }
}

fn whole_days(interval: f32) -> i64 {
    (interval.round() as i64).clamp(1, MAX_INTERVAL_DAYS)
}

/// Anki spreads due dates a little so cards learned together do not stay together forever.
/// The spread here is derived from the item and the review time, never from a random source,
/// so every device computes the same due date.
fn fuzz(item: &str, at: i64, days: i64) -> i64 {
    if days < 3 {
        return days;
    }
    let spread = ((days as f64) * 0.05).round().max(1.0) as i64;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in item.bytes().chain(at.to_le_bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let offset = (hash % (2 * spread as u64 + 1)) as i64 - spread;
    (days + offset).clamp(1, MAX_INTERVAL_DAYS)
}

#[cfg(test)]
mod tests {
    use fsrs::{FSRSItem, FSRSReview};

    use super::*;

    const T0: i64 = 1_790_000_000;

    fn scheduler() -> Scheduler {
        Scheduler::new(&StudySettings::default()).expect("scheduler")
    }

    #[test]
    fn memory_states_match_the_reference_crate_for_known_sequences() {
        let fsrs = FSRS::new(&[]).expect("fsrs");
        // (rating, days since the previous review)
        let sequences: [&[(u8, u32)]; 4] = [
            &[(3, 0), (3, 1), (3, 3), (3, 8), (3, 21)],
            &[(1, 0), (3, 0), (3, 1), (1, 5), (3, 0), (4, 2)],
            &[(4, 0), (4, 9), (2, 30), (3, 25)],
            &[(2, 0), (1, 1), (1, 1), (3, 1), (3, 4), (3, 10), (1, 30), (3, 1)],
        ];
        let scheduler = scheduler();
        for sequence in sequences {
            let mut state = CardState::NEW;
            let mut at = T0;
            let mut reference = Vec::new();
            for &(rating, days) in sequence {
                at += i64::from(days) * DAY;
                state = scheduler.answer("card", &state, Rating::from_number(rating).expect("rating"), at);
                reference.push(FSRSReview { rating: u32::from(rating), delta_t: days });
            }
            let expected = fsrs.memory_state(FSRSItem { reviews: reference }, None).expect("reference");
            assert!((state.stability - expected.stability).abs() < 1e-4, "{sequence:?}: {state:?} vs {expected:?}");
            assert!((state.difficulty - expected.difficulty).abs() < 1e-4, "{sequence:?}");
        }
    }

    #[test]
    fn first_answers_follow_the_reference_values_and_learning_steps() {
        let s = scheduler();
        let good = s.answer("c", &CardState::NEW, Rating::Good, T0);
        // The reference crate documents the first Good as stability 2.3065.
        assert!((good.stability - 2.3065).abs() < 1e-3, "{good:?}");
        assert_eq!((good.phase, good.due - T0), (Phase::Learning, 600));
        let graduated = s.answer("c", &good, Rating::Good, T0 + 600);
        assert_eq!(graduated.phase, Phase::Review);
        assert!(graduated.due - (T0 + 600) >= DAY);
        let again = s.answer("c", &CardState::NEW, Rating::Again, T0);
        assert_eq!((again.phase, again.due - T0), (Phase::Learning, 60));
        let easy = s.answer("c", &CardState::NEW, Rating::Easy, T0);
        assert_eq!(easy.phase, Phase::Review);
        assert!((easy.due - T0) / DAY >= 8, "{easy:?}");
        let lapse = s.answer("c", &graduated, Rating::Again, graduated.due);
        assert_eq!((lapse.phase, lapse.lapses, lapse.due - graduated.due), (Phase::Relearning, 1, 600));
    }

    #[test]
    fn higher_retention_means_shorter_intervals() {
        let low = Scheduler::new(&StudySettings { desired_retention: 0.75, ..StudySettings::default() }).expect("s");
        let high = Scheduler::new(&StudySettings { desired_retention: 0.95, ..StudySettings::default() }).expect("s");
        let a = low.answer("c", &CardState::NEW, Rating::Easy, T0);
        let b = high.answer("c", &CardState::NEW, Rating::Easy, T0);
        assert!(a.due > b.due, "{a:?} {b:?}");
        assert!(StudySettings { desired_retention: 0.5, ..StudySettings::default() }.check().is_err());
    }

    #[test]
    fn merged_logs_give_the_same_schedule_in_any_order() {
        let s = scheduler();
        let laptop: Vec<Review> = (0..30)
            .map(|i| Review { card: format!("c{}", i % 7), rating: (i % 4) as u8 + 1, at: T0 + i * 3_000 })
            .collect();
        let phone: Vec<Review> = (0..30)
            .map(|i| Review { card: format!("c{}", i % 5), rating: (i % 3) as u8 + 2, at: T0 + 1_500 + i * 5_000 })
            .collect();
        let a: Vec<Review> = laptop.iter().chain(&phone).cloned().collect();
        let b: Vec<Review> = phone.iter().chain(&laptop).rev().cloned().collect();
        assert_eq!(s.replay(&a), s.replay(&b));
        assert_eq!(s.replay(&a).len(), 7);
    }

    #[test]
    fn fuzz_is_deterministic_and_small() {
        assert_eq!(fuzz("x", T0, 100), fuzz("x", T0, 100));
        for at in 0..200 {
            let d = fuzz("card", T0 + at, 100);
            assert!((95..=105).contains(&d), "{d}");
        }
        assert_eq!(fuzz("x", T0, 2), 2);
    }
}
