//! A device store written by the engine before client-store migrations were numbered (commit
//! 5d9779d: a student with unsynced answers, a reading position and a highlight; a teacher
//! holding that student's progress) opens with today's engine: every step is recorded, the
//! new materialized tables are filled from the documents, and what the old engine showed is
//! what the new one shows — nothing unsynced is lost.
//!
//! The fixture was made with that commit's `tallschool` CLI and server (the `*-before.json`
//! files are its own `--json` output at the time).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use tallschool_client::{Clock, Core, lobby, reports};
use tallschool_shared::DocId;

const FIXTURE: &str = "tests/fixtures/store-0.1-5d9779d";
/// When the fixture's teacher report and heatmap were printed.
const PRINTED_AT: i64 = 1_795_983_472;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE).join(name)
}

fn before(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(&format!("{name}-before.json"))).unwrap()).unwrap()
}

fn id(name: &str) -> DocId {
    std::fs::read_to_string(fixture(name)).unwrap().trim().parse().unwrap()
}

/// A copy of the fixture's store in a fresh device directory.
fn device(db: &str) -> (PathBuf, Core) {
    let dir = std::env::temp_dir().join(format!("tallschool-upgrade-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture(db), dir.join("tallschool.db")).unwrap();
    let core = Core::open_with_clock(&dir, Clock::manual(PRINTED_AT)).unwrap();
    (dir, core)
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-4,
        _ => a == b,
    }
}

#[test]
fn a_students_store_from_before_numbered_migrations_upgrades_in_place() {
    let (dir, core) = device("student.db");
    let store = core.store();
    let steps = store.migrations().unwrap();
    for feature in ["store", "learning", "video_tests", "media", "reports", "lobby"] {
        assert!(steps.contains(&(feature.to_owned(), 1)), "{feature}: {steps:?}");
    }
    // Unsynced work is all there: changes, an answer not yet written into a document.
    let status = serde_json::to_value(store.status().unwrap()).unwrap();
    assert_eq!(status, before("status")["status"]);
    assert_eq!(store.pending_answers().unwrap(), 1);
    let queue = serde_json::to_value(store.queue(id("deck")).unwrap()).unwrap();
    assert_eq!(queue, before("queue"));
    // The Lobby, now from materialized tables, shows what the old one computed.
    let lobby = serde_json::to_value(lobby::lobby(&store, PRINTED_AT).unwrap()).unwrap();
    let old = before("lobby");
    for key in ["assignments", "classes", "sync", "cards_due_total"] {
        assert_eq!(lobby[key], old[key], "{key}");
    }
    drop(store);
    // Opening again runs nothing twice.
    drop(core);
    let core = Core::open(&dir).unwrap();
    assert_eq!(core.store().migrations().unwrap(), steps);
    drop(core);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_teachers_store_from_before_the_report_tables_fills_them_from_its_documents() {
    let (dir, core) = device("teacher.db");
    let store = core.store();
    let report = serde_json::to_value(reports::deck_report(&store, id("deck"), PRINTED_AT).unwrap()).unwrap();
    let old = before("report");
    for key in ["deck_id", "title", "theme"] {
        assert_eq!(report[key], old[key], "{key}");
    }
    for list in ["students", "cards"] {
        let (ours, theirs) = (report[list].as_array().unwrap(), old[list].as_array().unwrap());
        assert_eq!(ours.len(), theirs.len(), "{list}");
        for (a, b) in ours.iter().zip(theirs) {
            for (key, value) in b.as_object().unwrap() {
                assert!(close(&a[key], value), "{list}.{key}: {} vs {value}", a[key]);
            }
        }
    }
    let reading = serde_json::to_value(reports::reading_report(&store, id("text")).unwrap()).unwrap();
    assert_eq!(reading, before("reading"));
    let class = before("lobby")["classes"][0]["id"].as_str().unwrap().to_owned();
    let heatmap = serde_json::to_value(reports::theme_heatmap(&store, &class, PRINTED_AT).unwrap()).unwrap();
    let old = before("heatmap");
    assert_eq!(
        heatmap.as_object().unwrap().keys().collect::<Vec<_>>(),
        old.as_object().unwrap().keys().collect::<Vec<_>>()
    );
    for (theme, students) in old.as_object().unwrap() {
        for (student, value) in students.as_object().unwrap() {
            assert!(close(&heatmap[theme][student], value), "{theme} {student}");
        }
    }
    drop(store);
    drop(core);
    std::fs::remove_dir_all(dir).unwrap();
}
