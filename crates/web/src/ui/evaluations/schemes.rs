//! The list of schemes and a scheme's page: its tree, its units, its runs, and what the
//! caller may do there. The editor is in `editor`.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{
    Actor, AppError, PageRequest,
    evaluations::{self, entries::MemberLine, pages::SchemePage},
    plans,
};
use pacesetter_domain::{
    evaluation::records::{Run, SchemeId, SchemeStatus},
    ids::CampaignId,
};
use serde::Deserialize;

use super::{dec, form::assessable_leaves, unit_name};
use crate::ui::named::Named;
use crate::ui::page::{PageQuery, saved};
use crate::ui::{multipart::MultipartForm, page::PageResult};
use crate::{
    AppState,
    i18n::Tr,
    ui::context::{PageCtx, SignedIn, render},
};

pub struct SchemeRow {
    pub id: i64,
    pub name: Named,
    pub campaign: Named,
    pub status_key: String,
}

#[derive(Template)]
#[template(path = "evaluations/index.html")]
struct IndexPage {
    p: PageCtx,
    schemes: Vec<SchemeRow>,
    campaign: Option<i64>,
    can_create: bool,
    /// The import form's name, kept when the import is refused, and what was wrong.
    import_name: String,
    import_errors: Vec<String>,
}

#[derive(Deserialize)]
pub struct CampaignQuery {
    campaign: Option<i64>,
}

/// Every scheme, or one campaign's; everyone signed in reads them, like plans.
pub async fn list_evaluations(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<CampaignQuery>,
) -> PageResult {
    index_page(&state, &actor, ctx, query, (String::new(), Vec::new()), StatusCode::OK).await
}

/// The list, with the import form as it was sent and what was wrong with it.
async fn index_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    query: CampaignQuery,
    (import_name, import_errors): (String, Vec<String>),
    status: StatusCode,
) -> PageResult {
    let locale = ctx.t.locale;
    let result = async {
        let campaigns = plans::list_campaigns(&state.app, actor).await?;
        let list = evaluations::list(&state.app, actor, query.campaign.map(CampaignId)).await?;
        let can_create = match query.campaign {
            Some(id) => plans::campaign(&state.app, actor, CampaignId(id)).await?.can_manage,
            None => false,
        };
        let schemes = list
            .into_iter()
            .map(|s| SchemeRow {
                id: s.id.0,
                campaign: campaigns
                    .iter()
                    .find(|c| c.id == s.campaign_id)
                    .map(|c| Named::of(&c.name, c.name_bo.as_deref(), locale))
                    .unwrap_or_default(),
                name: Named::of(&s.name, s.name_bo.as_deref(), locale),
                status_key: format!("evaluation.status.{}", s.status.as_str()),
            })
            .collect();
        Ok::<_, AppError>((schemes, can_create))
    }
    .await;
    Ok(match result {
        Ok((schemes, can_create)) => {
            let page = IndexPage {
                p: ctx.with_nav("evaluations"),
                schemes,
                campaign: query.campaign,
                can_create,
                import_name,
                import_errors,
            };
            (status, render(&page)).into_response()
        }
        Err(error) => return Err(error.into()),
    })
}

/// Imports a scheme from the office's indicator table (XLSX or CSV, one row per indicator)
/// and opens it; a refused table comes back with every wrong cell named and the name kept.
pub async fn import_evaluation(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(campaign): Path<i64>,
    form: MultipartForm,
) -> PageResult {
    let name = form.value("name");
    let bytes = form.files("file").next().map(|f| f.bytes.as_slice()).unwrap_or_default();
    let t = ctx.t;
    let query = || CampaignQuery { campaign: Some(campaign) };
    if bytes.is_empty() {
        let refused = (name, vec![t.error("file_empty")]);
        return index_page(&state, &actor, ctx, query(), refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    Ok(match evaluations::import::import(&state.app, &actor, CampaignId(campaign), name.trim(), bytes).await {
        Ok(scheme) => saved(&format!("/evaluations/{}", scheme.id.0)),
        Err(AppError::Invalid(errors)) => {
            let messages = errors.fields.iter().map(|f| t.error(f.code)).collect();
            return index_page(&state, &actor, ctx, query(), (name, messages), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(AppError::Unprocessable { code, details }) => {
            let messages = import_messages(t, code, &details);
            return index_page(&state, &actor, ctx, query(), (name, messages), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(error) => return Err(error.into()),
    })
}

/// What was wrong with an indicator table, a line per cell, unit or node.
fn import_messages(t: Tr, code: &str, details: &serde_json::Value) -> Vec<String> {
    let text = |value: &serde_json::Value| value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
    let mut messages = vec![t.error(code)];
    if let Some(cells) = details.get("errors").and_then(|e| e.as_array()) {
        messages.extend(cells.iter().map(|cell| {
            t.f(
                "evaluation.import_cell",
                &[
                    ("row", &text(&cell["row"])),
                    ("column", &text(&cell["column"])),
                    ("header", &text(&cell["header"])),
                    ("message", &t.error(cell["code"].as_str().unwrap_or("invalid_input"))),
                ],
            )
        }));
    }
    if let Some(units) = details.get("units").and_then(|u| u.as_array()) {
        messages.extend(units.iter().map(|unit| t.f("evaluation.import_unknown_unit", &[("name", &text(unit))])));
    }
    if let Some(node) = details.get("node").and_then(|n| n.as_str()) {
        messages.push(t.f("evaluation.import_node", &[("node", &node)]));
    }
    messages
}

pub struct NodeLine {
    pub code: String,
    pub name: Named,
    pub depth: usize,
    pub amount: String,
    pub rubric_key: String,
    pub params: String,
}

pub struct MemberLineRow {
    pub unit_id: i64,
    pub name: String,
    pub category: String,
    pub leaves: String,
    pub submitted: bool,
    pub can_self: bool,
    pub can_inspect: bool,
}

pub struct RunRow {
    pub id: i64,
    pub kind_key: String,
    pub version: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "evaluations/show.html")]
struct ShowPage {
    p: PageCtx,
    id: i64,
    name: Named,
    campaign_id: i64,
    campaign: String,
    status_key: String,
    active: bool,
    can_manage: bool,
    published: Option<i64>,
    total: String,
    weights: bool,
    nodes: Vec<NodeLine>,
    members: Vec<MemberLineRow>,
    /// How many units match the search (all of them without one).
    units_total: i64,
    q: String,
    page: usize,
    pages: usize,
    runs: Vec<RunRow>,
    bands: String,
}

/// The scheme's tree, one line per node, with each rubric in words.
fn node_lines(
    scheme: &pacesetter_domain::evaluation::Scheme,
    item_codes: &[(i64, String)],
    locale: pacesetter_domain::Locale,
) -> Vec<NodeLine> {
    let weights = scheme.aggregation == pacesetter_domain::evaluation::Aggregation::Weights;
    let item_code = |id: i64| item_codes.iter().find(|(i, _)| *i == id).map(|(_, c)| c.clone()).unwrap_or_default();
    scheme
        .nodes
        .iter()
        .map(|n| NodeLine {
            code: n.code.clone(),
            name: Named::of(&n.name, n.name_bo.as_deref(), locale),
            depth: depth_of(scheme, &n.code),
            amount: (if weights { n.weight } else { n.points }).map(dec).unwrap_or_default(),
            rubric_key: n
                .rubric
                .as_ref()
                .map(|r| format!("evaluation.rubric.{}", super::form::rubric_kind(r)))
                .unwrap_or_default(),
            params: n.rubric.as_ref().map(|r| super::form::params_of(r, &item_code)).unwrap_or_default(),
        })
        .collect()
}

fn member_row(line: MemberLine, all_leaves: &[String], t: Tr) -> MemberLineRow {
    MemberLineRow {
        unit_id: line.unit.id.0,
        name: unit_name(&line.unit, t),
        category: line.member.category.clone(),
        leaves: if line.member.self_leaves == all_leaves {
            t.t("evaluation.all_leaves").to_owned()
        } else {
            line.member.self_leaves.join("、")
        },
        submitted: line.member.submitted_at.is_some(),
        can_self: line.can_self_assess,
        can_inspect: line.can_inspect,
    }
}

fn run_row(run: &Run, t: Tr) -> RunRow {
    RunRow {
        id: run.id.0,
        kind_key: format!("evaluation.run_kind.{}", run.kind.as_str()),
        version: run.version.map(|v| t.n("evaluation.version_n", v)).unwrap_or_default(),
        at: run.created_at.display_cst(),
    }
}

fn depth_of(scheme: &pacesetter_domain::evaluation::Scheme, code: &str) -> usize {
    let mut depth = 1;
    let mut parent = scheme.node(code).and_then(|n| n.parent.clone());
    while let Some(p) = parent {
        depth += 1;
        if depth > 4 {
            break;
        }
        parent = scheme.node(&p).and_then(|n| n.parent.clone());
    }
    depth
}

#[derive(Deserialize)]
pub struct MembersQuery {
    page: Option<usize>,
    /// Only the units whose name or code holds this.
    q: Option<String>,
}

/// Units a scheme's page lists at a time.
const UNITS_PER_PAGE: i64 = 50;

pub async fn show_evaluation(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<MembersQuery>,
) -> PageResult {
    let wanted = PageRequest::new(query.page.map(|p| p as i64), Some(UNITS_PER_PAGE));
    let q = query.q.unwrap_or_default();
    let SchemePage { view, campaign, members: lines, runs: run_list, item_codes } =
        evaluations::pages::scheme_page(&state.app, &actor, SchemeId(id), Some(&q), wanted).await?;
    let t = ctx.t;
    let scheme = &view.scheme.scheme;
    let weights = scheme.aggregation == pacesetter_domain::evaluation::Aggregation::Weights;
    let nodes = node_lines(scheme, &item_codes, t.locale);
    let pages = (lines.total.max(1) + UNITS_PER_PAGE - 1) / UNITS_PER_PAGE;
    let page = lines.page as usize;
    let all_leaves = assessable_leaves(scheme);
    let members = lines.items.into_iter().map(|line| member_row(line, &all_leaves, t)).collect();
    let runs = run_list.into_iter().rev().map(|run| run_row(&run, t)).collect();
    Ok(render(&ShowPage {
        id,
        name: Named::of(&view.scheme.name, view.scheme.name_bo.as_deref(), ctx.t.locale),
        campaign_id: campaign.campaign.id.0,
        campaign: campaign.campaign.name.clone(),
        status_key: format!("evaluation.status.{}", view.scheme.status.as_str()),
        active: view.scheme.status == SchemeStatus::Active,
        can_manage: view.can_manage,
        published: view.published_version,
        total: dec(scheme.total_points),
        weights,
        bands: scheme.bands.iter().map(|b| format!("{} ≥ {}", b.name, dec(b.min))).collect::<Vec<_>>().join("，"),
        nodes,
        members,
        units_total: lines.total,
        q,
        page,
        pages: pages as usize,
        runs,
        p: ctx.with_nav("evaluations"),
    }))
}
