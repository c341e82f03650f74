//! The list of schemes, a scheme's page (its tree, units, runs and what the caller may do),
//! and the scheme editor: a 422 names the offending node beside its row, input kept; a stale
//! version is a 409 with the input kept.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{
    Actor, AppError,
    evaluations::{self, MemberInput, SchemeInput, entries, runs},
    plans,
};
use pacesetter_domain::{
    UnitId,
    evaluation::records::{SchemeId, SchemeStatus},
    ids::CampaignId,
};
use serde::Deserialize;

use super::{
    dec,
    form::{MemberRow, Mistake, Place, RUBRICS, SchemeForm, assessable_leaves},
    split_list, unit_name,
};
use crate::{
    AppState,
    ui::{
        context::{PageCtx, SignedIn, check_csrf, error_page, render},
        plans::unit_by_code,
    },
};

pub struct SchemeRow {
    pub id: i64,
    pub name: String,
    pub campaign: String,
    pub status_key: String,
}

#[derive(Template)]
#[template(path = "evaluations/index.html")]
struct IndexPage {
    p: PageCtx,
    schemes: Vec<SchemeRow>,
    campaign: Option<i64>,
    can_create: bool,
}

#[derive(Deserialize)]
pub struct CampaignQuery {
    campaign: Option<i64>,
}

/// Every scheme, or one campaign's; everyone signed in reads them, like plans.
pub async fn index(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Query(query): Query<CampaignQuery>,
) -> Response {
    let result = async {
        let campaigns = plans::list_campaigns(&state.app, &actor).await?;
        let list = evaluations::list(&state.app, &actor, query.campaign.map(CampaignId)).await?;
        let can_create = match query.campaign {
            Some(id) => plans::campaign(&state.app, &actor, CampaignId(id)).await?.can_manage,
            None => false,
        };
        let schemes = list
            .into_iter()
            .map(|s| SchemeRow {
                id: s.id.0,
                campaign: campaigns.iter().find(|c| c.id == s.campaign_id).map(|c| c.name.clone()).unwrap_or_default(),
                name: s.name,
                status_key: format!("evaluation.status.{}", s.status.as_str()),
            })
            .collect();
        Ok::<_, AppError>((schemes, can_create))
    }
    .await;
    match result {
        Ok((schemes, can_create)) => {
            render(&IndexPage { p: ctx.with_nav("evaluations"), schemes, campaign: query.campaign, can_create })
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

pub struct NodeLine {
    pub code: String,
    pub name: String,
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
    name: String,
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
    runs: Vec<RunRow>,
    bands: String,
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

/// Plan items by code (or by number), both ways, for `task_completion` leaves.
async fn plan_codes(state: &AppState, actor: &Actor, campaign: CampaignId) -> Vec<(i64, String)> {
    fn walk(nodes: &[plans::PlanNode], out: &mut Vec<(i64, String)>) {
        for node in nodes {
            let code = node.item.code.clone().unwrap_or_else(|| format!("#{}", node.item.id.0));
            out.push((node.item.id.0, code));
            walk(&node.children, out);
        }
    }
    let mut out = Vec::new();
    if let Ok((_, tree)) = plans::plan(&state.app, actor, campaign).await {
        walk(&tree, &mut out);
    }
    out
}

pub async fn show(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn, Path(id): Path<i64>) -> Response {
    let result = async {
        let view = evaluations::get(&state.app, &actor, SchemeId(id)).await?;
        let campaign = plans::campaign(&state.app, &actor, view.scheme.campaign_id).await?;
        let lines = entries::member_lines(&state.app, &actor, SchemeId(id)).await?;
        let run_list = runs::list(&state.app, &actor, SchemeId(id)).await?;
        let codes = plan_codes(&state, &actor, view.scheme.campaign_id).await;
        Ok::<_, AppError>((view, campaign, lines, run_list, codes))
    }
    .await;
    let (view, campaign, lines, run_list, codes) = match result {
        Ok(found) => found,
        Err(error) => return error_page(ctx.t, &error),
    };
    let t = ctx.t;
    let scheme = &view.scheme.scheme;
    let weights = scheme.aggregation == pacesetter_domain::evaluation::Aggregation::Weights;
    let item_code = |id: i64| codes.iter().find(|(i, _)| *i == id).map(|(_, c)| c.clone()).unwrap_or_default();
    let nodes = scheme
        .nodes
        .iter()
        .map(|n| NodeLine {
            code: n.code.clone(),
            name: n.name.clone(),
            depth: depth_of(scheme, &n.code),
            amount: (if weights { n.weight } else { n.points }).map(dec).unwrap_or_default(),
            rubric_key: n
                .rubric
                .as_ref()
                .map(|r| format!("evaluation.rubric.{}", super::form::rubric_kind(r)))
                .unwrap_or_default(),
            params: n.rubric.as_ref().map(|r| super::form::params_of(r, &item_code)).unwrap_or_default(),
        })
        .collect();
    let all_leaves = assessable_leaves(scheme);
    let members = lines
        .into_iter()
        .map(|l| MemberLineRow {
            unit_id: l.unit.id.0,
            name: unit_name(&l.unit, t),
            category: l.member.category.clone(),
            leaves: if l.member.self_leaves == all_leaves {
                t.t("evaluation.all_leaves").to_owned()
            } else {
                l.member.self_leaves.join("、")
            },
            submitted: l.member.submitted_at.is_some(),
            can_self: l.can_self_assess,
            can_inspect: l.can_inspect,
        })
        .collect();
    let runs = run_list
        .into_iter()
        .rev()
        .map(|r| RunRow {
            id: r.id.0,
            kind_key: format!("evaluation.run_kind.{}", r.kind.as_str()),
            version: r.version.map(|v| t.n("evaluation.version_n", v)).unwrap_or_default(),
            at: r.created_at.display_cst(),
        })
        .collect();
    render(&ShowPage {
        id,
        name: view.scheme.name.clone(),
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
        runs,
        p: ctx.with_nav("evaluations"),
    })
}

#[derive(Template)]
#[template(path = "evaluations/form.html")]
struct FormPage {
    p: PageCtx,
    campaign_id: i64,
    campaign: String,
    /// `None` when creating.
    scheme_id: Option<i64>,
    form: SchemeForm,
    mistakes: Vec<Mistake>,
    /// The scheme's own complaint, translated, with the node it names.
    conflict: String,
    rubrics: [&'static str; 8],
}

impl FormPage {
    fn field_error(&self, field: &str) -> String {
        self.mistakes
            .iter()
            .filter(|m| m.place == Place::Field(field_static(field)))
            .map(|m| self.p.t.error(&m.code))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn node_error(&self, row: &usize) -> String {
        self.mistakes
            .iter()
            .filter(|m| m.place == Place::Node(*row))
            .map(|m| self.p.t.error(&m.code))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn member_error(&self, row: &usize) -> String {
        self.mistakes
            .iter()
            .filter(|m| m.place == Place::Member(*row))
            .map(|m| self.p.t.error(&m.code))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn general_errors(&self) -> Vec<String> {
        self.mistakes.iter().filter(|m| m.place == Place::Field("scheme")).map(|m| self.p.t.error(&m.code)).collect()
    }
}

/// The settings a mistake can sit beside.
fn field_static(field: &str) -> &'static str {
    const FIELDS: [&str; 11] = [
        "name",
        "total_points",
        "discrepancy_pct",
        "bonus_cap",
        "deduction_cap",
        "combine",
        "bands",
        "quotas",
        "tie_breakers",
        "precision",
        "scheme",
    ];
    FIELDS.iter().find(|f| **f == field).copied().unwrap_or("scheme")
}

#[derive(Deserialize)]
pub struct NewQuery {
    campaign: i64,
}

pub async fn new_scheme(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Query(query): Query<NewQuery>,
) -> Response {
    let campaign = match plans::campaign(&state.app, &actor, CampaignId(query.campaign)).await {
        Ok(view) if view.can_manage => view,
        Ok(_) => return error_page(ctx.t, &AppError::Forbidden),
        Err(error) => return error_page(ctx.t, &error),
    };
    render(&FormPage {
        p: ctx.with_nav("evaluations"),
        campaign_id: query.campaign,
        campaign: campaign.campaign.name,
        scheme_id: None,
        form: SchemeForm::default(),
        mistakes: Vec::new(),
        conflict: String::new(),
        rubrics: RUBRICS,
    })
}

pub async fn edit(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn, Path(id): Path<i64>) -> Response {
    let result = async {
        let view = evaluations::get(&state.app, &actor, SchemeId(id)).await?;
        if !view.can_manage {
            return Err(AppError::Forbidden);
        }
        let campaign = plans::campaign(&state.app, &actor, view.scheme.campaign_id).await?;
        let lines = entries::member_lines(&state.app, &actor, SchemeId(id)).await?;
        let codes = plan_codes(&state, &actor, view.scheme.campaign_id).await;
        Ok((view, campaign, lines, codes))
    }
    .await;
    let (view, campaign, lines, codes) = match result {
        Ok(found) => found,
        Err(error) => return error_page(ctx.t, &error),
    };
    let all_leaves = assessable_leaves(&view.scheme.scheme);
    let members = lines
        .iter()
        .map(|l| MemberRow {
            code: l.unit.code.clone().unwrap_or_default(),
            name: unit_name(&l.unit, ctx.t),
            category: l.member.category.clone(),
            leaves: if l.member.self_leaves == all_leaves { String::new() } else { l.member.self_leaves.join(", ") },
        })
        .collect();
    let item_code = |id: i64| codes.iter().find(|(i, _)| *i == id).map(|(_, c)| c.clone()).unwrap_or_default();
    let form = SchemeForm::of(&view.scheme, members, &item_code);
    let conflict = if view.published_version.is_some() { ctx.t.error("evaluation_published") } else { String::new() };
    render(&FormPage {
        p: ctx.with_nav("evaluations"),
        campaign_id: campaign.campaign.id.0,
        campaign: campaign.campaign.name,
        scheme_id: Some(id),
        form,
        mistakes: Vec::new(),
        conflict,
        rubrics: RUBRICS,
    })
}

/// Reads the member rows: unit codes to units, leaves to lists (blank: every leaf).
async fn member_inputs(
    state: &AppState,
    actor: &Actor,
    form: &mut SchemeForm,
) -> Result<Vec<MemberInput>, Vec<Mistake>> {
    let mut inputs = Vec::new();
    let mut mistakes = Vec::new();
    let rows: Vec<(usize, MemberRow)> = form.filled_members().map(|(i, m)| (i, m.clone())).collect();
    for (i, row) in rows {
        let unit = match unit_by_code(state, actor, &row.code).await {
            Some(id) if id.0 != 0 => id,
            _ => {
                mistakes.push(Mistake { place: Place::Member(i), code: "unit_not_found".into() });
                continue;
            }
        };
        if let Ok(found) = pacesetter_app::units::get(&state.app, actor, unit).await {
            form.members[i].name = found.display_name(pacesetter_domain::Locale::ZhHans).to_owned();
        }
        if row.category.is_empty() {
            mistakes.push(Mistake { place: Place::Member(i), code: "category_required".into() });
            continue;
        }
        let leaves: Vec<String> = split_list(&row.leaves).map(str::to_owned).collect();
        inputs.push(MemberInput {
            unit: UnitId(unit.0),
            category: row.category.clone(),
            self_assess: if leaves.is_empty() { None } else { Some(leaves) },
        });
    }
    if mistakes.is_empty() { Ok(inputs) } else { Err(mistakes) }
}

/// Where the app's complaint about a scheme belongs on the form.
fn place_error(form: &SchemeForm, error: AppError) -> Result<(Vec<Mistake>, StatusCode), AppError> {
    match error {
        AppError::Unprocessable { code, details } => {
            let node = details.get("node").and_then(|n| n.as_str()).unwrap_or("scheme");
            let place = match (form.node_row(node), code) {
                (Some(row), _) => Place::Node(row),
                (None, "bands_not_descending") => Place::Field("bands"),
                (None, "quota_invalid") => Place::Field("quotas"),
                (None, "combine_weights_not_one") => Place::Field("combine"),
                (None, "cap_negative") => Place::Field("bonus_cap"),
                (None, "total_points_not_positive" | "children_do_not_add_up") => Place::Field("total_points"),
                (None, "leaf_not_self_assessable") => {
                    let row = form.members.iter().position(|m| split_list(&m.leaves).any(|l| l == node));
                    row.map(Place::Member).unwrap_or(Place::Field("scheme"))
                }
                _ => Place::Field("scheme"),
            };
            Ok((vec![Mistake { place, code: code.to_owned() }], StatusCode::UNPROCESSABLE_ENTITY))
        }
        AppError::Invalid(errors) => {
            let mistakes = errors
                .fields
                .iter()
                .map(|f| {
                    let place = if f.field == "name" { Place::Field("name") } else { Place::Field("scheme") };
                    Mistake { place, code: f.code.to_owned() }
                })
                .collect();
            Ok((mistakes, StatusCode::UNPROCESSABLE_ENTITY))
        }
        AppError::Stale { .. } => {
            Ok((vec![Mistake { place: Place::Field("scheme"), code: "stale_version".into() }], StatusCode::CONFLICT))
        }
        AppError::Conflict(code) => {
            Ok((vec![Mistake { place: Place::Field("scheme"), code: code.to_owned() }], StatusCode::CONFLICT))
        }
        other => Err(other),
    }
}

/// Saves the editor's form, creating (`scheme == None`) or updating; "more rows" only adds
/// blank rows.
async fn save(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    campaign_id: i64,
    scheme: Option<i64>,
    fields: Vec<(String, String)>,
) -> Response {
    let value = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    if let Err(response) = check_csrf(&ctx, &value("csrf")) {
        return response;
    }
    let campaign = match plans::campaign(&state.app, actor, CampaignId(campaign_id)).await {
        Ok(view) if view.can_manage => view,
        Ok(_) => return error_page(ctx.t, &AppError::Forbidden),
        Err(error) => return error_page(ctx.t, &error),
    };
    let mut form = SchemeForm::from_fields(&fields);
    let page = |form: SchemeForm, mistakes: Vec<Mistake>, status: StatusCode, ctx: PageCtx| {
        let mut form = form;
        form.pad(0);
        let conflict = String::new();
        let page = FormPage {
            p: ctx.with_nav("evaluations"),
            campaign_id,
            campaign: campaign.campaign.name.clone(),
            scheme_id: scheme,
            form,
            mistakes,
            conflict,
            rubrics: RUBRICS,
        };
        (status, render(&page)).into_response()
    };
    if !value("more").is_empty() {
        form.pad(super::form::BLANK_ROWS);
        return page(form, Vec::new(), StatusCode::OK, ctx);
    }
    let codes = plan_codes(state, actor, CampaignId(campaign_id)).await;
    let plan_item = |text: &str| {
        codes.iter().find(|(_, c)| c == text).map(|(i, _)| *i).or_else(|| text.trim_start_matches('#').parse().ok())
    };
    let json = form.scheme_json(&plan_item);
    let members = member_inputs(state, actor, &mut form).await;
    let (json, members) = match (json, members) {
        (Ok(json), Ok(members)) => (json, members),
        (json, members) => {
            let mistakes = json.err().into_iter().flatten().chain(members.err().into_iter().flatten()).collect();
            return page(form, mistakes, StatusCode::UNPROCESSABLE_ENTITY, ctx);
        }
    };
    let input = SchemeInput { name: form.name.clone(), scheme: json, units: members };
    let saved = match scheme {
        None => evaluations::create(&state.app, actor, CampaignId(campaign_id), &input).await,
        Some(id) => {
            let status = SchemeStatus::parse(&form.status);
            evaluations::update(&state.app, actor, SchemeId(id), form.version, status, &input).await
        }
    };
    match saved {
        Ok(stored) => Redirect::to(&format!("/evaluations/{}", stored.id)).into_response(),
        Err(error) => match place_error(&form, error) {
            Ok((mistakes, status)) => page(form, mistakes, status, ctx),
            Err(error) => error_page(ctx.t, &error),
        },
    }
}

pub async fn create(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let campaign = fields.iter().find(|(n, _)| n == "campaign_id").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    save(&state, &actor, ctx, campaign, None, fields).await
}

pub async fn update(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let campaign = match evaluations::get(&state.app, &actor, SchemeId(id)).await {
        Ok(view) if view.can_manage => view.scheme.campaign_id.0,
        Ok(_) => return error_page(ctx.t, &AppError::Forbidden),
        Err(error) => return error_page(ctx.t, &error),
    };
    save(&state, &actor, ctx, campaign, Some(id), fields).await
}
