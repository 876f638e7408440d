//! The PII vault: encrypted at rest, logged on every read, never in logs or the database in
//! the clear, and failing closed.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, World};
use reqwest::{Method, StatusCode};
use serde_json::json;

const NAMES: &[&str] = &["Zelda Quuxington", "Þórunn Ægisdóttir", "Mateo Fernández-Ortiz"];
const EMAILS: &[&str] = &["zelda.quux@example.org", "thorunn.aegis@example.net", "mateo.fo@example.com"];
const BIRTH_DATES: &[&str] = &["2013-04-27", "2012-11-03", "2014-01-19"];

async fn log_rows(server: &TestServer) -> i64 {
    let mut db = server.db().await;
    sqlx::query_scalar("SELECT COUNT(*) FROM pii_access_log").fetch_one(&mut db).await.unwrap()
}

fn hex_of(text: &str) -> String {
    hex::encode(text.as_bytes())
}

/// One student per seeded person (`{prefix}{i}`), with all their personal data, enrolled in
/// class 7A: their ids and one-time sign-ins.
async fn seed_students(server: &TestServer, world: &World, prefix: &str) -> Vec<(String, common::Login)> {
    let admin = &world.a.edu_admin.access_token;
    let mut seeded = Vec::new();
    for i in 0..NAMES.len() {
        let username = format!("{prefix}{i}");
        let (status, created) = server
            .post(
                &format!("/api/v1/schools/{}/users", world.a.school_id),
                Some(admin),
                json!({"username": username, "role": "student",
                       "pii": {"display_name": NAMES[i], "email": EMAILS[i], "birth_date": BIRTH_DATES[i]}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["user"]["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/classes/{}/members", world.a.class_id);
        assert_eq!(
            server.post(&path, Some(admin), json!({"user_id": id, "role": "student"})).await.0,
            StatusCode::NO_CONTENT
        );
        let password = created["initial_password"].as_str().unwrap().to_owned();
        seeded.push((id, common::Login { username, password }));
    }
    seeded
}

#[tokio::test]
async fn no_plaintext_personal_data_in_the_database_or_the_logs() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let admin = &world.a.edu_admin.access_token;
    let ids: Vec<String> = seed_students(&server, &world, "pii.student").await.into_iter().map(|(id, _)| id).collect();
    // Exercise every read path, and a rejected write that carries PII-looking input.
    for id in &ids {
        let (status, pii) = server.get(&format!("/api/v1/users/{id}/pii"), admin).await;
        assert_eq!(status, StatusCode::OK);
        assert!(NAMES.contains(&pii["display_name"].as_str().unwrap()));
    }
    let (status, roster) =
        server.get(&format!("/api/v1/classes/{}/roster", world.a.class_id), &world.a.teacher.access_token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(roster.to_string().contains(NAMES[0]));
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/v1/users/{}/pii", ids[0]),
            Some(admin),
            Some(json!({"email": "Zelda Quuxington at home"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let dump = server.database_dump().await;
    let dump_text = String::from_utf8_lossy(&dump).to_lowercase();
    let output = server.output();
    assert!(!output.is_empty() && !dump.is_empty());
    for value in NAMES.iter().chain(EMAILS).chain(BIRTH_DATES).chain(&["Ada Lovelace", "Grace Hopper"]) {
        assert!(!dump_text.contains(&value.to_lowercase()), "{value} found in the database");
        assert!(!dump_text.contains(&hex_of(value)), "{value} found hex-encoded in the database");
        assert!(!output.contains(value), "{value} found in the server's output");
    }
    // Every ciphertext row names its key.
    let mut db = server.db().await;
    let unkeyed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pii_fields WHERE key_id IS NULL OR key_id = ''")
        .fetch_one(&mut db)
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pii_fields").fetch_one(&mut db).await.unwrap();
    assert_eq!(unkeyed, 0);
    assert_eq!(rows, 6 + 3 * 3, "six demo names and three full records");
}

#[tokio::test]
async fn every_read_is_logged_once_without_values_and_teachers_see_no_birth_dates() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let student = world.a.student.user.id.to_string();
    let admin = &world.a.edu_admin.access_token;
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/v1/users/{student}/pii"),
            Some(admin),
            Some(json!({"email": EMAILS[0], "birth_date": BIRTH_DATES[0]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let before = log_rows(&server).await;
    let (status, full) = server.get(&format!("/api/v1/users/{student}/pii"), admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((full["email"].as_str(), full["birth_date"].as_str()), (Some(EMAILS[0]), Some(BIRTH_DATES[0])));
    assert_eq!(log_rows(&server).await, before + 1, "one read, one log row");

    let (status, teacher_view) =
        server.get(&format!("/api/v1/users/{student}/pii"), &world.a.teacher.access_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(teacher_view["email"].as_str(), Some(EMAILS[0]));
    assert!(teacher_view["birth_date"].is_null(), "teachers do not get birth dates");

    let (status, own) = server.get("/api/v1/me/pii", &world.a.student.access_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["birth_date"].as_str(), Some(BIRTH_DATES[0]));
    assert_eq!(log_rows(&server).await, before + 3);

    // The school admin sees the log: who read whose which fields and why, never values.
    let (status, log) =
        server.get(&format!("/api/v1/schools/{}/pii-access-log?limit=100000", world.a.school_id), admin).await;
    assert_eq!(status, StatusCode::OK);
    let entries = log.as_array().unwrap();
    assert!(entries.len() <= 500);
    let teacher_entry = entries.iter().find(|e| e["actor_id"] == json!(world.a.teacher.user.id)).unwrap();
    assert_eq!(teacher_entry["subject_id"], json!(student));
    assert_eq!(teacher_entry["fields"], json!(["display_name", "email"]));
    assert_eq!(teacher_entry["purpose"], "profile_view");
    assert!(!log.to_string().contains(EMAILS[0]));
    let mut db = server.db().await;
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE topic = 'pii.access.log'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(events, log_rows(&server).await, "one pii.access.log event per logged read");
    // Another school's admin cannot read this school's log.
    let other = format!("/api/v1/schools/{}/pii-access-log", world.a.school_id);
    assert_eq!(server.get(&other, &world.b.edu_admin.access_token).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_person_does_not_decrypt() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let admin = &world.a.edu_admin.access_token;
    let demo = server.demo_logins();
    let victim = world.a.student.user.id.to_string();
    let other = server.login(&demo.students[1]).await.user.id.to_string();
    for (id, email) in [(&victim, EMAILS[0]), (&other, EMAILS[1])] {
        let (status, _) = server
            .call(Method::PUT, &format!("/api/v1/users/{id}/pii"), Some(admin), Some(json!({"email": email})))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    // Copy the victim's sealed email over the other student's row.
    let mut db = server.db().await;
    let row: (Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT nonce, ciphertext FROM pii_fields WHERE user_id = $1 AND field = 'email'")
            .bind(&victim)
            .fetch_one(&mut db)
            .await
            .unwrap();
    sqlx::query("UPDATE pii_fields SET nonce = $1, ciphertext = $2 WHERE user_id = $3 AND field = 'email'")
        .bind(row.0)
        .bind(row.1)
        .bind(&other)
        .execute(&mut db)
        .await
        .unwrap();
    let (status, body) = server.get(&format!("/api/v1/users/{other}/pii"), admin).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains(EMAILS[0]));
    assert!(server.output().contains("pii ciphertext failed authentication"));
    // The victim's own record still reads fine.
    assert_eq!(server.get(&format!("/api/v1/users/{victim}/pii"), admin).await.0, StatusCode::OK);
}

#[tokio::test]
async fn without_the_right_key_the_vault_fails_closed() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let key = std::fs::read_to_string(server.data_dir.join("keys/pii.key")).unwrap();
    assert_eq!(base64_len(&key), 32);
    let wrong = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [3_u8; 32]);
    let server = server.restart_with(&["--pii-key", &wrong]);
    let token = server.login(&demo.students[0]).await.access_token;
    let (status, body) = server.get("/api/v1/me/pii", &token).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(!body.to_string().contains("Ada Lovelace"));
    // Non-PII endpoints keep working.
    assert_eq!(server.get("/api/v1/me", &token).await.0, StatusCode::OK);
}

fn base64_len(encoded: &str) -> usize {
    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded.trim()).map(|k| k.len()).unwrap_or(0)
}

/// SECURITY.md item 28: a birth year is enough (age bands), and it is what is stored when
/// that is all the school gives.
#[tokio::test]
async fn a_birth_year_alone_is_stored_as_given() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let admin = &world.a.edu_admin.access_token;
    let path = format!("/api/v1/users/{}/pii", world.a.student.user.id);
    let (status, body) = server.call(Method::PUT, &path, Some(admin), Some(json!({"birth_date": "2013"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, view) = server.get(&path, admin).await;
    assert_eq!(view["birth_date"], "2013");
    let (status, _) = server.call(Method::PUT, &path, Some(admin), Some(json!({"birth_date": "2999"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// SECURITY.md item 24: documents made through the app's own code paths — a teacher's deck and
/// text, students' highlights with notes and reading positions, synced to every device of the
/// class — hold none of the seeded personal data; neither does the server's database (changes,
/// snapshots, events), its log, or any device's saved documents. People appear as opaque ids.
#[tokio::test]
async fn documents_made_through_the_app_hold_no_personal_data_anywhere() {
    use common::Device;
    use tallschool_client::content::{self, CardPatch};
    use tallschool_client::reading::{self, MarkKind, NewMark};
    use tallschool_shared::docs::DocKind;

    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let mut students = Vec::new();
    for (_, one_time) in seed_students(&server, &world, "scan.student").await {
        students.push(server.first_sign_in(&one_time).await.1);
    }

    let class = tallschool_shared::ClassId(world.a.class_id.parse().unwrap());
    let teacher = Device::sign_in(&server, &world.a.teacher_login).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class, "Capitals").unwrap();
    content::put_card(&mut teacher.store(), deck.id, None, &CardPatch::front_back(Some("France"), Some("Paris")))
        .unwrap();
    let text = content::create(&mut teacher.store(), DocKind::Text, class, "A letter").unwrap();
    content::append_text(&mut teacher.store(), text.id, "Dear class, read this page before Monday.").unwrap();
    teacher.sync().await;

    let mut devices = Vec::new();
    for login in &students {
        let device = Device::sign_in(&server, login).await;
        device.sync().await;
        let me = device.core.user().unwrap().id;
        let note = NewMark { kind: MarkKind::Highlight, start: 0, end: 10, note: "ask about this", colour: "yellow" };
        reading::add_mark(&mut device.store(), me, text.id, &note).unwrap();
        reading::set_position(&mut device.store(), me, text.id, 12).unwrap();
        device.sync().await;
        devices.push(device);
    }
    // The teacher reads the class's names (a logged read, cached apart from documents).
    let (status, _) =
        server.get(&format!("/api/v1/classes/{}/roster", world.a.class_id), &world.a.teacher.access_token).await;
    assert_eq!(status, StatusCode::OK);
    teacher.sync().await;
    devices.push(teacher);

    let seeded: Vec<&str> = NAMES.iter().chain(EMAILS).chain(BIRTH_DATES).copied().collect();
    let dump = String::from_utf8_lossy(&server.database_dump().await).to_lowercase();
    let output = server.output();
    let mut documents = 0;
    for device in &devices {
        let list = device.store().list().unwrap();
        for summary in list {
            let (_, doc) = device.store().load(summary.id).unwrap().unwrap();
            // Every value and key any change of its history ever wrote (a save may compress).
            let mut written = String::from_utf8_lossy(&doc.clone().save()).to_lowercase();
            for change in doc.get_changes(&[]) {
                for op in change.decode().operations {
                    if let automerge::legacy::Key::Map(key) = &op.key {
                        written.push_str(&key.to_lowercase());
                    }
                    if let automerge::legacy::OpType::Put(automerge::ScalarValue::Str(value)) = &op.action {
                        written.push_str(&value.to_lowercase());
                    }
                    written.push('\n');
                }
            }
            for value in &seeded {
                assert!(!written.contains(&value.to_lowercase()), "{value} in document {}", summary.id);
            }
            documents += 1;
        }
    }
    assert!(documents >= 2 + 2 * NAMES.len(), "{documents} documents scanned");
    for value in &seeded {
        assert!(!dump.contains(&value.to_lowercase()), "{value} found in the database");
        assert!(!output.contains(value), "{value} found in the server's output");
    }
}
