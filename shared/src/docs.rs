//! Synced documents: their kinds, registry metadata, and the deterministic first change every
//! document starts from.
//!
//! Automerge resolves two independently created roots by hiding one of them, so two devices
//! that each "create" the same progress document offline would fork it. Instead, every
//! document's first change is a pure function of its id and kind (fixed actor derived from the
//! id, time 0, fixed operations): both devices produce the same bytes, the same hash, and the
//! server stores it once. The server accepts no other change without dependencies, so a
//! document can have only this one root.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, AutomergeError, Change, ChangeHash, ObjType, ROOT};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ClassId, DocId, UserId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DocKind {
    /// Thematic flashcards of a class (teacher content).
    Deck,
    /// A reader text (teacher content).
    Text,
    /// A video with questions (teacher content).
    VideoTest,
    /// One student's progress in one content document.
    Progress,
}

impl DocKind {
    pub const ALL: [DocKind; 4] = [DocKind::Deck, DocKind::Text, DocKind::VideoTest, DocKind::Progress];

    pub const fn as_str(self) -> &'static str {
        match self {
            DocKind::Deck => "deck",
            DocKind::Text => "text",
            DocKind::VideoTest => "video_test",
            DocKind::Progress => "progress",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == s)
    }

    /// Content is written by teachers; progress by its student.
    pub const fn is_content(self) -> bool {
        !matches!(self, DocKind::Progress)
    }
}

/// What the registry knows about a document. Sent with a document's first push and with
/// every document a device receives for the first time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocMeta {
    pub id: DocId,
    pub kind: DocKind,
    /// The class whose teachers and students the document belongs to.
    pub class_id: ClassId,
    /// For progress: the student.
    pub owner_id: Option<UserId>,
    /// For progress: the content document it tracks.
    pub subject_id: Option<DocId>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MetaError {
    #[error("a progress document needs owner_id and subject_id")]
    ProgressWithoutOwner,
    #[error("a content document has no owner_id or subject_id")]
    ContentWithOwner,
    #[error("a progress document's id must be derived from its owner and subject")]
    WrongProgressId,
}

impl DocMeta {
    /// A new content document with a fresh id.
    pub fn content(id: DocId, kind: DocKind, class_id: ClassId) -> Self {
        Self { id, kind, class_id, owner_id: None, subject_id: None }
    }

    /// The one progress document of `student` in `subject`: its id is derived, so every
    /// device of the student names the same document.
    pub fn progress(student: UserId, subject: &DocMeta) -> Self {
        Self {
            id: progress_id(student, subject.id),
            kind: DocKind::Progress,
            class_id: subject.class_id,
            owner_id: Some(student),
            subject_id: Some(subject.id),
        }
    }

    pub fn check(&self) -> Result<(), MetaError> {
        match (self.kind, self.owner_id, self.subject_id) {
            (DocKind::Progress, Some(owner), Some(subject)) => {
                if self.id == progress_id(owner, subject) {
                    Ok(())
                } else {
                    Err(MetaError::WrongProgressId)
                }
            }
            (DocKind::Progress, _, _) => Err(MetaError::ProgressWithoutOwner),
            (_, None, None) => Ok(()),
            _ => Err(MetaError::ContentWithOwner),
        }
    }
}

const PROGRESS_NAMESPACE: Uuid = Uuid::from_u128(0x7a11_5c40_0000_4000_8000_7072_6f67_7265);

/// The id of `student`'s progress document for `subject`.
pub fn progress_id(student: UserId, subject: DocId) -> DocId {
    let mut name = [0_u8; 32];
    name[..16].copy_from_slice(student.0.as_bytes());
    name[16..].copy_from_slice(subject.0.as_bytes());
    DocId(Uuid::new_v5(&PROGRESS_NAMESPACE, &name))
}

/// The actor that writes a document's first change (and nothing else).
pub fn genesis_actor(id: DocId) -> ActorId {
    ActorId::from(id.0.as_bytes().as_slice())
}

/// A document holding only its deterministic first change.
pub fn genesis(id: DocId, kind: DocKind) -> Result<Automerge, AutomergeError> {
    use crate::schema::keys;
    let mut doc = Automerge::new().with_actor(genesis_actor(id));
    doc.transact_with::<_, _, AutomergeError, _>(
        |_| CommitOptions::default().with_time(0),
        |tx| {
            tx.put(ROOT, "schema", crate::schema::versions::GENESIS_SCHEMA)?;
            tx.put(ROOT, "kind", kind.as_str())?;
            // Every map of the layout in `crate::schema` is created here, once for all devices.
            let maps: &[&str] = match kind {
                DocKind::Deck => &[keys::CARDS, keys::ASSIGNMENTS],
                DocKind::Text => &[keys::ASSIGNMENTS],
                DocKind::VideoTest => &[keys::QUESTIONS, keys::ASSIGNMENTS],
                DocKind::Progress => &[
                    keys::REVIEWS,
                    keys::POSITIONS,
                    keys::FURTHEST,
                    keys::READING_DAYS,
                    keys::BOOKMARKS,
                    keys::HIGHLIGHTS,
                    keys::CARDS,
                    keys::ATTEMPTS,
                ],
            };
            if kind.is_content() {
                tx.put(ROOT, keys::TITLE, "")?;
            }
            if kind == DocKind::Text {
                tx.put_object(ROOT, keys::BODY, ObjType::Text)?;
            }
            for map in maps {
                tx.put_object(ROOT, *map, ObjType::Map)?;
            }
            Ok(())
        },
    )
    .map_err(|failure| failure.error)?;
    Ok(doc)
}

/// The bytes and hash of a document's first change.
pub fn genesis_change(id: DocId, kind: DocKind) -> Result<Change, AutomergeError> {
    let doc = genesis(id, kind)?;
    doc.get_changes(&[]).into_iter().next().ok_or(AutomergeError::Fail)
}

pub fn genesis_hash(id: DocId, kind: DocKind) -> Result<ChangeHash, AutomergeError> {
    genesis_change(id, kind).map(|change| change.hash())
}

#[cfg(test)]
mod tests {
    use automerge::ReadDoc;

    use super::*;

    #[test]
    fn two_devices_creating_the_same_document_produce_one_root() {
        let id = DocId(Uuid::new_v4());
        let mut a = genesis(id, DocKind::Progress).expect("genesis");
        let mut b = genesis(id, DocKind::Progress).expect("genesis");
        assert_eq!(a.get_heads(), b.get_heads());
        // Each device then writes with its own actor; merging keeps both writes.
        a.set_actor(ActorId::random());
        b.set_actor(ActorId::random());
        let reviews_a = a.get(ROOT, "reviews").ok().flatten().map(|(_, id)| id).expect("reviews");
        a.transact::<_, _, AutomergeError>(|tx| tx.put(&reviews_a, "session-a", "x").map(|_| ())).expect("edit");
        let reviews_b = b.get(ROOT, "reviews").ok().flatten().map(|(_, id)| id).expect("reviews");
        b.transact::<_, _, AutomergeError>(|tx| tx.put(&reviews_b, "session-b", "y").map(|_| ())).expect("edit");
        a.merge(&mut b).expect("merge");
        let reviews = a.get(ROOT, "reviews").ok().flatten().map(|(_, id)| id).expect("reviews");
        assert_eq!(a.keys(&reviews).count(), 2, "no side hidden");
    }

    #[test]
    fn progress_ids_are_derived_and_checked() {
        let subject = DocMeta::content(DocId(Uuid::new_v4()), DocKind::Deck, ClassId(Uuid::new_v4()));
        let student = UserId(Uuid::new_v4());
        let progress = DocMeta::progress(student, &subject);
        assert_eq!(progress.check(), Ok(()));
        assert_eq!(DocMeta { id: DocId(Uuid::new_v4()), ..progress.clone() }.check(), Err(MetaError::WrongProgressId));
        assert_eq!(DocMeta { owner_id: None, ..progress }.check(), Err(MetaError::ProgressWithoutOwner));
        assert_eq!(subject.check(), Ok(()));
    }

    #[test]
    fn genesis_differs_per_document_and_kind() {
        let id = DocId(Uuid::new_v4());
        let deck = genesis_hash(id, DocKind::Deck).expect("hash");
        assert_eq!(deck, genesis_hash(id, DocKind::Deck).expect("hash"));
        assert_ne!(deck, genesis_hash(id, DocKind::Text).expect("hash"));
        assert_ne!(deck, genesis_hash(DocId(Uuid::new_v4()), DocKind::Deck).expect("hash"));
    }
}
