//! A venue's roll call pages: the host's phone page (link test, each expected unit present,
//! absent or on leave) and the table the main venue fetches again while it watches.

use super::*;

/// The roll call the main venue watches, alone: the meeting page fetches it again every few
/// seconds (`data-poll`), so that the office sees each venue's check-in as it comes.
pub async fn show_roll_call(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let counts = meetings::roll_call(&state.app, &actor, MeetingId(id)).await?;
    let roll = counts.iter().map(|c| RollRow::new(&c.venue, c.count)).collect();
    Ok(render(&RollCallTable { p: ctx, roll }).into_response())
}

/// An expected unit's line of a venue's roll call page.
pub struct RollLine {
    pub unit_id: i64,
    pub unit: String,
    /// `present`, `absent`, `leave`, or empty before it was called.
    pub attendance: &'static str,
    pub reason: String,
    pub recorded_at: String,
    /// The message of a refused change of this line.
    pub error: String,
}

#[derive(Template)]
#[template(path = "meetings/venue.html")]
struct VenuePage {
    p: PageCtx,
    id: i64,
    meeting_id: i64,
    meeting: String,
    starts_at: String,
    name: String,
    host: String,
    link: &'static str,
    link_note: String,
    link_at: String,
    lines: Vec<RollLine>,
    count: RollCount,
    statuses: [Attendance; 3],
    /// The meeting is closed: the roll call is shown, not changed.
    closed: bool,
    link_form: LinkTestForm,
    errors: ValidationError,
}

impl VenuePage {
    fn error(&self, field: &str) -> String {
        field_message(&self.errors, field, self.p.t)
    }
}

/// One unit's line of the roll call as its host sets it.
#[derive(Deserialize)]
pub struct AttendanceForm {
    #[serde(default)]
    unit_id: i64,
    #[serde(default)]
    attendance: String,
    #[serde(default)]
    reason: String,
}

/// The venue's link test: worked ("1") or not, with what failed.
#[derive(Deserialize, Default)]
pub struct LinkTestForm {
    #[serde(default)]
    ok: String,
    #[serde(default)]
    note: String,
}

async fn venue_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    id: i64,
    (refused, link_form): (Option<AttendanceForm>, LinkTestForm),
    errors: ValidationError,
) -> PageResult {
    let roll = meetings::venue_roll(&state.app, actor, VenueId(id)).await?;
    let locale = ctx.t.locale;
    let lines = roll
        .lines
        .iter()
        .map(|(unit, entry)| {
            let mut line = RollLine {
                unit_id: unit.id.0,
                unit: unit.display_name(locale).to_owned(),
                attendance: entry.as_ref().map(|e| e.attendance.as_str()).unwrap_or_default(),
                reason: entry.as_ref().map(|e| e.reason.clone()).unwrap_or_default(),
                recorded_at: entry.as_ref().map(|e| e.recorded_at.display_cst()).unwrap_or_default(),
                error: String::new(),
            };
            // The refused line shows what was sent, with the reason it was refused.
            if let Some(form) = refused.as_ref().filter(|f| f.unit_id == unit.id.0) {
                line.attendance = Attendance::parse(&form.attendance).map(Attendance::as_str).unwrap_or_default();
                line.reason = form.reason.clone();
                line.error = errors.fields.first().map(|e| ctx.t.error(e.code).to_owned()).unwrap_or_default();
            }
            line
        })
        .collect();
    let test = roll.venue.link_test.as_ref();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = VenuePage {
        p: ctx.with_nav("meetings"),
        id,
        meeting_id: roll.meeting.id.0,
        meeting: roll.meeting.title.clone(),
        starts_at: roll.meeting.starts_at.display_cst(),
        name: roll.venue.name.clone(),
        host: roll.host.display_name(locale).to_owned(),
        link: RollRow::new(&roll.venue, roll.count).link,
        link_note: test.map(|t| t.note.clone()).unwrap_or_default(),
        link_at: test.map(|t| t.tested_at.display_cst()).unwrap_or_default(),
        lines,
        count: roll.count,
        statuses: Attendance::ALL,
        closed: roll.meeting.closed.is_some(),
        link_form,
        errors: if refused.is_some() { ValidationError::new() } else { errors },
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_venue(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    venue_page(&state, &actor, ctx, id, (None, LinkTestForm::default()), ValidationError::new()).await
}

pub async fn record_attendance(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AttendanceForm>,
) -> PageResult {
    let result = async {
        let attendance =
            Attendance::parse(&form.attendance).ok_or(AppError::invalid("attendance", "invalid_attendance"))?;
        meetings::record_attendance(&state.app, &actor, VenueId(id), UnitId(form.unit_id), attendance, &form.reason)
            .await
    }
    .await;
    match result {
        Ok(entry) => Ok(saved(&format!("/meeting-venues/{id}#unit-{}", entry.unit_id))),
        Err(error) => {
            let errors = field_errors(error)?;
            venue_page(&state, &actor, ctx, id, (Some(form), LinkTestForm::default()), errors).await
        }
    }
}

pub async fn report_link_test(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<LinkTestForm>,
) -> PageResult {
    let ok = form.ok == "1";
    match meetings::report_link_test(&state.app, &actor, VenueId(id), ok, &form.note).await {
        Ok(_) => Ok(saved(&format!("/meeting-venues/{id}"))),
        Err(error) => {
            let errors = field_errors(error)?;
            venue_page(&state, &actor, ctx, id, (None, form), errors).await
        }
    }
}
