use clap::Parser;
use tallschool_server::config::{AuditCommand, Cli, Command, KeysCommand, Settings};
use tallschool_server::pii::rotation;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut cli = Cli::parse();
    let command = cli.command.take();
    let settings = match Settings::resolve(cli) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("tallschool-server: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    match command {
        None => serve(settings).await,
        Some(Command::Audit { action: AuditCommand::Verify }) => verify_audit_log(&settings).await,
        Some(Command::Keys { action }) => keys(&settings, &action).await,
        Some(Command::AddTechAdmin { username }) => add_tech_admin(&settings, &username).await,
        Some(Command::Backup { to, with_keys }) => {
            let now = tallschool_server::clock::system_now();
            report("backup", &to, tallschool_server::backup::backup(&settings, &to, with_keys, now).await)
        }
        Some(Command::Restore { from }) => {
            report("restore", &from, tallschool_server::backup::restore(&settings, &from).await)
        }
    }
}

/// `add-tech-admin`: the account and its one-time password (exit 0), or why not (exit 2).
#[allow(clippy::print_stdout)]
async fn add_tech_admin(settings: &Settings, username: &str) -> std::process::ExitCode {
    let now = tallschool_server::clock::system_now();
    match tallschool_server::first_admin::create(settings, username, now).await {
        Ok(created) => {
            println!("technical admin: {}", created.username);
            println!("one-time password: {}", created.one_time_password);
            println!(
                "it is shown once, signs in until {} (Unix time), and must be replaced at the first sign-in (the dashboard is at /admin)",
                created.expires_at
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("tallschool-server add-tech-admin: {error}");
            std::process::ExitCode::from(2)
        }
    }
}

/// `backup` / `restore`: what was copied (exit 0), or why not (exit 2).
#[allow(clippy::print_stdout)]
fn report(
    command: &str,
    folder: &std::path::Path,
    outcome: Result<tallschool_server::backup::Manifest, tallschool_server::backup::BackupError>,
) -> std::process::ExitCode {
    match outcome {
        Ok(manifest) => {
            print!("{}", tallschool_server::backup::describe(&manifest, folder));
            if command == "restore" {
                println!("restored: start the server on this data folder");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("tallschool-server {command}: {error}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn serve(settings: Settings) -> std::process::ExitCode {
    tallschool_server::app::init_tracing(&settings);
    match tallschool_server::run(settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "server stopped");
            eprintln!("tallschool-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)]
async fn verify_audit_log(settings: &Settings) -> std::process::ExitCode {
    match tallschool_server::audit::check_configured(settings).await {
        Ok(report) => {
            print!("{}", tallschool_server::audit::describe(&report));
            if report.intact() { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE }
        }
        Err(error) => {
            eprintln!("tallschool-server audit verify: {error}");
            std::process::ExitCode::from(2)
        }
    }
}

/// `keys status | rotate | reencrypt`: exit 0 when done, 1 when the job stopped early or left
/// unreadable fields, 2 when it could not start.
#[allow(clippy::print_stdout)]
async fn keys(settings: &Settings, action: &KeysCommand) -> std::process::ExitCode {
    use tallschool_server::auth::signing_keys;
    let now = tallschool_server::clock::system_now();
    let signing = match action {
        KeysCommand::StageSigning => Some(signing_keys::stage(settings).map(|id| format!("pending signing key: {id}\n"))),
        KeysCommand::RotateSigning => Some(signing_keys::rotate(settings, now).map(|(new, old)| {
            format!("current signing key: {new}\nprevious signing key: {old} (verifies tokens it signed until now, {now})\nrestart the servers to use it\n")
        })),
        _ => None,
    };
    if let Some(outcome) = signing {
        return match outcome {
            Ok(text) => {
                print!("{text}");
                std::process::ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("tallschool-server keys: {error}");
                std::process::ExitCode::from(2)
            }
        };
    }
    let (db, keyring) = match rotation::open_offline(settings).await {
        Ok(opened) => opened,
        Err(error) => {
            eprintln!("tallschool-server keys: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let job = rotation::JobState::default();
    let clock = tallschool_server::clock::Clock::system();
    let mut code = std::process::ExitCode::SUCCESS;
    if *action == KeysCommand::Rotate {
        match rotation::rotate(&db, &keyring, &job, clock.now()).await {
            Ok(id) => println!("new current data key: {id}"),
            Err(error) => {
                eprintln!("tallschool-server keys rotate: {error}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    if matches!(action, KeysCommand::Rotate | KeysCommand::Reencrypt) {
        let report = rotation::run(&db, &keyring, &job, &clock, |moved, behind| {
            println!("moved {moved} fields; {behind} under older keys");
        })
        .await;
        print!("{}", rotation::describe_report(&report));
        if report.error.is_some() || report.unreadable > 0 {
            code = std::process::ExitCode::FAILURE;
        }
    }
    match rotation::status(&db, &keyring, &job).await {
        Ok(view) => print!("{}", rotation::describe_status(&view)),
        Err(error) => {
            eprintln!("tallschool-server keys status: {error}");
            return std::process::ExitCode::from(2);
        }
    }
    code
}
