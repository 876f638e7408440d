//! A school's privacy controls against the real server: break-glass access of technical admins
//! (SECURITY.md item 18), the lawful basis every student account needs (item 29), and the
//! retention of accounts disabled when their student left (item 28).
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, World, create_and_login};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MINUTE: i64 = 60;
const DAY: i64 = 24 * 3600;

async fn count(server: &TestServer, sql: &str) -> i64 {
    let mut db = server.db().await;
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut db).await.unwrap()
}

/// Item 18: a technical admin reads no one's personal data until they open a time-boxed grant
/// with a reason; under it they read the school's people (each read logged with the reason),
/// nothing else opens, the school's admin sees the grant, and it ends by itself.
#[tokio::test]
async fn break_glass_opens_one_school_for_minutes_with_a_logged_reason() {
    let server = TestServer::start_clocked(&[]).await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let tech = server.login(&demo.tech_admin).await.access_token;
    let admin = &world.a.edu_admin.access_token;
    let school = &world.a.school_id;
    let student = world.a.student.user.id.to_string();
    let pii = format!("/api/v1/users/{student}/pii");
    let grants = format!("/api/v1/schools/{school}/break-glass");

    // No grant: refused, and the refusal is logged.
    let (status, body) = server.get(&pii, &tech).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let denied = "SELECT COUNT(*) FROM pii_access_log WHERE actor_role = 'tech_admin' AND outcome = 'denied'";
    assert_eq!(count(&server, denied).await, 1);

    // Bad requests say which field; only technical admins open grants.
    for (request, field) in [
        (json!({"reason": "because", "minutes": 10}), "reason"),
        (json!({"reason": "Parent asked about the account", "minutes": 0}), "minutes"),
        (json!({"reason": "Parent asked about the account", "minutes": 61}), "minutes"),
    ] {
        let (status, body) = server.post(&grants, Some(&tech), request).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    let reason = "Ticket 4711: the parent cannot see the account, checking the email on file";
    let (status, _) = server.post(&grants, Some(admin), json!({"reason": reason, "minutes": 15})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, grant) = server.post(&grants, Some(&tech), json!({"reason": reason, "minutes": 15})).await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    assert_eq!(grant["active"], true);

    // Under the grant: the person's data, every field, and an access-log row with the reason.
    let (status, view) = server.get(&pii, &tech).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["display_name"], "Ada Lovelace");
    let logged = format!(
        "SELECT COUNT(*) FROM pii_access_log WHERE actor_role = 'tech_admin' AND outcome = 'allowed' \
         AND subject_id = '{student}' AND purpose LIKE '%Ticket 4711%'"
    );
    assert_eq!(count(&server, &logged).await, 1);
    let alert =
        "SELECT COUNT(*) FROM outbox WHERE topic = 'security.events.v1' AND payload LIKE '%break_glass_granted%'";
    assert_eq!(count(&server, alert).await, 1);

    // Nothing else opens: writing, another school's people.
    let (status, _) = server.call(Method::PUT, &pii, Some(&tech), Some(json!({"display_name": "X"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server.get(&format!("/api/v1/users/{}/pii", world.b.student.user.id), &tech).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The school's admin sees who, why and until when; another school's admin does not.
    let (status, listed) = server.get(&grants, admin).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed[0]["reason"], reason);
    assert_eq!(listed[0]["actor_username"], demo.tech_admin.username);
    assert_eq!(listed[0]["active"], true);
    assert_eq!(server.get(&grants, &world.b.edu_admin.access_token).await.0, StatusCode::NOT_FOUND);

    // A quarter of an hour later the grant has ended by itself.
    server.clock().advance(16 * MINUTE);
    let tech = server.login(&demo.tech_admin).await.access_token;
    let admin = server.login(&demo.edu_admin).await.access_token;
    assert_eq!(server.get(&pii, &tech).await.0, StatusCode::FORBIDDEN);
    let (_, listed) = server.get(&grants, &admin).await;
    assert_eq!(listed[0]["active"], false, "{listed}");
}

async fn create_user(server: &TestServer, token: &str, school: &str, body: Value) -> (StatusCode, Value) {
    server.post(&format!("/api/v1/schools/{school}/users"), Some(token), body).await
}

/// Item 29: a student account needs a lawful basis — the consent of someone who may give it,
/// or the school's authorisation for educational use — recorded with the account; without
/// either it is refused and nothing is stored. Every student row has its record.
#[tokio::test]
async fn a_student_account_needs_a_recorded_consent_or_the_schools_authorisation() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let tech = server.login(&demo.tech_admin).await.access_token;
    let (status, school) = server.post("/api/v1/schools", Some(&tech), json!({"name": "Hill School"})).await;
    assert_eq!(status, StatusCode::CREATED, "{school}");
    let school = school["id"].as_str().unwrap().to_owned();
    let admin = create_and_login(&server, &tech, &school, "hill.admin", "edu_admin").await.access_token;
    let authorization = format!("/api/v1/schools/{school}/authorization");
    let (_, state) = server.get(&authorization, &admin).await;
    assert_eq!(state["authorized"], false, "{state}");

    // Neither: refused, naming the field, and no account exists afterwards.
    let (status, body) = create_user(&server, &admin, &school, json!({"username": "mia", "role": "student"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "consent_by", "{body}");
    assert_eq!(count(&server, "SELECT COUNT(*) FROM users WHERE username = 'mia'").await, 0);
    // consent_by is for students.
    let teacher = json!({"username": "tom", "role": "teacher", "consent_by": "parent_or_guardian"});
    assert_eq!(create_user(&server, &admin, &school, teacher).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // A parent's consent: created, and the consent is on record.
    let mia = json!({"username": "mia", "role": "student", "consent_by": "parent_or_guardian"});
    let (status, created) = create_user(&server, &admin, &school, mia).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let mia_id = created["user"]["id"].as_str().unwrap();
    let (_, consents) = server.get(&format!("/api/v1/users/{mia_id}/consents"), &admin).await;
    assert_eq!(consents["current"][0]["purpose"], "platform", "{consents}");
    assert_eq!(consents["current"][0]["given_by"], "parent_or_guardian", "{consents}");

    // The school authorises educational use (its admin only): then the school is the basis.
    assert_eq!(server.post(&authorization, Some(&tech), json!({"decision": "given"})).await.0, StatusCode::FORBIDDEN);
    let (status, state) = server.post(&authorization, Some(&admin), json!({"decision": "given"})).await;
    assert_eq!(status, StatusCode::CREATED, "{state}");
    assert_eq!(state["authorized"], true);
    let (status, created) = create_user(&server, &admin, &school, json!({"username": "leo", "role": "student"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let leo_id = created["user"]["id"].as_str().unwrap();
    let (_, consents) = server.get(&format!("/api/v1/users/{leo_id}/consents"), &admin).await;
    assert_eq!(consents["current"][0]["given_by"], "school", "{consents}");

    // Withdrawn: refused again; a CSV row without a consent is refused, one with it is created.
    let (_, state) = server.post(&authorization, Some(&admin), json!({"decision": "withdrawn"})).await;
    assert_eq!(state["authorized"], false);
    assert_eq!(state["history"].as_array().unwrap().len(), 2);
    let (status, _) = create_user(&server, &admin, &school, json!({"username": "zoe", "role": "student"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let csv = "username,role,consent_by\nzoe,student,\nzak,student,parent\n";
    let response = reqwest::Client::new()
        .post(server.url(&format!("/api/v1/schools/{school}/users/import")))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["rows"][0]["outcome"], "rejected", "{report}");
    assert_eq!(report["rows"][0]["column"], "consent_by", "{report}");
    assert_eq!(report["rows"][1]["outcome"], "created", "{report}");

    // The data model: no student anywhere without a platform consent on record.
    let without = "SELECT COUNT(*) FROM users u WHERE u.role = 'student' AND NOT EXISTS \
                   (SELECT 1 FROM consents c WHERE c.user_id = u.id AND c.purpose = 'platform' AND c.decision = 'given')";
    assert_eq!(count(&server, without).await, 0);
    assert!(count(&server, "SELECT COUNT(*) FROM users WHERE role = 'student'").await >= 6);
}

async fn set_status(server: &TestServer, token: &str, user: &str, status: &str) {
    let (code, body) = server
        .call(Method::PATCH, &format!("/api/v1/users/{user}"), Some(token), Some(json!({"status": status})))
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

/// Item 28: an account disabled when its student left is erased once it has been disabled
/// longer than the configured retention — not before, not if it was enabled again — and the
/// job erases it once.
#[tokio::test]
async fn accounts_disabled_longer_than_their_retention_are_erased_by_the_job() {
    let server = TestServer::start_clocked(&["--disabled-account-retention-days", "30"]).await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await.access_token;
    let left = server.login(&demo.students[1]).await.user.id.to_string();
    let came_back = server.login(&demo.students[2]).await.user.id.to_string();
    let stays = server.login(&demo.students[0]).await.user.id.to_string();
    set_status(&server, &admin, &left, "disabled").await;
    set_status(&server, &admin, &came_back, "disabled").await;
    set_status(&server, &admin, &came_back, "active").await;

    // Day 20: the student who left is still within retention; another leaves now.
    server.clock().advance(20 * DAY);
    let admin = server.login(&demo.edu_admin).await.access_token;
    set_status(&server, &admin, &stays, "disabled").await;
    let tech = server.login(&demo.tech_admin).await.access_token;
    let (status, report) = server.post("/api/v1/admin/retention", Some(&tech), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["accounts_erased"], 0, "{report}");

    // Day 31: only the first is past 30 days.
    server.clock().advance(11 * DAY);
    let tech = server.login(&demo.tech_admin).await.access_token;
    let (_, report) = server.post("/api/v1/admin/retention", Some(&tech), json!({})).await;
    assert_eq!(report["accounts_erased"], 1, "{report}");
    let fields = |user: &str| format!("SELECT COUNT(*) FROM pii_fields WHERE user_id = '{user}'");
    assert_eq!(count(&server, &fields(&left)).await, 0);
    assert_eq!(
        count(&server, &format!("SELECT COUNT(*) FROM users WHERE id = '{left}' AND username LIKE 'erased-%'")).await,
        1
    );
    assert_eq!(count(&server, &format!("SELECT COUNT(*) FROM enrolments WHERE user_id = '{left}'")).await, 0);
    assert_eq!(count(&server, &fields(&came_back)).await, 1);
    assert_eq!(count(&server, &fields(&stays)).await, 1);
    let said = "SELECT COUNT(*) FROM outbox WHERE topic = 'security.events.v1' AND payload LIKE '%retention_erasure%'";
    assert_eq!(count(&server, said).await, 1);
    // The student who left cannot sign in; running again erases nothing more.
    assert_eq!(
        server.try_login(&demo.students[1].username, &demo.students[1].password).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, report) = server.post("/api/v1/admin/retention", Some(&tech), json!({})).await;
    assert_eq!(report["accounts_erased"], 0, "{report}");
}

/// The technical admin's watch over every school: security events name the account they are
/// about (never the name typed, never personal data), every signed-in device of every school
/// is listed (by school if asked), and each job run is on record with its trigger, outcome and
/// report; school admins see none of it.
#[tokio::test]
async fn a_technical_admin_watches_security_events_every_device_and_the_jobs() {
    let server = TestServer::start().await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let tech = &world.tech.access_token;
    let (status, _) = server.try_login(&demo.students[0].username, "not her password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, events) = server.get("/api/v1/admin/security-events", tech).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let rejected = events.as_array().unwrap().iter().find(|e| e["kind"] == "password_rejected").unwrap();
    assert_eq!(rejected["username"], demo.students[0].username);
    assert_eq!(rejected["details"]["step"], "sign_in");
    assert!(!events.to_string().contains("not her password"));

    let (status, all) = server.get("/api/v1/admin/devices", tech).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let usernames: Vec<&str> = all.as_array().unwrap().iter().map(|d| d["username"].as_str().unwrap()).collect();
    assert!(
        usernames.contains(&"other.student") && usernames.contains(&demo.edu_admin.username.as_str()),
        "{usernames:?}"
    );
    let (_, school_b) = server.get(&format!("/api/v1/admin/devices?school_id={}", world.b.school_id), tech).await;
    assert!(school_b.as_array().unwrap().iter().all(|d| d["school_id"] == world.b.school_id.as_str()), "{school_b}");
    assert!(!school_b.as_array().unwrap().is_empty());

    // The jobs' record: the retention run at start by the schedule, and one asked for now.
    let (status, report) = server.post("/api/v1/admin/retention", Some(tech), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (status, runs) = server.get("/api/v1/admin/jobs", tech).await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    let retention: Vec<&Value> = runs.as_array().unwrap().iter().filter(|r| r["job"] == "retention").collect();
    assert_eq!(retention[0]["trigger"], "admin", "{runs}");
    assert_eq!(retention[0]["actor_username"], demo.tech_admin.username);
    assert_eq!(retention[0]["outcome"], "ok");
    assert_eq!(retention[0]["report"]["audit_rows_deleted"], report["audit_rows_deleted"]);
    assert!(retention[0]["finished_at"].as_i64().unwrap() >= retention[0]["started_at"].as_i64().unwrap());
    assert!(retention.iter().any(|r| r["trigger"] == "schedule"), "{runs}");

    let admin = &world.a.edu_admin.access_token;
    assert_eq!(server.get("/api/v1/admin/jobs", admin).await.0, StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/admin/security-events", admin).await.0, StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/admin/devices", admin).await.0, StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/admin/devices?school_id=nope", tech).await.0, StatusCode::BAD_REQUEST);
}

/// Item 27 on either database: an older copy of an erased pupil's rows put back (as restoring
/// a dump from before the erasure would) holds her sealed fields, but her key is gone from the
/// key store, so nothing opens them; the server erases her again before it serves.
#[tokio::test]
async fn an_erased_pupils_rows_put_back_from_an_older_copy_never_open_and_are_erased_again() {
    use clap::Parser as _;
    use tallschool_server::pii::subject_keys::SubjectSecret;
    let mut server = TestServer::start().await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await.access_token;
    let ana = &demo.students[0];
    let ana_id = server.login(ana).await.user.id.to_string();
    let pii = json!({"display_name": "Ana Erasmus", "email": "ana.erasmus@example.org", "birth_date": "2012"});
    let (status, _) = server.call(Method::PUT, &format!("/api/v1/users/{ana_id}/pii"), Some(&admin), Some(pii)).await;
    assert!(status.is_success(), "{status}");

    // The copy: her account and her sealed fields as they were.
    type Sealed = (String, String, Vec<u8>, Vec<u8>, i64, i64);
    let copy: Vec<Sealed> = {
        let mut db = server.db().await;
        sqlx::query_as(
            "SELECT field, key_id, nonce, ciphertext, per_person, updated_at FROM pii_fields WHERE user_id = $1",
        )
        .bind(&ana_id)
        .fetch_all(&mut db)
        .await
        .unwrap()
    };
    assert_eq!(copy.len(), 3);
    assert!(copy.iter().all(|row| row.4 == 1), "sealed with her own key");
    // On PostgreSQL the key store is a PostgreSQL database of its own (as for replicas on
    // several hosts), not the default file.
    let store_file = server.data_dir.join("keys/pii-subjects.db");
    assert_eq!(store_file.exists(), matches!(server.backend, common::Backend::Sqlite), "{}", store_file.display());

    let (status, report) = server
        .post(&format!("/api/v1/users/{ana_id}/erasure"), Some(&admin), json!({"confirm_username": ana.username}))
        .await;
    assert_eq!(status, 200, "{report}");
    server.kill();

    // Put back as a restore of the older copy would.
    {
        let mut db = server.db().await;
        sqlx::query("UPDATE users SET username = $2, status = 'active', erased_at = NULL WHERE id = $1")
            .bind(&ana_id)
            .bind(&ana.username)
            .execute(&mut db)
            .await
            .unwrap();
        for (field, key_id, nonce, ciphertext, per_person, updated_at) in &copy {
            sqlx::query(
                "INSERT INTO pii_fields (user_id, field, key_id, nonce, ciphertext, per_person, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&ana_id)
            .bind(field)
            .bind(key_id)
            .bind(nonce)
            .bind(ciphertext)
            .bind(per_person)
            .bind(updated_at)
            .execute(&mut db)
            .await
            .unwrap();
        }
    }
    // Her data key and the key-encryption key are still there; her own key is not.
    let dir = server.data_dir.display().to_string();
    let mut args = vec!["tallschool-server".to_owned(), "--database-url".to_owned(), server.database_url.clone()];
    args.extend(["--data-dir".to_owned(), dir]);
    args.extend(server.key_store_flags());
    let settings =
        tallschool_server::Settings::resolve(tallschool_server::config::Cli::try_parse_from(args).unwrap()).unwrap();
    let (_, keyring) = tallschool_server::pii::rotation::open_offline(&settings).await.unwrap();
    let mut conn = server.db().await;
    let data_key_ids: Vec<String> = copy.iter().map(|row| row.1.clone()).collect();
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pii_data_keys WHERE id = $1 AND wrapped IS NOT NULL")
        .bind(&data_key_ids[0])
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(live, 1, "the data key that sealed her fields still opens");
    let secret = keyring.subjects().for_read(&keyring, ana_id.parse().unwrap()).await.unwrap();
    assert!(matches!(secret, SubjectSecret::Erased), "her own key is destroyed");

    // Started again, the server erases her before serving.
    server.restart_in_place();
    let admin = server.login(&demo.edu_admin).await.access_token;
    let (status, _) = server.try_login(&ana.username, &ana.password).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, view) = server.get(&format!("/api/v1/users/{ana_id}/pii"), &admin).await;
    assert!(view["display_name"].is_null() && view["email"].is_null(), "{view}");
    let fields = format!("SELECT COUNT(*) FROM pii_fields WHERE user_id = '{ana_id}'");
    assert_eq!(count(&server, &fields).await, 0);
    let erased = format!("SELECT COUNT(*) FROM users WHERE id = '{ana_id}' AND erased_at IS NOT NULL");
    assert_eq!(count(&server, &erased).await, 1);
    let dump = String::from_utf8_lossy(&server.database_dump().await).into_owned();
    assert!(!dump.contains(&ana.username), "her username is gone again");
}

/// Item 27's legal holds: a school admin places one with a reason; while it stands the
/// person's erasure is refused (nothing erased) and the retention job passes their disabled
/// account by; teachers, students and another school's admin can neither see nor touch it;
/// lifted, the erasure goes ahead. Placing and lifting are security events.
#[tokio::test]
async fn a_legal_hold_keeps_a_pupil_from_erasure_until_it_is_lifted() {
    let server = TestServer::start_clocked(&["--disabled-account-retention-days", "30"]).await;
    let world = World::build(&server).await;
    let demo = server.demo_logins();
    let admin = world.a.edu_admin.access_token.clone();
    let pupil = &world.a.student_login;
    let id = world.a.student.user.id.to_string();
    let hold = format!("/api/v1/users/{id}/legal-hold");

    let (status, view) = server.get(&hold, &admin).await;
    assert_eq!((status, view["held"].as_bool()), (StatusCode::OK, Some(false)), "{view}");
    let (status, body) = server.call(Method::PUT, &hold, Some(&admin), Some(json!({"reason": "short"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "reason", "{body}");
    let reason = "Safeguarding case 2026-14 (county)";
    for (who, token) in [("teacher", &world.a.teacher.access_token), ("student", &world.a.student.access_token)] {
        let (status, _) = server.call(Method::PUT, &hold, Some(token), Some(json!({"reason": reason}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(server.get(&hold, token).await.0, StatusCode::FORBIDDEN, "{who}");
    }
    let other_school = &world.b.edu_admin.access_token;
    let (status, _) = server.call(Method::PUT, &hold, Some(other_school), Some(json!({"reason": reason}))).await;
    assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{status}");

    let (status, view) = server.call(Method::PUT, &hold, Some(&admin), Some(json!({"reason": reason}))).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!((view["held"].as_bool(), view["reason"].as_str()), (Some(true), Some(reason)));
    assert_eq!(view["placed_by"], demo.edu_admin.username.as_str());

    // The erasure request is refused and erases nothing.
    let erase = format!("/api/v1/users/{id}/erasure");
    let (status, body) = server.post(&erase, Some(&admin), json!({"confirm_username": pupil.username})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("legal hold"), "{body}");
    let erased = format!("SELECT COUNT(*) FROM users WHERE id = '{id}' AND erased_at IS NOT NULL");
    assert_eq!(count(&server, &erased).await, 0);
    assert!(server.try_login(&pupil.username, &pupil.password).await.0.is_success());

    // Disabled past its retention, the account stays while the hold stands.
    set_status(&server, &admin, &id, "disabled").await;
    server.clock().advance(31 * DAY);
    let tech = server.login(&demo.tech_admin).await.access_token;
    let (_, report) = server.post("/api/v1/admin/retention", Some(&tech), json!({})).await;
    assert_eq!(report["accounts_erased"], 0, "{report}");
    assert_eq!(count(&server, &erased).await, 0);

    // Lifted: the retention job erases the account at its next run.
    let admin = server.login(&demo.edu_admin).await.access_token;
    let (status, view) = server.call(Method::DELETE, &hold, Some(&admin), None).await;
    assert_eq!((status, view["held"].as_bool()), (StatusCode::OK, Some(false)), "{view}");
    let (_, report) = server.post("/api/v1/admin/retention", Some(&tech), json!({})).await;
    assert_eq!(report["accounts_erased"], 1, "{report}");
    assert_eq!(count(&server, &erased).await, 1);
    for kind in ["legal_hold_placed", "legal_hold_lifted"] {
        let said =
            format!("SELECT COUNT(*) FROM outbox WHERE topic = 'security.events.v1' AND payload LIKE '%{kind}%'");
        assert_eq!(count(&server, &said).await, 1, "{kind}");
    }
    // No hold on someone already erased.
    let (status, _) = server.call(Method::PUT, &hold, Some(&admin), Some(json!({"reason": reason}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
}
