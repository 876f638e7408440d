//! Offline-first sync end to end: real server, real client engines (one per device).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{Cli, Device, TestServer, World, text};
use reqwest::StatusCode;
use tallschool_client::content::{self, Review};
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::sync::{self, DocPush, SyncRequest, SyncResponse};
use tallschool_shared::{ClassId, DocId};

fn class(world_class: &str) -> ClassId {
    world_class.parse().unwrap()
}

fn review(card: &str, rating: u8, at: i64) -> Review {
    Review { card: card.to_owned(), rating, at }
}

fn heads(device: &mut Device, doc: DocId) -> Vec<automerge::ChangeHash> {
    let (_, document) = device.store().load(doc).unwrap().unwrap();
    let mut heads = document.get_heads();
    heads.sort();
    heads
}

fn cards(device: &mut Device, deck: DocId) -> BTreeSet<(String, String, String)> {
    let (_, document) = device.store().load(deck).unwrap().unwrap();
    let json = content::to_json(&document);
    json["cards"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, card)| {
            (
                id.clone(),
                card["front"].as_str().unwrap_or("").to_owned(),
                card["back"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

async fn stored_changes(server: &TestServer, doc: DocId) -> (i64, i64) {
    let mut db = server.db().await;
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM doc_changes WHERE doc_id = $1")
        .bind(doc.to_string())
        .fetch_one(&mut db)
        .await
        .unwrap();
    let distinct: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT hash) FROM doc_changes WHERE doc_id = $1")
        .bind(doc.to_string())
        .fetch_one(&mut db)
        .await
        .unwrap();
    (all, distinct)
}

/// Every stored change hash, in server order.
async fn stored_hashes(server: &TestServer) -> Vec<Vec<u8>> {
    let mut db = server.db().await;
    sqlx::query_scalar("SELECT hash FROM doc_changes ORDER BY seq").fetch_all(&mut db).await.unwrap()
}

#[tokio::test]
async fn two_offline_devices_and_a_teacher_converge_in_any_order() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let mut teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class(&world.a.class_id), "Animals").unwrap();
    let dog = content::put_card(
        &mut teacher.store(),
        deck.id,
        None,
        &content::CardPatch::front_back(Some("dog"), Some("perro")),
    )
    .unwrap();
    let cat = content::put_card(
        &mut teacher.store(),
        deck.id,
        None,
        &content::CardPatch::front_back(Some("cat"), Some("gato")),
    )
    .unwrap();
    teacher.sync().await;

    let mut laptop = Device::sign_in(&server, &demo.students[0]).await;
    let mut phone = Device::sign_in(&server, &demo.students[0]).await;
    laptop.sync().await;
    phone.sync().await;
    let student = laptop.core.user().unwrap().id;

    // Offline: both devices study (each creating the progress document on its own), the
    // teacher edits the deck.
    let progress =
        content::record_session(&mut laptop.store(), student, deck.id, &[review(&dog, 3, 100), review(&cat, 1, 101)])
            .unwrap();
    content::record_session(&mut laptop.store(), student, deck.id, &[review(&dog, 4, 200)]).unwrap();
    let same = content::record_session(&mut phone.store(), student, deck.id, &[review(&cat, 2, 150)]).unwrap();
    assert_eq!(same.id, progress.id, "both devices name the same progress document");
    content::put_card(
        &mut teacher.store(),
        deck.id,
        Some(&dog),
        &content::CardPatch::front_back(None, Some("perro (m)")),
    )
    .unwrap();
    let bird = content::put_card(
        &mut teacher.store(),
        deck.id,
        None,
        &content::CardPatch::front_back(Some("bird"), Some("pájaro")),
    )
    .unwrap();

    // Back online, in an awkward order.
    phone.sync().await;
    teacher.sync().await;
    laptop.sync().await;
    phone.sync().await;
    teacher.sync().await;

    let all_reviews = vec![review(&dog, 3, 100), review(&cat, 1, 101), review(&cat, 2, 150), review(&dog, 4, 200)];
    let mut expected = all_reviews.clone();
    expected.sort_by(|a, b| (a.at, &a.card).cmp(&(b.at, &b.card)));
    for device in [&mut laptop, &mut phone, &mut teacher] {
        let (_, document) = device.store().load(progress.id).unwrap().unwrap();
        assert_eq!(tallschool_shared::schema::reviews(&document), expected, "every review on every device");
    }
    let deck_on = |device: &mut Device| cards(device, deck.id);
    let expected_cards: BTreeSet<_> = [
        (dog.clone(), "dog".to_owned(), "perro (m)".to_owned()),
        (cat.clone(), "cat".to_owned(), "gato".to_owned()),
        (bird.clone(), "bird".to_owned(), "pájaro".to_owned()),
    ]
    .into_iter()
    .collect();
    assert_eq!(deck_on(&mut laptop), expected_cards);
    assert_eq!(deck_on(&mut phone), expected_cards);
    assert_eq!(heads(&mut laptop, progress.id), heads(&mut phone, progress.id));
    assert_eq!(heads(&mut laptop, progress.id), heads(&mut teacher, progress.id));
    assert_eq!(heads(&mut laptop, deck.id), heads(&mut teacher, deck.id));

    // One root: the two devices' first changes were the same change, stored once.
    let mut db = server.db().await;
    let (all, distinct) = stored_changes(&server, progress.id).await;
    assert_eq!(all, distinct);
    assert_eq!(all, 4, "genesis + three sessions");
    let roots: Vec<Vec<u8>> = sqlx::query_scalar("SELECT bytes FROM doc_changes WHERE doc_id = $1")
        .bind(progress.id.to_string())
        .fetch_all(&mut db)
        .await
        .unwrap()
        .into_iter()
        .filter(|bytes: &Vec<u8>| automerge::Change::from_bytes(bytes.clone()).unwrap().deps().is_empty())
        .collect();
    assert_eq!(roots.len(), 1);
    for device in [&mut laptop, &mut phone, &mut teacher] {
        assert_eq!(device.store().status().unwrap().pending_changes, 0);
    }
}

#[tokio::test]
async fn the_cli_syncs_two_devices_of_a_student_and_the_teacher_sees_it() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("teacher", &demo.teacher);
    let deck = text(&cli.run("teacher", &["deck", "create", "--class", &world.a.class_id, "--title", "Verbs"]), "id");
    let card = text(&cli.run("teacher", &["deck", "card", &deck, "--front", "to be", "--back", "ser"]), "card");
    cli.run("teacher", &["sync"]);
    for device in ["one", "two"] {
        cli.login(device, &demo.students[1]);
        cli.run(device, &["sync"]);
    }
    // Offline on both terminals, then sync.
    cli.run("one", &["study", "answer", &deck, &card, "good"]);
    cli.run("two", &["study", "answer", &deck, &card, "again"]);
    for device in ["one", "two"] {
        assert_eq!(cli.run(device, &["study", "end"])["answers_saved"], 1);
    }
    let status = cli.run("two", &["status"]);
    assert_eq!(status["status"]["pending_changes"], 2);
    cli.run("one", &["sync"]);
    cli.run("two", &["sync"]);
    cli.run("teacher", &["sync"]);
    let docs = cli.run("teacher", &["docs"]);
    let progress = text(docs.as_array().unwrap().iter().find(|d| d["kind"] == "progress").unwrap(), "id");
    let reviews = cli.run("teacher", &["reviews", &progress]);
    let ratings: BTreeSet<u64> = reviews.as_array().unwrap().iter().map(|r| r["rating"].as_u64().unwrap()).collect();
    assert_eq!(ratings, [1, 3].into_iter().collect());
}

#[tokio::test]
async fn students_cannot_write_content_or_others_progress_nor_read_other_classes() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class(&world.a.class_id), "Numbers").unwrap();
    let one = content::put_card(
        &mut teacher.store(),
        deck.id,
        None,
        &content::CardPatch::front_back(Some("one"), Some("uno")),
    )
    .unwrap();
    teacher.sync().await;
    let before = stored_changes(&server, deck.id).await;

    let student = Device::sign_in(&server, &demo.students[0]).await;
    student.sync().await;
    content::put_card(&mut student.store(), deck.id, Some(&one), &content::CardPatch::front_back(None, Some("WRONG")))
        .unwrap();
    let report = student.sync().await;
    assert_eq!(report.rejected_docs, 1);
    let status = student.store().status().unwrap();
    assert_eq!(status.rejected_changes, 1, "kept locally, reported");
    assert!(status.rejections[0].1.contains("forbidden"));
    assert_eq!(stored_changes(&server, deck.id).await, before, "nothing stored");

    // Another student's progress: the id is derived from that student, the owner does not match.
    let other = world.a.student.user.id;
    let forged = DocMeta::progress(other, &deck);
    let thief = Device::sign_in(&server, &demo.students[1]).await;
    thief.sync().await;
    thief
        .store()
        .edit(&forged, |tx| {
            use automerge::transaction::Transactable;
            tx.put(automerge::ROOT, "forged", true).map(|_| ())
        })
        .unwrap();
    let report = thief.sync().await;
    assert_eq!(report.rejected_docs, 1);
    assert_eq!(stored_changes(&server, forged.id).await, (0, 0));

    // A student of another class (school b) receives nothing of class a, and a teacher of
    // school b cannot write into class a.
    let b_student = Device::sign_in(&server, &world.b.student_login).await;
    let report = b_student.sync().await;
    assert_eq!(report.received_changes, 0);
    assert!(b_student.store().list().unwrap().is_empty());
    let b_teacher = Device::sign_in(&server, &world.b.teacher_login).await;
    let intruder =
        content::create(&mut b_teacher.store(), DocKind::Deck, class(&world.a.class_id), "Intruder").unwrap();
    let report = b_teacher.sync().await;
    assert_eq!(report.rejected_docs, 1);
    assert_eq!(stored_changes(&server, intruder.id).await, (0, 0));
    // ...and cannot add to class a's deck either.
    b_teacher
        .store()
        .edit(&deck, |tx| {
            use automerge::transaction::Transactable;
            tx.put(automerge::ROOT, "title", "hijacked").map(|_| ())
        })
        .unwrap();
    assert_eq!(b_teacher.sync().await.rejected_docs, 1);
    assert_eq!(stored_changes(&server, deck.id).await, before);
    // The class's own teacher still reads its deck unchanged.
    let mut fresh = Device::sign_in(&server, &world.a.teacher_login).await;
    fresh.sync().await;
    assert_eq!(cards(&mut fresh, deck.id), [(one, "one".to_owned(), "uno".to_owned())].into_iter().collect());
}

async fn raw_sync(server: &TestServer, token: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let response = server
        .http
        .post(server.url("/api/v1/sync"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

fn encoded(push: Vec<DocPush>, protocol: u32) -> Vec<u8> {
    sync::encode(&SyncRequest { protocol, cursor: 0, epoch: 0, push, waiting: 0, removals_seen: None }).unwrap()
}

#[tokio::test]
async fn hostile_sync_bodies_get_clear_errors_and_change_nothing() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class(&world.a.class_id), "Colours").unwrap();
    content::put_card(&mut teacher.store(), deck.id, None, &content::CardPatch::front_back(Some("red"), Some("rojo")))
        .unwrap();
    let other = content::create(&mut teacher.store(), DocKind::Deck, class(&world.a.class_id), "Shapes").unwrap();
    content::put_card(
        &mut teacher.store(),
        other.id,
        None,
        &content::CardPatch::front_back(Some("circle"), Some("círculo")),
    )
    .unwrap();
    teacher.sync().await;
    let token = teacher.core.signed_in().unwrap().access_token.clone();
    let before = stored_hashes(&server).await;

    // A real change of the other deck, to smuggle under this deck's id.
    let (_, other_doc) = teacher.store().load(other.id).unwrap().unwrap();
    let mut foreign: Vec<Vec<u8>> =
        other_doc.get_changes(&[]).into_iter().map(|mut c| c.bytes().into_owned()).collect();
    let meta = teacher.store().meta(deck.id).unwrap().unwrap();
    let mut garbage = vec![0_u8; 4096];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut garbage);
    let valid = encoded(Vec::new(), sync::PROTOCOL_VERSION);
    let corrupt = encoded(
        vec![DocPush {
            meta: meta.clone(),
            changes: vec![serde_bytes::ByteBuf::from(vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3])],
        }],
        sync::PROTOCOL_VERSION,
    );
    let too_many = encoded(
        vec![DocPush {
            meta: meta.clone(),
            changes: vec![serde_bytes::ByteBuf::from(vec![0_u8; 1]); sync::MAX_CHANGES_PER_ROUND + 1],
        }],
        sync::PROTOCOL_VERSION,
    );
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
        ("random bytes", sync::CONTENT_TYPE, garbage, StatusCode::BAD_REQUEST),
        ("truncated envelope", sync::CONTENT_TYPE, valid[..valid.len() - 3].to_vec(), StatusCode::BAD_REQUEST),
        ("empty body", sync::CONTENT_TYPE, Vec::new(), StatusCode::BAD_REQUEST),
        ("corrupt change", sync::CONTENT_TYPE, corrupt, StatusCode::BAD_REQUEST),
        ("JSON instead of MessagePack", "application/json", b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("old protocol", sync::CONTENT_TYPE, encoded(Vec::new(), 0), StatusCode::UPGRADE_REQUIRED),
        ("too many changes", sync::CONTENT_TYPE, too_many, StatusCode::PAYLOAD_TOO_LARGE),
        ("oversized body", sync::CONTENT_TYPE, vec![0_u8; sync::MAX_BODY_BYTES + 1], StatusCode::PAYLOAD_TOO_LARGE),
    ];
    for (name, content_type, body, status) in cases {
        let (got, answer) = raw_sync(&server, &token, content_type, body).await;
        assert_eq!(got, status, "{name}: {}", String::from_utf8_lossy(&answer));
        let error: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert!(error["error"]["code"].is_string(), "{name}: {error}");
    }

    // A change claiming another document: its history does not belong here.
    foreign.retain(|bytes| !automerge::Change::from_bytes(bytes.clone()).unwrap().deps().is_empty());
    let smuggle = encoded(
        vec![DocPush { meta, changes: foreign.into_iter().map(serde_bytes::ByteBuf::from).collect() }],
        sync::PROTOCOL_VERSION,
    );
    let (status, answer) = raw_sync(&server, &token, sync::CONTENT_TYPE, smuggle).await;
    assert_eq!(status, StatusCode::OK);
    let answer: SyncResponse = sync::decode(&answer).unwrap();
    assert_eq!(answer.rejections.len(), 1);
    assert_eq!(answer.rejections[0].reason, sync::RejectReason::UnknownDependencies);

    // A body that claims gzip but is not.
    let response = server
        .http
        .post(server.url("/api/v1/sync"))
        .bearer_auth(&token)
        .header("content-type", sync::CONTENT_TYPE)
        .header("content-encoding", "gzip")
        .body(b"definitely not gzip".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Without a token: 401. And the server still serves, with nothing stored.
    let (status, _) =
        raw_sync(&server, "not-a-token", sync::CONTENT_TYPE, encoded(Vec::new(), sync::PROTOCOL_VERSION)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(stored_hashes(&server).await, before, "stored documents unchanged");
    assert!(!teacher.sync().await.offline);
}

#[tokio::test]
async fn a_student_enrolled_later_receives_the_class_history_and_offline_is_not_an_error() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let mut teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class(&world.a.class_id), "Late").unwrap();
    content::put_card(
        &mut teacher.store(),
        deck.id,
        None,
        &content::CardPatch::front_back(Some("early"), Some("temprano")),
    )
    .unwrap();
    teacher.sync().await;

    // A new student, synced (nothing to see), then enrolled: the next sync brings the history.
    let (_, login) =
        common::create_login(&server, &world.a.edu_admin.access_token, &world.a.school_id, "late.student", "student")
            .await;
    let late = Device::sign_in(&server, &login).await;
    assert_eq!(late.sync().await.received_changes, 0);
    let members = format!("/api/v1/classes/{}/members", world.a.class_id);
    let user = late.core.user().unwrap().id;
    let (status, _) = server
        .post(&members, Some(&world.a.edu_admin.access_token), serde_json::json!({"user_id": user, "role": "student"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    late.sync().await;
    assert_eq!(late.store().list().unwrap().iter().map(|d| d.title.clone()).collect::<Vec<_>>(), ["Late"]);

    // Offline: work is queued and kept; a later sync delivers it.
    let offline = Device::sign_in(&server, &demo.teacher).await;
    offline.sync().await;
    content::put_card(
        &mut offline.store(),
        deck.id,
        None,
        &content::CardPatch::front_back(Some("offline"), Some("sin conexión")),
    )
    .unwrap();
    let session = offline.core.signed_in().unwrap().clone();
    let mut unplugged = session.clone();
    unplugged.server = "http://127.0.0.1:9".to_owned();
    tallschool_client::session::save(&offline.dir, &unplugged).unwrap();
    let offline = offline.restart();
    let report = offline.sync().await;
    assert!(report.offline);
    assert_eq!(report.pending_after, 1);
    tallschool_client::session::save(&offline.dir, &session).unwrap();
    let offline = offline.restart();
    let report = offline.sync().await;
    assert!(!report.offline);
    assert_eq!(report.pending_after, 0);
    teacher.sync().await;
    assert_eq!(cards(&mut teacher, deck.id).len(), 2);
}

#[tokio::test]
async fn compaction_snapshots_serve_new_devices_the_same_document() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let mut teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class(&world.a.class_id), "Long").unwrap();
    for i in 0..30 {
        content::put_card(
            &mut teacher.store(),
            deck.id,
            None,
            &content::CardPatch::front_back(Some(&format!("front {i}")), Some(&format!("back {i}"))),
        )
        .unwrap();
    }
    teacher.sync().await;
    let (status, report) =
        server.post("/api/v1/admin/compaction", Some(&world.tech.access_token), serde_json::json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert!(report["compacted"].as_u64().unwrap() >= 1);
    // After the snapshot, one more edit.
    content::put_card(
        &mut teacher.store(),
        deck.id,
        None,
        &content::CardPatch::front_back(Some("last"), Some("último")),
    )
    .unwrap();
    teacher.sync().await;
    let mut fresh = Device::sign_in(&server, &demo.students[2]).await;
    let report = fresh.sync().await;
    assert!(report.received_changes < 10, "a snapshot, not 32 changes: {report:?}");
    assert_eq!(cards(&mut fresh, deck.id), cards(&mut teacher, deck.id));
    assert_eq!(heads(&mut fresh, deck.id), heads(&mut teacher, deck.id));
    // Students may not run it.
    let (status, _) =
        server.post("/api/v1/admin/compaction", Some(&world.a.student.access_token), serde_json::json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_client_backs_off_when_the_server_says_429_and_then_succeeds() {
    // Two sync rounds a second per user, and small pages: a first sync needs seven rounds.
    let server =
        TestServer::start_with(&["--user-sync-per-sec", "2", "--user-sync-burst", "2", "--sync-page-changes", "5"])
            .await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let mut teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class(&world.a.class_id), "Many").unwrap();
    for i in 0..30 {
        let patch = content::CardPatch::front_back(Some(&format!("q{i}")), Some("a"));
        content::put_card(&mut teacher.store(), deck.id, None, &patch).unwrap();
    }
    assert_eq!(teacher.sync().await.pending_after, 0);
    let mut device = Device::sign_in(&server, &demo.students[0]).await;
    // Spend the student's allowance: the server answers 429 with Retry-After.
    let token = device.core.signed_in().unwrap().access_token.clone();
    let mut answers = Vec::new();
    while answers.last().is_none_or(|(status, _)| *status != StatusCode::TOO_MANY_REQUESTS) && answers.len() < 50 {
        let response = server
            .http
            .post(server.url("/api/v1/sync"))
            .bearer_auth(&token)
            .header("content-type", sync::CONTENT_TYPE)
            .body(encoded(Vec::new(), sync::PROTOCOL_VERSION))
            .send()
            .await
            .unwrap();
        answers.push((response.status(), response.headers().contains_key("retry-after")));
    }
    assert_eq!(answers.last(), Some(&(StatusCode::TOO_MANY_REQUESTS, true)), "{answers:?}");
    // The client waits as told and goes on until everything is there.
    let report = device.sync().await;
    assert!(!report.offline, "{report:?}");
    assert!(report.rounds >= 7, "{report:?}");
    assert_eq!(report.received_changes, 32, "{report:?}");
    assert_eq!(cards(&mut device, deck.id), cards(&mut teacher, deck.id));
}

#[tokio::test]
async fn long_answers_are_paged_and_oversized_documents_refused() {
    let server = TestServer::start_with(&["--sync-page-changes", "25", "--max-doc-bytes", "60000"]).await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let mut teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class(&world.a.class_id), "Paged").unwrap();
    for i in 0..100 {
        content::put_card(
            &mut teacher.store(),
            deck.id,
            None,
            &content::CardPatch::front_back(Some(&format!("q{i}")), Some(&format!("a{i}"))),
        )
        .unwrap();
    }
    assert_eq!(teacher.sync().await.pending_after, 0);
    let mut student = Device::sign_in(&server, &demo.students[0]).await;
    let rounds = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = rounds.clone();
    student.core.subscribe(move |event| {
        if let tallschool_client::contract::Event::SyncRound { progress, .. } = event {
            seen.lock().unwrap().push(*progress);
        }
    });
    let report = student.sync().await;
    assert!(report.rounds >= 4, "102 changes in pages of 25: {report:?}");
    assert_eq!(report.received_changes, 102);
    // Each round says how many are left and how many rounds that makes ("round 1 of 5").
    let rounds = rounds.lock().unwrap().clone();
    assert_eq!(rounds.len() as u64, report.rounds, "{rounds:?}");
    let first = rounds[0];
    assert_eq!((first.round, first.to_send), (1, 0), "{rounds:?}");
    assert_eq!(first.to_receive, 102 - 25, "{rounds:?}");
    assert_eq!(first.rounds_expected, report.rounds, "known from the first round: {rounds:?}");
    assert!(rounds.windows(2).all(|w| w[1].to_receive < w[0].to_receive), "{rounds:?}");
    assert_eq!((rounds.last().unwrap().to_receive, rounds.last().unwrap().rounds_expected), (0, report.rounds));
    assert_eq!(cards(&mut student, deck.id), cards(&mut teacher, deck.id));

    // A document that would grow past the limit: the round gets 422 and nothing is stored;
    // the client sets that document's change aside (kept, reported) and the rest syncs.
    let before = stored_changes(&server, deck.id).await;
    // Cards hold at most 10,000 characters a field: several large cards make the deck too big.
    for n in 0..8 {
        let noise: String = (0..9_000).map(|i| char::from(b'a' + ((i * 7919 + i / 13 + n * 31) % 26) as u8)).collect();
        let patch = content::CardPatch::front_back(Some("huge"), Some(&noise));
        content::put_card(&mut teacher.store(), deck.id, None, &patch).unwrap();
    }
    let other = content::create(&mut teacher.store(), DocKind::Text, class(&world.a.class_id), "Still syncs").unwrap();
    let round = teacher.core.sync().prepare_round().unwrap();
    let direct = server
        .http
        .post(server.url("/api/v1/sync"))
        .bearer_auth(&teacher.core.signed_in().unwrap().access_token)
        .header("content-type", sync::CONTENT_TYPE)
        .body(round.body)
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let report = teacher.sync().await;
    assert_eq!(report.rejected_docs, 1, "{report:?}");
    assert_eq!(stored_changes(&server, deck.id).await, before);
    let status = teacher.store().status().unwrap();
    assert_eq!((status.pending_changes, status.rejected_changes), (0, 8));
    assert!(stored_changes(&server, other.id).await.0 >= 2, "the other document synced");
}

/// SECURITY.md item 24: an email address typed into a student's document (a note, an answer,
/// their own card) would stay in its history on every device of the class. The engine refuses
/// the edit and keeps nothing of it; a client that sends one anyway has the document refused,
/// and the server stores nothing of it.
#[tokio::test]
async fn an_email_address_never_enters_a_students_document() {
    use tallschool_client::reading::{self, MarkKind, NewMark};
    use tallschool_shared::privacy;

    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let teacher = Device::sign_in(&server, &world.a.teacher_login).await;
    let text = content::create(&mut teacher.store(), DocKind::Text, class(&world.a.class_id), "Letters").unwrap();
    content::append_text(&mut teacher.store(), text.id, "Dear Sir, I write to you about the trip.").unwrap();
    teacher.sync().await;

    let student = Device::sign_in(&server, &world.a.student_login).await;
    student.sync().await;
    let me = student.core.user().unwrap().id;
    let mark = |note: &'static str| NewMark { kind: MarkKind::Highlight, start: 0, end: 8, note, colour: "yellow" };
    let kept = reading::add_mark(&mut student.store(), me, text.id, &mark("greeting to copy")).unwrap();
    let refused = reading::add_mark(&mut student.store(), me, text.id, &mark("ask ada.l@example.org about it"));
    assert!(matches!(refused, Err(tallschool_client::ClientError::Invalid(_))), "{refused:?}");
    let marks: Vec<String> = reading::view(&mut student.store(), me, text.id)
        .unwrap()
        .highlights
        .iter()
        .map(|(m, _)| m.note.clone())
        .collect();
    assert_eq!(marks, ["greeting to copy"]);
    student.sync().await;
    assert!(student.store().status().unwrap().rejections.is_empty());
    let progress = DocMeta::progress(me, &text);
    let (_, doc) = student.store().load(progress.id).unwrap().unwrap();
    assert!(doc.get_changes(&[]).iter().all(|c| privacy::email_in_change(c).is_none()));
    assert!(!kept.is_empty());

    // Another client writes one anyway, on top of the stored history.
    let mut forked = doc.fork();
    let highlights = tallschool_shared::schema::child(&forked, &automerge::ROOT, "highlights").unwrap();
    let heads = doc.get_heads();
    {
        use automerge::transaction::Transactable;
        let mut tx = forked.transaction();
        let obj = tx.put_object(&highlights, "leak", automerge::ObjType::Map).unwrap();
        tx.put(&obj, "note", "mum: jane.doe@example.org").unwrap();
        tx.commit();
    }
    let changes: Vec<serde_bytes::ByteBuf> =
        forked.get_changes(&heads).into_iter().map(|c| serde_bytes::ByteBuf::from(c.raw_bytes().to_vec())).collect();
    assert!(!changes.is_empty());
    let before = stored_hashes(&server).await;
    let token = student.core.signed_in().unwrap().access_token.clone();
    let body = encoded(vec![DocPush { meta: progress, changes }], sync::PROTOCOL_VERSION);
    let (status, answer) = raw_sync(&server, &token, sync::CONTENT_TYPE, body).await;
    assert_eq!(status, StatusCode::OK);
    let answer: SyncResponse = sync::decode(&answer).unwrap();
    assert_eq!(answer.rejections.len(), 1, "{answer:?}");
    assert_eq!(answer.rejections[0].reason, sync::RejectReason::PersonalData);
    assert!(!answer.rejections[0].message.contains("jane"), "the value is not echoed");
    assert_eq!(stored_hashes(&server).await, before, "nothing of it is stored");
    assert!(!server.output().contains("jane.doe"), "nor logged");
}
