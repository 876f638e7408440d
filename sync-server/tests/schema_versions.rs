//! Document schema versions end to end: a deck written by an older app (schema 1, cards
//! without a type), pushed the way that app pushes it, reaches a current app, which shows its
//! cards as basic cards; the current app's first edit brings the deck to the current schema,
//! and every device converges on it. A deck from a newer app is shown, not written: the app
//! asks to be updated and keeps what it has.
#![allow(clippy::unwrap_used)]

mod common;

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, AutomergeError, ObjType, ROOT, ReadDoc};
use common::{Device, TestServer};
use reqwest::StatusCode;
use tallschool_client::ClientError;
use tallschool_client::contract::request::CardPatch;
use tallschool_shared::cards::CardType;
use tallschool_shared::docs::{DocKind, DocMeta, genesis};
use tallschool_shared::schema::versions::{SCHEMA_VERSION, version};
use tallschool_shared::sync::{self, DocPush, SyncRequest, SyncResponse};
use tallschool_shared::{ClassId, DocId};

/// A deck as an app of schema `schema` writes it: typeless cards, and `schema` stamped when
/// it is not the first layout's.
fn old_apps_deck(class_id: ClassId, title: &str, schema: Option<i64>) -> (DocMeta, Automerge) {
    let id = DocId(uuid::Uuid::new_v4());
    let mut doc = genesis(id, DocKind::Deck).unwrap();
    doc.set_actor(ActorId::random());
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(ROOT, "title", title)?;
        let cards = match tx.get(ROOT, "cards")? {
            Some((_, cards)) => cards,
            None => return Err(AutomergeError::Fail),
        };
        for (card_id, front, back) in [("c1", "dog", "perro"), ("c2", "cat", "gato")] {
            let card = tx.put_object(&cards, card_id, ObjType::Map)?;
            tx.put(&card, "front", front)?;
            tx.put(&card, "back", back)?;
            tx.put(&card, "created_at", 1_i64)?;
        }
        if let Some(schema) = schema {
            tx.put(ROOT, "schema", schema)?;
        }
        Ok(())
    })
    .unwrap();
    (DocMeta { id, kind: DocKind::Deck, class_id, owner_id: None, subject_id: None }, doc)
}

/// Push a whole document as an app outside this build would (raw sync protocol).
async fn push_as_another_app(server: &TestServer, token: &str, meta: DocMeta, doc: &Automerge) {
    let changes =
        doc.get_changes(&[]).into_iter().map(|c| serde_bytes::ByteBuf::from(c.raw_bytes().to_vec())).collect();
    let request = SyncRequest {
        protocol: sync::PROTOCOL_VERSION,
        cursor: 0,
        epoch: 0,
        push: vec![DocPush { meta, changes }],
        waiting: 0,
        removals_seen: None,
    };
    let response = server
        .http
        .post(server.url("/api/v1/sync"))
        .bearer_auth(token)
        .header("content-type", sync::CONTENT_TYPE)
        .body(sync::encode(&request).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: SyncResponse = sync::decode(&response.bytes().await.unwrap()).unwrap();
    assert!(answer.rejections.is_empty(), "{:?}", answer.rejections);
    assert_eq!(answer.acks.len(), 1);
}

fn stored_types(doc: &Automerge) -> Vec<Option<String>> {
    let (_, cards) = doc.get(ROOT, "cards").unwrap().unwrap();
    doc.keys(&cards)
        .map(|id| {
            let (_, card) = doc.get(&cards, &id).unwrap().unwrap();
            doc.get(&card, "type").unwrap().map(|(value, _)| value.as_str().unwrap_or("").to_owned())
        })
        .collect()
}

#[tokio::test]
async fn an_old_apps_deck_is_read_and_brought_up_to_date_by_the_first_edit() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let token = server.login(&demo.teacher).await.access_token;

    // The teacher's old laptop still runs the first release: it pushes a deck of that layout.
    let (meta, old) = old_apps_deck(class, "Animals (old app)", None);
    assert_eq!(version(&old), 1);
    push_as_another_app(&server, &token, meta.clone(), &old).await;

    // Today's app reads it: both cards, as basic cards; a pupil studies it as usual.
    let tablet = Device::sign_in(&server, &demo.students[0]).await;
    tablet.sync().await;
    let cards = tablet.core.decks().cards(meta.id).unwrap();
    assert_eq!(cards.len(), 2);
    assert!(cards.iter().all(|c| c.fields.card_type == CardType::Basic), "{cards:?}");
    teacher.sync().await;
    assert_eq!(teacher.core.decks().cards(meta.id).unwrap().len(), 2);
    let (_, as_received) = teacher.store().load(meta.id).unwrap().unwrap();
    assert_eq!(version(&as_received), 1, "reading changes nothing");

    // The teacher's first edit on today's app upgrades the deck in the same change.
    teacher.core.decks().put_card(meta.id, None, &CardPatch::front_back(Some("bird"), Some("pájaro"))).unwrap();
    let (_, upgraded) = teacher.store().load(meta.id).unwrap().unwrap();
    assert_eq!(version(&upgraded), SCHEMA_VERSION);
    assert!(stored_types(&upgraded).iter().all(|t| t.as_deref().is_some()), "{:?}", stored_types(&upgraded));
    teacher.sync().await;

    // Every device converges on the upgraded deck: three basic cards.
    tablet.sync().await;
    let (_, on_tablet) = tablet.store().load(meta.id).unwrap().unwrap();
    assert_eq!(version(&on_tablet), SCHEMA_VERSION);
    assert_eq!(on_tablet.get_heads(), upgraded.get_heads());
    let cards = tablet.core.decks().cards(meta.id).unwrap();
    assert_eq!(cards.len(), 3);
    assert!(cards.iter().all(|c| c.fields.card_type == CardType::Basic));
}

#[tokio::test]
async fn a_deck_from_a_newer_app_is_shown_but_not_changed() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let token = server.login(&demo.teacher).await.access_token;
    let newer = i64::try_from(SCHEMA_VERSION).unwrap() + 1;
    let (meta, doc) = old_apps_deck(class, "From next year's app", Some(newer));
    push_as_another_app(&server, &token, meta.clone(), &doc).await;

    teacher.sync().await;
    assert_eq!(teacher.core.decks().cards(meta.id).unwrap().len(), 2, "shown");
    let error = teacher.core.decks().put_card(meta.id, None, &CardPatch::front_back(Some("x"), Some("y"))).unwrap_err();
    let ClientError::UpdateRequired(message) = &error else { panic!("{error:?}") };
    assert!(message.contains("update the app"), "{message}");
    let status = teacher.core.sync().status().unwrap();
    assert_eq!(status.pending_changes, 0, "nothing was written: {status:?}");
    let (_, kept) = teacher.store().load(meta.id).unwrap().unwrap();
    assert_eq!(kept.get_heads(), doc.get_heads(), "the deck is as the newer app wrote it");
}
