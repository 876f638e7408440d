//! The student's Lobby.

use tallschool_contract::lobby::Lobby;

use crate::Core;
use crate::error::Result;

pub struct LobbyService<'a> {
    pub(crate) core: &'a Core,
}

impl LobbyService<'_> {
    /// Classes, what is due today, overdue work, the streak and the sync state — offline.
    pub fn get(&self) -> Result<Lobby> {
        let user = self.core.user()?.id;
        let now = self.core.now();
        crate::lobby::lobby(&mut self.core.store(), user, now)
    }
}
