//! Every operation of the engine as one message, and every answer as another. The Tauri shell
//! exposes one command per request; the web app posts them to its worker; both get a
//! [`Response`] or an [`crate::Error`] back.

use serde::{Deserialize, Serialize};
use tallschool_shared::anki::AnkiReport;
use tallschool_shared::api::{ClassView, MediaView, ResultsView, RosterEntry, SessionView, UserView};
use tallschool_shared::cards::{CardFields, CardType, ImportReport};
use tallschool_shared::digest::Digest;
use tallschool_shared::reviews::Review;
use tallschool_shared::scheduling::{Rating, StudySettings};
use tallschool_shared::schema::{StoredCard, VideoTest};
use tallschool_shared::video::{Answer, AttemptResult, Watched};
use tallschool_shared::{ClassId, DocId, SchoolId, SessionId, UserId};

use crate::learning::{Answered, ClassSettings, NextItem, Scheduled};
use crate::lobby::Lobby;
use crate::media::{MediaFile, MediaProgress, MediaStatus};
use crate::reader::{MarkKind, Place, Position, ReaderView, Span};
use crate::reports::{DeckReport, ReadingRow, ThemeHeatmap};
use crate::sync::{DocSummary, LogoutReport, StoreStatus, SyncReport};
use crate::video::{AttemptStarted, AttemptView, NewQuestion, Submission, TestSettings};

/// Fields of a card to set; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CardPatch {
    pub card_type: Option<CardType>,
    pub front: Option<String>,
    pub back: Option<String>,
    pub example: Option<String>,
    pub hint: Option<String>,
    pub tags: Option<Vec<String>>,
    /// SHA-256 of images and sounds.
    pub media: Option<Vec<String>>,
}

impl CardPatch {
    /// Set the front and/or the back.
    pub fn front_back(front: Option<&str>, back: Option<&str>) -> CardPatch {
        CardPatch { front: front.map(str::to_owned), back: back.map(str::to_owned), ..CardPatch::default() }
    }

    /// Set the patch's fields on `card`.
    pub fn apply(&self, card: &mut CardFields) {
        if let Some(t) = self.card_type {
            card.card_type = t;
        }
        let set = |target: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                value.clone_into(target);
            }
        };
        set(&mut card.front, &self.front);
        set(&mut card.back, &self.back);
        set(&mut card.example, &self.example);
        set(&mut card.hint, &self.hint);
        if let Some(tags) = &self.tags {
            card.tags.clone_from(tags);
        }
        if let Some(media) = &self.media {
            card.media.clone_from(media);
        }
    }
}

/// Who an assignment is for and when it is due.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewAssignment {
    /// Students of a group, or one student; empty means the whole class.
    pub students: Vec<UserId>,
    pub group: String,
    /// Unix seconds.
    pub due: Option<i64>,
    /// For texts: the part to read, e.g. "chapter 2".
    pub section: String,
    pub note: String,
}

/// Whose digests to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestScope {
    Class(ClassId),
    School(SchoolId),
}

/// This device's offset from UTC for "today".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UtcOffsetSetting {
    /// Follow the system's time zone (the default).
    Auto,
    /// A fixed offset in seconds.
    Fixed(i64),
}

/// One operation. Grouped by service: session, sync, lobby, decks, study, classes, reader,
/// video tests, assignments, digests, media, settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    // Session
    /// Sign in; a different account's unsynced work on the device is never mixed in.
    Login {
        server: String,
        username: String,
        password: String,
        device_name: String,
    },
    /// Choose a new password (the current one is needed).
    ChangePassword {
        current: String,
        new: String,
    },
    /// Sign out; refused while work is unsynced unless `discard`.
    Logout {
        discard: bool,
    },
    /// Who is signed in, if anyone.
    CurrentUser,
    /// Whether the account signed in with a one-time password and must choose its own before
    /// anything else ([`Response::Flag`]).
    PasswordChangeRequired,
    /// The account's signed-in devices (online).
    Devices,
    /// End another device's session (online).
    SignOutDevice {
        session: SessionId,
    },

    // Sync
    /// Send what is pending and receive what is new.
    Sync,
    /// Fetch the media the documents show (resuming) and evict the rest.
    SyncMedia,
    StoreStatus,
    Documents,
    /// A document's content as JSON.
    Document {
        doc: DocId,
    },
    /// Put refused changes back in the queue.
    RetryRejected,

    // Lobby
    Lobby,

    // Decks (teachers)
    CreateDeck {
        class: ClassId,
        title: String,
        theme: Option<String>,
    },
    /// Add a card (`card: None`) or change one.
    PutCard {
        deck: DocId,
        card: Option<String>,
        patch: CardPatch,
    },
    DeleteCard {
        deck: DocId,
        card: String,
    },
    SetTitle {
        doc: DocId,
        title: String,
    },
    SetTheme {
        deck: DocId,
        theme: String,
    },
    Cards {
        deck: DocId,
    },
    /// Cards from CSV or TSV text with a header row.
    ImportCards {
        deck: DocId,
        text: String,
    },
    ExportCards {
        deck: DocId,
    },
    /// An Anki package (`.apkg`) at `path` on this device: into `deck`, or into a new deck of
    /// `class` per Anki deck.
    ImportAnki {
        class: ClassId,
        deck: Option<DocId>,
        path: String,
    },
    DeckReport {
        deck: DocId,
    },

    // Study (students)
    NextItem {
        deck: Option<DocId>,
    },
    /// Answer with a rating, or with a typed answer (the rating follows from whether it
    /// matches, unless one is given).
    Answer {
        deck: DocId,
        item: String,
        rating: Option<Rating>,
        typed: Option<String>,
    },
    Undo,
    Queue {
        deck: DocId,
    },
    /// Write the session's answers into the progress documents.
    EndSession,
    Reviews {
        progress: DocId,
    },

    // Classes
    Classes,
    SetStudySettings {
        class: ClassId,
        settings: StudySettings,
    },
    ThemeHeatmap {
        class: ClassId,
    },
    /// The class's teachers and students with their names (teachers; online: names are
    /// personal data, not kept on the device).
    Roster {
        class: ClassId,
    },

    // Reader
    CreateText {
        class: ClassId,
        title: String,
    },
    AppendText {
        text: DocId,
        words: String,
    },
    /// Replace the body (Markdown); only the changed part is edited.
    SetBody {
        text: DocId,
        markdown: String,
    },
    Reader {
        text: DocId,
    },
    Body {
        text: DocId,
    },
    SetPosition {
        text: DocId,
        place: Place,
    },
    Bookmark {
        text: DocId,
        offset: u64,
        note: String,
    },
    Highlight {
        text: DocId,
        span: Span,
        colour: String,
        note: String,
    },
    DeleteMark {
        text: DocId,
        kind: MarkKind,
        id: String,
    },
    /// A card in the student's own deck from a highlight or from the first occurrence of words.
    CardFromText {
        text: DocId,
        highlight: Option<String>,
        find: Option<String>,
        back: Option<String>,
    },
    ReadingProgress {
        text: DocId,
    },

    // Video tests
    CreateVideoTest {
        class: ClassId,
        title: String,
    },
    ConfigureVideoTest {
        test: DocId,
        settings: TestSettings,
    },
    AddQuestion {
        test: DocId,
        question: NewQuestion,
    },
    /// Take a question out of a test (teachers).
    RemoveQuestion {
        test: DocId,
        question: String,
    },
    VideoTest {
        test: DocId,
    },
    StartAttempt {
        test: DocId,
        rate: f64,
    },
    Watch {
        test: DocId,
        attempt: String,
        from: u32,
        to: u32,
        rate: f64,
    },
    /// Answer a question; `at` defaults to the question's time.
    AnswerQuestion {
        test: DocId,
        attempt: String,
        question: String,
        answer: Answer,
        at: Option<u32>,
    },
    Submit {
        test: DocId,
        attempt: String,
    },
    Attempts {
        test: DocId,
    },
    /// Everyone's graded attempts (teachers; online).
    Results {
        test: DocId,
    },
    /// Every student's attempts on this device with their results as last fetched (teachers;
    /// offline too).
    Submissions {
        test: DocId,
    },
    /// Give points for an answer (teachers; online).
    Grade {
        test: DocId,
        student: UserId,
        attempt: String,
        question: String,
        points: f64,
    },

    // Assignments
    Assign {
        doc: DocId,
        assignment: NewAssignment,
    },
    Unassign {
        doc: DocId,
        assignment: String,
    },

    // Digests (online)
    RunDigests {
        school: SchoolId,
        week_of: Option<i64>,
    },
    Digests {
        scope: DigestScope,
    },

    // Media
    MediaStatus,
    SetMediaBudget {
        bytes: u64,
    },
    /// Upload a file from this device (teachers); `mime` is checked by the server anyway.
    UploadMedia {
        path: String,
        mime: String,
    },
    /// Where a cached object is on this device, and its type.
    MediaPath {
        hash: String,
    },

    // Settings
    UtcOffset,
    SetUtcOffset {
        offset: UtcOffsetSetting,
    },
}

/// The answer to a [`Request`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", content = "value", rename_all = "snake_case")]
pub enum Response {
    Done,
    User(UserView),
    CurrentUser(Option<UserView>),
    /// A yes or no.
    Flag(bool),
    Devices(Vec<SessionView>),
    Logout(LogoutReport),
    Sync(SyncReport),
    Media(MediaProgress),
    StoreStatus(StoreStatus),
    Documents(Vec<DocSummary>),
    Document(serde_json::Value),
    Count(u64),
    Lobby(Lobby),
    Created(DocId),
    /// The id of the card, mark, question or assignment made.
    Id(String),
    Cards(Vec<StoredCard>),
    Imported(ImportReport),
    AnkiImported(AnkiReport),
    Csv(String),
    DeckReport(DeckReport),
    Next(Option<NextItem>),
    Answered(Answered),
    /// The item whose answer was taken back.
    Undone(Option<String>),
    Queue(Vec<Scheduled>),
    Reviews(Vec<Review>),
    Classes(Vec<ClassSettings>),
    Roster(Vec<RosterEntry>),
    Class(ClassView),
    ThemeHeatmap(ThemeHeatmap),
    Reader(ReaderView),
    Text(String),
    Position(Position),
    ReadingProgress(Vec<ReadingRow>),
    VideoTest(VideoTest),
    AttemptStarted(AttemptStarted),
    Watched(Watched),
    /// Points of an instantly graded answer (`None`: graded after sync).
    Points(Option<f64>),
    Attempts(Vec<AttemptView>),
    Submissions(Vec<Submission>),
    Results(ResultsView),
    Graded(AttemptResult),
    Digests(Vec<Digest>),
    MediaStatus(MediaStatus),
    Uploaded(MediaView),
    MediaFile(MediaFile),
    UtcOffset(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_responses_are_tagged_messages() {
        let request = Request::NextItem { deck: None };
        let json = serde_json::to_value(&request).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"op": "next_item", "deck": null}));
        let back: Request = serde_json::from_value(json).unwrap_or(Request::Undo);
        assert_eq!(back, request);
        let response = Response::UtcOffset(3600);
        let json = serde_json::to_value(&response).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"result": "utc_offset", "value": 3600}));
        assert!(serde_json::from_str::<Request>(r#"{"op": "no_such_thing"}"#).is_err());
    }
}
