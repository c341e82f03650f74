//! `/api/v1/evidence`: a unit's library of files and links, uploads checked by content, and
//! downloads that check permission like any read.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use pacesetter_app::evidence;
use pacesetter_domain::{
    UnitId,
    evidence::{Evidence, EvidenceId},
};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{ApiActor, ApiJson, ApiPath, extract::ApiQuery},
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct EvidenceResponse {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    /// `file` or `link`.
    #[schema(value_type = super::closed_sets::EvidenceKind)]
    pub kind: String,
    pub sha256: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub url: Option<String>,
    pub created_at: String,
}

impl From<Evidence> for EvidenceResponse {
    fn from(e: Evidence) -> Self {
        Self {
            id: e.id.0,
            unit_id: e.unit_id.0,
            kind: if e.is_link() { "link" } else { "file" }.to_owned(),
            title: e.title,
            sha256: e.sha256,
            content_type: e.content_type,
            size_bytes: e.size_bytes,
            url: e.url,
            created_at: e.created_at.to_db(),
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The unit whose library receives the file.
    pub unit: i64,
    /// The file's name, kept as its title.
    pub filename: Option<String>,
}

/// Uploads a file (the request body) to a unit's library. PDF, PNG, JPEG, WebP and Office
/// documents only, told by content; the same content again returns the stored record.
#[utoipa::path(post, path = "/api/v1/evidence", tag = "evidence", params(UploadQuery), security(("bearer" = [])),
    request_body(content = super::FileBytes, content_type = "application/octet-stream"),
    responses((status = 404, body = crate::error::ErrorBody), (status = 201, body = EvidenceResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<UploadQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let filename = query.filename.unwrap_or_default();
    let evidence = evidence::upload(&state.app, &actor, UnitId(query.unit), &filename, &body).await?;
    Ok((StatusCode::CREATED, Json(EvidenceResponse::from(evidence))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub unit_id: i64,
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// Adds a link (http or https) to a unit's library.
#[utoipa::path(post, path = "/api/v1/evidence/links", tag = "evidence", request_body = LinkRequest, security(("bearer" = [])),
    responses((status = 404, body = crate::error::ErrorBody), (status = 201, body = EvidenceResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_link(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<LinkRequest>,
) -> Result<Response, ApiError> {
    let evidence =
        evidence::add_link(&state.app, &actor, UnitId(body.unit_id), body.title.as_deref().unwrap_or(""), &body.url)
            .await?;
    Ok((StatusCode::CREATED, Json(EvidenceResponse::from(evidence))).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LibraryQuery {
    /// The unit whose library is read.
    pub unit: i64,
}

/// A unit's library, newest first.
#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(LibraryQuery), security(("bearer" = [])),
    responses((status = 200, body = [EvidenceResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn library(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<LibraryQuery>,
) -> Result<Json<Vec<EvidenceResponse>>, ApiError> {
    Ok(Json(evidence::library(&state.app, &actor, UnitId(query.unit)).await?.into_iter().map(Into::into).collect()))
}

/// `filename*=UTF-8''…` with every byte outside the unreserved set percent-encoded (RFC 5987),
/// so no quote, CR or LF can reach the header.
fn content_disposition(title: &str) -> String {
    let mut encoded = String::new();
    for byte in title.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}")
}

/// Downloads a file of a unit's library: always as an attachment, sandboxed, never sniffed.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/download", tag = "evidence", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "*/*", description = "The file, in its own type."), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (evidence, bytes) = evidence::open(&state.app, &actor, EvidenceId(id)).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type = evidence.content_type.as_deref().unwrap_or("application/octet-stream");
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&evidence.title)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}
