//! The interface languages: Simplified Chinese, English and Tibetan.

/// A supported interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    #[serde(rename = "zh-Hans")]
    ZhHans,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "bo")]
    Bo,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Self::ZhHans, Self::Bo, Self::En];

    /// The BCP 47 tag, also used as the `lang` attribute of pages.
    pub fn tag(self) -> &'static str {
        match self {
            Self::ZhHans => "zh-Hans",
            Self::En => "en",
            Self::Bo => "bo",
        }
    }

    /// Each language's name written in that language, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::ZhHans => "中文",
            Self::En => "English",
            Self::Bo => "བོད་སྐད་",
        }
    }

    /// Parses one language tag: `zh`, `zh-CN`, `zh-Hans`, `bo-CN`, `en-GB`…
    pub fn parse(tag: &str) -> Option<Self> {
        let lower = tag.trim().to_ascii_lowercase();
        let primary = lower.split(['-', '_']).next().unwrap_or("");
        match primary {
            "zh" if !lower.contains("hant") && !lower.contains("-tw") && !lower.contains("-hk") => Some(Self::ZhHans),
            "zh" => Some(Self::ZhHans),
            "en" => Some(Self::En),
            "bo" => Some(Self::Bo),
            _ => None,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header, honouring q-values.
    pub fn negotiate(header: &str) -> Option<Self> {
        let mut choices: Vec<(u16, usize, Locale)> = Vec::new();
        for (index, part) in header.split(',').enumerate().take(32) {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality <= 0.0 {
                continue;
            }
            if let Some(locale) = Self::parse(tag) {
                // Scale q to an integer so the ordering is total; earlier entries win ties.
                choices.push(((quality.clamp(0.0, 1.0) * 1000.0) as u16, index, locale));
            }
        }
        choices.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        choices.first().map(|c| c.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality_then_order() {
        assert_eq!(Locale::negotiate("bo-CN,zh;q=0.8"), Some(Locale::Bo));
        assert_eq!(Locale::negotiate("fr, en;q=0.5, zh-CN;q=0.9"), Some(Locale::ZhHans));
        assert_eq!(Locale::negotiate("fr, de"), None);
        assert_eq!(Locale::negotiate("en;q=0, bo;q=0.1"), Some(Locale::Bo));
        assert_eq!(Locale::negotiate(""), None);
    }
}
