//! `/api/v1/burden`: the burden meter — what each unit received per month of a year.

use axum::{Json, extract::State};
use pacesetter_app::{
    PageRequest,
    inspections::{self, BurdenLine, BurdenQuery},
};
use pacesetter_domain::{UnitId, inspection::burden::Load};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{ApiActor, extract::ApiQuery},
    error::ApiError,
};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BurdenParams {
    /// The calendar year; this year when left out.
    pub year: Option<i32>,
    /// Only this unit and the units below it.
    pub under: Option<i64>,
    /// From 1.
    pub page: Option<i64>,
    /// At most 500; 50 when left out.
    pub per_page: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoadBody {
    /// Inspection visits.
    pub inspections: i64,
    /// Checklist points asking for material, and rectification items.
    pub requests: i64,
    /// Tasks to report on, and evaluation sheets.
    pub forms: i64,
    /// More than one visit in the month.
    pub over_line: bool,
}

impl From<Load> for LoadBody {
    fn from(load: Load) -> Self {
        Self { inspections: load.inspections, requests: load.requests, forms: load.forms, over_line: load.over_line() }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BurdenLineBody {
    pub unit_id: i64,
    pub unit_name: String,
    /// January to December.
    pub months: Vec<LoadBody>,
    pub total: LoadBody,
    pub months_over_line: usize,
}

impl From<BurdenLine> for BurdenLineBody {
    fn from(line: BurdenLine) -> Self {
        Self {
            unit_id: line.unit.id.0,
            unit_name: line.unit.name,
            months: line.months.into_iter().map(Into::into).collect(),
            total: line.total.into(),
            months_over_line: line.months_over,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BurdenResponse {
    pub year: i32,
    pub items: Vec<BurdenLineBody>,
    /// How many units received anything, over every page.
    pub total: i64,
}

/// What each unit within the caller's campaign offices received per month, the units with most
/// months over the line first; for coordinators.
#[utoipa::path(get, path = "/api/v1/burden", tag = "inspections", params(BurdenParams), security(("bearer" = [])),
    responses((status = 200, body = BurdenResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn burden(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<BurdenParams>,
) -> Result<Json<BurdenResponse>, ApiError> {
    let year = params.year.unwrap_or_else(|| pacesetter_domain::Timestamp::now().date_cst().year());
    let query =
        BurdenQuery { year, under: params.under.map(UnitId), page: PageRequest::new(params.page, params.per_page) };
    let page = inspections::burden(&state.app, &actor, &query).await?;
    Ok(Json(BurdenResponse { year, items: page.items.into_iter().map(Into::into).collect(), total: page.total }))
}
