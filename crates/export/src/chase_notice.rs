//! Reminder notices (督办单): one A4 page per unit listing the tasks the office presses it on,
//! with a reply date and a receipt line, as offices print, stamp and send them; compiled from
//! its typst template.

use serde::Serialize;

/// The typst template; it reads everything from `/notice.json` (see [`ChaseNotice::json`]).
pub const TEMPLATE: &str = include_str!("chase_notice.typ");

/// The notices of one selection: the issuing office's wording once, a page per unit.
#[derive(Debug, Clone, Serialize)]
pub struct ChaseNotice {
    pub campaign: String,
    pub campaign_bo: Option<String>,
    /// The office that issues the notices.
    pub office: String,
    /// The day issued and the day a reply is due, written out ("2023年6月30日").
    pub date: String,
    pub reply_by: String,
    /// The office's own words, added below the standard request (may be empty).
    pub message: String,
    pub units: Vec<NoticeUnit>,
}

/// One unit's page.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeUnit {
    pub name: String,
    pub name_bo: Option<String>,
    /// The notice's number: "540100-20230630".
    pub number: String,
    pub lines: Vec<NoticeLine>,
}

/// One task on a unit's page, as text ready to print.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeLine {
    pub code: String,
    pub task: String,
    /// The deadline written out, or "长期" for a task without one.
    pub due_on: String,
    /// "45%".
    pub progress: String,
    /// "已超期 12 天", "进度滞后", …
    pub status: String,
    /// How often the task was chased before: "2 次", or "—".
    pub chased: String,
}

impl ChaseNotice {
    pub fn json(&self) -> Vec<u8> {
        // Plain strings and options: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
