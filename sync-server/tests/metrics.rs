//! Metrics: a real Prometheus (Debian's `prometheus`, started here on loopback) scrapes the
//! server while devices sync and people sign in, and sees the counters move; the alert rules
//! under `deploy/` pass `promtool` and evaluate without error in that Prometheus; every metric
//! the rules and the Grafana board use is in a live scrape. Metrics are off unless asked for,
//! and the main address serves them only with the metrics token.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Device, TestServer};
use reqwest::StatusCode;
use tallschool_client::contract::request::CardPatch;
use tallschool_shared::scheduling::Rating;

const TOKEN: &str = "a-metrics-token-for-the-test";

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy").join(file)
}

/// A Prometheus scraping `target` every second, with the project's alert rules loaded.
struct Prometheus {
    child: Child,
    base: String,
    dir: PathBuf,
    http: reqwest::Client,
}

impl Prometheus {
    async fn start(target: &str) -> Prometheus {
        let dir = std::env::temp_dir().join(format!("tallschool-prometheus-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let rules = deploy("prometheus/tallschool-alerts.yml");
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\n\
             scrape_configs:\n  - job_name: tallschool\n    static_configs:\n      - targets: [\"{target}\"]\n",
            rules.display()
        );
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("Debian's prometheus package (scripts/test.sh installs it)");
        let prometheus = Prometheus {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap(),
        };
        let ready = format!("{}/-/ready", prometheus.base);
        prometheus
            .until("Prometheus to be ready", || async {
                prometheus.http.get(&ready).send().await.is_ok_and(|r| r.status().is_success()).then_some(())
            })
            .await;
        prometheus
    }

    /// Poll `check` until it gives a value (60 s: scrapes and evaluations come every second).
    async fn until<T, F, Fut>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(value) = check().await {
                return value;
            }
            let log = std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default();
            assert!(Instant::now() < deadline, "timed out waiting for {what}; Prometheus's log:\n{log}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The first sample of an instant query, if there is one.
    async fn value(&self, query: &str) -> Option<f64> {
        let response = self.api("query", &[("query", query)]).await?;
        let sample = response["data"]["result"].get(0)?;
        sample["value"][1].as_str()?.parse().ok()
    }

    async fn api(&self, path: &str, params: &[(&str, &str)]) -> Option<serde_json::Value> {
        let url = reqwest::Url::parse_with_params(&format!("{}/api/v1/{path}", self.base), params).ok()?;
        let response = self.http.get(url).send().await.ok()?;
        let body: serde_json::Value = response.json().await.ok()?;
        (body["status"] == "success").then_some(body)
    }

    /// Wait until `query` is at least `at_least`; its value.
    async fn reaches(&self, query: &str, at_least: f64) -> f64 {
        self.until(&format!("{query} ≥ {at_least}"), || async { self.value(query).await.filter(|v| *v >= at_least) })
            .await
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
        if !std::thread::panicking() {
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }
}

/// The metrics address the server printed (`metrics on http://ADDR/metrics`).
fn metrics_address(server: &TestServer) -> String {
    let output = std::fs::read_to_string(&server.stdout_path).unwrap();
    let line = output.lines().find_map(|l| l.strip_prefix("metrics on http://")).expect("the metrics line");
    line.trim_end_matches("/metrics").to_owned()
}

/// The metric names in a Prometheus text scrape.
fn names_in(scrape: &str) -> std::collections::BTreeSet<String> {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

/// Every `tallschool_…` name an expression uses.
fn names_used(expression: &str) -> Vec<String> {
    expression
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|word| word.starts_with("tallschool_"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_real_prometheus_scrapes_the_server_and_sees_it_work() {
    let server = TestServer::start_with(&["--metrics-bind", "127.0.0.1:0", "--metrics-token", TOKEN]).await;
    let target = metrics_address(&server);
    let prometheus = Prometheus::start(&target).await;
    prometheus.reaches(r#"up{job="tallschool"}"#, 1.0).await;

    // Traffic: a teacher makes a deck, a student's tablet studies it, a wrong password.
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let deck = teacher.core.decks().create(class, "Planets", None).unwrap();
    let card = teacher.core.decks().put_card(deck, None, &CardPatch::front_back(Some("Mars"), Some("red"))).unwrap();
    teacher.sync().await;
    let tablet = Device::sign_in(&server, &demo.students[0]).await;
    tablet.sync().await;
    let (status, _) = server.try_login(&demo.students[1].username, "not her password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let admin = server.login(&demo.tech_admin).await.access_token;
    let (status, _) = server.post("/api/v1/admin/compaction", Some(&admin), serde_json::json!({})).await;
    assert_eq!(status, StatusCode::OK);

    // Prometheus sees it.
    let rounds = prometheus.reaches("sum(tallschool_sync_rounds_total)", 3.0).await;
    prometheus.reaches("sum(tallschool_sync_changes_received_total)", 1.0).await;
    prometheus.reaches("sum(tallschool_sync_changes_sent_total)", 1.0).await;
    prometheus.reaches("sum(tallschool_sign_in_failures_total)", 1.0).await;
    prometheus.reaches(r#"sum(tallschool_job_runs_total{task="compaction",outcome="ok"})"#, 1.0).await;
    prometheus.reaches(r#"sum(tallschool_http_requests_total{route="/api/v1/auth/login",status="401"})"#, 1.0).await;
    prometheus.reaches(r#"sum(tallschool_http_request_duration_seconds_count{route="/api/v1/sync"})"#, 3.0).await;
    prometheus.reaches("tallschool_data_disk_size_bytes", 1.0).await;
    prometheus.reaches("sum(tallschool_db_pool_connections)", 1.0).await;

    // More study moves the counters on.
    for _ in 0..3 {
        tablet.core.study().answer(deck, &card, Some(Rating::Good), None).unwrap();
        tablet.sync().await;
        teacher.sync().await;
    }
    let later = prometheus.reaches("sum(tallschool_sync_rounds_total)", rounds + 6.0).await;
    assert!(later >= rounds + 6.0);
    let rate = prometheus.reaches("sum(rate(tallschool_sync_rounds_total[1m]))", f64::MIN_POSITIVE).await;
    assert!(rate > 0.0, "sync rounds per second: {rate}");

    // The alert rules load and evaluate without error; nothing fires on a healthy server (a
    // slow moment on a loaded machine may make a latency rule pending, never firing: each
    // waits minutes first).
    let rules = prometheus
        .until("every rule evaluated", || async {
            let body = prometheus.api("rules", &[]).await?;
            let rules: Vec<serde_json::Value> = body["data"]["groups"]
                .as_array()?
                .iter()
                .flat_map(|group| group["rules"].as_array().cloned().unwrap_or_default())
                .collect();
            let evaluated = rules.iter().all(|r| r["lastEvaluation"].as_str().is_some_and(|t| !t.starts_with("0001")));
            (evaluated && !rules.is_empty()).then_some(rules)
        })
        .await;
    for rule in &rules {
        assert_eq!(rule["health"], "ok", "{rule}");
        // (The disk rules depend on the machine the test runs on.)
        if !rule["name"].as_str().unwrap().contains("DiskSpace") {
            assert_ne!(rule["state"], "firing", "a healthy server fires no alert: {rule}");
        }
    }
    assert!(rules.len() >= 10, "{} rules", rules.len());

    // `promtool check rules` accepts the file.
    let check = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(deploy("prometheus/tallschool-alerts.yml"))
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let config =
        Command::new("promtool").arg("check").arg("config").arg(deploy("prometheus/prometheus.yml")).output().unwrap();
    assert!(config.status.success(), "{}", String::from_utf8_lossy(&config.stdout));

    // Every metric the rules and the board use is in a live scrape.
    let scrape = reqwest::get(format!("http://{target}/metrics")).await.unwrap().text().await.unwrap();
    let exported = names_in(&scrape);
    let rules_text = std::fs::read_to_string(deploy("prometheus/tallschool-alerts.yml")).unwrap();
    let board: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(deploy("grafana/tallschool-dashboard.json")).unwrap()).unwrap();
    let mut expressions: Vec<String> = rules.iter().map(|rule| rule["query"].as_str().unwrap().to_owned()).collect();
    for panel in board["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            expressions.push(target["expr"].as_str().unwrap().to_owned());
        }
    }
    assert!(expressions.len() >= 25, "{} expressions", expressions.len());
    let mut used = 0;
    for expression in &expressions {
        for name in names_used(expression) {
            assert!(exported.contains(&name), "{name} (in {expression}) is not exported; the scrape has {exported:?}");
            used += 1;
        }
    }
    assert!(used >= 25, "{used} names checked");
    assert!(rules_text.contains("tallschool_outbox_lag_seconds"), "the rules watch the outbox");

    // The main address serves the same only with the token.
    let plain = server.http.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
    let wrong =
        server.http.get(server.url("/metrics")).bearer_auth("a-wrong-token-of-some-length").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let with_token = server.http.get(server.url("/metrics")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(with_token.status(), StatusCode::OK);
    assert!(with_token.text().await.unwrap().contains("tallschool_sync_rounds_total"));
    // No personal data in the metrics: no username, only route templates.
    for login in demo.students.iter().chain([&demo.teacher, &demo.tech_admin]) {
        assert!(!scrape.contains(&login.username), "{} in the metrics", login.username);
    }
    assert!(!scrape.contains(&deck.to_string()), "a document id in the metrics");
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for_and_a_short_token_is_refused() {
    let server = TestServer::start().await;
    let response = server.http.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!server.output().contains("metrics on"));

    let refused = Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
        .args(["--data-dir", &server.data_dir.join("other").display().to_string(), "--metrics-token", "short"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("metrics_token") && stderr.contains("16"), "{stderr}");
}
