//! The PII access log is tamper-evident: `tallschool-server audit verify` passes on the log
//! the server wrote (under concurrent reads too) and names each row someone edited, deleted,
//! moved or slipped in; refused reads are logged where the person's school sees them.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Run `tallschool-server audit verify` on the server's data: (exit code, what it printed).
fn verify(server: &TestServer) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
        .args(["audit", "verify", "--database-url", &server.database_url, "--data-dir"])
        .arg(&server.data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

async fn exec(server: &TestServer, sql: &'static str, args: &[i64]) {
    let mut db = server.db().await;
    let mut query = sqlx::query(sql);
    for arg in args {
        query = query.bind(*arg);
    }
    query.execute(&mut db).await.unwrap();
}

async fn last_seq(server: &TestServer) -> i64 {
    let mut db = server.db().await;
    sqlx::query_scalar("SELECT MAX(seq) FROM pii_access_log").fetch_one(&mut db).await.unwrap()
}

#[tokio::test]
async fn the_log_verifies_and_every_kind_of_tampering_is_named() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let admin = world.a.edu_admin.access_token.clone();
    let student = world.a.student.user.id.to_string();
    // Many reads at once: appends must still form one unbroken chain.
    let world = &world;
    let reads = (0..24).map(|i| {
        let (server, admin, student) = (&server, &admin, &student);
        async move {
            let path = if i % 3 == 0 {
                format!("/api/v1/classes/{}/roster", world.a.class_id)
            } else {
                format!("/api/v1/users/{student}/pii")
            };
            let token = if i % 3 == 0 { &world.a.teacher.access_token } else { admin };
            server.get(&path, token).await.0
        }
    });
    for status in futures_util::future::join_all(reads).await {
        assert_eq!(status, StatusCode::OK, "{}", server.output());
    }
    let (code, text) = verify(&server);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("intact"), "{text}");
    let last = last_seq(&server).await;
    assert!(last >= 24, "{last} rows");
    let mut db = server.db().await;
    let distinct: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT seq) FROM pii_access_log").fetch_one(&mut db).await.unwrap();
    assert_eq!(distinct, last, "positions 1..{last} each used once");

    // An edited purpose.
    let k = last / 2;
    let purpose: String = sqlx::query_scalar("SELECT purpose FROM pii_access_log WHERE seq = $1")
        .bind(k)
        .fetch_one(&mut db)
        .await
        .unwrap();
    exec(&server, "UPDATE pii_access_log SET purpose = 'maintenance' WHERE seq = $1", &[k]).await;
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(&format!("row {k} was edited")), "{text}");
    sqlx::query("UPDATE pii_access_log SET purpose = $1 WHERE seq = $2")
        .bind(&purpose)
        .bind(k)
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(verify(&server).0, 0, "restored");

    // The person swapped for someone else, then the person erased (allowed: pseudonymised).
    let other = world.b.student.user.id.to_string();
    sqlx::query("UPDATE pii_access_log SET subject_id = $1 WHERE seq = $2")
        .bind(&other)
        .bind(k)
        .execute(&mut db)
        .await
        .unwrap();
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(&format!("row {k}: the person's id was changed")), "{text}");
    exec(&server, "UPDATE pii_access_log SET subject_id = NULL WHERE seq = $1", &[k]).await;
    let (code, text) = verify(&server);
    assert_eq!(code, 0, "an erased person leaves the chain intact: {text}");

    // Two rows swapped in place.
    exec(&server, "UPDATE pii_access_log SET seq = -1 WHERE seq = $1", &[k + 1]).await;
    exec(&server, "UPDATE pii_access_log SET seq = $1 WHERE seq = $2", &[k + 1, k + 2]).await;
    exec(&server, "UPDATE pii_access_log SET seq = $1 WHERE seq = -1", &[k + 2]).await;
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(&format!("row {} is out of order", k + 2)), "{text}");
    exec(&server, "UPDATE pii_access_log SET seq = -1 WHERE seq = $1", &[k + 1]).await;
    exec(&server, "UPDATE pii_access_log SET seq = $1 WHERE seq = $2", &[k + 1, k + 2]).await;
    exec(&server, "UPDATE pii_access_log SET seq = $1 WHERE seq = -1", &[k + 2]).await;
    assert_eq!(verify(&server).0, 0, "swapped back");

    // A row slipped in behind the server's back.
    exec(
        &server,
        "INSERT INTO pii_access_log (at, actor_role, fields, purpose, outcome) \
         VALUES ($1, 'teacher', 'email', 'profile_view', 'allowed')",
        &[1],
    )
    .await;
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("1 row(s) were added outside the chain"), "{text}");
    exec(&server, "DELETE FROM pii_access_log WHERE seq IS NULL", &[]).await;

    // Rows deleted in the middle and at the end.
    exec(&server, "DELETE FROM pii_access_log WHERE seq = $1", &[k]).await;
    exec(&server, "DELETE FROM pii_access_log WHERE seq = $1", &[last]).await;
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(&format!("row {k} was deleted")), "{text}");
    assert!(text.contains(&format!("row {last} was deleted")), "{text}");

    // The server keeps appending after all this; verification still names the old damage.
    assert_eq!(server.get(&format!("/api/v1/users/{student}/pii"), &admin).await.0, StatusCode::OK);
    assert_eq!(last_seq(&server).await, last + 1);
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(&format!("row {k} was deleted")), "{text}");
}

#[tokio::test]
async fn verification_needs_the_servers_audit_key() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let student = world.a.student.user.id.to_string();
    assert_eq!(
        server.get(&format!("/api/v1/users/{student}/pii"), &world.a.edu_admin.access_token).await.0,
        StatusCode::OK
    );
    let key = std::fs::read_to_string(server.data_dir.join("keys/audit.key")).unwrap();
    assert!(!key.trim().is_empty());
    // Another key cannot vouch for the chain (and a forger without the key cannot re-seal it).
    let wrong = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [5_u8; 32]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
        .args(["audit", "verify", "--database-url", &server.database_url, "--audit-key", &wrong])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("the chain's head record is missing or was changed"), "{text}");
    assert!(text.contains("sealed with unknown key"), "{text}");
    assert!(!text.contains(&wrong) && !text.contains(key.trim()), "keys are never printed");
    // No key at all: it says so and exits 2, creating nothing.
    let empty = server.data_dir.join("no-keys-here");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
        .args(["audit", "verify", "--database-url", &server.database_url, "--data-dir"])
        .arg(&empty)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("audit.key"));
    assert!(!empty.join("keys/audit.key").exists());
}

#[tokio::test]
async fn refused_reads_are_logged_where_the_persons_school_sees_them() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let student = world.a.student.user.id.to_string();
    let pii = format!("/api/v1/users/{student}/pii");
    // Another school's teacher, the technical admin (no PII without break-glass), a roster.
    assert_eq!(server.get(&pii, &world.b.teacher.access_token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(server.get(&pii, &world.tech.access_token).await.0, StatusCode::FORBIDDEN);
    let roster = format!("/api/v1/classes/{}/roster", world.a.class_id);
    assert_eq!(server.get(&roster, &world.b.teacher.access_token).await.0, StatusCode::NOT_FOUND);

    let (status, log) = server
        .get(&format!("/api/v1/schools/{}/pii-access-log", world.a.school_id), &world.a.edu_admin.access_token)
        .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let denied: Vec<&Value> = log.as_array().unwrap().iter().filter(|e| e["outcome"] == "denied").collect();
    assert_eq!(denied.len(), 3, "{log}");
    let by = |actor: &str| denied.iter().filter(|e| e["actor_id"] == json!(actor)).count();
    assert_eq!(by(&world.b.teacher.user.id.to_string()), 2);
    assert_eq!(by(&world.tech.user.id.to_string()), 1);
    assert!(denied.iter().any(|e| e["subject_id"] == json!(student) && e["fields"] == json!([])));
    assert!(denied.iter().any(|e| e["class_id"] == json!(world.a.class_id) && e["subject_id"].is_null()));
    assert!(denied.iter().all(|e| e["client_address"] == "127.0.0.1"), "{log}");
    // Each refusal is a security event too; none of them is a pii.access.log event (no data was read).
    let mut db = server.db().await;
    let events: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox WHERE topic = 'security.events.v1'")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(events.iter().filter(|p| p.contains("pii_access_denied")).count(), 3, "{events:?}");
    let (code, text) = verify(&server);
    assert_eq!(code, 0, "{text}");
}

#[tokio::test]
async fn rows_written_before_the_chain_existed_are_sealed_once_at_the_next_start() {
    let mut server = TestServer::start().await;
    let world = World::build(&server).await;
    let student = world.a.student.user.id.to_string();
    for _ in 0..3 {
        assert_eq!(
            server.get(&format!("/api/v1/users/{student}/pii"), &world.a.edu_admin.access_token).await.0,
            StatusCode::OK
        );
    }
    let rows = last_seq(&server).await;
    assert!(rows >= 3);
    // The log as an older server left it: no positions, no seals, no head.
    exec(
        &server,
        "UPDATE pii_access_log SET seq = NULL, actor_digest = NULL, subject_digest = NULL, key_id = NULL, \
         prev_hash = NULL, hash = NULL",
        &[],
    )
    .await;
    exec(&server, "DELETE FROM audit_chain_head", &[]).await;
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("no chain head") && text.contains("added outside the chain"), "{text}");
    server.restart_in_place();
    let (code, text) = verify(&server);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("positions 1 to {rows}")), "{text}");
    // Once the head exists, a row without a position is never sealed by a restart.
    exec(&server, "UPDATE pii_access_log SET seq = NULL WHERE seq = 2", &[]).await;
    server.restart_in_place();
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("row 2 was deleted") && text.contains("1 row(s) were added outside the chain"), "{text}");
}

async fn count(server: &TestServer, sql: &'static str) -> i64 {
    let mut db = server.db().await;
    sqlx::query_scalar(sql).fetch_one(&mut db).await.unwrap()
}

/// SECURITY.md item 28: access-log rows and security events older than their retention are
/// deleted by the retention job, from the front of the chain, which still verifies — and goes
/// on from where it was, even when every row was old.
#[tokio::test]
async fn retention_trims_the_front_of_the_chain_and_it_still_verifies() {
    let server =
        TestServer::start_clocked(&["--audit-retention-days", "1", "--security-event-retention-days", "1"]).await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await.access_token;
    let student = server.login(&demo.students[0]).await.user.id.to_string();
    let path = format!("/api/v1/users/{student}/pii");
    for _ in 0..3 {
        assert_eq!(server.get(&path, &admin).await.0, StatusCode::OK);
    }
    let (status, _) = server.try_login(&demo.teacher.username, "not the password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let old_rows = count(&server, "SELECT COUNT(*) FROM pii_access_log").await;
    assert!(old_rows >= 3);
    assert!(count(&server, "SELECT COUNT(*) FROM outbox WHERE topic = 'security.events.v1'").await >= 1);

    // Two days later: new reads, then the job.
    server.clock().advance(2 * 24 * 3600);
    let admin = server.login(&demo.edu_admin).await.access_token;
    let tech = server.login(&demo.tech_admin).await.access_token;
    for _ in 0..2 {
        assert_eq!(server.get(&path, &admin).await.0, StatusCode::OK);
    }
    let (status, report) = server.post("/api/v1/admin/retention", Some(&tech), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["audit_rows_deleted"], old_rows, "{report}");
    assert!(report["events_deleted"].as_i64().unwrap() > old_rows, "{report}");
    assert_eq!(count(&server, "SELECT COUNT(*) FROM pii_access_log").await, 2);
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM outbox WHERE topic = 'security.events.v1' AND occurred_at < (SELECT MIN(at) FROM pii_access_log)").await,
        0
    );
    let (code, text) = verify(&server);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("intact"), "{text}");
    // Only the technical admin runs it.
    assert_eq!(server.post("/api/v1/admin/retention", Some(&admin), json!({})).await.0, StatusCode::FORBIDDEN);

    // Everything old: the chain is empty, still verifies, and the next read continues it.
    server.clock().advance(2 * 24 * 3600);
    let tech = server.login(&demo.tech_admin).await.access_token;
    let (_, report) = server.post("/api/v1/admin/retention", Some(&tech), json!({})).await;
    assert_eq!(report["audit_rows_deleted"], 2, "{report}");
    assert_eq!(count(&server, "SELECT COUNT(*) FROM pii_access_log").await, 0);
    let (code, text) = verify(&server);
    assert_eq!(code, 0, "{text}");
    let admin = server.login(&demo.edu_admin).await.access_token;
    assert_eq!(server.get(&path, &admin).await.0, StatusCode::OK);
    let (code, text) = verify(&server);
    assert_eq!(code, 0, "{text}");
    // And deleting a kept row is still found.
    exec(&server, "DELETE FROM pii_access_log", &[]).await;
    let (code, text) = verify(&server);
    assert_eq!(code, 1, "{text}");
}
