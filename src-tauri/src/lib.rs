//! The desktop app: a Tauri window showing the screens of `client/ui`, with the offline engine
//! running here, natively, on its store in the app's data folder. The screens send the
//! contract's requests to one command (`engine`); the engine's events reach them as the
//! `engine-event` Tauri event. While signed in, the app syncs by itself in the background.

mod background;

use std::path::PathBuf;

use tallschool_client::Core;
use tallschool_contract::{Error, Request, Response};
use tauri::{Emitter, Manager};

struct Engine(Core);

/// Every operation of the engine, as the contract's messages.
#[tauri::command]
async fn engine(state: tauri::State<'_, Engine>, request: Request) -> Result<Response, Error> {
    state.0.handle(request).await
}

/// Where the device's data lives: `TALLSCHOOL_HOME` if set (tests, several devices on one
/// computer), else the app's data folder.
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    match std::env::var_os("TALLSCHOOL_HOME") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Ok(app.path().app_data_dir()?),
    }
}

/// The school's server to offer on the first sign-in: `TALLSCHOOL_SERVER`, if set.
fn server_script() -> String {
    let server = std::env::var("TALLSCHOOL_SERVER").unwrap_or_default();
    let quoted = serde_json::to_string(&server).unwrap_or_else(|_| "\"\"".to_owned());
    format!("window.__TALLSCHOOL_SERVER__ = {quoted};")
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let app = tauri::Builder::default()
        .setup(|app| {
            let dir = data_dir(app)?;
            let core = Core::open(&dir)?;
            // Pictures, sound and video play from the device's media cache, and nothing else on
            // the disk is reachable by the window.
            app.asset_protocol_scope().allow_directory(dir.join("media"), true)?;
            let handle = app.handle().clone();
            core.subscribe(move |event| {
                if let Err(error) = handle.emit("engine-event", event) {
                    tracing::warn!(%error, "event not delivered to the window");
                }
            });
            app.manage(Engine(core.clone()));
            tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::default())
                // The window's own storage (the remembered server) lives with the device's data.
                .data_directory(dir.join("webview"))
                .title("TallSchool")
                .inner_size(1024.0, 720.0)
                .min_inner_size(360.0, 560.0)
                .initialization_script(server_script())
                .build()?;
            let wake = background::waker(&core);
            tauri::async_runtime::spawn(background::sync_forever(core, wake));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![engine])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("TallSchool could not start: {error}");
            std::process::exit(1);
        }
    }
}
