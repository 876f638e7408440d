//! Study benchmarks: cold open of a 10,000-card deck with 73,000 reviews (time to the first
//! due card, peak memory) beside computing the queue from the automerge documents directly,
//! and the latency of answering a card including the durable local write.
//!
//! Cold opens run in a fresh process (this binary re-executed), so peak memory is that
//! process's own high-water mark. Prints a Markdown table; nothing here asserts a speed.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, AutomergeError, ObjType, ROOT, ReadDoc};
use serde_bytes::ByteBuf;
use tallschool_client::Store;
use tallschool_client::content;
use tallschool_shared::docs::{DocKind, DocMeta, genesis};
use tallschool_shared::reviews::{Review, pack};
use tallschool_shared::scheduling::{Rating, Scheduler, StudySettings};
use tallschool_shared::sync::{DocUpdate, SyncResponse};
use tallschool_shared::{ClassId, DocId, UserId, schema};

const CARDS: usize = 10_000;
const DAYS: i64 = 365;
const REVIEWS_PER_DAY: usize = 200;
const START: i64 = 1_760_000_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--cold-open") {
        cold_open(Path::new(&args[position + 1]), args.get(position + 2).map(String::as_str));
        return;
    }
    let dir = std::env::temp_dir().join(format!("tallschool-bench-study-{}", uuid::Uuid::new_v4().simple()));
    let (deck, progress, progress_bytes, card_ids) = build(&dir);
    let mut rows = Vec::new();

    let (ours, our_memory) = measure_cold(&dir, "store", deck);
    let (peer, peer_memory) = measure_cold(&dir, "automerge", deck);
    rows.push((
        "cold open 10,000 cards + 73,000 reviews: time to first due card (median of 5 processes)".to_owned(),
        format!("{:.1} ms", ours.as_secs_f64() * 1e3),
        format!("{:.1} ms (load both automerge documents, replay FSRS)", peer.as_secs_f64() * 1e3),
        "< 50 ms",
    ));
    rows.push((
        "cold open: peak memory of the process (VmHWM)".to_owned(),
        format!("{:.1} MB", our_memory as f64 / 1024.0),
        format!("{:.1} MB", peer_memory as f64 / 1024.0),
        "< 50 MB",
    ));
    let (naive_bytes, naive_load) = naive_progress(&card_ids);
    rows.push((
        "progress document with 73,000 reviews: saved size, load time".to_owned(),
        format!("{} KB, {:.1} ms (packed sessions)", progress_bytes / 1024, load_time(&progress).as_secs_f64() * 1e3),
        format!("{} KB, {:.1} ms (one automerge map per review)", naive_bytes / 1024, naive_load.as_secs_f64() * 1e3),
        "",
    ));
    let (p50, p99, max) = answers(&dir, deck);
    rows.push((
        "answer a card (schedule + durable write, synchronous=FULL): p50 / p99 / max of 1,000".to_owned(),
        format!("{:.2} / {:.2} / {:.2} ms", p50 * 1e3, p99 * 1e3, max * 1e3),
        String::new(),
        "p99 < 5 ms",
    ));
    println!("| what | ours | peer | goal |\n|---|---|---|---|");
    for (what, ours, peer, goal) in rows {
        println!("| {what} | {ours} | {peer} | {goal} |");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn student() -> UserId {
    UserId(uuid::Uuid::from_u128(0x5157_0000_0000_4000_8000_0000_0000_0001))
}

/// A device store holding the deck and the student's progress as received by sync (so the
/// study tables are materialized the way they are on a real device).
fn build(dir: &Path) -> (DocId, Automerge, usize, Vec<String>) {
    let class = ClassId(uuid::Uuid::new_v4());
    let deck_meta = DocMeta::content(DocId(uuid::Uuid::new_v4()), DocKind::Deck, class);
    let mut deck = genesis(deck_meta.id, DocKind::Deck).unwrap();
    deck.set_actor(ActorId::random());
    let card_ids: Vec<String> = (0..CARDS).map(|_| content::short_id()).collect();
    deck.transact::<_, _, AutomergeError>(|tx| {
        schema::set_title(tx, "Ten thousand words")?;
        for (i, id) in card_ids.iter().enumerate() {
            schema::write_card(tx, id, START + i as i64, |card| {
                card.front = format!("word {i}");
                card.back = format!("Wort {i}");
            })?;
        }
        Ok(())
    })
    .unwrap();
    let progress_meta = DocMeta::progress(student(), &deck_meta);
    let mut progress = genesis(progress_meta.id, DocKind::Progress).unwrap();
    progress.set_actor(ActorId::random());
    for day in 0..DAYS {
        let reviews: Vec<Review> = (0..REVIEWS_PER_DAY)
            .map(|i| {
                let n = (day as usize * REVIEWS_PER_DAY + i) % CARDS;
                Review {
                    card: card_ids[n].clone(),
                    rating: [3, 3, 4, 1, 3, 2][i % 6],
                    at: START + day * 86_400 + i as i64 * 9,
                }
            })
            .collect();
        let packed = pack(&reviews).unwrap();
        progress.transact::<_, _, AutomergeError>(|tx| schema::put_session(tx, &format!("s{day}"), packed)).unwrap();
    }
    let mut store = Store::open(dir, tallschool_client::Clock::system(), tallschool_client::FEATURES).unwrap();
    store.set("account", &student().to_string()).unwrap();
    let update = |meta: &DocMeta, doc: &Automerge| DocUpdate {
        meta: meta.clone(),
        changes: doc.get_changes(&[]).iter().skip(1).map(|c| ByteBuf::from(c.raw_bytes().to_vec())).collect(),
    };
    let response = SyncResponse {
        acks: Vec::new(),
        rejections: Vec::new(),
        docs: vec![update(&deck_meta, &deck), update(&progress_meta, &progress)],
        cursor: 1,
        epoch: 0,
        has_more: false,
        remaining_changes: 0,
        media_refusals: Vec::new(),
        removed: Vec::new(),
        removals_cursor: 0,
    };
    let started = Instant::now();
    store.apply(&response).unwrap();
    eprintln!("first sync of the deck and 73,000 reviews applied in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    let size = progress.save().len();
    (deck_meta.id, progress, size, card_ids)
}

fn load_time(doc: &Automerge) -> Duration {
    let bytes = doc.save();
    let started = Instant::now();
    let loaded = Automerge::load(&bytes).unwrap();
    let elapsed = started.elapsed();
    assert!(loaded.get_heads() == doc.get_heads());
    elapsed
}

/// The naive shape the issue compares with: one automerge map per review (same card ids).
fn naive_progress(card_ids: &[String]) -> (usize, Duration) {
    let mut doc = Automerge::new();
    for day in 0..DAYS {
        doc.transact::<_, _, AutomergeError>(|tx| {
            let list = match tx.get(ROOT, "reviews")? {
                Some((_, id)) => id,
                None => tx.put_object(ROOT, "reviews", ObjType::List)?,
            };
            for i in 0..REVIEWS_PER_DAY {
                let index = tx.length(&list);
                let review = tx.insert_object(&list, index, ObjType::Map)?;
                tx.put(&review, "card", card_ids[(day as usize * REVIEWS_PER_DAY + i) % CARDS].as_str())?;
                tx.put(&review, "rating", [3_i64, 3, 4, 1, 3, 2][i % 6])?;
                tx.put(&review, "at", START + day * 86_400 + i as i64 * 9)?;
            }
            Ok(())
        })
        .unwrap();
    }
    let bytes = doc.save();
    let started = Instant::now();
    let loaded = Automerge::load(&bytes).unwrap();
    let elapsed = started.elapsed();
    assert!(loaded.length(loaded.get(ROOT, "reviews").unwrap().unwrap().1) == 73_000);
    (bytes.len(), elapsed)
}

/// Run `mode` in 5 fresh processes; the median time and the largest peak memory (KB).
fn measure_cold(dir: &Path, mode: &str, deck: DocId) -> (Duration, u64) {
    let exe = std::env::current_exe().unwrap();
    let mut times = Vec::new();
    let mut memory = 0;
    for _ in 0..5 {
        let output = std::process::Command::new(&exe)
            .args(["--cold-open", dir.to_str().unwrap(), mode, &deck.to_string()])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8_lossy(&output.stdout);
        let mut parts = text.split_whitespace();
        let micros: u64 = parts.next().unwrap().parse().unwrap();
        let kb: u64 = parts.next().unwrap().parse().unwrap();
        times.push(Duration::from_micros(micros));
        memory = memory.max(kb);
    }
    times.sort();
    (times[2], memory)
}

/// In a fresh process: open and find the first due card; print microseconds and VmHWM (KB).
fn cold_open(dir: &Path, mode: Option<&str>) {
    let args: Vec<String> = std::env::args().collect();
    let deck: DocId = args.last().unwrap().parse().unwrap();
    let now = START + DAYS * 86_400;
    let started = Instant::now();
    let found = match mode {
        Some("store") => {
            let store = Store::open(dir, tallschool_client::Clock::system(), tallschool_client::FEATURES).unwrap();
            store.next_item(Some(deck), now).unwrap().map(|item| item.item_id)
        }
        _ => first_due_from_documents(dir, deck, now),
    };
    let elapsed = started.elapsed();
    assert!(found.is_some(), "something is due");
    println!("{} {}", elapsed.as_micros(), peak_memory_kb());
}

/// The peer: load the deck and progress documents and compute the queue from them.
fn first_due_from_documents(dir: &Path, deck: DocId, now: i64) -> Option<String> {
    let mut store = Store::open(dir, tallschool_client::Clock::system(), tallschool_client::FEATURES).unwrap();
    let deck_meta = store.meta(deck).unwrap().unwrap();
    let (_, deck_doc) = store.load(deck).unwrap().unwrap();
    let (_, progress) = store.load(DocMeta::progress(student(), &deck_meta).id).unwrap().unwrap();
    let scheduler = Scheduler::new(&StudySettings::default()).unwrap();
    let states = scheduler.replay(&schema::reviews(&progress));
    let cards = schema::cards(&deck_doc);
    let due = states.iter().filter(|(_, s)| s.due <= now).min_by_key(|(_, s)| s.due).map(|(id, _)| id.clone());
    due.or_else(|| cards.iter().find(|c| !states.contains_key(&c.id)).map(|c| c.id.clone()))
}

fn peak_memory_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// 1,000 answers, each timed including its commit.
fn answers(dir: &Path, deck: DocId) -> (f64, f64, f64) {
    let mut store = Store::open(dir, tallschool_client::Clock::system(), tallschool_client::FEATURES).unwrap();
    let mut at = START + DAYS * 86_400;
    let mut times = Vec::new();
    for i in 0..1_000 {
        let Some(item) = store.next_item(Some(deck), at).unwrap() else {
            at += 86_400;
            continue;
        };
        let rating = [Rating::Good, Rating::Again, Rating::Easy, Rating::Hard][i % 4];
        let started = Instant::now();
        store.answer(deck, &item.item_id, rating, at).unwrap();
        times.push(started.elapsed().as_secs_f64());
        at += 7;
    }
    let written = store.end_session().unwrap();
    assert_eq!(written, times.len());
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (pick(0.5), pick(0.99), times[times.len() - 1])
}
