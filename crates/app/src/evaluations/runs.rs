//! Runs: gathering every unit's inputs, evaluating, freezing inputs and results; publishing;
//! re-running a frozen run to check it reproduces; what-if copies under other weights or
//! bands; results and explanations. Appeals are in `appeals`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    evaluation::{
        Answer, Band, Quota, Rubric, Scheme, UnitInput, UnitResult, evaluate,
        records::{
            Appeal, FrozenInputs, Item, LeafNotes, Run, RunId, RunKind, SchemeId, ScoreEntry, Source, check_bounds,
            in_bounds, unit_input,
        },
        rubric::Entry,
    },
    ids::PlanItemId,
};
use pacesetter_store::{AnyConnection, evaluation_runs as store, evaluations, plan_items};
use rust_decimal::Decimal;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Context, load, unit_for, unprocessable};
use crate::{Actor, App, AppError, Result, audit};

/// Reads every unit's entries and items, and computes `task_completion` leaves from the
/// units' assignments: the inputs a run freezes.
pub(super) async fn gather(conn: &mut AnyConnection, ctx: &Context) -> Result<FrozenInputs> {
    let id = ctx.scheme.id;
    let scheme = &ctx.scheme.scheme;
    let members = evaluations::members(conn, id).await?;
    let entries = evaluations::entries(conn, id, None).await?;
    let items = evaluations::items(conn, id, None).await?;
    let mut notes: BTreeMap<i64, BTreeMap<String, LeafNotes>> = BTreeMap::new();
    for entry in &entries {
        let note = notes.entry(entry.unit_id.0).or_default().entry(entry.leaf.clone()).or_default();
        match entry.source {
            Source::SelfAssessment => {
                note.self_evidence = entry.evidence.clone();
                note.self_comment = entry.comment.clone();
            }
            Source::Inspector => {
                note.inspector_evidence = entry.evidence.clone();
                note.inspector_comment = entry.comment.clone();
            }
        }
    }
    // Each unit's own entries and items, found once: filtering the whole list per unit is
    // quadratic, and at national scale (45,000 units × 400 entries) never finishes.
    let mut entries_of: HashMap<i64, Vec<ScoreEntry>> = HashMap::new();
    for entry in entries {
        entries_of.entry(entry.unit_id.0).or_default().push(entry);
    }
    let mut items_of: HashMap<i64, Vec<Item>> = HashMap::new();
    for item in items {
        items_of.entry(item.unit_id.0).or_default().push(item);
    }
    let mut units: Vec<UnitInput> = members
        .iter()
        .map(|m| {
            let own = entries_of.get(&m.unit_id.0).map_or(&[][..], Vec::as_slice);
            unit_input(m, own, items_of.get(&m.unit_id.0).map_or(&[][..], Vec::as_slice))
        })
        .collect();
    let tasks: Vec<(&str, &[i64])> = scheme
        .leaves()
        .filter_map(|l| match &l.rubric {
            Some(Rubric::TaskCompletion { plan_items }) => Some((l.code.as_str(), plan_items.as_slice())),
            _ => None,
        })
        .collect();
    if !tasks.is_empty() {
        let plan = plan_items::all(conn, ctx.campaign.id).await?;
        let assignments = store::member_assignments(conn, ctx.campaign.id, id).await?;
        for (code, roots) in tasks {
            // The named items and everything below them.
            let mut under: BTreeSet<PlanItemId> = roots.iter().map(|r| PlanItemId(*r)).collect();
            for item in &plan {
                if item.parent_id.is_some_and(|p| under.contains(&p)) {
                    under.insert(item.id);
                }
            }
            for input in &mut units {
                let mine = assignments.iter().filter(|(item, unit, _)| unit.0 == input.unit && under.contains(item));
                let (total, done) = mine.fold((0u32, 0u32), |(t, d), (_, _, s)| (t + 1, d + u32::from(s.is_closed())));
                if total == 0 {
                    continue;
                }
                // The same computed entry on both sides: it combines to itself and is never flagged.
                let entry = Entry { answer: Answer::Value(Decimal::from(done) / Decimal::from(total)), evidence: 0 };
                input.self_entries.insert(code.to_owned(), entry.clone());
                input.inspector_entries.insert(code.to_owned(), entry);
                let note = notes.entry(input.unit).or_default().entry(code.to_owned()).or_default();
                note.computed = Some(format!("{done}/{total} 项任务已办结"));
            }
        }
    }
    Ok(FrozenInputs { scheme_id: id, scheme_version: ctx.scheme.version, scheme: scheme.clone(), units, notes })
}

fn compute(inputs: &FrozenInputs) -> Result<Vec<UnitResult>> {
    evaluate(&inputs.scheme, &inputs.units).map_err(|e| unprocessable(e.code, json!({ "leaf": e.leaf })))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Evaluates and stores a run of `kind`, with its audit record, in the caller's transaction.
pub(super) async fn store_run(
    app: &App,
    tx: &mut AnyConnection,
    actor: &Actor,
    inputs: &FrozenInputs,
    kind: RunKind,
    version: Option<i64>,
    parent: Option<RunId>,
) -> Result<(Run, Vec<UnitResult>)> {
    let results = compute(inputs)?;
    let (inputs_json, results_json) = (to_json(inputs)?, to_json(&results)?);
    let new = store::NewRun {
        scheme: inputs.scheme_id,
        kind,
        version,
        parent,
        inputs_json: &inputs_json,
        results_json: &results_json,
        by: actor.user.id,
    };
    let run = store::insert_run(tx, &new, Timestamp::now()).await.map_err(AppError::from_store("evaluation_run"))?;
    let after = json!({ "run": &run, "inputs_sha256": sha256(&inputs_json), "results_sha256": sha256(&results_json) });
    let action = if kind == RunKind::Published { "evaluation_run.publish" } else { "evaluation_run.create" };
    audit::record::<(), _>(
        tx,
        app.store.backend(),
        actor.into(),
        action,
        ("evaluation_run", Some(run.id.0)),
        None,
        Some(&after),
    )
    .await?;
    Ok((run, results))
}

/// A run with its results as the caller may see them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunView {
    pub run: Run,
    pub scheme_name: String,
    pub results: Vec<UnitResult>,
    pub appeals: Vec<Appeal>,
}

/// Runs the scheme on the current inputs as a draft.
pub async fn run(app: &App, actor: &Actor, id: SchemeId) -> Result<RunView> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    ctx.require_coordinator(actor)?;
    let inputs = gather(&mut tx, &ctx).await?;
    let (run, results) = store_run(app, &mut tx, actor, &inputs, RunKind::Draft, None, None).await?;
    tx.commit().await?;
    Ok(RunView { run, scheme_name: ctx.scheme.name, results: ordered(results), appeals: Vec::new() })
}

/// By category, ranked units in rank order, then the excluded ones.
fn ordered(mut results: Vec<UnitResult>) -> Vec<UnitResult> {
    results.sort_by(|a, b| {
        (a.category.as_str(), a.rank.is_none(), a.rank, a.unit).cmp(&(
            b.category.as_str(),
            b.rank.is_none(),
            b.rank,
            b.unit,
        ))
    });
    results
}

/// A run and its scheme's context, if the caller may see it: the office sees every run,
/// others only published ones.
pub(super) async fn visible_run(conn: &mut AnyConnection, actor: &Actor, id: RunId) -> Result<(Run, Context)> {
    let run = store::get_run(conn, id).await.map_err(AppError::from_store("evaluation_run"))?;
    let ctx = load(conn, run.scheme_id).await?;
    if run.kind != RunKind::Published && !ctx.coordinates(actor) {
        return Err(AppError::NotFound("evaluation_run"));
    }
    Ok((run, ctx))
}

fn parse_frozen(inputs: &str, results: &str) -> Result<(FrozenInputs, Vec<UnitResult>)> {
    let inputs = serde_json::from_str(inputs).map_err(|e| AppError::Internal(format!("frozen inputs: {e}")))?;
    let results = serde_json::from_str(results).map_err(|e| AppError::Internal(format!("stored results: {e}")))?;
    Ok((inputs, results))
}

/// A run's results: all of them for the office, the units they see for everyone else.
pub async fn results(app: &App, actor: &Actor, id: RunId) -> Result<RunView> {
    let mut conn = app.store.read().await?;
    let (run, ctx) = visible_run(&mut conn, actor, id).await?;
    let (inputs_json, results_json) = store::run_data(&mut conn, id).await?;
    let (_, results) = parse_frozen(&inputs_json, &results_json)?;
    let mut visible = Vec::with_capacity(results.len());
    for result in results {
        if ctx.coordinates(actor) || sees(&mut conn, actor, UnitId(result.unit)).await? {
            visible.push(result);
        }
    }
    let appeals = store::appeals(&mut conn, ctx.scheme.id, None)
        .await?
        .into_iter()
        .filter(|a| a.run_id == id && visible.iter().any(|r| r.unit == a.unit_id.0))
        .collect();
    Ok(RunView { run, scheme_name: ctx.scheme.name, results: ordered(visible), appeals })
}

async fn sees(conn: &mut AnyConnection, actor: &Actor, unit: UnitId) -> Result<bool> {
    Ok(pacesetter_store::units::get(conn, unit).await.is_ok_and(|u| actor.can(Permission::ViewUnits, &u.path)))
}

/// A scheme's runs: all of them for the office, published ones for everyone else.
pub async fn list(app: &App, actor: &Actor, id: SchemeId) -> Result<Vec<Run>> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    let runs = store::runs(&mut conn, id).await?;
    Ok(runs.into_iter().filter(|r| ctx.coordinates(actor) || r.kind == RunKind::Published).collect())
}

/// Freezes a draft as the first published version; later versions come only from appeals.
pub async fn publish(app: &App, actor: &Actor, id: RunId) -> Result<Run> {
    let mut tx = app.store.write().await?;
    let run = store::get_run(&mut tx, id).await.map_err(AppError::from_store("evaluation_run"))?;
    let ctx = load(&mut tx, run.scheme_id).await?;
    ctx.require_coordinator(actor)?;
    if run.kind != RunKind::Draft {
        return Err(AppError::Conflict("run_not_draft"));
    }
    if store::latest_published(&mut tx, run.scheme_id).await?.is_some() {
        return Err(AppError::Conflict("evaluation_published"));
    }
    let published = store::publish(&mut tx, id, 1, actor.user.id, Timestamp::now())
        .await
        .map_err(AppError::from_store("evaluation_run"))?;
    let (inputs, results) = store::run_data(&mut tx, id).await?;
    let after = json!({ "run": &published, "inputs_sha256": sha256(&inputs), "results_sha256": sha256(&results) });
    audit::record(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "evaluation_run.publish",
        ("evaluation_run", Some(id.0)),
        Some(&run),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(published)
}

/// The outcome of re-running a run from its frozen inputs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    pub run: Run,
    /// The recomputed results are byte for byte the stored ones.
    pub identical: bool,
    /// Units whose recomputed result differs.
    pub differing_units: Vec<i64>,
}

/// Re-runs a run from its frozen inputs and compares every number with what was stored.
pub async fn verify(app: &App, actor: &Actor, id: RunId) -> Result<Verification> {
    let mut conn = app.store.read().await?;
    let (run, ctx) = visible_run(&mut conn, actor, id).await?;
    ctx.require_coordinator(actor)?;
    let (inputs_json, results_json) = store::run_data(&mut conn, id).await?;
    let (inputs, stored) = parse_frozen(&inputs_json, &results_json)?;
    let again = compute(&inputs)?;
    let identical = to_json(&again)? == results_json;
    let differing_units = again
        .iter()
        .filter(|r| stored.iter().find(|s| s.unit == r.unit) != Some(*r))
        .map(|r| r.unit)
        .chain(stored.iter().filter(|s| !again.iter().any(|r| r.unit == s.unit)).map(|s| s.unit))
        .collect();
    Ok(Verification { run, identical, differing_units })
}

/// Changes for a what-if copy of a run's scheme.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatIfChanges {
    /// New points or weight per node code.
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeChange>,
    #[serde(default)]
    pub bands: Option<Vec<Band>>,
    #[serde(default)]
    pub quotas: Option<Vec<Quota>>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeChange {
    #[serde(default)]
    pub points: Option<Decimal>,
    #[serde(default)]
    pub weight: Option<Decimal>,
}

/// How a unit fares under the what-if compared with the run it copies.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Move {
    pub unit: i64,
    pub category: String,
    pub rank_before: Option<u32>,
    pub rank: Option<u32>,
    pub grade_before: String,
    pub grade: String,
    pub final_before: Decimal,
    pub final_score: Decimal,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct WhatIf {
    pub run: Run,
    pub moves: Vec<Move>,
}

fn apply(scheme: &Scheme, changes: &WhatIfChanges) -> Result<Scheme> {
    let mut copy = scheme.clone();
    for (code, change) in &changes.nodes {
        let node = copy
            .nodes
            .iter_mut()
            .find(|n| &n.code == code)
            .ok_or_else(|| unprocessable("node_not_in_scheme", json!({ "node": code })))?;
        if let Some(points) = change.points {
            node.points = Some(points);
        }
        if let Some(weight) = change.weight {
            node.weight = Some(weight);
        }
    }
    if let Some(bands) = &changes.bands {
        copy.bands = bands.clone();
    }
    if let Some(quotas) = &changes.quotas {
        copy.quotas = quotas.clone();
    }
    check_bounds(&copy).and_then(|()| copy.check()).map_err(|e| unprocessable(e.code, json!({ "node": e.node })))?;
    Ok(copy)
}

/// Evaluates a run's frozen inputs under changed weights, points, bands or quotas, stored as a
/// what-if beside it; the run itself is untouched.
pub async fn what_if(app: &App, actor: &Actor, id: RunId, changes: &serde_json::Value) -> Result<WhatIf> {
    let mut tx = app.store.write().await?;
    let (base, ctx) = visible_run(&mut tx, actor, id).await?;
    ctx.require_coordinator(actor)?;
    let changes: WhatIfChanges = serde_json::from_value(changes.clone())
        .map_err(|e| unprocessable("what_if_invalid", json!({ "message": e.to_string() })))?;
    if changes.nodes.values().flat_map(|c| c.points.into_iter().chain(c.weight)).any(|d| !in_bounds(d)) {
        return Err(unprocessable("number_out_of_bounds", json!({ "node": "scheme" })));
    }
    let (inputs_json, results_json) = store::run_data(&mut tx, id).await?;
    let (mut inputs, before) = parse_frozen(&inputs_json, &results_json)?;
    inputs.scheme = apply(&inputs.scheme, &changes)?;
    let (run, after) = store_run(app, &mut tx, actor, &inputs, RunKind::WhatIf, None, Some(base.id)).await?;
    tx.commit().await?;
    let before: HashMap<i64, &UnitResult> = before.iter().map(|r| (r.unit, r)).collect();
    let moves = ordered(after)
        .into_iter()
        .filter_map(|r| {
            let old = before.get(&r.unit)?;
            Some(Move {
                unit: r.unit,
                category: r.category,
                rank_before: old.rank,
                rank: r.rank,
                grade_before: old.grade.clone(),
                grade: r.grade,
                final_before: old.final_score,
                final_score: r.final_score,
            })
        })
        .collect();
    Ok(WhatIf { run, moves })
}

/// One leaf of an explanation: both inputs, how each scored, the evidence, the combined value.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExplainedLeaf {
    pub code: String,
    pub name: String,
    pub result: pacesetter_domain::evaluation::LeafResult,
    pub self_answer: Option<Answer>,
    pub inspector_answer: Option<Answer>,
    pub notes: LeafNotes,
}

/// Everything behind one unit's line of a run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Explanation {
    pub run: Run,
    pub result: UnitResult,
    pub leaves: Vec<ExplainedLeaf>,
    pub input: UnitInput,
    pub bonus_cap: Decimal,
    pub deduction_cap: Option<Decimal>,
    pub rounding: pacesetter_domain::evaluation::Rounding,
    pub precision: u32,
}

/// Explains a unit's score line by line, from the run's frozen inputs.
pub async fn explain(app: &App, actor: &Actor, id: RunId, unit: UnitId) -> Result<Explanation> {
    let mut conn = app.store.read().await?;
    let (run, ctx) = visible_run(&mut conn, actor, id).await?;
    unit_for(&mut conn, &ctx, actor, unit, Permission::ViewUnits).await?;
    let (inputs_json, results_json) = store::run_data(&mut conn, id).await?;
    let (inputs, results) = parse_frozen(&inputs_json, &results_json)?;
    let result = results.into_iter().find(|r| r.unit == unit.0).ok_or(AppError::NotFound("unit"))?;
    let input = inputs.units.iter().find(|i| i.unit == unit.0).cloned().unwrap_or_default();
    let notes = inputs.notes.get(&unit.0).cloned().unwrap_or_default();
    let leaves = result
        .leaves
        .iter()
        .map(|leaf| ExplainedLeaf {
            code: leaf.code.clone(),
            name: inputs.scheme.node(&leaf.code).map(|n| n.name.clone()).unwrap_or_default(),
            result: leaf.clone(),
            self_answer: input.self_entries.get(&leaf.code).map(|e| e.answer.clone()),
            inspector_answer: input.inspector_entries.get(&leaf.code).map(|e| e.answer.clone()),
            notes: notes.get(&leaf.code).cloned().unwrap_or_default(),
        })
        .collect();
    Ok(Explanation {
        run,
        leaves,
        input,
        bonus_cap: inputs.scheme.bonus_cap,
        deduction_cap: inputs.scheme.deduction_cap,
        rounding: inputs.scheme.rounding,
        precision: inputs.scheme.precision,
        result,
    })
}
