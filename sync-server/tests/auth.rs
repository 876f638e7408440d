//! Sign-in, passwords, sessions and rate limits, end to end over HTTP.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Instant;

use common::{Login, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn teacher_signs_in_refreshes_and_lists_their_class() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let tokens = server.login(&demo.teacher).await;
    assert_eq!(tokens.token_type, "Bearer");
    assert!(tokens.expires_in <= 900);
    assert_eq!(tokens.user.username, "demo.teacher");

    let (status, refreshed) = server.refresh(&tokens.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let access = refreshed["access_token"].as_str().unwrap();
    let (status, classes) = server.get("/api/v1/me/classes", access).await;
    assert_eq!(status, StatusCode::OK);
    let class_id = classes[0]["id"].as_str().unwrap();
    let (status, members) = server.get(&format!("/api/v1/classes/{class_id}/members"), access).await;
    assert_eq!(status, StatusCode::OK);
    let students = members.as_array().unwrap().iter().filter(|m| m["role"] == "student").count();
    assert_eq!(students, 3);
    let (status, me) = server.get("/api/v1/me", access).await;
    assert_eq!((status, me["role"].as_str()), (StatusCode::OK, Some("teacher")));

    // Tokens never reach the logs.
    let output = server.output();
    let next_refresh = refreshed["refresh_token"].as_str().unwrap();
    for token in [tokens.refresh_token.as_str(), tokens.access_token.as_str(), next_refresh] {
        assert!(!output.contains(&token[..20]), "a token prefix is in the server output");
    }
}

#[tokio::test]
async fn demo_logins_file_is_private_and_a_second_start_keeps_the_accounts() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await;
    let path = server.data_dir.join("demo-logins.json");
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let demo = server.demo_logins();
    assert!(server.output().contains(&demo.teacher.password), "passwords are printed once at first start");
    let server = server.restart_with(&[]);
    let again = server.demo_logins();
    assert_eq!(again.teacher.password, demo.teacher.password, "no new demo school on a non-empty database");
    server.login(&demo.students[0]).await;
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_look_the_same() {
    let server = TestServer::start_with(&["--login-account-burst", "1000", "--client-ip-burst", "1000"]).await;
    let demo = server.demo_logins();
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    let mut bodies = std::collections::HashSet::new();
    for i in 0..20 {
        let start = Instant::now();
        let (status, body) = server.try_login(&demo.teacher.username, "wrong password!").await;
        known.push(start.elapsed());
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        bodies.insert(body.to_string());
        let start = Instant::now();
        let (status, body) = server.try_login(&format!("nobody{i}"), "wrong password!").await;
        unknown.push(start.elapsed());
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        bodies.insert(body.to_string());
    }
    assert_eq!(bodies.len(), 1, "identical answers: {bodies:?}");
    // Both paths run one Argon2 verification. A loose bound keeps the test stable on a busy
    // machine while still catching a missing dummy verification (which is ~100× faster).
    known.sort();
    unknown.sort();
    let (k, u) = (known[10].as_secs_f64(), unknown[10].as_secs_f64());
    assert!(u > k * 0.3 && k > u * 0.3, "median known {k:.4}s vs unknown {u:.4}s");
}

#[tokio::test]
async fn per_account_limit_triggers_and_the_right_password_works_after_cool_down() {
    let server = TestServer::start_with(&["--login-account-burst", "5", "--login-account-refill-secs", "2"]).await;
    let demo = server.demo_logins();
    let mut limited = None;
    for _ in 0..6 {
        let (status, body) = server.try_login(&demo.teacher.username, "not the password").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(body);
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let body = limited.expect("the sixth attempt is limited");
    assert_eq!(body["error"]["code"], "rate_limited");
    // Retry-After is present and the account is usable again after it.
    let response = server
        .http
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": demo.teacher.username, "password": demo.teacher.password, "device_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after));
    common::eventually("the account cools down", || async {
        server.try_login(&demo.teacher.username, &demo.teacher.password).await.0 == StatusCode::OK
    })
    .await;
    // Another account was never affected.
    server.login(&demo.edu_admin).await;
}

#[tokio::test]
async fn per_client_limit_stops_a_flood_across_many_accounts() {
    let server = TestServer::start_with(&["--client-ip-burst", "15", "--client-ip-refill-millis", "60000"]).await;
    let mut statuses = Vec::new();
    for i in 0..20 {
        statuses.push(server.try_login(&format!("victim{i}"), "guess").await.0);
    }
    assert!(statuses[..15].iter().all(|s| *s == StatusCode::UNAUTHORIZED));
    assert!(statuses[15..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    // A spoofed X-Forwarded-For does not open a new bucket.
    let response = server
        .http
        .post(server.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "victim", "password": "guess", "device_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn password_change_needs_the_current_one_and_ends_other_sessions() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let device_a = server.login(&demo.students[0]).await;
    let device_b = server.login(&demo.students[0]).await;

    let (status, _) = server
        .post(
            "/api/v1/me/password",
            Some(&device_a.access_token),
            json!({"new_password": "correct horse battery staple"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "current_password is required");
    let (status, _) = server
        .post(
            "/api/v1/me/password",
            Some(&device_a.access_token),
            json!({"current_password": "wrong", "new_password": "correct horse battery staple"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = server
        .post(
            "/api/v1/me/password",
            Some(&device_a.access_token),
            json!({"current_password": demo.students[0].password, "new_password": "Summer2024!"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "common password refused: {body}");

    // A 128-character Unicode password is accepted and verified exactly.
    let long: String = "пароль🔑école-".repeat(12).chars().take(128).collect();
    let (status, body) = server
        .post(
            "/api/v1/me/password",
            Some(&device_a.access_token),
            json!({"current_password": demo.students[0].password, "new_password": long}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Device B is signed out at once: access and refresh both fail. Device A goes on.
    assert_eq!(server.get("/api/v1/me", &device_b.access_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.refresh(&device_b.refresh_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/api/v1/me", &device_a.access_token).await.0, StatusCode::OK);

    let username = &demo.students[0].username;
    assert_eq!(server.try_login(username, &demo.students[0].password).await.0, StatusCode::UNAUTHORIZED);
    let mut near: Vec<char> = long.chars().collect();
    near[127] = 'x';
    assert_eq!(server.try_login(username, &near.into_iter().collect::<String>()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.try_login(username, &long).await.0, StatusCode::OK);
}

#[tokio::test]
async fn sessions_are_listed_and_can_be_ended_one_by_one_or_by_logout() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let laptop = server.login(&demo.teacher).await;
    let phone = server.login(&demo.teacher).await;
    let (status, sessions) = server.get("/api/v1/me/sessions", &laptop.access_token).await;
    assert_eq!(status, StatusCode::OK);
    let sessions = sessions.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let phone_session = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();

    // Someone else's session id is "not found".
    let other = server.login(&demo.students[1]).await;
    let path = format!("/api/v1/me/sessions/{phone_session}");
    assert_eq!(server.call(Method::DELETE, &path, Some(&other.access_token), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(server.call(Method::DELETE, &path, Some(&laptop.access_token), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(server.get("/api/v1/me", &phone.access_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.refresh(&phone.refresh_token).await.0, StatusCode::UNAUTHORIZED);

    let (status, _) = server.call(Method::POST, "/api/v1/auth/logout", Some(&laptop.access_token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(server.get("/api/v1/me", &laptop.access_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.refresh(&laptop.refresh_token).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn hashes_are_argon2id_and_weak_ones_are_upgraded_at_login() {
    let server = TestServer::start().await;
    let mut db = server.db().await;
    let hashes: Vec<String> = sqlx::query_scalar("SELECT password_hash FROM users").fetch_all(&mut db).await.unwrap();
    assert_eq!(hashes.len(), 6);
    for hash in &hashes {
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    }
    // Seed an old, weak hash for one account, sign in, and find it upgraded.
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8, 1, 1, None).unwrap(),
    );
    let old = weak.hash_password(b"an old weak-hash password", &SaltString::generate(&mut OsRng)).unwrap().to_string();
    sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
        .bind(&old)
        .bind("demo.student2")
        .execute(&mut db)
        .await
        .unwrap();
    server.login(&Login { username: "demo.student2".into(), password: "an old weak-hash password".into() }).await;
    let upgraded: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'demo.student2'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert!(upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{upgraded}");
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_and_cannot_sign_in() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await;
    let student = server.login(&demo.students[2]).await;
    let path = format!("/api/v1/users/{}", student.user.id);
    let (status, body) =
        server.call(Method::PATCH, &path, Some(&admin.access_token), Some(json!({"status": "disabled"}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(server.get("/api/v1/me", &student.access_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.refresh(&student.refresh_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        server.try_login(&demo.students[2].username, &demo.students[2].password).await.0,
        StatusCode::UNAUTHORIZED
    );
    let mut db = server.db().await;
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE topic = 'user.events.v2' AND payload LIKE '%\"disabled\"%'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(events, 1);
}

#[tokio::test]
async fn a_demoted_teacher_loses_teacher_access_at_once() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await;
    let teacher = server.login(&demo.teacher).await;
    let (_, classes) = server.get("/api/v1/me/classes", &teacher.access_token).await;
    let class_id = classes[0]["id"].as_str().unwrap().to_owned();
    let (status, body) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{}", teacher.user.id),
            Some(&admin.access_token),
            Some(json!({"role": "student"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "student");
    assert_eq!(
        server.get(&format!("/api/v1/classes/{class_id}/members"), &teacher.access_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Even with a fresh sign-in the former teacher is no longer a teacher of the class.
    let again = server.login(&demo.teacher).await;
    assert_eq!(
        server.get(&format!("/api/v1/classes/{class_id}/members"), &again.access_token).await.0,
        StatusCode::FORBIDDEN
    );
}
