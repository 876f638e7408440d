//! Every word the screens show, through Project Fluent: one `.ftl` file per language
//! (`client/ui/locales/`), plural rules per language (Russian has three forms), numbers and
//! dates written the way each language writes them. The language comes from the system unless
//! the person picks another; it is kept per device.
//!
//! Screens write `t!("message-id")` or `t!("message-id", n = count)`. Drawing a message
//! subscribes the component being drawn to the language, so a change of language draws again
//! exactly what shows words.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use dioxus::prelude::{GlobalSignal, ReadableExt as _, Signal};
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    /// The language's tag (`en`, `ru`), as stored and as the page's `lang`.
    pub const fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// The language's name in itself, as a language menu shows it.
    pub const fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
        }
    }

    const fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../locales/en.ftl"),
            Lang::Ru => include_str!("../locales/ru.ftl"),
        }
    }

    /// The first of the person's preferred languages (`["ru-RU", "en"]`) that the app speaks;
    /// English otherwise.
    pub fn preferred<'a>(wanted: impl IntoIterator<Item = &'a str>) -> Lang {
        wanted
            .into_iter()
            .find_map(|tag| {
                let base = tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
                Lang::ALL.into_iter().find(|lang| lang.tag() == base)
            })
            .unwrap_or_default()
    }

    pub fn parse(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.tag() == tag)
    }

    /// The decimal separator: "1.5" in English, "1,5" in Russian.
    const fn decimal_separator(self) -> char {
        match self {
            Lang::En => '.',
            Lang::Ru => ',',
        }
    }
}

/// A value put into a message: a number (which may choose a plural form) or text.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Number(f64),
    Text(String),
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Number(n as f64)
            }
        }
    )*};
}
number_args!(usize, u64, u32, i64, i32, f64);

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_owned())
    }
}
impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}
impl From<&String> for Arg {
    fn from(text: &String) -> Arg {
        Arg::Text(text.clone())
    }
}

/// `t!("id")`, `t!("id", n = 3, title = "Animals")`: the message in the current language.
#[macro_export]
macro_rules! t {
    ($id:literal) => {
        $crate::i18n::message($id, &[])
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::message($id, &[$((stringify!($name), $crate::i18n::Arg::from($value))),+])
    };
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
    static BUNDLES: RefCell<HashMap<Lang, FluentBundle<FluentResource>>> = RefCell::new(HashMap::new());
}

/// The language as the window's components see it: reading it subscribes the one being drawn.
/// (The thread's `CURRENT` is what formats; this only tells components when it changes. Outside
/// a window — the unit tests — there is no runtime and nothing to tell.)
static LANGUAGE: GlobalSignal<Lang> = Signal::global(|| CURRENT.with(Cell::get));

fn in_window() -> bool {
    dioxus::dioxus_core::Runtime::try_current().is_some()
}

/// The language the screens speak now.
pub fn current() -> Lang {
    if in_window() {
        let _ = LANGUAGE.read();
    }
    CURRENT.with(Cell::get)
}

/// Speak `lang` from now on: everything showing words is drawn again.
pub fn set(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
    if in_window() && *LANGUAGE.peek() != lang {
        *LANGUAGE.write() = lang;
    }
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![id]);
    // Plain text: no Unicode isolation marks around values (both languages run left to right).
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(|value, _| match value {
        FluentValue::Number(n) => Some(number(n.value, 0)),
        _ => None,
    }));
    // Parse errors are caught by the tests below; a broken entry is left out, not fatal.
    let resource = FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(partial, _)| partial);
    let _ = bundle.add_resource(resource);
    bundle
}

/// Message `id` in the current language with `args`; the id itself if no language has it.
pub fn message(id: &str, args: &[(&str, Arg)]) -> String {
    let lang = current();
    BUNDLES.with(|bundles| {
        let mut bundles = bundles.borrow_mut();
        let found = [lang, Lang::En].into_iter().find_map(|lang| {
            let bundle = bundles.entry(lang).or_insert_with(|| bundle(lang));
            let pattern = bundle.get_message(id)?.value()?;
            let mut fluent_args = FluentArgs::new();
            for (name, value) in args {
                match value {
                    Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
                    Arg::Text(text) => fluent_args.set(*name, FluentValue::from(text.as_str())),
                }
            }
            let mut errors = Vec::new();
            Some(bundle.format_pattern(pattern, Some(&fluent_args), &mut errors).into_owned())
        });
        found.unwrap_or_else(|| id.to_owned())
    })
}

/// `value` with `decimals` digits after the separator of the current language, without a
/// trailing ",0" ("1,5", "2", "0.3").
pub fn number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = match text.split_once('.') {
        Some((whole, fraction)) if fraction.chars().all(|c| c == '0') => whole.to_owned(),
        _ => text,
    };
    text.replace('.', &current().decimal_separator().to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_syntax::ast::{self, Entry};

    use super::*;

    /// Every message id and the variables each one uses, per language.
    fn inventory(lang: Lang) -> std::collections::BTreeMap<String, BTreeSet<String>> {
        let resource = fluent_syntax::parser::parse(lang.source())
            .unwrap_or_else(|(_, errors)| panic!("{} does not parse: {errors:?}", lang.tag()));
        let mut out = std::collections::BTreeMap::new();
        for entry in resource.body {
            if let Entry::Message(message) = entry {
                let mut names = BTreeSet::new();
                if let Some(pattern) = &message.value {
                    variables(pattern, &mut names);
                }
                out.insert(message.id.name.to_owned(), names);
            }
        }
        out
    }

    fn variables(pattern: &ast::Pattern<&str>, names: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, names);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, names: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, names);
                for variant in variants {
                    variables(&variant.value, names);
                }
            }
            ast::Expression::Inline(inline) => inline_variables(inline, names),
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, names: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                names.insert(id.name.to_owned());
            }
            ast::InlineExpression::Placeable { expression } => expression_variables(expression, names),
            _ => {}
        }
    }

    #[test]
    fn every_language_has_every_message_with_the_same_values() {
        let english = inventory(Lang::En);
        assert!(english.len() > 100, "the English file holds the app's words");
        for lang in Lang::ALL {
            let other = inventory(lang);
            let missing: Vec<_> = english.keys().filter(|id| !other.contains_key(*id)).collect();
            let extra: Vec<_> = other.keys().filter(|id| !english.contains_key(*id)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{}: missing {missing:?}, unknown {extra:?}", lang.tag());
            for (id, names) in &english {
                assert_eq!(&other[id], names, "{}: {id} uses other values than in English", lang.tag());
            }
        }
    }

    /// Every `t!("…")` in the screens names a message that exists.
    #[test]
    fn every_message_the_screens_use_exists() {
        let english = inventory(Lang::En);
        let sources = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src")).unwrap_or_else(|e| panic!("{e}"));
        let mut used = 0;
        for file in sources.flatten() {
            let text = std::fs::read_to_string(file.path()).unwrap_or_default();
            let mut pieces = text.split("t!(\"");
            let mut before = pieces.next().unwrap_or_default();
            for piece in pieces {
                // A `format!` call is not a message.
                let macro_call = !before.ends_with(|c: char| c.is_alphanumeric() || c == '_');
                before = piece;
                let id = piece.split('"').next().unwrap_or_default();
                let is_id =
                    !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !macro_call || !is_id {
                    continue;
                }
                if id == "id" || id == "message-id" {
                    continue; // The examples in this module's documentation.
                }
                used += 1;
                assert!(english.contains_key(id), "{}: t!(\"{id}\") has no message", file.path().display());
            }
        }
        assert!(used > 100, "the screens use their messages ({used} found)");
    }

    #[test]
    fn plurals_follow_each_language() {
        set(Lang::En);
        assert_eq!(t!("cards-n", n = 1), "1 card");
        assert_eq!(t!("cards-n", n = 5), "5 cards");
        set(Lang::Ru);
        assert_eq!(t!("cards-n", n = 1), "1 карточка");
        assert_eq!(t!("cards-n", n = 3), "3 карточки");
        assert_eq!(t!("cards-n", n = 5), "5 карточек");
        assert_eq!(t!("cards-n", n = 21), "21 карточка");
        assert_eq!(t!("cards-n", n = 12), "12 карточек");
        set(Lang::En);
    }

    #[test]
    fn numbers_use_the_language_s_separator() {
        set(Lang::Ru);
        assert_eq!(number(1.5, 1), "1,5");
        assert_eq!(number(2.0, 1), "2");
        set(Lang::En);
        assert_eq!(number(1.5, 1), "1.5");
        assert_eq!(number(1234.0, 0), "1234");
    }

    #[test]
    fn the_system_s_language_is_taken_when_the_app_speaks_it() {
        assert_eq!(Lang::preferred(["ru-RU", "en-US"]), Lang::Ru);
        assert_eq!(Lang::preferred(["de-DE", "ru"]), Lang::Ru);
        assert_eq!(Lang::preferred(["de-DE"]), Lang::En);
        assert_eq!(Lang::preferred(["en_GB.UTF-8"]), Lang::En);
        assert_eq!(Lang::preferred([]), Lang::En);
    }

    #[test]
    fn an_unknown_message_shows_its_id() {
        assert_eq!(message("no-such-message", &[]), "no-such-message");
    }
}
