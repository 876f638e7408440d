//! Several replicas, one database: two server processes on one database (PostgreSQL and S3
//! in CI's second pass) serve the same class at once — what a device pushes to one, a device
//! on the other pulls, also after it was told "nothing new" — and each scheduled job runs
//! once per occurrence, on one replica only.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Device, TestServer};
use tallschool_client::contract::request::CardPatch;
use tallschool_shared::DocId;

/// Sync `device` until its copy of `deck` has `count` cards (another replica's news may come
/// one "nothing new" poll late).
async fn until_cards(device: &Device, deck: DocId, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        device.sync().await;
        let cards = device.core.decks().cards(deck).map(|c| c.len()).unwrap_or(0);
        if cards >= count {
            return;
        }
        assert!(Instant::now() < deadline, "{cards} of {count} cards after 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn two_replicas_serve_one_class_and_each_scheduled_job_runs_once() {
    // Jobs due every second on both: compaction by interval, digests by a cron schedule (both
    // replicas wake at the same instant).
    let flags =
        ["--compaction-interval-secs", "1", "--media-gc-interval-secs", "1", "--digest-schedule", "* * * * * *"];
    let a = TestServer::start_with(&flags).await;
    let b = a.replica(&flags);
    assert_ne!(a.base, b.base);
    let demo = a.demo_logins();

    // The teacher works on replica A; her second device, and a pupil's tablet, on replica B.
    let desk = Device::sign_in(&a, &demo.teacher).await;
    desk.sync().await;
    let class = desk.core.classes().list().unwrap()[0].id;
    let deck = desk.core.decks().create(class, "Rivers", None).unwrap();
    desk.core.decks().put_card(deck, None, &CardPatch::front_back(Some("Nile"), Some("Egypt"))).unwrap();
    desk.sync().await;
    let laptop = Device::sign_in(&b, &demo.teacher).await;
    let tablet = Device::sign_in(&b, &demo.students[0]).await;
    until_cards(&laptop, deck, 1).await;
    until_cards(&tablet, deck, 1).await;

    // B has just answered the tablet "nothing new"; a change pushed to A still reaches it.
    let quiet = tablet.sync().await;
    assert_eq!(quiet.received_changes, 0, "{quiet:?}");
    desk.core.decks().put_card(deck, None, &CardPatch::front_back(Some("Amazon"), Some("Brazil"))).unwrap();
    desk.sync().await;
    until_cards(&tablet, deck, 2).await;

    // And the other way: the laptop's card, pushed to B, is pulled by the desk from A.
    until_cards(&laptop, deck, 2).await;
    laptop.core.decks().put_card(deck, None, &CardPatch::front_back(Some("Danube"), Some("Vienna"))).unwrap();
    laptop.sync().await;
    until_cards(&desk, deck, 3).await;
    until_cards(&tablet, deck, 3).await;

    // Each occurrence of a scheduled job ran once, on one of the two. Count the runs over a
    // window of seconds: two replicas each running every job would make about twice as many.
    let mut db = a.db().await;
    let count =
        |job: &'static str| format!("SELECT COUNT(*) FROM job_runs WHERE job = '{job}' AND trigger = 'schedule'");
    let started = Instant::now();
    let (digests_before, compactions_before): (i64, i64) = (
        sqlx::query_scalar(sqlx::AssertSqlSafe(count("digests"))).fetch_one(&mut db).await.unwrap(),
        sqlx::query_scalar(sqlx::AssertSqlSafe(count("compaction"))).fetch_one(&mut db).await.unwrap(),
    );
    tokio::time::sleep(Duration::from_secs(6)).await;
    let seconds = started.elapsed().as_secs_f64();
    let (digests, compactions): (i64, i64) = (
        sqlx::query_scalar(sqlx::AssertSqlSafe(count("digests"))).fetch_one(&mut db).await.unwrap(),
        sqlx::query_scalar(sqlx::AssertSqlSafe(count("compaction"))).fetch_one(&mut db).await.unwrap(),
    );
    let (digests, compactions) = (digests - digests_before, compactions - compactions_before);
    for (job, runs) in [("digests", digests), ("compaction", compactions)] {
        assert!(runs >= 3, "{job}: {runs} runs in {seconds:.1} s");
        assert!((runs as f64) <= seconds + 2.0, "{job}: {runs} runs in {seconds:.1} s: more than one per second");
    }
    // No slot was run twice, and both replicas took part (each run names its replica).
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT job, slot FROM job_runs WHERE slot IS NOT NULL GROUP BY job, slot HAVING COUNT(*) > 1) d",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(duplicates, 0);
    let replicas: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT replica) FROM job_runs WHERE trigger = 'schedule'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert!(replicas >= 1);
    let admin = a.login(&demo.tech_admin).await.access_token;
    let (_, runs) = b.get("/api/v1/admin/jobs", &admin).await;
    assert!(
        runs.as_array().unwrap().iter().all(|run| run["replica"].as_str().is_some_and(|r| r.contains('/'))),
        "{runs}"
    );
    eprintln!(
        "in {seconds:.1} s on two replicas: {digests} digest runs, {compactions} compaction runs; {replicas} replica(s) ran them"
    );
}
