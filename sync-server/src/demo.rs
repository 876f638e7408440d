//! The demo school: on an empty database, one school with a technical admin, a school admin, a
//! teacher and a class of three students, each with a freshly generated random password that
//! is printed once and written to `DATA_DIR/demo-logins.json` (mode 0600) for scripts.
//!
//! Demo passwords keep working (they are not one-time passwords that must be changed at the
//! first sign-in, as those of real accounts are) and are marked `"demo": true` in the file.

use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tallschool_shared::api::{ConsentDecision, PiiInput};
use tallschool_shared::{ClassRole, Role};

use crate::app::AppState;
use crate::auth::password::generate_initial_password;
use crate::directory::users::NewPassword;
use crate::directory::{authorization, classes, schools, users};
use crate::error::ApiError;
use crate::pii::PiiUpdate;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Login {
    pub username: String,
    pub password: String,
    /// A demo account: the password keeps working and never has to be changed.
    #[serde(default)]
    pub demo: bool,
}

/// The shape of `demo-logins.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoLogins {
    #[serde(default)]
    pub note: String,
    pub tech_admin: Login,
    pub edu_admin: Login,
    pub teacher: Login,
    pub students: Vec<Login>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

pub fn logins_path(state: &AppState) -> PathBuf {
    state.settings.data_dir.join("demo-logins.json")
}

/// Where the web app is, when it is built.
#[allow(clippy::print_stdout)]
fn announce_web_app(state: &AppState, addr: SocketAddr) {
    if state.settings.web_dir.join("index.html").is_file() {
        println!("Open http://{addr} in a browser (on a phone too) for the app, and sign in with a login below.");
    }
    if state.settings.web_dir.join("admin.html").is_file() {
        println!("Admins: the dashboard is at http://{addr}/admin (school admin and technical admin logins below).");
    }
}

/// Seed the demo school if the database has no accounts, then tell the user how to sign in.
#[allow(clippy::print_stdout)]
pub async fn seed_and_announce(state: &AppState, addr: SocketAddr) -> Result<(), DemoError> {
    let path = logins_path(state);
    let mut conn = state.db.pool.acquire().await.map_err(ApiError::from)?;
    let empty = users::count(&mut conn).await? == 0;
    drop(conn);
    if !empty {
        println!("TallSchool at http://{addr} — the database already has accounts; no demo school created.");
        announce_web_app(state, addr);
        if path.exists() {
            println!("Demo logins from the first start are in {} (passwords are shown only once).", path.display());
        }
        return Ok(());
    }
    let logins = seed(state).await?;
    write_logins(&path, &logins)?;
    println!("TallSchool demo school is ready at http://{addr}");
    announce_web_app(state, addr);
    println!("  {:<12} {:<18} password", "role", "username");
    let rows = [("tech admin", &logins.tech_admin), ("school admin", &logins.edu_admin), ("teacher", &logins.teacher)];
    for (role, login) in rows.into_iter().chain(logins.students.iter().map(|s| ("student", s))) {
        println!("  {role:<12} {:<18} {}", login.username, login.password);
    }
    println!("These passwords are shown once; they are also in {} (mode 0600).", path.display());
    Ok(())
}

async fn seed(state: &AppState) -> Result<DemoLogins, ApiError> {
    let now = state.clock.now();
    // Hash outside the transaction: Argon2 takes a while and SQLite has one writer.
    let mut accounts = Vec::new();
    let people = [
        ("demo.techadmin", Role::TechAdmin, "Tomás Tech"),
        ("demo.admin", Role::EduAdmin, "Edith Admin"),
        ("demo.teacher", Role::Teacher, "Grace Hopper"),
        ("demo.student1", Role::Student, "Ada Lovelace"),
        ("demo.student2", Role::Student, "Alan Turing"),
        ("demo.student3", Role::Student, "Katherine Johnson"),
    ];
    for (username, role, name) in people {
        let password = generate_initial_password();
        let hash = state.passwords.hash(password.clone()).await?;
        accounts.push((username, role, name, password, hash));
    }
    let mut tx = state.db.begin().await?;
    let school = schools::insert(&mut tx, "Demo School", now).await?;
    let cohort = classes::insert_cohort(&mut tx, school.id, "Year 7", now).await?;
    let class = classes::insert_class(&mut tx, school.id, "Class 7A", Some(cohort.id), now).await?;
    let mut logins = Vec::new();
    // The demo school authorises TallSchool for educational use (its admin records it first).
    let mut school_admin = None;
    for (username, role, name, password, hash) in accounts {
        let school_id = role.belongs_to_school().then_some(school.id);
        let user =
            users::insert(&mut tx, username, role, school_id, NewPassword::Demo { hash: &hash }, None, now).await?;
        let pii = PiiInput { display_name: Some(name.to_owned()), ..PiiInput::default() };
        state.vault.write(&mut tx, user.id, &PiiUpdate::validate(&pii, now)?, None, now).await?;
        match role {
            Role::Teacher => classes::upsert_member(&mut tx, class.id, user.id, ClassRole::Teacher, now).await?,
            Role::Student => {
                let admin = school_admin.ok_or_else(|| ApiError::Internal("demo admin comes first".to_owned()))?;
                authorization::record_basis_for_student(&mut tx, school.id, user.id, None, admin, now).await?;
                classes::upsert_member(&mut tx, class.id, user.id, ClassRole::Student, now).await?;
            }
            Role::EduAdmin => {
                authorization::record(&mut tx, school.id, ConsentDecision::Given, user.id, now).await?;
                school_admin = Some(user.id);
            }
            Role::TechAdmin => {}
        }
        logins.push(Login { username: username.to_owned(), password, demo: true });
    }
    tx.commit().await?;
    let mut logins = logins.into_iter();
    let mut next = || logins.next().ok_or_else(|| ApiError::Internal("demo accounts missing".to_owned()));
    Ok(DemoLogins {
        note: "Demo accounts: these passwords keep working and need no change. Accounts of a real school get \
               one-time passwords that must be changed at the first sign-in."
            .to_owned(),
        tech_admin: next()?,
        edu_admin: next()?,
        teacher: next()?,
        students: vec![next()?, next()?, next()?],
    })
}

fn write_logins(path: &PathBuf, logins: &DemoLogins) -> Result<(), DemoError> {
    let write_error = |source| DemoError::Write { path: path.clone(), source };
    let json = serde_json::to_vec_pretty(logins).map_err(|e| DemoError::Api(ApiError::Internal(e.to_string())))?;
    // A stale file from an earlier database would hold wrong passwords: replace it.
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(write_error(error)),
        _ => {}
    }
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(write_error)?;
    file.write_all(&json).map_err(write_error)?;
    file.sync_all().map_err(write_error)
}
