//! What inspections keep between requests: rounds with their teams and targets, the checklist,
//! self-inspection and inspector checks, findings and their rectification items with every
//! step taken.

use time::Date;

use super::{RectificationState, RectificationStep, Severity};
use crate::{
    Timestamp, UnitId, UserId,
    evidence::EvidenceId,
    ids::{CampaignId, PlanItemId, id_type},
};

id_type!(
    /// An inspection round (调研督导) of a campaign.
    RoundId
);
id_type!(
    /// A team of inspectors in a round.
    TeamId
);
id_type!(
    /// A point of a round's checklist.
    CheckItemId
);
id_type!(
    /// A finding (问题).
    FindingId
);
id_type!(
    /// A finding's rectification item (整改).
    RectificationId
);

/// Where a round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// Being prepared: teams, targets and the checklist change; units self-inspect.
    Planning,
    /// Under way: inspectors check and record findings.
    Active,
    /// Done: no more checks or findings; rectification goes on.
    Completed,
}

impl RoundStatus {
    pub const ALL: [RoundStatus; 3] = [Self::Planning, Self::Active, Self::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planning => "planning",
            Self::Active => "active",
            Self::Completed => "completed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// How a checklist point stands for a unit, in its own view or the inspectors'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// 达标.
    Met,
    /// 部分达标.
    Partly,
    /// 未达标.
    Unmet,
    /// 不适用.
    NotApplicable,
}

impl CheckStatus {
    pub const ALL: [CheckStatus; 4] = [Self::Met, Self::Partly, Self::Unmet, Self::NotApplicable];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Partly => "partly",
            Self::Unmet => "unmet",
            Self::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Who answered a checklist point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckSource {
    /// The unit's self-inspection (对标对表自查).
    #[serde(rename = "self")]
    SelfInspection,
    Inspector,
}

impl CheckSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfInspection => "self",
            Self::Inspector => "inspector",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::SelfInspection, Self::Inspector].into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Round {
    pub id: RoundId,
    pub campaign_id: CampaignId,
    pub name: String,
    /// The name in Tibetan, if given.
    pub name_bo: Option<String>,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub starts_on: Date,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub ends_on: Date,
    pub status: RoundStatus,
    pub scheme_id: Option<i64>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Team {
    pub id: TeamId,
    pub round_id: RoundId,
    pub name: String,
    pub leader_id: UserId,
    /// Everyone on the team, the leader included.
    pub members: Vec<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    pub round_id: RoundId,
    pub unit_id: UnitId,
    pub team_id: Option<TeamId>,
    pub self_submitted_at: Option<Timestamp>,
}

/// A point of the checklist: a task, an indicator, or one the office wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckItem {
    pub id: CheckItemId,
    pub round_id: RoundId,
    pub position: i64,
    pub title: String,
    /// The title in Tibetan, where one was given.
    pub title_bo: Option<String>,
    pub plan_item_id: Option<PlanItemId>,
    pub indicator_code: Option<String>,
    /// What evidence the inspectors ask to see.
    pub evidence_request: Option<String>,
}

/// A unit's or the inspectors' answer to a checklist point.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    pub round_id: RoundId,
    pub unit_id: UnitId,
    pub item_id: CheckItemId,
    pub source: CheckSource,
    pub status: CheckStatus,
    pub comment: Option<String>,
    pub evidence: Vec<EvidenceId>,
    pub checked_by: UserId,
    pub checked_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Photo {
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub round_id: RoundId,
    pub unit_id: UnitId,
    pub item_id: Option<CheckItemId>,
    pub plan_item_id: Option<PlanItemId>,
    pub indicator_code: Option<String>,
    pub severity: Severity,
    /// What was found wanting, in a few words: the finding's title.
    pub category: String,
    /// The category in Tibetan, where one was given.
    pub category_bo: Option<String>,
    pub description: String,
    pub photos: Vec<Photo>,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rectification {
    pub id: RectificationId,
    pub finding_id: FindingId,
    /// The responsible unit.
    pub unit_id: UnitId,
    pub measure: String,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub given_on: Date,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub due_on: Date,
    pub state: RectificationState,
    pub version: i64,
    pub updated_at: Timestamp,
}

/// A step taken on a rectification item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepTaken {
    pub id: i64,
    pub rectification_id: RectificationId,
    pub step: RectificationStep,
    pub text: String,
    pub evidence: Vec<EvidenceId>,
    pub taken_by: UserId,
    pub taken_at: Timestamp,
}

impl RectificationStep {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Respond => "respond",
            Self::Close => "close",
            Self::Reopen => "reopen",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Respond, Self::Close, Self::Reopen].into_iter().find(|s| s.as_str() == text)
    }
}

/// Evidence ids as stored: comma-separated, in order.
pub fn evidence_to_db(ids: &[EvidenceId]) -> String {
    ids.iter().map(|id| id.0.to_string()).collect::<Vec<_>>().join(",")
}

/// Reads [`evidence_to_db`] back; `None` when the text is not a list of ids.
pub fn evidence_from_db(text: &str) -> Option<Vec<EvidenceId>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',').map(|id| id.parse().ok().map(EvidenceId)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_evidence_lists_round_trip() {
        for status in RoundStatus::ALL {
            assert_eq!(RoundStatus::parse(status.as_str()), Some(status));
        }
        for status in CheckStatus::ALL {
            assert_eq!(CheckStatus::parse(status.as_str()), Some(status));
        }
        for step in [RectificationStep::Respond, RectificationStep::Close, RectificationStep::Reopen] {
            assert_eq!(RectificationStep::parse(step.as_str()), Some(step));
        }
        let ids = vec![EvidenceId(3), EvidenceId(12)];
        assert_eq!(evidence_from_db(&evidence_to_db(&ids)), Some(ids));
        assert_eq!(evidence_from_db(""), Some(Vec::new()));
        assert_eq!(evidence_from_db("3,x"), None);
    }
}
