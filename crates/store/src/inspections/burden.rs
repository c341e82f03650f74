//! The burden meter's counts: what each unit received per month of a year (inspection visits,
//! requests for material, forms), across every campaign.
//!
//! Tasks are the bulk of it (a national campaign assigns a million), so how many each unit was
//! given per year is kept on write in `assignment_years` (migration 25; assignments are only
//! ever added, and their start day never changes). The meter ranks the units from those counts
//! and the few inspection rows, and reads the months of the units on its page only.

use std::collections::BTreeMap;

use pacesetter_domain::{UnitId, inspection::burden::VISITS_PER_MONTH, timestamp::format_date, unit::UnitPath};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use time::Date;

use crate::{
    Result,
    sql::{Bind, Where, placeholders},
};

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

/// The tasks' rows, whose yearly counts are kept in `assignment_years`.
const ASSIGNMENTS: &str = "assignments t";

/// Each kind's rows, `t` being the one that names the unit (`t.unit_id`), and the day it counts
/// on. Tasks count on the day they start; evaluation sheets on the day the scheme was made.
const SOURCES: [(Received, Day, &str); 5] = [
    (
        Received::Inspection,
        Day::Text("r.starts_on"),
        "inspection_targets t JOIN inspection_rounds r ON r.id = t.round_id",
    ),
    (
        Received::Request,
        Day::Text("r.starts_on"),
        "inspection_targets t JOIN inspection_rounds r ON r.id = t.round_id
         JOIN inspection_items i ON i.round_id = t.round_id AND i.evidence_request IS NOT NULL",
    ),
    (Received::Request, Day::Text("t.given_on"), "rectifications t"),
    (Received::Form, Day::Julian("t.starts_day"), ASSIGNMENTS),
    (Received::Form, Day::Text("s.created_at"), "evaluation_units t JOIN evaluation_schemes s ON s.id = t.scheme_id"),
];

/// The first day of `year` and of the year after.
fn year_bounds(year: i32) -> Option<(Date, Date)> {
    Some((
        Date::from_calendar_date(year, time::Month::January, 1).ok()?,
        Date::from_calendar_date(year.checked_add(1)?, time::Month::January, 1).ok()?,
    ))
}

fn julian(date: Date) -> Bind {
    Bind::Int(i64::from(date.to_julian_day()))
}

/// `day` falls within `from..until`, with the values bound in `clauses`.
fn within_year(clauses: &mut Where, day: Day, (from, until): (Date, Date)) -> String {
    match day {
        Day::Text(column) => {
            let (low, high) =
                (clauses.bind(Bind::Text(format_date(from))), clauses.bind(Bind::Text(format_date(until))));
            format!("{column} >= {low} AND {column} < {high}")
        }
        Day::Julian(column) => {
            let (low, high) = (clauses.bind(julian(from)), clauses.bind(julian(until)));
            format!("{column} >= {low} AND {column} < {high}")
        }
    }
}

/// The month (`YYYY-MM`) `day` falls in.
fn month_of(clauses: &mut Where, day: Day, year: i32) -> String {
    match day {
        Day::Text(column) => format!("substr({column}, 1, 7)"),
        Day::Julian(column) => {
            // By the first days of February to December.
            let mut case = String::from("CASE");
            for m in 2..=12u8 {
                let Some(start) = time::Month::try_from(m).ok().and_then(|m| Date::from_calendar_date(year, m, 1).ok())
                else {
                    continue;
                };
                let at = clauses.bind(julian(start));
                case.push_str(&format!(" WHEN {column} < {at} THEN '{year}-{:02}'", m - 1));
            }
            case.push_str(&format!(" ELSE '{year}-12' END"));
            case
        }
    }
}

/// What the listed units received per month of `year`, grouped by unit, month and kind (only
/// where there is any).
pub async fn received(conn: &mut AnyConnection, units: &[UnitId], year: i32) -> Result<Vec<ReceivedCount>> {
    let Some(bounds) = year_bounds(year) else { return Ok(Vec::new()) };
    let mut counts = Vec::new();
    for chunk in units.chunks(500) {
        for (kind, day, from_sql) in SOURCES {
            let mut clauses = Where::default();
            let listed: Vec<String> = chunk.iter().map(|unit| clauses.bind(Bind::Int(unit.0))).collect();
            clauses.push(format!("t.unit_id IN ({})", listed.join(", ")));
            let in_year = within_year(&mut clauses, day, bounds);
            clauses.push(in_year);
            let month = month_of(&mut clauses, day, year);
            let sql = format!(
                "SELECT t.unit_id AS unit_id, {month} AS month, COUNT(*) AS n FROM {from_sql} {} GROUP BY 1, 2",
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
    }
    Ok(counts)
}

/// One page of the units within `roots` that received anything in `year`, ranked as the meter
/// shows them: most months over the line first, then the most visits, then the heaviest, then
/// by id; and how many such units there are.
pub async fn ranking(
    conn: &mut AnyConnection,
    roots: &[UnitPath],
    year: i32,
    offset: i64,
    limit: i64,
) -> Result<(Vec<UnitId>, i64)> {
    let Some(bounds) = year_bounds(year) else { return Ok((Vec::new(), 0)) };
    let mut clauses = Where::default();
    // One line per unit and source: its visits, the rest, and its months over the line.
    let mut parts = Vec::new();
    for (kind, day, from_sql) in SOURCES {
        parts.push(if from_sql == ASSIGNMENTS {
            // Kept on write, read as a year's count.
            let at = clauses.bind(Bind::Int(i64::from(year)));
            format!("SELECT unit_id, 0 AS visits, n AS other, 0 AS heavy FROM assignment_years WHERE year = {at}")
        } else if kind == Received::Inspection {
            let in_year = within_year(&mut clauses, day, bounds);
            let month = month_of(&mut clauses, day, year);
            format!(
                "SELECT unit_id, n AS visits, 0 AS other, CASE WHEN n > {VISITS_PER_MONTH} THEN 1 ELSE 0 END AS heavy
                 FROM (SELECT t.unit_id AS unit_id, COUNT(*) AS n FROM {from_sql} WHERE {in_year}
                       GROUP BY t.unit_id, {month}) visits"
            )
        } else {
            let in_year = within_year(&mut clauses, day, bounds);
            format!(
                "SELECT t.unit_id AS unit_id, 0 AS visits, COUNT(*) AS other, 0 AS heavy FROM {from_sql}
                 WHERE {in_year} GROUP BY t.unit_id"
            )
        });
    }
    clauses.within("u.path", roots);
    let ranked = |offset: i64, limit: i64| {
        format!(
            "SELECT l.unit_id AS unit_id, COUNT(*) OVER () AS listed
             FROM ({}) l JOIN units u ON u.id = l.unit_id {}
             GROUP BY l.unit_id
             ORDER BY SUM(l.heavy) DESC, SUM(l.visits) DESC, SUM(l.visits + l.other) DESC, l.unit_id
             LIMIT {limit} OFFSET {offset}",
            parts.join(" UNION ALL "),
            clauses.sql()
        )
    };
    let rows = clauses.query(ranked(offset.max(0), limit.clamp(1, 1000))).fetch_all(&mut *conn).await?;
    let listed = match rows.first() {
        Some(row) => row.try_get("listed")?,
        // Past the end: how many there are, from the first line.
        None if offset > 0 => match clauses.query(ranked(0, 1)).fetch_optional(&mut *conn).await? {
            Some(row) => row.try_get("listed")?,
            None => 0,
        },
        None => 0,
    };
    let units = rows.iter().map(|row| Ok(UnitId(row.try_get("unit_id")?))).collect::<Result<_>>()?;
    Ok((units, listed))
}

/// Counts newly created assignments, each a unit and the day it starts, into `assignment_years`.
pub async fn count_assignments(conn: &mut AnyConnection, created: &[(UnitId, Date)]) -> Result<()> {
    let mut per_year: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for (unit, starts) in created {
        *per_year.entry((i64::from(starts.year()), unit.0)).or_default() += 1;
    }
    let counts: Vec<((i64, i64), i64)> = per_year.into_iter().collect();
    for chunk in counts.chunks(300) {
        let sql = format!(
            "INSERT INTO assignment_years (year, unit_id, n) VALUES {}
             ON CONFLICT (year, unit_id) DO UPDATE SET n = assignment_years.n + excluded.n",
            placeholders(conn, chunk.len(), 3, "")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for ((year, unit), n) in chunk {
            query = query.bind(*year).bind(*unit).bind(*n);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
