//! TallSchool's screens: sign in, the Lobby, study. They talk to the engine only through
//! [`engine::Engine`] and the contract's messages.

mod account;
mod app;
mod browser;
mod engine;
mod keys;
mod lobby;
mod messages;
mod reader;
mod sign_in;
mod study;
mod teacher;
mod text_editor;
mod typed_diff;

fn main() {
    // A failure in the screens is written to the window's console, not lost.
    #[cfg(target_arch = "wasm32")]
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&info.to_string().into())));
    dioxus::launch(app::App);
}
