//! Event export to NATS JetStream (Debian's `nats-server -js`, started here on loopback):
//! every event in the outbox reaches the stream at least once, in outbox order on each
//! subject, also across a broker restart and a server restart while the broker was away.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestServer;
use reqwest::StatusCode;

const STREAM: &str = "TALLSCHOOL_EVENTS";

/// A JetStream-enabled NATS server on a fixed port and store folder (a restart keeps both).
struct Nats {
    child: Option<Child>,
    port: u16,
    store: PathBuf,
}

fn nats_server() -> &'static str {
    if Command::new("nats-server").arg("--version").output().is_ok() { "nats-server" } else { "/usr/sbin/nats-server" }
}

impl Nats {
    fn start() -> Nats {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let store = std::env::temp_dir().join(format!("tallschool-nats-{}", uuid::Uuid::new_v4().simple()));
        let mut nats = Nats { child: None, port, store };
        nats.up();
        nats
    }

    fn up(&mut self) {
        let child = Command::new(nats_server())
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's nats-server package (scripts/test.sh installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.down();
        if !std::thread::panicking() {
            std::fs::remove_dir_all(&self.store).ok();
        }
    }
}

/// Every event in the outbox: (seq, id, topic), in order.
async fn outbox(server: &TestServer) -> Vec<(i64, String, String)> {
    let mut db = server.db().await;
    sqlx::query_as("SELECT seq, id, topic FROM outbox ORDER BY seq").fetch_all(&mut db).await.unwrap()
}

async fn unpublished(server: &TestServer) -> i64 {
    let mut db = server.db().await;
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL").fetch_one(&mut db).await.unwrap()
}

/// Every message of the stream: (subject, event id, envelope).
async fn stream_messages(nats: &Nats) -> Vec<(String, String, serde_json::Value)> {
    let client = async_nats::connect(nats.url()).await.unwrap();
    let jetstream = async_nats::jetstream::new(client);
    let mut stream = jetstream.get_stream(STREAM).await.unwrap();
    let info = stream.info().await.unwrap().clone();
    let mut messages = Vec::new();
    for sequence in info.state.first_sequence..=info.state.last_sequence {
        let Ok(message) = stream.get_raw_message(sequence).await else { continue };
        let id = message.headers.get("Nats-Msg-Id").unwrap().as_str().to_owned();
        let envelope: serde_json::Value = serde_json::from_slice(&message.payload).unwrap();
        messages.push((message.subject.to_string(), id, envelope));
    }
    messages
}

/// Everything in the outbox is in the stream: each event at least once, and on each subject
/// the events' first copies come in outbox order.
async fn all_delivered_in_order(server: &TestServer, nats: &Nats) -> usize {
    let events = outbox(server).await;
    let messages = stream_messages(nats).await;
    let delivered: BTreeSet<&str> = messages.iter().map(|(_, id, _)| id.as_str()).collect();
    for (seq, id, topic) in &events {
        assert!(delivered.contains(id.as_str()), "event {seq} ({topic}) was not delivered");
    }
    let position: BTreeMap<&str, i64> = events.iter().map(|(seq, id, _)| (id.as_str(), *seq)).collect();
    let mut last_on_subject: BTreeMap<&str, i64> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (subject, id, envelope) in &messages {
        assert_eq!(envelope["id"], id.as_str());
        assert_eq!(envelope["topic"], subject.as_str());
        assert!(envelope["payload"].is_object(), "{envelope}");
        if !seen.insert(id.as_str()) {
            continue; // A second copy (at least once).
        }
        let seq = position[id.as_str()];
        let last = last_on_subject.entry(subject.as_str()).or_insert(0);
        assert!(seq > *last, "{subject}: event {seq} came after event {last}");
        *last = seq;
    }
    events.len()
}

async fn until_all_published(server: &TestServer) {
    common::eventually("every event published", || async { unpublished(server).await == 0 }).await;
}

#[tokio::test]
async fn every_event_reaches_nats_in_order_across_broker_and_server_restarts() {
    let mut nats = Nats::start();
    let url = nats.url();
    let mut server = TestServer::start_with(&["--nats-url", &url]).await;
    let demo = server.demo_logins();

    // The demo school's accounts, a wrong password, a personal-data read: events of four topics.
    let (status, _) = server.try_login(&demo.students[0].username, "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let admin = server.login(&demo.edu_admin).await.access_token;
    let student = server.login(&demo.students[1]).await.access_token;
    let (_, me) = server.get("/api/v1/me", &student).await;
    let pii = format!("/api/v1/users/{}/pii", me["id"].as_str().unwrap());
    assert_eq!(server.get(&pii, &admin).await.0, StatusCode::OK);
    until_all_published(&server).await;
    let first = all_delivered_in_order(&server, &nats).await;
    let topics: BTreeSet<String> = stream_messages(&nats).await.into_iter().map(|(subject, _, _)| subject).collect();
    for topic in ["user.events.v2", "security.events.v1", "pii.access.log"] {
        assert!(topics.contains(topic), "{topic} in {topics:?}");
    }

    // The broker goes away: events wait in the outbox, and the metrics would say how long.
    nats.down();
    for n in 0..5 {
        server.try_login(&demo.students[0].username, &format!("wrong {n}")).await;
    }
    assert_eq!(server.get(&pii, &admin).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waiting = unpublished(&server).await;
    assert!(waiting >= 6, "{waiting} events wait while the broker is away");

    // The server restarts meanwhile, more events come, then the broker is back.
    server.restart_in_place();
    server.try_login(&demo.teacher.username, "wrong again").await;
    nats.up();
    until_all_published(&server).await;
    let total = all_delivered_in_order(&server, &nats).await;
    assert!(total >= first + 7, "{first} events, then {total}");

    // And while both run, new events keep flowing.
    let admin = server.login(&demo.edu_admin).await.access_token;
    assert_eq!(server.get(&pii, &admin).await.0, StatusCode::OK);
    until_all_published(&server).await;
    all_delivered_in_order(&server, &nats).await;
}
