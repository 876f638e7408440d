//! Signing out (SECURITY.md items 13 and 28): unsynced work is sent first or the sign-out is
//! refused; the session ends on the server — at once, or at the next contact when offline —
//! and the account's data leaves the device.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Cli, Device, TestServer, World};
use reqwest::StatusCode;
use tallschool_client::ClientError;
use tallschool_client::content::{self, CardPatch, Review};
use tallschool_shared::ClassId;
use tallschool_shared::docs::{DocKind, DocMeta};

/// Every file under `dir`, as bytes.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().map_while(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push((path.display().to_string(), std::fs::read(&path).unwrap_or_default()));
        }
    }
    found
}

fn mentions(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn signing_out_sends_unsynced_work_first_ends_the_session_and_leaves_nothing_behind() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let class: ClassId = world.a.class_id.parse().unwrap();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class, "Logout words").unwrap();
    let card = content::put_card(
        &mut teacher.store(),
        deck.id,
        None,
        &CardPatch::front_back(Some("sesquipedalian"), Some("long")),
    )
    .unwrap();
    teacher.sync().await;
    let student = Device::sign_in(&server, &demo.students[0]).await;
    student.sync().await;
    let me = student.core.user().unwrap().id;
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&student.dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "other accounts of a shared computer cannot look in");
    }
    content::record_session(&mut student.store(), me, deck.id, &[Review { card, rating: 3, at: 1 }]).unwrap();
    let refresh_token = student.core.signed_in().unwrap().refresh_token.clone();

    // Offline, with work the server does not have: refused, and nothing is touched.
    let mut server = server;
    server.kill();
    match student.core.session().logout(false).await {
        Err(ClientError::UnsyncedWork(unsynced)) => {
            // The new progress document's first change and the study session.
            assert!(unsynced.offline && unsynced.changes == 2, "{unsynced:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(student.core.signed_in().is_some());
    assert_eq!(student.store().status().unwrap().pending_changes, 2);

    // In reach again: the work is sent, then the session ends.
    let server = server.restart_same_port();
    let report = student.core.session().logout(false).await.unwrap();
    assert!(report.ended_on_server && report.discarded.is_empty(), "{report:?}");
    teacher.sync().await;
    let progress = DocMeta::progress(me, &deck).id;
    let (_, document) = teacher.store().load(progress).unwrap().expect("the answer reached the teacher");
    assert_eq!(tallschool_shared::schema::reviews(&document).len(), 1);
    assert_eq!(server.refresh(&refresh_token).await.0, StatusCode::UNAUTHORIZED, "ended on the server");

    // Nothing of the account is left on the device: not in the database, its journal, or files.
    assert!(student.core.signed_in().is_none());
    assert!(student.store().list().unwrap().is_empty());
    let user_id = me.to_string();
    for (path, bytes) in files_under(&student.dir) {
        for secret in ["sesquipedalian", "Logout words", user_id.as_str(), refresh_token.as_str()] {
            assert!(!mentions(&bytes, secret), "{path} still holds {secret:?}");
        }
    }
    // The device can serve the next student.
    student
        .core
        .session()
        .login(&server.base, &demo.students[1].username, &demo.students[1].password, "shared")
        .await
        .unwrap();
    assert_eq!(student.sync().await.received_docs, 1);
}

#[tokio::test]
async fn an_offline_sign_out_with_discard_reaches_the_server_at_the_next_sign_in() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let refresh_token = teacher.core.signed_in().unwrap().refresh_token.clone();
    let mut server = server;
    server.kill();
    // Made offline and never sent.
    content::create(&mut teacher.store(), DocKind::Deck, world.a.class_id.parse().unwrap(), "Never sent").unwrap();
    let report = teacher.core.session().logout(true).await.unwrap();
    assert!(!report.ended_on_server);
    assert_eq!(report.discarded.changes, 2, "{report:?}");
    assert!(teacher.store().list().unwrap().is_empty());
    assert!(teacher.dir.join("pending-logouts.json").exists());

    let server = server.restart_same_port();
    // Someone signs in on this device: the old session is ended first.
    teacher
        .core
        .session()
        .login(&server.base, &demo.students[2].username, &demo.students[2].password, "shared")
        .await
        .unwrap();
    assert!(!teacher.dir.join("pending-logouts.json").exists());
    assert_eq!(server.refresh(&refresh_token).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_cli_refuses_to_drop_unsynced_work_unless_told() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("teacher", &demo.teacher);
    let mut server = server;
    server.kill();
    cli.run("teacher", &["deck", "create", "--class", &world.a.class_id, "--title", "Offline deck"]);
    let refused = cli.fail("teacher", &["logout"]);
    assert!(refused.contains("not signed out") && refused.contains("--discard"), "{refused}");
    let status = cli.run("teacher", &["status"]);
    assert_eq!(status["user"], "demo.teacher", "still signed in: {status}");
    let report = cli.run("teacher", &["logout", "--discard"]);
    assert_eq!(report["ended_on_server"], false);
    assert_eq!(report["discarded"]["changes"], 2);
    let status = cli.run("teacher", &["status"]);
    assert_eq!(status["user"], serde_json::Value::Null);
    assert_eq!(status["status"]["documents"], 0);
}
