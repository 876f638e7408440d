//! Device settings: the offset from UTC that decides when "today" starts.

use tallschool_contract::Event;
use tallschool_contract::request::UtcOffsetSetting;

use crate::Core;
use crate::error::Result;

pub struct SettingsService<'a> {
    pub(crate) core: &'a Core,
}

impl SettingsService<'_> {
    /// The offset from UTC in seconds.
    pub fn utc_offset(&self) -> Result<i64> {
        self.core.store().utc_offset()
    }

    /// Follow the system's offset, or keep a fixed one.
    pub fn set_utc_offset(&self, setting: UtcOffsetSetting, system_offset: Option<i64>) -> Result<i64> {
        {
            let store = self.core.store();
            match setting {
                UtcOffsetSetting::Auto => {
                    store.set("utc_offset_manual", "")?;
                    if let Some(offset) = system_offset {
                        store.set_utc_offset(offset)?;
                    }
                }
                UtcOffsetSetting::Fixed(seconds) => {
                    // The store refuses offsets no place uses.
                    store.set_utc_offset(seconds)?;
                    store.set("utc_offset_manual", "1")?;
                }
            }
        }
        self.core.emit(&Event::LobbyChanged);
        self.utc_offset()
    }

    /// The system's offset is `system_offset` now: follow it unless a person set one.
    pub fn follow_system_utc_offset(&self, system_offset: i64) -> Result<()> {
        let store = self.core.store();
        if store.get("utc_offset_manual")?.as_deref() == Some("1") || store.utc_offset()? == system_offset {
            return Ok(());
        }
        store.set_utc_offset(system_offset)
    }
}
