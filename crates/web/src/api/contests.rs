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
    contests::{self, ContestInput, ContestView, EntryInput, Move, RoundInput, Seated, UnitRef},
};
use pacesetter_domain::{
    UnitId, UserId,
    contest::{Contest, Criterion, Entry, Judge, Kind, Reveal, Round, Rules, Stage},
    evaluation::Rounding,
    ids::{CampaignId, ContestEntryId, ContestId, ContestRoundId, PlanItemId},
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

mod results;
pub use results::*;

mod boards;
pub use boards::*;

mod scores;
pub use scores::*;

mod awards;
pub use awards::*;

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
    /// The name in Tibetan, if given.
    pub name_bo: Option<String>,
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
            name_bo: c.name_bo,
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
    /// The name in Tibetan (optional).
    #[serde(default)]
    pub name_bo: String,
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
            name_bo: &self.name_bo,
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

/// A contest's new name.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestNameRequest {
    pub name: String,
    /// In Tibetan; left out or empty: none.
    #[serde(default)]
    pub name_bo: Option<String>,
}

/// Renames a contest, in Chinese and Tibetan; needs `If-Match`. The organiser's.
#[utoipa::path(put, path = "/api/v1/contests/{id}/name", tag = "contests", params(("id" = i64, Path), IfMatch), request_body = ContestNameRequest, security(("bearer" = [])),
    responses((status = 200, body = ContestResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 412, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn rename_contest(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<ContestNameRequest>,
) -> Result<Response, ApiError> {
    let name_bo = body.name_bo.as_deref().unwrap_or("");
    let contest = contests::rename(&state.app, &actor, ContestId(id), version, &body.name, name_bo).await?;
    Ok((etag(contest.version), Json(ContestResponse::from(contest))).into_response())
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
