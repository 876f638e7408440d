//! Media end to end against the real server — with media in a local folder (the SQLite run of
//! `scripts/test.sh`) and in a real S3 protocol server, s3s-fs (the PostgreSQL run): uploads
//! checked by content, EXIF stripped, stored once; ranges and ETags; access through the
//! documents that show an object; resumable uploads and downloads; the storage budget;
//! eviction; the orphan collector.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Cli, TestServer, World, media_in_s3, photo, sha, text, video};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn upload(
    server: &TestServer,
    token: &str,
    bytes: Vec<u8>,
    mime: &str,
    hash: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = server.http.post(server.url("/api/v1/media")).bearer_auth(token).header("content-type", mime);
    if let Some(hash) = hash {
        request = request.header("x-content-sha256", hash);
    }
    let response = request.body(bytes).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn fetch(server: &TestServer, token: &str, hash: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = server.http.get(server.url(&format!("/api/v1/media/{hash}"))).bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn media_rows(server: &TestServer) -> i64 {
    let mut db = server.db().await;
    sqlx::query_scalar("SELECT COUNT(*) FROM media").fetch_one(&mut db).await.unwrap()
}

fn staging_is_empty(server: &TestServer) -> bool {
    std::fs::read_dir(server.data_dir.join("uploads")).map(|d| d.count() == 0).unwrap_or(true)
}

#[tokio::test]
async fn uploads_are_checked_by_content_stripped_of_exif_and_stored_once() {
    let server = TestServer::start_with(&["--media-max-image-mb", "1"]).await;
    let world = World::build(&server).await;
    let teacher = &world.a.teacher.access_token;
    let original = photo();
    let (status, stored) = upload(&server, teacher, original.clone(), "image/jpeg", Some(&sha(&original))).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let hash = text(&stored, "hash");
    assert_ne!(hash, sha(&original), "stored without its metadata");
    let (status, again) = upload(&server, teacher, original.clone(), "image/jpeg", None).await;
    assert_eq!((status, text(&again, "hash")), (StatusCode::CREATED, hash.clone()), "the same file, stored once");
    assert_eq!(media_rows(&server).await, 1);
    let bytes = fetch(&server, teacher, &hash, &[]).await.bytes().await.unwrap();
    assert_eq!(sha(&bytes), hash);
    let visible = String::from_utf8_lossy(&bytes);
    assert!(!visible.contains("GPS") && !visible.contains("Ada's house"), "EXIF and comments are gone");

    // Bad input: clear 4xx, nothing stored, nothing left in staging.
    let script = b"#!/bin/sh\necho pwned\n".to_vec();
    let cases: Vec<(Vec<u8>, &str, Option<String>, StatusCode)> = vec![
        (original.clone(), "audio/mpeg", None, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (script.clone(), "image/png", None, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (script, "application/x-sh", None, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (Vec::new(), "image/jpeg", None, StatusCode::UNPROCESSABLE_ENTITY),
        (photo(), "image/jpeg", Some("0".repeat(64)), StatusCode::UNPROCESSABLE_ENTITY),
        (photo(), "image/jpeg", Some("not-a-hash".to_owned()), StatusCode::UNPROCESSABLE_ENTITY),
        (vec![0xFF; 1_500_000], "image/jpeg", None, StatusCode::PAYLOAD_TOO_LARGE),
    ];
    for (bytes, mime, hash, expected) in cases {
        let (status, body) = upload(&server, teacher, bytes, mime, hash.as_deref()).await;
        assert_eq!(status, expected, "{mime}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    assert_eq!(media_rows(&server).await, 1, "nothing stored");
    assert!(staging_is_empty(&server), "no staging files left behind");
    // Path-like names name nothing.
    for path in ["/api/v1/media/..%2F..%2Fetc%2Fpasswd", "/api/v1/media/../../etc/passwd", "/api/v1/media/%2e%2e"] {
        let (status, _) = server.get(path, teacher).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let start = json!({"mime": "video/mp4", "size": 10, "sha256": "0".repeat(64), "filename": "../../x.mp4"});
    let (status, _) = server.post("/api/v1/media/uploads", Some(teacher), start).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Students do not upload.
    let (status, _) = upload(&server, &world.a.student.access_token, photo(), "image/jpeg", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The teacher uploads a video and shows it in a video test of class A; returns its hash.
async fn shared_video(server: &TestServer, world: &World, cli: &Cli, bytes: Vec<u8>) -> String {
    let (status, stored) = upload(server, &world.a.teacher.access_token, bytes, "video/mp4", None).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let hash = text(&stored, "hash");
    let demo = server.demo_logins();
    cli.login("teacher", &demo.teacher);
    let test = text(&cli.run("teacher", &["video", "create", "--class", &world.a.class_id, "--title", "Clip"]), "id");
    cli.run("teacher", &["video", "configure", &test, "--media", &hash, "--duration", "60"]);
    cli.run("teacher", &["sync", "--no-media"]);
    hash
}

#[tokio::test]
async fn downloads_honour_ranges_and_etags() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let cli = Cli::new(&server);
    let bytes = video(3_000_000, 7);
    let hash = shared_video(&server, &world, &cli, bytes.clone()).await;
    let student = &world.a.student.access_token;
    let size = bytes.len();

    let whole = fetch(&server, student, &hash, &[]).await;
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["etag"], format!("\"{hash}\"").as_str());
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    assert!(whole.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(whole.headers().get("content-encoding").is_none(), "media is never re-compressed");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());
    for (range, start, end) in [
        ("bytes=0-99".to_owned(), 0, 99),
        ("bytes=1000000-1999999".to_owned(), 1_000_000, 1_999_999),
        ("bytes=-500".to_owned(), size - 500, size - 1),
        (format!("bytes={}-", size - 10), size - 10, size - 1),
    ] {
        let part = fetch(&server, student, &hash, &[("range", &range)]).await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(part.headers()["content-range"], format!("bytes {start}-{end}/{size}").as_str(), "{range}");
        assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[start..=end], "{range}");
    }
    for bad in [format!("bytes={size}-"), format!("bytes={}-{}", size + 5, size + 10), "bytes=50-10".to_owned()] {
        let refused = fetch(&server, student, &hash, &[("range", &bad)]).await;
        assert_eq!(refused.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{bad}");
        assert_eq!(refused.headers()["content-range"], format!("bytes */{size}").as_str());
    }
    let cached = fetch(&server, student, &hash, &[("if-none-match", &format!("\"{hash}\""))]).await;
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    let head =
        server.http.head(server.url(&format!("/api/v1/media/{hash}"))).bearer_auth(student).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], size.to_string().as_str());
}

#[tokio::test]
async fn only_readers_of_a_document_showing_an_object_can_fetch_or_list_it() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let cli = Cli::new(&server);
    // Uploaded but not shown anywhere yet: the uploader sees it, students do not.
    let (_, stored) = upload(&server, &world.a.teacher.access_token, video(50_000, 1), "video/mp4", None).await;
    let early = text(&stored, "hash");
    assert_eq!(fetch(&server, &world.a.teacher.access_token, &early, &[]).await.status(), StatusCode::OK);
    assert_eq!(fetch(&server, &world.a.student.access_token, &early, &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        fetch(&server, &world.a.edu_admin.access_token, &early, &[]).await.status(),
        StatusCode::OK,
        "school admin"
    );

    let hash = shared_video(&server, &world, &cli, video(50_000, 2)).await;
    assert_eq!(fetch(&server, &world.a.student.access_token, &hash, &[]).await.status(), StatusCode::OK);
    let (_, listed) = server.get("/api/v1/media", &world.a.student.access_token).await;
    assert_eq!(listed.as_array().unwrap().iter().map(|m| text(m, "hash")).collect::<Vec<_>>(), vec![hash.clone()]);

    // A student of another class of the same school, and of another school: nothing, even with the hash.
    let (_, class) = server
        .post(
            &format!("/api/v1/schools/{}/classes", world.a.school_id),
            Some(&world.a.edu_admin.access_token),
            json!({"name": "Class 7B"}),
        )
        .await;
    let other = common::create_and_login(
        &server,
        &world.a.edu_admin.access_token,
        &world.a.school_id,
        "other.class",
        "student",
    )
    .await;
    server
        .post(
            &format!("/api/v1/classes/{}/members", text(&class, "id")),
            Some(&world.a.edu_admin.access_token),
            json!({"user_id": other.user.id, "role": "student"}),
        )
        .await;
    for token in [&other.access_token, &world.b.student.access_token, &world.b.teacher.access_token] {
        assert_eq!(fetch(&server, token, &hash, &[]).await.status(), StatusCode::NOT_FOUND);
        let (status, listed) = server.get("/api/v1/media", token).await;
        assert_eq!((status, listed), (StatusCode::OK, json!([])));
    }
    // Technical admins do not read school content.
    assert_eq!(fetch(&server, &world.tech.access_token, &hash, &[]).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn resumable_uploads_continue_where_they_stopped() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let teacher = &world.a.teacher.access_token;
    let bytes = video(2_500_000, 3);
    let start = json!({"mime": "video/mp4", "size": bytes.len(), "sha256": sha(&bytes), "filename": "lesson 1.mp4"});
    let (status, upload) = server.post("/api/v1/media/uploads", Some(teacher), start).await;
    assert_eq!(status, StatusCode::CREATED, "{upload}");
    let path = format!("/api/v1/media/uploads/{}", text(&upload, "upload_id"));
    let chunk = |from: usize, to: usize, offset: usize| {
        server
            .http
            .patch(server.url(&path))
            .bearer_auth(teacher)
            .header("upload-offset", offset.to_string())
            .body(bytes[from..to].to_vec())
            .send()
    };
    assert_eq!(chunk(0, 1_000_000, 0).await.unwrap().status(), StatusCode::OK);
    // The connection "dropped": the client asks where to go on.
    let (_, state) = server.get(&path, teacher).await;
    assert_eq!(state["offset"], 1_000_000);
    let wrong = chunk(500_000, 1_000_000, 500_000).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::CONFLICT, "a chunk from the wrong place is refused");
    let too_much = server
        .http
        .patch(server.url(&path))
        .bearer_auth(teacher)
        .header("upload-offset", "1000000")
        .body(vec![0_u8; 2_000_000])
        .send()
        .await
        .unwrap();
    assert_eq!(too_much.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(server.get(&path, teacher).await.1["offset"], 1_000_000, "the refused chunk left nothing");
    let done: Value = chunk(1_000_000, bytes.len(), 1_000_000).await.unwrap().json().await.unwrap();
    assert_eq!(done["media"]["hash"], sha(&bytes).as_str(), "{done}");
    assert_eq!(fetch(&server, teacher, &sha(&bytes), &[]).await.bytes().await.unwrap().len(), bytes.len());
    // Another teacher cannot see or continue someone else's upload.
    let (status, _) = server.get(&path, &world.b.teacher.access_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(staging_is_empty(&server));
}

#[tokio::test]
async fn the_device_cache_fetches_resumes_respects_the_budget_and_evicts() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let cli = Cli::new(&server);
    cli.login("teacher", &demo.teacher);
    let dir = cli.home("teacher");
    let photo_path = dir.join("owl.jpg");
    std::fs::write(&photo_path, photo()).unwrap();
    let film = video(20_000_000, 9);
    let film_path = dir.join("river.mp4");
    std::fs::write(&film_path, &film).unwrap();
    let image = text(&cli.run("teacher", &["media", "upload", photo_path.to_str().unwrap()]), "hash");
    // 20 MB goes up in resumable chunks.
    let movie = text(&cli.run("teacher", &["media", "upload", film_path.to_str().unwrap()]), "hash");
    assert_eq!(movie, sha(&film));
    let deck = text(&cli.run("teacher", &["deck", "create", "--class", &world.a.class_id, "--title", "Birds"]), "id");
    let card = text(
        &cli.run("teacher", &["deck", "card", &deck, "--front", "owl", "--back", "búho", "--media", &image]),
        "card",
    );
    let test = text(&cli.run("teacher", &["video", "create", "--class", &world.a.class_id, "--title", "River"]), "id");
    cli.run("teacher", &["video", "configure", &test, "--media", &movie, "--duration", "60"]);
    cli.run("teacher", &["sync", "--no-media"]);

    // A small budget: the photo fits, the film does not, and the student is told so.
    cli.login("student", &demo.students[0]);
    cli.run("student", &["media", "budget", "1"]);
    let report = cli.run("student", &["sync"]);
    assert_eq!(report["media"]["files_done"], 1, "{report}");
    assert!(report["media"]["budget_message"].as_str().unwrap().contains("budget"), "{report}");
    let status = cli.run("student", &["media", "status"]);
    assert_eq!(
        (status["files_wanted"].as_u64(), status["files_cached"].as_u64(), status["over_budget"].as_u64()),
        (Some(2), Some(1), Some(1))
    );

    // An interrupted download: half of the film is on disk. The next sync asks only for the
    // rest (a corrupted first half proves it: the result fails its hash and is fetched anew).
    cli.run("student", &["media", "budget", "100"]);
    let partial = cli.home("student").join("media").join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join(&movie), vec![0_u8; 10_000_000]).unwrap();
    let first = cli.run("student", &["media", "sync"]);
    assert!(first["failed"][0][1].as_str().unwrap().contains("SHA-256"), "{first}");
    std::fs::write(partial.join(&movie), &film[..10_000_000]).unwrap();
    let second = cli.run("student", &["media", "sync"]);
    assert_eq!(second["files_done"], 1, "{second}");
    let path = text(&cli.run("student", &["media", "path", &movie]), "path");
    assert_eq!(sha(&std::fs::read(&path).unwrap()), movie, "resumed from the half on disk, verified");
    let image_path = text(&cli.run("student", &["media", "path", &image]), "path");
    // A file lost from the device (a crash, a person tidying up) is fetched again.
    std::fs::remove_file(&image_path).unwrap();
    assert_eq!(cli.run("student", &["media", "sync"])["files_done"], 1);
    assert_eq!(sha(&std::fs::read(&image_path).unwrap()), image);

    // The card goes away: its photo is evicted from the device.
    cli.run("teacher", &["deck", "delete-card", &deck, &card]);
    cli.run("teacher", &["sync", "--no-media"]);
    let report = cli.run("student", &["sync"]);
    assert_eq!(report["media"]["evicted"], 1, "{report}");
    assert!(!std::path::Path::new(&image_path).exists());
    assert!(std::path::Path::new(&path).exists(), "the film is still shown");

    // Another student signs in on this shared device: the first one's media is gone at once.
    cli.run("student", &["logout"]);
    cli.login("student", &demo.students[1]);
    assert!(!std::path::Path::new(&path).exists(), "the previous account's media is removed");
    assert_eq!(cli.run("student", &["media", "status"])["files_cached"], 0);
}

#[tokio::test]
async fn orphaned_media_is_collected_and_referenced_media_never() {
    let server = TestServer::start_with(&["--media-gc-grace-secs", "0"]).await;
    let world = World::build(&server).await;
    let cli = Cli::new(&server);
    let kept = shared_video(&server, &world, &cli, video(40_000, 4)).await;
    let (_, orphan) = upload(&server, &world.a.teacher.access_token, video(40_000, 5), "video/mp4", None).await;
    let orphan = text(&orphan, "hash");
    let (status, _) = server.post("/api/v1/admin/media-gc", Some(&world.a.teacher.access_token), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, report) = server.post("/api/v1/admin/media-gc", Some(&world.tech.access_token), json!({})).await;
    assert_eq!((status, report["deleted"].as_u64()), (StatusCode::OK, Some(1)), "{report}");
    assert_eq!(fetch(&server, &world.a.teacher.access_token, &orphan, &[]).await.status(), StatusCode::NOT_FOUND);
    let still = fetch(&server, &world.a.student.access_token, &kept, &[]).await;
    assert_eq!(still.status(), StatusCode::OK);
    assert_eq!(sha(&still.bytes().await.unwrap()), kept);
    if !media_in_s3() {
        let on_disk = server.data_dir.join("media").join(&orphan[..2]).join(&orphan);
        assert!(!on_disk.exists(), "the bytes are gone too");
    }
}

#[tokio::test]
async fn s3_media_can_be_served_by_presigned_urls() {
    if !media_in_s3() {
        return; // Local folders have no presigned URLs; this runs in the S3 pass of scripts/test.sh.
    }
    let server = TestServer::start_with(&["--media-delivery", "presign"]).await;
    let world = World::build(&server).await;
    let cli = Cli::new(&server);
    let bytes = video(100_000, 6);
    let hash = shared_video(&server, &world, &cli, bytes.clone()).await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = no_redirects
        .get(server.url(&format!("/api/v1/media/{hash}")))
        .bearer_auth(&world.a.student.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("X-Amz-Signature"), "{location}");
    let part = reqwest::Client::new().get(&location).header("range", "bytes=10-19").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[10..20]);
}

#[tokio::test]
async fn a_card_naming_another_schools_file_shows_it_to_nobody_and_tells_its_author() {
    use common::Device;
    use tallschool_client::content::{self, CardPatch};
    use tallschool_shared::docs::DocKind;
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    // School A's photo, on a card of school A's deck.
    let (status, stored) = upload(&server, &world.a.teacher.access_token, photo(), "image/jpeg", None).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let hash = text(&stored, "hash");
    let card_with_photo = |front: &str| {
        let mut patch = CardPatch::front_back(Some(front), Some("?"));
        patch.media = Some(vec![hash.clone()]);
        patch
    };
    let teacher_a = Device::sign_in(&server, &world.a.teacher_login).await;
    let deck_a =
        content::create(&mut teacher_a.store(), DocKind::Deck, world.a.class_id.parse().unwrap(), "A").unwrap();
    content::put_card(&mut teacher_a.store(), deck_a.id, None, &card_with_photo("our photo")).unwrap();
    assert_eq!(teacher_a.sync().await.media_refused, 0);

    // School B's teacher copies the hash onto a card of a school B deck.
    let teacher_b = Device::sign_in(&server, &world.b.teacher_login).await;
    let deck_b =
        content::create(&mut teacher_b.store(), DocKind::Deck, world.b.class_id.parse().unwrap(), "B").unwrap();
    let card_b = content::put_card(&mut teacher_b.store(), deck_b.id, None, &card_with_photo("their photo")).unwrap();
    let report = teacher_b.sync().await;
    assert_eq!((report.pending_after, report.media_refused), (0, 1), "stored, but the reference is refused");
    let refusals = teacher_b.store().status().unwrap().media_refusals;
    assert_eq!(refusals.len(), 1);
    assert_eq!((refusals[0].0.as_str(), refusals[0].1.as_str()), (deck_b.id.to_string().as_str(), hash.as_str()));
    assert!(refusals[0].2.contains("upload"), "{refusals:?}");

    // School B sees nothing — not with the hash, not in its list, not in its devices' caches.
    for token in [&world.b.student.access_token, &world.b.teacher.access_token] {
        assert_eq!(fetch(&server, token, &hash, &[]).await.status(), StatusCode::NOT_FOUND);
        let (_, listed) = server.get("/api/v1/media", token).await;
        assert_eq!(listed, json!([]));
    }
    let student_b = Device::sign_in(&server, &world.b.student_login).await;
    student_b.sync().await;
    let cached = student_b.core.media().sync().await.unwrap();
    assert_eq!(cached.files_total, 0, "{cached:?}");
    // School A's students still get their photo.
    assert_eq!(fetch(&server, &world.a.student.access_token, &hash, &[]).await.status(), StatusCode::OK);

    // Once school B holds the file itself (its teacher uploads it), the same card shows it.
    let (status, _) = upload(&server, &world.b.teacher.access_token, photo(), "image/jpeg", None).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(fetch(&server, &world.b.student.access_token, &hash, &[]).await.status(), StatusCode::OK);
    // …and the author's next change to the deck clears the refusal.
    content::put_card(&mut teacher_b.store(), deck_b.id, Some(&card_b), &CardPatch::front_back(None, Some("!")))
        .unwrap();
    assert_eq!(teacher_b.sync().await.media_refused, 0);
    assert!(teacher_b.store().status().unwrap().media_refusals.is_empty());
}

/// The media index keeps a copy of each content document it indexed and, at the next push,
/// reads only the changes stored since: the copy brought up to date is the document a full
/// load gives, and a reference removed by the new changes stops granting access.
#[tokio::test]
async fn the_media_index_reads_only_new_changes_and_stays_exact() {
    use tallschool_client::content::{self, CardPatch};
    use tallschool_server::documents::store::{load_document, load_document_after};

    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let teacher = common::Device::sign_in(&server, &demo.teacher).await;
    let picture = teacher.dir.join("picture.jpg");
    std::fs::write(&picture, photo()).unwrap();
    let stored = teacher.core.media().upload(&picture, "image/jpeg").await.unwrap();
    let class = world.a.class_id.parse().unwrap();
    let deck = teacher.core.decks().create(class, "Pictures", None).unwrap();
    let patch = CardPatch { media: Some(vec![stored.hash.clone()]), ..CardPatch::front_back(Some("what?"), Some("a")) };
    let card = teacher.core.decks().put_card(deck, None, &patch).unwrap();
    teacher.sync().await;
    let student = server.login(&demo.students[0]).await;
    let (status, _) = server.get(&format!("/api/v1/media/{}", stored.hash), &student.access_token).await;
    assert_eq!(status, StatusCode::OK, "the card shows it to the class");

    let mut db = server.db().await;
    let (_, copy, up_to) = load_document_after(&mut db, deck, None).await.unwrap().unwrap();
    for i in 0..5 {
        let patch = CardPatch::front_back(Some(&format!("more {i}")), Some("b"));
        teacher.core.decks().put_card(deck, None, &patch).unwrap();
    }
    let without = CardPatch { media: Some(Vec::new()), ..CardPatch::default() };
    content::put_card(&mut teacher.store(), deck, Some(&card), &without).unwrap();
    teacher.sync().await;
    let (_, updated, now_up_to) = load_document_after(&mut db, deck, Some((copy, up_to))).await.unwrap().unwrap();
    let (_, full) = load_document(&mut db, deck).await.unwrap().unwrap();
    assert!(now_up_to > up_to);
    assert_eq!(updated.get_heads(), full.get_heads(), "the copy brought up to date is the stored document");
    // The card no longer shows the picture: a student may not fetch it (the teacher, its
    // uploader, still may).
    let (status, _) = server.get(&format!("/api/v1/media/{}", stored.hash), &student.access_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
