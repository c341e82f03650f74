//! What a round's results give: bonus items in the evaluation, the results workbook, the
//! finalists promoted to the next round, and the prize certificates.

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
    contests::{self},
};
use pacesetter_domain::ids::{ContestEntryId, ContestRoundId};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::*;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BonusItemsRequest {
    /// An evaluation of the contest's campaign.
    pub evaluation_id: i64,
    /// Points for a first, second, third … prize, as decimals: `["3", "2", "1"]`.
    pub points: Vec<String>,
}

/// Turns the published results into bonus items of an evaluation: a prize-winner's unit that the
/// evaluation ranks gets the points of its prize, linked to the result; results already turned
/// into items are skipped. Returns the items created (possibly none).
#[utoipa::path(post, path = "/api/v1/contest-rounds/{id}/bonus-items", tag = "contests", params(("id" = i64, Path)), request_body = BonusItemsRequest, security(("bearer" = [])),
    responses((status = 201, body = [crate::api::evaluations::ItemResponse]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn bonus_items(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<BonusItemsRequest>,
) -> Result<Response, ApiError> {
    let points = body.points.iter().map(|p| points("points", p)).collect::<Result<Vec<_>, _>>()?;
    let scheme = pacesetter_domain::evaluation::records::SchemeId(body.evaluation_id);
    let items = contests::bonus_from_results(&state.app, &actor, ContestRoundId(id), scheme, &points).await?;
    let body: Vec<crate::api::evaluations::ItemResponse> = items.into_iter().map(Into::into).collect();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// A round's results as a workbook: rank, contestant (or author and work), unit, score and prize,
/// the numbers as numbers; in `t`'s language.
pub(crate) async fn results_workbook(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    id: ContestRoundId,
    t: crate::i18n::Tr,
) -> Result<Response, AppError> {
    use pacesetter_export::table_xlsx::{Cell, Column, write_cells};
    let console = contests::console(&state.app, actor, id).await?;
    let board = &console.board;
    let precision = board.contest.rules.precision;
    let rows: Vec<Vec<Cell>> = board
        .lines
        .iter()
        .zip(&console.entry_units)
        .map(|(line, unit)| {
            let number = |value: Option<Decimal>| match value.and_then(|v| v.round_dp(precision).try_into().ok()) {
                Some(value) => Cell::Number(value),
                None => Cell::Text(String::new()),
            };
            let prize = line.prize.map(|level| match level {
                0..=2 => t.tk("contest.prize", ["first", "second", "third"][level]).to_owned(),
                _ => t.f("contest.prize_n", &[("n", &(level + 1))]),
            });
            vec![
                line.standing.rank.map_or(Cell::Text(String::new()), |r| Cell::Number(f64::from(r))),
                Cell::Text(line.entry.contestant.clone()),
                Cell::Text(line.entry.title.clone()),
                Cell::Text(unit.display_name(t.locale).to_owned()),
                number(line.standing.score),
                Cell::Number(line.scored as f64),
                Cell::Text(prize.unwrap_or_default()),
            ]
        })
        .collect();
    let headings = [
        "contest.rank",
        "contest.contestant",
        "contest.title_column",
        "contest.unit",
        "contest.score",
        "contest.judges_scored",
        "contest.prize_label",
    ];
    let widths = [8.0, 16.0, 24.0, 20.0, 12.0, 10.0, 12.0];
    let columns: Vec<Column<'_>> =
        headings.iter().zip(widths).map(|(key, width)| Column { heading: t.t(key), width }).collect();
    let title = format!("{} · {}", board.contest.name, board.round.name);
    let bytes = write_cells(&title, t.t("contest.results"), &columns, &rows)
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let filename = format!("results-{}.xlsx", id.0);
    Ok(crate::api::xlsx_download(bytes, &format!("attachment; filename=\"{filename}\"")))
}

/// A round's results as an XLSX workbook, in the caller's language.
#[utoipa::path(get, path = "/api/v1/contest-rounds/{id}/results.xlsx", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn results_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let t = crate::i18n::Tr::of_actor(&actor, &state.app);
    Ok(results_workbook(&state, &actor, ContestRoundId(id), t).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoteRequest {
    /// A round of the same contest still being set up (the final, after the heats).
    pub to_round_id: i64,
}

/// Sends the best of this closed round (its `advance` best, with anyone level with the last)
/// on to a round being set up; those already entered there are skipped. Returns the entries made.
#[utoipa::path(post, path = "/api/v1/contest-rounds/{id}/promote", tag = "contests", params(("id" = i64, Path)), request_body = PromoteRequest, security(("bearer" = [])),
    responses((status = 201, body = [ContestEntryResponse]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PromoteRequest>,
) -> Result<Response, ApiError> {
    let made = contests::promote(&state.app, &actor, ContestRoundId(id), ContestRoundId(body.to_round_id)).await?;
    let body: Vec<ContestEntryResponse> = made.into_iter().map(Into::into).collect();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The certificate of an entry's prize as PDF, in the campaign's documents language or languages
/// (with the campaign's and the unit's Tibetan names), once the round's results are published;
/// an entry without a prize has none.
#[utoipa::path(get, path = "/api/v1/contest-entries/{id}/certificate.pdf", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn certificate_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    use pacesetter_export::certificate::Certificate;
    let view = contests::certificate(&state.app, &actor, ContestEntryId(id)).await?;
    let language = view.campaign.documents_language;
    let (heading, citation) =
        crate::bulletin::certificate_wording(&state.app, language, &view.contest, &view.round.name, &view.entry.title);
    let published = view.round.published_at.unwrap_or(view.contest.updated_at);
    let date = crate::bulletin::document_date(&state.app, language, view.campaign.today(published));
    let certificate = Certificate {
        campaign: view.campaign.name,
        campaign_bo: view.campaign.name_bo,
        contestant: view.entry.contestant.clone(),
        unit: view.unit.name,
        unit_bo: view.unit.name_bo,
        heading,
        citation,
        prize: crate::bulletin::prize_said(&state.app, language, view.prize),
        office: view.office.name,
        date,
    };
    let bytes = crate::bulletin::certificate_pdf(&state.config.fonts_dir, certificate).await?;
    Ok(crate::api::pdf_download(bytes, &format!("certificate-{id}.pdf")))
}
