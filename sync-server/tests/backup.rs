//! Backups: `tallschool-server backup` copies a SQLite school while devices sync against it;
//! `restore` puts the copy into a fresh data folder, where a server finds every change it had
//! acknowledged before the backup began and every media object. Refusals say what to do.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use clap::Parser as _;
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

/// The person's key as the key store of `data_dir` holds it: `Some(true)` live, `Some(false)`
/// destroyed (erased), `None` unknown.
async fn person_key_in(data_dir: &Path, person: &str) -> Option<bool> {
    use tallschool_server::pii::subject_keys::SubjectSecret;
    let dir = data_dir.display().to_string();
    let cli = tallschool_server::config::Cli::try_parse_from(["tallschool-server", "--data-dir", &dir]).unwrap();
    let settings = tallschool_server::Settings::resolve(cli).unwrap();
    let keys = &settings.pii_keys;
    let keks = tallschool_server::pii::kek::KekSource::open(keys, &settings.keys_dir(), false).await.unwrap();
    let subjects = tallschool_server::pii::subject_keys::SubjectKeys::open(&keys.subject_keys_url).await.unwrap();
    let keyring = tallschool_server::pii::keyring::Keyring::new(keks, subjects, keys.cache, keys.max_encryptions);
    match keyring.subjects().for_read(&keyring, person.parse().unwrap()).await {
        Ok(SubjectSecret::Live(_)) => Some(true),
        Ok(SubjectSecret::Erased) => Some(false),
        Err(_) => None,
    }
}

async fn rows_in(file: &Path, sql: &str, person: &str) -> i64 {
    use sqlx::ConnectOptions as _;
    let mut db = sqlx::sqlite::SqliteConnectOptions::new().filename(file).read_only(true).connect().await.unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).bind(person).fetch_one(&mut db).await.unwrap()
}

/// SECURITY.md item 27: seed a pupil, back up, erase her, restore the backup — her personal
/// data does not decrypt (her key is gone from the key store the backup is restored beside),
/// and the server started on it erases the rest of her again. And the other way round: a key
/// store restored from before the erasure, beside a database from after it, has her key
/// destroyed at start. Her classmates are untouched throughout.
#[tokio::test]
async fn an_erased_pupil_does_not_come_back_from_an_older_backup() {
    use serde_json::json;
    let server = TestServer::start().await;
    if let Backend::Postgres { .. } = server.backend {
        return; // The SQLite commands; `erasure_reconcile` covers an older PostgreSQL copy.
    }
    let demo = server.demo_logins();
    let data_dir = server.data_dir.display().to_string();
    let admin = server.login(&demo.edu_admin).await.access_token;
    let (ana, ben) = (&demo.students[0], &demo.students[1]);
    let ana_id = server.login(ana).await.user.id.to_string();
    let ben_id = server.login(ben).await.user.id.to_string();
    let pii = json!({"display_name": "Ana Erasmus", "email": "ana.erasmus@example.org", "birth_date": "2012"});
    let put = |id: String, body: serde_json::Value| {
        let (server, admin) = (&server, &admin);
        async move {
            let (status, _) =
                server.call(reqwest::Method::PUT, &format!("/api/v1/users/{id}/pii"), Some(admin), Some(body)).await;
            assert!(status.is_success(), "{status}");
        }
    };
    put(ana_id.clone(), pii).await;
    put(ben_id.clone(), json!({"display_name": "Ben Bauer"})).await;
    let (_, ben_before) = server.get(&format!("/api/v1/users/{ben_id}/pii"), &admin).await;

    // The nightly backup, keys included (so it also holds the key store as it was).
    let before = scratch("before-erasure");
    let output =
        server_command(&["backup", "--data-dir", &data_dir, "--to", &before.display().to_string(), "--with-keys"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(before.join("keys/pii-subjects.db").exists(), "the key store is in a backup with keys");
    assert_eq!(person_key_in(&before, &ana_id).await, Some(true));

    // The parent's request is carried out; a backup after it.
    let (status, report) = server
        .post(&format!("/api/v1/users/{ana_id}/erasure"), Some(&admin), json!({"confirm_username": ana.username}))
        .await;
    assert_eq!(status, 200, "{report}");
    let after = scratch("after-erasure");
    let output = server_command(&["backup", "--data-dir", &data_dir, "--to", &after.display().to_string()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut server = server;
    server.kill();
    assert_eq!(person_key_in(&server.data_dir, &ana_id).await, Some(false), "her key is destroyed");

    // 1. The older backup restored beside the live keys: her sealed fields are in it, but
    //    nothing opens them.
    let restored = scratch("restored-older-database");
    copy_folder(&server.data_dir.join("keys"), &restored.join("keys"));
    let output = server_command(&[
        "restore",
        "--data-dir",
        &restored.display().to_string(),
        "--from",
        &before.display().to_string(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let database = restored.join("tallschool.db");
    let sealed = "SELECT COUNT(*) FROM pii_fields WHERE user_id = $1 AND per_person = 1";
    assert_eq!(rows_in(&database, sealed, &ana_id).await, 3, "the backup holds her three sealed fields");
    assert_eq!(person_key_in(&restored, &ana_id).await, Some(false), "the live key store is kept, not the backup's");
    assert_eq!(person_key_in(&restored, &ben_id).await, Some(true));

    // The server started on it erases her again before it serves; Ben reads as before.
    let server_b = TestServer::start_on(restored.clone());
    let admin_b = server_b.login(&demo.edu_admin).await.access_token;
    let (status, _) = server_b.try_login(&ana.username, &ana.password).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "she cannot sign in");
    let (status, ana_b) = server_b.get(&format!("/api/v1/users/{ana_id}/pii"), &admin_b).await;
    assert!(ana_b["display_name"].is_null() && ana_b["email"].is_null(), "{status} {ana_b}");
    let (_, ben_b) = server_b.get(&format!("/api/v1/users/{ben_id}/pii"), &admin_b).await;
    assert_eq!(ben_b, ben_before, "Ben's personal data is untouched");
    let dump = String::from_utf8_lossy(&server_b.database_dump().await).into_owned();
    for trace in [ana.username.as_str(), "Ana Erasmus", "ana.erasmus@example.org"] {
        assert!(!dump.contains(trace), "{trace} is in the restored database after start");
    }
    assert_eq!(rows_in(&database, "SELECT COUNT(*) FROM pii_fields WHERE user_id = $1", &ana_id).await, 0);
    drop(server_b);

    // 2. The key store from before the erasure beside the database from after it: her key
    //    is destroyed when the server starts.
    let restored = scratch("restored-older-keys");
    copy_folder(&before.join("keys"), &restored.join("keys"));
    assert_eq!(person_key_in(&restored, &ana_id).await, Some(true), "the old key store still holds her key");
    let output = server_command(&[
        "restore",
        "--data-dir",
        &restored.display().to_string(),
        "--from",
        &after.display().to_string(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let server_c = TestServer::start_on(restored.clone());
    let admin_c = server_c.login(&demo.edu_admin).await.access_token;
    let (_, ben_c) = server_c.get(&format!("/api/v1/users/{ben_id}/pii"), &admin_c).await;
    assert_eq!(ben_c, ben_before);
    let mut server_c = server_c;
    server_c.kill();
    assert_eq!(person_key_in(&restored, &ana_id).await, Some(false), "her key is destroyed again");
    assert_eq!(person_key_in(&restored, &ben_id).await, Some(true));
    drop(server_c);
    for folder in [&before, &after] {
        std::fs::remove_dir_all(folder).ok();
    }
}
