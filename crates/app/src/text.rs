//! Free text as people type it: trimmed, required or optional, and bounded in characters, with
//! the field named when it is refused.

use crate::{AppError, Result};

/// Trimmed text that must be there and fit in `max` characters.
pub(crate) fn required(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, "required"));
    }
    if value.chars().count() > max {
        return Err(AppError::invalid(field, "too_long"));
    }
    Ok(value.to_owned())
}

/// Trimmed text that may be left out (blank counts as left out) and fits in `max` characters.
pub(crate) fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => required(field, value, max).map(Some),
        None => Ok(None),
    }
}

/// The longest search term a list takes: more than any name or title, and short enough that
/// no pattern gets expensive for the database.
pub const SEARCH_MAX_CHARS: usize = 200;

/// A list's free-text filter: trimmed, blank taken as none, refused past
/// [`SEARCH_MAX_CHARS`] with `search_too_long`.
pub fn search_term(value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    if value.chars().count() > SEARCH_MAX_CHARS {
        return Err(AppError::Unprocessable {
            code: "search_too_long",
            details: serde_json::json!({ "field": "q", "max_chars": SEARCH_MAX_CHARS }),
        });
    }
    Ok(Some(value.to_owned()))
}
