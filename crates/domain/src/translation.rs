//! A deployment's own translations of the interface (issue 18): its translators edit a string
//! of a language's resource file, and a second translator reviews the edit before it is shown.

use std::collections::BTreeSet;

/// Where an edited string stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TranslationState))]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// As the resource file ships it, attested.
    Shipped,
    /// Not translated yet: the Chinese text stands in.
    Missing,
    /// Edited, waiting for a second translator.
    Draft,
    /// Edited and reviewed: shown to everyone.
    Reviewed,
}

impl State {
    pub const ALL: [Self; 4] = [Self::Shipped, Self::Missing, Self::Draft, Self::Reviewed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shipped => "shipped",
            Self::Missing => "missing",
            Self::Draft => "draft",
            Self::Reviewed => "reviewed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The `{name}` placeholders of a text, which a translation must keep as they are.
pub fn placeholders(text: &str) -> BTreeSet<&str> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                found.insert(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    found
}

/// Whether a translation keeps exactly the source's placeholders.
pub fn same_placeholders(source: &str, translation: &str) -> bool {
    placeholders(source) == placeholders(translation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_named_between_braces() {
        assert_eq!(
            placeholders("共 {n} 项，第 {page}/{pages} 页").into_iter().collect::<Vec<_>>(),
            ["n", "page", "pages"]
        );
        assert!(placeholders("没有占位符 { 也不是 }").is_empty());
        assert!(same_placeholders("共 {n} 项", "{n} ཡོད།"));
        assert!(!same_placeholders("共 {n} 项", "ཡོད།"), "a placeholder dropped");
        assert!(!same_placeholders("共 {n} 项", "{m} ཡོད།"), "a placeholder renamed");
    }

    #[test]
    fn states_round_trip() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
    }
}
