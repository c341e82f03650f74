//! A name a person wrote in Chinese with its Tibetan beside it (issue 18), as a page shows it:
//! the Tibetan to a Tibetan reader, and otherwise the Chinese — marked as Chinese on a Tibetan
//! page where no Tibetan was given, so that the gap is seen, not hidden.

use pacesetter_domain::{Locale, ValidationError};
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Named {
    pub text: String,
    /// The language of `text`, for its `lang` attribute.
    pub lang: &'static str,
    /// A Tibetan reader sees the Chinese: the Tibetan is missing.
    pub untranslated: bool,
}

impl Named {
    /// `zh` and its Tibetan `bo` (if any) for a reader of `locale`.
    pub fn of(zh: &str, bo: Option<&str>, locale: Locale) -> Self {
        match (locale, bo.map(str::trim).filter(|b| !b.is_empty())) {
            (Locale::Bo, Some(bo)) => Self { text: bo.to_owned(), lang: "bo", untranslated: false },
            (Locale::Bo, None) => Self { text: zh.to_owned(), lang: "zh-Hans", untranslated: true },
            _ => Self { text: zh.to_owned(), lang: "zh-Hans", untranslated: false },
        }
    }
}

impl std::fmt::Display for Named {
    /// The text alone, for titles and attributes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The form renaming a record in both languages on the record's own page (a meeting's title, a
/// contest's name), sent back with what was refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub rename_zh: String,
    #[serde(default)]
    pub rename_bo: String,
    /// Where it is sent.
    #[serde(skip)]
    pub action: String,
}

impl RenameForm {
    /// The form filled with the stored names, sent to `action`.
    pub fn of(action: String, version: i64, zh: &str, bo: Option<&str>) -> Self {
        Self { version, rename_zh: zh.to_owned(), rename_bo: bo.unwrap_or_default().to_owned(), action }
    }

    /// The use case's errors on its fields `zh` and `bo` under this form's field names, apart
    /// from the page's other forms.
    pub fn errors(errors: ValidationError, (zh, bo): (&str, &str)) -> ValidationError {
        crate::ui::page::renamed_fields(errors, &[(zh, "rename_zh"), (bo, "rename_bo")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tibetan_reader_sees_the_tibetan_or_the_chinese_marked() {
        assert_eq!(Named::of("拉萨市", Some("ལྷ་ས་གྲོང་ཁྱེར"), Locale::Bo).text, "ལྷ་ས་གྲོང་ཁྱེར");
        let missing = Named::of("昌都市", Some("  "), Locale::Bo);
        assert_eq!((missing.text.as_str(), missing.lang, missing.untranslated), ("昌都市", "zh-Hans", true));
        let chinese = Named::of("拉萨市", Some("ལྷ་ས་གྲོང་ཁྱེར"), Locale::ZhHans);
        assert_eq!((chinese.text.as_str(), chinese.untranslated), ("拉萨市", false));
        assert!(!Named::of("拉萨市", None, Locale::En).untranslated, "only Tibetan has content fields");
    }
}
