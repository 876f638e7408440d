//! The desktop app: a Tauri window showing the screens of `client/ui`, with the offline engine
//! running here, natively, on its store in the app's data folder. The screens send the
//! contract's requests to one command (`engine`); the engine's events reach them as the
//! `engine-event` Tauri event. While signed in, the app syncs by itself in the background.
//! Files picked in the window reach the engine through `stage_file`; files the app hands out
//! go to the Downloads folder through `save_file`.

mod downloads;
mod media_server;
mod staging;

use std::path::PathBuf;

use tallschool_client::{Core, background};
use tallschool_contract::{Error, ErrorCode, Request, Response};
use tauri::ipc::InvokeBody;
use tauri::{Emitter, Manager};

struct Engine(Core);

/// Where picked files are copied, and where handed-out files go.
struct Folders {
    staging: PathBuf,
    downloads: PathBuf,
}

/// Every operation of the engine, as the contract's messages.
#[tauri::command]
async fn engine(state: tauri::State<'_, Engine>, request: Request) -> Result<Response, Error> {
    state.0.handle(request).await
}

fn invalid(message: String) -> Error {
    Error { code: ErrorCode::Invalid, message, field: None, server_code: None }
}

fn header<'a>(request: &'a tauri::ipc::Request<'_>, name: &str) -> Result<&'a str, Error> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| invalid(format!("the {name} header is missing")))
}

/// One piece of a file picked in the window (raw bytes; headers `stage-id`, `offset`); the
/// path requests name it by (`UploadMedia`, `ImportAnki`).
#[tauri::command]
async fn stage_file(folders: tauri::State<'_, Folders>, request: tauri::ipc::Request<'_>) -> Result<String, Error> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(invalid("a file's bytes were expected".to_owned()));
    };
    let id = header(&request, "stage-id")?;
    let offset = header(&request, "offset")?.parse().map_err(|_| invalid("offset is not a number".to_owned()))?;
    let path = staging::write_piece(&folders.staging, id, offset, bytes).map_err(|e| invalid(e.to_string()))?;
    Ok(path.display().to_string())
}

/// A copied file the engine no longer needs.
#[tauri::command]
fn release_file(folders: tauri::State<'_, Folders>, id: String) {
    staging::release(&folders.staging, &id);
}

/// Save bytes (raw; header `file-name`) in the Downloads folder; where they went.
#[tauri::command]
async fn save_file(folders: tauri::State<'_, Folders>, request: tauri::ipc::Request<'_>) -> Result<String, Error> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(invalid("a file's bytes were expected".to_owned()));
    };
    // The window sends the name percent-encoded (header values are ASCII).
    let name = percent_encoding::percent_decode_str(header(&request, "file-name")?).decode_utf8_lossy();
    let path = downloads::save(&folders.downloads, &name, bytes).map_err(|e| invalid(e.to_string()))?;
    Ok(path.display().to_string())
}

/// Where the device's data lives: `TALLSCHOOL_HOME` if set (tests, several devices on one
/// computer), else the app's data folder.
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    match std::env::var_os("TALLSCHOOL_HOME") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Ok(app.path().app_data_dir()?),
    }
}

/// The Downloads folder: `TALLSCHOOL_DOWNLOADS` if set (tests), else the system's.
fn downloads_dir(app: &tauri::App, data: &std::path::Path) -> PathBuf {
    match std::env::var_os("TALLSCHOOL_DOWNLOADS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => app.path().download_dir().unwrap_or_else(|_| data.join("downloads")),
    }
}

/// What the window is told at start: the school's server to offer on the first sign-in
/// (`TALLSCHOOL_SERVER`, if set) and where the media cache is served.
fn start_script(media: &str) -> String {
    let quote = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
    let server = std::env::var("TALLSCHOOL_SERVER").unwrap_or_default();
    format!("window.__TALLSCHOOL_SERVER__ = {}; window.__TALLSCHOOL_MEDIA__ = {};", quote(&server), quote(media))
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let app = tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app)?;
            let core = Core::open(&dir)?;
            // Pictures, sound and video play from the device's media cache, served on loopback
            // under a secret address (nothing else on the disk is reachable by the window).
            let media = tauri::async_runtime::block_on(media_server::start(core.clone()))?;
            let handle = app.handle().clone();
            core.subscribe(move |event| {
                if let Err(error) = handle.emit("engine-event", event) {
                    tracing::warn!(%error, "event not delivered to the window");
                }
            });
            app.manage(Engine(core.clone()));
            let staging = dir.join("staging");
            staging::clear(&staging);
            app.manage(Folders { staging, downloads: downloads_dir(app, &dir) });
            tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::default())
                // The window's own storage (the remembered server) lives with the device's data.
                .data_directory(dir.join("webview"))
                .title("TallSchool")
                .inner_size(1024.0, 720.0)
                .min_inner_size(360.0, 560.0)
                // Ctrl + and Ctrl - zoom the page, Ctrl 0 goes back to 100%.
                .zoom_hotkeys_enabled(true)
                .initialization_script(start_script(&media))
                .build()?;
            let wake = background::waker(&core);
            tauri::async_runtime::spawn(background::sync_forever(core, wake));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![engine, stage_file, release_file, save_file])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("TallSchool could not start: {error}");
            std::process::exit(1);
        }
    }
}
