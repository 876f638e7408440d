//! Bad input gets a clear 4xx in our JSON error shape; the server keeps serving and nothing is
//! stored half-way.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn raw(
    server: &TestServer,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let mut request = server.http.post(server.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// (what, Content-Type, body, expected status, expected error code)
type BadRequest = (&'static str, Option<&'static str>, Vec<u8>, StatusCode, &'static str);

#[tokio::test]
async fn malformed_mistyped_oversized_and_unknown_input_is_refused_clearly() {
    let server = TestServer::start().await;
    let login = "/api/v1/auth/login";
    let cases: Vec<BadRequest> = vec![
        (
            "truncated JSON",
            Some("application/json"),
            b"{\"username\": \"a".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "not JSON at all",
            Some("application/json"),
            b"\x00\xff garbage".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "wrong types",
            Some("application/json"),
            br#"{"username": 5, "password": [], "device_name": null}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "missing fields",
            Some("application/json"),
            br#"{"username": "x"}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "unknown field",
            Some("application/json"),
            br#"{"username": "x", "password": "y", "device_name": "z", "role": "tech_admin"}"#.to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "no content type",
            None,
            br#"{"username": "x", "password": "y", "device_name": "z"}"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "form instead of JSON",
            Some("application/x-www-form-urlencoded"),
            b"username=x&password=y".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "oversize body",
            Some("application/json"),
            format!(r#"{{"username": "{}", "password": "y", "device_name": "z"}}"#, "a".repeat(20_000)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "very large body",
            Some("application/json"),
            vec![b' '; 500_000],
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (name, content_type, body, status, code) in cases {
        let (got, answer) = raw(&server, login, content_type, body).await;
        assert_eq!(got, status, "{name}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{name}");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
    }

    // A chunked body with no Content-Length is capped as well.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..40).map(|_| Ok(vec![b' '; 4096])).collect();
    let stream = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let (status, answer) = raw(&server, login, Some("application/json"), stream).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");

    // Unknown paths, wrong methods and malformed ids answer in the same JSON shape.
    let demo = server.demo_logins();
    let token = server.login(&demo.edu_admin).await.access_token;
    for (method, path, status) in [
        (Method::GET, "/api/v1/nothing-here", StatusCode::NOT_FOUND),
        (Method::PUT, "/api/v1/me", StatusCode::METHOD_NOT_ALLOWED),
        (Method::GET, "/api/v1/users/not-a-uuid", StatusCode::NOT_FOUND),
        (Method::GET, "/api/v1/classes/00000000-0000-0000-0000-000000000000", StatusCode::NOT_FOUND),
    ] {
        let (got, answer) = server.call(method, path, Some(&token), None).await;
        assert_eq!(got, status, "{path}: {answer}");
        assert!(answer["error"]["code"].is_string(), "{path}: {answer}");
    }

    // Still serving.
    assert_eq!(server.http.get(server.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
    server.login(&demo.teacher).await;
}

#[tokio::test]
async fn odd_usernames_and_bad_personal_data_store_nothing() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let admin = &world.a.edu_admin.access_token;
    let users_path = format!("/api/v1/schools/{}/users", world.a.school_id);
    let (_, before) = server.get(&users_path, admin).await;

    for username in
        ["ana\u{200B}lopez", "аdmin", "😀😀😀", "a b", "\u{202E}evil", "x", &"y".repeat(65), "ana\nlopez", "-dash"]
    {
        let (status, answer) =
            server.post(&users_path, Some(admin), json!({"username": username, "role": "student"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{username:?}: {answer}");
        assert_eq!(answer["error"]["code"], "validation_failed");
    }
    // Look-alike spellings of an existing name collapse onto it: a conflict, not a second account.
    let (status, _) =
        server.post(&users_path, Some(admin), json!({"username": "ＤＥＭＯ.teacher", "role": "student"})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    for pii in [
        json!({"email": "not-an-email"}),
        json!({"birth_date": "2014-02-30"}),
        json!({"birth_date": "2999-01-01"}),
        json!({"display_name": "   "}),
        json!({"display_name": "x".repeat(101)}),
        json!({"nickname": "extra field"}),
    ] {
        let (status, answer) = server
            .post(&users_path, Some(admin), json!({"username": "half.stored", "role": "student", "pii": pii}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{pii}: {answer}");
    }
    let (_, after) = server.get(&users_path, admin).await;
    assert_eq!(before, after, "no account was created by any refused request");
    let mut db = server.db().await;
    let orphans: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pii_fields WHERE user_id NOT IN (SELECT id FROM users)")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(orphans, 0);

    // Enrolling someone of another school, or with the wrong role, is refused.
    let members = format!("/api/v1/classes/{}/members", world.a.class_id);
    let (status, _) =
        server.post(&members, Some(admin), json!({"user_id": world.b.student.user.id, "role": "student"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) =
        server.post(&members, Some(admin), json!({"user_id": world.a.student.user.id, "role": "teacher"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bad_configuration_is_refused_at_start_with_a_clear_message() {
    let binary = env!("CARGO_BIN_EXE_tallschool-server");
    let dir = std::env::temp_dir().join(format!("tallschool-badconfig-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("server.toml");
    std::fs::write(&config, "pii_key = \"c2hvcnQ=\"\nbind = \"127.0.0.1:0\"\n").unwrap();
    for (args, expected) in [
        (vec!["--config", config.to_str().unwrap()], "pii_key: must be 32 bytes"),
        (vec!["--access-token-ttl-secs", "86400"], "access_token_ttl_secs"),
        (vec!["--database-url", "mysql://x"], "unsupported database URL"),
        (vec!["--digest-schedule", "every monday"], "digest_schedule"),
        (vec!["--cors-allowed-origins", "*"], "cors_allowed_origins"),
        (vec!["--signin-max-delay-secs", "0"], "signin_max_delay_secs"),
        (vec!["--user-sync-per-sec", "0"], "user_sync_per_sec"),
    ] {
        let output = std::process::Command::new(binary)
            .args(&args)
            .arg("--data-dir")
            .arg(&dir)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("c2hvcnQ="), "the key is not echoed");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn failing_requests_never_echo_personal_data_to_the_caller_or_into_the_log() {
    const NAME: &str = "Xenia Quorraweather";
    const EMAIL: &str = "xenia.quorra@example.org";
    const BIRTH: &str = "2013-07-19";
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let admin = world.a.edu_admin.access_token.as_str();
    let users = format!("/api/v1/schools/{}/users", world.a.school_id);
    let pii = format!("/api/v1/users/{}/pii", world.a.student.user.id);
    let with_pii = |pii: Value| json!({"username": "fine.name", "role": "student", "pii": pii});
    let mut answers = Vec::new();
    for (method, path, body) in [
        (Method::POST, users.as_str(), json!({"username": NAME, "role": "student"})),
        (Method::POST, users.as_str(), json!({"username": "fine.name", "role": NAME})),
        (Method::POST, users.as_str(), with_pii(json!({"display_name": 5, "email": EMAIL}))),
        (Method::POST, users.as_str(), with_pii(json!({"email": format!("{EMAIL}@@")}))),
        (Method::POST, users.as_str(), with_pii(json!({"birth_date": format!("{BIRTH}x")}))),
        (Method::POST, users.as_str(), with_pii(json!({NAME: EMAIL}))),
        (Method::PUT, pii.as_str(), json!({"birth_date": 20_130_719, "display_name": NAME})),
        (Method::PUT, pii.as_str(), json!({"email": [EMAIL], "display_name": NAME})),
        (Method::POST, "/api/v1/auth/login", json!({"username": NAME, "password": BIRTH, "device_name": EMAIL})),
        (Method::POST, "/api/v1/auth/reauth", json!({"password": NAME})),
    ] {
        let (status, answer) = server.call(method.clone(), path, Some(admin), Some(body.clone())).await;
        assert!(status.is_client_error(), "{method} {path} {body}: {status} {answer}");
        answers.push(answer.to_string());
    }
    // A type error is named by its field.
    let (_, answer) = server.call(Method::PUT, &pii, Some(admin), Some(json!({"birth_date": 20_130_719}))).await;
    assert_eq!(answer["error"]["field"], "birth_date", "{answer}");
    // Broken JSON, a path, a query, a sync body and a request id that carry the name.
    let broken = format!(r#"{{"display_name": "{NAME}",,}}"#);
    let response = server
        .http
        .put(server.url(&pii))
        .bearer_auth(admin)
        .header("content-type", "application/json")
        .header("x-request-id", NAME.replace(' ', "-"))
        .body(broken)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_ne!(response.headers()["x-request-id"], NAME.replace(' ', "-").as_str(), "not a UUID: replaced");
    answers.push(response.text().await.unwrap());
    for path in [
        format!("/api/v1/users/{}", NAME.replace(' ', "%20")),
        format!("/api/v1/schools/{}/pii-access-log?limit={}", world.a.school_id, NAME.replace(' ', "+")),
    ] {
        let (status, answer) = server.get(&path, admin).await;
        assert!(status.is_client_error(), "{path}: {status}");
        answers.push(answer.to_string());
    }
    let sync_body = {
        let mut map = std::collections::BTreeMap::new();
        map.insert("protocol", NAME);
        tallschool_shared::sync::encode(&map).unwrap()
    };
    let response = server
        .http
        .post(server.url("/api/v1/sync"))
        .bearer_auth(world.a.teacher.access_token.as_str())
        .header("content-type", tallschool_shared::sync::CONTENT_TYPE)
        .body(sync_body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    answers.push(response.text().await.unwrap());

    let output = server.output();
    for secret in [NAME, "Quorraweather", "Xenia", EMAIL, "xenia.quorra", BIRTH, "20130719"] {
        for answer in &answers {
            assert!(!answer.contains(secret), "an answer quotes {secret:?}: {answer}");
        }
        assert!(!output.contains(secret), "the server's output holds {secret:?}");
    }
    // The log still says what happened, by route template.
    assert!(output.contains("/api/v1/users/{user_id}/pii"), "route templates are logged");
}
