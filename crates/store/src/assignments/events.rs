//! An assignment's history (the steps taken on it) and the report counts kept for trends.

use std::collections::HashMap;

use pacesetter_domain::{
    Timestamp, UserId,
    assignment::{AssignmentState, Step},
    ids::{AssignmentId, CampaignId, EventId, IndicatorId},
    plan::AssignmentEvent,
    unit::UnitPath,
};
use sqlx::{AnyConnection, Row, any::AnyRow};
use time::Date;

use crate::{
    Result, StoreError, row,
    sql::{Bind, Where},
};

/// A step to record in an assignment's history.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub step: Step,
    pub from: AssignmentState,
    pub to: AssignmentState,
    pub percent: Option<u8>,
    pub comment: Option<&'a str>,
    pub actor: UserId,
}

/// Records a step; returns the event's id, to attach evidence to.
pub async fn add_event(
    conn: &mut AnyConnection,
    id: AssignmentId,
    event: &NewEvent<'_>,
    now: Timestamp,
) -> Result<EventId> {
    let NewEvent { step, from, to, percent, comment, actor } = *event;
    let row = sqlx::query(
        "INSERT INTO assignment_events (assignment_id, step, from_state, to_state, percent, comment, actor_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(id.0)
    .bind(step.as_str())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(percent.map(i64::from))
    .bind(comment.map(str::to_owned))
    .bind(actor.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    if matches!(step, Step::Update | Step::Report) {
        count_report(conn, id, now).await?;
    }
    Ok(EventId(row.try_get("id")?))
}

/// The hour of a moment as `report_counts` keys it: the stored text's first 13 characters
/// (`2023-04-02T08`).
fn hour_of(at: Timestamp) -> String {
    at.to_db().chars().take(13).collect()
}

/// The week of a moment as `unit_report_counts` keys it: the Monday of its week in China
/// Standard Time (`2023-04-03`).
pub fn week_of(day: Date) -> Date {
    day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()))
}

/// Adds one to the campaign's count of reports in the hour of `at`, and to the reporting
/// unit's count in its week (the dashboard's trends).
async fn count_report(conn: &mut AnyConnection, assignment: AssignmentId, at: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO report_counts (campaign_id, hour, reports)
         SELECT i.campaign_id, $1, 1 FROM assignments a JOIN plan_items i ON i.id = a.item_id WHERE a.id = $2
         ON CONFLICT (campaign_id, hour) DO UPDATE SET reports = report_counts.reports + 1",
    )
    .bind(hour_of(at))
    .bind(assignment.0)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO unit_report_counts (campaign_id, unit_id, week, reports)
         SELECT i.campaign_id, a.unit_id, $1, 1 FROM assignments a JOIN plan_items i ON i.id = a.item_id
         WHERE a.id = $2
         ON CONFLICT (campaign_id, unit_id, week) DO UPDATE SET reports = unit_report_counts.reports + 1",
    )
    .bind(week_of(at.date_cst()).to_string())
    .bind(assignment.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Progress reports per week (keyed by `week_of`) from the week of `from` to the week of `to`,
/// made by units within `subtrees`. Read from the subtrees' units to their counts (`CROSS JOIN`
/// keeps SQLite to that order): a prefecture's dozen weeks are a few hundred rows, where going
/// from the counts scanned a national campaign's 800,000 (60 ms).
pub async fn reports_per_week(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    subtrees: &[UnitPath],
    from: Date,
    to: Date,
) -> Result<Vec<(Date, i64)>> {
    let mut filters = Where::default();
    filters.push("c.unit_id = u.id".to_owned());
    let p = filters.bind(Bind::Int(campaign.0));
    filters.push(format!("c.campaign_id = {p}"));
    let (low, high) =
        (filters.bind(Bind::Text(week_of(from).to_string())), filters.bind(Bind::Text(week_of(to).to_string())));
    filters.push(format!("c.week >= {low} AND c.week <= {high}"));
    filters.within("u.path", subtrees);
    let rows = filters
        .query(format!(
            "SELECT c.week, CAST(SUM(c.reports) AS BIGINT) AS n
             FROM units u CROSS JOIN unit_report_counts c {} GROUP BY c.week",
            filters.sql()
        ))
        .fetch_all(conn)
        .await?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    rows.iter()
        .map(|row| {
            let week: String = row.try_get("week")?;
            let day = Date::parse(&week, &format)
                .map_err(|_| StoreError::Database(sqlx::Error::Decode(format!("bad week {week}").into())))?;
            Ok((day, row.try_get("n")?))
        })
        .collect()
}

/// When each of these assignments had a step of `steps` taken, oldest first per assignment.
pub async fn step_times(
    conn: &mut AnyConnection,
    ids: &[AssignmentId],
    steps: &[Step],
) -> Result<HashMap<AssignmentId, Vec<Timestamp>>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let rows = crate::sql::rows_where_in(
        conn,
        "SELECT id, assignment_id, step, at FROM assignment_events",
        "assignment_id",
        &ids,
    )
    .await?;
    let mut found: Vec<(i64, AssignmentId, Timestamp)> = Vec::new();
    for row in &rows {
        let step: String = row.try_get("step")?;
        if steps.iter().any(|s| s.as_str() == step) {
            found.push((row.try_get("id")?, AssignmentId(row.try_get("assignment_id")?), row::timestamp(row, "at")?));
        }
    }
    found.sort_by_key(|(id, ..)| *id);
    let mut times: HashMap<AssignmentId, Vec<Timestamp>> = HashMap::new();
    for (_, assignment, at) in found {
        times.entry(assignment).or_default().push(at);
    }
    Ok(times)
}

/// The history of an assignment, oldest first, with who took each step, and the indicator
/// values reported with its steps (by step, then indicator), read in one statement.
pub async fn history(conn: &mut AnyConnection, id: AssignmentId) -> Result<History> {
    let rows = sqlx::query(
        "SELECT e.id, e.step, e.from_state, e.to_state, e.percent, e.comment, e.actor_id, u.display_name, e.at,
                v.indicator_id, v.value
         FROM assignment_events e JOIN users u ON u.id = e.actor_id
              LEFT JOIN indicator_values v ON v.event_id = e.id
         WHERE e.assignment_id = $1 ORDER BY e.id, v.indicator_id",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    let mut history = History::default();
    for row in &rows {
        let event = EventId(row.try_get("id")?);
        if history.events.last().is_none_or(|last| last.id != event) {
            history.events.push(event_from_row(row)?);
        }
        if let Some(indicator) = row.try_get::<Option<i64>, _>("indicator_id")? {
            history.values.push((event, IndicatorId(indicator), row.try_get("value")?));
        }
    }
    Ok(history)
}

/// See [`history`].
#[derive(Debug, Clone, Default)]
pub struct History {
    pub events: Vec<AssignmentEvent>,
    /// (step, indicator, value as reported)
    pub values: Vec<(EventId, IndicatorId, String)>,
}

fn event_from_row(row: &AnyRow) -> Result<AssignmentEvent> {
    let state = |column: &str| -> Result<AssignmentState> {
        let text: String = row.try_get(column)?;
        AssignmentState::parse(&text).ok_or_else(|| StoreError::Database(sqlx::Error::Decode("bad state".into())))
    };
    Ok(AssignmentEvent {
        id: EventId(row.try_get("id")?),
        step: Step::parse(&row.try_get::<String, _>("step")?)
            .ok_or_else(|| StoreError::Database(sqlx::Error::Decode("bad step".into())))?,
        from_state: state("from_state")?,
        to_state: state("to_state")?,
        percent: row.try_get::<Option<i64>, _>("percent")?.map(|p| p.clamp(0, 100) as u8),
        comment: row.try_get("comment")?,
        actor_id: UserId(row.try_get("actor_id")?),
        actor_name: row.try_get("display_name")?,
        at: row::timestamp(row, "at")?,
    })
}

/// How many times progress was reported on a campaign's assignments (updates and reports)
/// in each hour from `from` up to `to`, for trends: read from the counts `add_event` keeps,
/// not from the events themselves (millions nationally). Whole UTC hours, because an hour
/// never straddles two days in any whole-hour time zone (China Standard Time is UTC+8), so
/// callers can still place every report on its local day.
pub async fn reports_per_hour(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<(Timestamp, i64)>> {
    // Stored timestamps are fixed-width RFC 3339 text and hours their first 13 characters
    // (`2023-04-02T08`), so text ranges are time ranges. Counted as reports are written.
    let rows =
        sqlx::query("SELECT hour, reports AS n FROM report_counts WHERE campaign_id = $1 AND hour >= $2 AND hour < $3")
            .bind(campaign.0)
            .bind(hour_of(from))
            .bind(hour_of(to))
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| {
            let hour: String = row.try_get("hour")?;
            let start = Timestamp::parse(&format!("{hour}:00:00Z"))
                .ok_or_else(|| StoreError::Database(sqlx::Error::Decode(format!("bad hour {hour}").into())))?;
            Ok((start, row.try_get("n")?))
        })
        .collect()
}
