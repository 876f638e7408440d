use clap::Parser;
use tallschool_server::config::{Cli, Settings};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::resolve(cli) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("tallschool-server: {error}");
            return std::process::ExitCode::from(2);
        }
    };
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
