//! A venue's roll call: its host checks in the expected units and reports the link test; the
//! organiser watches every venue's numbers and downloads the attendance sheet.

use super::*;

/// A unit's line of a venue's roll call.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RollEntryResponse {
    pub venue_id: i64,
    pub unit_id: i64,
    pub attendance: Attendance,
    /// Why the unit is on leave or absent.
    pub reason: String,
    pub recorded_by: i64,
    pub recorded_at: String,
}

impl From<RollEntry> for RollEntryResponse {
    fn from(e: RollEntry) -> Self {
        Self {
            venue_id: e.venue_id.0,
            unit_id: e.unit_id.0,
            attendance: e.attendance,
            reason: e.reason,
            recorded_by: e.recorded_by.0,
            recorded_at: e.recorded_at.to_db(),
        }
    }
}

/// An expected unit with what its venue's host recorded for it, if anything yet.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RollLineResponse {
    pub unit: MeetingUnitResponse,
    pub entry: Option<RollEntryResponse>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VenueRollResponse {
    pub meeting: MeetingResponse,
    pub venue_id: i64,
    pub name: String,
    pub kind: VenueKind,
    pub host_unit: MeetingUnitResponse,
    pub link_test: Option<LinkTestResponse>,
    /// Every unit the venue expects, in order.
    pub lines: Vec<RollLineResponse>,
    pub count: RollCountResponse,
}

impl From<VenueRoll> for VenueRollResponse {
    fn from(r: VenueRoll) -> Self {
        Self {
            meeting: r.meeting.into(),
            venue_id: r.venue.id.0,
            name: r.venue.name,
            kind: r.venue.kind,
            host_unit: r.host.into(),
            link_test: r.venue.link_test.map(Into::into),
            lines: r
                .lines
                .into_iter()
                .map(|(unit, entry)| RollLineResponse { unit: unit.into(), entry: entry.map(Into::into) })
                .collect(),
            count: r.count.into(),
        }
    }
}

/// A venue's roll call, for its host (the liaison of its host unit) or the meeting's organiser.
#[utoipa::path(get, path = "/api/v1/meeting-venues/{id}/roll-call", tag = "meetings", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = VenueRollResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn venue_roll(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<VenueRollResponse>, ApiError> {
    Ok(Json(meetings::venue_roll(&state.app, &actor, VenueId(id)).await?.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRequest {
    pub attendance: Attendance,
    /// Why the unit is on leave (required then) or absent.
    #[serde(default)]
    pub reason: String,
}

/// Records whether an expected unit came to the venue; sent again, it replaces what was recorded.
#[utoipa::path(put, path = "/api/v1/meeting-venues/{id}/attendance/{unit}", tag = "meetings", params(("id" = i64, Path), ("unit" = i64, Path)),
    request_body = AttendanceRequest, security(("bearer" = [])),
    responses((status = 200, body = RollEntryResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn record_attendance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, unit)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<AttendanceRequest>,
) -> Result<Json<RollEntryResponse>, ApiError> {
    let entry =
        meetings::record_attendance(&state.app, &actor, VenueId(id), UnitId(unit), body.attendance, &body.reason)
            .await?;
    Ok(Json(entry.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkTestRequest {
    pub ok: bool,
    /// What failed (required when it did not work).
    #[serde(default)]
    pub note: String,
}

/// Reports how the venue's link to the main venue tested before the start.
#[utoipa::path(post, path = "/api/v1/meeting-venues/{id}/link-test", tag = "meetings", params(("id" = i64, Path)), request_body = LinkTestRequest, security(("bearer" = [])),
    responses((status = 200, body = LinkTestResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn report_link_test(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LinkTestRequest>,
) -> Result<Json<LinkTestResponse>, ApiError> {
    Ok(Json(meetings::report_link_test(&state.app, &actor, VenueId(id), body.ok, &body.note).await?.into()))
}

/// A venue's roll call in numbers, as the main venue watches it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VenueCountResponse {
    pub venue_id: i64,
    pub name: String,
    pub kind: VenueKind,
    pub host_unit: MeetingUnitResponse,
    pub link_test: Option<LinkTestResponse>,
    pub count: RollCountResponse,
}

impl From<VenueCount> for VenueCountResponse {
    fn from(c: VenueCount) -> Self {
        Self {
            venue_id: c.venue.id.0,
            name: c.venue.name,
            kind: c.venue.kind,
            host_unit: c.host.into(),
            link_test: c.venue.link_test.map(Into::into),
            count: c.count.into(),
        }
    }
}

/// Every venue's roll call in numbers, for the meeting's organiser; poll it to watch the roll
/// call come in.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/roll-call", tag = "meetings", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [VenueCountResponse]), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn roll_call(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<VenueCountResponse>>, ApiError> {
    let counts = meetings::roll_call(&state.app, &actor, MeetingId(id)).await?;
    Ok(Json(counts.into_iter().map(Into::into).collect()))
}

/// The attendance sheet as an XLSX workbook in `t`'s language: every venue's expected units with
/// what was recorded for each (served to the API and to the meeting page).
pub(crate) async fn attendance_workbook(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    id: MeetingId,
    t: crate::i18n::Tr,
) -> Result<Response, AppError> {
    use pacesetter_export::table_xlsx::{Column, write};
    let sheet = meetings::attendance_sheet(&state.app, actor, id).await?;
    let rows: Vec<Vec<String>> = sheet
        .lines
        .iter()
        .map(|line| {
            let entry = line.entry.as_ref();
            vec![
                line.venue.clone(),
                line.unit.display_name(t.locale).to_owned(),
                entry.map_or_else(
                    || t.t("meeting.unmarked").to_owned(),
                    |e| t.tk("meeting.attendance", e.attendance.as_str()).to_owned(),
                ),
                entry.map(|e| e.reason.clone()).unwrap_or_default(),
                entry.map(|e| e.recorded_at.display_cst()).unwrap_or_default(),
            ]
        })
        .collect();
    let headings = ["meeting.venues", "meeting.unit", "meeting.roll_call", "meeting.reason", "meeting.recorded_at"];
    let widths = [22.0, 22.0, 10.0, 30.0, 18.0];
    let columns: Vec<Column<'_>> =
        headings.iter().zip(widths).map(|(key, width)| Column { heading: t.t(key), width }).collect();
    let title = format!(
        "{} · {} · {}",
        sheet.meeting.title,
        sheet.meeting.starts_at.display_cst(),
        t.t("meeting.attendance_sheet")
    );
    let bytes = write(&title, t.t("meeting.roll_call"), &columns, &rows)
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let filename = format!("attendance-{}.xlsx", id.0);
    Ok(crate::api::xlsx_download(bytes, &format!("attachment; filename=\"{filename}\"")))
}

/// The meeting's attendance sheet as an XLSX workbook, in the caller's language: each venue's
/// expected units, present, absent or on leave with the reason.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/attendance.xlsx", tag = "meetings", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn attendance_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let t = crate::i18n::Tr::of_actor(&actor, &state.app);
    Ok(attendance_workbook(&state, &actor, MeetingId(id), t).await?)
}
