//! Sign-in, passwords, sessions and rate limits, end to end over HTTP.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Instant;

use common::{Device, Login, TestServer};
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
    // Forty failures from one address: lift the allowances so that delays do not mix in.
    let server = TestServer::start_with(&["--signin-account-address-failures", "1000"]).await;
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

async fn login_from(
    client: &reqwest::Client,
    server: &TestServer,
    username: &str,
    password: &str,
    device_key: Option<&str>,
) -> (StatusCode, Option<u64>, serde_json::Value) {
    let mut body = json!({"username": username, "password": password, "device_name": "test device"});
    if let Some(key) = device_key {
        body["device_key"] = json!(key);
    }
    let response = client.post(server.url("/api/v1/auth/login")).json(&body).send().await.unwrap();
    let status = response.status();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
    (status, retry_after, response.json().await.unwrap_or_default())
}

async fn security_events(server: &TestServer, kind: &str) -> Vec<serde_json::Value> {
    let mut db = server.db().await;
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM outbox WHERE topic = 'security.events.v1' ORDER BY seq")
            .fetch_all(&mut db)
            .await
            .unwrap();
    payloads
        .iter()
        .map(|p| serde_json::from_str::<serde_json::Value>(p).unwrap())
        .filter(|event| event["type"] == kind)
        .collect()
}

#[tokio::test]
async fn fifty_wrong_passwords_from_one_address_never_lock_the_student_out() {
    // A long first delay: the attacker's address is surely still waiting when the test ends.
    let server = TestServer::start_with(&["--signin-base-delay-secs", "120"]).await;
    let demo = server.demo_logins();
    let ana = &demo.students[0];
    // Ana's laptop signed in before the attack, on the school network the attacker shares
    // (127.0.0.1); it holds a device key.
    let laptop_key = "ana-laptop-device-key-0123456789abcdef";
    let (status, _, signed_in) =
        login_from(&server.http, &server, &ana.username, &ana.password, Some(laptop_key)).await;
    assert_eq!(status, StatusCode::OK);
    let mut laptop_refresh = signed_in["refresh_token"].as_str().unwrap().to_owned();
    // Her tablet runs the real client, signed in before the attack too.
    let tablet = Device::sign_in(&server, ana).await;

    let mut statuses = Vec::new();
    for attempt in 0..50 {
        let (status, _, _) = login_from(&server.http, &server, &ana.username, &format!("guess {attempt}"), None).await;
        statuses.push(status);
        // Throughout the attack the laptop refreshes, and signs in again, as usual (signing in
        // again replaces its session, so the old refresh token must then be dead).
        if attempt % 10 == 4 {
            let (status, refreshed) = server.refresh(&laptop_refresh).await;
            assert_eq!(status, StatusCode::OK, "refresh during the attack: {refreshed}");
            laptop_refresh = refreshed["refresh_token"].as_str().unwrap().to_owned();
        } else if attempt % 10 == 9 {
            let (status, _, again) =
                login_from(&server.http, &server, &ana.username, &ana.password, Some(laptop_key)).await;
            assert_eq!(status, StatusCode::OK, "the laptop signs in again during the attack: {again}");
            assert_eq!(server.refresh(&laptop_refresh).await.0, StatusCode::UNAUTHORIZED, "replaced");
            laptop_refresh = again["refresh_token"].as_str().unwrap().to_owned();
        }
    }
    let failures = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(failures, 6, "five free failures, the sixth starts the delay: {statuses:?}");
    assert!(statuses[6..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");

    // From another computer, the right password works at once.
    let elsewhere = server.client_from("127.0.0.2");
    let (status, _, body) = login_from(&elsewhere, &server, &ana.username, &ana.password, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // From the attacker's address, without the laptop's key, it waits — never for ever.
    let (status, retry_after, body) = login_from(&server.http, &server, &ana.username, &ana.password, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited");
    let retry_after = retry_after.expect("Retry-After");
    assert!((1..=300).contains(&retry_after), "capped at five minutes: {retry_after}");
    // The real client sends its device key: the tablet signs in again on that network too.
    tablet.core.session().login(&server.base, &ana.username, &ana.password, "tablet").await.unwrap();
    assert!(!tablet.sync().await.offline);
    // A device never seen before, on the attacker's network, waits like the attacker.
    let stranger = tallschool_client::Core::open(&server.data_dir.join("stranger")).unwrap();
    let refused = stranger.session().login(&server.base, &ana.username, &ana.password, "stranger").await;
    assert!(matches!(refused, Err(tallschool_client::ClientError::Server { status: 429, .. })), "{refused:?}");

    // Every failure and the throttle are security events, without passwords or names.
    let rejected = security_events(&server, "password_rejected").await;
    assert_eq!(rejected.len(), failures);
    assert!(rejected.iter().all(|e| e["user_id"] == signed_in["user"]["id"] && e["step"] == "sign_in"));
    let throttled = security_events(&server, "throttled").await;
    assert!(throttled.iter().any(|e| e["scope"] == "account_address"), "{throttled:?}");
    let all = format!("{rejected:?}{throttled:?}");
    assert!(!all.contains("guess") && !all.contains(&ana.username) && !all.contains(&ana.password));
}

#[tokio::test]
async fn failures_spread_over_many_addresses_slow_the_account_and_it_recovers() {
    // SECURITY.md item 3, scaled down: ten free failures an hour for one account; a first
    // delay long enough that a busy machine cannot outlast it between two requests.
    let server = TestServer::start_with(&["--signin-account-failures", "10", "--signin-base-delay-secs", "5"]).await;
    let demo = server.demo_logins();
    let teacher = &demo.teacher;
    for i in 0..11 {
        let client = server.client_from(&format!("127.0.1.{}", i + 1));
        let (status, _, _) = login_from(&client, &server, &teacher.username, "not it", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let fresh = server.client_from("127.0.2.1");
    let (status, retry_after, _) = login_from(&fresh, &server, &teacher.username, &teacher.password, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the account's allowance is spent");
    assert!(retry_after.is_some_and(|s| (1..=5).contains(&s)), "{retry_after:?}");
    let throttled = security_events(&server, "throttled").await;
    assert!(throttled.iter().any(|e| e["scope"] == "account"), "{throttled:?}");
    // After the delay the right password works; another account was never affected.
    common::eventually("the account's delay to pass", || async {
        login_from(&fresh, &server, &teacher.username, &teacher.password, None).await.0 == StatusCode::OK
    })
    .await;
    server.login(&demo.edu_admin).await;
}

#[tokio::test]
async fn a_flood_of_failures_from_one_address_across_many_accounts_is_slowed() {
    let server = TestServer::start_with(&["--signin-address-failures", "15", "--signin-base-delay-secs", "60"]).await;
    let mut statuses = Vec::new();
    for i in 0..20 {
        statuses.push(server.try_login(&format!("victim{i}"), "guess").await.0);
    }
    assert!(statuses[..16].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert!(statuses[16..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
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
    // Another address is not affected.
    let demo = server.demo_logins();
    let other = server.client_from("127.0.0.3");
    let (status, _, _) = login_from(&other, &server, &demo.teacher.username, &demo.teacher.password, None).await;
    assert_eq!(status, StatusCode::OK);
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

#[tokio::test]
async fn a_one_time_password_opens_only_a_password_change_and_only_once() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await;
    let school = admin.user.school_id.unwrap();
    let mut one_time = Vec::new();
    for username in ["new.pupil", "twice.pupil"] {
        let (status, created) = server
            .post(
                &format!("/api/v1/schools/{school}/users"),
                Some(&admin.access_token),
                json!({"username": username, "role": "student"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let expires = created["initial_password_expires_at"].as_i64().unwrap();
        let week = 7 * 24 * 3600;
        assert!((week - 60..=week + 60).contains(&(expires - tallschool_server::clock::system_now())), "a week");
        one_time.push(Login {
            username: username.to_owned(),
            password: created["initial_password"].as_str().unwrap().to_owned(),
        });
    }

    let first = server.login(&one_time[0]).await;
    assert!(first.password_change_required);
    let token = first.access_token.as_str();
    let (status, body) = server.get("/api/v1/me/classes", token).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("password_change_required")));
    assert_eq!(server.get("/api/v1/me", token).await.0, StatusCode::OK, "who am I still works");
    let change = |new: &str| json!({"current_password": one_time[0].password, "new_password": new});
    let (status, body) = server.post("/api/v1/me/password", Some(token), change("Summer2024!")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = server.post("/api/v1/me/password", Some(token), change(&one_time[0].password)).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("new_password")));
    let (status, body) = server.post("/api/v1/me/password", Some(token), change("a walk by the river")).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(server.get("/api/v1/me/classes", token).await.0, StatusCode::OK, "the same session now works");
    assert_eq!(server.try_login("new.pupil", &one_time[0].password).await.0, StatusCode::UNAUTHORIZED);
    let chosen = server.login(&Login { username: "new.pupil".into(), password: "a walk by the river".into() }).await;
    assert!(!chosen.password_change_required);

    // Single use: a second sign-in with it (say, someone who read it over a shoulder) fails
    // even before the owner chose a new password.
    assert!(server.login(&one_time[1]).await.password_change_required);
    let (status, body) = server.try_login("twice.pupil", &one_time[1].password).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("one_time_password_used")));
}

#[tokio::test]
async fn teachers_reset_their_own_students_and_demo_accounts_keep_their_passwords() {
    let server = TestServer::start().await;
    let world = common::World::build(&server).await;
    let demo = server.demo_logins();
    // The demo school's passwords are marked as such and need no change.
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(server.data_dir.join("demo-logins.json")).unwrap()).unwrap();
    assert!(file["students"].as_array().unwrap().iter().all(|s| s["demo"] == true));
    assert_eq!(file["teacher"]["demo"], true);
    let student = server.login(&demo.students[2]).await;
    assert!(!student.password_change_required);

    let teacher = &world.a.teacher.access_token;
    let reset = |user: String| format!("/api/v1/users/{user}/password-reset");
    let (status, body) = server.post(&reset(student.user.id.to_string()), Some(teacher), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let one_time = body["one_time_password"].as_str().unwrap().to_owned();
    assert_eq!(server.refresh(&student.refresh_token).await.0, StatusCode::UNAUTHORIZED, "signed out everywhere");
    assert_eq!(
        server.try_login(&demo.students[2].username, &demo.students[2].password).await.0,
        StatusCode::UNAUTHORIZED
    );
    let again = server.login(&Login { username: demo.students[2].username.clone(), password: one_time }).await;
    assert!(again.password_change_required);
    // Not a student of another school, nor a fellow teacher.
    let (status, _) = server.post(&reset(world.b.student.user.id.to_string()), Some(teacher), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server.post(&reset(world.a.edu_admin.user.id.to_string()), Some(teacher), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Students reset nobody.
    let (status, _) =
        server.post(&reset(demo_student_id(&server, 1).await), Some(&world.a.student.access_token), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn demo_student_id(server: &TestServer, index: usize) -> String {
    server.login(&server.demo_logins().students[index]).await.user.id.to_string()
}

#[tokio::test]
async fn the_cli_asks_for_a_new_password_after_a_one_time_one() {
    let server = TestServer::start().await;
    let world = common::World::build(&server).await;
    let cli = common::Cli::new(&server);
    let (status, created) = server
        .post(
            &format!("/api/v1/schools/{}/users", world.a.school_id),
            Some(&world.a.edu_admin.access_token),
            json!({"username": "cli.pupil", "role": "student"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let one_time = created["initial_password"].as_str().unwrap();
    let login = ["login", "--server", &server.base, "--username", "cli.pupil"];
    // No new password given: signed in, but nothing works until one is chosen.
    let output = cli.run_with_input("pupil", &login, &format!("{one_time}\n\n"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("tallschool password"));
    let refused = cli.fail("pupil", &["sync"]);
    assert!(refused.contains("must choose a new password"), "{refused}");
    // On another device the one-time password is spent already.
    let output = cli.run_with_input("laptop", &login, &format!("{one_time}\n"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("already used"), "{output:?}");
    let output = cli.run_with_input("pupil", &["password"], &format!("{one_time}\nmy very own passphrase\n"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    cli.run("pupil", &["sync"]);
    // The chosen password signs in directly, asking for nothing more.
    let output = cli.run_with_input("laptop", &login, "my very own passphrase\n");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
