//! The demo campaign's inspections (调研督导): a completed round over the 7 prefectures with
//! synthetic, anonymised self-inspections, inspector checks and findings whose rectification
//! items stand in every state (open, responded, closed, reopened, overdue), a round under way on
//! the demo's day (so an inspector's first visit finds work), and a round still in planning. Rounds, checks, findings and steps go through the app layer as the demo accounts;
//! the rectification items of 2023 are written with their 2023 dates, which the app refuses
//! for new items (a deadline in the past), and audited like the rest.

use super::actor;
use crate::{
    Actor, App, AppError, audit,
    inspections::{self, CheckInput, FindingInput, RoundInput, StepInput},
};
use pacesetter_domain::{
    Timestamp, UnitId,
    inspection::{
        RectificationStep::{self, Close, Reopen, Respond},
        Severity,
        records::{CheckItem, CheckSource, CheckStatus, FindingId, Rectification, RoundId, RoundStatus},
    },
};
use pacesetter_store::{evaluations, inspections as store, units};
use time::{Date, macros::date};

pub const ROUND_NAME: &str = "2023年第二季度创建工作调研督导";
pub const ACTIVE_ROUND_NAME: &str = "2023年年中重点任务推进情况专项督导";
pub const PLANNED_ROUND_NAME: &str = "2023年第三季度创建工作调研督导";

/// The demo's rounds: done, under way on the demo's day, and being prepared.
#[derive(Debug, Clone, Copy)]
pub struct Rounds {
    pub completed: RoundId,
    pub active: RoundId,
    pub planned: RoundId,
}

/// What each prefecture's finding is, and how far its rectification has come.
struct Case {
    code: &'static str,
    liaison: &'static str,
    severity: Severity,
    category: &'static str,
    description: &'static str,
    measure: &'static str,
    /// `None`: a month from the day the demo is loaded, so that it is open, not overdue.
    due_on: Date,
    /// The steps taken, in order: `(step, by the inspector?, text)`.
    steps: &'static [(RectificationStep, bool, &'static str)],
}

const CASES: [Case; 7] = [
    Case {
        code: "540100",
        liaison: "lhasa",
        severity: Severity::Major,
        category: "台账资料",
        description: "部分乡镇创建工作台账缺失，活动记录不完整",
        measure: "补齐乡镇台账，建立月报制度",
        due_on: date!(2023 - 06 - 30),
        steps: &[(Respond, false, "已补齐12个乡镇台账，建立月报制度"), (Close, true, "")],
    },
    Case {
        code: "540200",
        liaison: "shigatse",
        severity: Severity::Minor,
        category: "宣传教育",
        description: "宣传阵地内容更新不及时",
        measure: "更新宣传栏内容并明确专人负责",
        due_on: date!(2023 - 07 - 15),
        steps: &[(Respond, false, "已更新全部宣传栏，明确3名专人负责")],
    },
    Case {
        code: "540300",
        liaison: "qamdo",
        severity: Severity::Major,
        category: "示范创建",
        description: "示范单位命名后跟踪管理不到位",
        measure: "建立示范单位动态管理台账",
        due_on: date!(2023 - 07 - 31),
        steps: &[(Respond, false, "已建立动态管理台账"), (Reopen, true, "台账缺少县级示范单位，请补充后再报")],
    },
    Case {
        code: "540400",
        liaison: "nyingchi",
        severity: Severity::Minor,
        category: "活动开展",
        description: "民族团结进步宣传月活动覆盖面不足",
        measure: "在第三季度补充开展进社区、进学校活动",
        due_on: date!(2023 - 07 - 20),
        steps: &[],
    },
    Case {
        code: "540500",
        liaison: "shannan",
        severity: Severity::Serious,
        category: "问题整改",
        description: "上一轮督导反馈问题未按期整改",
        measure: "制定整改清单，逐项销号",
        due_on: date!(2023 - 06 - 20),
        steps: &[],
    },
    Case {
        code: "540600",
        liaison: "nagqu",
        severity: Severity::Minor,
        category: "台账资料",
        description: "佐证材料归档不规范",
        measure: "按统一目录整理归档佐证材料",
        due_on: date!(2023 - 06 - 30),
        steps: &[(Respond, false, "已按统一目录完成归档"), (Close, true, "")],
    },
    Case {
        code: "542500",
        liaison: "ngari",
        severity: Severity::Major,
        category: "组织领导",
        description: "创建工作领导小组会议未按季度召开",
        measure: "按季度召开领导小组会议并印发纪要",
        due_on: date!(2023 - 07 - 10),
        steps: &[(Respond, false, "已召开会议"), (Reopen, true, "未见会议纪要，请补充")],
    },
];

/// Seeds the three rounds.
pub async fn seed(app: &App) -> Result<Rounds, AppError> {
    let office = actor(app, "office").await?;
    let inspector = actor(app, "inspector").await?;
    let (campaign, scheme) = {
        let mut conn = app.store.read().await?;
        let campaign = super::campaign_2023(&mut conn).await?;
        let scheme = evaluations::schemes(&mut conn, Some(campaign.id)).await?.first().map(|s| s.id.0);
        (campaign, scheme)
    };
    let mut prefectures: Vec<(UnitId, &Case)> = Vec::new();
    {
        let mut conn = app.store.read().await?;
        for case in &CASES {
            if let Some(unit) = units::find_by_code(&mut conn, case.code).await? {
                prefectures.push((unit.id, case));
            }
        }
    }

    // The completed round: a team, the prefectures, the checklist the round proposes.
    let input = RoundInput {
        name: ROUND_NAME.into(),
        name_bo: String::new(),
        starts_on: date!(2023 - 05 - 08),
        ends_on: date!(2023 - 05 - 26),
        scheme_id: scheme,
    };
    let round = inspections::create_round(app, &office, campaign.id, &input).await?;
    let team =
        inspections::add_team(app, &office, round.id, "第一督导组", inspector.user.id, &[office.user.id]).await?;
    let targets: Vec<_> = prefectures.iter().map(|(unit, _)| (*unit, Some(team.id))).collect();
    inspections::set_targets(app, &office, round.id, &targets).await?;
    let mut checklist = inspections::proposed_checklist(app, &office, round.id).await?;
    checklist.truncate(8);
    let items = inspections::set_checklist(app, &office, round.id, &checklist).await?;

    // Self-inspection before the visit: every prefecture answers the first points; most hand
    // it in.
    for (n, (unit, case)) in prefectures.iter().enumerate() {
        self_inspect(app, round.id, *unit, case.liaison, &items[..4.min(items.len())], n, n != 3).await?;
    }
    let round = inspections::update_round(app, &office, round.id, round.version, &input, RoundStatus::Active).await?;

    // On site: the inspectors check the same points, a notch stricter, and record a finding.
    for (n, (unit, case)) in prefectures.iter().enumerate() {
        for (k, item) in items.iter().take(4).enumerate() {
            let input = CheckInput {
                unit: *unit,
                item: item.id,
                status: STATUSES[(n + k + 1) % STATUSES.len()],
                comment: Some("现场查看、查阅资料".into()),
                evidence: Vec::new(),
            };
            inspections::save_check(app, &inspector, round.id, CheckSource::Inspector, &input).await?;
        }
        let finding = FindingInput {
            unit: *unit,
            item: items.first().map(|i| i.id),
            plan_item: items.first().and_then(|i| i.plan_item_id),
            indicator_code: None,
            severity: case.severity,
            category: case.category.into(),
            category_bo: None,
            description: case.description.into(),
            rectification: None,
            // Two findings carry a photo taken on site (a placeholder image, as synthetic as
            // the findings).
            photos: if n < 2 { vec![SITE_PHOTO.to_vec()] } else { Vec::new() },
        };
        let recorded = inspections::record_finding(app, &inspector, round.id, &finding).await?;
        let item = rectification(app, &inspector, recorded.finding.id, *unit, case).await?;
        let liaison = actor(app, case.liaison).await?;
        let mut version = item.version;
        for (step, by_inspector, text) in case.steps {
            let who = if *by_inspector { &inspector } else { &liaison };
            let input = StepInput { step: *step, text: (*text).into(), evidence: Vec::new(), version };
            let view = inspections::take_step(app, who, item.id, &input).await?;
            version = view.rectification.map_or(version, |r| r.version);
        }
    }
    inspections::update_round(app, &office, round.id, round.version, &input, RoundStatus::Completed).await?;
    date_in_2023(app, round.id).await?;

    // The round under way on the demo's day: three prefectures whose rectification lags; two
    // have handed in their self-inspection, and the inspectors have begun at Nagqu.
    let midyear = RoundInput {
        name: ACTIVE_ROUND_NAME.into(),
        name_bo: String::new(),
        starts_on: date!(2023 - 06 - 26),
        ends_on: date!(2023 - 07 - 07),
        scheme_id: scheme,
    };
    let active = inspections::create_round(app, &office, campaign.id, &midyear).await?;
    let team = inspections::add_team(app, &office, active.id, "第三督导组", inspector.user.id, &[]).await?;
    let lagging: Vec<_> =
        prefectures.iter().filter(|(_, case)| ["540500", "540600", "542500"].contains(&case.code)).collect();
    let targets: Vec<_> = lagging.iter().map(|(unit, _)| (*unit, Some(team.id))).collect();
    inspections::set_targets(app, &office, active.id, &targets).await?;
    let mut checklist = inspections::proposed_checklist(app, &office, active.id).await?;
    checklist.truncate(6);
    let items = inspections::set_checklist(app, &office, active.id, &checklist).await?;
    for (n, (unit, case)) in lagging.iter().enumerate() {
        self_inspect(app, active.id, *unit, case.liaison, &items[..3.min(items.len())], n, n != 0).await?;
    }
    inspections::update_round(app, &office, active.id, active.version, &midyear, RoundStatus::Active).await?;
    if let Some((nagqu, _)) = lagging.iter().find(|(_, case)| case.code == "540600") {
        for (k, item) in items.iter().take(2).enumerate() {
            let input = CheckInput {
                unit: *nagqu,
                item: item.id,
                status: STATUSES[k % STATUSES.len()],
                comment: Some("现场查看、查阅资料".into()),
                evidence: Vec::new(),
            };
            inspections::save_check(app, &inspector, active.id, CheckSource::Inspector, &input).await?;
        }
    }

    // The next round, still being planned.
    let next = RoundInput {
        name: PLANNED_ROUND_NAME.into(),
        name_bo: String::new(),
        starts_on: date!(2023 - 09 - 04),
        ends_on: date!(2023 - 09 - 22),
        scheme_id: scheme,
    };
    let planned = inspections::create_round(app, &office, campaign.id, &next).await?;
    let team = inspections::add_team(app, &office, planned.id, "第二督导组", inspector.user.id, &[]).await?;
    let visited: Vec<_> = prefectures.iter().take(3).map(|(unit, _)| (*unit, Some(team.id))).collect();
    inspections::set_targets(app, &office, planned.id, &visited).await?;
    let mut checklist = inspections::proposed_checklist(app, &office, planned.id).await?;
    checklist.truncate(6);
    inspections::set_checklist(app, &office, planned.id, &checklist).await?;
    Ok(Rounds { completed: round.id, active: active.id, planned: planned.id })
}

/// How the points are answered, in turn: a unit's `n`-th point at `STATUSES[(n + k) % 4]`.
const STATUSES: [CheckStatus; 4] = [CheckStatus::Met, CheckStatus::Partly, CheckStatus::Met, CheckStatus::Unmet];

/// A unit's self-inspection of `items` by its liaison, handed in when `submit`.
async fn self_inspect(
    app: &App,
    round: RoundId,
    unit: UnitId,
    liaison: &str,
    items: &[CheckItem],
    n: usize,
    submit: bool,
) -> Result<(), AppError> {
    let liaison = actor(app, liaison).await?;
    for (k, item) in items.iter().enumerate() {
        let input = CheckInput {
            unit,
            item: item.id,
            status: STATUSES[(n + k) % STATUSES.len()],
            comment: Some("已对照要点自查".into()),
            evidence: Vec::new(),
        };
        inspections::save_check(app, &liaison, round, CheckSource::SelfInspection, &input).await?;
    }
    if submit {
        inspections::submit_self(app, &liaison, round, unit).await?;
    }
    Ok(())
}

/// A photo as a phone takes it, with its location (stripped when the finding is recorded).
const SITE_PHOTO: &[u8] = include_bytes!("../../../domain/fixtures/photo-gps.jpg");

/// Dates the round's findings during the visit and the steps on their items in the weeks
/// after (the app stamps both with today), so the dashboard's trend shows the campaign's year.
async fn date_in_2023(app: &App, round: RoundId) -> Result<(), AppError> {
    let at = |day: time::Date| {
        Timestamp::from_datetime(day.with_time(time::Time::MIDNIGHT + time::Duration::hours(2)).assume_utc())
    };
    let mut tx = app.store.write().await?;
    store::redate(
        &mut tx,
        round,
        |n| at(date!(2023 - 05 - 08) + time::Duration::days(2 * n as i64)),
        |n, k| at(date!(2023 - 06 - 02) + time::Duration::days(11 * k as i64 + n as i64)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The finding's rectification item, given on the last day of the round with its 2023
/// deadline, and audited as the app would.
async fn rectification(
    app: &App,
    by: &Actor,
    finding: FindingId,
    unit: UnitId,
    case: &Case,
) -> Result<Rectification, AppError> {
    let mut tx = app.store.write().await?;
    let dates = (date!(2023 - 05 - 26), case.due_on);
    let item = store::insert_rectification(&mut tx, finding, unit, case.measure, dates, Timestamp::now()).await?;
    audit::record::<(), _>(
        &mut tx,
        by.into(),
        "rectification.create",
        ("rectification", Some(item.id.0)),
        None,
        Some(&item),
    )
    .await?;
    tx.commit().await?;
    Ok(item)
}
