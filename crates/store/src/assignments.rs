//! Assignments (one unit's share of a key task) and the history of steps taken on them.

use std::collections::HashMap;

use pacesetter_domain::{
    Timestamp, UnitId,
    assignment::AssignmentState,
    ids::{AssignmentId, CampaignId, PlanItemId},
    light::{Light, Progress, Thresholds},
    plan::{Assignment, Campaign, PlanItem},
    unit::{Unit, UnitPath},
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};
use time::Date;

use crate::{
    Result, StoreError, campaigns, plan_items, progress_cells,
    row::{self, Columns, aliased},
    sql::{Bind, Where, escape_like},
    units,
};

mod events;

pub use events::{History, NewEvent, add_event, history, reports_per_hour, reports_per_week, step_times, week_of};

const COLUMNS: &str =
    "a.id, a.item_id, a.unit_id, a.state, a.percent, a.starts_day, a.due_day, a.last_update_at, a.version";
/// `COLUMNS` of a row just written (`RETURNING`).
const WRITTEN: &str = "id, item_id, unit_id, state, percent, starts_day, due_day, last_update_at, version";

fn day(row: &AnyRow, column: &str) -> Result<Date> {
    let julian: i64 = row.try_get(column)?;
    i32::try_from(julian)
        .ok()
        .and_then(|j| Date::from_julian_day(j).ok())
        .ok_or_else(|| StoreError::Database(sqlx::Error::Decode(format!("bad {column}").into())))
}

fn from_row(row: &AnyRow) -> Result<Assignment> {
    from_columns(row, Columns::PLAIN)
}

/// [`from_row`] with the columns named as `c` says.
pub(crate) fn from_columns(row: &AnyRow, c: Columns) -> Result<Assignment> {
    let state: String = row.try_get(&*c.name("state"))?;
    Ok(Assignment {
        id: AssignmentId(row.try_get(&*c.name("id"))?),
        item_id: PlanItemId(row.try_get(&*c.name("item_id"))?),
        unit_id: UnitId(row.try_get(&*c.name("unit_id"))?),
        state: AssignmentState::parse(&state)
            .ok_or_else(|| StoreError::Database(sqlx::Error::Decode("bad assignment state".into())))?,
        percent: row.try_get::<i64, _>(&*c.name("percent"))?.clamp(0, 100) as u8,
        starts_on: day(row, &c.name("starts_day"))?,
        due_on: day(row, &c.name("due_day"))?,
        last_update_at: row::opt_timestamp(row, &c.name("last_update_at"))?,
        version: row.try_get(&*c.name("version"))?,
    })
}

/// What decides the light of an assignment row (`state`, `percent`, `starts_day`, `due_day`).
pub(crate) fn progress_of_row(row: &AnyRow) -> Result<Progress> {
    let state: String = row.try_get("state")?;
    Ok(Progress {
        start: day(row, "starts_day")?,
        deadline: day(row, "due_day")?,
        percent: row.try_get::<i64, _>("percent")?.clamp(0, 100) as u8,
        closed: state == AssignmentState::Closed.as_str(),
    })
}

fn progress_of(assignment: &Assignment) -> Progress {
    Progress {
        start: assignment.starts_on,
        deadline: assignment.due_on,
        percent: assignment.percent,
        closed: assignment.state.is_closed(),
    }
}

/// Keeps the dashboard's roll-ups current as one task's assignments change from `before` to
/// `after` (new ones have no `before`).
async fn recount(
    conn: &mut AnyConnection,
    item: PlanItemId,
    before: &[&Assignment],
    after: &[&Assignment],
) -> Result<()> {
    let mut units: Vec<UnitId> = before.iter().chain(after).map(|a| a.unit_id).collect();
    units.sort_unstable_by_key(|unit| unit.0);
    units.dedup();
    let Some(first) = units.first() else { return Ok(()) };
    let context = progress_cells::task_context(conn, item, *first).await?;
    // One unit (a step on one assignment) comes with the context; a fan-out reads the rest.
    let paths = match (units.len(), context.unit_path) {
        (1, Some(path)) => HashMap::from([(*first, path)]),
        _ => crate::units::paths_of(conn, &units).await?,
    };
    let mut changes = progress_cells::Changes::new(context.campaign, context.counting);
    let counted = |a: &Assignment| {
        paths.get(&a.unit_id).map(|path| progress_cells::Counted {
            assignment: a.id.0,
            top: context.top,
            unit: path.clone(),
            progress: progress_of(a),
        })
    };
    for a in before {
        changes.remove(&counted(a).ok_or(StoreError::NotFound)?);
    }
    for a in after {
        changes.add(&counted(a).ok_or(StoreError::NotFound)?);
    }
    changes.apply(conn).await
}

/// Creates one assignment per unit that does not have one for the task yet; returns how many
/// were created.
pub async fn fan_out(
    conn: &mut AnyConnection,
    item: PlanItemId,
    units: &[UnitId],
    starts: Date,
    due: Date,
    now: Timestamp,
) -> Result<u64> {
    let mut created = Vec::new();
    for unit in units {
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO assignments (item_id, unit_id, state, percent, starts_day, due_day, created_at, updated_at)
             VALUES ($1, $2, 'assigned', 0, $3, $4, $5, $5) ON CONFLICT (item_id, unit_id) DO NOTHING
             RETURNING {WRITTEN}"
        )))
        .bind(item.0)
        .bind(unit.0)
        .bind(i64::from(starts.to_julian_day()))
        .bind(i64::from(due.to_julian_day()))
        .bind(now.to_db())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            created.push(from_row(&row)?);
        }
    }
    recount(conn, item, &[], &created.iter().collect::<Vec<_>>()).await?;
    let started: Vec<(UnitId, Date)> = created.iter().map(|a| (a.unit_id, starts)).collect();
    crate::inspections::burden::count_assignments(conn, &started).await?;
    Ok(created.len() as u64)
}

/// An assignment with what deciding who may see it and act on it needs: its task, the task's
/// campaign, its unit and the campaign's office, read in one statement.
#[derive(Debug, Clone)]
pub struct InContext {
    pub assignment: Assignment,
    pub item: PlanItem,
    pub campaign: Campaign,
    pub unit: Unit,
    pub office: Unit,
}

pub async fn in_context(conn: &mut AnyConnection, id: AssignmentId) -> Result<InContext> {
    let sql = format!(
        "SELECT {}, {}, {}, {}, {}
         FROM assignments a JOIN plan_items i ON i.id = a.item_id JOIN campaigns c ON c.id = i.campaign_id
              JOIN units u ON u.id = a.unit_id JOIN units o ON o.id = c.office_unit_id
         WHERE a.id = $1",
        aliased(COLUMNS, "a", "a_"),
        aliased(plan_items::COLUMNS, "i", "i_"),
        aliased(campaigns::COLUMNS, "c", "c_"),
        aliased(units::COLUMNS, "u", "u_"),
        aliased(units::COLUMNS, "o", "o_"),
    );
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id.0).fetch_optional(conn).await?.ok_or(StoreError::NotFound)?;
    Ok(InContext {
        assignment: from_columns(&row, Columns::prefixed("a_"))?,
        item: plan_items::from_columns(&row, Columns::prefixed("i_"))?,
        campaign: campaigns::from_columns(&row, Columns::prefixed("c_"))?,
        unit: units::from_columns(&row, Columns::prefixed("u_"))?,
        office: units::from_columns(&row, Columns::prefixed("o_"))?,
    })
}

pub async fn get(conn: &mut AnyConnection, id: AssignmentId) -> Result<Assignment> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM assignments a WHERE a.id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Every assignment of a task, in unit order.
pub async fn for_item(conn: &mut AnyConnection, item: PlanItemId) -> Result<Vec<Assignment>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.item_id = $1 ORDER BY u.path"
    )))
    .bind(item.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The lead unit's assignment of each of these tasks (tasks without one are left out).
pub async fn of_leads(conn: &mut AnyConnection, items: &[PlanItemId]) -> Result<Vec<Assignment>> {
    let ids: Vec<i64> = items.iter().map(|id| id.0).collect();
    let select = format!(
        "SELECT {COLUMNS} FROM assignments a JOIN plan_items p ON p.id = a.item_id AND p.lead_unit_id = a.unit_id"
    );
    let rows = crate::sql::rows_where_in(conn, &select, "a.item_id", &ids).await?;
    rows.iter().map(from_row).collect()
}

/// Every assignment of a campaign, for roll-ups.
pub async fn for_campaign(conn: &mut AnyConnection, campaign: CampaignId) -> Result<Vec<Assignment>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM assignments a JOIN plan_items i ON i.id = a.item_id WHERE i.campaign_id = $1"
    )))
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The open assignments of a campaign that a reminder run looks at on `today` and that have
/// not been reminded of that day: those due in exactly one of `days_before` days, and those
/// overdue. Read a page of `limit` at a time after the id `after`, so that a run never holds
/// the write lock for all of a national campaign's reminders (hundreds of thousands) at once;
/// the rest of its million assignments are never decoded.
pub async fn due_for_reminders(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    today: Date,
    days_before: &[i64],
    after: AssignmentId,
    limit: i64,
) -> Result<Vec<Assignment>> {
    let mut filters = Where::default();
    let p = filters.bind(Bind::Int(campaign.0));
    filters.push(format!("i.campaign_id = {p}"));
    filters.push("i.id = a.item_id".to_owned());
    let after = filters.bind(Bind::Int(after.0));
    filters.push(format!("a.id > {after}"));
    filters.push("a.state <> 'closed'".to_owned());
    let day = i64::from(today.to_julian_day());
    let today = filters.bind(Bind::Int(day));
    let mut windows = vec![format!("a.due_day < {today}")];
    for days in days_before {
        windows.push(format!("a.due_day = {}", filters.bind(Bind::Int(day + days))));
    }
    filters.push(format!("({})", windows.join(" OR ")));
    filters
        .push(format!("NOT EXISTS (SELECT 1 FROM reminder_ledger l WHERE l.assignment_id = a.id AND l.day = {today})"));
    let limit = filters.bind(Bind::Int(limit));
    // Assignments first, in id order (SQLite keeps the left table of a CROSS JOIN outside), so
    // each page goes on where the last one stopped instead of sorting the campaign again.
    let sql = format!(
        "SELECT {COLUMNS} FROM assignments a CROSS JOIN plan_items i {} ORDER BY a.id LIMIT {limit}",
        filters.sql()
    );
    let rows = filters.query(sql).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Joins assignments with their items and units, starting from the units, for queries limited
/// to some subtrees; the join conditions go into `filters`. Without statistics SQLite would
/// start from the campaign's items and read every assignment of the campaign (a million
/// nationally) to keep a county's few hundred. SQLite keeps the left table of a CROSS JOIN as
/// the outer loop; PostgreSQL plans it as any inner join.
fn from_units_first(filters: &mut Where) -> &'static str {
    filters.push("a.unit_id = u.id".to_owned());
    filters.push("i.id = a.item_id".to_owned());
    "FROM units u CROSS JOIN assignments a CROSS JOIN plan_items i"
}

/// Moves an assignment from `before` (as read in this transaction) to `state` with `percent`,
/// if `before.version` is still current.
pub async fn set_state(
    conn: &mut AnyConnection,
    before: &Assignment,
    state: AssignmentState,
    percent: u8,
    progress_reported: bool,
    now: Timestamp,
) -> Result<Assignment> {
    let (id, version) = (before.id, before.version);
    let written = sqlx::query(AssertSqlSafe(format!(
        "UPDATE assignments SET state = $1, percent = $2,
             last_update_at = CASE WHEN $3 = 1 THEN $4 ELSE last_update_at END,
             version = version + 1, updated_at = $4
         WHERE id = $5 AND version = $6
         RETURNING {WRITTEN}"
    )))
    .bind(state.as_str())
    .bind(i64::from(percent))
    .bind(i64::from(progress_reported))
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(written) = written else {
        return Err(crate::stale_unless_missing(get(conn, id).await));
    };
    let after = from_row(&written)?;
    recount(conn, after.item_id, &[before], &[&after]).await?;
    Ok(after)
}

/// An assignment with what a list shows beside it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub assignment: Assignment,
    pub campaign_id: CampaignId,
    pub item_code: Option<String>,
    pub item_title: String,
    pub item_title_bo: Option<String>,
    pub unit_name: String,
    pub unit_name_bo: Option<String>,
}

/// Filters of an assignment list; the day and thresholds decide lights and overdue.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Only assignments of units in these subtrees, unless `all_units`.
    pub within: Vec<UnitPath>,
    pub all_units: bool,
    pub campaign: Option<CampaignId>,
    pub item: Option<PlanItemId>,
    /// Only tasks below this plan item (a pillar), at any depth.
    pub under_item: Option<PlanItemId>,
    pub unit: Option<UnitId>,
    pub state: Option<AssignmentState>,
    pub light: Option<Light>,
    pub overdue: bool,
    pub open_only: bool,
    pub query: Option<String>,
    pub today: Date,
    pub thresholds: Thresholds,
    pub offset: i64,
    pub limit: i64,
}

/// The light of SCORING.md §4 as SQL over Julian day numbers, with the day and thresholds
/// bound; the same integer comparisons as `domain::light::light`.
fn light_sql(filters: &mut Where, today: Date, thresholds: Thresholds) -> String {
    let t = filters.bind(Bind::Int(i64::from(today.to_julian_day())));
    let y = filters.bind(Bind::Int(i64::from(thresholds.yellow_at)));
    let r = filters.bind(Bind::Int(i64::from(thresholds.red_at)));
    let total = "(CASE WHEN a.due_day - a.starts_day <= 0 THEN 1 ELSE a.due_day - a.starts_day END)";
    let elapsed = format!(
        "(CASE WHEN a.due_day - a.starts_day <= 0 THEN (CASE WHEN {t} >= a.starts_day THEN 1 ELSE 0 END) \
         WHEN {t} <= a.starts_day THEN 0 WHEN {t} >= a.due_day THEN a.due_day - a.starts_day ELSE {t} - a.starts_day END)"
    );
    let gap = format!("(100 * {elapsed} - a.percent * {total})");
    format!(
        "(CASE WHEN a.state = 'closed' THEN 'done' WHEN {t} > a.due_day THEN 'red' \
         WHEN {gap} < {y} * {total} THEN 'green' WHEN {gap} <= {r} * {total} THEN 'yellow' ELSE 'red' END)"
    )
}

/// One page of assignments, the most urgent first: open before closed, earliest deadline first.
pub async fn list(conn: &mut AnyConnection, filter: &Filter) -> Result<(Vec<Listed>, i64)> {
    let mut filters = Where::default();
    let query = filter.query.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let narrowed = filter.item.is_some()
        || filter.under_item.is_some()
        || filter.unit.is_some()
        || filter.state.is_some()
        || filter.light.is_some()
        || filter.overdue
        || filter.open_only;
    // Every unit, or some subtrees, whole: counted from the roll-ups kept on the roots. Read
    // units first unless the subtrees hold most of the assignments (the office's list across
    // every campaign is its office and every province): then in the list's own order, as for
    // every unit, each row's unit checked, and a page stops after about a page of rows.
    let roots = if filter.all_units { &[][..] } else { &filter.within[..] };
    let counted_on_roots = match narrowed || query.is_some() {
        true => None,
        false => progress_cells::assignments_within(conn, filter.campaign, roots).await?,
    };
    let most = counted_on_roots.is_some_and(|within| within.scoped * 2 >= within.total);
    let units_first = (!filter.all_units && !most).then(|| from_units_first(&mut filters));
    if !filter.all_units {
        filters.within("u.path", &filter.within);
    }
    let campaign = filter.campaign.map(|campaign| filters.bind(Bind::Int(campaign.0)));
    if let Some(item) = filter.item {
        let p = filters.bind(Bind::Int(item.0));
        filters.push(format!("a.item_id = {p}"));
    }
    if let Some(item) = filter.under_item {
        let p = filters.bind(Bind::Int(item.0));
        filters.push(format!(
            "a.item_id IN (WITH RECURSIVE down (id) AS (SELECT id FROM plan_items WHERE parent_id = {p}
                 UNION ALL SELECT c.id FROM plan_items c JOIN down ON c.parent_id = down.id) SELECT id FROM down)"
        ));
    }
    if let Some(unit) = filter.unit {
        let p = filters.bind(Bind::Int(unit.0));
        filters.push(format!("a.unit_id = {p}"));
    }
    if let Some(state) = filter.state {
        let p = filters.bind(Bind::Text(state.as_str().to_owned()));
        filters.push(format!("a.state = {p}"));
    }
    if filter.overdue {
        let p = filters.bind(Bind::Int(i64::from(filter.today.to_julian_day())));
        filters.push(format!("a.state <> 'closed' AND a.due_day < {p}"));
    }
    if filter.open_only {
        filters.push("a.state <> 'closed'".to_owned());
    }
    if let Some(light) = filter.light {
        let expression = light_sql(&mut filters, filter.today, filter.thresholds);
        let p = filters.bind(Bind::Text(light.as_str().to_owned()));
        filters.push(format!("{expression} = {p}"));
    }
    if let Some(query) = query {
        let p = filters.bind(Bind::Text(format!("%{}%", escape_like(query))));
        filters.push(format!(
            "(i.title LIKE {p} ESCAPE '\\' OR i.code LIKE {p} ESCAPE '\\' OR u.name LIKE {p} ESCAPE '\\')"
        ));
    }
    // The campaign's assignments. A page reads them in its own order (`+` keeps the planner off
    // the tasks' index, so the index `assignments_urgency` gives the first page of a national
    // campaign without a sort). Counted here (not from the roll-ups): a search and a campaign
    // whose roll-ups are still to be counted through the tasks' index; a narrower count by its
    // other conditions (overdue: 2 s through the tasks' index, 0.2 s without it).
    let mut counted = filters.clone();
    if let Some(p) = &campaign {
        let tasks = format!("a.item_id IN (SELECT id FROM plan_items WHERE campaign_id = {p})");
        counted.push(if narrowed { format!("+{tasks}") } else { tasks.clone() });
        filters.push(format!("+{tasks}"));
    }
    let (from, count_from) = match units_first {
        Some(from) => (from, from),
        None => {
            // Assignments first (SQLite keeps the left table of a CROSS JOIN outside), so a page
            // reads its rows in order and stops. Every assignment has its task and unit, so
            // only a search, which reads their names, or subtrees join them to count.
            let from = "FROM assignments a CROSS JOIN plan_items i CROSS JOIN units u";
            let joins = ["i.id = a.item_id", "u.id = a.unit_id"];
            joins.into_iter().for_each(|join| filters.push(join.to_owned()));
            if query.is_some() || !filter.all_units {
                joins.into_iter().for_each(|join| counted.push(join.to_owned()));
                (from, from)
            } else {
                (from, "FROM assignments a")
            }
        }
    };
    let where_sql = filters.sql();
    let total: i64 = match counted_on_roots {
        Some(within) if filter.all_units => within.total,
        Some(within) => within.scoped,
        None => counted
            .query(format!("SELECT COUNT(*) AS n {count_from} {}", counted.sql()))
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?,
    };
    let rows = filters
        .query(format!(
            "SELECT {COLUMNS}, i.campaign_id, i.code AS item_code, i.title AS item_title, i.title_bo AS item_title_bo, u.name AS unit_name, u.name_bo AS unit_name_bo
             {from} {where_sql}
             ORDER BY CASE WHEN a.state = 'closed' THEN 1 ELSE 0 END, a.due_day, a.id LIMIT {} OFFSET {}",
            filter.limit.clamp(1, 500),
            filter.offset.max(0)
        ))
        .fetch_all(conn)
        .await?;
    let listed = rows
        .iter()
        .map(|row| {
            Ok(Listed {
                assignment: from_row(row)?,
                campaign_id: CampaignId(row.try_get("campaign_id")?),
                item_code: row.try_get("item_code")?,
                item_title: row.try_get("item_title")?,
                item_title_bo: row.try_get("item_title_bo")?,
                unit_name: row.try_get("unit_name")?,
                unit_name_bo: row.try_get("unit_name_bo")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((listed, total))
}
