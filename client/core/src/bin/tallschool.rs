//! `tallschool`: the command-line client over the offline engine. Each `--home` directory is
//! one device. Used by people who like terminals, by tests, and as a load generator.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tallschool_client::content::{self, Review};
use tallschool_client::{Client, ClientError};
use tallschool_shared::docs::DocKind;
use tallschool_shared::{ClassId, DocId};

#[derive(Parser)]
#[command(name = "tallschool", version, about = "TallSchool offline client")]
struct Cli {
    /// This device's data directory.
    #[arg(long, env = "TALLSCHOOL_HOME", global = true)]
    home: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in (the password is read from standard input unless given).
    Login {
        #[arg(long)]
        server: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long, default_value = "tallschool CLI")]
        device_name: String,
    },
    /// Forget this device's tokens.
    Logout,
    /// Send what is pending and receive what is new.
    Sync,
    /// Pending changes, refusals, last sync, cursor.
    Status,
    /// Documents on this device.
    Docs,
    /// A document as JSON.
    Show { doc: DocId },
    /// Put refused changes back in the queue.
    RetryRejected,
    /// Decks (teachers).
    #[command(subcommand)]
    Deck(DeckCommand),
    /// Reader texts (teachers).
    #[command(subcommand)]
    Text(TextCommand),
    /// Video tests (teachers).
    #[command(subcommand)]
    Video(VideoCommand),
    /// Record a study session in a deck (students): one change for all its answers.
    Study {
        deck: DocId,
        /// `CARD:RATING` pairs, rating 1 (again) to 4 (easy).
        #[arg(required = true)]
        answers: Vec<String>,
    },
    /// Reviews recorded in a progress document.
    Reviews { progress: DocId },
}

#[derive(Subcommand)]
enum DeckCommand {
    Create {
        #[arg(long)]
        class: ClassId,
        #[arg(long)]
        title: String,
    },
    /// Add a card, or change fields of an existing one with `--card`.
    Card {
        deck: DocId,
        #[arg(long)]
        card: Option<String>,
        #[arg(long)]
        front: Option<String>,
        #[arg(long)]
        back: Option<String>,
    },
    Title {
        deck: DocId,
        title: String,
    },
}

#[derive(Subcommand)]
enum TextCommand {
    Create {
        #[arg(long)]
        class: ClassId,
        #[arg(long)]
        title: String,
    },
    Append {
        text: DocId,
        words: String,
    },
}

#[derive(Subcommand)]
enum VideoCommand {
    Create {
        #[arg(long)]
        class: ClassId,
        #[arg(long)]
        title: String,
    },
    Question {
        test: DocId,
        #[arg(long)]
        at: u32,
        #[arg(long)]
        prompt: String,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tallschool: {error}");
            ExitCode::FAILURE
        }
    }
}

fn home(cli_home: Option<PathBuf>) -> PathBuf {
    cli_home.unwrap_or_else(|| {
        let base = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        base.join("tallschool")
    })
}

#[allow(clippy::print_stdout)]
fn say(json: bool, value: serde_json::Value, text: impl FnOnce() -> String) {
    if json {
        println!("{value}");
    } else {
        println!("{}", text());
    }
}

#[allow(clippy::print_stderr)]
async fn run(cli: Cli) -> Result<(), ClientError> {
    let json = cli.json;
    let mut client = Client::open(&home(cli.home))?;
    match cli.command {
        Command::Login { server, username, password, device_name } => {
            let password = match password {
                Some(password) => password,
                None => {
                    if std::io::stdin().is_terminal() {
                        eprint!("password: ");
                    }
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| ClientError::Invalid(format!("reading the password: {e}")))?;
                    line.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            let user = client.login(&server, &username, &password, &device_name).await?;
            say(json, serde_json::json!(user), || format!("signed in as {} ({})", user.username, user.role));
        }
        Command::Logout => {
            client.logout()?;
            say(json, serde_json::json!({"signed_out": true}), || "signed out; local work is kept".to_owned());
        }
        Command::Sync => {
            let interactive = std::io::stderr().is_terminal();
            let report = client
                .sync(|r| {
                    if interactive || r.rounds % 10 == 0 {
                        eprintln!(
                            "round {}: sent {} changes ({} acknowledged), received {} changes in {} new documents",
                            r.rounds, r.sent_changes, r.acked_changes, r.received_changes, r.received_docs
                        );
                    }
                })
                .await?;
            say(json, serde_json::json!(report), || {
                if report.offline {
                    format!("offline: {} changes wait for the next sync", report.pending_after)
                } else {
                    format!(
                        "synced in {} rounds: {} sent, {} received, {} refused documents, {} pending",
                        report.rounds,
                        report.acked_changes,
                        report.received_changes,
                        report.rejected_docs,
                        report.pending_after
                    )
                }
            });
        }
        Command::Status => {
            let status = client.store.status()?;
            let user = client.session().map(|s| s.user.username.clone());
            say(json, serde_json::json!({"user": user, "status": status}), || {
                let mut text = format!(
                    "user: {}\npending changes: {}\nrefused changes: {}\ndocuments: {}\ncursor: {} (epoch {})\nlast sync: {}",
                    user.as_deref().unwrap_or("(signed out)"),
                    status.pending_changes,
                    status.rejected_changes,
                    status.documents,
                    status.cursor,
                    status.epoch,
                    status.last_sync_at.map_or("never".to_owned(), |t| format!("{t} (unix seconds)"))
                );
                for (doc, why) in &status.rejections {
                    text.push_str(&format!("\nrefused: {doc}: {why}"));
                }
                text
            });
        }
        Command::Docs => {
            let docs = client.store.list()?;
            say(json, serde_json::json!(docs), || {
                docs.iter()
                    .map(|d| format!("{}  {:<10} {:>5}  {}", d.id, d.kind.as_str(), d.items, d.title))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Show { doc } => {
            let (meta, document) =
                client.store.load(doc)?.ok_or_else(|| ClientError::UnknownDocument(doc.to_string()))?;
            let value = serde_json::json!({"meta": meta, "content": content::to_json(&document)});
            say(true, value, String::new);
        }
        Command::RetryRejected => {
            let count = client.store.retry_rejected()?;
            say(json, serde_json::json!({"requeued": count}), || format!("{count} changes queued again"));
        }
        Command::Deck(DeckCommand::Create { class, title }) => {
            created(json, content::create(&mut client.store, DocKind::Deck, class, &title)?.id)
        }
        Command::Deck(DeckCommand::Card { deck, card, front, back }) => {
            let card = content::put_card(&mut client.store, deck, card.as_deref(), front.as_deref(), back.as_deref())?;
            say(json, serde_json::json!({"card": card}), || card.clone());
        }
        Command::Deck(DeckCommand::Title { deck, title }) => content::set_title(&mut client.store, deck, &title)?,
        Command::Text(TextCommand::Create { class, title }) => {
            created(json, content::create(&mut client.store, DocKind::Text, class, &title)?.id)
        }
        Command::Text(TextCommand::Append { text, words }) => content::append_text(&mut client.store, text, &words)?,
        Command::Video(VideoCommand::Create { class, title }) => {
            created(json, content::create(&mut client.store, DocKind::VideoTest, class, &title)?.id)
        }
        Command::Video(VideoCommand::Question { test, at, prompt }) => {
            let id = content::add_question(&mut client.store, test, at, &prompt)?;
            say(json, serde_json::json!({"question": id}), || id.clone());
        }
        Command::Study { deck, answers } => {
            let student = client.user()?.id;
            let at = tallschool_client::store::now();
            let reviews = answers
                .iter()
                .map(|answer| {
                    let (card, rating) = answer
                        .rsplit_once(':')
                        .ok_or_else(|| ClientError::Invalid(format!("{answer}: expected CARD:RATING")))?;
                    let rating =
                        rating.parse().map_err(|_| ClientError::Invalid(format!("{answer}: rating must be 1-4")))?;
                    Ok(Review { card: card.to_owned(), rating, at })
                })
                .collect::<Result<Vec<_>, ClientError>>()?;
            let progress = content::record_session(&mut client.store, student, deck, &reviews)?;
            say(json, serde_json::json!({"progress": progress.id, "reviews": reviews.len()}), || {
                format!("{} answers saved in {}", reviews.len(), progress.id)
            });
        }
        Command::Reviews { progress } => {
            let (_, document) =
                client.store.load(progress)?.ok_or_else(|| ClientError::UnknownDocument(progress.to_string()))?;
            let reviews = content::reviews(&document);
            say(json, serde_json::json!(reviews), || {
                reviews.iter().map(|r| format!("{} {} {}", r.at, r.card, r.rating)).collect::<Vec<_>>().join("\n")
            });
        }
    }
    Ok(())
}

fn created(json: bool, id: DocId) {
    say(json, serde_json::json!({"id": id}), || id.to_string());
}
