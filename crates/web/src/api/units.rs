//! `/api/v1/units`: the organisation and territory trees.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{PageRequest, units};
use pacesetter_domain::{
    Locale, UnitId, UnitKind,
    unit::{Unit, UnitInput, UnitOrder},
};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{
        ApiActor, ApiJson, ApiPath,
        extract::{ApiQuery, IfMatch, etag},
    },
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitResponse {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// steering_group, office, functional_group, member_unit, region, prefecture, county
    #[schema(value_type = pacesetter_domain::UnitKind)]
    pub kind: String,
    pub code: Option<String>,
    pub name: String,
    pub name_bo: Option<String>,
    pub name_en: Option<String>,
    pub category: Option<String>,
    /// Other names the unit is known by (简称, older names): a task sheet naming the unit by
    /// one of them finds it.
    pub aliases: Vec<String>,
    /// Ids from the root down, as `/1/5/23/`.
    pub path: String,
    pub archived: bool,
    pub version: i64,
}

impl From<Unit> for UnitResponse {
    fn from(unit: Unit) -> Self {
        Self {
            id: unit.id.0,
            parent_id: unit.parent_id.map(|p| p.0),
            kind: unit.kind.as_str().to_owned(),
            code: unit.code,
            name: unit.name,
            name_bo: unit.name_bo,
            name_en: unit.name_en,
            category: unit.category,
            aliases: unit.aliases,
            path: unit.path.as_str().to_owned(),
            archived: unit.archived_at.is_some(),
            version: unit.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitList {
    pub items: Vec<UnitResponse>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitListQuery {
    /// Only units of this kind.
    #[param(value_type = Option<pacesetter_domain::UnitKind>)]
    pub kind: Option<String>,
    /// Only direct children of this unit.
    pub parent: Option<i64>,
    /// Only units in this unit's subtree.
    pub under: Option<i64>,
    /// Search in names and codes; at most 200 characters (`search_too_long`).
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub include_archived: Option<bool>,
    /// The order: the tree's (`tree`, the default), or by name as its readers sort: `name`
    /// (Chinese, by pinyin), `name_bo` (Tibetan, by root letter), `name_en`; units without a
    /// name in that language come after, by their Chinese name.
    #[param(value_type = Option<crate::api::closed_sets::UnitSort>)]
    pub sort: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// At most 500; 50 when left out.
    pub per_page: Option<i64>,
}

/// The order `sort` names.
fn unit_order(sort: Option<&str>) -> Result<UnitOrder, pacesetter_app::AppError> {
    Ok(match sort.unwrap_or_default() {
        "" | "tree" => UnitOrder::Tree,
        "name" => UnitOrder::Name(Locale::ZhHans),
        "name_bo" => UnitOrder::Name(Locale::Bo),
        "name_en" => UnitOrder::Name(Locale::En),
        _ => return Err(pacesetter_app::AppError::invalid("sort", "invalid_sort")),
    })
}

/// Lists the units the caller may see, filtered and paged.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitListQuery), security(("bearer" = [])),
    responses((status = 200, body = UnitList), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_units(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<UnitListQuery>,
) -> Result<Json<UnitList>, ApiError> {
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(text) => Some(UnitKind::parse(text).ok_or(pacesetter_app::AppError::invalid("kind", "invalid_kind"))?),
        None => None,
    };
    let filter = units::UnitQuery {
        kind,
        parent: query.parent.map(UnitId),
        under: query.under.map(UnitId),
        q: query.q,
        include_archived: query.include_archived.unwrap_or(false),
        order: unit_order(query.sort.as_deref())?,
    };
    let page = units::list(&state.app, &actor, &filter, PageRequest::new(query.page, query.per_page)).await?;
    Ok(Json(UnitList {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitRequest {
    /// The parent unit (required except for a new tree root).
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[schema(value_type = pacesetter_domain::UnitKind)]
    pub kind: String,
    #[serde(default)]
    pub code: Option<String>,
    pub name: String,
    #[serde(default)]
    pub name_bo: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    /// Other names the unit is known by; each at most 100 characters, at most 20.
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl UnitRequest {
    fn input<'a>(&'a self, aliases: &'a str) -> UnitInput<'a> {
        UnitInput {
            kind: &self.kind,
            code: self.code.as_deref().unwrap_or(""),
            name: &self.name,
            name_bo: self.name_bo.as_deref().unwrap_or(""),
            name_en: self.name_en.as_deref().unwrap_or(""),
            category: self.category.as_deref().unwrap_or(""),
            aliases,
        }
    }

    /// The aliases as the form's one text, a line each.
    fn aliases_text(&self) -> String {
        self.aliases.join("\n")
    }
}

/// Creates a unit under a parent the caller manages.
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = UnitRequest, security(("bearer" = [])),
    responses((status = 404, body = crate::error::ErrorBody), (status = 201, body = UnitResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<UnitRequest>,
) -> Result<Response, ApiError> {
    let unit = units::create(&state.app, &actor, body.parent_id.map(UnitId), &body.input(&body.aliases_text())).await?;
    Ok((StatusCode::CREATED, etag(unit.version), Json(UnitResponse::from(unit))).into_response())
}

/// One unit, with its version as the ETag.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = UnitResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let unit = units::get(&state.app, &actor, UnitId(id)).await?;
    Ok((etag(unit.version), Json(UnitResponse::from(unit))).into_response())
}

/// Replaces a unit's fields; needs `If-Match` with the ETag that was read.
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path), IfMatch), request_body = UnitRequest, security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = UnitResponse), (status = 412, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn update_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<UnitRequest>,
) -> Result<Response, ApiError> {
    let unit = units::update(&state.app, &actor, UnitId(id), version, &body.input(&body.aliases_text())).await?;
    Ok((etag(unit.version), Json(UnitResponse::from(unit))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ChildResponse {
    pub unit: UnitResponse,
    /// Active units below this child.
    pub descendants: i64,
}

/// The active children of a unit, each with the size of its subtree.
#[utoipa::path(get, path = "/api/v1/units/{id}/children", tag = "units", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [ChildResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_children(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ChildResponse>>, ApiError> {
    let children = units::children(&state.app, &actor, UnitId(id)).await?;
    Ok(Json(children.into_iter().map(|(unit, descendants)| ChildResponse { unit: unit.into(), descendants }).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    pub parent_id: i64,
}

/// Moves a unit and its subtree under another parent; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/units/{id}/move", tag = "units", params(("id" = i64, Path), IfMatch), request_body = MoveRequest, security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = UnitResponse), (status = 412, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn move_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<MoveRequest>,
) -> Result<Response, ApiError> {
    let unit = units::move_unit(&state.app, &actor, UnitId(id), version, UnitId(body.parent_id)).await?;
    Ok((etag(unit.version), Json(UnitResponse::from(unit))).into_response())
}

/// Archives a unit that has no active children; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/units/{id}/archive", tag = "units", params(("id" = i64, Path), IfMatch), security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = UnitResponse), (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody)))]
pub async fn archive_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
) -> Result<Response, ApiError> {
    let unit = units::set_archived(&state.app, &actor, UnitId(id), version, true).await?;
    Ok((etag(unit.version), Json(UnitResponse::from(unit))).into_response())
}

/// Restores an archived unit; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/units/{id}/restore", tag = "units", params(("id" = i64, Path), IfMatch), security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = UnitResponse), (status = 412, body = crate::error::ErrorBody)))]
pub async fn restore_unit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
) -> Result<Response, ApiError> {
    let unit = units::set_archived(&state.app, &actor, UnitId(id), version, false).await?;
    Ok((etag(unit.version), Json(UnitResponse::from(unit))).into_response())
}
