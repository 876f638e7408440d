//! An account's devices in its school admin's hands: listed, one signed out with a wipe (the
//! device deletes the account's data at its next contact, and what it did offline never
//! reaches the server), all signed out without one (their data stays, sign-in asked again).
#![allow(clippy::unwrap_used)]

mod common;

use common::{Device, Login, TestServer};
use serde_json::json;
use tallschool_client::ClientError;
use tallschool_client::contract::request::CardPatch;
use tallschool_shared::DocId;
use tallschool_shared::docs::DocKind;
use tallschool_shared::scheduling::Rating;

/// Every byte under `dir`, to search for what must be gone.
fn bytes_under(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(bytes_under(&path));
        } else {
            all.extend(std::fs::read(&path).unwrap_or_default());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The teacher's device, with a deck of two cards in their class, synced.
async fn teacher_with_deck(
    server: &TestServer,
    login: &Login,
    title: &str,
    cards: [(&str, &str); 2],
) -> (Device, DocId) {
    let teacher = Device::sign_in(server, login).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let deck = teacher.core.decks().create(class, title, None).unwrap();
    for (front, back) in cards {
        teacher.core.decks().put_card(deck, None, &CardPatch::front_back(Some(front), Some(back))).unwrap();
    }
    teacher.sync().await;
    (teacher, deck)
}

#[tokio::test]
async fn a_lost_tablet_signed_out_with_a_wipe_forgets_the_account_and_its_offline_work_never_arrives() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let (_teacher, deck) =
        teacher_with_deck(&server, &demo.teacher, "Planets", [("Mars", "red"), ("Venus", "hot")]).await;

    let student = &demo.students[0];
    let tablet = Device::sign_in(&server, student).await;
    tablet.sync().await;
    let phone = Device::sign_in(&server, student).await;
    phone.sync().await;
    // On the tablet, offline: an answer not sent yet.
    let next = tablet.core.study().next(Some(deck)).unwrap().unwrap();
    tablet.core.study().answer(deck, &next.item_id, Some(Rating::Good), None).unwrap();
    assert!(!tablet.core.unsynced().unwrap().is_empty());
    assert!(contains(&bytes_under(&tablet.dir), &student.username), "the device holds the account before");

    // The school admin finds the student's two devices and signs the tablet out with a wipe.
    let admin = server.login(&demo.edu_admin).await;
    let student_id = phone.core.session().current_user().unwrap().id;
    let (status, devices) = server.get(&format!("/api/v1/users/{student_id}/sessions"), &admin.access_token).await;
    assert_eq!(status, 200);
    assert_eq!(devices.as_array().unwrap().len(), 2, "{devices}");
    let tablet_session = tablet.core.session().devices().await.unwrap().into_iter().find(|d| d.current).unwrap().id;
    let revoke = format!("/api/v1/users/{student_id}/sessions/revoke");
    let body = json!({"session_id": tablet_session, "wipe": true});
    let (status, answer) = server.post(&revoke, Some(&admin.access_token), body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"revoked": 1, "wipe": true}));

    // Its next contact: the server refuses the unsent answer and says to wipe; the device does.
    let error = tablet.core.sync().run().await.unwrap_err();
    assert!(matches!(error, ClientError::DeviceWiped), "{error:?}");
    assert!(tablet.core.session().current_user().is_none());
    let left = bytes_under(&tablet.dir);
    for trace in [student.username.as_str(), "Planets", "Mars"] {
        assert!(!contains(&left, trace), "{trace} is still on the tablet");
    }

    // The phone is untouched, and the tablet's offline answer never reached the server.
    phone.sync().await;
    assert!(phone.core.study().queue(deck).unwrap().is_empty(), "no answer arrived from the wiped tablet");
    let (_, devices) = server.get(&format!("/api/v1/users/{student_id}/sessions"), &admin.access_token).await;
    assert_eq!(devices.as_array().unwrap().len(), 1);
    // The student may sign in on the tablet again, starting clean.
    tablet.core.session().login(&server.base, &student.username, &student.password, "tablet").await.unwrap();
    tablet.core.sync().run().await.unwrap();
    assert!(tablet.core.study().queue(deck).unwrap().is_empty());

    // Every device signed out without a wipe: they keep their data and ask for sign-in again.
    let (status, answer) = server.post(&revoke, Some(&admin.access_token), json!({"wipe": false})).await;
    assert_eq!((status.as_u16(), answer["revoked"].as_u64()), (200, Some(2)), "{answer}");
    let error = phone.core.sync().run().await.unwrap_err();
    assert!(matches!(error, ClientError::SessionExpired), "{error:?}");
    assert!(contains(&bytes_under(&phone.dir), &student.username), "the phone keeps the account's data");

    // Another school's admin, a teacher and a student may not see or sign out these devices.
    for login in [&demo.teacher, &demo.students[1]] {
        let other = server.login(login).await;
        let (status, _) = server.get(&format!("/api/v1/users/{student_id}/sessions"), &other.access_token).await;
        assert_eq!(status, 403, "{}", login.username);
    }
}

#[tokio::test]
async fn an_erased_student_leaves_no_trace_even_on_a_device_that_was_offline_and_the_class_goes_on() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let (teacher, deck) =
        teacher_with_deck(&server, &demo.teacher, "Rivers", [("Nile", "Africa"), ("Amazon", "America")]).await;

    let (ana, ben) = (&demo.students[0], &demo.students[1]);
    let laptop = Device::sign_in(&server, ana).await;
    let tablet = Device::sign_in(&server, ana).await;
    let classmate = Device::sign_in(&server, ben).await;
    for device in [&laptop, &tablet, &classmate] {
        device.sync().await;
        let next = device.core.study().next(Some(deck)).unwrap().unwrap();
        device.core.study().answer(deck, &next.item_id, Some(Rating::Good), None).unwrap();
    }
    // The laptop's answer reaches the server; the tablet stays offline with its answer unsent.
    laptop.sync().await;
    classmate.sync().await;
    // The teacher's device gets both pupils' progress (for her reports).
    teacher.sync().await;
    let progress_of = |device: &Device, owner| {
        let docs = device.core.sync().documents().unwrap();
        docs.into_iter()
            .filter(|d| d.kind == DocKind::Progress && d.owner_id == Some(owner))
            .map(|d| d.id)
            .collect::<Vec<_>>()
    };
    assert!(!tablet.core.unsynced().unwrap().is_empty());
    let admin = server.login(&demo.edu_admin).await;
    let ana_id = laptop.core.session().current_user().unwrap().id;
    let ben_id = classmate.core.session().current_user().unwrap().id;
    let anas_progress = progress_of(&teacher, ana_id);
    assert!(!anas_progress.is_empty(), "the teacher's device holds Ana's progress");
    assert!(!progress_of(&teacher, ben_id).is_empty());
    let pii = json!({"display_name": "Ana Erasmus", "email": "ana.erasmus@example.org", "birth_date": "2012"});
    let (status, _) = server
        .call(reqwest::Method::PUT, &format!("/api/v1/users/{ana_id}/pii"), Some(&admin.access_token), Some(pii))
        .await;
    assert!(status.is_success(), "{status}");

    let consent = json!({"purpose": "platform", "decision": "given", "given_by": "parent_or_guardian"});
    let (status, _) =
        server.post(&format!("/api/v1/users/{ana_id}/consents"), Some(&admin.access_token), consent).await;
    assert_eq!(status, 201);

    // The parent's request: the school admin erases Ana (the username typed again).
    let erase = format!("/api/v1/users/{ana_id}/erasure");
    let (status, _) = server.post(&erase, Some(&admin.access_token), json!({"confirm_username": "someone.else"})).await;
    assert_eq!(status, 422, "a slip erases nobody");
    let teacher_login = server.login(&demo.teacher).await;
    let (status, _) =
        server.post(&erase, Some(&teacher_login.access_token), json!({"confirm_username": ana.username})).await;
    assert_eq!(status, 403, "teachers may not erase");
    let (status, report) =
        server.post(&erase, Some(&admin.access_token), json!({"confirm_username": ana.username})).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["pii_fields_deleted"].as_u64(), report["sessions_wiped"].as_u64()),
        (Some(3), Some(2)),
        "{report}"
    );
    assert!(report["documents_deleted"].as_u64().unwrap() >= 1, "{report}");

    // On the server: no name, email, username, progress or change of hers; she cannot sign in.
    let dump = String::from_utf8_lossy(&server.database_dump().await).into_owned();
    for trace in [ana.username.as_str(), "Ana Erasmus", "ana.erasmus@example.org"] {
        assert!(!dump.contains(trace), "{trace} is still in the database");
    }
    let mut db = server.db().await;
    let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE owner_id = $1")
        .bind(ana_id.to_string())
        .fetch_one(&mut db)
        .await
        .unwrap();
    let authored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM doc_changes WHERE author_id = $1")
        .bind(ana_id.to_string())
        .fetch_one(&mut db)
        .await
        .unwrap();
    let consents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consents WHERE user_id = $1")
        .bind(ana_id.to_string())
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!((owned, authored, consents), (0, 0, 0));
    assert_eq!(server.try_login(&ana.username, &ana.password).await.0, 401);

    // Both her devices, the offline tablet included, wipe the account when they next connect;
    // the tablet's unsent answer never arrives.
    for device in [&tablet, &laptop] {
        let error = device.core.sync().run().await.unwrap_err();
        assert!(matches!(error, ClientError::DeviceWiped), "{error:?}");
        let left = bytes_under(&device.dir);
        for trace in [ana.username.as_str(), "Rivers", "Nile"] {
            assert!(!contains(&left, trace), "{trace} is still on a device");
        }
    }
    let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE owner_id = $1")
        .bind(ana_id.to_string())
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(owned, 0, "nothing came back");

    // The teacher's device deletes its copy of Ana's progress at its next sync; Ben's stays.
    teacher.sync().await;
    assert!(progress_of(&teacher, ana_id).is_empty(), "Ana's progress is gone from the teacher's device");
    assert!(!progress_of(&teacher, ben_id).is_empty(), "Ben's progress stays");
    let left = bytes_under(&teacher.dir);
    for trace in anas_progress.iter().map(ToString::to_string).chain([ana_id.to_string()]) {
        assert!(!contains(&left, &trace), "{trace} is still on the teacher's device");
    }
    // A device that signs in later is told nothing it needs to act on, and syncs normally.
    let late = Device::sign_in(&server, &demo.teacher).await;
    late.sync().await;
    assert!(progress_of(&late, ana_id).is_empty());

    // The class goes on: Ben's answer is there, and the deck stays when its teacher is erased
    // too (handed to the admin, not lost).
    classmate.sync().await;
    assert_eq!(classmate.core.study().queue(deck).unwrap().len(), 1);
    let teacher_id = teacher.core.session().current_user().unwrap().id;
    let body = json!({"confirm_username": demo.teacher.username});
    let (status, report) =
        server.post(&format!("/api/v1/users/{teacher_id}/erasure"), Some(&admin.access_token), body).await;
    assert_eq!(status, 200, "{report}");
    assert!(report["content_reassigned"].as_u64().unwrap() >= 1, "{report}");
    let fresh = Device::sign_in(&server, ben).await;
    fresh.sync().await;
    assert_eq!(fresh.core.study().queue(deck).unwrap().len(), 1, "Ben's work and the deck survive");
    assert!(fresh.core.study().next(Some(deck)).unwrap().is_some());
}

/// A school admin sees, for each device of a student, when it last synced and how many changes
/// it still held then (work not yet on the server): the engine says so in each round.
#[tokio::test]
async fn each_device_shows_its_last_sync_and_the_work_it_still_holds() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let (_teacher, deck) =
        teacher_with_deck(&server, &demo.teacher, "Moons", [("Phobos", "Mars"), ("Io", "Jupiter")]).await;
    let student = &demo.students[0];
    let tablet = Device::sign_in(&server, student).await;
    let admin = server.login(&demo.edu_admin).await.access_token;
    let me = tablet.core.user().unwrap().id;
    let sessions = format!("/api/v1/users/{me}/sessions");
    let (_, listed) = server.get(&sessions, &admin).await;
    assert_eq!(listed[0]["last_sync_at"], serde_json::Value::Null, "not synced yet: {listed}");

    tablet.sync().await;
    let (_, listed) = server.get(&sessions, &admin).await;
    assert!(listed[0]["last_sync_at"].as_i64().is_some(), "{listed}");
    assert_eq!(listed[0]["waiting_changes"], 0, "{listed}");

    // A round that leaves work behind (the engine sends at most so many changes a round):
    // the count the device gives is shown at once.
    let card = tablet.core.decks().cards(deck).unwrap()[0].id.clone();
    tablet.core.study().answer(deck, &card, Some(Rating::Good), None).unwrap();
    let round = tablet.core.sync().prepare_round().unwrap();
    let mut request: tallschool_shared::sync::SyncRequest = tallschool_shared::sync::decode(&round.body).unwrap();
    request.waiting = 7;
    let token = tablet.core.signed_in().unwrap().access_token.clone();
    let response = server
        .http
        .post(server.url("/api/v1/sync"))
        .bearer_auth(&token)
        .header("content-type", tallschool_shared::sync::CONTENT_TYPE)
        .body(tallschool_shared::sync::encode(&request).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let (_, listed) = server.get(&sessions, &admin).await;
    assert_eq!(listed[0]["waiting_changes"], 7, "{listed}");
}
