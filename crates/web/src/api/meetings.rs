//! `/api/v1/…meetings`: progress meetings (推进会). Whoever runs a campaign schedules its
//! meetings: the time, how each is held and who chairs it, then the main venue and the branch
//! venues with the units expected at each, and the agenda, whose items run one after another
//! from the start. Everyone signed in may read the schedule. Times are RFC 3339.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{
    AppError,
    contests::UnitRef,
    meetings::{
        self, AgendaItemInput, MeetingInput, MeetingView, ScheduledItem, VenueCount, VenueInput, VenueRoll, VenueView,
    },
};
use pacesetter_domain::{
    Timestamp, UnitId,
    ids::{AgendaItemId, CampaignId, MeetingId, VenueId},
    meeting::{Amendment, Attendance, LinkTest, Meeting, Mode, RollCount, RollEntry, VenueKind},
    unit::Unit,
};
use serde::{Deserialize, Serialize};

mod decisions;
mod roll_call;
pub use decisions::*;
pub use roll_call::*;

use crate::{
    AppState,
    api::{
        ApiActor, ApiJson, ApiPath,
        extract::{IfMatch, etag},
    },
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingResponse {
    pub id: i64,
    pub campaign_id: i64,
    pub title: String,
    /// The title in Tibetan, if given.
    pub title_bo: Option<String>,
    /// When it starts, RFC 3339 in UTC.
    pub starts_at: String,
    pub mode: Mode,
    /// Who chairs it, by position.
    pub chair: String,
    pub version: i64,
    /// When it was closed: its schedule, minutes and roll call are locked since.
    pub closed_at: Option<String>,
}

impl From<Meeting> for MeetingResponse {
    fn from(m: Meeting) -> Self {
        Self {
            id: m.id.0,
            campaign_id: m.campaign_id.0,
            title: m.title,
            title_bo: m.title_bo,
            starts_at: m.starts_at.to_db(),
            mode: m.mode,
            chair: m.chair,
            version: m.version,
            closed_at: m.closed.map(|(at, _)| at.to_db()),
        }
    }
}

/// A unit as a meeting's schedule names it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingUnitResponse {
    pub id: i64,
    pub code: Option<String>,
    pub name: String,
}

impl From<Unit> for MeetingUnitResponse {
    fn from(u: Unit) -> Self {
        Self { id: u.id.0, code: u.code, name: u.name }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VenueResponse {
    pub id: i64,
    pub meeting_id: i64,
    pub kind: VenueKind,
    pub name: String,
    /// The unit hosting it, whose liaison runs its roll call.
    pub host_unit: MeetingUnitResponse,
    /// Who of each expected unit attends, by position.
    pub positions: String,
    /// The units expected to attend here.
    pub expected_units: Vec<MeetingUnitResponse>,
    pub position: i64,
    /// The latest test of its link to the main venue.
    pub link_test: Option<LinkTestResponse>,
    /// Its roll call in numbers: given to the organiser only.
    pub roll_call: Option<RollCountResponse>,
    /// Whether the caller runs its roll call.
    pub can_record: bool,
}

impl From<VenueView> for VenueResponse {
    fn from(v: VenueView) -> Self {
        Self {
            id: v.venue.id.0,
            meeting_id: v.venue.meeting_id.0,
            kind: v.venue.kind,
            name: v.venue.name,
            host_unit: v.host.into(),
            positions: v.venue.positions,
            expected_units: v.expected.into_iter().map(Into::into).collect(),
            position: v.venue.position,
            link_test: v.venue.link_test.map(Into::into),
            roll_call: v.count.map(Into::into),
            can_record: v.can_record,
        }
    }
}

/// How a venue's link to the main venue tested before the start.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkTestResponse {
    pub ok: bool,
    pub note: String,
    pub tested_by: i64,
    pub tested_at: String,
}

impl From<LinkTest> for LinkTestResponse {
    fn from(l: LinkTest) -> Self {
        Self { ok: l.ok, note: l.note, tested_by: l.tested_by.0, tested_at: l.tested_at.to_db() }
    }
}

/// A venue's roll call in numbers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RollCountResponse {
    pub expected: usize,
    pub present: usize,
    pub absent: usize,
    pub leave: usize,
    /// Expected units not yet called.
    pub unmarked: usize,
}

impl From<RollCount> for RollCountResponse {
    fn from(c: RollCount) -> Self {
        Self { expected: c.expected, present: c.present, absent: c.absent, leave: c.leave, unmarked: c.unmarked }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AgendaItemResponse {
    pub id: i64,
    pub meeting_id: i64,
    pub position: i64,
    pub title: String,
    /// The title in Tibetan, if given.
    pub title_bo: Option<String>,
    /// Who presents it.
    pub presenter: String,
    pub minutes: u32,
    /// When it starts and ends, the items run one after another from the meeting's start.
    pub starts_at: String,
    pub ends_at: String,
    /// Its minutes (会议纪要).
    pub summary: String,
}

impl From<ScheduledItem> for AgendaItemResponse {
    fn from(s: ScheduledItem) -> Self {
        Self {
            id: s.item.id.0,
            meeting_id: s.item.meeting_id.0,
            position: s.item.position,
            title: s.item.title,
            title_bo: s.item.title_bo,
            presenter: s.item.presenter,
            minutes: s.item.minutes,
            starts_at: s.starts_at.to_db(),
            ends_at: s.ends_at.to_db(),
            summary: s.item.summary,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeetingDetailResponse {
    pub meeting: MeetingResponse,
    /// The campaign's name.
    pub campaign: String,
    /// The main venue first, then the branch venues.
    pub venues: Vec<VenueResponse>,
    pub agenda: Vec<AgendaItemResponse>,
    /// Corrections since it closed, oldest first.
    pub amendments: Vec<AmendmentResponse>,
    /// What it decided, each with where its follow-up stands.
    pub decisions: Vec<FollowUpResponse>,
    /// While it is open: the follow-ups of the campaign's earlier meetings not yet closed, which
    /// come back on its agenda.
    pub carried_follow_ups: Vec<FollowUpResponse>,
    /// Whether the caller organises it.
    pub can_organise: bool,
}

impl From<MeetingView> for MeetingDetailResponse {
    fn from(v: MeetingView) -> Self {
        Self {
            meeting: v.meeting.into(),
            campaign: v.campaign,
            venues: v.venues.into_iter().map(Into::into).collect(),
            agenda: v.agenda.into_iter().map(Into::into).collect(),
            amendments: v.amendments.into_iter().map(Into::into).collect(),
            decisions: v.decisions.into_iter().map(Into::into).collect(),
            carried_follow_ups: v.carried.into_iter().map(Into::into).collect(),
            can_organise: v.can_organise,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequest {
    pub title: String,
    /// The title in Tibetan (optional).
    #[serde(default)]
    pub title_bo: String,
    /// When it starts: RFC 3339 (`2023-04-02T10:00:00+08:00`).
    pub starts_at: String,
    pub mode: Mode,
    /// Who chairs it, by position.
    #[serde(default)]
    pub chair: String,
}

/// A campaign's meetings in the order they are held.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/meetings", tag = "meetings", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [MeetingResponse]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_meetings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<MeetingResponse>>, ApiError> {
    let meetings = meetings::list(&state.app, &actor, CampaignId(id)).await?;
    Ok(Json(meetings.into_iter().map(Into::into).collect()))
}

/// Schedules a progress meeting of the campaign.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/meetings", tag = "meetings", params(("id" = i64, Path)), request_body = MeetingRequest, security(("bearer" = [])),
    responses((status = 201, body = MeetingResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MeetingRequest>,
) -> Result<Response, ApiError> {
    let starts_at = Timestamp::parse(&body.starts_at).ok_or(AppError::invalid("starts_at", "invalid_time"))?;
    let input =
        MeetingInput { title: &body.title, title_bo: &body.title_bo, starts_at, mode: body.mode, chair: &body.chair };
    let meeting = meetings::create(&state.app, &actor, CampaignId(id), &input).await?;
    Ok((StatusCode::CREATED, etag(meeting.version), Json(MeetingResponse::from(meeting))).into_response())
}

/// A meeting's schedule: its venues with the units expected at each, and its agenda.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = MeetingDetailResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MeetingDetailResponse>, ApiError> {
    Ok(Json(meetings::get(&state.app, &actor, MeetingId(id)).await?.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueRequest {
    pub kind: VenueKind,
    pub name: String,
    pub host_unit_id: i64,
    /// Who of each expected unit attends, by position.
    #[serde(default)]
    pub positions: String,
    /// The units expected to attend here; a unit is expected at one venue of a meeting at most.
    #[serde(default)]
    pub expected_unit_ids: Vec<i64>,
}

/// Adds the main venue or a branch venue, with the units expected there.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/venues", tag = "meetings", params(("id" = i64, Path)), request_body = VenueRequest, security(("bearer" = [])),
    responses((status = 201, body = VenueResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_venue(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VenueRequest>,
) -> Result<Response, ApiError> {
    let input = VenueInput {
        kind: body.kind,
        name: &body.name,
        host: UnitRef::Id(UnitId(body.host_unit_id)),
        positions: &body.positions,
        expected: body.expected_unit_ids.iter().map(|id| UnitRef::Id(UnitId(*id))).collect(),
    };
    let venue = meetings::add_venue(&state.app, &actor, MeetingId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(VenueResponse::from(venue))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaItemRequest {
    pub title: String,
    /// The title in Tibetan; absent or blank for none.
    #[serde(default)]
    pub title_bo: String,
    #[serde(default)]
    pub presenter: String,
    /// How long it runs, 1 to 480 minutes.
    #[schema(minimum = 1, maximum = 480)]
    pub minutes: u32,
}

/// Adds an item at the end of the meeting's agenda.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/agenda-items", tag = "meetings", params(("id" = i64, Path)), request_body = AgendaItemRequest, security(("bearer" = [])),
    responses((status = 201, body = AgendaItemResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_agenda_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AgendaItemRequest>,
) -> Result<Response, ApiError> {
    let input = AgendaItemInput {
        title: &body.title,
        title_bo: &body.title_bo,
        presenter: &body.presenter,
        minutes: body.minutes,
    };
    let item = meetings::add_agenda_item(&state.app, &actor, MeetingId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(AgendaItemResponse::from(item))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryRequest {
    /// The item's minutes; empty clears them.
    pub summary: String,
}

/// Writes the minutes of an agenda item (会议纪要), replacing what was written.
#[utoipa::path(put, path = "/api/v1/meeting-agenda-items/{id}/summary", tag = "meetings", params(("id" = i64, Path)), request_body = SummaryRequest, security(("bearer" = [])),
    responses((status = 200, body = AgendaItemResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn write_summary(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SummaryRequest>,
) -> Result<Json<AgendaItemResponse>, ApiError> {
    Ok(Json(meetings::write_summary(&state.app, &actor, AgendaItemId(id), &body.summary).await?.into()))
}

/// A correction of a closed meeting, kept beside what it corrects.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AmendmentResponse {
    pub id: i64,
    pub meeting_id: i64,
    /// The agenda item whose minutes it corrects; none for a correction of the roll call.
    pub agenda_item_id: Option<i64>,
    pub text: String,
    pub created_by: i64,
    pub created_at: String,
}

impl From<Amendment> for AmendmentResponse {
    fn from(a: Amendment) -> Self {
        Self {
            id: a.id.0,
            meeting_id: a.meeting_id.0,
            agenda_item_id: a.agenda_item_id.map(|i| i.0),
            text: a.text,
            created_by: a.created_by.0,
            created_at: a.created_at.to_db(),
        }
    }
}

/// A meeting's new title.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingTitleRequest {
    pub title: String,
    /// In Tibetan; left out or empty: none.
    #[serde(default)]
    pub title_bo: Option<String>,
}

/// Retitles an open meeting, in Chinese and Tibetan; needs `If-Match`. The organiser's; a
/// closed meeting answers 409 `meeting_closed`.
#[utoipa::path(put, path = "/api/v1/meetings/{id}/title", tag = "meetings", params(("id" = i64, Path), IfMatch), request_body = MeetingTitleRequest, security(("bearer" = [])),
    responses((status = 200, body = MeetingResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
        (status = 428, body = crate::error::ErrorBody)))]
pub async fn rename_meeting(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<MeetingTitleRequest>,
) -> Result<Response, ApiError> {
    let title_bo = body.title_bo.as_deref().unwrap_or("");
    let meeting = meetings::rename(&state.app, &actor, MeetingId(id), version, &body.title, title_bo).await?;
    Ok((etag(meeting.version), Json(MeetingResponse::from(meeting))).into_response())
}

/// Closes the meeting; needs `If-Match`. Its schedule, minutes and roll call are locked from
/// then on (changes answer 409 `meeting_closed`); corrections are amendments.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/close", tag = "meetings", params(("id" = i64, Path), IfMatch), security(("bearer" = [])),
    responses((status = 200, body = MeetingResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn close_meeting(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
) -> Result<Response, ApiError> {
    let meeting = meetings::close(&state.app, &actor, MeetingId(id), version).await?;
    Ok((etag(meeting.version), Json(MeetingResponse::from(meeting))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentRequest {
    /// The agenda item whose minutes it corrects; leave out for a correction of the roll call.
    #[serde(default)]
    pub agenda_item_id: Option<i64>,
    pub text: String,
}

/// Corrects a closed meeting's minutes or roll call; the correction is kept beside the original.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/amendments", tag = "meetings", params(("id" = i64, Path)), request_body = AmendmentRequest, security(("bearer" = [])),
    responses((status = 201, body = AmendmentResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn amend_meeting(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AmendmentRequest>,
) -> Result<Response, ApiError> {
    let item = body.agenda_item_id.map(AgendaItemId);
    let amendment = meetings::amend(&state.app, &actor, MeetingId(id), item, &body.text).await?;
    Ok((StatusCode::CREATED, Json(AmendmentResponse::from(amendment))).into_response())
}

/// The meeting's minutes (会议纪要) as PDF: attendance at each venue with those on leave and
/// absent named, each agenda item with its minutes, and the amendments; a draft until it closes.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/minutes.pdf", tag = "meetings", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn minutes_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    Ok(minutes_document(&state, &actor, MeetingId(id)).await?)
}

/// The minutes PDF, served to the API and to the meeting page.
pub(crate) async fn minutes_document(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    id: MeetingId,
) -> Result<Response, AppError> {
    let source = meetings::minutes(&state.app, actor, id).await?;
    let bytes = crate::bulletin::minutes_pdf(&state.config.fonts_dir, crate::bulletin::minutes(source)).await?;
    Ok(pdf_attachment(bytes, &format!("minutes-{}.pdf", id.0)))
}

/// The meeting's briefing pack (会议材料) as PDF: progress by pillar and by prefecture, overdue
/// assignments, rectification items not yet closed, earlier meetings' open follow-ups and the
/// latest published ranking, on the campaign's day; in the campaign's documents language or
/// languages.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/briefing.pdf", tag = "meetings", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn briefing_pdf(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    Ok(briefing_document(&state, &actor, MeetingId(id)).await?)
}

pub(crate) async fn briefing_document(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    id: MeetingId,
) -> Result<Response, AppError> {
    let source = meetings::briefing::briefing(&state.app, actor, id).await?;
    let bytes =
        crate::bulletin::briefing_pdf(&state.config.fonts_dir, crate::bulletin::briefing(source, &state.app)).await?;
    Ok(pdf_attachment(bytes, &format!("briefing-{}.pdf", id.0)))
}

/// A PDF sent as a download named `name`.
fn pdf_attachment(bytes: Vec<u8>, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
