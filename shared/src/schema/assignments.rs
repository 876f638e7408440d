//! Assignments, in every content document: `assignments` {id → assignment}.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjType, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};

use super::{entries, entry_in, get_bool, get_i64, get_str, keys, map_in};
use crate::UserId;

/// Who an assignment is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignee {
    Class,
    /// A group or one student (a group of one).
    Students(Vec<UserId>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: String,
    pub assignee: Assignee,
    /// A group's name, shown to the teacher.
    pub group: String,
    /// Unix seconds.
    pub due: Option<i64>,
    /// For texts: the section to read ("chapter 2"); empty means the whole text.
    pub section: String,
    pub note: String,
    pub assigned_at: i64,
}

impl Assignment {
    pub fn is_for(&self, student: UserId) -> bool {
        match &self.assignee {
            Assignee::Class => true,
            Assignee::Students(ids) => ids.contains(&student),
        }
    }
}

pub fn assignments<R: ReadDoc>(doc: &R) -> Vec<Assignment> {
    entries(doc, &ROOT, keys::ASSIGNMENTS)
        .into_iter()
        .filter(|(_, obj)| !get_bool(doc, obj, "deleted"))
        .map(|(id, obj)| {
            let students = get_str(doc, &obj, "students");
            let assignee = if students.is_empty() {
                Assignee::Class
            } else {
                Assignee::Students(students.split_whitespace().filter_map(|s| s.parse().ok()).collect())
            };
            Assignment {
                id,
                assignee,
                group: get_str(doc, &obj, "group"),
                due: get_i64(doc, &obj, "due"),
                section: get_str(doc, &obj, "section"),
                note: get_str(doc, &obj, "note"),
                assigned_at: get_i64(doc, &obj, "assigned_at").unwrap_or(0),
            }
        })
        .collect()
}

/// Write a new assignment.
pub fn put_assignment<T: Transactable>(tx: &mut T, assignment: &Assignment) -> Result<(), AutomergeError> {
    let assignments = map_in(tx, &ROOT, keys::ASSIGNMENTS)?;
    let a = tx.put_object(&assignments, assignment.id.as_str(), ObjType::Map)?;
    let students = match &assignment.assignee {
        Assignee::Class => String::new(),
        Assignee::Students(ids) => ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
    };
    tx.put(&a, "students", students)?;
    tx.put(&a, "group", assignment.group.as_str())?;
    if let Some(due) = assignment.due {
        tx.put(&a, "due", due)?;
    }
    tx.put(&a, "section", assignment.section.as_str())?;
    tx.put(&a, "note", assignment.note.as_str())?;
    tx.put(&a, "assigned_at", assignment.assigned_at)?;
    Ok(())
}

/// Withdraw an assignment (kept as deleted, so a device that edits it offline cannot revive it).
pub fn delete_assignment<T: Transactable>(tx: &mut T, id: &str) -> Result<(), AutomergeError> {
    if let Some(a) = entry_in(tx, keys::ASSIGNMENTS, id)? {
        tx.put(&a, "deleted", true)?;
    }
    Ok(())
}
