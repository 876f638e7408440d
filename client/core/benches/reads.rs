//! Read benchmarks: the teacher's deck report and class heatmap for 30 students × 2,000
//! reviews each, from the materialized tables, beside replaying every progress document as the
//! engine did before (both measured here, in the same run); and the student's Lobby with 20
//! decks, 5 texts and 5 video tests assigned, beside loading the documents the Lobby used to
//! read. Prints a Markdown table; nothing here asserts a speed.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use tallschool_client::content::{self, CardPatch};
use tallschool_client::contract::request::NewAssignment;
use tallschool_client::reading::{self, MarkKind, NewMark};
use tallschool_client::{Clock, FEATURES, Store, lobby, reports, reports_replay};
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::reviews::Review;
use tallschool_shared::{ClassId, DocId, UserId, schema};

const STUDENTS: u128 = 30;
const REVIEWS_PER_STUDENT: usize = 2_000;
const CARDS: usize = 200;
const START: i64 = 1_790_000_000;
const DAY: i64 = 86_400;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(f());
                started.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn temp_store(name: &str) -> (std::path::PathBuf, Store) {
    let dir = std::env::temp_dir().join(format!("tallschool-bench-{name}-{}", uuid::Uuid::new_v4().simple()));
    let store = Store::open(&dir, Clock::system(), FEATURES).unwrap();
    (dir, store)
}

/// A teacher's device: a class with two themed decks and a third, and every student's
/// progress (their reviews spread over the decks, in sessions of 200).
fn teacher_store() -> (std::path::PathBuf, Store, ClassId, DocId, i64) {
    let (dir, mut store) = temp_store("reports");
    let class = ClassId(uuid::Uuid::new_v4());
    let mut decks = Vec::new();
    for (title, theme) in [("Verbs", "grammar"), ("Tenses", "grammar"), ("Animals", "")] {
        let deck = content::create(&mut store, DocKind::Deck, class, title).unwrap().id;
        content::set_theme(&mut store, deck, theme).unwrap();
        let cards: Vec<String> = (0..CARDS)
            .map(|i| {
                let patch = CardPatch::front_back(Some(&format!("{title} {i}")), Some("answer"));
                content::put_card(&mut store, deck, None, &patch).unwrap()
            })
            .collect();
        decks.push((deck, cards));
    }
    let mut last = START;
    for s in 0..STUDENTS {
        let student = UserId(uuid::Uuid::from_u128(0x5700 + s));
        for (d, (deck, cards)) in decks.iter().enumerate() {
            // The first deck gets 2,000 reviews per student; the others a share each.
            let reviews = if d == 0 { REVIEWS_PER_STUDENT } else { REVIEWS_PER_STUDENT / 4 };
            for session in 0..reviews / 200 {
                let batch: Vec<Review> = (0..200)
                    .map(|i| {
                        let n = session * 200 + i;
                        let at = START + (n / 40) as i64 * DAY + i as i64 * 30 + s as i64;
                        last = last.max(at);
                        Review {
                            card: cards[(n * 7 + s as usize) % CARDS].clone(),
                            rating: [3, 3, 4, 1, 3, 2][n % 6],
                            at,
                        }
                    })
                    .collect();
                content::record_session(&mut store, student, *deck, &batch).unwrap();
            }
        }
    }
    (dir, store, class, decks[0].0, last + DAY)
}

/// A student's device: 20 decks of 50 cards, 5 texts and 5 video tests, all assigned, some
/// studied and read.
fn student_store() -> (std::path::PathBuf, Store, i64) {
    let (dir, mut store) = temp_store("lobby");
    let student = UserId(uuid::Uuid::from_u128(0x5701));
    store.set("account", &student.to_string()).unwrap();
    store
        .save_classes(&[(ClassId(uuid::Uuid::from_u128(7)).to_string(), "7A".to_owned(), Default::default())])
        .unwrap();
    let class = ClassId(uuid::Uuid::from_u128(7));
    let now = START + 3 * DAY;
    let assign = |store: &mut Store, doc: DocId, due: Option<i64>, section: &str| {
        let a = NewAssignment { due, section: section.to_owned(), ..NewAssignment::default() };
        content::assign(store, doc, &a.students, &a.group, a.due, &a.section, &a.note).unwrap();
    };
    for d in 0..20 {
        let deck = content::create(&mut store, DocKind::Deck, class, &format!("Deck {d}")).unwrap().id;
        for i in 0..50 {
            let patch = CardPatch::front_back(Some(&format!("q{i}")), Some("a"));
            content::put_card(&mut store, deck, None, &patch).unwrap();
        }
        assign(&mut store, deck, Some(now + i64::from(d) * DAY), "");
        if d % 3 == 0 {
            for _ in 0..10 {
                let item = store.next_item(Some(deck), now).unwrap().unwrap();
                store.answer(deck, &item.item_id, tallschool_shared::scheduling::Rating::Good, now).unwrap();
            }
        }
    }
    store.end_session().unwrap();
    for t in 0..5 {
        let text = content::create(&mut store, DocKind::Text, class, &format!("Text {t}")).unwrap().id;
        let body: String =
            (1..=10).map(|c| format!("# Chapter {c}\n{}\n", "Words of the chapter. ".repeat(200))).collect();
        reading::set_body(&mut store, text, &body).unwrap();
        assign(&mut store, text, Some(now - DAY), "Chapter 3");
        reading::set_position(&mut store, student, text, 5_000 * t).unwrap();
        let mark = NewMark { kind: MarkKind::Bookmark, start: 10, end: 10, note: "", colour: "" };
        reading::add_mark(&mut store, student, text, &mark).unwrap();
    }
    for v in 0..5 {
        let test = content::create(&mut store, DocKind::VideoTest, class, &format!("Film {v}")).unwrap().id;
        assign(&mut store, test, None, "");
    }
    (dir, store, now)
}

/// The peer: what the Lobby read before its tables — every content document and the
/// student's progress in it, loaded and read.
fn lobby_from_documents(store: &mut Store, student: UserId) -> usize {
    let mut found = 0;
    for doc in store.list().unwrap().into_iter().filter(|d| d.kind.is_content()) {
        let (meta, document) = store.load(doc.id).unwrap().unwrap();
        let mine: Vec<_> = schema::assignments(&document).into_iter().filter(|a| a.is_for(student)).collect();
        let progress = store.load(DocMeta::progress(student, &meta).id).unwrap().map(|(_, d)| d);
        let _ = progress.as_ref().map(schema::progress);
        let _ = progress.as_ref().map(schema::reviews);
        if doc.kind == DocKind::Text {
            let _ = tallschool_shared::reader::outline(&schema::body(&document));
        }
        if doc.kind == DocKind::Deck {
            let _ = schema::cards(&document);
        }
        found += mine.len();
    }
    found
}

fn main() {
    eprintln!("building a teacher's store: 30 students × 2,000 reviews…");
    let (teacher_dir, mut teacher, class, deck, now) = teacher_store();
    let ours_report = time(50, || reports::deck_report(&teacher, deck, now).unwrap());
    let replay_report = time(5, || reports_replay::deck_report(&mut teacher, deck, now).unwrap());
    let ours_heatmap = time(50, || reports::theme_heatmap(&teacher, &class.to_string(), now).unwrap());
    let replay_heatmap = time(5, || reports_replay::theme_heatmap(&mut teacher, &class.to_string(), now).unwrap());
    let report = reports::deck_report(&teacher, deck, now).unwrap();
    assert_eq!(report.students.len(), STUDENTS as usize);
    assert_eq!(report.students.iter().map(|s| s.reviews).sum::<u64>(), STUDENTS as u64 * REVIEWS_PER_STUDENT as u64);
    drop(teacher);

    eprintln!("building a student's store: 20 decks, 5 texts, 5 video tests…");
    let (student_dir, mut student, now) = student_store();
    let lobby = lobby::lobby(&student, now).unwrap();
    assert_eq!(lobby.assignments.len(), 30);
    let ours_lobby = time(100, || lobby::lobby(&student, now).unwrap());
    let me = UserId(uuid::Uuid::from_u128(0x5701));
    // Cold: every document loaded from the store, as on opening the app.
    let peer_lobby = time(5, || {
        drop(std::mem::replace(&mut student, Store::open(&student_dir, Clock::system(), FEATURES).unwrap()));
        lobby_from_documents(&mut student, me)
    });
    let warm_peer = time(20, || lobby_from_documents(&mut student, me));

    println!("| what | ours (materialized tables) | peer, same run | goal |\n|---|---|---|---|");
    println!(
        "| deck report, 30 students × 2,000 reviews (median) | {} | {} (load and replay every progress document) | < 20 ms |",
        ms(ours_report),
        ms(replay_report)
    );
    println!(
        "| class heatmap, 3 decks, 30 students × 3,000 reviews (median) | {} | {} (replay every deck's documents) | < 20 ms |",
        ms(ours_heatmap),
        ms(replay_heatmap)
    );
    println!(
        "| Lobby: 20 decks, 5 texts, 5 video tests (median) | {} | {} cold / {} warm (load and read every document) | < 5 ms |",
        ms(ours_lobby),
        ms(peer_lobby),
        ms(warm_peer)
    );
    drop(student);
    let _ = std::fs::remove_dir_all(teacher_dir);
    let _ = std::fs::remove_dir_all(student_dir);
}
