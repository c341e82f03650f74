//! Counting a campaign's turning days again after its thresholds changed, a step of
//! assignments per transaction (migration 26): the recount's watermark and the old thresholds
//! are kept on the campaign's row, and [`Counting`] tells every write which thresholds an
//! assignment is counted under meanwhile.

use std::collections::HashMap;

use pacesetter_domain::{
    ids::{CampaignId, PlanItemId},
    light::Thresholds,
};
use sqlx::{AnyConnection, Row};

use super::{Changes, Counting, Hold, counted_of_row, counted_rows, counting_held, tops_of_campaign};
use crate::{Result, StoreError};

/// Assignments a recount's step counts again in one transaction: a national campaign's
/// million in about a hundred steps, each holding the write lock for a fraction of a second.
pub const RECOUNT_STEP: i64 = 10_000;

/// Starts counting a campaign's turning days again after its thresholds changed from `old`:
/// every assignment there is now stays counted under `old` until a step reaches it. False,
/// starting nothing, when a recount is already under way (finish it first: [`finish_recount`]).
pub async fn begin_recount(conn: &mut AnyConnection, campaign: CampaignId, old: Thresholds) -> Result<bool> {
    if counting_held(conn, campaign, Some(Hold::Recounting)).await?.recount.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE campaigns SET recount_after = 0, recount_until = (SELECT COALESCE(MAX(id), 0) FROM assignments),
             recount_yellow_at = $2, recount_red_at = $3
         WHERE id = $1",
    )
    .bind(campaign.0)
    .bind(i64::from(old.yellow_at))
    .bind(i64::from(old.red_at))
    .execute(conn)
    .await?;
    Ok(true)
}

/// Counts the next `limit` assignments of a campaign's recount under its current thresholds
/// instead of the old ones; true once the recount is done (or when none was under way).
///
/// `tops` holds the campaign's [`tops_of_campaign`] for all the steps, read again when a step
/// meets a task it does not know (one created while the recount runs).
pub async fn recount_step(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    tops: &mut HashMap<PlanItemId, PlanItemId>,
    limit: i64,
) -> Result<bool> {
    let limit = limit.max(1);
    let counting = counting_held(conn, campaign, Some(Hold::Recounting)).await?;
    let Some(recount) = counting.recount else { return Ok(true) };
    let rows = counted_rows(conn, campaign, (recount.after, recount.until), limit).await?;
    for row in &rows {
        if !tops.contains_key(&PlanItemId(row.try_get("item_id")?)) {
            *tops = tops_of_campaign(conn, campaign).await?;
            break;
        }
    }
    let mut changes = Changes::new(campaign, counting);
    for row in &rows {
        let counted = counted_of_row(row, tops)?;
        changes.count_under(&counted, -1, recount.old);
        changes.count_under(&counted, 1, counting.current);
    }
    changes.apply(conn).await?;
    match rows.last() {
        Some(last) if rows.len() as i64 == limit => {
            sqlx::query("UPDATE campaigns SET recount_after = $2 WHERE id = $1")
                .bind(campaign.0)
                .bind(last.try_get::<i64, _>("id")?)
                .execute(conn)
                .await?;
            Ok(false)
        }
        _ => {
            end(conn, campaign).await?;
            Ok(true)
        }
    }
}

/// Clears a campaign's recount: every assignment is counted under its current thresholds.
pub(super) async fn end(conn: &mut AnyConnection, campaign: CampaignId) -> Result<()> {
    sqlx::query(
        "UPDATE campaigns SET recount_after = NULL, recount_until = NULL, recount_yellow_at = NULL,
             recount_red_at = NULL WHERE id = $1",
    )
    .bind(campaign.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Runs a campaign's recount, if one is under way, to its end, a step per transaction, so
/// that other writers wait for one step at most.
pub async fn finish_recount(store: &crate::Store, campaign: CampaignId) -> Result<()> {
    let mut tops = {
        let mut conn = store.read().await?;
        match counting_held(&mut conn, campaign, None).await {
            Ok(Counting { recount: Some(_), .. }) => tops_of_campaign(&mut conn, campaign).await?,
            Ok(_) | Err(StoreError::NotFound) => return Ok(()),
            Err(error) => return Err(error),
        }
    };
    loop {
        let mut tx = store.write_alone().await?;
        let done = recount_step(&mut tx, campaign, &mut tops, RECOUNT_STEP).await?;
        tx.commit().await?;
        if done {
            return Ok(());
        }
    }
}

/// The campaigns with a recount under way.
pub async fn recounting(conn: &mut AnyConnection) -> Result<Vec<CampaignId>> {
    let rows =
        sqlx::query("SELECT id FROM campaigns WHERE recount_after IS NOT NULL ORDER BY id").fetch_all(conn).await?;
    rows.iter().map(|row| Ok(CampaignId(row.try_get("id")?))).collect()
}
