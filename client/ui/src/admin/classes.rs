//! Classes of the school: a new class (in a cohort or not), and who is in one — students and
//! teachers enrolled or taken out.

use dioxus::prelude::*;
use tallschool_shared::api::{AddMemberRequest, ClassView, CohortView, CreateClassRequest, MemberView, UserView};
use tallschool_shared::{ClassId, ClassRole, Role, UserId, UserStatus};

use super::{Body, Failure, Session};
use crate::t;

#[component]
pub fn Classes() -> Element {
    let session = use_context::<Session>();
    let school = session.admin.read().as_ref().and_then(super::Admin::school);
    let mut version = use_signal(|| 0_u32);
    let mut selected = use_signal(|| None::<ClassId>);
    let listed = use_resource(move || async move {
        let _ = version();
        let school = school.ok_or_else(|| t!("admin-no-school"))?;
        let (classes_path, cohorts_path) =
            (format!("/api/v1/schools/{school}/classes"), format!("/api/v1/schools/{school}/cohorts"));
        let classes =
            session.call::<Vec<ClassView>>("GET", &classes_path, || Body::None).await.map_err(|f| f.message)?;
        let cohorts =
            session.call::<Vec<CohortView>>("GET", &cohorts_path, || Body::None).await.map_err(|f| f.message)?;
        Ok::<_, String>((classes, cohorts))
    });
    let mut name = use_signal(String::new);
    let mut cohort = use_signal(String::new);
    let mut failure = use_signal(|| None::<String>);
    let create = move |event: FormEvent| async move {
        event.prevent_default();
        let Some(school) = school else { return };
        failure.set(None);
        let request = CreateClassRequest { name: name().trim().to_owned(), cohort_id: cohort().parse().ok() };
        let path = format!("/api/v1/schools/{school}/classes");
        match session.call::<ClassView>("POST", &path, move || Body::json(&request)).await {
            Ok(class) => {
                name.set(String::new());
                selected.set(Some(class.id));
                *version.write() += 1;
            }
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let loaded = listed.read().clone();
    let (classes, cohorts) = match loaded {
        None => return rsx! { p { class: "muted", {t!("loading")} } },
        Some(Err(message)) => return rsx! { Failure { failure: Some(message) } },
        Some(Ok(both)) => both,
    };
    let cohort_name =
        |id| cohorts.iter().find(|c: &&CohortView| Some(c.id) == id).map(|c| c.name.clone()).unwrap_or_default();
    let chosen = selected().and_then(|id| classes.iter().find(|c| c.id == id).cloned());
    rsx! {
        div { class: "admin-columns",
            section { class: "card admin-list",
                h2 { {t!("admin-classes")} }
                table { id: "classes",
                    thead { tr { th { {t!("admin-class-name")} } th { {t!("admin-cohort")} } } }
                    tbody {
                        for class in classes.iter().cloned() {
                            tr { key: "{class.id}", class: if Some(class.id) == selected() { "selected" } else { "" },
                                td { button { class: "link", "data-class": "{class.name}", onclick: move |_| selected.set(Some(class.id)), "{class.name}" } }
                                td { {cohort_name(class.cohort_id)} }
                            }
                        }
                    }
                }
                form { class: "form inline-form", id: "new-class", onsubmit: create,
                    h3 { {t!("admin-new-class")} }
                    label { r#for: "class-name", {t!("admin-class-name")} }
                    input { id: "class-name", required: true, value: "{name}", oninput: move |e| name.set(e.value()) }
                    label { r#for: "class-cohort", {t!("admin-cohort")} }
                    select { id: "class-cohort", onchange: move |e| cohort.set(e.value()),
                        option { value: "", {t!("admin-no-cohort")} }
                        for c in cohorts.iter().cloned() {
                            option { value: "{c.id}", "{c.name}" }
                        }
                    }
                    Failure { failure: failure() }
                    button { class: "primary", r#type: "submit", id: "create-class", {t!("admin-create-class")} }
                }
            }
            if let Some(class) = chosen {
                Members { key: "{class.id}", class }
            }
        }
    }
}

#[component]
fn Members(class: ClassView) -> Element {
    let session = use_context::<Session>();
    let school = class.school_id;
    let id = class.id;
    let mut version = use_signal(|| 0_u32);
    let listed = use_resource(move || async move {
        let _ = version();
        let (members_path, people_path) =
            (format!("/api/v1/classes/{id}/members"), format!("/api/v1/schools/{school}/users"));
        let members =
            session.call::<Vec<MemberView>>("GET", &members_path, || Body::None).await.map_err(|f| f.message)?;
        let people = session.call::<Vec<UserView>>("GET", &people_path, || Body::None).await.map_err(|f| f.message)?;
        Ok::<_, String>((members, people))
    });
    let mut picked = use_signal(String::new);
    let mut failure = use_signal(|| None::<String>);
    let enrol = move |people: Vec<UserView>| async move {
        failure.set(None);
        let Some(person) = people.into_iter().find(|p| p.id.to_string() == picked()) else { return };
        let role = if person.role == Role::Teacher { ClassRole::Teacher } else { ClassRole::Student };
        let request = AddMemberRequest { user_id: person.id, role };
        match session.call::<()>("POST", &format!("/api/v1/classes/{id}/members"), move || Body::json(&request)).await {
            Ok(()) => {
                picked.set(String::new());
                *version.write() += 1;
            }
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let remove = move |user: UserId| async move {
        failure.set(None);
        match session.call::<()>("DELETE", &format!("/api/v1/classes/{id}/members/{user}"), || Body::None).await {
            Ok(()) => *version.write() += 1,
            Err(f) => failure.set(Some(f.message)),
        }
    };
    let loaded = listed.read().clone();
    let (members, people) = match loaded {
        None => return rsx! { section { class: "card admin-side", p { class: "muted", {t!("loading")} } } },
        Some(Err(message)) => return rsx! { section { class: "card admin-side", Failure { failure: Some(message) } } },
        Some(Ok(both)) => both,
    };
    let candidates: Vec<UserView> = people
        .into_iter()
        .filter(|p| matches!(p.role, Role::Student | Role::Teacher) && p.status == UserStatus::Active)
        .filter(|p| !members.iter().any(|m| m.user_id == p.id))
        .collect();
    rsx! {
        section { class: "card admin-side", id: "members",
            h2 { "{class.name}" }
            p { class: "muted", {t!("admin-members", n = members.len())} }
            ul { class: "members",
                for member in members.iter().cloned() {
                    li { key: "{member.user_id}", "data-member": "{member.username}",
                        span { "{member.username}" }
                        span { class: "muted", {super::people::role_label(member.role.required_role())} }
                        button { class: "secondary small", aria_label: t!("admin-remove-from-class", username = member.username.clone()),
                            onclick: move |_| remove(member.user_id), {t!("admin-remove")} }
                    }
                }
            }
            label { r#for: "enrol-person", {t!("admin-enrol")} }
            div { class: "row-actions",
                select { id: "enrol-person", onchange: move |e| picked.set(e.value()),
                    option { value: "", selected: picked().is_empty(), {t!("admin-choose-person")} }
                    for person in candidates.iter().cloned() {
                        option { value: "{person.id}", "{person.username} · " {super::people::role_label(person.role)} }
                    }
                }
                button { class: "primary", id: "enrol", disabled: picked().is_empty(), onclick: move |_| enrol(candidates.clone()), {t!("admin-enrol-button")} }
            }
            Failure { failure: failure() }
        }
    }
}
