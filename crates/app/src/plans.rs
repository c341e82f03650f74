//! Campaigns and their plans: levels, items, key tasks fanned out to units, and roll-ups.

use std::collections::HashMap;

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    ids::{CampaignId, PlanItemId},
    light::Light,
    plan::{Campaign, CampaignFields, CampaignInput, ItemFields, ItemInput, PlanItem, PlanLevel, check_levels},
    rollup::{Child, Rolled, roll_up},
    unit::Unit,
};
use pacesetter_store::{AnyConnection, assignments, campaigns, plan_items, units};

use crate::{Actor, App, AppError, Result, audit};

/// A campaign with its levels, as the plan pages show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CampaignView {
    pub campaign: Campaign,
    pub levels: Vec<PlanLevel>,
    pub office: Unit,
    pub can_manage: bool,
}

async fn load_campaign(conn: &mut AnyConnection, id: CampaignId) -> Result<(Campaign, Unit)> {
    let campaign = campaigns::get(conn, id).await.map_err(AppError::from_store("campaign"))?;
    let office = units::get(conn, campaign.office_unit_id).await?;
    Ok((campaign, office))
}

/// Every campaign; plans are read by everyone who signs in.
pub async fn list_campaigns(app: &App, _actor: &Actor) -> Result<Vec<Campaign>> {
    let mut conn = app.store.read().await?;
    Ok(campaigns::all(&mut conn).await?)
}

pub async fn campaign(app: &App, actor: &Actor, id: CampaignId) -> Result<CampaignView> {
    let mut conn = app.store.read().await?;
    let (campaign, office) = load_campaign(&mut conn, id).await?;
    let levels = campaigns::levels(&mut conn, id).await?;
    let can_manage = actor.can(Permission::ManagePlans, &office.path);
    Ok(CampaignView { campaign, levels, office, can_manage })
}

/// Creates a campaign run by `office`, with its plan levels.
pub async fn create_campaign(
    app: &App,
    actor: &Actor,
    office: UnitId,
    input: &CampaignInput<'_>,
    levels: &[PlanLevel],
) -> Result<Campaign> {
    // Authorise before validating: someone who may not plan learns nothing from the errors.
    if !actor.can_anywhere(Permission::ManagePlans) {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.store.write().await?;
    let office =
        units::get(&mut tx, office).await.map_err(|_| AppError::invalid("office_unit_id", "unit_not_found"))?;
    if !actor.can(Permission::ViewUnits, &office.path) {
        return Err(AppError::invalid("office_unit_id", "unit_not_found"));
    }
    actor.require(Permission::ManagePlans, &office.path)?;
    let fields = CampaignFields::parse(input)?;
    check_levels(levels)?;
    let campaign = campaigns::insert(&mut tx, &fields, office.id, None, Timestamp::now()).await?;
    campaigns::set_levels(&mut tx, campaign.id, levels).await?;
    let after = serde_json::json!({ "campaign": &campaign, "levels": levels });
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "campaign.create",
        ("campaign", Some(campaign.id.0)),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(campaign)
}

/// Edits a campaign's settings if `version` is what the editor saw.
pub async fn update_campaign(
    app: &App,
    actor: &Actor,
    id: CampaignId,
    version: i64,
    input: &CampaignInput<'_>,
) -> Result<Campaign> {
    let mut tx = app.store.write().await?;
    let (before, office) = load_campaign(&mut tx, id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let fields = CampaignFields::parse(input)?;
    if before.version != version {
        return Err(AppError::Stale { current: serde_json::to_value(&before).unwrap_or_default() });
    }
    let after = campaigns::update(&mut tx, id, version, &fields, Timestamp::now())
        .await
        .map_err(AppError::from_store("campaign"))?;
    audit::record(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "campaign.update",
        ("campaign", Some(id.0)),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A new plan item, with the units of a task.
#[derive(Debug, Clone, Default)]
pub struct NewItem<'a> {
    pub campaign: Option<CampaignId>,
    pub parent: Option<PlanItemId>,
    pub input: ItemInput<'a>,
    pub lead_unit: Option<UnitId>,
    pub co_units: Vec<UnitId>,
    /// Units to assign the task to; empty means the lead unit and the co-units.
    pub assign_to: Vec<UnitId>,
}

/// Units the actor can see, by id; anything else is refused as not found.
async fn visible_units(conn: &mut AnyConnection, actor: &Actor, ids: &[UnitId]) -> Result<Vec<Unit>> {
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let unit = units::get(conn, *id).await.map_err(|_| AppError::invalid("units", "unit_not_found"))?;
        if !actor.can(Permission::ViewUnits, &unit.path) {
            return Err(AppError::invalid("units", "unit_not_found"));
        }
        found.push(unit);
    }
    Ok(found)
}

/// Checks what a task needs beyond an item's fields: a lead unit and both dates.
fn check_task(fields: &ItemFields, lead: Option<UnitId>) -> Result<(time::Date, time::Date)> {
    let mut errors = pacesetter_domain::ValidationError::new();
    if lead.is_none() {
        errors.push("lead_unit_id", "required");
    }
    if fields.starts_on.is_none() {
        errors.push("starts_on", "required");
    }
    if fields.due_on.is_none() {
        errors.push("due_on", "required");
    }
    match (fields.starts_on, fields.due_on) {
        (Some(start), Some(due)) if errors.is_empty() => Ok((start, due)),
        _ => Err(errors.into()),
    }
}

/// Creates a plan item under `parent` (or at the top); at the task level it is a key task,
/// fanned out to its units in the same transaction.
pub async fn create_item(app: &App, actor: &Actor, new: &NewItem<'_>) -> Result<PlanItem> {
    let mut tx = app.store.write().await?;
    let parent = match new.parent {
        Some(id) => {
            Some(plan_items::get(&mut tx, id).await.map_err(|_| AppError::invalid("parent_id", "item_not_found"))?)
        }
        None => None,
    };
    let campaign_id =
        parent.as_ref().map(|p| p.campaign_id).or(new.campaign).ok_or(AppError::invalid("campaign_id", "required"))?;
    let (campaign, office) = load_campaign(&mut tx, campaign_id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let fields = ItemFields::parse(&new.input)?;
    let levels = campaigns::levels(&mut tx, campaign_id).await?;
    let depth = parent.as_ref().map(|p| p.depth + 1).unwrap_or(1);
    let level = levels.iter().find(|l| l.depth == depth).ok_or(AppError::invalid("parent_id", "below_task_level"))?;
    let now = Timestamp::now();
    let item = if level.is_task {
        let (starts, due) = check_task(&fields, new.lead_unit)?;
        let lead = new.lead_unit.ok_or(AppError::invalid("lead_unit_id", "required"))?;
        visible_units(&mut tx, actor, &[lead]).await?;
        visible_units(&mut tx, actor, &new.co_units).await?;
        let item =
            plan_items::insert(&mut tx, campaign.id, parent.as_ref().map(|p| p.id), depth, &fields, Some(lead), now)
                .await
                .map_err(AppError::from_store("item"))?;
        plan_items::set_co_units(&mut tx, item.id, &new.co_units).await?;
        let mut targets = if new.assign_to.is_empty() {
            std::iter::once(lead).chain(new.co_units.iter().copied()).collect::<Vec<_>>()
        } else {
            visible_units(&mut tx, actor, &new.assign_to).await?;
            new.assign_to.clone()
        };
        targets.dedup();
        assignments::fan_out(&mut tx, item.id, &targets, starts, due, now).await?;
        item
    } else {
        plan_items::insert(&mut tx, campaign.id, parent.as_ref().map(|p| p.id), depth, &fields, new.lead_unit, now)
            .await
            .map_err(AppError::from_store("item"))?
    };
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "plan_item.create",
        ("plan_item", Some(item.id.0)),
        None,
        Some(&item),
    )
    .await?;
    tx.commit().await?;
    Ok(item)
}

/// Edits a plan item if `version` is current.
pub async fn update_item(
    app: &App,
    actor: &Actor,
    id: PlanItemId,
    version: i64,
    input: &ItemInput<'_>,
    lead_unit: Option<UnitId>,
) -> Result<PlanItem> {
    let mut tx = app.store.write().await?;
    let before = plan_items::get(&mut tx, id).await.map_err(AppError::from_store("item"))?;
    let (_, office) = load_campaign(&mut tx, before.campaign_id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let fields = ItemFields::parse(input)?;
    if before.version != version {
        return Err(AppError::Stale { current: serde_json::to_value(&before).unwrap_or_default() });
    }
    let levels = campaigns::levels(&mut tx, before.campaign_id).await?;
    if levels.iter().any(|l| l.depth == before.depth && l.is_task) {
        check_task(&fields, lead_unit)?;
    }
    if let Some(lead) = lead_unit {
        visible_units(&mut tx, actor, &[lead]).await?;
    }
    let after = plan_items::update(&mut tx, id, version, &fields, lead_unit, Timestamp::now())
        .await
        .map_err(AppError::from_store("item"))?;
    audit::record(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "plan_item.update",
        ("plan_item", Some(id.0)),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Assigns a key task to more units (each keeps its own assignment); returns how many new.
pub async fn assign(app: &App, actor: &Actor, id: PlanItemId, unit_ids: &[UnitId]) -> Result<u64> {
    let mut tx = app.store.write().await?;
    let item = plan_items::get(&mut tx, id).await.map_err(AppError::from_store("item"))?;
    let (_, office) = load_campaign(&mut tx, item.campaign_id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let (Some(starts), Some(due)) = (item.starts_on, item.due_on) else {
        return Err(AppError::Conflict("not_a_task"));
    };
    visible_units(&mut tx, actor, unit_ids).await?;
    let created = assignments::fan_out(&mut tx, id, unit_ids, starts, due, Timestamp::now()).await?;
    let note = serde_json::json!({ "units": unit_ids, "created": created });
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "plan_item.assign",
        ("plan_item", Some(id.0)),
        None,
        Some(&note),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// How many assignments show each light.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LightCounts {
    pub done: u32,
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
}

impl LightCounts {
    fn add(&mut self, light: Light) {
        match light {
            Light::Done => self.done += 1,
            Light::Green => self.green += 1,
            Light::Yellow => self.yellow += 1,
            Light::Red => self.red += 1,
        }
    }

    fn merge(&mut self, other: LightCounts) {
        self.done += other.done;
        self.green += other.green;
        self.yellow += other.yellow;
        self.red += other.red;
    }

    pub fn total(&self) -> u32 {
        self.done + self.green + self.yellow + self.red
    }
}

/// A plan item with its rolled-up progress and the lights below it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanNode {
    pub item: PlanItem,
    pub level: PlanLevel,
    /// `None` when nothing below it has progress yet.
    pub rolled: Option<Rolled>,
    pub lights: LightCounts,
    pub children: Vec<PlanNode>,
}

/// The whole plan of a campaign as a tree, rolled up level by level by each level's rule,
/// with lights computed for the campaign's day.
pub async fn plan(app: &App, actor: &Actor, id: CampaignId) -> Result<(CampaignView, Vec<PlanNode>)> {
    let mut conn = app.store.read().await?;
    let (campaign, office) = load_campaign(&mut conn, id).await?;
    let levels = campaigns::levels(&mut conn, id).await?;
    let items = plan_items::all(&mut conn, id).await?;
    let all_assignments = assignments::for_campaign(&mut conn, id).await?;
    let today = campaign.today(Timestamp::now());
    let mut by_item: HashMap<PlanItemId, Vec<(u8, Light)>> = HashMap::new();
    for a in &all_assignments {
        by_item.entry(a.item_id).or_default().push((a.percent, a.light(today, campaign.thresholds)));
    }
    let mut children_of: HashMap<Option<PlanItemId>, Vec<PlanItem>> = HashMap::new();
    for item in items {
        children_of.entry(item.parent_id).or_default().push(item);
    }
    fn build(
        parent: Option<PlanItemId>,
        children_of: &HashMap<Option<PlanItemId>, Vec<PlanItem>>,
        levels: &[PlanLevel],
        by_item: &HashMap<PlanItemId, Vec<(u8, Light)>>,
    ) -> Vec<PlanNode> {
        let Some(items) = children_of.get(&parent) else { return Vec::new() };
        let mut nodes = Vec::with_capacity(items.len());
        for item in items {
            let Some(level) = levels.iter().find(|l| l.depth == item.depth).cloned() else { continue };
            let children = build(Some(item.id), children_of, levels, by_item);
            let mut lights = LightCounts::default();
            let inputs: Vec<Child> = if level.is_task {
                let own = by_item.get(&item.id).map(Vec::as_slice).unwrap_or(&[]);
                for (_, light) in own {
                    lights.add(*light);
                }
                own.iter()
                    .map(|(percent, light)| Child { weight: 1, permille: u32::from(*percent) * 10, light: *light })
                    .collect()
            } else {
                for child in &children {
                    lights.merge(child.lights);
                }
                children
                    .iter()
                    .filter_map(|c| {
                        c.rolled.map(|r| Child { weight: c.item.weight, permille: r.permille, light: r.light })
                    })
                    .collect()
            };
            let rolled = roll_up(level.rollup, &inputs);
            nodes.push(PlanNode { item: item.clone(), level, rolled, lights, children });
        }
        nodes
    }
    let tree = build(None, &children_of, &levels, &by_item);
    let can_manage = actor.can(Permission::ManagePlans, &office.path);
    Ok((CampaignView { campaign, levels, office, can_manage }, tree))
}

/// A plan item with its level, campaign and units.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemView {
    pub item: PlanItem,
    pub level: PlanLevel,
    pub campaign: CampaignView,
    pub parent: Option<PlanItem>,
    pub lead_unit: Option<Unit>,
    pub co_units: Vec<Unit>,
}

pub async fn item(app: &App, actor: &Actor, id: PlanItemId) -> Result<ItemView> {
    let mut conn = app.store.read().await?;
    let item = plan_items::get(&mut conn, id).await.map_err(AppError::from_store("item"))?;
    let (campaign, office) = load_campaign(&mut conn, item.campaign_id).await?;
    let levels = campaigns::levels(&mut conn, campaign.id).await?;
    let level = levels.iter().find(|l| l.depth == item.depth).cloned().ok_or(AppError::NotFound("item"))?;
    let parent = match item.parent_id {
        Some(parent) => Some(plan_items::get(&mut conn, parent).await?),
        None => None,
    };
    let lead_unit = match item.lead_unit_id {
        Some(unit) => Some(units::get(&mut conn, unit).await?),
        None => None,
    };
    let mut co_units = Vec::new();
    for unit in plan_items::co_units(&mut conn, id).await? {
        co_units.push(units::get(&mut conn, unit).await?);
    }
    let can_manage = actor.can(Permission::ManagePlans, &office.path);
    Ok(ItemView {
        item,
        level,
        parent,
        lead_unit,
        co_units,
        campaign: CampaignView { campaign, levels, office, can_manage },
    })
}

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
    let all_assignments = assignments::for_campaign(&mut conn, id).await?;
    let today = campaign.today(Timestamp::now());
    let manages = actor.can(Permission::ManagePlans, &office.path);
    // Each item's top-level ancestor.
    let parent_of: HashMap<PlanItemId, Option<PlanItemId>> = items.iter().map(|i| (i.id, i.parent_id)).collect();
    let top_of = |mut id: PlanItemId| {
        while let Some(Some(parent)) = parent_of.get(&id) {
            id = *parent;
        }
        id
    };
    let rows: Vec<PlanItem> = items.iter().filter(|i| i.parent_id.is_none()).cloned().collect();
    let mut unit_ids: Vec<UnitId> = all_assignments.iter().map(|a| a.unit_id).collect();
    unit_ids.sort();
    unit_ids.dedup();
    let mut columns = Vec::new();
    for unit_id in unit_ids {
        let unit = units::get(&mut conn, unit_id).await?;
        if manages || actor.can(Permission::ViewUnits, &unit.path) {
            columns.push(unit);
        }
    }
    columns.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
    let mut grouped: HashMap<(PlanItemId, UnitId), Vec<Child>> = HashMap::new();
    let mut totals = LightCounts::default();
    let visible: std::collections::HashSet<UnitId> = columns.iter().map(|u| u.id).collect();
    for a in all_assignments.iter().filter(|a| visible.contains(&a.unit_id)) {
        let light = a.light(today, campaign.thresholds);
        totals.add(light);
        grouped.entry((top_of(a.item_id), a.unit_id)).or_default().push(Child {
            weight: 1,
            permille: u32::from(a.percent) * 10,
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
    let week_start = |day: time::Date| day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()));
    let last_week = week_start(today);
    let weeks: Vec<time::Date> = (0..12).rev().map(|n| last_week - time::Duration::weeks(n)).collect();
    let mut trend: Vec<(time::Date, u32)> = weeks.iter().map(|w| (*w, 0)).collect();
    for at in assignments::report_times(&mut conn, id).await? {
        let week = week_start(at.date_cst());
        if let Some(slot) = trend.iter_mut().find(|(w, _)| *w == week) {
            slot.1 += 1;
        }
    }
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
