//! What the video-test player decides, without a window: which question is due as the video
//! plays, how far the student may seek when skipping ahead is off, and which stretch of
//! watching to record. Times are seconds into the video.

use std::collections::BTreeSet;

use tallschool_shared::video::{Question, Watched};

/// Playback of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct Playback {
    /// What the attempt has recorded so far, with the stretches this screen sent.
    recorded: Watched,
    /// Where the stretch being watched now began (`None` while paused).
    stretch: Option<f64>,
    /// The last time seen.
    last: f64,
    prevent_skipping: bool,
    duration: f64,
}

/// Seconds `[from, to)` watched, to record (whole seconds, as the engine takes them).
pub type Stretch = (u32, u32);

impl Playback {
    /// Resume at `position` with what the attempt `recorded`.
    pub fn new(recorded: Watched, position: u32, prevent_skipping: bool, duration: u32) -> Playback {
        // Just before the position: a question exactly there is asked when playing starts.
        let last = f64::from(position) - 0.25;
        Playback { recorded, stretch: None, last, prevent_skipping, duration: f64::from(duration) }
    }

    /// How far the student may go: with skipping prevented, what was watched from the start
    /// without a gap (and the stretch now playing); else the whole video.
    pub fn furthest(&self) -> f64 {
        if !self.prevent_skipping {
            return self.duration;
        }
        let contiguous = f64::from(self.recorded.contiguous_from_start());
        match self.stretch {
            Some(start) if start <= contiguous + 1.0 => contiguous.max(self.last),
            _ => contiguous,
        }
    }

    /// Where a seek to `target` may land.
    pub fn allowed_seek(&self, target: f64) -> f64 {
        target.clamp(0.0, self.furthest().min(self.duration))
    }

    /// The video plays from `now`.
    pub fn play(&mut self, now: f64) {
        self.stretch = Some(now);
        // Moved while paused: questions are passed from here on.
        if (now - self.last).abs() > 1.0 {
            self.last = now - 0.25;
        }
    }

    /// The video is at `now`, playing: the first unanswered question passed since the last
    /// time seen, if any.
    pub fn advance(&mut self, now: f64, questions: &[Question], answered: &BTreeSet<String>) -> Option<Question> {
        let since = self.last;
        self.last = now;
        if self.stretch.is_none() {
            self.stretch = Some(now);
        }
        questions
            .iter()
            .find(|q| {
                let at = f64::from(q.at_secs);
                // Only once the video is there: answering needs the question's time watched.
                since < at && at <= now && !answered.contains(&q.id)
            })
            .cloned()
    }

    /// Playback stops at `now` (a pause, a question, the end): the stretch to record.
    pub fn stop(&mut self, now: f64) -> Option<Stretch> {
        self.last = now;
        let start = self.stretch.take()?;
        self.record(start, now)
    }

    /// Every few seconds while playing: the stretch so far, to record; the next begins here.
    pub fn checkpoint(&mut self, now: f64) -> Option<Stretch> {
        let start = self.stretch?;
        let stretch = self.record(start, now)?;
        self.stretch = Some(f64::from(stretch.1));
        self.last = now;
        Some(stretch)
    }

    /// The student jumped (a seek) from where the video was to `now`: the stretch before the
    /// jump, to record; playing goes on from `now`.
    pub fn jump(&mut self, now: f64, playing: bool) -> Option<Stretch> {
        let before = self.stretch.take().and_then(|start| self.record(start, self.last));
        self.last = now - 0.25;
        self.stretch = playing.then_some(now);
        before
    }

    fn record(&mut self, start: f64, end: f64) -> Option<Stretch> {
        let from = start.max(0.0).floor() as u32;
        let to = end.min(self.duration).max(0.0).floor() as u32;
        (to > from).then(|| {
            self.recorded.add(from, to);
            (from, to)
        })
    }

    pub fn watched(&self) -> &Watched {
        &self.recorded
    }
}

/// "1:05", "12:00", "1:02:03".
pub fn clock(seconds: f64) -> String {
    let total = seconds.max(0.0).floor() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

#[cfg(test)]
mod tests {
    use tallschool_shared::video::QuestionKind;

    use super::*;

    fn question(id: &str, at_secs: u32) -> Question {
        Question {
            id: id.to_owned(),
            at_secs,
            kind: QuestionKind::TrueFalse,
            prompt: "?".to_owned(),
            options: vec![],
            points: 1,
        }
    }

    #[test]
    fn questions_come_up_when_the_video_passes_them() {
        let questions = [question("a", 2), question("b", 4)];
        let mut answered = BTreeSet::new();
        let mut playback = Playback::new(Watched::default(), 0, true, 6);
        playback.play(0.0);
        assert_eq!(playback.advance(1.0, &questions, &answered), None);
        assert_eq!(playback.advance(2.1, &questions, &answered).map(|q| q.id), Some("a".to_owned()));
        // Paused for the question: the stretch up to it is recorded.
        assert_eq!(playback.stop(2.1), Some((0, 2)));
        answered.insert("a".to_owned());
        playback.play(2.1);
        assert_eq!(playback.advance(3.0, &questions, &answered), None, "an answered question does not come back");
        assert_eq!(playback.advance(3.96, &questions, &answered), None, "not a moment before its time");
        assert_eq!(playback.advance(4.2, &questions, &answered).map(|q| q.id), Some("b".to_owned()));
        assert_eq!(playback.stop(4.2), Some((2, 4)), "stopped for it, its time is recorded as watched");
    }

    #[test]
    fn a_resumed_attempt_asks_the_question_it_stopped_at() {
        let questions = [question("a", 3)];
        let mut playback = Playback::new(Watched::decode("0-3"), 3, true, 6);
        playback.play(3.0);
        assert_eq!(playback.advance(3.0, &questions, &BTreeSet::new()).map(|q| q.id), Some("a".to_owned()));
    }

    #[test]
    fn skipping_ahead_is_held_at_what_was_watched() {
        let mut playback = Playback::new(Watched::decode("0-10"), 10, true, 60);
        assert!((playback.allowed_seek(40.0) - 10.0).abs() < 1e-9);
        assert!((playback.allowed_seek(5.0) - 5.0).abs() < 1e-9, "rewatching is allowed");
        // Playing on from the edge moves the edge.
        playback.play(10.0);
        playback.advance(14.5, &[], &BTreeSet::new());
        assert!((playback.allowed_seek(40.0) - 14.5).abs() < 1e-9);
        // A stretch watched after a jump back does not open what lies beyond.
        assert_eq!(playback.jump(2.0, true), Some((10, 14)));
        playback.advance(6.0, &[], &BTreeSet::new());
        assert!((playback.allowed_seek(40.0) - 14.0).abs() < 1e-9);
        let free = Playback::new(Watched::default(), 0, false, 60);
        assert!((free.allowed_seek(40.0) - 40.0).abs() < 1e-9);
        assert!((free.allowed_seek(90.0) - 60.0).abs() < 1e-9);
    }

    #[test]
    fn stretches_are_recorded_in_whole_seconds_within_the_video() {
        let mut playback = Playback::new(Watched::default(), 0, false, 6);
        playback.play(0.4);
        assert_eq!(playback.checkpoint(0.9), None, "less than a second is not recorded yet");
        assert_eq!(playback.checkpoint(5.2), Some((0, 5)));
        assert_eq!(playback.stop(7.0), Some((5, 6)), "the end is the video's end");
        assert_eq!(playback.stop(7.0), None, "nothing plays after a stop");
        assert_eq!(playback.watched().0, vec![(0, 6)]);
    }

    #[test]
    fn clocks_read_as_players_show_them() {
        assert_eq!(clock(65.4), "1:05");
        assert_eq!(clock(720.0), "12:00");
        assert_eq!(clock(3723.0), "1:02:03");
        assert_eq!(clock(-3.0), "0:00");
    }
}
