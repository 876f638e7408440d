//! Bulk import: a CSV file chosen (or pasted), sent whole, and the server's report row by row —
//! what was created with its one-time password (shown once), what was refused and why.

use dioxus::prelude::*;
use tallschool_shared::api::{ImportOutcome, ImportReport};

use super::{Body, Failure, Session};
use crate::t;

const EXAMPLE: &str = "username,role,display_name,email,birth_date,class\n";

#[component]
pub fn Import() -> Element {
    let session = use_context::<Session>();
    let school = session.admin.read().as_ref().and_then(super::Admin::school);
    let mut text = use_signal(|| EXAMPLE.to_owned());
    let mut report = use_signal(|| None::<ImportReport>);
    let mut failure = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    // The report is what the admin came for: brought into view once drawn.
    use_effect(move || {
        if report.read().is_some() {
            reveal("import-report");
        }
    });
    let choose = move |event: FormEvent| async move {
        let Some(file) = event.files().into_iter().next() else { return };
        match file.read_string().await {
            Ok(contents) => text.set(contents),
            Err(_) => failure.set(Some(t!("admin-import-unreadable"))),
        }
    };
    let send = move |_| async move {
        let Some(school) = school else { return };
        busy.set(true);
        failure.set(None);
        report.set(None);
        let path = format!("/api/v1/schools/{school}/users/import");
        let file = text();
        let answer = session
            .call::<ImportReport>("POST", &path, move || Body::Text {
                content_type: "text/csv; charset=utf-8",
                text: file.clone(),
            })
            .await;
        busy.set(false);
        match answer {
            Ok(answer) => report.set(Some(answer)),
            Err(f) => failure.set(Some(f.message)),
        }
    };
    rsx! {
        section { class: "card",
            h2 { {t!("admin-import")} }
            p { class: "muted", {t!("admin-import-lead")} }
            label { r#for: "import-file", {t!("admin-import-choose")} }
            input { r#type: "file", id: "import-file", accept: ".csv,text/csv", onchange: choose }
            label { r#for: "import-text", {t!("admin-import-contents")} }
            textarea { id: "import-text", rows: 10, spellcheck: false, class: "mono", value: "{text}", oninput: move |e| text.set(e.value()) }
            div { class: "row-actions",
                button { class: "primary", id: "import-send", disabled: busy(), onclick: send,
                    if busy() { {t!("admin-importing")} } else { {t!("admin-import-send")} }
                }
            }
            Failure { failure: failure() }
        }
        if let Some(report) = report() {
            section { class: "card", id: "import-report",
                h2 { {t!("admin-import-report", created = report.created, rejected = report.rejected)} }
                if report.created > 0 {
                    p { class: "muted", {t!("admin-shown-once")} }
                }
                table {
                    thead { tr {
                        th { {t!("admin-line")} } th { {t!("username")} } th { {t!("admin-outcome")} } th { {t!("admin-detail")} }
                    } }
                    tbody {
                        for row in report.rows.iter().cloned() {
                            tr { key: "{row.line}", class: if row.outcome == ImportOutcome::Rejected { "rejected" } else { "created" },
                                "data-line": "{row.line}",
                                td { "{row.line}" }
                                td { "{row.username}" }
                                td { match row.outcome {
                                    ImportOutcome::Created => t!("admin-created"),
                                    ImportOutcome::Rejected => t!("admin-rejected"),
                                } }
                                td { class: "detail",
                                    match (row.initial_password.clone(), row.error.clone()) {
                                        (Some(password), _) => rsx! { span { class: "password", "{password}" } },
                                        (None, Some(error)) => rsx! { span { "data-column": row.column.clone().unwrap_or_default(), "{error}" } },
                                        (None, None) => rsx! {},
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn reveal(id: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(element) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        element.scroll_into_view();
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}
