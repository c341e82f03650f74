//! A prize certificate (荣誉证书) of a contest's published results: one A4 landscape page in
//! the campaign's documents language or languages (its heading, citation and prize), with the
//! campaign's and the unit's Tibetan names, compiled from its typst template.

use serde::Serialize;

use crate::said::Said;

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
    /// "荣誉证书", in each language.
    pub heading: Vec<Said>,
    /// What for, in each language: "在青年宣讲比赛全区决赛中以《雪域新貌》荣获".
    pub citation: Vec<Said>,
    /// "一等奖", or an award's title, in each language.
    pub prize: Vec<Said>,
    /// The office that awards it, and the date the results were published, in each language.
    pub office: String,
    pub date: Vec<Said>,
}

impl Certificate {
    pub fn json(&self) -> Vec<u8> {
        // Plain strings and options: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
