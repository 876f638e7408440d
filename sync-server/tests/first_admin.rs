//! The first account of a real installation: `tallschool-server add-tech-admin` makes a
//! technical admin with a one-time password, shown once; it signs in, must choose its own
//! password, and then runs the server's schools. Bad or taken usernames are refused.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Backend, Login, TestServer};
use reqwest::StatusCode;

fn add_tech_admin(server: &TestServer, data_dir: &str, username: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
        .args(["add-tech-admin", "--username", username, "--data-dir", data_dir])
        .args(["--database-url", &server.database_url])
        .output()
        .unwrap()
}

fn one_time_password(output: &std::process::Output) -> String {
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    printed.lines().find_map(|l| l.strip_prefix("one-time password: ")).expect("the password line").to_owned()
}

#[tokio::test]
async fn a_technical_admin_made_on_the_command_line_chooses_a_password_and_runs_the_schools() {
    let server = TestServer::start().await;
    let data_dir = server.data_dir.display().to_string();
    let made = add_tech_admin(&server, &data_dir, "IT.Admin");
    let password = one_time_password(&made);
    let printed = String::from_utf8_lossy(&made.stdout);
    assert!(printed.contains("technical admin: it.admin"), "usernames are stored lower-case: {printed}");

    // The one-time password signs in once, and nothing but a new password is allowed.
    let one_time = Login { username: "it.admin".to_owned(), password };
    let tokens = server.login(&one_time).await;
    assert!(tokens.password_change_required);
    let (status, _) = server.get("/api/v1/schools", &tokens.access_token).await;
    assert_ne!(status, StatusCode::OK, "the schools wait for a password of its own");
    let chosen = Login { username: "it.admin".to_owned(), password: "a long passphrase of my own".to_owned() };
    let body = serde_json::json!({"current_password": one_time.password, "new_password": chosen.password});
    let (status, answer) = server.post("/api/v1/me/password", Some(&tokens.access_token), body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert_eq!(server.try_login(&one_time.username, &one_time.password).await.0, StatusCode::UNAUTHORIZED);
    let token = server.login(&chosen).await.access_token;
    let (status, schools) = server.get("/api/v1/schools", &token).await;
    assert_eq!(status, StatusCode::OK, "{schools}");
    let (status, school) =
        server.post("/api/v1/schools", Some(&token), serde_json::json!({"name": "Riverside Primary"})).await;
    assert_eq!(status, StatusCode::CREATED, "{school}");

    // A taken username, and one that is not a username, are refused without change.
    let again = add_tech_admin(&server, &data_dir, "it.admin");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("taken"), "{}", String::from_utf8_lossy(&again.stderr));
    let bad = add_tech_admin(&server, &data_dir, "no spaces please");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("username"));
}

#[tokio::test]
async fn the_first_admin_of_an_empty_installation_signs_in_to_a_server_started_afterwards() {
    // A SQLite data folder nobody has started a server on yet.
    let probe = TestServer::start().await;
    if let Backend::Postgres { .. } = probe.backend {
        return; // The test above covers PostgreSQL; a fresh folder is SQLite's case.
    }
    let fresh = std::env::temp_dir().join("tallschool-tests").join(format!("fresh-{}", uuid::Uuid::new_v4().simple()));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
        .args(["add-tech-admin", "--username", "it.admin", "--data-dir", &fresh.display().to_string()])
        .output()
        .unwrap();
    let password = one_time_password(&output);
    let server = TestServer::start_on(fresh);
    let tokens = server.login(&Login { username: "it.admin".to_owned(), password }).await;
    assert!(tokens.password_change_required);
    // A database with an account is not a demo's: no demo school was added beside it.
    assert!(!server.data_dir.join("demo-logins.json").exists());
}
