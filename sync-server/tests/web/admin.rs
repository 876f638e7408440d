//! The admin dashboard at `/admin` in headless Chromium on a laptop-sized window: a school
//! admin creates an account (its one-time password shown once, and it signs in), filters the
//! people, resets a forgotten password, disables an account, creates a class and enrols people
//! in it, imports a CSV file with one bad row, signs a lost tablet out with a wipe (the tablet,
//! a real engine, forgets the account at its next contact); a technical admin sees the server's state and
//! runs the digests and retention; a teacher is turned away. Each step is checked through the
//! API too; the technical admin then opens a school whose first admin sets her own password in
//! the dashboard. Screenshots go to `docs/screenshots/admin-*.png`.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use reqwest::StatusCode;

use crate::browser::{ChromeDriver, save_screenshot};
use crate::common::{Device, TestServer};
use crate::webdriver::{click, find, fits_the_window, gone, script, text_becomes, text_where, within};

async fn type_into(client: &Client, css: &str, text: &str) {
    let field = find(client, css).await;
    within("clearing a field", field.clear()).await.unwrap();
    within(css, field.send_keys(text)).await.unwrap();
}

async fn admin_sign_in(client: &Client, username: &str, password: &str) {
    type_into(client, "#admin-username", username).await;
    type_into(client, "#admin-password", password).await;
    click(client, "#admin-sign-in").await;
}

/// How many elements match `css` once the count passes `check`.
async fn count_where(client: &Client, css: &str, check: impl Fn(usize) -> bool) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = within("counting", client.find_all(Locator::Css(css))).await.map(|all| all.len()).unwrap_or(0);
        if check(n) {
            return n;
        }
        assert!(Instant::now() < deadline, "{css}: {n} elements");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The one-time password the dashboard shows, then closed.
async fn take_one_time_password(client: &Client) -> String {
    let password = text_where(client, "#one-time-password .password", |t| t.len() >= 10).await;
    click(client, "#one-time-password button").await;
    gone(client, "#one-time-password").await;
    password
}

/// Choose an option of a `<select>` by its visible text.
async fn choose(client: &Client, select: &str, text: &str) {
    let xpath =
        format!("//select[@id='{}']/option[starts-with(normalize-space(.), '{text}')]", select.trim_start_matches('#'));
    let wait = client.wait().at_most(Duration::from_secs(30)).for_element(Locator::XPath(&xpath));
    within(text, wait).await.unwrap().click().await.unwrap();
}

pub async fn an_admin_runs_the_school_from_the_browser(
    server: &TestServer,
    driver: &ChromeDriver,
    profile: &std::path::Path,
) {
    let demo = server.demo_logins();
    let laptop = driver.laptop(profile).await;
    within("opening the dashboard", laptop.goto(&format!("{}/admin", server.base))).await.unwrap();
    find(&laptop, "#admin-username").await;
    save_screenshot(&laptop, "admin-sign-in").await;

    // A teacher is sent to the app.
    admin_sign_in(&laptop, &demo.teacher.username, &demo.teacher.password).await;
    text_where(&laptop, "#admin-sign-in-error", |t| t.contains("for admins")).await;

    // The school admin: everyone of the school, in a table.
    admin_sign_in(&laptop, &demo.edu_admin.username, &demo.edu_admin.password).await;
    let people = count_where(&laptop, "#people tbody tr", |n| n >= 5).await;
    fits_the_window(&laptop, "the people page").await;

    // A new account: its one-time password is shown once and signs in (asking for a new one).
    type_into(&laptop, "#new-username", "lena.v").await;
    choose(&laptop, "#new-role", "Student").await;
    type_into(&laptop, "#new-display-name", "Lena Vogel").await;
    type_into(&laptop, "#new-birth", "2012").await;
    click(&laptop, "#create-account").await;
    text_where(&laptop, "#one-time-password", |t| t.contains("lena.v")).await;
    save_screenshot(&laptop, "admin-people").await;
    let first = take_one_time_password(&laptop).await;
    count_where(&laptop, "#people tbody tr", |n| n == people + 1).await;
    let (status, body) = server.try_login("lena.v", &first).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["password_change_required"], true);

    // The filter finds one person; a forgotten password gets a new one-time password.
    let student = &demo.students[0];
    type_into(&laptop, "#people-filter", &student.username).await;
    count_where(&laptop, "#people tbody tr", |n| n == 1).await;
    click(&laptop, &format!("tr[data-username='{}'] button.reset", student.username)).await;
    let reset = take_one_time_password(&laptop).await;
    assert_eq!(
        server.try_login(&student.username, &student.password).await.0,
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    assert_eq!(server.try_login(&student.username, &reset).await.0, StatusCode::OK);

    // Disabled: the account no longer signs in.
    let other = &demo.students[1];
    type_into(&laptop, "#people-filter", &other.username).await;
    click(&laptop, &format!("tr[data-username='{}'] button.disable", other.username)).await;
    find(&laptop, &format!("tr[data-username='{}'] button.enable", other.username)).await;
    assert_eq!(server.try_login(&other.username, &other.password).await.0, StatusCode::UNAUTHORIZED);

    // A lost tablet: the student's devices listed, the tablet signed out with a wipe; at its
    // next contact it forgets the account.
    let pupil = &demo.students[2];
    let tablet = Device::sign_in(server, pupil).await;
    tablet.sync().await;
    type_into(&laptop, "#people-filter", &pupil.username).await;
    click(&laptop, &format!("tr[data-username='{}'] button.devices", pupil.username)).await;
    count_where(&laptop, "#devices ul.devices li", |n| n == 1).await;
    click(&laptop, "#wipe-device").await;
    save_screenshot(&laptop, "admin-devices").await;
    click(&laptop, "#devices button.sign-out-device").await;
    text_where(&laptop, "#device-done", |t| t.contains("removes this account's data")).await;
    find(&laptop, "#no-devices").await;
    let error = tablet.core.sync().run().await.unwrap_err();
    assert!(matches!(error, tallschool_client::ClientError::DeviceWiped), "{error:?}");
    assert!(tablet.core.session().current_user().is_none());

    // The parents' signed form: consent to learning with TallSchool, recorded and shown.
    click(&laptop, &format!("tr[data-username='{}'] button.consents", pupil.username)).await;
    find(&laptop, "#consents-current").await;
    click(&laptop, "#record-consent-button").await;
    text_where(&laptop, "#consents-current dd[data-purpose=platform]", |t| t.starts_with("Given")).await;
    save_screenshot(&laptop, "admin-consents").await;

    // A parent asks what the school holds about their child: the archive is prepared and saved.
    click(&laptop, &format!("tr[data-username='{}'] button.export", pupil.username)).await;
    text_where(&laptop, "#exported", |t| t.contains("was saved")).await;

    // A parent's erasure request (for a pupil added by mistake, here): the username typed
    // again and the admin's password; then she is gone from the list and cannot sign in.
    create_and_erase(&laptop, server, &demo.edu_admin.password).await;

    // A class, and the new student enrolled in it.
    click(&laptop, "#nav-classes").await;
    type_into(&laptop, "#class-name", "Class 8B").await;
    choose(&laptop, "#class-cohort", "Year 7").await;
    click(&laptop, "#create-class").await;
    text_where(&laptop, "#members h2", |t| t == "Class 8B").await;
    choose(&laptop, "#enrol-person", "lena.v").await;
    click(&laptop, "#enrol").await;
    find(&laptop, "#members li[data-member='lena.v']").await;
    save_screenshot(&laptop, "admin-classes").await;

    // A file from the school office with one bad row: the others are created and enrolled.
    click(&laptop, "#nav-import").await;
    let file = "username,role,display_name,email,birth_date,class\n\
                marta.s,student,Marta Silva,marta@example.org,2012,Class 8B\n\
                nils.h,student,Nils Holm,nils-at-example,2012,Class 8B\n\
                omar.f,teacher,Omar Farah,omar@example.org,,Class 8B\n";
    script(
        &laptop,
        &format!(
            "const area = document.querySelector('#import-text'); area.value = {}; \
             area.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;",
            serde_json::to_string(file).unwrap()
        ),
    )
    .await;
    click(&laptop, "#import-send").await;
    text_where(&laptop, "#import-report h2", |t| t == "2 created, 1 refused").await;
    let refused = text_where(&laptop, "#import-report tr.rejected", |t| !t.is_empty()).await;
    assert!(refused.contains("nils.h") && refused.contains("email"), "{refused}");
    assert_eq!(count_where(&laptop, "#import-report tr.created .password", |n| n == 2).await, 2);
    save_screenshot(&laptop, "admin-import").await;
    let admin = server.login(&demo.edu_admin).await;
    let school = admin.user.school_id.unwrap();
    let (_, classes) = server.get(&format!("/api/v1/schools/{school}/classes"), &admin.access_token).await;
    let class = classes.as_array().unwrap().iter().find(|c| c["name"] == "Class 8B").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, members) = server.get(&format!("/api/v1/classes/{class}/members"), &admin.access_token).await;
    let mut names: Vec<&str> = members.as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["lena.v", "marta.s", "omar.f"]);

    // The technical admin: the server's state, and its jobs run from here.
    click(&laptop, "#admin-sign-out").await;
    admin_sign_in(&laptop, &demo.tech_admin.username, &demo.tech_admin.password).await;
    text_where(&laptop, "#database-state", |t| t == "ready").await;
    text_where(&laptop, "#pii-keys", |t| t.contains("local")).await;
    click(&laptop, "#run-digests").await;
    find(&laptop, "[data-job-done=digests]").await;
    click(&laptop, "#run-retention").await;
    let retention = text_where(&laptop, "[data-job-done=retention]", |t| !t.is_empty()).await;
    assert!(retention.contains("audit"), "{retention}");
    fits_the_window(&laptop, "the operations page").await;
    save_screenshot(&laptop, "admin-operations").await;

    // A new school and its first admin, whose one-time password the dashboard itself replaces
    // with her own at her first sign-in.
    click(&laptop, "#nav-schools").await;
    type_into(&laptop, "#school-name", "North School").await;
    click(&laptop, "#create-school").await;
    let row = "tr[data-school='North School']";
    type_into(&laptop, &format!("{row} input.admin-username"), "nora.admin").await;
    click(&laptop, &format!("{row} button")).await;
    text_where(&laptop, "#one-time-password", |t| t.contains("nora.admin")).await;
    save_screenshot(&laptop, "admin-schools").await;
    let one_time = take_one_time_password(&laptop).await;
    click(&laptop, "#admin-sign-out").await;
    admin_sign_in(&laptop, "nora.admin", &one_time).await;
    type_into(&laptop, "#admin-new-password", "north-school-2026!").await;
    type_into(&laptop, "#admin-repeat-password", "north-school-2026!").await;
    click(&laptop, "#admin-save-password").await;
    text_becomes(&laptop, "#people-count", "1").await;
    assert_eq!(server.try_login("nora.admin", "north-school-2026!").await.0, StatusCode::OK);
    within("closing the browser", laptop.close()).await.unwrap();
}

async fn create_and_erase(laptop: &Client, server: &TestServer, admin_password: &str) {
    type_into(laptop, "#people-filter", "").await;
    type_into(laptop, "#new-username", "kim.mistake").await;
    type_into(laptop, "#new-display-name", "Kim Mistake").await;
    click(laptop, "#create-account").await;
    let password = take_one_time_password(laptop).await;
    type_into(laptop, "#people-filter", "kim.mistake").await;
    click(laptop, "tr[data-username='kim.mistake'] button.erase").await;
    type_into(laptop, "#erase-username", "kim.mistake").await;
    type_into(laptop, "#erase-password", admin_password).await;
    save_screenshot(laptop, "admin-erase").await;
    click(laptop, "#erase-confirm").await;
    text_where(laptop, "#erased", |t| t.starts_with("Erased")).await;
    click(laptop, "#erase button").await;
    count_where(laptop, "#people tbody tr[data-username='kim.mistake']", |n| n == 0).await;
    assert_eq!(server.try_login("kim.mistake", &password).await.0, StatusCode::UNAUTHORIZED);
}
