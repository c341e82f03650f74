//! The demo campaign's speech contests (演讲比赛), with synthetic contestants:
//! - the farmers' and herders' speech contest (RW-03): its regional final of 50 finalists
//!   before 13 judges, every score in, the results published, and three prefectures given
//!   优秀组织奖;
//! - the youth speech contest (RW-02): a heat in each prefecture, closed, whose best two went
//!   through to the regional final, now under way with `judge1` on its panel and the third
//!   contestant on stage.
//!
//! The judges' accounts are written like the demo's other accounts; everything else goes through
//! the app layer as the organiser and each judge, checked and audited like real work.

use pacesetter_domain::{
    Role, Timestamp, UnitId, UnitKind,
    contest::{Criterion, Kind, Stage},
    ids::{ContestEntryId, ContestRoundId},
    unit::Unit,
};
use pacesetter_store::{grants, users};
use rust_decimal::Decimal;

use super::{DEMO_PASSWORD, actor};
use crate::{
    Actor, App, AppError,
    contests::{self, ContestInput, EntryInput, Move, RoundInput, ScoreInput, Seated, UnitRef},
};

pub const FARMERS: &str = "农牧民宣讲比赛";
pub const YOUTH: &str = "青年宣讲比赛";

/// Given names and family-style first syllables, combined into synthetic Tibetan names.
const FIRST: [&str; 12] =
    ["扎西", "次仁", "格桑", "旦增", "白玛", "索朗", "达瓦", "尼玛", "普布", "洛桑", "平措", "强巴"];
const SECOND: [&str; 10] = ["卓玛", "央金", "拉姆", "德吉", "曲珍", "措姆", "顿珠", "多吉", "巴桑", "罗布"];

/// 一 … 十三, as the demo's first judge is named.
const NUMERALS: [&str; 13] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"];

fn name(n: usize) -> String {
    format!("{}{}", FIRST[n % FIRST.len()], SECOND[(n / FIRST.len() + n) % SECOND.len()])
}

fn criteria() -> Vec<Criterion> {
    [("内容", 40), ("表达", 30), ("语言", 20), ("形象", 10)]
        .into_iter()
        .map(|(name, max)| Criterion { code: name.into(), name: name.into(), max: Decimal::from(max) })
        .collect()
}

/// A judge's criteria scores for a contestant of `skill` (out of 100): the same for the same
/// pair every time the demo is loaded, a little apart from judge to judge.
fn sheet(skill: u32, contestant: usize, judge: usize) -> Vec<(String, Decimal)> {
    let noise = ((contestant * 7 + judge * 13) % 11) as i64 - 5; // −5 … +5 half-points
    let total = Decimal::from(skill) + Decimal::new(noise, 1) * Decimal::from(5) / Decimal::from(10);
    criteria()
        .into_iter()
        .map(|c| {
            // Each criterion gets its share of the total, to the half point, within its maximum.
            let share = (total * c.max / Decimal::from(100) * Decimal::TWO).round() / Decimal::TWO;
            (c.code, share.min(c.max))
        })
        .collect()
}

/// The twelve judges besides `judge1`, homed at the prefectures in turn.
async fn judge_accounts(app: &App, prefectures: &[Unit]) -> Result<Vec<Actor>, AppError> {
    let hash = crate::hash_password(DEMO_PASSWORD)?;
    let now = Timestamp::now();
    let mut tx = app.store.write().await?;
    let region = prefectures.first().and_then(|p| p.parent_id).ok_or(AppError::Internal("no region".into()))?;
    let mut names = Vec::new();
    for n in 2..=13 {
        let username = format!("judge{n}");
        let display_name = format!("评委（{}号）", NUMERALS[n - 1]);
        let home = &prefectures[(n - 2) % prefectures.len()];
        let new = users::NewUser {
            username: &username,
            display_name: &display_name,
            password_hash: &hash,
            unit_id: home.id,
            locale: None,
        };
        let user = users::insert(&mut tx, &new, now).await?;
        grants::insert(&mut tx, user.id, Role::Judge, region, now).await?;
        names.push(username);
    }
    let who = crate::audit::Who { id: None, name: "demo", origin: &crate::Origin::default() };
    let note = serde_json::json!({ "judges": names });
    crate::audit::record::<(), _>(&mut tx, who, "demo.judges", ("demo", None), None, Some(&note)).await?;
    tx.commit().await?;
    let mut judges = vec![actor(app, "judge1").await?];
    for username in names {
        judges.push(actor(app, &username).await?);
    }
    Ok(judges)
}

/// A round set up with its panel and contestants, drawn and opened.
async fn open_round(
    app: &App,
    office: &Actor,
    contest: pacesetter_domain::ids::ContestId,
    input: &RoundInput<'_>,
    panel: &[&Actor],
    entries: &[(String, UnitId)],
) -> Result<ContestRoundId, AppError> {
    let round = contests::add_round(app, office, contest, input).await?;
    for judge in panel {
        contests::seat_judge(app, office, round.id, Seated::Id(judge.user.id)).await?;
    }
    for (contestant, unit) in entries {
        let entry = EntryInput { contestant, unit: UnitRef::Id(*unit), title: "", image: None };
        contests::add_entry(app, office, round.id, &entry).await?;
    }
    let round = contests::draw(app, office, round.id, round.version).await?;
    contests::advance(app, office, round.id, round.version, Move::Open).await?;
    Ok(round.id)
}

/// Every judge scores the contestant on stage, by `skill` of the contestant's number.
async fn score_on_stage(
    app: &App,
    panel: &[&Actor],
    round: ContestRoundId,
    skill: &dyn Fn(&str) -> u32,
) -> Result<(), AppError> {
    let board = contests::board(app, panel[0], round).await?;
    let Some(entry) = board.on_stage else { return Ok(()) };
    for (seat, judge) in panel.iter().enumerate() {
        let key = format!("demo-{}-{}", entry.id, judge.user.id);
        let input = ScoreInput { criteria: sheet(skill(&entry.contestant), entry.id.0 as usize, seat), key: &key };
        match contests::submit_score(app, judge, entry.id, &input).await {
            Ok(_) | Err(AppError::Conflict("own_unit")) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Calls each contestant in turn until `stop_at` have been scored (all when `None`), then
/// closes the round when all were.
async fn run_round(
    app: &App,
    office: &Actor,
    panel: &[&Actor],
    round: ContestRoundId,
    count: usize,
    stop_at: Option<usize>,
    skill: &dyn Fn(&str) -> u32,
) -> Result<(), AppError> {
    let scored = stop_at.unwrap_or(count);
    for turn in 0..scored {
        score_on_stage(app, panel, round, skill).await?;
        let version = contests::board(app, office, round).await?.round.version;
        let step = if turn + 1 < count { Move::Next } else { Move::Close };
        contests::advance(app, office, round, version, step).await?;
    }
    Ok(())
}

/// A contestant's skill, from the number in their name's entry list: spread from 80 to 96.
fn skill_of(names: &[(String, UnitId)]) -> impl Fn(&str) -> u32 + '_ {
    move |contestant| {
        let n = names.iter().position(|(name, _)| name == contestant).unwrap_or(0);
        80 + ((n * 37) % 17) as u32
    }
}

/// Loads both contests; returns the farmers' final and the youth final.
pub async fn seed(app: &App) -> Result<(ContestRoundId, ContestRoundId), AppError> {
    let office = actor(app, "office").await?;
    let (campaign, prefectures) = super::campaign_and_units(app, &office, UnitKind::Prefecture).await?;
    let (_, counties) = super::campaign_and_units(app, &office, UnitKind::County).await?;
    let codes = crate::plans::item_codes(app, &office, campaign.id).await?;
    let task =
        |code: &str| codes.iter().find(|(_, c)| c == code).map(|(id, _)| pacesetter_domain::ids::PlanItemId(*id));
    let judges = judge_accounts(app, &prefectures).await?;

    // The farmers' and herders' final: 50 finalists from the counties, 13 judges, all scored.
    let rules = pacesetter_domain::contest::Rules::default();
    let input =
        ContestInput { name: FARMERS, name_bo: "", kind: Kind::Speech, plan_item: task("RW-03"), rules: rules.clone() };
    let farmers = contests::create(app, &office, campaign.id, &input).await?;
    let finalists: Vec<(String, UnitId)> = (0..50).map(|n| (name(n), counties[(n * 3) % counties.len()].id)).collect();
    let panel: Vec<&Actor> = judges.iter().collect();
    // Prizes 5/10/35: every finalist wins one, and the results are published.
    let round = RoundInput {
        name: "全区决赛",
        stage: Stage::Final,
        unit: None,
        advance: 0,
        criteria: criteria(),
        prizes: vec![5, 10, 35],
    };
    let farmers_final = open_round(app, &office, farmers.id, &round, &panel, &finalists).await?;
    run_round(app, &office, &panel, farmers_final, finalists.len(), None, &skill_of(&finalists)).await?;
    let version = contests::board(app, &office, farmers_final).await?.round.version;
    contests::publish(app, &office, farmers_final, version).await?;
    // Three prefectures receive the award for excellent organisation.
    for prefecture in prefectures.iter().take(3) {
        contests::add_award(app, &office, farmers.id, contests::UnitRef::Id(prefecture.id), "优秀组织奖").await?;
    }

    // The youth contest: a heat of six in each prefecture before five judges, the best two on.
    let input = ContestInput { name: YOUTH, name_bo: "", kind: Kind::Speech, plan_item: task("RW-02"), rules };
    let youth = contests::create(app, &office, campaign.id, &input).await?;
    let mut through = Vec::new();
    for (p, prefecture) in prefectures.iter().enumerate() {
        let heat_name = format!("{}预赛", prefecture.name);
        let heat = RoundInput {
            name: &heat_name,
            stage: Stage::Heat,
            unit: Some(prefecture.id),
            advance: 2,
            criteria: criteria(),
            prizes: Vec::new(),
        };
        let contestants: Vec<(String, UnitId)> = (0..6).map(|n| (name(60 + p * 6 + n), prefecture.id)).collect();
        let heat_panel: Vec<&Actor> = judges[1..].iter().filter(|j| j.user.unit_id != prefecture.id).take(5).collect();
        let round = open_round(app, &office, youth.id, &heat, &heat_panel, &contestants).await?;
        run_round(app, &office, &heat_panel, round, contestants.len(), None, &skill_of(&contestants)).await?;
        let board = contests::board(app, &office, round).await?;
        through.extend(board.lines.iter().take(2).map(|l| (l.entry.contestant.clone(), l.entry.unit_id)));
    }
    let final_panel: Vec<&Actor> = judges.iter().take(7).collect();
    let round = RoundInput {
        name: "全区决赛",
        stage: Stage::Final,
        unit: None,
        advance: 0,
        criteria: criteria(),
        prizes: vec![1, 2, 3],
    };
    let youth_final = open_round(app, &office, youth.id, &round, &final_panel, &through).await?;
    // Two contestants have spoken; the third is on stage, scored by some of the judges.
    run_round(app, &office, &final_panel, youth_final, through.len(), Some(2), &skill_of(&through)).await?;
    let on_stage = contests::board(app, &office, youth_final).await?.on_stage.map(|e| e.id);
    if let Some(entry) = on_stage {
        score_partly(app, &final_panel[3..], entry).await?;
    }
    Ok((farmers_final, youth_final))
}

/// Some judges (not `judge1`) have scored the contestant on stage.
async fn score_partly(app: &App, judges: &[&Actor], entry: ContestEntryId) -> Result<(), AppError> {
    for (seat, judge) in judges.iter().enumerate() {
        let key = format!("demo-{}-{}", entry, judge.user.id);
        let input = ScoreInput { criteria: sheet(88, entry.0 as usize, seat), key: &key };
        match contests::submit_score(app, judge, entry, &input).await {
            Ok(_) | Err(AppError::Conflict("own_unit")) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
