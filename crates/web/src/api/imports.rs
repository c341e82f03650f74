//! `/api/v1/imports`: upload a CSV or XLSX sheet of units, accounts or a campaign's task
//! breakdown, read its preview with row-level errors (and, for a task sheet, correct which
//! column holds what), then commit it — all rows or none.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{AppError, import};
use pacesetter_domain::plan_sheet::Mapping;
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{ApiActor, ApiPath, extract::ApiQuery},
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportResponse {
    pub id: i64,
    /// `units`, `users` or `plan`.
    #[schema(value_type = super::closed_sets::ImportKind)]
    pub kind: String,
    /// The campaign a task sheet is imported into.
    pub campaign_id: Option<i64>,
    pub filename: String,
    pub sha256: String,
    /// `previewed`, `committed` or `failed`.
    #[schema(value_type = super::closed_sets::ImportStatus)]
    pub status: String,
    pub created_at: String,
    /// While previewed: headers, the first 200 rows and every row with an error, each with its
    /// action and cell errors (with suggestions for unknown unit names), missing columns, and
    /// for a task sheet the column mapping.
    #[schema(value_type = Option<Object>)]
    pub preview: Option<serde_json::Value>,
    /// Once committed: how many records were created, updated or left unchanged.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<serde_json::Value>,
}

impl From<import::ImportJob> for ImportResponse {
    fn from(job: import::ImportJob) -> Self {
        Self {
            id: job.id,
            kind: job.kind.as_str().to_owned(),
            campaign_id: job.options.campaign_id,
            filename: job.filename,
            sha256: job.sha256,
            status: job.status,
            created_at: job.created_at.to_db(),
            preview: job.preview.and_then(|p| serde_json::to_value(p).ok()),
            summary: job.summary,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `units`, `users` or `plan`.
    #[param(value_type = super::closed_sets::ImportKind)]
    pub kind: String,
    /// For `plan`: the campaign whose plan the sheet fills.
    pub campaign: Option<i64>,
    /// The file's name, for the record.
    pub filename: Option<String>,
}

/// Uploads a sheet (the request body is the file) and returns its preview; writes no data.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", params(UploadQuery), security(("bearer" = [])),
    request_body(content = super::FileBytes, content_type = "application/octet-stream"),
    responses((status = 404, body = crate::error::ErrorBody), (status = 201, body = ImportResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload_import(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = import::ImportKind::parse(&query.kind).ok_or(AppError::invalid("kind", "invalid_import_kind"))?;
    let filename = query.filename.unwrap_or_else(|| format!("{}.upload", kind.as_str()));
    let options = import::Options { campaign_id: query.campaign, mapping: None };
    let job = import::upload(&state.app, &actor, kind, &filename, &body, options).await?;
    Ok((StatusCode::CREATED, Json(ImportResponse::from(job))).into_response())
}

/// The caller's latest imports.
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])),
    responses((status = 200, body = [ImportResponse])))]
pub async fn list_imports(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ImportResponse>>, ApiError> {
    Ok(Json(import::recent(&state.app, &actor).await?.into_iter().map(Into::into).collect()))
}

/// One of the caller's imports, with a fresh preview while it is not committed.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = ImportResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_import(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ImportResponse>, ApiError> {
    Ok(Json(import::job(&state.app, &actor, id).await?.into()))
}

/// Which column holds each field of a task sheet: a column letter, or null (or absent) for
/// nothing. Fields: `seq`, `parent`, `code`, `title`, `measures`, `lead`, `units`, `starts_on`,
/// `due_on`.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"title": "B", "measures": "C", "lead": "D", "units": "E", "due_on": "F"}))]
pub struct MappingRequest(pub std::collections::BTreeMap<String, Option<String>>);

/// Sets which column of a task sheet holds each field, and returns the new preview.
#[utoipa::path(put, path = "/api/v1/imports/{id}/mapping", tag = "imports", params(("id" = i64, Path)), security(("bearer" = [])),
    request_body = MappingRequest,
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = ImportResponse), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_mapping(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    crate::api::extract::ApiJson(request): crate::api::extract::ApiJson<MappingRequest>,
) -> Result<Json<ImportResponse>, ApiError> {
    let entries = request.0.iter().map(|(field, letter)| (field.as_str(), letter.as_deref().unwrap_or("")));
    let mapping = Mapping::from_letters(entries).map_err(|e| AppError::invalid(e.field, e.code))?;
    Ok(Json(import::set_mapping(&state.app, &actor, id, mapping).await?.into()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Task sheets only: the items above the tasks (工程/行动) the import created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parents_created: Option<usize>,
    /// Task sheets only: the assignments the import created, one per unit of a task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments_created: Option<u64>,
}

/// Commits a previewed import: every row in one transaction, or `409 import_has_errors` and
/// nothing written.
#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", tag = "imports", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = ImportSummary), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn commit_import(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ImportSummary>, ApiError> {
    let summary = import::commit(&state.app, &actor, id).await?;
    Ok(Json(ImportSummary {
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        parents_created: summary.parents_created,
        assignments_created: summary.assignments_created,
    }))
}
