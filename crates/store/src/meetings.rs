//! Progress meetings (推进会): the meeting, its venues with the units each expects, and its
//! agenda in order.

use std::collections::HashMap;

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    ids::{AgendaItemId, AmendmentId, CampaignId, MeetingId, VenueId},
    meeting::{AgendaItem, Amendment, Attendance, LinkTest, Meeting, Mode, RollEntry, Venue, VenueKind},
};
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

mod decisions;

pub use decisions::{
    NewDecision, campaign_decisions, decision_count, decisions, decisions_parent, insert_decision, meeting_deciding,
};

use crate::{Conn, Result, StoreError, contests::count, evaluations::decode_error, row};

const MEETING_COLUMNS: &str = "id, campaign_id, title, title_bo, starts_at, mode, chair, created_by, created_at, updated_at, version, closed_at, closed_by";

fn meeting_from_row(row: &AnyRow) -> Result<Meeting> {
    let mode: String = row.try_get("mode")?;
    Ok(Meeting {
        id: MeetingId(row.try_get("id")?),
        campaign_id: CampaignId(row.try_get("campaign_id")?),
        title: row.try_get("title")?,
        title_bo: row.try_get("title_bo")?,
        starts_at: row::timestamp(row, "starts_at")?,
        mode: Mode::parse(&mode).ok_or_else(|| decode_error("meeting mode"))?,
        chair: row.try_get("chair")?,
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
        updated_at: row::timestamp(row, "updated_at")?,
        version: row.try_get("version")?,
        closed: match (row::opt_timestamp(row, "closed_at")?, row.try_get::<Option<i64>, _>("closed_by")?) {
            (Some(at), Some(by)) => Some((at, UserId(by))),
            _ => None,
        },
    })
}

/// A meeting's title, time, mode and chair.
pub struct MeetingFields<'a> {
    pub title: &'a str,
    pub title_bo: Option<&'a str>,
    pub starts_at: Timestamp,
    pub mode: Mode,
    pub chair: &'a str,
}

pub async fn insert_meeting(
    conn: &mut Conn,
    campaign: CampaignId,
    fields: &MeetingFields<'_>,
    by: UserId,
    now: Timestamp,
) -> Result<Meeting> {
    let row = sqlx::query(
        "INSERT INTO meetings (campaign_id, title, starts_at, mode, chair, created_by, created_at, updated_at, title_bo)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(campaign.0)
    .bind(fields.title.to_owned())
    .bind(fields.starts_at.to_db())
    .bind(fields.mode.as_str())
    .bind(fields.chair.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .bind(fields.title_bo.map(str::to_owned))
    .fetch_one(&mut *conn)
    .await?;
    get_meeting(conn, MeetingId(row.try_get("id")?)).await
}

pub async fn get_meeting(conn: &mut Conn, id: MeetingId) -> Result<Meeting> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    meeting_from_row(&row)
}

/// A campaign's meetings in the order they are held.
pub async fn meetings(conn: &mut Conn, campaign: CampaignId) -> Result<Vec<Meeting>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {MEETING_COLUMNS} FROM meetings WHERE campaign_id = $1 ORDER BY starts_at, id"
    )))
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(meeting_from_row).collect()
}

/// A venue as the meetings list names it.
pub struct VenueHeading {
    pub meeting_id: MeetingId,
    pub id: VenueId,
    pub name: String,
    pub host_unit_id: UnitId,
}

/// The venues of every meeting of a campaign, each meeting's in order.
pub async fn campaign_venues(conn: &mut Conn, campaign: CampaignId) -> Result<Vec<VenueHeading>> {
    let rows = sqlx::query(
        "SELECT v.meeting_id, v.id, v.name, v.host_unit_id FROM meeting_venues v
         JOIN meetings m ON m.id = v.meeting_id WHERE m.campaign_id = $1 ORDER BY v.meeting_id, v.position",
    )
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(VenueHeading {
                meeting_id: MeetingId(row.try_get("meeting_id")?),
                id: VenueId(row.try_get("id")?),
                name: row.try_get("name")?,
                host_unit_id: UnitId(row.try_get("host_unit_id")?),
            })
        })
        .collect()
}

/// How many agenda items each meeting of a campaign has (meetings without any are absent).
pub async fn campaign_agenda_counts(conn: &mut Conn, campaign: CampaignId) -> Result<HashMap<MeetingId, u32>> {
    let rows = sqlx::query(
        "SELECT a.meeting_id, COUNT(*) AS items FROM meeting_agenda_items a
         JOIN meetings m ON m.id = a.meeting_id WHERE m.campaign_id = $1 GROUP BY a.meeting_id",
    )
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((MeetingId(row.try_get("meeting_id")?), count(row, "items")?))).collect()
}

/// A venue as it is added, with the units it expects in order.
pub struct NewVenue<'a> {
    pub kind: VenueKind,
    pub name: &'a str,
    pub host_unit_id: UnitId,
    pub positions: &'a str,
    pub expected: &'a [UnitId],
}

/// Adds a venue after the meeting's others. A second main venue is `Duplicate("main venue")`;
/// a unit already expected at another venue of the meeting is `Duplicate("expected unit")`.
pub async fn insert_venue(conn: &mut Conn, meeting: MeetingId, new: &NewVenue<'_>) -> Result<Venue> {
    let row = sqlx::query(
        "INSERT INTO meeting_venues (meeting_id, kind, name, host_unit_id, positions, position)
         VALUES ($1, $2, $3, $4, $5,
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM meeting_venues WHERE meeting_id = $1))
         RETURNING id",
    )
    .bind(meeting.0)
    .bind(new.kind.as_str())
    .bind(new.name.to_owned())
    .bind(new.host_unit_id.0)
    .bind(new.positions.to_owned())
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::on_unique("main venue"))?;
    let id = VenueId(row.try_get("id")?);
    for (position, unit) in new.expected.iter().enumerate() {
        sqlx::query("INSERT INTO meeting_expected (venue_id, meeting_id, unit_id, position) VALUES ($1, $2, $3, $4)")
            .bind(id.0)
            .bind(meeting.0)
            .bind(unit.0)
            .bind(position as i64 + 1)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::on_unique("expected unit"))?;
    }
    get_venue(conn, id).await
}

const VENUE_COLUMNS: &str =
    "id, meeting_id, kind, name, host_unit_id, positions, position, link_ok, link_note, link_tested_by, link_tested_at";

fn venue_from_row(row: &AnyRow, expected: Vec<UnitId>) -> Result<Venue> {
    let kind: String = row.try_get("kind")?;
    let link_ok: Option<i64> = row.try_get("link_ok")?;
    let tested_by: Option<i64> = row.try_get("link_tested_by")?;
    let link_test = match (link_ok, tested_by, row::opt_timestamp(row, "link_tested_at")?) {
        (Some(ok), Some(by), Some(at)) => {
            Some(LinkTest { ok: ok == 1, note: row.try_get("link_note")?, tested_by: UserId(by), tested_at: at })
        }
        _ => None,
    };
    Ok(Venue {
        id: VenueId(row.try_get("id")?),
        meeting_id: MeetingId(row.try_get("meeting_id")?),
        kind: VenueKind::parse(&kind).ok_or_else(|| decode_error("venue kind"))?,
        name: row.try_get("name")?,
        host_unit_id: UnitId(row.try_get("host_unit_id")?),
        positions: row.try_get("positions")?,
        expected,
        position: row.try_get("position")?,
        link_test,
    })
}

/// A venue with the units it expects.
pub async fn get_venue(conn: &mut Conn, id: VenueId) -> Result<Venue> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {VENUE_COLUMNS} FROM meeting_venues WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let expected = sqlx::query("SELECT unit_id FROM meeting_expected WHERE venue_id = $1 ORDER BY position")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(UnitId(r.try_get("unit_id")?)))
        .collect::<Result<Vec<_>>>()?;
    venue_from_row(&row, expected)
}

/// A meeting's venues, the main venue first, then in the order they were added.
pub async fn venues(conn: &mut Conn, meeting: MeetingId) -> Result<Vec<Venue>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {VENUE_COLUMNS} FROM meeting_venues
         WHERE meeting_id = $1 ORDER BY CASE kind WHEN 'main' THEN 0 ELSE 1 END, position"
    )))
    .bind(meeting.0)
    .fetch_all(&mut *conn)
    .await?;
    let expected =
        sqlx::query("SELECT venue_id, unit_id FROM meeting_expected WHERE meeting_id = $1 ORDER BY venue_id, position")
            .bind(meeting.0)
            .fetch_all(&mut *conn)
            .await?;
    let mut by_venue: HashMap<i64, Vec<UnitId>> = HashMap::new();
    for row in &expected {
        by_venue.entry(row.try_get("venue_id")?).or_default().push(UnitId(row.try_get("unit_id")?));
    }
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            venue_from_row(row, by_venue.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// Records the latest test of a venue's link to the main venue.
pub async fn set_link_test(
    conn: &mut Conn,
    venue: VenueId,
    ok: bool,
    note: &str,
    by: UserId,
    now: Timestamp,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE meeting_venues SET link_ok = $2, link_note = $3, link_tested_by = $4, link_tested_at = $5 WHERE id = $1",
    )
    .bind(venue.0)
    .bind(i64::from(ok))
    .bind(note.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// A unit's line of the roll call as its venue's host records it.
pub struct NewRollEntry<'a> {
    pub meeting: MeetingId,
    pub venue: VenueId,
    pub unit: UnitId,
    pub attendance: Attendance,
    pub reason: &'a str,
}

/// Records a unit's attendance, replacing what was recorded for it before. A unit its venue does
/// not expect is `MissingReference`.
pub async fn set_attendance(
    conn: &mut Conn,
    entry: &NewRollEntry<'_>,
    by: UserId,
    now: Timestamp,
) -> Result<RollEntry> {
    sqlx::query(
        "INSERT INTO meeting_attendance (meeting_id, venue_id, unit_id, attendance, reason, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (meeting_id, unit_id) DO UPDATE SET venue_id = excluded.venue_id,
             attendance = excluded.attendance, reason = excluded.reason,
             recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
    )
    .bind(entry.meeting.0)
    .bind(entry.venue.0)
    .bind(entry.unit.0)
    .bind(entry.attendance.as_str())
    .bind(entry.reason.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .execute(&mut *conn)
    .await?;
    Ok(RollEntry {
        venue_id: entry.venue,
        unit_id: entry.unit,
        attendance: entry.attendance,
        reason: entry.reason.to_owned(),
        recorded_by: by,
        recorded_at: now,
    })
}

/// The roll call of a meeting, every venue's.
pub async fn attendance(conn: &mut Conn, meeting: MeetingId) -> Result<Vec<RollEntry>> {
    roll_entries(conn, "meeting_id", meeting.0).await
}

/// The roll call of one venue.
pub async fn venue_attendance(conn: &mut Conn, venue: VenueId) -> Result<Vec<RollEntry>> {
    roll_entries(conn, "venue_id", venue.0).await
}

/// The roll entries whose `column` (a fixed column name) is `id`.
async fn roll_entries(conn: &mut Conn, column: &'static str, id: i64) -> Result<Vec<RollEntry>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT venue_id, unit_id, attendance, reason, recorded_by, recorded_at FROM meeting_attendance
         WHERE {column} = $1 ORDER BY venue_id, unit_id"
    )))
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let attendance: String = row.try_get("attendance")?;
            Ok(RollEntry {
                venue_id: VenueId(row.try_get("venue_id")?),
                unit_id: UnitId(row.try_get("unit_id")?),
                attendance: Attendance::parse(&attendance).ok_or_else(|| decode_error("attendance"))?,
                reason: row.try_get("reason")?,
                recorded_by: UserId(row.try_get("recorded_by")?),
                recorded_at: row::timestamp(row, "recorded_at")?,
            })
        })
        .collect()
}

/// An agenda item as it is added.
pub struct NewAgendaItem<'a> {
    pub title: &'a str,
    pub title_bo: Option<&'a str>,
    pub presenter: &'a str,
    pub minutes: u32,
}

/// Adds an item at the end of the meeting's agenda.
pub async fn insert_agenda_item(conn: &mut Conn, meeting: MeetingId, new: &NewAgendaItem<'_>) -> Result<AgendaItem> {
    let row = sqlx::query(
        "INSERT INTO meeting_agenda_items (meeting_id, title, title_bo, presenter, minutes, position)
         VALUES ($1, $2, $3, $4, $5,
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM meeting_agenda_items WHERE meeting_id = $1))
         RETURNING id",
    )
    .bind(meeting.0)
    .bind(new.title.to_owned())
    .bind(new.title_bo.map(str::to_owned))
    .bind(new.presenter.to_owned())
    .bind(i64::from(new.minutes))
    .fetch_one(&mut *conn)
    .await?;
    get_agenda_item(conn, AgendaItemId(row.try_get("id")?)).await
}

const AGENDA_COLUMNS: &str = "id, meeting_id, position, title, title_bo, presenter, minutes, summary";

fn agenda_item_from_row(row: &AnyRow) -> Result<AgendaItem> {
    Ok(AgendaItem {
        id: AgendaItemId(row.try_get("id")?),
        meeting_id: MeetingId(row.try_get("meeting_id")?),
        position: row.try_get("position")?,
        title: row.try_get("title")?,
        title_bo: row.try_get("title_bo")?,
        presenter: row.try_get("presenter")?,
        minutes: count(row, "minutes")?,
        summary: row.try_get("summary")?,
    })
}

/// A meeting's agenda in order.
pub async fn agenda(conn: &mut Conn, meeting: MeetingId) -> Result<Vec<AgendaItem>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {AGENDA_COLUMNS} FROM meeting_agenda_items WHERE meeting_id = $1 ORDER BY position"
    )))
    .bind(meeting.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(agenda_item_from_row).collect()
}

pub async fn get_agenda_item(conn: &mut Conn, id: AgendaItemId) -> Result<AgendaItem> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {AGENDA_COLUMNS} FROM meeting_agenda_items WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    agenda_item_from_row(&row)
}

/// Writes an agenda item's minutes, replacing what was written.
pub async fn set_summary(conn: &mut Conn, id: AgendaItemId, summary: &str) -> Result<AgendaItem> {
    let done = sqlx::query("UPDATE meeting_agenda_items SET summary = $2 WHERE id = $1")
        .bind(id.0)
        .bind(summary.to_owned())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    get_agenda_item(conn, id).await
}

/// Closes a meeting at the version the caller read; `Stale` if it changed or closed since.
pub async fn close(conn: &mut Conn, id: MeetingId, version: i64, by: UserId, now: Timestamp) -> Result<Meeting> {
    let done = sqlx::query(
        "UPDATE meetings SET closed_at = $3, closed_by = $4, updated_at = $3, version = version + 1
         WHERE id = $1 AND version = $2 AND closed_at IS NULL",
    )
    .bind(id.0)
    .bind(version)
    .bind(now.to_db())
    .bind(by.0)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::error::stale_unless_missing(get_meeting(conn, id).await));
    }
    get_meeting(conn, id).await
}

/// Gives a meeting at `version` a new title and Tibetan title. `Stale` when it changed meanwhile.
pub async fn rename(
    conn: &mut Conn,
    id: MeetingId,
    version: i64,
    names: (&str, Option<&str>),
    now: Timestamp,
) -> Result<Meeting> {
    if !crate::sql::rename(conn, "meetings", ("title", "title_bo"), id.0, version, names, now).await? {
        return Err(crate::error::stale_unless_missing(get_meeting(conn, id).await));
    }
    get_meeting(conn, id).await
}

pub async fn insert_amendment(
    conn: &mut Conn,
    meeting: MeetingId,
    item: Option<AgendaItemId>,
    text: &str,
    by: UserId,
    now: Timestamp,
) -> Result<Amendment> {
    let row = sqlx::query(
        "INSERT INTO meeting_amendments (meeting_id, agenda_item_id, text, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(meeting.0)
    .bind(item.map(|i| i.0))
    .bind(text.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(conn)
    .await?;
    Ok(Amendment {
        id: AmendmentId(row.try_get("id")?),
        meeting_id: meeting,
        agenda_item_id: item,
        text: text.to_owned(),
        created_by: by,
        created_at: now,
    })
}

/// A meeting's amendments, oldest first.
pub async fn amendments(conn: &mut Conn, meeting: MeetingId) -> Result<Vec<Amendment>> {
    let rows = sqlx::query(
        "SELECT id, meeting_id, agenda_item_id, text, created_by, created_at FROM meeting_amendments
         WHERE meeting_id = $1 ORDER BY id",
    )
    .bind(meeting.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Amendment {
                id: AmendmentId(row.try_get("id")?),
                meeting_id: MeetingId(row.try_get("meeting_id")?),
                agenda_item_id: row.try_get::<Option<i64>, _>("agenda_item_id")?.map(AgendaItemId),
                text: row.try_get("text")?,
                created_by: UserId(row.try_get("created_by")?),
                created_at: row::timestamp(row, "created_at")?,
            })
        })
        .collect()
}
