//! `/api/v1/…inspection-rounds`, findings and rectifications: rounds of a campaign with their
//! teams, targets and checklist; a target's sheet with its self-inspection and the inspectors'
//! checks; findings with their rectification item; steps on the item; the findings ledger.
//! Dates are `YYYY-MM-DD`; the app layer checks permissions before anything it is sent.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError,
    inspections::{
        self, CheckInput, FindingInput, FindingView, ItemInput, LedgerQuery, RectificationInput, RoundInput, RoundView,
        StepInput,
    },
};
use pacesetter_domain::{
    UnitId, UserId,
    evidence::EvidenceId,
    ids::{CampaignId, PlanItemId},
    inspection::{
        RectificationState, RectificationStep, Severity,
        records::{
            Check, CheckItem, CheckItemId, CheckSource, CheckStatus, Finding, FindingId, Rectification,
            RectificationId, Round, RoundId, RoundStatus, StepTaken, Target, Team, TeamId,
        },
    },
    timestamp::{format_date, parse_date},
};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{
        ApiActor, ApiJson,
        extract::{ApiQuery, IfMatch, etag},
    },
    error::ApiError,
};

fn date(field: &'static str, text: &str) -> Result<time::Date, AppError> {
    parse_date(text).ok_or(AppError::invalid(field, "invalid_date"))
}

fn ids(list: &[EvidenceId]) -> Vec<i64> {
    list.iter().map(|i| i.0).collect()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoundResponse {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    /// `planning`, `active` or `completed`.
    pub status: String,
    /// The evaluation scheme its inspectors also score.
    pub evaluation_id: Option<i64>,
    pub version: i64,
}

impl From<Round> for RoundResponse {
    fn from(r: Round) -> Self {
        Self {
            id: r.id.0,
            campaign_id: r.campaign_id.0,
            name: r.name,
            starts_on: format_date(r.starts_on),
            ends_on: format_date(r.ends_on),
            status: r.status.as_str().to_owned(),
            evaluation_id: r.scheme_id,
            version: r.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TeamResponse {
    pub id: i64,
    pub name: String,
    pub leader_id: i64,
    /// Everyone on the team, the leader first.
    pub member_ids: Vec<i64>,
}

impl From<Team> for TeamResponse {
    fn from(t: Team) -> Self {
        Self { id: t.id.0, name: t.name, leader_id: t.leader_id.0, member_ids: t.members.iter().map(|m| m.0).collect() }
    }
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetBody {
    pub unit_id: i64,
    #[serde(default)]
    pub team_id: Option<i64>,
    /// When its self-inspection was handed in (responses only).
    #[serde(default, skip_deserializing)]
    pub self_submitted_at: Option<String>,
}

impl From<Target> for TargetBody {
    fn from(t: Target) -> Self {
        Self {
            unit_id: t.unit_id.0,
            team_id: t.team_id.map(|t| t.0),
            self_submitted_at: t.self_submitted_at.map(|s| s.to_db()),
        }
    }
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemBody {
    /// Responses only.
    #[serde(default, skip_deserializing)]
    pub id: i64,
    pub title: String,
    #[serde(default)]
    pub plan_item_id: Option<i64>,
    #[serde(default)]
    pub indicator_code: Option<String>,
    /// What evidence the inspectors ask to see.
    #[serde(default)]
    pub evidence_request: Option<String>,
}

impl From<CheckItem> for ItemBody {
    fn from(i: CheckItem) -> Self {
        Self {
            id: i.id.0,
            title: i.title,
            plan_item_id: i.plan_item_id.map(|p| p.0),
            indicator_code: i.indicator_code,
            evidence_request: i.evidence_request,
        }
    }
}

impl From<ItemInput> for ItemBody {
    fn from(i: ItemInput) -> Self {
        Self {
            id: 0,
            title: i.title,
            plan_item_id: i.plan_item_id.map(|p| p.0),
            indicator_code: i.indicator_code,
            evidence_request: i.evidence_request,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoundDetailResponse {
    pub round: RoundResponse,
    pub teams: Vec<TeamResponse>,
    pub targets: Vec<TargetBody>,
    pub items: Vec<ItemBody>,
}

impl From<RoundView> for RoundDetailResponse {
    fn from(v: RoundView) -> Self {
        Self {
            round: v.round.into(),
            teams: v.teams.into_iter().map(Into::into).collect(),
            targets: v.targets.into_iter().map(Into::into).collect(),
            items: v.items.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundRequest {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default)]
    pub evaluation_id: Option<i64>,
    /// `planning`, `active` or `completed`; only forward (updates only).
    #[serde(default)]
    pub status: Option<String>,
}

impl RoundRequest {
    fn input(&self) -> Result<RoundInput, AppError> {
        Ok(RoundInput {
            name: self.name.clone(),
            starts_on: date("starts_on", &self.starts_on)?,
            ends_on: date("ends_on", &self.ends_on)?,
            scheme_id: self.evaluation_id,
        })
    }
}

/// A campaign's inspection rounds, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/inspection-rounds", tag = "inspections", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [RoundResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_rounds(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<Vec<RoundResponse>>, ApiError> {
    let rounds = inspections::rounds(&state.app, &actor, CampaignId(id)).await?;
    Ok(Json(rounds.into_iter().map(Into::into).collect()))
}

/// Plans a round (调研督导); it starts in planning.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/inspection-rounds", tag = "inspections", params(("id" = i64, Path)), request_body = RoundRequest, security(("bearer" = [])),
    responses((status = 201, body = RoundResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RoundRequest>,
) -> Result<Response, ApiError> {
    let round = inspections::create_round(&state.app, &actor, CampaignId(id), &body.input()?).await?;
    Ok((StatusCode::CREATED, etag(round.version), Json(RoundResponse::from(round))).into_response())
}

/// A round with its teams, targets and checklist.
#[utoipa::path(get, path = "/api/v1/inspection-rounds/{id}", tag = "inspections", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RoundDetailResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let view = inspections::round(&state.app, &actor, RoundId(id)).await?;
    Ok((etag(view.round.version), Json(RoundDetailResponse::from(view))).into_response())
}

/// Changes a round and moves it forward (planning → active → completed); needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/inspection-rounds/{id}", tag = "inspections", params(("id" = i64, Path)), request_body = RoundRequest, security(("bearer" = [])),
    responses((status = 200, body = RoundResponse), (status = 403, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn update_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<RoundRequest>,
) -> Result<Response, ApiError> {
    let current = inspections::round(&state.app, &actor, RoundId(id)).await?.round.status;
    let status = match body.status.as_deref() {
        None => current,
        Some(text) => RoundStatus::parse(text).ok_or(AppError::invalid("status", "invalid_status"))?,
    };
    let round = inspections::update_round(&state.app, &actor, RoundId(id), version, &body.input()?, status).await?;
    Ok((etag(round.version), Json(RoundResponse::from(round))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamRequest {
    pub name: String,
    pub leader_id: i64,
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

/// Forms a team of inspectors with its leader.
#[utoipa::path(post, path = "/api/v1/inspection-rounds/{id}/teams", tag = "inspections", params(("id" = i64, Path)), request_body = TeamRequest, security(("bearer" = [])),
    responses((status = 201, body = TeamResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_team(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TeamRequest>,
) -> Result<Response, ApiError> {
    let members: Vec<UserId> = body.member_ids.iter().map(|m| UserId(*m)).collect();
    let team =
        inspections::add_team(&state.app, &actor, RoundId(id), &body.name, UserId(body.leader_id), &members).await?;
    Ok((StatusCode::CREATED, Json(TeamResponse::from(team))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsRequest {
    pub targets: Vec<TargetBody>,
}

/// Sets the units the round visits, each with its team.
#[utoipa::path(put, path = "/api/v1/inspection-rounds/{id}/targets", tag = "inspections", params(("id" = i64, Path)), request_body = TargetsRequest, security(("bearer" = [])),
    responses((status = 200, body = RoundDetailResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_targets(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TargetsRequest>,
) -> Result<Json<RoundDetailResponse>, ApiError> {
    let targets: Vec<(UnitId, Option<TeamId>)> =
        body.targets.iter().map(|t| (UnitId(t.unit_id), t.team_id.map(TeamId))).collect();
    inspections::set_targets(&state.app, &actor, RoundId(id), &targets).await?;
    Ok(Json(inspections::round(&state.app, &actor, RoundId(id)).await?.into()))
}

/// The checklist a round would start from: its targets' tasks, then its scheme's indicators.
#[utoipa::path(get, path = "/api/v1/inspection-rounds/{id}/proposed-checklist", tag = "inspections", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [ItemBody]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn proposed_checklist(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ItemBody>>, ApiError> {
    let items = inspections::proposed_checklist(&state.app, &actor, RoundId(id)).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistRequest {
    pub items: Vec<ItemBody>,
}

/// Sets the round's checklist while it is planned and nobody has answered it.
#[utoipa::path(put, path = "/api/v1/inspection-rounds/{id}/checklist", tag = "inspections", params(("id" = i64, Path)), request_body = ChecklistRequest, security(("bearer" = [])),
    responses((status = 200, body = [ItemBody]), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_checklist(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ChecklistRequest>,
) -> Result<Json<Vec<ItemBody>>, ApiError> {
    let items: Vec<ItemInput> = body
        .items
        .into_iter()
        .map(|i| ItemInput {
            title: i.title,
            plan_item_id: i.plan_item_id.map(PlanItemId),
            indicator_code: i.indicator_code,
            evidence_request: i.evidence_request,
        })
        .collect();
    let saved = inspections::set_checklist(&state.app, &actor, RoundId(id), &items).await?;
    Ok(Json(saved.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckResponse {
    /// `met`, `partly`, `unmet` or `not_applicable`.
    pub status: String,
    pub comment: Option<String>,
    pub evidence_ids: Vec<i64>,
    pub checked_by: i64,
    pub checked_at: String,
}

impl From<Check> for CheckResponse {
    fn from(c: Check) -> Self {
        Self {
            status: c.status.as_str().to_owned(),
            comment: c.comment,
            evidence_ids: ids(&c.evidence),
            checked_by: c.checked_by.0,
            checked_at: c.checked_at.to_db(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SheetLineResponse {
    pub item: ItemBody,
    /// Evidence the unit already holds for this point (its task reports, its evaluation
    /// entries): shown first so that nothing is asked for twice.
    pub held_evidence_ids: Vec<i64>,
    pub self_check: Option<CheckResponse>,
    pub inspector_check: Option<CheckResponse>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SheetResponse {
    pub round: RoundResponse,
    pub target: TargetBody,
    pub lines: Vec<SheetLineResponse>,
    pub can_self_inspect: bool,
    pub can_inspect: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UnitQuery {
    pub unit_id: i64,
}

/// A target's checklist with its self-inspection and the inspectors' checks side by side.
#[utoipa::path(get, path = "/api/v1/inspection-rounds/{id}/sheet", tag = "inspections", params(("id" = i64, Path), UnitQuery), security(("bearer" = [])),
    responses((status = 200, body = SheetResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sheet(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<UnitQuery>,
) -> Result<Json<SheetResponse>, ApiError> {
    let sheet = inspections::sheet(&state.app, &actor, RoundId(id), UnitId(query.unit_id)).await?;
    Ok(Json(SheetResponse {
        round: sheet.round.into(),
        target: sheet.target.into(),
        lines: sheet
            .lines
            .into_iter()
            .map(|l| SheetLineResponse {
                item: l.item.into(),
                held_evidence_ids: ids(&l.held),
                self_check: l.self_check.map(Into::into),
                inspector_check: l.inspector_check.map(Into::into),
            })
            .collect(),
        can_self_inspect: sheet.can_self_inspect,
        can_inspect: sheet.can_inspect,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    pub unit_id: i64,
    pub item_id: i64,
    /// `met`, `partly`, `unmet` or `not_applicable`.
    pub status: String,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
}

async fn save_check(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    id: i64,
    source: CheckSource,
    body: CheckRequest,
) -> Result<Json<CheckResponse>, ApiError> {
    let input = CheckInput {
        unit: UnitId(body.unit_id),
        item: CheckItemId(body.item_id),
        status: CheckStatus::parse(&body.status).ok_or(AppError::invalid("status", "invalid_status"))?,
        comment: body.comment,
        evidence: body.evidence_ids.iter().map(|e| EvidenceId(*e)).collect(),
    };
    Ok(Json(inspections::save_check(&state.app, actor, RoundId(id), source, &input).await?.into()))
}

/// The unit's own answer to a checklist point (对标对表自查), before it hands it in.
#[utoipa::path(put, path = "/api/v1/inspection-rounds/{id}/self-checks", tag = "inspections", params(("id" = i64, Path)), request_body = CheckRequest, security(("bearer" = [])),
    responses((status = 200, body = CheckResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn save_self_check(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CheckRequest>,
) -> Result<Json<CheckResponse>, ApiError> {
    save_check(&state, &actor, id, CheckSource::SelfInspection, body).await
}

/// The inspectors' answer to a checklist point, while the round is under way.
#[utoipa::path(put, path = "/api/v1/inspection-rounds/{id}/inspector-checks", tag = "inspections", params(("id" = i64, Path)), request_body = CheckRequest, security(("bearer" = [])),
    responses((status = 200, body = CheckResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn save_inspector_check(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CheckRequest>,
) -> Result<Json<CheckResponse>, ApiError> {
    save_check(&state, &actor, id, CheckSource::Inspector, body).await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub unit_id: i64,
}

/// Hands a unit's self-inspection in; it cannot change afterwards.
#[utoipa::path(post, path = "/api/v1/inspection-rounds/{id}/self-inspections", tag = "inspections", params(("id" = i64, Path)), request_body = SubmitRequest, security(("bearer" = [])),
    responses((status = 200, body = TargetBody), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn submit_self(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SubmitRequest>,
) -> Result<Json<TargetBody>, ApiError> {
    Ok(Json(inspections::submit_self(&state.app, &actor, RoundId(id), UnitId(body.unit_id)).await?.into()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FindingBody {
    pub id: i64,
    pub round_id: i64,
    pub unit_id: i64,
    pub item_id: Option<i64>,
    pub plan_item_id: Option<i64>,
    pub indicator_code: Option<String>,
    /// `minor`, `major` or `serious`.
    pub severity: String,
    pub category: String,
    pub description: String,
    pub created_by: i64,
    pub created_at: String,
}

impl From<Finding> for FindingBody {
    fn from(f: Finding) -> Self {
        Self {
            id: f.id.0,
            round_id: f.round_id.0,
            unit_id: f.unit_id.0,
            item_id: f.item_id.map(|i| i.0),
            plan_item_id: f.plan_item_id.map(|p| p.0),
            indicator_code: f.indicator_code,
            severity: f.severity.as_str().to_owned(),
            category: f.category,
            description: f.description,
            created_by: f.created_by.0,
            created_at: f.created_at.to_db(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RectificationBody {
    pub id: i64,
    /// The responsible unit.
    pub unit_id: i64,
    pub measure: String,
    pub given_on: String,
    pub due_on: String,
    /// `open`, `responded`, `closed` or `reopened`.
    pub state: String,
    /// Past its deadline with the unit still to respond.
    pub overdue: bool,
    pub version: i64,
}

impl From<Rectification> for RectificationBody {
    fn from(r: Rectification) -> Self {
        Self {
            id: r.id.0,
            unit_id: r.unit_id.0,
            measure: r.measure,
            given_on: format_date(r.given_on),
            due_on: format_date(r.due_on),
            state: r.state.as_str().to_owned(),
            overdue: r.state.is_overdue(r.due_on, pacesetter_domain::Timestamp::now().date_cst()),
            version: r.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StepBody {
    /// `respond`, `close` or `reopen`.
    pub step: String,
    pub text: String,
    pub evidence_ids: Vec<i64>,
    pub taken_by: i64,
    pub taken_at: String,
}

impl From<StepTaken> for StepBody {
    fn from(s: StepTaken) -> Self {
        Self {
            step: s.step.as_str().to_owned(),
            text: s.text,
            evidence_ids: ids(&s.evidence),
            taken_by: s.taken_by.0,
            taken_at: s.taken_at.to_db(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FindingResponse {
    pub finding: FindingBody,
    pub rectification: Option<RectificationBody>,
    pub steps: Vec<StepBody>,
}

impl From<FindingView> for FindingResponse {
    fn from(v: FindingView) -> Self {
        Self {
            finding: v.finding.into(),
            rectification: v.rectification.map(Into::into),
            steps: v.steps.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationRequest {
    /// The responsible unit.
    pub unit_id: i64,
    pub measure: String,
    pub due_on: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingRequest {
    pub unit_id: i64,
    #[serde(default)]
    pub item_id: Option<i64>,
    #[serde(default)]
    pub plan_item_id: Option<i64>,
    #[serde(default)]
    pub indicator_code: Option<String>,
    /// `minor`, `major` or `serious`.
    pub severity: String,
    pub category: String,
    pub description: String,
    #[serde(default)]
    pub rectification: Option<RectificationRequest>,
}

/// Records a finding (问题) on a target, with its rectification item (整改) when one is demanded.
#[utoipa::path(post, path = "/api/v1/inspection-rounds/{id}/findings", tag = "inspections", params(("id" = i64, Path)), request_body = FindingRequest, security(("bearer" = [])),
    responses((status = 201, body = FindingResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn record_finding(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FindingRequest>,
) -> Result<Response, ApiError> {
    let rectification = match &body.rectification {
        Some(r) => Some(RectificationInput {
            unit: UnitId(r.unit_id),
            measure: r.measure.clone(),
            due_on: date("due_on", &r.due_on)?,
        }),
        None => None,
    };
    let input = FindingInput {
        unit: UnitId(body.unit_id),
        item: body.item_id.map(CheckItemId),
        plan_item: body.plan_item_id.map(PlanItemId),
        indicator_code: body.indicator_code,
        severity: Severity::parse(&body.severity).ok_or(AppError::invalid("severity", "invalid_severity"))?,
        category: body.category,
        description: body.description,
        rectification,
    };
    let view = inspections::record_finding(&state.app, &actor, RoundId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(FindingResponse::from(view))).into_response())
}

/// A finding with its rectification item and every step taken on it.
#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "inspections", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = FindingResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_finding(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<FindingResponse>, ApiError> {
    Ok(Json(inspections::finding(&state.app, &actor, FindingId(id)).await?.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// `respond` (the responsible unit), `close` or `reopen` (the inspectors).
    pub step: String,
    /// What was done, or why it is reopened; closing needs none.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
}

/// Takes a step on a rectification item; needs `If-Match` with the item's version.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/steps", tag = "inspections", params(("id" = i64, Path)), request_body = StepRequest, security(("bearer" = [])),
    responses((status = 200, body = FindingResponse), (status = 403, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn take_step(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<StepRequest>,
) -> Result<Json<FindingResponse>, ApiError> {
    let input = StepInput {
        step: RectificationStep::parse(&body.step).ok_or(AppError::invalid("step", "invalid_step"))?,
        text: body.text,
        evidence: body.evidence_ids.iter().map(|e| EvidenceId(*e)).collect(),
        version,
    };
    Ok(Json(inspections::take_step(&state.app, &actor, RectificationId(id), &input).await?.into()))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LedgerParams {
    pub round_id: Option<i64>,
    /// Only this unit and the units below it.
    pub under: Option<i64>,
    /// `minor`, `major` or `serious`.
    pub severity: Option<String>,
    /// The rectification item's state.
    pub state: Option<String>,
    /// Only items past their deadline with the unit still to respond.
    pub overdue: Option<bool>,
    /// From 0.
    pub page: Option<i64>,
    /// At most 200; 50 when left out.
    pub per_page: Option<i64>,
}

impl LedgerParams {
    fn query(&self) -> Result<LedgerQuery, AppError> {
        Ok(LedgerQuery {
            round: self.round_id.map(RoundId),
            under: self.under.map(UnitId),
            severity: match self.severity.as_deref() {
                None => None,
                Some(text) => Some(Severity::parse(text).ok_or(AppError::invalid("severity", "invalid_severity"))?),
            },
            state: match self.state.as_deref() {
                None => None,
                Some(text) => Some(RectificationState::parse(text).ok_or(AppError::invalid("state", "invalid_state"))?),
            },
            overdue: self.overdue.unwrap_or(false),
            page: self.page.unwrap_or(0),
            per_page: self.per_page.unwrap_or(50),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerResponse {
    pub items: Vec<FindingResponse>,
    /// How many findings match, over every page.
    pub total: i64,
}

/// A campaign's findings ledger, newest first, limited to the units the caller sees.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/findings", tag = "inspections", params(("id" = i64, Path), LedgerParams), security(("bearer" = [])),
    responses((status = 200, body = LedgerResponse), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiQuery(params): ApiQuery<LedgerParams>,
) -> Result<Json<LedgerResponse>, ApiError> {
    let query = params.query()?;
    let (lines, total) = inspections::ledger(&state.app, &actor, CampaignId(id), &query).await?;
    let items = lines
        .into_iter()
        .map(|l| FindingView { finding: l.finding, rectification: l.rectification, steps: Vec::new() }.into())
        .collect();
    Ok(Json(LedgerResponse { items, total }))
}

/// The findings ledger as an XLSX workbook, with the same filters, in the caller's language.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/findings.xlsx", tag = "inspections", params(("id" = i64, Path), LedgerParams), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    ApiQuery(params): ApiQuery<LedgerParams>,
) -> Result<Response, ApiError> {
    use pacesetter_export::table_xlsx::{Column, write};
    let t = crate::i18n::Tr::new(actor.user.locale.unwrap_or(pacesetter_domain::Locale::ZhHans));
    let campaign = CampaignId(id);
    let rounds = inspections::rounds(&state.app, &actor, campaign).await?;
    let mut query = LedgerQuery { per_page: 200, page: 0, ..params.query()? };
    let mut lines = Vec::new();
    loop {
        let (page, total) = inspections::ledger(&state.app, &actor, campaign, &query).await?;
        let done = page.is_empty() || lines.len() + page.len() >= total as usize;
        lines.extend(page);
        if done {
            break;
        }
        query.page += 1;
    }
    let today = pacesetter_domain::Timestamp::now().date_cst();
    let mut names: std::collections::HashMap<UnitId, String> = std::collections::HashMap::new();
    let mut rows = Vec::with_capacity(lines.len());
    for line in &lines {
        let f = &line.finding;
        let r = line.rectification.as_ref();
        for unit in std::iter::once(f.unit_id).chain(r.map(|r| r.unit_id)) {
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(unit) {
                let found = pacesetter_app::units::get(&state.app, &actor, unit).await;
                slot.insert(found.map(|u| u.display_name(t.locale).to_owned()).unwrap_or_default());
            }
        }
        let name = |unit: UnitId| names.get(&unit).cloned().unwrap_or_default();
        rows.push(vec![
            name(f.unit_id),
            rounds.iter().find(|x| x.id == f.round_id).map(|x| x.name.clone()).unwrap_or_default(),
            t.tk("inspection.severity", f.severity.as_str()).to_owned(),
            f.category.clone(),
            f.description.clone(),
            r.map(|r| name(r.unit_id)).unwrap_or_default(),
            r.map(|r| r.measure.clone()).unwrap_or_default(),
            r.map(|r| format_date(r.due_on)).unwrap_or_default(),
            t.tk("inspection.state", r.map_or("none", |r| r.state.as_str())).to_owned(),
            if r.is_some_and(|r| r.state.is_overdue(r.due_on, today)) {
                t.t("inspection.overdue").to_owned()
            } else {
                String::new()
            },
        ]);
    }
    let columns = [
        ("inspection.unit", 14.0),
        ("inspection.round", 24.0),
        ("inspection.severity", 9.0),
        ("inspection.category", 12.0),
        ("inspection.description", 36.0),
        ("inspection.responsible", 14.0),
        ("inspection.measure", 30.0),
        ("inspection.due_on", 12.0),
        ("inspection.state_label", 10.0),
        ("inspection.overdue", 8.0),
    ];
    let columns: Vec<Column> = columns.iter().map(|(key, width)| Column { heading: t.t(key), width: *width }).collect();
    let ledger = t.t("inspection.ledger");
    let bytes = write(ledger, ledger, &columns, &rows).map_err(|e| AppError::Internal(format!("ledger xlsx: {e}")))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    headers.insert(
        axum::http::header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_static("attachment; filename=\"findings.xlsx\""),
    );
    Ok(response)
}
