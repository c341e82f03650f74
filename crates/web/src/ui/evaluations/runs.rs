//! Runs: starting one, its results per category with a ranking chart, the what-if
//! comparison, publishing and the re-run check. Explanations and appeals have their own files.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{
    Actor, AppError, PageRequest,
    evaluations::{
        self,
        pages::{self, RunPage as RunView},
        runs,
    },
};
use pacesetter_domain::{
    UnitId,
    evaluation::{
        Scheme, UnitLine,
        records::{Appeal, RunId, RunKind, SchemeId},
    },
};
use pacesetter_export::charts;
use serde::Deserialize;
use serde_json::json;

use super::{dec, explain::Shown, parse_decimal, unit_name};
use crate::ui::named::Named;
use crate::ui::page::{NoFields, PageForm, PageQuery, PageResult};
use crate::{
    AppState,
    i18n::Tr,
    ui::context::{PageCtx, SignedIn, render, urlencode},
};

pub async fn create_run(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    _: PageForm<NoFields>,
) -> PageResult {
    let view = runs::run(&state.app, &actor, SchemeId(id)).await?;
    Ok(Redirect::to(&format!("/evaluations/runs/{}", view.run.id)).into_response())
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
    pub name: Named,
    pub value: String,
}

#[derive(Template)]
#[template(path = "evaluations/run.html")]
struct RunPage {
    p: PageCtx,
    run_id: i64,
    scheme_id: i64,
    scheme_name: Named,
    kind_key: String,
    version: String,
    published: bool,
    draft: bool,
    can_manage: bool,
    /// The page's lines, by category.
    categories: Vec<Category>,
    /// Every category the caller sees, for the filter, and the one shown ("" for all).
    category_names: Vec<String>,
    category: String,
    q: String,
    /// How many lines match the filter, across the pages.
    total: i64,
    page: i64,
    pages: i64,
    /// The filter's address up to `page=`.
    pager_link: String,
    appeals: Vec<AppealRow>,
    /// Units the caller may appeal for, listed when there are few enough.
    appealable: Vec<(i64, String)>,
    /// The caller may appeal for more units than the form lists: it takes a code or a name.
    appeal_by_code: bool,
    /// The appeal form as typed, when it comes back.
    appeal_unit_id: i64,
    appeal_unit_code: String,
    appeal_reason: String,
    /// The re-run check's outcome, when asked for.
    verification: Option<(bool, bool, String)>,
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
pub(super) fn fixed(value: rust_decimal::Decimal, precision: u32) -> String {
    format!("{:.*}", precision as usize, value)
}

pub(super) fn rank_text(rank: Option<u32>, t: Tr) -> String {
    rank.map(|r| r.to_string()).unwrap_or_else(|| t.t("evaluation.not_ranked").to_owned())
}

/// Results grouped by category, each with a horizontal bar chart of final scores.
fn categories(results: &[UnitLine], name: &impl Fn(&i64) -> String, t: Tr, total: f64, shown: Shown) -> Vec<Category> {
    let precision = shown.precision;
    let mut out: Vec<Category> = Vec::new();
    for r in results {
        let row = ResultRow {
            unit_id: r.unit,
            unit: name(&r.unit),
            rank: rank_text(r.rank, t),
            final_score: fixed(r.final_score, precision),
            grade: r.grade.clone(),
            // The parts with the scheme's decimals, rounded its way, as the final score is.
            base: shown.of(r.base),
            bonus: shown.of(r.bonus),
            deductions: shown.of(r.deductions),
            vetoed: r.vetoed,
            quota_moved: r.quota_moved,
            flags: r.flagged.len(),
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

/// Lines a run's page shows at a time.
const LINES_PER_PAGE: i64 = 50;

/// Which lines a run's page shows: one category's or all, whose unit's name or code holds `q`,
/// a page at a time.
#[derive(Deserialize, Default)]
pub struct ResultsFilter {
    category: Option<String>,
    q: Option<String>,
    page: Option<i64>,
}

impl ResultsFilter {
    fn query(&self) -> runs::ResultsQuery {
        runs::ResultsQuery {
            category: self.category.clone().filter(|c| !c.is_empty()),
            search: self.q.clone(),
            page: PageRequest::new(self.page, Some(LINES_PER_PAGE)),
        }
    }

    /// The page's address up to `page=`, keeping the filter.
    fn link(&self, run: i64) -> String {
        format!(
            "/evaluations/runs/{run}?category={}&q={}&",
            urlencode(self.category.as_deref().unwrap_or("")),
            urlencode(self.q.as_deref().unwrap_or(""))
        )
    }
}

/// What a run page shows beyond the results.
#[derive(Default)]
pub(super) struct Extra {
    filter: ResultsFilter,
    /// The appeal form as typed: the unit chosen, the unit typed, the reason.
    appeal: (i64, String, String),
    verification: Option<runs::Verification>,
    error: String,
    moves: Vec<runs::Move>,
    nodes: Vec<(String, String)>,
    bands: Option<String>,
    quotas: Option<String>,
}

impl Extra {
    /// Only a message above the results.
    pub(super) fn error(message: String) -> Self {
        Self { error: message, ..Self::default() }
    }

    /// The appeal form comes back as it was typed.
    pub(super) fn with_appeal(self, unit_id: i64, unit_code: &str, reason: &str) -> Self {
        Self { appeal: (unit_id, unit_code.to_owned(), reason.to_owned()), ..self }
    }
}

pub(super) async fn run_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    extra: Extra,
    status: StatusCode,
) -> PageResult {
    let filter = &extra.filter;
    let mut named: Vec<UnitId> = extra.moves.iter().map(|m| UnitId(m.unit)).collect();
    if let Some(check) = &extra.verification {
        named.extend(check.differing_units.iter().map(|unit| UnitId(*unit)));
    }
    let RunView { results: view, scheme, units, answers_for, answers_for_total } =
        pages::run_page(&state.app, actor, RunId(id), &filter.query(), &named).await?;
    let t = ctx.t;
    let name = |unit: &i64| {
        units.get(unit).map(|u| unit_name(u, t)).unwrap_or_else(|| t.t("evaluation.unknown_unit").to_owned())
    };
    let s = &scheme.scheme.scheme;
    let total: f64 = (s.total_points + s.bonus_cap).to_string().parse().unwrap_or(100.0);
    let published = view.run.kind == RunKind::Published;
    let appealable = answers_for.iter().filter(|_| published).map(|unit| (unit.id.0, unit_name(unit, t)));
    let verification = extra.verification.map(|check| {
        let differing: Vec<String> = check.differing_units.iter().map(name).collect();
        (check.identical, check.inputs_intact, differing.join("、"))
    });
    let lines = &view.results;
    let page = RunPage {
        run_id: id,
        scheme_id: view.run.scheme_id.0,
        scheme_name: Named::of(&view.scheme_name, view.scheme_name_bo.as_deref(), ctx.t.locale),
        kind_key: format!("evaluation.run_kind.{}", view.run.kind.as_str()),
        version: view.run.version.map(|v| t.n("evaluation.version_n", v)).unwrap_or_default(),
        published,
        draft: view.run.kind == RunKind::Draft && scheme.published_version.is_none(),
        can_manage: scheme.can_manage,
        categories: categories(&lines.items, &name, t, total, Shown { rounding: s.rounding, precision: s.precision }),
        category_names: view.categories.iter().map(|c| c.category.clone()).collect(),
        category: filter.category.clone().unwrap_or_default(),
        q: filter.q.clone().unwrap_or_default(),
        total: lines.total,
        page: lines.page,
        pages: lines.pages(),
        pager_link: filter.link(id),
        appeals: view.appeals.iter().map(|a| appeal_row(a, name(&a.unit_id.0))).collect(),
        appealable: appealable.collect(),
        appeal_by_code: published && answers_for.is_empty() && answers_for_total > 0,
        appeal_unit_id: extra.appeal.0,
        appeal_unit_code: extra.appeal.1,
        appeal_reason: extra.appeal.2,
        verification,
        what_if_nodes: what_if_nodes(s, &extra.nodes, t.locale),
        weights: s.aggregation == pacesetter_domain::evaluation::Aggregation::Weights,
        bands: extra.bands.unwrap_or_else(|| {
            s.bands.iter().map(|b| format!("{} {}", b.name, dec(b.min))).collect::<Vec<_>>().join("\n")
        }),
        quotas: extra.quotas.unwrap_or_else(|| {
            s.quotas.iter().map(|q| format!("{} {}", q.grade, dec(q.share))).collect::<Vec<_>>().join("\n")
        }),
        error: extra.error,
        moves: extra.moves.iter().map(|m| move_row(m, name(&m.unit), t, s.precision)).collect(),
        p: ctx.with_nav("evaluations"),
    };
    Ok((status, render(&page)).into_response())
}

fn appeal_row(appeal: &Appeal, unit: String) -> AppealRow {
    AppealRow {
        id: appeal.id.0,
        unit,
        reason: appeal.reason.clone(),
        at: appeal.created_at.display_cst(),
        decision_key: appeal.decision.map(|d| format!("evaluation.decision.{}", d.as_str())).unwrap_or_default(),
        note: appeal.note.clone().unwrap_or_default(),
        open: appeal.decision.is_none(),
    }
}

/// The what-if form's rows: each node's points or weight, as typed when the form comes back.
fn what_if_nodes(scheme: &Scheme, typed: &[(String, String)], locale: pacesetter_domain::Locale) -> Vec<NodeInput> {
    let weights = scheme.aggregation == pacesetter_domain::evaluation::Aggregation::Weights;
    let kept = |code: &str| typed.iter().find(|(c, _)| c == code).map(|(_, v)| v.clone());
    scheme
        .nodes
        .iter()
        .map(|n| NodeInput {
            code: n.code.clone(),
            name: Named::of(&n.name, n.name_bo.as_deref(), locale),
            value: kept(&n.code)
                .unwrap_or_else(|| (if weights { n.weight } else { n.points }).map(dec).unwrap_or_default()),
        })
        .collect()
}

fn move_row(m: &runs::Move, unit: String, t: Tr, precision: u32) -> MoveRow {
    MoveRow {
        unit,
        category: m.category.clone(),
        rank_before: rank_text(m.rank_before, t),
        rank: rank_text(m.rank, t),
        grade_before: m.grade_before.clone(),
        grade: m.grade.clone(),
        final_before: fixed(m.final_before, precision),
        final_score: fixed(m.final_score, precision),
        moved: match (m.rank_before, m.rank) {
            (Some(a), Some(b)) if b < a => "up",
            (Some(a), Some(b)) if b > a => "down",
            _ => "",
        },
    }
}

pub async fn show_run(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(filter): PageQuery<ResultsFilter>,
) -> PageResult {
    run_page(&state, &actor, ctx, id, Extra { filter, ..Extra::default() }, StatusCode::OK).await
}

/// Re-runs the frozen inputs and shows whether every number came out the same.
pub async fn verify_run(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let check = runs::verify(&state.app, &actor, RunId(id)).await?;
    let extra = Extra { verification: Some(check), ..Default::default() };
    run_page(&state, &actor, ctx, id, extra, StatusCode::OK).await
}

pub async fn publish_run(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    _: PageForm<NoFields>,
) -> PageResult {
    runs::publish(&state.app, &actor, RunId(id)).await?;
    Ok(Redirect::to(&format!("/evaluations/runs/{id}")).into_response())
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
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let value = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let run = runs::get(&state.app, &actor, RunId(id)).await?;
    // The office's alone; nobody else learns how their input would be judged.
    let current = evaluations::managed(&state.app, &actor, run.scheme_id).await?.scheme.scheme;
    let weights = current.aggregation == pacesetter_domain::evaluation::Aggregation::Weights;
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
            let extra = Extra { moves: result.moves, ..extra(String::new()) };
            run_page(&state, &actor, ctx, id, extra, StatusCode::OK).await
        }
        Err(AppError::Unprocessable { code, details }) => {
            let node = details.get("node").and_then(|n| n.as_str()).filter(|n| *n != "scheme");
            let message = match node {
                Some(node) => ctx.t.f("evaluation.error_at_node", &[("node", &node), ("message", &ctx.t.error(code))]),
                None => ctx.t.error(code),
            };
            return run_page(&state, &actor, ctx, id, extra(message), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(error) => Err(error.into()),
    }
}
