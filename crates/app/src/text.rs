//! Free text as people type it: normalised (trimmed, bidirectional controls removed),
//! required or optional, and bounded by its kind in the one table of limits
//! ([`TextKind`]), with the field named when it is refused.

pub(crate) use pacesetter_domain::text::TextKind;
use pacesetter_domain::text::normalise;

use crate::{AppError, Result};

/// Normalised text that must be there and fit its kind.
pub(crate) fn required(field: &'static str, value: &str, kind: TextKind) -> Result<String> {
    let value = normalise(value);
    if value.is_empty() {
        return Err(AppError::invalid(field, "required"));
    }
    if value.chars().count() > kind.max_chars() {
        return Err(AppError::invalid(field, "too_long"));
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
