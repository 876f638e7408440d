//! The PII vault's keys (SECURITY.md items 19, 21–23): fields sealed under data keys wrapped by
//! a key-encryption key from a provider; rotation moves 10,000 fields with a job that is
//! killed midway and resumed; rotation under load (sign-ins, sync, reads and writes keep
//! working); a key retires only when nothing is sealed under it; a data key is replaced at its
//! encryption limit; a key-encryption key rotated in place (same file or same secret name,
//! new bytes) is detected and data keys are rewrapped; AWS Secrets Manager (moto_server) as the
//! provider, and when it cannot be reached personal data answers 503 while the rest works.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use clap::Parser as _;
use common::{Device, TestServer, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tallschool_server::audit::AuditLog;
use tallschool_server::pii::{PiiUpdate, PiiVault, Reader, rotation};
use tallschool_shared::api::PiiInput;
use tallschool_shared::events::PiiField;
use tallschool_shared::{Role, UserId};

/// Settings for tools that open the server's data from this process.
fn settings_of(server: &TestServer, extra: &[&str]) -> tallschool_server::Settings {
    let dir = server.data_dir.display().to_string();
    let mut args = vec!["tallschool-server", "--database-url", &server.database_url, "--data-dir", &dir];
    let key_store = server.key_store_flags();
    args.extend(key_store.iter().map(String::as_str));
    args.extend_from_slice(extra);
    tallschool_server::Settings::resolve(tallschool_server::config::Cli::try_parse_from(args).unwrap()).unwrap()
}

/// A vault over the server's database and keys, for seeding and checking in bulk.
async fn vault_of(server: &TestServer) -> (tallschool_server::db::Db, PiiVault) {
    let (db, keyring) = rotation::open_offline(&settings_of(server, &[])).await.unwrap();
    let audit_key = std::fs::read_to_string(server.data_dir.join("keys/audit.key")).unwrap();
    let audit_key = tallschool_server::keys::decode(
        "audit_key",
        &audit_key,
        tallschool_server::keys::KeyLength::Exactly(32),
        "audit",
    )
    .unwrap();
    (db, PiiVault::new(keyring, Arc::new(AuditLog::new(audit_key))))
}

/// `count` students of no school with a name, an email and a birth date each (3 fields).
async fn seed_people(server: &TestServer, count: usize) -> Vec<(UserId, String)> {
    let (db, vault) = vault_of(server).await;
    let now = tallschool_server::clock::system_now();
    let mut tx = db.begin().await.unwrap();
    let mut people = Vec::with_capacity(count);
    for i in 0..count {
        let id = UserId::from_uuid(uuid::Uuid::new_v4());
        sqlx::query(
            "INSERT INTO users (id, school_id, username, role, status, password_hash, created_at, updated_at) \
             SELECT $1, school_id, $2, 'student', 'active', 'x', $3, $3 FROM users WHERE role = 'edu_admin' LIMIT 1",
        )
        .bind(id.to_string())
        .bind(format!("seeded.{i}"))
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        let name = format!("Seeded Person {i}");
        let input = PiiInput {
            display_name: Some(name.clone()),
            email: Some(format!("seeded{i}@example.org")),
            birth_date: Some("2012-03-04".to_owned()),
        };
        vault.write(&mut tx, id, &PiiUpdate::validate(&input, now).unwrap(), None, now).await.unwrap();
        people.push((id, name));
    }
    tx.commit().await.unwrap();
    people
}

/// Every seeded person's fields read back through the vault, compared with what was written.
async fn assert_all_readable(server: &TestServer, people: &[(UserId, String)]) {
    let (db, vault) = vault_of(server).await;
    let now = tallschool_server::clock::system_now();
    let reader = Reader {
        actor_id: people[0].0,
        actor_role: Role::EduAdmin,
        purpose: "test_check",
        request_id: None,
        client_address: None,
    };
    let subjects: Vec<_> = people.iter().map(|(id, _)| (*id, None)).collect();
    let fields = [PiiField::DisplayName, PiiField::Email, PiiField::BirthDate];
    let mut tx = db.begin().await.unwrap();
    let views = vault.read(&mut tx, &reader, &subjects, &fields, now).await.unwrap();
    tx.commit().await.unwrap();
    for (view, (_, name)) in views.iter().zip(people) {
        assert_eq!(view.display_name.as_deref(), Some(name.as_str()));
        let number = name.trim_start_matches("Seeded Person ");
        assert_eq!(view.email.as_deref(), Some(format!("seeded{number}@example.org").as_str()));
        assert_eq!(view.birth_date.as_deref(), Some("2012-03-04"));
    }
}

async fn key_status(server: &TestServer, token: &str) -> Value {
    let (status, body) = server.get("/api/v1/admin/pii-keys", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Poll the key status until `ready` holds (60 s at most); answers the status that did.
async fn wait_for_keys(server: &TestServer, token: &str, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = key_status(server, token).await;
        if ready(&status) {
            return status;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every live data key is wrapped by the current key-encryption key, which is not `old`.
fn rewrapped_away_from(status: &Value, old: &str) -> bool {
    let current = status["current_kek"].as_str().unwrap_or_default();
    !current.is_empty()
        && current != old
        && status["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|key| key["state"] != "retired")
            .all(|key| key["wrapped_by"] == current)
}

fn keys_in_state<'a>(status: &'a Value, state: &str) -> Vec<&'a Value> {
    status["keys"].as_array().unwrap().iter().filter(|key| key["state"] == state).collect()
}

fn keys_tool(server: &TestServer, action: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tallschool-server"));
    command
        .args(["keys", action, "--database-url", &server.database_url, "--data-dir"])
        .arg(&server.data_dir)
        .env_remove("DATABASE_URL")
        .envs(server.tool_env());
    command
}

#[tokio::test]
async fn rotation_killed_midway_resumes_and_retires_the_old_key_with_every_value_intact() {
    // The server's own job would finish the rotation by itself: here it waits an hour, so
    // that the operator's tool does the work, is killed and run again.
    let server = TestServer::start_with(&["--pii-reencrypt-interval-secs", "3600"]).await;
    let world = World::build(&server).await;
    let people = seed_people(&server, 3_334).await;
    let tech = &world.tech.access_token;
    let before = key_status(&server, tech).await;
    let old_key = keys_in_state(&before, "current")[0]["id"].as_str().unwrap().to_owned();
    let total = before["keys"][0]["fields"].as_i64().unwrap();
    assert!(total >= 10_002, "{before}");
    assert_eq!(before["fields_behind"], 0);

    // Rotate from the command line and kill it (SIGKILL) after its first batch.
    let mut child = keys_tool(&server, "rotate").stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut saw_progress = false;
    for line in lines.by_ref() {
        if line.unwrap().starts_with("moved ") {
            saw_progress = true;
            child.kill().unwrap();
            break;
        }
    }
    child.wait().unwrap();
    assert!(saw_progress, "the tool printed no progress");
    let midway = key_status(&server, tech).await;
    let behind = midway["fields_behind"].as_i64().unwrap();
    assert!(behind > 0 && behind < total, "killed midway: {midway}");
    let new_key = keys_in_state(&midway, "current")[0]["id"].as_str().unwrap().to_owned();
    assert_ne!(new_key, old_key);
    assert_eq!(keys_in_state(&midway, "previous")[0]["id"], old_key.as_str());

    // While half moved, every read works, old key or new, and new writes use the new key.
    let student = world.a.student.user.id.to_string();
    let admin = &world.a.edu_admin.access_token;
    let (status, body) = server.get(&format!("/api/v1/users/{student}/pii"), admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_all_readable(&server, &people).await;

    // Run again: it carries on from what is stored.
    let output = keys_tool(&server, "reencrypt").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("fields under older keys: 0"), "{text}");
    assert!(text.contains(&format!("retired ({old_key})")), "{text}");
    let after = key_status(&server, tech).await;
    assert_eq!(after["fields_behind"], 0, "{after}");
    let retired = keys_in_state(&after, "retired");
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0]["id"], old_key.as_str());
    assert_eq!(retired[0]["fields"], 0);
    // A retired key's wrapped bytes are gone: whatever it sealed (in a backup) stays sealed.
    let mut db = server.db().await;
    let wrapped: Option<Vec<u8>> = sqlx::query_scalar("SELECT wrapped FROM pii_data_keys WHERE id = $1")
        .bind(&old_key)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert!(wrapped.is_none());
    assert_all_readable(&server, &people).await;

    // Nothing left to do: a third run changes nothing.
    let output = keys_tool(&server, "reencrypt").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(text.contains("re-encryption: 0 fields moved"), "{text}");
}

#[tokio::test]
async fn rotation_under_load_keeps_sign_ins_sync_and_personal_data_working() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let people = seed_people(&server, 2_500).await;
    let tech = world.tech.access_token.clone();
    let admin = world.a.edu_admin.access_token.clone();
    let student_id = world.a.student.user.id.to_string();
    let device = Device::sign_in(&server, &world.a.student_login).await;
    device.sync().await;

    // Traffic runs without pause from before the rotation to after the job has finished: a
    // sign-in, a sync, a write and a read of personal data at once, each round checked.
    let demo = server.demo_logins();
    let path = format!("/api/v1/users/{student_id}/pii");
    let stop = std::sync::atomic::AtomicBool::new(false);
    // When each round started and finished.
    let finished_rounds = std::sync::Mutex::new(Vec::<(Instant, Instant)>::new());
    let traffic = async {
        let mut round = 0;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let started = Instant::now();
            let name = format!("Renamed {round}");
            let sign_in = server.try_login(&demo.students[1].username, &demo.students[1].password);
            let write = server.call(Method::PUT, &path, Some(&admin), Some(json!({"display_name": name})));
            let read = server.get(&path, &admin);
            let ((status, body), (written, _), (read_status, _), _) = tokio::join!(sign_in, write, read, device.sync());
            assert_eq!(status, StatusCode::OK, "sign-in during rotation: {body}");
            assert_eq!(written, StatusCode::NO_CONTENT, "write during rotation");
            assert_eq!(read_status, StatusCode::OK, "read during rotation");
            let (status, body) = server.get(&path, &admin).await;
            assert_eq!(status, StatusCode::OK, "read during rotation: {body}");
            assert_eq!(body["display_name"], name.as_str());
            finished_rounds.lock().unwrap().push((started, Instant::now()));
            round += 1;
        }
    };
    let control = async {
        let deadline = Instant::now() + Duration::from_secs(60);
        while finished_rounds.lock().unwrap().is_empty() {
            assert!(Instant::now() < deadline, "no traffic");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let rotated_at = Instant::now();
        let (status, rotated) = server.post("/api/v1/admin/pii-keys/rotate", Some(&tech), json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{rotated}");
        let new_key = rotated["current_key"].as_str().unwrap().to_owned();
        let keys = wait_for_keys(&server, &tech, "the job to finish", |keys| {
            keys["fields_behind"] == 0
                && !keys_in_state(keys, "retired").is_empty()
                && keys["last_reencryption"]["moved"].is_i64()
        })
        .await;
        let done_at = Instant::now();
        // Let one more round finish after the job, then stop.
        while finished_rounds.lock().unwrap().last().is_none_or(|(_, at)| *at < done_at) {
            assert!(Instant::now() < deadline + Duration::from_secs(60), "traffic stalled");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(keys_in_state(&keys, "current")[0]["id"], new_key.as_str());
        assert!(keys["last_reencryption"]["moved"].as_i64().unwrap() >= 7_500, "{keys}");
        (rotated_at, done_at)
    };
    let ((), (rotated_at, done_at)) = tokio::join!(traffic, control);
    let rounds = finished_rounds.lock().unwrap().clone();
    // However fast the job was next to a round (a round signs in, with Argon2), traffic was in
    // flight while it ran, and every round passed its checks.
    let during = rounds.iter().filter(|(started, ended)| *started < done_at && *ended > rotated_at).count();
    assert!(during >= 1, "{} rounds, none in flight while the job ran", rounds.len());
    assert_all_readable(&server, &people).await;
}

#[tokio::test]
async fn a_tampered_field_is_left_alone_and_keeps_its_key_from_retiring() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let tech = &world.tech.access_token;
    let admin = &world.a.edu_admin.access_token;
    let demo = server.demo_logins();
    let victim = world.a.student.user.id.to_string();
    let other = server.login(&demo.students[1]).await.user.id.to_string();
    for (id, email) in [(&victim, "victim@example.org"), (&other, "other@example.org")] {
        let path = format!("/api/v1/users/{id}/pii");
        let (status, _) = server.call(Method::PUT, &path, Some(admin), Some(json!({"email": email}))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    // Someone with database access copies the victim's sealed email into the other row.
    let mut db = server.db().await;
    let (nonce, ciphertext): (Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT nonce, ciphertext FROM pii_fields WHERE user_id = $1 AND field = 'email'")
            .bind(&victim)
            .fetch_one(&mut db)
            .await
            .unwrap();
    sqlx::query("UPDATE pii_fields SET nonce = $1, ciphertext = $2 WHERE user_id = $3 AND field = 'email'")
        .bind(nonce)
        .bind(ciphertext)
        .bind(&other)
        .execute(&mut db)
        .await
        .unwrap();
    let (status, body) = server.post("/api/v1/admin/pii-keys/rotate", Some(tech), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let last = wait_for_keys(&server, tech, "the re-encryption run", |status| {
        status["last_reencryption"]["finished_at"].is_i64() && status["reencryption_running"] == false
    })
    .await;
    let report = &last["last_reencryption"];
    assert_eq!(report["unreadable"], 1, "{last}");
    assert_eq!(last["fields_behind"], 1, "{last}");
    assert!(keys_in_state(&last, "retired").is_empty(), "a key with a field under it must not retire: {last}");
    // The moved value never opens as the victim's email.
    let (status, body) = server.get(&format!("/api/v1/users/{other}/pii"), admin).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.to_string().contains("victim@example.org"));
    let (status, body) = server.get(&format!("/api/v1/users/{victim}/pii"), admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["email"], "victim@example.org");
}

#[tokio::test]
async fn a_data_key_is_replaced_when_it_reaches_its_encryption_limit() {
    let server = TestServer::start_with(&["--pii-key-max-encryptions", "40"]).await;
    let world = World::build(&server).await;
    let tech = &world.tech.access_token;
    let first = key_status(&server, tech).await;
    let first_key = keys_in_state(&first, "current")[0]["id"].as_str().unwrap().to_owned();
    let used = keys_in_state(&first, "current")[0]["encryptions"].as_i64().unwrap();
    assert!(used < 40, "{first}");
    let student = world.a.student.user.id.to_string();
    for i in 0..(40 - used) {
        let path = format!("/api/v1/users/{student}/pii");
        let body = json!({"display_name": format!("Name {i}")});
        let (status, _) = server.call(Method::PUT, &path, Some(&world.a.edu_admin.access_token), Some(body)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let after = key_status(&server, tech).await;
    let current = keys_in_state(&after, "current");
    assert_ne!(current[0]["id"], first_key.as_str(), "{after}");
    let old = after["keys"].as_array().unwrap().iter().find(|key| key["id"] == first_key.as_str()).unwrap();
    assert_eq!(old["encryptions"], 40);
    assert_ne!(old["state"], "current");
}

#[tokio::test]
async fn values_an_older_server_sealed_with_the_key_file_itself_are_read_and_moved() {
    let server = TestServer::start_with(&["--pii-reencrypt-interval-secs", "3600"]).await;
    let world = World::build(&server).await;
    let student = world.a.student.user.id;
    // What a server before envelope encryption wrote: the field sealed under the key file.
    let kek_text = std::fs::read_to_string(server.data_dir.join("keys/pii.key")).unwrap();
    let kek =
        tallschool_server::keys::decode("pii_key", &kek_text, tallschool_server::keys::KeyLength::Exactly(32), "pii")
            .unwrap();
    let aad = format!("tallschool.pii.v1\0{student}\0email\0{}", kek.id);
    let sealed = {
        use secrecy::ExposeSecret;
        tallschool_server::crypto::seal(kek.bytes.expose_secret(), aad.as_bytes(), b"legacy@example.org").unwrap()
    };
    let mut db = server.db().await;
    sqlx::query(
        "INSERT INTO pii_fields (user_id, field, key_id, nonce, ciphertext, updated_at) VALUES ($1, 'email', $2, $3, $4, 0)",
    )
    .bind(student.to_string())
    .bind(&kek.id)
    .bind(sealed.nonce)
    .bind(sealed.ciphertext)
    .execute(&mut db)
    .await
    .unwrap();
    let admin = &world.a.edu_admin.access_token;
    let (status, body) = server.get(&format!("/api/v1/users/{student}/pii"), admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["email"], "legacy@example.org");
    let status = key_status(&server, &world.tech.access_token).await;
    let direct: Vec<_> = status["keys"].as_array().unwrap().iter().filter(|k| k["kind"] == "key_encryption").collect();
    assert_eq!(direct.len(), 1, "{status}");
    assert_eq!(direct[0]["id"], kek.id.as_str());
    assert_eq!(status["fields_behind"], 1);

    let output = keys_tool(&server, "reencrypt").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let status = key_status(&server, &world.tech.access_token).await;
    assert_eq!(status["fields_behind"], 0, "{status}");
    assert!(status["keys"].as_array().unwrap().iter().all(|k| k["kind"] == "data"), "{status}");
    let (_, body) = server.get(&format!("/api/v1/users/{student}/pii"), admin).await;
    assert_eq!(body["email"], "legacy@example.org");
}

#[tokio::test]
async fn a_key_file_replaced_in_place_is_detected_and_data_keys_are_rewrapped() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let student = world.a.student.user.id.to_string();
    let path = format!("/api/v1/users/{student}/pii");
    let before = key_status(&server, &world.tech.access_token).await;
    let old_kek = before["current_kek"].as_str().unwrap().to_owned();
    // KEK rotation, local provider: the old file becomes pii.previous.key and the server
    // makes a new pii.key at its next start — same file name, new bytes.
    let keys = server.data_dir.join("keys");
    std::fs::rename(keys.join("pii.key"), keys.join("pii.previous.key")).unwrap();
    let server = server.restart_same_port();
    let tech = server.login(&server.demo_logins().tech_admin).await.access_token;
    wait_for_keys(&server, &tech, "data keys rewrapped under the new key-encryption key", |status| {
        rewrapped_away_from(status, &old_kek)
    })
    .await;
    let admin = server.login(&server.demo_logins().edu_admin).await.access_token;
    let (code, body) = server.get(&path, &admin).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    // Once rewrapped, the previous key file is not needed any more.
    std::fs::remove_file(keys.join("pii.previous.key")).unwrap();
    let server = server.restart_same_port();
    let admin = server.login(&server.demo_logins().edu_admin).await.access_token;
    let (code, body) = server.get(&path, &admin).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(body["display_name"].is_string());
}

// ---------------------------------------------------------------- AWS Secrets Manager

/// moto_server (PyPI `moto[server]`, installed by scripts/test.sh) on a free loopback port.
struct Moto {
    child: std::process::Child,
    endpoint: String,
    http: reqwest::Client,
}

impl Moto {
    async fn start() -> Moto {
        let exe = std::env::var_os("TALLSCHOOL_MOTO_SERVER").map(PathBuf::from).unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/tallschool/moto/bin/moto_server")
        });
        assert!(exe.exists(), "moto_server is not installed: run scripts/test.sh, or set TALLSCHOOL_MOTO_SERVER");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while moto.http.get(format!("{}/moto-api/", moto.endpoint)).send().await.is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        moto
    }

    /// One Secrets Manager call (JSON 1.1 protocol).
    async fn call(&self, action: &str, body: Value) -> Value {
        let response = self
            .http
            .post(&self.endpoint)
            .header("X-Amz-Target", format!("secretsmanager.{action}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261205/us-east-1/secretsmanager/aws4_request")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{action}: {}", response.text().await.unwrap());
        response.json().await.unwrap()
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.signal("-CONT");
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn random_key_b64() -> String {
    let mut bytes = [0_u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn secrets_manager_holds_the_key_encryption_key_and_an_outage_fails_closed() {
    let moto = Moto::start().await;
    let secret = "tallschool/pii-kek";
    moto.call("CreateSecret", json!({"Name": secret, "SecretString": random_key_b64()})).await;
    // moto takes any credentials: keep those the run has (the S3 test server's, with media in
    // S3), else give some, so nothing looks for instance credentials.
    let defaults = [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_REGION", "us-east-1")];
    let mut env: Vec<(&str, &str)> =
        defaults.into_iter().filter(|(name, _)| std::env::var_os(name).is_none()).collect();
    env.push(("AWS_EC2_METADATA_DISABLED", "true"));
    let server = TestServer::start_with_env(
        &[
            "--pii-key-provider",
            "aws_secrets_manager",
            "--pii-kek-secret-id",
            secret,
            "--secrets-endpoint",
            &moto.endpoint,
            // Ask the provider on every use, so the outage below shows at once.
            "--pii-key-cache-secs",
            "0",
        ],
        &env,
    )
    .await;
    // No local key file: the key-encryption key lives only in the provider.
    assert!(!server.data_dir.join("keys/pii.key").exists());
    let world = World::build(&server).await;
    let tech = world.tech.access_token.clone();
    let admin = world.a.edu_admin.access_token.clone();
    let student = world.a.student.user.id.to_string();
    let path = format!("/api/v1/users/{student}/pii");
    let (status, body) = server.get(&path, &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let name = body["display_name"].as_str().unwrap().to_owned();
    let before = key_status(&server, &tech).await;
    assert!(before["provider"].as_str().unwrap().contains(secret), "{before}");
    let first_kek = before["current_kek"].as_str().unwrap().to_owned();

    // The secret is rotated in place (same name, new version: AWSCURRENT moves, the old
    // version becomes AWSPREVIOUS). The server tells the versions apart and rewraps.
    moto.call("PutSecretValue", json!({"SecretId": secret, "SecretString": random_key_b64()})).await;
    let (status, body) = server.post("/api/v1/admin/pii-keys/rotate", Some(&tech), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    wait_for_keys(&server, &tech, "every data key wrapped by the secret's new version", |status| {
        status["fields_behind"] == 0 && rewrapped_away_from(status, &first_kek)
    })
    .await;
    let (status, body) = server.get(&path, &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["display_name"], name.as_str());

    // The provider stops answering: personal data is unavailable (503, nothing readable
    // served from anywhere else), while sign-in, sync and the rest keep working.
    moto.signal("-STOP");
    let (status, body) = server.get(&path, &admin).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(!body.to_string().contains(&name));
    let (status, _) =
        server.call(Method::PUT, &path, Some(&admin), Some(json!({"display_name": "Written During Outage"}))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let demo = server.demo_logins();
    let signed_in = server.login(&demo.students[1]).await;
    assert!(!signed_in.access_token.is_empty());
    let device = Device::sign_in(&server, &world.a.student_login).await;
    device.sync().await;
    let status = key_status(&server, &tech).await;
    assert!(status["current_kek"].is_null(), "{status}");

    // Back: personal data is served again, unchanged.
    moto.signal("-CONT");
    let (status, body) = server.get(&path, &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["display_name"], name.as_str());
}
