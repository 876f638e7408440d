//! Assigning decks, texts and video tests to a class, a group or one student.

use tallschool_contract::request::NewAssignment;
use tallschool_shared::DocId;

use crate::error::Result;
use crate::{Core, content};

pub struct AssignmentService<'a> {
    pub(crate) core: &'a Core,
}

impl AssignmentService<'_> {
    /// Assign `doc`; returns the assignment's id.
    pub fn assign(&self, doc: DocId, assignment: &NewAssignment) -> Result<String> {
        let NewAssignment { students, group, due, section, note } = assignment;
        let id = self.core.with_store(|store| content::assign(store, doc, students, group, *due, section, note))?;
        self.core.changed(&[doc]);
        Ok(id)
    }

    /// Withdraw an assignment.
    pub fn unassign(&self, doc: DocId, assignment: &str) -> Result<()> {
        self.core.with_store(|store| content::unassign(store, doc, assignment))?;
        self.core.changed(&[doc]);
        Ok(())
    }
}
