use clap::Parser;
use tallschool_server::config::{AuditCommand, Cli, Command, Settings};

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
