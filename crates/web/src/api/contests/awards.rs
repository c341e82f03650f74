//! `/api/v1/contests/{id}/awards` and `/api/v1/contest-awards/{id}`: awards to units (优秀组织奖 …)
//! with their certificates.

use crate::{
    AppState,
    api::{ApiActor, ApiJson, ApiPath},
    error::ApiError,
};
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError,
    contests::{self, UnitRef},
};
use pacesetter_domain::{
    UnitId,
    contest::Award,
    ids::{ContestAwardId, ContestId},
};
use serde::{Deserialize, Serialize};

/// An award a contest gives a unit rather than a contestant.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ContestAwardResponse {
    pub id: i64,
    pub contest_id: i64,
    pub unit_id: i64,
    /// The unit's name, where the answer carries it.
    pub unit_name: Option<String>,
    /// "优秀组织奖".
    pub title: String,
    pub created_at: String,
    /// Where its certificate (PDF) is read.
    pub certificate_url: String,
}

impl ContestAwardResponse {
    pub(super) fn new(award: Award, unit: Option<&pacesetter_domain::unit::Unit>) -> Self {
        Self {
            id: award.id.0,
            contest_id: award.contest_id.0,
            unit_id: award.unit_id.0,
            unit_name: unit.map(|u| u.name.clone()),
            title: award.title,
            created_at: award.created_at.to_db(),
            certificate_url: format!("/api/v1/contest-awards/{}/certificate.pdf", award.id.0),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestAwardRequest {
    pub unit_id: i64,
    /// The award's name, such as "优秀组织奖".
    pub title: String,
}

/// Gives a unit an award of the contest; a unit has each award of a contest once.
#[utoipa::path(post, path = "/api/v1/contests/{id}/awards", tag = "contests", params(("id" = i64, Path)), request_body = ContestAwardRequest, security(("bearer" = [])),
    responses((status = 201, body = ContestAwardResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_award(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContestAwardRequest>,
) -> Result<Response, ApiError> {
    let award =
        contests::add_award(&state.app, &actor, ContestId(id), UnitRef::Id(UnitId(body.unit_id)), &body.title).await?;
    Ok((StatusCode::CREATED, Json(ContestAwardResponse::new(award, None))).into_response())
}

/// Takes an award back.
#[utoipa::path(delete, path = "/api/v1/contest-awards/{id}", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_award(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    contests::remove_award(&state.app, &actor, ContestAwardId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The certificate of a unit's award as PDF, in the campaign's documents language or languages
/// (with the campaign's and the unit's Tibetan names; the award's title as the office wrote it).
#[utoipa::path(get, path = "/api/v1/contest-awards/{id}/certificate.pdf", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn award_certificate_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let bytes = award_certificate(&state, &actor, ContestAwardId(id)).await?;
    Ok(crate::api::pdf_download(bytes, &format!("award-{id}.pdf")))
}

/// An award's certificate as PDF, for the API and the pages.
pub(crate) async fn award_certificate(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    id: ContestAwardId,
) -> Result<Vec<u8>, AppError> {
    use pacesetter_export::certificate::Certificate;
    let view = contests::award_certificate(&state.app, actor, id).await?;
    let (heading, citation) =
        crate::bulletin::certificate_wording(&state.app, view.campaign.documents_language, &view.contest, "", "");
    let date = crate::bulletin::document_date(
        &state.app,
        view.campaign.documents_language,
        view.campaign.today(view.award.created_at),
    );
    let certificate = Certificate {
        campaign: view.campaign.name,
        campaign_bo: view.campaign.name_bo,
        contestant: view.unit.name,
        unit: String::new(),
        unit_bo: view.unit.name_bo,
        heading,
        citation,
        // The award's title is the office's own words, in Chinese.
        prize: vec![pacesetter_export::bulletin::Said { text: view.award.title, lang: "zh" }],
        office: view.office.name,
        date,
    };
    crate::bulletin::certificate_pdf(&state.config.fonts_dir, certificate).await
}
