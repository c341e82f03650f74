//! A progress meeting's briefing pack (会议材料): the campaign's progress by pillar and by
//! prefecture, the overdue assignments, the rectification items not yet closed, the open
//! follow-ups of earlier meetings and the latest published ranking; compiled from its typst
//! template.

use serde::Serialize;

/// The typst template; it reads everything from `/briefing.json` (see [`Briefing::json`]).
pub const TEMPLATE: &str = include_str!("briefing.typ");

#[derive(Debug, Clone, Serialize)]
pub struct Briefing {
    pub title: String,
    pub campaign: String,
    /// "2023年7月7日 10:00 · 视频会议".
    pub held: String,
    /// "数据截至2023年6月30日".
    pub as_of: String,
    pub office: String,
    pub pillars: Vec<ProgressRow>,
    pub areas: Vec<ProgressRow>,
    /// Each part: its heading, a sentence of what it holds, its columns and its rows.
    pub parts: Vec<Part>,
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
    pub heading: String,
    /// "共 12 项，以下按超期天数列出。" or what the empty part means.
    pub summary: String,
    pub columns: Vec<String>,
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
}

impl Briefing {
    pub fn json(&self) -> Vec<u8> {
        // Plain strings, numbers and lists: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
