//! A progress meeting's minutes (会议纪要) as a document: the meeting, who attended at each venue
//! (units on leave and absent named with their reasons), each agenda item with its minutes, and
//! the amendments made after it closed; compiled from its typst template.

use serde::Serialize;

/// The typst template; it reads everything from `/minutes.json` (see [`Minutes::json`]).
pub const TEMPLATE: &str = include_str!("minutes.typ");

#[derive(Debug, Clone, Serialize)]
pub struct Minutes {
    pub title: String,
    pub campaign: String,
    /// "2023年4月2日 10:00".
    pub held: String,
    /// "电视电话会议".
    pub mode: String,
    pub chair: String,
    /// That it is closed and locked, or a draft while the meeting is open.
    pub status: String,
    pub venues: Vec<MinutesVenue>,
    pub items: Vec<MinutesItem>,
    pub amendments: Vec<String>,
}

/// A venue's attendance as the minutes state it.
#[derive(Debug, Clone, Serialize)]
pub struct MinutesVenue {
    pub name: String,
    /// "应到 19 个单位，出席 18 个，请假 1 个，缺席 0 个".
    pub count: String,
    /// "南木林县（县委主要负责同志赴区外学习）", one a line.
    pub leave: Vec<String>,
    pub absent: Vec<String>,
}

/// An agenda item with its minutes.
#[derive(Debug, Clone, Serialize)]
pub struct MinutesItem {
    pub title: String,
    pub presenter: String,
    /// "10:00–10:20".
    pub time: String,
    /// The minutes, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    pub amendments: Vec<String>,
}

impl Minutes {
    pub fn json(&self) -> Vec<u8> {
        // Plain strings and lists: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
