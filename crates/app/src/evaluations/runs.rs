//! Runs: reading every unit's inputs a page at a time, evaluating, freezing the inputs and
//! results one row per unit with digests of both; publishing; re-running a frozen run to check
//! it reproduces; what-if copies under other weights or bands; explanations. Reading the
//! results is in `results`, appeals in `appeals`. A national run (45,000 units × 400 entries)
//! never holds more than a page of inputs, and each unit's result only as a line (decision
//! 0009).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    evaluation::{
        Answer, Band, Compiled, Quota, Rubric, Scheme, Standing, UnitInput, UnitLine, UnitResult, par_map,
        records::{Appeal, LeafNotes, Run, RunId, RunKind, check_bounds, in_bounds},
        scorecard::{Extras, FrozenUnit},
    },
    ids::PlanItemId,
};
use pacesetter_store::{
    Conn, WriteTx,
    evaluation_run_rows::{self as rows, StoredLine},
    evaluation_runs as store, evaluations, plan_items, scorecards,
};
use rust_decimal::Decimal;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Context, load, unit_for, unprocessable};
use crate::{Actor, App, AppError, Resource, Result, audit};

/// Units read, evaluated and written at a time.
const PAGE: i64 = 2_000;

mod results;
pub use results::{ResultsPage, ResultsQuery, all_results, get, results};

/// The `task_completion` leaves of a scheme, each with the plan items it counts (the named
/// ones and everything below them).
struct TaskLeaves(Vec<(String, BTreeSet<PlanItemId>)>);

impl TaskLeaves {
    async fn of(conn: &mut Conn, ctx: &Context) -> Result<Self> {
        let named: Vec<(&str, &[i64])> = ctx
            .scheme
            .scheme
            .leaves()
            .filter_map(|l| match &l.rubric {
                Some(Rubric::TaskCompletion { plan_items }) => Some((l.code.as_str(), plan_items.as_slice())),
                _ => None,
            })
            .collect();
        if named.is_empty() {
            return Ok(Self(Vec::new()));
        }
        let plan = plan_items::all(conn, ctx.campaign.id).await?;
        let leaves = named
            .into_iter()
            .map(|(code, roots)| {
                let mut under: BTreeSet<PlanItemId> = roots.iter().map(|r| PlanItemId(*r)).collect();
                for item in &plan {
                    if item.parent_id.is_some_and(|p| under.contains(&p)) {
                        under.insert(item.id);
                    }
                }
                (code.to_owned(), under)
            })
            .collect();
        Ok(Self(leaves))
    }
}

/// The next page of members after `after`, with their scorecards as stored and their items
/// and computed leaves as they stand now: the inputs a run freezes.
async fn live_page(conn: &mut Conn, ctx: &Context, tasks: &TaskLeaves, after: UnitId) -> Result<Vec<FrozenUnit>> {
    let id = ctx.scheme.id;
    let cards = scorecards::page(conn, id, after, PAGE).await?;
    let (Some(first), Some(last)) = (cards.first().map(|c| c.unit), cards.last().map(|c| c.unit)) else {
        return Ok(Vec::new());
    };
    let mut items_of: HashMap<i64, Vec<_>> = HashMap::new();
    for item in evaluations::items_between(conn, id, first, last).await? {
        items_of.entry(item.unit_id.0).or_default().push(item);
    }
    let mut assignments_of: HashMap<i64, Vec<_>> = HashMap::new();
    if !tasks.0.is_empty() {
        for (item, unit, state) in store::member_assignments(conn, ctx.campaign.id, id, first, last).await? {
            assignments_of.entry(unit.0).or_default().push((item, state));
        }
    }
    Ok(cards
        .into_iter()
        .map(|card| {
            let mut extras = Extras::from_items(items_of.get(&card.unit.0).map_or(&[][..], Vec::as_slice));
            let assigned = assignments_of.get(&card.unit.0).map_or(&[][..], Vec::as_slice);
            for (code, under) in &tasks.0 {
                let mine = assigned.iter().filter(|(item, _)| under.contains(item));
                let (total, done) = mine.fold((0u32, 0u32), |(t, d), (_, s)| (t + 1, d + u32::from(s.is_closed())));
                if total > 0 {
                    let fraction = Decimal::from(done) / Decimal::from(total);
                    extras.computed.insert(code.clone(), (fraction, format!("{done}/{total} 项任务已办结")));
                }
            }
            FrozenUnit {
                unit: card.unit.0,
                category: card.category,
                scorecard: card.scorecard,
                extras: extras.to_text(),
            }
        })
        .collect())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

fn hex(digest: Sha256) -> String {
    digest.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn thaw(unit: &FrozenUnit) -> Result<(UnitInput, BTreeMap<String, LeafNotes>)> {
    unit.thaw().map_err(|e| AppError::Internal(format!("frozen inputs of unit {}: {e}", unit.unit)))
}

/// Evaluates a page of units on every core.
fn stand(compiled: &Compiled<'_>, page: &[FrozenUnit]) -> Result<Vec<Standing>> {
    par_map(page, |unit| {
        let (input, _) = thaw(unit)?;
        compiled.stand(&input).map_err(|e| unprocessable(e.code, json!({ "leaf": e.leaf })))
    })
}

/// Where a run's inputs are read from.
#[derive(Clone, Copy)]
enum Read<'a> {
    /// The scheme's scorecards and items as they stand now.
    Live(&'a Context),
    /// The frozen inputs of a run.
    Frozen(RunId),
}

/// Every unit's standing from a run's inputs, ranked, with the digest of the inputs; live
/// inputs are frozen into run `into` as they are read.
async fn evaluate_pages(
    conn: &mut Conn,
    read: Read<'_>,
    compiled: &Compiled<'_>,
    into: Option<RunId>,
) -> Result<(Vec<Standing>, String)> {
    let tasks = match read {
        Read::Live(ctx) => TaskLeaves::of(conn, ctx).await?,
        Read::Frozen(_) => TaskLeaves(Vec::new()),
    };
    let (mut standings, mut digest, mut after) = (Vec::new(), Sha256::new(), UnitId(0));
    loop {
        let page = match read {
            Read::Frozen(run) => rows::inputs_page(conn, run, after, PAGE).await?,
            Read::Live(ctx) => live_page(conn, ctx, &tasks, after).await?,
        };
        let Some(last) = page.last() else { break };
        after = UnitId(last.unit);
        for unit in &page {
            digest.update(unit.digest_line().as_bytes());
        }
        if let (Read::Live(_), Some(run)) = (read, into) {
            rows::insert_inputs(conn, run, &page).await?;
        }
        standings.extend(stand(compiled, &page)?);
    }
    compiled.rank(&mut standings);
    Ok((standings, hex(digest)))
}

/// The result lines of ranked standings in unit order, and their digest.
fn lines(compiled: &Compiled<'_>, standings: &[Standing]) -> (Vec<StoredLine>, String) {
    let mut digest = Sha256::new();
    let lines: Vec<StoredLine> = standings.iter().map(|s| StoredLine::new(compiled.line(s))).collect();
    for line in &lines {
        digest.update(line.json.as_bytes());
        digest.update(b"\n");
    }
    (lines, hex(digest))
}

/// What a new run reads: the live inputs, or a frozen run's (a what-if).
pub(super) struct RunSpec<'a> {
    pub scheme: &'a Scheme,
    /// The version of the scheme it was made from.
    pub scheme_version: i64,
    pub from: Option<RunId>,
    pub kind: RunKind,
    pub version: Option<i64>,
    pub parent: Option<RunId>,
}

/// Evaluates and stores a run, with its audit record, in the caller's transaction.
pub(super) async fn store_run(
    tx: &mut WriteTx,
    actor: &Actor,
    ctx: &Context,
    spec: RunSpec<'_>,
) -> Result<(Run, Vec<UnitLine>)> {
    let scheme_json = to_json(spec.scheme)?;
    let new = store::NewRun {
        scheme: ctx.scheme.id,
        kind: spec.kind,
        version: spec.version,
        parent: spec.parent,
        scheme_json: &scheme_json,
        scheme_version: spec.scheme_version,
        by: actor.user.id,
    };
    let run =
        store::insert_run(tx, &new, Timestamp::now()).await.map_err(AppError::from_store(Resource::EvaluationRun))?;
    if let Some(from) = spec.from {
        rows::copy_inputs(tx, from, run.id).await?;
    }
    let compiled = Compiled::new(spec.scheme);
    let read = spec.from.map_or(Read::Live(ctx), Read::Frozen);
    let (standings, inputs_sha256) = evaluate_pages(tx, read, &compiled, Some(run.id)).await?;
    let (lines, results_sha256) = lines(&compiled, &standings);
    drop(standings);
    rows::insert_results(tx, run.id, &lines).await?;
    let run = store::finish_run(tx, run.id, &inputs_sha256, &results_sha256).await?;
    let action = if spec.kind == RunKind::Published { "evaluation_run.publish" } else { "evaluation_run.create" };
    audit::record::<(), _>(
        tx,
        actor.into(),
        action,
        ("evaluation_run", Some(run.id.0)),
        None,
        Some(&json!({ "run": &run })),
    )
    .await?;
    Ok((run, lines.into_iter().map(|l| l.line).collect()))
}

/// A run with its results as the caller may see them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunView {
    pub run: Run,
    pub scheme_name: String,
    pub scheme_name_bo: Option<String>,
    pub results: Vec<UnitLine>,
    pub appeals: Vec<Appeal>,
}

/// Runs the scheme on the current inputs as a draft.
pub async fn run(app: &App, actor: &Actor, id: pacesetter_domain::evaluation::records::SchemeId) -> Result<RunView> {
    let mut tx = app.store.write_alone().await?;
    let ctx = load(&mut tx, id).await?;
    ctx.require_coordinator(actor)?;
    let scheme = ctx.scheme.scheme.clone();
    let spec = RunSpec {
        scheme: &scheme,
        scheme_version: ctx.scheme.version,
        from: None,
        kind: RunKind::Draft,
        version: None,
        parent: None,
    };
    let (run, results) = store_run(&mut tx, actor, &ctx, spec).await?;
    tx.commit().await?;
    Ok(RunView {
        run,
        scheme_name: ctx.scheme.name,
        scheme_name_bo: ctx.scheme.name_bo,
        results: ordered(results),
        appeals: Vec::new(),
    })
}

/// By category, ranked units in rank order, then the excluded ones.
pub fn ordered(mut results: Vec<UnitLine>) -> Vec<UnitLine> {
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
pub(super) async fn visible_run(conn: &mut Conn, actor: &Actor, id: RunId) -> Result<(Run, Context)> {
    let run = store::get_run(conn, id).await.map_err(AppError::from_store(Resource::EvaluationRun))?;
    let ctx = load(conn, run.scheme_id).await?;
    if run.kind != RunKind::Published && !ctx.coordinates(actor) {
        return Err(AppError::NotFound(Resource::EvaluationRun));
    }
    Ok((run, ctx))
}

/// A scheme's runs: all of them for the office, published ones for everyone else.
pub async fn list(app: &App, actor: &Actor, id: pacesetter_domain::evaluation::records::SchemeId) -> Result<Vec<Run>> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    let runs = store::runs(&mut conn, id).await?;
    Ok(runs.into_iter().filter(|r| ctx.coordinates(actor) || r.kind == RunKind::Published).collect())
}

/// Freezes a draft as the first published version; later versions come only from appeals.
pub async fn publish(app: &App, actor: &Actor, id: RunId) -> Result<Run> {
    let mut tx = app.store.write_alone().await?;
    let run = store::get_run(&mut tx, id).await.map_err(AppError::from_store(Resource::EvaluationRun))?;
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
        .map_err(AppError::from_store(Resource::EvaluationRun))?;
    audit::record(
        &mut tx,
        actor.into(),
        "evaluation_run.publish",
        ("evaluation_run", Some(id.0)),
        Some(&run),
        Some(&json!({ "run": &published })),
    )
    .await?;
    tx.commit().await?;
    Ok(published)
}

/// The outcome of re-running a run from its frozen inputs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    pub run: Run,
    /// The frozen inputs and stored lines are those the run recorded (their digests match),
    /// and the recomputed lines are byte for byte the stored ones.
    pub identical: bool,
    /// The frozen inputs still hash to the digest recorded when the run was made.
    pub inputs_intact: bool,
    /// Units whose recomputed line differs from the stored one.
    pub differing_units: Vec<i64>,
}

/// Re-runs a run from its frozen inputs and compares every number with what was stored.
pub async fn verify(app: &App, actor: &Actor, id: RunId) -> Result<Verification> {
    let mut conn = app.store.read().await?;
    let (_, ctx) = visible_run(&mut conn, actor, id).await?;
    ctx.require_coordinator(actor)?;
    Ok(check(&mut conn, id).await?.0)
}

/// [`verify`] for whoever holds the database (the CLI), with the recomputed lines in unit order.
pub async fn check(conn: &mut Conn, id: RunId) -> Result<(Verification, Vec<UnitLine>)> {
    let run = store::get_run(conn, id).await.map_err(AppError::from_store(Resource::EvaluationRun))?;
    let scheme = store::run_scheme(conn, id).await?;
    let compiled = Compiled::new(&scheme);
    let (standings, inputs_sha256) = evaluate_pages(conn, Read::Frozen(id), &compiled, None).await?;
    let (again, _) = lines(&compiled, &standings);
    drop(standings);
    let (mut differing_units, mut stored_digest, mut after) = (Vec::new(), Sha256::new(), UnitId(0));
    let mut pending = again.iter().peekable();
    loop {
        let page = rows::results_page(conn, id, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = UnitId(last.line.unit);
        for stored in page {
            stored_digest.update(stored.json.as_bytes());
            stored_digest.update(b"\n");
            // Units recomputed but not stored, then the stored one itself.
            while let Some(extra) = pending.next_if(|l| l.line.unit < stored.line.unit) {
                differing_units.push(extra.line.unit);
            }
            match pending.next_if(|l| l.line.unit == stored.line.unit) {
                Some(recomputed) if recomputed.json == stored.json => {}
                _ => differing_units.push(stored.line.unit),
            }
        }
    }
    differing_units.extend(pending.map(|l| l.line.unit));
    let inputs_intact = inputs_sha256 == run.inputs_sha256;
    let identical = inputs_intact && differing_units.is_empty() && hex(stored_digest) == run.results_sha256;
    let lines = again.into_iter().map(|l| l.line).collect();
    Ok((Verification { run, identical, inputs_intact, differing_units }, lines))
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
    let mut tx = app.store.write_alone().await?;
    let (base, ctx) = visible_run(&mut tx, actor, id).await?;
    ctx.require_coordinator(actor)?;
    let changes: WhatIfChanges = serde_json::from_value(changes.clone())
        .map_err(|e| unprocessable("what_if_invalid", json!({ "message": e.to_string() })))?;
    if changes.nodes.values().flat_map(|c| c.points.into_iter().chain(c.weight)).any(|d| !in_bounds(d)) {
        return Err(unprocessable("number_out_of_bounds", json!({ "node": "scheme" })));
    }
    let scheme = apply(&store::run_scheme(&mut tx, id).await?, &changes)?;
    let before = rows::results(&mut tx, id, None).await?;
    let spec = RunSpec {
        scheme: &scheme,
        scheme_version: base.scheme_version,
        from: Some(base.id),
        kind: RunKind::WhatIf,
        version: None,
        parent: Some(base.id),
    };
    let (run, after) = store_run(&mut tx, actor, &ctx, spec).await?;
    tx.commit().await?;
    let before: HashMap<i64, &UnitLine> = before.iter().map(|r| (r.line.unit, &r.line)).collect();
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
    pub name_bo: Option<String>,
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

/// Explains a unit's score line by line: its leaves scored again from the run's frozen
/// inputs, beside the line the run stored.
pub async fn explain(app: &App, actor: &Actor, id: RunId, unit: UnitId) -> Result<Explanation> {
    let mut conn = app.store.read().await?;
    let (run, ctx) = visible_run(&mut conn, actor, id).await?;
    unit_for(&mut conn, &ctx, actor, unit, Permission::ViewUnits).await?;
    let line = rows::result_of(&mut conn, id, unit).await.map_err(AppError::from_store(Resource::Unit))?;
    let (input, notes) =
        thaw(&rows::input_of(&mut conn, id, unit).await.map_err(AppError::from_store(Resource::Unit))?)?;
    let scheme = store::run_scheme(&mut conn, id).await?;
    let result =
        Compiled::new(&scheme).explain(&input, line).map_err(|e| unprocessable(e.code, json!({ "leaf": e.leaf })))?;
    let leaves = result
        .leaves
        .iter()
        .map(|leaf| ExplainedLeaf {
            code: leaf.code.clone(),
            name: scheme.node(&leaf.code).map(|n| n.name.clone()).unwrap_or_default(),
            name_bo: scheme.node(&leaf.code).and_then(|n| n.name_bo.clone()),
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
        bonus_cap: scheme.bonus_cap,
        deduction_cap: scheme.deduction_cap,
        rounding: scheme.rounding,
        precision: scheme.precision,
        result,
    })
}

/// What the explanation page shows: the explanation, the unit (`None` where the caller may not
/// see it by name), and the scheme.
#[derive(Debug, Clone)]
pub struct ExplainView {
    pub explanation: Explanation,
    pub unit: Option<pacesetter_domain::unit::Unit>,
    pub scheme: super::SchemeView,
}

/// The explanation page: see [`ExplainView`].
pub async fn explain_view(app: &App, actor: &Actor, id: RunId, unit: UnitId) -> Result<ExplainView> {
    let explanation = explain(app, actor, id, unit).await?;
    let unit = crate::units::get(app, actor, unit).await.ok();
    let scheme = super::get(app, actor, explanation.run.scheme_id).await?;
    Ok(ExplainView { explanation, unit, scheme })
}
