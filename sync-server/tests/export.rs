//! A person's data as one archive (SECURITY.md item 26): asked for by the person or their
//! school's admin, fetched by the one who asked only, holding their account, personal data,
//! progress, uploads, devices, consents and the access-log rows about them — the export's own
//! read among them. Consent records: kept by the school, read by the person.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read as _;

use common::{Device, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tallschool_client::contract::request::CardPatch;
use tallschool_shared::scheduling::Rating;

/// The archive's files by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut contents = Vec::new();
        file.read_to_end(&mut contents).unwrap();
        files.insert(file.name().unwrap().into_owned(), contents);
    }
    files
}

async fn download(server: &TestServer, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let response = reqwest::Client::new().get(server.url(path)).bearer_auth(token).send().await.unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_student_and_her_school_admin_get_her_whole_data_and_nobody_else_can() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let deck = teacher.core.decks().create(class, "Colours", None).unwrap();
    teacher.core.decks().put_card(deck, None, &CardPatch::front_back(Some("rojo"), Some("red"))).unwrap();
    let picture = teacher.dir.join("sun.jpg");
    std::fs::write(&picture, common::photo()).unwrap();
    let uploaded = teacher.core.media().upload(&picture, "image/jpeg").await.unwrap();
    teacher.sync().await;

    let student = Device::sign_in(&server, &demo.students[0]).await;
    student.sync().await;
    let next = student.core.study().next(Some(deck)).unwrap().unwrap();
    student.core.study().answer(deck, &next.item_id, Some(Rating::Good), None).unwrap();
    student.sync().await;
    let admin = server.login(&demo.edu_admin).await;
    let me = server.login(&demo.students[0]).await;
    let id = me.user.id;
    let pii = json!({"display_name": "Eva Export", "email": "eva@example.org", "birth_date": "2013"});
    let (status, _) = server
        .call(reqwest::Method::PUT, &format!("/api/v1/users/{id}/pii"), Some(&admin.access_token), Some(pii))
        .await;
    assert!(status.is_success());

    // Her parents' consents, recorded by the school office from signed forms; one withdrawn.
    let consents = format!("/api/v1/users/{id}/consents");
    for (purpose, decision) in [("platform", "given"), ("recordings", "given"), ("recordings", "withdrawn")] {
        let body = json!({"purpose": purpose, "decision": decision, "given_by": "parent_or_guardian"});
        let (status, _) = server.post(&consents, Some(&admin.access_token), body).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, seen) = server.get(&consents, &me.access_token).await;
    assert_eq!(status, StatusCode::OK, "she reads her own consents");
    // The first record is the basis her account was created on: the school's authorisation.
    assert_eq!(seen["history"].as_array().unwrap().len(), 4);
    assert_eq!(seen["history"][3]["given_by"], "school", "{seen}");
    let current: Vec<(&str, &str)> = seen["current"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["purpose"].as_str().unwrap(), c["decision"].as_str().unwrap()))
        .collect();
    assert_eq!(current, [("platform", "given"), ("recordings", "withdrawn")]);
    let teacher_token = server.login(&demo.teacher).await.access_token;
    assert_eq!(server.get(&consents, &teacher_token).await.0, StatusCode::FORBIDDEN);
    let body = json!({"purpose": "analytics", "decision": "given", "given_by": "student"});
    assert_eq!(
        server.post(&consents, Some(&me.access_token), body).await.0,
        StatusCode::FORBIDDEN,
        "only the school records"
    );

    // The student asks for her own data, right after signing in (a recent password).
    let (status, ready) = server.post(&format!("/api/v1/users/{id}/export"), Some(&me.access_token), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{ready}");
    let link = ready["download"].as_str().unwrap().to_owned();
    let (status, bytes) = download(&server, &link, &me.access_token).await;
    assert_eq!(status, StatusCode::OK);
    let files = unzip(&bytes);
    let json_of = |name: &str| -> Value { serde_json::from_slice(&files[name]).unwrap() };
    assert_eq!(json_of("account.json")["username"], demo.students[0].username.as_str());
    let personal = json_of("personal-data.json");
    assert_eq!(
        (personal["display_name"].as_str(), personal["email"].as_str()),
        (Some("Eva Export"), Some("eva@example.org"))
    );
    let progress: Vec<&String> = files.keys().filter(|name| name.starts_with("progress/")).collect();
    assert!(!progress.is_empty(), "{:?}", files.keys());
    let rendered: String = progress.iter().map(|name| String::from_utf8_lossy(&files[*name]).into_owned()).collect();
    assert!(rendered.contains(&next.item_id), "her answer is in her progress: {rendered}");
    assert!(!json_of("devices.json").as_array().unwrap().is_empty());
    let log = json_of("access-log.json");
    assert!(log.as_array().unwrap().iter().any(|row| row["purpose"] == "personal data export"), "{log}");
    assert!(files.contains_key("README.txt"));
    assert_eq!(json_of("consents.json")["history"].as_array().unwrap().len(), 4);

    // The link is hers alone: a classmate (even knowing it) gets nothing.
    let other = server.login(&demo.students[1]).await;
    assert_eq!(download(&server, &link, &other.access_token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(download(&server, "/api/v1/exports/not-an-export", &me.access_token).await.0, StatusCode::NOT_FOUND);

    // Her school's admin may ask for it too; her teacher and the technical admin may not; the
    // teacher gets their own, with the picture they uploaded.
    let (status, _) = server.post(&format!("/api/v1/users/{id}/export"), Some(&admin.access_token), json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let teacher_login = server.login(&demo.teacher).await;
    for token in [&teacher_login.access_token, &server.login(&demo.tech_admin).await.access_token] {
        let (status, _) = server.post(&format!("/api/v1/users/{id}/export"), Some(token), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let teacher_id = teacher_login.user.id;
    let path = format!("/api/v1/users/{teacher_id}/export");
    let (status, ready) = server.post(&path, Some(&teacher_login.access_token), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{ready}");
    let (_, bytes) = download(&server, ready["download"].as_str().unwrap(), &teacher_login.access_token).await;
    let files = unzip(&bytes);
    assert_eq!(files[&format!("media/{}", uploaded.hash)].len() as u64, uploaded.size);
}
