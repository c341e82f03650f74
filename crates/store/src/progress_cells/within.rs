//! How many assignments a scope holds, counted from the roll-ups kept on its roots rather than
//! row by row: what a list across a national tree needs to choose how to read its page.

use pacesetter_domain::{UnitId, ids::CampaignId, unit::UnitPath};
use sqlx::{AnyConnection, Row};

use super::pending;
use crate::{
    Result,
    sql::{Bind, Where},
    units,
};

/// Assignments in the subtrees of some roots (`scoped`, the roots' own included) and in the
/// whole tree (`total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Within {
    pub scoped: i64,
    pub total: i64,
}

/// How many assignments (of `campaign`, or of every campaign) the subtrees of `roots` hold,
/// beside how many the whole tree holds, from the counts kept on the roots and the roots' own
/// assignments: a few thousand rows where counting the assignments reads millions. `None` while
/// a campaign's roll-ups are still to be counted (see [`pending`]). `roots` must not nest.
pub async fn assignments_within(
    conn: &mut AnyConnection,
    campaign: Option<CampaignId>,
    roots: &[UnitPath],
) -> Result<Option<Within>> {
    let pending = pending(&mut *conn).await?;
    let counted = match campaign {
        Some(campaign) => !pending.contains(&campaign),
        None => pending.is_empty(),
    };
    if !counted {
        return Ok(None);
    }
    let tree: Vec<UnitId> = units::roots(&mut *conn).await?.iter().map(|unit| unit.id).collect();
    let root_units: Vec<UnitId> = roots.iter().filter_map(|root| root.ids().last().copied()).collect();
    let scoped = assignments_under(&mut *conn, campaign, &root_units).await?;
    let total = assignments_under(conn, campaign, &tree).await?;
    Ok(Some(Within { scoped, total }))
}

/// The assignments of `units` and of their subtrees (which must not overlap).
async fn assignments_under(conn: &mut AnyConnection, campaign: Option<CampaignId>, units: &[UnitId]) -> Result<i64> {
    if units.is_empty() {
        return Ok(0);
    }
    let mut filters = Where::default();
    let listed: Vec<String> = units.iter().map(|u| filters.bind(Bind::Int(u.0))).collect();
    let listed = listed.join(", ");
    // The cells are read by their key (campaign, unit, item): each campaign in turn.
    let (campaigns, of_campaign) = match campaign {
        Some(campaign) => {
            let p = filters.bind(Bind::Int(campaign.0));
            // `+`: the units' own few, found by unit, not the campaign's million by task.
            (p.clone(), format!("AND +a.item_id IN (SELECT id FROM plan_items WHERE campaign_id = {p})"))
        }
        None => ("SELECT id FROM campaigns".to_owned(), String::new()),
    };
    let n: i64 = filters
        .query(format!(
            "SELECT CAST((SELECT COALESCE(SUM(assignments), 0) FROM progress_cells
                     WHERE campaign_id IN ({campaigns}) AND unit_id IN ({listed}))
                 + (SELECT COUNT(*) FROM assignments a WHERE a.unit_id IN ({listed}) {of_campaign})
             AS BIGINT) AS n"
        ))
        .fetch_one(conn)
        .await?
        .try_get("n")?;
    Ok(n)
}
