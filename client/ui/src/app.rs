//! The window: which screen shows, the engine every screen uses, and the sync state everyone
//! sees (kept current by the engine's events).

use std::rc::Rc;

use dioxus::prelude::*;
use tallschool_contract::{Event, Request, Response};
use tallschool_shared::api::UserView;
use tallschool_shared::{ClassId, DocId};

use crate::engine::{Engine, TauriEngine};

#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    /// Asking the engine who is signed in.
    Starting,
    SignIn,
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
}

impl Shell {
    pub fn go(&self, screen: Screen) {
        let mut target = self.screen;
        target.set(screen);
    }
}

#[component]
pub fn App() -> Element {
    let engine: Rc<dyn Engine> = use_hook(|| Rc::new(TauriEngine) as Rc<dyn Engine>);
    let screen = use_signal(|| Screen::Starting);
    let user = use_signal(|| None);
    let changes = use_signal(|| 0_u64);
    let offline = use_signal(|| false);
    let shell = use_context_provider(|| Shell { engine: engine.clone(), screen, user, changes, offline });

    use_hook(|| {
        // Events arrive from outside the UI's runtime (a JavaScript callback): they go through a
        // channel to a task of the runtime, which may update the signals.
        let (sender, mut receiver) = futures_channel::mpsc::unbounded::<Event>();
        shell.engine.subscribe(Rc::new(move |event| {
            let _ = sender.unbounded_send(event);
        }));
        let (mut changes, mut offline) = (shell.changes, shell.offline);
        spawn(async move {
            use futures_util::StreamExt as _;
            while let Some(event) = receiver.next().await {
                if let Event::SyncFinished { report } = &event {
                    offline.set(report.offline);
                }
                *changes.write() += 1;
            }
        });
        let shell = shell.clone();
        spawn(async move {
            let (mut user, mut screen) = (shell.user, shell.screen);
            match shell.engine.call(Request::CurrentUser).await {
                Ok(Response::CurrentUser(Some(current))) => {
                    user.set(Some(current));
                    screen.set(Screen::Lobby);
                }
                _ => screen.set(Screen::SignIn),
            }
        });
    });

    let current = screen();
    rsx! {
        div { class: "app",
            match current {
                Screen::Starting => rsx! { p { class: "muted center", "Opening…" } },
                Screen::SignIn => rsx! { crate::sign_in::SignIn {} },
                Screen::Lobby => rsx! { crate::lobby::LobbyScreen {} },
                Screen::Study(deck) => rsx! { crate::study::Study { deck } },
                Screen::Read(text) => rsx! { crate::reader::Reader { text } },
                Screen::Account => rsx! { crate::account::Account {} },
                Screen::Deck(deck) => rsx! { crate::teacher::DeckEditor { deck } },
                Screen::TextEditor(text) => rsx! { crate::text_editor::TextEditor { text } },
                Screen::ClassProgress(class) => rsx! { crate::teacher::ClassProgress { class } },
            }
        }
    }
}
