//! The client version gate: a server configured with a minimum app version answers an older
//! app `426 upgrade_required` with that version; the app says "please update", keeps all of
//! its work, and syncs it once the server accepts it again. Callers that send no version are
//! not held back.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Cli, Device, TestServer};
use reqwest::StatusCode;
use tallschool_client::ClientError;
use tallschool_client::contract::request::CardPatch;
use tallschool_shared::api::{CLIENT_VERSION_HEADER, MIN_VERSION_HEADER};
use tallschool_shared::scheduling::Rating;

/// A sync once the device is through to the restarted server (its kept-alive connection to
/// the old process fails first, which the engine counts as offline).
async fn sync_past_reconnect(device: &Device) -> Result<tallschool_client::contract::sync::SyncReport, ClientError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match device.core.sync().run().await {
            Ok(report) if report.offline && std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

#[tokio::test]
async fn an_app_older_than_the_server_accepts_is_asked_to_update_and_keeps_its_work() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let deck = teacher.core.decks().create(class, "Rivers", None).unwrap();
    let card = teacher.core.decks().put_card(deck, None, &CardPatch::front_back(Some("Nile"), Some("Egypt"))).unwrap();
    teacher.sync().await;
    let tablet = Device::sign_in(&server, &demo.students[0]).await;
    tablet.sync().await;

    // The school's server moves on to a version this app is older than; she studies meanwhile.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let server = server.restart_with(&["--bind", &addr, "--min-client-version", "99.0.0"]);
    tablet.core.study().answer(deck, &card, Some(Rating::Good), None).unwrap();
    let error = sync_past_reconnect(&tablet).await.unwrap_err();
    let ClientError::UpdateRequired(message) = &error else { panic!("{error:?}") };
    assert!(message.contains("99.0.0") && message.contains("update"), "{message}");
    let status = tablet.core.sync().status().unwrap();
    assert_eq!(status.update_required.as_deref(), Some(message.as_str()));
    assert!(status.pending_changes > 0, "her answer waits on the device: {status:?}");
    assert!(tablet.core.lobby().get().unwrap().sync.update_required, "the app's home says to update");
    let as_contract: tallschool_client::contract::Error = error.into();
    assert_eq!(as_contract.code.as_str(), "update_required");

    // What the server says, to an old app, to a garbled version, and to a caller without one.
    let token = server.login(&demo.edu_admin).await.access_token;
    let response = server
        .http
        .get(server.url("/api/v1/me"))
        .bearer_auth(&token)
        .header(CLIENT_VERSION_HEADER, "0.1.0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(response.headers()[MIN_VERSION_HEADER], "99.0.0");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "upgrade_required");
    let garbled = server
        .http
        .get(server.url("/api/v1/me"))
        .bearer_auth(&token)
        .header(CLIENT_VERSION_HEADER, "the newest")
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(server.get("/api/v1/me", &token).await.0, StatusCode::OK, "no version sent: not held back");
    let newer = server
        .http
        .get(server.url("/api/v1/me"))
        .bearer_auth(&token)
        .header(CLIENT_VERSION_HEADER, "99.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(newer.status(), StatusCode::OK);

    // The server accepts this app again (or the app was updated): the work arrives.
    let server = server.restart_with(&["--bind", &addr]);
    let report = sync_past_reconnect(&tablet).await.unwrap();
    assert_eq!(report.pending_after, 0);
    assert_eq!(tablet.core.sync().status().unwrap().update_required, None);
    assert!(!tablet.core.lobby().get().unwrap().sync.update_required);
    teacher.sync().await;
    let me = tablet.core.user().unwrap().id;
    let report = teacher.core.decks().report(deck).unwrap();
    let row = report.students.iter().find(|row| row.student_id == me).unwrap();
    assert_eq!(row.reviews, 1, "the answer given while the app was refused reached her teacher");
    drop(server);
}

#[test]
fn a_minimum_that_is_not_a_version_stops_the_server_with_a_clear_error() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
        .args(["--min-client-version", "soon", "--data-dir", "/nonexistent/never-created", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("min_client_version") && text.contains("soon"), "{text}");
}

#[tokio::test]
async fn the_command_line_app_says_to_update_and_keeps_its_work() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("ana", &demo.students[0]);
    cli.run("ana", &["sync"]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let server = server.restart_with(&["--bind", &addr, "--min-client-version", "99.0.0"]);

    let said = cli.fail("ana", &["sync"]);
    assert!(said.contains("99.0.0") && said.contains("please update"), "{said}");
    assert!(said.contains("install the new version of tallschool"), "{said}");
    let status = cli.run("ana", &["status"]);
    assert!(status["status"]["update_required"].as_str().is_some_and(|m| m.contains("99.0.0")), "{status}");
    drop(server);
}
