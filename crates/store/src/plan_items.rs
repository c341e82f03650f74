//! The items of a campaign's plan, and the co-units of key tasks.

use std::collections::HashMap;

use pacesetter_domain::{
    Timestamp, UnitId,
    ids::{CampaignId, PlanItemId},
    plan::{ItemFields, PlanItem},
    timestamp::format_date,
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{Result, StoreError, campaigns::opt_date, row::Columns};

pub(crate) const COLUMNS: &str = "id, campaign_id, parent_id, depth, code, title, title_bo, description, weight, lead_unit_id, \
                       starts_on, due_on, position, version";

fn from_row(row: &AnyRow) -> Result<PlanItem> {
    from_columns(row, Columns::PLAIN)
}

/// [`from_row`] with the columns named as `c` says.
pub(crate) fn from_columns(row: &AnyRow, c: Columns) -> Result<PlanItem> {
    Ok(PlanItem {
        id: PlanItemId(row.try_get(&*c.name("id"))?),
        campaign_id: CampaignId(row.try_get(&*c.name("campaign_id"))?),
        parent_id: row.try_get::<Option<i64>, _>(&*c.name("parent_id"))?.map(PlanItemId),
        depth: row.try_get::<i64, _>(&*c.name("depth"))? as u8,
        code: row.try_get(&*c.name("code"))?,
        title: row.try_get(&*c.name("title"))?,
        title_bo: row.try_get(&*c.name("title_bo"))?,
        description: row.try_get(&*c.name("description"))?,
        weight: row.try_get::<i64, _>(&*c.name("weight"))? as u32,
        lead_unit_id: row.try_get::<Option<i64>, _>(&*c.name("lead_unit_id"))?.map(UnitId),
        starts_on: opt_date(row, &c.name("starts_on"))?,
        due_on: opt_date(row, &c.name("due_on"))?,
        position: row.try_get(&*c.name("position"))?,
        version: row.try_get(&*c.name("version"))?,
    })
}

/// Inserts an item at the end of its parent's children.
pub async fn insert(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    parent: Option<PlanItemId>,
    depth: u8,
    fields: &ItemFields,
    lead_unit: Option<UnitId>,
    now: Timestamp,
) -> Result<PlanItem> {
    let position: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM plan_items WHERE campaign_id = $1 AND COALESCE(parent_id, 0) = COALESCE($2, 0)",
    )
    .bind(campaign.0)
    .bind(parent.map(|p| p.0))
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    let row = sqlx::query(
        "INSERT INTO plan_items (campaign_id, parent_id, depth, code, title, title_bo, description, weight, lead_unit_id,
             starts_on, due_on, position, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(campaign.0)
    .bind(parent.map(|p| p.0))
    .bind(i64::from(depth))
    .bind(fields.code.clone())
    .bind(fields.title.clone())
    .bind(fields.title_bo.clone())
    .bind(fields.description.clone())
    .bind(i64::from(fields.weight))
    .bind(lead_unit.map(|u| u.0))
    .bind(fields.starts_on.map(format_date))
    .bind(fields.due_on.map(format_date))
    .bind(position)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::on_unique("code"))?;
    get(conn, PlanItemId(row.try_get("id")?)).await
}

pub async fn get(conn: &mut AnyConnection, id: PlanItemId) -> Result<PlanItem> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM plan_items WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The items with these ids, in no particular order; ids not found are left out.
pub async fn get_many(conn: &mut AnyConnection, ids: &[PlanItemId]) -> Result<Vec<PlanItem>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let rows = crate::sql::rows_where_in(conn, &format!("SELECT {COLUMNS} FROM plan_items"), "id", &ids).await?;
    rows.iter().map(from_row).collect()
}

pub async fn find_by_code(conn: &mut AnyConnection, campaign: CampaignId, code: &str) -> Result<Option<PlanItem>> {
    let row =
        sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM plan_items WHERE campaign_id = $1 AND code = $2")))
            .bind(campaign.0)
            .bind(code.to_owned())
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every item of a campaign, parents before children, siblings in order.
pub async fn all(conn: &mut AnyConnection, campaign: CampaignId) -> Result<Vec<PlanItem>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM plan_items WHERE campaign_id = $1 ORDER BY depth, parent_id, position, id"
    )))
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every item below `item`, at any depth, parents before children, siblings in order.
pub async fn below(conn: &mut AnyConnection, item: PlanItemId) -> Result<Vec<PlanItem>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "WITH RECURSIVE down (id) AS (SELECT id FROM plan_items WHERE parent_id = $1
             UNION ALL SELECT c.id FROM plan_items c JOIN down ON c.parent_id = down.id)
         SELECT {COLUMNS} FROM plan_items WHERE id IN (SELECT id FROM down) ORDER BY depth, parent_id, position, id"
    )))
    .bind(item.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The top-level items of a campaign, in order.
pub async fn top_level(conn: &mut AnyConnection, campaign: CampaignId) -> Result<Vec<PlanItem>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM plan_items WHERE campaign_id = $1 AND parent_id IS NULL ORDER BY position, id"
    )))
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn update(
    conn: &mut AnyConnection,
    id: PlanItemId,
    version: i64,
    fields: &ItemFields,
    lead_unit: Option<UnitId>,
    now: Timestamp,
) -> Result<PlanItem> {
    let result = sqlx::query(
        "UPDATE plan_items SET code = $1, title = $2, title_bo = $3, description = $4, weight = $5, lead_unit_id = $6,
             starts_on = $7, due_on = $8, version = version + 1, updated_at = $9
         WHERE id = $10 AND version = $11",
    )
    .bind(fields.code.clone())
    .bind(fields.title.clone())
    .bind(fields.title_bo.clone())
    .bind(fields.description.clone())
    .bind(i64::from(fields.weight))
    .bind(lead_unit.map(|u| u.0))
    .bind(fields.starts_on.map(format_date))
    .bind(fields.due_on.map(format_date))
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::on_unique("code"))?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get(conn, id).await));
    }
    get(conn, id).await
}

pub async fn set_co_units(conn: &mut AnyConnection, item: PlanItemId, units: &[UnitId]) -> Result<()> {
    sqlx::query("DELETE FROM task_co_units WHERE item_id = $1").bind(item.0).execute(&mut *conn).await?;
    for unit in units {
        sqlx::query("INSERT INTO task_co_units (item_id, unit_id) VALUES ($1, $2)")
            .bind(item.0)
            .bind(unit.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn co_units(conn: &mut AnyConnection, item: PlanItemId) -> Result<Vec<UnitId>> {
    let rows = sqlx::query("SELECT unit_id FROM task_co_units WHERE item_id = $1 ORDER BY unit_id")
        .bind(item.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(UnitId(r.try_get("unit_id")?))).collect()
}

/// The co-units of each of these tasks, in unit order; a task without any is left out.
pub async fn co_units_of(conn: &mut AnyConnection, items: &[PlanItemId]) -> Result<HashMap<PlanItemId, Vec<UnitId>>> {
    let ids: Vec<i64> = items.iter().map(|id| id.0).collect();
    let rows = crate::sql::rows_where_in(conn, "SELECT item_id, unit_id FROM task_co_units", "item_id", &ids).await?;
    let mut found: HashMap<PlanItemId, Vec<UnitId>> = HashMap::new();
    for row in &rows {
        found.entry(PlanItemId(row.try_get("item_id")?)).or_default().push(UnitId(row.try_get("unit_id")?));
    }
    for units in found.values_mut() {
        units.sort();
    }
    Ok(found)
}
