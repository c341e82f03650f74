//! Progress meetings (推进会, PRODUCT.md C9): whoever runs a campaign schedules its meetings —
//! the time, how they are held, the chair, the main venue and branch venues with the units
//! expected at each, and the agenda. Everyone signed in may read the schedule.

pub mod briefing;
pub mod decisions;
mod roll_call;

pub use roll_call::{
    AttendanceSheet, SheetLine, VenueCount, VenueRoll, attendance_sheet, record_attendance, report_link_test,
    roll_call, venue_roll,
};

use std::collections::HashMap;

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    ids::{AgendaItemId, CampaignId, MeetingId, VenueId},
    meeting::{self, AgendaItem, Amendment, Meeting, Mode, RollCount, RollEntry, Venue, VenueKind},
    plan::Campaign,
    unit::Unit,
};
use pacesetter_store::{
    Conn,
    meetings::{self as store, MeetingFields, NewAgendaItem, NewVenue},
    units,
};

use crate::{
    Actor, App, AppError, Resource, Result, audit,
    contests::UnitRef,
    text::{self, TextKind},
};

/// A meeting as its organiser asks for it.
#[derive(Debug, Clone)]
pub struct MeetingInput<'a> {
    pub title: &'a str,
    /// The title in Tibetan; blank for none.
    pub title_bo: &'a str,
    pub starts_at: Timestamp,
    pub mode: Mode,
    pub chair: &'a str,
}

/// A venue as its organiser asks for it.
#[derive(Debug, Clone)]
pub struct VenueInput<'a> {
    pub kind: VenueKind,
    pub name: &'a str,
    pub host: UnitRef<'a>,
    pub positions: &'a str,
    pub expected: Vec<UnitRef<'a>>,
}

/// An agenda item as its organiser asks for it.
#[derive(Debug, Clone)]
pub struct AgendaItemInput<'a> {
    pub title: &'a str,
    /// The title in Tibetan; blank for none.
    pub title_bo: &'a str,
    pub presenter: &'a str,
    pub minutes: u32,
}

/// The units of `ids` by id, read at once.
async fn units_by_id(conn: &mut Conn, ids: impl IntoIterator<Item = UnitId>) -> Result<HashMap<UnitId, Unit>> {
    let mut ids: Vec<UnitId> = ids.into_iter().collect();
    ids.sort_unstable_by_key(|id| id.0);
    ids.dedup();
    Ok(units::get_many(conn, &ids).await?.into_iter().map(|unit| (unit.id, unit)).collect())
}

/// The unit `id` of units read by [`units_by_id`].
fn unit_of(units: &HashMap<UnitId, Unit>, id: UnitId) -> Result<Unit> {
    units.get(&id).cloned().ok_or(AppError::NotFound(Resource::Unit))
}

/// The meeting with its campaign office: the organiser's scope.
async fn load(conn: &mut Conn, id: MeetingId) -> Result<(Meeting, Unit)> {
    let (meeting, _, office) = load_with_campaign(conn, id).await?;
    Ok((meeting, office))
}

/// The meeting with its campaign and the campaign's office.
async fn load_with_campaign(conn: &mut Conn, id: MeetingId) -> Result<(Meeting, Campaign, Unit)> {
    let meeting = store::get_meeting(conn, id).await.map_err(AppError::from_store(Resource::Meeting))?;
    let (campaign, office) = crate::plans::load_campaign(conn, meeting.campaign_id).await?;
    Ok((meeting, campaign, office))
}

/// The meeting if the actor organises it (runs its campaign); `forbidden` otherwise.
async fn organised(conn: &mut Conn, actor: &Actor, id: MeetingId) -> Result<Meeting> {
    let (meeting, office) = load(conn, id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    Ok(meeting)
}

/// Refuses a change to a closed meeting: its schedule, minutes and roll call are locked, and a
/// correction is an amendment.
fn still_open(meeting: &Meeting) -> Result<()> {
    match meeting.closed {
        Some(_) => Err(AppError::Conflict("meeting_closed")),
        None => Ok(()),
    }
}

/// The meeting if the actor organises it and it is not closed.
async fn organised_open(conn: &mut Conn, actor: &Actor, id: MeetingId) -> Result<Meeting> {
    let meeting = organised(conn, actor, id).await?;
    still_open(&meeting)?;
    Ok(meeting)
}

/// Schedules a meeting of a campaign the actor runs.
pub async fn create(app: &App, actor: &Actor, campaign: CampaignId, input: &MeetingInput<'_>) -> Result<Meeting> {
    let mut tx = app.store.write().await?;
    let (_, office) = crate::plans::load_campaign(&mut tx, campaign).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let title = text::required("title", input.title, TextKind::Title)?;
    let title_bo = text::optional("title_bo", Some(input.title_bo), TextKind::Title)?;
    let chair = text::optional("chair", Some(input.chair), TextKind::Name)?.unwrap_or_default();
    let fields = MeetingFields {
        title: &title,
        title_bo: title_bo.as_deref(),
        starts_at: input.starts_at,
        mode: input.mode,
        chair: &chair,
    };
    let meeting = store::insert_meeting(&mut tx, campaign, &fields, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "meeting.create",
        ("meeting", Some(meeting.id.0)),
        None,
        Some(&meeting),
    )
    .await?;
    tx.commit().await?;
    Ok(meeting)
}

/// A venue with its host and the units it expects, as the schedule shows them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VenueView {
    pub venue: Venue,
    pub host: Unit,
    pub expected: Vec<Unit>,
    /// Its roll call in numbers, for the organiser (the main venue watches every venue's).
    pub count: Option<RollCount>,
    /// Whether the reader runs its roll call.
    pub can_record: bool,
}

/// Whether the actor runs a venue's roll call: its host's liaison (`report_progress` on the
/// host unit), or the office running the meeting's campaign.
fn runs_roll_call(actor: &Actor, host: &Unit, office: &Unit) -> bool {
    actor.can(Permission::ReportProgress, &host.path) || actor.can(Permission::ManagePlans, &office.path)
}

/// An agenda item with when it starts and ends, the items run one after another.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScheduledItem {
    pub item: AgendaItem,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

fn scheduled(meeting: &Meeting, agenda: Vec<AgendaItem>) -> Vec<ScheduledItem> {
    let slots = meeting::timetable(meeting.starts_at, &agenda);
    agenda
        .into_iter()
        .zip(slots)
        .map(|(item, (starts_at, ends_at))| ScheduledItem { item, starts_at, ends_at })
        .collect()
}

/// A meeting's whole schedule.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub campaign: String,
    pub venues: Vec<VenueView>,
    pub agenda: Vec<ScheduledItem>,
    /// Corrections since it closed, oldest first.
    pub amendments: Vec<Amendment>,
    /// What it decided, each with its follow-up.
    pub decisions: Vec<decisions::FollowUp>,
    /// While it is open: the follow-ups of the campaign's earlier meetings not yet closed.
    pub carried: Vec<decisions::FollowUp>,
    pub can_organise: bool,
}

/// A meeting as anyone signed in sees it.
pub async fn get(app: &App, actor: &Actor, id: MeetingId) -> Result<MeetingView> {
    let mut conn = app.store.read().await?;
    let (meeting, campaign, office) = load_with_campaign(&mut conn, id).await?;
    view(&mut conn, actor, meeting, campaign, office).await
}

/// The schedule of a meeting read with its campaign's office.
async fn view(
    conn: &mut Conn,
    actor: &Actor,
    meeting: Meeting,
    campaign: Campaign,
    office: Unit,
) -> Result<MeetingView> {
    let id = meeting.id;
    let can_organise = actor.can(Permission::ManagePlans, &office.path);
    let roll = if can_organise { store::attendance(conn, id).await? } else { Vec::new() };
    let stored = store::venues(conn, id).await?;
    let units =
        units_by_id(conn, stored.iter().flat_map(|v| v.expected.iter().copied().chain([v.host_unit_id]))).await?;
    let mut venues = Vec::with_capacity(stored.len());
    for venue in stored {
        let host = unit_of(&units, venue.host_unit_id)?;
        let expected = venue.expected.iter().map(|unit| unit_of(&units, *unit)).collect::<Result<_>>()?;
        let count = can_organise.then(|| RollCount::of(&venue.expected, &roll));
        let can_record = runs_roll_call(actor, &host, &office);
        venues.push(VenueView { venue, host, expected, count, can_record });
    }
    let agenda = scheduled(&meeting, store::agenda(conn, id).await?);
    let amendments = store::amendments(conn, id).await?;
    let (decisions, carried) = decisions::of_meeting(conn, &campaign, &meeting).await?;
    Ok(MeetingView { meeting, campaign: campaign.name, venues, agenda, amendments, decisions, carried, can_organise })
}

/// A campaign's meetings in the order they are held.
pub async fn list(app: &App, _actor: &Actor, campaign: CampaignId) -> Result<Vec<Meeting>> {
    let mut conn = app.store.read().await?;
    crate::plans::load_campaign(&mut conn, campaign).await?;
    Ok(store::meetings(&mut conn, campaign).await?)
}

/// A meeting on the meetings page: its campaign and how many venues and agenda items it has.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MeetingSummary {
    pub meeting: Meeting,
    pub campaign: String,
    pub venues: usize,
    pub agenda_items: usize,
    /// The venues whose roll call the reader runs as their host's liaison: (venue, name).
    pub hosted: Vec<(VenueId, String)>,
}

/// Every meeting of every campaign, newest campaign first, each campaign's in the order held.
pub async fn overview(app: &App, actor: &Actor) -> Result<Vec<MeetingSummary>> {
    let mut conn = app.store.read().await?;
    let mut summaries = Vec::new();
    for campaign in pacesetter_store::campaigns::all(&mut conn).await? {
        let office = units::get(&mut conn, campaign.office_unit_id).await?;
        // The office runs every venue's roll call from the meeting's page.
        let organises = actor.can(Permission::ManagePlans, &office.path);
        let meetings = store::meetings(&mut conn, campaign.id).await?;
        if meetings.is_empty() {
            continue;
        }
        let venues = store::campaign_venues(&mut conn, campaign.id).await?;
        let agenda_counts = store::campaign_agenda_counts(&mut conn, campaign.id).await?;
        let hosts = if organises {
            HashMap::new()
        } else {
            units_by_id(&mut conn, venues.iter().map(|v| v.host_unit_id)).await?
        };
        for meeting in meetings {
            let own: Vec<_> = venues.iter().filter(|v| v.meeting_id == meeting.id).collect();
            let hosted = own
                .iter()
                .filter(|v| hosts.get(&v.host_unit_id).is_some_and(|h| actor.can(Permission::ReportProgress, &h.path)))
                .map(|v| (v.id, v.name.clone()))
                .collect();
            let agenda_items = agenda_counts.get(&meeting.id).copied().unwrap_or(0) as usize;
            let campaign = campaign.name.clone();
            summaries.push(MeetingSummary { meeting, campaign, venues: own.len(), agenda_items, hosted });
        }
    }
    Ok(summaries)
}

/// The unit `unit` names if the actor sees it, or `unit_not_found` on `field`.
async fn visible_unit(conn: &mut Conn, actor: &Actor, unit: UnitRef<'_>, field: &'static str) -> Result<Unit> {
    let found = match unit {
        UnitRef::Id(id) => units::get(conn, id).await.ok().filter(|u| actor.can(Permission::ViewUnits, &u.path)),
        UnitRef::Typed(text) if text.trim().is_empty() => return Err(AppError::invalid(field, "required")),
        UnitRef::Typed(text) => crate::units::typed_in(conn, actor, text, field).await?,
    };
    found.ok_or(AppError::invalid(field, "unit_not_found"))
}

/// Adds a venue to a meeting the actor organises: one main venue at most, each unit expected
/// at one venue of the meeting at most.
pub async fn add_venue(app: &App, actor: &Actor, id: MeetingId, input: &VenueInput<'_>) -> Result<VenueView> {
    let mut tx = app.store.write().await?;
    organised_open(&mut tx, actor, id).await?;
    let name = text::required("name", input.name, TextKind::Name)?;
    let positions = text::optional("positions", Some(input.positions), TextKind::Line)?.unwrap_or_default();
    let host = visible_unit(&mut tx, actor, input.host, "host_unit_id").await?;
    if input.expected.len() > meeting::MAX_EXPECTED_UNITS {
        return Err(AppError::invalid("expected_unit_ids", "too_many"));
    }
    let mut expected_units: Vec<Unit> = Vec::with_capacity(input.expected.len());
    for unit in &input.expected {
        let unit = visible_unit(&mut tx, actor, *unit, "expected_unit_ids").await?;
        if expected_units.iter().any(|u| u.id == unit.id) {
            return Err(AppError::invalid("expected_unit_ids", "unit_twice"));
        }
        expected_units.push(unit);
    }
    let expected: Vec<UnitId> = expected_units.iter().map(|u| u.id).collect();
    let venues = store::venues(&mut tx, id).await?;
    if venues.len() >= meeting::MAX_VENUES {
        return Err(AppError::invalid("name", "too_many"));
    }
    if input.kind == VenueKind::Main && venues.iter().any(|v| v.kind == VenueKind::Main) {
        return Err(AppError::invalid("kind", "main_venue_exists"));
    }
    if venues.iter().any(|v| v.expected.iter().any(|u| expected.contains(u))) {
        return Err(AppError::invalid("expected_unit_ids", "unit_expected_elsewhere"));
    }
    let new =
        NewVenue { kind: input.kind, name: &name, host_unit_id: host.id, positions: &positions, expected: &expected };
    let venue = store::insert_venue(&mut tx, id, &new).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "meeting.venue.create",
        ("meeting_venue", Some(venue.id.0)),
        None,
        Some(&venue),
    )
    .await?;
    tx.commit().await?;
    Ok(VenueView { venue, host, expected: expected_units, count: None, can_record: true })
}

/// Adds an item at the end of the agenda of a meeting the actor organises.
pub async fn add_agenda_item(
    app: &App,
    actor: &Actor,
    id: MeetingId,
    input: &AgendaItemInput<'_>,
) -> Result<ScheduledItem> {
    let mut tx = app.store.write().await?;
    let meeting = organised_open(&mut tx, actor, id).await?;
    let title = text::required("title", input.title, TextKind::Title)?;
    let title_bo = text::optional("title_bo", Some(input.title_bo), TextKind::Title)?;
    let presenter = text::optional("presenter", Some(input.presenter), TextKind::Name)?.unwrap_or_default();
    if input.minutes == 0 || input.minutes > meeting::MAX_ITEM_MINUTES {
        return Err(AppError::invalid("minutes", "out_of_range"));
    }
    let mut agenda = store::agenda(&mut tx, id).await?;
    if agenda.len() >= meeting::MAX_AGENDA_ITEMS {
        return Err(AppError::invalid("title", "too_many"));
    }
    let new =
        NewAgendaItem { title: &title, title_bo: title_bo.as_deref(), presenter: &presenter, minutes: input.minutes };
    let item = store::insert_agenda_item(&mut tx, id, &new).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "meeting.agenda_item.create",
        ("meeting_agenda_item", Some(item.id.0)),
        None,
        Some(&item),
    )
    .await?;
    tx.commit().await?;
    agenda.push(item);
    scheduled(&meeting, agenda).pop().ok_or(AppError::Internal("the agenda lost its new item".into()))
}

/// Writes the minutes of an agenda item of a meeting the actor organises.
pub async fn write_summary(app: &App, actor: &Actor, id: AgendaItemId, summary: &str) -> Result<ScheduledItem> {
    let mut tx = app.store.write().await?;
    let item = store::get_agenda_item(&mut tx, id).await.map_err(AppError::from_store(Resource::AgendaItem))?;
    let meeting = organised_open(&mut tx, actor, item.meeting_id).await?;
    let summary = text::optional("summary", Some(summary), TextKind::Text)?.unwrap_or_default();
    let item = store::set_summary(&mut tx, id, &summary).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "meeting.agenda_item.summary",
        ("meeting_agenda_item", Some(id.0)),
        None,
        Some(&item),
    )
    .await?;
    let agenda = store::agenda(&mut tx, meeting.id).await?;
    tx.commit().await?;
    scheduled(&meeting, agenda).into_iter().find(|s| s.item.id == id).ok_or(AppError::NotFound(Resource::AgendaItem))
}

/// Closes a meeting the actor organises, at the version the actor read: its schedule, minutes
/// and roll call are locked from then on, and corrections are amendments.
pub async fn close(app: &App, actor: &Actor, id: MeetingId, version: i64) -> Result<Meeting> {
    let mut tx = app.store.write().await?;
    let before = organised_open(&mut tx, actor, id).await?;
    let meeting = store::close(&mut tx, id, version, actor.user.id, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Meeting))?;
    audit::record(&mut tx, actor.into(), "meeting.close", ("meeting", Some(id.0)), Some(&before), Some(&meeting))
        .await?;
    tx.commit().await?;
    Ok(meeting)
}

/// Retitles an open meeting the actor organises, in Chinese and Tibetan, at `version`.
pub async fn rename(
    app: &App,
    actor: &Actor,
    id: MeetingId,
    version: i64,
    title: &str,
    title_bo: &str,
) -> Result<Meeting> {
    let mut tx = app.store.write().await?;
    let before = organised_open(&mut tx, actor, id).await?;
    let title = text::required("title", title, TextKind::Title)?;
    let title_bo = text::optional("title_bo", Some(title_bo), TextKind::Title)?;
    let meeting = store::rename(&mut tx, id, version, (&title, title_bo.as_deref()), Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Meeting))?;
    audit::record(&mut tx, actor.into(), "meeting.rename", ("meeting", Some(id.0)), Some(&before), Some(&meeting))
        .await?;
    tx.commit().await?;
    Ok(meeting)
}

/// Corrects a closed meeting the actor organises: an agenda item's minutes (`item`), or the roll
/// call (no item). The correction is kept beside what it corrects, which stays as it was.
pub async fn amend(
    app: &App,
    actor: &Actor,
    id: MeetingId,
    item: Option<AgendaItemId>,
    text: &str,
) -> Result<Amendment> {
    let mut tx = app.store.write().await?;
    let meeting = organised(&mut tx, actor, id).await?;
    if meeting.closed.is_none() {
        return Err(AppError::Conflict("meeting_not_closed"));
    }
    let text = text::required("text", text, TextKind::Text)?;
    if let Some(item) = item {
        let found = store::get_agenda_item(&mut tx, item).await.ok().filter(|i| i.meeting_id == id);
        if found.is_none() {
            return Err(AppError::invalid("agenda_item_id", "meeting_agenda_item_not_found"));
        }
    }
    let amendment = store::insert_amendment(&mut tx, id, item, &text, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(&mut tx, actor.into(), "meeting.amend", ("meeting", Some(id.0)), None, Some(&amendment))
        .await?;
    tx.commit().await?;
    Ok(amendment)
}

/// What the minutes of a meeting the actor organises are made of: its schedule and amendments,
/// and every venue's roll call line by line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MinutesView {
    pub view: MeetingView,
    pub entries: Vec<RollEntry>,
}

pub async fn minutes(app: &App, actor: &Actor, id: MeetingId) -> Result<MinutesView> {
    let mut conn = app.store.read().await?;
    let (meeting, campaign, office) = load_with_campaign(&mut conn, id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let entries = store::attendance(&mut conn, id).await?;
    Ok(MinutesView { view: view(&mut conn, actor, meeting, campaign, office).await?, entries })
}
