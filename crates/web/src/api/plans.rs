//! `/api/v1/campaigns`, `/api/v1/plan-items` and `/api/v1/tasks`: campaigns, their plans
//! rolled up level by level, and key tasks fanned out to units.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{AppError, plans};
use pacesetter_domain::{
    UnitId,
    ids::{CampaignId, PlanItemId},
    indicator::{Indicator, IndicatorSpec},
    plan::{Campaign, CampaignInput, DocumentLanguage, ItemInput, PlanItem, PlanLevel},
    rollup::RollupRule,
    timestamp::format_date,
};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{
        ApiActor, ApiJson, ApiPath,
        extract::{IfMatch, etag},
    },
    error::ApiError,
};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct LevelBody {
    /// The campaign's own name for the level, e.g. 工程, 项目, 重点任务.
    pub name: String,
    #[serde(default)]
    pub name_bo: Option<String>,
    /// weighted_mean, minimum or worst_light.
    pub rollup: String,
    /// Items at this level are key tasks (exactly one level, the deepest).
    #[serde(default)]
    pub is_task: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CampaignResponse {
    pub id: i64,
    pub name: String,
    pub name_bo: Option<String>,
    pub year: i32,
    pub starts_on: String,
    pub ends_on: String,
    pub office_unit_id: i64,
    pub yellow_at: u32,
    pub red_at: u32,
    pub approval_required: bool,
    pub public_page: bool,
    /// Whether photos of findings keep where they were taken.
    pub keep_photo_location: bool,
    /// The language its bulletin is issued in.
    pub documents_language: DocumentLanguage,
    /// The day lights are computed for, when pinned.
    pub as_of: Option<String>,
    pub version: i64,
    pub levels: Vec<LevelBody>,
}

pub(super) fn campaign_response(campaign: Campaign, levels: &[PlanLevel]) -> CampaignResponse {
    CampaignResponse {
        id: campaign.id.0,
        name: campaign.name,
        name_bo: campaign.name_bo,
        year: campaign.year,
        starts_on: format_date(campaign.starts_on),
        ends_on: format_date(campaign.ends_on),
        office_unit_id: campaign.office_unit_id.0,
        yellow_at: campaign.thresholds.yellow_at,
        red_at: campaign.thresholds.red_at,
        approval_required: campaign.approval_required,
        public_page: campaign.public_page,
        keep_photo_location: campaign.keep_photo_location,
        documents_language: campaign.documents_language,
        as_of: campaign.as_of.map(format_date),
        version: campaign.version,
        levels: levels
            .iter()
            .map(|l| LevelBody {
                name: l.name.clone(),
                name_bo: l.name_bo.clone(),
                rollup: l.rollup.as_str().to_owned(),
                is_task: l.is_task,
            })
            .collect(),
    }
}

/// Every campaign, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "plans", security(("bearer" = [])), responses((status = 200, body = [CampaignResponse])))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<CampaignResponse>>, ApiError> {
    let list = plans::list_campaigns(&state.app, &actor).await?;
    let mut out = Vec::with_capacity(list.len());
    for campaign in list {
        let view = plans::campaign(&state.app, &actor, campaign.id).await?;
        out.push(campaign_response(view.campaign, &view.levels));
    }
    Ok(Json(out))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignRequest {
    pub name: String,
    #[serde(default)]
    pub name_bo: Option<String>,
    pub year: i32,
    /// YYYY-MM-DD
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default = "default_yellow")]
    pub yellow_at: u32,
    #[serde(default = "default_red")]
    pub red_at: u32,
    #[serde(default)]
    pub approval_required: bool,
    #[serde(default)]
    pub public_page: bool,
    /// Keep where photos of findings were taken (off: stripped on upload).
    #[serde(default)]
    pub keep_photo_location: bool,
    /// The language its bulletin is issued in (`zh` when left out).
    #[serde(default)]
    pub documents_language: DocumentLanguage,
    #[serde(default)]
    pub as_of: Option<String>,
    /// Only when creating: the office that runs it.
    #[serde(default)]
    pub office_unit_id: Option<i64>,
    /// The plan's levels, top first: given when creating; when editing, the same levels
    /// renamed (left out: unchanged).
    #[serde(default)]
    pub levels: Vec<LevelBody>,
}

fn default_yellow() -> u32 {
    10
}

fn default_red() -> u32 {
    30
}

struct CampaignText {
    year: String,
    yellow: String,
    red: String,
}

impl CampaignRequest {
    fn text(&self) -> CampaignText {
        CampaignText { year: self.year.to_string(), yellow: self.yellow_at.to_string(), red: self.red_at.to_string() }
    }

    fn input<'a>(&'a self, text: &'a CampaignText) -> CampaignInput<'a> {
        CampaignInput {
            name: &self.name,
            name_bo: self.name_bo.as_deref().unwrap_or(""),
            year: &text.year,
            starts_on: &self.starts_on,
            ends_on: &self.ends_on,
            yellow_at: &text.yellow,
            red_at: &text.red,
            approval_required: self.approval_required,
            public_page: self.public_page,
            keep_photo_location: self.keep_photo_location,
            documents_language: self.documents_language.as_str(),
            as_of: self.as_of.as_deref().unwrap_or(""),
        }
    }

    fn levels(&self) -> Result<Vec<PlanLevel>, AppError> {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                Ok(PlanLevel {
                    depth: (i + 1) as u8,
                    name: l.name.trim().to_owned(),
                    name_bo: l.name_bo.clone().filter(|n| !n.trim().is_empty()),
                    rollup: RollupRule::parse(&l.rollup).ok_or(AppError::invalid("levels", "invalid_rollup"))?,
                    is_task: l.is_task,
                })
            })
            .collect()
    }
}

/// Creates a campaign with its plan levels.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "plans", request_body = CampaignRequest, security(("bearer" = [])),
    responses((status = 201, body = CampaignResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CampaignRequest>,
) -> Result<Response, ApiError> {
    let office = body.office_unit_id.ok_or(AppError::invalid("office_unit_id", "required"))?;
    let levels = body.levels()?;
    let text = body.text();
    let campaign = plans::create_campaign(&state.app, &actor, UnitId(office), &body.input(&text), &levels).await?;
    let view = plans::campaign(&state.app, &actor, campaign.id).await?;
    Ok((StatusCode::CREATED, etag(view.campaign.version), Json(campaign_response(view.campaign, &view.levels)))
        .into_response())
}

/// One campaign with its levels.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = CampaignResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let view = plans::campaign(&state.app, &actor, CampaignId(id)).await?;
    Ok((etag(view.campaign.version), Json(campaign_response(view.campaign, &view.levels))).into_response())
}

/// Edits a campaign's settings and its levels' names; needs `If-Match`.
///
/// Given `levels`, they rename the campaign's levels: their number, rules and task level are
/// fixed once created, and anything else is 422 `levels_fixed`.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "plans", params(("id" = i64, Path), IfMatch), request_body = CampaignRequest, security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = CampaignResponse), (status = 412, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn update_campaign(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<CampaignRequest>,
) -> Result<Response, ApiError> {
    let text = body.text();
    let levels = if body.levels.is_empty() { None } else { Some(body.levels()?) };
    plans::update_campaign(&state.app, &actor, CampaignId(id), version, &body.input(&text), levels.as_deref()).await?;
    let view = plans::campaign(&state.app, &actor, CampaignId(id)).await?;
    Ok((etag(view.campaign.version), Json(campaign_response(view.campaign, &view.levels))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanNodeResponse {
    pub item: PlanItemResponse,
    /// The level's name, e.g. 重点任务.
    pub level: String,
    /// How this level rolls up its children: weighted_mean, minimum or worst_light.
    pub rollup: String,
    /// Rolled-up progress in percent with one decimal; absent when nothing below reports.
    pub percent: Option<f64>,
    #[schema(value_type = Option<pacesetter_domain::light::Light>)]
    pub light: Option<String>,
    pub lights: LightCountsBody,
    #[schema(no_recursion)]
    pub children: Vec<PlanNodeResponse>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LightCountsBody {
    pub done: u32,
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
}

pub(super) fn node_response(node: plans::PlanNode) -> PlanNodeResponse {
    PlanNodeResponse {
        level: node.level.name.clone(),
        rollup: node.level.rollup.as_str().to_owned(),
        percent: node.rolled.map(|r| f64::from(r.permille) / 10.0),
        light: node.rolled.map(|r| r.light.as_str().to_owned()),
        lights: LightCountsBody {
            done: node.lights.done,
            green: node.lights.green,
            yellow: node.lights.yellow,
            red: node.lights.red,
        },
        item: node.item.into(),
        children: node.children.into_iter().map(node_response).collect(),
    }
}

/// The campaign's plan as a tree, each node rolled up by its level's rule.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/plan", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [PlanNodeResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PlanNodeResponse>>, ApiError> {
    let (_, tree) = plans::plan(&state.app, &actor, CampaignId(id)).await?;
    Ok(Json(tree.into_iter().map(node_response).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanItemResponse {
    pub id: i64,
    pub campaign_id: i64,
    pub parent_id: Option<i64>,
    pub depth: u8,
    pub code: Option<String>,
    pub title: String,
    pub title_bo: Option<String>,
    pub description: Option<String>,
    pub weight: u32,
    pub lead_unit_id: Option<i64>,
    pub starts_on: Option<String>,
    pub due_on: Option<String>,
    pub version: i64,
}

impl From<PlanItem> for PlanItemResponse {
    fn from(item: PlanItem) -> Self {
        Self {
            id: item.id.0,
            campaign_id: item.campaign_id.0,
            parent_id: item.parent_id.map(|p| p.0),
            depth: item.depth,
            code: item.code,
            title: item.title,
            title_bo: item.title_bo,
            description: item.description,
            weight: item.weight,
            lead_unit_id: item.lead_unit_id.map(|u| u.0),
            starts_on: item.starts_on.map(format_date),
            due_on: item.due_on.map(format_date),
            version: item.version,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItemRequest {
    /// Required for a top-level item; otherwise taken from the parent.
    #[serde(default)]
    pub campaign_id: Option<i64>,
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub code: Option<String>,
    pub title: String,
    #[serde(default)]
    pub title_bo: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub weight: Option<u32>,
    /// Required for key tasks.
    #[serde(default)]
    pub lead_unit_id: Option<i64>,
    #[serde(default)]
    pub co_unit_ids: Vec<i64>,
    /// Key tasks: the units to assign it to (default: the lead and co-units).
    #[serde(default)]
    pub assign_to: Vec<i64>,
    /// YYYY-MM-DD; required for key tasks.
    #[serde(default)]
    pub starts_on: Option<String>,
    #[serde(default)]
    pub due_on: Option<String>,
    /// Key tasks: what units report besides their percentage. On an edit, absent keeps the
    /// indicators as they are and `[]` removes them all.
    #[serde(default)]
    pub indicators: Option<Vec<IndicatorRequest>>,
}

/// An indicator of a key task.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndicatorBody {
    pub id: i64,
    pub name: String,
    pub unit: Option<String>,
    /// A decimal number as text ("500", "95.5").
    pub target: Option<String>,
}

/// An indicator for a key task.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRequest {
    pub name: String,
    #[serde(default)]
    pub unit: Option<String>,
    /// A decimal number as text ("500", "95.5").
    #[serde(default)]
    pub target: Option<String>,
}

impl From<&Indicator> for IndicatorBody {
    fn from(indicator: &Indicator) -> Self {
        Self {
            id: indicator.id.0,
            name: indicator.name.clone(),
            unit: indicator.unit.clone(),
            target: indicator.target.clone(),
        }
    }
}

impl PlanItemRequest {
    fn indicators(&self) -> Result<Option<Vec<IndicatorSpec>>, AppError> {
        let Some(bodies) = &self.indicators else { return Ok(None) };
        let specs = bodies
            .iter()
            .map(|b| IndicatorSpec::new(&b.name, b.unit.as_deref().unwrap_or(""), b.target.as_deref().unwrap_or("")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(specs))
    }

    fn input<'a>(&'a self, weight: &'a str) -> ItemInput<'a> {
        ItemInput {
            code: self.code.as_deref().unwrap_or(""),
            title: &self.title,
            title_bo: self.title_bo.as_deref().unwrap_or(""),
            description: self.description.as_deref().unwrap_or(""),
            weight,
            starts_on: self.starts_on.as_deref().unwrap_or(""),
            due_on: self.due_on.as_deref().unwrap_or(""),
        }
    }
}

/// Creates a plan item; at the campaign's task level it is a key task, assigned to units.
#[utoipa::path(post, path = "/api/v1/plan-items", tag = "plans", request_body = PlanItemRequest, security(("bearer" = [])),
    responses((status = 404, body = crate::error::ErrorBody), (status = 201, body = PlanItemResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<PlanItemRequest>,
) -> Result<Response, ApiError> {
    let weight = body.weight.map(|w| w.to_string()).unwrap_or_default();
    let new = plans::NewItem {
        campaign: body.campaign_id.map(CampaignId),
        parent: body.parent_id.map(PlanItemId),
        input: body.input(&weight),
        lead_unit: body.lead_unit_id.map(UnitId),
        co_units: body.co_unit_ids.iter().map(|id| UnitId(*id)).collect(),
        assign_to: body.assign_to.iter().map(|id| UnitId(*id)).collect(),
        indicators: body.indicators()?.unwrap_or_default(),
    };
    let item = plans::create_item(&state.app, &actor, &new).await?;
    Ok((StatusCode::CREATED, etag(item.version), Json(PlanItemResponse::from(item))).into_response())
}

/// Edits a plan item; needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/plan-items/{id}", tag = "plans", params(("id" = i64, Path), IfMatch), request_body = PlanItemRequest, security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = PlanItemResponse), (status = 412, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn update_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<PlanItemRequest>,
) -> Result<Response, ApiError> {
    let weight = body.weight.map(|w| w.to_string()).unwrap_or_default();
    let indicators = body.indicators()?;
    let item = plans::update_item(
        &state.app,
        &actor,
        PlanItemId(id),
        version,
        &body.input(&weight),
        body.lead_unit_id.map(UnitId),
        indicators.as_deref(),
    )
    .await?;
    Ok((etag(item.version), Json(PlanItemResponse::from(item))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub unit_ids: Vec<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignResponse {
    /// New assignments; units that already had one keep it.
    pub created: u64,
}

/// Assigns a key task to more units, one assignment each.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/assignments", tag = "plans", params(("id" = i64, Path)), request_body = AssignRequest, security(("bearer" = [])),
    responses((status = 200, body = AssignResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn assign_task(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssignRequest>,
) -> Result<Json<AssignResponse>, ApiError> {
    let units: Vec<UnitId> = body.unit_ids.iter().map(|id| UnitId(*id)).collect();
    let created = plans::assign(&state.app, &actor, PlanItemId(id), &units).await?;
    Ok(Json(AssignResponse { created }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanItemDetail {
    pub item: PlanItemResponse,
    pub level: String,
    pub is_task: bool,
    pub co_unit_ids: Vec<i64>,
    pub indicators: Vec<IndicatorBody>,
}

/// One plan item with its level and co-units.
#[utoipa::path(get, path = "/api/v1/plan-items/{id}", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PlanItemDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let view = plans::item(&state.app, &actor, PlanItemId(id)).await?;
    let version = view.item.version;
    let body = PlanItemDetail {
        level: view.level.name.clone(),
        is_task: view.level.is_task,
        co_unit_ids: view.co_units.iter().map(|u| u.id.0).collect(),
        indicators: view.indicators.iter().map(IndicatorBody::from).collect(),
        item: view.item.into(),
    };
    Ok((etag(version), Json(body)).into_response())
}
