//! The person's choices for this window, kept on the device: the language (the system's unless
//! picked) and light or dark (the system's unless picked).

use crate::browser::{set_root_attribute, store, stored, system_languages};
use crate::i18n::{self, Lang};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub const fn tag(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(tag: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|theme| theme.tag() == tag)
    }

    /// The style sheet's `data-theme` on the page's root; none follows the system.
    const fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

/// The language picked on this device, else the system's first that the app speaks.
pub fn language(picked: Option<&str>, system: &[String]) -> Lang {
    picked.and_then(Lang::parse).unwrap_or_else(|| Lang::preferred(system.iter().map(String::as_str)))
}

/// The language to start in, applied to the page.
pub fn start_language() -> Lang {
    let lang = language(stored("lang").as_deref(), &system_languages());
    apply_language(lang);
    lang
}

/// Speak `lang` from now on and remember it on this device.
pub fn pick_language(lang: Lang) {
    store("lang", lang.tag());
    apply_language(lang);
}

fn apply_language(lang: Lang) {
    i18n::set(lang);
    set_root_attribute("lang", Some(lang.tag()));
}

/// The theme to start in, applied to the page.
pub fn start_theme() -> Theme {
    let theme = stored("theme").as_deref().and_then(Theme::parse).unwrap_or_default();
    set_root_attribute("data-theme", theme.attribute());
    theme
}

pub fn pick_theme(theme: Theme) {
    store("theme", theme.tag());
    set_root_attribute("data-theme", theme.attribute());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picked_language_wins_over_the_system_s() {
        let system = vec!["ru-RU".to_owned(), "en".to_owned()];
        assert_eq!(language(None, &system), Lang::Ru);
        assert_eq!(language(Some("en"), &system), Lang::En);
        assert_eq!(language(Some("klingon"), &system), Lang::Ru, "an unknown choice falls back to the system's");
        assert_eq!(language(None, &[]), Lang::En);
    }

    #[test]
    fn themes_are_stored_by_name() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.tag()), Some(theme));
        }
        assert_eq!(Theme::parse("sepia"), None);
    }
}
