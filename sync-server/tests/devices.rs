//! An account's devices in its school admin's hands: listed, one signed out with a wipe (the
//! device deletes the account's data at its next contact, and what it did offline never
//! reaches the server), all signed out without one (their data stays, sign-in asked again).
#![allow(clippy::unwrap_used)]

mod common;

use common::{Device, TestServer};
use serde_json::json;
use tallschool_client::ClientError;
use tallschool_client::contract::request::CardPatch;
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

#[tokio::test]
async fn a_lost_tablet_signed_out_with_a_wipe_forgets_the_account_and_its_offline_work_never_arrives() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let deck = teacher.core.decks().create(class, "Planets", None).unwrap();
    for (front, back) in [("Mars", "red"), ("Venus", "hot")] {
        teacher.core.decks().put_card(deck, None, &CardPatch::front_back(Some(front), Some(back))).unwrap();
    }
    teacher.sync().await;

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
