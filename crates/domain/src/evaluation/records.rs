//! What the evaluation keeps between requests: schemes as stored, the units they rank, score
//! entries, bonus/deduction/veto items, runs with their frozen inputs, and appeals (复核). Also
//! the bounds on every number a person types, so that exact arithmetic can never overflow.

use rust_decimal::Decimal;

use super::{
    engine::VetoEffect,
    rubric::Answer,
    scheme::{Combine, Rubric, Scheme, SchemeError},
};
use crate::{
    Timestamp, UnitId, UserId,
    evidence::EvidenceId,
    ids::{CampaignId, id_type},
};

id_type!(
    /// An evaluation scheme of a campaign.
    SchemeId
);
id_type!(
    /// One score entry (a unit's or an inspector's answer for a leaf).
    EntryId
);
id_type!(
    /// A bonus, deduction or veto item.
    ItemId
);
id_type!(
    /// A run: a draft, a published version or a what-if.
    RunId
);
id_type!(
    /// An appeal (复核) against a published result.
    AppealId
);

/// Whether a scheme is still being built or open for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SchemeStatus {
    /// Being built: no entries are taken yet.
    Draft,
    /// Open for self-assessment, inspection and runs.
    Active,
}

impl SchemeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Draft, Self::Active].into_iter().find(|s| s.as_str() == text)
    }
}

/// A scheme as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredScheme {
    pub id: SchemeId,
    pub campaign_id: CampaignId,
    pub name: String,
    /// The name in Tibetan, if given.
    pub name_bo: Option<String>,
    pub scheme: Scheme,
    pub status: SchemeStatus,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A unit ranked by a scheme: its category and the leaves it self-assesses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    pub unit_id: UnitId,
    pub category: String,
    pub self_leaves: Vec<String>,
    pub submitted_at: Option<Timestamp>,
}

/// Who entered a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ScoreSource))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The unit's own self-assessment (自评).
    #[serde(rename = "self")]
    SelfAssessment,
    Inspector,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfAssessment => "self",
            Self::Inspector => "inspector",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::SelfAssessment, Self::Inspector].into_iter().find(|s| s.as_str() == text)
    }
}

/// A stored score entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScoreEntry {
    pub id: EntryId,
    pub scheme_id: SchemeId,
    pub unit_id: UnitId,
    pub leaf: String,
    pub source: Source,
    pub answer: Answer,
    pub comment: Option<String>,
    pub evidence: Vec<EvidenceId>,
    pub entered_by: UserId,
    pub entered_at: Timestamp,
    pub version: i64,
}

impl ScoreEntry {
    /// Whether saving `answer`, `comment` and `evidence` again would change nothing.
    pub fn says(&self, answer: &Answer, comment: &str, evidence: &[EvidenceId]) -> bool {
        let mut mine: Vec<i64> = self.evidence.iter().map(|e| e.0).collect();
        let mut given: Vec<i64> = evidence.iter().map(|e| e.0).collect();
        mine.sort_unstable();
        given.sort_unstable();
        given.dedup();
        &self.answer == answer && self.comment.as_deref().unwrap_or("") == comment && mine == given
    }
}

/// What a bonus, deduction or veto item does.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemEffect {
    Bonus { points: Decimal, cap: Decimal },
    Deduction { count: u32, per: Decimal },
    Veto { effect: VetoEffect },
}

/// A bonus, deduction or veto item of a unit, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    pub id: ItemId,
    pub scheme_id: SchemeId,
    pub unit_id: UnitId,
    pub effect: ItemEffect,
    pub source: String,
    pub source_link: Option<String>,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// The kinds of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Draft,
    /// Frozen; re-running it reproduces every number.
    Published,
    /// A scratch copy under other weights or bands; never published.
    WhatIf,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::WhatIf => "what_if",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Draft, Self::Published, Self::WhatIf].into_iter().find(|k| k.as_str() == text)
    }
}

/// The evidence and comments behind a unit's two entries for one leaf.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeafNotes {
    #[serde(default)]
    pub self_evidence: Vec<EvidenceId>,
    #[serde(default)]
    pub inspector_evidence: Vec<EvidenceId>,
    #[serde(default)]
    pub self_comment: Option<String>,
    #[serde(default)]
    pub inspector_comment: Option<String>,
    /// Computed by the server (task_completion), with how.
    #[serde(default)]
    pub computed: Option<String>,
}

/// A run as stored, without its inputs and results (one row per unit each).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Run {
    pub id: RunId,
    pub scheme_id: SchemeId,
    pub kind: RunKind,
    /// 1, 2, … for published versions.
    pub version: Option<i64>,
    pub parent_run_id: Option<RunId>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub published_by: Option<UserId>,
    pub published_at: Option<Timestamp>,
    /// The scheme's version when the run read it.
    pub scheme_version: i64,
    /// SHA-256 of every unit's frozen inputs, and of every result line, in unit order.
    pub inputs_sha256: String,
    pub results_sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = AppealDecision))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The result changes: a new published version.
    Upheld,
    /// The published result stands.
    Dismissed,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upheld => "upheld",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Upheld, Self::Dismissed].into_iter().find(|d| d.as_str() == text)
    }
}

/// An appeal (复核) against a unit's published result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Appeal {
    pub id: AppealId,
    pub run_id: RunId,
    pub unit_id: UnitId,
    pub reason: String,
    pub filed_by: UserId,
    pub created_at: Timestamp,
    pub reviewer_id: Option<UserId>,
    pub decision: Option<Decision>,
    pub note: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub new_run_id: Option<RunId>,
}

/// The largest magnitude a typed number may have, and its most decimal places. Within these,
/// no sum, product or quotient the engine forms can leave `Decimal`'s range.
pub const MAX_MAGNITUDE: i64 = 1_000_000_000;
pub const MAX_SCALE: u32 = 6;
/// Nodes in a scheme, and bands, quotas, tie-breakers, levels or checklist items in one place.
pub const MAX_NODES: usize = 1_000;
pub const MAX_LIST: usize = 100;

/// A typed number within the bounds.
pub fn in_bounds(value: Decimal) -> bool {
    value.abs() <= Decimal::from(MAX_MAGNITUDE) && value.normalize().scale() <= MAX_SCALE
}

/// Refuses a scheme with a number out of bounds or a list too long, naming where.
pub fn check_bounds(scheme: &Scheme) -> Result<(), SchemeError> {
    let at = |node: &str, code: &'static str| SchemeError { node: node.to_owned(), code };
    let settings =
        [Some(scheme.total_points), Some(scheme.discrepancy_pct), Some(scheme.bonus_cap), scheme.deduction_cap];
    let bands = scheme.bands.iter().map(|b| b.min);
    let quotas = scheme.quotas.iter().map(|q| q.share);
    let combine = match scheme.combine {
        Combine::Weighted { self_weight, inspector_weight } => vec![self_weight, inspector_weight],
        Combine::InspectorOverrides { .. } => Vec::new(),
    };
    if !settings.into_iter().flatten().chain(bands).chain(quotas).chain(combine).all(in_bounds) {
        return Err(at("scheme", "number_out_of_bounds"));
    }
    if scheme.nodes.len() > MAX_NODES
        || [scheme.bands.len(), scheme.quotas.len(), scheme.tie_breakers.len()].iter().any(|n| *n > MAX_LIST)
        || scheme.precision > MAX_SCALE
    {
        return Err(at("scheme", "scheme_too_large"));
    }
    for node in &scheme.nodes {
        let numbers: Vec<Decimal> = match &node.rubric {
            Some(Rubric::Levels { levels }) if levels.len() > MAX_LIST => {
                return Err(at(&node.code, "rubric_too_large"));
            }
            Some(Rubric::Checklist { items }) if items.len() > MAX_LIST => {
                return Err(at(&node.code, "rubric_too_large"));
            }
            Some(Rubric::TaskCompletion { plan_items }) if plan_items.len() > MAX_LIST => {
                return Err(at(&node.code, "rubric_too_large"));
            }
            Some(Rubric::Levels { levels }) => levels.iter().map(|l| l.fraction).collect(),
            Some(Rubric::Checklist { items }) => items.clone(),
            Some(Rubric::Ratio { floor, target }) => vec![*floor, *target],
            Some(Rubric::Efficacy { x_low, x_high }) => vec![*x_low, *x_high],
            Some(Rubric::DeductFromMax { per_occurrence }) => vec![*per_occurrence],
            Some(Rubric::Binary | Rubric::Survey | Rubric::TaskCompletion { .. }) | None => Vec::new(),
        };
        if !numbers.into_iter().chain(node.points).chain(node.weight).all(in_bounds) {
            return Err(at(&node.code, "number_out_of_bounds"));
        }
    }
    Ok(())
}

/// An answer whose numbers are within bounds (checklists no longer than any rubric allows).
pub fn answer_in_bounds(answer: &Answer) -> bool {
    match answer {
        Answer::Value(value) => in_bounds(*value),
        Answer::Checked(items) => items.len() <= MAX_LIST,
        Answer::Occurrences(n) => i64::from(*n) <= MAX_MAGNITUDE,
        Answer::Level(name) => name.chars().count() <= 200,
        Answer::Met(_) => true,
    }
}

/// An item whose numbers are within bounds.
pub fn item_in_bounds(effect: &ItemEffect) -> bool {
    match effect {
        ItemEffect::Bonus { points, cap } => in_bounds(*points) && in_bounds(*cap),
        ItemEffect::Deduction { count, per } => i64::from(*count) <= MAX_MAGNITUDE && in_bounds(*per),
        ItemEffect::Veto { .. } => true,
    }
}
