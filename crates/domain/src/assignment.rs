//! The assignment loop (交办 → 签收 → 推进 → 报送 → 审核 → 办结, or 退回), PRODUCT.md C3:
//! which step may follow which, and who may take it.

use crate::{Permission, Role};

/// Where an assignment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentState {
    /// 已交办: given to the unit, not yet signed for.
    Assigned,
    /// 已签收.
    Acknowledged,
    InProgress,
    /// 已报送: a progress report awaits review.
    Reported,
    /// 已审核: the report was accepted.
    Reviewed,
    /// 退回: the report was sent back with a comment.
    Returned,
    /// 已办结.
    Closed,
}

/// A step someone takes on an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = AssignmentStep))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Acknowledge,
    /// Post a progress update without asking for review.
    Update,
    /// Post an update and submit it for review.
    Report,
    Accept,
    Return,
    Close,
}

impl Step {
    pub const ALL: [Step; 6] = [Self::Acknowledge, Self::Update, Self::Report, Self::Accept, Self::Return, Self::Close];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Update => "update",
            Self::Report => "report",
            Self::Accept => "accept",
            Self::Return => "return",
            Self::Close => "close",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{step:?} is not possible while the assignment is {state:?}")]
pub struct StepRefused {
    pub state: AssignmentState,
    pub step: Step,
}

impl AssignmentState {
    pub const ALL: [AssignmentState; 7] = [
        Self::Assigned,
        Self::Acknowledged,
        Self::InProgress,
        Self::Reported,
        Self::Reviewed,
        Self::Returned,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Acknowledged => "acknowledged",
            Self::InProgress => "in_progress",
            Self::Reported => "reported",
            Self::Reviewed => "reviewed",
            Self::Returned => "returned",
            Self::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The state after `step`, or why the step is refused.
    pub fn after(self, step: Step) -> Result<AssignmentState, StepRefused> {
        use AssignmentState::*;
        let next = match (self, step) {
            (Assigned, Step::Acknowledge) => Acknowledged,
            (Acknowledged | InProgress | Returned | Reviewed, Step::Update) => InProgress,
            (Acknowledged | InProgress | Returned | Reviewed, Step::Report) => Reported,
            (Reported, Step::Accept) => Reviewed,
            (Reported | Reviewed, Step::Return) => Returned,
            (Reported | Reviewed, Step::Close) => Closed,
            _ => return Err(StepRefused { state: self, step }),
        };
        Ok(next)
    }

    pub fn is_closed(self) -> bool {
        self == Self::Closed
    }

    /// The state after the event the task plans has happened and its result is public (a
    /// contest's final published, a quiz closed): closed from any state, since there is nothing
    /// left to report or review. A closed assignment stays as it is.
    pub fn after_event_held(self) -> Option<AssignmentState> {
        (!self.is_closed()).then_some(Self::Closed)
    }
}

impl Step {
    /// The roles that may take this step on an assignment in their scope: the unit's own
    /// people report; approvers and the office review; only the office closes.
    pub fn allowed_for(self, role: Role) -> bool {
        match self {
            Self::Acknowledge | Self::Update | Self::Report => Permission::ReportProgress.held_by(role),
            Self::Accept | Self::Return => Permission::ReviewProgress.held_by(role),
            Self::Close => role == Role::Coordinator,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_event_closes_every_open_state_and_leaves_a_closed_one() {
        for state in AssignmentState::ALL {
            let after = state.after_event_held();
            assert_eq!(after, (state != AssignmentState::Closed).then_some(AssignmentState::Closed), "{state:?}");
        }
    }

    #[test]
    fn the_whole_loop_and_a_return() {
        let mut state = AssignmentState::Assigned;
        for step in
            [Step::Acknowledge, Step::Update, Step::Report, Step::Return, Step::Report, Step::Accept, Step::Close]
        {
            state = state.after(step).unwrap();
        }
        assert_eq!(state, AssignmentState::Closed);
    }

    #[test]
    fn out_of_order_steps_are_refused() {
        assert!(AssignmentState::Assigned.after(Step::Report).is_err(), "sign for it first");
        assert!(AssignmentState::InProgress.after(Step::Close).is_err(), "close only what was reported");
        assert!(AssignmentState::Reviewed.after(Step::Accept).is_err());
        for step in [Step::Acknowledge, Step::Update, Step::Report, Step::Accept, Step::Return, Step::Close] {
            assert!(AssignmentState::Closed.after(step).is_err(), "closed is final: {step:?}");
        }
    }

    #[test]
    fn only_the_office_closes() {
        assert!(Step::Close.allowed_for(Role::Coordinator));
        assert!(!Step::Close.allowed_for(Role::Liaison));
        assert!(!Step::Report.allowed_for(Role::Viewer));
        assert!(Step::Accept.allowed_for(Role::UnitApprover));
    }

    #[test]
    fn states_round_trip() {
        for state in AssignmentState::ALL {
            assert_eq!(AssignmentState::parse(state.as_str()), Some(state));
        }
    }
}
