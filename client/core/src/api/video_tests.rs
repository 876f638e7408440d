//! Video tests: writing them (teachers), attempts (students), results and grading.

use tallschool_contract::video::{AttemptStarted, AttemptView, NewQuestion, Submission, TestSettings};
use tallschool_shared::api::ResultsView;
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::schema::VideoTest;
use tallschool_shared::video::{Answer, AttemptResult, Watched};
use tallschool_shared::{ClassId, DocId, UserId};

use crate::error::{ClientError, Result};
use crate::{Core, content, video_tests};

pub struct VideoTestService<'a> {
    pub(crate) core: &'a Core,
}

impl VideoTestService<'_> {
    /// A new video test in `class`.
    pub fn create(&self, class: ClassId, title: &str) -> Result<DocId> {
        let meta = self.core.with_store(|store| content::create(store, DocKind::VideoTest, class, title))?;
        self.core.changed(&[meta.id]);
        Ok(meta.id)
    }

    /// The video, its length, skipping, attempts and feedback.
    pub fn configure(&self, test: DocId, settings: &TestSettings) -> Result<()> {
        self.core.with_store(|store| video_tests::configure(store, test, settings))?;
        self.core.changed(&[test]);
        Ok(())
    }

    /// Add a question; returns its id. Its key stays on this device until the next sync hands
    /// it to the server (or goes into the test, for instant feedback).
    pub fn add_question(&self, test: DocId, question: &NewQuestion) -> Result<String> {
        let new = video_tests::NewQuestion {
            at_secs: question.at_secs,
            kind: question.kind,
            prompt: &question.prompt,
            options: &question.options,
            points: question.points,
        };
        let id = self.core.with_store(|store| video_tests::add_question(store, test, &new, question.key.as_ref()))?;
        self.core.changed(&[test]);
        Ok(id)
    }

    /// Take a question out of the test.
    pub fn remove_question(&self, test: DocId, question: &str) -> Result<()> {
        self.core.with_store(|store| video_tests::remove_question(store, test, question))?;
        self.core.changed(&[test]);
        Ok(())
    }

    /// Every student's attempts on this device with their results as last fetched (teachers:
    /// the grading queue and the scores; works offline).
    pub fn submissions(&self, test: DocId) -> Result<Vec<Submission>> {
        video_tests::submissions(&mut self.core.store(), test)
    }

    /// The test as students see it.
    pub fn view(&self, test: DocId) -> Result<VideoTest> {
        video_tests::view(&mut self.core.store(), test)
    }

    /// Start an attempt, or resume the unfinished one.
    pub fn start_attempt(&self, test: DocId, rate: f64) -> Result<AttemptStarted> {
        let user = self.core.user()?.id;
        let (attempt, position) = self.core.with_store(|store| video_tests::start_attempt(store, user, test, rate))?;
        self.attempt_changed(user, test)?;
        Ok(AttemptStarted { attempt, position })
    }

    /// Record that `from..to` seconds were watched at `rate`.
    pub fn watch(&self, test: DocId, attempt: &str, from: u32, to: u32, rate: f64) -> Result<Watched> {
        let user = self.core.user()?.id;
        let watched = self.core.with_store(|store| video_tests::watch(store, user, test, attempt, from, to, rate))?;
        self.attempt_changed(user, test)?;
        Ok(watched)
    }

    /// Answer a question (at `at` seconds into the video, by default the question's time);
    /// returns the points when the test gives instant feedback.
    pub fn answer(
        &self,
        test: DocId,
        attempt: &str,
        question: &str,
        answer: &Answer,
        at: Option<u32>,
    ) -> Result<Option<f64>> {
        let user = self.core.user()?.id;
        let points = self.core.with_store(|store| {
            let view = video_tests::view(store, test)?;
            let q = view
                .questions
                .iter()
                .find(|q| q.id == question)
                .ok_or_else(|| ClientError::invalid("question", format!("no question {question} in this test")))?;
            let at = at.unwrap_or(q.at_secs);
            video_tests::answer(store, user, test, attempt, question, answer, at)
        })?;
        self.attempt_changed(user, test)?;
        Ok(points)
    }

    /// Hand in an attempt; results come with the next sync.
    pub fn submit(&self, test: DocId, attempt: &str) -> Result<()> {
        let user = self.core.user()?.id;
        self.core.with_store(|store| video_tests::submit(store, user, test, attempt))?;
        self.attempt_changed(user, test)
    }

    /// The signed-in student's attempts, with results once graded.
    pub fn attempts(&self, test: DocId) -> Result<Vec<AttemptView>> {
        let user = self.core.user()?.id;
        video_tests::attempts(&mut self.core.store(), user, test)
    }

    /// Graded attempts from the server (everyone's for teachers), kept on this device.
    pub async fn fetch_results(&self, test: DocId) -> Result<ResultsView> {
        let results = super::sync::results_of(self.core, test).await?;
        video_tests::replace_results(&self.core.store(), test, &results.attempts)?;
        Ok(results)
    }

    /// Give points for one answer (teachers; online).
    pub async fn grade(
        &self,
        test: DocId,
        student: UserId,
        attempt: &str,
        question: &str,
        points: f64,
    ) -> Result<AttemptResult> {
        let meta = super::must_exist(self.core.store().meta(test)?, test)?;
        let body = serde_json::json!({"test_id": test, "student_id": student, "attempt_id": attempt, "question_id": question, "points": points});
        let path = format!("/api/v1/classes/{}/grades", meta.class_id);
        let result: AttemptResult = self.core.call(http::Method::PUT, &path, Some(&body)).await?;
        // Kept, so the grading queue and the scores are right at once (and offline).
        video_tests::save_results(&self.core.store(), test, std::slice::from_ref(&result))?;
        self.core.changed(&[DocMeta::progress(student, &meta).id]);
        Ok(result)
    }

    fn attempt_changed(&self, student: UserId, test: DocId) -> Result<()> {
        if let Some(meta) = self.core.store().meta(test)? {
            self.core.changed(&[DocMeta::progress(student, &meta).id]);
        }
        Ok(())
    }
}
