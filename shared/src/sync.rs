//! The sync protocol: one request per round. The client sends its cursor and its
//! unacknowledged automerge changes, grouped per document; the server answers with
//! acknowledgements or per-document rejections, every change after the cursor in documents the
//! caller may read, and the new cursor. Bodies are MessagePack (automerge change bytes are
//! already compact; no base64), content type [`CONTENT_TYPE`]. The OpenAPI document describes
//! their shapes as schemas (byte strings are MessagePack `bin`).

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::DocId;
use crate::docs::DocMeta;

pub const CONTENT_TYPE: &str = "application/vnd.tallschool.sync+msgpack";
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest request body (413 above).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Most changes one round may push (413 above).
pub const MAX_CHANGES_PER_ROUND: usize = 20_000;
/// Largest stored size of one document's changes (422 above).
pub const MAX_DOC_BYTES: u64 = 64 * 1024 * 1024;
/// A response page holds about this many bytes of changes; more means `has_more`.
pub const PAGE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRequest {
    pub protocol: u32,
    /// The last server sequence number this device has seen.
    pub cursor: u64,
    /// The access epoch the cursor belongs to; when the server's differs (the caller was
    /// given access to more documents), it answers from the beginning.
    pub epoch: u64,
    pub push: Vec<DocPush>,
    /// Changes the device still holds beyond this push: its school sees a device with work
    /// not yet sent. Absent from older clients.
    #[serde(default)]
    pub waiting: u64,
    /// The last document removal this device has applied (see `SyncResponse::removed`).
    /// Absent from older clients, which are then told of none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removals_seen: Option<u64>,
}

/// New changes of one document, in causal order (dependencies first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocPush {
    pub meta: DocMeta,
    /// Automerge changes, each a MessagePack byte string.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<u8>>))]
    pub changes: Vec<ByteBuf>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    /// Changes now durably stored (including ones stored before: pushing twice is harmless).
    pub acks: Vec<DocAck>,
    /// Documents whose pushed changes were refused; nothing of them was stored.
    pub rejections: Vec<DocRejection>,
    /// Changes after the cursor, per document, in server order.
    pub docs: Vec<DocUpdate>,
    pub cursor: u64,
    pub epoch: u64,
    /// More changes wait: ask again with the new cursor.
    pub has_more: bool,
    /// With `has_more`: how many changes wait after this answer, at most (for a progress
    /// bar; changes a compacted snapshot already covered are counted too). 0 otherwise.
    #[serde(default)]
    pub remaining_changes: u64,
    /// Media references in the pushed documents that grant nothing (the document's school
    /// does not hold that file). The changes are stored; the reference just shows nothing.
    #[serde(default)]
    pub media_refusals: Vec<MediaRefusal>,
    /// Documents the server no longer holds — an erased person's progress — that were
    /// removed since the request's `removals_seen`: the device deletes its copies (and any
    /// changes of them it has not sent).
    #[serde(default)]
    pub removed: Vec<DocId>,
    /// The removal position to send next time as `removals_seen`.
    #[serde(default)]
    pub removals_cursor: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaRefusal {
    pub doc: DocId,
    /// The SHA-256 the document names.
    pub hash: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocAck {
    pub doc: DocId,
    /// The first [`ACK_PREFIX`] bytes of each stored change's hash: enough to tell apart the
    /// pending changes of one document (a 64-bit collision among them is not a real risk),
    /// a quarter of the bytes of whole hashes.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<u8>>))]
    pub hashes: Vec<ByteBuf>,
}

/// Bytes of a change hash used to acknowledge it.
pub const ACK_PREFIX: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RejectReason {
    /// The caller may not write this document.
    Forbidden,
    /// The metadata does not match the registered document, or is inconsistent.
    InvalidMeta,
    /// A change depends on changes the document does not have (or belongs to another document).
    UnknownDependencies,
    /// A change writes personal data (an email address) into a student's document, where
    /// history keeps it forever (SECURITY.md item 24).
    PersonalData,
}

impl RejectReason {
    /// The reason as it is written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            RejectReason::Forbidden => "forbidden",
            RejectReason::InvalidMeta => "invalid_meta",
            RejectReason::UnknownDependencies => "unknown_dependencies",
            RejectReason::PersonalData => "personal_data",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocRejection {
    pub doc: DocId,
    pub reason: RejectReason,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocUpdate {
    pub meta: DocMeta,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<u8>>))]
    pub changes: Vec<ByteBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("not a valid sync message: {0}")]
    Decode(String),
    #[error("cannot encode sync message: {0}")]
    Encode(String),
}

pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, CodecError> {
    rmp_serde::to_vec_named(message).map_err(|e| CodecError::Encode(e.to_string()))
}

pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, CodecError> {
    rmp_serde::from_slice(bytes).map_err(|e| CodecError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::ClassId;
    use crate::docs::DocKind;

    #[test]
    fn requests_round_trip_and_carry_bytes_raw() {
        let meta = DocMeta::content(DocId(Uuid::new_v4()), DocKind::Deck, ClassId(Uuid::new_v4()));
        let change = vec![0xAB_u8; 1000];
        let request = SyncRequest {
            protocol: PROTOCOL_VERSION,
            cursor: 42,
            epoch: 1,
            push: vec![DocPush { meta, changes: vec![ByteBuf::from(change)] }],
            waiting: 3,
            removals_seen: Some(2),
        };
        let bytes = encode(&request).expect("encode");
        assert!(bytes.len() < 1000 + 200, "no base64 blow-up: {} bytes", bytes.len());
        assert_eq!(decode::<SyncRequest>(&bytes).expect("decode"), request);
        // An older client's request, without `waiting` or `removals_seen`, still reads.
        #[derive(Serialize)]
        struct Older {
            protocol: u32,
            cursor: u64,
            epoch: u64,
            push: Vec<DocPush>,
        }
        let older =
            encode(&Older { protocol: PROTOCOL_VERSION, cursor: 1, epoch: 1, push: Vec::new() }).expect("encode");
        let read = decode::<SyncRequest>(&older).expect("decode");
        assert_eq!((read.waiting, read.removals_seen), (0, None));
        assert!(decode::<SyncRequest>(&bytes[..bytes.len() / 2]).is_err());
        assert!(decode::<SyncRequest>(b"\xff\x00garbage").is_err());
    }
}
