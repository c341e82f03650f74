//! `/api/v1/…contests`: contests judged live (演讲比赛). The organiser (whoever runs the
//! campaign) sets up rounds, the judge panel and the contestants, draws the running order and
//! moves the round along; a judge scores the contestant on stage from a phone, with a key of the
//! phone's making so that a score sent twice is kept once; the board ranks by `SCORING.md` §2.
//! Points are decimals written as strings ("38.5").

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError,
    contests::{
        self, Board, ContestInput, ContestView, Desk, EntryInput, Move, RoundInput, ScoreInput, Seated, UnitRef,
    },
};
use pacesetter_domain::{
    UnitId, UserId,
    contest::{Award, Contest, Criterion, Entry, Judge, JudgeScore, Kind, Reveal, Round, Rules, Stage},
    evaluation::Rounding,
    ids::{CampaignId, ContestAwardId, ContestEntryId, ContestId, ContestRoundId, JudgeScoreId, PlanItemId},
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{
        ApiActor, ApiJson, ApiPath,
        extract::{IfMatch, etag},
    },
    error::ApiError,
};

fn points(field: &'static str, text: &str) -> Result<Decimal, AppError> {
    text.trim().parse::<Decimal>().map_err(|_| AppError::invalid(field, "invalid_number"))
}

fn text(value: Decimal) -> String {
    value.normalize().to_string()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ContestResponse {
    pub id: i64,
    pub campaign_id: i64,
    /// The plan task the contest carries out.
    pub plan_item_id: Option<i64>,
    pub name: String,
    /// A speech contest or an exhibition (whose rounds are its categories).
    pub kind: Kind,
    /// How many of the highest and lowest judge scores are dropped.
    pub trim_high: u32,
    pub trim_low: u32,
    /// Decimal places of an entry's score.
    pub precision: u32,
    #[schema(value_type = Rounding)]
    pub rounding: String,
    /// The criterion code that breaks a tie the untrimmed scores leave.
    pub tie_criterion: Option<String>,
    /// When a judge's score is shown on the big screen.
    #[schema(value_type = Reveal)]
    pub reveal: String,
    pub version: i64,
}

impl From<Contest> for ContestResponse {
    fn from(c: Contest) -> Self {
        Self {
            id: c.id.0,
            campaign_id: c.campaign_id.0,
            plan_item_id: c.plan_item_id.map(|p| p.0),
            name: c.name,
            kind: c.kind,
            trim_high: c.rules.trim_high,
            trim_low: c.rules.trim_low,
            precision: c.rules.precision,
            rounding: c.rules.rounding.as_str().to_owned(),
            tie_criterion: c.rules.tie_criterion,
            reveal: c.rules.reveal.as_str().to_owned(),
            version: c.version,
        }
    }
}

/// A criterion of a round and the most points a judge may give for it.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionBody {
    pub code: String,
    pub name: String,
    /// A decimal, e.g. "40".
    pub max: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ContestRoundResponse {
    pub id: i64,
    pub contest_id: i64,
    pub name: String,
    #[schema(value_type = Stage)]
    pub stage: String,
    /// A heat's prefecture.
    pub unit_id: Option<i64>,
    pub position: i64,
    /// How many of its best go on to the next round.
    pub advance: u32,
    /// The seed the running order was drawn from, as a decimal string: drawing again from it
    /// gives the same order.
    pub draw_seed: Option<String>,
    #[schema(value_type = pacesetter_domain::contest::RoundStatus)]
    pub status: String,
    /// The running order of the contestant on stage.
    pub current_order: Option<u32>,
    pub criteria: Vec<CriterionBody>,
    /// How many first, second, third … prizes it awards.
    pub prizes: Vec<u32>,
    /// When its results were published.
    pub published_at: Option<String>,
    pub version: i64,
}

impl From<Round> for ContestRoundResponse {
    fn from(r: Round) -> Self {
        Self {
            id: r.id.0,
            contest_id: r.contest_id.0,
            name: r.name,
            stage: r.stage.as_str().to_owned(),
            unit_id: r.unit_id.map(|u| u.0),
            position: r.position,
            advance: r.advance,
            draw_seed: r.draw_seed.map(|s| s.to_string()),
            status: r.status.as_str().to_owned(),
            current_order: r.current_order,
            criteria: r
                .criteria
                .into_iter()
                .map(|c| CriterionBody { code: c.code, name: c.name, max: text(c.max) })
                .collect(),
            prizes: r.prizes,
            published_at: r.published_at.map(|t| t.to_db()),
            version: r.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ContestDetailResponse {
    pub contest: ContestResponse,
    pub rounds: Vec<ContestRoundResponse>,
    /// Its awards to units (优秀组织奖), as they were given.
    pub awards: Vec<ContestAwardResponse>,
    /// Whether the caller organises it.
    pub can_organise: bool,
}

impl From<ContestView> for ContestDetailResponse {
    fn from(v: ContestView) -> Self {
        Self {
            contest: v.contest.into(),
            rounds: v.rounds.into_iter().map(Into::into).collect(),
            awards: v.awards.into_iter().map(|(award, unit)| ContestAwardResponse::new(award, Some(&unit))).collect(),
            can_organise: v.can_organise,
        }
    }
}

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
    fn new(award: Award, unit: Option<&pacesetter_domain::unit::Unit>) -> Self {
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

/// The certificate of a unit's award as PDF (Chinese, with the campaign's and the unit's
/// Tibetan names).
#[utoipa::path(get, path = "/api/v1/contest-awards/{id}/certificate.pdf", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn award_certificate_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let bytes = award_certificate(&state, &actor, ContestAwardId(id)).await?;
    Ok(super::pdf_download(bytes, &format!("award-{id}.pdf")))
}

/// An award's certificate as PDF, for the API and the pages.
pub(crate) async fn award_certificate(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    id: ContestAwardId,
) -> Result<Vec<u8>, AppError> {
    use pacesetter_export::certificate::Certificate;
    let view = contests::award_certificate(&state.app, actor, id).await?;
    let certificate = Certificate {
        campaign: view.campaign.name,
        campaign_bo: view.campaign.name_bo,
        contestant: view.unit.name,
        unit: String::new(),
        unit_bo: view.unit.name_bo,
        citation: Certificate::citation(&view.contest.name, "", ""),
        prize: view.award.title,
        office: view.office.name,
        date: pacesetter_domain::timestamp::format_date(view.award.created_at.datetime().date()),
    };
    crate::bulletin::certificate_pdf(&state.config.fonts_dir, certificate).await
}

fn default_trim() -> u32 {
    1
}

fn default_precision() -> u32 {
    2
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestRequest {
    pub name: String,
    /// `speech` (the default) or `exhibition`.
    #[serde(default)]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub plan_item_id: Option<i64>,
    #[serde(default = "default_trim")]
    pub trim_high: u32,
    #[serde(default = "default_trim")]
    pub trim_low: u32,
    #[serde(default = "default_precision")]
    pub precision: u32,
    /// `half_up` (the default) or `half_even`.
    #[serde(default)]
    #[schema(value_type = Option<Rounding>)]
    pub rounding: Option<String>,
    #[serde(default)]
    pub tie_criterion: Option<String>,
    /// `at_once` (the default) or `after_next`.
    #[serde(default)]
    #[schema(value_type = Option<Reveal>)]
    pub reveal: Option<String>,
}

impl ContestRequest {
    fn input(&self) -> Result<ContestInput<'_>, AppError> {
        let rounding = match self.rounding.as_deref() {
            None => Rounding::HalfUp,
            Some(text) => Rounding::parse(text).ok_or(AppError::invalid("rounding", "invalid_rounding"))?,
        };
        let reveal = match self.reveal.as_deref() {
            None => Reveal::AtOnce,
            Some(text) => Reveal::parse(text).ok_or(AppError::invalid("reveal", "invalid_reveal"))?,
        };
        Ok(ContestInput {
            name: &self.name,
            kind: self.kind.unwrap_or(Kind::Speech),
            plan_item: self.plan_item_id.map(PlanItemId),
            rules: Rules {
                trim_high: self.trim_high,
                trim_low: self.trim_low,
                precision: self.precision,
                rounding,
                tie_criterion: self.tie_criterion.clone(),
                reveal,
            },
        })
    }
}

/// A campaign's contests.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/contests", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [ContestResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_contests(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ContestResponse>>, ApiError> {
    let contests = contests::list(&state.app, &actor, CampaignId(id)).await?;
    Ok(Json(contests.into_iter().map(Into::into).collect()))
}

/// Sets up a contest of the campaign, with its scoring rules.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/contests", tag = "contests", params(("id" = i64, Path)), request_body = ContestRequest, security(("bearer" = [])),
    responses((status = 201, body = ContestResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_contest(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContestRequest>,
) -> Result<Response, ApiError> {
    let contest = contests::create(&state.app, &actor, CampaignId(id), &body.input()?).await?;
    Ok((StatusCode::CREATED, etag(contest.version), Json(ContestResponse::from(contest))).into_response())
}

/// A contest with its rounds.
#[utoipa::path(get, path = "/api/v1/contests/{id}", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ContestDetailResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_contest(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ContestDetailResponse>, ApiError> {
    Ok(Json(contests::get(&state.app, &actor, ContestId(id)).await?.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestRoundRequest {
    pub name: String,
    #[schema(value_type = Stage)]
    pub stage: String,
    /// A heat's prefecture.
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub advance: u32,
    pub criteria: Vec<CriterionBody>,
    /// How many first, second, third … prizes it awards, e.g. `[5, 10, 35]`.
    #[serde(default)]
    pub prizes: Vec<u32>,
}

/// Adds a round (a heat, a semi-final or the final) with its criteria.
#[utoipa::path(post, path = "/api/v1/contests/{id}/rounds", tag = "contests", params(("id" = i64, Path)), request_body = ContestRoundRequest, security(("bearer" = [])),
    responses((status = 201, body = ContestRoundResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContestRoundRequest>,
) -> Result<Response, ApiError> {
    let stage = Stage::parse(&body.stage).ok_or(AppError::invalid("stage", "invalid_stage"))?;
    let criteria = body
        .criteria
        .iter()
        .map(|c| Ok(Criterion { code: c.code.clone(), name: c.name.clone(), max: points("criteria", &c.max)? }))
        .collect::<Result<Vec<_>, AppError>>()?;
    let input = RoundInput {
        name: &body.name,
        stage,
        unit: body.unit_id.map(UnitId),
        advance: body.advance,
        criteria,
        prizes: body.prizes.clone(),
    };
    let round = contests::add_round(&state.app, &actor, ContestId(id), &input).await?;
    Ok((StatusCode::CREATED, etag(round.version), Json(ContestRoundResponse::from(round))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct JudgeResponse {
    pub round_id: i64,
    pub user_id: i64,
    /// The judge's unit when seated: they are never given a contestant of it.
    pub unit_id: i64,
    pub seat: u32,
}

impl From<Judge> for JudgeResponse {
    fn from(j: Judge) -> Self {
        Self { round_id: j.round_id.0, user_id: j.user_id.0, unit_id: j.unit_id.0, seat: j.seat }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgeRequest {
    pub user_id: i64,
}

/// Seats a judge on the round's panel while it is being set up.
#[utoipa::path(post, path = "/api/v1/contest-rounds/{id}/judges", tag = "contests", params(("id" = i64, Path)), request_body = JudgeRequest, security(("bearer" = [])),
    responses((status = 201, body = JudgeResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn seat_judge(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<JudgeRequest>,
) -> Result<Response, ApiError> {
    let judge = contests::seat_judge(&state.app, &actor, ContestRoundId(id), Seated::Id(UserId(body.user_id))).await?;
    Ok((StatusCode::CREATED, Json(JudgeResponse::from(judge))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ContestEntryResponse {
    pub id: i64,
    pub round_id: i64,
    pub contestant: String,
    /// The unit the contestant represents.
    pub unit_id: i64,
    pub title: String,
    /// Place in the running order, from 1, once drawn.
    pub running_order: Option<u32>,
    /// Where an exhibition work's picture is read, once it has one.
    pub image_url: Option<String>,
}

impl From<Entry> for ContestEntryResponse {
    fn from(e: Entry) -> Self {
        Self {
            image_url: e.image.as_ref().map(|_| format!("/api/v1/contest-entries/{}/image", e.id.0)),
            id: e.id.0,
            round_id: e.round_id.0,
            contestant: e.contestant,
            unit_id: e.unit_id.0,
            title: e.title,
            running_order: e.running_order,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestEntryRequest {
    pub contestant: String,
    pub unit_id: i64,
    /// The speech's or the work's title.
    #[serde(default)]
    pub title: String,
}

/// Enters a contestant representing a unit while the round is being set up.
#[utoipa::path(post, path = "/api/v1/contest-rounds/{id}/entries", tag = "contests", params(("id" = i64, Path)), request_body = ContestEntryRequest, security(("bearer" = [])),
    responses((status = 201, body = ContestEntryResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContestEntryRequest>,
) -> Result<Response, ApiError> {
    let input = EntryInput {
        contestant: &body.contestant,
        unit: UnitRef::Id(UnitId(body.unit_id)),
        title: &body.title,
        image: None,
    };
    let entry = contests::add_entry(&state.app, &actor, ContestRoundId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(ContestEntryResponse::from(entry))).into_response())
}

/// Gives an exhibition work its picture while its category is being set up (the body is the
/// image: JPEG, PNG or WebP, at most 10 MB, its metadata stripped); replaces any picture before.
#[utoipa::path(put, path = "/api/v1/contest-entries/{id}/image", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    request_body(content = super::FileBytes, content_type = "image/*"),
    responses((status = 200, body = ContestEntryResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_entry_image(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<Json<ContestEntryResponse>, ApiError> {
    Ok(Json(contests::set_entry_image(&state.app, &actor, ContestEntryId(id), &body).await?.into()))
}

/// An entry's picture, for everyone signed in.
#[utoipa::path(get, path = "/api/v1/contest-entries/{id}/image", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "image/*", description = "The picture, in its own type (JPEG, PNG or WebP)."), (status = 404, body = crate::error::ErrorBody)))]
pub async fn entry_image(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (content_type, bytes) = contests::entry_image(&state.app, &actor, ContestEntryId(id)).await?;
    Ok(super::findings::picture(&content_type, bytes))
}

/// Publishes a closed round's results: its ranking and prizes are final; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/contest-rounds/{id}/publish", tag = "contests", params(("id" = i64, Path), IfMatch), security(("bearer" = [])),
    responses((status = 200, body = ContestRoundResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
) -> Result<Response, ApiError> {
    let round = contests::publish(&state.app, &actor, ContestRoundId(id), version).await?;
    Ok((etag(round.version), Json(ContestRoundResponse::from(round))).into_response())
}

/// Draws the running order from a fresh random seed, kept with the round; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/contest-rounds/{id}/draw", tag = "contests", params(("id" = i64, Path), IfMatch), security(("bearer" = [])),
    responses((status = 200, body = ContestRoundResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn draw(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
) -> Result<Response, ApiError> {
    let round = contests::draw(&state.app, &actor, ContestRoundId(id), version).await?;
    Ok((etag(round.version), Json(ContestRoundResponse::from(round))).into_response())
}

/// How to move a round along.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundMove {
    /// Opens scoring with the first contestant on stage.
    Open,
    /// Calls the next contestant.
    Next,
    /// Closes the round: no more scores.
    Close,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceRequest {
    #[serde(rename = "move")]
    pub step: RoundMove,
}

/// Opens the round, calls the next contestant or closes it; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/contest-rounds/{id}/advance", tag = "contests", params(("id" = i64, Path), IfMatch), request_body = AdvanceRequest, security(("bearer" = [])),
    responses((status = 200, body = ContestRoundResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn advance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<AdvanceRequest>,
) -> Result<Response, ApiError> {
    let step = match body.step {
        RoundMove::Open => Move::Open,
        RoundMove::Next => Move::Next,
        RoundMove::Close => Move::Close,
    };
    let round = contests::advance(&state.app, &actor, ContestRoundId(id), version, step).await?;
    Ok((etag(round.version), Json(ContestRoundResponse::from(round))).into_response())
}

/// A criterion's points in a judge's score.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionPoints {
    pub code: String,
    /// A decimal with at most two places, e.g. "38.5".
    pub points: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct JudgeScoreResponse {
    pub id: i64,
    pub entry_id: i64,
    pub judge_id: i64,
    pub criteria: Vec<CriterionPoints>,
    pub total: String,
    /// The score this one corrects, and why.
    pub supersedes_id: Option<i64>,
    pub reason: Option<String>,
    pub created_by: i64,
    pub created_at: String,
}

impl From<JudgeScore> for JudgeScoreResponse {
    fn from(s: JudgeScore) -> Self {
        Self {
            id: s.id.0,
            entry_id: s.entry_id.0,
            judge_id: s.judge_id.0,
            criteria: s
                .criteria
                .into_iter()
                .map(|(code, value)| CriterionPoints { code, points: text(value) })
                .collect(),
            total: text(s.total),
            supersedes_id: s.supersedes.map(|s| s.0),
            reason: s.reason,
            created_by: s.created_by.0,
            created_at: s.created_at.to_db(),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    pub criteria: Vec<CriterionPoints>,
    /// Made up by the phone for this score (a UUID, say): sent again after a lost connection,
    /// the score already kept is the answer.
    pub idempotency_key: String,
}

fn criteria_of(list: &[CriterionPoints]) -> Result<Vec<(String, Decimal)>, AppError> {
    list.iter().map(|c| Ok((c.code.clone(), points("criteria", &c.points)?))).collect()
}

/// A judge scores the contestant on stage: once, never one of their own unit.
#[utoipa::path(post, path = "/api/v1/contest-entries/{id}/scores", tag = "contests", params(("id" = i64, Path)), request_body = ScoreRequest, security(("bearer" = [])),
    responses((status = 201, body = JudgeScoreResponse), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn submit_score(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ScoreRequest>,
) -> Result<Response, ApiError> {
    let input = ScoreInput { criteria: criteria_of(&body.criteria)?, key: &body.idempotency_key };
    let score = contests::submit_score(&state.app, &actor, ContestEntryId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(JudgeScoreResponse::from(score))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    pub criteria: Vec<CriterionPoints>,
    pub idempotency_key: String,
    /// Why the score is corrected; kept with both scores.
    pub reason: String,
}

/// The organiser corrects a judge's score: a new score supersedes it, both are kept.
#[utoipa::path(post, path = "/api/v1/judge-scores/{id}/corrections", tag = "contests", params(("id" = i64, Path)), request_body = CorrectionRequest, security(("bearer" = [])),
    responses((status = 201, body = JudgeScoreResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn correct_score(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CorrectionRequest>,
) -> Result<Response, ApiError> {
    let input = ScoreInput { criteria: criteria_of(&body.criteria)?, key: &body.idempotency_key };
    let score = contests::correct_score(&state.app, &actor, JudgeScoreId(id), &input, &body.reason).await?;
    Ok((StatusCode::CREATED, Json(JudgeScoreResponse::from(score))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardLineResponse {
    pub entry: ContestEntryResponse,
    /// Each seat's score, once it may be shown: `null` for a seat not yet scored, held back,
    /// or excused for the judge's own unit.
    pub judge_scores: Vec<Option<String>>,
    /// How many judges have scored.
    pub scored: usize,
    /// How many judges may score it: those of its own unit are excused.
    pub eligible: usize,
    /// The trimmed mean at the contest's precision ("91.50"), once every judge who may score
    /// the entry has (or the round is closed).
    pub score: Option<String>,
    /// The sum of every judge's score shown.
    pub total: String,
    /// Shared by entries nothing tells apart.
    pub rank: Option<u32>,
    /// The prize won, once the round is closed: 1 for a first prize, 2 for a second …
    pub prize: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardResponse {
    pub contest: ContestResponse,
    pub round: ContestRoundResponse,
    /// Seats on the panel.
    pub judges: usize,
    pub on_stage: Option<ContestEntryResponse>,
    /// Best first.
    pub lines: Vec<BoardLineResponse>,
}

impl From<Board> for BoardResponse {
    fn from(b: Board) -> Self {
        let precision = b.contest.rules.precision as usize;
        Self {
            contest: b.contest.into(),
            round: b.round.into(),
            judges: b.judges,
            on_stage: b.on_stage.map(Into::into),
            lines: b
                .lines
                .into_iter()
                .map(|l| BoardLineResponse {
                    entry: l.entry.into(),
                    judge_scores: l.judge_scores.into_iter().map(|s| s.map(text)).collect(),
                    scored: l.scored,
                    eligible: l.eligible,
                    score: l.standing.score.map(|s| format!("{s:.precision$}")),
                    total: text(l.standing.total),
                    rank: l.standing.rank,
                    prize: l.prize.map(|p| p as u32 + 1),
                })
                .collect(),
        }
    }
}

/// A round's scoreboard: the contestant on stage and the ranking so far.
#[utoipa::path(get, path = "/api/v1/contest-rounds/{id}/board", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = BoardResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn board(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BoardResponse>, ApiError> {
    Ok(Json(contests::board(&state.app, &actor, ContestRoundId(id)).await?.into()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeskResponse {
    pub contest: ContestResponse,
    pub round: ContestRoundResponse,
    /// The contestant to score now, unless excused.
    pub on_stage: Option<ContestEntryResponse>,
    /// The caller's kept score of that contestant, once sent.
    pub my_score: Option<JudgeScoreResponse>,
    /// On stage is a contestant of the caller's own unit, whom they do not score.
    pub excused: bool,
}

impl From<Desk> for DeskResponse {
    fn from(d: Desk) -> Self {
        Self {
            contest: d.contest.into(),
            round: d.round.into(),
            on_stage: d.on_stage.map(Into::into),
            my_score: d.my_score.map(Into::into),
            excused: d.excused,
        }
    }
}

/// The open rounds the caller judges, each with the contestant to score now.
#[utoipa::path(get, path = "/api/v1/judging", tag = "contests", security(("bearer" = [])),
    responses((status = 200, body = [DeskResponse])))]
pub async fn judging(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<DeskResponse>>, ApiError> {
    Ok(Json(contests::desks(&state.app, &actor).await?.into_iter().map(Into::into).collect()))
}

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
    responses((status = 201, body = [super::evaluations::ItemResponse]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
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
    let body: Vec<super::evaluations::ItemResponse> = items.into_iter().map(Into::into).collect();
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
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// A round's results as an XLSX workbook, in the caller's language.
#[utoipa::path(get, path = "/api/v1/contest-rounds/{id}/results.xlsx", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn results_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let t = crate::i18n::Tr::new(actor.user.locale.unwrap_or(pacesetter_domain::Locale::ZhHans));
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

/// The certificate of an entry's prize as PDF (Chinese, with the campaign's and the unit's
/// Tibetan names), once the round's results are published; an entry without a prize has none.
#[utoipa::path(get, path = "/api/v1/contest-entries/{id}/certificate.pdf", tag = "contests", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn certificate_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    use pacesetter_export::certificate::Certificate;
    let view = contests::certificate(&state.app, &actor, ContestEntryId(id)).await?;
    let prize = ["一等奖", "二等奖", "三等奖"]
        .get(view.prize)
        .map_or_else(|| format!("{}等奖", view.prize + 1), |p| (*p).to_owned());
    let published = view.round.published_at.unwrap_or(view.contest.updated_at);
    let certificate = Certificate {
        campaign: view.campaign.name,
        campaign_bo: view.campaign.name_bo,
        contestant: view.entry.contestant.clone(),
        unit: view.unit.name,
        unit_bo: view.unit.name_bo,
        citation: Certificate::citation(&view.contest.name, &view.round.name, &view.entry.title),
        prize,
        office: view.office.name,
        date: pacesetter_domain::timestamp::format_date(published.datetime().date()),
    };
    let bytes = crate::bulletin::certificate_pdf(&state.config.fonts_dir, certificate).await?;
    Ok(super::pdf_download(bytes, &format!("certificate-{id}.pdf")))
}
