//! Response headers: no sniffing, no referrer, no storing of API answers (they hold personal
//! data), cross-origin calls refused unless configured, HSTS when TLS is in front.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn api_answers_are_not_sniffed_stored_or_framed_and_other_origins_are_refused() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let token = server.login(&demo.edu_admin).await.access_token;
    for (path, token) in [("/api/v1/me/pii", Some(token.as_str())), ("/api/v1/me", None), ("/api/v1/nothing", None)] {
        let mut request = server.http.get(server.url(path)).header("origin", "https://evil.example");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert!(!headers.contains_key("access-control-allow-origin"), "{path}: no CORS by default");
        assert!(!headers.contains_key("strict-transport-security"), "no HSTS without TLS in front");
    }
    // A browser's preflight from another origin gets no permission.
    let preflight = server
        .http
        .request(Method::OPTIONS, server.url("/api/v1/me"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(!preflight.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn configured_origins_may_call_and_hsts_is_sent_when_asked() {
    let server = TestServer::start_with(&[
        "--cors-allowed-origins",
        "https://app.school.example,http://127.0.0.1:5173",
        "--hsts-max-age-secs",
        "31536000",
    ])
    .await;
    let preflight = server
        .http
        .request(Method::OPTIONS, server.url("/api/v1/sync"))
        .header("origin", "https://app.school.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://app.school.example");
    assert!(!preflight.headers().contains_key("access-control-allow-credentials"), "tokens, not cookies");
    let response =
        server.http.get(server.url("/healthz")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(!response.headers().contains_key("access-control-allow-origin"));
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    // Media keeps its own caching (immutable content), still private.
    let demo = server.demo_logins();
    let token = server.login(&demo.teacher).await.access_token;
    let response = server
        .http
        .post(server.url("/api/v1/media"))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body(common::photo())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let hash = response.json::<serde_json::Value>().await.unwrap()["hash"].as_str().unwrap().to_owned();
    let response =
        server.http.get(server.url(&format!("/api/v1/media/{hash}"))).bearer_auth(&token).send().await.unwrap();
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("private"));
}
