//! Test harness: starts the real `tallschool-server` binary on a free loopback port against
//! SQLite (default) or a throwaway PostgreSQL database (`TALLSCHOOL_TEST_PG_URL`, set by
//! `scripts/test.sh`), and talks HTTP to it. Waits poll with a deadline; nothing sleeps blindly.
#![allow(dead_code, clippy::unwrap_used)]

mod in_process;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use tallschool_client::transport::{HttpTransport, Transport};
use tallschool_shared::api::TokenResponse;

pub const JWT_SECRET: [u8; 32] = [42; 32];

pub fn jwt_secret_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(JWT_SECRET)
}

/// Which database a test server uses.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

pub fn backend() -> Backend {
    match std::env::var("TALLSCHOOL_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Backend::Postgres { admin_url: url },
        _ => Backend::Sqlite,
    }
}

pub struct TestServer {
    pub base: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub backend: Backend,
    pub log_path: PathBuf,
    pub stdout_path: PathBuf,
    /// The server process, or (with [`TestServer::start_clocked`]) a task of this process.
    running: Running,
    /// Set for a server whose clock the test moves.
    pub clock: Option<tallschool_server::clock::Clock>,
    /// Set for a server in this process: devices then reach it without a socket.
    router: Option<axum::Router>,
    pub http: reqwest::Client,
    /// The flags it was started with beyond the usual ones (kept by a restart in place).
    extra: Vec<String>,
    /// Environment variables it was started with beyond the test's own (kept by restarts).
    env: Vec<(String, String)>,
}

enum Running {
    Process(Child),
    Task(tokio::task::JoinHandle<()>),
    Stopped,
}

impl Running {
    fn stop(&mut self) {
        match std::mem::replace(self, Running::Stopped) {
            Running::Process(mut child) => {
                child.kill().ok();
                child.wait().ok();
            }
            Running::Task(task) => task.abort(),
            Running::Stopped => {}
        }
    }
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct Login {
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct DemoLogins {
    pub tech_admin: Login,
    pub edu_admin: Login,
    pub teacher: Login,
    pub students: Vec<Login>,
}

fn unique_name() -> String {
    format!("t{}", uuid::Uuid::new_v4().simple())
}

impl TestServer {
    /// A server with the demo school and default settings.
    pub async fn start() -> TestServer {
        Self::start_with(&[]).await
    }

    /// A server with the demo school and extra flags (e.g. `--refresh-reuse-grace-secs 0`).
    pub async fn start_with(extra: &[&str]) -> TestServer {
        Self::start_with_env(extra, &[]).await
    }

    /// Like [`TestServer::start_with`], with extra environment variables (kept by restarts).
    pub async fn start_with_env(extra: &[&str], env: &[(&str, &str)]) -> TestServer {
        let (data_dir, database_url, backend) = fresh_place().await;
        let mut env: Vec<_> = env.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        env.extend(key_store_env(&backend).await);
        Self::launch(data_dir, database_url, backend, extra, env)
    }

    /// Another server process on this one's database, keys and media, with `extra` flags: a
    /// replica behind the same load balancer.
    pub fn replica(&self, extra: &[&str]) -> TestServer {
        Self::launch(self.data_dir.clone(), self.database_url.clone(), self.backend.clone(), extra, self.env.clone())
    }

    /// A server on a data folder that already holds a SQLite database (a restored backup).
    pub fn start_on(data_dir: PathBuf) -> TestServer {
        let database_url = format!("sqlite://{}", data_dir.join("tallschool.db").display());
        Self::launch(data_dir, database_url, Backend::Sqlite, &[], Vec::new())
    }

    fn launch(
        data_dir: PathBuf,
        database_url: String,
        backend: Backend,
        extra: &[&str],
        env: Vec<(String, String)>,
    ) -> TestServer {
        let log_path = data_dir.join("server.log");
        let stdout_path = data_dir.join("server.stdout");
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).unwrap();
        let secret = jwt_secret_b64();
        let mut args = vec!["--demo", "--database-url", &database_url];
        if !extra.contains(&"--bind") {
            args.extend(["--bind", "127.0.0.1:0"]);
        }
        if !extra.contains(&"--jwt-secret") {
            args.extend(["--jwt-secret", secret.as_str()]);
        }
        args.extend_from_slice(extra);
        let media = media_args(&data_dir);
        args.extend(media.iter().map(String::as_str));
        let mut child = Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
            .args(&args)
            .arg("--data-dir")
            .arg(&data_dir)
            .env_remove("DATABASE_URL")
            .env("TALLSCHOOL_LOG", "info")
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        // Copy stdout to a file (for the PII scan) and report the listening line.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let copy_path = stdout_path.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut copy = std::fs::File::create(copy_path).unwrap();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                writeln!(copy, "{line}").ok();
                if let Some(addr) = line.strip_prefix("listening on ") {
                    tx.send(addr.to_owned()).ok();
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => base,
            Err(_) => {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                child.kill().ok();
                panic!("server did not start within 120 s; log:\n{log}");
            }
        };
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        TestServer {
            base,
            data_dir,
            database_url,
            backend,
            log_path,
            stdout_path,
            running: Running::Process(child),
            clock: None,
            router: None,
            http,
            extra: extra.iter().map(|flag| (*flag).to_owned()).collect(),
            env,
        }
    }

    /// A server in this test process (same flags as the binary takes) whose clock stands still
    /// until the test moves it: `server.clock()`.
    pub async fn start_clocked(extra: &[&str]) -> TestServer {
        let clock = tallschool_server::clock::Clock::manual(tallschool_server::clock::system_now());
        Self::start_here(extra, clock.clone()).await
    }

    /// A server in this test process on the system clock, with the demo school. Its
    /// [`Device`]s send their requests straight to its router (no socket); the test's own
    /// HTTP calls and media downloads still go through its loopback listener.
    pub async fn start_in_process() -> TestServer {
        let mut server = Self::start_here(&[], tallschool_server::clock::Clock::system()).await;
        server.clock = None;
        server
    }

    async fn start_here(extra: &[&str], clock: tallschool_server::clock::Clock) -> TestServer {
        use clap::Parser as _;
        let (data_dir, database_url, backend) = fresh_place().await;
        let env = key_store_env(&backend).await;
        let secret = jwt_secret_b64();
        let dir = data_dir.display().to_string();
        let mut args = vec!["tallschool-server", "--database-url", &database_url, "--data-dir", &dir];
        args.extend(["--jwt-secret", secret.as_str()]);
        let key_store: Vec<String> =
            env.iter().flat_map(|(_, url)| ["--pii-subject-keys-url".to_owned(), url.clone()]).collect();
        args.extend(key_store.iter().map(String::as_str));
        args.extend_from_slice(extra);
        let media = media_args(&data_dir);
        args.extend(media.iter().map(String::as_str));
        let settings =
            tallschool_server::Settings::resolve(tallschool_server::config::Cli::try_parse_from(args).unwrap())
                .unwrap();
        let state = tallschool_server::AppState::open_with_clock(settings, clock.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tallschool_server::demo::seed_and_announce(&state, addr).await.unwrap();
        let router = tallschool_server::app::router(state.clone());
        let task = tokio::spawn(async move {
            tallschool_server::serve(listener, state).await.unwrap();
        });
        TestServer {
            base: format!("http://{addr}"),
            log_path: data_dir.join("server.log"),
            stdout_path: data_dir.join("server.stdout"),
            data_dir,
            database_url,
            backend,
            running: Running::Task(task),
            clock: Some(clock),
            router: Some(router),
            http: reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap(),
            extra: extra.iter().map(|flag| (*flag).to_owned()).collect(),
            env,
        }
    }

    /// Environment variables the server was started with beyond the test's own: the same for
    /// the operator's tools run on its data (e.g. the per-person key store's address).
    pub fn tool_env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The settings flags that make an in-process reader of the server's data see what the
    /// server sees (the per-person key store, when it is not the default file).
    pub fn key_store_flags(&self) -> Vec<String> {
        self.env
            .iter()
            .filter(|(name, _)| name == KEY_STORE_ENV)
            .flat_map(|(_, url)| ["--pii-subject-keys-url".to_owned(), url.clone()])
            .collect()
    }

    /// The clock of a [`TestServer::start_clocked`] server.
    pub fn clock(&self) -> &tallschool_server::clock::Clock {
        self.clock.as_ref().expect("a server started with start_clocked")
    }

    /// SIGKILL the server and start it again on the same address, database and data
    /// directory: devices keep talking to the URL they know.
    pub fn restart_same_port(mut self) -> TestServer {
        self.restart_in_place();
        self
    }

    /// Like [`TestServer::restart_same_port`], in place.
    pub fn restart_in_place(&mut self) {
        self.running.stop();
        let addr = self.base.trim_start_matches("http://").to_owned();
        // The same flags, on the same address.
        let mut flags: Vec<&str> = Vec::new();
        let mut given = self.extra.iter().map(String::as_str);
        while let Some(flag) = given.next() {
            if flag == "--bind" {
                given.next();
            } else {
                flags.push(flag);
            }
        }
        flags.extend(["--bind", &addr]);
        let fresh = Self::launch(
            self.data_dir.clone(),
            self.database_url.clone(),
            self.backend.clone(),
            &flags,
            self.env.clone(),
        );
        // The old value must not run its Drop: that would delete the data directory.
        std::mem::forget(std::mem::replace(self, fresh));
    }

    /// The server's log from byte `offset` on, and the offset of its end.
    pub fn log_since(&self, offset: u64) -> (String, u64) {
        use std::io::{Read, Seek};
        let Ok(mut file) = std::fs::File::open(&self.log_path) else { return (String::new(), offset) };
        let mut text = String::new();
        if file.seek(std::io::SeekFrom::Start(offset)).is_ok() {
            file.read_to_string(&mut text).ok();
        }
        let end = offset + text.len() as u64;
        (text, end)
    }

    /// Stop the server and start it again on the same database and data directory.
    pub fn restart_with(mut self, extra: &[&str]) -> TestServer {
        self.running.stop();
        let (data_dir, url, backend) = (self.data_dir.clone(), self.database_url.clone(), self.backend.clone());
        let env = std::mem::take(&mut self.env);
        std::mem::forget(self);
        Self::launch(data_dir, url, backend, extra, env)
    }

    /// SIGKILL the server, as a crash or power cut would.
    pub fn kill(&mut self) {
        self.running.stop();
    }

    pub fn demo_logins(&self) -> DemoLogins {
        let text = std::fs::read_to_string(self.data_dir.join("demo-logins.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Any request; returns status and JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn try_login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({"username": username, "password": password, "device_name": "test device"}),
        )
        .await
    }

    pub async fn login(&self, login: &Login) -> TokenResponse {
        let (status, body) = self.try_login(&login.username, &login.password).await;
        assert_eq!(status, StatusCode::OK, "login {}: {body}", login.username);
        serde_json::from_value(body).unwrap()
    }

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.post("/api/v1/auth/refresh", None, json!({"refresh_token": refresh_token})).await
    }

    /// Everything the server printed so far (stdout and its JSON log).
    pub fn output(&self) -> String {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let stdout = std::fs::read_to_string(&self.stdout_path).unwrap_or_default();
        format!("{stdout}\n{log}")
    }

    /// A direct connection to the server's database, for checks the API does not offer.
    pub async fn db(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&self.database_url).await.unwrap()
    }

    /// Every byte the database holds, as text a scan can search: the SQLite files, or every
    /// row of every PostgreSQL table (bytea as hex).
    pub async fn database_dump(&self) -> Vec<u8> {
        match &self.backend {
            Backend::Sqlite => {
                let mut bytes = Vec::new();
                for suffix in ["", "-wal", "-shm"] {
                    let path = self.data_dir.join(format!("tallschool.db{suffix}"));
                    bytes.extend(std::fs::read(path).unwrap_or_default());
                }
                bytes
            }
            Backend::Postgres { .. } => {
                let mut conn = self.db().await;
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                let mut dump = String::new();
                for table in tables {
                    let sql = format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t");
                    let rows: Vec<String> =
                        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(&mut conn).await.unwrap();
                    dump.push_str(&rows.join("\n"));
                }
                dump.into_bytes()
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.running.stop();
        // A passing test leaves nothing behind (media files add up); a failing one keeps its
        // data directory (database, logs, devices) to look at.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
            return;
        }
        // CI keeps only the test's output: the server's last words go there too.
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        eprintln!("--- the server's log, last {} lines ({}):\n{tail}", lines.len().min(40), self.log_path.display());
    }
}

/// With `TALLSCHOOL_TEST_S3_ENDPOINT` set (scripts/with-s3.sh), media goes to that S3 server,
/// in a bucket of this server's own (the same after a restart); else to a local folder.
fn media_args(data_dir: &std::path::Path) -> Vec<String> {
    match std::env::var("TALLSCHOOL_TEST_S3_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => {
            let name = data_dir.file_name().and_then(|n| n.to_str()).unwrap_or("x");
            let bucket: String =
                format!("ts-{}", name.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), ""))
                    .chars()
                    .take(40)
                    .collect();
            ["--media-store", "s3", "--s3-endpoint", &endpoint, "--s3-bucket", &bucket, "--s3-region", "us-east-1"]
                .map(str::to_owned)
                .to_vec()
        }
        _ => Vec::new(),
    }
}

/// Whether media goes to S3 in this run.
pub fn media_in_s3() -> bool {
    std::env::var("TALLSCHOOL_TEST_S3_ENDPOINT").is_ok_and(|e| !e.is_empty())
}

const KEY_STORE_ENV: &str = "TALLSCHOOL_PII_SUBJECT_KEYS_URL";

/// In the PostgreSQL pass every server keeps its per-person keys in a PostgreSQL database of
/// its own, as replicas on several hosts do; in the SQLite pass, in the default file.
async fn key_store_env(backend: &Backend) -> Vec<(String, String)> {
    match backend {
        Backend::Postgres { admin_url } => vec![(KEY_STORE_ENV.to_owned(), create_pg_database(admin_url).await)],
        Backend::Sqlite => Vec::new(),
    }
}

/// A new data directory and an empty database of the backend under test.
async fn fresh_place() -> (PathBuf, String, Backend) {
    let data_dir = std::env::temp_dir().join("tallschool-tests").join(unique_name());
    std::fs::create_dir_all(&data_dir).unwrap();
    let backend = backend();
    let database_url = match &backend {
        Backend::Sqlite => format!("sqlite://{}", data_dir.join("tallschool.db").display()),
        Backend::Postgres { admin_url } => create_pg_database(admin_url).await,
    };
    (data_dir, database_url, backend)
}

async fn create_pg_database(admin_url: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = unique_name();
    let mut admin = sqlx::AnyConnection::connect(admin_url).await.unwrap();
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Deadline-bounded wait for a condition checked by polling.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// One school's cast, signed in.
pub struct SchoolCast {
    pub school_id: String,
    pub class_id: String,
    pub edu_admin: TokenResponse,
    pub teacher: TokenResponse,
    pub student: TokenResponse,
    pub teacher_login: Login,
    pub student_login: Login,
}

/// Two schools: the demo school ("a") and a second one built through the API ("b"), plus the
/// technical admin.
pub struct World {
    pub tech: TokenResponse,
    pub a: SchoolCast,
    pub b: SchoolCast,
}

impl World {
    pub async fn build(server: &TestServer) -> World {
        let demo = server.demo_logins();
        let tech = server.login(&demo.tech_admin).await;
        let edu_a = server.login(&demo.edu_admin).await;
        let teacher_a = server.login(&demo.teacher).await;
        let student_a = server.login(&demo.students[0]).await;
        let (_, classes) = server.get("/api/v1/me/classes", &teacher_a.access_token).await;
        let a = SchoolCast {
            school_id: edu_a.user.school_id.unwrap().to_string(),
            class_id: classes[0]["id"].as_str().unwrap().to_owned(),
            edu_admin: edu_a,
            teacher: teacher_a,
            student: student_a,
            teacher_login: demo.teacher.clone(),
            student_login: demo.students[0].clone(),
        };

        let (status, school) =
            server.post("/api/v1/schools", Some(&tech.access_token), json!({"name": "Other School"})).await;
        assert_eq!(status, StatusCode::CREATED, "{school}");
        let school_b = school["id"].as_str().unwrap().to_owned();
        let edu_b = create_and_login(server, &tech.access_token, &school_b, "other.admin", "edu_admin").await;
        // Its students' lawful basis: the school authorises TallSchool for educational use.
        let (status, body) = server
            .post(
                &format!("/api/v1/schools/{school_b}/authorization"),
                Some(&edu_b.access_token),
                json!({"decision": "given"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (teacher_b, teacher_b_login) =
            create_login(server, &edu_b.access_token, &school_b, "other.teacher", "teacher").await;
        let (student_b, student_b_login) =
            create_login(server, &edu_b.access_token, &school_b, "other.student", "student").await;
        let (status, class) = server
            .post(
                &format!("/api/v1/schools/{school_b}/classes"),
                Some(&edu_b.access_token),
                json!({"name": "Class 8B"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{class}");
        let class_b = class["id"].as_str().unwrap().to_owned();
        for (user, role) in [(&teacher_b, "teacher"), (&student_b, "student")] {
            let (status, body) = server
                .post(
                    &format!("/api/v1/classes/{class_b}/members"),
                    Some(&edu_b.access_token),
                    json!({"user_id": user.user.id, "role": role}),
                )
                .await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        }
        let b = SchoolCast {
            school_id: school_b,
            class_id: class_b,
            edu_admin: edu_b,
            teacher: teacher_b,
            student: student_b,
            teacher_login: teacher_b_login,
            student_login: student_b_login,
        };
        World { tech, a, b }
    }
}

/// Create an account through the API (initial password from the server) and sign in.
pub async fn create_and_login(
    server: &TestServer,
    admin_token: &str,
    school: &str,
    username: &str,
    role: &str,
) -> TokenResponse {
    create_login(server, admin_token, school, username, role).await.0
}

/// Like [`create_and_login`], also returning the credentials. The account's one-time
/// password is replaced at the first sign-in, as its owner would.
pub async fn create_login(
    server: &TestServer,
    admin_token: &str,
    school: &str,
    username: &str,
    role: &str,
) -> (TokenResponse, Login) {
    let (status, created) = server
        .post(
            &format!("/api/v1/schools/{school}/users"),
            Some(admin_token),
            json!({"username": username, "role": role}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "create {username}: {created}");
    let one_time =
        Login { username: username.to_owned(), password: created["initial_password"].as_str().unwrap().to_owned() };
    server.first_sign_in(&one_time).await
}

impl TestServer {
    /// Sign in with a one-time password and choose a new one; the session then works fully.
    pub async fn first_sign_in(&self, one_time: &Login) -> (TokenResponse, Login) {
        let tokens = self.login(one_time).await;
        assert!(tokens.password_change_required, "a one-time password must be replaced");
        let chosen = Login {
            username: one_time.username.clone(),
            password: format!("my own passphrase {}", &unique_name()[..10]),
        };
        let (status, body) = self
            .post(
                "/api/v1/me/password",
                Some(&tokens.access_token),
                json!({"current_password": one_time.password, "new_password": chosen.password}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "first password change: {body}");
        (tokens, chosen)
    }

    /// An HTTP client whose requests come from another loopback address (127.0.0.0/8 is all
    /// loopback), as a second computer on the network would.
    pub fn client_from(&self, address: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(address.parse::<std::net::IpAddr>().unwrap())
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap()
    }
}

/// A device running the real offline engine, signed in to the test server.
pub struct Device {
    pub core: tallschool_client::Core,
    pub dir: PathBuf,
    transport: Arc<dyn Transport>,
}

impl Device {
    /// A new device signed in to `server`: over loopback HTTP, or straight to its router
    /// when the server runs in this process.
    pub async fn sign_in(server: &TestServer, login: &Login) -> Device {
        let transport: Arc<dyn Transport> = match &server.router {
            Some(router) => Arc::new(in_process::InProcess { router: router.clone() }),
            None => HttpTransport::shared().unwrap(),
        };
        Self::sign_in_through(&server.base, &server.data_dir, login, transport).await
    }

    /// A new device called `name` whose own clock is `clock` (e.g. set weeks back, to make a
    /// history of study), signed in to `server` over HTTP.
    pub async fn sign_in_as(server: &TestServer, login: &Login, name: &str, clock: tallschool_client::Clock) -> Device {
        let transport: Arc<dyn Transport> = HttpTransport::shared().unwrap();
        let dir = server.data_dir.join("devices").join(unique_name());
        let core = tallschool_client::Core::open_with(&dir, clock, transport.clone()).unwrap();
        core.session().login(&server.base, &login.username, &login.password, name).await.unwrap();
        Device { core, dir, transport }
    }

    /// A new device under `data_dir`, signed in to the server at `base` over HTTP.
    pub async fn sign_in_at(base: &str, data_dir: &std::path::Path, login: &Login) -> Device {
        Self::sign_in_through(base, data_dir, login, HttpTransport::shared().unwrap()).await
    }

    async fn sign_in_through(
        base: &str,
        data_dir: &std::path::Path,
        login: &Login,
        transport: Arc<dyn Transport>,
    ) -> Device {
        let dir = data_dir.join("devices").join(unique_name());
        let core =
            tallschool_client::Core::open_with(&dir, tallschool_client::Clock::system(), transport.clone()).unwrap();
        core.session().login(base, &login.username, &login.password, "test device").await.unwrap();
        Device { core, dir, transport }
    }

    /// Reopen from disk, as after a crash or a restart of the app.
    pub fn restart(self) -> Device {
        let Device { core, dir, transport } = self;
        drop(core);
        let core =
            tallschool_client::Core::open_with(&dir, tallschool_client::Clock::system(), transport.clone()).unwrap();
        Device { core, dir, transport }
    }

    pub async fn sync(&self) -> tallschool_client::contract::sync::SyncReport {
        self.core.sync().run().await.unwrap()
    }

    /// The device's store, locked until the guard is dropped.
    pub fn store(&self) -> std::sync::MutexGuard<'_, tallschool_client::Store> {
        self.core.store()
    }
}

/// The `tallschool` CLI, one `--home` per device, against a test server.
pub struct Cli {
    exe: PathBuf,
    root: PathBuf,
    server: String,
}

/// The `tallschool` CLI binary (built by the workspace build that runs these tests).
pub fn cli_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tallschool-server").replace("tallschool-server", "tallschool"))
}

impl Cli {
    pub fn new(server: &TestServer) -> Cli {
        let exe = cli_exe();
        // The CLI binary is built by the workspace build that runs these tests.
        assert!(
            exe.exists(),
            "{} not built; run the tests through scripts/test.sh or `cargo build --workspace`",
            exe.display()
        );
        Cli { exe, root: server.data_dir.join("cli").join(unique_name()), server: server.base.clone() }
    }

    /// Run a command with `input` on its standard input.
    pub fn run_with_input(&self, home: &str, args: &[&str], input: &str) -> std::process::Output {
        self.command(home, args, Some(input))
    }

    fn command(&self, home: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        use std::io::Write;
        let mut child = std::process::Command::new(&self.exe)
            .arg("--home")
            .arg(self.root.join(home))
            .arg("--json")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// Run a command that must succeed; its JSON output.
    pub fn run(&self, home: &str, args: &[&str]) -> Value {
        let output = self.command(home, args, None);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
    }

    /// Run a command that must fail; its error message.
    pub fn fail(&self, home: &str, args: &[&str]) -> String {
        let output = self.command(home, args, None);
        assert!(!output.status.success(), "{args:?} should fail: {}", String::from_utf8_lossy(&output.stdout));
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    pub fn login(&self, home: &str, login: &Login) -> Value {
        let output = self.command(
            home,
            &["login", "--server", &self.server, "--username", &login.username],
            Some(&format!("{}\n", login.password)),
        );
        assert!(output.status.success(), "login: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    pub fn home(&self, home: &str) -> PathBuf {
        self.root.join(home)
    }
}

/// The string at `key` of a JSON answer.
pub fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_else(|| panic!("no {key} in {value}")).to_owned()
}

// ----------------------------------------------------------------------------- media samples

pub fn sha(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A valid 1×1 JPEG whose EXIF segment carries a location and whose comment names a place.
pub fn photo() -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    for (marker, contents) in
        [(0xE1_u8, b"Exif\0\0MM\0*GPS-51.5007N-0.1246W".as_slice()), (0xFE, b"at Ada's house".as_slice())]
    {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&u16::try_from(contents.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(contents);
    }
    out.extend_from_slice(&[
        0xFF, 0xDB, 0x00, 0x43, 0x00, 8, 6, 6, 7, 6, 5, 8, 7, 7, 7, 9, 9, 8, 10, 12, 20, 13, 12, 11, 11, 12, 25, 18,
        19, 15, 20, 29, 26, 31, 30, 29, 26, 28, 28, 32, 36, 46, 39, 32, 34, 44, 35, 28, 28, 40, 55, 41, 44, 48, 49, 52,
        52, 52, 31, 39, 57, 61, 56, 50, 60, 46, 51, 52, 50, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01,
        0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0xFF,
        0xC4, 0x00, 0x14, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01,
        0x01, 0x00, 0x00, 0x3F, 0x00, 0x37, 0xFF, 0xD9,
    ]);
    out
}

/// Bytes an MP4 sniffer accepts (an `ftyp` box), then `size` bytes of varied content.
pub fn video(size: usize, seed: u8) -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0x18, b'f', b't', b'y', b'p', b'i', b's', b'o', b'm', 0, 0, 2, 0];
    out.extend_from_slice(b"isomiso2avc1mp41");
    out.extend((0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 11) as u8));
    out
}
