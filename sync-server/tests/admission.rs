//! What a request must pass before its body is read: a token checked from the headers, a cap
//! on anonymous requests, a cap on all requests (shed with 503, never queued without bound),
//! and a rate per user.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestServer;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Open a connection and send a request head declaring `declared` body bytes, of which only
/// `sent` are sent: the request stays open for as long as the server waits for the rest.
async fn stalled(server: &TestServer, head_lines: &str, declared: usize, sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    let head = format!("{head_lines}Host: test\r\nContent-Length: {declared}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'{'; sent]).await.unwrap();
    stream
}

/// A sign-in whose body never finishes, holding one anonymous slot. A finished sign-in gives
/// its slot back a moment after its answer: one sent in that moment is shed at once, and is
/// sent again (within a deadline).
async fn stalled_sign_in(server: &TestServer) -> TcpStream {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut stream = stalled(server, LOGIN_HEAD, 100, 10).await;
        match answer_within(&mut stream, Duration::from_millis(300)).await {
            None => return stream,
            Some(answer) if std::time::Instant::now() > deadline => panic!("a stalled sign-in was answered: {answer}"),
            Some(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The status line of the answer, if one comes within `wait`.
async fn answer_within(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut buffer = vec![0_u8; 4096];
    let read = tokio::time::timeout(wait, stream.read(&mut buffer)).await.ok()?.ok()?;
    String::from_utf8_lossy(&buffer[..read]).lines().next().map(str::to_owned)
}

fn sync_head(token: &str) -> String {
    format!(
        "POST /api/v1/sync HTTP/1.1\r\nContent-Type: {}\r\nAuthorization: Bearer {token}\r\n",
        tallschool_shared::sync::CONTENT_TYPE
    )
}

const LOGIN_HEAD: &str = "POST /api/v1/auth/login HTTP/1.1\r\nContent-Type: application/json\r\n";

#[tokio::test]
async fn a_body_from_someone_without_a_valid_token_is_never_read() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let ended = server.login(&demo.students[0]).await;
    server.call(reqwest::Method::POST, "/api/v1/auth/logout", Some(&ended.access_token), None).await;
    // 16 MB announced, not one byte sent: the answer comes from the headers alone.
    let forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    for token in ["not-a-token", forged, ended.access_token.as_str()] {
        let mut stream = stalled(&server, &sync_head(token), 16_000_000, 0).await;
        let status = answer_within(&mut stream, Duration::from_secs(20)).await;
        assert_eq!(status.as_deref(), Some("HTTP/1.1 401 Unauthorized"), "token {token:.12}…");
    }
    let mut stream = stalled(&server, "POST /api/v1/sync HTTP/1.1\r\n", 16_000_000, 0).await;
    assert_eq!(answer_within(&mut stream, Duration::from_secs(20)).await.as_deref(), Some("HTTP/1.1 401 Unauthorized"));
    // With a valid token the server does wait for the body (the cases above were answered early).
    let live = server.login(&demo.students[1]).await;
    let mut stream = stalled(&server, &sync_head(&live.access_token), 100, 10).await;
    assert_eq!(answer_within(&mut stream, Duration::from_millis(500)).await, None);
}

#[tokio::test]
async fn anonymous_requests_share_a_small_cap_and_beyond_it_are_shed() {
    let server = TestServer::start_with(&["--max-unauthenticated-in-flight", "2"]).await;
    let demo = server.demo_logins();
    let teacher = server.login(&demo.teacher).await;
    // Two sign-ins whose bodies never finish hold both anonymous slots.
    let slow = [stalled_sign_in(&server).await, stalled_sign_in(&server).await];
    common::eventually("a third anonymous request to be shed", || async {
        let response = server.http.get(server.url("/healthz")).send().await.unwrap();
        response.status() == StatusCode::SERVICE_UNAVAILABLE && response.headers().contains_key("retry-after")
    })
    .await;
    let (status, body) = server.try_login(&demo.teacher.username, &demo.teacher.password).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")));
    // Signed-in users are not held up by anonymous traffic.
    assert_eq!(server.get("/api/v1/me", &teacher.access_token).await.0, StatusCode::OK);
    drop(slow);
    common::eventually("the anonymous slots to free up", || async {
        server.try_login(&demo.teacher.username, &demo.teacher.password).await.0 == StatusCode::OK
    })
    .await;
}

#[tokio::test]
async fn a_full_server_sheds_load_with_503_instead_of_queueing() {
    let server = TestServer::start_with(&["--max-in-flight", "3"]).await;
    let demo = server.demo_logins();
    // Every sign-in first: a sign-in's slot is given back a moment after its answer arrives,
    // and a held request sent in that moment would find the server full.
    let mut tokens = Vec::new();
    for student in &demo.students {
        tokens.push(server.login(student).await.access_token);
    }
    let mut slow = Vec::new();
    for token in &tokens {
        slow.push(stalled(&server, &sync_head(token), 1000, 10).await);
    }
    // Polled rather than asserted once: the server reads the three request heads in its own time.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let response = server.http.get(server.url("/healthz")).send().await.unwrap();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        if response.status() == StatusCode::SERVICE_UNAVAILABLE && retry_after.as_deref() == Some("1") {
            break;
        }
        let last = (response.status(), retry_after);
        if std::time::Instant::now() > deadline {
            // Say why: which of the held requests was answered, and what the server logged.
            let mut held = Vec::new();
            for stream in &mut slow {
                held.push(answer_within(stream, Duration::from_millis(100)).await);
            }
            let (log, _) = server.log_since(0);
            panic!("the server never filled up; last health answer {last:?}; held requests answered {held:?}\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(slow);
    common::eventually("room again", || async {
        server.http.get(server.url("/healthz")).send().await.unwrap().status() == StatusCode::OK
    })
    .await;
}

#[tokio::test]
async fn each_user_has_a_request_rate_of_their_own() {
    let server = TestServer::start_with(&["--user-api-per-sec", "1", "--user-api-burst", "5"]).await;
    let demo = server.demo_logins();
    let teacher = server.login(&demo.teacher).await.access_token;
    let student = server.login(&demo.students[0]).await.access_token;
    // The burst goes through; going on at full speed meets the rate (one more a second), however
    // slow the machine.
    for _ in 0..5 {
        assert_eq!(server.get("/api/v1/me", &teacher).await.0, StatusCode::OK);
    }
    let mut limited = None;
    for _ in 0..50 {
        let response = server.http.get(server.url("/api/v1/me")).bearer_auth(&teacher).send().await.unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let response = limited.expect("the user's rate is enforced");
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    // Another user, and the same user's media and sync, have rates of their own.
    assert_eq!(server.get("/api/v1/me", &student).await.0, StatusCode::OK);
    assert_eq!(server.get("/api/v1/media", &teacher).await.0, StatusCode::OK);
    common::eventually("the teacher's rate to recover", || async {
        server.get("/api/v1/me", &teacher).await.0 == StatusCode::OK
    })
    .await;
}
