//! `/api/v1/evaluations`: evaluation schemes and the units they rank, self-assessment and
//! inspector entries, submissions, bonus/deduction/veto items, and one unit's sheet. Runs,
//! results, explanations and appeals are in `evaluation_runs`.
//!
//! Exact decimals travel as strings ("93.80"), never as JSON numbers. The scheme, answers and
//! item effects are the domain's JSON (`domain::evaluation`), checked by the app layer after
//! the permission check.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError,
    evaluations::{self, MemberInput, SchemeInput, entries},
};
use pacesetter_domain::{
    UnitId,
    evaluation::{
        LeafScore,
        records::{Item, Member, SchemeId, SchemeStatus, ScoreEntry, Source, StoredScheme},
    },
    evidence::EvidenceId,
    ids::CampaignId,
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

/// A unit a scheme ranks.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberBody {
    pub unit_id: i64,
    /// The category the unit is ranked in (分类考核).
    pub category: String,
    /// Leaves the unit self-assesses.
    pub self_assess: Vec<String>,
    /// When the unit handed in its self-assessment.
    pub submitted_at: Option<String>,
}

/// A unit for a scheme to rank. A member as read may be sent back: its `submitted_at` is
/// ignored.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct MemberRequest {
    pub unit_id: i64,
    /// The category the unit is ranked in (分类考核).
    pub category: String,
    /// Leaves the unit self-assesses; absent means every leaf the server does not compute.
    #[serde(default)]
    pub self_assess: Option<Vec<String>>,
}

impl From<Member> for MemberBody {
    fn from(m: Member) -> Self {
        Self {
            unit_id: m.unit_id.0,
            category: m.category,
            self_assess: m.self_leaves,
            submitted_at: m.submitted_at.map(|t| t.to_db()),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SchemeResponse {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    /// The name in Tibetan, if given.
    pub name_bo: Option<String>,
    /// `draft` (being built) or `active` (open for scoring).
    #[schema(value_type = pacesetter_domain::evaluation::records::SchemeStatus)]
    pub status: String,
    pub version: i64,
    /// The scheme (SCORING.md §1) as `domain::evaluation::Scheme` JSON.
    #[schema(value_type = Object)]
    pub scheme: serde_json::Value,
    pub units: Vec<MemberBody>,
    pub can_manage: bool,
    /// The newest published version, once published.
    pub published_version: Option<i64>,
    pub updated_at: String,
}

fn scheme_response(
    scheme: StoredScheme,
    members: Vec<Member>,
    can_manage: bool,
    published: Option<i64>,
) -> SchemeResponse {
    SchemeResponse {
        id: scheme.id.0,
        campaign_id: scheme.campaign_id.0,
        name: scheme.name,
        name_bo: scheme.name_bo,
        status: scheme.status.as_str().to_owned(),
        version: scheme.version,
        scheme: serde_json::to_value(&scheme.scheme).unwrap_or_default(),
        units: members.into_iter().map(MemberBody::from).collect(),
        can_manage,
        published_version: published,
        updated_at: scheme.updated_at.to_db(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeRequest {
    /// Only when creating: the campaign the scheme belongs to.
    #[serde(default)]
    pub campaign_id: Option<i64>,
    pub name: String,
    /// The name in Tibetan; absent or blank for none.
    #[serde(default)]
    pub name_bo: Option<String>,
    /// Only when editing: `draft` or `active` (default: unchanged).
    #[serde(default)]
    #[schema(value_type = Option<pacesetter_domain::evaluation::records::SchemeStatus>)]
    pub status: Option<String>,
    /// `domain::evaluation::Scheme` JSON; an inconsistent one is refused with 422 naming the
    /// node in `details.node`.
    #[schema(value_type = Object)]
    pub scheme: serde_json::Value,
    #[serde(default)]
    pub units: Vec<MemberRequest>,
}

impl SchemeRequest {
    fn input(&self) -> SchemeInput {
        SchemeInput {
            name: self.name.clone(),
            name_bo: self.name_bo.clone().unwrap_or_default(),
            scheme: self.scheme.clone(),
            units: self
                .units
                .iter()
                .map(|m| MemberInput {
                    unit: UnitId(m.unit_id),
                    category: m.category.clone(),
                    self_assess: m.self_assess.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SchemeQuery {
    /// Only this campaign's schemes.
    pub campaign_id: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SchemeSummary {
    pub id: i64,
    pub campaign_id: i64,
    pub name: String,
    /// The name in Tibetan, if given.
    pub name_bo: Option<String>,
    #[schema(value_type = pacesetter_domain::evaluation::records::SchemeStatus)]
    pub status: String,
    pub version: i64,
}

/// Evaluation schemes, newest first; everyone signed in may read them, like plans.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "evaluations", params(SchemeQuery), security(("bearer" = [])),
    responses((status = 200, body = [SchemeSummary]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list_evaluations(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<SchemeQuery>,
) -> Result<Json<Vec<SchemeSummary>>, ApiError> {
    let list = evaluations::list(&state.app, &actor, query.campaign_id.map(CampaignId)).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| SchemeSummary {
                id: s.id.0,
                campaign_id: s.campaign_id.0,
                name: s.name,
                name_bo: s.name_bo,
                status: s.status.as_str().to_owned(),
                version: s.version,
            })
            .collect(),
    ))
}

pub(super) async fn scheme_view(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    id: SchemeId,
) -> Result<Response, ApiError> {
    let view = evaluations::get(&state.app, actor, id).await?;
    let members = evaluations::members(&state.app, actor, id).await?;
    let version = view.scheme.version;
    let body = scheme_response(view.scheme, members, view.can_manage, view.published_version);
    Ok((etag(version), Json(body)).into_response())
}

/// Creates a scheme (a draft) for a campaign, with the units it ranks; the campaign office's
/// coordinators do this.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "evaluations", request_body = SchemeRequest, security(("bearer" = [])),
    responses((status = 404, body = crate::error::ErrorBody), (status = 201, body = SchemeResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_evaluation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<SchemeRequest>,
) -> Result<Response, ApiError> {
    let campaign = body.campaign_id.ok_or(AppError::invalid("campaign_id", "required"))?;
    let stored = evaluations::create(&state.app, &actor, CampaignId(campaign), &body.input()).await?;
    let response = scheme_view(&state, &actor, stored.id).await?;
    Ok((StatusCode::CREATED, response).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The campaign the scheme is for.
    pub campaign: i64,
    /// The scheme's name.
    pub name: String,
}

/// Creates a scheme (a draft) from the office's indicator table, XLSX or CSV (the request body
/// is the file): one row per indicator with the headers 指标编码, 上级编码, 指标名称, 分值 or
/// 权重, 评分方法, 评分参数, 考核方式, 佐证要求, 自评单位. Bad cells answer
/// `422 sheet_has_errors` with every `{row, column, header, code}`; an inconsistent tree
/// answers its code with the `node`. The units named under 自评单位 are the units ranked, each
/// in its own category.
#[utoipa::path(post, path = "/api/v1/evaluations/import", tag = "evaluations", params(ImportQuery), security(("bearer" = [])),
    request_body(content = super::FileBytes, content_type = "application/octet-stream"),
    responses((status = 404, body = crate::error::ErrorBody), (status = 201, body = SchemeResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import_evaluation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    crate::api::extract::ApiQuery(query): crate::api::extract::ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let stored =
        evaluations::import::import(&state.app, &actor, CampaignId(query.campaign), &query.name, &body).await?;
    let response = scheme_view(&state, &actor, stored.id).await?;
    Ok((StatusCode::CREATED, response).into_response())
}

/// One scheme with its units.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "evaluations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SchemeResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_evaluation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    scheme_view(&state, &actor, SchemeId(id)).await
}

/// Replaces a scheme, its status and its units; needs `If-Match`. Refused (409) once published.
#[utoipa::path(put, path = "/api/v1/evaluations/{id}", tag = "evaluations", params(("id" = i64, Path), IfMatch), request_body = SchemeRequest, security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = SchemeResponse), (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn update_evaluation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<SchemeRequest>,
) -> Result<Response, ApiError> {
    let status = match body.status.as_deref() {
        None => None,
        Some(text) => Some(SchemeStatus::parse(text).ok_or(AppError::invalid("status", "invalid_status"))?),
    };
    evaluations::update(&state.app, &actor, SchemeId(id), version, status, &body.input()).await?;
    scheme_view(&state, &actor, SchemeId(id)).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryResponse {
    pub id: i64,
    pub unit_id: i64,
    pub leaf: String,
    /// `self` or `inspector`.
    #[schema(value_type = pacesetter_domain::evaluation::records::Source)]
    pub source: String,
    /// `domain::evaluation::Answer` JSON, e.g. `{"kind": "level", "value": "A"}`.
    #[schema(value_type = Object)]
    pub answer: serde_json::Value,
    pub comment: Option<String>,
    pub evidence_ids: Vec<i64>,
    pub entered_by: i64,
    pub entered_at: String,
    pub version: i64,
}

impl From<ScoreEntry> for EntryResponse {
    fn from(e: ScoreEntry) -> Self {
        Self {
            id: e.id.0,
            unit_id: e.unit_id.0,
            leaf: e.leaf,
            source: e.source.as_str().to_owned(),
            answer: serde_json::to_value(&e.answer).unwrap_or_default(),
            comment: e.comment,
            evidence_ids: e.evidence.iter().map(|id| id.0).collect(),
            entered_by: e.entered_by.0,
            entered_at: e.entered_at.to_db(),
            version: e.version,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    pub unit_id: i64,
    pub leaf: String,
    /// `domain::evaluation::Answer` JSON: `{"kind": "level", "value": "A"}`,
    /// `{"kind": "checked", "value": [0, 2]}`, `{"kind": "value", "value": "0.84"}`,
    /// `{"kind": "occurrences", "value": 2}`, `{"kind": "met", "value": true}`.
    #[schema(value_type = Object)]
    pub answer: serde_json::Value,
    #[serde(default)]
    pub comment: Option<String>,
    /// Pieces of the unit's evidence library.
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
    /// The entry's version as last read; absent for a first entry.
    #[serde(default)]
    pub version: Option<i64>,
}

impl EntryRequest {
    fn input(&self) -> entries::EntryInput {
        entries::EntryInput {
            unit: UnitId(self.unit_id),
            leaf: self.leaf.clone(),
            answer: self.answer.clone(),
            comment: self.comment.clone(),
            evidence: self.evidence_ids.iter().map(|id| EvidenceId(*id)).collect(),
            version: self.version,
        }
    }
}

/// Saves the unit's self-assessment of one leaf (自评), with evidence from its library.
#[utoipa::path(put, path = "/api/v1/evaluations/{id}/self-entries", tag = "evaluations", params(("id" = i64, Path)), request_body = EntryRequest, security(("bearer" = [])),
    responses((status = 200, body = EntryResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 412, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn save_self_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EntryRequest>,
) -> Result<Json<EntryResponse>, ApiError> {
    let saved = entries::save(&state.app, &actor, SchemeId(id), Source::SelfAssessment, &body.input()).await?;
    Ok(Json(saved.into()))
}

/// Saves an inspector's score of one leaf for a unit the inspector is assigned to.
#[utoipa::path(put, path = "/api/v1/evaluations/{id}/inspector-entries", tag = "evaluations", params(("id" = i64, Path)), request_body = EntryRequest, security(("bearer" = [])),
    responses((status = 200, body = EntryResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 412, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn save_inspector_entry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EntryRequest>,
) -> Result<Json<EntryResponse>, ApiError> {
    let saved = entries::save(&state.app, &actor, SchemeId(id), Source::Inspector, &body.input()).await?;
    Ok(Json(saved.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionRequest {
    pub unit_id: i64,
}

/// Hands in a unit's self-assessment; 422 `self_assessment_incomplete` lists what is missing.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/submissions", tag = "evaluations", params(("id" = i64, Path)), request_body = SubmissionRequest, security(("bearer" = [])),
    responses((status = 200, body = MemberBody), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn submit_self_assessment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SubmissionRequest>,
) -> Result<Json<MemberBody>, ApiError> {
    let member = entries::submit(&state.app, &actor, SchemeId(id), UnitId(body.unit_id)).await?;
    Ok(Json(member.into()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemResponse {
    pub id: i64,
    pub unit_id: i64,
    /// `domain::evaluation::records::ItemEffect` JSON (bonus, deduction or veto).
    #[schema(value_type = Object)]
    pub effect: serde_json::Value,
    pub source: String,
    pub source_link: Option<String>,
    pub created_by: i64,
    pub created_at: String,
}

impl From<Item> for ItemResponse {
    fn from(i: Item) -> Self {
        Self {
            id: i.id.0,
            unit_id: i.unit_id.0,
            effect: serde_json::to_value(&i.effect).unwrap_or_default(),
            source: i.source,
            source_link: i.source_link,
            created_by: i.created_by.0,
            created_at: i.created_at.to_db(),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    pub unit_id: i64,
    /// `{"kind": "bonus", "points": "2", "cap": "3"}`, `{"kind": "deduction", "count": 2, "per": "0.5"}`
    /// or `{"kind": "veto", "effect": {"kind": "fail" | "exclude_from_ranking"}}` /
    /// `{"kind": "veto", "effect": {"kind": "cap_grade", "grade": "合格"}}`.
    #[schema(value_type = Object)]
    pub effect: serde_json::Value,
    /// Where it comes from (a commendation, a finding, a late report…).
    pub source: String,
    #[serde(default)]
    pub source_link: Option<String>,
}

/// Records a bonus, deduction or veto item for a unit, with its source.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/items", tag = "evaluations", params(("id" = i64, Path)), request_body = ItemRequest, security(("bearer" = [])),
    responses((status = 201, body = ItemResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ItemRequest>,
) -> Result<Response, ApiError> {
    let input = entries::ItemInput {
        unit: UnitId(body.unit_id),
        effect: body.effect,
        source: body.source,
        source_link: body.source_link,
    };
    let item = entries::add_item(&state.app, &actor, SchemeId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(ItemResponse::from(item))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScoreBody {
    pub score: String,
    /// How the rubric reached it, in words.
    pub step: String,
}

pub(super) fn score_body(score: LeafScore) -> ScoreBody {
    ScoreBody { score: score.score.normalize().to_string(), step: score.step }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SheetLeafResponse {
    pub code: String,
    pub name: String,
    /// The indicator's name in Tibetan, where the scheme gives one.
    pub name_bo: Option<String>,
    pub max: String,
    pub self_assessed: bool,
    /// Computed by the server (`task_completion`), not entered.
    pub computed: bool,
    pub self_entry: Option<EntryResponse>,
    pub inspector_entry: Option<EntryResponse>,
    pub self_score: Option<ScoreBody>,
    pub inspector_score: Option<ScoreBody>,
    /// The two scores differ by more than the scheme allows: to be re-checked (复核).
    pub flagged: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingDeductionsRequest {
    /// Points deducted per finding, e.g. "0.5".
    pub points_per_finding: String,
}

/// Deduction items from the campaign's findings whose rectification is overdue or was
/// reopened: one per finding of a unit the scheme ranks, linked to it; findings already
/// deducted are skipped. Returns the items created (possibly none).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/finding-deductions", tag = "evaluations", params(("id" = i64, Path)), request_body = FindingDeductionsRequest, security(("bearer" = [])),
    responses((status = 201, body = [ItemResponse]), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn finding_deductions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FindingDeductionsRequest>,
) -> Result<Response, ApiError> {
    let per = body
        .points_per_finding
        .trim()
        .parse::<rust_decimal::Decimal>()
        .ok()
        .filter(|p| p.is_sign_positive() && !p.is_zero())
        .ok_or(AppError::invalid("points_per_finding", "item_invalid"))?;
    let items = pacesetter_app::inspections::deduct_from_findings(&state.app, &actor, SchemeId(id), per).await?;
    let body: Vec<ItemResponse> = items.into_iter().map(Into::into).collect();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EvaluationSheetResponse {
    pub unit: MemberBody,
    pub leaves: Vec<SheetLeafResponse>,
    /// Leaves the unit must still self-assess.
    pub missing: Vec<String>,
    pub items: Vec<ItemResponse>,
    pub published: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// The unit whose sheet or explanation is read.
    pub unit_id: i64,
}

/// One unit's sheet: self and inspector entries side by side, flags, what is missing, items.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}/entries", tag = "evaluations", params(("id" = i64, Path), UnitQuery), security(("bearer" = [])),
    responses((status = 200, body = EvaluationSheetResponse), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn get_entries(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<UnitQuery>,
) -> Result<Json<EvaluationSheetResponse>, ApiError> {
    let sheet = entries::sheet(&state.app, &actor, SchemeId(id), UnitId(query.unit_id)).await?;
    Ok(Json(EvaluationSheetResponse {
        unit: sheet.member.into(),
        leaves: sheet
            .leaves
            .into_iter()
            .map(|l| SheetLeafResponse {
                code: l.code,
                name: l.name,
                name_bo: l.name_bo,
                max: l.max.normalize().to_string(),
                self_assessed: l.self_assessed,
                computed: l.computed,
                self_entry: l.self_entry.map(Into::into),
                inspector_entry: l.inspector_entry.map(Into::into),
                self_score: l.self_score.map(score_body),
                inspector_score: l.inspector_score.map(score_body),
                flagged: l.flagged,
            })
            .collect(),
        missing: sheet.missing,
        items: sheet.items.into_iter().map(Into::into).collect(),
        published: sheet.published,
    }))
}
