//! A meeting's roll call (点名): each venue's host records which expected units came and how its
//! link to the main venue tested; the organiser watches every venue's count and takes the
//! attendance sheet.

use pacesetter_domain::{
    Timestamp, UnitId,
    ids::{MeetingId, VenueId},
    meeting::{Attendance, LinkTest, Meeting, RollCount, RollEntry, Venue},
    unit::Unit,
};
use pacesetter_store::{
    Conn,
    meetings::{self as store, NewRollEntry},
    units,
};

use super::{load, organised, runs_roll_call, still_open, unit_of, units_by_id};
use crate::{
    Actor, App, AppError, Resource, Result, audit,
    text::{self, TextKind},
};

/// A venue as its roll call needs it: the venue, its meeting and the meeting's office, its host.
async fn venue_of(conn: &mut Conn, id: VenueId) -> Result<(Venue, Meeting, Unit, Unit)> {
    let venue = store::get_venue(conn, id).await.map_err(AppError::from_store(Resource::Venue))?;
    let (meeting, office) = load(conn, venue.meeting_id).await?;
    let host = units::get(conn, venue.host_unit_id).await?;
    Ok((venue, meeting, office, host))
}

/// The venue if the actor runs its roll call; `forbidden` otherwise.
async fn hosted(conn: &mut Conn, actor: &Actor, id: VenueId) -> Result<(Venue, Meeting, Unit)> {
    let (venue, meeting, office, host) = venue_of(conn, id).await?;
    if !runs_roll_call(actor, &host, &office) {
        return Err(AppError::Forbidden);
    }
    Ok((venue, meeting, host))
}

/// A venue's roll call as its host sees it: each expected unit with what was recorded for it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VenueRoll {
    pub meeting: Meeting,
    pub venue: Venue,
    pub host: Unit,
    pub lines: Vec<(Unit, Option<RollEntry>)>,
    pub count: RollCount,
}

/// The roll call of a venue the actor hosts (or whose meeting the actor organises).
pub async fn venue_roll(app: &App, actor: &Actor, id: VenueId) -> Result<VenueRoll> {
    let mut conn = app.store.read().await?;
    let (venue, meeting, host) = hosted(&mut conn, actor, id).await?;
    let entries = store::venue_attendance(&mut conn, id).await?;
    let count = RollCount::of(&venue.expected, &entries);
    let units = units_by_id(&mut conn, venue.expected.iter().copied()).await?;
    let mut lines = Vec::with_capacity(venue.expected.len());
    for unit in &venue.expected {
        let entry = entries.iter().find(|e| e.unit_id == *unit).cloned();
        lines.push((unit_of(&units, *unit)?, entry));
    }
    Ok(VenueRoll { meeting, venue, host, lines, count })
}

/// Records whether a unit expected at the venue came: present, absent, or on leave with the
/// reason. Recording it again replaces what was recorded.
pub async fn record_attendance(
    app: &App,
    actor: &Actor,
    id: VenueId,
    unit: UnitId,
    attendance: Attendance,
    reason: &str,
) -> Result<RollEntry> {
    let mut tx = app.store.write().await?;
    let (venue, meeting, _) = hosted(&mut tx, actor, id).await?;
    still_open(&meeting)?;
    if !venue.expected.contains(&unit) {
        return Err(AppError::invalid("unit_id", "unit_not_expected"));
    }
    let reason = text::optional("reason", Some(reason), TextKind::Note)?.unwrap_or_default();
    if attendance.needs_reason() && reason.is_empty() {
        return Err(AppError::invalid("reason", "required"));
    }
    let new = NewRollEntry { meeting: meeting.id, venue: id, unit, attendance, reason: &reason };
    let entry = store::set_attendance(&mut tx, &new, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "meeting.attendance.record",
        ("meeting_venue", Some(id.0)),
        None,
        Some(&entry),
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

/// Records how the venue's link to the main venue tested before the start.
pub async fn report_link_test(app: &App, actor: &Actor, id: VenueId, ok: bool, note: &str) -> Result<LinkTest> {
    let mut tx = app.store.write().await?;
    let (_, meeting, _) = hosted(&mut tx, actor, id).await?;
    still_open(&meeting)?;
    let note = text::optional("note", Some(note), TextKind::Note)?.unwrap_or_default();
    if !ok && note.is_empty() {
        return Err(AppError::invalid("note", "required"));
    }
    let now = Timestamp::now();
    store::set_link_test(&mut tx, id, ok, &note, actor.user.id, now).await?;
    let test = LinkTest { ok, note, tested_by: actor.user.id, tested_at: now };
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "meeting.venue.link_test",
        ("meeting_venue", Some(id.0)),
        None,
        Some(&test),
    )
    .await?;
    tx.commit().await?;
    Ok(test)
}

/// Every venue's roll call in numbers with its link test: what the main venue watches.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VenueCount {
    pub venue: Venue,
    pub host: Unit,
    pub count: RollCount,
}

/// The roll call of every venue of a meeting the actor organises.
pub async fn roll_call(app: &App, actor: &Actor, id: MeetingId) -> Result<Vec<VenueCount>> {
    let mut conn = app.store.read().await?;
    organised(&mut conn, actor, id).await?;
    let entries = store::attendance(&mut conn, id).await?;
    let venues = store::venues(&mut conn, id).await?;
    let hosts = units_by_id(&mut conn, venues.iter().map(|v| v.host_unit_id)).await?;
    let mut counts = Vec::with_capacity(venues.len());
    for venue in venues {
        let host = unit_of(&hosts, venue.host_unit_id)?;
        counts.push(VenueCount { count: RollCount::of(&venue.expected, &entries), venue, host });
    }
    Ok(counts)
}

/// A line of the attendance sheet: a unit expected at a venue, and what was recorded for it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SheetLine {
    pub venue: String,
    pub unit: Unit,
    pub entry: Option<RollEntry>,
}

/// The attendance sheet of a meeting the actor organises: every venue's units in order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AttendanceSheet {
    pub meeting: Meeting,
    pub lines: Vec<SheetLine>,
}

pub async fn attendance_sheet(app: &App, actor: &Actor, id: MeetingId) -> Result<AttendanceSheet> {
    let mut conn = app.store.read().await?;
    let meeting = organised(&mut conn, actor, id).await?;
    let entries = store::attendance(&mut conn, id).await?;
    let venues = store::venues(&mut conn, id).await?;
    let units = units_by_id(&mut conn, venues.iter().flat_map(|v| v.expected.iter().copied())).await?;
    let mut lines = Vec::new();
    for venue in &venues {
        for unit in &venue.expected {
            let entry = entries.iter().find(|e| e.unit_id == *unit).cloned();
            lines.push(SheetLine { venue: venue.name.clone(), unit: unit_of(&units, *unit)?, entry });
        }
    }
    Ok(AttendanceSheet { meeting, lines })
}
