//! The window: which screen shows, the engine every screen uses, and the sync state everyone
//! sees (kept current by the engine's events).

use std::rc::Rc;

use dioxus::prelude::*;
use tallschool_contract::{Event, Request, Response};
use tallschool_shared::api::UserView;
use tallschool_shared::{ClassId, DocId};

use crate::engine::{Availability, Engine};
use crate::i18n::Lang;
use crate::prefs::Theme;
use crate::t;

#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    /// Asking the engine who is signed in.
    Starting,
    SignIn,
    /// Signed in with a one-time password: the account's own password comes first.
    ChoosePassword,
    Lobby,
    Study(DocId),
    Read(DocId),
    /// Sync, media, password, sign out.
    Account,
    /// Teachers: a deck's cards.
    Deck(DocId),
    /// Teachers: a text's Markdown and its preview.
    TextEditor(DocId),
    /// Teachers: how a class is doing.
    ClassProgress(ClassId),
    /// Students: a video test.
    Video(DocId),
    /// Teachers: a video test's video, rules and questions.
    VideoEditor(DocId),
}

/// What every screen may use.
#[derive(Clone)]
pub struct Shell {
    pub engine: Rc<dyn Engine>,
    pub screen: Signal<Screen>,
    pub user: Signal<Option<UserView>>,
    /// Bumped at each change the engine reports, so screens reload what they show.
    pub changes: Signal<u64>,
    /// The last sync found the server out of reach.
    pub offline: Signal<bool>,
    /// What runs in the background now ("Syncing: round 2 of 5"), while it runs.
    pub activity: Signal<Option<String>>,
    pub theme: Signal<Theme>,
    /// The upload under way: bytes sent of the file's size.
    pub upload: Signal<Option<(u64, u64)>>,
    /// Why the person is back at sign-in, when they did not sign out themselves.
    pub notice: Signal<Option<String>>,
}

/// What a screen shows from the engine (`load` asks for it), asked again at every change the
/// engine reports.
pub fn use_live<T, F>(mut load: impl FnMut(Rc<dyn Engine>) -> F + 'static) -> Resource<T>
where
    T: 'static,
    F: std::future::Future<Output = T> + 'static,
{
    let shell = use_context::<Shell>();
    let (changes, engine) = (shell.changes, shell.engine.clone());
    use_resource(move || {
        // Read so that every change the engine reports loads it again.
        let _ = changes();
        load(engine.clone())
    })
}

/// The background work an event reports, as a line for the top bar; `None` once it is done.
pub fn activity_of(event: &Event) -> Option<Option<String>> {
    match event {
        Event::SyncRound { progress, .. } if progress.round < progress.rounds_expected => {
            Some(Some(t!("activity-sync-round", round = progress.round + 1, rounds = progress.rounds_expected)))
        }
        Event::SyncRound { .. } | Event::SyncFinished { .. } => Some(None),
        Event::MediaProgress { progress } if progress.files_done < progress.files_total => Some(Some(t!(
            "activity-media",
            done = progress.files_done,
            total = progress.files_total,
            bytes_done = crate::account::size(progress.bytes_done),
            bytes_total = crate::account::size(progress.bytes_total)
        ))),
        Event::MediaProgress { .. } => Some(None),
        Event::UploadProgress { done, total } if done < total => {
            Some(Some(t!("activity-upload", done = crate::account::size(*done), total = crate::account::size(*total))))
        }
        Event::UploadProgress { .. } => Some(None),
        Event::ImportProgress { done, total } if done < total => {
            Some(Some(t!("activity-import", done = *done, total = *total)))
        }
        Event::ImportProgress { .. } => Some(None),
        _ => None,
    }
}

/// Whether screens should ask the engine again after `event`: not for progress along the way
/// (a large download reports every megabyte), only once something changed.
pub fn reloads_screens(event: &Event) -> bool {
    match event {
        Event::UploadProgress { .. } | Event::ImportProgress { .. } => false,
        Event::MediaProgress { progress } => progress.files_done >= progress.files_total,
        _ => true,
    }
}

impl Shell {
    pub fn go(&self, screen: Screen) {
        let mut target = self.screen;
        target.set(screen);
    }

    /// Speak `lang` from now on (remembered on this device).
    pub fn set_language(&self, lang: Lang) {
        crate::prefs::pick_language(lang);
    }

    pub fn set_theme(&self, theme: Theme) {
        crate::prefs::pick_theme(theme);
        let mut current = self.theme;
        current.set(theme);
    }
}

#[component]
pub fn App() -> Element {
    let engine: Rc<dyn Engine> = use_hook(crate::engine::for_this_window);
    let mut availability = use_signal(|| Availability::Starting);
    let screen = use_signal(|| Screen::Starting);
    let user = use_signal(|| None);
    let changes = use_signal(|| 0_u64);
    let offline = use_signal(|| false);
    let activity = use_signal(|| None);
    let theme = use_signal(crate::prefs::start_theme);
    let upload = use_signal(|| None);
    let notice = use_signal(|| None);
    let shell = use_context_provider(|| Shell {
        engine: engine.clone(),
        screen,
        user,
        changes,
        offline,
        activity,
        theme,
        upload,
        notice,
    });

    use_hook(|| {
        // Whether the engine answers yet (the web app's may wait for another tab to close).
        let (sender, mut receiver) = futures_channel::mpsc::unbounded::<Availability>();
        shell.engine.watch_availability(Rc::new(move |now| {
            let _ = sender.unbounded_send(now);
        }));
        spawn(async move {
            use futures_util::StreamExt as _;
            while let Some(now) = receiver.next().await {
                availability.set(now);
            }
        });
    });
    use_hook(|| {
        // Events arrive from outside the UI's runtime (a JavaScript callback): they go through a
        // channel to a task of the runtime, which may update the signals.
        let (sender, mut receiver) = futures_channel::mpsc::unbounded::<Event>();
        shell.engine.subscribe(Rc::new(move |event| {
            let _ = sender.unbounded_send(event);
        }));
        let (mut changes, mut offline, mut activity, mut upload) =
            (shell.changes, shell.offline, shell.activity, shell.upload);
        let (mut user, mut screen, mut notice) = (shell.user, shell.screen, shell.notice);
        spawn(async move {
            use futures_util::StreamExt as _;
            while let Some(event) = receiver.next().await {
                if let Event::SyncFinished { report } = &event {
                    offline.set(report.offline);
                }
                if let Some(now) = activity_of(&event) {
                    activity.set(now);
                }
                if event == Event::AccountRemoved {
                    // The school's order, carried out by the engine: back to sign-in, saying why.
                    user.set(None);
                    notice.set(Some(t!("error-device-wiped")));
                    screen.set(Screen::SignIn);
                }
                if let Event::UploadProgress { done, total } = event {
                    upload.set((done < total).then_some((done, total)));
                }
                if reloads_screens(&event) {
                    *changes.write() += 1;
                }
            }
        });
        let shell = shell.clone();
        spawn(async move {
            let (mut user, mut screen) = (shell.user, shell.screen);
            match shell.engine.call(Request::CurrentUser).await {
                Ok(Response::CurrentUser(Some(current))) => {
                    user.set(Some(current));
                    let must =
                        matches!(shell.engine.call(Request::PasswordChangeRequired).await, Ok(Response::Flag(true)));
                    screen.set(if must { Screen::ChoosePassword } else { Screen::Lobby });
                }
                _ => screen.set(Screen::SignIn),
            }
        });
    });

    let current = screen();
    let waiting = match availability() {
        Availability::OpenElsewhere => Some(rsx! {
            main { class: "sign-in", id: "open-elsewhere",
                h1 { class: "brand", "TallSchool" }
                section { class: "card", role: "status",
                    h2 { {t!("open-elsewhere-title")} }
                    p { {t!("open-elsewhere")} }
                }
            }
        }),
        Availability::Failed(why) => Some(rsx! {
            main { class: "sign-in",
                h1 { class: "brand", "TallSchool" }
                p { class: "error", role: "alert", id: "engine-failed", {t!("engine-failed", why = why)} }
            }
        }),
        Availability::Starting | Availability::Ready => None,
    };
    if let Some(waiting) = waiting {
        return rsx! { div { class: "app", {waiting} } };
    }
    rsx! {
        div { class: "app",
            crate::web_app::UpdateBanner {}
            match current {
                Screen::Starting => rsx! { p { class: "muted center", {t!("opening")} } },
                Screen::SignIn => rsx! { crate::sign_in::SignIn {} },
                Screen::ChoosePassword => rsx! { crate::sign_in::ChoosePassword { one_time: None } },
                Screen::Lobby => rsx! { crate::lobby::LobbyScreen {} },
                Screen::Study(deck) => rsx! { crate::study::Study { deck } },
                Screen::Read(text) => rsx! { crate::reader::Reader { text } },
                Screen::Account => rsx! { crate::account::Account {} },
                Screen::Deck(deck) => rsx! { crate::deck_editor::DeckEditor { deck } },
                Screen::TextEditor(text) => rsx! { crate::text_editor::TextEditor { text } },
                Screen::ClassProgress(class) => rsx! { crate::teacher::ClassProgress { class } },
                Screen::Video(test) => rsx! { crate::video::VideoTestPlayer { test } },
                Screen::VideoEditor(test) => rsx! { crate::video_editor::VideoEditor { test } },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tallschool_contract::media::MediaProgress;
    use tallschool_contract::sync::{SyncProgress, SyncReport};

    use super::*;

    #[test]
    fn long_work_says_how_far_it_is() {
        crate::i18n::set(Lang::En);
        let round = |round, rounds_expected| Event::SyncRound {
            report: SyncReport::default(),
            progress: SyncProgress { round, rounds_expected, to_send: 0, to_receive: 0 },
        };
        assert_eq!(activity_of(&round(2, 5)), Some(Some("Syncing: round 3 of 5".to_owned())));
        assert_eq!(activity_of(&round(5, 5)), Some(None), "the last round ends it");
        let media = MediaProgress {
            files_done: 3,
            files_total: 10,
            bytes_done: 2 << 20,
            bytes_total: 5 << 20,
            ..MediaProgress::default()
        };
        assert_eq!(
            activity_of(&Event::MediaProgress { progress: media.clone() }),
            Some(Some("Downloading pictures and sound: 3 of 10 files (2 MB of 5 MB)".to_owned()))
        );
        assert_eq!(activity_of(&Event::LobbyChanged), None, "other events leave it as it is");
        assert!(
            !reloads_screens(&Event::MediaProgress { progress: media }),
            "a download on its way changes nothing yet"
        );
        assert!(!reloads_screens(&Event::UploadProgress { done: 1, total: 2 }));
        assert!(reloads_screens(&Event::LobbyChanged));
    }
}
