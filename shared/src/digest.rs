//! The weekly digest of a class and of a cohort: activity, reviews, retention, reading pace,
//! video-test scores and overdue work, from the documents' contents. Opaque ids and numbers
//! only, never personal data. Also the rules for when an assignment counts as done, which the
//! Lobby uses too.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::reader::{Section, find_section};
use crate::reviews::Review;
use crate::schema::{Assignment, Progress};
use crate::{ClassId, CohortId, UserId};

pub const DAY: i64 = 86_400;
pub const WEEK: i64 = 7 * DAY;

/// The Monday 00:00 UTC starting the week that contains `at`.
pub fn week_start(at: i64) -> i64 {
    // 1970-01-01 was a Thursday: Monday is 3 days before.
    let days = at.div_euclid(DAY);
    (days - (days + 3).rem_euclid(7)) * DAY
}

/// Reading goal of an assignment in percent: the end of its section, or the whole text.
pub fn reading_goal(assignment: &Assignment, outline: &[Section]) -> f64 {
    if assignment.section.trim().is_empty() {
        return 100.0;
    }
    find_section(outline, &assignment.section).map_or(100.0, |s| s.end_percent)
}

/// A reading assignment is done when the student got (within half a percent of) its goal.
pub fn reading_done(goal: f64, progress: &Progress) -> bool {
    progress.furthest + 0.5 >= goal
}

/// A deck assignment is done when every study item of the deck has been reviewed once.
pub fn deck_done(items: &BTreeSet<String>, reviews: &[Review]) -> bool {
    let reviewed: BTreeSet<&str> = reviews.iter().map(|r| r.card.as_str()).collect();
    items.iter().all(|item| reviewed.contains(item.as_str()))
}

/// A video-test assignment is done when an attempt was submitted.
pub fn video_done(progress: &Progress) -> bool {
    progress.attempts.iter().any(|a| a.submitted_at.is_some())
}

/// What the server gathered about one student in one class for the digest.
#[derive(Clone, Debug, Default)]
pub struct StudentWeek {
    pub reviews: Vec<Review>,
    /// Per text: the student's reading progress.
    pub reading: Vec<Progress>,
    /// Per video test: `(submitted_at, score, max_score)` of graded attempts.
    pub scores: Vec<(i64, f64, f64)>,
    /// Other activity (answers in video tests) times.
    pub activity: Vec<i64>,
    /// Assignments for this student: `(due, done)`.
    pub assignments: Vec<(Option<i64>, bool)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DigestNumbers {
    pub students: u64,
    pub active_students: u64,
    pub reviews: u64,
    /// Share of reviews of already-seen cards answered Hard, Good or Easy.
    pub retention: Option<f64>,
    /// Reviews of already-seen cards (the retention's base).
    pub retention_base: u64,
    /// Percentage points of assigned texts read per reading student this week.
    pub reading_pace: Option<f64>,
    pub readers: u64,
    pub attempts_submitted: u64,
    /// Mean score of this week's graded attempts, in percent.
    pub average_score: Option<f64>,
    /// Assignments past their due date and not done (one per student and assignment).
    pub overdue: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DigestScope {
    Class(ClassId),
    Cohort(CohortId),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Digest {
    pub scope: DigestScope,
    /// Unix seconds, Monday 00:00 UTC.
    pub week_start: i64,
    pub week_end: i64,
    pub numbers: DigestNumbers,
    pub computed_at: i64,
}

fn in_week(at: i64, start: i64) -> bool {
    (start..start + WEEK).contains(&at)
}

/// The digest numbers of one class for the week from `start`, evaluated at `now`.
pub fn class_numbers(students: &BTreeMap<UserId, StudentWeek>, start: i64, now: i64) -> DigestNumbers {
    let end = start + WEEK;
    let mut n = DigestNumbers {
        students: students.len() as u64,
        active_students: 0,
        reviews: 0,
        retention: None,
        retention_base: 0,
        reading_pace: None,
        readers: 0,
        attempts_submitted: 0,
        average_score: None,
        overdue: 0,
    };
    let mut recalled = 0_u64;
    let mut pace_total = 0.0;
    let mut score_total = 0.0;
    let mut scored = 0_u64;
    for week in students.values() {
        let mut active = false;
        let mut ordered: Vec<&Review> = week.reviews.iter().collect();
        ordered.sort_by(|a, b| (a.at, &a.card).cmp(&(b.at, &b.card)));
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for review in ordered {
            let known = !seen.insert(review.card.as_str());
            if in_week(review.at, start) {
                active = true;
                n.reviews += 1;
                if known {
                    n.retention_base += 1;
                    recalled += u64::from(review.rating >= 2);
                }
            }
        }
        let start_day = start.div_euclid(DAY);
        let end_day = end.div_euclid(DAY);
        let mut pace = 0.0;
        for progress in &week.reading {
            let before = progress.reading_days.range(..start_day).map(|(_, p)| *p).fold(0.0, f64::max);
            let after = progress.reading_days.range(..end_day).map(|(_, p)| *p).fold(0.0, f64::max);
            pace += (after - before).max(0.0);
        }
        if pace > 0.0 {
            active = true;
            n.readers += 1;
            pace_total += pace;
        }
        for &(submitted, score, max) in &week.scores {
            if in_week(submitted, start) {
                active = true;
                n.attempts_submitted += 1;
                if max > 0.0 {
                    score_total += 100.0 * score / max;
                    scored += 1;
                }
            }
        }
        active |= week.activity.iter().any(|&at| in_week(at, start));
        n.active_students += u64::from(active);
        let cutoff = now.min(end);
        n.overdue +=
            week.assignments.iter().filter(|(due, done)| !done && due.is_some_and(|d| d < cutoff)).count() as u64;
    }
    n.retention = (n.retention_base > 0).then(|| recalled as f64 / n.retention_base as f64);
    n.reading_pace = (n.readers > 0).then(|| pace_total / n.readers as f64);
    n.average_score = (scored > 0).then(|| score_total / scored as f64);
    n
}

/// A cohort's numbers from its classes' (students in several classes count in each).
pub fn cohort_numbers(classes: &[DigestNumbers]) -> DigestNumbers {
    let sum = |f: fn(&DigestNumbers) -> u64| classes.iter().map(f).sum::<u64>();
    let weighted = |value: fn(&DigestNumbers) -> Option<f64>, weight: fn(&DigestNumbers) -> u64| {
        let total: u64 = classes.iter().filter(|c| value(c).is_some()).map(weight).sum();
        (total > 0)
            .then(|| classes.iter().filter_map(|c| value(c).map(|v| v * weight(c) as f64)).sum::<f64>() / total as f64)
    };
    DigestNumbers {
        students: sum(|c| c.students),
        active_students: sum(|c| c.active_students),
        reviews: sum(|c| c.reviews),
        retention: weighted(|c| c.retention, |c| c.retention_base),
        retention_base: sum(|c| c.retention_base),
        reading_pace: weighted(|c| c.reading_pace, |c| c.readers),
        readers: sum(|c| c.readers),
        attempts_submitted: sum(|c| c.attempts_submitted),
        average_score: weighted(|c| c.average_score, |c| c.attempts_submitted),
        overdue: sum(|c| c.overdue),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-24 is a Tuesday; its week starts Monday 2026-11-23.
        let tuesday = 1_795_521_600 + 3_600; // 2026-11-24 11:00 UTC
        assert_eq!(week_start(tuesday), 1_795_392_000);
        assert_eq!(week_start(1_795_392_000), 1_795_392_000);
        assert_eq!(week_start(1_795_392_000 - 1), 1_795_392_000 - WEEK);
    }

    #[test]
    fn numbers_for_a_seeded_week() {
        let start = 1_795_392_000;
        let r = |card: &str, rating, at| Review { card: card.into(), rating, at };
        let mut a = StudentWeek {
            // c1 first seen last week; this week: c1 good (known), c1 again (known), c2 new.
            reviews: vec![
                r("c1", 3, start - 100),
                r("c1", 3, start + 10),
                r("c1", 1, start + 20),
                r("c2", 3, start + 30),
            ],
            scores: vec![(start + 50, 3.0, 4.0)],
            assignments: vec![(Some(start + DAY), false), (Some(start + DAY), true)],
            ..StudentWeek::default()
        };
        let mut progress = Progress::default();
        progress.reading_days.insert(start / DAY - 1, 10.0);
        progress.reading_days.insert(start / DAY + 2, 45.0);
        a.reading.push(progress);
        let b = StudentWeek { reviews: vec![r("c1", 4, start - 5 * DAY)], ..StudentWeek::default() };
        let students: BTreeMap<UserId, StudentWeek> =
            [(UserId(uuid::Uuid::from_u128(1)), a), (UserId(uuid::Uuid::from_u128(2)), b)].into();
        let n = class_numbers(&students, start, start + WEEK);
        assert_eq!((n.students, n.active_students, n.reviews, n.retention_base), (2, 1, 3, 2));
        assert_eq!(n.retention, Some(0.5));
        assert_eq!((n.readers, n.reading_pace), (1, Some(35.0)));
        assert_eq!((n.attempts_submitted, n.average_score), (1, Some(75.0)));
        assert_eq!(n.overdue, 1);
        let cohort = cohort_numbers(&[n.clone(), n.clone()]);
        assert_eq!((cohort.students, cohort.reviews, cohort.retention), (4, 6, Some(0.5)));
    }
}
