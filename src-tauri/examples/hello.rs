//! The benchmark's peer: a hello-world Tauri window built the same way as the app (Tauri 2,
//! the same WebKitGTK, a static page) — what launching and idling cost before any TallSchool
//! code runs. Built and driven by `sync-server/benches/desktop.rs`.

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!("examples/hello/tauri.conf.json")) {
        eprintln!("hello could not start: {error}");
        std::process::exit(1);
    }
}
