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
        // Signed in, so that the Lobby is this account's (the store is cleared at sign-out).
        self.core.user()?;
        let now = self.core.now();
        crate::lobby::lobby(&self.core.store(), now)
    }
}
