//! Indicators of key tasks and the values progress updates report for them.

use pacesetter_domain::{
    ids::{AssignmentId, EventId, IndicatorId, PlanItemId},
    indicator::{Indicator, IndicatorSpec},
};
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::Result;

fn from_row(row: &AnyRow) -> Result<Indicator> {
    Ok(Indicator {
        id: IndicatorId(row.try_get("id")?),
        item_id: PlanItemId(row.try_get("item_id")?),
        name: row.try_get("name")?,
        unit: row.try_get("unit")?,
        target: row.try_get("target")?,
    })
}

/// A task's indicators, in the order the coordinator listed them.
pub async fn for_item(conn: &mut AnyConnection, item: PlanItemId) -> Result<Vec<Indicator>> {
    let rows = sqlx::query(
        "SELECT id, item_id, name, unit, target FROM task_indicators WHERE item_id = $1 ORDER BY position, id",
    )
    .bind(item.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Makes a task's indicators `specs`: an indicator keeps its id (and its reported values) while
/// its name stays; one no longer listed goes, with its values.
pub async fn set_for_item(conn: &mut AnyConnection, item: PlanItemId, specs: &[IndicatorSpec]) -> Result<()> {
    let existing = for_item(&mut *conn, item).await?;
    for old in existing.iter().filter(|old| !specs.iter().any(|s| s.name == old.name)) {
        sqlx::query("DELETE FROM task_indicators WHERE id = $1").bind(old.id.0).execute(&mut *conn).await?;
    }
    for (position, spec) in specs.iter().enumerate() {
        match existing.iter().find(|old| old.name == spec.name) {
            Some(old) => {
                sqlx::query("UPDATE task_indicators SET unit = $1, target = $2, position = $3 WHERE id = $4")
                    .bind(spec.unit.clone())
                    .bind(spec.target.clone())
                    .bind(position as i64)
                    .bind(old.id.0)
                    .execute(&mut *conn)
                    .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO task_indicators (item_id, position, name, unit, target) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(item.0)
                .bind(position as i64)
                .bind(spec.name.clone())
                .bind(spec.unit.clone())
                .bind(spec.target.clone())
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// Records the values a progress update reported: (indicator id, canonical decimal).
pub async fn add_values(conn: &mut AnyConnection, event: EventId, values: &[(IndicatorId, String)]) -> Result<()> {
    for (indicator, value) in values {
        sqlx::query("INSERT INTO indicator_values (event_id, indicator_id, value) VALUES ($1, $2, $3)")
            .bind(event.0)
            .bind(indicator.0)
            .bind(value.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The latest value of every indicator on every assignment of a campaign:
/// (assignment id, indicator, value), in the order of the task's indicators.
pub async fn latest_for_campaign(
    conn: &mut AnyConnection,
    campaign: pacesetter_domain::ids::CampaignId,
) -> Result<Vec<(AssignmentId, Indicator, String)>> {
    let rows = sqlx::query(
        "SELECT e.assignment_id, t.id, t.item_id, t.name, t.unit, t.target, v.value
         FROM indicator_values v
         JOIN assignment_events e ON e.id = v.event_id
         JOIN task_indicators t ON t.id = v.indicator_id
         JOIN plan_items i ON i.id = t.item_id
         WHERE i.campaign_id = $1
         ORDER BY e.assignment_id, t.position, t.id, v.event_id DESC",
    )
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    let mut latest: Vec<(AssignmentId, Indicator, String)> = Vec::new();
    for row in &rows {
        let assignment = AssignmentId(row.try_get("assignment_id")?);
        let indicator = from_row(row)?;
        // Rows of one (assignment, indicator) come newest first: keep the first.
        let seen = latest.last().is_some_and(|(a, i, _)| *a == assignment && i.id == indicator.id);
        if !seen {
            latest.push((assignment, indicator, row.try_get("value")?));
        }
    }
    Ok(latest)
}
