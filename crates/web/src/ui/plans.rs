//! The plan pages: campaigns, a campaign's plan rolled up level by level, plan items and key
//! tasks with their assignments, and the forms to create and edit them.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{Actor, AppError, PageRequest, assignments, plans};
use pacesetter_domain::{
    Permission, UnitId, UnitKind, ValidationError,
    ids::{CampaignId, PlanItemId},
    plan::{CampaignInput, ItemInput, PlanLevel},
    rollup::RollupRule,
    timestamp::format_date,
};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, check_csrf, error_page, render};
use crate::AppState;

/// A unit typed by its code or exact name, among those the actor can see.
pub(crate) async fn unit_by_code(state: &AppState, actor: &Actor, text: &str) -> Option<UnitId> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let query = pacesetter_app::units::UnitQuery { q: Some(text.to_owned()), ..Default::default() };
    let found =
        pacesetter_app::units::list(&state.app, actor, &query, PageRequest::new(Some(1), Some(50))).await.ok()?;
    found.items.iter().find(|u| u.code.as_deref() == Some(text) || u.name == text).map(|u| u.id).or(Some(UnitId(0)))
}

pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub year: i32,
    pub period: String,
    pub as_of: String,
}

#[derive(Template)]
#[template(path = "plans/campaigns.html")]
struct CampaignsPage {
    p: PageCtx,
    rows: Vec<CampaignRow>,
    can_create: bool,
}

pub async fn campaigns(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn) -> Response {
    let list = match plans::list_campaigns(&state.app, &actor).await {
        Ok(list) => list,
        Err(error) => return error_page(ctx.t, &error),
    };
    let rows = list
        .into_iter()
        .map(|c| CampaignRow {
            id: c.id.0,
            period: format!("{} – {}", format_date(c.starts_on), format_date(c.ends_on)),
            as_of: c.as_of.map(format_date).unwrap_or_default(),
            name: c.name,
            year: c.year,
        })
        .collect();
    render(&CampaignsPage { rows, can_create: actor.can_anywhere(Permission::ManagePlans), p: ctx.with_nav("plans") })
}

#[derive(Template)]
#[template(path = "plans/campaign_form.html")]
struct CampaignFormPage {
    p: PageCtx,
    form: CampaignForm,
    errors: ValidationError,
    rules: Vec<String>,
}

impl CampaignFormPage {
    /// The four level rows of the form: number, name, roll-up rule.
    fn level_rows(&self) -> Vec<(u8, String, String)> {
        let f = &self.form;
        vec![
            (1, f.level1.clone(), f.rule1.clone()),
            (2, f.level2.clone(), f.rule2.clone()),
            (3, f.level3.clone(), f.rule3.clone()),
            (4, f.level4.clone(), f.rule4.clone()),
        ]
    }

    fn error(&self, field: &str) -> String {
        self.errors.code_for(field).map(|code| self.p.t.error(code)).unwrap_or_default()
    }
}

#[derive(Deserialize, Clone)]
pub struct CampaignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_bo: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    yellow_at: String,
    #[serde(default)]
    red_at: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    office_code: String,
    #[serde(default)]
    approval_required: Option<String>,
    #[serde(default)]
    public_page: Option<String>,
    #[serde(default)]
    level1: String,
    #[serde(default)]
    rule1: String,
    #[serde(default)]
    level2: String,
    #[serde(default)]
    rule2: String,
    #[serde(default)]
    level3: String,
    #[serde(default)]
    rule3: String,
    #[serde(default)]
    level4: String,
    #[serde(default)]
    rule4: String,
}

impl Default for CampaignForm {
    fn default() -> Self {
        Self {
            csrf: String::new(),
            name: String::new(),
            name_bo: String::new(),
            year: String::new(),
            starts_on: String::new(),
            ends_on: String::new(),
            yellow_at: "10".into(),
            red_at: "30".into(),
            as_of: String::new(),
            office_code: "ZXB".into(),
            approval_required: None,
            public_page: None,
            level1: "工程/行动".into(),
            rule1: "weighted_mean".into(),
            level2: "重点任务".into(),
            rule2: "worst_light".into(),
            level3: String::new(),
            rule3: "weighted_mean".into(),
            level4: String::new(),
            rule4: "weighted_mean".into(),
        }
    }
}

impl CampaignForm {
    /// The named levels, top first; the deepest named level holds the key tasks.
    fn levels(&self) -> Vec<PlanLevel> {
        let named: Vec<(&str, &str)> = [
            (&self.level1, &self.rule1),
            (&self.level2, &self.rule2),
            (&self.level3, &self.rule3),
            (&self.level4, &self.rule4),
        ]
        .into_iter()
        .filter(|(name, _)| !name.trim().is_empty())
        .map(|(name, rule)| (name.as_str(), rule.as_str()))
        .collect();
        let count = named.len();
        named
            .into_iter()
            .enumerate()
            .map(|(i, (name, rule))| PlanLevel {
                depth: (i + 1) as u8,
                name: name.trim().to_owned(),
                name_bo: None,
                rollup: RollupRule::parse(rule).unwrap_or(RollupRule::WeightedMean),
                is_task: i + 1 == count,
            })
            .collect()
    }
}

fn rules() -> Vec<String> {
    [RollupRule::WeightedMean, RollupRule::Minimum, RollupRule::WorstLight]
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect()
}

pub async fn new_campaign(SignedIn { ctx, .. }: SignedIn) -> Response {
    render(&CampaignFormPage {
        p: ctx.with_nav("plans"),
        form: CampaignForm::default(),
        errors: ValidationError::new(),
        rules: rules(),
    })
}

pub async fn create_campaign(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Form(form): Form<CampaignForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let input = CampaignInput {
        name: &form.name,
        name_bo: &form.name_bo,
        year: &form.year,
        starts_on: &form.starts_on,
        ends_on: &form.ends_on,
        yellow_at: &form.yellow_at,
        red_at: &form.red_at,
        approval_required: form.approval_required.is_some(),
        public_page: form.public_page.is_some(),
        as_of: &form.as_of,
    };
    let office = unit_by_code(&state, &actor, &form.office_code).await.unwrap_or(UnitId(0));
    match plans::create_campaign(&state.app, &actor, office, &input, &form.levels()).await {
        Ok(campaign) => Redirect::to(&format!("/campaigns/{}", campaign.id)).into_response(),
        Err(AppError::Invalid(errors)) => {
            let page = CampaignFormPage { p: ctx.with_nav("plans"), form, errors, rules: rules() };
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

/// One row of the plan table.
pub struct PlanRow {
    pub id: i64,
    pub depth: u8,
    pub code: String,
    pub title: String,
    pub level: String,
    pub weight: u32,
    pub due_on: String,
    /// Rolled-up progress as "45.5", empty when nothing reports yet.
    pub percent: String,
    pub bar: u32,
    pub light: String,
    pub counts: plans::LightCounts,
}

fn flatten(nodes: &[plans::PlanNode], out: &mut Vec<PlanRow>) {
    for node in nodes {
        out.push(PlanRow {
            id: node.item.id.0,
            depth: node.item.depth,
            code: node.item.code.clone().unwrap_or_default(),
            title: node.item.title.clone(),
            level: node.level.name.clone(),
            weight: node.item.weight,
            due_on: node.item.due_on.map(format_date).unwrap_or_default(),
            percent: node.rolled.map(|r| format!("{:.1}", f64::from(r.permille) / 10.0)).unwrap_or_default(),
            bar: node.rolled.map(|r| r.permille / 10).unwrap_or(0),
            light: node.rolled.map(|r| r.light.as_str().to_owned()).unwrap_or_default(),
            counts: node.lights,
        });
        flatten(&node.children, out);
    }
}

#[derive(Template)]
#[template(path = "plans/campaign.html")]
struct CampaignPage {
    p: PageCtx,
    view: plans::CampaignView,
    rows: Vec<PlanRow>,
    totals: plans::LightCounts,
    as_of: String,
}

pub async fn campaign(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let (view, tree) = match plans::plan(&state.app, &actor, CampaignId(id)).await {
        Ok(plan) => plan,
        Err(error) => return error_page(ctx.t, &error),
    };
    let mut rows = Vec::new();
    flatten(&tree, &mut rows);
    let mut totals = plans::LightCounts::default();
    for node in &tree {
        totals.done += node.lights.done;
        totals.green += node.lights.green;
        totals.yellow += node.lights.yellow;
        totals.red += node.lights.red;
    }
    let as_of = format_date(view.campaign.today(pacesetter_domain::Timestamp::now()));
    render(&CampaignPage { p: ctx.with_nav("plans"), view, rows, totals, as_of })
}

#[derive(Template)]
#[template(path = "plans/item_form.html")]
struct ItemFormPage {
    p: PageCtx,
    campaign_id: i64,
    campaign_name: String,
    parent_id: Option<i64>,
    parent_title: String,
    /// `None` when creating.
    item_id: Option<i64>,
    level_name: String,
    is_task: bool,
    form: ItemForm,
    errors: ValidationError,
    conflict: bool,
}

impl ItemFormPage {
    fn error(&self, field: &str) -> String {
        self.errors.code_for(field).map(|code| self.p.t.error(code)).unwrap_or_default()
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    campaign_id: Option<i64>,
    #[serde(default)]
    parent_id: Option<i64>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_bo: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    weight: String,
    #[serde(default)]
    lead_code: String,
    #[serde(default)]
    co_codes: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    due_on: String,
    /// `lead`, `prefectures` or `list`.
    #[serde(default)]
    assign: String,
    #[serde(default)]
    assign_codes: String,
}

impl ItemForm {
    fn input(&self) -> ItemInput<'_> {
        ItemInput {
            code: &self.code,
            title: &self.title,
            title_bo: &self.title_bo,
            description: &self.description,
            weight: &self.weight,
            starts_on: &self.starts_on,
            due_on: &self.due_on,
        }
    }
}

#[derive(Deserialize)]
pub struct NewItemQuery {
    campaign: Option<i64>,
    parent: Option<i64>,
}

/// The level a new item would sit at, and the names shown on its form.
async fn new_item_context(
    state: &AppState,
    actor: &Actor,
    campaign: Option<i64>,
    parent: Option<i64>,
) -> Result<(i64, String, String, PlanLevel), AppError> {
    let (campaign_id, parent_title, depth) = match parent {
        Some(parent) => {
            let view = plans::item(&state.app, actor, PlanItemId(parent)).await?;
            (view.campaign.campaign.id.0, view.item.title, view.item.depth + 1)
        }
        None => (campaign.ok_or(AppError::NotFound("campaign"))?, String::new(), 1),
    };
    let view = plans::campaign(&state.app, actor, CampaignId(campaign_id)).await?;
    if !view.can_manage {
        return Err(AppError::Forbidden);
    }
    let level = view.levels.iter().find(|l| l.depth == depth).cloned().ok_or(AppError::Conflict("below_task_level"))?;
    Ok((campaign_id, view.campaign.name, parent_title, level))
}

pub async fn new_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Query(query): Query<NewItemQuery>,
) -> Response {
    let (campaign_id, campaign_name, parent_title, level) =
        match new_item_context(&state, &actor, query.campaign, query.parent).await {
            Ok(context) => context,
            Err(error) => return error_page(ctx.t, &error),
        };
    let form = ItemForm {
        campaign_id: Some(campaign_id),
        parent_id: query.parent,
        weight: "1".into(),
        assign: "lead".into(),
        ..Default::default()
    };
    render(&ItemFormPage {
        p: ctx.with_nav("plans"),
        campaign_id,
        campaign_name,
        parent_id: query.parent,
        parent_title,
        item_id: None,
        level_name: level.name,
        is_task: level.is_task,
        form,
        errors: ValidationError::new(),
        conflict: false,
    })
}

/// Units typed as codes separated by commas or spaces; an unknown one is reported.
async fn units_by_codes(state: &AppState, actor: &Actor, text: &str) -> Result<Vec<UnitId>, AppError> {
    let mut ids = Vec::new();
    for code in text.split([',', '，', ' ', '、', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
        match unit_by_code(state, actor, code).await {
            Some(id) if id.0 != 0 => ids.push(id),
            _ => return Err(AppError::invalid("units", "unit_not_found")),
        }
    }
    Ok(ids)
}

async fn prefectures(state: &AppState, actor: &Actor) -> Vec<UnitId> {
    let query = pacesetter_app::units::UnitQuery { kind: Some(UnitKind::Prefecture), ..Default::default() };
    pacesetter_app::units::list(&state.app, actor, &query, PageRequest::new(Some(1), Some(100)))
        .await
        .map(|page| page.items.into_iter().map(|u| u.id).collect())
        .unwrap_or_default()
}

pub async fn create_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Form(form): Form<ItemForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let result = async {
        let lead = match form.lead_code.trim() {
            "" => None,
            code => Some(
                unit_by_code(&state, &actor, code)
                    .await
                    .filter(|u| u.0 != 0)
                    .ok_or(AppError::invalid("lead_unit_id", "unit_not_found"))?,
            ),
        };
        let co_units = units_by_codes(&state, &actor, &form.co_codes)
            .await
            .map_err(|_| AppError::invalid("co_units", "unit_not_found"))?;
        let assign_to = match form.assign.as_str() {
            "prefectures" => prefectures(&state, &actor).await,
            "list" => units_by_codes(&state, &actor, &form.assign_codes)
                .await
                .map_err(|_| AppError::invalid("assign_to", "unit_not_found"))?,
            _ => Vec::new(),
        };
        let new = plans::NewItem {
            campaign: form.campaign_id.map(CampaignId),
            parent: form.parent_id.map(PlanItemId),
            input: form.input(),
            lead_unit: lead,
            co_units,
            assign_to,
        };
        plans::create_item(&state.app, &actor, &new).await
    }
    .await;
    match result {
        Ok(item) => Redirect::to(&format!("/plan-items/{}", item.id)).into_response(),
        Err(AppError::Invalid(errors)) => {
            let (campaign_id, campaign_name, parent_title, level) =
                match new_item_context(&state, &actor, form.campaign_id, form.parent_id).await {
                    Ok(context) => context,
                    Err(error) => return error_page(ctx.t, &error),
                };
            let page = ItemFormPage {
                p: ctx.with_nav("plans"),
                campaign_id,
                campaign_name,
                parent_id: form.parent_id,
                parent_title,
                item_id: None,
                level_name: level.name,
                is_task: level.is_task,
                form,
                errors,
                conflict: false,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

pub struct UnitChip {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "plans/item.html")]
struct ItemPage {
    p: PageCtx,
    view: plans::ItemView,
    lead: Option<UnitChip>,
    co_units: Vec<UnitChip>,
    lines: Vec<super::assignments::LineRow>,
    starts_on: String,
    due_on: String,
    error: String,
}

pub async fn item(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn, Path(id): Path<i64>) -> Response {
    item_page(&state, &actor, ctx, id, String::new()).await
}

async fn item_page(state: &AppState, actor: &Actor, ctx: PageCtx, id: i64, error: String) -> Response {
    let view = match plans::item(&state.app, actor, PlanItemId(id)).await {
        Ok(view) => view,
        Err(error) => return error_page(ctx.t, &error),
    };
    let locale = ctx.t.locale;
    let query = assignments::Query {
        campaign: Some(view.campaign.campaign.id),
        item: Some(view.item.id),
        ..Default::default()
    };
    let lines = match assignments::list(&state.app, actor, &query, PageRequest::new(Some(1), Some(200))).await {
        Ok(page) => page.items.into_iter().map(|line| super::assignments::LineRow::new(line, locale)).collect(),
        Err(error) => return error_page(ctx.t, &error),
    };
    let chip = |u: &pacesetter_domain::unit::Unit| UnitChip { id: u.id.0, name: u.display_name(locale).to_owned() };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ItemPage {
        lead: view.lead_unit.as_ref().map(chip),
        co_units: view.co_units.iter().map(chip).collect(),
        starts_on: view.item.starts_on.map(format_date).unwrap_or_default(),
        due_on: view.item.due_on.map(format_date).unwrap_or_default(),
        view,
        lines,
        error,
        p: ctx.with_nav("plans"),
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize)]
pub struct AssignForm {
    csrf: String,
    #[serde(default)]
    assign: String,
    #[serde(default)]
    assign_codes: String,
}

pub async fn assign(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    // Only those who run the campaign learn whether the typed codes exist.
    match plans::item(&state.app, &actor, PlanItemId(id)).await {
        Ok(view) if view.campaign.can_manage => {}
        Ok(_) => return error_page(ctx.t, &AppError::Forbidden),
        Err(error) => return error_page(ctx.t, &error),
    }
    let units = match form.assign.as_str() {
        "prefectures" => Ok(prefectures(&state, &actor).await),
        _ => units_by_codes(&state, &actor, &form.assign_codes).await,
    };
    let result = match units {
        Ok(units) => plans::assign(&state.app, &actor, PlanItemId(id), &units).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/plan-items/{id}")).into_response(),
        Err(AppError::Invalid(_)) => item_page(&state, &actor, ctx.clone(), id, ctx.t.error("unit_not_found")).await,
        Err(error) => error_page(ctx.t, &error),
    }
}

pub async fn edit_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let view = match plans::item(&state.app, &actor, PlanItemId(id)).await {
        Ok(view) if view.campaign.can_manage => view,
        Ok(_) => return error_page(ctx.t, &AppError::Forbidden),
        Err(error) => return error_page(ctx.t, &error),
    };
    let item = &view.item;
    let form = ItemForm {
        version: item.version,
        code: item.code.clone().unwrap_or_default(),
        title: item.title.clone(),
        title_bo: item.title_bo.clone().unwrap_or_default(),
        description: item.description.clone().unwrap_or_default(),
        weight: item.weight.to_string(),
        lead_code: view.lead_unit.as_ref().and_then(|u| u.code.clone()).unwrap_or_default(),
        starts_on: item.starts_on.map(format_date).unwrap_or_default(),
        due_on: item.due_on.map(format_date).unwrap_or_default(),
        ..Default::default()
    };
    render(&ItemFormPage {
        campaign_id: view.campaign.campaign.id.0,
        campaign_name: view.campaign.campaign.name.clone(),
        parent_id: item.parent_id.map(|p| p.0),
        parent_title: view.parent.as_ref().map(|p| p.title.clone()).unwrap_or_default(),
        item_id: Some(id),
        level_name: view.level.name.clone(),
        is_task: view.level.is_task,
        form,
        errors: ValidationError::new(),
        conflict: false,
        p: ctx.with_nav("plans"),
    })
}

pub async fn update_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(mut form): Form<ItemForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let lead = match form.lead_code.trim() {
        "" => None,
        code => unit_by_code(&state, &actor, code).await,
    };
    let result = plans::update_item(&state.app, &actor, PlanItemId(id), form.version, &form.input(), lead).await;
    let (status, errors, conflict) = match result {
        Ok(_) => return Redirect::to(&format!("/plan-items/{id}")).into_response(),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, false),
        Err(AppError::Stale { current }) => {
            form.version = current.get("version").and_then(|v| v.as_i64()).unwrap_or(form.version);
            (StatusCode::CONFLICT, ValidationError::new(), true)
        }
        Err(error) => return error_page(ctx.t, &error),
    };
    let view = match plans::item(&state.app, &actor, PlanItemId(id)).await {
        Ok(view) => view,
        Err(error) => return error_page(ctx.t, &error),
    };
    let page = ItemFormPage {
        campaign_id: view.campaign.campaign.id.0,
        campaign_name: view.campaign.campaign.name.clone(),
        parent_id: view.item.parent_id.map(|p| p.0),
        parent_title: view.parent.as_ref().map(|p| p.title.clone()).unwrap_or_default(),
        item_id: Some(id),
        level_name: view.level.name.clone(),
        is_task: view.level.is_task,
        form,
        errors,
        conflict,
        p: ctx.with_nav("plans"),
    };
    (status, render(&page)).into_response()
}

#[derive(Template)]
#[template(path = "plans/dashboard.html")]
struct DashboardPage {
    p: PageCtx,
    campaign_id: i64,
    campaign_name: String,
    today: String,
    totals: plans::LightCounts,
    heatmap: String,
    trend: String,
    has_data: bool,
}

pub async fn dashboard(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let board = match plans::dashboard(&state.app, &actor, CampaignId(id)).await {
        Ok(board) => board,
        Err(error) => return error_page(ctx.t, &error),
    };
    let locale = ctx.t.locale;
    let rows: Vec<String> = board
        .rows
        .iter()
        .map(|r| format!("{}{}", r.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default(), r.title))
        .collect();
    let columns: Vec<String> = board.columns.iter().map(|u| u.display_name(locale).to_owned()).collect();
    let cells: Vec<Vec<Option<pacesetter_export::charts::Cell>>> = board
        .cells
        .iter()
        .map(|row| {
            row.iter()
                .zip(&board.columns)
                .map(|(cell, unit)| {
                    cell.map(|rolled| pacesetter_export::charts::Cell {
                        permille: rolled.permille,
                        light: rolled.light,
                        href: format!("/assignments?campaign={id}&unit={}", unit.id),
                    })
                })
                .collect()
        })
        .collect();
    let heatmap = pacesetter_export::charts::heatmap(&rows, &columns, &cells, ctx.t.t("dashboard.heatmap"));
    let labels: Vec<String> =
        board.trend.iter().map(|(week, _)| format!("{}/{}", u8::from(week.month()), week.day())).collect();
    let values: Vec<u32> = board.trend.iter().map(|(_, n)| *n).collect();
    let trend = pacesetter_export::charts::bars(&labels, &values, ctx.t.t("dashboard.trend"));
    render(&DashboardPage {
        campaign_id: id,
        campaign_name: board.view.campaign.name.clone(),
        today: format_date(board.today),
        totals: board.totals,
        has_data: !board.columns.is_empty(),
        heatmap,
        trend,
        p: ctx.with_nav("plans"),
    })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn roll_over(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match plans::roll_over(&state.app, &actor, CampaignId(id)).await {
        Ok(campaign) => Redirect::to(&format!("/campaigns/{}", campaign.id)).into_response(),
        Err(error) => error_page(ctx.t, &error),
    }
}

#[derive(Template)]
#[template(path = "plans/public.html")]
struct PublicPage {
    p: PageCtx,
    name: String,
    as_of: String,
    rows: Vec<PlanRow>,
}

/// The public progress page of a campaign the office made public: no sign-in, no person.
pub async fn public(
    State(state): State<AppState>,
    super::context::Anyone { ctx }: super::context::Anyone,
    Path(id): Path<i64>,
) -> Response {
    let (campaign, tree) = match plans::public_plan(&state.app, CampaignId(id)).await {
        Ok(plan) => plan,
        Err(error) => return error_page(ctx.t, &error),
    };
    let mut rows = Vec::new();
    flatten(&tree, &mut rows);
    let as_of = format_date(campaign.today(pacesetter_domain::Timestamp::now()));
    render(&PublicPage { p: ctx.with_nav("public"), name: campaign.name, as_of, rows })
}
