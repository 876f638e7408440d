//! The offline engine as a front end sees it: the contract's messages through `Core::handle`
//! (as the desktop shell and the web worker will send them, JSON on the way), the events that
//! say what changed, the error codes, and a store that stays free while media downloads.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::{Login, TestServer};
use tallschool_client::Core;
use tallschool_client::contract::request::{CardPatch, NewAssignment, Request, Response};
use tallschool_client::contract::video::TestSettings;
use tallschool_client::contract::{Error, ErrorCode, Event};
use tallschool_shared::DocId;
use tallschool_shared::cards::CardType;
use tallschool_shared::scheduling::Rating;

/// A device whose every call goes through JSON, as over a Tauri command or `postMessage`.
struct Device {
    core: Core,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Device {
    fn open(server: &TestServer) -> Device {
        let core = Core::open(&server.data_dir.join("devices").join(uuid::Uuid::new_v4().to_string())).unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        core.subscribe(move |event| seen.lock().unwrap().push(event.clone()));
        Device { core, events }
    }

    async fn call(&self, request: Request) -> Result<Response, Error> {
        let request: Request = serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
        let answer = self.core.handle(request).await;
        let wire = serde_json::to_string(&answer).unwrap();
        serde_json::from_str(&wire).unwrap()
    }

    async fn ok(&self, request: Request) -> Response {
        let what = format!("{request:?}");
        self.call(request).await.unwrap_or_else(|e| panic!("{what}: {e:?}"))
    }

    async fn sign_in(&self, server: &TestServer, login: &Login) {
        let request = Request::Login {
            server: server.base.clone(),
            username: login.username.clone(),
            password: login.password.clone(),
            device_name: "test".to_owned(),
        };
        assert!(matches!(self.ok(request).await, Response::User(_)));
    }

    fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

fn created(response: Response) -> DocId {
    match response {
        Response::Created(id) => id,
        other => panic!("expected an id, got {other:?}"),
    }
}

#[tokio::test]
async fn one_message_set_drives_the_engine_and_events_say_what_changed() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();

    // Nobody signed in: a code a screen can branch on, no CLI advice in the message.
    let laptop = Device::open(&server);
    let error = laptop.call(Request::Lobby).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::NotSignedIn);
    assert!(!error.message.contains("tallschool"), "{}", error.message);
    let wrong = Request::Login {
        server: server.base.clone(),
        username: demo.teacher.username.clone(),
        password: "not the password".to_owned(),
        device_name: "test".to_owned(),
    };
    let error = laptop.call(wrong).await.unwrap_err();
    assert_eq!((error.code, error.server_code.as_deref()), (ErrorCode::Refused, Some("invalid_credentials")));

    let teacher = Device::open(&server);
    teacher.sign_in(&server, &demo.teacher).await;
    assert!(teacher.take_events().contains(&Event::SessionChanged));
    let Response::Sync(report) = teacher.ok(Request::Sync).await else { panic!("a sync report") };
    assert!(!report.offline);
    let events = teacher.take_events();
    assert!(events.iter().any(|e| matches!(e, Event::SyncRound { .. })), "{events:?}");
    assert!(matches!(events.last(), Some(Event::SyncFinished { .. })), "{events:?}");
    let Response::Classes(classes) = teacher.ok(Request::Classes).await else { panic!("classes") };
    let class = classes[0].id;

    let deck = created(teacher.ok(Request::CreateDeck { class, title: "Capitals".into(), theme: None }).await);
    let card = CardPatch {
        card_type: Some(CardType::TypeIn),
        front: Some("Capital of France?".into()),
        back: Some("Paris".into()),
        ..CardPatch::default()
    };
    let Response::Id(_) = teacher.ok(Request::PutCard { deck, card: None, patch: card }).await else { panic!() };
    let events = teacher.take_events();
    assert!(events.contains(&Event::DocumentsChanged { docs: vec![deck] }), "{events:?}");
    assert!(events.contains(&Event::QueueChanged { deck }), "{events:?}");
    let assignment = NewAssignment { due: None, ..NewAssignment::default() };
    teacher.ok(Request::Assign { doc: deck, assignment }).await;
    teacher.ok(Request::Sync).await;

    // The student answers a typed card wrong: the rating follows, the queue changes.
    let student = Device::open(&server);
    student.sign_in(&server, &demo.students[0]).await;
    student.ok(Request::Sync).await;
    let events = student.take_events();
    assert!(events.iter().any(|e| matches!(e, Event::DocumentsChanged { docs } if docs.contains(&deck))), "{events:?}");
    let Response::Lobby(lobby) = student.ok(Request::Lobby).await else { panic!("the Lobby") };
    assert_eq!(lobby.cards_due_total, 1);
    let Response::Next(Some(item)) = student.ok(Request::NextItem { deck: None }).await else { panic!("a card") };
    assert!(item.typed);
    // Each rating's next interval, as the buttons show it: a new card comes back within
    // minutes after Again, days after Easy, and a better rating never sooner.
    let [again, hard, good, easy] = item.intervals;
    assert!(again > 0 && again <= 600 && easy >= 86_400, "{:?}", item.intervals);
    assert!(again <= hard && hard <= good && good <= easy, "{:?}", item.intervals);
    let answer = Request::Answer { deck, item: item.item_id.clone(), rating: None, typed: Some("Lyon".into()) };
    let Response::Answered(answered) = student.ok(answer).await else { panic!("answered") };
    assert_eq!(
        (answered.typed_correct, answered.rating, answered.answer.as_str()),
        (Some(false), Rating::Again, "Paris")
    );
    // The answer brings what comes next, as a separate request would.
    let Response::Next(next) = student.ok(Request::NextItem { deck: Some(deck) }).await else { panic!("next") };
    assert_eq!(answered.next.map(|n| n.item_id), next.map(|n| n.item_id));
    let events = student.take_events();
    assert!(events.contains(&Event::QueueChanged { deck }) && events.contains(&Event::LobbyChanged), "{events:?}");
    let Response::Undone(Some(undone)) = student.ok(Request::Undo).await else { panic!("undone") };
    assert_eq!(undone, item.item_id);

    // Bad input: the field at fault; unknown things: not found; nothing stored meanwhile.
    let error = student
        .call(Request::Answer { deck, item: item.item_id.clone(), rating: None, typed: None })
        .await
        .unwrap_err();
    assert_eq!((error.code, error.field.as_deref()), (ErrorCode::Invalid, Some("rating")));
    let error = student.call(Request::Document { doc: DocId(uuid::Uuid::new_v4()) }).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    let settings = TestSettings { media: Some("not a hash".into()), ..TestSettings::default() };
    let test = created(teacher.ok(Request::CreateVideoTest { class, title: "Film".into() }).await);
    let error = teacher.call(Request::ConfigureVideoTest { test, settings }).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Invalid);
    let Response::StoreStatus(status) = student.ok(Request::StoreStatus).await else { panic!("status") };
    assert_eq!(status.rejected_changes, 0);
    // A student may not change the class's settings: the server's refusal keeps its code.
    let error = student.call(Request::SetStudySettings { class, settings: classes[0].study }).await.unwrap_err();
    assert_eq!((error.code, error.server_code.as_deref()), (ErrorCode::Refused, Some("forbidden")));
}

#[tokio::test]
async fn a_student_answers_cards_while_a_large_download_runs() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let teacher = Device::open(&server);
    teacher.sign_in(&server, &demo.teacher).await;
    teacher.ok(Request::Sync).await;
    let Response::Classes(classes) = teacher.ok(Request::Classes).await else { panic!("classes") };
    let class = classes[0].id;
    let file = server.data_dir.join("film.mp4");
    std::fs::write(&file, common::video(24 << 20, 7)).unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    let upload = Request::UploadMedia { path: file.display().to_string(), mime: "video/mp4".into() };
    let Response::Uploaded(film) = teacher.ok(upload).await else { panic!("uploaded") };
    let test = created(teacher.ok(Request::CreateVideoTest { class, title: "Film".into() }).await);
    let settings = TestSettings { media: Some(film.hash.clone()), duration_secs: Some(60), ..TestSettings::default() };
    teacher.ok(Request::ConfigureVideoTest { test, settings }).await;
    let deck = created(teacher.ok(Request::CreateDeck { class, title: "Words".into(), theme: None }).await);
    for (front, back) in [("one", "un"), ("two", "deux")] {
        let patch = CardPatch::front_back(Some(front), Some(back));
        teacher.ok(Request::PutCard { deck, card: None, patch }).await;
    }
    teacher.ok(Request::Sync).await;

    let student = Device::open(&server);
    student.sign_in(&server, &demo.students[0]).await;
    student.ok(Request::Sync).await;
    // Mid-download (the first MiB in, most still to come), the student answers a card. Were
    // the store held across the download, this would wait for it (or deadlock: the listener
    // runs on the downloading task).
    let answered_at: Arc<Mutex<Option<(u64, u64, bool)>>> = Arc::new(Mutex::new(None));
    let (core, record) = (student.core.clone(), answered_at.clone());
    student.core.subscribe(move |event| {
        let Event::MediaProgress { progress } = event else { return };
        let mut record = record.lock().unwrap();
        if record.is_none() && progress.bytes_done > 0 && progress.bytes_done < progress.bytes_total {
            let next = core.study().next(Some(deck)).unwrap().unwrap();
            let ok = core.study().answer(deck, &next.item_id, Some(Rating::Good), None).is_ok();
            *record = Some((progress.bytes_done, progress.bytes_total, ok));
        }
    });
    let Response::Media(done) = student.ok(Request::SyncMedia).await else { panic!("media") };
    assert_eq!((done.files_done, done.bytes_done), (1, size), "{done:?}");
    let (at, total, ok) = answered_at.lock().unwrap().expect("progress was reported during the download");
    assert!(ok && at < total, "answered at {at} of {total} bytes");
    let Response::Queue(queue) = student.ok(Request::Queue { deck }).await else { panic!("queue") };
    assert_eq!(queue.len(), 1, "the answer is stored");
    let Response::MediaFile(file) = student.ok(Request::MediaPath { hash: film.hash }).await else { panic!("path") };
    assert_eq!(std::fs::metadata(&file.path).unwrap().len(), size);
    assert_eq!(file.mime, "video/mp4");
}

/// The network as a school's Wi-Fi has it: the real transport, except that chosen chunk
/// requests break off, one after the server took the bytes (its answer lost), one before.
struct BreakingLink {
    inner: Arc<dyn tallschool_client::transport::Transport>,
    /// Which `PATCH` requests (counted from 1) break, and whether the server gets them first.
    breaks: Vec<(usize, bool)>,
    patches: Mutex<usize>,
    bytes_sent: Mutex<usize>,
}

impl tallschool_client::transport::Transport for BreakingLink {
    fn send(&self, request: tallschool_client::transport::Request) -> tallschool_client::transport::Exchange<'_> {
        Box::pin(async move {
            if request.method() != axum::http::Method::PATCH {
                return self.inner.send(request).await;
            }
            let n = {
                let mut patches = self.patches.lock().unwrap();
                *patches += 1;
                *patches
            };
            let broken = self.breaks.iter().find(|(at, _)| *at == n).map(|(_, delivered)| *delivered);
            let size = request.body().len();
            match broken {
                None => {
                    *self.bytes_sent.lock().unwrap() += size;
                    self.inner.send(request).await
                }
                Some(delivered) => {
                    if delivered {
                        *self.bytes_sent.lock().unwrap() += size;
                        let _lost = self.inner.send(request).await;
                    }
                    Err(tallschool_client::transport::Unreachable("connection reset by peer".to_owned()))
                }
            }
        })
    }
}

#[tokio::test]
async fn an_upload_rides_out_broken_connections_and_resumes_where_the_server_got_to() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let file = server.data_dir.join("lesson.mp4");
    let bytes = common::video(30 << 20, 3);
    std::fs::write(&file, &bytes).unwrap();
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let upload = Request::UploadMedia { path: file.display().to_string(), mime: "video/mp4".into() };
    let chunk = tallschool_client::api::UPLOAD_CHUNK;
    let device = |breaks: Vec<(usize, bool)>| {
        let link = Arc::new(BreakingLink {
            inner: tallschool_client::transport::HttpTransport::shared().unwrap(),
            breaks,
            patches: Mutex::new(0),
            bytes_sent: Mutex::new(0),
        });
        let dir = server.data_dir.join("devices").join(uuid::Uuid::new_v4().to_string());
        let core = Core::open_with(&dir, tallschool_client::Clock::system(), link.clone()).unwrap();
        (Device { core, events: Arc::new(Mutex::new(Vec::new())) }, link)
    };

    // Two breaks in a row (the second chunk's answer lost, then its resend refused): the
    // upload goes on by itself, and no chunk the server already has is sent again.
    let (teacher, link) = device(vec![(2, true), (3, false)]);
    teacher.sign_in(&server, &demo.teacher).await;
    let Response::Uploaded(stored) = teacher.ok(upload.clone()).await else { panic!("uploaded") };
    assert_eq!((stored.hash.as_str(), stored.size), (sha256.as_str(), bytes.len() as u64));
    assert_eq!(*link.bytes_sent.lock().unwrap(), bytes.len(), "every byte sent once");

    // A link that stays down: the teacher is told the server cannot be reached, and trying
    // again later sends only what the server does not have yet.
    let other = common::video(30 << 20, 4);
    std::fs::write(&file, &other).unwrap();
    let (teacher, link) = device(vec![(2, false), (3, false), (4, false), (5, false)]);
    teacher.sign_in(&server, &demo.teacher).await;
    let error = teacher.call(upload.clone()).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Offline, "{error:?}");
    assert_eq!(*link.bytes_sent.lock().unwrap(), chunk, "the first chunk got there");
    let Response::Uploaded(stored) = teacher.ok(upload).await else { panic!("uploaded on the second try") };
    assert_eq!(stored.size, other.len() as u64);
    assert_eq!(*link.bytes_sent.lock().unwrap(), other.len(), "the retry began at the server's offset");
    let (status, listed) = server.get("/api/v1/media", &server.login(&demo.teacher).await.access_token).await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
}
