//! Sync under faults: a server killed mid-round, and random interleavings of edits, syncs,
//! duplicated, reordered and lost messages and client restarts across several replicas.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{Device, TestServer, World};
use proptest::prelude::*;
use tallschool_client::content::{self, Review};
use tallschool_shared::docs::{DocKind, DocMeta};

#[tokio::test]
async fn a_server_killed_mid_round_loses_and_duplicates_nothing() {
    let mut server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let mut teacher = Device::sign_in(&server, &demo.teacher).await;
    let deck = content::create(teacher.store(), DocKind::Deck, world.a.class_id.parse().unwrap(), "Big").unwrap();
    for i in 0..3000 {
        content::put_card(
            teacher.store(),
            deck.id,
            None,
            &content::CardPatch::front_back(Some(&format!("q{i}")), Some(&format!("a{i}"))),
        )
        .unwrap();
    }
    let local_changes = teacher.store().status().unwrap().pending_changes;
    assert_eq!(local_changes, 3002);

    // Sync in the background; kill the server as soon as it starts handling a round.
    let syncing = tokio::spawn(async move {
        let report = teacher.client.sync(|_| {}).await;
        (teacher, report)
    });
    common::eventually("the server to start a round", || async { server.output().contains("\"sync round\"") }).await;
    server.kill();
    let (teacher, report) = syncing.await.unwrap();
    let report = report.unwrap();
    assert!(report.offline, "the round was cut by the crash: {report:?}");
    assert!(report.pending_after > 0, "{report:?}");

    let server = server.restart_with(&[]);
    let teacher = teacher.restart();
    // The device still points at the old port: follow the server to its new address.
    let mut session = teacher.client.session().unwrap().clone();
    session.server = server.base.clone();
    tallschool_client::session::save(&teacher.dir, &session).unwrap();
    let mut teacher = teacher.restart();
    let report = teacher.sync().await;
    assert!(!report.offline);
    assert_eq!(report.pending_after, 0, "{report:?}");

    let mut db = server.db().await;
    let (all, distinct): (i64, i64) = (
        sqlx::query_scalar("SELECT COUNT(*) FROM doc_changes WHERE doc_id = $1")
            .bind(deck.id.to_string())
            .fetch_one(&mut db)
            .await
            .unwrap(),
        sqlx::query_scalar("SELECT COUNT(DISTINCT hash) FROM doc_changes WHERE doc_id = $1")
            .bind(deck.id.to_string())
            .fetch_one(&mut db)
            .await
            .unwrap(),
    );
    assert_eq!((all, distinct), (3002, 3002), "every change stored exactly once");
    let mut fresh = Device::sign_in(&server, &demo.students[0]).await;
    fresh.sync().await;
    let (_, document) = fresh.store().load(deck.id).unwrap().unwrap();
    assert_eq!(content::to_json(&document)["cards"].as_object().unwrap().len(), 3000);
}

/// One step of a random schedule over the replicas: a teacher device (0) and three devices of
/// one student (1, 2, 3).
#[derive(Clone, Debug)]
enum Step {
    Edit(usize),
    Sync(usize),
    /// The server stores the round, the answer is lost.
    LoseAnswer(usize),
    /// The same request arrives twice; the client applies the second answer.
    Duplicate(usize),
    /// A request is held back, other traffic passes, then it arrives late and its (stale)
    /// answer is applied.
    Reorder(usize),
    Restart(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let replica = 0..4_usize;
    prop_oneof![
        3 => replica.clone().prop_map(Step::Edit),
        2 => replica.clone().prop_map(Step::Sync),
        1 => replica.clone().prop_map(Step::LoseAnswer),
        1 => replica.clone().prop_map(Step::Duplicate),
        1 => replica.clone().prop_map(Step::Reorder),
        1 => replica.prop_map(Step::Restart),
    ]
}

struct Sim {
    devices: Vec<Option<Device>>,
    deck: DocMeta,
    cards: BTreeSet<String>,
    sessions: usize,
    edits: usize,
}

impl Sim {
    fn device(&mut self, i: usize) -> &mut Device {
        self.devices[i].as_mut().unwrap()
    }

    async fn run(&mut self, step: &Step) {
        match *step {
            Step::Edit(0) => {
                self.edits += 1;
                let (deck, front) = (self.deck.id, format!("f{}", self.edits));
                let card = content::put_card(
                    self.device(0).store(),
                    deck,
                    None,
                    &content::CardPatch::front_back(Some(&front), Some("b")),
                )
                .unwrap();
                self.cards.insert(card);
            }
            Step::Edit(i) => {
                self.edits += 1;
                let student = self.device(i).client.user().unwrap().id;
                let review =
                    Review { card: format!("c{}", self.edits), rating: 3, at: i64::try_from(self.edits).unwrap() };
                let deck = self.deck.id;
                content::record_session(self.device(i).store(), student, deck, &[review]).unwrap();
                self.sessions += 1;
            }
            Step::Sync(i) => {
                self.device(i).sync().await;
            }
            Step::LoseAnswer(i) => {
                let round = self.device(i).client.prepare_round().unwrap();
                self.device(i).client.send(round.body).await.unwrap();
            }
            Step::Duplicate(i) => {
                let round = self.device(i).client.prepare_round().unwrap();
                self.device(i).client.send(round.body.clone()).await.unwrap();
                let second = self.device(i).client.send(round.body).await.unwrap();
                self.device(i).client.apply(&second).unwrap();
            }
            Step::Reorder(i) => {
                let held = self.device(i).client.prepare_round().unwrap();
                self.device(i).sync().await;
                let late = self.device(i).client.send(held.body).await.unwrap();
                self.device(i).client.apply(&late).unwrap();
            }
            Step::Restart(i) => {
                let device = self.devices[i].take().unwrap();
                self.devices[i] = Some(device.restart());
            }
        }
    }
}

#[test]
fn random_schedules_converge_and_lose_no_acknowledged_change() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (server, world, demo) = runtime.block_on(async {
        let server = TestServer::start().await;
        let world = World::build(&server).await;
        let demo = server.demo_logins();
        (server, world, demo)
    });
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&proptest::collection::vec(step(), 5..40), |steps| {
        runtime.block_on(async {
            let mut teacher = Device::sign_in(&server, &demo.teacher).await;
            let deck =
                content::create(teacher.store(), DocKind::Deck, world.a.class_id.parse().unwrap(), "Sim").unwrap();
            teacher.sync().await;
            let mut devices = vec![Some(teacher)];
            for _ in 0..3 {
                let mut device = Device::sign_in(&server, &demo.students[1]).await;
                device.sync().await;
                devices.push(Some(device));
            }
            let mut sim = Sim { devices, deck, cards: BTreeSet::new(), sessions: 0, edits: 0 };
            for step in &steps {
                sim.run(step).await;
            }
            // Heal: everyone syncs twice (the second pass delivers what the first pushed).
            for _ in 0..2 {
                for i in 0..4 {
                    sim.device(i).sync().await;
                }
            }
            let deck_id = sim.deck.id;
            let student = sim.device(1).client.user().unwrap().id;
            let progress = DocMeta::progress(student, &sim.deck).id;
            let mut first_heads = None;
            let (expected_cards, sessions) = (sim.cards.clone(), sim.sessions);
            for i in 0..4 {
                let device = sim.device(i);
                assert_eq!(device.store().status().unwrap().pending_changes, 0, "device {i} still has pending changes");
                let (_, document) = device.store().load(deck_id).unwrap().unwrap();
                let cards: BTreeSet<String> =
                    content::to_json(&document)["cards"].as_object().unwrap().keys().cloned().collect();
                prop_assert_eq!(&cards, &expected_cards, "device {} misses cards", i);
                if sessions > 0 {
                    let (_, progress_doc) = device.store().load(progress).unwrap().unwrap();
                    prop_assert_eq!(
                        tallschool_shared::schema::reviews(&progress_doc).len(),
                        sessions,
                        "device {} misses reviews",
                        i
                    );
                    let mut heads = progress_doc.get_heads();
                    heads.sort();
                    match &first_heads {
                        None => first_heads = Some(heads),
                        Some(first) => prop_assert_eq!(first, &heads, "device {} diverged", i),
                    }
                }
            }
            Ok(())
        })
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
