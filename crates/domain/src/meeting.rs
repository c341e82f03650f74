//! Progress meetings (推进会, PRODUCT.md C9): a meeting of a campaign held in person, by video,
//! by telephone or both, with a main venue (主会场) and branch venues (分会场), each hosted by a
//! unit and expecting some units to attend, and an agenda of items with presenters and
//! durations, run one after another from the meeting's start.

use crate::{
    Timestamp, UnitId, UserId,
    ids::{AgendaItemId, AmendmentId, CampaignId, DecisionId, MeetingId, PlanItemId, VenueId},
};

/// The most items an agenda takes, and the longest an item may run: far past any real meeting.
pub const MAX_AGENDA_ITEMS: usize = 40;
pub const MAX_ITEM_MINUTES: u32 = 480;
/// The most venues of a meeting (a branch venue in every county of the region is 74), and the
/// most units one venue expects.
pub const MAX_VENUES: usize = 200;
pub const MAX_EXPECTED_UNITS: usize = 500;
/// The most decisions one meeting records, and the most feedback checkpoints of one.
pub const MAX_DECISIONS: usize = 100;
pub const MAX_CHECKPOINTS: usize = 6;

/// How a meeting is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MeetingMode))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// 现场: everyone in one room.
    InPerson,
    /// 视频: the branch venues joined by video conference.
    Video,
    /// 电视电话: by television and telephone, as the region's progress meetings are.
    Telephone,
    /// 现场加视频: a room with venues joined by video.
    Hybrid,
}

impl Mode {
    pub const ALL: [Self; 4] = [Self::InPerson, Self::Video, Self::Telephone, Self::Hybrid];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPerson => "in_person",
            Self::Video => "video",
            Self::Telephone => "telephone",
            Self::Hybrid => "hybrid",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// Whether a venue is the meeting's main venue or one of its branch venues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = VenueKind))]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    Main,
    Branch,
}

impl VenueKind {
    pub const ALL: [Self; 2] = [Self::Main, Self::Branch];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::Branch => "branch",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Meeting {
    pub id: MeetingId,
    pub campaign_id: CampaignId,
    pub title: String,
    /// The title in Tibetan, if given.
    pub title_bo: Option<String>,
    pub starts_at: Timestamp,
    pub mode: Mode,
    /// Who chairs it, by position (专项组组长), as people appear in the product.
    pub chair: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
    /// When it was closed: its schedule, minutes and roll call are locked since.
    pub closed: Option<(Timestamp, UserId)>,
}

/// A correction of a closed meeting, kept beside what it corrects: an agenda item's minutes,
/// or (no item) the roll call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Amendment {
    pub id: AmendmentId,
    pub meeting_id: MeetingId,
    pub agenda_item_id: Option<AgendaItemId>,
    pub text: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Venue {
    pub id: VenueId,
    pub meeting_id: MeetingId,
    pub kind: VenueKind,
    /// Where it is: 自治区党委小礼堂, 日喀则市分会场.
    pub name: String,
    /// The unit hosting it, whose liaison runs its roll call.
    pub host_unit_id: UnitId,
    /// Who of each expected unit attends, by position (分管负责同志、联络员).
    pub positions: String,
    /// The units expected to attend here, in the order they were named.
    pub expected: Vec<UnitId>,
    pub position: i64,
    /// The latest test of its link to the main venue, if any.
    pub link_test: Option<LinkTest>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgendaItem {
    pub id: AgendaItemId,
    pub meeting_id: MeetingId,
    pub position: i64,
    pub title: String,
    /// The title in Tibetan, if given.
    pub title_bo: Option<String>,
    /// Who presents it, by position or unit.
    pub presenter: String,
    pub minutes: u32,
    /// Its minutes (会议纪要): what was reported and said.
    pub summary: String,
}

/// Whether an expected unit came to its venue (签到).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// 出席
    Present,
    /// 缺席
    Absent,
    /// 请假: on leave, with the reason given.
    Leave,
}

impl Attendance {
    pub const ALL: [Self; 3] = [Self::Present, Self::Absent, Self::Leave];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Absent => "absent",
            Self::Leave => "leave",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// Leave is granted for a reason, and the roll call records it; presence and absence need none.
    pub fn needs_reason(self) -> bool {
        self == Self::Leave
    }
}

/// One expected unit's line of a venue's roll call, as its host last recorded it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RollEntry {
    pub venue_id: VenueId,
    pub unit_id: UnitId,
    pub attendance: Attendance,
    /// Why the unit is on leave or absent, as the host was told.
    pub reason: String,
    pub recorded_by: UserId,
    pub recorded_at: Timestamp,
}

/// How a venue's link to the main venue tested before the start (联调).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkTest {
    pub ok: bool,
    pub note: String,
    pub tested_by: UserId,
    pub tested_at: Timestamp,
}

/// A venue's roll call in numbers: how many units it expects, and of them how many are
/// present, absent, on leave, or not yet called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RollCount {
    pub expected: usize,
    pub present: usize,
    pub absent: usize,
    pub leave: usize,
    pub unmarked: usize,
}

impl RollCount {
    /// Counts the entries of units the venue expects; an entry of another unit is ignored.
    pub fn of(expected: &[UnitId], entries: &[RollEntry]) -> Self {
        let mut count = Self { expected: expected.len(), ..Self::default() };
        for unit in expected {
            match entries.iter().find(|e| e.unit_id == *unit).map(|e| e.attendance) {
                Some(Attendance::Present) => count.present += 1,
                Some(Attendance::Absent) => count.absent += 1,
                Some(Attendance::Leave) => count.leave += 1,
                None => count.unmarked += 1,
            }
        }
        count
    }
}

/// When each agenda item starts and ends, the items run one after another from `starts_at`.
pub fn timetable(starts_at: Timestamp, items: &[AgendaItem]) -> Vec<(Timestamp, Timestamp)> {
    let mut at = starts_at;
    items
        .iter()
        .map(|item| {
            let end = at.plus_seconds(i64::from(item.minutes) * 60);
            let slot = (at, end);
            at = end;
            slot
        })
        .collect()
}

/// Something a meeting decided (议定事项). It is followed up as a key task of the campaign's
/// plan (`item_id`, decision 0021) whose lead unit's assignment is the follow-up (督办).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub id: DecisionId,
    pub meeting_id: MeetingId,
    /// The agenda item it was decided under, if any.
    pub agenda_item_id: Option<AgendaItemId>,
    pub item_id: PlanItemId,
    /// What was decided, in the minutes' words.
    pub text: String,
    /// When the lead unit reports back before the deadline, earliest first.
    pub checkpoints: Vec<Checkpoint>,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// A day by which the lead unit reports back on a decision (反馈节点): "first report within
/// three days".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checkpoint {
    pub label: String,
    #[serde(serialize_with = "crate::timestamp::iso_date")]
    pub due_on: time::Date,
}

/// Where a feedback checkpoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckpointState {
    /// The lead unit reported back by its day.
    Met,
    /// Its day has not passed.
    Due,
    /// Its day passed without the report.
    Missed,
}

impl CheckpointState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Due => "due",
            Self::Missed => "missed",
        }
    }
}

/// The state of each checkpoint (in order, earliest first) given the days on which the lead
/// unit posted progress: the k-th checkpoint is met once k reports were posted by its day.
pub fn checkpoint_states(
    checkpoints: &[Checkpoint],
    reported_on: &[time::Date],
    today: time::Date,
) -> Vec<CheckpointState> {
    checkpoints
        .iter()
        .enumerate()
        .map(|(k, checkpoint)| {
            let by_then = reported_on.iter().filter(|day| **day <= checkpoint.due_on).count();
            if by_then > k {
                CheckpointState::Met
            } else if today > checkpoint.due_on {
                CheckpointState::Missed
            } else {
                CheckpointState::Due
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(minutes: u32) -> AgendaItem {
        AgendaItem {
            id: AgendaItemId(1),
            meeting_id: MeetingId(1),
            position: 1,
            title: "总结".into(),
            title_bo: None,
            presenter: "专项办".into(),
            minutes,
            summary: String::new(),
        }
    }

    #[test]
    fn agenda_items_run_one_after_another_from_the_start() {
        let start = Timestamp::parse("2023-04-02T02:00:00Z").unwrap();
        let slots = timetable(start, &[item(20), item(30), item(15)]);
        let shown: Vec<_> = slots.iter().map(|(a, b)| (a.display_cst(), b.display_cst())).collect();
        assert_eq!(
            shown,
            [
                ("2023-04-02 10:00".to_owned(), "2023-04-02 10:20".to_owned()),
                ("2023-04-02 10:20".to_owned(), "2023-04-02 10:50".to_owned()),
                ("2023-04-02 10:50".to_owned(), "2023-04-02 11:05".to_owned()),
            ]
        );
        assert!(timetable(start, &[]).is_empty());
    }

    #[test]
    fn a_roll_call_counts_only_the_units_its_venue_expects() {
        let entry = |unit: i64, attendance| RollEntry {
            venue_id: VenueId(1),
            unit_id: UnitId(unit),
            attendance,
            reason: String::new(),
            recorded_by: UserId(1),
            recorded_at: Timestamp::now(),
        };
        let expected = [UnitId(1), UnitId(2), UnitId(3), UnitId(4)];
        let entries = [
            entry(1, Attendance::Present),
            entry(2, Attendance::Leave),
            entry(4, Attendance::Absent),
            entry(9, Attendance::Present),
        ];
        let count = RollCount::of(&expected, &entries);
        assert_eq!(count, RollCount { expected: 4, present: 1, absent: 1, leave: 1, unmarked: 1 });
        assert_eq!(RollCount::of(&[], &entries), RollCount::default());
    }

    #[test]
    fn modes_and_venue_kinds_read_back_what_they_write() {
        for mode in Mode::ALL {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
        }
        for kind in VenueKind::ALL {
            assert_eq!(VenueKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Mode::parse("radio"), None);
        for attendance in Attendance::ALL {
            assert_eq!(Attendance::parse(attendance.as_str()), Some(attendance));
        }
        assert!(Attendance::Leave.needs_reason() && !Attendance::Absent.needs_reason());
    }

    #[test]
    fn the_kth_checkpoint_needs_k_reports_by_its_day() {
        use time::macros::date;
        let checkpoints = [
            Checkpoint { label: "3天内首次反馈".into(), due_on: date!(2023 - 04 - 05) },
            Checkpoint { label: "月底前反馈进展".into(), due_on: date!(2023 - 04 - 30) },
            Checkpoint { label: "5月15日前办结".into(), due_on: date!(2023 - 05 - 15) },
        ];
        // One report on time, then two late: the first is met, the second missed (one report by
        // 30 April), the third met (three by 15 May).
        let reported = [date!(2023 - 04 - 04), date!(2023 - 05 - 10), date!(2023 - 05 - 14)];
        let states = checkpoint_states(&checkpoints, &reported, date!(2023 - 06 - 30));
        assert_eq!(states, [CheckpointState::Met, CheckpointState::Missed, CheckpointState::Met]);
        // Before any day has passed nothing is missed.
        let states = checkpoint_states(&checkpoints, &[], date!(2023 - 04 - 03));
        assert_eq!(states, [CheckpointState::Due; 3]);
        // The day itself still counts as on time.
        let states = checkpoint_states(&checkpoints[..1], &[date!(2023 - 04 - 05)], date!(2023 - 04 - 05));
        assert_eq!(states, [CheckpointState::Met]);
    }
}
