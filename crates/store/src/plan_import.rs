//! Bulk writes for a task-breakdown import: a national sheet holds 100,000 tasks, so new tasks,
//! their co-units and their assignments go in as multi-row INSERTs, a few hundred rows per
//! statement, instead of one round trip per row.

use std::collections::HashMap;

use pacesetter_domain::{
    Timestamp, UnitId,
    ids::{CampaignId, PlanItemId},
    light::Progress,
    plan::ItemFields,
    timestamp::format_date,
};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use time::Date;

use crate::{Result, StoreError, progress_cells, sql::placeholders};

/// Rows per INSERT: 2,000 rows of at most 13 values stay under both backends' limits on bound
/// values (SQLite 32,766, PostgreSQL 65,535).
const BATCH: usize = 2_000;

/// A key task to create, with the units it is fanned out to.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub parent: Option<PlanItemId>,
    pub depth: u8,
    pub fields: ItemFields,
    pub lead: UnitId,
    pub co_units: Vec<UnitId>,
    pub starts: Date,
    /// The assignments' deadline: the task's own, or the campaign's end for a task without one.
    pub due: Date,
}

impl NewTask {
    /// The lead unit and the co-units, each once.
    pub fn targets(&self) -> Vec<UnitId> {
        let mut targets = vec![self.lead];
        for unit in &self.co_units {
            if !targets.contains(unit) {
                targets.push(*unit);
            }
        }
        targets
    }
}

/// How many children each parent has now, so new items go after them.
async fn next_positions(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    tasks: &[NewTask],
) -> Result<HashMap<Option<PlanItemId>, i64>> {
    let mut next = HashMap::new();
    for task in tasks {
        if next.contains_key(&task.parent) {
            continue;
        }
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM plan_items WHERE campaign_id = $1 AND COALESCE(parent_id, 0) = COALESCE($2, 0)",
        )
        .bind(campaign.0)
        .bind(task.parent.map(|p| p.0))
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        next.insert(task.parent, count);
    }
    Ok(next)
}

/// Creates the tasks with their co-units and one assignment per target unit; returns the new
/// ids in the order of `tasks`.
pub async fn insert_tasks(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    tasks: &[NewTask],
    now: Timestamp,
) -> Result<Vec<PlanItemId>> {
    let mut next = next_positions(conn, campaign, tasks).await?;
    // Each new task's (parent, position) is unique, which maps the returned ids back to tasks
    // whatever order the database returns them in.
    let mut keys = Vec::with_capacity(tasks.len());
    for task in tasks {
        let position = next.entry(task.parent).or_insert(0);
        keys.push((task.parent, *position));
        *position += 1;
    }
    // The same for every row, and only digits and `-:.TZ`: written into the statements rather
    // than bound 2 × 400,000 times.
    let stamp = now.to_db();
    if !stamp.chars().all(|c| c.is_ascii_digit() || "-:.TZ".contains(c)) {
        return Err(StoreError::Database(sqlx::Error::Protocol(format!("unexpected timestamp {stamp}"))));
    }
    let constant = format!(", {}, '{stamp}', '{stamp}'", campaign.0);
    let mut ids: HashMap<(Option<PlanItemId>, i64), PlanItemId> = HashMap::with_capacity(tasks.len());
    for (chunk, chunk_keys) in tasks.chunks(BATCH).zip(keys.chunks(BATCH)) {
        let sql = format!(
            "INSERT INTO plan_items (parent_id, depth, code, title, description, weight, lead_unit_id,
                 starts_on, due_on, position, campaign_id, created_at, updated_at)
             VALUES {} RETURNING id, parent_id, position",
            placeholders(conn, chunk.len(), 10, &constant)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (task, (parent, position)) in chunk.iter().zip(chunk_keys) {
            query = query
                .bind(parent.map(|p| p.0))
                .bind(i64::from(task.depth))
                .bind(task.fields.code.clone())
                .bind(task.fields.title.clone())
                .bind(task.fields.description.clone())
                .bind(i64::from(task.fields.weight))
                .bind(task.lead.0)
                .bind(format_date(task.starts))
                .bind(task.fields.due_on.map(format_date))
                .bind(*position);
        }
        let rows = query.fetch_all(&mut *conn).await.map_err(StoreError::on_unique("code"))?;
        for row in rows {
            let parent = row.try_get::<Option<i64>, _>("parent_id")?.map(PlanItemId);
            ids.insert((parent, row.try_get("position")?), PlanItemId(row.try_get("id")?));
        }
    }
    let ids: Vec<PlanItemId> =
        keys.iter().map(|key| ids.get(key).copied().ok_or(StoreError::NotFound)).collect::<Result<_>>()?;
    let co_units: Vec<(PlanItemId, UnitId)> =
        tasks.iter().zip(&ids).flat_map(|(task, id)| task.co_units.iter().map(move |unit| (*id, *unit))).collect();
    for chunk in co_units.chunks(BATCH) {
        let sql =
            format!("INSERT INTO task_co_units (item_id, unit_id) VALUES {}", placeholders(conn, chunk.len(), 2, ""));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (item, unit) in chunk {
            query = query.bind(item.0).bind(unit.0);
        }
        query.execute(&mut *conn).await?;
    }
    let assignments: Vec<(PlanItemId, UnitId, &NewTask)> = tasks
        .iter()
        .zip(&ids)
        .flat_map(|(task, id)| task.targets().into_iter().map(move |unit| (*id, unit, task)))
        .collect();
    // The roll-ups count an assignment under the thresholds its id decides: keep the ids.
    let mut assignment_ids: HashMap<(PlanItemId, UnitId), i64> = HashMap::with_capacity(assignments.len());
    for chunk in assignments.chunks(BATCH) {
        // Every new assignment starts assigned at 0 %: written into each row, not bound.
        let sql = format!(
            "INSERT INTO assignments (item_id, unit_id, starts_day, due_day, created_at, updated_at, state, percent)
             VALUES {} RETURNING id, item_id, unit_id",
            placeholders(conn, chunk.len(), 4, &format!(", '{stamp}', '{stamp}', 'assigned', 0"))
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (item, unit, task) in chunk {
            query = query
                .bind(item.0)
                .bind(unit.0)
                .bind(i64::from(task.starts.to_julian_day()))
                .bind(i64::from(task.due.to_julian_day()));
        }
        for row in query.fetch_all(&mut *conn).await? {
            let key = (PlanItemId(row.try_get("item_id")?), UnitId(row.try_get("unit_id")?));
            assignment_ids.insert(key, row.try_get("id")?);
        }
    }
    count_new_assignments(conn, campaign, &assignments, &assignment_ids).await?;
    let started: Vec<(UnitId, Date)> = assignments.iter().map(|(_, unit, task)| (*unit, task.starts)).collect();
    crate::inspections::burden::count_assignments(conn, &started).await?;
    Ok(ids)
}

/// Counts new assignments (assigned, at 0 %) into the dashboard's roll-ups.
async fn count_new_assignments(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    assignments: &[(PlanItemId, UnitId, &NewTask)],
    ids: &HashMap<(PlanItemId, UnitId), i64>,
) -> Result<()> {
    let counting = progress_cells::counting_of(conn, campaign).await?;
    let tops = progress_cells::tops_of_campaign(conn, campaign).await?;
    let units: Vec<UnitId> = assignments.iter().map(|(_, unit, _)| *unit).collect();
    let paths = crate::units::paths_of(conn, &units).await?;
    let mut changes = progress_cells::Changes::new(campaign, counting);
    for (item, unit, task) in assignments {
        let counted = progress_cells::Counted {
            assignment: ids.get(&(*item, *unit)).copied().ok_or(StoreError::NotFound)?,
            top: tops.get(item).copied().unwrap_or(*item),
            unit: paths.get(unit).cloned().ok_or(StoreError::NotFound)?,
            progress: Progress { start: task.starts, deadline: task.due, percent: 0, closed: false },
        };
        changes.add(&counted);
    }
    changes.apply(conn).await
}

/// A count and the latest change of some rows.
pub type Version = (i64, Option<String>);

/// What checking a task sheet against a campaign depends on, to tell whether a check still
/// holds: the campaign's items, their co-units (a count: they change with their item), and
/// the units.
pub async fn versions(conn: &mut AnyConnection, campaign: CampaignId) -> Result<(Version, i64, Version)> {
    let version = |row: &sqlx::any::AnyRow| -> Result<Version> { Ok((row.try_get("n")?, row.try_get("latest")?)) };
    let items = sqlx::query("SELECT COUNT(*) AS n, MAX(updated_at) AS latest FROM plan_items WHERE campaign_id = $1")
        .bind(campaign.0)
        .fetch_one(&mut *conn)
        .await?;
    let co_units = sqlx::query(
        "SELECT COUNT(*) AS n FROM task_co_units c JOIN plan_items i ON i.id = c.item_id WHERE i.campaign_id = $1",
    )
    .bind(campaign.0)
    .fetch_one(&mut *conn)
    .await?;
    let units = sqlx::query("SELECT COUNT(*) AS n, MAX(updated_at) AS latest FROM units").fetch_one(conn).await?;
    Ok((version(&items)?, co_units.try_get("n")?, version(&units)?))
}

/// The co-units of every task of a campaign, by task.
pub async fn co_units_by_task(
    conn: &mut AnyConnection,
    campaign: CampaignId,
) -> Result<HashMap<PlanItemId, Vec<UnitId>>> {
    let rows = sqlx::query(
        "SELECT c.item_id, c.unit_id FROM task_co_units c JOIN plan_items i ON i.id = c.item_id
         WHERE i.campaign_id = $1 ORDER BY c.item_id, c.unit_id",
    )
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    let mut by_task: HashMap<PlanItemId, Vec<UnitId>> = HashMap::new();
    for row in rows {
        by_task.entry(PlanItemId(row.try_get("item_id")?)).or_default().push(UnitId(row.try_get("unit_id")?));
    }
    Ok(by_task)
}
