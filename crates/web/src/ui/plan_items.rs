//! The plan-item pages: creating and editing items and key tasks, a task with its
//! assignments, and assigning it to more units.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{Actor, AppError, PageRequest, assignments, plans, units};
use pacesetter_domain::{
    ValidationError,
    ids::{CampaignId, PlanItemId},
    indicator::IndicatorSpec,
    plan::{ItemInput, PlanLevel},
    timestamp::format_date,
};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, render};
use crate::AppState;
use crate::ui::named::Named;
use crate::ui::page::{PageForm, PageQuery, PageResult, saved};

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
    /// One indicator per line: `名称, 单位, 目标`.
    #[serde(default)]
    indicators: String,
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
        None => (campaign.ok_or(AppError::NotFound(pacesetter_app::Resource::Campaign))?, String::new(), 1),
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
    PageQuery(query): PageQuery<NewItemQuery>,
) -> PageResult {
    let (campaign_id, campaign_name, parent_title, level) =
        new_item_context(&state, &actor, query.campaign, query.parent).await?;
    let form = ItemForm {
        campaign_id: Some(campaign_id),
        parent_id: query.parent,
        weight: "1".into(),
        assign: "lead".into(),
        ..Default::default()
    };
    Ok(render(&ItemFormPage {
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
    }))
}

pub async fn create_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<ItemForm>,
) -> PageResult {
    let result = async {
        let lead = units::typed(&state.app, &actor, &form.lead_code, "lead_unit_id").await?;
        let co_units = units::typed_list(&state.app, &actor, &form.co_codes, "co_units").await?;
        let assign_to = match form.assign.as_str() {
            "prefectures" => units::prefectures(&state.app, &actor).await?,
            "list" => units::typed_list(&state.app, &actor, &form.assign_codes, "assign_to").await?,
            _ => Vec::new(),
        };
        let new = plans::NewItem {
            campaign: form.campaign_id.map(CampaignId),
            parent: form.parent_id.map(PlanItemId),
            input: form.input(),
            lead_unit: lead,
            co_units,
            assign_to,
            indicators: IndicatorSpec::parse_lines(&form.indicators)?,
        };
        plans::create_item(&state.app, &actor, &new).await
    }
    .await;
    Ok(match result {
        Ok(item) => saved(&format!("/plan-items/{}", item.id)),
        Err(AppError::Invalid(errors)) => {
            let (campaign_id, campaign_name, parent_title, level) =
                new_item_context(&state, &actor, form.campaign_id, form.parent_id).await?;
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
        Err(error) => return Err(error.into()),
    })
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
    /// The item's title in the reader's language, and the other language's under it.
    title: Named,
    other_title: Option<String>,
    lead: Option<UnitChip>,
    co_units: Vec<UnitChip>,
    lines: Vec<super::assignments::LineRow>,
    /// The lines can be selected (to export), chased (催办) and reviewed at once.
    selectable: bool,
    can_chase: bool,
    /// The selection may be closed (办结): the office.
    can_close: bool,
    starts_on: String,
    due_on: String,
    error: String,
}

impl ItemPage {
    fn level_name(&self) -> Named {
        let level = &self.view.level;
        Named::of(&level.name, level.name_bo.as_deref(), self.p.t.locale)
    }
}

pub async fn show_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    item_page(&state, &actor, ctx, id, String::new()).await
}

async fn item_page(state: &AppState, actor: &Actor, ctx: PageCtx, id: i64, error: String) -> PageResult {
    let view = plans::item(&state.app, actor, PlanItemId(id)).await?;
    let locale = ctx.t.locale;
    let query = assignments::Query {
        campaign: Some(view.campaign.campaign.id),
        item: Some(view.item.id),
        ..Default::default()
    };
    let lines: Vec<super::assignments::LineRow> =
        match assignments::list(&state.app, actor, &query, PageRequest::new(Some(1), Some(200))).await {
            Ok(page) => page.items.into_iter().map(|line| super::assignments::LineRow::new(line, locale)).collect(),
            Err(error) => return Err(error.into()),
        };
    let chip = |u: &pacesetter_domain::unit::Unit| UnitChip { id: u.id.0, name: u.display_name(locale).to_owned() };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (title, other_title) = titles(&view.item, locale);
    let page = ItemPage {
        title,
        other_title,
        lead: view.lead_unit.as_ref().map(chip),
        co_units: view.co_units.iter().map(chip).collect(),
        starts_on: view.item.starts_on.map(format_date).unwrap_or_default(),
        due_on: view.item.due_on.map(format_date).unwrap_or_default(),
        view,
        selectable: !lines.is_empty(),
        can_chase: actor.can_anywhere(pacesetter_domain::Permission::ReviewProgress),
        can_close: actor.may_step_anywhere(pacesetter_domain::assignment::Step::Close),
        lines,
        error,
        p: ctx.with_nav("plans"),
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assign: String,
    #[serde(default)]
    assign_codes: String,
}

pub async fn assign_task(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AssignForm>,
) -> PageResult {
    // Only those who run the campaign learn whether the typed codes exist.
    plans::managed_item(&state.app, &actor, PlanItemId(id)).await?;
    let result = async {
        let units = match form.assign.as_str() {
            "prefectures" => units::prefectures(&state.app, &actor).await?,
            _ => units::typed_list(&state.app, &actor, &form.assign_codes, "assign_to").await?,
        };
        plans::assign(&state.app, &actor, PlanItemId(id), &units).await
    }
    .await;
    Ok(match result {
        Ok(_) => saved(&format!("/plan-items/{id}")),
        Err(AppError::Invalid(_)) => {
            return item_page(&state, &actor, ctx.clone(), id, ctx.t.error("unit_not_found")).await;
        }
        Err(error) => return Err(error.into()),
    })
}

pub async fn edit_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let view = plans::managed_item(&state.app, &actor, PlanItemId(id)).await?;
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
        indicators: view.indicators.iter().map(|i| i.spec().to_line()).collect::<Vec<_>>().join("\n"),
        ..Default::default()
    };
    Ok(render(&ItemFormPage {
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
    }))
}

pub async fn update_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(mut form): PageForm<ItemForm>,
) -> PageResult {
    let result = async {
        // Only those who run the campaign learn whether the typed codes exist.
        let view = plans::managed_item(&state.app, &actor, PlanItemId(id)).await?;
        let lead = units::typed(&state.app, &actor, &form.lead_code, "lead_unit_id").await?;
        let specs = IndicatorSpec::parse_lines(&form.indicators)?;
        // Only key tasks carry indicators, so only their form has them.
        let indicators = view.level.is_task.then_some(specs.as_slice());
        plans::update_item(&state.app, &actor, PlanItemId(id), form.version, &form.input(), lead, indicators).await
    }
    .await;
    let (status, errors, conflict) = match result {
        Ok(_) => return Ok(saved(&format!("/plan-items/{id}"))),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, false),
        Err(AppError::Stale { current }) => {
            form.version = current.get("version").and_then(|v| v.as_i64()).unwrap_or(form.version);
            (StatusCode::CONFLICT, ValidationError::new(), true)
        }
        Err(error) => return Err(error.into()),
    };
    let view = plans::item(&state.app, &actor, PlanItemId(id)).await?;
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
    Ok((status, render(&page)).into_response())
}

/// A plan item's title for a reader of `locale`, and the title in the other language (the
/// Chinese under the Tibetan, the Tibetan under the Chinese) where both are given.
pub(super) fn titles(
    item: &pacesetter_domain::plan::PlanItem,
    locale: pacesetter_domain::Locale,
) -> (Named, Option<String>) {
    let title = Named::of(&item.title, item.title_bo.as_deref(), locale);
    let other = match (&item.title_bo, title.lang) {
        (Some(_), "bo") => Some(item.title.clone()),
        (Some(bo), _) if !bo.trim().is_empty() => Some(bo.clone()),
        _ => None,
    };
    (title, other)
}
