//! How many assignments a scope holds, counted from the roll-ups kept on its roots rather than
//! row by row: what a list across a national tree needs to choose how to read its page.

use pacesetter_domain::{UnitId, ids::CampaignId, unit::UnitPath};
use sqlx::{AnyConnection, Row};

use crate::{
    Result,
    sql::{Bind, Where},
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
/// a campaign's roll-ups are still to be counted (see [`super::pending`]). `roots` must not nest.
pub async fn assignments_within(
    conn: &mut AnyConnection,
    campaign: Option<CampaignId>,
    roots: &[UnitPath],
) -> Result<Option<Within>> {
    let root_units: Vec<UnitId> = roots.iter().filter_map(|root| root.ids().last().copied()).collect();
    let mut filters = Where::default();
    let listed: Vec<String> = root_units.iter().map(|u| filters.bind(Bind::Int(u.0))).collect();
    // The cells are read by their key (campaign, unit, item): each campaign in turn.
    let (campaigns, of_campaign, uncounted) = match campaign {
        Some(campaign) => {
            let p = filters.bind(Bind::Int(campaign.0));
            // `+`: the units' own few, found by unit, not the campaign's million by task.
            let of_campaign = format!("AND +a.item_id IN (SELECT id FROM plan_items WHERE campaign_id = {p})");
            (p.clone(), of_campaign, format!("WHERE campaign_id = {p}"))
        }
        None => ("SELECT id FROM campaigns".to_owned(), String::new(), String::new()),
    };
    // The assignments of some units and of their subtrees (which must not overlap).
    let under = |units: &str| {
        format!(
            "CAST((SELECT COALESCE(SUM(assignments), 0) FROM progress_cells
                   WHERE campaign_id IN ({campaigns}) AND unit_id IN ({units}))
               + (SELECT COUNT(*) FROM assignments a WHERE a.unit_id IN ({units}) {of_campaign}) AS BIGINT)"
        )
    };
    let scoped = if listed.is_empty() { "CAST(0 AS BIGINT)".to_owned() } else { under(&listed.join(", ")) };
    let total = under("SELECT id FROM units WHERE parent_id IS NULL");
    // Counted even while the roll-ups are being counted (see `pending`), then not used.
    let row = filters
        .query(format!(
            "SELECT {scoped} AS scoped, {total} AS total,
                    CAST((SELECT COUNT(*) FROM progress_cells_pending {uncounted}) AS BIGINT) AS uncounted"
        ))
        .fetch_one(conn)
        .await?;
    if row.try_get::<i64, _>("uncounted")? > 0 {
        return Ok(None);
    }
    Ok(Some(Within { scoped: row.try_get("scoped")?, total: row.try_get("total")? }))
}
