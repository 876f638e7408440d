//! Importing Anki decks through the engine's API, with packages made by the real tools
//! (`tests/fixtures/anki/make_fixtures.py`): `legacy.apkg` by genanki (collection.anki2, JSON
//! media map) and `modern.apkg` by Anki itself (collection.anki21b with zstd, protobuf media
//! map, zstd media). Both hold the same notes: basic, reversed, typed-answer and cloze ones, a
//! note type of its own, a note with an empty back, a picture and a sound, and a picture the
//! package lacks. A student then studies the imported cards with their pictures.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{Device, TestServer};
use tallschool_client::ClientError;
use tallschool_shared::cards::{CardError, CardType};
use tallschool_shared::docs::DocKind;
use tallschool_shared::scheduling::Rating;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/anki")).join(name)
}

#[tokio::test]
async fn anki_decks_of_both_layouts_keep_their_card_types_media_and_tags() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;

    let mut decks = Vec::new();
    for package in ["legacy.apkg", "modern.apkg"] {
        let report = teacher.core.decks().import_anki(class, None, &fixture(package)).await.unwrap();
        assert_eq!(report.notes, 8, "{package}: {report:?}");
        assert_eq!(report.decks.len(), 1, "{package}: one Anki deck, one deck here");
        assert_eq!((report.decks[0].title.as_str(), report.decks[0].cards), ("Animals", 7), "{package}");
        let by_type = |t: CardType| report.cards.get(t.as_str()).copied().unwrap_or(0);
        assert_eq!(
            [
                by_type(CardType::Basic),
                by_type(CardType::Reversed),
                by_type(CardType::TypeIn),
                by_type(CardType::Cloze)
            ],
            [4, 1, 1, 1],
            "{package}: {report:?}"
        );
        assert_eq!(report.as_basic, [("Vocabulary".to_owned(), 1)], "{package}: the note type of its own is named");
        assert_eq!(report.skipped, [("fish".to_owned(), CardError::EmptyBack)], "{package}");
        assert_eq!(report.media_uploaded, 2, "{package}: the picture and the sound");
        assert_eq!(report.media_missing, ["missing.png"], "{package}");
        assert!(report.media_refused.is_empty(), "{package}: {report:?}");

        let deck = report.decks[0].deck;
        let cards = teacher.core.decks().cards(deck).unwrap();
        let find = |front: &str| {
            cards.iter().find(|c| c.fields.front == front).unwrap_or_else(|| panic!("{package}: no {front}"))
        };
        let dog = find("dog");
        assert_eq!(
            (dog.fields.back.as_str(), dog.fields.media.len()),
            ("perro", 1),
            "{package}: HTML left, picture kept"
        );
        assert_eq!(dog.fields.tags, ["animals", "mammals"]);
        let cat = find("cat");
        assert_eq!(
            (cat.fields.back.as_str(), cat.fields.media.len()),
            ("gato", 1),
            "{package}: bold and sound tag gone"
        );
        assert_eq!(find("horse").fields.card_type, CardType::Reversed);
        assert_eq!((find("bird").fields.card_type, find("bird").fields.back.as_str()), (CardType::TypeIn, "pájaro"));
        let whale = find("The {{c1::whale}} is the largest {{c2::mammal}}");
        assert_eq!((whale.fields.card_type, whale.fields.example.as_str()), (CardType::Cloze, "It lives in the sea"));
        let mouse = find("mouse");
        assert_eq!((mouse.fields.back.as_str(), mouse.fields.example.as_str()), ("ratón", "The mouse eats cheese"));
        assert!(find("ghost").fields.media.is_empty(), "a picture the package lacks is left out, the card kept");
        let report = teacher.core.decks().report(deck).unwrap();
        assert_eq!(report.theme, "Spanish", "{package}: the top of the Anki deck's path is the theme");
        decks.push((deck, dog.fields.media[0].clone()));
    }
    assert_eq!(decks[0].1, decks[1].1, "the same picture from both packages is stored once");

    // Into a deck of one's own: the cards join it, no deck is made.
    let mine = teacher.core.decks().create(class, "Mixed", None).unwrap();
    let report = teacher.core.decks().import_anki(class, Some(mine), &fixture("legacy.apkg")).await.unwrap();
    assert_eq!(report.decks.len(), 1);
    assert_eq!((report.decks[0].deck, report.decks[0].cards), (mine, 7));
    teacher.sync().await;

    // A student receives the deck, studies a card with its picture from the device's cache.
    let student = Device::sign_in(&server, &demo.students[0]).await;
    student.sync().await;
    let fetched = student.core.media().sync().await.unwrap();
    assert!(fetched.failed.is_empty(), "{fetched:?}");
    let (deck, picture) = &decks[0];
    let file = student.core.media().file(picture).unwrap();
    assert_eq!(file.mime, "image/png");
    assert!(std::fs::metadata(&file.path).unwrap().len() > 0);
    // Studied as any card: the reversed note asks both ways, the cloze one once per deletion.
    let lobby = student.core.lobby().get().unwrap();
    let due = lobby.cards_due.iter().find(|d| d.deck_id == *deck).unwrap();
    assert_eq!(
        due.counts.new, 9,
        "4 basic (the vocabulary note one of them) + 2 reversed + 1 typed + 2 cloze: {due:?}"
    );
    let first = student.core.study().next(Some(*deck)).unwrap().unwrap();
    let answered = student.core.study().answer(*deck, &first.item_id, Some(Rating::Good), None).unwrap();
    assert_eq!(answered.item, first.item_id);
}

#[tokio::test]
async fn what_is_not_an_anki_deck_is_refused_and_nothing_is_made() {
    let server = TestServer::start_in_process().await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let decks_before = |device: &Device| {
        device.core.sync().documents().unwrap().into_iter().filter(|d| d.kind == DocKind::Deck).count()
    };
    let before = decks_before(&teacher);

    let text = server.data_dir.join("not-a-deck.apkg");
    std::fs::write(&text, "front,back\ndog,perro\n").unwrap();
    let error = teacher.core.decks().import_anki(class, None, &text).await.unwrap_err();
    assert!(
        matches!(&error, ClientError::InvalidField { field: "file", message } if message.contains("not an Anki deck")),
        "{error:?}"
    );
    // A zip whose collection is damaged: half a package.
    let bytes = std::fs::read(fixture("modern.apkg")).unwrap();
    let half = server.data_dir.join("half.apkg");
    std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
    let error = teacher.core.decks().import_anki(class, None, &half).await.unwrap_err();
    assert!(matches!(&error, ClientError::InvalidField { field: "file", .. }), "{error:?}");
    let error = teacher.core.decks().import_anki(class, None, &server.data_dir.join("nowhere.apkg")).await.unwrap_err();
    assert!(matches!(&error, ClientError::File { .. }), "{error:?}");
    assert_eq!(decks_before(&teacher), before, "nothing is made from a file that is not a deck");
}

#[tokio::test]
async fn offline_an_anki_deck_with_pictures_waits_and_nothing_is_half_made() {
    let mut server = TestServer::start().await;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(&server, &demo.teacher).await;
    teacher.sync().await;
    let class = teacher.core.classes().list().unwrap()[0].id;
    let before = teacher.core.sync().documents().unwrap().len();
    server.kill();
    let error = teacher.core.decks().import_anki(class, None, &fixture("modern.apkg")).await.unwrap_err();
    assert!(matches!(error, ClientError::Offline(_)), "{error:?}");
    assert_eq!(teacher.core.sync().documents().unwrap().len(), before, "no deck without its pictures");
}
