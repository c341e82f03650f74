//! Progress meeting pages (推进会): the meetings of every campaign with the form that schedules
//! one, and a meeting's schedule — its venues with the units expected at each and its agenda
//! with each item's time — with the organiser's forms that add a venue and an agenda item.
//! Every page calls the same app functions as the JSON API.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{
    AppError,
    contests::UnitRef,
    meetings::{self, AgendaItemInput, MeetingInput, VenueInput},
};
use pacesetter_domain::{
    Timestamp, UnitId, ValidationError,
    ids::{AgendaItemId, CampaignId, MeetingId, VenueId},
    meeting::{Attendance, Mode, RollCount, Venue, VenueKind},
};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, render};
use super::named::{Named, RenameForm};

mod decisions;
mod roll_call;
use crate::{
    AppState,
    ui::page::{PageForm, PageResult, field_errors, field_message, saved},
};
pub use decisions::*;
pub use roll_call::*;

pub struct MeetingRow {
    pub id: i64,
    /// The venues whose roll call the reader runs: (venue, name).
    pub hosted: Vec<(i64, String)>,
    pub title: Named,
    pub campaign: String,
    pub starts_at: String,
    pub mode: &'static str,
    pub venues: usize,
    pub agenda_items: usize,
}

#[derive(Template)]
#[template(path = "meetings/index.html")]
struct ListPage {
    p: PageCtx,
    meetings: Vec<MeetingRow>,
    /// The campaigns the visitor may schedule a meeting in.
    campaigns: Vec<(i64, String)>,
    modes: [Mode; 4],
    form: MeetingForm,
    errors: ValidationError,
}

impl ListPage {
    fn error(&self, field: &str) -> String {
        field_message(&self.errors, field, self.p.t)
    }
}

#[derive(Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    campaign_id: i64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_bo: String,
    /// `YYYY-MM-DDTHH:MM` in China Standard Time, as the browser's field sends it.
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    chair: String,
}

impl Default for MeetingForm {
    fn default() -> Self {
        Self {
            campaign_id: 0,
            title: String::new(),
            title_bo: String::new(),
            starts_at: String::new(),
            mode: Mode::Telephone.as_str().to_owned(),
            chair: String::new(),
        }
    }
}

async fn list_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    form: MeetingForm,
    errors: ValidationError,
) -> PageResult {
    let meetings = meetings::overview(&state.app, actor)
        .await?
        .into_iter()
        .map(|s| MeetingRow {
            id: s.meeting.id.0,
            hosted: s.hosted.into_iter().map(|(id, name)| (id.0, name)).collect(),
            title: Named::of(&s.meeting.title, s.meeting.title_bo.as_deref(), ctx.t.locale),
            campaign: s.campaign,
            starts_at: s.meeting.starts_at.display_cst(),
            mode: s.meeting.mode.as_str(),
            venues: s.venues,
            agenda_items: s.agenda_items,
        })
        .collect();
    let campaigns = pacesetter_app::plans::manageable_campaigns(&state.app, actor)
        .await?
        .into_iter()
        .map(|c| (c.id.0, c.name))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ListPage { p: ctx.with_nav("meetings"), meetings, campaigns, modes: Mode::ALL, form, errors };
    Ok((status, render(&page)).into_response())
}

pub async fn list_meetings(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn) -> PageResult {
    list_page(&state, &actor, ctx, MeetingForm::default(), ValidationError::new()).await
}

pub async fn create_meeting(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<MeetingForm>,
) -> PageResult {
    let result = async {
        let starts_at = Timestamp::parse_cst(&form.starts_at).ok_or(AppError::invalid("starts_at", "invalid_time"))?;
        let mode = Mode::parse(&form.mode).ok_or(AppError::invalid("mode", "invalid_mode"))?;
        let input = MeetingInput { title: &form.title, title_bo: &form.title_bo, starts_at, mode, chair: &form.chair };
        meetings::create(&state.app, &actor, CampaignId(form.campaign_id), &input).await
    }
    .await;
    match result {
        Ok(meeting) => Ok(saved(&format!("/meetings/{}", meeting.id))),
        Err(error) => list_page(&state, &actor, ctx, form, field_errors(error)?).await,
    }
}

pub struct VenueRow {
    pub id: i64,
    pub kind: &'static str,
    pub name: String,
    pub host: String,
    pub positions: String,
    pub expected: Vec<String>,
    /// Whether the reader runs its roll call (a link to it is shown).
    pub can_record: bool,
}

/// A venue's line of the roll call the main venue watches.
pub struct RollRow {
    pub venue_id: i64,
    pub name: String,
    pub kind: &'static str,
    /// `ok`, `failed`, or empty before the link was tested.
    pub link: &'static str,
    pub link_note: String,
    pub count: RollCount,
}

impl RollRow {
    fn new(venue: &Venue, count: RollCount) -> Self {
        let link = match &venue.link_test {
            Some(test) if test.ok => "ok",
            Some(_) => "failed",
            None => "",
        };
        let link_note = venue.link_test.as_ref().map(|t| t.note.clone()).unwrap_or_default();
        Self { venue_id: venue.id.0, name: venue.name.clone(), kind: venue.kind.as_str(), link, link_note, count }
    }
}

#[derive(Template)]
#[template(path = "meetings/_roll_call.html")]
struct RollCallTable {
    p: PageCtx,
    roll: Vec<RollRow>,
}

pub struct AgendaRow {
    pub id: i64,
    pub summary: String,
    /// Corrections of its minutes since the meeting closed: (when, text).
    pub amendments: Vec<(String, String)>,
    pub position: i64,
    pub title: Named,
    pub presenter: String,
    /// `10:00–10:20` in China Standard Time.
    pub time: String,
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
struct MeetingPage {
    p: PageCtx,
    id: i64,
    title: Named,
    campaign: String,
    starts_at: String,
    mode: &'static str,
    chair: String,
    venues: Vec<VenueRow>,
    /// Every venue's roll call, for the organiser; empty for anyone else.
    roll: Vec<RollRow>,
    agenda: Vec<AgendaRow>,
    /// How long the agenda runs ("共 95 分钟"), or nothing before it has an item.
    total: String,
    can_organise: bool,
    has_main: bool,
    venue: VenueForm,
    item: AgendaItemForm,
    /// An item's minutes sent back with why they were refused.
    summary: Option<SummaryForm>,
    /// When it was closed (then nothing is changed but by amendments), or empty.
    closed: String,
    version: i64,
    /// Corrections of the roll call since it closed: (when, text).
    roll_amendments: Vec<(String, String)>,
    amendment: AmendmentForm,
    /// What it decided, each with its follow-up.
    decisions: Vec<DecisionRow>,
    /// While it is open: earlier meetings' follow-ups not yet closed.
    carried: Vec<DecisionRow>,
    decision: DecisionForm,
    /// Retitling it, while it is open.
    rename: RenameForm,
    errors: ValidationError,
}

impl MeetingPage {
    /// The minutes to show in an item's form: those refused, or those kept.
    fn summary_of(&self, row: &AgendaRow) -> String {
        match &self.summary {
            Some(form) if form.item_id == row.id => form.summary.clone(),
            _ => row.summary.clone(),
        }
    }

    /// Why an item's minutes were refused, or nothing.
    fn summary_error(&self, row: &AgendaRow) -> String {
        match &self.summary {
            Some(form) if form.item_id == row.id => self.error("summary"),
            _ => String::new(),
        }
    }

    fn error(&self, field: &str) -> String {
        field_message(&self.errors, field, self.p.t)
    }
}

/// The organiser's form adding a venue: units typed by code or name.
#[derive(Deserialize, Default)]
pub struct VenueForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    host_unit_id: String,
    #[serde(default)]
    positions: String,
    /// Codes or names, a line each or between commas.
    #[serde(default)]
    expected_unit_ids: String,
}

/// The organiser's form adding an agenda item.
#[derive(Deserialize)]
pub struct AgendaItemForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_bo: String,
    #[serde(default)]
    presenter: String,
    #[serde(default)]
    minutes: String,
}

impl Default for AgendaItemForm {
    fn default() -> Self {
        Self { title: String::new(), title_bo: String::new(), presenter: String::new(), minutes: "20".into() }
    }
}

fn clock(at: Timestamp) -> String {
    at.display_cst().split_once(' ').map(|(_, time)| time.to_owned()).unwrap_or_default()
}

/// The minutes of an agenda item as the organiser writes them.
#[derive(Deserialize)]
pub struct SummaryForm {
    #[serde(default)]
    item_id: i64,
    #[serde(default)]
    meeting_id: i64,
    #[serde(default)]
    summary: String,
}

/// A correction of a closed meeting: of an item's minutes, or (no item) of the roll call.
#[derive(Deserialize, Default)]
pub struct AmendmentForm {
    #[serde(default)]
    agenda_item_id: String,
    #[serde(default)]
    text: String,
}

/// The forms of the meeting page, one of them perhaps sent back with what was refused.
#[derive(Default)]
struct MeetingForms {
    venue: VenueForm,
    item: AgendaItemForm,
    summary: Option<SummaryForm>,
    amendment: AmendmentForm,
    decision: DecisionForm,
    rename: Option<RenameForm>,
}

/// The amendments of one agenda item (or, for `None`, of the roll call): (when, text).
fn amendments_of(
    amendments: &[pacesetter_domain::meeting::Amendment],
    item: Option<AgendaItemId>,
) -> Vec<(String, String)> {
    amendments
        .iter()
        .filter(|a| a.agenda_item_id == item)
        .map(|a| (a.created_at.display_cst(), a.text.clone()))
        .collect()
}

async fn meeting_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    id: i64,
    MeetingForms { venue, item, summary, amendment, decision, rename }: MeetingForms,
    errors: ValidationError,
) -> PageResult {
    let view = meetings::get(&state.app, actor, MeetingId(id)).await?;
    let locale = ctx.t.locale;
    let venues = view
        .venues
        .iter()
        .map(|v| VenueRow {
            id: v.venue.id.0,
            kind: v.venue.kind.as_str(),
            name: v.venue.name.clone(),
            host: v.host.display_name(locale).to_owned(),
            positions: v.venue.positions.clone(),
            expected: v.expected.iter().map(|u| u.display_name(locale).to_owned()).collect(),
            can_record: v.can_record,
        })
        .collect();
    let roll = view.venues.iter().filter_map(|v| v.count.map(|count| RollRow::new(&v.venue, count))).collect();
    let agenda = view
        .agenda
        .iter()
        .map(|s| AgendaRow {
            id: s.item.id.0,
            summary: s.item.summary.clone(),
            amendments: amendments_of(&view.amendments, Some(s.item.id)),
            position: s.item.position,
            title: Named::of(&s.item.title, s.item.title_bo.as_deref(), ctx.t.locale),
            presenter: s.item.presenter.clone(),
            time: format!("{}–{}", clock(s.starts_at), clock(s.ends_at)),
        })
        .collect();
    let total = match view.agenda.iter().map(|s| s.item.minutes).sum::<u32>() {
        0 => String::new(),
        minutes => ctx.t.f("meeting.total_minutes", &[("minutes", &minutes)]),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = Named::of(&view.meeting.title, view.meeting.title_bo.as_deref(), ctx.t.locale);
    let m = &view.meeting;
    let action = format!("/meetings/{id}/title");
    let rename = rename.map_or_else(
        || RenameForm::of(action.clone(), m.version, &m.title, m.title_bo.as_deref()),
        |sent| RenameForm { action: action.clone(), ..sent },
    );
    let page = MeetingPage {
        p: ctx.with_nav("meetings"),
        id,
        title,
        campaign: view.campaign,
        starts_at: view.meeting.starts_at.display_cst(),
        mode: view.meeting.mode.as_str(),
        chair: view.meeting.chair,
        has_main: view.venues.iter().any(|v| v.venue.kind == VenueKind::Main),
        venues,
        roll,
        total,
        agenda,
        can_organise: view.can_organise,
        venue,
        item,
        summary,
        closed: view.meeting.closed.map(|(at, _)| at.display_cst()).unwrap_or_default(),
        version: view.meeting.version,
        roll_amendments: amendments_of(&view.amendments, None),
        amendment,
        decisions: view.decisions.iter().map(|f| DecisionRow::new(f, locale)).collect(),
        carried: view.carried.iter().map(|f| DecisionRow::new(f, locale)).collect(),
        decision,
        rename,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_meeting(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    meeting_page(&state, &actor, ctx, id, MeetingForms::default(), ValidationError::new()).await
}

pub async fn add_venue(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<VenueForm>,
) -> PageResult {
    let result = async {
        let kind = VenueKind::parse(&form.kind).ok_or(AppError::invalid("kind", "invalid_venue_kind"))?;
        let expected = typed_units(&form.expected_unit_ids);
        let input = VenueInput {
            kind,
            name: &form.name,
            host: UnitRef::Typed(&form.host_unit_id),
            positions: &form.positions,
            expected,
        };
        meetings::add_venue(&state.app, &actor, MeetingId(id), &input).await
    }
    .await;
    match result {
        Ok(_) => Ok(saved(&format!("/meetings/{id}#venues"))),
        Err(error) => {
            let errors = field_errors(error)?;
            let forms = MeetingForms { venue: form, ..MeetingForms::default() };
            meeting_page(&state, &actor, ctx, id, forms, errors).await
        }
    }
}

pub async fn add_agenda_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AgendaItemForm>,
) -> PageResult {
    let result = async {
        let minutes = form.minutes.trim().parse().map_err(|_| AppError::invalid("minutes", "out_of_range"))?;
        let input =
            AgendaItemInput { title: &form.title, title_bo: &form.title_bo, presenter: &form.presenter, minutes };
        meetings::add_agenda_item(&state.app, &actor, MeetingId(id), &input).await
    }
    .await;
    match result {
        Ok(_) => Ok(saved(&format!("/meetings/{id}#agenda"))),
        Err(error) => {
            let errors = field_errors(error)?;
            let forms = MeetingForms { item: form, ..MeetingForms::default() };
            meeting_page(&state, &actor, ctx, id, forms, errors).await
        }
    }
}

/// The attendance sheet of the meeting as an XLSX workbook, in the visitor's language.
pub async fn attendance_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(crate::api::attendance_workbook(&state, &actor, MeetingId(id), ctx.t).await?)
}

pub async fn write_summary(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<SummaryForm>,
) -> PageResult {
    match meetings::write_summary(&state.app, &actor, AgendaItemId(id), &form.summary).await {
        Ok(item) => Ok(saved(&format!("/meetings/{}#item-{id}", item.item.meeting_id))),
        Err(error) => {
            let errors = field_errors(error)?;
            let meeting = form.meeting_id;
            let forms = MeetingForms { summary: Some(SummaryForm { item_id: id, ..form }), ..MeetingForms::default() };
            meeting_page(&state, &actor, ctx, meeting, forms, errors).await
        }
    }
}

pub async fn rename_meeting(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RenameForm>,
) -> PageResult {
    match meetings::rename(&state.app, &actor, MeetingId(id), form.version, &form.rename_zh, &form.rename_bo).await {
        Ok(_) => Ok(saved(&format!("/meetings/{id}"))),
        Err(error) => {
            let errors = RenameForm::errors(field_errors(error)?, ("title", "title_bo"));
            let forms = MeetingForms { rename: Some(form), ..MeetingForms::default() };
            meeting_page(&state, &actor, ctx, id, forms, errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    version: i64,
}

pub async fn close_meeting(
    State(state): State<AppState>,
    SignedIn { actor, ctx: _ }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<CloseForm>,
) -> PageResult {
    meetings::close(&state.app, &actor, MeetingId(id), form.version).await?;
    Ok(saved(&format!("/meetings/{id}")))
}

pub async fn amend_meeting(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AmendmentForm>,
) -> PageResult {
    let item = form.agenda_item_id.trim().parse().ok().map(AgendaItemId);
    match meetings::amend(&state.app, &actor, MeetingId(id), item, &form.text).await {
        Ok(_) => Ok(saved(&format!("/meetings/{id}#amendments"))),
        Err(error) => {
            let errors = field_errors(error)?;
            let forms = MeetingForms { amendment: form, ..MeetingForms::default() };
            meeting_page(&state, &actor, ctx, id, forms, errors).await
        }
    }
}

/// The meeting's minutes as PDF.
pub async fn minutes_pdf(
    State(state): State<AppState>,
    SignedIn { actor, ctx: _ }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(crate::api::minutes_document(&state, &actor, MeetingId(id)).await?)
}

/// The meeting's briefing pack as PDF.
pub async fn briefing_pdf(
    State(state): State<AppState>,
    SignedIn { actor, ctx: _ }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(crate::api::briefing_document(&state, &actor, MeetingId(id)).await?)
}
