//! The hash chain that makes the PII access log tamper-evident, as pure functions: how a row
//! is encoded and sealed, and a verifier that walks rows in chain order and names every row
//! that was edited, deleted, inserted or moved.
//!
//! Each row's seal is HMAC-SHA-256, under the audit key, over the row's fields and the
//! previous row's seal; the chain's head (first and last position, last seal) is sealed too.
//! The key lives outside the database, so someone who can write the database but not read the
//! key cannot re-seal what they changed. People are sealed as keyed digests of their ids, so
//! that erasing a person later (setting the id to NULL) leaves the chain intact.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The seal before the first row of a chain that was never trimmed.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One access-log row as stored, in the form the chain seals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Position in the chain: 1, 2, 3, … with no gaps.
    pub seq: i64,
    pub at: i64,
    /// Who read, or `None` once that person was erased (the digest stays).
    pub actor_id: Option<String>,
    pub actor_digest: String,
    pub actor_role: String,
    /// Whose data, when one person's (not a class roster refused as a whole).
    pub subject_id: Option<String>,
    pub subject_digest: String,
    pub class_id: Option<String>,
    pub school_id: Option<String>,
    pub fields: String,
    pub purpose: String,
    pub request_id: Option<String>,
    /// Where the request came from (the client's address as the server saw it).
    pub client_address: Option<String>,
    /// `allowed` or `denied`.
    pub outcome: String,
}

/// The chain's two ends, as the head row stores them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The first position still stored (retention may trim older rows) and the seal before it.
    pub first_seq: i64,
    pub first_prev_hash: String,
    /// The last position written (0 when empty) and its seal.
    pub last_seq: i64,
    pub last_hash: String,
}

impl Head {
    pub fn empty() -> Self {
        Head { first_seq: 1, first_prev_hash: GENESIS.to_owned(), last_seq: 0, last_hash: GENESIS.to_owned() }
    }
}

/// Seals with one audit key.
pub struct Sealer<'a> {
    key: &'a [u8],
}

impl<'a> Sealer<'a> {
    pub fn new(key: &'a [u8]) -> Self {
        Self { key }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length; the error is unreachable, and a fresh MAC is still right.
        <HmacSha256 as Mac>::new_from_slice(self.key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
    }

    /// A person's id as the chain records it: linkable with the key, meaningless without.
    pub fn person_digest(&self, id: &str) -> String {
        hex::encode(self.person_mac(id).finalize().into_bytes())
    }

    fn person_mac(&self, id: &str) -> HmacSha256 {
        let mut mac = self.mac();
        feed(&mut mac, "tallschool.audit.person.v1");
        feed(&mut mac, id);
        mac
    }

    /// The seal of `entry` following a row sealed `prev_hash`.
    pub fn entry_hash(&self, prev_hash: &str, entry: &Entry) -> String {
        hex::encode(self.entry_mac(prev_hash, entry).finalize().into_bytes())
    }

    fn entry_mac(&self, prev_hash: &str, entry: &Entry) -> HmacSha256 {
        let mut mac = self.mac();
        feed(&mut mac, "tallschool.audit.pii-access.v1");
        feed(&mut mac, &entry.seq.to_string());
        feed(&mut mac, prev_hash);
        feed(&mut mac, &entry.at.to_string());
        feed(&mut mac, &entry.actor_digest);
        feed(&mut mac, &entry.actor_role);
        feed(&mut mac, &entry.subject_digest);
        feed_optional(&mut mac, entry.class_id.as_deref());
        feed_optional(&mut mac, entry.school_id.as_deref());
        feed(&mut mac, &entry.fields);
        feed(&mut mac, &entry.purpose);
        feed_optional(&mut mac, entry.request_id.as_deref());
        feed_optional(&mut mac, entry.client_address.as_deref());
        feed(&mut mac, &entry.outcome);
        mac
    }

    /// The seal of the head: trimming rows from either end needs a new one.
    pub fn head_mac(&self, head: &Head) -> String {
        hex::encode(self.head_hmac(head).finalize().into_bytes())
    }

    fn head_hmac(&self, head: &Head) -> HmacSha256 {
        let mut mac = self.mac();
        feed(&mut mac, "tallschool.audit.head.v1");
        feed(&mut mac, &head.first_seq.to_string());
        feed(&mut mac, &head.first_prev_hash);
        feed(&mut mac, &head.last_seq.to_string());
        feed(&mut mac, &head.last_hash);
        mac
    }
}

/// Does `mac` match the stored hex seal? Compared in constant time, never as strings.
fn matches(mac: HmacSha256, stored_hex: &str) -> bool {
    hex::decode(stored_hex).is_ok_and(|stored| mac.verify_slice(&stored).is_ok())
}

/// Length-prefixed, so that no choice of field values can make two rows encode alike (a
/// purpose or request id holding a separator cannot shift bytes into the next field).
fn feed(mac: &mut HmacSha256, value: &str) {
    mac.update(&(value.len() as u64).to_be_bytes());
    mac.update(value.as_bytes());
}

fn feed_optional(mac: &mut HmacSha256, value: Option<&str>) {
    match value {
        None => mac.update(&[0]),
        Some(value) => {
            mac.update(&[1]);
            feed(mac, value);
        }
    }
}

/// What verification found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The head row is missing although rows exist, or its seal does not match.
    HeadTampered,
    /// A row's content does not match its seal.
    Edited { seq: i64 },
    /// A stored person id is not the one the row was sealed with.
    PersonChanged { seq: i64 },
    /// Positions with no row.
    Missing { from_seq: i64, to_seq: i64 },
    /// A row's link to the previous row is broken (rows removed or moved in between).
    BrokenLink { seq: i64 },
    /// A row whose storage order contradicts its chain position.
    Reordered { seq: i64 },
    /// A row sealed with a key this server does not have.
    UnknownKey { seq: i64, key_id: String },
    /// Rows outside the head's range or with no chain position: added behind the server's back.
    Unchained { rows: u64 },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::HeadTampered => write!(f, "the chain's head record is missing or was changed"),
            Finding::Edited { seq } => write!(f, "row {seq} was edited"),
            Finding::PersonChanged { seq } => write!(f, "row {seq}: the person's id was changed"),
            Finding::Missing { from_seq, to_seq } if from_seq == to_seq => write!(f, "row {from_seq} was deleted"),
            Finding::Missing { from_seq, to_seq } => write!(f, "rows {from_seq} to {to_seq} were deleted"),
            Finding::BrokenLink { seq } => write!(f, "row {seq} does not follow the row before it"),
            Finding::Reordered { seq } => write!(f, "row {seq} is out of order"),
            Finding::UnknownKey { seq, key_id } => write!(f, "row {seq} is sealed with unknown key {key_id}"),
            Finding::Unchained { rows } => write!(f, "{rows} row(s) were added outside the chain"),
        }
    }
}

/// A stored row as the verifier sees it: storage id, key id, seals.
pub struct StoredEntry {
    pub id: i64,
    pub key_id: String,
    pub prev_hash: String,
    pub hash: String,
    pub entry: Entry,
}

/// Walks rows in chain order (ascending `seq`), one at a time, so that millions of rows
/// need no memory.
pub struct Verifier<'k> {
    keys: &'k dyn Fn(&str) -> Option<Vec<u8>>,
    head: Option<Head>,
    expected_seq: i64,
    prev_hash: String,
    last_id: i64,
    rows: u64,
    findings: Vec<Finding>,
}

impl<'k> Verifier<'k> {
    /// `head` and `head_mac` as stored (`None` when there is no head row); `keys` finds an
    /// audit key by id.
    pub fn new(keys: &'k dyn Fn(&str) -> Option<Vec<u8>>, head: Option<(Head, String, String)>) -> Self {
        let mut findings = Vec::new();
        let head = match head {
            None => None,
            Some((head, key_id, mac)) => {
                let sealed_right = keys(&key_id).is_some_and(|key| matches(Sealer::new(&key).head_hmac(&head), &mac));
                if !sealed_right {
                    findings.push(Finding::HeadTampered);
                }
                Some(head)
            }
        };
        let (expected_seq, prev_hash) = match &head {
            Some(head) => (head.first_seq, head.first_prev_hash.clone()),
            None => (1, GENESIS.to_owned()),
        };
        Verifier { keys, head, expected_seq, prev_hash, last_id: i64::MIN, rows: 0, findings }
    }

    /// The next row by `seq`.
    pub fn check(&mut self, stored: &StoredEntry) {
        let seq = stored.entry.seq;
        self.rows += 1;
        if self.head.is_none() && self.rows == 1 {
            self.findings.push(Finding::HeadTampered);
        }
        if seq > self.expected_seq {
            self.findings.push(Finding::Missing { from_seq: self.expected_seq, to_seq: seq - 1 });
        }
        if stored.id <= self.last_id {
            self.findings.push(Finding::Reordered { seq });
        }
        self.last_id = self.last_id.max(stored.id);
        // Linked to the previous stored row; a gap already broke the link, so say it once.
        if seq == self.expected_seq && stored.prev_hash != self.prev_hash {
            self.findings.push(Finding::BrokenLink { seq });
        }
        match (self.keys)(&stored.key_id) {
            None => self.findings.push(Finding::UnknownKey { seq, key_id: stored.key_id.clone() }),
            Some(key) => {
                let sealer = Sealer::new(&key);
                let entry = &stored.entry;
                if !matches(sealer.entry_mac(&stored.prev_hash, entry), &stored.hash) {
                    self.findings.push(Finding::Edited { seq });
                } else {
                    let person_ok = |id: &Option<String>, digest: &str| {
                        id.as_deref().is_none_or(|id| matches(sealer.person_mac(id), digest))
                    };
                    if !person_ok(&entry.actor_id, &entry.actor_digest)
                        || !person_ok(&entry.subject_id, &entry.subject_digest)
                    {
                        self.findings.push(Finding::PersonChanged { seq });
                    }
                }
            }
        }
        self.expected_seq = seq + 1;
        self.prev_hash = stored.hash.clone();
    }

    /// After the last row: does the chain end where the head says? `unchained` counts rows
    /// without a chain position.
    pub fn finish(mut self, unchained: u64) -> Report {
        let last_seq = self.expected_seq - 1;
        if let Some(head) = &self.head {
            if last_seq < head.last_seq {
                self.findings.push(Finding::Missing { from_seq: self.expected_seq, to_seq: head.last_seq });
            } else if last_seq == head.last_seq && self.rows > 0 && self.prev_hash != head.last_hash {
                self.findings.push(Finding::HeadTampered);
            }
        }
        let beyond = self.head.as_ref().map_or(0, |head| (last_seq - head.last_seq).max(0));
        let unchained = unchained + u64::try_from(beyond).unwrap_or(0);
        if unchained > 0 {
            self.findings.push(Finding::Unchained { rows: unchained });
        }
        Report { rows: self.rows, head: self.head, findings: self.findings }
    }
}

/// The verdict on a whole chain.
#[derive(Debug)]
pub struct Report {
    pub rows: u64,
    pub head: Option<Head>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = &[7; 32];

    fn keys(id: &str) -> Option<Vec<u8>> {
        (id == "audit-1").then(|| KEY.to_vec())
    }

    fn entry(seq: i64) -> Entry {
        let sealer = Sealer::new(KEY);
        Entry {
            seq,
            at: 1_700_000_000 + seq,
            actor_id: Some(format!("actor-{}", seq % 3)),
            actor_digest: sealer.person_digest(&format!("actor-{}", seq % 3)),
            actor_role: "teacher".to_owned(),
            subject_id: Some(format!("subject-{seq}")),
            subject_digest: sealer.person_digest(&format!("subject-{seq}")),
            class_id: None,
            school_id: Some("school".to_owned()),
            fields: "display_name,email".to_owned(),
            purpose: "profile_view".to_owned(),
            request_id: Some(format!("req-{seq}")),
            client_address: Some("127.0.0.1".to_owned()),
            outcome: "allowed".to_owned(),
        }
    }

    /// A chain of `n` rows as the server writes it, with its sealed head.
    fn chain(n: i64) -> (Vec<StoredEntry>, Head, String) {
        let sealer = Sealer::new(KEY);
        let mut prev = GENESIS.to_owned();
        let mut rows = Vec::new();
        for seq in 1..=n {
            let entry = entry(seq);
            let hash = sealer.entry_hash(&prev, &entry);
            rows.push(StoredEntry {
                id: seq * 10,
                key_id: "audit-1".to_owned(),
                prev_hash: prev.clone(),
                hash: hash.clone(),
                entry,
            });
            prev = hash;
        }
        let head = Head { last_seq: n, last_hash: prev, ..Head::empty() };
        let mac = sealer.head_mac(&head);
        (rows, head, mac)
    }

    fn verify(rows: &[StoredEntry], head: &Head, mac: &str) -> Vec<Finding> {
        let mut verifier = Verifier::new(&keys, Some((head.clone(), "audit-1".to_owned(), mac.to_owned())));
        for row in rows {
            verifier.check(row);
        }
        verifier.finish(0).findings
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (rows, head, mac) = chain(5);
        assert_eq!(verify(&rows, &head, &mac), vec![]);
        let (rows, head, mac) = chain(0);
        assert_eq!(verify(&rows, &head, &mac), vec![]);
    }

    #[test]
    fn an_edited_field_is_found() {
        let (mut rows, head, mac) = chain(5);
        rows[2].entry.purpose = "self_view".to_owned();
        assert_eq!(verify(&rows, &head, &mac), vec![Finding::Edited { seq: 3 }]);
        let (mut rows, head, mac) = chain(5);
        rows[1].entry.outcome = "allowed\u{0}".to_owned();
        assert_eq!(verify(&rows, &head, &mac), vec![Finding::Edited { seq: 2 }]);
    }

    #[test]
    fn a_person_swapped_for_another_is_found_and_an_erased_one_is_not() {
        let (mut rows, head, mac) = chain(4);
        rows[0].entry.subject_id = Some("subject-2".to_owned());
        rows[3].entry.actor_id = None;
        rows[3].entry.subject_id = None;
        assert_eq!(verify(&rows, &head, &mac), vec![Finding::PersonChanged { seq: 1 }]);
    }

    #[test]
    fn a_deleted_row_is_found_in_the_middle_and_at_either_end() {
        let (mut rows, head, mac) = chain(6);
        rows.remove(3);
        assert_eq!(verify(&rows, &head, &mac), vec![Finding::Missing { from_seq: 4, to_seq: 4 }]);
        let (mut rows, head, mac) = chain(6);
        rows.remove(0);
        assert_eq!(verify(&rows, &head, &mac), vec![Finding::Missing { from_seq: 1, to_seq: 1 }]);
        let (mut rows, head, mac) = chain(6);
        rows.truncate(4);
        assert_eq!(verify(&rows, &head, &mac), vec![Finding::Missing { from_seq: 5, to_seq: 6 }]);
    }

    #[test]
    fn a_deletion_papered_over_by_renumbering_breaks_the_links() {
        let (mut rows, head, mac) = chain(5);
        rows.remove(1);
        for (i, row) in rows.iter_mut().enumerate() {
            row.entry.seq = i as i64 + 1;
        }
        let findings = verify(&rows, &head, &mac);
        assert!(findings.contains(&Finding::BrokenLink { seq: 2 }), "{findings:?}");
        assert!(findings.contains(&Finding::Edited { seq: 2 }), "{findings:?}");
    }

    #[test]
    fn swapped_rows_are_found() {
        // Whole rows moved (storage ids and positions swapped): links break.
        let (mut rows, head, mac) = chain(5);
        rows.swap(1, 2);
        let findings = verify(&rows, &head, &mac);
        assert!(!findings.is_empty());
        // Positions swapped but contents kept: the seals no longer match.
        let (mut rows, head, mac) = chain(5);
        let (a, b) = (rows[1].entry.seq, rows[2].entry.seq);
        rows[1].entry.seq = b;
        rows[2].entry.seq = a;
        rows.swap(1, 2);
        let findings = verify(&rows, &head, &mac);
        assert!(findings.contains(&Finding::Reordered { seq: 3 }), "{findings:?}");
    }

    #[test]
    fn a_head_moved_back_to_hide_a_trimmed_tail_is_found() {
        let (mut rows, mut head, mac) = chain(5);
        rows.truncate(3);
        head.last_seq = 3;
        head.last_hash = rows[2].hash.clone();
        assert_eq!(verify(&rows, &head, &mac), vec![Finding::HeadTampered]);
    }

    #[test]
    fn rows_slipped_in_beyond_the_head_or_without_a_position_are_found() {
        let (rows, _, _) = chain(5);
        let (short_rows, head, mac) = chain(4);
        assert_eq!(short_rows.len(), 4);
        assert_eq!(verify(&rows, &head, &mac), vec![Finding::Unchained { rows: 1 }]);
        let verifier = Verifier::new(&keys, None);
        assert_eq!(verifier.finish(0).findings, vec![]);
        let mut verifier = Verifier::new(&keys, None);
        verifier.check(&rows[0]);
        assert!(verifier.finish(2).findings.contains(&Finding::Unchained { rows: 2 }));
    }

    #[test]
    fn a_row_resealed_without_the_key_is_found() {
        let (mut rows, head, mac) = chain(3);
        let forger = Sealer::new(&[9; 32]);
        rows[1].entry.purpose = "nothing_to_see".to_owned();
        rows[1].hash = forger.entry_hash(&rows[1].prev_hash, &rows[1].entry);
        let findings = verify(&rows, &head, &mac);
        assert!(findings.contains(&Finding::Edited { seq: 2 }), "{findings:?}");
    }

    #[test]
    fn no_field_value_can_imitate_another_split() {
        let sealer = Sealer::new(KEY);
        let mut a = entry(1);
        let mut b = entry(1);
        a.fields = "display_name".to_owned();
        a.purpose = "xprofile".to_owned();
        b.fields = "display_namex".to_owned();
        b.purpose = "profile".to_owned();
        assert_ne!(sealer.entry_hash(GENESIS, &a), sealer.entry_hash(GENESIS, &b));
    }
}
