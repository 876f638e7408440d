//! Media benchmark: a device fetching 1,000 small files (20 KB) and one 200 MB video over
//! loopback with the client engine (8 downloads at a time, resumable, hash-checked, durable),
//! beside plain `curl` fetching the same objects in the same run (`--parallel --parallel-max 8`
//! for the small files). The server runs as its own process (the release binary with its demo
//! school), so neither client shares a CPU scheduler with it. Median of 5 runs each. Prints a
//! Markdown table; asserts no speed.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use tallschool_client::Core;
use tallschool_client::content::{self, CardPatch};
use tallschool_client::video_tests;
use tallschool_shared::docs::DocKind;

const SMALL: usize = 1_000;
const SMALL_BYTES: usize = 20 * 1024;
const VIDEO_BYTES: usize = 200 * 1024 * 1024;
const RUNS: usize = 5;

/// An MP3-looking file (ID3 header) of `size` bytes, different for each `seed`.
fn small_file(size: usize, seed: u32) -> Vec<u8> {
    let mut out = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    out.extend(seed.to_le_bytes());
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    while out.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.push(x as u8);
    }
    out
}

fn video_file(size: usize) -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0x18, b'f', b't', b'y', b'p', b'i', b's', b'o', b'm', 0, 0, 2, 0];
    out.extend_from_slice(b"isomiso2avc1mp41");
    out.extend((0..size - out.len()).map(|i| (i as u8).wrapping_mul(31) ^ (i >> 13) as u8));
    out
}

async fn device(base: &str, login: &serde_json::Value, dir: &Path) -> Core {
    let core = Core::open(dir).unwrap();
    let (username, password) = (login["username"].as_str().unwrap(), login["password"].as_str().unwrap());
    core.session().login(base, username, password, "bench").await.unwrap();
    core
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// `curl` fetching `urls` (into `out`), `parallel` at a time; wall time.
fn curl(urls: &[String], token: &str, out: &Path, parallel: usize) -> Duration {
    std::fs::create_dir_all(out).unwrap();
    let config = out.join("curl.cfg");
    let mut text = String::new();
    for (i, url) in urls.iter().enumerate() {
        text.push_str(&format!("url = \"{url}\"\noutput = \"{}\"\n", out.join(i.to_string()).display()));
    }
    std::fs::write(&config, text).unwrap();
    let started = Instant::now();
    let status = std::process::Command::new("curl")
        .args(["-s", "--fail", "--parallel", "--parallel-max", &parallel.to_string(), "-H"])
        .arg(format!("Authorization: Bearer {token}"))
        .arg("-K")
        .arg(&config)
        .status()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(status.success(), "curl failed");
    elapsed
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("tallschool-bench-media-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    // One user fetching a thousand files as fast as it can: no per-user limit in the way.
    let limits = ["--user-media-per-sec", "1000000", "--user-media-burst", "1000000", "--max-in-flight", "100000"];
    let (server, base, logins) = common::server_process(&dir, &limits);
    let teacher = device(&base, &logins["teacher"], &dir.join("teacher")).await;
    let student = device(&base, &logins["students"][0], &dir.join("student")).await;
    // A sync brings the teacher's classes.
    teacher.sync().run().await.unwrap();
    let class = teacher.classes().list().unwrap()[0].id;

    eprintln!("uploading {SMALL} files of {} KB and a {} MB video…", SMALL_BYTES / 1024, VIDEO_BYTES >> 20);
    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let deck = content::create(&mut teacher.store(), DocKind::Deck, class, "Sounds").unwrap();
    let mut hashes = Vec::new();
    for i in 0..SMALL {
        let path = files.join(format!("{i}.mp3"));
        std::fs::write(&path, small_file(SMALL_BYTES, i as u32)).unwrap();
        let media = teacher.media().upload(&path, "audio/mpeg").await.unwrap();
        let patch = CardPatch {
            media: Some(vec![media.hash.clone()]),
            ..CardPatch::front_back(Some(&format!("sound {i}")), Some("?"))
        };
        content::put_card(&mut teacher.store(), deck.id, None, &patch).unwrap();
        hashes.push(media.hash);
    }
    let video_path = files.join("film.mp4");
    std::fs::write(&video_path, video_file(VIDEO_BYTES)).unwrap();
    let film = teacher.media().upload(&video_path, "video/mp4").await.unwrap();
    let test = content::create(&mut teacher.store(), DocKind::VideoTest, class, "Film").unwrap();
    let settings =
        video_tests::TestSettings { media: Some(film.hash.clone()), duration_secs: Some(600), ..Default::default() };
    video_tests::configure(&mut teacher.store(), test.id, &settings).unwrap();
    teacher.sync().run().await.unwrap();
    student.sync().run().await.unwrap();
    let token = student.signed_in().unwrap().access_token;

    // Small files first: a budget that holds them and not the film. Between runs the cache
    // is emptied (files and records), so every run downloads everything.
    let empty_cache = |student: &Core| {
        let _ = std::fs::remove_dir_all(student.dir().join("media"));
        tallschool_client::media::set_wanted(&mut student.store(), &[]).unwrap();
        tallschool_client::media::drop_unwanted(&mut student.store()).unwrap();
    };
    let urls: Vec<String> = hashes.iter().map(|h| format!("{base}/api/v1/media/{h}")).collect();
    let (mut ours, mut peer) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        empty_cache(&student);
        tallschool_client::media::set_budget(&student.store(), (SMALL * SMALL_BYTES + (1 << 20)) as u64).unwrap();
        let started = Instant::now();
        let fetched = student.media().sync().await.unwrap();
        ours.push(started.elapsed());
        assert_eq!(fetched.files_done, SMALL as u64, "{fetched:?}");
        peer.push(curl(&urls, &token, &dir.join(format!("curl-small-{run}")), tallschool_client::media::PARALLEL));
    }
    let (ours_small, curl_small) = (median(ours), median(peer));

    tallschool_client::media::set_budget(&student.store(), 1 << 31).unwrap();
    student.media().sync().await.unwrap();
    let (mut ours, mut peer) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        tallschool_client::media::forget(&mut student.store(), &film.hash).unwrap();
        let started = Instant::now();
        let fetched = student.media().sync().await.unwrap();
        ours.push(started.elapsed());
        assert_eq!((fetched.files_done, fetched.bytes_done), (1, VIDEO_BYTES as u64), "{fetched:?}");
        let video_url = format!("{base}/api/v1/media/{}", film.hash);
        peer.push(curl(&[video_url], &token, &dir.join(format!("curl-video-{run}")), 1));
        let _ = std::fs::remove_dir_all(dir.join(format!("curl-video-{run}")));
    }
    let (ours_video, curl_video) = (median(ours), median(peer));

    // Answering cards while the 200 MB video downloads and 30 new documents sync, beside
    // answering with nothing else going on: the store is never held across a network wait.
    let (quiet, busy) = answer_latency(&teacher, &student, deck.id, &film.hash, class).await;

    let per_second = |n: f64, d: Duration| n / d.as_secs_f64();
    let mb = (VIDEO_BYTES >> 20) as f64;
    println!("| what | ours (client engine) | peer: curl, same run | ours / curl | goal |\n|---|---|---|---|---|");
    println!(
        "| {SMALL} files of 20 KB, 8 at a time | {:.0} files/s ({:.2} s) | {:.0} files/s ({:.2} s) | {:.0}% | ≥ 80% of curl (Anki phone: ~8 files/s) |",
        per_second(SMALL as f64, ours_small),
        ours_small.as_secs_f64(),
        per_second(SMALL as f64, curl_small),
        curl_small.as_secs_f64(),
        100.0 * curl_small.as_secs_f64() / ours_small.as_secs_f64()
    );
    println!(
        "| one 200 MB video | {:.0} MB/s ({:.2} s) | {:.0} MB/s ({:.2} s) | {:.0}% | ≥ 80% of curl |",
        per_second(mb, ours_video),
        ours_video.as_secs_f64(),
        per_second(mb, curl_video),
        curl_video.as_secs_f64(),
        100.0 * curl_video.as_secs_f64() / ours_video.as_secs_f64()
    );
    let stats = |times: &[f64]| {
        format!(
            "{:.2} / {:.2} ms ({} answers)",
            times[times.len() / 2] * 1e3,
            times[(times.len() - 1) * 99 / 100] * 1e3,
            times.len()
        )
    };
    println!("\n| answering a card (schedule + durable write) | p50 / p99 | goal |\n|---|---|---|");
    println!("| while a 200 MB video downloads and 30 documents sync | {} | p99 < 5 ms |", stats(&busy));
    println!("| with nothing else running (peer, same run) | {} | p99 < 5 ms |", stats(&quiet));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each answer's time (seconds, sorted), answering one card after another: `quiet` with nothing
/// else running, `busy` while the student's device downloads the film again and receives 30
/// new documents in a sync.
async fn answer_latency(
    teacher: &Core,
    student: &Core,
    deck: tallschool_shared::DocId,
    film: &str,
    class: tallschool_shared::ClassId,
) -> (Vec<f64>, Vec<f64>) {
    use tallschool_shared::scheduling::Rating;
    // The deck's cards in turn (basic cards: one study item each, named as the card).
    let items: Vec<String> = student.decks().cards(deck).unwrap().into_iter().map(|c| c.id).collect();
    let mut next = items.iter().cycle();
    let mut answer_one = |student: &Core| {
        let item = next.next().unwrap();
        let started = Instant::now();
        student.study().answer(deck, item, Some(Rating::Good), None).unwrap();
        started.elapsed().as_secs_f64()
    };
    let mut quiet: Vec<f64> = (0..300).map(|_| answer_one(student)).collect();
    for i in 0..30 {
        teacher.decks().create(class, &format!("New deck {i}"), None).unwrap();
    }
    teacher.sync().run().await.unwrap();
    tallschool_client::media::forget(&mut student.store(), film).unwrap();
    let (downloader, syncer) = (student.clone(), student.clone());
    let download = tokio::spawn(async move { downloader.media().sync().await.unwrap() });
    let sync = tokio::spawn(async move { syncer.sync().run().await.unwrap() });
    let mut busy = Vec::new();
    while !(download.is_finished() && sync.is_finished()) {
        busy.push(answer_one(student));
        tokio::task::yield_now().await;
    }
    let (fetched, synced) = (download.await.unwrap(), sync.await.unwrap());
    assert_eq!((fetched.files_done, fetched.bytes_done), (1, VIDEO_BYTES as u64), "{fetched:?}");
    assert!(synced.received_docs >= 30, "{synced:?}");
    quiet.sort_by(f64::total_cmp);
    busy.sort_by(f64::total_cmp);
    (quiet, busy)
}
