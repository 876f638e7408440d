//! The technical admin's devices page: every signed-in device of every school, most recently
//! used first; one signed out, or signed out and told to remove the account's data at its next
//! contact (a stolen laptop).

use dioxus::prelude::*;
use tallschool_shared::api::{DeviceSession, RevokeSessionsRequest, SchoolView, SessionsRevoked};
use tallschool_shared::dates::format_utc;

use super::people::{Pager, role_label, sort_state};
use super::table::View;
use super::{Body, Failure, Session};
use crate::t;

#[component]
pub fn AllDevices() -> Element {
    let session = use_context::<Session>();
    let mut version = use_signal(|| 0_u32);
    let devices = use_resource(move || async move {
        let _ = version();
        let devices = session.call::<Vec<DeviceSession>>("GET", "/api/v1/admin/devices", || Body::None).await;
        let schools = session.call::<Vec<SchoolView>>("GET", "/api/v1/schools", || Body::None).await;
        match (devices, schools) {
            (Ok(devices), Ok(schools)) => Ok((devices, schools)),
            (Err(f), _) | (_, Err(f)) => Err(f.message),
        }
    });
    let mut view = use_signal(View::default);
    let mut done = use_signal(|| None::<String>);
    let mut failure = use_signal(|| None::<String>);
    let sign_out = move |(device, wipe): (DeviceSession, bool)| async move {
        failure.set(None);
        let request = RevokeSessionsRequest { session_id: Some(device.session_id), wipe };
        let path = format!("/api/v1/users/{}/sessions/revoke", device.user_id);
        match session.call::<SessionsRevoked>("POST", &path, move || Body::json(&request)).await {
            Ok(revoked) if revoked.wipe => {
                done.set(Some(t!("admin-device-of-wiped", device = device.device_name, username = device.username)));
            }
            Ok(_) => done.set(Some(t!(
                "admin-device-of-signed-out",
                device = device.device_name,
                username = device.username
            ))),
            Err(f) => failure.set(Some(f.message)),
        }
        *version.write() += 1;
    };
    let loaded = devices.read().clone();
    let (rows, schools) = match loaded {
        None => return rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => return rsx! { Failure { failure: Some(message) } },
        Some(Ok(loaded)) => loaded,
    };
    let school_name = |d: &DeviceSession| {
        d.school_id
            .and_then(|id| schools.iter().find(|s| s.id == id))
            .map(|s| s.name.clone())
            .unwrap_or_else(|| "—".to_owned())
    };
    let cells = |d: &DeviceSession| {
        vec![
            d.device_name.clone(),
            d.username.clone(),
            role_label(d.role),
            school_name(d),
            format!("{:012}", d.last_used_at),
        ]
    };
    let (page_rows, pages) = view.read().apply(&rows, cells);
    let page_rows: Vec<DeviceSession> = page_rows.into_iter().cloned().collect();
    let current = view.read().page.min(pages - 1);
    let headers =
        [t!("admin-device"), t!("username"), t!("admin-role"), t!("admin-school-name"), t!("admin-last-used")];
    rsx! {
        section { class: "card admin-wide",
            div { class: "list-head",
                h2 { {t!("admin-devices")} " " span { class: "muted", id: "devices-count", "{rows.len()}" } }
                input { r#type: "search", id: "devices-filter", placeholder: t!("admin-filter"), aria_label: t!("admin-filter"),
                    value: "{view.read().filter}", oninput: move |e| view.write().set_filter(e.value()) }
            }
            if let Some(message) = done() {
                p { class: "notice-inline", role: "status", id: "all-devices-done", "{message}" }
            }
            Failure { failure: failure() }
            table { id: "all-devices",
                thead { tr {
                    for (i, header) in headers.iter().enumerate() {
                        th { aria_sort: sort_state(&view.read(), i),
                            button { class: "sort", onclick: move |_| view.write().sort(i), "{header}" }
                        }
                    }
                    th { span { class: "visually-hidden", {t!("admin-actions")} } }
                } }
                tbody {
                    for device in page_rows {
                        tr { key: "{device.session_id}", "data-username": "{device.username}", "data-device": "{device.device_name}",
                            td { "{device.device_name}" }
                            td { "{device.username}" }
                            td { {role_label(device.role)} }
                            td { {school_name(&device)} }
                            td { {format_utc(device.last_used_at)} }
                            td { div { class: "row-actions",
                                button { class: "secondary small sign-out-device", onclick: {
                                        let device = device.clone();
                                        move |_| sign_out((device.clone(), false))
                                    }, {t!("admin-sign-out-device")} }
                                button { class: "danger small wipe-device", onclick: {
                                        let device = device.clone();
                                        move |_| sign_out((device.clone(), true))
                                    }, {t!("admin-sign-out-and-wipe")} }
                            } }
                        }
                    }
                }
            }
            Pager { page: current, pages, on_page: move |p| view.write().page = p }
        }
    }
}
