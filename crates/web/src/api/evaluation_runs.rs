//! `/api/v1/evaluations/…/runs`: running a scheme, results per category, publishing, checking
//! that a frozen run reproduces, what-if copies, explanations, and appeals (复核).

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError,
    evaluations::{appeals, runs},
};
use pacesetter_domain::{
    UnitId,
    evaluation::{
        UnitLine, VetoEffect,
        records::{Appeal, AppealId, Decision, Run, RunId, SchemeId},
    },
};
use serde::{Deserialize, Serialize};

use super::evaluations::{ScoreBody, UnitQuery, score_body};
use crate::{
    AppState,
    api::{ApiActor, ApiJson, ApiPath, extract::ApiQuery},
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct RunResponse {
    pub id: i64,
    pub evaluation_id: i64,
    /// `draft`, `published` or `what_if`.
    #[schema(value_type = pacesetter_domain::evaluation::records::RunKind)]
    pub kind: String,
    /// The published version (1, 2, … after appeals).
    pub version: Option<i64>,
    /// The published version this one replaces, or the run a what-if copies.
    pub parent_run_id: Option<i64>,
    pub created_by: i64,
    pub created_at: String,
    pub published_at: Option<String>,
    /// SHA-256 of every unit's frozen inputs, and of every result line, in unit order: also in
    /// the run's audit record, so that a changed row shows.
    pub inputs_sha256: String,
    pub results_sha256: String,
}

impl From<Run> for RunResponse {
    fn from(r: Run) -> Self {
        Self {
            id: r.id.0,
            evaluation_id: r.scheme_id.0,
            kind: r.kind.as_str().to_owned(),
            version: r.version,
            parent_run_id: r.parent_run_id.map(|p| p.0),
            created_by: r.created_by.0,
            created_at: r.created_at.to_db(),
            published_at: r.published_at.map(|t| t.to_db()),
            inputs_sha256: r.inputs_sha256,
            results_sha256: r.results_sha256,
        }
    }
}

/// One unit's line of a run.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResultLine {
    pub unit_id: i64,
    pub category: String,
    /// Within the category; absent when a veto excludes the unit from ranking.
    pub rank: Option<u32>,
    /// Rounded once, by the scheme's rule.
    pub final_score: String,
    pub grade: String,
    pub base: String,
    pub bonus: String,
    pub deductions: String,
    /// base + bonus − deductions, clamped, exact.
    pub raw: String,
    pub vetoed: bool,
    /// A quota moved the unit down from the grade its score earned.
    pub quota_moved: bool,
    /// Leaves whose self and inspector scores differ too much (复核).
    pub flagged_leaves: Vec<String>,
}

impl From<UnitLine> for ResultLine {
    fn from(r: UnitLine) -> Self {
        Self {
            flagged_leaves: r.flagged,
            unit_id: r.unit,
            category: r.category,
            rank: r.rank,
            final_score: r.final_score.to_string(),
            grade: r.grade,
            base: r.base.normalize().to_string(),
            bonus: r.bonus.normalize().to_string(),
            deductions: r.deductions.normalize().to_string(),
            raw: r.raw.normalize().to_string(),
            vetoed: r.vetoed,
            quota_moved: r.quota_moved,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AppealResponse {
    pub id: i64,
    pub run_id: i64,
    pub unit_id: i64,
    pub reason: String,
    pub filed_by: i64,
    pub created_at: String,
    pub reviewer_id: Option<i64>,
    /// `upheld` (a new version was published) or `dismissed`; absent while open.
    #[schema(value_type = Option<pacesetter_domain::evaluation::records::Decision>)]
    pub decision: Option<String>,
    pub note: Option<String>,
    pub decided_at: Option<String>,
    /// The version an upheld appeal published.
    pub new_run_id: Option<i64>,
}

impl From<Appeal> for AppealResponse {
    fn from(a: Appeal) -> Self {
        Self {
            id: a.id.0,
            run_id: a.run_id.0,
            unit_id: a.unit_id.0,
            reason: a.reason,
            filed_by: a.filed_by.0,
            created_at: a.created_at.to_db(),
            reviewer_id: a.reviewer_id.map(|r| r.0),
            decision: a.decision.map(|d| d.as_str().to_owned()),
            note: a.note,
            decided_at: a.decided_at.map(|t| t.to_db()),
            new_run_id: a.new_run_id.map(|r| r.0),
        }
    }
}

/// A category of a run's results: how many of its lines the caller sees (that match the
/// search), and how many of them are ranked (the others a veto excludes).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResultCategory {
    pub name: String,
    pub units: i64,
    pub ranked: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RunResultsResponse {
    pub run: RunResponse,
    pub evaluation_name: String,
    /// The evaluation's name in Tibetan, if given.
    pub evaluation_name_bo: Option<String>,
    /// Every category of the lines the caller sees that match `q`, by name, whichever
    /// `category` the page shows.
    pub categories: Vec<ResultCategory>,
    /// One page of lines: by category, ranked units in rank order, then those a veto excludes.
    pub results: Vec<ResultLine>,
    /// How many lines there are across the pages.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// The run's appeals about units the caller sees.
    pub appeals: Vec<AppealResponse>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsParams {
    /// Only this category's lines.
    pub category: Option<String>,
    /// Only units whose name (Chinese or Tibetan) or code holds this; at most 200 characters
    /// (`search_too_long`).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// From 1; a page past the end answers the last one.
    pub page: Option<i64>,
    /// At most 500; 50 when left out.
    pub per_page: Option<i64>,
}

impl ResultsParams {
    fn query(self) -> runs::ResultsQuery {
        runs::ResultsQuery {
            category: self.category.filter(|c| !c.is_empty()),
            search: self.q,
            page: pacesetter_app::PageRequest::new(self.page, self.per_page),
        }
    }
}

fn results_response(view: runs::ResultsPage) -> RunResultsResponse {
    RunResultsResponse {
        run: view.run.into(),
        evaluation_name: view.scheme_name,
        evaluation_name_bo: view.scheme_name_bo,
        categories: view
            .categories
            .into_iter()
            .map(|c| ResultCategory { name: c.category, units: c.lines, ranked: c.ranked })
            .collect(),
        results: view.results.items.into_iter().map(Into::into).collect(),
        total: view.results.total,
        page: view.results.page,
        per_page: view.results.per_page,
        appeals: view.appeals.into_iter().map(Into::into).collect(),
    }
}

/// Runs the scheme on the current entries and items as a draft, storing its inputs and
/// results; answers the first page of its results, as `GET /api/v1/evaluations/runs/{id}`.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/runs", tag = "evaluations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 201, body = RunResultsResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_run(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let run = runs::run(&state.app, &actor, SchemeId(id)).await?.run;
    let first = runs::results(&state.app, &actor, run.id, &runs::ResultsQuery::default()).await?;
    Ok((StatusCode::CREATED, Json(results_response(first))).into_response())
}

/// A scheme's runs, newest first: all of them for the campaign office, published ones for others.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}/runs", tag = "evaluations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [RunResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_runs(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<RunResponse>>, ApiError> {
    let list = runs::list(&state.app, &actor, SchemeId(id)).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// A page of a run's results, by category; units outside the caller's view are left out.
#[utoipa::path(get, path = "/api/v1/evaluations/runs/{id}", tag = "evaluations", params(("id" = i64, Path), ResultsParams), security(("bearer" = [])),
    responses((status = 200, body = RunResultsResponse), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn get_run(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<ResultsParams>,
) -> Result<Json<RunResultsResponse>, ApiError> {
    Ok(Json(results_response(runs::results(&state.app, &actor, RunId(id), &params.query()).await?)))
}

/// Publishes a draft run as version 1, frozen with all its inputs; later versions come only
/// from upheld appeals.
#[utoipa::path(post, path = "/api/v1/evaluations/runs/{id}/publish", tag = "evaluations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RunResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn publish_run(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RunResponse>, ApiError> {
    Ok(Json(runs::publish(&state.app, &actor, RunId(id)).await?.into()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VerifyResponse {
    pub run: RunResponse,
    /// The frozen inputs and stored lines match their recorded digests, and re-running the
    /// frozen inputs gave the stored lines byte for byte.
    pub identical: bool,
    /// The frozen inputs still hash to the digest recorded when the run was made.
    pub inputs_intact: bool,
    /// Units whose recomputed line differs from the stored one.
    pub differing_units: Vec<i64>,
}

/// Re-runs a run from its frozen inputs and compares every number with what was stored.
#[utoipa::path(get, path = "/api/v1/evaluations/runs/{id}/verify", tag = "evaluations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = VerifyResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn verify_run(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<VerifyResponse>, ApiError> {
    let outcome = runs::verify(&state.app, &actor, RunId(id)).await?;
    Ok(Json(VerifyResponse {
        run: outcome.run.into(),
        identical: outcome.identical,
        inputs_intact: outcome.inputs_intact,
        differing_units: outcome.differing_units,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// New `points` or `weight` per node code: `{"A1": {"points": "10"}}`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub nodes: Option<serde_json::Value>,
    /// Other grade bands: `[{"name": "优秀", "min": "95"}, …]`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub bands: Option<serde_json::Value>,
    /// Other quotas: `[{"grade": "优秀", "share": "0.2"}]`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub quotas: Option<serde_json::Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MoveBody {
    pub unit_id: i64,
    pub category: String,
    pub rank_before: Option<u32>,
    pub rank: Option<u32>,
    pub grade_before: String,
    pub grade: String,
    pub final_before: String,
    pub final_score: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WhatIfResponse {
    /// The what-if run, stored beside the run it copies, which is untouched.
    pub run: RunResponse,
    pub moves: Vec<MoveBody>,
}

/// Evaluates a copy of a run under other weights, points, bands or quotas and shows how ranks
/// and grades move; the run itself is untouched.
#[utoipa::path(post, path = "/api/v1/evaluations/runs/{id}/what-if", tag = "evaluations", params(("id" = i64, Path)), request_body = WhatIfRequest, security(("bearer" = [])),
    responses((status = 201, body = WhatIfResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn what_if(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WhatIfRequest>,
) -> Result<Response, ApiError> {
    let mut changes = serde_json::Map::new();
    for (key, value) in [("nodes", body.nodes), ("bands", body.bands), ("quotas", body.quotas)] {
        if let Some(value) = value {
            changes.insert(key.to_owned(), value);
        }
    }
    let outcome = runs::what_if(&state.app, &actor, RunId(id), &serde_json::Value::Object(changes)).await?;
    let body = WhatIfResponse {
        run: outcome.run.into(),
        moves: outcome
            .moves
            .into_iter()
            .map(|m| MoveBody {
                unit_id: m.unit,
                category: m.category,
                rank_before: m.rank_before,
                rank: m.rank,
                grade_before: m.grade_before,
                grade: m.grade,
                final_before: m.final_before.to_string(),
                final_score: m.final_score.to_string(),
            })
            .collect(),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExplainedLeafBody {
    pub code: String,
    pub name: String,
    /// The indicator's name in Tibetan, where the scheme gives one.
    pub name_bo: Option<String>,
    pub max: String,
    /// The unit's answer (`domain::evaluation::Answer` JSON), if it gave one.
    #[schema(value_type = Option<Object>)]
    pub self_answer: Option<serde_json::Value>,
    pub self_score: Option<ScoreBody>,
    pub self_evidence_ids: Vec<i64>,
    pub self_comment: Option<String>,
    /// The inspectors' answer, if they gave one.
    #[schema(value_type = Option<Object>)]
    pub inspector_answer: Option<serde_json::Value>,
    pub inspector_score: Option<ScoreBody>,
    pub inspector_evidence_ids: Vec<i64>,
    pub inspector_comment: Option<String>,
    /// How the server computed it (`task_completion`).
    pub computed: Option<String>,
    pub combined: String,
    pub flagged: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BonusBody {
    pub points: String,
    pub cap: String,
    pub source: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeductionBody {
    pub count: u32,
    pub per: String,
    pub source: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VetoBody {
    /// `fail`, `cap_grade` or `exclude_from_ranking`.
    #[schema(value_type = super::closed_sets::VetoKind)]
    pub effect: String,
    pub grade: Option<String>,
    pub source: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExplanationResponse {
    pub run: RunResponse,
    pub result: ResultLine,
    pub leaves: Vec<ExplainedLeafBody>,
    pub bonus_items: Vec<BonusBody>,
    /// The cap on the total bonus.
    pub bonus_cap: String,
    pub deduction_items: Vec<DeductionBody>,
    pub deduction_cap: Option<String>,
    pub vetoes: Vec<VetoBody>,
    /// `half_up` or `half_even`, and the decimal places the final score is rounded to, once.
    pub rounding: String,
    pub precision: u32,
}

/// Explains a unit's score line by line from the run's frozen inputs: every leaf with both
/// inputs, the rubric step, the evidence and the combined value, then every bonus, deduction
/// and veto with its source.
#[utoipa::path(get, path = "/api/v1/evaluations/runs/{id}/explanation", tag = "evaluations", params(("id" = i64, Path), UnitQuery), security(("bearer" = [])),
    responses((status = 200, body = ExplanationResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn explain(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<UnitQuery>,
) -> Result<Json<ExplanationResponse>, ApiError> {
    let e = runs::explain(&state.app, &actor, RunId(id), UnitId(query.unit_id)).await?;
    let ids = |list: &[pacesetter_domain::evidence::EvidenceId]| list.iter().map(|i| i.0).collect();
    let answer = |a: Option<pacesetter_domain::evaluation::Answer>| a.and_then(|a| serde_json::to_value(a).ok());
    Ok(Json(ExplanationResponse {
        run: e.run.into(),
        leaves: e
            .leaves
            .into_iter()
            .map(|l| ExplainedLeafBody {
                code: l.code,
                name: l.name,
                name_bo: l.name_bo,
                max: l.result.max.normalize().to_string(),
                self_answer: answer(l.self_answer),
                self_score: l.result.self_score.map(score_body),
                self_evidence_ids: ids(&l.notes.self_evidence),
                self_comment: l.notes.self_comment,
                inspector_answer: answer(l.inspector_answer),
                inspector_score: l.result.inspector_score.map(score_body),
                inspector_evidence_ids: ids(&l.notes.inspector_evidence),
                inspector_comment: l.notes.inspector_comment,
                computed: l.notes.computed,
                combined: l.result.combined.normalize().to_string(),
                flagged: l.result.flagged,
            })
            .collect(),
        bonus_items: e
            .input
            .bonuses
            .into_iter()
            .map(|b| BonusBody { points: b.points.to_string(), cap: b.cap.to_string(), source: b.source })
            .collect(),
        bonus_cap: e.bonus_cap.to_string(),
        deduction_items: e
            .input
            .deductions
            .into_iter()
            .map(|d| DeductionBody { count: d.count, per: d.per.to_string(), source: d.source })
            .collect(),
        deduction_cap: e.deduction_cap.map(|c| c.to_string()),
        vetoes: e
            .input
            .vetoes
            .into_iter()
            .map(|v| {
                let (effect, grade) = match v.effect {
                    VetoEffect::Fail => ("fail", None),
                    VetoEffect::CapGrade { grade } => ("cap_grade", Some(grade)),
                    VetoEffect::ExcludeFromRanking => ("exclude_from_ranking", None),
                };
                VetoBody { effect: effect.to_owned(), grade, source: v.source }
            })
            .collect(),
        rounding: serde_json::to_value(e.rounding).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        precision: e.precision,
        result: e.result.line.into(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    pub unit_id: i64,
    pub reason: String,
}

/// Files an appeal (复核) against a unit's published result. While it is open, that unit's
/// entries and items may change; deciding it publishes a new version or dismisses it.
#[utoipa::path(post, path = "/api/v1/evaluations/runs/{id}/appeals", tag = "evaluations", params(("id" = i64, Path)), request_body = AppealRequest, security(("bearer" = [])),
    responses((status = 201, body = AppealResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn file_appeal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AppealRequest>,
) -> Result<Response, ApiError> {
    let appeal = appeals::file(&state.app, &actor, RunId(id), UnitId(body.unit_id), &body.reason).await?;
    Ok((StatusCode::CREATED, Json(AppealResponse::from(appeal))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `upheld` (publish a new version from the corrected inputs) or `dismissed`.
    #[schema(value_type = pacesetter_domain::evaluation::records::Decision)]
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DecisionResponse {
    pub appeal: AppealResponse,
    /// The new published version, when upheld; the old one is kept.
    pub new_run: Option<RunResponse>,
}

/// Decides an appeal; the deciding coordinator is recorded as its reviewer.
#[utoipa::path(post, path = "/api/v1/evaluations/appeals/{id}/decision", tag = "evaluations", params(("id" = i64, Path)), request_body = DecisionRequest, security(("bearer" = [])),
    responses((status = 200, body = DecisionResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn decide_appeal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<DecisionResponse>, ApiError> {
    let decision = Decision::parse(&body.decision).ok_or(AppError::invalid("decision", "invalid_decision"))?;
    let (appeal, new_run) = appeals::decide(&state.app, &actor, AppealId(id), decision, body.note.as_deref()).await?;
    Ok(Json(DecisionResponse { appeal: appeal.into(), new_run: new_run.map(Into::into) }))
}
