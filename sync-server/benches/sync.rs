//! Sync benchmarks: prints a table of our figures beside their peers, measured in the same
//! process and run. `scripts/bench.sh` runs it against SQLite and a throwaway PostgreSQL.
//!
//! Not a test: nothing here asserts a speed.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod common;

use std::time::{Duration, Instant};

use common::{cast, server};

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, AutomergeError, Change, ObjType, ROOT, ReadDoc};
use serde_bytes::ByteBuf;
use tallschool_shared::docs::{DocKind, DocMeta, genesis};
use tallschool_shared::reviews::{Review, pack};
use tallschool_shared::sync::{self, DocPush, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use tallschool_shared::{ClassId, DocId, UserId};

const REVIEWS_PER_DAY: usize = 200;
const CLASS_SIZE: usize = 30;
const STUDENTS: usize = 2_000;

struct Row {
    what: String,
    ours: String,
    peer: String,
    goal: String,
}

fn row(what: &str, ours: String, peer: String, goal: &str) -> Row {
    Row { what: what.to_owned(), ours, peer, goal: goal.to_owned() }
}

fn day_of_reviews(day: i64, cards: &[String]) -> Vec<Review> {
    (0..REVIEWS_PER_DAY)
        .map(|i| Review {
            card: cards[i % cards.len()].clone(),
            rating: [3, 3, 4, 1, 3, 2][i % 6],
            at: 1_790_000_000 + day * 86_400 + i64::try_from(i).unwrap() * 7,
        })
        .collect()
}

/// Card ids as the app makes them: 12 random characters.
fn card_ids(n: usize) -> Vec<String> {
    (0..n).map(|_| tallschool_client::content::short_id()).collect()
}

/// Our representation: the progress document with one change per study session.
fn packed_progress(id: DocId, days: i64, cards: &[String]) -> (Automerge, Vec<Change>) {
    let mut doc = genesis(id, DocKind::Progress).unwrap();
    doc.set_actor(ActorId::random());
    let mut changes = Vec::new();
    for day in 0..days {
        let packed = pack(&day_of_reviews(day, cards)).unwrap();
        doc.transact::<_, _, AutomergeError>(|tx| {
            let (_, sessions) = tx.get(ROOT, "reviews")?.unwrap();
            tx.put(&sessions, format!("s{day:011}"), automerge::ScalarValue::Bytes(packed)).map(|_| ())
        })
        .unwrap();
        changes.push(doc.get_last_local_change().unwrap());
    }
    (doc, changes)
}

/// The naive peer: every review an automerge map, one change per review (or per session).
fn naive_progress(id: DocId, days: i64, cards: &[String], change_per_review: bool) -> (Automerge, Vec<Change>) {
    let mut doc = genesis(id, DocKind::Progress).unwrap();
    doc.set_actor(ActorId::random());
    let mut changes = Vec::new();
    for day in 0..days {
        let reviews = day_of_reviews(day, cards);
        let write = |tx: &mut automerge::transaction::Transaction<'_>,
                     i: usize,
                     review: &Review|
         -> Result<(), AutomergeError> {
            let (_, log) = tx.get(ROOT, "reviews")?.unwrap();
            let entry = tx.put_object(&log, format!("r{day}-{i}"), ObjType::Map)?;
            tx.put(&entry, "card", review.card.as_str())?;
            tx.put(&entry, "rating", i64::from(review.rating))?;
            tx.put(&entry, "at", review.at)?;
            Ok(())
        };
        if change_per_review {
            for (i, review) in reviews.iter().enumerate() {
                doc.transact(|tx| write(tx, i, review)).unwrap();
                changes.push(doc.get_last_local_change().unwrap());
            }
        } else {
            doc.transact(|tx| reviews.iter().enumerate().try_for_each(|(i, review)| write(tx, i, review))).unwrap();
            changes.push(doc.get_last_local_change().unwrap());
        }
    }
    (doc, changes)
}

fn bytes_of(changes: &mut [Change]) -> usize {
    changes.iter_mut().map(|c| c.bytes().len()).sum()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Bytes and messages for automerge's own sync protocol to bring `server` up to `client`.
fn automerge_sync(client: &Automerge, server: &Automerge) -> (usize, usize) {
    let mut client = client.clone();
    let mut server = server.clone();
    let (mut client_state, mut server_state) = (automerge::sync::State::new(), automerge::sync::State::new());
    let (mut bytes, mut messages) = (0, 0);
    for _ in 0..20 {
        let mut quiet = true;
        if let Some(message) = client.generate_sync_message(&mut client_state) {
            let encoded = message.encode();
            bytes += encoded.len();
            messages += 1;
            server
                .receive_sync_message(&mut server_state, automerge::sync::Message::decode(&encoded).unwrap())
                .unwrap();
            quiet = false;
        }
        if let Some(message) = server.generate_sync_message(&mut server_state) {
            let encoded = message.encode();
            bytes += encoded.len();
            messages += 1;
            client
                .receive_sync_message(&mut client_state, automerge::sync::Message::decode(&encoded).unwrap())
                .unwrap();
            quiet = false;
        }
        if quiet {
            break;
        }
    }
    assert_eq!(client.get_heads(), server.get_heads());
    (bytes, messages)
}

fn document_rows(rows: &mut Vec<Row>) {
    let cards = card_ids(150);
    let id = DocId(uuid::Uuid::new_v4());
    let (_, ours) = packed_progress(id, 1, &cards);
    let (_, mut per_review) = naive_progress(id, 1, &cards, true);
    let (_, mut per_session) = naive_progress(id, 1, &cards, false);
    let meta = DocMeta {
        id,
        kind: DocKind::Progress,
        class_id: ClassId(uuid::Uuid::new_v4()),
        owner_id: Some(UserId(uuid::Uuid::new_v4())),
        subject_id: Some(DocId(uuid::Uuid::new_v4())),
    };
    let wire = gzip(
        &sync::encode(&SyncRequest {
            protocol: PROTOCOL_VERSION,
            cursor: 1_000_000,
            epoch: 3,
            push: vec![DocPush { meta, changes: ours.iter().map(|c| ByteBuf::from(c.raw_bytes().to_vec())).collect() }],
            waiting: 0,
            removals_seen: None,
        })
        .unwrap(),
    )
    .len();
    let per = |b: usize| format!("{b} B ({:.1} B/review)", b as f64 / REVIEWS_PER_DAY as f64);
    rows.push(row(
        "wire bytes, one student-day of 200 reviews (whole sync request)",
        per(wire),
        format!("{} change/review; {} change/session", per(bytes_of(&mut per_review)), per(bytes_of(&mut per_session))),
        "≤ 4 KB (≤ 20 B/review)",
    ));

    // A class of 30 students × 200 reviews merged into the teacher's view.
    let students: Vec<DocId> = (0..CLASS_SIZE).map(|_| DocId(uuid::Uuid::new_v4())).collect();
    let ours: Vec<Vec<Change>> = students.iter().map(|id| packed_progress(*id, 1, &cards).1).collect();
    let theirs: Vec<Vec<Change>> = students.iter().map(|id| naive_progress(*id, 1, &cards, true).1).collect();
    let bases: Vec<Automerge> = students.iter().map(|id| genesis(*id, DocKind::Progress).unwrap()).collect();
    let merge = |changes: &[Vec<Change>], decode: bool| {
        let mut samples = Vec::new();
        for _ in 0..15 {
            let mut docs = bases.clone();
            let start = Instant::now();
            let mut reviews = 0;
            for (doc, changes) in docs.iter_mut().zip(changes) {
                doc.apply_changes(changes.iter().cloned()).unwrap();
                if decode {
                    let (_, sessions) = doc.get(ROOT, "reviews").unwrap().unwrap();
                    for item in doc.map_range(&sessions, ..) {
                        if let automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(bytes)) = item.value {
                            reviews += tallschool_shared::reviews::unpack(&bytes).unwrap().len();
                        }
                    }
                } else {
                    let (_, log) = doc.get(ROOT, "reviews").unwrap().unwrap();
                    reviews += doc.length(&log);
                }
            }
            samples.push(start.elapsed());
            assert_eq!(reviews, CLASS_SIZE * REVIEWS_PER_DAY);
        }
        median(samples)
    };
    let (fast, slow) = (merge(&ours, true), merge(&theirs, false));
    rows.push(row(
        "teacher merges a class (30 students × 200 reviews), incl. decoding",
        format!("{} ({:.0}× faster)", ms(fast), slow.as_secs_f64() / fast.as_secs_f64()),
        format!("{} (one change per review)", ms(slow)),
        "< 5 ms and ≥ 5× faster",
    ));
}

/// One round as the app sends it (gzip both ways); sizes are bytes on the wire.
async fn round(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    request: &SyncRequest,
) -> (SyncResponse, usize, usize, Duration) {
    use std::io::Read;
    let start = Instant::now();
    let body = gzip(&sync::encode(request).unwrap());
    let sent = body.len();
    let response = http
        .post(format!("{base}/api/v1/sync"))
        .bearer_auth(token)
        .header("content-type", sync::CONTENT_TYPE)
        .header("content-encoding", "gzip")
        .header("accept-encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let gzipped = response.headers().get("content-encoding").is_some_and(|v| v == "gzip");
    let wire = response.bytes().await.unwrap();
    let mut bytes = Vec::new();
    if gzipped {
        flate2::read::GzDecoder::new(&wire[..]).read_to_end(&mut bytes).unwrap();
    } else {
        bytes = wire.to_vec();
    }
    let elapsed = start.elapsed();
    (sync::decode(&bytes).unwrap(), sent, wire.len(), elapsed)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    tallschool_client::http::gzip(bytes).map_err(|_| "gzip").unwrap()
}

async fn server_rows(rows: &mut Vec<Row>, database_url: String, label: &str, raw_floor: bool) {
    let (base, state, handle) = server(database_url, label).await;
    // Decompression by hand, to count the bytes on the wire.
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).no_gzip().build().unwrap();
    let cast = cast(&state, STUDENTS).await;
    let cards = card_ids(150);

    // The teacher's deck, which every progress document refers to.
    let deck = DocMeta::content(DocId(uuid::Uuid::new_v4()), DocKind::Deck, cast.class);
    let mut deck_doc = genesis(deck.id, DocKind::Deck).unwrap();
    let genesis_bytes: Vec<ByteBuf> =
        deck_doc.get_changes(&[]).into_iter().map(|mut c| ByteBuf::from(c.bytes().into_owned())).collect();
    deck_doc.set_actor(ActorId::random());
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor: 0,
        epoch: 0,
        push: vec![DocPush { meta: deck.clone(), changes: genesis_bytes }],
        waiting: 0,
        removals_seen: None,
    };
    let (deck_pushed, ..) = round(&http, &base, &cast.teacher.1, &request).await;
    // Students have the deck already: their cursor is where the teacher's push left it.
    let student_epoch: i64 = sqlx::query_scalar("SELECT access_epoch FROM users WHERE id = $1")
        .bind(cast.students[0].0.to_string())
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
    let (cursor_now, epoch_now) = (deck_pushed.cursor, u64::try_from(student_epoch).unwrap());

    // Ingest: every student pushes a day of reviews (their progress document's first change
    // and one session), 16 at a time.
    let pushes: Vec<(String, SyncRequest)> = cast
        .students
        .iter()
        .map(|(student, token)| {
            let meta = DocMeta::progress(*student, &deck);
            let (doc, mut changes) = packed_progress(meta.id, 1, &cards);
            let mut all: Vec<ByteBuf> =
                doc.get_changes(&[]).into_iter().take(1).map(|mut c| ByteBuf::from(c.bytes().into_owned())).collect();
            all.extend(changes.iter_mut().map(|c| ByteBuf::from(c.bytes().into_owned())));
            (
                token.clone(),
                SyncRequest {
                    protocol: PROTOCOL_VERSION,
                    cursor: cursor_now,
                    epoch: epoch_now,
                    push: vec![DocPush { meta, changes: all }],
                    waiting: 0,
                    removals_seen: None,
                },
            )
        })
        .collect();
    let change_blobs: Vec<Vec<u8>> =
        pushes.iter().flat_map(|(_, r)| r.push[0].changes.iter().map(|c| c.to_vec())).collect();
    let start = Instant::now();
    let mut pending = pushes.into_iter();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (http, base) = (http.clone(), base.clone());
        let batch: Vec<(String, SyncRequest)> = pending.by_ref().take(STUDENTS / 16).collect();
        tasks.spawn(async move {
            for (token, request) in batch {
                let (response, ..) = round(&http, &base, &token, &request).await;
                assert!(response.rejections.is_empty(), "{:?}", response.rejections);
            }
        });
    }
    tasks.join_all().await;
    let ingest = start.elapsed();
    let reviews = (STUDENTS * REVIEWS_PER_DAY) as f64;
    let ours = format!(
        "{:.0} reviews/s ({STUDENTS} students × {REVIEWS_PER_DAY} in {})",
        reviews / ingest.as_secs_f64(),
        ms(ingest)
    );
    let floor = if raw_floor {
        // The same change bytes, inserted raw in batches of 500 rows.
        let blob = if label == "SQLite" { "BLOB" } else { "BYTEA" };
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE TABLE bench_raw (id BIGINT, bytes {blob})")))
            .execute(&state.db.pool)
            .await
            .unwrap();
        let start = Instant::now();
        let mut tx = state.db.begin().await.unwrap();
        for (n, chunk) in change_blobs.chunks(500).enumerate() {
            let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
            let sql = format!("INSERT INTO bench_raw (id, bytes) VALUES {}", values.join(", "));
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, blob) in chunk.iter().enumerate() {
                query = query.bind(i64::try_from(n * 500 + i).unwrap()).bind(blob.clone());
            }
            query.execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        let raw = start.elapsed();
        format!("{:.0} reviews/s (raw batched inserts of the same changes, {})", reviews / raw.as_secs_f64(), ms(raw))
    } else {
        String::new()
    };
    rows.push(row(
        &format!("server ingest of reviews, {label}"),
        ours,
        floor,
        if label == "SQLite" { "≥ 200k/s" } else { "≥ 50k/s" },
    ));

    // A student back after a week: 7 sessions (1,400 reviews) in one round trip.
    let (student, token) = cast.students[0].clone();
    let meta = DocMeta::progress(student, &deck);
    let (cursor_response, ..) = round(
        &http,
        &base,
        &token,
        &SyncRequest { protocol: PROTOCOL_VERSION, cursor: 0, epoch: 0, push: vec![], waiting: 0, removals_seen: None },
    )
    .await;
    let mut cursor = cursor_response.cursor;
    let mut epoch = cursor_response.epoch;
    let mut more = cursor_response.has_more;
    while more {
        let (r, ..) = round(
            &http,
            &base,
            &token,
            &SyncRequest { protocol: PROTOCOL_VERSION, cursor, epoch, push: vec![], waiting: 0, removals_seen: None },
        )
        .await;
        cursor = r.cursor;
        epoch = r.epoch;
        more = r.has_more;
    }
    let server_doc = {
        // What the server (and the student's other devices) had: the first day.
        let (doc, _) = packed_progress(meta.id, 0, &cards);
        doc
    };
    let (week_doc, week) = packed_progress(meta.id, 7, &cards);
    let week_request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor,
        epoch,
        push: vec![DocPush {
            meta: meta.clone(),
            changes: week.iter().map(|c| ByteBuf::from(c.raw_bytes().to_vec())).collect(),
        }],
        waiting: 0,
        removals_seen: None,
    };
    let (response, sent, received, latency) = round(&http, &base, &token, &week_request).await;
    assert_eq!(response.acks[0].hashes.len(), 7);
    let (peer_bytes, peer_messages) = automerge_sync(&week_doc, &server_doc);
    let naive_server = naive_progress(meta.id, 0, &cards, false).0;
    let (naive_week, _) = naive_progress(meta.id, 7, &cards, false);
    let (naive_bytes, naive_messages) = automerge_sync(&naive_week, &naive_server);
    rows.push(row(
        &format!("a week back (1,400 reviews), {label}"),
        format!("1 round trip, {} B ({sent} up + {received} down), {} on loopback", sent + received, ms(latency)),
        format!(
            "automerge sync: {peer_messages} messages, {peer_bytes} B (same documents); {naive_messages} messages, {naive_bytes} B (review maps)"
        ),
        "1 round trip, ≤ 1/4 of the bytes, < 20 ms",
    ));

    // "Nothing new": every student polls with an up-to-date cursor; peer: a hello-world route.
    let max: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM doc_changes").fetch_one(&state.db.pool).await.unwrap();
    let mut polls = Vec::new();
    for (student, token) in &cast.students {
        let epoch: i64 = sqlx::query_scalar("SELECT access_epoch FROM users WHERE id = $1")
            .bind(student.to_string())
            .fetch_one(&state.db.pool)
            .await
            .unwrap();
        let request = SyncRequest {
            protocol: PROTOCOL_VERSION,
            cursor: u64::try_from(max).unwrap(),
            epoch: u64::try_from(epoch).unwrap(),
            push: vec![],
            waiting: 0,
            removals_seen: None,
        };
        polls.push((token.clone(), sync::encode(&request).unwrap()));
    }
    let load = |sync_route: bool| {
        let (http, base, polls) = (http.clone(), base.clone(), polls.clone());
        async move {
            let duration = Duration::from_secs(3);
            let start = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for worker in 0..32 {
                let (http, base, polls) = (http.clone(), base.clone(), polls.clone());
                tasks.spawn(async move {
                    let mut latencies = Vec::new();
                    let mut i = worker;
                    while start.elapsed() < duration {
                        let (token, body) = &polls[i % polls.len()];
                        i += 32;
                        let sent = Instant::now();
                        let response = if sync_route {
                            http.post(format!("{base}/api/v1/sync"))
                                .bearer_auth(token)
                                .header("content-type", sync::CONTENT_TYPE)
                                .body(body.clone())
                                .send()
                                .await
                                .unwrap()
                        } else {
                            http.get(format!("{base}/healthz")).send().await.unwrap()
                        };
                        assert_eq!(response.status(), 200);
                        let _ = response.bytes().await.unwrap();
                        latencies.push(sent.elapsed());
                    }
                    latencies
                });
            }
            let mut all: Vec<Duration> = tasks.join_all().await.into_iter().flatten().collect();
            all.sort();
            (all.len() as f64 / start.elapsed().as_secs_f64(), percentile(&all, 0.99))
        }
    };
    let (sync_rps, sync_p99) = load(true).await;
    let (hello_rps, hello_p99) = load(false).await;
    rows.push(row(
        &format!("\"nothing new\" sync, {STUDENTS} students, 32 connections, {label}"),
        format!("{sync_rps:.0} req/s ({:.0}% of peer), p99 {}", 100.0 * sync_rps / hello_rps, ms(sync_p99)),
        format!("{hello_rps:.0} req/s, p99 {} (hello-world route, same server)", ms(hello_p99)),
        "≥ 50% of peer, p99 < 5 ms",
    ));
    handle.abort();
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut rows = Vec::new();
    document_rows(&mut rows);
    let sqlite_dir = std::env::temp_dir().join(format!("tallschool-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&sqlite_dir).unwrap();
    let sqlite = format!("sqlite://{}", sqlite_dir.join("bench.db").display());
    runtime.block_on(server_rows(&mut rows, sqlite, "SQLite", true));
    match std::env::var("TALLSCHOOL_TEST_PG_URL") {
        Ok(admin) if !admin.is_empty() => {
            let url = runtime.block_on(async {
                use sqlx::{Connection, Executor};
                sqlx::any::install_default_drivers();
                let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
                let name = format!("bench{}", uuid::Uuid::new_v4().simple());
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
                format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
            });
            runtime.block_on(server_rows(&mut rows, url, "PostgreSQL", true));
        }
        _ => eprintln!("(PostgreSQL rows skipped: run through scripts/bench.sh)"),
    }
    println!("| measurement | ours | peer (same run) | goal |");
    println!("|---|---|---|---|");
    for row in rows {
        println!("| {} | {} | {} | {} |", row.what, row.ours, row.peer, row.goal);
    }
}
