//! Findings (问题) and their rectification (整改) through to closure (销号), PRODUCT.md C6: which
//! step may follow which, who takes it, what it needs, and when an item is overdue.
//!
//! A finding's rectification item is given to a responsible unit with a measure and a
//! deadline. The unit responds with what was done; the inspector verifies and closes it, or
//! reopens it with a reason, and the unit responds again. A closed item can be reopened (a
//! later visit finds the problem back) but never responded to.

pub mod burden;
pub mod photo;
pub mod records;

use time::Date;

use crate::{
    Permission,
    light::{Light, Progress, Thresholds},
};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般.
    Minor,
    /// 较重.
    Major,
    /// 严重.
    Serious,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Self::Minor, Self::Major, Self::Serious];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minor => "minor",
            Self::Major => "major",
            Self::Serious => "serious",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where a rectification item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RectificationState {
    /// 待整改: given to the unit, no response yet.
    Open,
    /// 已反馈: the unit says what it did; the inspector has to verify.
    Responded,
    /// 已销号: verified and closed.
    Closed,
    /// 重新整改: the inspector found the response wanting, or the problem back.
    Reopened,
}

/// A step someone takes on a rectification item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RectificationStep {
    /// The unit reports what it did, with evidence.
    Respond,
    /// The inspector verifies the response and closes the item (销号).
    Close,
    /// The inspector sends it back, with a reason.
    Reopen,
}

/// Why a step was refused, with a stable code for the API and the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("{step:?} is not possible while the item is {state:?}")]
    NotNow { state: RectificationState, step: RectificationStep },
    #[error("a {0:?} needs a text saying what and why")]
    TextRequired(RectificationStep),
}

impl StepError {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotNow { .. } => "step_not_allowed_now",
            Self::TextRequired(RectificationStep::Reopen) => "reopen_needs_reason",
            Self::TextRequired(_) => "response_needs_text",
        }
    }
}

impl RectificationState {
    pub const ALL: [RectificationState; 4] = [Self::Open, Self::Responded, Self::Closed, Self::Reopened];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Responded => "responded",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Waiting for the unit (not for the inspector, not closed).
    pub fn awaits_unit(self) -> bool {
        matches!(self, Self::Open | Self::Reopened)
    }

    /// The state after `step` taken with `text` (the response, or the reason to reopen), or
    /// why it is refused. Closing needs no text; the others need some.
    pub fn after(self, step: RectificationStep, text: &str) -> Result<RectificationState, StepError> {
        use RectificationState::*;
        let next = match (self, step) {
            (Open | Reopened, RectificationStep::Respond) => Responded,
            (Responded, RectificationStep::Close) => Closed,
            (Responded | Closed, RectificationStep::Reopen) => Reopened,
            (state, step) => return Err(StepError::NotNow { state, step }),
        };
        if step != RectificationStep::Close && text.trim().is_empty() {
            return Err(StepError::TextRequired(step));
        }
        Ok(next)
    }

    /// Past its deadline with the unit still to respond. A response waiting for verification
    /// is not the unit's delay.
    pub fn is_overdue(self, deadline: Date, today: Date) -> bool {
        self.awaits_unit() && today > deadline
    }

    /// The item's light on `today` by the assignments' rule (SCORING.md §4): time elapsed from
    /// when it was given against nothing done until the unit responds; closed is done.
    pub fn light(self, given: Date, deadline: Date, today: Date, thresholds: Thresholds) -> Light {
        let progress = Progress {
            start: given,
            deadline,
            percent: if self.awaits_unit() { 0 } else { 100 },
            closed: self == Self::Closed,
        };
        crate::light::light(&progress, today, thresholds)
    }
}

impl RectificationStep {
    /// What the actor needs on the item's unit: the unit answers, the inspector judges.
    pub fn permission(self) -> Permission {
        match self {
            Self::Respond => Permission::ReportProgress,
            Self::Close | Self::Reopen => Permission::Inspect,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::{RectificationState::*, RectificationStep::*, *};

    #[test]
    fn the_loop_through_to_closure() {
        let responded = Open.after(Respond, "已建立台账").unwrap();
        assert_eq!(responded, Responded);
        let reopened = responded.after(Reopen, "台账缺少乡镇数据").unwrap();
        assert_eq!(reopened, Reopened);
        let closed = reopened.after(Respond, "已补充").unwrap().after(Close, "").unwrap();
        assert_eq!(closed, Closed);
        assert_eq!(closed.after(Reopen, "复查发现问题反弹"), Ok(Reopened), "a later visit may reopen it");
    }

    #[test]
    fn a_closed_item_cannot_be_responded_to_and_reopening_needs_a_reason() {
        assert_eq!(Closed.after(Respond, "再次反馈").unwrap_err().code(), "step_not_allowed_now");
        assert_eq!(Responded.after(Reopen, "  ").unwrap_err().code(), "reopen_needs_reason");
        assert_eq!(Open.after(Respond, "").unwrap_err().code(), "response_needs_text");
        assert_eq!(Open.after(Close, "").unwrap_err().code(), "step_not_allowed_now", "nothing to verify yet");
    }

    #[test]
    fn overdue_only_while_the_unit_owes_a_response() {
        let (deadline, late) = (date!(2023 - 06 - 30), date!(2023 - 07 - 01));
        assert!(Open.is_overdue(deadline, late) && Reopened.is_overdue(deadline, late));
        assert!(!Open.is_overdue(deadline, deadline), "due that day is not late");
        assert!(!Responded.is_overdue(deadline, late) && !Closed.is_overdue(deadline, late));
        let given = date!(2023 - 06 - 01);
        assert_eq!(Open.light(given, deadline, late, Thresholds::default()), Light::Red);
        assert_eq!(Closed.light(given, deadline, late, Thresholds::default()), Light::Done);
        assert_eq!(Responded.light(given, deadline, date!(2023 - 06 - 20), Thresholds::default()), Light::Green);
    }

    #[test]
    fn names_round_trip() {
        for state in RectificationState::ALL {
            assert_eq!(RectificationState::parse(state.as_str()), Some(state));
        }
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        }
        assert!(Severity::Serious > Severity::Minor);
    }

    fn steps() -> impl Strategy<Value = RectificationStep> {
        prop_oneof![Just(Respond), Just(Close), Just(Reopen)]
    }

    proptest! {
        /// Whatever steps are tried, an item only closes right after a response was accepted,
        /// and once closed only a reopening (with a reason) moves it.
        #[test]
        fn closure_follows_a_response_and_only_reopening_leaves_it(tried in prop::collection::vec((steps(), any::<bool>()), 0..30)) {
            let mut state = Open;
            for (step, with_text) in tried {
                let text = if with_text { "说明" } else { "" };
                if let Ok(next) = state.after(step, text) {
                    if next == Closed {
                        prop_assert_eq!(state, Responded);
                    }
                    if state == Closed {
                        prop_assert_eq!(next, Reopened);
                        prop_assert!(with_text);
                    }
                    state = next;
                }
            }
        }
    }
}
