//! The permission matrix, generated from the policy data: every rule × every role × every kind
//! of target — the caller's own class and student, a classmate, another class of the same
//! school, another school — against the real server. The expected answer of each cell comes
//! from `tallschool_shared::policy::decide`, so the table and the server cannot drift apart;
//! every allowed answer is also read for data the role may not see; every route in the OpenAPI
//! document must have a rule; and documents get their own matrix (who receives and who may
//! change each kind of document).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{Device, SchoolCast, TestServer, World, create_login};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tallschool_client::{content, video_tests};
use tallschool_shared::docs::{DocKind, DocMeta};
use tallschool_shared::policy::{
    Action, Decision, POLICY, PUBLIC_ROUTES, Relation, Rule, Target, decide, doc_access, may_assign_role,
};
use tallschool_shared::video::{Answer, Key, QuestionKind};
use tallschool_shared::{ClassId, Role};

/// Self-service actions on the caller's own credentials; they are exercised in `auth.rs`
/// (they would sign the matrix's callers out, or need each caller's password).
/// The download of an export needs an export first; it is exercised in `export.rs`.
const CREDENTIAL_CHANGES: &[Action] =
    &[Action::ChangeOwnPassword, Action::RevokeOwnSession, Action::Reauthenticate, Action::DownloadExport];

/// Where a request's target lies, seen from the actors (who all belong to class 7A of school A).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Class 7A; the user is the student actor herself.
    Mine,
    /// Class 7A; the user is another student of it.
    Classmate,
    /// Class 7B of the same school, with its own teacher and student.
    OtherClass,
    /// School B.
    OtherSchool,
}

impl Scope {
    fn scopes_for(target: Target) -> &'static [Scope] {
        match target {
            Target::Caller | Target::System => &[Scope::Mine],
            Target::School => &[Scope::Mine, Scope::OtherSchool],
            Target::Class => &[Scope::Mine, Scope::OtherClass, Scope::OtherSchool],
            Target::User => &[Scope::Mine, Scope::Classmate, Scope::OtherClass, Scope::OtherSchool],
        }
    }
}

/// Someone a request can be about, with the personal data seeded for them.
#[derive(Clone)]
struct Person {
    id: String,
    name: String,
    email: String,
    birth_date: String,
}

/// The objects of one scope.
struct Targets<'a> {
    cast: &'a SchoolCast,
    /// The user `{user_id}` names.
    user: &'a Person,
    /// Who a password reset is tried on: like `user`, but never one of the actors (a reset
    /// signs its person out everywhere).
    reset_user: &'a Person,
    /// A student of that school, enrolled before each removal.
    spare: &'a str,
    test: &'a TestFixture,
}

fn relation(role: Role, scope: Scope, rule: &Rule) -> Relation {
    let same_school = scope != Scope::OtherSchool && role != Role::TechAdmin;
    let my_class = same_school && matches!(scope, Scope::Mine | Scope::Classmate);
    // The reset goes to a classmate even in the caller's own scope.
    let myself = scope == Scope::Mine && rule.action != Action::ResetUserPassword;
    match rule.target {
        Target::Caller => Relation { is_self: true, same_school: true, ..Relation::default() },
        Target::System => Relation::default(),
        Target::School => Relation { same_school, ..Relation::default() },
        Target::User => Relation {
            same_school,
            is_self: my_class && myself && role == Role::Student,
            teaches_subject: my_class && role == Role::Teacher,
            ..Relation::default()
        },
        Target::Class => Relation {
            same_school,
            teaches_class: my_class && role == Role::Teacher,
            learns_in_class: my_class && role == Role::Student,
            ..Relation::default()
        },
    }
}

/// A video test (one true/false question) of a class, and its student's submitted attempt.
struct TestFixture {
    test: String,
    question: String,
    attempt: String,
    /// A video the test shows.
    media: String,
}

async fn video_test_fixture(server: &TestServer, cast: &SchoolCast) -> TestFixture {
    let class: ClassId = cast.class_id.parse().unwrap();
    let teacher = Device::sign_in(server, &cast.teacher_login).await;
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
    let test = content::create(&mut teacher.store(), DocKind::VideoTest, class, "Matrix test").unwrap().id;
    let settings =
        video_tests::TestSettings { media: Some(media.clone()), duration_secs: Some(60), ..Default::default() };
    video_tests::configure(&mut teacher.store(), test, &settings).unwrap();
    let new = video_tests::NewQuestion {
        at_secs: 10,
        kind: QuestionKind::TrueFalse,
        prompt: "Is water wet?",
        options: &[],
        points: 1,
    };
    let question = video_tests::add_question(&mut teacher.store(), test, &new, Some(&Key::Truth(true))).unwrap();
    teacher.sync().await;
    let student = Device::sign_in(server, &cast.student_login).await;
    student.sync().await;
    let me = cast.student.user.id;
    let (attempt, _) = video_tests::start_attempt(&mut student.store(), me, test, 1.0).unwrap();
    video_tests::answer(&mut student.store(), me, test, &attempt, &question, &Answer::Truth(true), 10).unwrap();
    video_tests::submit(&mut student.store(), me, test, &attempt).unwrap();
    student.sync().await;
    TestFixture { test: test.to_string(), question, attempt, media }
}

/// A second class in a school, with a new teacher and a new student (first sign-ins done).
async fn add_class(server: &TestServer, school: &SchoolCast, name: &str, prefix: &str) -> SchoolCast {
    let admin = &school.edu_admin.access_token;
    let (status, class) =
        server.post(&format!("/api/v1/schools/{}/classes", school.school_id), Some(admin), json!({"name": name})).await;
    assert_eq!(status, StatusCode::CREATED, "{class}");
    let class_id = class["id"].as_str().unwrap().to_owned();
    let (teacher, teacher_login) =
        create_login(server, admin, &school.school_id, &format!("{prefix}.teacher"), "teacher").await;
    let (student, student_login) =
        create_login(server, admin, &school.school_id, &format!("{prefix}.student"), "student").await;
    for (user, role) in [(&teacher, "teacher"), (&student, "student")] {
        let (status, body) = server
            .post(
                &format!("/api/v1/classes/{class_id}/members"),
                Some(admin),
                json!({"user_id": user.user.id, "role": role}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    // Tokens taken after the enrolments (an enrolment ends cached sessions' view).
    let teacher = server.login(&teacher_login).await;
    let student = server.login(&student_login).await;
    SchoolCast {
        school_id: school.school_id.clone(),
        class_id,
        edu_admin: school.edu_admin.clone(),
        teacher,
        student,
        teacher_login,
        student_login,
    }
}

/// Seed recognisable personal data for a person (through the school's admin).
async fn person(server: &TestServer, admin_token: &str, id: &str, tag: &str) -> Person {
    let person = Person {
        id: id.to_owned(),
        name: format!("Name{tag} Secret"),
        email: format!("mail.{}@example.org", tag.to_lowercase()),
        birth_date: format!("2013-0{}-1{}", tag.len() % 9 + 1, tag.len() % 10),
    };
    let body = json!({"display_name": person.name, "email": person.email, "birth_date": person.birth_date});
    let (status, answer) =
        server.call(Method::PUT, &format!("/api/v1/users/{id}/pii"), Some(admin_token), Some(body)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    person
}

fn request(role: Role, targets: &Targets<'_>, rule: &Rule, upload: &str) -> (Method, String, Option<Value>) {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let cast = targets.cast;
    let user = match rule.action {
        // Signing out every device of an actor would end the next cells' sessions.
        Action::RemoveClassMember | Action::RevokeUserSessions | Action::EraseUser => targets.spare,
        Action::ResetUserPassword => &targets.reset_user.id,
        _ => &targets.user.id,
    };
    let path = rule
        .path
        .replace("{school_id}", &cast.school_id)
        .replace("{class_id}", &cast.class_id)
        .replace("{user_id}", user);
    let path = if rule.action == Action::ReadResults { format!("{path}?test_id={}", targets.test.test) } else { path };
    let path = path.replace("{hash}", &targets.test.media).replace("{upload_id}", upload);
    let assignable = [Role::Student, Role::Teacher, Role::EduAdmin]
        .into_iter()
        .find(|r| may_assign_role(role, *r))
        .unwrap_or(Role::Student);
    let body = match rule.action {
        Action::CreateSchool => Some(json!({"name": format!("School {unique}")})),
        Action::CreateUser => Some(json!({"username": format!("u{}", &unique[..12]), "role": assignable})),
        Action::UpdateUser => Some(json!({"status": "active"})),
        // Written back unchanged, so that later cells still find the seeded name.
        Action::WriteUserPii => Some(json!({"display_name": targets.user.name})),
        Action::CreateCohort | Action::CreateClass => Some(json!({"name": format!("Group {}", &unique[..8])})),
        Action::AddClassMember => Some(json!({"user_id": targets.user.id, "role": "student"})),
        Action::SetStudySettings => Some(json!({"desired_retention": 0.85, "new_per_day": 15, "reviews_per_day": 150})),
        Action::SetAnswerKeys => {
            Some(json!({"test_id": targets.test.test, "keys": {&targets.test.question: {"truth": true}}}))
        }
        Action::GradeAnswer => Some(json!({"test_id": targets.test.test, "student_id": cast.student.user.id,
            "attempt_id": targets.test.attempt, "question_id": targets.test.question, "points": 1.0})),
        Action::RunDigests | Action::RunMediaGc => Some(json!({})),
        Action::RevokeUserSessions => Some(json!({"wipe": false})),
        Action::RecordConsent => {
            Some(json!({"purpose": "platform", "decision": "given", "given_by": "parent_or_guardian"}))
        }
        // Someone else's username: past the policy, the erasure stops at the confirmation.
        Action::EraseUser => Some(json!({"confirm_username": "not.this.person"})),
        Action::RecordSchoolAuthorization => Some(json!({"decision": "given"})),
        // Lifted again by the next action's cells.
        Action::PlaceLegalHold => Some(json!({"reason": "Permission matrix: a hold placed and lifted"})),
        // No minutes: past the policy, the grant stops at validation (a real grant would open
        // personal data to later cells; `privacy.rs` opens one).
        Action::GrantBreakGlass => Some(json!({"reason": "permission matrix check", "minutes": 0})),
        Action::StartUpload => Some(json!({"mime": "image/jpeg", "size": 10, "sha256": "0".repeat(64)})),
        _ => None,
    };
    (rule.method.parse().unwrap(), path, body)
}

/// The fields an allowed answer of an action may have (objects, or the objects of a list).
fn allowed_keys(action: Action) -> Option<&'static [&'static str]> {
    const USER_VIEW: &[&str] = &["id", "username", "role", "school_id", "status"];
    Some(match action {
        Action::ReadOwnAccount | Action::ReadUser | Action::ListSchoolUsers => USER_VIEW,
        Action::ListClassMembers => &["user_id", "username", "role"],
        Action::ReadClassRoster => &["user_id", "username", "role", "display_name"],
        Action::ReadUserPii | Action::ReadOwnPii => &["user_id", "display_name", "email", "birth_date"],
        Action::ReadPiiAccessLog => &[
            "seq",
            "at",
            "actor_id",
            "actor_role",
            "subject_id",
            "class_id",
            "fields",
            "purpose",
            "client_address",
            "outcome",
        ],
        _ => return None,
    })
}

fn keys_within(value: &Value, allowed: &[&str]) -> bool {
    match value {
        Value::Array(items) => items.iter().all(|item| keys_within(item, allowed)),
        Value::Object(map) => map.keys().all(|key| allowed.contains(&key.as_str())),
        _ => true,
    }
}

/// Personal data (and secrets) an actor must never be shown.
fn forbidden_strings(role: Role, people: &People) -> Vec<String> {
    let all = |p: &Person| vec![p.name.clone(), p.email.clone(), p.birth_date.clone()];
    let mut forbidden = vec!["$argon2".to_owned(), "password_hash".to_owned()];
    match role {
        Role::TechAdmin => {
            for p in [&people.me, &people.classmate, &people.other_class, &people.other_school] {
                forbidden.extend(all(p));
            }
        }
        Role::EduAdmin => forbidden.extend(all(&people.other_school)),
        Role::Teacher => {
            forbidden.extend([people.me.birth_date.clone(), people.classmate.birth_date.clone()]);
            forbidden.extend(all(&people.other_class));
            forbidden.extend(all(&people.other_school));
        }
        Role::Student => {
            forbidden.extend(all(&people.classmate));
            forbidden.extend(all(&people.other_class));
            forbidden.extend(all(&people.other_school));
        }
    }
    forbidden
}

struct People {
    me: Person,
    classmate: Person,
    other_class: Person,
    other_school: Person,
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_policy_says_wherever_the_target_lies() {
    // Password resets need a recent sign-in; the matrix's callers signed in at its start.
    let server = TestServer::start_with(&["--reauth-window-secs", "3600"]).await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let class_7b = add_class(&server, &world.a, "Class 7B", "seven.b").await;
    let admin_a = &world.a.edu_admin.access_token;
    let admin_b = &world.b.edu_admin.access_token;
    let classmate_tokens = server.login(&demo.students[1]).await;
    let people = People {
        me: person(&server, admin_a, &world.a.student.user.id.to_string(), "Mine").await,
        classmate: person(&server, admin_a, &classmate_tokens.user.id.to_string(), "Classmate").await,
        other_class: person(&server, admin_a, &class_7b.student.user.id.to_string(), "Seven").await,
        other_school: person(&server, admin_b, &world.b.student.user.id.to_string(), "Bee").await,
    };
    let spare_a = create_login(&server, admin_a, &world.a.school_id, "spare.a", "student").await.0.user.id.to_string();
    let spare_b = create_login(&server, admin_b, &world.b.school_id, "spare.b", "student").await.0.user.id.to_string();
    let test_a = video_test_fixture(&server, &world.a).await;
    let test_7b = video_test_fixture(&server, &class_7b).await;
    let test_b = video_test_fixture(&server, &world.b).await;
    let targets = |scope: Scope| match scope {
        Scope::Mine => {
            Targets { cast: &world.a, user: &people.me, reset_user: &people.classmate, spare: &spare_a, test: &test_a }
        }
        Scope::Classmate => Targets {
            cast: &world.a,
            user: &people.classmate,
            reset_user: &people.classmate,
            spare: &spare_a,
            test: &test_a,
        },
        Scope::OtherClass => Targets {
            cast: &class_7b,
            user: &people.other_class,
            reset_user: &people.other_class,
            spare: &spare_a,
            test: &test_7b,
        },
        Scope::OtherSchool => Targets {
            cast: &world.b,
            user: &people.other_school,
            reset_user: &people.other_school,
            spare: &spare_b,
            test: &test_b,
        },
    };
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
            for &scope in Scope::scopes_for(rule.target) {
                let targets = targets(scope);
                let upload = if [Action::ReadUpload, Action::UploadChunk].contains(&rule.action) {
                    start_photo_upload(&server, &actor.access_token).await
                } else {
                    String::new()
                };
                if rule.action == Action::RemoveClassMember {
                    let path = format!("/api/v1/classes/{}/members", targets.cast.class_id);
                    let admin = &targets.cast.edu_admin.access_token;
                    let (status, body) =
                        server.post(&path, Some(admin), json!({"user_id": targets.spare, "role": "student"})).await;
                    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
                }
                let expected = decide(rule.action, role, &relation(role, scope, rule));
                let (method, path, body) = request(role, &targets, rule, &upload);
                let (status, answer) = if rule.action == Action::Sync {
                    empty_sync_round(&server, &actor.access_token).await
                } else if [Action::UploadMedia, Action::UploadChunk].contains(&rule.action) {
                    let response = server
                        .http
                        .request(method.clone(), server.url(&path))
                        .bearer_auth(&actor.access_token)
                        .header("content-type", "image/jpeg")
                        .header("upload-offset", "0")
                        .body(common::photo())
                        .send()
                        .await
                        .unwrap();
                    let status = response.status();
                    (status, response.json().await.unwrap_or(Value::Null))
                } else if rule.action == Action::ImportUsers {
                    let file = format!(
                        "username,role\ni{}-{role},student\n",
                        &uuid::Uuid::new_v4().simple().to_string()[..10]
                    );
                    let response = server
                        .http
                        .request(method.clone(), server.url(&path))
                        .bearer_auth(&actor.access_token)
                        .header("content-type", "text/csv")
                        .body(file)
                        .send()
                        .await
                        .unwrap();
                    let status = response.status();
                    (status, response.json().await.unwrap_or(Value::Null))
                } else {
                    server.call(method.clone(), &path, Some(&actor.access_token), body).await
                };
                let cell = format!("{:?} as {role} ({scope:?}): {method} {path}", rule.action);
                let ok = match expected {
                    Decision::Allow => {
                        status.is_success()
                            || (matches!(rule.action, Action::EraseUser | Action::GrantBreakGlass)
                                && status == StatusCode::UNPROCESSABLE_ENTITY)
                    }
                    Decision::Forbidden => status == StatusCode::FORBIDDEN,
                    Decision::Hidden => status == StatusCode::NOT_FOUND,
                };
                if !ok {
                    failures.push(format!("{cell}: expected {expected:?}, got {status} {answer}"));
                }
                if status.is_success() {
                    // An allowed answer holds only what the role may see.
                    if let Some(keys) = allowed_keys(rule.action)
                        && !keys_within(&answer, keys)
                    {
                        failures.push(format!("{cell}: fields beyond {keys:?} in {answer}"));
                    }
                    let text = answer.to_string();
                    for secret in forbidden_strings(role, &people) {
                        if text.contains(&secret) {
                            failures.push(format!("{cell}: the answer shows {secret:?}"));
                        }
                    }
                    if rule.action == Action::ReadResults && role == Role::Student {
                        let own = world.a.student.user.id.to_string();
                        let others = answer["attempts"].as_array().unwrap().iter().filter(|a| a["student_id"] != own);
                        if others.count() > 0 {
                            failures.push(format!("{cell}: a student sees others' results: {answer}"));
                        }
                    }
                } else {
                    // A refusal never carries data, only the error.
                    let error_only = answer.get("error").is_some() && answer.as_object().map(|o| o.len()) == Some(1);
                    if !error_only {
                        failures.push(format!("{cell}: a refusal with data: {answer}"));
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} cells wrong:\n{}", failures.len(), failures.join("\n"));
    assert!(checked >= 300, "the matrix covered only {checked} cells");
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
    let request = sync::SyncRequest {
        protocol: sync::PROTOCOL_VERSION,
        cursor: 0,
        epoch: 0,
        push: Vec::new(),
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
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::String(format!("{} bytes", bytes.len()))))
}

/// One document of the document matrix and what it belongs to.
struct Doc {
    name: &'static str,
    meta: DocMeta,
    school_a: bool,
    class_7a: bool,
    owner: Option<String>,
}

#[tokio::test]
async fn every_role_receives_and_changes_exactly_the_documents_the_policy_says() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let class_7b = add_class(&server, &world.a, "Class 7B", "seven.b").await;
    let class = |id: &str| id.parse::<ClassId>().unwrap();

    // Content in class 7A, class 7B and school B, and progress of two classmates and of 7B's student.
    let teacher_a = Device::sign_in(&server, &world.a.teacher_login).await;
    let deck_a = content::create(&mut teacher_a.store(), DocKind::Deck, class(&world.a.class_id), "7A deck").unwrap();
    teacher_a.sync().await;
    let teacher_7b = Device::sign_in(&server, &class_7b.teacher_login).await;
    let deck_7b =
        content::create(&mut teacher_7b.store(), DocKind::Deck, class(&class_7b.class_id), "7B deck").unwrap();
    teacher_7b.sync().await;
    let teacher_b = Device::sign_in(&server, &world.b.teacher_login).await;
    let deck_b = content::create(&mut teacher_b.store(), DocKind::Deck, class(&world.b.class_id), "B deck").unwrap();
    teacher_b.sync().await;
    let review = content::Review { card: "c1".to_owned(), rating: 3, at: 1 };
    let mut progress = Vec::new();
    for (login, deck) in
        [(&world.a.student_login, &deck_a), (&demo.students[1], &deck_a), (&class_7b.student_login, &deck_7b)]
    {
        let device = Device::sign_in(&server, login).await;
        device.sync().await;
        let me = device.core.user().unwrap().id;
        progress
            .push(content::record_session(&mut device.store(), me, deck.id, std::slice::from_ref(&review)).unwrap());
        assert_eq!(device.sync().await.pending_after, 0);
    }
    let owner = |meta: &DocMeta| meta.owner_id.map(|o| o.to_string());
    let docs = [
        Doc { name: "7A deck", meta: deck_a.clone(), school_a: true, class_7a: true, owner: None },
        Doc { name: "7B deck", meta: deck_7b.clone(), school_a: true, class_7a: false, owner: None },
        Doc { name: "school B deck", meta: deck_b.clone(), school_a: false, class_7a: false, owner: None },
        Doc {
            name: "own progress",
            meta: progress[0].clone(),
            school_a: true,
            class_7a: true,
            owner: owner(&progress[0]),
        },
        Doc {
            name: "classmate's progress",
            meta: progress[1].clone(),
            school_a: true,
            class_7a: true,
            owner: owner(&progress[1]),
        },
        Doc {
            name: "7B student's progress",
            meta: progress[2].clone(),
            school_a: true,
            class_7a: false,
            owner: owner(&progress[2]),
        },
    ];
    let actors = [
        (demo.edu_admin.clone(), Role::EduAdmin),
        (world.a.teacher_login.clone(), Role::Teacher),
        (world.a.student_login.clone(), Role::Student),
    ];
    let mut failures = Vec::new();
    for (login, role) in actors {
        let device = Device::sign_in(&server, &login).await;
        let me = device.core.user().unwrap().id.to_string();
        device.sync().await;
        let received: BTreeSet<String> = device.store().list().unwrap().iter().map(|d| d.id.to_string()).collect();
        // Every actor tries to change every document.
        for doc in &docs {
            device
                .store()
                .edit(&doc.meta, |tx| {
                    use automerge::transaction::Transactable;
                    tx.put(automerge::ROOT, "probe", login.username.as_str()).map(|_| ())
                })
                .unwrap();
        }
        device.sync().await;
        let refused: BTreeSet<String> =
            device.store().status().unwrap().rejections.iter().map(|(doc, _)| doc.clone()).collect();
        for doc in &docs {
            let relation = Relation {
                same_school: doc.school_a,
                is_self: doc.owner.as_deref() == Some(me.as_str()),
                teaches_class: doc.class_7a && role == Role::Teacher,
                learns_in_class: doc.class_7a && role == Role::Student,
                teaches_subject: false,
                break_glass: false,
            };
            let (may_read, may_write) = doc_access(role, doc.meta.kind.is_content(), &relation);
            let id = doc.meta.id.to_string();
            let (read, wrote) = (received.contains(&id), !refused.contains(&id));
            if (read, wrote) != (may_read, may_write) {
                failures.push(format!(
                    "{role} and the {}: received {read}, changed {wrote}; the policy says {may_read}, {may_write}",
                    doc.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The technical admin may not sync at all.
    let (status, _) = empty_sync_round(&server, &world.tech.access_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
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
