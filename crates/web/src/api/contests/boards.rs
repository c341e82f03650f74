//! `/api/v1/contest-rounds/{id}/board` and `/api/v1/judging`: a round's board, and a judge's desks.

use crate::{
    AppState,
    api::{ApiActor, ApiPath},
    error::ApiError,
};
use axum::{Json, extract::State};
use pacesetter_app::contests::{self, Board, Desk};
use pacesetter_domain::ids::ContestRoundId;
use serde::Serialize;

use super::*;

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
