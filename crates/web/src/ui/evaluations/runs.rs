//! Runs: starting one, its results per category with a ranking chart, a unit's score
//! explained line by line, the what-if comparison, publishing, the re-run check, and appeals
//! (复核) with the office's decision.

use std::collections::HashMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{
    Actor, AppError,
    evaluations::{self, appeals, entries, runs},
};
use pacesetter_domain::{
    UnitId,
    evaluation::{
        UnitResult, VetoEffect,
        records::{AppealId, Decision, RunId, RunKind, SchemeId},
    },
};
use pacesetter_export::charts;
use serde::Deserialize;
use serde_json::json;

use super::{answer_text, dec, parse_decimal, unit_name};
use crate::{
    AppState,
    i18n::Tr,
    ui::context::{CsrfForm, PageCtx, SignedIn, check_csrf, error_page, render},
};

pub async fn start_run(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match runs::run(&state.app, &actor, SchemeId(id)).await {
        Ok(view) => Redirect::to(&format!("/evaluations/runs/{}", view.run.id)).into_response(),
        Err(error) => error_page(ctx.t, &error),
    }
}

pub struct ResultRow {
    pub unit_id: i64,
    pub unit: String,
    pub rank: String,
    pub final_score: String,
    pub grade: String,
    pub base: String,
    pub bonus: String,
    pub deductions: String,
    pub vetoed: bool,
    pub quota_moved: bool,
    pub flags: usize,
}

pub struct Category {
    pub name: String,
    pub rows: Vec<ResultRow>,
    pub chart: String,
}

pub struct AppealRow {
    pub id: i64,
    pub unit: String,
    pub reason: String,
    pub at: String,
    pub decision_key: String,
    pub note: String,
    pub open: bool,
}

pub struct NodeInput {
    pub code: String,
    pub name: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "evaluations/run.html")]
struct RunPage {
    p: PageCtx,
    run_id: i64,
    scheme_id: i64,
    scheme_name: String,
    kind_key: String,
    version: String,
    published: bool,
    draft: bool,
    can_manage: bool,
    categories: Vec<Category>,
    appeals: Vec<AppealRow>,
    /// Units the caller may appeal for.
    appealable: Vec<(i64, String)>,
    /// The re-run check's outcome, when asked for.
    verification: Option<(bool, String)>,
    what_if_nodes: Vec<NodeInput>,
    weights: bool,
    bands: String,
    quotas: String,
    error: String,
    /// The what-if's moves against this run, once computed.
    moves: Vec<MoveRow>,
}

pub struct MoveRow {
    pub unit: String,
    pub category: String,
    pub rank_before: String,
    pub rank: String,
    pub grade_before: String,
    pub grade: String,
    pub final_before: String,
    pub final_score: String,
    pub moved: &'static str,
}

/// A final score with the scheme's decimal places ("90.00").
fn fixed(value: rust_decimal::Decimal, precision: u32) -> String {
    format!("{:.*}", precision as usize, value)
}

fn rank_text(rank: Option<u32>, t: Tr) -> String {
    rank.map(|r| r.to_string()).unwrap_or_else(|| t.t("evaluation.not_ranked").to_owned())
}

/// Results grouped by category, each with a horizontal bar chart of final scores.
fn categories(
    results: &[UnitResult],
    names: &HashMap<i64, String>,
    t: Tr,
    total: f64,
    precision: u32,
) -> Vec<Category> {
    let mut out: Vec<Category> = Vec::new();
    for r in results {
        let row = ResultRow {
            unit_id: r.unit,
            unit: names.get(&r.unit).cloned().unwrap_or_else(|| t.t("evaluation.unknown_unit").to_owned()),
            rank: rank_text(r.rank, t),
            final_score: fixed(r.final_score, precision),
            grade: r.grade.clone(),
            base: dec(r.base.round_dp(6)),
            bonus: dec(r.bonus),
            deductions: dec(r.deductions),
            vetoed: r.vetoed,
            quota_moved: r.quota_moved,
            flags: r.leaves.iter().filter(|l| l.flagged).count(),
        };
        match out.iter_mut().find(|c| c.name == r.category) {
            Some(category) => category.rows.push(row),
            None => out.push(Category { name: r.category.clone(), rows: vec![row], chart: String::new() }),
        }
    }
    for category in &mut out {
        let bars: Vec<charts::RankBar> = category
            .rows
            .iter()
            .map(|r| charts::RankBar {
                label: format!("{} {}", r.rank, r.unit),
                value: r.final_score.parse().unwrap_or(0.0),
                text: format!("{} {}", r.final_score, r.grade),
            })
            .collect();
        category.chart = charts::ranking(&bars, total, &t.f("evaluation.chart_title", &[("category", &category.name)]));
    }
    out
}

async fn names_of(
    state: &AppState,
    actor: &Actor,
    scheme: SchemeId,
    t: Tr,
) -> (HashMap<i64, String>, Vec<(i64, String)>) {
    let lines = entries::member_lines(&state.app, actor, scheme).await.unwrap_or_default();
    let names = lines.iter().map(|l| (l.unit.id.0, unit_name(&l.unit, t))).collect();
    let appealable = lines.iter().filter(|l| l.can_self_assess).map(|l| (l.unit.id.0, unit_name(&l.unit, t))).collect();
    (names, appealable)
}

/// What a run page shows beyond the results.
#[derive(Default)]
struct Extra {
    verification: Option<(bool, String)>,
    error: String,
    moves: Vec<MoveRow>,
    nodes: Vec<(String, String)>,
    bands: Option<String>,
    quotas: Option<String>,
}

async fn run_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    extra: Extra,
    status: StatusCode,
) -> Response {
    let result = async {
        let view = runs::results(&state.app, actor, RunId(id)).await?;
        let scheme = evaluations::get(&state.app, actor, view.run.scheme_id).await?;
        Ok::<_, AppError>((view, scheme))
    }
    .await;
    let (view, scheme) = match result {
        Ok(found) => found,
        Err(error) => return error_page(ctx.t, &error),
    };
    let t = ctx.t;
    let (names, appealable) = names_of(state, actor, view.run.scheme_id, t).await;
    let s = &scheme.scheme.scheme;
    let weights = s.aggregation == pacesetter_domain::evaluation::Aggregation::Weights;
    let total: f64 = (s.total_points + s.bonus_cap).to_string().parse().unwrap_or(100.0);
    let appeals = view
        .appeals
        .iter()
        .map(|a| AppealRow {
            id: a.id.0,
            unit: names.get(&a.unit_id.0).cloned().unwrap_or_default(),
            reason: a.reason.clone(),
            at: a.created_at.display_cst(),
            decision_key: a.decision.map(|d| format!("evaluation.decision.{}", d.as_str())).unwrap_or_default(),
            note: a.note.clone().unwrap_or_default(),
            open: a.decision.is_none(),
        })
        .collect();
    let kept = |code: &str| extra.nodes.iter().find(|(c, _)| c == code).map(|(_, v)| v.clone());
    let page = RunPage {
        run_id: id,
        scheme_id: view.run.scheme_id.0,
        scheme_name: view.scheme_name.clone(),
        kind_key: format!("evaluation.run_kind.{}", view.run.kind.as_str()),
        version: view.run.version.map(|v| t.n("evaluation.version_n", v)).unwrap_or_default(),
        published: view.run.kind == RunKind::Published,
        draft: view.run.kind == RunKind::Draft && scheme.published_version.is_none(),
        can_manage: scheme.can_manage,
        categories: categories(&view.results, &names, t, total, s.precision),
        appeals,
        appealable: if view.run.kind == RunKind::Published { appealable } else { Vec::new() },
        verification: extra.verification,
        what_if_nodes: s
            .nodes
            .iter()
            .map(|n| NodeInput {
                code: n.code.clone(),
                name: n.name.clone(),
                value: kept(&n.code)
                    .unwrap_or_else(|| (if weights { n.weight } else { n.points }).map(dec).unwrap_or_default()),
            })
            .collect(),
        weights,
        bands: extra.bands.unwrap_or_else(|| {
            s.bands.iter().map(|b| format!("{} {}", b.name, dec(b.min))).collect::<Vec<_>>().join("\n")
        }),
        quotas: extra.quotas.unwrap_or_else(|| {
            s.quotas.iter().map(|q| format!("{} {}", q.grade, dec(q.share))).collect::<Vec<_>>().join("\n")
        }),
        error: extra.error,
        moves: extra.moves,
        p: ctx.with_nav("evaluations"),
    };
    (status, render(&page)).into_response()
}

pub async fn show_run(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    run_page(&state, &actor, ctx, id, Extra::default(), StatusCode::OK).await
}

/// Re-runs the frozen inputs and shows whether every number came out the same.
pub async fn verify(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn, Path(id): Path<i64>) -> Response {
    match runs::verify(&state.app, &actor, RunId(id)).await {
        Ok(check) => {
            let t = ctx.t;
            let (names, _) = names_of(&state, &actor, check.run.scheme_id, t).await;
            let differing =
                check.differing_units.iter().map(|u| names.get(u).cloned().unwrap_or_default()).collect::<Vec<_>>();
            let extra = Extra { verification: Some((check.identical, differing.join("、"))), ..Default::default() };
            run_page(&state, &actor, ctx, id, extra, StatusCode::OK).await
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

pub async fn publish(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match runs::publish(&state.app, &actor, RunId(id)).await {
        Ok(_) => Redirect::to(&format!("/evaluations/runs/{id}")).into_response(),
        Err(error) => error_page(ctx.t, &error),
    }
}

/// Lines of "name number" as JSON objects, or `None` if a line cannot be read.
fn pairs(text: &str, key: &str, value_key: &str) -> Option<Vec<serde_json::Value>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (name, value) = line.rsplit_once([' ', '\t', '\u{3000}'])?;
            let value = parse_decimal(value)?;
            Some(json!({key: name.trim(), value_key: value.to_string()}))
        })
        .collect()
}

/// Evaluates the run's frozen inputs under other points or weights, bands or quotas and shows
/// how ranks move; the run itself is untouched.
pub async fn what_if(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let value = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    if let Err(response) = check_csrf(&ctx, &value("csrf")) {
        return response;
    }
    let (weights, current) = match runs::results(&state.app, &actor, RunId(id)).await {
        Ok(view) => match evaluations::get(&state.app, &actor, view.run.scheme_id).await {
            Ok(scheme) => (
                scheme.scheme.scheme.aggregation == pacesetter_domain::evaluation::Aggregation::Weights,
                scheme.scheme.scheme,
            ),
            Err(error) => return error_page(ctx.t, &error),
        },
        Err(error) => return error_page(ctx.t, &error),
    };
    let nodes: Vec<(String, String)> =
        fields.iter().filter_map(|(n, v)| Some((n.strip_prefix("node_")?.to_owned(), v.trim().to_owned()))).collect();
    let mut changes = serde_json::Map::new();
    let mut bad = false;
    for (code, typed) in &nodes {
        let Some(node) = current.node(code) else { continue };
        let was = if weights { node.weight } else { node.points };
        match parse_decimal(typed) {
            Some(d) if Some(d) != was => {
                let key = if weights { "weight" } else { "points" };
                changes.insert(code.clone(), json!({key: d.to_string()}));
            }
            Some(_) => {}
            None => bad = true,
        }
    }
    let bands = pairs(&value("bands"), "name", "min");
    let quotas = pairs(&value("quotas"), "grade", "share");
    let extra = |error: String| Extra {
        error,
        nodes: nodes.clone(),
        bands: Some(value("bands")),
        quotas: Some(value("quotas")),
        ..Default::default()
    };
    let (Some(bands), Some(quotas), false) = (bands, quotas, bad) else {
        let message = ctx.t.error("line_unreadable");
        return run_page(&state, &actor, ctx, id, extra(message), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let body = json!({"nodes": changes, "bands": bands, "quotas": quotas});
    match runs::what_if(&state.app, &actor, RunId(id), &body).await {
        Ok(result) => {
            let t = ctx.t;
            let (names, _) = names_of(&state, &actor, result.run.scheme_id, t).await;
            let moves = result
                .moves
                .iter()
                .map(|m| MoveRow {
                    unit: names.get(&m.unit).cloned().unwrap_or_default(),
                    category: m.category.clone(),
                    rank_before: rank_text(m.rank_before, t),
                    rank: rank_text(m.rank, t),
                    grade_before: m.grade_before.clone(),
                    grade: m.grade.clone(),
                    final_before: fixed(m.final_before, current.precision),
                    final_score: fixed(m.final_score, current.precision),
                    moved: match (m.rank_before, m.rank) {
                        (Some(a), Some(b)) if b < a => "up",
                        (Some(a), Some(b)) if b > a => "down",
                        _ => "",
                    },
                })
                .collect();
            let extra = Extra { moves, ..extra(String::new()) };
            run_page(&state, &actor, ctx, id, extra, StatusCode::OK).await
        }
        Err(AppError::Unprocessable { code, details }) => {
            let node = details.get("node").and_then(|n| n.as_str()).filter(|n| *n != "scheme");
            let message = match node {
                Some(node) => ctx.t.f("evaluation.error_at_node", &[("node", &node), ("message", &ctx.t.error(code))]),
                None => ctx.t.error(code),
            };
            run_page(&state, &actor, ctx, id, extra(message), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

pub struct ExplainRow {
    pub code: String,
    pub name: String,
    pub max: String,
    pub self_answer: String,
    pub self_step: String,
    pub self_score: String,
    pub inspector_answer: String,
    pub inspector_step: String,
    pub inspector_score: String,
    pub evidence: Vec<(String, String)>,
    pub comments: String,
    pub computed: String,
    pub combined: String,
    pub flagged: bool,
}

pub struct ItemLine {
    pub kind_key: &'static str,
    pub text: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "evaluations/explain.html")]
struct ExplainPage {
    p: PageCtx,
    run_id: i64,
    scheme_name: String,
    unit: String,
    rows: Vec<ExplainRow>,
    items: Vec<ItemLine>,
    base: String,
    leaves_sum: String,
    weights: bool,
    bonus: String,
    bonus_cap: String,
    deductions: String,
    deduction_cap: String,
    raw: String,
    final_score: String,
    rounding_key: String,
    precision: u32,
    grade: String,
    rank: String,
    category: String,
    vetoed: bool,
    quota_moved: bool,
}

#[derive(Deserialize)]
pub struct ExplainQuery {
    unit_id: i64,
}

pub async fn explain(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<ExplainQuery>,
) -> Response {
    let result = async {
        let explanation = runs::explain(&state.app, &actor, RunId(id), UnitId(query.unit_id)).await?;
        let unit = pacesetter_app::units::get(&state.app, &actor, UnitId(query.unit_id)).await;
        let scheme = evaluations::get(&state.app, &actor, explanation.run.scheme_id).await?;
        Ok::<_, AppError>((explanation, unit, scheme))
    }
    .await;
    let (e, unit, scheme) = match result {
        Ok(found) => found,
        Err(error) => return error_page(ctx.t, &error),
    };
    let t = ctx.t;
    let weights = scheme.scheme.scheme.aggregation == pacesetter_domain::evaluation::Aggregation::Weights;
    let rows = e
        .leaves
        .iter()
        .map(|l| {
            let evidence = l
                .notes
                .self_evidence
                .iter()
                .chain(&l.notes.inspector_evidence)
                .enumerate()
                .map(|(i, id)| (format!("/api/v1/evidence/{id}/download"), t.n("evaluation.evidence_n", i + 1)))
                .collect();
            let comments = [&l.notes.self_comment, &l.notes.inspector_comment]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("；");
            ExplainRow {
                code: l.code.clone(),
                name: l.name.clone(),
                max: dec(l.result.max),
                self_answer: l.self_answer.as_ref().map(|a| answer_text(a, t)).unwrap_or_default(),
                self_step: l.result.self_score.as_ref().map(|s| s.step.clone()).unwrap_or_default(),
                self_score: l.result.self_score.as_ref().map(|s| dec(s.score)).unwrap_or_default(),
                inspector_answer: l.inspector_answer.as_ref().map(|a| answer_text(a, t)).unwrap_or_default(),
                inspector_step: l.result.inspector_score.as_ref().map(|s| s.step.clone()).unwrap_or_default(),
                inspector_score: l.result.inspector_score.as_ref().map(|s| dec(s.score)).unwrap_or_default(),
                evidence,
                comments,
                computed: l.notes.computed.clone().unwrap_or_default(),
                combined: dec(l.result.combined),
                flagged: l.result.flagged,
            }
        })
        .collect();
    let mut items = Vec::new();
    for b in &e.input.bonuses {
        items.push(ItemLine {
            kind_key: "evaluation.item.bonus",
            text: t.f("evaluation.bonus_text", &[("points", &dec(b.points)), ("cap", &dec(b.cap))]),
            source: b.source.clone(),
        });
    }
    for d in &e.input.deductions {
        items.push(ItemLine {
            kind_key: "evaluation.item.deduction",
            text: t.f("evaluation.deduction_text", &[("n", &d.count), ("per", &dec(d.per))]),
            source: d.source.clone(),
        });
    }
    for v in &e.input.vetoes {
        let text = match &v.effect {
            VetoEffect::Fail => t.t("evaluation.veto.fail").to_owned(),
            VetoEffect::CapGrade { grade } => t.f("evaluation.veto.cap_grade", &[("grade", grade)]),
            VetoEffect::ExcludeFromRanking => t.t("evaluation.veto.exclude").to_owned(),
        };
        items.push(ItemLine { kind_key: "evaluation.item.veto", text, source: v.source.clone() });
    }
    // Under points the base is the leaves' sum, shown term by term.
    let leaves_sum = e.leaves.iter().map(|l| dec(l.result.combined)).collect::<Vec<_>>().join(" + ");
    render(&ExplainPage {
        run_id: id,
        scheme_name: scheme.scheme.name.clone(),
        unit: unit.map(|u| unit_name(&u, t)).unwrap_or_default(),
        rows,
        items,
        base: dec(e.result.base),
        leaves_sum,
        weights,
        bonus: dec(e.result.bonus),
        bonus_cap: dec(e.bonus_cap),
        deductions: dec(e.result.deductions),
        deduction_cap: e.deduction_cap.map(dec).unwrap_or_default(),
        raw: dec(e.result.raw),
        final_score: fixed(e.result.final_score, e.precision),
        rounding_key: format!(
            "evaluation.rounding.{}",
            serde_json::to_value(e.rounding).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        ),
        precision: e.precision,
        grade: e.result.grade.clone(),
        rank: rank_text(e.result.rank, t),
        category: e.result.category.clone(),
        vetoed: e.result.vetoed,
        quota_moved: e.result.quota_moved,
        p: ctx.with_nav("evaluations"),
    })
}

#[derive(Deserialize)]
pub struct AppealForm {
    csrf: String,
    #[serde(default)]
    unit_id: i64,
    #[serde(default)]
    reason: String,
}

pub async fn file_appeal(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<AppealForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match appeals::file(&state.app, &actor, RunId(id), UnitId(form.unit_id), &form.reason).await {
        Ok(_) => Redirect::to(&format!("/evaluations/runs/{id}#appeals")).into_response(),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            let message = ctx.t.f("evaluation.appeal_error", &[("message", &ctx.t.error(code))]);
            run_page(
                &state,
                &actor,
                ctx,
                id,
                Extra { error: message, ..Default::default() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Conflict(code)) => {
            let message = ctx.t.error(code);
            run_page(&state, &actor, ctx, id, Extra { error: message, ..Default::default() }, StatusCode::CONFLICT)
                .await
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_appeal(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let decision = Decision::parse(&form.decision).unwrap_or(Decision::Dismissed);
    match appeals::decide(&state.app, &actor, AppealId(id), decision, Some(&form.note)).await {
        Ok((appeal, new_run)) => {
            let run = new_run.map(|r| r.id).unwrap_or(appeal.run_id);
            Redirect::to(&format!("/evaluations/runs/{run}#appeals")).into_response()
        }
        Err(error) => error_page(ctx.t, &error),
    }
}
