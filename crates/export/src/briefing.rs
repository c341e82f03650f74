//! A progress meeting's briefing pack (会议材料): the campaign's progress by pillar and by
//! prefecture, the overdue assignments, the rectification items not yet closed, the open
//! follow-ups of earlier meetings and the latest published ranking; compiled from its typst
//! template, its fixed wording in the campaign's documents language or languages.

use serde::Serialize;

use crate::said::Said;

/// The typst template; it reads everything from `/briefing.json` (see [`Briefing::json`]).
pub const TEMPLATE: &str = include_str!("briefing.typ");

#[derive(Debug, Clone, Serialize)]
pub struct Briefing {
    pub title: String,
    pub title_bo: Option<String>,
    /// "会议材料", in each language.
    pub kind: Vec<Said>,
    pub campaign: String,
    pub campaign_bo: Option<String>,
    /// When it is held ("2023年7月7日 10:00"), how ("视频会议") and the day the figures are of
    /// ("数据截至2023年6月30日"): each in each language.
    pub facts: Vec<Vec<Said>>,
    pub office: String,
    /// The progress tables' column headers after the name and the bar: percent, done, green,
    /// yellow, red; each in each language.
    pub progress_columns: Vec<Vec<Said>>,
    /// By pillar, then by prefecture.
    pub progress: Vec<Progress>,
    /// Each further part: its heading, a sentence of what it holds, its columns and its rows.
    pub parts: Vec<Part>,
}

/// A progress table: its heading, what it says when empty, and its lines.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub heading: Vec<Said>,
    pub empty: Vec<Said>,
    pub rows: Vec<ProgressRow>,
}

/// A line of a progress table: a pillar or a prefecture with its assignments rolled up.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressRow {
    pub name: String,
    /// The Tibetan name, where one is attested.
    pub name_bo: Option<String>,
    /// "62.5%", or "—" with nothing reported yet.
    pub percent: String,
    /// 0 to 1, the bar's length.
    pub ratio: f64,
    pub done: u32,
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
}

/// A table of the pack.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub heading: Vec<Said>,
    /// "共 12 项，以下按超期天数列出。" or what the empty part means.
    pub summary: Vec<Said>,
    pub columns: Vec<Vec<Said>>,
    pub rows: Vec<Vec<Cell>>,
}

/// A cell: its text, and a Tibetan line under it where there is one.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    pub bo: Option<String>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), bo: None }
    }

    pub fn with_bo(text: impl Into<String>, bo: Option<String>) -> Self {
        Self { text: text.into(), bo }
    }

    /// A fixed wording in the pack's language or languages: the Chinese, with the Tibetan under
    /// it (or alone).
    pub fn said(said: &[Said]) -> Self {
        let in_lang = |lang| said.iter().find(|s| s.lang == lang).map(|s| s.text.clone());
        Self { text: in_lang("zh").unwrap_or_default(), bo: in_lang("bo") }
    }
}

impl Briefing {
    pub fn json(&self) -> Vec<u8> {
        // Plain strings, numbers and lists: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_of_a_wording_puts_the_tibetan_under_the_chinese() {
        let said = |text: &str, lang| Said { text: text.into(), lang };
        let both = Cell::said(&[said("进行中", "zh"), said("གསར་སྒྱུར།", "bo")]);
        assert_eq!((both.text.as_str(), both.bo.as_deref()), ("进行中", Some("གསར་སྒྱུར།")));
        let tibetan = Cell::said(&[said("གསར་སྒྱུར།", "bo")]);
        assert_eq!((tibetan.text.as_str(), tibetan.bo.as_deref()), ("", Some("གསར་སྒྱུར།")));
    }
}
