//! The permission matrix, generated from the policy data: every rule × every role × the
//! caller's own school and another school, against the real server. The expected answer of
//! each cell comes from `tallschool_shared::policy::decide`, so the table and the server
//! cannot drift apart; and every route in the OpenAPI document must have a rule.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{Device, SchoolCast, TestServer, World, create_and_login};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tallschool_client::{content, video_tests};
use tallschool_shared::docs::DocKind;
use tallschool_shared::policy::{
    Action, Decision, POLICY, PUBLIC_ROUTES, Relation, Rule, Target, decide, may_assign_role,
};
use tallschool_shared::video::{Answer, Key, QuestionKind};
use tallschool_shared::{ClassId, Role};

/// Self-service actions that change the caller's own credentials; they are exercised in
/// `auth.rs` and would sign the matrix's callers out here.
const CREDENTIAL_CHANGES: &[Action] = &[Action::ChangeOwnPassword, Action::RevokeOwnSession, Action::Logout];

struct Cell<'a> {
    role: Role,
    /// The school whose objects are targeted.
    target: &'a SchoolCast,
    /// A graded video test of the target school's class with one submitted attempt.
    test: &'a TestFixture,
    /// An upload the actor started (any id for those who may not upload).
    upload: &'a str,
    /// Spare student of the target school, enrolled before each removal.
    spare: &'a str,
    same_school: bool,
}

fn relation(cell: &Cell<'_>, rule: &Rule) -> Relation {
    let same_school = cell.same_school && cell.role != Role::TechAdmin;
    match rule.target {
        Target::Caller => Relation { is_self: true, same_school: true, ..Relation::default() },
        Target::System => Relation::default(),
        Target::School => Relation { same_school, ..Relation::default() },
        // The user target is the school's student.
        Target::User => Relation {
            same_school,
            is_self: same_school && cell.role == Role::Student,
            teaches_subject: same_school && cell.role == Role::Teacher,
            ..Relation::default()
        },
        // The class target is the class the school's teacher and student are in.
        Target::Class => Relation {
            same_school,
            teaches_class: same_school && cell.role == Role::Teacher,
            learns_in_class: same_school && cell.role == Role::Student,
            ..Relation::default()
        },
    }
}

/// A video test (one true/false question) of a school's class, and its student's submitted attempt.
struct TestFixture {
    test: String,
    question: String,
    attempt: String,
    /// A video the test shows.
    media: String,
}

async fn video_test_fixture(server: &TestServer, cast: &SchoolCast) -> TestFixture {
    let class: ClassId = cast.class_id.parse().unwrap();
    let mut teacher = Device::sign_in(server, &cast.teacher_login).await;
    let clip = common::video(10_000, 1);
    let response = server
        .http
        .post(server.url("/api/v1/media"))
        .bearer_auth(&cast.teacher.access_token)
        .header("content-type", "video/mp4")
        .body(clip.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let media = common::sha(&clip);
    let test = content::create(teacher.store(), DocKind::VideoTest, class, "Matrix test").unwrap().id;
    let settings =
        video_tests::TestSettings { media: Some(media.clone()), duration_secs: Some(60), ..Default::default() };
    video_tests::configure(teacher.store(), test, &settings).unwrap();
    let new = video_tests::NewQuestion {
        at_secs: 10,
        kind: QuestionKind::TrueFalse,
        prompt: "Is water wet?",
        options: &[],
        points: 1,
    };
    let question = video_tests::add_question(teacher.store(), test, &new, Some(&Key::Truth(true))).unwrap();
    teacher.sync().await;
    let mut student = Device::sign_in(server, &cast.student_login).await;
    student.sync().await;
    let me = cast.student.user.id;
    let (attempt, _) = video_tests::start_attempt(student.store(), me, test, 1.0).unwrap();
    video_tests::answer(student.store(), me, test, &attempt, &question, &Answer::Truth(true), 10).unwrap();
    video_tests::submit(student.store(), me, test, &attempt).unwrap();
    student.sync().await;
    TestFixture { test: test.to_string(), question, attempt, media }
}

fn request(cell: &Cell<'_>, rule: &Rule) -> (Method, String, Option<Value>) {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let target = cell.target;
    let student = target.student.user.id.to_string();
    let path = rule
        .path
        .replace("{school_id}", &target.school_id)
        .replace("{class_id}", &target.class_id)
        .replace("{user_id}", if rule.action == Action::RemoveClassMember { cell.spare } else { &student });
    let path = if rule.action == Action::ReadResults { format!("{path}?test_id={}", cell.test.test) } else { path };
    let path = path.replace("{hash}", &cell.test.media).replace("{upload_id}", cell.upload);
    let assignable = [Role::Student, Role::Teacher, Role::EduAdmin]
        .into_iter()
        .find(|r| may_assign_role(cell.role, *r))
        .unwrap_or(Role::Student);
    let body = match rule.action {
        Action::CreateSchool => Some(json!({"name": format!("School {unique}")})),
        Action::CreateUser => Some(json!({"username": format!("u{}", &unique[..12]), "role": assignable})),
        Action::UpdateUser => Some(json!({"status": "active"})),
        Action::WriteUserPii => Some(json!({"display_name": "Matrix Name"})),
        Action::CreateCohort | Action::CreateClass => Some(json!({"name": format!("Group {}", &unique[..8])})),
        Action::AddClassMember => Some(json!({"user_id": student, "role": "student"})),
        Action::SetStudySettings => Some(json!({"desired_retention": 0.85, "new_per_day": 15, "reviews_per_day": 150})),
        Action::SetAnswerKeys => {
            Some(json!({"test_id": cell.test.test, "keys": {&cell.test.question: {"truth": true}}}))
        }
        Action::GradeAnswer => Some(json!({"test_id": cell.test.test, "student_id": student,
            "attempt_id": cell.test.attempt, "question_id": cell.test.question, "points": 1.0})),
        Action::RunDigests | Action::RunMediaGc => Some(json!({})),
        Action::StartUpload => Some(json!({"mime": "image/jpeg", "size": 10, "sha256": "0".repeat(64)})),
        _ => None,
    };
    (rule.method.parse().unwrap(), path, body)
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_policy_says_in_its_own_and_another_school() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let spare_a = create_and_login(&server, &world.a.edu_admin.access_token, &world.a.school_id, "spare.a", "student")
        .await
        .user
        .id
        .to_string();
    let spare_b = create_and_login(&server, &world.b.edu_admin.access_token, &world.b.school_id, "spare.b", "student")
        .await
        .user
        .id
        .to_string();
    let test_a = video_test_fixture(&server, &world.a).await;
    let test_b = video_test_fixture(&server, &world.b).await;
    let actors = [
        (&world.tech, Role::TechAdmin),
        (&world.a.edu_admin, Role::EduAdmin),
        (&world.a.teacher, Role::Teacher),
        (&world.a.student, Role::Student),
    ];

    let mut checked = 0;
    let mut failures = Vec::new();
    for rule in POLICY {
        if CREDENTIAL_CHANGES.contains(&rule.action) {
            continue;
        }
        for (actor, role) in actors {
            let tenants: &[bool] =
                if matches!(rule.target, Target::Caller | Target::System) { &[true] } else { &[true, false] };
            for &same_school in tenants {
                let (target, spare, test) =
                    if same_school { (&world.a, &spare_a, &test_a) } else { (&world.b, &spare_b, &test_b) };
                let upload = if [Action::ReadUpload, Action::UploadChunk].contains(&rule.action) {
                    start_photo_upload(&server, &actor.access_token).await
                } else {
                    String::new()
                };
                let cell = Cell { role, target, test, upload: &upload, spare, same_school };
                if rule.action == Action::RemoveClassMember {
                    let path = format!("/api/v1/classes/{}/members", target.class_id);
                    let (status, _) = server
                        .post(&path, Some(&target.edu_admin.access_token), json!({"user_id": spare, "role": "student"}))
                        .await;
                    assert_eq!(status, StatusCode::NO_CONTENT);
                }
                let expected = decide(rule.action, role, &relation(&cell, rule));
                let (method, path, body) = request(&cell, rule);
                let (status, answer) = if rule.action == Action::Sync {
                    empty_sync_round(&server, &actor.access_token).await
                } else if [Action::UploadMedia, Action::UploadChunk].contains(&rule.action) {
                    let photo = common::photo();
                    let request = server
                        .http
                        .request(method.clone(), server.url(&path))
                        .bearer_auth(&actor.access_token)
                        .header("content-type", "image/jpeg")
                        .header("upload-offset", "0")
                        .body(photo);
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    (status, response.json().await.unwrap_or(Value::Null))
                } else {
                    server.call(method.clone(), &path, Some(&actor.access_token), body).await
                };
                let ok = match expected {
                    Decision::Allow => status.is_success(),
                    Decision::Forbidden => status == StatusCode::FORBIDDEN,
                    Decision::Hidden => status == StatusCode::NOT_FOUND,
                };
                if !ok {
                    failures.push(format!(
                        "{:?} as {role} ({}): expected {expected:?}, got {status} {answer} for {method} {path}",
                        rule.action,
                        if same_school { "own school" } else { "other school" }
                    ));
                }
                if !status.is_success() {
                    // A refusal never carries data, only the error.
                    assert!(
                        answer.get("error").is_some() && answer.as_object().map(|o| o.len()) == Some(1),
                        "{answer}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} cells wrong:\n{}", failures.len(), failures.join("\n"));
    assert!(checked >= 150, "the matrix covered only {checked} cells");
}

/// An upload of the sample photo started by this caller (its id), or a made-up id for callers
/// who may not upload.
async fn start_photo_upload(server: &TestServer, token: &str) -> String {
    let photo = common::photo();
    let body = json!({"mime": "image/jpeg", "size": photo.len(), "sha256": common::sha(&photo)});
    let (status, upload) = server.post("/api/v1/media/uploads", Some(token), body).await;
    if status == StatusCode::CREATED {
        upload["upload_id"].as_str().unwrap().to_owned()
    } else {
        uuid::Uuid::new_v4().simple().to_string()
    }
}

/// A sync round that pushes nothing (MessagePack body).
async fn empty_sync_round(server: &TestServer, token: &str) -> (StatusCode, Value) {
    use tallschool_shared::sync;
    let request = sync::SyncRequest { protocol: sync::PROTOCOL_VERSION, cursor: 0, epoch: 0, push: Vec::new() };
    let response = server
        .http
        .post(server.url("/api/v1/sync"))
        .bearer_auth(token)
        .header("content-type", sync::CONTENT_TYPE)
        .body(sync::encode(&request).unwrap())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::String(format!("{} bytes", bytes.len()))))
}

#[tokio::test]
async fn every_route_in_the_api_has_a_policy_rule() {
    let server = TestServer::start().await;
    let response = server.http.get(server.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let governed: BTreeSet<(String, String)> = POLICY
        .iter()
        .map(|rule| (rule.method.to_owned(), rule.path.to_owned()))
        .chain(PUBLIC_ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())))
        .collect();
    assert_eq!(documented, governed, "routes and policy rules must match one to one");
}

#[tokio::test]
async fn technical_admins_cannot_read_personal_data_and_school_admins_cannot_mint_them() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    for path in [
        format!("/api/v1/users/{}/pii", world.a.student.user.id),
        format!("/api/v1/classes/{}/roster", world.a.class_id),
    ] {
        assert_eq!(server.get(&path, &world.tech.access_token).await.0, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _) = server
        .post(
            &format!("/api/v1/schools/{}/users", world.a.school_id),
            Some(&world.a.edu_admin.access_token),
            json!({"username": "sneaky.root", "role": "tech_admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A student cannot promote themself (unknown field smuggling is refused too).
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{}", world.a.student.user.id),
            Some(&world.a.student.access_token),
            Some(json!({"role": "teacher"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, me) = server.get("/api/v1/me", &world.a.student.access_token).await;
    assert_eq!(me["role"], "student");
}
