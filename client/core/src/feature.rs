//! What a feature adds to the local store: its numbered schema migrations, the materializer
//! that keeps its tables current as documents change, and what it forgets when the account
//! signs out. Features register in [`crate::FEATURES`]; the store runs them without knowing
//! them.

use std::collections::BTreeSet;

use automerge::{Automerge, Patch, PatchAction, Prop};
use rusqlite::Connection;
use tallschool_shared::docs::DocMeta;

use crate::error::Result;

/// One step of a feature's schema. Its number is its place in the feature's list (from 1);
/// a store records the steps it has run and runs each missing one once, in order, in one
/// transaction with the record.
pub struct Migration {
    pub sql: &'static str,
    /// After this step the feature's tables are derived again from every document (a new
    /// materialized table is filled from what the store already holds).
    pub rebuild: bool,
}

/// What changed in a document.
#[derive(Clone, Copy, Debug)]
pub enum Changed<'a> {
    /// These patches, logged while the change was made or loaded (proportional to the change).
    Patches(&'a [Patch]),
    /// Anything may have: derive everything from the document.
    Everything,
}

impl Changed<'_> {
    /// Whether the change touched any of these top-level keys of the document.
    pub fn touches(&self, keys: &[&str]) -> bool {
        let Changed::Patches(patches) = self else { return true };
        patches.iter().any(|patch| match (patch.path.first(), &patch.action) {
            (Some((_, Prop::Map(key))), _) | (None, PatchAction::PutMap { key, .. }) => keys.contains(&key.as_str()),
            _ => false,
        })
    }

    /// The entries of the top-level map `map` the change touched (`None`: any of them — the
    /// map itself was replaced, or everything changed).
    pub fn entries_of(&self, map: &str) -> Option<BTreeSet<String>> {
        let Changed::Patches(patches) = self else { return None };
        let mut entries = BTreeSet::new();
        for patch in *patches {
            match (patch.path.first(), patch.path.get(1), &patch.action) {
                (Some((_, Prop::Map(top))), Some((_, Prop::Map(entry))), _) if top == map => {
                    entries.insert(entry.clone());
                }
                (Some((_, Prop::Map(top))), None, PatchAction::PutMap { key, .. }) if top == map => {
                    entries.insert(key.clone());
                }
                (None, _, PatchAction::PutMap { key, .. }) if key == map => return None,
                _ => {}
            }
        }
        Some(entries)
    }
}

/// Where a change came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Made on this device (its effects on derived tables are written by the operation).
    Local,
    /// Arrived from the server, or a rebuild: derive from the document's whole state.
    Elsewhere,
}

/// Keeps a feature's tables current; called inside the transaction that writes the document.
pub type Materializer = fn(&Connection, &DocMeta, &Automerge, Changed<'_>, Origin) -> Result<()>;

pub struct Feature {
    pub name: &'static str,
    pub migrations: &'static [Migration],
    pub materialize: Option<Materializer>,
    /// SQL deleting the account's rows (on sign-out).
    pub forget: &'static str,
    /// Statements deleting what the feature derived from one document (`?1`, its id), when
    /// the server removed it (an erased person's progress).
    pub forget_document: &'static [&'static str],
}
