//! `/api/v1/assignments`: "my tasks" and every list of assignments, one assignment with its
//! history, progress updates, and the steps of the loop.

use axum::{
    Json,
    extract::State,
    response::{IntoResponse, Response},
};
use pacesetter_app::{AppError, PageRequest, assignments};
use pacesetter_domain::{
    UnitId,
    assignment::AssignmentState,
    evidence::EvidenceId,
    ids::{AssignmentId, CampaignId, IndicatorId, PlanItemId},
    light::Light,
    plan::Assignment,
    timestamp::format_date,
};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{
        ApiActor, ApiJson, ApiPath,
        extract::{ApiQuery, IfMatch, etag},
    },
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentResponse {
    pub id: i64,
    pub item_id: i64,
    pub unit_id: i64,
    /// assigned, acknowledged, in_progress, reported, reviewed, returned, closed
    #[schema(value_type = pacesetter_domain::assignment::AssignmentState)]
    pub state: String,
    pub percent: u8,
    pub starts_on: String,
    pub due_on: String,
    pub last_update_at: Option<String>,
    pub version: i64,
}

impl From<Assignment> for AssignmentResponse {
    fn from(a: Assignment) -> Self {
        Self {
            id: a.id.0,
            item_id: a.item_id.0,
            unit_id: a.unit_id.0,
            state: a.state.as_str().to_owned(),
            percent: a.percent,
            starts_on: format_date(a.starts_on),
            due_on: format_date(a.due_on),
            last_update_at: a.last_update_at.map(|t| t.to_db()),
            version: a.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentLine {
    pub assignment: AssignmentResponse,
    pub campaign_id: i64,
    pub task_code: Option<String>,
    pub task_title: String,
    pub unit_name: String,
    /// done, green, yellow or red, for the campaign's day.
    #[schema(value_type = pacesetter_domain::light::Light)]
    pub light: String,
    /// Negative when overdue.
    pub days_left: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentList {
    pub items: Vec<AssignmentLine>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    pub campaign: Option<i64>,
    /// Only this key task's assignments.
    pub task: Option<i64>,
    /// Only the assignments of tasks below this plan item (a pillar, 工程/行动).
    pub pillar: Option<i64>,
    /// Only this unit's own assignments.
    pub unit: Option<i64>,
    /// Only the assignments of this unit's subtree.
    pub under: Option<i64>,
    #[param(value_type = Option<pacesetter_domain::assignment::AssignmentState>)]
    pub state: Option<String>,
    /// done, green, yellow or red.
    #[param(value_type = Option<pacesetter_domain::light::Light>)]
    pub light: Option<String>,
    /// Only open assignments past their deadline.
    pub overdue: Option<bool>,
    /// Leave closed assignments out.
    pub open: Option<bool>,
    /// Search in task titles and codes and unit names; at most 200 characters (`search_too_long`).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// At most 500; 50 when left out.
    pub per_page: Option<i64>,
}

/// Assignments the caller may see, the most urgent first.
#[utoipa::path(get, path = "/api/v1/assignments", tag = "assignments", params(AssignmentQuery), security(("bearer" = [])),
    responses((status = 200, body = AssignmentList), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<AssignmentQuery>,
) -> Result<Json<AssignmentList>, ApiError> {
    let filter = assignments::Query {
        campaign: query.campaign.map(CampaignId),
        item: query.task.map(PlanItemId),
        pillar: query.pillar.map(PlanItemId),
        unit: query.unit.map(UnitId),
        under: query.under.map(UnitId),
        state: match query.state.as_deref().filter(|s| !s.is_empty()) {
            Some(text) => Some(AssignmentState::parse(text).ok_or(AppError::invalid("state", "invalid_state"))?),
            None => None,
        },
        light: match query.light.as_deref().filter(|s| !s.is_empty()) {
            Some(text) => Some(Light::parse(text).ok_or(AppError::invalid("light", "invalid_light"))?),
            None => None,
        },
        overdue: query.overdue.unwrap_or(false),
        open_only: query.open.unwrap_or(false),
        q: query.q,
    };
    let page = assignments::list(&state.app, &actor, &filter, PageRequest::new(query.page, query.per_page)).await?;
    Ok(Json(AssignmentList {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page
            .items
            .into_iter()
            .map(|line| AssignmentLine {
                campaign_id: line.campaign_id.0,
                task_code: line.item_code,
                task_title: line.item_title,
                unit_name: line.unit_name,
                light: line.light.as_str().to_owned(),
                days_left: line.days_left,
                assignment: line.assignment.into(),
            })
            .collect(),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventResponse {
    #[schema(value_type = pacesetter_domain::assignment::Step)]
    pub step: String,
    pub from_state: String,
    pub to_state: String,
    pub percent: Option<u8>,
    pub comment: Option<String>,
    pub actor_name: String,
    pub at: String,
    /// Indicator values this step reported.
    pub indicators: Vec<IndicatorValue>,
}

/// A value reported for one of the task's indicators.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndicatorValue {
    pub indicator_id: i64,
    pub name: String,
    /// A decimal number as text.
    pub value: String,
}

/// An indicator of the task with its target and the latest value reported here.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IndicatorStatus {
    pub id: i64,
    pub name: String,
    pub unit: Option<String>,
    pub target: Option<String>,
    pub latest: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentDetail {
    pub assignment: AssignmentResponse,
    pub task_title: String,
    pub unit_name: String,
    #[schema(value_type = pacesetter_domain::light::Light)]
    pub light: String,
    pub days_left: i64,
    /// Steps the caller may take now.
    pub steps: Vec<String>,
    pub indicators: Vec<IndicatorStatus>,
    pub history: Vec<EventResponse>,
    /// Every chase (催办) of the assignment, oldest first.
    pub chases: Vec<ChaseResponse>,
    /// The progress meeting whose decision (议定事项) the task follows up, if it is one.
    pub meeting_id: Option<i64>,
}

/// A chase (催办) of an assignment or a rectification item: who, when, and the message.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChaseResponse {
    pub actor_name: String,
    pub message: Option<String>,
    /// RFC 3339.
    pub at: String,
}

impl From<pacesetter_app::Chase> for ChaseResponse {
    fn from(c: pacesetter_app::Chase) -> Self {
        Self { actor_name: c.actor_name, message: c.message, at: c.at.to_db() }
    }
}

/// One assignment with its light, the steps open to the caller, and its history.
#[utoipa::path(get, path = "/api/v1/assignments/{id}", tag = "assignments", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = AssignmentDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_assignment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let detail = assignments::detail(&state.app, &actor, AssignmentId(id)).await?;
    let version = detail.assignment.version;
    let indicators = detail
        .indicators
        .iter()
        .map(|i| IndicatorStatus {
            id: i.id.0,
            name: i.name.clone(),
            unit: i.unit.clone(),
            target: i.target.clone(),
            latest: detail.latest(i.id).map(str::to_owned),
        })
        .collect();
    let history = detail
        .events
        .iter()
        .map(|e| EventResponse {
            step: e.step.as_str().to_owned(),
            from_state: e.from_state.as_str().to_owned(),
            to_state: e.to_state.as_str().to_owned(),
            percent: e.percent,
            comment: e.comment.clone(),
            actor_name: e.actor_name.clone(),
            at: e.at.to_db(),
            indicators: detail
                .values_of(e.id)
                .map(|(i, value)| IndicatorValue {
                    indicator_id: i.id.0,
                    name: i.name.clone(),
                    value: value.to_owned(),
                })
                .collect(),
        })
        .collect();
    let chases = detail.chases.iter().cloned().map(ChaseResponse::from).collect();
    let body = AssignmentDetail {
        indicators,
        history,
        chases,
        task_title: detail.item.title,
        unit_name: detail.unit.name,
        light: detail.light.as_str().to_owned(),
        days_left: detail.days_left,
        steps: detail.steps.iter().map(|s| s.as_str().to_owned()).collect(),
        meeting_id: detail.decided_at.map(|(meeting, _)| meeting.0),
        assignment: detail.assignment.into(),
    };
    Ok((etag(version), Json(body)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// acknowledge, accept, return or close.
    #[schema(value_type = super::closed_sets::PlainStep)]
    pub step: String,
    /// Required to return an assignment.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Takes a step on an assignment; needs `If-Match`. Out-of-order steps answer 409.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/steps", tag = "assignments", params(("id" = i64, Path), IfMatch), request_body = StepRequest, security(("bearer" = [])),
    responses((status = 200, body = AssignmentResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody)))]
pub async fn take_step(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<StepRequest>,
) -> Result<Response, ApiError> {
    let step = pacesetter_domain::assignment::Step::parse(&body.step)
        .filter(|s| {
            !matches!(s, pacesetter_domain::assignment::Step::Update | pacesetter_domain::assignment::Step::Report)
        })
        .ok_or(AppError::invalid("step", "invalid_step"))?;
    let input =
        assignments::StepInput { comment: body.comment.as_deref().unwrap_or(""), ..assignments::StepInput::default() };
    let assignment = assignments::take_step(&state.app, &actor, AssignmentId(id), version, step, &input).await?;
    Ok((etag(assignment.version), Json(AssignmentResponse::from(assignment))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChaseRequest {
    /// Added to what the unit is told.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChaseManyRequest {
    /// The assignments to chase, at most 500; closed ones are skipped.
    pub ids: Vec<i64>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ChaseResult {
    pub chased: usize,
    /// Closed assignments in the selection, not chased.
    pub skipped_closed: usize,
}

impl From<assignments::Chased> for ChaseResult {
    fn from(done: assignments::Chased) -> Self {
        Self { chased: done.chased, skipped_closed: done.skipped_closed }
    }
}

/// Chases (催办) an assignment: the unit's liaisons are told, with the message; kept in its
/// history. Needs `review_progress` on the unit or its campaign's office.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/chase", tag = "assignments", params(("id" = i64, Path)), request_body = ChaseRequest, security(("bearer" = [])),
    responses((status = 200, body = ChaseResult), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn chase_one(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ChaseRequest>,
) -> Result<Json<ChaseResult>, ApiError> {
    let message = body.message.unwrap_or_default();
    Ok(Json(assignments::chase(&state.app, &actor, &[AssignmentId(id)], &message).await?.into()))
}

/// Chases a selection of assignments at once, all or nothing: one the caller may not chase
/// refuses the whole selection.
#[utoipa::path(post, path = "/api/v1/assignments/chase", tag = "assignments", request_body = ChaseManyRequest, security(("bearer" = [])),
    responses((status = 200, body = ChaseResult), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn chase_many(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<ChaseManyRequest>,
) -> Result<Json<ChaseResult>, ApiError> {
    let ids: Vec<AssignmentId> = body.ids.iter().copied().map(AssignmentId).collect();
    let message = body.message.unwrap_or_default();
    Ok(Json(assignments::chase(&state.app, &actor, &ids, &message).await?.into()))
}

/// Reminder notices (督办单) as PDF, a page per unit of the selection, for those who may chase
/// every assignment in it; one campaign at a time. Printing records nothing: chase to tell the
/// units.
#[utoipa::path(post, path = "/api/v1/assignments/chase-notice", tag = "assignments", request_body = ChaseManyRequest, security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn chase_notice(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<ChaseManyRequest>,
) -> Result<Response, ApiError> {
    let ids: Vec<AssignmentId> = body.ids.iter().copied().map(AssignmentId).collect();
    let message = body.message.unwrap_or_default();
    let notice = assignments::chase_notice(&state.app, &actor, &ids, &message).await?;
    let bytes =
        crate::bulletin::chase_notice_pdf(&state.config.fonts_dir, crate::bulletin::chase_notice(notice)).await?;
    Ok(super::pdf_download(bytes, "chase-notice.pdf"))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewManyRequest {
    /// The assignments to review, at most 500.
    pub ids: Vec<i64>,
    /// `accept`, `return` (with a reason in `comment`) or `close` (the office only).
    #[schema(value_type = pacesetter_domain::assignment::Step)]
    pub step: String,
    /// The comment each assignment's step records; a return's reason.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewResult {
    /// Assignments that took the step.
    pub done: usize,
    /// Assignments the step is not open to now (not reported yet, already closed, awaiting
    /// approval), left as they were.
    pub skipped: usize,
}

/// Takes a reviewing step on a selection of assignments at once (accept, return, close), all or
/// nothing: one the caller may not review refuses the whole selection; those the step is not
/// open to now are skipped and counted.
#[utoipa::path(post, path = "/api/v1/assignments/review", tag = "assignments", request_body = ReviewManyRequest, security(("bearer" = [])),
    responses((status = 200, body = ReviewResult), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn review_many(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<ReviewManyRequest>,
) -> Result<Json<ReviewResult>, ApiError> {
    let ids: Vec<AssignmentId> = body.ids.iter().copied().map(AssignmentId).collect();
    let step =
        pacesetter_domain::assignment::Step::parse(&body.step).ok_or(AppError::invalid("step", "invalid_step"))?;
    let comment = body.comment.unwrap_or_default();
    let done = assignments::review(&state.app, &actor, &ids, step, &comment).await?;
    Ok(Json(ReviewResult { done: done.done, skipped: done.skipped }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    /// 0 to 100.
    pub percent: u8,
    /// What was done; required when the progress leaves the assignment red.
    #[serde(default)]
    pub narrative: Option<String>,
    /// Submit for review (报送) rather than only record progress.
    #[serde(default)]
    pub submit: bool,
    /// Evidence from the unit's library (upload files first with `POST /api/v1/evidence`).
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    /// Values for the task's indicators: indicator id → decimal number as text.
    #[serde(default)]
    #[schema(example = json!({"12": "350"}))]
    pub indicators: std::collections::BTreeMap<i64, String>,
}

/// Posts a progress update; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/updates", tag = "assignments", params(("id" = i64, Path), IfMatch), request_body = UpdateRequest, security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = AssignmentResponse), (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<UpdateRequest>,
) -> Result<Response, ApiError> {
    let evidence: Vec<EvidenceId> = body.evidence_ids.iter().map(|id| EvidenceId(*id)).collect();
    let step = if body.submit {
        pacesetter_domain::assignment::Step::Report
    } else {
        pacesetter_domain::assignment::Step::Update
    };
    let values: Vec<(IndicatorId, &str)> =
        body.indicators.iter().map(|(id, value)| (IndicatorId(*id), value.as_str())).collect();
    let input = assignments::StepInput {
        percent: Some(body.percent),
        comment: body.narrative.as_deref().unwrap_or(""),
        evidence: &evidence,
        indicators: &values,
    };
    let assignment = assignments::take_step(&state.app, &actor, AssignmentId(id), version, step, &input).await?;
    Ok((etag(assignment.version), Json(AssignmentResponse::from(assignment))).into_response())
}
