//! `/api/v1/contest-entries/{id}/scores`: a judge's scores from the phone, and the chief
//! judge's corrections.

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
    contests::{self, ScoreInput},
};
use pacesetter_domain::{
    contest::JudgeScore,
    ids::{ContestEntryId, JudgeScoreId},
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::*;

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
