//! Campaign-wide views built on the plan: the dashboard, the roll-over into the next year, the
//! public plan and the XLSX export.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{AppError, plans, reports};
use pacesetter_domain::{UnitId, ids::CampaignId, timestamp::format_date, unit::Unit};
use serde::{Deserialize, Serialize};

use super::plans::{CampaignResponse, LightCountsBody, PlanNodeResponse, campaign_response, node_response};
use crate::{
    AppState,
    api::{
        ApiActor, ApiPath,
        extract::{ApiQuery, etag},
    },
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct DashboardCell {
    /// The mean progress of the assignments.
    pub percent: f64,
    /// The light of the cell: the colour most of them have, the worse one on a tie.
    #[schema(value_type = pacesetter_domain::light::Light)]
    pub light: String,
    /// The assignments by light.
    pub lights: LightCountsBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DashboardAxis {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DashboardColumn {
    /// The unit.
    pub id: i64,
    pub name: String,
    /// Only the unit's own assignments (本级), beside its branches; otherwise its whole subtree.
    pub own: bool,
    /// There are units below to drill into (`?unit=` this id).
    pub drill: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardParams {
    /// The unit whose subtree the columns divide; by default the top of what the caller sees.
    pub unit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WeekCount {
    /// The Monday of the week.
    pub week: String,
    pub reports: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DashboardResponse {
    pub as_of: String,
    /// The unit whose subtree the columns divide; null at the top of a scope with several roots.
    pub focus: Option<DashboardAxis>,
    /// The units above `focus` the caller may open, top first.
    pub trail: Vec<DashboardAxis>,
    /// Top-level plan items.
    pub rows: Vec<DashboardAxis>,
    /// The units one level below `focus` with assignments, and `focus`'s own.
    pub columns: Vec<DashboardColumn>,
    /// `cells[row][column]`, null where the column has nothing under the item.
    pub cells: Vec<Vec<Option<DashboardCell>>>,
    /// Per row, every column together.
    pub row_totals: Vec<Option<DashboardCell>>,
    pub lights: LightCountsBody,
    pub trend: Vec<WeekCount>,
}

fn lights_body(lights: &plans::LightCounts) -> LightCountsBody {
    LightCountsBody { done: lights.done, green: lights.green, yellow: lights.yellow, red: lights.red }
}

fn dashboard_cell(cell: Option<reports::DashboardCell>) -> Option<DashboardCell> {
    cell.map(|c| DashboardCell {
        percent: f64::from(c.rolled.permille) / 10.0,
        light: c.rolled.light.as_str().to_owned(),
        lights: lights_body(&c.lights),
    })
}

/// Progress by top-level item × the units one level below `unit` (drill down by passing a
/// column's id), light counts and the weekly trend of reports. Read from roll-ups kept as
/// assignments change.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/dashboard", tag = "plans", params(("id" = i64, Path), DashboardParams), security(("bearer" = [])),
    responses((status = 200, body = DashboardResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_dashboard(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<DashboardParams>,
) -> Result<Json<DashboardResponse>, ApiError> {
    let board = reports::dashboard(&state.app, &actor, CampaignId(id), params.unit.map(UnitId)).await?;
    let axis = |u: &Unit| DashboardAxis { id: u.id.0, name: u.name.clone() };
    Ok(Json(DashboardResponse {
        as_of: format_date(board.today),
        focus: board.focus.as_ref().map(axis),
        trail: board.trail.iter().map(axis).collect(),
        rows: board.rows.iter().map(|r| DashboardAxis { id: r.id.0, name: r.title.clone() }).collect(),
        columns: board
            .columns
            .iter()
            .map(|c| DashboardColumn { id: c.unit.id.0, name: c.unit.name.clone(), own: c.own, drill: c.drill })
            .collect(),
        cells: board.cells.iter().map(|row| row.iter().copied().map(dashboard_cell).collect()).collect(),
        row_totals: board.row_totals.iter().copied().map(dashboard_cell).collect(),
        lights: lights_body(&board.totals),
        trend: board.trend.iter().map(|(week, n)| WeekCount { week: format_date(*week), reports: *n }).collect(),
    }))
}

/// Carries the campaign into the next year: its levels, its top items and every key task
/// still open somewhere, assigned afresh to the units that have not closed it.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/rollover", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 201, body = CampaignResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "Rolled over before: `already_rolled_over`, with the campaign it became in `details`", body = crate::error::ErrorBody)))]
pub async fn roll_over(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let campaign = reports::roll_over(&state.app, &actor, CampaignId(id)).await?;
    let view = plans::campaign(&state.app, &actor, campaign.id).await?;
    Ok((StatusCode::CREATED, etag(view.campaign.version), Json(campaign_response(view.campaign, &view.levels)))
        .into_response())
}

/// A public campaign's plan with progress and lights, for anyone; 404 unless the office made
/// it public.
#[utoipa::path(get, path = "/api/v1/public/campaigns/{id}/plan", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = [PlanNodeResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn public_plan(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PlanNodeResponse>>, ApiError> {
    let (_, tree) = reports::public_plan(&state.app, CampaignId(id)).await?;
    Ok(Json(tree.into_iter().map(node_response).collect()))
}

/// The plan and every visible assignment as an XLSX workbook in the office's own layout.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/export", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn export_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    use pacesetter_export::plan_xlsx::{AssignmentRow, Headers, TaskRow};
    let t = crate::i18n::Tr::of_actor(&actor, &state.app);
    let (view, tree) = plans::plan(&state.app, &actor, CampaignId(id)).await?;
    let mut tasks = Vec::new();
    for pillar in &tree {
        let mut stack: Vec<&plans::PlanNode> = vec![pillar];
        while let Some(node) = stack.pop() {
            stack.extend(node.children.iter().rev());
            if !node.level.is_task {
                continue;
            }
            let item = plans::item(&state.app, &actor, node.item.id).await?;
            tasks.push(TaskRow {
                pillar: pillar.item.title.clone(),
                code: node.item.code.clone().unwrap_or_default(),
                title: node.item.title.clone(),
                title_bo: node.item.title_bo.clone().unwrap_or_default(),
                measures: node.item.description.clone().unwrap_or_default(),
                lead: item.lead_unit.map(|u| u.name).unwrap_or_default(),
                co_units: item.co_units.iter().map(|u| u.name.clone()).collect::<Vec<_>>().join("、"),
                due_on: node.item.due_on.map(format_date).unwrap_or_default(),
                percent: node.rolled.map(|r| f64::from(r.permille) / 10.0),
                light: node.rolled.map(|r| t.tk("light", r.light.as_str()).to_owned()).unwrap_or_default(),
            });
        }
    }
    let mut assignment_rows = Vec::new();
    let query = pacesetter_app::assignments::Query { campaign: Some(CampaignId(id)), ..Default::default() };
    let mut page = 1;
    loop {
        let list = pacesetter_app::assignments::list(
            &state.app,
            &actor,
            &query,
            pacesetter_app::PageRequest::new(Some(page), Some(500)),
        )
        .await?;
        let pages = list.pages();
        for line in list.items {
            assignment_rows.push((
                line.assignment.id,
                AssignmentRow {
                    task: line.item_title,
                    unit: line.unit_name,
                    state: t.tk("state", line.assignment.state.as_str()).to_owned(),
                    percent: line.assignment.percent,
                    light: t.tk("light", line.light.as_str()).to_owned(),
                    due_on: format_date(line.assignment.due_on),
                    indicators: String::new(),
                },
            ));
        }
        if page >= pages {
            break;
        }
        page += 1;
    }
    let visible = assignment_rows.iter().map(|(id, _)| *id).collect();
    let mut lines = pacesetter_app::assignments::indicator_lines(&state.app, CampaignId(id), &visible).await?;
    let assignment_rows: Vec<AssignmentRow> = assignment_rows
        .into_iter()
        .map(|(id, row)| AssignmentRow { indicators: lines.remove(&id).unwrap_or_default(), ..row })
        .collect();
    let s = |key: &str| t.t(key).to_owned();
    let headers = Headers {
        tasks_sheet: s("export.tasks_sheet"),
        assignments_sheet: s("export.assignments_sheet"),
        tasks: [
            s("export.number"),
            view.levels.first().map(|l| l.name.clone()).unwrap_or_default(),
            s("units.code"),
            s("plans.task"),
            s("imports.field.title_bo"),
            s("plans.description"),
            s("plans.lead_unit"),
            s("plans.co_units"),
            s("plans.due_on"),
            s("export.progress"),
            s("plans.light"),
        ],
        assignments: [
            s("plans.task"),
            s("plans.unit"),
            s("users.status"),
            s("export.progress"),
            s("plans.light"),
            s("plans.due_on"),
            s("plans.indicators"),
        ],
    };
    let bytes = pacesetter_export::plan_xlsx::write(&view.campaign.name, &headers, &tasks, &assignment_rows)
        .map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(super::xlsx_download(bytes, "attachment; filename=\"plan.xlsx\"; filename*=UTF-8''%E8%AE%A1%E5%88%92.xlsx"))
}
