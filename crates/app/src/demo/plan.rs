//! The demo's 2023 plan: four projects and six actions (named by number where the public
//! record does not name them), the flagship events as key tasks fanned out to the lead
//! departments and the prefectures, and a synthetic, anonymised history of progress that
//! shows every light colour on the demo's day.

use crate::AppError;
use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    assignment::{AssignmentState, Step},
    ids::{EventId, PlanItemId},
    indicator::{Indicator, IndicatorSpec},
    light::Thresholds,
    plan::{Assignment, CampaignFields, ItemFields, PlanLevel},
    rollup::RollupRule,
    timestamp::parse_date,
};
use pacesetter_store::{Conn, assignments, campaigns, indicators, plan_items, units, users};
use time::Date;

const PREFECTURES: [&str; 7] = ["540100", "540200", "540300", "540400", "540500", "540600", "542500"];

/// A pillar: code, title, lead department.
const PILLARS: [(&str, &str, &str); 10] = [
    ("GC-1", "第一项工程", "CY-ZZB"),
    ("GC-2", "第二项工程", "CY-XCB"),
    ("GC-3", "第三项工程", "CY-TZB"),
    ("GC-4", "第四项工程", "CY-FGW"),
    ("XD-1", "第一项行动", "CY-JYT"),
    ("XD-2", "第二项行动", "CY-MZW"),
    ("XD-3", "第三项行动", "CY-TW"),
    ("XD-4", "第四项行动", "CY-WL"),
    ("XD-5", "第五项行动", "CY-MT"),
    ("XD-6", "第六项行动", "CY-XCB"),
];

/// Who a task is assigned to.
enum To {
    Lead,
    LeadAndPrefectures,
    Prefectures,
    LeadAnd(&'static str),
}

/// A key task: pillar, code, title, lead, start, deadline, assignees.
struct TaskSeed {
    pillar: &'static str,
    code: &'static str,
    title: &'static str,
    lead: &'static str,
    starts: &'static str,
    due: &'static str,
    to: To,
}

const TASKS: [TaskSeed; 14] = [
    TaskSeed {
        pillar: "GC-2",
        code: "RW-01",
        title: "举办民族团结进步论坛（主论坛及3个分论坛）",
        lead: "CY-XCB",
        starts: "2023-03-01",
        due: "2023-08-31",
        to: To::LeadAndPrefectures,
    },
    TaskSeed {
        pillar: "XD-3",
        code: "RW-02",
        title: "举办青年演讲比赛（各地市预赛及全区决赛）",
        lead: "CY-TW",
        starts: "2023-03-01",
        due: "2023-06-15",
        to: To::Prefectures,
    },
    TaskSeed {
        pillar: "XD-6",
        code: "RW-03",
        title: "举办农牧民演讲比赛（13名评委、50名决赛选手）",
        lead: "CY-XCB",
        starts: "2023-04-01",
        due: "2023-09-30",
        to: To::Prefectures,
    },
    TaskSeed {
        pillar: "XD-5",
        code: "RW-04",
        title: "举办7地市电视知识竞赛",
        lead: "CY-MT",
        starts: "2023-05-01",
        due: "2023-10-31",
        to: To::LeadAndPrefectures,
    },
    TaskSeed {
        pillar: "XD-4",
        code: "RW-05",
        title: "举办摄影、书法、美术作品展（4个类别）",
        lead: "CY-WL",
        starts: "2023-03-15",
        due: "2023-11-30",
        to: To::LeadAndPrefectures,
    },
    TaskSeed {
        pillar: "XD-2",
        code: "RW-06",
        title: "编纂民族团结进步历史资料汇编",
        lead: "CY-MZW",
        starts: "2023-02-01",
        due: "2023-12-31",
        to: To::LeadAndPrefectures,
    },
    TaskSeed {
        pillar: "GC-2",
        code: "RW-07",
        title: "征集并启用创建工作标识",
        lead: "CY-XCB",
        starts: "2023-01-15",
        due: "2023-04-30",
        to: To::Lead,
    },
    TaskSeed {
        pillar: "GC-1",
        code: "RW-08",
        title: "召开创建工作现场经验交流会",
        lead: "CY-ZZB",
        starts: "2023-04-01",
        due: "2023-09-15",
        to: To::LeadAnd("540400"),
    },
    TaskSeed {
        pillar: "GC-1",
        code: "RW-09",
        title: "第一项工程重点任务（一）",
        lead: "CY-ZZB",
        starts: "2023-01-01",
        due: "2023-12-31",
        to: To::LeadAndPrefectures,
    },
    TaskSeed {
        pillar: "GC-3",
        code: "RW-10",
        title: "第三项工程重点任务（一）",
        lead: "CY-TZB",
        starts: "2023-02-01",
        due: "2023-10-31",
        to: To::LeadAndPrefectures,
    },
    TaskSeed {
        pillar: "GC-4",
        code: "RW-11",
        title: "第四项工程重点任务（一）",
        lead: "CY-FGW",
        starts: "2023-01-01",
        due: "2023-12-31",
        to: To::Lead,
    },
    TaskSeed {
        pillar: "XD-1",
        code: "RW-12",
        title: "第一项行动重点任务（一）",
        lead: "CY-JYT",
        starts: "2023-02-15",
        due: "2023-07-31",
        to: To::LeadAndPrefectures,
    },
    TaskSeed {
        pillar: "XD-2",
        code: "RW-13",
        title: "第二项行动重点任务（一）",
        lead: "CY-MZW",
        starts: "2023-03-01",
        due: "2023-12-15",
        to: To::Prefectures,
    },
    TaskSeed {
        pillar: "XD-6",
        code: "RW-14",
        title: "第六项行动重点任务（一）",
        lead: "CY-XCB",
        starts: "2023-01-01",
        due: "2023-06-20",
        to: To::LeadAndPrefectures,
    },
];

fn day(text: &str) -> Result<Date, AppError> {
    parse_date(text).ok_or_else(|| AppError::Internal(format!("bad demo date {text}")))
}

async fn unit(conn: &mut Conn, code: &str) -> Result<UnitId, AppError> {
    Ok(units::find_by_code(conn, code)
        .await?
        .ok_or_else(|| AppError::Internal(format!("demo unit {code} missing")))?
        .id)
}

/// The person who reports for a unit: its liaison, or the office for the departments.
pub(super) async fn reporter(conn: &mut Conn, unit: UnitId, office_user: UserId) -> Result<UserId, AppError> {
    let path = units::get(conn, unit).await?.path;
    let (people, _) =
        users::list_within(conn, &[path], users::UserFilter { unit: Some(unit), ..Default::default() }, 0, 5).await?;
    Ok(people.first().map(|u| u.id).unwrap_or(office_user))
}

/// A deterministic stand-in for chance: the same demo every time.
fn pick(seed: usize, modulo: usize) -> usize {
    (seed.wrapping_mul(2_654_435_761) >> 7) % modulo
}

/// Loads the 2023 plan run by `office`, with lights computed as of `as_of`.
pub(super) async fn seed(conn: &mut Conn, office: UnitId, as_of: Date, now: Timestamp) -> Result<(), AppError> {
    let fields = CampaignFields {
        name: "2023年民族团结进步模范区创建工作计划".into(),
        name_bo: None,
        year: 2023,
        starts_on: day("2023-01-01")?,
        ends_on: day("2023-12-31")?,
        thresholds: Thresholds::default(),
        approval_required: false,
        public_page: true,
        keep_photo_location: false,
        documents_language: Default::default(),
        as_of: Some(as_of),
    };
    let campaign = campaigns::insert(conn, &fields, office, None, now).await?;
    let levels = [
        PlanLevel {
            depth: 1,
            name: "工程/行动".into(),
            name_bo: None,
            rollup: RollupRule::WeightedMean,
            is_task: false,
        },
        PlanLevel {
            depth: 2, name: "重点任务".into(), name_bo: None, rollup: RollupRule::WeightedMean, is_task: true
        },
    ];
    campaigns::set_levels(conn, campaign.id, &levels).await?;

    let mut pillar_ids: Vec<(&str, PlanItemId)> = Vec::new();
    for (code, title, lead) in PILLARS {
        let lead = unit(conn, lead).await?;
        let item = ItemFields {
            code: Some(code.into()),
            title: title.into(),
            title_bo: None,
            description: None,
            weight: 1,
            starts_on: None,
            due_on: None,
        };
        pillar_ids.push((code, plan_items::insert(conn, campaign.id, None, 1, &item, Some(lead), now).await?.id));
    }
    let office_user = users::find_by_username(conn, "office")
        .await?
        .ok_or(AppError::Internal("demo office account missing".into()))?
        .id;
    let mut serial = 0usize;
    for task in TASKS {
        let parent = pillar_ids.iter().find(|(code, _)| *code == task.pillar).map(|(_, id)| *id);
        let (starts, due) = (day(task.starts)?, day(task.due)?);
        let lead = unit(conn, task.lead).await?;
        let fields = ItemFields {
            code: Some(task.code.into()),
            title: task.title.into(),
            title_bo: None,
            description: None,
            weight: 1,
            starts_on: Some(starts),
            due_on: Some(due),
        };
        let item = plan_items::insert(conn, campaign.id, parent, 2, &fields, Some(lead), now).await?;
        let mut targets = Vec::new();
        if matches!(task.to, To::Lead | To::LeadAndPrefectures | To::LeadAnd(_)) {
            targets.push(lead);
        }
        if matches!(task.to, To::Prefectures | To::LeadAndPrefectures) {
            for code in PREFECTURES {
                targets.push(unit(conn, code).await?);
            }
        }
        if let To::LeadAnd(code) = task.to {
            let host = unit(conn, code).await?;
            plan_items::set_co_units(conn, item.id, &[host]).await?;
            targets.push(host);
        }
        assignments::fan_out(conn, item.id, &targets, starts, due, now).await?;
        let specs: Vec<IndicatorSpec> = INDICATORS
            .iter()
            .filter(|(code, _)| *code == task.code)
            .flat_map(|(_, list)| list.iter())
            .map(|(name, unit, target)| IndicatorSpec {
                name: (*name).into(),
                unit: Some((*unit).into()),
                target: Some(target.to_string()),
            })
            .collect();
        indicators::set_for_item(conn, item.id, &specs).await?;
        let indicators = indicators::for_item(conn, item.id).await?;
        for assignment in assignments::for_item(conn, item.id).await? {
            serial += 1;
            let actor = reporter(conn, assignment.unit_id, office_user).await?;
            history(conn, &assignment, as_of, serial, (actor, office_user), &indicators).await?;
        }
    }
    Ok(())
}

/// An indicator of a demo task: name, unit, target.
type IndicatorSeed = (&'static str, &'static str, u32);

/// Indicators of some demo tasks: (task code, [(name, unit, target)]). Units report values in
/// step with their progress.
const INDICATORS: [(&str, &[IndicatorSeed]); 3] = [
    ("RW-01", &[("举办场次", "场", 4), ("参会人数", "人", 600)]),
    ("RW-02", &[("参赛选手", "人", 70)]),
    ("RW-03", &[("征集作品", "件", 300)]),
];

/// One step of a demo history: the step, its progress, its comment, who, when.
/// A step of a demo history: the step, the progress it reports, its comment, who, and when.
pub(super) type DemoStep = (Step, Option<u8>, Option<&'static str>, UserId, Timestamp);

/// Walks one assignment through a plausible history up to `as_of`.
async fn history(
    conn: &mut Conn,
    assignment: &Assignment,
    as_of: Date,
    serial: usize,
    (reporter, office): (UserId, UserId),
    task_indicators: &[Indicator],
) -> Result<(), AppError> {
    let total = (assignment.due_on - assignment.starts_on).whole_days().max(1);
    let elapsed = (as_of - assignment.starts_on).whole_days().clamp(0, total);
    let expected = elapsed * 100 / total;
    // Profiles: 0 not yet signed for, 1 behind, 2 a little behind, 3 on track, 4 done early.
    let profile = if as_of < assignment.starts_on { 0 } else { pick(serial, 10) };
    let (percent, close) = match profile {
        0 => return Ok(()),
        1 | 2 => ((expected - 35).clamp(0, 100), false),
        3 | 4 => ((expected - 18).clamp(0, 100), false),
        5..=7 => ((expected + 5).clamp(5, 100), false),
        _ => (100, true),
    };
    let at = |offset: i64| -> Timestamp {
        let date = (assignment.starts_on + time::Duration::days(offset)).min(as_of);
        let moment = date
            .with_hms(10, (serial % 60) as u8, 0)
            .map(|t| t.assume_utc())
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        Timestamp::from_datetime(moment)
    };
    let mut steps: Vec<DemoStep> = vec![(Step::Acknowledge, None, None, reporter, at(2))];
    let midway = (elapsed / 2).max(3);
    let first = (percent / 2) as u8;
    steps.push((Step::Update, Some(first), Some("已制定实施方案，明确责任分工。"), reporter, at(midway)));
    let behind = percent + 30 < expected;
    let note = if behind {
        "受场地和人员安排影响，进度滞后，已制定赶进度措施。"
    } else {
        "按计划推进，相关活动已组织开展。"
    };
    if close {
        steps.push((
            Step::Report,
            Some(100),
            Some("任务已全部完成，佐证材料已报送。"),
            reporter,
            at(elapsed.max(5) - 1),
        ));
        steps.push((Step::Close, None, Some("经核实，同意办结。"), office, at(elapsed.max(5))));
    } else {
        // The latest update falls somewhere in the last weeks, not all on the demo's day.
        let latest = (elapsed - (serial % 28) as i64).max(midway + 1);
        steps.push((Step::Update, Some(percent as u8), Some(note), reporter, at(latest)));
    }
    for (event_id, percent) in replay(conn, assignment, &steps).await? {
        // Indicator values grow with the progress reported: a share of each target.
        if let Some(percent) = percent {
            let values: Vec<_> = task_indicators
                .iter()
                .filter_map(|i| {
                    let target: u32 = i.target.as_deref()?.parse().ok()?;
                    Some((i.id, (target * u32::from(percent) / 100).to_string()))
                })
                .collect();
            indicators::add_values(conn, event_id, &values).await?;
        }
    }
    Ok(())
}

/// Takes `steps` on an assignment at their times, as its history; returns each step's event
/// with the progress it reported.
pub(super) async fn replay(
    conn: &mut Conn,
    assignment: &Assignment,
    steps: &[DemoStep],
) -> Result<Vec<(EventId, Option<u8>)>, AppError> {
    let mut current = assignment.clone();
    let mut events = Vec::with_capacity(steps.len());
    for &(step, percent, comment, actor, when) in steps {
        let next = current.state.after(step).map_err(|e| AppError::Internal(e.to_string()))?;
        let value = percent.unwrap_or(if next == AssignmentState::Closed { 100 } else { 0 });
        let updated = assignments::set_state(conn, &current, next, value, percent.is_some(), when).await?;
        let event = assignments::NewEvent { step, from: current.state, to: next, percent, comment, actor };
        events.push((assignments::add_event(conn, assignment.id, &event, when).await?, percent));
        current = updated;
    }
    Ok(events)
}
