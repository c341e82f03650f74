//! `/api/v1/…inspection-rounds`, findings and rectifications: rounds of a campaign with their
//! teams, targets and checklist; a target's sheet with its self-inspection and the inspectors'
//! checks; findings with their rectification item; steps on the item; the findings ledger.
//! Dates are `YYYY-MM-DD`; the app layer checks permissions before anything it is sent.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError,
    inspections::{self, CheckInput, ItemInput, RoundInput, RoundView},
};
use pacesetter_domain::{
    UnitId, UserId,
    evidence::EvidenceId,
    ids::{CampaignId, PlanItemId},
    inspection::records::{
        Check, CheckItem, CheckItemId, CheckSource, CheckStatus, Round, RoundId, RoundStatus, Target, Team, TeamId,
    },
    timestamp::{format_date, parse_date},
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

pub(super) fn date(field: &'static str, text: &str) -> Result<time::Date, AppError> {
    parse_date(text).ok_or(AppError::invalid(field, "invalid_date"))
}

pub(super) fn ids(list: &[EvidenceId]) -> Vec<i64> {
    list.iter().map(|i| i.0).collect()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoundResponse {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    /// The name in Tibetan, if given.
    pub name_bo: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    /// `planning`, `active` or `completed`.
    #[schema(value_type = pacesetter_domain::inspection::records::RoundStatus)]
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
            name_bo: r.name_bo,
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

/// A unit a round visits.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TargetBody {
    pub unit_id: i64,
    pub team_id: Option<i64>,
    /// When its self-inspection was handed in.
    pub self_submitted_at: Option<String>,
}

/// A unit for a round to visit, with its team. A target as read may be sent back: its
/// `self_submitted_at` is ignored.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TargetRequest {
    pub unit_id: i64,
    #[serde(default)]
    pub team_id: Option<i64>,
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

/// A point of a round's checklist.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemBody {
    /// 0 in a proposed checklist, which is not stored yet.
    pub id: i64,
    pub title: String,
    /// The title in Tibetan, where one was given.
    pub title_bo: Option<String>,
    pub plan_item_id: Option<i64>,
    pub indicator_code: Option<String>,
    /// What evidence the inspectors ask to see.
    pub evidence_request: Option<String>,
}

/// A point for a round's checklist. A point as read may be sent back: its `id` is ignored.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChecklistItemRequest {
    pub title: String,
    /// In Tibetan; left out or empty: none.
    #[serde(default)]
    pub title_bo: Option<String>,
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
            title_bo: i.title_bo,
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
            title_bo: i.title_bo,
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
    /// The name in Tibetan; absent or blank for none.
    #[serde(default)]
    pub name_bo: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default)]
    pub evaluation_id: Option<i64>,
    /// `planning`, `active` or `completed`; only forward (updates only).
    #[serde(default)]
    #[schema(value_type = Option<pacesetter_domain::inspection::records::RoundStatus>)]
    pub status: Option<String>,
}

impl RoundRequest {
    fn input(&self) -> Result<RoundInput, AppError> {
        Ok(RoundInput {
            name: self.name.clone(),
            name_bo: self.name_bo.clone().unwrap_or_default(),
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
    ApiPath(id): ApiPath<i64>,
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
    ApiPath(id): ApiPath<i64>,
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
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let view = inspections::round(&state.app, &actor, RoundId(id)).await?;
    Ok((etag(view.round.version), Json(RoundDetailResponse::from(view))).into_response())
}

/// Changes a round and moves it forward (planning → active → completed); needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/inspection-rounds/{id}", tag = "inspections", params(("id" = i64, Path), IfMatch), request_body = RoundRequest, security(("bearer" = [])),
    responses((status = 200, body = RoundResponse), (status = 403, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn update_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
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
    ApiPath(id): ApiPath<i64>,
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
    pub targets: Vec<TargetRequest>,
}

/// Sets the units the round visits, each with its team.
#[utoipa::path(put, path = "/api/v1/inspection-rounds/{id}/targets", tag = "inspections", params(("id" = i64, Path)), request_body = TargetsRequest, security(("bearer" = [])),
    responses((status = 200, body = RoundDetailResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_targets(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
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
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ItemBody>>, ApiError> {
    let items = inspections::proposed_checklist(&state.app, &actor, RoundId(id)).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistRequest {
    pub items: Vec<ChecklistItemRequest>,
}

/// Sets the round's checklist while it is planned and nobody has answered it.
#[utoipa::path(put, path = "/api/v1/inspection-rounds/{id}/checklist", tag = "inspections", params(("id" = i64, Path)), request_body = ChecklistRequest, security(("bearer" = [])),
    responses((status = 200, body = [ItemBody]), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_checklist(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ChecklistRequest>,
) -> Result<Json<Vec<ItemBody>>, ApiError> {
    let items: Vec<ItemInput> = body
        .items
        .into_iter()
        .map(|i| ItemInput {
            title: i.title,
            title_bo: i.title_bo,
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
    #[schema(value_type = pacesetter_domain::inspection::records::CheckStatus)]
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
pub struct InspectionSheetResponse {
    pub round: RoundResponse,
    pub target: TargetBody,
    pub lines: Vec<SheetLineResponse>,
    pub can_self_inspect: bool,
    pub can_inspect: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// The target unit whose sheet is read.
    pub unit_id: i64,
}

/// A target's checklist with its self-inspection and the inspectors' checks side by side.
#[utoipa::path(get, path = "/api/v1/inspection-rounds/{id}/sheet", tag = "inspections", params(("id" = i64, Path), UnitQuery), security(("bearer" = [])),
    responses((status = 200, body = InspectionSheetResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sheet(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<UnitQuery>,
) -> Result<Json<InspectionSheetResponse>, ApiError> {
    let sheet = inspections::sheet(&state.app, &actor, RoundId(id), UnitId(query.unit_id)).await?;
    Ok(Json(InspectionSheetResponse {
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
    #[schema(value_type = pacesetter_domain::inspection::records::CheckStatus)]
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
    ApiPath(id): ApiPath<i64>,
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
    ApiPath(id): ApiPath<i64>,
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
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SubmitRequest>,
) -> Result<Json<TargetBody>, ApiError> {
    Ok(Json(inspections::submit_self(&state.app, &actor, RoundId(id), UnitId(body.unit_id)).await?.into()))
}
