//! Setup shared by the benchmarks: a server in this process, and a cast of users.
#![allow(dead_code)] // each benchmark uses part of this module

use secrecy::SecretString;
use tallschool_server::AppState;
use tallschool_server::config::{Cli, Settings};
use tallschool_server::directory::{classes, schools, users};
use tallschool_shared::{ClassId, ClassRole, Role, SchoolId, SessionId, UserId};

/// The password of every benchmark account.
pub const PASSWORD: &str = "bench password 1";

pub async fn server(database_url: String, label: &str) -> (String, AppState, tokio::task::JoinHandle<()>) {
    let dir = std::env::temp_dir().join(format!("tallschool-bench-{label}-{}", uuid::Uuid::new_v4().simple()));
    let cli = Cli {
        data_dir: Some(dir),
        database_url: Some(SecretString::from(database_url)),
        // Thousands of clients from one address, each as fast as it can: no limits in the way.
        max_in_flight: Some(100_000),
        max_unauthenticated_in_flight: Some(100_000),
        user_sync_per_sec: Some(1_000_000),
        user_sync_burst: Some(1_000_000),
        user_media_per_sec: Some(1_000_000),
        user_media_burst: Some(1_000_000),
        user_api_per_sec: Some(1_000_000),
        user_api_burst: Some(1_000_000),
        log_format: Some(tallschool_server::config::LogFormat::Json),
        ..Cli::default()
    };
    let settings = Settings::resolve(cli).unwrap();
    let state = AppState::open(settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let serving = state.clone();
    let handle = tokio::spawn(async move {
        tallschool_server::serve(listener, serving).await.unwrap();
    });
    (base, state, handle)
}

pub struct Cast {
    pub class: ClassId,
    /// Id and access token; `usernames` in the same order (teacher first).
    pub teacher: (UserId, String),
    pub students: Vec<(UserId, String)>,
    pub usernames: Vec<String>,
}

/// A school, a class, a teacher and `n` students with sessions and tokens, written directly
/// (hashing 2,000 passwords would only measure Argon2).
pub async fn cast(state: &AppState, n: usize) -> Cast {
    let now = tallschool_server::clock::system_now();
    let hash = state.passwords.hash(PASSWORD.to_owned()).await.unwrap();
    let mut tx = state.db.begin().await.unwrap();
    let school: SchoolId = schools::insert(&mut tx, &format!("Bench {}", uuid::Uuid::new_v4()), now).await.unwrap().id;
    let class = classes::insert_class(&mut tx, school, "Bench class", None, now).await.unwrap().id;
    let mut accounts = Vec::new();
    let mut usernames = Vec::new();
    for i in 0..=n {
        let role = if i == 0 { Role::Teacher } else { Role::Student };
        let username = format!("b{}-{i}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let password = users::NewPassword::Chosen { hash: &hash };
        let user = users::insert(&mut tx, &username, role, Some(school), password, None, now).await.unwrap();
        let part = if i == 0 { ClassRole::Teacher } else { ClassRole::Student };
        classes::upsert_member(&mut tx, class, user.id, part, now).await.unwrap();
        let session = SessionId(uuid::Uuid::new_v4());
        sqlx::query("INSERT INTO sessions (id, user_id, device_name, created_at, last_used_at, expires_at) VALUES ($1, $2, 'bench', $3, $3, $4)")
            .bind(session.to_string())
            .bind(user.id.to_string())
            .bind(now)
            .bind(now + 86_400)
            .execute(&mut *tx)
            .await
            .unwrap();
        accounts.push((user.id, state.tokens.issue(user.id, session, now).unwrap()));
        usernames.push(username);
    }
    tx.commit().await.unwrap();
    let teacher = accounts.remove(0);
    Cast { class, teacher, students: accounts, usernames }
}

/// A server process, stopped when dropped — also when a benchmark panics halfway.
pub struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// The release server with a demo school in its own process (`extra`: more arguments), so the
/// clients measured do not share its scheduler; the process, its URL and the demo logins.
pub fn server_process(dir: &std::path::Path, extra: &[&str]) -> (ServerProcess, String, serde_json::Value) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tallschool-server"))
        .args(["--bind", "127.0.0.1:0", "--demo", "--data-dir"])
        .arg(dir.join("server"))
        .args(extra)
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let base = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("listening on ").map(str::to_owned))
        .expect("the server starts");
    let logins = std::fs::read_to_string(dir.join("server").join("demo-logins.json")).unwrap();
    (ServerProcess(child), base, serde_json::from_str(&logins).unwrap())
}
