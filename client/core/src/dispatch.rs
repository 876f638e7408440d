//! The one entry point for front ends that talk in messages (the Tauri shell's commands, the
//! web app's worker): a [`Request`] in, a [`Response`] or a contract [`Error`] out.

use tallschool_contract::Error;
use tallschool_contract::request::{Request, Response};

use crate::Core;
use crate::error::ClientError;

impl Core {
    /// Answer one request by calling the service it names.
    pub async fn handle(&self, request: Request) -> Result<Response, Error> {
        self.answer(request).await.map_err(Error::from)
    }

    #[allow(clippy::too_many_lines)]
    async fn answer(&self, request: Request) -> Result<Response, ClientError> {
        Ok(match request {
            Request::Login { server, username, password, device_name } => {
                Response::User(self.session().login(&server, &username, &password, &device_name).await?)
            }
            Request::ChangePassword { current, new } => {
                self.session().change_password(&current, &new).await?;
                Response::Done
            }
            Request::Logout { discard } => Response::Logout(self.session().logout(discard).await?),
            Request::CurrentUser => Response::CurrentUser(self.session().current_user()),
            Request::PasswordChangeRequired => Response::Flag(self.password_change_required()),
            Request::Devices => Response::Devices(self.session().devices().await?),
            Request::SignOutDevice { session } => {
                self.session().sign_out_device(session).await?;
                Response::Done
            }

            Request::Sync => Response::Sync(self.sync().run().await?),
            Request::SyncMedia => Response::Media(self.media().sync().await?),
            Request::StoreStatus => Response::StoreStatus(self.sync().status()?),
            Request::Documents => Response::Documents(self.sync().documents()?),
            Request::Document { doc } => Response::Document(self.sync().document(doc)?),
            Request::RetryRejected => Response::Count(self.sync().retry_rejected()?),

            Request::Lobby => Response::Lobby(self.lobby().get()?),

            Request::CreateDeck { class, title, theme } => {
                Response::Created(self.decks().create(class, &title, theme.as_deref())?)
            }
            Request::PutCard { deck, card, patch } => {
                Response::Id(self.decks().put_card(deck, card.as_deref(), &patch)?)
            }
            Request::DeleteCard { deck, card } => {
                self.decks().delete_card(deck, &card)?;
                Response::Done
            }
            Request::SetTitle { doc, title } => {
                self.decks().set_title(doc, &title)?;
                Response::Done
            }
            Request::SetTheme { deck, theme } => {
                self.decks().set_theme(deck, &theme)?;
                Response::Done
            }
            Request::Cards { deck } => Response::Cards(self.decks().cards(deck)?),
            Request::ImportCards { deck, text } => Response::Imported(self.decks().import(deck, &text)?),
            Request::ExportCards { deck } => Response::Csv(self.decks().export(deck)?),
            Request::ImportAnki { class, deck, path } => {
                Response::AnkiImported(self.decks().import_anki(class, deck, std::path::Path::new(&path)).await?)
            }
            Request::DeckReport { deck } => Response::DeckReport(self.decks().report(deck)?),

            Request::NextItem { deck } => Response::Next(self.study().next(deck)?),
            Request::Answer { deck, item, rating, typed } => {
                Response::Answered(self.study().answer(deck, &item, rating, typed.as_deref())?)
            }
            Request::Undo => Response::Undone(self.study().undo()?),
            Request::Queue { deck } => Response::Queue(self.study().queue(deck)?),
            Request::EndSession => Response::Count(self.study().end_session()?),
            Request::Reviews { progress } => Response::Reviews(self.study().reviews(progress)?),

            Request::Classes => Response::Classes(self.classes().list()?),
            Request::SetStudySettings { class, settings } => {
                Response::Class(self.classes().set_study_settings(class, settings).await?)
            }
            Request::ThemeHeatmap { class } => Response::ThemeHeatmap(self.classes().theme_heatmap(class)?),
            Request::Roster { class } => Response::Roster(self.classes().roster(class).await?),

            Request::CreateText { class, title } => Response::Created(self.reader().create(class, &title)?),
            Request::AppendText { text, words } => {
                self.reader().append(text, &words)?;
                Response::Done
            }
            Request::SetBody { text, markdown } => {
                self.reader().set_body(text, &markdown)?;
                Response::Done
            }
            Request::Reader { text } => Response::Reader(self.reader().view(text)?),
            Request::Body { text } => Response::Text(self.reader().body(text)?),
            Request::SetPosition { text, place } => Response::Position(self.reader().set_position(text, &place)?),
            Request::Bookmark { text, offset, note } => Response::Id(self.reader().bookmark(text, offset, &note)?),
            Request::Highlight { text, span, colour, note } => {
                Response::Id(self.reader().highlight(text, &span, &colour, &note)?)
            }
            Request::DeleteMark { text, kind, id } => {
                self.reader().delete_mark(text, kind, &id)?;
                Response::Done
            }
            Request::CardFromText { text, highlight, find, back } => Response::Id(self.reader().card_from_text(
                text,
                highlight.as_deref(),
                find.as_deref(),
                back.as_deref(),
            )?),
            Request::ReadingProgress { text } => Response::ReadingProgress(self.reader().progress(text)?),

            Request::CreateVideoTest { class, title } => Response::Created(self.video_tests().create(class, &title)?),
            Request::ConfigureVideoTest { test, settings } => {
                self.video_tests().configure(test, &settings)?;
                Response::Done
            }
            Request::AddQuestion { test, question } => Response::Id(self.video_tests().add_question(test, &question)?),
            Request::RemoveQuestion { test, question } => {
                self.video_tests().remove_question(test, &question)?;
                Response::Done
            }
            Request::VideoTest { test } => Response::VideoTest(self.video_tests().view(test)?),
            Request::StartAttempt { test, rate } => {
                Response::AttemptStarted(self.video_tests().start_attempt(test, rate)?)
            }
            Request::Watch { test, attempt, from, to, rate } => {
                Response::Watched(self.video_tests().watch(test, &attempt, from, to, rate)?)
            }
            Request::AnswerQuestion { test, attempt, question, answer, at } => {
                Response::Points(self.video_tests().answer(test, &attempt, &question, &answer, at)?)
            }
            Request::Submit { test, attempt } => {
                self.video_tests().submit(test, &attempt)?;
                Response::Done
            }
            Request::Attempts { test } => Response::Attempts(self.video_tests().attempts(test)?),
            Request::Results { test } => Response::Results(self.video_tests().fetch_results(test).await?),
            Request::Submissions { test } => Response::Submissions(self.video_tests().submissions(test)?),
            Request::Grade { test, student, attempt, question, points } => {
                Response::Graded(self.video_tests().grade(test, student, &attempt, &question, points).await?)
            }

            Request::Assign { doc, assignment } => Response::Id(self.assignments().assign(doc, &assignment)?),
            Request::Unassign { doc, assignment } => {
                self.assignments().unassign(doc, &assignment)?;
                Response::Done
            }

            Request::RunDigests { school, week_of } => Response::Digests(self.digests().run(school, week_of).await?),
            Request::Digests { scope } => Response::Digests(self.digests().list(scope).await?),

            Request::MediaStatus => Response::MediaStatus(self.media().status()?),
            Request::SetMediaBudget { bytes } => {
                self.media().set_budget(bytes)?;
                Response::Done
            }
            Request::UploadMedia { path, mime } => {
                Response::Uploaded(self.media().upload(std::path::Path::new(&path), &mime).await?)
            }
            Request::MediaPath { hash } => Response::MediaFile(self.media().file(&hash)?),

            Request::UtcOffset => Response::UtcOffset(self.settings().utc_offset()?),
            Request::SetUtcOffset { offset } => Response::UtcOffset(self.settings().set_utc_offset(offset, None)?),
        })
    }
}

/// A native front end runs requests on a thread pool (Tauri's async commands): the future of
/// every request must be `Send`. Checked when this compiles. (A browser worker has one thread.)
#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)]
fn requests_can_run_on_any_thread(core: &Core, request: Request) {
    fn send<T: Send>(_: T) {}
    send(core.handle(request));
}
