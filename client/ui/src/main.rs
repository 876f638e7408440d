//! TallSchool's screens: sign in, the Lobby, study, reading, video tests, the account, and the
//! teacher's editors and class view — in the desktop app's window and as the web app in a
//! browser. They talk to the engine only through [`engine::Engine`] and the contract's
//! messages, and speak the person's language through [`i18n`].

mod account;
mod admin;
mod app;
mod browser;
mod deck_editor;
mod engine;
mod i18n;
mod keys;
mod lobby;
mod messages;
mod playback;
mod prefs;
mod reader;
mod sign_in;
mod study;
mod teacher;
mod test_results;
mod text_editor;
mod typed_diff;
mod uploads;
mod video;
mod video_editor;
mod web_app;

fn main() {
    // A failure in the screens is written to the window's console, not lost.
    #[cfg(target_arch = "wasm32")]
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&info.to_string().into())));
    // When the screens start running (the desktop benchmark reads where launch time goes).
    #[cfg(target_arch = "wasm32")]
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("tallschool-main");
    }
    // The language is known before anything is drawn.
    prefs::start_language();
    if admin::is_admin_page() {
        dioxus::launch(admin::AdminApp);
    } else {
        dioxus::launch(app::App);
    }
}
