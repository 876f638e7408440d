//! A video test in the class view: each student's score, and the grading queue — short answers
//! no accepted answer matched, waiting for the teacher's points (as Kolibri's coach views and
//! Edpuzzle's gradebook do).

use std::collections::BTreeMap;

use dioxus::prelude::*;
use tallschool_contract::video::Submission;
use tallschool_contract::{Request, Response};
use tallschool_shared::api::RosterEntry;
use tallschool_shared::schema::VideoTest;
use tallschool_shared::video::{Answer, QuestionKind};
use tallschool_shared::{DocId, UserId};

use crate::app::{Shell, use_live};
use crate::browser::local_date;
use crate::engine::ask;
use crate::i18n::number;
use crate::t;
use crate::teacher::student_name;

/// One answer waiting for a teacher's points.
#[derive(Clone, Debug, PartialEq)]
pub struct ToGrade {
    pub student: UserId,
    pub attempt: String,
    pub question: String,
    pub prompt: String,
    pub answer: String,
    pub max_points: u32,
}

/// Answers in graded attempts that have no points yet, oldest attempt first.
pub fn grading_queue(test: &VideoTest, submissions: &[Submission]) -> Vec<ToGrade> {
    let mut queue = Vec::new();
    for submission in submissions.iter().rev() {
        let Some(result) = &submission.result else { continue };
        for question in test.questions.iter().filter(|q| q.kind == QuestionKind::ShortText) {
            let waiting = matches!(result.points.get(&question.id), Some(None));
            if let (true, Some(given)) = (waiting, submission.attempt.answers.get(&question.id)) {
                let Answer::Text(text) = &given.answer else { continue };
                queue.push(ToGrade {
                    student: submission.student,
                    attempt: submission.attempt.id.clone(),
                    question: question.id.clone(),
                    prompt: question.prompt.clone(),
                    answer: text.clone(),
                    max_points: question.points,
                });
            }
        }
    }
    queue
}

/// Each student's latest handed-in attempt and how many they handed in.
pub fn latest_by_student(submissions: &[Submission]) -> BTreeMap<UserId, (usize, Submission)> {
    let mut out: BTreeMap<UserId, (usize, Submission)> = BTreeMap::new();
    for submission in submissions.iter().filter(|s| s.attempt.submitted_at.is_some()) {
        let entry = out.entry(submission.student).or_insert_with(|| (0, submission.clone()));
        entry.0 += 1;
        if submission.attempt.submitted_at > entry.1.attempt.submitted_at {
            entry.1 = submission.clone();
        }
    }
    out
}

#[component]
pub fn TestResults(test: DocId, title: String, roster: Vec<RosterEntry>) -> Element {
    let data = use_live(move |engine| async move {
        let view = ask(&engine, Request::VideoTest { test }, crate::pick!(Response::VideoTest)).await?;
        let submissions = ask(&engine, Request::Submissions { test }, crate::pick!(Response::Submissions)).await?;
        Ok::<_, String>((view, submissions))
    });
    let (view, submissions) = match &*data.read() {
        Some(Ok(data)) => data.clone(),
        Some(Err(message)) => return rsx! { p { class: "error", "{message}" } },
        None => return rsx! {},
    };
    let students: Vec<UserId> =
        roster.iter().filter(|m| m.role == tallschool_shared::ClassRole::Student).map(|m| m.user_id).collect();
    let latest = latest_by_student(&submissions);
    let queue = grading_queue(&view, &submissions);
    rsx! {
        section { class: "test-report", id: "test-report-{test}",
            h2 { {t!("video-test-title", title = title.as_str())} }
            table { class: "students",
                thead { tr { th { {t!("col-student")} } th { {t!("col-attempts")} } th { {t!("col-score")} } th { {t!("col-handed-in")} } } }
                tbody {
                    for (student, (handed_in, submission)) in latest.iter() {
                        tr { key: "{student}",
                            td { {student_name(&roster, *student)} }
                            td { "{handed_in}" }
                            td { class: "score", {score_cell(submission)} }
                            td { {local_date(submission.attempt.submitted_at.unwrap_or_default())} }
                        }
                    }
                    for s in students.iter().filter(|s| !latest.contains_key(*s)) {
                        tr { class: "not-started", key: "{s}", td { {student_name(&roster, *s)} } td { colspan: "3", class: "muted", {t!("not-handed-in")} } }
                    }
                }
            }
            if !queue.is_empty() {
                h3 { {t!("to-grade", n = queue.len())} }
                ul { class: "grading-queue",
                    for item in queue {
                        GradeAnswer { key: "{item.attempt}-{item.question}", test, item: item.clone(), student: student_name(&roster, item.student) }
                    }
                }
            }
        }
    }
}

fn score_cell(submission: &Submission) -> String {
    match &submission.result {
        None => t!("waiting-for-server"),
        Some(result) => {
            let score = t!("score", score = number(result.score, 1), max = number(result.max_score, 1));
            if result.complete { score } else { t!("score-to-grade", score = score) }
        }
    }
}

#[component]
fn GradeAnswer(test: DocId, item: ToGrade, student: String) -> Element {
    let shell = use_context::<Shell>();
    let mut points = use_signal(|| item.max_points.to_string());
    let mut problem = use_signal(|| None::<String>);
    let max = item.max_points;
    let give = {
        let item = item.clone();
        move |event: FormEvent| {
            event.prevent_default();
            let shell = shell.clone();
            let item = item.clone();
            async move {
                let Some(value) = points()
                    .trim()
                    .replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=f64::from(max)).contains(p))
                else {
                    problem.set(Some(t!("points-out-of-range", max = max)));
                    return;
                };
                let request = Request::Grade {
                    test,
                    student: item.student,
                    attempt: item.attempt.clone(),
                    question: item.question.clone(),
                    points: value,
                };
                problem.set(ask(&shell.engine, request, Some).await.err());
            }
        }
    };
    rsx! {
        li { class: "card to-grade",
            p { class: "muted", "{student} · {item.prompt}" }
            blockquote { class: "given-answer", "{item.answer}" }
            form { class: "row", onsubmit: give,
                label { r#for: "points-{item.attempt}-{item.question}", {t!("points-of-max", max = max)} }
                input { id: "points-{item.attempt}-{item.question}", class: "points", r#type: "number", min: "0", max: "{max}", step: "0.5",
                    value: "{points}", oninput: move |e| points.set(e.value()) }
                button { class: "primary give-points", r#type: "submit", {t!("give-points")} }
            }
            if let Some(message) = problem() { p { class: "error", role: "alert", "{message}" } }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use tallschool_shared::schema::{Attempt, GivenAnswer};
    use tallschool_shared::video::{AttemptResult, Feedback, Question, Watched};

    use super::*;

    fn test_with_questions() -> VideoTest {
        let question = |id: &str, kind| Question {
            id: id.to_owned(),
            at_secs: 1,
            kind,
            prompt: format!("prompt {id}"),
            options: vec![],
            points: 2,
        };
        VideoTest {
            title: "T".to_owned(),
            media: String::new(),
            duration_secs: 10,
            prevent_skipping: true,
            attempts_allowed: 0,
            feedback: Feedback::GradedOnSync,
            questions: vec![question("truth", QuestionKind::TrueFalse), question("why", QuestionKind::ShortText)],
            keys: BTreeMap::new(),
        }
    }

    fn submission(student: &str, attempt: &str, submitted: i64, why_points: Option<Option<f64>>) -> Submission {
        let given = |answer| GivenAnswer { answer, video_at: 1, at: 0 };
        let answers = BTreeMap::from([
            ("truth".to_owned(), given(Answer::Truth(true))),
            ("why".to_owned(), given(Answer::Text("because".to_owned()))),
        ]);
        let result = why_points.map(|why| AttemptResult {
            attempt_id: attempt.to_owned(),
            student_id: student.to_owned(),
            submitted_at: Some(submitted),
            points: BTreeMap::from([("truth".to_owned(), Some(2.0)), ("why".to_owned(), why)]),
            score: 2.0,
            max_score: 4.0,
            complete: why.is_some(),
        });
        Submission {
            student: student.parse().unwrap(),
            attempt: Attempt {
                id: attempt.to_owned(),
                device: "d".to_owned(),
                started_at: submitted - 60,
                submitted_at: Some(submitted),
                playback_rate: 1.0,
                position: 10,
                watched: Watched::decode("0-10"),
                answers,
            },
            result,
        }
    }

    const ANNA: &str = "6b1f3a52-0000-4000-8000-000000000001";
    const BORIS: &str = "9c2e0000-0000-4000-8000-000000000002";

    #[test]
    fn only_short_answers_without_points_wait_for_the_teacher() {
        let test = test_with_questions();
        let submissions = vec![
            submission(ANNA, "a2", 300, Some(Some(1.0))),
            submission(BORIS, "b1", 200, Some(None)),
            submission(ANNA, "a1", 100, None),
        ];
        let queue = grading_queue(&test, &submissions);
        assert_eq!(queue.len(), 1, "graded answers and attempts the server has not graded yet are not queued");
        assert_eq!((queue[0].attempt.as_str(), queue[0].answer.as_str(), queue[0].max_points), ("b1", "because", 2));
    }

    #[test]
    fn each_student_shows_their_latest_attempt() {
        let submissions = vec![submission(ANNA, "a2", 300, None), submission(ANNA, "a1", 100, None)];
        let latest = latest_by_student(&submissions);
        let (count, last) = &latest[&ANNA.parse::<UserId>().unwrap()];
        assert_eq!((*count, last.attempt.id.as_str()), (2, "a2"));
    }
}
