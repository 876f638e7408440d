//! Learning features end to end against a real server, through the engine's API (what the
//! apps call) and through the `tallschool` CLI: a teacher creates, assigns and syncs; students
//! study, read and answer offline on two devices; everything merges; the teacher sees progress
//! and grades; the digest counts it.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{Cli, Device, TestServer, World, text};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tallschool_client::contract::reader::{Place, Span};
use tallschool_client::contract::request::NewAssignment;
use tallschool_shared::ClassId;

fn ids(value: &Value, key: &str) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v[key].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn decks_import_study_offline_on_two_devices_and_the_teacher_sees_retention() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("teacher", &demo.teacher);
    let class = world.a.class_id.clone();

    // The teacher builds a deck offline: an import with bad rows, every card type, an edit.
    let deck = text(
        &cli.run("teacher", &["deck", "create", "--class", &class, "--title", "Animals", "--theme", "Spanish"]),
        "id",
    );
    let csv = cli.home("teacher").join("animals.csv");
    std::fs::write(
        &csv,
        "front,back,type,tags\ndog,perro,,noun\ncat,gato,reversed,noun\n,no front,,\n\
         \"The {{c1::horse}} eats {{c2::grass}}\",,cloze,\nbird,pájaro,wobbly,\nno deletion here,,cloze,\n",
    )
    .unwrap();
    let report = cli.run("teacher", &["deck", "import", &deck, csv.to_str().unwrap()]);
    assert_eq!(report["imported"], 3, "{report}");
    let rejected: Vec<u64> = report["rejected"].as_array().unwrap().iter().map(|r| r[0].as_u64().unwrap()).collect();
    assert_eq!(rejected, vec![4, 6, 7], "{report}");
    let typed = text(
        &cli.run("teacher", &["deck", "card", &deck, "--type", "type_in", "--front", "fish", "--back", "pez"]),
        "card",
    );
    let doomed = text(&cli.run("teacher", &["deck", "card", &deck, "--front", "mouse", "--back", "ratón"]), "card");
    let exported = cli.home("teacher").join("export.csv");
    cli.run("teacher", &["deck", "export", &deck, "--out", exported.to_str().unwrap()]);
    let again = std::fs::read_to_string(&exported).unwrap();
    assert!(again.starts_with("front,back,type"), "{again}");
    assert_eq!(again.lines().count(), 6, "header + 5 cards: {again}");
    cli.run(
        "teacher",
        &["class", "settings", &class, "--retention", "0.85", "--new-per-day", "4", "--reviews-per-day", "50"],
    );
    cli.run("teacher", &["assign", &deck, "--due", "2099-01-31", "--note", "learn the animals"]);
    cli.run("teacher", &["sync"]);

    // Two devices of one student; the class's settings arrive with the sync.
    for device in ["laptop", "phone"] {
        cli.login(device, &demo.students[0]);
        cli.run(device, &["sync"]);
    }
    let classes = cli.run("laptop", &["class", "list"]);
    assert_eq!(classes[0]["study"]["new_per_day"], 4);
    let lobby = cli.run("laptop", &["lobby"]);
    assert_eq!(lobby["cards_due"][0]["counts"]["new"], 4, "new cards capped per day: {lobby}");
    assert_eq!(lobby["due_today"].as_array().unwrap().len(), 0, "due in 2099");
    assert_eq!(lobby["assignments"][0]["note"], "learn the animals");

    // Offline: the laptop answers, takes one back, answers again; the phone studies too.
    let first = cli.run("laptop", &["study", "next", "--deck", &deck]);
    let item = text(&first, "item_id");
    cli.run("laptop", &["study", "answer", &deck, &item, "good"]);
    let undone = cli.run("laptop", &["study", "undo"]);
    assert_eq!(undone["undone"], item.as_str());
    assert_eq!(text(&cli.run("laptop", &["study", "next", "--deck", &deck]), "item_id"), item, "undo brings it back");
    cli.run("laptop", &["study", "answer", &deck, &item, "easy"]);
    let mut answered = BTreeSet::from([item.clone()]);
    for _ in 0..3 {
        let next = cli.run("laptop", &["study", "next", "--deck", &deck]);
        let id = text(&next, "item_id");
        let rating = if next["typed"] == true { "" } else { "good" };
        if rating.is_empty() {
            let result = cli.run("laptop", &["study", "answer", &deck, &id, "--typed", " PEZ "]);
            assert_eq!(result["typed_correct"], true, "{result}");
        } else {
            cli.run("laptop", &["study", "answer", &deck, &id, rating]);
        }
        answered.insert(id);
    }
    let lobby = cli.run("laptop", &["lobby"]);
    assert_eq!(lobby["cards_due"][0]["counts"]["new"], 0, "4 new a day");
    assert_eq!(lobby["streak_days"], 1, "{lobby}");
    // "Today" is the device's local day (set by hand here; by default the system's zone).
    assert_eq!(cli.run("laptop", &["utc-offset", "+05:30"])["utc_offset_secs"], 19_800);
    assert_eq!(cli.run("laptop", &["utc-offset", "-03:00"])["utc_offset_secs"], -10_800);
    assert!(cli.fail("laptop", &["utc-offset", "+15:00"]).contains("UTC offset"));
    cli.run("laptop", &["utc-offset", "auto"]);
    let phone_item = text(&cli.run("phone", &["study", "next", "--deck", &deck]), "item_id");
    cli.run("phone", &["study", "answer", &deck, &phone_item, "again"]);
    assert_eq!(cli.run("phone", &["lobby"])["sync"]["unsaved_answers"], 1);

    // Sync in any order: both devices then hold the same merged log and the same queue.
    cli.run("phone", &["sync"]);
    let laptop_report = cli.run("laptop", &["sync"]);
    assert_eq!(laptop_report["answers_written"], 4, "the undone answer is not written");
    cli.run("phone", &["sync"]);
    let laptop_queue = cli.run("laptop", &["study", "queue", &deck]);
    let phone_queue = cli.run("phone", &["study", "queue", &deck]);
    assert_eq!(laptop_queue, phone_queue, "same schedule on both devices");
    let queued: BTreeSet<String> = ids(&laptop_queue, "item_id").into_iter().collect();
    assert!(queued.contains(&phone_item) && answered.is_subset(&queued), "{laptop_queue}");

    // The teacher edits a studied card and deletes another: schedules stay, history stays.
    let studied_card = item.split('#').next().unwrap().to_owned();
    cli.run("teacher", &["deck", "card", &deck, "--card", &studied_card, "--example", "edited by the teacher"]);
    cli.run("teacher", &["deck", "delete-card", &deck, &doomed]);
    cli.run("teacher", &["sync"]);
    cli.run("laptop", &["sync"]);
    let after_edit = cli.run("laptop", &["study", "queue", &deck]);
    let before: Vec<&Value> = laptop_queue
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["item_id"].as_str().unwrap().starts_with(&doomed))
        .collect();
    let after: Vec<&Value> = after_edit.as_array().unwrap().iter().collect();
    assert_eq!(before, after, "editing a card never resets a schedule; the deleted card is hidden");
    let cards = cli.run("laptop", &["deck", "cards", &deck]);
    assert!(!ids(&cards, "id").contains(&doomed));
    assert!(ids(&cards, "id").contains(&typed));

    // The teacher's view: reviews per student, predicted retention, the heatmap by theme.
    cli.run("teacher", &["sync"]);
    let report = cli.run("teacher", &["deck", "report", &deck]);
    let student = &report["students"][0];
    assert_eq!(student["student_id"], world.a.student.user.id.to_string());
    assert_eq!(student["reviews"], 5, "{report}");
    let retention = student["predicted_retention"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&retention), "{report}");
    let heatmap = cli.run("teacher", &["class", "heatmap", &class]);
    assert!(heatmap["Spanish"][world.a.student.user.id.to_string()].as_f64().is_some(), "{heatmap}");
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

#[tokio::test]
async fn video_tests_are_graded_on_sync_and_by_the_teacher_and_students_cannot_forge_grades() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("teacher", &demo.teacher);
    let class = world.a.class_id.clone();
    let test = text(&cli.run("teacher", &["video", "create", "--class", &class, "--title", "Photosynthesis"]), "id");
    let video = "c".repeat(64);
    cli.run(
        "teacher",
        &[
            "video",
            "configure",
            &test,
            "--media",
            &video,
            "--duration",
            "120",
            "--prevent-skipping",
            "true",
            "--attempts",
            "2",
        ],
    );
    let q = |args: &[&str]| {
        let mut all = vec!["video", "question", test.as_str()];
        all.extend_from_slice(args);
        text(&cli.run("teacher", &all), "question")
    };
    let single = q(&[
        "--at",
        "20",
        "--kind",
        "single_choice",
        "--prompt",
        "Plants need?",
        "--option",
        "salt",
        "--option",
        "light",
        "--option",
        "noise",
        "--key",
        "1",
        "--points",
        "2",
    ]);
    let multiple = q(&[
        "--at",
        "40",
        "--kind",
        "multiple_choice",
        "--prompt",
        "Products?",
        "--option",
        "oxygen",
        "--option",
        "iron",
        "--option",
        "sugar",
        "--key",
        "0,2",
        "--points",
        "2",
    ]);
    let truth = q(&["--at", "60", "--kind", "true_false", "--prompt", "Roots photosynthesise?", "--key", "false"]);
    let short = q(&["--at", "100", "--kind", "short_text", "--prompt", "Where does it happen?", "--points", "3"]);
    let beyond = cli.fail(
        "teacher",
        &["video", "question", &test, "--at", "500", "--kind", "true_false", "--prompt", "late", "--key", "true"],
    );
    assert!(beyond.contains("120s long"), "{beyond}");
    let bad_key = cli.fail(
        "teacher",
        &["video", "question", &test, "--at", "5", "--prompt", "x", "--option", "a", "--option", "b", "--key", "7"],
    );
    assert!(bad_key.contains("key"), "{bad_key}");
    let report = cli.run("teacher", &["sync"]);
    assert_eq!(report["keys_delivered"], 3, "{report}");

    // The student's document carries no key.
    cli.login("laptop", &demo.students[0]);
    cli.login("phone", &demo.students[0]);
    cli.run("laptop", &["sync"]);
    cli.run("phone", &["sync"]);
    let shown = cli.run("laptop", &["show", &test]).to_string();
    assert!(!shown.contains("\"key\""), "{shown}");

    // Offline attempt: skipping ahead is refused; bad answers are refused; nothing is stored wrongly.
    let attempt = text(&cli.run("laptop", &["video", "start", &test]), "attempt");
    cli.run("laptop", &["video", "watch", &test, &attempt, "--from", "0", "--to", "30"]);
    let skip = cli.fail("laptop", &["video", "watch", &test, &attempt, "--from", "50", "--to", "70"]);
    assert!(skip.contains("skipping"), "{skip}");
    let early = cli.fail("laptop", &["video", "answer", &test, &attempt, &multiple, "0,2"]);
    assert!(early.contains("watch up to 40s"), "{early}");
    cli.run("laptop", &["video", "answer", &test, &attempt, &single, "1"]);
    cli.run("laptop", &["video", "watch", &test, &attempt, "--from", "30", "--to", "120", "--rate", "1.5"]);
    let ghost = cli.fail("laptop", &["video", "answer", &test, &attempt, "no-such-question", "1"]);
    assert!(ghost.contains("no question"), "{ghost}");
    let range = cli.fail("laptop", &["video", "answer", &test, &attempt, &single, "9"]);
    assert!(range.contains("no such option"), "{range}");
    let late = cli.fail("laptop", &["video", "answer", &test, &attempt, &truth, "false", "--at", "999"]);
    assert!(late.contains("beyond"), "{late}");
    cli.run("laptop", &["video", "answer", &test, &attempt, &multiple, "0"]);
    cli.run("laptop", &["video", "answer", &test, &attempt, &truth, "false"]);
    cli.run("laptop", &["video", "answer", &test, &attempt, &short, "In the chloroplasts"]);
    let pending = cli.run("laptop", &["video", "answer", &test, &attempt, &truth, "false"]);
    assert_eq!(pending["points"], Value::Null, "graded on sync: no verdict on the device");
    // The phone, offline, starts its own attempt: the two never overwrite each other.
    let other = text(&cli.run("phone", &["video", "start", &test]), "attempt");
    assert_ne!(other, attempt);
    cli.run("laptop", &["video", "submit", &test, &attempt]);
    let report = cli.run("laptop", &["sync"]);
    assert_eq!(report["results_received"], 1, "{report}");
    let attempts = cli.run("laptop", &["video", "attempts", &test]);
    let result = &attempts[0]["result"];
    // 2 (single) + 1 (one of two right picks) + 1 (true/false) and the text waits for the teacher.
    assert_eq!(result["score"], 4.0, "{attempts}");
    assert_eq!(result["max_score"], 8.0);
    assert_eq!(result["complete"], false);
    cli.run("phone", &["sync"]);
    let both = cli.run("phone", &["video", "attempts", &test]);
    assert_eq!(both.as_array().unwrap().len(), 2, "both attempts kept: {both}");
    let resumed = cli.run("phone", &["video", "start", &test]);
    assert_eq!(text(&resumed, "attempt"), other, "the unfinished attempt resumes");

    // A student cannot grade, not even their own attempt.
    let student_id = world.a.student.user.id.to_string();
    let grade = |points: &'static str| -> Vec<&str> {
        vec![
            "video",
            "grade",
            &test,
            "--student",
            &student_id,
            "--attempt",
            &attempt,
            "--question",
            &short,
            "--points",
            points,
        ]
    };
    let forged = cli.fail("laptop", &grade("3"));
    assert!(forged.contains("403"), "{forged}");

    // The teacher grades the text answer; the student sees it after the next sync.
    cli.run("teacher", &["sync"]);
    let results = cli.run("teacher", &["video", "results", &test]);
    assert_eq!(results["attempts"].as_array().unwrap().len(), 1, "only submitted attempts: {results}");
    let too_many = cli.fail("teacher", &grade("4"));
    assert!(too_many.contains("422"), "{too_many}");
    let graded = cli.run("teacher", &grade("3"));
    assert_eq!((graded["score"].as_f64(), graded["complete"].as_bool()), (Some(7.0), Some(true)));
    cli.run("laptop", &["sync"]);
    let attempts = cli.run("laptop", &["video", "attempts", &test]);
    let mine = attempts.as_array().unwrap().iter().find(|a| a["attempt"]["id"] == attempt.as_str()).unwrap();
    assert_eq!(mine["result"]["score"], 7.0);

    // Instant feedback: the key travels in the document and the device answers at once.
    let quiz = text(&cli.run("teacher", &["video", "create", "--class", &class, "--title", "Warm-up"]), "id");
    cli.run("teacher", &["video", "configure", &quiz, "--media", &video, "--duration", "30", "--feedback", "instant"]);
    let warm = q2(&cli, &quiz, &["--at", "5", "--kind", "true_false", "--prompt", "Sun is a star?", "--key", "true"]);
    assert_eq!(cli.run("teacher", &["sync"])["keys_delivered"], 0, "nothing to hand over");
    cli.run("laptop", &["sync"]);
    let quick = text(&cli.run("laptop", &["video", "start", &quiz]), "attempt");
    let right = cli.run("laptop", &["video", "answer", &quiz, &quick, &warm, "true"]);
    assert_eq!(right["points"], 1.0);
    let wrong = cli.run("laptop", &["video", "answer", &quiz, &quick, &warm, "false"]);
    assert_eq!(wrong["points"], 0.0);

    // API-level hostile input.
    let teacher = server.login(&demo.teacher).await;
    let path = format!("/api/v1/classes/{class}/answer-keys");
    let body = json!({"test_id": test, "keys": {"no-such-question": {"truth": true}}});
    let (status, answer) = server.call(reqwest::Method::PUT, &path, Some(&teacher.access_token), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let body = json!({"test_id": test, "keys": {&single: {"choices": [5]}}});
    let (status, _) = server.call(reqwest::Method::PUT, &path, Some(&teacher.access_token), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let other_class = format!("/api/v1/classes/{}/results?test_id={test}", world.b.class_id);
    let (status, _) = server.get(&other_class, &world.b.teacher.access_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a test of another class is not found");
    let settings = format!("/api/v1/classes/{class}/study-settings");
    let body = json!({"desired_retention": 0.5, "new_per_day": 10, "reviews_per_day": 100});
    let (status, _) = server.call(reqwest::Method::PUT, &settings, Some(&teacher.access_token), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

fn q2(cli: &Cli, test: &str, args: &[&str]) -> String {
    let mut all = vec!["video", "question", test];
    all.extend_from_slice(args);
    text(&cli.run("teacher", &all), "question")
}

#[tokio::test]
async fn two_teachers_editing_one_card_offline_both_keep_their_edit() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("desk", &demo.teacher);
    cli.login("tablet", &demo.teacher);
    let deck = text(&cli.run("desk", &["deck", "create", "--class", &world.a.class_id, "--title", "Shared"]), "id");
    let card = text(&cli.run("desk", &["deck", "card", &deck, "--front", "house", "--back", "casa"]), "card");
    cli.run("desk", &["sync"]);
    cli.run("tablet", &["sync"]);
    cli.run("desk", &["deck", "card", &deck, "--card", &card, "--hint", "a building"]);
    cli.run(
        "tablet",
        &["deck", "card", &deck, "--card", &card, "--example", "mi casa es tu casa", "--tags", "home noun"],
    );
    for home in ["desk", "tablet", "desk"] {
        cli.run(home, &["sync"]);
    }
    for home in ["desk", "tablet"] {
        let cards = cli.run(home, &["deck", "cards", &deck]);
        let fields = &cards[0]["fields"];
        assert_eq!(
            (fields["hint"].as_str(), fields["example"].as_str()),
            (Some("a building"), Some("mi casa es tu casa")),
            "{home}: {cards}"
        );
        assert_eq!(fields["tags"], json!(["home", "noun"]));
    }
}

#[tokio::test]
async fn malformed_input_is_refused_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("teacher", &demo.teacher);
    let deck = text(&cli.run("teacher", &["deck", "create", "--class", &world.a.class_id, "--title", "Empty"]), "id");
    let before = cli.run("teacher", &["show", &deck]);
    let dir = cli.home("teacher");
    for (name, bytes) in [
        ("unknown-column.csv", b"front,colour\na,red\n".to_vec()),
        ("no-header.csv", b"".to_vec()),
        ("binary.csv", vec![0xff, 0xfe, 0x00, 0x01]),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let error = cli.fail("teacher", &["deck", "import", &deck, file.to_str().unwrap()]);
        assert!(!error.is_empty(), "{name}");
    }
    let error = cli.fail("teacher", &["deck", "card", &deck, "--type", "cloze", "--front", "no deletion"]);
    assert!(error.contains("deletion"), "{error}");
    let error =
        cli.fail("teacher", &["deck", "card", &deck, "--front", "x", "--back", "y", "--media", "../../etc/passwd"]);
    assert!(error.contains("SHA-256"), "{error}");
    let error = cli.fail("teacher", &["assign", &deck, "--due", "next friday"]);
    assert!(error.contains("YYYY-MM-DD"), "{error}");
    assert_eq!(cli.run("teacher", &["show", &deck]), before, "nothing stored");
    let error = cli.fail(
        "teacher",
        &[
            "class",
            "settings",
            &world.a.class_id,
            "--retention",
            "0.99",
            "--new-per-day",
            "1",
            "--reviews-per-day",
            "1",
        ],
    );
    assert!(error.contains("0.70"), "{error}");
}

#[tokio::test]
async fn the_weekly_digest_counts_a_seeded_week_for_teachers_and_admins_only() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("teacher", &demo.teacher);
    let class = world.a.class_id.clone();
    let deck = text(&cli.run("teacher", &["deck", "create", "--class", &class, "--title", "Colours"]), "id");
    let red = text(&cli.run("teacher", &["deck", "card", &deck, "--front", "red", "--back", "rojo"]), "card");
    let blue = text(&cli.run("teacher", &["deck", "card", &deck, "--front", "blue", "--back", "azul"]), "card");
    let reading = text(&cli.run("teacher", &["text", "create", "--class", &class, "--title", "Poem"]), "id");
    cli.run("teacher", &["text", "append", &reading, &"Roses are red, violets are blue. ".repeat(10)]);
    // Assigned to everyone, due yesterday: the students who have not read it are overdue.
    cli.run("teacher", &["assign", &reading, "--due", "1000"]);
    let quiz = text(&cli.run("teacher", &["video", "create", "--class", &class, "--title", "Quiz"]), "id");
    cli.run("teacher", &["video", "configure", &quiz, "--media", &"d".repeat(64), "--duration", "60"]);
    let yes = q2(&cli, &quiz, &["--at", "10", "--kind", "true_false", "--prompt", "Red is a colour?", "--key", "true"]);
    let no = q2(&cli, &quiz, &["--at", "20", "--kind", "true_false", "--prompt", "Blue is a fruit?", "--key", "false"]);
    cli.run("teacher", &["sync"]);

    // Student 1: three reviews (red twice: once new, once known, recalled) and reads 50%.
    cli.login("ada", &demo.students[0]);
    cli.run("ada", &["sync"]);
    cli.run("ada", &["study", "answer", &deck, &red, "good"]);
    cli.run("ada", &["study", "answer", &deck, &red, "good"]);
    cli.run("ada", &["study", "answer", &deck, &blue, "again"]);
    cli.run("ada", &["text", "read", &reading, "--percent", "50"]);
    // One video-test attempt: one answer right, one wrong → 50%.
    let attempt = text(&cli.run("ada", &["video", "start", &quiz]), "attempt");
    cli.run("ada", &["video", "answer", &quiz, &attempt, &yes, "true"]);
    cli.run("ada", &["video", "answer", &quiz, &attempt, &no, "true"]);
    cli.run("ada", &["video", "submit", &quiz, &attempt]);
    cli.run("ada", &["sync"]);
    cli.run("teacher", &["sync"]);

    cli.login("admin", &demo.edu_admin);
    let school = world.a.school_id.clone();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let digests = cli.run("admin", &["digest", "run", "--school", &school, "--week-of", &now]);
    let class_digest = digests.as_array().unwrap().iter().find(|d| d["scope"]["class"] == class.as_str()).unwrap();
    let n = &class_digest["numbers"];
    assert_eq!(n["students"], 3, "{n}");
    assert_eq!(n["active_students"], 1);
    assert_eq!(n["reviews"], 3);
    assert_eq!((n["retention_base"].as_u64(), n["retention"].as_f64()), (Some(1), Some(1.0)));
    assert_eq!((n["readers"].as_u64(), n["reading_pace"].as_f64()), (Some(1), Some(50.0)));
    assert_eq!(n["overdue"], 3, "every student: the poem is not read to the end");
    assert_eq!((n["attempts_submitted"].as_u64(), n["average_score"].as_f64()), (Some(1), Some(50.0)));
    let cohort = digests.as_array().unwrap().iter().find(|d| d["scope"]["cohort"].is_string()).unwrap();
    assert_eq!(cohort["numbers"]["reviews"], 3);

    // Stored and visible to the class's teacher and the school's admins; not to students.
    let shown = cli.run("teacher", &["digest", "show", "--class", &class]);
    assert_eq!(shown[0]["numbers"], *n);
    assert!(cli.fail("ada", &["digest", "show", "--class", &class]).contains("403"));
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
