//! The learning commands: decks and study, classes, reader, video tests, assignments, Lobby,
//! digests.

use std::collections::BTreeSet;
use std::io::IsTerminal;

use tallschool_client::contract::Event;
use tallschool_client::contract::media::MediaProgress;
use tallschool_client::contract::reader::{MarkKind, Place, Span};
use tallschool_client::contract::request::{CardPatch, DigestScope, NewAssignment, UtcOffsetSetting};
use tallschool_client::contract::video::{NewQuestion, TestSettings};
use tallschool_client::{ClientError, Core};
use tallschool_shared::DocId;
use tallschool_shared::cards::CardType;
use tallschool_shared::dates::{format_utc, parse_due};
use tallschool_shared::scheduling::{Rating, StudySettings};
use tallschool_shared::video::{Answer, Feedback, Key, QuestionKind};

use super::{
    ClassCommand, Command, DeckCommand, DigestCommand, MediaCommand, StudyCommand, TextCommand, VideoCommand, say,
};

const MB: u64 = 1024 * 1024;

/// A one-line progress display of media downloads (files and bytes) on a terminal; quiet
/// otherwise.
pub fn show_media_progress(core: &Core, interactive: bool) {
    if !interactive {
        return;
    }
    core.subscribe(|event| {
        if let Event::MediaProgress { progress: p } = event {
            #[allow(clippy::print_stderr)]
            {
                eprint!(
                    "\rmedia: {} of {} files, {} of {} MB   ",
                    p.files_done,
                    p.files_total,
                    p.bytes_done / MB,
                    p.bytes_total.div_ceil(MB)
                );
            }
        }
    });
}

pub fn media_summary(p: &MediaProgress) -> String {
    let mut text = format!(
        "media: {} of {} files fetched ({} MB), {} removed",
        p.files_done,
        p.files_total,
        p.bytes_done / MB,
        p.evicted
    );
    if let Some(message) = &p.budget_message {
        text.push_str(&format!("\n{message}"));
    }
    for (hash, why) in &p.failed {
        text.push_str(&format!("\nfailed: {hash}: {why}"));
    }
    text
}

/// The type of a file by its extension (the server checks the content anyway).
fn guess_type(path: &std::path::Path) -> Option<&'static str> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "wav" => "audio/x-wav",
        "flac" => "audio/x-flac",
        "m4a" => "audio/m4a",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        _ => return None,
    })
}

/// The system's offset from UTC, when it can be known: only while the process has one
/// thread (it has, at start).
fn system_utc_offset() -> Option<i64> {
    time::UtcOffset::current_local_offset().ok().map(|offset| i64::from(offset.whole_seconds()))
}

/// Unless a person set it, "today" follows the system's time zone.
pub fn follow_system_utc_offset(core: &Core) -> Result<(), ClientError> {
    match system_utc_offset() {
        Some(offset) => core.settings().follow_system_utc_offset(offset),
        None => Ok(()),
    }
}

/// `+02:00`, `-0530`, `+5`, `0` → seconds.
fn parse_utc_offset(text: &str) -> Result<i64, ClientError> {
    let bad = || invalid(format!("{text:?}: a UTC offset looks like +02:00 or -05:30"));
    let (sign, rest) = match text.trim().split_at_checked(1) {
        Some(("-", rest)) => (-1, rest),
        Some(("+", rest)) => (1, rest),
        _ => (1, text.trim()),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    let (hours, minutes) = match digits.len() {
        1 | 2 => (digits.parse::<i64>().map_err(|_| bad())?, 0),
        3 | 4 => {
            let (h, m) = digits.split_at(digits.len() - 2);
            (h.parse::<i64>().map_err(|_| bad())?, m.parse::<i64>().map_err(|_| bad())?)
        }
        _ => return Err(bad()),
    };
    if hours > 14 || minutes >= 60 {
        return Err(bad());
    }
    Ok(sign * (hours * 3600 + minutes * 60))
}

fn invalid(message: impl Into<String>) -> ClientError {
    ClientError::Invalid(message.into())
}

fn rating_of(text: &str) -> Result<Rating, ClientError> {
    Rating::parse(text).ok_or_else(|| invalid(format!("{text:?}: rating is again, hard, good or easy")))
}

fn created(json: bool, id: DocId) {
    say(json, serde_json::json!({"id": id}), || id.to_string());
}

fn read_file(path: &std::path::Path) -> Result<String, ClientError> {
    let bytes = std::fs::read(path).map_err(|source| ClientError::File { path: path.display().to_string(), source })?;
    String::from_utf8(bytes).map_err(|_| invalid(format!("{} is not UTF-8 text", path.display())))
}

fn choices(text: &str) -> Result<BTreeSet<u32>, ClientError> {
    text.split(',')
        .map(|p| p.trim().parse::<u32>().map_err(|_| invalid(format!("{text:?}: expected option numbers like 0,2"))))
        .collect()
}

fn truth(text: &str) -> Result<bool, ClientError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" => Ok(true),
        "false" | "f" | "no" => Ok(false),
        _ => Err(invalid(format!("{text:?}: expected true or false"))),
    }
}

fn parse_key(kind: QuestionKind, text: &str) -> Result<Key, ClientError> {
    Ok(match kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => Key::Choices(choices(text)?),
        QuestionKind::TrueFalse => Key::Truth(truth(text)?),
        QuestionKind::ShortText => Key::Accepted(text.split('|').map(|s| s.trim().to_owned()).collect()),
    })
}

fn parse_answer(kind: QuestionKind, text: &str) -> Result<Answer, ClientError> {
    Ok(match kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => Answer::Choices(choices(text)?),
        QuestionKind::TrueFalse => Answer::Truth(truth(text)?),
        QuestionKind::ShortText => Answer::Text(text.to_owned()),
    })
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".to_owned(), |v| format!("{:.0}%", v * 100.0))
}

#[allow(clippy::too_many_lines)]
pub async fn run(core: &Core, json: bool, command: Command) -> Result<(), ClientError> {
    match command {
        Command::Lobby => {
            let lobby = core.lobby().get()?;
            say(json, serde_json::json!(lobby), || {
                let mut text = format!(
                    "classes: {}\ncards due today: {}\nstreak: {} days\nsync: {} changes and {} answers waiting, last sync {}",
                    lobby.classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
                    lobby.cards_due_total,
                    lobby.streak_days,
                    lobby.sync.pending_changes,
                    lobby.sync.unsaved_answers,
                    lobby.sync.last_sync_at.map_or("never".to_owned(), format_utc)
                );
                for d in &lobby.cards_due {
                    text.push_str(&format!(
                        "\n  {} ({}): {} learning, {} to review, {} new",
                        d.title, d.deck_id, d.counts.learning, d.counts.review, d.counts.new
                    ));
                }
                let upcoming: Vec<_> = lobby
                    .assignments
                    .iter()
                    .filter(|a| {
                        !a.done && !a.overdue && !lobby.due_today.iter().any(|d| d.assignment_id == a.assignment_id)
                    })
                    .cloned()
                    .collect();
                for (label, list) in
                    [("due today", &lobby.due_today), ("OVERDUE", &lobby.overdue), ("upcoming", &upcoming)]
                {
                    for a in list {
                        let due = a.due.map_or(String::new(), |d| format!(", due {}", format_utc(d)));
                        text.push_str(&format!(
                            "\n{label}: {} \"{}\" {}{due} {}",
                            a.kind.as_str(),
                            a.title,
                            a.section,
                            a.note
                        ));
                    }
                }
                text
            });
        }
        Command::Deck(DeckCommand::Create { class, title, theme }) => {
            created(json, core.decks().create(class, &title, theme.as_deref())?);
        }
        Command::Deck(DeckCommand::Card { deck, card, card_type, front, back, example, hint, tags, media }) => {
            let card_type = card_type
                .map(|t| CardType::parse(&t).ok_or_else(|| invalid(format!("unknown card type {t:?}"))))
                .transpose()?;
            let patch = CardPatch {
                card_type,
                front,
                back,
                example,
                hint,
                tags: tags.map(|t| t.split_whitespace().map(str::to_owned).collect()),
                media,
            };
            let card = core.decks().put_card(deck, card.as_deref(), &patch)?;
            say(json, serde_json::json!({"card": card}), || card.clone());
        }
        Command::Deck(DeckCommand::DeleteCard { deck, card }) => {
            core.decks().delete_card(deck, &card)?;
            say(json, serde_json::json!({"deleted": card}), || format!("card {card} deleted"));
        }
        Command::Deck(DeckCommand::Title { deck, title }) => core.decks().set_title(deck, &title)?,
        Command::Deck(DeckCommand::Theme { deck, theme }) => core.decks().set_theme(deck, &theme)?,
        Command::Deck(DeckCommand::Cards { deck }) => {
            let cards = core.decks().cards(deck)?;
            say(json, serde_json::json!(cards), || {
                cards
                    .iter()
                    .map(|c| {
                        format!("{}  {:<9} {} → {}", c.id, c.fields.card_type.as_str(), c.fields.front, c.fields.back)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Deck(DeckCommand::Import { deck, file }) => {
            let text = read_file(&file)?;
            let report = core.decks().import(deck, &text)?;
            // Scripts read each reason as the sentence the CLI prints.
            let rejected: Vec<(u64, String)> =
                report.rejected.iter().map(|(line, why)| (*line, why.to_string())).collect();
            say(json, serde_json::json!({"imported": report.cards.len(), "rejected": rejected}), || {
                let mut out = format!("{} cards imported, {} rows left out", report.cards.len(), report.rejected.len());
                for (line, why) in &report.rejected {
                    out.push_str(&format!("\n  line {line}: {why}"));
                }
                out
            });
        }
        Command::Deck(DeckCommand::ImportAnki { file, class, deck }) => {
            let report = core.decks().import_anki(class, deck, &file).await?;
            say(json, serde_json::json!(report), || {
                let mut out = format!("{} cards from {} notes", report.cards_total(), report.notes);
                for imported in &report.decks {
                    out.push_str(&format!("\n  {} {} ({} cards)", imported.deck, imported.title, imported.cards));
                }
                for (kind, notes) in &report.as_basic {
                    out.push_str(&format!(
                        "\n  note type {kind:?} has no equal here: {notes} notes became basic cards"
                    ));
                }
                for (note, why) in &report.skipped {
                    out.push_str(&format!("\n  left out {note:?}: {why}"));
                }
                if !report.media_missing.is_empty() {
                    out.push_str(&format!("\n  not in the file: {}", report.media_missing.join(", ")));
                }
                for (name, why) in &report.media_refused {
                    out.push_str(&format!("\n  the server did not keep {name}: {why}"));
                }
                out
            });
        }
        Command::Deck(DeckCommand::Export { deck, out }) => {
            let csv = core.decks().export(deck)?;
            match out {
                Some(path) => std::fs::write(&path, csv)
                    .map_err(|source| ClientError::File { path: path.display().to_string(), source })?,
                #[allow(clippy::print_stdout)]
                None => print!("{csv}"),
            }
        }
        Command::Deck(DeckCommand::Report { deck }) => {
            let report = core.decks().report(deck)?;
            say(json, serde_json::json!(report), || {
                let mut text = format!(
                    "{} ({})\nstudent                               reviews cards lapses retention",
                    report.title, report.theme
                );
                for s in &report.students {
                    text.push_str(&format!(
                        "\n{} {:>7} {:>5} {:>6} {:>9}{}",
                        s.student_id,
                        s.reviews,
                        s.cards_studied,
                        s.lapses,
                        percent(s.predicted_retention),
                        if s.struggling { "  struggling" } else { "" }
                    ));
                }
                for c in &report.cards {
                    text.push_str(&format!(
                        "\ncard {} {:>4} reviews {:>5}  {}",
                        c.card_id,
                        c.reviews,
                        percent(c.predicted_retention),
                        c.front
                    ));
                }
                text
            });
        }
        Command::Study(StudyCommand::Next { deck }) => {
            let next = core.study().next(deck)?;
            say(json, serde_json::json!(next), || match &next {
                Some(item) => format!(
                    "{} [{}] in {}\n  {}{}",
                    item.item_id,
                    item.phase,
                    item.deck_id,
                    item.prompt,
                    if item.hint.is_empty() { String::new() } else { format!("\n  hint: {}", item.hint) }
                ),
                None => "nothing due; well done".to_owned(),
            });
        }
        Command::Study(StudyCommand::Answer { deck, item, rating, typed }) => {
            let rating = rating.as_deref().map(rating_of).transpose()?;
            let answered = core.study().answer(deck, &item, rating, typed.as_deref())?;
            let (matched, state) = (answered.typed_correct, answered.state);
            say(
                json,
                serde_json::json!({"item": answered.item, "rating": answered.rating, "state": state, "typed_correct": matched, "answer": answered.answer}),
                || {
                    let verdict = match matched {
                        Some(true) => "correct. ",
                        Some(false) => "not quite. ",
                        None => "",
                    };
                    format!(
                        "{verdict}answer: {}; next due at {} ({})",
                        answered.answer,
                        state.due,
                        state.phase.as_str()
                    )
                },
            );
        }
        Command::Study(StudyCommand::Undo) => {
            let undone = core.study().undo()?;
            say(json, serde_json::json!({"undone": undone}), || match &undone {
                Some(item) => format!("took back the answer to {item}"),
                None => "nothing to undo".to_owned(),
            });
        }
        Command::Study(StudyCommand::Queue { deck }) => {
            let queue = core.study().queue(deck)?;
            say(json, serde_json::json!(queue), || {
                queue
                    .iter()
                    .map(|s| {
                        format!("{} {:<10} due {} ({} reviews, {} lapses)", s.item_id, s.phase, s.due, s.reps, s.lapses)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Study(StudyCommand::End) => {
            let written = core.study().end_session()?;
            say(json, serde_json::json!({"answers_saved": written}), || format!("{written} answers saved"));
        }
        Command::Reviews { progress } => {
            let reviews = core.study().reviews(progress)?;
            say(json, serde_json::json!(reviews), || {
                reviews.iter().map(|r| format!("{} {} {}", r.at, r.card, r.rating)).collect::<Vec<_>>().join("\n")
            });
        }
        Command::Class(ClassCommand::List) => {
            let classes = core.classes().list()?;
            say(json, serde_json::json!(classes), || {
                classes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}  {}: retention {:.2}, {} new/day, {} reviews/day",
                            c.id, c.name, c.study.desired_retention, c.study.new_per_day, c.study.reviews_per_day
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Class(ClassCommand::Settings { class, retention, new_per_day, reviews_per_day }) => {
            let settings = StudySettings { desired_retention: retention, new_per_day, reviews_per_day };
            let view = core.classes().set_study_settings(class, settings).await?;
            say(json, serde_json::json!(view), || {
                format!("{}: retention {:.2}", view.name, view.study.desired_retention)
            });
        }
        Command::Class(ClassCommand::Heatmap { class }) => {
            let map = core.classes().theme_heatmap(class)?;
            say(json, serde_json::json!(map), || {
                map.iter()
                    .flat_map(|(theme, students)| {
                        students.iter().map(move |(s, r)| format!("{theme:<24} {s} {:>5}", percent(Some(*r))))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Text(TextCommand::Create { class, title }) => created(json, core.reader().create(class, &title)?),
        Command::Text(TextCommand::Append { text, words }) => core.reader().append(text, &words)?,
        Command::Text(TextCommand::Import { text, file }) => {
            let markdown = read_file(&file)?;
            core.reader().set_body(text, &markdown)?;
        }
        Command::Text(TextCommand::Show { text }) => {
            let view = core.reader().view(text)?;
            say(json, serde_json::json!(view), || {
                let mut out = format!(
                    "{} ({} characters), at {}, furthest {:.0}%",
                    view.title,
                    view.chars,
                    view.last_percent.map_or("the start".to_owned(), |p| format!("{p:.0}%")),
                    view.furthest_percent
                );
                for s in &view.outline {
                    out.push_str(&format!(
                        "\n{}{} ({:.0}%)",
                        "  ".repeat(usize::from(s.level)),
                        s.title,
                        s.end_percent
                    ));
                }
                for (h, at) in &view.highlights {
                    out.push_str(&format!("\nhighlight {} {} {:?}: {:?} {}", h.id, h.colour, at, h.quote, h.note));
                }
                out
            });
        }
        Command::Text(TextCommand::Body { text }) => {
            let body = core.reader().body(text)?;
            #[allow(clippy::print_stdout)]
            {
                println!("{body}");
            }
        }
        Command::Text(TextCommand::Read { text, at, percent, find }) => {
            let place = match (at, percent, find) {
                (Some(at), None, None) => Place::Offset(at),
                (None, Some(p), None) => Place::Percent(p),
                (None, None, Some(words)) => Place::Find(words),
                _ => return Err(invalid("give one of --at, --percent (0-100) or --find")),
            };
            let position = core.reader().set_position(text, &place)?;
            say(json, serde_json::json!(position), || format!("at {:.0}%", position.percent));
        }
        Command::Text(TextCommand::Bookmark { text, at, note }) => {
            let id = core.reader().bookmark(text, at, &note)?;
            say(json, serde_json::json!({"bookmark": id}), || id.clone());
        }
        Command::Text(TextCommand::Highlight { text, from, to, find, colour, note }) => {
            let span = match (from, to, find) {
                (Some(start), Some(end), None) => Span::Range { start, end },
                (None, None, Some(words)) => Span::Find(words),
                _ => return Err(invalid("give --from and --to, or --find")),
            };
            let id = core.reader().highlight(text, &span, &colour, &note)?;
            say(json, serde_json::json!({"highlight": id}), || id.clone());
        }
        Command::Text(TextCommand::Unmark { text, id, kind }) => {
            let kind = match kind.as_str() {
                "highlight" => MarkKind::Highlight,
                "bookmark" => MarkKind::Bookmark,
                other => return Err(invalid(format!("{other:?}: kind is highlight or bookmark"))),
            };
            core.reader().delete_mark(text, kind, &id)?;
        }
        Command::Text(TextCommand::MakeCard { text, highlight, find, back }) => {
            let card = core.reader().card_from_text(text, highlight.as_deref(), find.as_deref(), back.as_deref())?;
            say(json, serde_json::json!({"card": card}), || card.clone());
        }
        Command::Text(TextCommand::Progress { text }) => {
            let rows = core.reader().progress(text)?;
            say(json, serde_json::json!(rows), || {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{} {:>5.1}% read, {} highlights, {} own cards",
                            r.student_id, r.furthest_percent, r.highlights, r.own_cards
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Video(VideoCommand::Create { class, title }) => {
            created(json, core.video_tests().create(class, &title)?)
        }
        Command::Video(VideoCommand::Configure { test, media, duration, prevent_skipping, attempts, feedback }) => {
            let feedback = feedback
                .map(|f| {
                    Feedback::parse(&f).ok_or_else(|| invalid(format!("{f:?}: feedback is instant or graded_on_sync")))
                })
                .transpose()?;
            let settings =
                TestSettings { media, duration_secs: duration, prevent_skipping, attempts_allowed: attempts, feedback };
            core.video_tests().configure(test, &settings)?;
        }
        Command::Video(VideoCommand::Question { test, at, kind, prompt, options, key, points }) => {
            let kind = QuestionKind::parse(&kind).ok_or_else(|| {
                invalid(format!("{kind:?}: kind is single_choice, multiple_choice, true_false or short_text"))
            })?;
            let key = key.map(|k| parse_key(kind, &k)).transpose()?;
            let question = NewQuestion { at_secs: at, kind, prompt, options, points, key };
            let id = core.video_tests().add_question(test, &question)?;
            say(json, serde_json::json!({"question": id}), || id.clone());
        }
        Command::Video(VideoCommand::Show { test }) => {
            let view = core.video_tests().view(test)?;
            say(json, serde_json::json!(view), || {
                let mut out = format!("{} ({}s, feedback {})", view.title, view.duration_secs, view.feedback.as_str());
                for q in &view.questions {
                    out.push_str(&format!(
                        "\n{} at {}s [{}] {} {:?}",
                        q.id,
                        q.at_secs,
                        q.kind.as_str(),
                        q.prompt,
                        q.options
                    ));
                }
                out
            });
        }
        Command::Video(VideoCommand::Start { test, rate }) => {
            let started = core.video_tests().start_attempt(test, rate)?;
            let (attempt, position) = (started.attempt, started.position);
            say(json, serde_json::json!({"attempt": attempt, "position": position}), || {
                format!("attempt {attempt} from {position}s")
            });
        }
        Command::Video(VideoCommand::Watch { test, attempt, from, to, rate }) => {
            let watched = core.video_tests().watch(test, &attempt, from, to, rate)?;
            say(json, serde_json::json!({"watched": watched.encode()}), || format!("watched {}", watched.encode()));
        }
        Command::Video(VideoCommand::Answer { test, attempt, question, answer, at }) => {
            // The answer's form follows the question's kind.
            let view = core.video_tests().view(test)?;
            let kind = view
                .questions
                .iter()
                .find(|q| q.id == question)
                .map(|q| q.kind)
                .ok_or_else(|| invalid(format!("no question {question} in this test")))?;
            let given = parse_answer(kind, &answer)?;
            let points = core.video_tests().answer(test, &attempt, &question, &given, at)?;
            say(json, serde_json::json!({"saved": true, "points": points}), || match points {
                Some(p) if p > 0.0 => format!("right ({p} points)"),
                Some(_) => "not right".to_owned(),
                None => "saved; graded after sync".to_owned(),
            });
        }
        Command::Video(VideoCommand::Submit { test, attempt }) => {
            core.video_tests().submit(test, &attempt)?;
            say(json, serde_json::json!({"submitted": attempt}), || {
                "submitted; results come with the next sync".to_owned()
            });
        }
        Command::Video(VideoCommand::Attempts { test }) => {
            let attempts = core.video_tests().attempts(test)?;
            say(json, serde_json::json!(attempts), || {
                attempts
                    .iter()
                    .map(|a| {
                        let result = a
                            .result
                            .as_ref()
                            .map_or("not graded yet".to_owned(), |r| format!("{}/{}", r.score, r.max_score));
                        format!("{} {} answers, {}", a.attempt.id, a.attempt.answers.len(), result)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Video(VideoCommand::Results { test }) => {
            let results = core.video_tests().fetch_results(test).await?;
            say(json, serde_json::json!(results), || {
                results
                    .attempts
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {} {}/{}{}",
                            r.student_id,
                            r.attempt_id,
                            r.score,
                            r.max_score,
                            if r.complete { "" } else { " (needs grading)" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Video(VideoCommand::Grade { test, student, attempt, question, points }) => {
            let result = core.video_tests().grade(test, student, &attempt, &question, points).await?;
            say(json, serde_json::json!(result), || format!("{}/{}", result.score, result.max_score));
        }
        Command::Assign { doc, students, group, due, section, note } => {
            let due = due
                .map(|d| parse_due(&d).ok_or_else(|| invalid(format!("{d:?}: due is YYYY-MM-DD or Unix seconds"))))
                .transpose()?;
            let id = core.assignments().assign(doc, &NewAssignment { students, group, due, section, note })?;
            say(json, serde_json::json!({"assignment": id}), || id.clone());
        }
        Command::Unassign { doc, assignment } => core.assignments().unassign(doc, &assignment)?,
        Command::Digest(DigestCommand::Run { school, week_of }) => {
            let digests = core.digests().run(school, week_of).await?;
            say(json, serde_json::json!(digests), || format!("{} digests computed", digests.len()));
        }
        Command::Digest(DigestCommand::Show { class, school }) => {
            let scope = match (class, school) {
                (Some(class), None) => DigestScope::Class(class),
                (None, Some(school)) => DigestScope::School(school),
                _ => return Err(invalid("give --class or --school")),
            };
            let digests = core.digests().list(scope).await?;
            say(json, serde_json::json!(digests), || {
                digests
                    .iter()
                    .map(|d| {
                        format!(
                            "{:?} week of {}: {} of {} students active, {} reviews, retention {}",
                            d.scope,
                            d.week_start,
                            d.numbers.active_students,
                            d.numbers.students,
                            d.numbers.reviews,
                            percent(d.numbers.retention)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Media(MediaCommand::Status) => {
            let status = core.media().status()?;
            say(json, serde_json::json!(status), || {
                let mut text = format!(
                    "media: {} of {} files cached ({} of {} MB), budget {} MB",
                    status.files_cached,
                    status.files_wanted,
                    status.bytes_cached / MB,
                    status.bytes_wanted.div_ceil(MB),
                    status.budget_bytes / MB
                );
                if status.over_budget > 0 {
                    text.push_str(&format!("\n{} files do not fit in the budget", status.over_budget));
                }
                for (hash, why) in &status.failed {
                    text.push_str(&format!("\nfailed: {hash}: {why}"));
                }
                text
            });
        }
        Command::Media(MediaCommand::Sync) => {
            let interactive = std::io::stderr().is_terminal();
            show_media_progress(core, interactive);
            let progress = core.media().sync().await?;
            say(json, serde_json::json!(progress), || media_summary(&progress));
        }
        Command::Media(MediaCommand::Budget { megabytes }) => {
            core.media().set_budget(megabytes.saturating_mul(MB))?;
            say(json, serde_json::json!({"budget_bytes": megabytes.saturating_mul(MB)}), || {
                format!("budget {megabytes} MB")
            });
        }
        Command::Media(MediaCommand::Upload { file, mime }) => {
            let mime = match mime {
                Some(mime) => mime,
                None => guess_type(&file)
                    .ok_or_else(|| invalid("cannot tell the type from the name; give --type"))?
                    .to_owned(),
            };
            let interactive = std::io::stderr().is_terminal();
            if interactive {
                core.subscribe(|event| {
                    if let Event::UploadProgress { done, total } = event {
                        eprint!("\ruploading: {} of {} MB", done / MB, total.div_ceil(MB));
                    }
                });
            }
            let media = core.media().upload(&file, &mime).await?;
            if interactive {
                eprintln!();
            }
            say(json, serde_json::json!(media), || media.hash.clone());
        }
        Command::Media(MediaCommand::Path { hash }) => {
            let file = core.media().file(&hash)?;
            say(json, serde_json::json!(file), || file.path.clone());
        }
        Command::UtcOffset { offset } => {
            let seconds = match offset.as_deref() {
                Some("auto") => core.settings().set_utc_offset(UtcOffsetSetting::Auto, system_utc_offset())?,
                Some(offset) => {
                    core.settings().set_utc_offset(UtcOffsetSetting::Fixed(parse_utc_offset(offset)?), None)?
                }
                None => core.settings().utc_offset()?,
            };
            let sign = if seconds < 0 { '-' } else { '+' };
            let text = format!("{sign}{:02}:{:02}", seconds.abs() / 3600, seconds.abs() % 3600 / 60);
            say(json, serde_json::json!({"utc_offset_secs": seconds}), || text.clone());
        }
        Command::Login { .. }
        | Command::Password
        | Command::Logout { .. }
        | Command::Sync { .. }
        | Command::Status
        | Command::Docs
        | Command::Show { .. }
        | Command::RetryRejected => {}
    }
    Ok(())
}
