//! The demo campaign's 2023 evaluation (综合考评): SCORING.md's 100-point worked example applied
//! to the 7 prefectures (地市) and the lead departments (牵头部门), with synthetic, anonymised
//! self and inspector scores, a few bonus and deduction items, a trial run left as a draft, and
//! the final run published (its bulletin is then available). Everything goes through the app
//! layer as the demo accounts, so it is checked and audited like real work.

use super::actor;
use crate::{
    Actor, App, AppError,
    evaluations::{self, MemberInput, SchemeInput, entries, runs},
};
use pacesetter_domain::{
    UnitId,
    evaluation::records::{SchemeId, SchemeStatus, Source},
    unit::Unit,
};
use pacesetter_store::units;
use serde_json::{Value, json};

/// The worked example of SCORING.md §1: 100 points over four first-level indicators.
const SCHEME: &str = include_str!("../../../../examples/evaluation/scheme.json");

pub const SCHEME_NAME: &str = "2023年度民族团结进步模范区创建工作综合考评";

/// A fixed spread of plausible scores: `n` picks one of the steps, the same each time.
fn step<T: Copy>(n: usize, steps: &[T]) -> T {
    steps[n % steps.len()]
}

/// A unit's answers; `strict` (the inspector) is a notch lower than the unit's own view on
/// some leaves, as real inspections are.
fn answers(n: usize, strict: bool) -> Vec<(&'static str, Value)> {
    let s = usize::from(strict);
    let a1 = if step(n + s, &[true, true, false]) { json!([0, 1, 2, 3]) } else { json!([0, 1, 2]) };
    let a2: Vec<usize> = (0..step(n + 2 * s, &[8usize, 7, 8, 6, 7])).collect();
    let b1 = step(n + s, &["A", "A", "B", "B", "C"]);
    let b2 = step(n * 3 + s, &["0.93", "0.88", "0.84", "0.91", "0.79", "0.86"]);
    let c1 = step(n + 2 * s, &["A", "B", "A", "B", "C", "B"]);
    let d1 = step(n * 5 + s, &["0.962", "0.935", "0.918", "0.947", "0.901", "0.928", "0.955"]);
    let answer = |kind: &str, value: Value| json!({"kind": kind, "value": value});
    vec![
        ("A1", answer("checked", a1)),
        ("A2", answer("checked", json!(a2))),
        ("B1", answer("level", json!(b1))),
        ("B2", answer("value", json!(b2))),
        ("C1", answer("level", json!(c1))),
        ("D1", answer("value", json!(d1))),
    ]
}

async fn enter(app: &App, who: &Actor, id: SchemeId, source: Source, unit: UnitId, n: usize) -> Result<(), AppError> {
    for (leaf, answer) in answers(n, source == Source::Inspector) {
        let input = entries::EntryInput {
            unit,
            leaf: leaf.to_owned(),
            answer,
            comment: None,
            evidence: Vec::new(),
            version: None,
        };
        entries::save(app, who, id, source, &input).await?;
    }
    Ok(())
}

/// The prefectures with the username of their liaison, then the lead departments.
async fn members(app: &App) -> Result<(Vec<(Unit, Option<&'static str>)>, Vec<Unit>), AppError> {
    let mut conn = app.store.read().await?;
    let mut prefectures = Vec::new();
    for (code, liaison) in [
        ("540100", "lhasa"),
        ("540200", "shigatse"),
        ("540300", "qamdo"),
        ("540400", "nyingchi"),
        ("540500", "shannan"),
        ("540600", "nagqu"),
        ("542500", "ngari"),
    ] {
        if let Some(unit) = units::find_by_code(&mut conn, code).await? {
            prefectures.push((unit, Some(liaison)));
        }
    }
    let departments =
        units::all(&mut conn).await?.into_iter().filter(|u| u.category.as_deref() == Some("牵头部门")).collect();
    Ok((prefectures, departments))
}

/// Seeds the evaluation; returns the scheme, the draft (trial) run and the published run.
pub async fn seed(app: &App) -> Result<(SchemeId, i64, i64), AppError> {
    let office = actor(app, "office").await?;
    let inspector = actor(app, "inspector").await?;
    let campaign = {
        let mut conn = app.store.read().await?;
        super::campaign_2023(&mut conn).await?
    };
    let (prefectures, departments) = members(app).await?;
    let mut units: Vec<MemberInput> = prefectures
        .iter()
        .map(|(u, _)| MemberInput { unit: u.id, category: "地市".into(), self_assess: None })
        .collect();
    units.extend(departments.iter().map(|u| MemberInput {
        unit: u.id,
        category: "牵头部门".into(),
        self_assess: None,
    }));
    let scheme: Value = serde_json::from_str(SCHEME).map_err(|e| AppError::Internal(e.to_string()))?;
    let input = SchemeInput { name: SCHEME_NAME.into(), name_bo: String::new(), scheme, units };
    let stored = evaluations::create(app, &office, campaign.id, &input).await?;
    let stored =
        evaluations::update(app, &office, stored.id, stored.version, Some(SchemeStatus::Active), &input).await?;
    let id = stored.id;

    // Self-assessments: each prefecture's liaison, handed in; the departments' by the office,
    // which coordinates them. Inspector scores: the inspection team for the prefectures, the
    // office for the departments.
    for (n, (unit, liaison)) in prefectures.iter().enumerate() {
        let own = actor(app, liaison.unwrap_or("office")).await?;
        enter(app, &own, id, Source::SelfAssessment, unit.id, n).await?;
        entries::submit(app, &own, id, unit.id).await?;
        enter(app, &inspector, id, Source::Inspector, unit.id, n).await?;
    }
    for (n, unit) in departments.iter().enumerate() {
        enter(app, &office, id, Source::SelfAssessment, unit.id, n + 3).await?;
        enter(app, &office, id, Source::Inspector, unit.id, n + 3).await?;
    }

    // A trial run before the items were recorded, left as a draft.
    let trial = runs::run(app, &office, id).await?;

    let prefecture = |i: usize| prefectures.get(i).map(|(u, _)| u.id);
    let department = |i: usize| departments.get(i).map(|u| u.id);
    let items = [
        (prefecture(0), json!({"kind": "bonus", "points": "2", "cap": "3"}), "获评全国民族团结进步示范区"),
        (prefecture(4), json!({"kind": "bonus", "points": "1.5", "cap": "3"}), "经验做法在全区推广"),
        (department(1), json!({"kind": "bonus", "points": "1", "cap": "3"}), "典型案例被中央媒体报道"),
        (prefecture(2), json!({"kind": "deduction", "count": 2, "per": "0.5"}), "督查整改事项逾期"),
        (prefecture(6), json!({"kind": "deduction", "count": 1, "per": "1"}), "信息报送迟报"),
        (department(3), json!({"kind": "deduction", "count": 1, "per": "0.5"}), "工作台账不完整"),
    ];
    for (unit, effect, source) in items {
        let Some(unit) = unit else { continue };
        let item = entries::ItemInput { unit, effect, source: source.into(), source_link: None };
        entries::add_item(app, &office, id, &item).await?;
    }
    let final_run = runs::run(app, &office, id).await?;
    runs::publish(app, &office, final_run.run.id).await?;
    Ok((id, trial.run.id.0, final_run.run.id.0))
}
