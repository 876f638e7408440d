//! Bulk import of a school's people from a CSV file: every row created whole or refused whole,
//! the report naming each, and only the school's own admins may send one.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::Value;
use tallschool_shared::api::{ImportOutcome, ImportReport};

async fn send(
    server: &TestServer,
    school: &str,
    token: &str,
    content_type: &str,
    file: impl Into<Vec<u8>>,
) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(server.url(&format!("/api/v1/schools/{school}/users/import")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(file.into())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_school_office_imports_its_people_and_a_bad_row_stores_nothing() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await;
    let school = admin.user.school_id.unwrap().to_string();
    let token = admin.access_token.as_str();
    let (_, before) = server.get(&format!("/api/v1/schools/{school}/users"), token).await;
    let taken = demo.students[0].username.clone();

    // Saved from a spreadsheet in a European locale: semicolons, a byte-order mark, a blank line.
    let file = format!(
        "\u{feff}Username;Role;Display name;Email;Birth year;Class\n\
         mia.k;student;Mia Keller;mia@example.org;2013;Class 7A\n\
         noah.b;student;Noah Berg;not-an-email;2013;Class 7A\n\
         \n\
         {taken};student;Someone Else;;;\n\
         olga.t;teacher;Olga Tamm;olga@example.org;;class 7a\n\
         pia.s;pupil;Pia Sand;;;\n\
         rui.m;student;Rui Mota;;;Class 9Z\n"
    );
    let (status, body) = send(&server, &school, token, "text/csv; charset=utf-8", file.as_str()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report: ImportReport = serde_json::from_value(body).unwrap();
    assert_eq!((report.created, report.rejected), (2, 4), "{report:?}");
    let line = |n: u32| report.rows.iter().find(|r| r.line == n).unwrap_or_else(|| panic!("line {n}: {report:?}"));
    let refused = [(3, "email"), (5, "username"), (7, "role"), (8, "class")];
    for (n, column) in refused {
        let row = line(n);
        assert_eq!(row.outcome, ImportOutcome::Rejected, "{row:?}");
        assert_eq!(row.column.as_deref(), Some(column), "{row:?}");
        assert!(row.error.as_deref().is_some_and(|e| !e.is_empty()) && row.initial_password.is_none(), "{row:?}");
    }
    // The refusal names the fault, never echoes the value.
    assert!(!line(3).error.as_deref().unwrap().contains("not-an-email"));

    // Nothing of a refused row was stored: the school has exactly two new accounts.
    let (_, after) = server.get(&format!("/api/v1/schools/{school}/users"), token).await;
    let usernames: Vec<&str> = after.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(after.as_array().unwrap().len(), before.as_array().unwrap().len() + 2, "{usernames:?}");
    for absent in ["noah.b", "pia.s", "rui.m"] {
        assert!(!usernames.contains(&absent), "{absent} was stored");
    }
    let dump = String::from_utf8_lossy(&server.database_dump().await).into_owned();
    assert!(!dump.contains("noah.b") && !dump.contains("Someone Else"));

    // The created accounts: personal data in the vault, the class joined (its name matched
    // whatever its case), the one-time password signs in and asks for a new one.
    let mia = line(2);
    assert_eq!(mia.outcome, ImportOutcome::Created);
    let mia_id = mia.user.as_ref().unwrap().id;
    let (status, pii) = server.get(&format!("/api/v1/users/{mia_id}/pii"), token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((pii["display_name"].as_str(), pii["birth_date"].as_str()), (Some("Mia Keller"), Some("2013")));
    let class = mia.class_id.unwrap();
    assert_eq!(line(6).class_id, Some(class));
    let (_, members) = server.get(&format!("/api/v1/classes/{class}/members"), token).await;
    let roles: Vec<(&str, &str)> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["username"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert!(roles.contains(&("mia.k", "student")) && roles.contains(&("olga.t", "teacher")), "{roles:?}");
    let (status, signed_in) = server.try_login("mia.k", mia.initial_password.as_deref().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(signed_in["password_change_required"], true);

    // Importing the same file again creates nothing twice.
    let (_, body) = send(&server, &school, token, "text/csv", file.as_str()).await;
    let again: ImportReport = serde_json::from_value(body).unwrap();
    assert_eq!((again.created, again.rejected), (0, 6));
}

#[tokio::test]
async fn files_that_are_not_a_table_of_people_and_callers_who_may_not_import_are_refused() {
    let server = TestServer::start().await;
    let demo = server.demo_logins();
    let admin = server.login(&demo.edu_admin).await;
    let school = admin.user.school_id.unwrap().to_string();
    let token = admin.access_token.as_str();
    let (_, before) = server.get(&format!("/api/v1/schools/{school}/users"), token).await;

    let (status, body) = send(&server, &school, token, "text/csv", "username,role,shoe_size\nzoe,student,38\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("shoe_size"), "{body}");
    let (status, _) = send(&server, &school, token, "application/json", "{}").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let latin1 = unsafe_latin1("username,role,display_name\nzoe,student,Zo\u{eb}\n");
    let (status, body) = send(&server, &school, token, "text/csv", latin1).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("UTF-8"), "{body}");
    let huge = format!("username,role\n{}", "someone,student\n".repeat(70_000));
    let (status, _) = send(&server, &school, token, "text/csv", huge.as_str()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // A file of people carries personal data: teachers and technical admins may not send one.
    let file = "username,role\nzoe,student\n";
    for login in [&demo.teacher, &demo.tech_admin] {
        let other = server.login(login).await;
        let (status, _) = send(&server, &school, &other.access_token, "text/csv", file).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}", login.username);
    }
    let (_, after) = server.get(&format!("/api/v1/schools/{school}/users"), token).await;
    assert_eq!(before, after, "nothing was stored");
}

/// The text as Latin-1 bytes, as an old spreadsheet would save it.
fn unsafe_latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect()
}
