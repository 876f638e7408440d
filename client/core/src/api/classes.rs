//! Classes of the signed-in user, their study settings, and the theme heatmap.

use tallschool_contract::learning::ClassSettings;
use tallschool_contract::reports::ThemeHeatmap;
use tallschool_shared::ClassId;
use tallschool_shared::api::{ClassView, RosterEntry};
use tallschool_shared::scheduling::StudySettings;

use crate::error::{ClientError, Result};
use crate::{Core, reports};

pub struct ClassService<'a> {
    pub(crate) core: &'a Core,
}

impl ClassService<'_> {
    /// Classes known on this device (refreshed at each sync) with their study settings.
    pub fn list(&self) -> Result<Vec<ClassSettings>> {
        let rows = self.core.store().classes()?;
        rows.into_iter()
            .map(|(id, name, study)| {
                let id = id.parse().map_err(|_| ClientError::Invalid(format!("stored class id {id:?} unreadable")))?;
                Ok(ClassSettings { id, name, study })
            })
            .collect()
    }

    /// Set a class's desired retention and daily limits (teachers; online).
    pub async fn set_study_settings(&self, class: ClassId, settings: StudySettings) -> Result<ClassView> {
        settings.check().map_err(|e| ClientError::invalid("settings", e.to_string()))?;
        let body = serde_json::json!(settings);
        let view: ClassView =
            self.core.call(http::Method::PUT, &format!("/api/v1/classes/{class}/study-settings"), Some(&body)).await?;
        let mut rows = self.core.store().classes()?;
        if let Some(row) = rows.iter_mut().find(|(id, _, _)| *id == class.to_string()) {
            row.2 = view.study;
            self.core.store().save_classes(&rows)?;
            self.core.emit(&tallschool_contract::Event::LobbyChanged);
        }
        Ok(view)
    }

    /// The class's members with their display names (teachers; online). The names are
    /// personal data: they are shown, never stored on the device.
    pub async fn roster(&self, class: ClassId) -> Result<Vec<RosterEntry>> {
        self.core.call(http::Method::GET, &format!("/api/v1/classes/{class}/roster"), None).await
    }

    /// Theme → student → predicted retention over the class's decks (teachers).
    pub fn theme_heatmap(&self, class: ClassId) -> Result<ThemeHeatmap> {
        let now = self.core.now();
        reports::theme_heatmap(&self.core.store(), &class.to_string(), now)
    }
}
