//! Interface text in Simplified Chinese, English and Tibetan, from one resource file per
//! language (`locales/*.toml`, flat keys), with the deployment's own reviewed translations laid
//! over them (decision 0022). A missing key falls back to Chinese, then to the key itself; a
//! test checks that every file has every key.

use std::{collections::HashMap, sync::OnceLock};

use pacesetter_app::{App, translations::InForce};
use pacesetter_domain::Locale;

const SOURCES: [(Locale, &str); 3] = [
    (Locale::ZhHans, include_str!("../locales/zh-Hans.toml")),
    (Locale::En, include_str!("../locales/en.toml")),
    (Locale::Bo, include_str!("../locales/bo.toml")),
];

type Catalogue = HashMap<String, String>;

fn catalogues() -> &'static HashMap<Locale, Catalogue> {
    static CATALOGUES: OnceLock<HashMap<Locale, Catalogue>> = OnceLock::new();
    CATALOGUES.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(locale, text)| {
                let table: Catalogue = toml::from_str(text).unwrap_or_else(|error| {
                    tracing::error!(locale = locale.tag(), %error, "locale file cannot be read");
                    Catalogue::new()
                });
                (*locale, table)
            })
            .collect()
    })
}

/// Every key, in order (Chinese is the source: every file has its keys).
pub fn all_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> =
        catalogues().get(&Locale::ZhHans).map(|c| c.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    keys
}

/// The text of `key` as `locale`'s file ships it.
pub fn shipped(locale: Locale, key: &str) -> Option<&'static str> {
    catalogues().get(&locale).and_then(|c| c.get(key)).map(String::as_str)
}

/// `text` with each `{name}` of `args` replaced by its value, in one pass: a value is not read
/// again for placeholders, and a brace that names no argument stays as it is.
fn filled(text: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() + 8 * args.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let value = args.iter().find(|(name, _)| *name == &after[..close])?.1;
            Some((close, value))
        });
        match named {
            Some((close, value)) => {
                let _ = write!(out, "{value}");
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The keys of one language's file, for the completeness test.
pub fn keys(locale: Locale) -> Vec<String> {
    let mut keys: Vec<String> = catalogues().get(&locale).map(|c| c.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

/// Translator for one request's language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub locale: Locale,
    /// The deployment's reviewed translations laid over the files; none for Chinese, the source.
    in_force: Option<&'static InForce>,
}

impl Tr {
    /// The interface in `locale` as `app` shows it: the files with the deployment's reviewed
    /// translations over them.
    pub fn new(locale: Locale, app: &App) -> Self {
        Self { locale, in_force: Some(app.translations) }
    }

    /// The interface in the language `actor` chose (Chinese if none), as `app` shows it: what a
    /// download made for the caller is written in.
    pub fn of_actor(actor: &pacesetter_app::Actor, app: &App) -> Self {
        Self::new(actor.locale().unwrap_or(Locale::ZhHans), app)
    }

    /// The interface in `locale` as the files ship it: for Chinese, which is not translated, and
    /// where no deployment is at hand.
    pub fn shipped(locale: Locale) -> Self {
        Self { locale, in_force: None }
    }

    /// The text for `key`.
    pub fn t(&self, key: &str) -> &'static str {
        if let Some(text) = self.in_force.and_then(|texts| texts.get(self.locale, key)) {
            return text;
        }
        let all = catalogues();
        all.get(&self.locale)
            .and_then(|c| c.get(key))
            .or_else(|| all.get(&Locale::ZhHans).and_then(|c| c.get(key)))
            .map(String::as_str)
            .unwrap_or_else(|| {
                tracing::warn!(key, "missing translation");
                ""
            })
    }

    /// The text for `key` with `{name}` placeholders filled.
    pub fn f(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        filled(self.t(key), args)
    }

    /// The message for an error or validation code, e.g. `error.code_taken`.
    pub fn error(&self, code: &str) -> String {
        let key = format!("error.{code}");
        let text = self.t(&key);
        if text.is_empty() { self.t("error.invalid_input").to_owned() } else { text.to_owned() }
    }

    /// The text for `key` with `{n}` filled.
    pub fn n(&self, key: &str, n: impl std::fmt::Display) -> String {
        self.f(key, &[("n", &n)])
    }

    /// A day written out in the language's long form, after CLDR's `long` date pattern:
    /// "2023年6月30日", "June 30, 2023", "སྤྱི་ལོ་2023 ཟླ་བ་དྲུག་པའི་ཚེས་30" — what a document
    /// is dated with.
    pub fn date(&self, day: time::Date) -> String {
        let month = u8::from(day.month());
        let month_name = self.tk("date.month", &month.to_string());
        self.f("date.long", &[("year", &day.year()), ("month_name", &month_name), ("day", &day.day())])
    }

    /// "Page 2 of 5".
    pub fn pages(&self, page: impl std::fmt::Display, pages: impl std::fmt::Display) -> String {
        self.f("pager.position", &[("page", &page), ("pages", &pages)])
    }

    /// The text for `prefix.suffix`, e.g. `("imports.status", "committed")`.
    pub fn tk(&self, prefix: &str, suffix: &str) -> &'static str {
        self.t(&format!("{prefix}.{suffix}"))
    }

    /// The name of a unit kind such as `prefecture`.
    pub fn kind(&self, kind: &str) -> &'static str {
        self.t(&format!("kind.{kind}"))
    }

    /// The name of a role such as `liaison`.
    pub fn role(&self, role: &str) -> &'static str {
        self.t(&format!("role.{role}"))
    }

    pub fn lang(&self) -> &'static str {
        self.locale.tag()
    }

    pub fn is(&self, tag: &str) -> bool {
        self.locale.tag() == tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let chinese = keys(Locale::ZhHans);
        assert!(chinese.len() > 100);
        for locale in [Locale::En, Locale::Bo] {
            assert_eq!(keys(locale), chinese, "{} differs from zh-Hans", locale.tag());
        }
    }

    #[test]
    fn every_key_a_template_or_handler_names_exists() {
        let chinese: std::collections::HashSet<String> = keys(Locale::ZhHans).into_iter().collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        let mut files = Vec::new();
        for dir in
            ["templates", "templates/units", "templates/users", "templates/evaluations", "src/ui", "src/ui/evaluations"]
        {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    files.push(path);
                }
            }
        }
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for pattern in ["t(\"", "key: \"", "_key = \""] {
                for piece in text.split(pattern).skip(1) {
                    let key = piece.split('"').next().unwrap_or("");
                    if key.contains('.') && !key.contains(' ') && !chinese.contains(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from locales/zh-Hans.toml:\n{}", missing.join("\n"));
    }

    #[test]
    fn every_kind_of_notification_has_its_inbox_badge() {
        for locale in Locale::ALL {
            for kind in pacesetter_domain::notification::KINDS {
                assert!(!Tr::shipped(locale).tk("inbox.badge", kind).is_empty(), "{kind} in {}", locale.tag());
            }
        }
    }

    #[test]
    fn documents_are_dated_in_each_language_long_form() {
        let day = time::macros::date!(2023 - 06 - 30);
        assert_eq!(Tr::shipped(Locale::ZhHans).date(day), "2023年6月30日");
        assert_eq!(Tr::shipped(Locale::En).date(day), "June 30, 2023");
        // CLDR bo's long pattern `སྤྱི་ལོ་y MMMMའི་ཚེས་d` with the format-wide month (TIBETAN.md §1).
        assert_eq!(Tr::shipped(Locale::Bo).date(day), "སྤྱི་ལོ་2023 ཟླ་བ་དྲུག་པའི་ཚེས་30");
        assert_eq!(Tr::shipped(Locale::ZhHans).date(time::macros::date!(2023 - 12 - 01)), "2023年12月1日");
    }

    #[test]
    fn placeholders_are_filled() {
        let t = Tr::shipped(Locale::En);
        assert_eq!(t.n("units.total", 95), "95 units");
        assert_eq!(t.pages(2, 4), "Page 2 of 4");
        assert_eq!(Tr::shipped(Locale::Bo).t("auth.sign_in"), "ཐོ་འཇུག");
    }

    #[test]
    fn a_value_is_not_read_for_placeholders_and_unnamed_braces_stay() {
        let title: &dyn std::fmt::Display = &"{b} 与 {";
        assert_eq!(filled("{a}·{b}·{a}", &[("a", title), ("b", &2)]), "{b} 与 {·2·{b} 与 {");
        assert_eq!(filled("{c} {b", &[("b", &2)]), "{c} {b");
        assert_eq!(filled("无占位符", &[("b", &2)]), "无占位符");
        assert_eq!(filled("{}{b}}", &[("b", &"拉萨")]), "{}拉萨}");
    }
}
