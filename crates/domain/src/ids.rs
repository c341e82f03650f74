//! Typed identifiers, so a unit id can never be passed where a user id is expected.

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}
pub(crate) use id_type;

id_type!(
    /// An organisation or territory unit.
    UnitId
);
id_type!(
    /// A person who signs in.
    UserId
);
id_type!(
    /// A role granted to a user on a unit.
    GrantId
);
id_type!(
    /// A campaign (one year's plan of a multi-year campaign).
    CampaignId
);
id_type!(
    /// A node of a campaign's plan: a pillar, a programme, a key task, a milestone.
    PlanItemId
);
id_type!(
    /// One unit's share of a key task.
    AssignmentId
);
id_type!(
    /// An indicator of a key task (举办场次, 培训人数).
    IndicatorId
);
id_type!(
    /// A step taken on an assignment, in its history; progress evidence and indicator values
    /// hang on it.
    EventId
);
id_type!(
    /// A message in someone's inbox.
    NotificationId
);
id_type!(
    /// A contest judged by a panel (演讲比赛).
    ContestId
);
id_type!(
    /// A round of a contest: a heat, a semi-final or the final.
    ContestRoundId
);
id_type!(
    /// A contestant's entry in a contest round.
    ContestEntryId
);
id_type!(
    /// One judge's score of one entry, or a correction that supersedes it.
    JudgeScoreId
);
id_type!(
    /// An award a contest gives a unit (优秀组织奖).
    ContestAwardId
);
id_type!(
    /// A knowledge quiz between teams (知识竞赛).
    QuizId
);
id_type!(
    /// A team of a quiz.
    QuizTeamId
);
id_type!(
    /// One answer of a quiz (an event of its standings), kept when voided.
    QuizEventId
);
id_type!(
    /// A progress meeting (推进会) of a campaign.
    MeetingId
);
id_type!(
    /// A place a meeting is held at: its main venue (主会场) or a branch venue (分会场).
    VenueId
);
id_type!(
    /// An item of a meeting's agenda.
    AgendaItemId
);
id_type!(
    /// A correction of a closed meeting's minutes or roll call.
    AmendmentId
);
id_type!(
    /// Something a meeting decided (议定事项), followed up as a key task of the plan.
    DecisionId
);
