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

/// SECURITY.md item 14: signing keys rotate with overlap. After a rotation the previous key
/// still verifies the tokens it signed before (they expire within the access-token lifetime),
/// refuses anything it signed later, and new tokens carry the new key's id; a pending key's
/// tokens verify before it signs here.
#[tokio::test]
async fn signing_keys_rotate_with_overlap() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let before = server.login(&demo.teacher).await.access_token;
    let payload = before.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let rotated_at = tallschool_server::clock::system_now();
    let standard = base64::engine::general_purpose::STANDARD;
    let (new_secret, pending_secret) = ([21_u8; 32], [22_u8; 32]);
    let server = server.restart_with(&[
        "--jwt-secret",
        &standard.encode(new_secret),
        "--jwt-pending-secret",
        &standard.encode(pending_secret),
        "--jwt-previous-secret",
        &common::jwt_secret_b64(),
        "--jwt-rotated-at",
        &rotated_at.to_string(),
    ]);
    // The token signed before the rotation still works, beside new ones.
    assert_eq!(server.get("/api/v1/me", &before).await.0, StatusCode::OK);
    let after = server.login(&demo.teacher).await.access_token;
    assert_eq!(server.get("/api/v1/me", &after).await.0, StatusCode::OK);
    let new_kid = jsonwebtoken::decode_header(&after).unwrap().kid.unwrap();
    assert_eq!(new_kid, tallschool_server::keys::key_id("jwt", &new_secret));
    assert_ne!(Some(new_kid), jsonwebtoken::decode_header(&before).unwrap().kid);
    // The old key signing after the rotation (a replica not restarted, a leaked key): refused.
    let mut late = claims.clone();
    late["iat"] = json!(rotated_at + 30);
    assert_eq!(server.get("/api/v1/me", &sign(our_header(), &late, &JWT_SECRET)).await.0, StatusCode::UNAUTHORIZED);
    // A token signed with the pending key (by a replica already promoted) verifies here.
    let mut pending_header = Header::new(Algorithm::HS256);
    pending_header.kid = Some(tallschool_server::keys::key_id("jwt", &pending_secret));
    let from_pending = sign(pending_header, &claims, &pending_secret);
    assert_eq!(server.get("/api/v1/me", &from_pending).await.0, StatusCode::OK);
}

/// The file-based rotation an operator runs: stage a pending key, promote it; the server then
/// signs with it and still accepts what the old key signed before.
#[tokio::test]
async fn the_keys_tool_stages_and_rotates_the_signing_key_files() {
    let dir = std::env::temp_dir().join(format!("tallschool-signing-{}", uuid::Uuid::new_v4().simple()));
    let tool = |action: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
            .args(["keys", action, "--database-url", "sqlite::memory:", "--data-dir"])
            .arg(&dir)
            .env_remove("DATABASE_URL")
            .env_remove("TALLSCHOOL_JWT_SECRET")
            .output()
            .unwrap()
    };
    let refused = tool("rotate-signing");
    assert_eq!(refused.status.code(), Some(2), "no key yet: {}", String::from_utf8_lossy(&refused.stderr));
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("jwt-signing.key"), common::jwt_secret_b64()).unwrap();
    let staged = tool("stage-signing");
    assert!(staged.status.success());
    let pending = std::fs::read_to_string(keys.join("jwt-signing.pending.key")).unwrap();
    let rotated = tool("rotate-signing");
    let text = String::from_utf8_lossy(&rotated.stdout).into_owned();
    assert!(rotated.status.success(), "{text}");
    assert_eq!(std::fs::read_to_string(keys.join("jwt-signing.key")).unwrap(), pending);
    assert_eq!(std::fs::read_to_string(keys.join("jwt-signing.previous.key")).unwrap(), common::jwt_secret_b64());
    assert!(!keys.join("jwt-signing.pending.key").exists());
    let rotated_at: i64 = std::fs::read_to_string(keys.join("jwt-signing.rotated-at")).unwrap().parse().unwrap();
    for file in ["jwt-signing.key", "jwt-signing.previous.key"] {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(keys.join(file)).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The server as it loads these files: old tokens from before the rotation verify.
    let cli = <tallschool_server::config::Cli as clap::Parser>::try_parse_from([
        "tallschool-server",
        "--data-dir",
        dir.to_str().unwrap(),
        "--database-url",
        "sqlite::memory:",
    ])
    .unwrap();
    let settings = tallschool_server::Settings::resolve(cli).unwrap();
    let loaded = tallschool_server::auth::signing_keys::load(&settings).unwrap();
    let tokens = tallschool_server::auth::tokens::TokenService::with_keys(
        &tallschool_server::auth::tokens::SigningKeys {
            current: &loaded.current,
            pending: loaded.pending.as_ref(),
            previous: loaded.previous.as_ref().map(|(key, at)| (key, *at)),
        },
        900,
    );
    let (user, session) = (
        tallschool_shared::UserId::from_uuid(uuid::Uuid::new_v4()),
        tallschool_shared::SessionId::from_uuid(uuid::Uuid::new_v4()),
    );
    let old = tallschool_server::auth::tokens::TokenService::new(&loaded.previous.as_ref().unwrap().0, 900);
    let token = old.issue(user, session, rotated_at - 1).unwrap();
    assert!(tokens.verify(&token, rotated_at).is_ok());
    assert_eq!(
        tokens.key_id(),
        tallschool_server::keys::decode("k", &pending, tallschool_server::keys::KeyLength::AtLeast(32), "jwt")
            .unwrap()
            .id
    );
    std::fs::remove_dir_all(&dir).ok();
}
