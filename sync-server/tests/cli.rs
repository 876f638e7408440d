//! The `tallschool` CLI itself, end to end against a real server: its arguments (dates, offsets,
//! ratings, answer keys and answers as typed on a command line), files in and out, and its JSON
//! output. What the commands do is tested through the engine's API (`tests/learning.rs`).
#![allow(clippy::unwrap_used)]

mod common;

use common::{Cli, TestServer, World, text};
use serde_json::Value;

#[tokio::test]
async fn a_teacher_and_a_student_use_every_learning_command_from_the_command_line() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("teacher", &demo.teacher);
    let class = world.a.class_id.clone();

    // Decks: files in and out, card types by name, dates as YYYY-MM-DD.
    let deck = text(
        &cli.run("teacher", &["deck", "create", "--class", &class, "--title", "Animals", "--theme", "Spanish"]),
        "id",
    );
    let csv = cli.home("teacher").join("animals.csv");
    std::fs::write(&csv, "front,back,type\ndog,perro,\ncat,gato,reversed\n,no front,\n").unwrap();
    let report = cli.run("teacher", &["deck", "import", &deck, csv.to_str().unwrap()]);
    assert_eq!((report["imported"].as_u64(), report["rejected"][0][0].as_u64()), (Some(2), Some(4)), "{report}");
    let binary = cli.home("teacher").join("binary.csv");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x01]).unwrap();
    assert!(!cli.fail("teacher", &["deck", "import", &deck, binary.to_str().unwrap()]).is_empty());
    let typed = cli.run("teacher", &["deck", "card", &deck, "--type", "type_in", "--front", "fish", "--back", "pez"]);
    assert!(typed["card"].as_str().is_some_and(|id| !id.is_empty()), "a card id: {typed}");
    let exported = cli.home("teacher").join("export.csv");
    cli.run("teacher", &["deck", "export", &deck, "--out", exported.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&exported).unwrap().lines().count(), 4, "header + 3 cards");
    assert_eq!(cli.run("teacher", &["deck", "cards", &deck]).as_array().unwrap().len(), 3);
    // An Anki deck into this deck (or, without --deck, into new decks of the class).
    let anki = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/anki/legacy.apkg");
    let report = cli.run("teacher", &["deck", "import-anki", anki, "--class", &class, "--deck", &deck]);
    assert_eq!((report["notes"].as_u64(), report["decks"][0]["cards"].as_u64()), (Some(8), Some(7)), "{report}");
    assert_eq!(report["media_missing"][0], "missing.png");
    assert_eq!(cli.run("teacher", &["deck", "cards", &deck]).as_array().unwrap().len(), 10);
    let error = cli.fail("teacher", &["deck", "import-anki", csv.to_str().unwrap(), "--class", &class]);
    assert!(error.contains("not an Anki deck"), "{error}");
    let settings = ["class", "settings", &class, "--retention", "0.9", "--new-per-day", "5", "--reviews-per-day", "50"];
    assert_eq!(cli.run("teacher", &settings)["study"]["new_per_day"], 5);
    let error = cli.fail("teacher", &["assign", &deck, "--due", "next friday"]);
    assert!(error.contains("YYYY-MM-DD"), "{error}");
    cli.run("teacher", &["assign", &deck, "--due", "2099-01-31", "--note", "learn the animals"]);

    // A video test: choices, true/false and free text keys as typed.
    let test = text(&cli.run("teacher", &["video", "create", "--class", &class, "--title", "Quiz"]), "id");
    let video = "c".repeat(64);
    cli.run("teacher", &["video", "configure", &test, "--media", &video, "--duration", "60"]);
    let question = |args: &[&str]| {
        let mut all = vec!["video", "question", test.as_str()];
        all.extend_from_slice(args);
        text(&cli.run("teacher", &all), "question")
    };
    let pick = question(&[
        "--at",
        "10",
        "--kind",
        "multiple_choice",
        "--prompt",
        "Pick",
        "--option",
        "a",
        "--option",
        "b",
        "--option",
        "c",
        "--key",
        "0,2",
    ]);
    let truth = question(&["--at", "20", "--kind", "true_false", "--prompt", "True?", "--key", "false"]);
    let words = question(&["--at", "30", "--kind", "short_text", "--prompt", "Say", "--key", "hello|hi"]);
    let bad = cli.fail("teacher", &["video", "question", &test, "--at", "5", "--prompt", "x", "--key", "maybe"]);
    assert!(bad.contains("0,2"), "{bad}");
    assert_eq!(cli.run("teacher", &["sync"])["keys_delivered"], 3);

    // The student: lobby, study with rating words and typed answers, undo, offset, video.
    cli.login("student", &demo.students[0]);
    cli.run("student", &["sync"]);
    assert_eq!(cli.run("student", &["class", "list"])[0]["study"]["new_per_day"], 5);
    let lobby = cli.run("student", &["lobby"]);
    assert_eq!(lobby["assignments"][0]["note"], "learn the animals", "{lobby}");
    let mut answered = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let next = cli.run("student", &["study", "next", "--deck", &deck]);
        let item = text(&next, "item_id");
        if next["typed"] == true {
            let result = cli.run("student", &["study", "answer", &deck, &item, "--typed", " PEZ "]);
            assert_eq!(result["typed_correct"], true, "{result}");
        } else {
            cli.run("student", &["study", "answer", &deck, &item, "easy"]);
        }
        answered.insert(item);
    }
    assert_eq!(answered.len(), 4, "dog, cat both ways, fish: {answered:?}");
    let wrong = cli.fail("student", &["study", "answer", &deck, "anything", "great"]);
    assert!(wrong.contains("again") && wrong.contains("easy"), "names the ratings: {wrong}");
    let undone = text(&cli.run("student", &["study", "undo"]), "undone");
    let queue = cli.run("student", &["study", "queue", &deck]);
    let scheduled: Vec<&str> = queue.as_array().unwrap().iter().map(|s| s["item_id"].as_str().unwrap()).collect();
    assert_eq!(scheduled.len(), 3, "the undone card is new again: {queue}");
    assert!(!scheduled.contains(&undone.as_str()));
    assert_eq!(cli.run("student", &["study", "end"])["answers_saved"], 3);
    assert_eq!(cli.run("student", &["utc-offset", "+05:30"])["utc_offset_secs"], 19_800);
    assert!(cli.fail("student", &["utc-offset", "+15:00"]).contains("UTC offset"));
    assert!(cli.fail("student", &["utc-offset", "noon"]).contains("+02:00"), "shows the form");
    cli.run("student", &["utc-offset", "auto"]);
    let attempt = text(&cli.run("student", &["video", "start", &test]), "attempt");
    cli.run("student", &["video", "watch", &test, &attempt, "--from", "0", "--to", "60", "--rate", "1.25"]);
    cli.run("student", &["video", "answer", &test, &attempt, &pick, "0,2"]);
    cli.run("student", &["video", "answer", &test, &attempt, &truth, "false"]);
    cli.run("student", &["video", "answer", &test, &attempt, &words, "Hello"]);
    let bad = cli.fail("student", &["video", "answer", &test, &attempt, &truth, "perhaps"]);
    assert!(bad.contains("true") && bad.contains("false"), "{bad}");
    cli.run("student", &["video", "submit", &test, &attempt]);
    assert_eq!(cli.run("student", &["sync"])["results_received"], 1);
    let attempts = cli.run("student", &["video", "attempts", &test]);
    assert_eq!(attempts[0]["result"]["score"], 3.0, "{attempts}");

    // The teacher's reports and grading, and the digest.
    cli.run("teacher", &["sync"]);
    assert_eq!(cli.run("teacher", &["deck", "report", &deck])["students"][0]["reviews"], 3);
    assert!(cli.run("teacher", &["class", "heatmap", &class])["Spanish"].is_object());
    let results = cli.run("teacher", &["video", "results", &test]);
    assert_eq!(results["attempts"].as_array().unwrap().len(), 1, "{results}");
    let student = world.a.student.user.id.to_string();
    let grade =
        ["video", "grade", &test, "--student", &student, "--attempt", &attempt, "--question", &words, "--points", "0"];
    assert_eq!(cli.run("teacher", &grade)["score"], 2.0, "the teacher overrides the key");
    cli.login("admin", &demo.edu_admin);
    let digests = cli.run("admin", &["digest", "run", "--school", &world.a.school_id]);
    assert!(digests.as_array().is_some_and(|d| !d.is_empty()), "{digests}");
    let shown = cli.run("teacher", &["digest", "show", "--class", &class]);
    assert!(shown.as_array().is_some_and(|d| !d.is_empty()), "{shown}");
    assert!(cli.fail("student", &["digest", "show", "--class", &class]).contains("403"));
    let document: Value = cli.run("student", &["show", &test]);
    assert!(!document.to_string().contains("\"key\""), "no key on the student's device: {document}");
}
