//! Lifetimes that depend on time — session idle and absolute expiry, access-token expiry,
//! one-time password expiry, the re-authentication window — on a server whose clock the test
//! moves (SECURITY.md items 5, 6, 8 and 12).
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn token(body: &Value, key: &str) -> String {
    body[key].as_str().unwrap_or_else(|| panic!("no {key} in {body}")).to_owned()
}

async fn security_changes(server: &TestServer) -> Vec<String> {
    let mut db = server.db().await;
    let payloads: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE topic = 'security.events.v1' AND payload LIKE '%sensitive_change%' ORDER BY seq",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    payloads.iter().map(|p| serde_json::from_str::<Value>(p).unwrap()["change"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_session_ends_after_idling_even_though_its_absolute_lifetime_is_far() {
    let server =
        TestServer::start_clocked(&["--session-idle-ttl-secs", "3600", "--session-absolute-ttl-secs", "864000"]).await;
    let demo = server.demo_logins();
    let mut refresh = server.login(&demo.students[0]).await.refresh_token;
    // Used just within the idle time, twice: the session lives on.
    for _ in 0..2 {
        server.clock().advance(3599);
        let (status, body) = server.refresh(&refresh).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        refresh = token(&body, "refresh_token");
    }
    // Then an hour and a second without use: it has ended.
    server.clock().advance(3601);
    assert_eq!(server.refresh(&refresh).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_recently_it_was_used() {
    let server =
        TestServer::start_clocked(&["--session-idle-ttl-secs", "3600", "--session-absolute-ttl-secs", "86400"]).await;
    let demo = server.demo_logins();
    let mut refresh = server.login(&demo.teacher).await.refresh_token;
    // Refreshed every 50 minutes for almost a day.
    for _ in 0..28 {
        server.clock().advance(3000);
        let (status, body) = server.refresh(&refresh).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        refresh = token(&body, "refresh_token");
    }
    server.clock().advance(86_399 - 28 * 3000);
    let (status, body) = server.refresh(&refresh).await;
    assert_eq!(status, StatusCode::OK, "one second before the end: {body}");
    refresh = token(&body, "refresh_token");
    let access = token(&body, "access_token");
    server.clock().advance(2);
    assert_eq!(server.refresh(&refresh).await.0, StatusCode::UNAUTHORIZED, "used a second ago, but a day old");
    assert_eq!(server.get("/api/v1/me", &access).await.0, StatusCode::UNAUTHORIZED, "the session is over");
}

#[tokio::test]
async fn an_access_token_expires_after_its_ttl_and_the_leeway() {
    let server = TestServer::start_clocked(&["--access-token-ttl-secs", "900"]).await;
    let demo = server.demo_logins();
    let access = server.login(&demo.teacher).await.access_token;
    server.clock().advance(900 + 5 - 1);
    assert_eq!(server.get("/api/v1/me", &access).await.0, StatusCode::OK);
    server.clock().advance(2);
    assert_eq!(server.get("/api/v1/me", &access).await.0, StatusCode::UNAUTHORIZED, "TTL + leeway + 1 s");
}

#[tokio::test]
async fn a_one_time_password_expires_unused() {
    let server = TestServer::start_clocked(&["--one-time-password-ttl-secs", "86400"]).await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await;
    let school = admin.user.school_id.unwrap().to_string();
    let create = |username: &'static str| {
        let (server, token, school) = (&server, admin.access_token.clone(), school.clone());
        async move {
            let (status, created) = server
                .post(
                    &format!("/api/v1/schools/{school}/users"),
                    Some(&token),
                    json!({"username": username, "role": "student"}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            created
        }
    };
    let late = create("late.student").await;
    let prompt = create("prompt.student").await;
    assert_eq!(late["initial_password_expires_at"].as_i64(), Some(server.clock().now() + 86400));
    server.clock().advance(86_399);
    let (status, body) = server.try_login("prompt.student", &token(&prompt, "initial_password")).await;
    assert_eq!(status, StatusCode::OK, "a second before expiry: {body}");
    assert_eq!(body["password_change_required"], true);
    server.clock().advance(1);
    let (status, body) = server.try_login("late.student", &token(&late, "initial_password")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "one_time_password_expired", "{body}");
    // A new one from the school works.
    server.clock().advance(3600);
    let admin = server.login(&demo.edu_admin).await;
    let path = format!("/api/v1/users/{}/password-reset", late["user"]["id"].as_str().unwrap());
    let (status, reset) = server.post(&path, Some(&admin.access_token), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{reset}");
    let (status, body) = server.try_login("late.student", &token(&reset, "one_time_password")).await;
    assert_eq!((status, body["password_change_required"].as_bool()), (StatusCode::OK, Some(true)), "{body}");
}

#[tokio::test]
async fn role_email_and_reset_changes_need_a_recent_password_and_are_recorded() {
    let server = TestServer::start_clocked(&["--reauth-window-secs", "300"]).await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await;
    let teacher = server.login(&demo.teacher).await;
    let student = server.login(&demo.students[1]).await;
    let teacher_path = format!("/api/v1/users/{}", teacher.user.id);
    let student_pii = format!("/api/v1/users/{}/pii", student.user.id);
    let reset = format!("/api/v1/users/{}/password-reset", student.user.id);
    let role_change = || json!({"role": "student"});

    // Six minutes after signing in, the admin must confirm the password first.
    server.clock().advance(360);
    let token = &admin.access_token;
    let (status, body) = server.call(Method::PATCH, &teacher_path, Some(token), Some(role_change())).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("reauth_required")));
    let (status, body) =
        server.call(Method::PUT, &student_pii, Some(token), Some(json!({"email": "new.mail@example.org"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("reauth_required")));
    let (status, body) = server.post(&reset, Some(token), json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("reauth_required")));
    // A name is not sensitive: no confirmation needed.
    let (status, _) =
        server.call(Method::PUT, &student_pii, Some(token), Some(json!({"display_name": "Alan M. Turing"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(security_changes(&server).await.is_empty(), "nothing sensitive changed yet");

    let (status, _) = server.post("/api/v1/auth/reauth", Some(token), json!({"password": "not it"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) =
        server.post("/api/v1/auth/reauth", Some(token), json!({"password": demo.edu_admin.password})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = server.call(Method::PATCH, &teacher_path, Some(token), Some(role_change())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) =
        server.call(Method::PUT, &student_pii, Some(token), Some(json!({"email": "new.mail@example.org"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = server.post(&reset, Some(token), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(security_changes(&server).await, ["role", "email", "one_time_password"]);
    // The demoted teacher and the reset student were signed out everywhere.
    assert_eq!(server.get("/api/v1/me", &teacher.access_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.refresh(&student.refresh_token).await.0, StatusCode::UNAUTHORIZED);
    // The confirmation lasts five minutes.
    server.clock().advance(301);
    let (status, body) =
        server.call(Method::PUT, &student_pii, Some(token), Some(json!({"email": "other@example.org"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("reauth_required")));
}
