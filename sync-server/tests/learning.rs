//! Learning features end to end through the engine's API (what the apps call): a teacher
//! creates, assigns and syncs; students study, read and answer offline on two devices;
//! everything merges; the teacher sees progress and grades; the digest counts it. The server
//! runs in the test process and the devices reach it through the in-process transport; the
//! CLI's own end-to-end test is `tests/cli.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{Device, TestServer, World};
use reqwest::StatusCode;
use serde_json::json;
use tallschool_client::ClientError;
use tallschool_client::contract::reader::{Place, Span};
use tallschool_client::contract::request::{CardPatch, DigestScope, NewAssignment, UtcOffsetSetting};
use tallschool_client::contract::video::{NewQuestion, TestSettings};
use tallschool_shared::cards::{CardError, CardType, RowProblem};
use tallschool_shared::scheduling::{Rating, StudySettings};
use tallschool_shared::video::{Answer, Feedback, Key, QuestionKind};
use tallschool_shared::{ClassId, DocId};

/// The status of a server refusal (the test fails on any other error).
fn refused_with(error: &ClientError) -> u16 {
    match error {
        ClientError::Server { status, .. } => *status,
        other => panic!("expected a server refusal, got {other:?}"),
    }
}

fn item_ids(queue: &[tallschool_client::contract::learning::Scheduled]) -> BTreeSet<String> {
    queue.iter().map(|s| s.item_id.clone()).collect()
}

#[tokio::test]
async fn decks_import_study_offline_on_two_devices_and_the_teacher_sees_retention() {
    let server = TestServer::start_in_process().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    let class: ClassId = world.a.class_id.parse().unwrap();

    // The teacher builds a deck offline: an import with bad rows, every card type, an edit.
    let decks = teacher.core.decks();
    let deck = decks.create(class, "Animals", Some("Spanish")).unwrap();
    let report = decks
        .import(
            deck,
            "front,back,type,tags\ndog,perro,,noun\ncat,gato,reversed,noun\n,no front,,\n\
             \"The {{c1::horse}} eats {{c2::grass}}\",,cloze,\nbird,pájaro,wobbly,\nno deletion here,,cloze,\n",
        )
        .unwrap();
    assert_eq!(report.cards.len(), 3, "{report:?}");
    let rejected: Vec<u64> = report.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(rejected, vec![4, 6, 7], "{report:?}");
    let typed = decks
        .put_card(
            deck,
            None,
            &CardPatch { card_type: Some(CardType::TypeIn), ..CardPatch::front_back(Some("fish"), Some("pez")) },
        )
        .unwrap();
    let doomed = decks.put_card(deck, None, &CardPatch::front_back(Some("mouse"), Some("ratón"))).unwrap();
    let exported = decks.export(deck).unwrap();
    assert!(exported.starts_with("front,back,type"), "{exported}");
    assert_eq!(exported.lines().count(), 6, "header + 5 cards: {exported}");
    let settings = StudySettings { desired_retention: 0.85, new_per_day: 4, reviews_per_day: 50 };
    teacher.core.classes().set_study_settings(class, settings).await.unwrap();
    let assignment = NewAssignment {
        due: Some(4_073_587_199), // 2099-01-31
        note: "learn the animals".to_owned(),
        ..NewAssignment::default()
    };
    teacher.core.assignments().assign(deck, &assignment).unwrap();
    teacher.sync().await;

    // Two devices of one student; the class's settings arrive with the sync. Their clocks stand
    // at noon UTC yesterday (in the past, whatever the hour), so that the day's new-card budget
    // cannot roll over between two steps of a run that crosses midnight.
    let noon = tallschool_server::clock::system_now().div_euclid(86_400) * 86_400 - 12 * 3600;
    let day = tallschool_client::Clock::manual(noon);
    let laptop = Device::sign_in_as(&server, &demo.students[0], "laptop", day.clone()).await;
    let phone = Device::sign_in_as(&server, &demo.students[0], "phone", day).await;
    laptop.sync().await;
    phone.sync().await;
    assert_eq!(laptop.core.classes().list().unwrap()[0].study.new_per_day, 4);
    let lobby = laptop.core.lobby().get().unwrap();
    assert_eq!(lobby.cards_due[0].counts.new, 4, "new cards capped per day: {lobby:?}");
    assert!(lobby.due_today.is_empty(), "due in 2099");
    assert_eq!(lobby.assignments[0].note, "learn the animals");

    // Offline: the laptop answers, takes one back, answers again; the phone studies too.
    let study = laptop.core.study();
    let item = study.next(Some(deck)).unwrap().unwrap().item_id;
    study.answer(deck, &item, Some(Rating::Good), None).unwrap();
    assert_eq!(study.undo().unwrap().as_deref(), Some(item.as_str()));
    assert_eq!(study.next(Some(deck)).unwrap().unwrap().item_id, item, "undo brings it back");
    study.answer(deck, &item, Some(Rating::Easy), None).unwrap();
    let mut answered = BTreeSet::from([item.clone()]);
    for _ in 0..3 {
        let next = study.next(Some(deck)).unwrap().unwrap();
        if next.typed {
            let result = study.answer(deck, &next.item_id, None, Some(" PEZ ")).unwrap();
            assert_eq!(result.typed_correct, Some(true), "{result:?}");
        } else {
            study.answer(deck, &next.item_id, Some(Rating::Good), None).unwrap();
        }
        answered.insert(next.item_id);
    }
    let lobby = laptop.core.lobby().get().unwrap();
    assert_eq!(lobby.cards_due[0].counts.new, 0, "4 new a day");
    assert_eq!(lobby.streak_days, 1, "{lobby:?}");
    // "Today" is the device's local day (set by hand here; by default the system's zone).
    let settings = laptop.core.settings();
    assert_eq!(settings.set_utc_offset(UtcOffsetSetting::Fixed(19_800), None).unwrap(), 19_800);
    assert_eq!(settings.set_utc_offset(UtcOffsetSetting::Fixed(-10_800), None).unwrap(), -10_800);
    let refused = settings.set_utc_offset(UtcOffsetSetting::Fixed(15 * 3600), None).unwrap_err();
    assert!(refused.to_string().contains("UTC offset"), "{refused}");
    assert_eq!(settings.utc_offset().unwrap(), -10_800, "a refused offset changes nothing");
    assert_eq!(settings.set_utc_offset(UtcOffsetSetting::Auto, Some(0)).unwrap(), 0);
    let phone_item = phone.core.study().next(Some(deck)).unwrap().unwrap().item_id;
    phone.core.study().answer(deck, &phone_item, Some(Rating::Again), None).unwrap();
    assert_eq!(phone.core.lobby().get().unwrap().sync.unsaved_answers, 1);

    // Sync in any order: both devices then hold the same merged log and the same queue.
    phone.sync().await;
    assert_eq!(laptop.sync().await.answers_written, 4, "the undone answer is not written");
    phone.sync().await;
    let laptop_queue = laptop.core.study().queue(deck).unwrap();
    assert_eq!(laptop_queue, phone.core.study().queue(deck).unwrap(), "same schedule on both devices");
    let queued = item_ids(&laptop_queue);
    assert!(queued.contains(&phone_item) && answered.is_subset(&queued), "{laptop_queue:?}");

    // The teacher edits a studied card and deletes another: schedules stay, history stays.
    let studied_card = item.split('#').next().unwrap().to_owned();
    let example = CardPatch { example: Some("edited by the teacher".to_owned()), ..CardPatch::default() };
    decks.put_card(deck, Some(&studied_card), &example).unwrap();
    decks.delete_card(deck, &doomed).unwrap();
    teacher.sync().await;
    laptop.sync().await;
    let after_edit = laptop.core.study().queue(deck).unwrap();
    let before: Vec<_> = laptop_queue.iter().filter(|s| !s.item_id.starts_with(&doomed)).cloned().collect();
    assert_eq!(before, after_edit, "editing a card never resets a schedule; the deleted card is hidden");
    let cards: Vec<String> = laptop.core.decks().cards(deck).unwrap().into_iter().map(|c| c.id).collect();
    assert!(!cards.contains(&doomed) && cards.contains(&typed), "{cards:?}");

    // The teacher's view: reviews per student, predicted retention, the heatmap by theme.
    teacher.sync().await;
    let report = decks.report(deck).unwrap();
    let student = &report.students[0];
    assert_eq!(student.student_id, world.a.student.user.id);
    assert_eq!(student.reviews, 5, "{report:?}");
    assert!(student.predicted_retention.is_some_and(|r| (0.0..=1.0).contains(&r)), "{report:?}");
    let heatmap = teacher.core.classes().theme_heatmap(class).unwrap();
    assert!(heatmap["Spanish"].contains_key(&world.a.student.user.id), "{heatmap:?}");
}

/// Reading through the engine's API (no CLI): what the reader screens will call.
#[tokio::test]
async fn reading_positions_highlights_and_own_cards_merge_and_survive_edits() {
    let server = TestServer::start_in_process().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    let chapter_text = "The fox lived by the river. Every morning she watched the herons fish in the shallows.";
    let markdown = format!(
        "# Chapter 1: Home\n\n{chapter_text}\n\n# Chapter 2: The storm\n\nOne night the rain came and the river rose over its banks.\n\n![map](media:{})\n\n# Chapter 3: After\n\n{}\n",
        "b".repeat(64),
        "Quiet days followed. ".repeat(20)
    );
    let class: ClassId = world.a.class_id.parse().unwrap();
    let textdoc = teacher.core.reader().create(class, "The fox").unwrap();
    teacher.core.reader().set_body(textdoc, &markdown).unwrap();
    let assignment = |section: &str, students| NewAssignment {
        section: section.to_owned(),
        due: Some(946_771_199),
        students,
        ..NewAssignment::default()
    };
    let refused = teacher.core.assignments().assign(textdoc, &assignment("chapter 9", Vec::new())).unwrap_err();
    assert!(refused.to_string().contains("no section"), "{refused}");
    let student = world.a.student.user.id;
    teacher.core.assignments().assign(textdoc, &assignment("chapter 2", vec![student])).unwrap();
    teacher.sync().await;

    let laptop = Device::sign_in(&server, &demo.students[0]).await;
    let phone = Device::sign_in(&server, &demo.students[0]).await;
    laptop.sync().await;
    phone.sync().await;
    let lobby = laptop.core.lobby().get().unwrap();
    assert_eq!(lobby.overdue[0].section, "chapter 2", "assigned, past due, unread: {lobby:?}");
    assert_eq!(laptop.core.reader().view(textdoc).unwrap().outline.len(), 3);

    // Offline: the laptop reads into chapter 1 and highlights; the phone reads further.
    let reader = laptop.core.reader();
    reader.set_position(textdoc, &Place::Find("herons".into())).unwrap();
    let highlight = reader.highlight(textdoc, &Span::Find("herons fish".into()), "green", "garzas pescan").unwrap();
    reader.bookmark(textdoc, 10, "").unwrap();
    let own = reader.card_from_text(textdoc, Some(&highlight), None, None).unwrap();
    let bad = reader.highlight(textdoc, &Span::Range { start: 5, end: 999_999 }, "yellow", "").unwrap_err();
    assert!(bad.to_string().contains("outside the text"), "{bad}");
    let bad = reader.highlight(textdoc, &Span::Find("river".into()), "ultraviolet", "").unwrap_err();
    assert!(bad.to_string().contains("colour"), "{bad}");
    let phone_at = phone.core.reader().set_position(textdoc, &Place::Find("rain came".into())).unwrap().percent;

    laptop.sync().await;
    phone.sync().await;
    laptop.sync().await;
    for device in [&laptop, &phone] {
        let view = device.core.reader().view(textdoc).unwrap();
        assert!((view.furthest_percent - phone_at).abs() < 1e-9, "{view:?}");
        assert_eq!(view.devices.len(), 2, "each device's last position: {view:?}");
        assert_eq!((view.highlights.len(), view.bookmarks.len()), (1, 1));
    }
    // Chapter 2 is read past its middle but not to its end.
    assert_eq!(laptop.core.lobby().get().unwrap().overdue.len(), 1);
    phone.core.reader().set_position(textdoc, &Place::Find("# Chapter 3".into())).unwrap();
    phone.sync().await;
    laptop.sync().await;
    let lobby = laptop.core.lobby().get().unwrap();
    assert!(lobby.overdue.is_empty(), "chapter 2 done: {lobby:?}");
    assert!(lobby.assignments[0].done);

    // The card made from the highlight is studied like any other, on either device.
    let progress = lobby.cards_due[0].deck_id;
    let next = phone.core.study().next(Some(progress)).unwrap().unwrap();
    assert_eq!(
        (next.card_id.as_str(), next.prompt.as_str(), next.answer.as_str()),
        (own.as_str(), "herons fish", "garzas pescan")
    );

    // The teacher adds a preface: the highlight follows its words.
    teacher.core.reader().set_body(textdoc, &format!("A preface the teacher added later.\n\n{markdown}")).unwrap();
    teacher.sync().await;
    laptop.sync().await;
    let view = laptop.core.reader().view(textdoc).unwrap();
    let (start, _) = view.highlights[0].1.unwrap();
    let body = laptop.core.reader().body(textdoc).unwrap();
    assert_eq!(body.chars().skip(start as usize).take(11).collect::<String>(), "herons fish");

    // The teacher sees each student's reading (from the tables their sync keeps current).
    let rows = teacher.core.reader().progress(textdoc).unwrap();
    assert_eq!(rows[0].student_id, student);
    assert!(rows[0].furthest_percent > phone_at);
    assert_eq!((rows[0].highlights, rows[0].own_cards), (1, 1));
}

fn question(
    at_secs: u32,
    kind: QuestionKind,
    prompt: &str,
    options: &[&str],
    key: Option<Key>,
    points: u32,
) -> NewQuestion {
    NewQuestion {
        at_secs,
        kind,
        prompt: prompt.to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        points,
        key,
    }
}

fn choices(picked: &[u32]) -> BTreeSet<u32> {
    picked.iter().copied().collect()
}

#[tokio::test]
async fn video_tests_are_graded_on_sync_and_by_the_teacher_and_students_cannot_forge_grades() {
    let server = TestServer::start_in_process().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    let class: ClassId = world.a.class_id.parse().unwrap();
    let tests = teacher.core.video_tests();
    let test = tests.create(class, "Photosynthesis").unwrap();
    let video = "c".repeat(64);
    let settings = TestSettings {
        media: Some(video.clone()),
        duration_secs: Some(120),
        prevent_skipping: Some(true),
        attempts_allowed: Some(2),
        feedback: None,
    };
    tests.configure(test, &settings).unwrap();
    let single = tests
        .add_question(
            test,
            &question(
                20,
                QuestionKind::SingleChoice,
                "Plants need?",
                &["salt", "light", "noise"],
                Some(Key::Choices(choices(&[1]))),
                2,
            ),
        )
        .unwrap();
    let multiple = tests
        .add_question(
            test,
            &question(
                40,
                QuestionKind::MultipleChoice,
                "Products?",
                &["oxygen", "iron", "sugar"],
                Some(Key::Choices(choices(&[0, 2]))),
                2,
            ),
        )
        .unwrap();
    let truth = tests
        .add_question(
            test,
            &question(60, QuestionKind::TrueFalse, "Roots photosynthesise?", &[], Some(Key::Truth(false)), 1),
        )
        .unwrap();
    let short = tests
        .add_question(test, &question(100, QuestionKind::ShortText, "Where does it happen?", &[], None, 3))
        .unwrap();
    let beyond = tests
        .add_question(test, &question(500, QuestionKind::TrueFalse, "late", &[], Some(Key::Truth(true)), 1))
        .unwrap_err();
    assert!(beyond.to_string().contains("120s long"), "{beyond}");
    let bad_key = tests
        .add_question(
            test,
            &question(5, QuestionKind::SingleChoice, "x", &["a", "b"], Some(Key::Choices(choices(&[7]))), 1),
        )
        .unwrap_err();
    assert!(bad_key.to_string().contains("key"), "{bad_key}");
    assert_eq!(tests.view(test).unwrap().questions.len(), 4, "refused questions are not stored");
    assert_eq!(teacher.sync().await.keys_delivered, 3);

    // The student's document carries no key.
    let laptop = Device::sign_in(&server, &demo.students[0]).await;
    let phone = Device::sign_in(&server, &demo.students[0]).await;
    laptop.sync().await;
    phone.sync().await;
    let shown = laptop.core.sync().document(test).unwrap().to_string();
    assert!(!shown.contains("\"key\""), "{shown}");

    // Offline attempt: skipping ahead is refused; bad answers are refused; nothing is stored wrongly.
    let student = laptop.core.video_tests();
    let attempt = student.start_attempt(test, 1.0).unwrap().attempt;
    student.watch(test, &attempt, 0, 30, 1.0).unwrap();
    let skip = student.watch(test, &attempt, 50, 70, 1.0).unwrap_err();
    assert!(skip.to_string().contains("skipping"), "{skip}");
    let early = student.answer(test, &attempt, &multiple, &Answer::Choices(choices(&[0, 2])), None).unwrap_err();
    assert!(early.to_string().contains("watch up to 40s"), "{early}");
    student.answer(test, &attempt, &single, &Answer::Choices(choices(&[1])), None).unwrap();
    student.watch(test, &attempt, 30, 120, 1.5).unwrap();
    let ghost = student.answer(test, &attempt, "no-such-question", &Answer::Choices(choices(&[1])), None).unwrap_err();
    assert!(ghost.to_string().contains("no question"), "{ghost}");
    let range = student.answer(test, &attempt, &single, &Answer::Choices(choices(&[9])), None).unwrap_err();
    assert!(range.to_string().contains("no such option"), "{range}");
    let late = student.answer(test, &attempt, &truth, &Answer::Truth(false), Some(999)).unwrap_err();
    assert!(late.to_string().contains("beyond"), "{late}");
    student.answer(test, &attempt, &multiple, &Answer::Choices(choices(&[0])), None).unwrap();
    student.answer(test, &attempt, &short, &Answer::Text("In the chloroplasts".to_owned()), None).unwrap();
    let pending = student.answer(test, &attempt, &truth, &Answer::Truth(false), None).unwrap();
    assert_eq!(pending, None, "graded on sync: no verdict on the device");
    // The phone, offline, starts its own attempt: the two never overwrite each other.
    let other = phone.core.video_tests().start_attempt(test, 1.0).unwrap().attempt;
    assert_ne!(other, attempt);
    student.submit(test, &attempt).unwrap();
    assert_eq!(laptop.sync().await.results_received, 1);
    let attempts = student.attempts(test).unwrap();
    let result = attempts[0].result.as_ref().unwrap();
    // 2 (single) + 1 (one of two right picks) + 1 (true/false) and the text waits for the teacher.
    assert_eq!((result.score, result.max_score, result.complete), (4.0, 8.0, false), "{attempts:?}");
    phone.sync().await;
    assert_eq!(phone.core.video_tests().attempts(test).unwrap().len(), 2, "both attempts kept");
    assert_eq!(
        phone.core.video_tests().start_attempt(test, 1.0).unwrap().attempt,
        other,
        "the unfinished attempt resumes"
    );

    // A student cannot grade, not even their own attempt.
    let me = world.a.student.user.id;
    let forged = student.grade(test, me, &attempt, &short, 3.0).await.unwrap_err();
    assert_eq!(refused_with(&forged), 403, "{forged}");

    // The teacher grades the text answer; the student sees it after the next sync.
    teacher.sync().await;
    let results = tests.fetch_results(test).await.unwrap();
    assert_eq!(results.attempts.len(), 1, "only submitted attempts: {results:?}");
    let too_many = tests.grade(test, me, &attempt, &short, 4.0).await.unwrap_err();
    assert_eq!(refused_with(&too_many), 422, "{too_many}");
    let graded = tests.grade(test, me, &attempt, &short, 3.0).await.unwrap();
    assert_eq!((graded.score, graded.complete), (7.0, true));
    laptop.sync().await;
    let attempts = student.attempts(test).unwrap();
    let mine = attempts.iter().find(|a| a.attempt.id == attempt).unwrap();
    assert_eq!(mine.result.as_ref().unwrap().score, 7.0);

    // Instant feedback: the key travels in the document and the device answers at once.
    let quiz = tests.create(class, "Warm-up").unwrap();
    let instant = TestSettings {
        media: Some(video),
        duration_secs: Some(30),
        feedback: Some(Feedback::Instant),
        ..TestSettings::default()
    };
    tests.configure(quiz, &instant).unwrap();
    let warm = tests
        .add_question(quiz, &question(5, QuestionKind::TrueFalse, "Sun is a star?", &[], Some(Key::Truth(true)), 1))
        .unwrap();
    assert_eq!(teacher.sync().await.keys_delivered, 0, "nothing to hand over");
    laptop.sync().await;
    let quick = student.start_attempt(quiz, 1.0).unwrap().attempt;
    assert_eq!(student.answer(quiz, &quick, &warm, &Answer::Truth(true), None).unwrap(), Some(1.0));
    assert_eq!(student.answer(quiz, &quick, &warm, &Answer::Truth(false), None).unwrap(), Some(0.0));

    // API-level hostile input.
    let token = &world.a.teacher.access_token;
    let path = format!("/api/v1/classes/{class}/answer-keys");
    let body = json!({"test_id": test, "keys": {"no-such-question": {"truth": true}}});
    let (status, answer) = server.call(reqwest::Method::PUT, &path, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let body = json!({"test_id": test, "keys": {&single: {"choices": [5]}}});
    let (status, _) = server.call(reqwest::Method::PUT, &path, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let other_class = format!("/api/v1/classes/{}/results?test_id={test}", world.b.class_id);
    let (status, _) = server.get(&other_class, &world.b.teacher.access_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a test of another class is not found");
    let refused = teacher
        .core
        .classes()
        .set_study_settings(class, StudySettings { desired_retention: 0.5, new_per_day: 10, reviews_per_day: 100 })
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("0.70"), "checked on the device before sending: {refused}");
    let settings = format!("/api/v1/classes/{class}/study-settings");
    let body = json!({"desired_retention": 0.5, "new_per_day": 10, "reviews_per_day": 100});
    let (status, _) = server.call(reqwest::Method::PUT, &settings, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "and on the server");
}

#[tokio::test]
async fn two_teachers_editing_one_card_offline_both_keep_their_edit() {
    let server = TestServer::start_in_process().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let desk = Device::sign_in(&server, &demo.teacher).await;
    let tablet = Device::sign_in(&server, &demo.teacher).await;
    let deck = desk.core.decks().create(world.a.class_id.parse().unwrap(), "Shared", None).unwrap();
    let card = desk.core.decks().put_card(deck, None, &CardPatch::front_back(Some("house"), Some("casa"))).unwrap();
    desk.sync().await;
    tablet.sync().await;
    let hint = CardPatch { hint: Some("a building".to_owned()), ..CardPatch::default() };
    desk.core.decks().put_card(deck, Some(&card), &hint).unwrap();
    let example = CardPatch {
        example: Some("mi casa es tu casa".to_owned()),
        tags: Some(vec!["home".to_owned(), "noun".to_owned()]),
        ..CardPatch::default()
    };
    tablet.core.decks().put_card(deck, Some(&card), &example).unwrap();
    for device in [&desk, &tablet, &desk] {
        device.sync().await;
    }
    for device in [&desk, &tablet] {
        let cards = device.core.decks().cards(deck).unwrap();
        let fields = &cards[0].fields;
        assert_eq!((fields.hint.as_str(), fields.example.as_str()), ("a building", "mi casa es tu casa"), "{cards:?}");
        assert_eq!(fields.tags, ["home", "noun"]);
    }
}

#[tokio::test]
async fn malformed_input_is_refused_and_nothing_is_stored() {
    let server = TestServer::start_in_process().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    let class: ClassId = world.a.class_id.parse().unwrap();
    let decks = teacher.core.decks();
    let deck = decks.create(class, "Empty", None).unwrap();
    let document = |doc: DocId| teacher.core.sync().document(doc).unwrap();
    let before = document(deck);
    let pending = teacher.core.sync().status().unwrap().pending_changes;
    for (text, expected) in [
        ("front,colour\na,red\n", "unknown column \"colour\""),
        ("", "no header row"),
        ("back\nperro\n", "no header row"),
    ] {
        let error = decks.import(deck, text).unwrap_err().to_string();
        assert!(error.contains(expected), "{text:?}: {error}");
    }
    // A file whose every row is bad imports nothing and says why, row by row.
    let report = decks.import(deck, "front,back\n\"unclosed,x\n").unwrap();
    assert!(report.cards.is_empty(), "{report:?}");
    assert_eq!(report.rejected, [(2, RowProblem::Card(CardError::EmptyBack))]);
    let cloze = CardPatch { card_type: Some(CardType::Cloze), ..CardPatch::front_back(Some("no deletion"), None) };
    let error = decks.put_card(deck, None, &cloze).unwrap_err();
    assert!(error.to_string().contains("deletion"), "{error}");
    let sneaky =
        CardPatch { media: Some(vec!["../../etc/passwd".to_owned()]), ..CardPatch::front_back(Some("x"), Some("y")) };
    let error = decks.put_card(deck, None, &sneaky).unwrap_err();
    assert!(error.to_string().contains("SHA-256"), "{error}");
    let error = decks.put_card(deck, Some("no-such-card"), &CardPatch::front_back(Some("x"), None)).unwrap_err();
    assert!(!error.to_string().is_empty());
    let error = teacher
        .core
        .assignments()
        .assign(deck, &NewAssignment { section: "chapter 1".to_owned(), ..NewAssignment::default() })
        .unwrap_err();
    assert!(error.to_string().contains("section"), "a deck has no sections: {error}");
    assert_eq!(document(deck), before, "nothing stored");
    assert_eq!(teacher.core.sync().status().unwrap().pending_changes, pending, "no change made");
    let error = teacher
        .core
        .classes()
        .set_study_settings(class, StudySettings { desired_retention: 0.99, new_per_day: 1, reviews_per_day: 1 })
        .await
        .unwrap_err();
    assert!(error.to_string().contains("0.70"), "{error}");
}

#[tokio::test]
async fn the_weekly_digest_counts_a_seeded_week_for_teachers_and_admins_only() {
    let server = TestServer::start_in_process().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    let class: ClassId = world.a.class_id.parse().unwrap();
    let decks = teacher.core.decks();
    let deck = decks.create(class, "Colours", None).unwrap();
    let red = decks.put_card(deck, None, &CardPatch::front_back(Some("red"), Some("rojo"))).unwrap();
    let blue = decks.put_card(deck, None, &CardPatch::front_back(Some("blue"), Some("azul"))).unwrap();
    let reading = teacher.core.reader().create(class, "Poem").unwrap();
    teacher.core.reader().append(reading, &"Roses are red, violets are blue. ".repeat(10)).unwrap();
    // Assigned to everyone, due long ago: the students who have not read it are overdue.
    let overdue = NewAssignment { due: Some(1000), ..NewAssignment::default() };
    teacher.core.assignments().assign(reading, &overdue).unwrap();
    let tests = teacher.core.video_tests();
    let quiz = tests.create(class, "Quiz").unwrap();
    let settings = TestSettings { media: Some("d".repeat(64)), duration_secs: Some(60), ..TestSettings::default() };
    tests.configure(quiz, &settings).unwrap();
    let yes = tests
        .add_question(quiz, &question(10, QuestionKind::TrueFalse, "Red is a colour?", &[], Some(Key::Truth(true)), 1))
        .unwrap();
    let no = tests
        .add_question(quiz, &question(20, QuestionKind::TrueFalse, "Blue is a fruit?", &[], Some(Key::Truth(false)), 1))
        .unwrap();
    teacher.sync().await;

    // Student 1: three reviews (red twice: once new, once known, recalled) and reads 50%.
    let ada = Device::sign_in(&server, &demo.students[0]).await;
    ada.sync().await;
    let study = ada.core.study();
    study.answer(deck, &red, Some(Rating::Good), None).unwrap();
    study.answer(deck, &red, Some(Rating::Good), None).unwrap();
    study.answer(deck, &blue, Some(Rating::Again), None).unwrap();
    ada.core.reader().set_position(reading, &Place::Percent(50.0)).unwrap();
    // One video-test attempt: one answer right, one wrong → 50%.
    let video = ada.core.video_tests();
    let attempt = video.start_attempt(quiz, 1.0).unwrap().attempt;
    video.answer(quiz, &attempt, &yes, &Answer::Truth(true), None).unwrap();
    video.answer(quiz, &attempt, &no, &Answer::Truth(true), None).unwrap();
    video.submit(quiz, &attempt).unwrap();
    ada.sync().await;
    teacher.sync().await;

    let admin = Device::sign_in(&server, &demo.edu_admin).await;
    let school = world.a.school_id.parse().unwrap();
    let digests = admin.core.digests().run(school, Some(admin.core.now())).await.unwrap();
    let class_digest =
        digests.iter().find(|d| d.scope == tallschool_shared::digest::DigestScope::Class(class)).unwrap();
    let n = &class_digest.numbers;
    assert_eq!((n.students, n.active_students, n.reviews), (3, 1, 3), "{n:?}");
    assert_eq!((n.retention_base, n.retention), (1, Some(1.0)));
    assert_eq!((n.readers, n.reading_pace), (1, Some(50.0)));
    assert_eq!(n.overdue, 3, "every student: the poem is not read to the end");
    assert_eq!((n.attempts_submitted, n.average_score), (1, Some(50.0)));
    let cohort = digests.iter().find(|d| matches!(d.scope, tallschool_shared::digest::DigestScope::Cohort(_))).unwrap();
    assert_eq!(cohort.numbers.reviews, 3);

    // Stored and visible to the class's teacher and the school's admins; not to students.
    let shown = teacher.core.digests().list(DigestScope::Class(class)).await.unwrap();
    assert_eq!(shown[0].numbers, *n);
    let refused = ada.core.digests().list(DigestScope::Class(class)).await.unwrap_err();
    assert_eq!(refused_with(&refused), 403, "{refused}");
    let (status, _) = server.get(&format!("/api/v1/schools/{school}/digests"), &world.b.edu_admin.access_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another school's admin does not see it");
    // Published as an event, with no personal data.
    let mut db = server.db().await;
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox WHERE topic = 'learning.digest.v1'")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert!(payloads.len() >= 2);
    assert!(payloads.iter().all(|p| !p.contains("Ada") && !p.contains("demo.student")), "{payloads:?}");
}

#[tokio::test]
async fn the_digest_runs_on_its_schedule() {
    let server = TestServer::start_with(&["--digest-schedule", "* * * * * *"]).await;
    let world = World::build(&server).await;
    let school = world.a.school_id.clone();
    let token = world.a.edu_admin.access_token.clone();
    common::eventually("a scheduled digest is stored", || {
        let (server, school, token) = (&server, school.clone(), token.clone());
        async move {
            let (status, digests) = server.get(&format!("/api/v1/schools/{school}/digests"), &token).await;
            status == StatusCode::OK && !digests.as_array().unwrap().is_empty()
        }
    })
    .await;
}
