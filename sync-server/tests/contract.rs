//! The API contract (SECURITY.md item 37): Schemathesis (from PyPI) generates requests — valid
//! and invalid — from the served OpenAPI document, once with each role's token, and checks that
//! no answer is a server error and that every answer's status, content type, headers and body
//! are declared by the document. A short run with a fixed seed by default (the same requests
//! every time, so CI does not pass or fail by luck); `TALLSCHOOL_CONTRACT_EXAMPLES=200` for a
//! longer run, `TALLSCHOOL_CONTRACT_SEED=random` (or a number) for other requests.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{TestServer, World, create_login};
use reqwest::StatusCode;
use serde_json::json;
use tallschool_client::content::{self, CardPatch};
use tallschool_shared::docs::DocKind;

/// The `st` command: `TALLSCHOOL_SCHEMATHESIS`, else where `scripts/test.sh` installs it.
fn schemathesis() -> PathBuf {
    let installed = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/tallschool/schemathesis/bin/st"))
        .filter(|path| path.exists());
    std::env::var_os("TALLSCHOOL_SCHEMATHESIS").map(PathBuf::from).or(installed).expect(
        "Schemathesis is not installed: run scripts/test.sh (it installs it), or set TALLSCHOOL_SCHEMATHESIS to `st`",
    )
}

/// Credential changes are tested in `auth.rs` and `logout.rs`: here they would end the run's
/// own session.
const NOT_FUZZED: &[&str] = &["/api/v1/auth/logout", "/api/v1/me/password", "/api/v1/me/sessions/{session_id}"];

/// The default seed of the generated requests.
const FIXED_SEED: &str = "20261129";

async fn contract(role: &str) {
    let server = TestServer::start_with(&[
        "--user-api-per-sec",
        "100000",
        "--user-api-burst",
        "100000",
        "--user-sync-per-sec",
        "100000",
        "--user-sync-burst",
        "100000",
        "--user-media-per-sec",
        "100000",
        "--user-media-burst",
        "100000",
        "--reauth-window-secs",
        "3600",
    ])
    .await;
    let world = World::build(&server).await;
    // Real ids, so that requests reach the handlers rather than only finding nothing: the
    // school, its class, a student who may be changed, a photo shown on a card of the class.
    let admin = &world.a.edu_admin.access_token;
    let (spare, _) = create_login(&server, admin, &world.a.school_id, "contract.pupil", "student").await;
    let path = format!("/api/v1/classes/{}/members", world.a.class_id);
    let (status, _) = server.post(&path, Some(admin), json!({"user_id": spare.user.id, "role": "student"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let photo = server
        .http
        .post(server.url("/api/v1/media"))
        .bearer_auth(&world.a.teacher.access_token)
        .header("content-type", "image/jpeg")
        .body(common::photo())
        .send()
        .await
        .unwrap();
    let hash = photo.json::<serde_json::Value>().await.unwrap()["hash"].as_str().unwrap().to_owned();
    let teacher = common::Device::sign_in(&server, &world.a.teacher_login).await;
    let deck =
        content::create(&mut teacher.store(), DocKind::Deck, world.a.class_id.parse().unwrap(), "Contract").unwrap();
    let mut card = CardPatch::front_back(Some("a photo"), Some("?"));
    card.media = Some(vec![hash.clone()]);
    content::put_card(&mut teacher.store(), deck.id, None, &card).unwrap();
    teacher.sync().await;

    let token = match role {
        "tech_admin" => world.tech.access_token.clone(),
        "edu_admin" => world.a.edu_admin.access_token.clone(),
        "teacher" => world.a.teacher.access_token.clone(),
        _ => world.a.student.access_token.clone(),
    };
    let config = server.data_dir.join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[parameters]\nschool_id = \"{}\"\nclass_id = \"{}\"\nuser_id = \"{}\"\nhash = \"{hash}\"\n",
            world.a.school_id, world.a.class_id, spare.user.id
        ),
    )
    .unwrap();
    let examples = std::env::var("TALLSCHOOL_CONTRACT_EXAMPLES").unwrap_or_else(|_| "10".to_owned());
    let hooks = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/contract");
    let mut command = std::process::Command::new(schemathesis());
    command
        .current_dir(&server.data_dir)
        .env("PYTHONPATH", &hooks)
        .env("SCHEMATHESIS_HOOKS", "tallschool_hooks")
        .arg("--config-file")
        .arg(&config)
        .args(["run", &server.url("/api/v1/openapi.json"), "--no-color", "--generation-database", "none"])
        .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"])
        .args(["--max-examples", &examples, "--request-timeout", "30"])
        .arg("--header")
        .arg(format!("Authorization: Bearer {token}"));
    for path in NOT_FUZZED {
        command.args(["--exclude-path", path]);
    }
    let seed = std::env::var("TALLSCHOOL_CONTRACT_SEED").unwrap_or_else(|_| FIXED_SEED.to_owned());
    if seed != "random" {
        command.args(["--seed", &seed]);
    }
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "Schemathesis as {role} found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("passed"), "{report}");
}

#[tokio::test]
async fn every_answer_to_a_technical_admin_is_declared() {
    contract("tech_admin").await;
}

#[tokio::test]
async fn every_answer_to_a_school_admin_is_declared() {
    contract("edu_admin").await;
}

#[tokio::test]
async fn every_answer_to_a_teacher_is_declared() {
    contract("teacher").await;
}

#[tokio::test]
async fn every_answer_to_a_student_is_declared() {
    contract("student").await;
}
