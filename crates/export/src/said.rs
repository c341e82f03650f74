//! A document's fixed wording in its language or languages (issue 18): each text once per
//! language, the Tibetan set apart by the templates in its own font and line breaking.

use serde::Serialize;

/// A fixed text of a document in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Said {
    pub text: String,
    /// `zh` or `bo`: the template sets Tibetan in its own font and line breaking.
    pub lang: &'static str,
}

impl Said {
    /// `texts` in order, a later one left out where it repeats an earlier one (a text not yet
    /// translated stands in as the Chinese, and is printed once).
    pub fn once(texts: impl IntoIterator<Item = Said>) -> Vec<Said> {
        let mut found: Vec<Said> = Vec::new();
        for said in texts {
            if !found.iter().any(|s| s.text == said.text) {
                found.push(said);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_text_is_said_once() {
        let said = |text: &str, lang| Said { text: text.into(), lang };
        let once = Said::once([said("荣誉证书", "zh"), said("荣誉证书", "bo"), said("ལེགས་སྐྱེས།", "bo")]);
        assert_eq!(once, [said("荣誉证书", "zh"), said("ལེགས་སྐྱེས།", "bo")]);
    }
}
