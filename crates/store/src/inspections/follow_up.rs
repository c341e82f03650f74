//! Following rectification items up — the items due for a reminder (claimed once through
//! `notifications::claim`) — and the burden meter's counts of what each unit received by month.

use pacesetter_domain::{
    UnitId, UserId, ids::CampaignId, inspection::records::Rectification, timestamp::format_date, unit::UnitPath,
};
use sqlx::{AnyConnection, Row};
use time::{Date, Duration};

use super::findings::rectification_from_row;
use crate::{
    Result,
    sql::{Bind, Where},
};

/// An item still awaiting its unit, with what a reminder about it names.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub item: Rectification,
    /// The finding's category (台账, 阵地…) and the round that found it.
    pub category: String,
    pub round: String,
    /// The inspector who recorded the finding.
    pub inspector: UserId,
}

/// A campaign's items awaiting their unit that are due `days_before` days after `today`, or
/// overdue; oldest first.
pub async fn due_for_reminders(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    today: Date,
    days_before: &[i64],
) -> Result<Vec<DueItem>> {
    let mut clauses = Where::default();
    let campaign_at = clauses.bind(Bind::Int(campaign.0));
    let today_at = clauses.bind(Bind::Text(format_date(today)));
    let soon: Vec<String> =
        days_before.iter().map(|d| clauses.bind(Bind::Text(format_date(today + Duration::days(*d))))).collect();
    clauses.push(format!("ro.campaign_id = {campaign_at}"));
    clauses.push("r.state IN ('open', 'reopened')".to_owned());
    let due_soon = if soon.is_empty() { String::new() } else { format!(" OR r.due_on IN ({})", soon.join(", ")) };
    clauses.push(format!("(r.due_on < {today_at}{due_soon})"));
    let sql = format!(
        "SELECT r.id, r.finding_id, r.unit_id, r.measure, r.given_on, r.due_on, r.state, r.version, r.updated_at,
             f.category, f.created_by, ro.name AS round_name
         FROM rectifications r JOIN findings f ON f.id = r.finding_id JOIN inspection_rounds ro ON ro.id = f.round_id
         {} ORDER BY r.due_on, r.id",
        clauses.sql()
    );
    let rows = clauses.query(sql).fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            Ok(DueItem {
                item: rectification_from_row(row)?,
                category: row.try_get("category")?,
                round: row.try_get("round_name")?,
                inspector: UserId(row.try_get("created_by")?),
            })
        })
        .collect()
}

/// What a unit receives that the burden meter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// A round that visits it (by the month the round starts).
    Inspection,
    /// A checklist point of such a round asking for material, or a rectification item.
    Request,
    /// A task to report on, or an evaluation sheet to fill.
    Form,
}

/// How many of one kind a unit received in one month (`YYYY-MM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCount {
    pub unit: UnitId,
    pub month: String,
    pub kind: Received,
    pub count: i64,
}

/// The day something counts on: a text column starting `YYYY-MM-DD`, or a Julian day number.
#[derive(Clone, Copy)]
enum Day {
    Text(&'static str),
    Julian(&'static str),
}

/// Each kind's query: the day it counts on and what joins to the unit's row `u`. Tasks count
/// on the day they start; evaluation sheets on the day the scheme was made.
const SOURCES: [(Received, Day, &str); 5] = [
    (
        Received::Inspection,
        Day::Text("r.starts_on"),
        "inspection_targets t JOIN inspection_rounds r ON r.id = t.round_id JOIN units u ON u.id = t.unit_id",
    ),
    (
        Received::Request,
        Day::Text("r.starts_on"),
        "inspection_targets t JOIN inspection_rounds r ON r.id = t.round_id
         JOIN inspection_items i ON i.round_id = t.round_id AND i.evidence_request IS NOT NULL
         JOIN units u ON u.id = t.unit_id",
    ),
    (Received::Request, Day::Text("t.given_on"), "rectifications t JOIN units u ON u.id = t.unit_id"),
    (Received::Form, Day::Julian("t.starts_day"), "assignments t JOIN units u ON u.id = t.unit_id"),
    (
        Received::Form,
        Day::Text("s.created_at"),
        "evaluation_units t JOIN evaluation_schemes s ON s.id = t.scheme_id JOIN units u ON u.id = t.unit_id",
    ),
];

/// What the units within `roots` received per month of `year`, across every campaign, grouped
/// by unit, month and kind (only where there is any).
pub async fn received(conn: &mut AnyConnection, roots: &[UnitPath], year: i32) -> Result<Vec<ReceivedCount>> {
    let first = |month: u8| Date::from_calendar_date(year, time::Month::try_from(month).ok()?, 1).ok();
    let (Some(from), Some(until)) = (first(1), Date::from_calendar_date(year + 1, time::Month::January, 1).ok()) else {
        return Ok(Vec::new());
    };
    let mut counts = Vec::new();
    for (kind, day, from_sql) in SOURCES {
        let mut clauses = Where::default();
        clauses.within("u.path", roots);
        let month = match day {
            Day::Text(column) => {
                let (low, high) =
                    (clauses.bind(Bind::Text(format_date(from))), clauses.bind(Bind::Text(format_date(until))));
                clauses.push(format!("{column} >= {low} AND {column} < {high}"));
                format!("substr({column}, 1, 7)")
            }
            Day::Julian(column) => {
                let julian = |date: Date| Bind::Int(i64::from(date.to_julian_day()));
                let (low, high) = (clauses.bind(julian(from)), clauses.bind(julian(until)));
                clauses.push(format!("{column} >= {low} AND {column} < {high}"));
                // The month a day falls in, by the first days of February to December.
                let mut case = String::from("CASE");
                for m in 2..=12u8 {
                    let Some(start) = first(m) else { continue };
                    let at = clauses.bind(julian(start));
                    case.push_str(&format!(" WHEN {column} < {at} THEN '{year}-{:02}'", m - 1));
                }
                case.push_str(&format!(" ELSE '{year}-12' END"));
                case
            }
        };
        let sql = format!(
            "SELECT u.id AS unit_id, {month} AS month, COUNT(*) AS n FROM {from_sql} {} GROUP BY 1, 2",
            clauses.sql()
        );
        for row in clauses.query(sql).fetch_all(&mut *conn).await? {
            counts.push(ReceivedCount {
                unit: UnitId(row.try_get("unit_id")?),
                month: row.try_get("month")?,
                kind,
                count: row.try_get("n")?,
            });
        }
    }
    Ok(counts)
}
