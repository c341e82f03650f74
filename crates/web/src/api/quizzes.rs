//! `/api/v1/…quizzes`: knowledge quizzes between teams (知识竞赛). The quiz master (whoever runs
//! the campaign) enters the teams, opens the quiz, records every answer with a key of the
//! console's making (sent twice, it is kept once), voids a mistaken one with a reason and closes
//! the quiz once no podium place awaits a playoff; the standings fold the answers by
//! `SCORING.md` §3. Points are decimals written as strings ("20").

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError,
    contests::UnitRef,
    quizzes::{self, AnswerInput, Console, QuizInput, QuizMove, Standings},
};
use pacesetter_domain::{
    UnitId,
    ids::{CampaignId, PlanItemId, QuizEventId, QuizId, QuizTeamId},
    quiz::{Answer, Outcome, QuestionKind, Quiz, QuizStatus, Rules, Team},
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
pub struct QuizResponse {
    pub id: i64,
    pub campaign_id: i64,
    /// The plan task the quiz carries out.
    pub plan_item_id: Option<i64>,
    pub name: String,
    /// What every team starts from.
    pub base: String,
    pub compulsory_points: String,
    /// Taken for a wrong compulsory answer.
    pub compulsory_penalty: String,
    /// Won for a right buzzer answer, lost for a wrong one.
    pub buzzer_points: String,
    /// Taken for buzzing early; `null`: not penalised.
    pub early_buzz_penalty: Option<String>,
    /// The stakes a team may choose for a risk question, smallest first.
    pub risk_values: Vec<String>,
    pub status: QuizStatus,
    pub version: i64,
}

impl From<Quiz> for QuizResponse {
    fn from(q: Quiz) -> Self {
        Self {
            id: q.id.0,
            campaign_id: q.campaign_id.0,
            plan_item_id: q.plan_item_id.map(|p| p.0),
            name: q.name,
            base: text(q.rules.base),
            compulsory_points: text(q.rules.compulsory_points),
            compulsory_penalty: text(q.rules.compulsory_penalty),
            buzzer_points: text(q.rules.buzzer_points),
            early_buzz_penalty: q.rules.early_buzz_penalty.map(text),
            risk_values: q.rules.risk_values.into_iter().map(text).collect(),
            status: q.status,
            version: q.version,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizRequest {
    pub name: String,
    #[serde(default)]
    pub plan_item_id: Option<i64>,
    /// Decimals as strings; each defaults to `SCORING.md` §3's: base 100, compulsory +10 with no
    /// penalty, buzzer ±20, no early-buzz penalty, risk ±20/40/60.
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub compulsory_points: Option<String>,
    #[serde(default)]
    pub compulsory_penalty: Option<String>,
    #[serde(default)]
    pub buzzer_points: Option<String>,
    #[serde(default)]
    pub early_buzz_penalty: Option<String>,
    #[serde(default)]
    pub risk_values: Option<Vec<String>>,
}

impl QuizRequest {
    fn input(&self) -> Result<QuizInput<'_>, AppError> {
        let defaults = Rules::default();
        let or = |field: &'static str, given: &Option<String>, default: Decimal| match given {
            Some(value) => points(field, value),
            None => Ok(default),
        };
        let rules = Rules {
            base: or("base", &self.base, defaults.base)?,
            compulsory_points: or("compulsory_points", &self.compulsory_points, defaults.compulsory_points)?,
            compulsory_penalty: or("compulsory_penalty", &self.compulsory_penalty, defaults.compulsory_penalty)?,
            buzzer_points: or("buzzer_points", &self.buzzer_points, defaults.buzzer_points)?,
            early_buzz_penalty: self
                .early_buzz_penalty
                .as_deref()
                .map(|p| points("early_buzz_penalty", p))
                .transpose()?,
            risk_values: match &self.risk_values {
                Some(values) => values.iter().map(|v| points("risk_values", v)).collect::<Result<_, _>>()?,
                None => defaults.risk_values,
            },
        };
        Ok(QuizInput { name: &self.name, plan_item: self.plan_item_id.map(PlanItemId), rules })
    }
}

/// A campaign's quizzes.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/quizzes", tag = "quizzes", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [QuizResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_quizzes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<QuizResponse>>, ApiError> {
    let quizzes = quizzes::list(&state.app, &actor, CampaignId(id)).await?;
    Ok(Json(quizzes.into_iter().map(Into::into).collect()))
}

/// Sets up a quiz of the campaign, with its points.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/quizzes", tag = "quizzes", params(("id" = i64, Path)), request_body = QuizRequest, security(("bearer" = [])),
    responses((status = 201, body = QuizResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_quiz(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<QuizRequest>,
) -> Result<Response, ApiError> {
    let quiz = quizzes::create(&state.app, &actor, CampaignId(id), &body.input()?).await?;
    Ok((StatusCode::CREATED, etag(quiz.version), Json(QuizResponse::from(quiz))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuizTeamResponse {
    pub id: i64,
    pub quiz_id: i64,
    /// The unit the team represents.
    pub unit_id: i64,
    pub name: String,
    /// Its place on the stage, from 1.
    pub position: u32,
}

impl From<Team> for QuizTeamResponse {
    fn from(t: Team) -> Self {
        Self { id: t.id.0, quiz_id: t.quiz_id.0, unit_id: t.unit_id.0, name: t.name, position: t.position }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuizDetailResponse {
    pub quiz: QuizResponse,
    pub teams: Vec<QuizTeamResponse>,
    /// Whether the caller is its quiz master.
    pub can_run: bool,
}

/// A quiz with its teams.
#[utoipa::path(get, path = "/api/v1/quizzes/{id}", tag = "quizzes", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = QuizDetailResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_quiz(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let Console { standings, teams, can_run, .. } = quizzes::console(&state.app, &actor, QuizId(id)).await?;
    let version = standings.quiz.version;
    let body =
        QuizDetailResponse { quiz: standings.quiz.into(), teams: teams.into_iter().map(Into::into).collect(), can_run };
    Ok((etag(version), Json(body)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizTeamRequest {
    pub unit_id: i64,
    /// Defaults to the unit's name.
    #[serde(default)]
    pub name: String,
}

/// Enters a team representing a unit while the quiz is being set up.
#[utoipa::path(post, path = "/api/v1/quizzes/{id}/teams", tag = "quizzes", params(("id" = i64, Path)), request_body = QuizTeamRequest, security(("bearer" = [])),
    responses((status = 201, body = QuizTeamResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_team(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<QuizTeamRequest>,
) -> Result<Response, ApiError> {
    let team = quizzes::add_team(&state.app, &actor, QuizId(id), UnitRef::Id(UnitId(body.unit_id)), &body.name).await?;
    Ok((StatusCode::CREATED, Json(QuizTeamResponse::from(team))).into_response())
}

/// How to move a quiz along.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuizMoveBody {
    /// Starts the quiz: answers may be recorded.
    Open,
    /// Ends it with its standings final; refused while a podium place awaits its playoff.
    Close,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizAdvanceRequest {
    #[serde(rename = "move")]
    pub step: QuizMoveBody,
}

/// Opens or closes the quiz; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/quizzes/{id}/advance", tag = "quizzes", params(("id" = i64, Path), IfMatch), request_body = QuizAdvanceRequest, security(("bearer" = [])),
    responses((status = 200, body = QuizResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn advance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<QuizAdvanceRequest>,
) -> Result<Response, ApiError> {
    let step = match body.step {
        QuizMoveBody::Open => QuizMove::Open,
        QuizMoveBody::Close => QuizMove::Close,
    };
    let quiz = quizzes::advance(&state.app, &actor, QuizId(id), version, step).await?;
    Ok((etag(quiz.version), Json(QuizResponse::from(quiz))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuizEventResponse {
    pub id: i64,
    pub quiz_id: i64,
    pub team_id: i64,
    /// The question's number, from 1.
    pub question: u32,
    pub kind: QuestionKind,
    pub outcome: Outcome,
    /// The stake chosen for a risk question.
    pub stake: Option<String>,
    /// What the answer was worth, signed.
    pub points: String,
    /// Why it was voided; a voided answer counts for nothing.
    pub void_reason: Option<String>,
    pub voided_at: Option<String>,
    pub created_by: i64,
    pub created_at: String,
}

impl From<Answer> for QuizEventResponse {
    fn from(a: Answer) -> Self {
        Self {
            id: a.id.0,
            quiz_id: a.quiz_id.0,
            team_id: a.team_id.0,
            question: a.question,
            kind: a.kind,
            outcome: a.outcome,
            stake: a.stake.map(text),
            points: text(a.points),
            void_reason: a.voided.as_ref().map(|v| v.reason.clone()),
            voided_at: a.voided.as_ref().map(|v| v.at.to_db()),
            created_by: a.created_by.0,
            created_at: a.created_at.to_db(),
        }
    }
}

/// Every answer of the quiz in the order given, voided ones included.
#[utoipa::path(get, path = "/api/v1/quizzes/{id}/events", tag = "quizzes", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [QuizEventResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_events(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<QuizEventResponse>>, ApiError> {
    let console = quizzes::console(&state.app, &actor, QuizId(id)).await?;
    Ok(Json(console.answers.into_iter().rev().map(Into::into).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizEventRequest {
    pub team_id: i64,
    /// The question's number, from 1.
    pub question: u32,
    pub kind: QuestionKind,
    pub outcome: Outcome,
    /// The stake the team chose, for a risk question only: one of the quiz's `risk_values`.
    #[serde(default)]
    pub stake: Option<String>,
    /// Made up by the console for this answer: sent again, the answer already kept is the reply.
    pub idempotency_key: String,
}

/// Records an answer of the open quiz; a playoff answer only from a team level on a podium place.
#[utoipa::path(post, path = "/api/v1/quizzes/{id}/events", tag = "quizzes", params(("id" = i64, Path)), request_body = QuizEventRequest, security(("bearer" = [])),
    responses((status = 201, body = QuizEventResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn record_event(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<QuizEventRequest>,
) -> Result<Response, ApiError> {
    let input = AnswerInput {
        team: QuizTeamId(body.team_id),
        question: body.question,
        kind: body.kind,
        outcome: body.outcome,
        stake: body.stake.as_deref().map(|s| points("stake", s)).transpose()?,
        key: &body.idempotency_key,
    };
    let answer = quizzes::record(&state.app, &actor, QuizId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(QuizEventResponse::from(answer))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    /// Why the answer is voided; kept with it.
    pub reason: String,
}

/// Voids an answer of the open quiz: it stays on record and counts for nothing.
#[utoipa::path(post, path = "/api/v1/quiz-events/{id}/void", tag = "quizzes", params(("id" = i64, Path)), request_body = VoidRequest, security(("bearer" = [])),
    responses((status = 200, body = QuizEventResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn void_event(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VoidRequest>,
) -> Result<Json<QuizEventResponse>, ApiError> {
    Ok(Json(quizzes::void(&state.app, &actor, QuizEventId(id), &body.reason).await?.into()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuizStandingResponse {
    pub team: QuizTeamResponse,
    pub score: String,
    /// Shared by teams nothing has told apart yet.
    pub rank: u32,
    /// Level with others on a podium place that a playoff has still to settle.
    pub playoff_due: bool,
    /// Answers that count, and how many were right.
    pub answered: usize,
    pub correct: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuizStandingsResponse {
    pub quiz: QuizResponse,
    /// Best first.
    pub standings: Vec<QuizStandingResponse>,
    /// The highest question number answered so far.
    pub last_question: u32,
    /// The latest answer that counts.
    pub latest: Option<QuizEventResponse>,
}

impl From<Standings> for QuizStandingsResponse {
    fn from(s: Standings) -> Self {
        Self {
            quiz: s.quiz.into(),
            standings: s
                .lines
                .into_iter()
                .map(|l| QuizStandingResponse {
                    team: l.team.into(),
                    score: text(l.standing.score),
                    rank: l.standing.rank,
                    playoff_due: l.standing.playoff_due,
                    answered: l.answered,
                    correct: l.correct,
                })
                .collect(),
            last_question: s.last_question,
            latest: s.latest.map(Into::into),
        }
    }
}

/// The quiz's standings: each team's score and place, best first.
#[utoipa::path(get, path = "/api/v1/quizzes/{id}/standings", tag = "quizzes", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = QuizStandingsResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn standings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<QuizStandingsResponse>, ApiError> {
    Ok(Json(quizzes::standings(&state.app, &actor, QuizId(id)).await?.into()))
}
