//! Refresh-token rotation, reuse detection and the retry window (SECURITY.md items 9–11).
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

async fn reuse_events(server: &TestServer) -> i64 {
    let mut db = server.db().await;
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE topic = 'security.events.v1' AND payload LIKE '%refresh_reuse_detected%'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
}

fn refresh_token(body: &Value) -> String {
    body["refresh_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn replaying_a_rotated_token_revokes_the_whole_family() {
    // No retry window: any second use of a token is reuse.
    let server = TestServer::start_with(&["--refresh-reuse-grace-secs", "0"]).await;
    let demo = server.demo_logins();
    let r1 = server.login(&demo.students[0]).await.refresh_token;

    let (status, body) = server.refresh(&r1).await;
    assert_eq!(status, StatusCode::OK);
    let r2 = refresh_token(&body);
    let a2 = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);

    // R1 again: refused, and R2 (the newest) dies with it, and so does its access token.
    let replay = server.refresh(&r1).await;
    assert_eq!(replay.0, StatusCode::UNAUTHORIZED, "{}", replay.1);
    assert_eq!(replay.1["error"]["code"], "invalid_refresh_token");
    assert_eq!(server.refresh(&r2).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.get("/api/v1/me", &a2).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(reuse_events(&server).await, 1);

    // Signing in again works.
    let fresh = server.login(&demo.students[0]).await;
    assert_eq!(server.refresh(&fresh.refresh_token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_retry_inside_the_window_gets_the_same_pair_but_an_older_token_is_reuse() {
    let server = TestServer::start_with(&["--refresh-reuse-grace-secs", "30"]).await;
    let demo = server.demo_logins();
    let r1 = server.login(&demo.students[1]).await.refresh_token;
    let (status, first) = server.refresh(&r1).await;
    assert_eq!(status, StatusCode::OK);
    // The response was "lost"; the client retries with R1 and gets exactly the same answer.
    let (status, retry) = server.refresh(&r1).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first, retry, "same successor pair, no new token minted");
    let r2 = refresh_token(&first);

    // R2 → R3; now R1 is two generations old: reuse, even inside the window.
    let (status, third) = server.refresh(&r2).await;
    assert_eq!(status, StatusCode::OK);
    let r3 = refresh_token(&third);
    assert_eq!(server.refresh(&r1).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.refresh(&r3).await.0, StatusCode::UNAUTHORIZED, "family revoked");
    assert_eq!(reuse_events(&server).await, 1);
    let mut db = server.db().await;
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM refresh_tokens").fetch_all(&mut db).await.unwrap();
    for token in [&r1, &r2, &r3] {
        assert!(stored.iter().all(|hash| hash != token && hash.len() == 64), "only digests are stored");
    }
}

#[tokio::test]
async fn concurrent_refreshes_yield_one_chain() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let r1 = server.login(&demo.students[2]).await.refresh_token;
    let attempts = (0..5).map(|_| server.refresh(&r1));
    let results = futures_util::future::join_all(attempts).await;
    let successors: std::collections::HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::OK, "{body}");
            refresh_token(body)
        })
        .collect();
    assert_eq!(successors.len(), 1, "exactly one successor");
    let r2 = successors.into_iter().next().unwrap();
    let (status, _) = server.refresh(&r2).await;
    assert_eq!(status, StatusCode::OK, "the chain goes on");
    let mut db = server.db().await;
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM refresh_tokens").fetch_one(&mut db).await.unwrap();
    assert_eq!(tokens, 3, "R1, R2, R3 and nothing else");
    assert_eq!(reuse_events(&server).await, 0);
}

#[tokio::test]
async fn sessions_have_an_absolute_lifetime() {
    let server = TestServer::start_with(&["--session-idle-ttl-secs", "1", "--session-absolute-ttl-secs", "1"]).await;
    let demo = server.demo_logins();
    let tokens = server.login(&demo.teacher).await;
    common::eventually("the session to expire", || async {
        server.refresh(&tokens.refresh_token).await.0 == StatusCode::UNAUTHORIZED
    })
    .await;
    assert_eq!(server.get("/api/v1/me", &tokens.access_token).await.0, StatusCode::UNAUTHORIZED);
}
