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
use tallschool_client::contract::request::{CardPatch, NewAssignment};

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
    six_weeks_of_study(server).await;
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

    // Six weeks of the class's digests as charts; last week computed again from here.
    click(&laptop, "#nav-digests").await;
    find(&laptop, "#digest-weeks[data-weeks='6']").await;
    assert!(count_where(&laptop, "#chart-retention polyline", |n| n >= 1).await >= 1);
    assert!(count_where(&laptop, "#chart-active circle", |n| n == 6).await == 6);
    click(&laptop, "#compute-digests").await;
    find(&laptop, "#digest-weeks[data-weeks='6']").await;
    fits_the_window(&laptop, "the digests page").await;
    save_screenshot(&laptop, "admin-digests").await;

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
    // Each job's last run as the server recorded it, and the history of runs.
    find(&laptop, "#job-retention [data-last-outcome='ok']").await;
    find(&laptop, "#job-digests [data-last-outcome='ok']").await;
    count_where(&laptop, "#job-history tbody tr[data-job='retention']", |n| n >= 2).await;
    fits_the_window(&laptop, "the operations page").await;
    save_screenshot(&laptop, "admin-operations").await;
    // The history names the server process that ran each run (several replicas share the work).
    text_where(&laptop, "#job-history tbody tr[data-job='retention'] td:nth-child(5)", |r| r.contains('/')).await;
    script(&laptop, "document.getElementById('job-history').scrollIntoView(); return true").await;
    save_screenshot(&laptop, "admin-job-history").await;

    // Break-glass: the technical admin opens the demo school's personal data for 15 minutes
    // with a reason and her password, and looks at one pupil.
    click(&laptop, "#nav-schools").await;
    click(&laptop, "tr[data-school='Demo School'] button.break-glass").await;
    type_into(&laptop, "#break-glass-reason", "Ticket 4711: a parent says the name on file is wrong").await;
    type_into(&laptop, "#break-glass-minutes", "15").await;
    type_into(&laptop, "#break-glass-password", &demo.tech_admin.password).await;
    click(&laptop, "#break-glass-open-button").await;
    text_where(&laptop, "#break-glass-open", |t| t.starts_with("Access open until")).await;
    let pupil = &demo.students[0];
    click(&laptop, &format!("#break-glass li[data-username='{}'] button.show-pii", pupil.username)).await;
    text_where(&laptop, "#pii-view", |t| t.contains("Ada Lovelace")).await;
    save_screenshot(&laptop, "admin-break-glass").await;
    click(&laptop, "#break-glass .list-head button").await;
    gone(&laptop, "#break-glass").await;

    // Every device of every school: the teacher's stolen laptop signed out with a wipe.
    let stolen = Device::sign_in_as(server, &demo.teacher, "Stolen laptop", tallschool_client::Clock::system()).await;
    click(&laptop, "#nav-devices").await;
    type_into(&laptop, "#devices-filter", &demo.teacher.username).await;
    let before = count_where(&laptop, "#all-devices tbody tr", |n| n >= 2).await;
    save_screenshot(&laptop, "admin-all-devices").await;
    click(&laptop, "#all-devices tbody tr[data-device='Stolen laptop'] button.wipe-device").await;
    text_where(&laptop, "#all-devices-done", |t| t.contains("removes this account's data")).await;
    count_where(&laptop, "#all-devices tbody tr", |n| n == before - 1).await;
    let error = stolen.core.sync().run().await.unwrap_err();
    assert!(matches!(error, tallschool_client::ClientError::DeviceWiped), "{error:?}");

    // Security events across schools (the break-glass grant among them) and a school's access log.
    click(&laptop, "#nav-security").await;
    find(&laptop, "#security-events tr[data-kind='break_glass_granted']").await;
    find(&laptop, "#security-events tr[data-kind='password_rejected']").await;
    count_where(&laptop, "#access-log tbody tr", |n| n >= 1).await;
    fits_the_window(&laptop, "the security page").await;
    save_screenshot(&laptop, "admin-security").await;

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
    lawful_basis_and_privacy_page(&laptop, &demo.edu_admin).await;
    within("closing the browser", laptop.close()).await.unwrap();
}

/// The new school has no authorisation yet: a pupil's account needs a parent's consent until
/// its admin records the school's; then the demo school's admin finds the break-glass grant
/// and the technical admin's read in her privacy page.
async fn lawful_basis_and_privacy_page(laptop: &Client, demo_admin: &crate::common::Login) {
    type_into(laptop, "#new-username", "pia.north").await;
    click(laptop, "#create-account").await;
    text_where(laptop, "#new-account p.error", |t| t.contains("consent")).await;
    choose(laptop, "#new-consent", "by a parent").await;
    click(laptop, "#create-account").await;
    take_one_time_password(laptop).await;
    text_becomes(laptop, "#people-count", "2").await;
    click(laptop, "#nav-privacy").await;
    find(laptop, "#authorisation-state[data-authorized='false']").await;
    click(laptop, "#give-authorisation").await;
    find(laptop, "#authorisation-state[data-authorized='true']").await;
    find(laptop, "#no-break-glass").await;

    click(laptop, "#admin-sign-out").await;
    admin_sign_in(laptop, &demo_admin.username, &demo_admin.password).await;
    click(laptop, "#nav-privacy").await;
    text_where(laptop, "#break-glass-grants", |t| t.contains("Ticket 4711") && t.contains("open now")).await;
    type_into(laptop, "#access-log-filter", "break_glass").await;
    let read = text_where(laptop, "#access-log tbody tr", |t| t.contains("Ticket 4711")).await;
    assert!(read.contains("Technical admin") && read.contains("display_name"), "{read}");
    type_into(laptop, "#access-log-filter", "").await;
    fits_the_window(laptop, "the privacy page").await;
    save_screenshot(laptop, "admin-privacy").await;
}

async fn create_and_erase(laptop: &Client, server: &TestServer, admin_password: &str) {
    type_into(laptop, "#people-filter", "").await;
    type_into(laptop, "#new-username", "kim.mistake").await;
    type_into(laptop, "#new-display-name", "Kim Mistake").await;
    click(laptop, "#create-account").await;
    let password = take_one_time_password(laptop).await;
    type_into(laptop, "#people-filter", "kim.mistake").await;
    click(laptop, "tr[data-username='kim.mistake'] button.erase").await;
    // A legal hold first: the erasure form gives way to the hold until it is lifted.
    click(laptop, "#place-hold summary").await;
    type_into(laptop, "#hold-reason", "Safeguarding case 2026-14").await;
    click(laptop, "#place-hold-confirm").await;
    text_where(laptop, "#legal-hold-reason", |t| t == "Safeguarding case 2026-14").await;
    count_where(laptop, "#erase-username", |n| n == 0).await;
    script(laptop, "document.getElementById('erase').scrollIntoView({block: 'center'}); return true").await;
    save_screenshot(laptop, "admin-legal-hold").await;
    click(laptop, "#lift-hold").await;
    count_where(laptop, "#erase-username", |n| n == 1).await;
    type_into(laptop, "#erase-username", "kim.mistake").await;
    type_into(laptop, "#erase-password", admin_password).await;
    save_screenshot(laptop, "admin-erase").await;
    click(laptop, "#erase-confirm").await;
    text_where(laptop, "#erased", |t| t.starts_with("Erased")).await;
    click(laptop, "#erase button").await;
    count_where(laptop, "#people tbody tr[data-username='kim.mistake']", |n| n == 0).await;
    assert_eq!(server.try_login("kim.mistake", &password).await.0, StatusCode::UNAUTHORIZED);
}

/// Six weeks of class 7A's study, made by the engine on devices whose clocks start six weeks
/// ago — reviews (some forgotten), reading, weeks when a student did nothing — and the weekly
/// digests computed for each week through the API, so that the charts have a history to show.
async fn six_weeks_of_study(server: &TestServer) {
    use tallschool_client::contract::reader::Place;
    use tallschool_shared::scheduling::Rating;

    const WEEK: i64 = 7 * 24 * 3600;
    let demo = server.demo_logins();
    let teacher = Device::sign_in(server, &demo.teacher).await;
    let token = server.login(&demo.teacher).await.access_token;
    let (_, classes) = server.get("/api/v1/me/classes", &token).await;
    let class: tallschool_shared::ClassId = classes[0]["id"].as_str().unwrap().parse().unwrap();
    let deck = teacher.core.decks().create(class, "Capitals", None).unwrap();
    let mut cards = Vec::new();
    for (front, back) in [("France", "Paris"), ("Spain", "Madrid"), ("Italy", "Rome"), ("Peru", "Lima")] {
        cards.push(teacher.core.decks().put_card(deck, None, &CardPatch::front_back(Some(front), Some(back))).unwrap());
    }
    let reading = teacher.core.reader().create(class, "Around Europe").unwrap();
    teacher.core.reader().append(reading, &"Paris lies on the Seine; Rome on the Tiber. ".repeat(40)).unwrap();
    teacher.core.assignments().assign(reading, &NewAssignment::default()).unwrap();
    teacher.sync().await;

    let start = tallschool_shared::digest::week_start(tallschool_server::clock::system_now()) - 6 * WEEK;
    let mut students = Vec::new();
    for login in &demo.students {
        let clock = tallschool_client::Clock::manual(start + 10 * 3600);
        let device = Device::sign_in_as(server, login, "Tablet", clock.clone()).await;
        device.sync().await;
        students.push((device, clock));
    }
    for week in 0..6_i64 {
        for (i, (device, clock)) in students.iter().enumerate() {
            clock.set(start + week * WEEK + 10 * 3600 + i as i64 * 3600);
            if (week + i as i64) % 4 == 3 {
                continue; // a week off
            }
            for (n, card) in cards.iter().enumerate() {
                let forgot = (week as usize + n + i).is_multiple_of(5);
                let rating = if forgot { Rating::Again } else { Rating::Good };
                device.core.study().answer(deck, card, Some(rating), None).unwrap();
            }
            let percent = ((week + 1) as f64 * (12.0 + i as f64 * 3.0)).min(100.0);
            device.core.reader().set_position(reading, &Place::Percent(percent)).unwrap();
            device.sync().await;
        }
    }
    // Their tablets go back to the school cupboard: signed out, everything synced.
    for (device, _) in &students {
        device.core.session().logout(false).await.unwrap();
    }
    teacher.core.session().logout(false).await.unwrap();
    let admin = server.login(&demo.edu_admin).await;
    let school = admin.user.school_id.unwrap();
    for week in 0..6_i64 {
        let (status, body) = server
            .post(
                &format!("/api/v1/schools/{school}/digests"),
                Some(&admin.access_token),
                serde_json::json!({"week_of": start + week * WEEK + 3600}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}
