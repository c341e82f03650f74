//! Account fields: usernames and display names.

use crate::FieldError;

/// The longest sign-in name.
pub const USERNAME_MAX_CHARS: usize = 32;

/// A sign-in name: 3–32 characters of lowercase ASCII letters, digits, `.`, `_` or `-`.
pub fn parse_username(raw: &str) -> Result<String, FieldError> {
    let text = raw.trim().to_ascii_lowercase();
    if text.is_empty() {
        return Err(FieldError { field: "username", code: "required" });
    }
    let valid = (3..=USERNAME_MAX_CHARS).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if valid { Ok(text) } else { Err(FieldError { field: "username", code: "invalid_username" }) }
}

/// The name shown for a person: for the demo a position, never a personal name.
pub fn parse_display_name(raw: &str) -> Result<String, FieldError> {
    match crate::unit::parse_name("display_name", raw, true)? {
        Some(name) => Ok(name),
        None => Err(FieldError { field: "display_name", code: "required" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(parse_username(" Lhasa ").unwrap(), "lhasa");
        assert_eq!(parse_username("ab").unwrap_err().code, "invalid_username");
        assert_eq!(parse_username("a b c").unwrap_err().code, "invalid_username");
        assert_eq!(parse_username("").unwrap_err().code, "required");
    }
}

/// The order of a list of people.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrder {
    /// By username, the default.
    #[default]
    Username,
    /// By name as readers of a language sort them (`crate::collation`); English readers get the
    /// Chinese order, as names are written in Chinese or Tibetan.
    Name(crate::Locale),
}

/// A stored account (the password hash stays in the store and app layers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: crate::UserId,
    pub username: String,
    pub display_name: String,
    pub unit_id: crate::UnitId,
    pub locale: Option<crate::Locale>,
    pub disabled_at: Option<crate::Timestamp>,
    pub version: i64,
    pub created_at: crate::Timestamp,
}

/// A role on a unit, as listed on a person's page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Grant {
    pub id: crate::ids::GrantId,
    pub user_id: crate::UserId,
    pub role: crate::Role,
    pub unit_id: crate::UnitId,
    pub created_at: crate::Timestamp,
}
