//! Files a teacher picks (pictures and sound for cards, a test's video, an Anki deck): copied to
//! the engine with progress, uploaded with progress, and the copy given back.

use std::rc::Rc;

use dioxus::html::FileData;
use dioxus::prelude::*;
use tallschool_contract::{Request, Response};
use tallschool_shared::api::MediaView;

use crate::app::Shell;
use crate::engine::{Engine, ask};
use crate::{messages, t};

/// Copy a picked file where the engine reads it, telling `copying` how far it is; its path.
/// The caller gives it back with [`Engine::release_file`].
pub async fn stage(
    engine: &Rc<dyn Engine>,
    file: FileData,
    mut copying: Signal<Option<(u64, u64)>>,
) -> Result<String, String> {
    copying.set(Some((0, file.size())));
    let progress = Rc::new(move |done, total| {
        let mut copying = copying;
        copying.set(Some((done, total)));
    });
    let staged = engine.stage_file(file, progress).await.map_err(|e| messages::failure(&e));
    copying.set(None);
    staged
}

/// Copy, then upload a picked picture, sound or video; the stored object.
pub async fn upload_picked(
    engine: &Rc<dyn Engine>,
    file: FileData,
    copying: Signal<Option<(u64, u64)>>,
) -> Result<MediaView, String> {
    let name = file.name();
    let mime = file
        .content_type()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| tallschool_shared::media::mime_from_name(&name).to_owned());
    let path = stage(engine, file, copying).await?;
    let uploaded =
        ask(engine, Request::UploadMedia { path: path.clone(), mime }, crate::pick!(Response::Uploaded)).await;
    engine.release_file(&path);
    uploaded
}

/// How far a copy or an upload is, as a bar and a line ("Uploading: 3 MB of 8 MB").
#[component]
pub fn Transfer(copying: Option<(u64, u64)>, busy: bool) -> Element {
    let shell = use_context::<Shell>();
    let (label, done, total) = match (copying, (shell.upload)()) {
        (Some((done, total)), _) => (t!("copying-file"), done, total),
        (None, Some((done, total))) => (t!("uploading-file"), done, total),
        (None, None) if busy => (t!("uploading-file"), 0, 0),
        (None, None) => return rsx! {},
    };
    let percent = if total == 0 { 0.0 } else { done as f64 * 100.0 / total as f64 };
    let sizes = if total == 0 {
        String::new()
    } else {
        t!("size-of", done = crate::account::size(done), total = crate::account::size(total))
    };
    rsx! {
        div { class: "transfer", role: "status",
            span { "{label} {sizes}" }
            div { class: "progress small", role: "progressbar", "aria-label": "{label}", "aria-valuemin": "0",
                "aria-valuemax": "100", "aria-valuenow": "{percent:.0}",
                div { class: "bar", style: "width: {percent}%" }
            }
        }
    }
}
