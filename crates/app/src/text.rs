//! Free text as people type it: normalised (trimmed, bidirectional controls removed),
//! required or optional, and bounded by its kind in the one table of limits
//! ([`TextKind`]), with the field named when it is refused.

pub(crate) use pacesetter_domain::text::TextKind;
use pacesetter_domain::text::normalise;

use crate::{AppError, Result};

/// Normalised text that must be there and fit its kind: within its length, and free of control
/// characters (a line break or a tab is kept in the kinds that hold several lines).
pub(crate) fn required(field: &'static str, value: &str, kind: TextKind) -> Result<String> {
    let value = normalise(value);
    if value.is_empty() {
        return Err(AppError::invalid(field, "required"));
    }
    if value.chars().count() > kind.max_chars() {
        return Err(AppError::invalid(field, "too_long"));
    }
    let multiline = matches!(kind, TextKind::Note | TextKind::Text);
    if value.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(AppError::invalid(field, "control_characters"));
    }
    Ok(value)
}

/// Normalised text that may be left out (blank counts as left out) and fits its kind.
pub(crate) fn optional(field: &'static str, value: Option<&str>, kind: TextKind) -> Result<Option<String>> {
    match value.map(normalise).filter(|v| !v.is_empty()) {
        Some(value) => required(field, &value, kind).map(Some),
        None => Ok(None),
    }
}

/// The longest search term a list takes: more than any name or title, and short enough that
/// no pattern gets expensive for the database.
pub const SEARCH_MAX_CHARS: usize = 200;

/// A list's free-text filter: control characters read as spaces (no stored name has one; SQLite
/// would end the pattern at a NUL and match everything, PostgreSQL refuse it), trimmed, blank
/// taken as none, refused past [`SEARCH_MAX_CHARS`] with `search_too_long`.
pub fn search_term(value: Option<&str>) -> Result<Option<String>> {
    let value = value.map(|v| v.replace(char::is_control, " "));
    let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    if value.chars().count() > SEARCH_MAX_CHARS {
        return Err(AppError::Unprocessable {
            code: "search_too_long",
            details: serde_json::json!({ "field": "q", "max_chars": SEARCH_MAX_CHARS }),
        });
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_lines_are_kept_where_text_has_lines() {
        let refused = |field, value, kind| matches!(required(field, value, kind), Err(AppError::Invalid(_)));
        assert!(refused("title", "a\u{0}b", TextKind::Title));
        assert!(refused("title", "第一行\n第二行", TextKind::Title));
        assert!(refused("text", "a\u{7}b", TextKind::Text));
        assert_eq!(required("text", "第一行\r\n\t第二行", TextKind::Text).unwrap(), "第一行\r\n\t第二行");
        assert_eq!(required("title", "  推进会  ", TextKind::Title).unwrap(), "推进会");
    }

    #[test]
    fn a_search_reads_control_characters_as_spaces() {
        assert_eq!(search_term(Some("\u{0}'--")).unwrap().as_deref(), Some("'--"));
        assert_eq!(search_term(Some("拉萨\t市")).unwrap().as_deref(), Some("拉萨 市"));
        assert_eq!(search_term(Some(" \u{0}\n ")).unwrap(), None);
        assert_eq!(search_term(None).unwrap(), None);
    }
}
