//! Backups: `tallschool-server backup` copies a SQLite school while devices sync against it;
//! `restore` puts the copy into a fresh data folder, where a server finds every change it had
//! acknowledged before the backup began and every media object. Refusals say what to do.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{Backend, Device, TestServer, photo, sha};
use reqwest::StatusCode;
use tallschool_client::contract::request::CardPatch;
use tallschool_shared::scheduling::Rating;

fn server_command(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join("tallschool-tests").join(format!("{name}-{}", uuid::Uuid::new_v4().simple()))
}

async fn stored_changes(server: &TestServer) -> BTreeSet<(String, Vec<u8>)> {
    let mut db = server.db().await;
    sqlx::query_as("SELECT doc_id, hash FROM doc_changes").fetch_all(&mut db).await.unwrap().into_iter().collect()
}

async fn changes_in(file: &Path) -> BTreeSet<(String, Vec<u8>)> {
    use sqlx::ConnectOptions as _;
    let mut db = sqlx::sqlite::SqliteConnectOptions::new().filename(file).read_only(true).connect().await.unwrap();
    sqlx::query_as("SELECT doc_id, hash FROM doc_changes").fetch_all(&mut db).await.unwrap().into_iter().collect()
}

#[tokio::test]
async fn a_backup_taken_under_sync_load_restores_every_acknowledged_change_and_media_object() {
    let server = TestServer::start().await;
    let data_dir = server.data_dir.display().to_string();
    if let Backend::Postgres { .. } = server.backend {
        // PostgreSQL is backed up with pg_dump (README, "Operate it"): the command says so.
        let refused = server_command(&[
            "backup",
            "--data-dir",
            &data_dir,
            "--database-url",
            &server.database_url,
            "--to",
            &scratch("backup").display().to_string(),
        ]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("pg_dump"));
        return;
    }
    let demo = server.demo_logins();

    // A teacher's deck with pictures; three pupils' tablets.
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let deck = teacher.core.decks().create(class, "Trees", None).unwrap();
    let mut cards = Vec::new();
    for (front, back) in [("oak", "acorn"), ("beech", "nut"), ("pine", "cone")] {
        cards.push(teacher.core.decks().put_card(deck, None, &CardPatch::front_back(Some(front), Some(back))).unwrap());
    }
    teacher.sync().await;
    let token = server.login(&demo.teacher).await.access_token;
    let mut media = Vec::new();
    for seed in 0..3u8 {
        let mut bytes = photo();
        bytes.extend_from_slice(&[seed; 64]);
        let response = server
            .http
            .post(server.url("/api/v1/media"))
            .bearer_auth(&token)
            .header("content-type", "image/png")
            .body(bytes.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: serde_json::Value = response.json().await.unwrap();
        media.push(body["hash"].as_str().unwrap().to_owned());
    }
    let mut tablets = Vec::new();
    for login in demo.students.iter().take(3) {
        let tablet = Device::sign_in(&server, login).await;
        tablet.sync().await;
        tablets.push(tablet);
    }

    // The pupils study and sync without pause while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let mut load = Vec::new();
    for tablet in tablets {
        let (stop, rounds, cards) = (stop.clone(), rounds.clone(), cards.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                tablet.core.study().answer(deck, &cards[n % cards.len()], Some(Rating::Good), None).unwrap();
                tablet.sync().await;
                rounds.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
        }));
    }
    common::eventually("the pupils to sync", || async { rounds.load(Ordering::SeqCst) >= 6 }).await;
    let acknowledged = stored_changes(&server).await;
    let before = rounds.load(Ordering::SeqCst);
    let backup = scratch("backup");
    let folder = backup.display().to_string();
    let database_url = server.database_url.clone();
    let output = tokio::task::spawn_blocking({
        let (data_dir, folder) = (data_dir.clone(), folder.clone());
        move || {
            server_command(&[
                "backup",
                "--data-dir",
                &data_dir,
                "--database-url",
                &database_url,
                "--to",
                &folder,
                "--with-keys",
            ])
        }
    })
    .await
    .unwrap();
    // Keep the load on a little past the backup, then stop it.
    common::eventually("more rounds", || async { rounds.load(Ordering::SeqCst) >= before + 3 }).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains("media: 3 objects") || printed.contains("media: 4 objects"), "{printed}");
    assert!(printed.contains("keys: included"), "{printed}");
    let in_backup = changes_in(&backup.join("tallschool.db")).await;
    let missing: Vec<_> = acknowledged.difference(&in_backup).collect();
    assert!(missing.is_empty(), "{} acknowledged changes are not in the backup", missing.len());
    assert!(rounds.load(Ordering::SeqCst) > before, "the devices synced while the backup ran");

    // A backup into a folder that holds something is refused.
    let again = server_command(&["backup", "--data-dir", &data_dir, "--to", &folder]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    // Restore into a fresh data folder and serve it.
    let fresh = scratch("restored");
    let restored = server_command(&["restore", "--data-dir", &fresh.display().to_string(), "--from", &folder]);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    // Restoring over a database is refused (nothing is overwritten).
    let over = server_command(&["restore", "--data-dir", &fresh.display().to_string(), "--from", &folder]);
    assert_eq!(over.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&over.stderr).contains("already exists"));
    let after = changes_in(&fresh.join("tallschool.db")).await;
    assert_eq!(after, in_backup);

    let server_b = TestServer::start_on(fresh);
    let token_b = server_b.login(&demo.teacher).await.access_token;
    for hash in &media {
        let response = server_b
            .http
            .get(server_b.url(&format!("/api/v1/media/{hash}")))
            .bearer_auth(&token_b)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{hash}");
        assert_eq!(&sha(&response.bytes().await.unwrap()), hash);
    }
    // A new device of a pupil gets her work back from the restored server, and her name still
    // reads (the keys came with the backup).
    let pupil = Device::sign_in(&server_b, &demo.students[0]).await;
    pupil.sync().await;
    assert_eq!(pupil.core.decks().cards(deck).unwrap().len(), 3, "the deck is back");
    let her_token = server_b.login(&demo.students[0]).await.access_token;
    let (_, me) = server_b.get("/api/v1/me", &her_token).await;
    let admin = server_b.login(&demo.edu_admin).await.access_token;
    let (status, pii) = server_b.get(&format!("/api/v1/users/{}/pii", me["id"].as_str().unwrap()), &admin).await;
    assert_eq!(status, StatusCode::OK, "{pii}");
    let before = server
        .get(
            &format!("/api/v1/users/{}/pii", me["id"].as_str().unwrap()),
            &server.login(&demo.edu_admin).await.access_token,
        )
        .await
        .1;
    assert_eq!(pii, before, "her personal data reads the same from the restored server");
    std::fs::remove_dir_all(&backup).ok();
}

#[tokio::test]
async fn a_backup_without_keys_is_not_restored_where_the_keys_are_missing() {
    let server = TestServer::start().await;
    if let Backend::Postgres { .. } = server.backend {
        return; // The SQLite command; the test above checks PostgreSQL's refusal.
    }
    let backup = scratch("backup-no-keys");
    let folder = backup.display().to_string();
    let data_dir = server.data_dir.display().to_string();
    let output =
        server_command(&["backup", "--data-dir", &data_dir, "--database-url", &server.database_url, "--to", &folder]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("keys: not included"));
    assert!(!backup.join("keys").exists());

    let fresh = scratch("restored-no-keys");
    let refused = server_command(&["restore", "--data-dir", &fresh.display().to_string(), "--from", &folder]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("holds no keys") && stderr.contains("pii.key"), "{stderr}");
    assert!(!fresh.join("tallschool.db").exists(), "nothing restored");

    // With the keys folder put in place first, it restores.
    copy_folder(&server.data_dir.join("keys"), &fresh.join("keys"));
    let restored = server_command(&["restore", "--data-dir", &fresh.display().to_string(), "--from", &folder]);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    assert!(fresh.join("tallschool.db").exists());
    let not_a_backup =
        server_command(&["restore", "--data-dir", &scratch("x").display().to_string(), "--from", &data_dir]);
    assert_eq!(not_a_backup.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_a_backup.stderr).contains("not a TallSchool backup"));
    std::fs::remove_dir_all(&backup).ok();
    std::fs::remove_dir_all(&fresh).ok();
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
