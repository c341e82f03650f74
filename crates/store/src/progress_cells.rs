//! The dashboard's roll-ups (migration 0009): per campaign, top-level plan item and unit
//! subtree, the assignments counted with their progress, and the days their lights turn.
//!
//! An assignment is counted at every unit strictly above its own. A unit's own assignments are
//! read directly when asked for (a unit has few of its own), so the units without children —
//! most of a national tree — have no rows at all, and writes touch one level fewer.
//!
//! Every write of an assignment goes through [`Changes`]: the assignment as it was counted is
//! taken out, as it is now is put in. A moved unit carries its subtree's counts from its old
//! ancestors to its new ones. New thresholds count a campaign's turning days again a chunk of
//! assignments per transaction ([`recount_step`]): meanwhile the assignments not yet recounted
//! are counted under the old thresholds ([`Counting`]), so every write keeps the counts exact.

use std::collections::HashMap;

use pacesetter_domain::{
    UnitId,
    ids::{CampaignId, PlanItemId},
    light::{Light, Progress, Thresholds, light, turns},
    plan::Campaign,
    rollup::Tally,
    unit::UnitPath,
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};
use time::Date;

use crate::{
    Result, StoreError,
    sql::{Bind, Where, placeholders},
};

mod recount;
mod within;
pub use recount::{RECOUNT_STEP, begin_recount, finish_recount, recount_step, recounting};
pub use within::{Within, assignments_within};

/// One assignment as the roll-ups count it.
#[derive(Debug, Clone)]
pub struct Counted {
    /// The assignment's id, which decides the thresholds it is counted under during a recount.
    pub assignment: i64,
    /// The top-level plan item above the assignment's task.
    pub top: PlanItemId,
    pub unit: UnitPath,
    pub progress: Progress,
}

#[derive(Debug, Clone, Copy, Default)]
struct CellDelta {
    assignments: i64,
    closed: i64,
    permille_sum: i64,
}

/// The tables of turning days: per day, and per month keyed by the month's first day.
const TURN_TABLES: [&str; 2] = ["light_turns", "light_turns_monthly"];

/// Turning counts per (unit, item, day): yellow, red.
type Turned = HashMap<(UnitId, PlanItemId, i64), (i64, i64)>;

/// A recount under way after a campaign's thresholds changed (migration 26): the assignments
/// after `after` up to `until` are still counted under the `old` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recount {
    pub after: i64,
    pub until: i64,
    pub old: Thresholds,
}

/// The thresholds a campaign's roll-ups count each of its assignments under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counting {
    pub current: Thresholds,
    pub recount: Option<Recount>,
}

impl Counting {
    fn thresholds(&self, assignment: i64) -> Thresholds {
        match self.recount {
            Some(recount) if assignment > recount.after && assignment <= recount.until => recount.old,
            _ => self.current,
        }
    }
}

/// Changes to one campaign's roll-ups, gathered in memory and written in a few statements.
#[derive(Debug)]
pub struct Changes {
    campaign: CampaignId,
    counting: Counting,
    cells: HashMap<(UnitId, PlanItemId), CellDelta>,
    /// Indexed as `TURN_TABLES`.
    turns: [Turned; 2],
}

fn day_key(day: Date) -> i64 {
    i64::from(day.to_julian_day())
}

fn month_key(day: Date) -> i64 {
    day_key(day.replace_day(1).unwrap_or(day))
}

impl Changes {
    pub fn new(campaign: CampaignId, counting: Counting) -> Self {
        Self { campaign, counting, cells: HashMap::new(), turns: [HashMap::new(), HashMap::new()] }
    }

    /// Counts an assignment in.
    pub fn add(&mut self, counted: &Counted) {
        self.count(counted, 1);
    }

    /// Takes an assignment, as it was counted, out.
    pub fn remove(&mut self, counted: &Counted) {
        self.count(counted, -1);
    }

    fn count(&mut self, counted: &Counted, sign: i64) {
        self.count_under(counted, sign, self.counting.thresholds(counted.assignment));
    }

    fn count_under(&mut self, counted: &Counted, sign: i64, thresholds: Thresholds) {
        let progress = &counted.progress;
        let turned = turns(progress, thresholds);
        let mut path = counted.unit.ids();
        path.pop();
        for unit in path {
            let cell = self.cells.entry((unit, counted.top)).or_default();
            cell.assignments += sign;
            cell.closed += sign * i64::from(progress.closed);
            cell.permille_sum += sign * i64::from(progress.percent.min(100)) * 10;
            if let Some(turned) = turned {
                let [daily, monthly] = &mut self.turns;
                daily.entry((unit, counted.top, day_key(turned.yellow_from))).or_default().0 += sign;
                daily.entry((unit, counted.top, day_key(turned.red_from))).or_default().1 += sign;
                monthly.entry((unit, counted.top, month_key(turned.yellow_from))).or_default().0 += sign;
                monthly.entry((unit, counted.top, month_key(turned.red_from))).or_default().1 += sign;
            }
        }
    }

    /// Writes the changes; counts that cancel out are not written at all.
    pub async fn apply(self, conn: &mut AnyConnection) -> Result<()> {
        const BATCH: usize = 1000;
        let campaign = self.campaign.0;
        // In key order, so that a large batch (a campaign counted from scratch) appends to the
        // primary-key index instead of scattering writes over it.
        let mut cells: Vec<_> = self
            .cells
            .into_iter()
            .filter(|(_, d)| d.assignments != 0 || d.closed != 0 || d.permille_sum != 0)
            .collect();
        cells.sort_unstable_by_key(|((unit, item), _)| (unit.0, item.0));
        for chunk in cells.chunks(BATCH) {
            let sql = format!(
                "INSERT INTO progress_cells (campaign_id, unit_id, item_id, assignments, closed, permille_sum) VALUES {}
                 ON CONFLICT (campaign_id, unit_id, item_id) DO UPDATE SET
                     assignments = progress_cells.assignments + excluded.assignments,
                     closed = progress_cells.closed + excluded.closed,
                     permille_sum = progress_cells.permille_sum + excluded.permille_sum",
                placeholders(conn, chunk.len(), 6, "")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for ((unit, item), delta) in chunk {
                query = query
                    .bind(campaign)
                    .bind(unit.0)
                    .bind(item.0)
                    .bind(delta.assignments)
                    .bind(delta.closed)
                    .bind(delta.permille_sum);
            }
            query.execute(&mut *conn).await?;
        }
        for (table, turned) in TURN_TABLES.into_iter().zip(self.turns) {
            let mut turned: Vec<_> = turned.into_iter().filter(|(_, (y, r))| *y != 0 || *r != 0).collect();
            turned.sort_unstable_by_key(|((unit, item, day), _)| (unit.0, item.0, *day));
            for chunk in turned.chunks(BATCH) {
                let sql = format!(
                    "INSERT INTO {table} (campaign_id, unit_id, item_id, day, to_yellow, to_red) VALUES {}
                     ON CONFLICT (campaign_id, unit_id, item_id, day) DO UPDATE SET
                         to_yellow = {table}.to_yellow + excluded.to_yellow,
                         to_red = {table}.to_red + excluded.to_red",
                    placeholders(conn, chunk.len(), 6, "")
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for ((unit, item, day), (yellow, red)) in chunk {
                    query = query.bind(campaign).bind(unit.0).bind(item.0).bind(*day).bind(*yellow).bind(*red);
                }
                query.execute(&mut *conn).await?;
            }
        }
        Ok(())
    }
}

/// What counting a task's assignments needs: its campaign, how that counts, the top-level
/// item above the task, and the path of the unit asked for.
#[derive(Debug, Clone)]
pub struct TaskContext {
    pub campaign: CampaignId,
    pub counting: Counting,
    pub top: PlanItemId,
    /// The path of the `unit` given to [`task_context`]; `None` if there is no such unit.
    pub unit_path: Option<UnitPath>,
}

/// The context of a task's assignments, with the path of `unit` (one of its assignments' units),
/// in one statement: a progress update runs it on every report.
///
/// For a write that changes the task's counts: see [`counting_of`].
pub async fn task_context(conn: &mut AnyConnection, item: PlanItemId, unit: UnitId) -> Result<TaskContext> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "WITH RECURSIVE up (id, parent_id) AS (
             SELECT id, parent_id FROM plan_items WHERE id = $1
             UNION ALL
             SELECT p.id, p.parent_id FROM plan_items p JOIN up ON p.id = up.parent_id
         )
         SELECT up.id AS top, c.id AS campaign_id, c.yellow_at, c.red_at, c.recount_after, c.recount_until,
                c.recount_yellow_at, c.recount_red_at, (SELECT path FROM units WHERE id = $2) AS unit_path
         FROM up JOIN plan_items i ON i.id = up.id JOIN campaigns c ON c.id = i.campaign_id
         WHERE up.parent_id IS NULL {}",
        hold(conn, Hold::Counting, "c")
    )))
    .bind(item.0)
    .bind(unit.0)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(TaskContext {
        campaign: CampaignId(row.try_get("campaign_id")?),
        counting: counting_from(&row)?,
        top: PlanItemId(row.try_get("top")?),
        unit_path: row.try_get::<Option<String>, _>("unit_path")?.map(UnitPath::from_db),
    })
}

/// The top-level item above every item of a campaign.
pub async fn tops_of_campaign(
    conn: &mut AnyConnection,
    campaign: CampaignId,
) -> Result<HashMap<PlanItemId, PlanItemId>> {
    let rows = sqlx::query("SELECT id, parent_id FROM plan_items WHERE campaign_id = $1")
        .bind(campaign.0)
        .fetch_all(conn)
        .await?;
    let mut parent_of = HashMap::with_capacity(rows.len());
    for row in &rows {
        parent_of.insert(PlanItemId(row.try_get("id")?), row.try_get::<Option<i64>, _>("parent_id")?.map(PlanItemId));
    }
    let top = |mut id: PlanItemId| {
        // Bounded by the number of items, should the data ever hold a cycle.
        for _ in 0..parent_of.len() {
            match parent_of.get(&id) {
                Some(Some(parent)) => id = *parent,
                _ => break,
            }
        }
        id
    };
    Ok(parent_of.keys().map(|id| (*id, top(*id))).collect())
}

fn counting_from(row: &AnyRow) -> Result<Counting> {
    let percent = |name: &str| -> Result<Option<u32>> {
        Ok(row.try_get::<Option<i64>, _>(name)?.map(|value| value.clamp(0, 100) as u32))
    };
    let current = Thresholds { yellow_at: percent("yellow_at")?.unwrap_or(0), red_at: percent("red_at")?.unwrap_or(0) };
    let recount = match (
        row.try_get::<Option<i64>, _>("recount_after")?,
        row.try_get::<Option<i64>, _>("recount_until")?,
        percent("recount_yellow_at")?,
        percent("recount_red_at")?,
    ) {
        (Some(after), Some(until), Some(yellow_at), Some(red_at)) => {
            Some(Recount { after, until, old: Thresholds { yellow_at, red_at } })
        }
        _ => None,
    };
    Ok(Counting { current, recount })
}

/// How a transaction holds a campaign's row on PostgreSQL while it counts (SQLite's write
/// transactions already run one at a time). Every write that changes a campaign's counts reads
/// how it counts holding the row [`Hold::Counting`] until it commits, before it writes a count;
/// a recount begins and steps holding it [`Hold::Recounting`]. So a step waits for the writes
/// under way and they wait for the step: none counts under thresholds the step changes, and
/// none is left out of it (an assignment not yet committed when a step passes its id is
/// counted by its writer under the thresholds the step left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// `FOR KEY SHARE`: writes do not wait for each other, nor for the campaign's own edits.
    Counting,
    /// `FOR UPDATE`.
    Recounting,
}

/// The locking clause for `hold` (of `table` when not empty) on PostgreSQL; none on SQLite.
fn hold(conn: &AnyConnection, hold: Hold, table: &str) -> String {
    if crate::Backend::of(conn) == crate::Backend::Sqlite {
        return String::new();
    }
    let clause = match hold {
        Hold::Counting => "FOR KEY SHARE",
        Hold::Recounting => "FOR UPDATE",
    };
    if table.is_empty() { clause.to_owned() } else { format!("{clause} OF {table}") }
}

/// How a campaign's roll-ups count its assignments, its row held as `how` (see [`Hold`]).
async fn counting_held(conn: &mut AnyConnection, campaign: CampaignId, how: Option<Hold>) -> Result<Counting> {
    let lock = how.map(|how| hold(conn, how, "")).unwrap_or_default();
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT yellow_at, red_at, recount_after, recount_until, recount_yellow_at, recount_red_at
         FROM campaigns WHERE id = $1 {lock}"
    )))
    .bind(campaign.0)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    counting_from(&row)
}

/// How a campaign's roll-ups count its assignments now, for a write that changes its counts:
/// call it in the write's transaction before writing a count (on PostgreSQL it holds the
/// campaign's row until the commit, see [`Hold`]).
pub async fn counting_of(conn: &mut AnyConnection, campaign: CampaignId) -> Result<Counting> {
    counting_held(conn, campaign, Some(Hold::Counting)).await
}

/// The next `limit` assignments of a campaign with ids in `ids` (after, up to), as
/// [`counted_of_row`] reads them.
async fn counted_rows(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    ids: (i64, i64),
    limit: i64,
) -> Result<Vec<AnyRow>> {
    let rows = sqlx::query(
        "SELECT a.id, a.item_id, u.path, a.state, a.percent, a.starts_day, a.due_day
         FROM assignments a JOIN plan_items i ON i.id = a.item_id JOIN units u ON u.id = a.unit_id
         WHERE i.campaign_id = $1 AND a.id > $2 AND a.id <= $3 ORDER BY a.id LIMIT $4",
    )
    .bind(campaign.0)
    .bind(ids.0)
    .bind(ids.1)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// An assignment as counted, from a row of `a.id, a.item_id, u.path` and its progress columns.
fn counted_of_row(row: &AnyRow, tops: &HashMap<PlanItemId, PlanItemId>) -> Result<Counted> {
    let item = PlanItemId(row.try_get("item_id")?);
    Ok(Counted {
        assignment: row.try_get("id")?,
        top: tops.get(&item).copied().unwrap_or(item),
        unit: UnitPath::from_db(row.try_get("path")?),
        progress: crate::assignments::progress_of_row(row)?,
    })
}

/// Counts a campaign's roll-ups again from its assignments, whole: for the campaigns that
/// existed before roll-ups were kept, and for new thresholds while a recount of earlier ones is
/// still under way.
pub async fn rebuild(conn: &mut AnyConnection, campaign: CampaignId) -> Result<()> {
    let held = counting_held(conn, campaign, Some(Hold::Recounting)).await?;
    sqlx::query("DELETE FROM progress_cells WHERE campaign_id = $1").bind(campaign.0).execute(&mut *conn).await?;
    for table in TURN_TABLES {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE campaign_id = $1")))
            .bind(campaign.0)
            .execute(&mut *conn)
            .await?;
    }
    // Every assignment under the current thresholds: a recount under way has nothing left to do.
    recount::end(conn, campaign).await?;
    let counting = Counting { current: held.current, recount: None };
    let tops = tops_of_campaign(conn, campaign).await?;
    let mut changes = Changes::new(campaign, counting);
    // A page of assignments at a time: a national campaign has a million.
    const PAGE: i64 = 50_000;
    let mut after = 0_i64;
    loop {
        let rows = counted_rows(conn, campaign, (after, i64::MAX), PAGE).await?;
        for row in &rows {
            changes.add(&counted_of_row(row, &tops)?);
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => after = last.try_get("id")?,
            _ => break,
        }
    }
    changes.apply(conn).await?;
    sqlx::query("DELETE FROM progress_cells_pending WHERE campaign_id = $1").bind(campaign.0).execute(conn).await?;
    Ok(())
}

/// The campaigns whose roll-ups are still to be counted (see migration 0009).
pub async fn pending(conn: &mut AnyConnection) -> Result<Vec<CampaignId>> {
    let rows =
        sqlx::query("SELECT campaign_id FROM progress_cells_pending ORDER BY campaign_id").fetch_all(conn).await?;
    rows.iter().map(|row| Ok(CampaignId(row.try_get("campaign_id")?))).collect()
}

/// Carries the counts of a moved unit's subtree (its descendants', kept on the unit, and its
/// own) from its old ancestors to its new ones. Call it with the paths before and after the
/// move.
pub async fn move_subtree(conn: &mut AnyConnection, unit: UnitId, old: &UnitPath, new: &UnitPath) -> Result<()> {
    let above = |path: &UnitPath| -> Vec<UnitId> { path.ids().into_iter().filter(|id| *id != unit).collect() };
    let (old_above, new_above) = (above(old), above(new));
    let mut by_campaign: HashMap<i64, Changes> = HashMap::new();
    // The unit's own assignments, counted above it only.
    let own = sqlx::query(
        "SELECT a.id, i.campaign_id, a.item_id, a.state, a.percent, a.starts_day, a.due_day
         FROM assignments a JOIN plan_items i ON i.id = a.item_id WHERE a.unit_id = $1",
    )
    .bind(unit.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut tops: HashMap<i64, HashMap<PlanItemId, PlanItemId>> = HashMap::new();
    for row in &own {
        let campaign: i64 = row.try_get("campaign_id")?;
        if let std::collections::hash_map::Entry::Vacant(entry) = by_campaign.entry(campaign) {
            let counting = counting_of(conn, CampaignId(campaign)).await?;
            entry.insert(Changes::new(CampaignId(campaign), counting));
            tops.insert(campaign, tops_of_campaign(conn, CampaignId(campaign)).await?);
        }
        let item = PlanItemId(row.try_get("item_id")?);
        let top = tops.get(&campaign).and_then(|t| t.get(&item)).copied().unwrap_or(item);
        let progress = crate::assignments::progress_of_row(row)?;
        let assignment = row.try_get("id")?;
        if let Some(changes) = by_campaign.get_mut(&campaign) {
            changes.remove(&Counted { assignment, top, unit: old.clone(), progress });
            changes.add(&Counted { assignment, top, unit: new.clone(), progress });
        }
    }
    // What is counted on the unit (its descendants'), carried as it is: the turning days do
    // not depend on where the unit sits.
    fn changes_of(by: &mut HashMap<i64, Changes>, campaign: i64) -> &mut Changes {
        let steady = Counting { current: Thresholds::default(), recount: None };
        by.entry(campaign).or_insert_with(|| Changes::new(CampaignId(campaign), steady))
    }
    let cells = sqlx::query(
        "SELECT campaign_id, item_id, assignments, closed, permille_sum FROM progress_cells WHERE unit_id = $1",
    )
    .bind(unit.0)
    .fetch_all(&mut *conn)
    .await?;
    for row in &cells {
        let item = PlanItemId(row.try_get("item_id")?);
        let moved = CellDelta {
            assignments: row.try_get("assignments")?,
            closed: row.try_get("closed")?,
            permille_sum: row.try_get("permille_sum")?,
        };
        let changes = changes_of(&mut by_campaign, row.try_get("campaign_id")?);
        for (ancestors, sign) in [(&old_above, -1), (&new_above, 1)] {
            for ancestor in ancestors {
                let cell = changes.cells.entry((*ancestor, item)).or_default();
                cell.assignments += sign * moved.assignments;
                cell.closed += sign * moved.closed;
                cell.permille_sum += sign * moved.permille_sum;
            }
        }
    }
    for (index, table) in TURN_TABLES.into_iter().enumerate() {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT campaign_id, item_id, day, to_yellow, to_red FROM {table} WHERE unit_id = $1"
        )))
        .bind(unit.0)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            let (item, day) = (PlanItemId(row.try_get("item_id")?), row.try_get::<i64, _>("day")?);
            let moved: (i64, i64) = (row.try_get("to_yellow")?, row.try_get("to_red")?);
            let changes = changes_of(&mut by_campaign, row.try_get("campaign_id")?);
            for (ancestors, sign) in [(&old_above, -1), (&new_above, 1)] {
                for ancestor in ancestors {
                    let turn = changes.turns[index].entry((*ancestor, item, day)).or_default();
                    turn.0 += sign * moved.0;
                    turn.1 += sign * moved.1;
                }
            }
        }
    }
    for (_, changes) in by_campaign {
        changes.apply(conn).await?;
    }
    Ok(())
}

/// The tallies of a campaign's top-level items under each of `units` (each unit's whole
/// subtree: what is counted on it, and its own assignments), with the lights of `today`.
pub async fn tallies(
    conn: &mut AnyConnection,
    campaign: &Campaign,
    units: &[UnitId],
    today: Date,
) -> Result<HashMap<(UnitId, PlanItemId), Tally>> {
    let mut tallies: HashMap<(UnitId, PlanItemId), Tally> = HashMap::new();
    if units.is_empty() {
        return Ok(tallies);
    }
    let mut filters = of_units(campaign, "campaign_id", units, "unit_id");
    let cells = filters
        .query(format!(
            "SELECT unit_id, item_id, assignments, closed, permille_sum FROM progress_cells {} AND assignments > 0",
            filters.sql()
        ))
        .fetch_all(&mut *conn)
        .await?;
    for row in &cells {
        let key = (UnitId(row.try_get("unit_id")?), PlanItemId(row.try_get("item_id")?));
        let (assignments, closed): (i64, i64) = (row.try_get("assignments")?, row.try_get("closed")?);
        let tally = tallies.entry(key).or_default();
        tally.lights[Light::Done as usize] = closed.max(0) as u64;
        tally.lights[Light::Green as usize] = (assignments - closed).max(0) as u64;
        tally.permille_sum = row.try_get::<i64, _>("permille_sum")?.max(0) as u64;
    }
    // The months before this one, then this month's days up to today.
    let month = filters.bind(Bind::Int(month_key(today)));
    let day = filters.bind(Bind::Int(day_key(today)));
    let where_sql = filters.sql();
    let turned = filters
        .query(format!(
            "SELECT unit_id, item_id, CAST(SUM(to_yellow) AS BIGINT) AS yellow, CAST(SUM(to_red) AS BIGINT) AS red
             FROM (SELECT unit_id, item_id, to_yellow, to_red FROM light_turns_monthly {where_sql} AND day < {month}
                   UNION ALL
                   SELECT unit_id, item_id, to_yellow, to_red FROM light_turns {where_sql}
                       AND day >= {month} AND day <= {day}) AS turned
             GROUP BY unit_id, item_id"
        ))
        .fetch_all(&mut *conn)
        .await?;
    for row in &turned {
        let key = (UnitId(row.try_get("unit_id")?), PlanItemId(row.try_get("item_id")?));
        let Some(tally) = tallies.get_mut(&key) else { continue };
        // Red ones have turned yellow first (or the same day).
        let red = row.try_get::<i64, _>("red")?.max(0) as u64;
        let yellow = (row.try_get::<i64, _>("yellow")?.max(0) as u64).saturating_sub(red);
        let open = tally.lights[Light::Green as usize];
        let red = red.min(open);
        let yellow = yellow.min(open - red);
        tally.lights[Light::Red as usize] = red;
        tally.lights[Light::Yellow as usize] = yellow;
        tally.lights[Light::Green as usize] = open - red - yellow;
    }
    add_own(conn, campaign, units, today, &mut tallies).await?;
    Ok(tallies)
}

/// A filter on `campaign`'s rows of `units`, in the columns named.
fn of_units(campaign: &Campaign, campaign_column: &str, units: &[UnitId], unit_column: &str) -> Where {
    let mut filters = Where::default();
    let p = filters.bind(Bind::Int(campaign.id.0));
    filters.push(format!("{campaign_column} = {p}"));
    let listed: Vec<String> = units.iter().map(|u| filters.bind(Bind::Int(u.0))).collect();
    filters.push(format!("{unit_column} IN ({})", listed.join(", ")));
    filters
}

/// Adds the units' own assignments, read and lit one by one.
async fn add_own(
    conn: &mut AnyConnection,
    campaign: &Campaign,
    units: &[UnitId],
    today: Date,
    tallies: &mut HashMap<(UnitId, PlanItemId), Tally>,
) -> Result<()> {
    let filters = of_units(campaign, "i.campaign_id", units, "a.unit_id");
    let rows = filters
        .query(format!(
            "SELECT a.item_id, a.unit_id, a.state, a.percent, a.starts_day, a.due_day
             FROM assignments a JOIN plan_items i ON i.id = a.item_id {}",
            filters.sql()
        ))
        .fetch_all(&mut *conn)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let tops = tops_of_campaign(conn, campaign.id).await?;
    for row in &rows {
        let item = PlanItemId(row.try_get("item_id")?);
        let top = tops.get(&item).copied().unwrap_or(item);
        let progress = crate::assignments::progress_of_row(row)?;
        let tally = tallies.entry((UnitId(row.try_get("unit_id")?), top)).or_default();
        tally.lights[light(&progress, today, campaign.thresholds) as usize] += 1;
        tally.permille_sum += u64::from(progress.percent.min(100)) * 10;
    }
    Ok(())
}
