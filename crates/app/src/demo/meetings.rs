//! The demo campaign's four progress meetings of 2023. The first, on 2 April, was held by
//! television and telephone with the main venue in the capital and a branch venue in each of
//! the 7 prefectures: it reviewed 2022, deployed the year's key tasks and gave instructions.
//! The dates of the other three are not in the public record; they are placed a quarter apart.
//! The first meeting's roll call was taken at every venue by its host, with a few units on
//! leave and one venue's link needing a second test. Its decisions were followed up: on the
//! demo's day (30 June) two are closed, one is overdue (and escalated once the reminder job
//! runs) and one is on track; the two open ones are on the second meeting's agenda.
//! Everything goes through the app layer as the office, checked and audited like real work.

use pacesetter_domain::{
    Timestamp, UnitKind,
    assignment::Step,
    ids::MeetingId,
    meeting::{Attendance, Mode, VenueKind},
};
use time::{
    Date,
    macros::{date, offset},
};

use pacesetter_store::assignments;

use super::{actor, plan::DemoStep};
use crate::{
    App, AppError,
    contests::UnitRef,
    meetings::{
        self, AgendaItemInput, MeetingInput, VenueInput,
        decisions::{self, DecisionInput},
    },
};

/// The steering group's office, its functional groups and the lead departments: the main venue.
const MAIN_VENUE_UNITS: [&str; 13] = [
    "ZXB", "ZNZ-01", "ZNZ-02", "ZNZ-03", "CY-ZZB", "CY-FGW", "CY-XCB", "CY-JYT", "CY-TW", "CY-WL", "CY-MT", "CY-TZB",
    "CY-MZW",
];

/// Each meeting: title, start (China Standard Time), how it is held, and its agenda (item,
/// presenter, minutes).
type Plan = (&'static str, &'static str, Mode, &'static [(&'static str, &'static str, u32)]);

const MEETINGS: [Plan; 4] = [
    (
        "2023年第一次推进会",
        "2023-04-02 10:00",
        Mode::Telephone,
        &[
            ("总结2022年创建工作", "专项组办公室", 20),
            ("部署2023年重点任务", "专项组办公室主任", 25),
            ("成员单位交流发言", "自治区党委宣传部、拉萨市", 20),
            ("专项组领导讲话，提出工作要求", "专项组组长", 30),
        ],
    ),
    (
        "2023年第二次推进会",
        "2023-07-07 10:00",
        Mode::Video,
        &[
            ("通报上半年重点任务进展", "专项组办公室", 20),
            ("通报督导检查发现的问题及整改情况", "督导考评组", 20),
            ("部署下半年工作", "专项组办公室主任", 20),
            ("专项组领导讲话", "专项组组长", 25),
        ],
    ),
    (
        "2023年第三次推进会",
        "2023-10-13 10:00",
        Mode::Video,
        &[
            ("通报前三季度重点任务进展", "专项组办公室", 20),
            ("安排年度综合考评", "督导考评组", 20),
            ("专项组领导讲话", "专项组组长", 25),
        ],
    ),
    (
        "2023年第四次推进会",
        "2023-12-22 10:00",
        Mode::Hybrid,
        &[
            ("2023年创建工作总结", "专项组办公室", 25),
            ("通报年度综合考评结果", "督导考评组", 15),
            ("研究部署2024年工作", "专项组办公室主任", 25),
            ("专项组领导讲话", "专项组组长", 30),
        ],
    ),
];

/// Loads the four meetings; returns them in the order they are held.
pub async fn seed(app: &App) -> Result<Vec<MeetingId>, AppError> {
    let office = actor(app, "office").await?;
    let (campaign, prefectures) = super::campaign_and_units(app, &office, UnitKind::Prefecture).await?;
    let (_, counties) = super::campaign_and_units(app, &office, UnitKind::County).await?;
    let mut ids = Vec::new();
    for (title, starts_at, mode, agenda) in MEETINGS {
        let starts_at =
            Timestamp::parse_cst(starts_at).ok_or_else(|| AppError::Internal(format!("bad demo time {starts_at}")))?;
        let input = MeetingInput { title, title_bo: "", starts_at, mode, chair: "专项组组长" };
        let meeting = meetings::create(app, &office, campaign.id, &input).await?;
        let main = VenueInput {
            kind: VenueKind::Main,
            name: "自治区主会场（拉萨）",
            host: UnitRef::Typed("ZXB"),
            positions: "专项组成员，各职能组、成员单位主要负责同志",
            expected: MAIN_VENUE_UNITS.iter().map(|code| UnitRef::Typed(code)).collect(),
        };
        meetings::add_venue(app, &office, meeting.id, &main).await?;
        for prefecture in &prefectures {
            let name = format!("{}分会场", prefecture.name);
            let mut expected = vec![UnitRef::Id(prefecture.id)];
            expected.extend(counties.iter().filter(|c| c.parent_id == Some(prefecture.id)).map(|c| UnitRef::Id(c.id)));
            let branch = VenueInput {
                kind: VenueKind::Branch,
                name: &name,
                host: UnitRef::Id(prefecture.id),
                positions: "地（市）分管负责同志，县（区）主要负责同志",
                expected,
            };
            meetings::add_venue(app, &office, meeting.id, &branch).await?;
        }
        for (title, presenter, minutes) in agenda {
            let item = AgendaItemInput { title, title_bo: "", presenter, minutes: *minutes };
            meetings::add_agenda_item(app, &office, meeting.id, &item).await?;
        }
        ids.push(meeting.id);
    }
    if let Some(first) = ids.first() {
        roll_call(app, *first).await?;
        write_minutes(app, *first).await?;
        decide(app, *first).await?;
        close(app, *first).await?;
    }
    Ok(ids)
}

/// The minutes of the first meeting's agenda, as a campaign office writes them (synthetic; the
/// public report gives the topics, not the words).
const FIRST_MINUTES: [&str; 4] = [
    "2022年，各成员单位和各地（市）按照创建工作方案，完成宣传教育、示范创建、督导考评等各项年度任务。\n存在的主要问题：个别单位任务推进不平衡，佐证材料报送不及时。",
    "会议印发《2023年创建工作要点》，明确四项工程、六项行动的牵头单位和完成时限。\n各牵头单位于4月15日前完成任务分解并签收。",
    "自治区党委宣传部介绍宣传教育工作做法；拉萨市介绍示范创建经验。",
    "会议要求：一是提高政治站位，压实工作责任；二是对照任务清单，按月报送进展；三是专项办加强督导，对滞后任务及时催办。",
];

/// Writes the first meeting's minutes and closes it: on the demo's day it is long over.
async fn write_minutes(app: &App, meeting: MeetingId) -> Result<(), AppError> {
    let office = actor(app, "office").await?;
    let view = meetings::get(app, &office, meeting).await?;
    for (item, text) in view.agenda.iter().zip(FIRST_MINUTES) {
        meetings::write_summary(app, &office, item.item.id, text).await?;
    }
    Ok(())
}

/// Closes the meeting: on the demo's day it is long over.
async fn close(app: &App, meeting: MeetingId) -> Result<(), AppError> {
    let office = actor(app, "office").await?;
    let version = meetings::get(app, &office, meeting).await?.meeting.version;
    meetings::close(app, &office, meeting, version).await?;
    Ok(())
}

/// A decision of the first meeting: what, the words, the agenda item (by position), the lead
/// unit and co-units (codes), the deadline, the checkpoints, and its follow-up's history as
/// (step, percent, comment, day) taken by the lead unit's liaison (the office closes).
struct DemoDecision {
    title: &'static str,
    text: &'static str,
    item: usize,
    lead: &'static str,
    co_units: &'static [&'static str],
    due_on: &'static str,
    checkpoints: &'static [(&'static str, &'static str)],
    history: &'static [(Step, Option<u8>, &'static str, Date)],
}

/// Synthetic decisions in the spirit of the meeting's instructions (the public report does not
/// list them).
const DECISIONS: [DemoDecision; 4] = [
    DemoDecision {
        title: "完成2023年县（区）创建任务分解",
        text: "日喀则市于4月底前将2023年重点任务分解到各县（区），明确责任单位和完成时限。",
        item: 2,
        lead: "540200",
        co_units: &[],
        due_on: "2023-04-30",
        checkpoints: &[("3日内首次反馈", "2023-04-05")],
        history: &[
            (Step::Acknowledge, None, "", date!(2023 - 04 - 03)),
            (Step::Update, Some(40), "已召开专题会议研究分解方案。", date!(2023 - 04 - 04)),
            (Step::Report, Some(100), "18个县（区）任务分解表已印发，报请审核。", date!(2023 - 04 - 25)),
            (Step::Close, None, "经核实，同意办结。", date!(2023 - 04 - 27)),
        ],
    },
    DemoDecision {
        title: "总结推广示范创建经验",
        text: "拉萨市会同自治区党委宣传部总结示范创建经验，形成可复制的做法，5月底前报专项办。",
        item: 3,
        lead: "540100",
        co_units: &["CY-XCB"],
        due_on: "2023-05-31",
        checkpoints: &[("3日内首次反馈", "2023-04-05"), ("4月底前反馈进展", "2023-04-30")],
        history: &[
            (Step::Acknowledge, None, "", date!(2023 - 04 - 03)),
            (Step::Update, Some(30), "已成立经验总结工作专班。", date!(2023 - 04 - 04)),
            (Step::Update, Some(70), "经验材料初稿已完成，征求宣传部意见。", date!(2023 - 04 - 28)),
            (Step::Report, Some(100), "经验材料已定稿报送。", date!(2023 - 05 - 26)),
            (Step::Close, None, "材料质量较高，同意办结，择期印发。", date!(2023 - 05 - 29)),
        ],
    },
    DemoDecision {
        title: "补报2022年创建工作佐证材料",
        text: "那曲市于5月15日前补齐2022年度考评缺报的佐证材料。",
        item: 1,
        lead: "540600",
        co_units: &[],
        due_on: "2023-05-15",
        checkpoints: &[("3日内首次反馈", "2023-04-05"), ("4月底前反馈进展", "2023-04-30")],
        history: &[
            (Step::Acknowledge, None, "", date!(2023 - 04 - 03)),
            (Step::Update, Some(20), "正在组织各县（区）收集材料，部分县受交通影响进度较慢。", date!(2023 - 04 - 10)),
        ],
    },
    DemoDecision {
        title: "按月报送创建工作进展",
        text: "昌都市牵头，林芝市、山南市、阿里地区配合，每月5日前报送上月创建工作进展，6月底前报送上半年总结。",
        item: 4,
        lead: "540300",
        co_units: &["540400", "540500", "542500"],
        due_on: "2023-12-20",
        checkpoints: &[("5月5日前报送4月进展", "2023-05-05"), ("6月5日前报送5月进展", "2023-06-05")],
        history: &[
            (Step::Acknowledge, None, "", date!(2023 - 04 - 04)),
            (Step::Update, Some(15), "4月进展已汇总报送。", date!(2023 - 05 - 04)),
            (Step::Update, Some(30), "5月进展已汇总报送。", date!(2023 - 06 - 02)),
        ],
    },
];

/// Records the first meeting's decisions as the office and walks each follow-up through its
/// history up to the demo's day, at the days it happened.
async fn decide(app: &App, meeting: MeetingId) -> Result<(), AppError> {
    let office = actor(app, "office").await?;
    let view = meetings::get(app, &office, meeting).await?;
    for decision in &DECISIONS {
        let input = DecisionInput {
            title: decision.title,
            text: decision.text,
            agenda_item: view.agenda.get(decision.item - 1).map(|s| s.item.id),
            lead: UnitRef::Typed(decision.lead),
            co_units: decision.co_units.iter().map(|code| UnitRef::Typed(code)).collect(),
            due_on: decision.due_on,
            checkpoints: decision.checkpoints.to_vec(),
        };
        let follow_up = decisions::decide(app, &office, meeting, &input).await?;
        let assignment =
            follow_up.assignment.clone().ok_or(AppError::Internal("a decision without its follow-up".into()))?;
        let mut tx = app.store.write().await?;
        let reporter = super::plan::reporter(&mut tx, follow_up.lead.id, office.user.id).await?;
        let steps: Vec<DemoStep> = decision
            .history
            .iter()
            .map(|&(step, percent, comment, day)| {
                let who = if step == Step::Close { office.user.id } else { reporter };
                let at = Timestamp::from_datetime(day.with_time(time::macros::time!(9:30)).assume_offset(offset!(+8)));
                (step, percent, (!comment.is_empty()).then_some(comment), who, at)
            })
            .collect();
        super::plan::replay(&mut tx, &assignment, &steps).await?;
        // Once the lead unit's share is closed, each co-unit's is: reported the day before.
        if let Some(&(_, _, _, who, closed_at)) = steps.iter().find(|s| s.0 == Step::Close) {
            let day_before = Timestamp::from_datetime(closed_at.datetime() - time::Duration::days(1));
            let shares = assignments::for_item(&mut tx, follow_up.task.id).await?;
            for share in shares.iter().filter(|a| a.unit_id != follow_up.lead.id) {
                let helper = super::plan::reporter(&mut tx, share.unit_id, office.user.id).await?;
                let steps: [DemoStep; 3] = [
                    (Step::Acknowledge, None, None, helper, day_before),
                    (Step::Report, Some(100), Some("已按分工配合完成。"), helper, day_before),
                    (Step::Close, None, Some("牵头单位已办结，议定事项销号。"), who, closed_at),
                ];
                super::plan::replay(&mut tx, share, &steps).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The demo account hosting each prefecture's venue.
const HOSTS: [(&str, &str); 7] = [
    ("540100", "lhasa"),
    ("540200", "shigatse"),
    ("540300", "qamdo"),
    ("540400", "nyingchi"),
    ("540500", "shannan"),
    ("540600", "nagqu"),
    ("542500", "ngari"),
];

/// Units on leave at the first meeting, with the reason their venue's host was given.
const ON_LEAVE: [(&str, &str); 3] = [
    ("CY-WL", "参加全国文联工作会议"),
    ("540221", "县委主要负责同志赴区外学习"),
    ("540623", "防汛值班，由分管同志参会"),
];

/// Each venue's host tests the link and checks in the units expected there.
async fn roll_call(app: &App, meeting: MeetingId) -> Result<(), AppError> {
    let office = actor(app, "office").await?;
    let view = meetings::get(app, &office, meeting).await?;
    for venue in &view.venues {
        let username = match venue.host.code.as_deref() {
            Some(code) => HOSTS.iter().find(|(c, _)| *c == code).map_or("office", |(_, name)| *name),
            None => "office",
        };
        let host = actor(app, username).await?;
        // Nagqu's first test had no sound; the second, after the line was changed, worked.
        if venue.host.code.as_deref() == Some("540600") {
            meetings::report_link_test(app, &host, venue.venue.id, false, "主会场声音断续，已更换线路").await?;
        }
        meetings::report_link_test(app, &host, venue.venue.id, true, "").await?;
        for unit in &venue.expected {
            let leave = ON_LEAVE.iter().find(|(code, _)| unit.code.as_deref() == Some(*code));
            let (attendance, reason) = match leave {
                Some((_, reason)) => (Attendance::Leave, *reason),
                None => (Attendance::Present, ""),
            };
            meetings::record_attendance(app, &host, venue.venue.id, unit.id, attendance, reason).await?;
        }
    }
    Ok(())
}
