//! `tallschool`: the command-line front end of the offline engine. Each `--home` directory is
//! one device. Used by people who like terminals, by tests, and as a load generator.
//!
//! It parses arguments, calls the engine's API ([`tallschool_client::api`]) and prints the
//! result as text or `--json`; the rules live in the engine.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

mod commands;

use clap::{Parser, Subcommand};
use tallschool_client::contract::Event;
use tallschool_client::{ClientError, Core};
use tallschool_shared::{ClassId, DocId, SchoolId, UserId};

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
    /// Sign in (the password is read from standard input unless given). After a one-time
    /// password from the school, a new password is asked for (the next line of input).
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
    /// Choose a new password (current and new one read from standard input, a line each).
    Password,
    /// Sign out: unsynced work is sent first (or the sign-out refused), the session ends on the
    /// server, and this account's data is removed from this device.
    Logout {
        /// Sign out even though some work is not on the server: it is deleted.
        #[arg(long)]
        discard: bool,
    },
    /// Send what is pending and receive what is new, then fetch the media it shows.
    Sync {
        /// Documents only; media waits for `media sync`.
        #[arg(long)]
        no_media: bool,
    },
    /// Pending changes, refusals, last sync, cursor.
    Status,
    /// Documents on this device.
    Docs,
    /// A document as JSON.
    Show { doc: DocId },
    /// Put refused changes back in the queue.
    RetryRejected,
    /// Classes, what is due today, overdue work, streak and sync state.
    Lobby,
    /// Decks and cards (teachers).
    #[command(subcommand)]
    Deck(DeckCommand),
    /// Study flashcards (students).
    #[command(subcommand)]
    Study(StudyCommand),
    /// Reviews recorded in a progress document.
    Reviews { progress: DocId },
    /// Class settings and reports (teachers).
    #[command(subcommand)]
    Class(ClassCommand),
    /// Reader texts.
    #[command(subcommand)]
    Text(TextCommand),
    /// Video tests.
    #[command(subcommand)]
    Video(VideoCommand),
    /// Assign a deck, text or video test to the class, a group or one student.
    Assign {
        doc: DocId,
        /// Students (ids) of a group or one student; none means the whole class.
        #[arg(long = "student")]
        students: Vec<UserId>,
        #[arg(long, default_value = "")]
        group: String,
        /// `YYYY-MM-DD` (end of that day, UTC) or Unix seconds.
        #[arg(long)]
        due: Option<String>,
        /// For texts: the section to read, e.g. "chapter 2".
        #[arg(long, default_value = "")]
        section: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Withdraw an assignment.
    Unassign { doc: DocId, assignment: String },
    /// Weekly class and cohort digests.
    #[command(subcommand)]
    Digest(DigestCommand),
    /// Images, audio and video: the device's cache, and uploads (teachers).
    #[command(subcommand)]
    Media(MediaCommand),
    /// This device's offset from UTC for "today" (e.g. +02:00, -05:30, or `auto` for the
    /// system's, the default); without a value, show it.
    UtcOffset {
        #[arg(allow_hyphen_values = true)]
        offset: Option<String>,
    },
}

#[derive(Subcommand)]
enum MediaCommand {
    /// What is cached, what is missing, the budget.
    Status,
    /// Fetch what the documents show (resumes interrupted downloads) and evict the rest.
    Sync,
    /// Storage budget for media on this device, in MB.
    Budget { megabytes: u64 },
    /// Upload a file; prints its hash for `deck card --media` and `video configure --media`.
    Upload {
        file: PathBuf,
        /// The type (e.g. image/png); by default from the file name.
        #[arg(long = "type")]
        mime: Option<String>,
    },
    /// Where a cached object is on this device.
    Path { hash: String },
}

#[derive(Subcommand)]
enum DeckCommand {
    Create {
        #[arg(long)]
        class: ClassId,
        #[arg(long)]
        title: String,
        #[arg(long)]
        theme: Option<String>,
    },
    /// Add a card, or change fields of an existing one with `--card`.
    Card {
        deck: DocId,
        #[arg(long)]
        card: Option<String>,
        /// basic, reversed, type_in or cloze.
        #[arg(long = "type")]
        card_type: Option<String>,
        #[arg(long)]
        front: Option<String>,
        #[arg(long)]
        back: Option<String>,
        #[arg(long)]
        example: Option<String>,
        #[arg(long)]
        hint: Option<String>,
        /// Space-separated tags.
        #[arg(long)]
        tags: Option<String>,
        /// SHA-256 of an image or audio file (repeatable).
        #[arg(long = "media")]
        media: Option<Vec<String>>,
    },
    /// Hide a card; students' history of it stays.
    DeleteCard {
        deck: DocId,
        card: String,
    },
    Title {
        deck: DocId,
        title: String,
    },
    Theme {
        deck: DocId,
        theme: String,
    },
    /// Cards of a deck.
    Cards {
        deck: DocId,
    },
    /// Import cards from a CSV or TSV file with a header (front, back, type, example, hint, tags, media).
    Import {
        deck: DocId,
        file: PathBuf,
    },
    /// Import an Anki deck (.apkg, any Anki version): into `--deck`, or into a new deck of
    /// `--class` per Anki deck. Pictures and sound are uploaded, so this needs the server.
    ImportAnki {
        file: PathBuf,
        #[arg(long)]
        class: ClassId,
        #[arg(long)]
        deck: Option<DocId>,
    },
    /// Export a deck's cards as CSV (to standard output, or `--out`).
    Export {
        deck: DocId,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Reviews, predicted retention and struggling students per card (teachers).
    Report {
        deck: DocId,
    },
}

#[derive(Subcommand)]
enum StudyCommand {
    /// The next card due (in `--deck`, or in any deck).
    Next {
        #[arg(long)]
        deck: Option<DocId>,
    },
    /// Answer a card: again, hard, good or easy (or 1-4). With `--typed`, the rating follows
    /// from whether the typed answer matches, unless one is given.
    Answer {
        deck: DocId,
        item: String,
        rating: Option<String>,
        #[arg(long)]
        typed: Option<String>,
    },
    /// Take back the last answer.
    Undo,
    /// Studied cards of a deck with their schedule.
    Queue { deck: DocId },
    /// Write the session's answers into the progress documents (one change each).
    End,
}

#[derive(Subcommand)]
enum ClassCommand {
    /// Classes of this device's user, with their study settings.
    List,
    /// Set desired retention (0.70-0.97), new cards and reviews per day (online).
    Settings {
        class: ClassId,
        #[arg(long)]
        retention: f32,
        #[arg(long)]
        new_per_day: u32,
        #[arg(long)]
        reviews_per_day: u32,
    },
    /// Predicted retention per theme and student (teachers).
    Heatmap { class: ClassId },
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
    /// Replace the text with a Markdown file (only the changed part is edited).
    Import {
        text: DocId,
        file: PathBuf,
    },
    /// Outline, where you are, bookmarks and highlights.
    Show {
        text: DocId,
    },
    /// The body (Markdown).
    Body {
        text: DocId,
    },
    /// Save the reading position: a character offset, a percentage, or the place of some words.
    Read {
        text: DocId,
        #[arg(long)]
        at: Option<u64>,
        #[arg(long)]
        percent: Option<f64>,
        #[arg(long)]
        find: Option<String>,
    },
    Bookmark {
        text: DocId,
        #[arg(long)]
        at: u64,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Highlight `--from`..`--to`, or the first occurrence of `--find`.
    Highlight {
        text: DocId,
        #[arg(long)]
        from: Option<u64>,
        #[arg(long)]
        to: Option<u64>,
        #[arg(long)]
        find: Option<String>,
        #[arg(long, default_value = "yellow")]
        colour: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Remove a bookmark or highlight.
    Unmark {
        text: DocId,
        id: String,
        #[arg(long, default_value = "highlight")]
        kind: String,
    },
    /// Make a card in your own deck from a highlight, or from `--find` words.
    MakeCard {
        text: DocId,
        #[arg(long)]
        highlight: Option<String>,
        #[arg(long)]
        find: Option<String>,
        #[arg(long)]
        back: Option<String>,
    },
    /// Each student's reading progress (teachers).
    Progress {
        text: DocId,
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
    /// The video, its length, skipping, attempts and feedback (`instant` or `graded_on_sync`).
    Configure {
        test: DocId,
        #[arg(long)]
        media: Option<String>,
        #[arg(long)]
        duration: Option<u32>,
        #[arg(long)]
        prevent_skipping: Option<bool>,
        #[arg(long)]
        attempts: Option<u32>,
        #[arg(long)]
        feedback: Option<String>,
    },
    /// Add a question at `--at` seconds. `--key`: option numbers from 0 ("1" or "0,2"),
    /// "true"/"false", or accepted short answers separated by "|".
    Question {
        test: DocId,
        #[arg(long)]
        at: u32,
        #[arg(long, default_value = "single_choice")]
        kind: String,
        #[arg(long)]
        prompt: String,
        #[arg(long = "option")]
        options: Vec<String>,
        #[arg(long)]
        key: Option<String>,
        #[arg(long, default_value_t = 1)]
        points: u32,
    },
    Show {
        test: DocId,
    },
    /// Start an attempt, or resume the unfinished one.
    Start {
        test: DocId,
        #[arg(long, default_value_t = 1.0)]
        rate: f64,
    },
    Watch {
        test: DocId,
        attempt: String,
        #[arg(long)]
        from: u32,
        #[arg(long)]
        to: u32,
        #[arg(long, default_value_t = 1.0)]
        rate: f64,
    },
    /// Answer: option numbers ("1" or "0,2"), "true"/"false", or text.
    Answer {
        test: DocId,
        attempt: String,
        question: String,
        answer: String,
        /// Where in the video (seconds); default: the question's time.
        #[arg(long)]
        at: Option<u32>,
    },
    Submit {
        test: DocId,
        attempt: String,
    },
    /// Your attempts, with results once graded.
    Attempts {
        test: DocId,
    },
    /// Everyone's graded attempts (teachers; online).
    Results {
        test: DocId,
    },
    /// Give points for an answer (teachers; online).
    Grade {
        test: DocId,
        #[arg(long)]
        student: UserId,
        #[arg(long)]
        attempt: String,
        #[arg(long)]
        question: String,
        #[arg(long)]
        points: f64,
    },
}

#[derive(Subcommand)]
enum DigestCommand {
    /// Compute a school's digests now (online).
    Run {
        #[arg(long)]
        school: SchoolId,
        /// Any Unix time in the week; default: last week.
        #[arg(long)]
        week_of: Option<i64>,
    },
    /// Stored digests of a class or a school (online).
    Show {
        #[arg(long)]
        class: Option<ClassId>,
        #[arg(long)]
        school: Option<SchoolId>,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tallschool: {error}");
            match error {
                ClientError::PasswordChangeRequired => {
                    eprintln!("choose it with `tallschool password` (current password first, then the new one)");
                }
                ClientError::NotSignedIn => eprintln!("run `tallschool login` first"),
                ClientError::UpdateRequired(_) => {
                    eprintln!("install the new version of tallschool; nothing on this device is lost meanwhile");
                }
                _ => {}
            }
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

/// One line of standard input (a prompt on a terminal), without its line ending.
#[allow(clippy::print_stderr)]
fn read_secret(prompt: &str) -> Result<String, ClientError> {
    if std::io::stdin().is_terminal() {
        eprint!("{prompt}");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| ClientError::Invalid(format!("reading input: {e}")))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Ask for a new password (twice on a terminal) and set it.
#[allow(clippy::print_stderr)]
async fn choose_new_password(core: &Core, current: &str) -> Result<(), ClientError> {
    if std::io::stdin().is_terminal() {
        eprintln!("Choose your own password now (at least 8 characters; a few words are easy to remember).");
    }
    let new = read_secret("new password: ")?;
    if new.is_empty() {
        return Err(ClientError::Invalid(
            "a new password is needed: run `tallschool password` to choose it (nothing else works until then)"
                .to_owned(),
        ));
    }
    if std::io::stdin().is_terminal() && read_secret("new password again: ")? != new {
        return Err(ClientError::Invalid(
            "the two passwords differ; run `tallschool password` to try again".to_owned(),
        ));
    }
    core.session().change_password(current, &new).await
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
    let core = Core::open(&home(cli.home))?;
    commands::follow_system_utc_offset(&core)?;
    match cli.command {
        Command::Login { server, username, password, device_name } => {
            let password = match password {
                Some(password) => password,
                None => read_secret("password: ")?,
            };
            let user = core.session().login(&server, &username, &password, &device_name).await?;
            if core.password_change_required() {
                choose_new_password(&core, &password).await?;
            }
            say(json, serde_json::json!(user), || format!("signed in as {} ({})", user.username, user.role));
        }
        Command::Password => {
            let current = read_secret("current password: ")?;
            choose_new_password(&core, &current).await?;
            say(json, serde_json::json!({"password_changed": true}), || {
                "password changed; your other devices were signed out".to_owned()
            });
        }
        Command::Logout { discard } => {
            let report = match core.session().logout(discard).await {
                Err(ClientError::UnsyncedWork(unsynced)) => {
                    return Err(ClientError::Invalid(format!(
                        "not signed out: {unsynced}. Sync when the server is in reach and sign out again, or \
                         `tallschool logout --discard` to delete that work"
                    )));
                }
                other => other?,
            };
            say(json, serde_json::json!(report), || {
                let mut text = if report.ended_on_server {
                    "signed out; this account's data was removed from this device".to_owned()
                } else {
                    "signed out on this device and its data removed; the server could not be reached and will be \
                     told at the next sign-in here"
                        .to_owned()
                };
                if !report.discarded.is_empty() {
                    text.push_str(&format!("\ndeleted, as asked: {}", report.discarded));
                }
                text
            });
        }
        Command::Sync { no_media } => {
            let interactive = std::io::stderr().is_terminal();
            core.subscribe(move |event| {
                if let Event::SyncRound { report: r, progress: p } = event
                    && (interactive || r.rounds % 10 == 0)
                {
                    eprintln!(
                        "round {} of {}: sent {} changes ({} acknowledged), received {} changes in {} new documents; \
                         {} to send, {} to receive",
                        p.round,
                        p.rounds_expected,
                        r.sent_changes,
                        r.acked_changes,
                        r.received_changes,
                        r.received_docs,
                        p.to_send,
                        p.to_receive
                    );
                }
            });
            let report = core.sync().run().await?;
            let media = if no_media || report.offline {
                None
            } else {
                commands::show_media_progress(&core, interactive);
                match core.media().sync().await {
                    Ok(progress) => Some(progress),
                    Err(error) => {
                        eprintln!("media: {error}; run `tallschool media sync` later");
                        None
                    }
                }
            };
            let mut value = serde_json::json!(report);
            value["media"] = serde_json::json!(media);
            say(json, value, || {
                let mut text = if report.offline {
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
                };
                if let Some(media) = &media {
                    text.push('\n');
                    text.push_str(&commands::media_summary(media));
                }
                text
            });
        }
        Command::Status => {
            let status = core.sync().status()?;
            let user = core.session().current_user().map(|u| u.username);
            let unsaved = core.unsynced()?.answers;
            say(json, serde_json::json!({"user": user, "status": status, "unsaved_answers": unsaved}), || {
                let mut text = format!(
                    "user: {}\nstudy answers not yet saved into a document: {unsaved}\npending changes: {}\nrefused changes: {}\ndocuments: {}\ncursor: {} (epoch {})\nlast sync: {}",
                    user.as_deref().unwrap_or("(signed out)"),
                    status.pending_changes,
                    status.rejected_changes,
                    status.documents,
                    status.cursor,
                    status.epoch,
                    status.last_sync_at.map_or("never".to_owned(), tallschool_shared::dates::format_utc)
                );
                for (doc, why) in &status.rejections {
                    text.push_str(&format!("\nrefused: {doc}: {why}"));
                }
                for (doc, hash, why) in &status.media_refusals {
                    text.push_str(&format!("\nmedia not shown: {doc}: {hash}: {why}"));
                }
                if let Some(why) = &status.update_required {
                    text.push_str(&format!("\nplease update tallschool: {why}"));
                }
                text
            });
        }
        Command::Docs => {
            let docs = core.sync().documents()?;
            say(json, serde_json::json!(docs), || {
                docs.iter()
                    .map(|d| format!("{}  {:<10} {:>5}  {}", d.id, d.kind.as_str(), d.items, d.title))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Show { doc } => {
            say(true, core.sync().document(doc)?, String::new);
        }
        Command::RetryRejected => {
            let count = core.sync().retry_rejected()?;
            say(json, serde_json::json!({"requeued": count}), || format!("{count} changes queued again"));
        }
        other => commands::run(&core, json, other).await?,
    }
    Ok(())
}
