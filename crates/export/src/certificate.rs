//! A prize certificate (荣誉证书) of a contest's published results: one A4 landscape page in
//! Chinese with the campaign's and the unit's Tibetan names, compiled from its typst template.

use serde::Serialize;

/// The typst template; it reads everything from `/certificate.json` (see [`Certificate::json`]).
pub const TEMPLATE: &str = include_str!("certificate.typ");

/// What a certificate says.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub campaign: String,
    pub campaign_bo: Option<String>,
    /// Who is awarded: a contestant, or the unit itself for an award to a unit.
    pub contestant: String,
    /// The contestant's unit; empty when the unit is the one awarded.
    pub unit: String,
    pub unit_bo: Option<String>,
    /// What for: "在青年宣讲比赛全区决赛中以《雪域新貌》荣获".
    pub citation: String,
    /// "一等奖".
    pub prize: String,
    /// The office that awards it, and the date the results were published.
    pub office: String,
    pub date: String,
}

impl Certificate {
    /// The citation for `contestant`'s prize in `contest`'s `round`, with the work's `title` if any.
    pub fn citation(contest: &str, round: &str, title: &str) -> String {
        let work = if title.is_empty() { String::new() } else { format!("以《{title}》") };
        format!("在{contest}{round}中{work}荣获")
    }

    pub fn json(&self) -> Vec<u8> {
        // Plain strings and options: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
