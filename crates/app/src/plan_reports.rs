//! Campaign-wide work built on the plan: the dashboard, the roll-over into the next year, and
//! the plan as the public sees it.

use std::collections::{HashMap, HashSet};

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    ids::{CampaignId, PlanItemId},
    plan::{Campaign, CampaignFields, ItemFields, PlanItem},
    rollup::{Child, Rolled, roll_up},
    unit::{Unit, UnitPath},
};
use pacesetter_store::{AnyConnection, assignments, campaigns, plan_items, units};
use time::Date;

use crate::{
    Actor, App, AppError, Result, audit,
    plans::{CampaignView, LightCounts, PlanNode, load_campaign, plan},
};

/// The progress dashboard of a campaign: top-level items × units, light counts, a trend.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    pub view: CampaignView,
    pub today: time::Date,
    pub rows: Vec<PlanItem>,
    pub columns: Vec<Unit>,
    /// `cells[row][column]`: the unit's assignments under the item, rolled up; `None` when it
    /// has none there.
    pub cells: Vec<Vec<Option<Rolled>>>,
    pub totals: LightCounts,
    /// Progress reports per week, the last twelve weeks up to the campaign's day.
    pub trend: Vec<(time::Date, u32)>,
}

pub async fn dashboard(app: &App, actor: &Actor, id: CampaignId) -> Result<Dashboard> {
    let mut conn = app.store.read().await?;
    let (campaign, office) = load_campaign(&mut conn, id).await?;
    let levels = campaigns::levels(&mut conn, id).await?;
    let items = plan_items::all(&mut conn, id).await?;
    let today = campaign.today(Timestamp::now());
    let manages = actor.can(Permission::ManagePlans, &office.path);
    // The office's coordinators see every unit; anyone else the subtrees they may view, and
    // only those assignments are read.
    let within = (!manages).then(|| actor.scope.roots(Permission::ViewUnits));
    let visible_assignments = assignments::progress_of_campaign(&mut conn, id, within.as_deref()).await?;
    // Each item's top-level ancestor.
    let parent_of: HashMap<PlanItemId, Option<PlanItemId>> = items.iter().map(|i| (i.id, i.parent_id)).collect();
    let top_of = |mut id: PlanItemId| {
        while let Some(Some(parent)) = parent_of.get(&id) {
            id = *parent;
        }
        id
    };
    let rows: Vec<PlanItem> = items.iter().filter(|i| i.parent_id.is_none()).cloned().collect();
    let assigned: HashSet<UnitId> = visible_assignments.iter().map(|a| a.unit_id).collect();
    let mut columns = units_among(&mut conn, within.as_deref(), &assigned).await?;
    columns.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
    let mut grouped: HashMap<(PlanItemId, UnitId), Vec<Child>> = HashMap::new();
    let mut totals = LightCounts::default();
    for a in &visible_assignments {
        let light = pacesetter_domain::light::light(&a.progress, today, campaign.thresholds);
        totals.add(light);
        grouped.entry((top_of(a.item_id), a.unit_id)).or_default().push(Child {
            weight: 1,
            permille: u32::from(a.progress.percent) * 10,
            light,
        });
    }
    let cells = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|unit| {
                    grouped
                        .get(&(row.id, unit.id))
                        .and_then(|children| roll_up(pacesetter_domain::rollup::RollupRule::WeightedMean, children))
                })
                .collect()
        })
        .collect();
    let trend = weekly_reports(&mut conn, id, today).await?;
    Ok(Dashboard {
        view: CampaignView { campaign, levels, office, can_manage: manages },
        today,
        rows,
        columns,
        cells,
        totals,
        trend,
    })
}

/// The units among `ids`, read a page of a subtree at a time (or all at once for the whole
/// organisation) rather than one query per unit: a coordinator's dashboard has a column for
/// every assigned unit in the country. `within: None` means every unit.
async fn units_among(
    conn: &mut AnyConnection,
    within: Option<&[UnitPath]>,
    ids: &HashSet<UnitId>,
) -> Result<Vec<Unit>> {
    let Some(roots) = within else {
        return Ok(units::all(conn).await?.into_iter().filter(|u| ids.contains(&u.id)).collect());
    };
    const PAGE: i64 = 1000;
    let mut found = Vec::with_capacity(ids.len());
    let mut filter =
        units::UnitFilter { within: roots.to_vec(), include_archived: true, limit: PAGE, ..Default::default() };
    loop {
        let (page, total) = units::list(conn, &filter).await?;
        found.extend(page.into_iter().filter(|u| ids.contains(&u.id)));
        filter.offset += PAGE;
        if filter.offset >= total || found.len() == ids.len() {
            return Ok(found);
        }
    }
}

/// Progress reports per week, the last twelve weeks up to the campaign's day, each report on
/// its day in China Standard Time.
async fn weekly_reports(conn: &mut AnyConnection, id: CampaignId, today: Date) -> Result<Vec<(Date, u32)>> {
    let week_start = |day: Date| day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()));
    let last_week = week_start(today);
    let weeks: Vec<Date> = (0..12).rev().map(|n| last_week - time::Duration::weeks(n)).collect();
    let mut trend: Vec<(Date, u32)> = weeks.iter().map(|w| (*w, 0)).collect();
    let cst_midnight = |day: Date| Timestamp::from_datetime(day.midnight().assume_offset(time::macros::offset!(+8)));
    let from = cst_midnight(last_week - time::Duration::weeks(11));
    let to = cst_midnight(last_week + time::Duration::weeks(1));
    for (hour, count) in assignments::reports_per_hour(conn, id, from, to).await? {
        let week = week_start(hour.date_cst());
        if let Some(slot) = trend.iter_mut().find(|(w, _)| *w == week) {
            slot.1 = slot.1.saturating_add(u32::try_from(count).unwrap_or(u32::MAX));
        }
    }
    Ok(trend)
}

/// Carries a campaign into the next year: the same levels and top items, and every key task
/// that is still open somewhere, assigned afresh to the units that have not closed it, with
/// its dates moved on by a year.
pub async fn roll_over(app: &App, actor: &Actor, id: CampaignId) -> Result<Campaign> {
    let mut tx = app.store.write().await?;
    let (from, office) = load_campaign(&mut tx, id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let next_year = |date: time::Date| date.replace_year(date.year() + 1).unwrap_or(date + time::Duration::days(365));
    let fields = CampaignFields {
        name: format!("{}（{}年续）", from.name, from.year + 1),
        name_bo: from.name_bo.clone(),
        year: from.year + 1,
        starts_on: next_year(from.starts_on),
        ends_on: next_year(from.ends_on),
        thresholds: from.thresholds,
        approval_required: from.approval_required,
        public_page: false,
        as_of: None,
    };
    let now = Timestamp::now();
    let campaign = campaigns::insert(&mut tx, &fields, office.id, Some(from.id), now).await?;
    let levels = campaigns::levels(&mut tx, id).await?;
    campaigns::set_levels(&mut tx, campaign.id, &levels).await?;
    let items = plan_items::all(&mut tx, id).await?;
    let all_assignments = assignments::for_campaign(&mut tx, id).await?;
    let is_task = |depth: u8| levels.iter().any(|l| l.depth == depth && l.is_task);
    // Parents come before children in `all`, so a copied parent is always known.
    let mut copied: HashMap<PlanItemId, PlanItemId> = HashMap::new();
    let mut carried = 0;
    for item in &items {
        let parent = match item.parent_id {
            Some(parent) => match copied.get(&parent) {
                Some(new_parent) => Some(*new_parent),
                None => continue,
            },
            None => None,
        };
        let open_units: Vec<UnitId> = all_assignments
            .iter()
            .filter(|a| a.item_id == item.id && !a.state.is_closed())
            .map(|a| a.unit_id)
            .collect();
        if is_task(item.depth) && open_units.is_empty() {
            continue;
        }
        let fields = ItemFields {
            code: item.code.clone(),
            title: item.title.clone(),
            title_bo: item.title_bo.clone(),
            description: item.description.clone(),
            weight: item.weight,
            starts_on: item.starts_on.map(next_year),
            due_on: item.due_on.map(next_year),
        };
        let new = plan_items::insert(&mut tx, campaign.id, parent, item.depth, &fields, item.lead_unit_id, now).await?;
        if is_task(item.depth)
            && let (Some(starts), Some(due)) = (fields.starts_on, fields.due_on)
        {
            let co_units = plan_items::co_units(&mut tx, item.id).await?;
            plan_items::set_co_units(&mut tx, new.id, &co_units).await?;
            carried += assignments::fan_out(&mut tx, new.id, &open_units, starts, due, now).await?;
        }
        copied.insert(item.id, new.id);
    }
    let note = serde_json::json!({ "from": id.0, "to": campaign.id.0, "carried_assignments": carried });
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "campaign.roll_over",
        ("campaign", Some(campaign.id.0)),
        None,
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(campaign)
}

/// A campaign's plan as the public sees it, when the office has made it public; progress and
/// lights only, no person.
pub async fn public_plan(app: &App, id: CampaignId) -> Result<(Campaign, Vec<PlanNode>)> {
    let campaign = {
        let mut conn = app.store.read().await?;
        campaigns::get(&mut conn, id).await.map_err(AppError::from_store("campaign"))?
    };
    if !campaign.public_page {
        return Err(AppError::NotFound("campaign"));
    }
    let anonymous = Actor {
        user: pacesetter_domain::user::User {
            id: pacesetter_domain::UserId(0),
            username: String::new(),
            display_name: String::new(),
            unit_id: campaign.office_unit_id,
            locale: None,
            disabled_at: None,
            version: 0,
            created_at: Timestamp::now(),
        },
        scope: pacesetter_domain::Scope::default(),
        origin: crate::Origin::default(),
    };
    let (_, tree) = plan(app, &anonymous, id).await?;
    Ok((campaign, tree))
}
