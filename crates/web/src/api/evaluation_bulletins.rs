//! `/api/v1/evaluations/runs/{id}/bulletin.{pdf,xlsx}`: the bulletin (通报) of a published run,
//! for everyone who may read its results, limited to the units they see.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use pacesetter_app::{AppError, evaluations::bulletin};
use pacesetter_domain::evaluation::records::RunId;
use pacesetter_export::bulletin::Letterhead;
use serde::Deserialize;

use crate::{
    AppState,
    api::{ApiActor, ApiPath, extract::ApiQuery},
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

/// How the bulletin is issued: plain, or as an official document with a red header.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulletinParams {
    /// Issue it as an official document with a red header (红头): the fields below, serif type,
    /// the date written out in Chinese.
    #[serde(default)]
    pub letterhead: bool,
    /// The issuing authority's mark (发文机关标志); the office's name + "文件" when left out.
    pub issuer: Option<String>,
    /// The document number (发文字号), e.g. "藏创办〔2023〕12号".
    pub number: Option<String>,
    /// Who signed it (签发人), for a document to a higher office.
    pub signer: Option<String>,
}

/// The most characters a red header's field takes.
const LETTERHEAD_MAX_CHARS: usize = 60;

impl BulletinParams {
    /// The red header asked for, its fields checked; `None` for a plain bulletin.
    fn letterhead(&self, office: &str, date: time::Date) -> Result<Option<Letterhead>, AppError> {
        if !self.letterhead {
            return Ok(None);
        }
        let field = |name: &'static str, value: &Option<String>| -> Result<String, AppError> {
            let value = value.as_deref().unwrap_or("").trim();
            if value.chars().count() > LETTERHEAD_MAX_CHARS {
                return Err(AppError::invalid(name, "too_long"));
            }
            if value.chars().any(char::is_control) {
                return Err(AppError::invalid(name, "control_characters"));
            }
            Ok(value.to_owned())
        };
        let issuer = field("issuer", &self.issuer)?;
        Ok(Some(Letterhead {
            issuer: if issuer.is_empty() { format!("{office}文件") } else { issuer },
            number: field("number", &self.number)?,
            signer: field("signer", &self.signer)?,
            date: crate::bulletin::chinese_date(date),
        }))
    }
}

/// The bulletin of a published run as PDF: the results by category with a ranking chart, in
/// Chinese with the units' Tibetan names, text and fonts embedded; as an official document with
/// a red header when asked.
#[utoipa::path(get, path = "/api/v1/evaluations/runs/{id}/bulletin.pdf", tag = "evaluations", params(("id" = i64, Path), BulletinParams), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn bulletin_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<BulletinParams>,
) -> Result<Response, ApiError> {
    let view = bulletin::bulletin(&state.app, &actor, RunId(id)).await?;
    let letterhead = params.letterhead(&view.office.name, crate::bulletin::published_on(&view))?;
    let mut content = crate::bulletin::content(view, &state.app);
    content.letterhead = letterhead;
    let bytes = crate::bulletin::pdf(&state.config.fonts_dir, content).await?;
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
    let bytes = crate::bulletin::xlsx(&crate::bulletin::content(view, &state.app))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("bulletin-{id}.xlsx"),
    ))
}
