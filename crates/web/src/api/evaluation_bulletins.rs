//! `/api/v1/evaluations/runs/{id}/bulletin.{pdf,xlsx}`: the bulletin (通报) of a published run,
//! for everyone who may read its results, limited to the units they see.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use pacesetter_app::evaluations::bulletin;
use pacesetter_domain::evaluation::records::RunId;

use crate::{
    AppState,
    api::{ApiActor, ApiPath},
    error::ApiError,
};

fn download(bytes: Vec<u8>, content_type: &'static str, filename: String) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // 通报 percent-encoded for clients that read `filename*`.
    let disposition = format!("attachment; filename=\"{filename}\"; filename*=UTF-8''%E9%80%9A%E6%8A%A5-{filename}");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The bulletin of a published run as PDF: the results by category with a ranking chart, in
/// Chinese with the units' Tibetan names, text and fonts embedded.
#[utoipa::path(get, path = "/api/v1/evaluations/runs/{id}/bulletin.pdf", tag = "evaluations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn bulletin_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let view = bulletin::bulletin(&state.app, &actor, RunId(id)).await?;
    let bytes = crate::bulletin::pdf(&state.config.fonts_dir, crate::bulletin::content(view)).await?;
    Ok(download(bytes, "application/pdf", format!("bulletin-{id}.pdf")))
}

/// The bulletin of a published run as XLSX: a sheet per category, scores as exact text.
#[utoipa::path(get, path = "/api/v1/evaluations/runs/{id}/bulletin.xlsx", tag = "evaluations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn bulletin_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let view = bulletin::bulletin(&state.app, &actor, RunId(id)).await?;
    let bytes = crate::bulletin::xlsx(&crate::bulletin::content(view))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("bulletin-{id}.xlsx"),
    ))
}
