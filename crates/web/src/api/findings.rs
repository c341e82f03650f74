//! `/api/v1/…/findings`, `/findings/{id}` and `/rectifications/{id}/steps`: findings with their
//! rectification item (整改), the steps on it, and the findings ledger, as JSON or XLSX.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError, PageRequest,
    inspections::{self, FindingInput, FindingView, LedgerQuery, RectificationInput, StepInput},
};
use pacesetter_domain::{
    UnitId,
    evidence::EvidenceId,
    ids::{CampaignId, PlanItemId},
    inspection::{
        RectificationState, RectificationStep, Severity,
        records::{CheckItemId, Finding, FindingId, Rectification, RectificationId, RoundId, StepTaken},
    },
    timestamp::format_date,
};
use serde::{Deserialize, Serialize};

use super::{
    assignments::{ChaseRequest, ChaseResponse},
    inspections::{date, ids},
};
use crate::{
    AppState,
    api::{
        ApiActor, ApiJson, ApiPath,
        extract::{ApiQuery, IfMatch},
    },
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct FindingBody {
    pub id: i64,
    pub round_id: i64,
    pub unit_id: i64,
    pub item_id: Option<i64>,
    pub plan_item_id: Option<i64>,
    pub indicator_code: Option<String>,
    /// `minor`, `major` or `serious`.
    #[schema(value_type = pacesetter_domain::inspection::Severity)]
    pub severity: String,
    pub category: String,
    /// The category in Tibetan, where one was given.
    pub category_bo: Option<String>,
    pub description: String,
    pub created_by: i64,
    pub created_at: String,
    /// In the order taken; each is read at `/api/v1/findings/{id}/photos/{sha256}`.
    pub photos: Vec<PhotoBody>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PhotoBody {
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i64,
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
            category_bo: f.category_bo,
            description: f.description,
            created_by: f.created_by.0,
            created_at: f.created_at.to_db(),
            photos: f
                .photos
                .into_iter()
                .map(|p| PhotoBody { sha256: p.sha256, content_type: p.content_type, size_bytes: p.size_bytes })
                .collect(),
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
    #[schema(value_type = pacesetter_domain::inspection::RectificationState)]
    pub state: String,
    /// Past its deadline with the unit still to respond.
    pub overdue: bool,
    pub version: i64,
}

impl RectificationBody {
    /// The item as of the campaign's day `today`, which overdue is judged on.
    fn new(r: Rectification, today: time::Date) -> Self {
        Self {
            id: r.id.0,
            unit_id: r.unit_id.0,
            measure: r.measure,
            given_on: format_date(r.given_on),
            due_on: format_date(r.due_on),
            state: r.state.as_str().to_owned(),
            overdue: r.state.is_overdue(r.due_on, today),
            version: r.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StepBody {
    /// `respond`, `close` or `reopen`.
    #[schema(value_type = pacesetter_domain::inspection::RectificationStep)]
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
    /// The steps taken on the rectification item, oldest first (empty in the ledger).
    pub steps: Vec<StepBody>,
    /// Every chase (催办) of the rectification item, oldest first (empty in the ledger).
    pub chases: Vec<ChaseResponse>,
}

impl From<FindingView> for FindingResponse {
    fn from(v: FindingView) -> Self {
        Self {
            finding: v.finding.into(),
            rectification: v.rectification.map(|r| RectificationBody::new(r, v.today)),
            steps: v.steps.into_iter().map(Into::into).collect(),
            chases: v.chases.into_iter().map(Into::into).collect(),
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
    #[schema(value_type = pacesetter_domain::inspection::Severity)]
    pub severity: String,
    pub category: String,
    /// The category in Tibetan; left out or empty: none.
    #[serde(default)]
    pub category_bo: Option<String>,
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
    ApiPath(id): ApiPath<i64>,
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
        category_bo: body.category_bo,
        description: body.description,
        rectification,
        photos: Vec::new(),
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
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<FindingResponse>, ApiError> {
    Ok(Json(inspections::finding(&state.app, &actor, FindingId(id)).await?.into()))
}

/// Adds a photo to a finding (the body is the image: JPEG, PNG or WebP, at most 10 MB); where it
/// was taken is stripped unless the campaign keeps it. For the inspectors of the finding's unit.
#[utoipa::path(post, path = "/api/v1/findings/{id}/photos", tag = "inspections", params(("id" = i64, Path)), security(("bearer" = [])),
    request_body(content = super::FileBytes, content_type = "image/*"),
    responses((status = 201, body = FindingBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_photo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let finding = inspections::add_photos(&state.app, &actor, FindingId(id), &[body.to_vec()]).await?;
    Ok((StatusCode::CREATED, Json(FindingBody::from(finding))).into_response())
}

/// One photo of a finding, for whoever sees the finding.
#[utoipa::path(get, path = "/api/v1/findings/{id}/photos/{sha256}", tag = "inspections",
    params(("id" = i64, Path), ("sha256" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "image/*", description = "The photo, in its own type (JPEG, PNG or WebP)."), (status = 404, body = crate::error::ErrorBody)))]
pub async fn photo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, sha256)): ApiPath<(i64, String)>,
) -> Result<Response, ApiError> {
    let (photo, bytes) = inspections::photo(&state.app, &actor, FindingId(id), &sha256).await?;
    Ok(picture(&photo.content_type, bytes))
}

/// A stored picture (a finding's photo, an exhibition's work) as a response: in its own type,
/// sandboxed, and cached privately, since the content never changes under its hash and only who
/// may see it does.
pub(crate) fn picture(content_type: &str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    response
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationStepRequest {
    /// `respond` (the responsible unit), `close` or `reopen` (the inspectors).
    #[schema(value_type = pacesetter_domain::inspection::RectificationStep)]
    pub step: String,
    /// What was done, or why it is reopened; closing needs none.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub evidence_ids: Vec<i64>,
}

/// Takes a step on a rectification item; needs `If-Match` with the item's version.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/steps", tag = "inspections", params(("id" = i64, Path), IfMatch), request_body = RectificationStepRequest, security(("bearer" = [])),
    responses((status = 200, body = FindingResponse), (status = 403, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn take_step(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<RectificationStepRequest>,
) -> Result<Json<FindingResponse>, ApiError> {
    let input = StepInput {
        step: RectificationStep::parse(&body.step).ok_or(AppError::invalid("step", "invalid_step"))?,
        text: body.text,
        evidence: body.evidence_ids.iter().map(|e| EvidenceId(*e)).collect(),
        version,
    };
    Ok(Json(inspections::take_step(&state.app, &actor, RectificationId(id), &input).await?.into()))
}

/// Chases (催办) a rectification item that is not closed: the responsible unit's liaisons are
/// told, with the message; kept in the item's history. Needs `inspect` on the item's unit (the
/// inspectors and the office).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/chase", tag = "inspections", params(("id" = i64, Path)), request_body = ChaseRequest, security(("bearer" = [])),
    responses((status = 200, body = FindingResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn chase(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ChaseRequest>,
) -> Result<Json<FindingResponse>, ApiError> {
    let message = body.message.unwrap_or_default();
    Ok(Json(inspections::chase_rectification(&state.app, &actor, RectificationId(id), &message).await?.into()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    pub round_id: Option<i64>,
    /// Only this unit and the units below it.
    pub under: Option<i64>,
    /// `minor`, `major` or `serious`.
    #[param(value_type = Option<pacesetter_domain::inspection::Severity>)]
    pub severity: Option<String>,
    /// The rectification item's state.
    #[param(value_type = Option<pacesetter_domain::inspection::RectificationState>)]
    pub state: Option<String>,
    /// Only items past their deadline with the unit still to respond.
    pub overdue: Option<bool>,
    /// From 1.
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
            q: None,
            page: PageRequest::new(self.page, self.per_page),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LedgerResponse {
    pub items: Vec<FindingResponse>,
    /// How many findings match, over every page.
    pub total: i64,
}

/// The campaign's day (pinned in the demo), which a ledger judges overdue on.
async fn campaign_today(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    campaign: CampaignId,
) -> Result<time::Date, ApiError> {
    let view = pacesetter_app::plans::campaign(&state.app, actor, campaign).await?;
    Ok(view.campaign.today(pacesetter_domain::Timestamp::now()))
}

/// A campaign's findings ledger, newest first, limited to the units the caller sees.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/findings", tag = "inspections", params(("id" = i64, Path), LedgerParams), security(("bearer" = [])),
    responses((status = 200, body = LedgerResponse), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<LedgerParams>,
) -> Result<Json<LedgerResponse>, ApiError> {
    let query = params.query()?;
    let (lines, total) = inspections::ledger(&state.app, &actor, CampaignId(id), &query).await?;
    let today = campaign_today(&state, &actor, CampaignId(id)).await?;
    let items = lines
        .into_iter()
        .map(|l| {
            let campaign = CampaignId(id);
            let (steps, chases) = (Vec::new(), Vec::new());
            FindingView { finding: l.finding, rectification: l.rectification, steps, chases, campaign, today }.into()
        })
        .collect();
    Ok(Json(LedgerResponse { items, total }))
}

/// The findings ledger as an XLSX workbook, with the same filters, in the caller's language.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/findings.xlsx", tag = "inspections", params(("id" = i64, Path), LedgerParams), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<LedgerParams>,
) -> Result<Response, ApiError> {
    use pacesetter_export::table_xlsx::{Cell, Column, write_cells};
    let t = crate::i18n::Tr::of_actor(&actor, &state.app);
    let campaign = CampaignId(id);
    let rounds = inspections::rounds(&state.app, &actor, campaign).await?;
    let mut query = LedgerQuery { page: PageRequest::new(Some(1), Some(200)), ..params.query()? };
    let mut lines = Vec::new();
    loop {
        let (page, total) = inspections::ledger(&state.app, &actor, campaign, &query).await?;
        let done = page.is_empty() || lines.len() + page.len() >= total as usize;
        lines.extend(page);
        if done {
            break;
        }
        query.page.page += 1;
    }
    let today = campaign_today(&state, &actor, campaign).await?;
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
        let text = |value: String| Cell::Text(value);
        rows.push(vec![
            text(name(f.unit_id)),
            text(rounds.iter().find(|x| x.id == f.round_id).map(|x| x.name.clone()).unwrap_or_default()),
            text(t.tk("inspection.severity", f.severity.as_str()).to_owned()),
            text(f.category.clone()),
            text(f.description.clone()),
            text(r.map(|r| name(r.unit_id)).unwrap_or_default()),
            text(r.map(|r| r.measure.clone()).unwrap_or_default()),
            r.map_or(Cell::Text(String::new()), |r| Cell::Date(r.due_on)),
            text(t.tk("inspection.state", r.map_or("none", |r| r.state.as_str())).to_owned()),
            text(if r.is_some_and(|r| r.state.is_overdue(r.due_on, today)) {
                t.t("inspection.overdue").to_owned()
            } else {
                String::new()
            }),
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
    let bytes =
        write_cells(ledger, ledger, &columns, &rows).map_err(|e| AppError::Internal(format!("ledger xlsx: {e}")))?;
    Ok(super::xlsx_download(bytes, "attachment; filename=\"findings.xlsx\""))
}
