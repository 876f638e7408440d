//! SECURITY.md item 7/8: every forged, stale or mistyped access token is refused with 401.
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{JWT_SECRET, TestServer};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn kid() -> String {
    tallschool_server::keys::key_id("jwt", &JWT_SECRET)
}

fn sign(header: Header, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn our_header() -> Header {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid());
    header
}

fn unsigned(header: Value, claims: &Value) -> String {
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    format!("{}.{}.", encode(&header), encode(claims))
}

#[tokio::test]
async fn forged_expired_and_mistyped_tokens_are_refused() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let real = server.login(&demo.teacher).await;
    // Take the real claims (sub, sid) and vary one thing at a time.
    let payload = real.access_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let now = claims["iat"].as_i64().unwrap();
    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let without = |key: &str| {
        let mut c = claims.clone();
        c.as_object_mut().unwrap().remove(key);
        c
    };

    // The control: re-signing the same claims with the real key works.
    let control = sign(our_header(), &claims, &JWT_SECRET);
    assert_eq!(server.get("/api/v1/me", &control).await.0, StatusCode::OK, "control token must pass");

    let mut cases: Vec<(&str, String)> = Vec::new();
    for alg in ["none", "None", "NONE", "nOnE"] {
        cases.push(("alg none", unsigned(json!({"alg": alg, "typ": "JWT", "kid": kid()}), &claims)));
    }
    cases.push(("signed with another key", sign(our_header(), &claims, b"attacker-chosen-secret-of-32-bytes!!")));
    let mut hs512 = Header::new(Algorithm::HS512);
    hs512.kid = Some(kid());
    cases.push(("other algorithm, same key", sign(hs512, &claims, &JWT_SECRET)));
    cases.push(("expired", sign(our_header(), &with("exp", json!(now - 120)), &JWT_SECRET)));
    cases.push(("not yet valid", sign(our_header(), &with("nbf", json!(now + 3600)), &JWT_SECRET)));
    cases.push(("missing exp", sign(our_header(), &without("exp"), &JWT_SECRET)));
    cases.push(("missing aud", sign(our_header(), &without("aud"), &JWT_SECRET)));
    cases.push(("wrong aud", sign(our_header(), &with("aud", json!("another-api")), &JWT_SECRET)));
    cases.push(("missing iss", sign(our_header(), &without("iss"), &JWT_SECRET)));
    cases.push(("wrong iss", sign(our_header(), &with("iss", json!("evil")), &JWT_SECRET)));
    cases.push(("missing sub", sign(our_header(), &without("sub"), &JWT_SECRET)));
    cases.push(("refresh token_use", sign(our_header(), &with("token_use", json!("refresh")), &JWT_SECRET)));
    cases.push(("activation token_use", sign(our_header(), &with("token_use", json!("activation")), &JWT_SECRET)));
    cases.push(("id token_use", sign(our_header(), &with("token_use", json!("id")), &JWT_SECRET)));
    cases.push(("missing token_use", sign(our_header(), &without("token_use"), &JWT_SECRET)));
    cases.push(("unknown session", sign(our_header(), &with("sid", json!(uuid::Uuid::new_v4())), &JWT_SECRET)));
    cases.push(("another user's session", sign(our_header(), &with("sub", json!(uuid::Uuid::new_v4())), &JWT_SECRET)));
    let mut unknown_kid = our_header();
    unknown_kid.kid = Some("jwt-0000000000000000".to_owned());
    cases.push(("unknown kid", sign(unknown_kid, &claims, &JWT_SECRET)));
    let mut no_kid = our_header();
    no_kid.kid = None;
    cases.push(("no kid", sign(no_kid, &claims, &JWT_SECRET)));
    let attacker = b"attacker-key-material-32-bytes!!";
    let mut jku = our_header();
    jku.jku = Some("https://attacker.example/jwks.json".to_owned());
    cases.push(("jku to attacker keys", sign(jku.clone(), &claims, attacker)));
    cases.push(("jku even when signed right", sign(jku, &claims, &JWT_SECRET)));
    let mut x5u = our_header();
    x5u.x5u = Some("https://attacker.example/cert.pem".to_owned());
    cases.push(("x5u to attacker cert", sign(x5u, &claims, attacker)));
    let jwk_header = json!({"alg": "HS256", "typ": "JWT", "kid": kid(),
        "jwk": {"kty": "oct", "k": URL_SAFE_NO_PAD.encode(attacker), "alg": "HS256"}});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&jwk_header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
    );
    let signature =
        jsonwebtoken::crypto::sign(signing_input.as_bytes(), &EncodingKey::from_secret(attacker), Algorithm::HS256)
            .unwrap();
    cases.push(("embedded jwk", format!("{signing_input}.{signature}")));
    cases.push(("the refresh token itself", real.refresh_token.clone()));
    cases.push(("garbage", "not.a.token".to_owned()));
    cases.push(("empty", String::new()));

    for (name, token) in cases {
        let (status, body) = server.get("/api/v1/me", &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} must be refused: {body}");
        assert_eq!(body["error"]["code"], "unauthorized", "{name}");
    }

    // No header, a wrong scheme, and Basic auth.
    let plain = server.http.get(server.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
    let basic = server
        .http
        .get(server.url("/api/v1/me"))
        .basic_auth("demo.teacher", Some(&demo.teacher.password))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_server_with_another_signing_key_refuses_our_tokens() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let token = server.login(&demo.teacher).await.access_token;
    // Restart on the same database with a different key: old tokens no longer verify.
    let secret = base64::engine::general_purpose::STANDARD.encode([7_u8; 32]);
    let server = server.restart_with(&["--jwt-secret", &secret]);
    assert_eq!(server.get("/api/v1/me", &token).await.0, StatusCode::UNAUTHORIZED);
}
