//! The findings ledger (问题台账): findings filtered, counted and charted by month, the
//! inspections page built on it, and the deductions an evaluation takes from it.

use std::collections::{BTreeSet, HashMap};

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    ids::CampaignId,
    inspection::{RectificationState, Severity, records::RoundId},
    plan::Campaign,
    unit::Unit,
};
use pacesetter_store::{
    Conn, campaigns, evaluations, inspections as store,
    inspections::{LedgerFilter, LedgerLine},
    units,
};
use serde_json::json;
use time::Date;

use crate::{Actor, App, AppError, PageRequest, Resource, Result, plans::load_campaign};

/// What the findings ledger lists, as asked for.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    pub round: Option<RoundId>,
    /// Only findings of this unit and the units below it.
    pub under: Option<UnitId>,
    pub severity: Option<Severity>,
    pub state: Option<RectificationState>,
    /// Only items past their deadline with the unit still to respond.
    pub overdue: bool,
    /// Only findings whose category, description or unit's name contains this text.
    pub q: Option<String>,
    /// Counted from 1, like every list.
    pub page: PageRequest,
}

/// The store's filter for a ledger query: the units the caller sees, or the subtree asked for
/// within them; and the campaign's day, which overdue is judged on (pinned for the demo).
async fn ledger_filter(
    conn: &mut Conn,
    actor: &Actor,
    campaign: CampaignId,
    query: &LedgerQuery,
) -> Result<(LedgerFilter, Date)> {
    let today =
        campaigns::get(conn, campaign).await.map_err(AppError::from_store(Resource::Campaign))?.today(Timestamp::now());
    let under = match query.under {
        Some(under) => Some(units::get(conn, under).await.map_err(|_| AppError::invalid("under", "unit_not_found"))?),
        None => None,
    };
    Ok((filter_of(actor, query, under.as_ref(), today)?, today))
}

/// [`ledger_filter`] with the campaign's day and the unit `query.under` names already read.
fn filter_of(actor: &Actor, query: &LedgerQuery, under: Option<&Unit>, today: Date) -> Result<LedgerFilter> {
    let mut roots = actor.scope.roots(Permission::ViewUnits);
    if let Some(unit) = under {
        roots = unit.path.narrow(&roots);
        // Out of scope answers as missing does, so that the answer does not tell them apart.
        if roots.is_empty() {
            return Err(AppError::invalid("under", "unit_not_found"));
        }
    }
    Ok(LedgerFilter {
        round: query.round,
        within: Some(roots),
        severity: query.severity,
        state: query.state,
        overdue_before: query.overdue.then_some(today),
        text: crate::text::search_term(query.q.as_deref())?,
    })
}

/// How many findings of the ledger `query` asks for stand in each rectification state (every
/// state, in order, zero where none), and how many are overdue.
pub async fn ledger_counts(
    app: &App,
    actor: &Actor,
    campaign: CampaignId,
    query: &LedgerQuery,
) -> Result<(Vec<(RectificationState, i64)>, i64)> {
    let mut conn = app.store.read().await?;
    let (filter, today) = ledger_filter(&mut conn, actor, campaign, query).await?;
    counts_of(&mut conn, campaign, &filter, today).await
}

/// Per month of `year` (January first, twelve entries), how many findings the ledger `query`
/// asks for were recorded and how many rectification items were closed.
pub async fn ledger_trend(
    app: &App,
    actor: &Actor,
    campaign: CampaignId,
    query: &LedgerQuery,
    year: i32,
) -> Result<Vec<(i64, i64)>> {
    let mut conn = app.store.read().await?;
    let (filter, _) = ledger_filter(&mut conn, actor, campaign, query).await?;
    trend_of(&mut conn, campaign, &filter, year).await
}

/// The findings of a campaign's units within `under` (or all the actor sees): their counts by
/// state, how many are overdue, and their trend over the campaign's year; as the dashboard
/// shows them beside its board, read on the board's connection.
pub(crate) async fn ledger_summary(
    conn: &mut Conn,
    actor: &Actor,
    campaign: &Campaign,
    under: Option<&Unit>,
    today: Date,
) -> Result<LedgerSummary> {
    let query = LedgerQuery { under: under.map(|unit| unit.id), ..LedgerQuery::default() };
    let filter = filter_of(actor, &query, under, today)?;
    let (counts, overdue) = counts_of(conn, campaign.id, &filter, today).await?;
    let by_month = trend_of(conn, campaign.id, &filter, campaign.year).await?;
    Ok(LedgerSummary { counts, overdue, by_month })
}

/// See [`ledger_summary`].
pub(crate) struct LedgerSummary {
    pub counts: Vec<(RectificationState, i64)>,
    pub overdue: i64,
    pub by_month: Vec<(i64, i64)>,
}

async fn counts_of(
    conn: &mut Conn,
    campaign: CampaignId,
    filter: &LedgerFilter,
    today: Date,
) -> Result<(Vec<(RectificationState, i64)>, i64)> {
    let (found, late) = store::ledger_counts(conn, campaign, filter, today).await?;
    let counts = RectificationState::ALL
        .iter()
        .map(|state| (*state, found.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n)))
        .collect();
    Ok((counts, late))
}

async fn trend_of(conn: &mut Conn, campaign: CampaignId, filter: &LedgerFilter, year: i32) -> Result<Vec<(i64, i64)>> {
    let mut months = vec![(0, 0); 12];
    for (month, found, closed) in store::ledger_trend(conn, campaign, filter, year).await? {
        if let Some(slot) = months.get_mut(usize::from(month).wrapping_sub(1)) {
            *slot = (found, closed);
        }
    }
    Ok(months)
}

/// A campaign's findings ledger: those of the units the caller sees (the office sees the
/// region); newest first, a page at a time, with the number matching.
pub async fn ledger(
    app: &App,
    actor: &Actor,
    campaign: CampaignId,
    query: &LedgerQuery,
) -> Result<(Vec<LedgerLine>, i64)> {
    let mut conn = app.store.read().await?;
    let (filter, _) = ledger_filter(&mut conn, actor, campaign, query).await?;
    let page = PageRequest { per_page: query.page.per_page.min(200), ..query.page };
    Ok(store::ledger(&mut conn, campaign, &filter, page.offset(), page.per_page).await?)
}

/// Deduction items (扣分项) for an evaluation scheme from its campaign's findings whose
/// rectification is overdue or was reopened: one item per finding, of `per` points, on the
/// finding's unit when the scheme ranks it, its source naming the finding and its link pointing
/// to it (`/findings/{id}`). A finding already deducted in this scheme is skipped, so running it
/// again adds only what is new. Returns the items created.
pub async fn deduct_from_findings(
    app: &App,
    actor: &Actor,
    scheme: pacesetter_domain::evaluation::records::SchemeId,
    per: rust_decimal::Decimal,
) -> Result<Vec<pacesetter_domain::evaluation::records::Item>> {
    use crate::evaluations::entries::{self, ItemInput};
    let (members, linked, lines, today) = {
        let mut conn = app.store.read().await?;
        let stored =
            evaluations::get_scheme(&mut conn, scheme).await.map_err(AppError::from_store(Resource::Evaluation))?;
        let (campaign, office) = load_campaign(&mut conn, stored.campaign_id).await?;
        actor.require(Permission::ManagePlans, &office.path)?;
        let today = campaign.today(Timestamp::now());
        let members: BTreeSet<UnitId> =
            evaluations::member_units(&mut conn, scheme, None).await?.into_iter().map(|u| u.id).collect();
        let linked: BTreeSet<String> =
            evaluations::items(&mut conn, scheme, None).await?.into_iter().filter_map(|i| i.source_link).collect();
        let filter = LedgerFilter::default();
        let (mut lines, mut offset) = (Vec::new(), 0);
        loop {
            let (page, total) = store::ledger(&mut conn, stored.campaign_id, &filter, offset, 200).await?;
            offset += page.len() as i64;
            let done = page.is_empty() || offset >= total;
            lines.extend(page);
            if done {
                break;
            }
        }
        (members, linked, lines, today)
    };
    let mut created = Vec::new();
    for line in lines {
        let Some(item) = &line.rectification else { continue };
        let late = item.state.is_overdue(item.due_on, today);
        if !(late || item.state == RectificationState::Reopened) || !members.contains(&line.finding.unit_id) {
            continue;
        }
        let link = format!("/findings/{}", line.finding.id.0);
        if linked.contains(&link) {
            continue;
        }
        let why = if late { "整改逾期" } else { "整改被退回" };
        let input = ItemInput {
            unit: line.finding.unit_id,
            effect: json!({ "kind": "deduction", "count": 1, "per": per.to_string() }),
            source: format!("督导问题{why}：{}", line.finding.description.chars().take(200).collect::<String>()),
            source_link: Some(link),
        };
        created.push(entries::add_item(app, actor, scheme, &input).await?);
    }
    Ok(created)
}

/// What the inspections page shows for a campaign: the campaigns to choose from (newest
/// first), the one shown, whether the caller runs it, the units below its office for the
/// filter, its rounds, one page of the ledger with each finding's unit (`None` where the caller
/// may not see it), and the counts by rectification state.
#[derive(Debug, Clone)]
pub struct LedgerPage {
    pub campaigns: Vec<pacesetter_domain::plan::Campaign>,
    pub campaign: pacesetter_domain::plan::Campaign,
    pub manages: bool,
    pub filter_units: Vec<Unit>,
    pub rounds: Vec<pacesetter_domain::inspection::records::Round>,
    pub lines: Vec<(LedgerLine, Option<Unit>)>,
    pub total: i64,
    pub counts: Vec<(RectificationState, i64)>,
    pub overdue: i64,
    /// The campaign's day, which overdue and the lights are judged on.
    pub today: Date,
}

/// The inspections page for `campaign`, or for the newest campaign; `None` when there is no
/// campaign yet.
pub async fn ledger_page(
    app: &App,
    actor: &Actor,
    campaign: Option<CampaignId>,
    query: &LedgerQuery,
) -> Result<Option<LedgerPage>> {
    let mut campaigns = crate::plans::list_campaigns(app, actor).await?;
    campaigns.sort_by_key(|c| std::cmp::Reverse((c.year, c.id.0)));
    let Some(id) = campaign.or_else(|| campaigns.first().map(|c| c.id)) else { return Ok(None) };
    let Some(chosen) = campaigns.iter().find(|c| c.id == id).cloned() else {
        return Err(AppError::NotFound(Resource::Campaign));
    };
    let manages = crate::plans::campaign(app, actor, id).await.is_ok_and(|c| c.can_manage);
    let filter_units = match crate::units::children(app, actor, chosen.office_unit_id).await {
        Ok(children) => children.into_iter().map(|(unit, _)| unit).collect(),
        // Someone who does not see the office's unit filters by nothing.
        Err(AppError::NotFound(_)) => Vec::new(),
        Err(error) => return Err(error),
    };
    let rounds = super::rounds(app, actor, id).await?;
    let (found, total) = ledger(app, actor, id, query).await?;
    let mut unit_ids: Vec<UnitId> = found.iter().map(|line| line.finding.unit_id).collect();
    unit_ids.sort_unstable_by_key(|id| id.0);
    unit_ids.dedup();
    let seen: HashMap<UnitId, Unit> = {
        let mut conn = app.store.read().await?;
        units::get_many(&mut conn, &unit_ids).await?
    }
    .into_iter()
    .filter(|unit| actor.can(Permission::ViewUnits, &unit.path))
    .map(|unit| (unit.id, unit))
    .collect();
    let lines = found
        .into_iter()
        .map(|line| {
            let unit = seen.get(&line.finding.unit_id).cloned();
            (line, unit)
        })
        .collect();
    let (counts, overdue) = ledger_counts(app, actor, id, &LedgerQuery::default()).await?;
    let today = chosen.today(Timestamp::now());
    Ok(Some(LedgerPage {
        campaigns,
        campaign: chosen,
        manages,
        filter_units,
        rounds,
        lines,
        total,
        counts,
        overdue,
        today,
    }))
}
