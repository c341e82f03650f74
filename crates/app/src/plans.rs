//! Campaigns and their plans: levels, items, key tasks fanned out to units, and roll-ups.

use std::collections::HashMap;

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    ids::{CampaignId, PlanItemId},
    indicator::{Indicator, IndicatorSpec},
    light::Light,
    plan::{
        Campaign, CampaignFields, CampaignInput, ItemFields, ItemInput, PlanItem, PlanLevel, check_levels,
        rename_levels,
    },
    rollup::{Child, Rolled, roll_up},
    unit::Unit,
};
use pacesetter_store::{Conn, assignments, campaigns, indicators, plan_items, progress_cells, units};

use crate::{Actor, App, AppError, Resource, Result, audit};

/// A campaign with its levels, as the plan pages show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CampaignView {
    pub campaign: Campaign,
    pub levels: Vec<PlanLevel>,
    pub office: Unit,
    pub can_manage: bool,
}

pub(crate) async fn load_campaign(conn: &mut Conn, id: CampaignId) -> Result<(Campaign, Unit)> {
    campaigns::with_office(conn, id).await.map_err(AppError::from_store(Resource::Campaign))
}

/// Every campaign; plans are read by everyone who signs in.
pub async fn list_campaigns(app: &App, _actor: &Actor) -> Result<Vec<Campaign>> {
    let mut conn = app.store.read().await?;
    Ok(campaigns::all(&mut conn).await?)
}

/// The campaigns whose plan the actor may change.
pub async fn manageable_campaigns(app: &App, actor: &Actor) -> Result<Vec<Campaign>> {
    let mut conn = app.store.read().await?;
    let mut manageable = Vec::new();
    for campaign in campaigns::all(&mut conn).await? {
        let office = units::get(&mut conn, campaign.office_unit_id).await?;
        if actor.can(Permission::ManagePlans, &office.path) {
            manageable.push(campaign);
        }
    }
    Ok(manageable)
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
    renamed_levels: Option<&[PlanLevel]>,
) -> Result<Campaign> {
    // A recount of earlier thresholds is finished before new ones start another.
    progress_cells::finish_recount(&app.store, id).await?;
    let mut tx = app.store.write().await?;
    let (before, office) = load_campaign(&mut tx, id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let fields = CampaignFields::parse(input)?;
    // The levels are read only when asked to rename them, and kept as they were (before, after)
    // only when a name changed.
    let renamed = match renamed_levels {
        Some(renamed) => {
            let before = campaigns::levels(&mut tx, id).await?;
            let after = rename_levels(&before, renamed)?;
            (after != before).then_some((before, after))
        }
        None => None,
    };
    if before.version != version {
        return Err(AppError::Stale { current: serde_json::to_value(&before).unwrap_or_default() });
    }
    let after = campaigns::update(&mut tx, id, version, &fields, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Campaign))?;
    if let Some((_, levels)) = &renamed {
        campaigns::set_levels(&mut tx, id, levels).await?;
    }
    // Every light turns on other days now: the turning days are counted again a step at a
    // time after the commit (one transaction for a national campaign held the write lock for
    // half a minute). Should another change have started a recount meanwhile, this one counts
    // the campaign whole.
    let recount = after.thresholds != before.thresholds;
    if recount && !progress_cells::begin_recount(&mut tx, id, before.thresholds).await? {
        progress_cells::rebuild(&mut tx, id).await?;
    }
    audit::record(&mut tx, actor.into(), "campaign.update", ("campaign", Some(id.0)), Some(&before), Some(&after))
        .await?;
    if let Some((levels_before, levels)) = &renamed {
        let target = ("campaign", Some(id.0));
        audit::record(&mut tx, actor.into(), "campaign.rename_levels", target, Some(levels_before), Some(levels))
            .await?;
    }
    tx.commit().await?;
    if recount {
        // On its own task, so a client that goes away does not stop it half-way. The change is
        // stored whatever becomes of the steps: one that fails leaves the rest to the next
        // change of the campaign or the next start, and the counts exact meanwhile.
        let store = app.store.clone();
        let steps = tokio::spawn(async move { progress_cells::finish_recount(&store, id).await });
        let stopped = match steps.await {
            Ok(steps) => steps.err().map(|error| error.to_string()),
            Err(error) => Some(error.to_string()),
        };
        if let Some(error) = stopped {
            tracing::warn!(campaign = id.0, %error, "the recount stopped; it resumes later");
        }
    }
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
    /// What units report besides their percentage (tasks only).
    pub indicators: Vec<IndicatorSpec>,
}

/// Units the actor can see, by id; anything else is refused as not found.
async fn visible_units(conn: &mut Conn, actor: &Actor, ids: &[UnitId]) -> Result<Vec<Unit>> {
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

/// A key task as it is inserted, its units already checked.
pub(crate) struct NewTask<'a> {
    pub campaign: CampaignId,
    pub parent: Option<PlanItemId>,
    pub depth: u8,
    pub fields: &'a ItemFields,
    pub dates: (time::Date, time::Date),
    pub lead: UnitId,
    pub co_units: &'a [UnitId],
    /// Units to assign it to; empty means the lead unit and the co-units.
    pub assign_to: &'a [UnitId],
}

/// Inserts a key task with its co-units and fans it out to its units.
pub(crate) async fn insert_task(conn: &mut Conn, task: &NewTask<'_>, now: Timestamp) -> Result<PlanItem> {
    let item = plan_items::insert(conn, task.campaign, task.parent, task.depth, task.fields, Some(task.lead), now)
        .await
        .map_err(AppError::from_store(Resource::Item))?;
    plan_items::set_co_units(conn, item.id, task.co_units).await?;
    let mut targets = if task.assign_to.is_empty() {
        std::iter::once(task.lead).chain(task.co_units.iter().copied()).collect::<Vec<_>>()
    } else {
        task.assign_to.to_vec()
    };
    targets.dedup();
    let (starts, due) = task.dates;
    assignments::fan_out(conn, item.id, &targets, starts, due, now).await?;
    Ok(item)
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
    IndicatorSpec::check_all(&new.indicators)?;
    if !level.is_task && !new.indicators.is_empty() {
        return Err(AppError::invalid("indicators", "indicators_only_on_tasks"));
    }
    let now = Timestamp::now();
    let item = if level.is_task {
        let (starts, due) = check_task(&fields, new.lead_unit)?;
        let lead = new.lead_unit.ok_or(AppError::invalid("lead_unit_id", "required"))?;
        visible_units(&mut tx, actor, &[lead]).await?;
        visible_units(&mut tx, actor, &new.co_units).await?;
        if !new.assign_to.is_empty() {
            visible_units(&mut tx, actor, &new.assign_to).await?;
        }
        let task = NewTask {
            campaign: campaign.id,
            parent: parent.as_ref().map(|p| p.id),
            depth,
            fields: &fields,
            dates: (starts, due),
            lead,
            co_units: &new.co_units,
            assign_to: &new.assign_to,
        };
        let item = insert_task(&mut tx, &task, now).await?;
        indicators::set_for_item(&mut tx, item.id, &new.indicators).await?;
        item
    } else {
        plan_items::insert(&mut tx, campaign.id, parent.as_ref().map(|p| p.id), depth, &fields, new.lead_unit, now)
            .await
            .map_err(AppError::from_store(Resource::Item))?
    };
    audit::record::<(), _>(
        &mut tx,
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

/// Edits a plan item if `version` is current; `indicators`, when given, become the task's
/// indicators (one keeps its reported values while its name stays).
pub async fn update_item(
    app: &App,
    actor: &Actor,
    id: PlanItemId,
    version: i64,
    input: &ItemInput<'_>,
    lead_unit: Option<UnitId>,
    indicators: Option<&[IndicatorSpec]>,
) -> Result<PlanItem> {
    let mut tx = app.store.write().await?;
    let before = plan_items::get(&mut tx, id).await.map_err(AppError::from_store(Resource::Item))?;
    let (_, office) = load_campaign(&mut tx, before.campaign_id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let fields = ItemFields::parse(input)?;
    if before.version != version {
        return Err(AppError::Stale { current: serde_json::to_value(&before).unwrap_or_default() });
    }
    let levels = campaigns::levels(&mut tx, before.campaign_id).await?;
    let is_task = levels.iter().any(|l| l.depth == before.depth && l.is_task);
    if is_task {
        check_task(&fields, lead_unit)?;
    }
    if let Some(specs) = indicators {
        IndicatorSpec::check_all(specs)?;
        if !is_task && !specs.is_empty() {
            return Err(AppError::invalid("indicators", "indicators_only_on_tasks"));
        }
        indicators::set_for_item(&mut tx, id, specs).await?;
    }
    if let Some(lead) = lead_unit {
        visible_units(&mut tx, actor, &[lead]).await?;
    }
    let after = plan_items::update(&mut tx, id, version, &fields, lead_unit, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Item))?;
    audit::record(&mut tx, actor.into(), "plan_item.update", ("plan_item", Some(id.0)), Some(&before), Some(&after))
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Assigns a key task to more units (each keeps its own assignment); returns how many new.
pub async fn assign(app: &App, actor: &Actor, id: PlanItemId, unit_ids: &[UnitId]) -> Result<u64> {
    let mut tx = app.store.write().await?;
    let item = plan_items::get(&mut tx, id).await.map_err(AppError::from_store(Resource::Item))?;
    let (_, office) = load_campaign(&mut tx, item.campaign_id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let (Some(starts), Some(due)) = (item.starts_on, item.due_on) else {
        return Err(AppError::Conflict("not_a_task"));
    };
    visible_units(&mut tx, actor, unit_ids).await?;
    let created = assignments::fan_out(&mut tx, id, unit_ids, starts, due, Timestamp::now()).await?;
    let note = serde_json::json!({ "units": unit_ids, "created": created });
    audit::record::<(), _>(&mut tx, actor.into(), "plan_item.assign", ("plan_item", Some(id.0)), None, Some(&note))
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
    pub(crate) fn add(&mut self, light: Light) {
        match light {
            Light::Done => self.done += 1,
            Light::Green => self.green += 1,
            Light::Yellow => self.yellow += 1,
            Light::Red => self.red += 1,
        }
    }

    pub(crate) fn add_tally(&mut self, tally: &pacesetter_domain::rollup::Tally) {
        let count = |light: Light| u32::try_from(tally.lights[light as usize]).unwrap_or(u32::MAX);
        self.done += count(Light::Done);
        self.green += count(Light::Green);
        self.yellow += count(Light::Yellow);
        self.red += count(Light::Red);
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
    pub indicators: Vec<Indicator>,
}

pub async fn item(app: &App, actor: &Actor, id: PlanItemId) -> Result<ItemView> {
    let mut conn = app.store.read().await?;
    let item = plan_items::get(&mut conn, id).await.map_err(AppError::from_store(Resource::Item))?;
    let (campaign, office) = load_campaign(&mut conn, item.campaign_id).await?;
    let levels = campaigns::levels(&mut conn, campaign.id).await?;
    let level = levels.iter().find(|l| l.depth == item.depth).cloned().ok_or(AppError::NotFound(Resource::Item))?;
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
    let indicators = indicators::for_item(&mut conn, id).await?;
    let can_manage = actor.can(Permission::ManagePlans, &office.path);
    Ok(ItemView {
        item,
        level,
        parent,
        lead_unit,
        co_units,
        indicators,
        campaign: CampaignView { campaign, levels, office, can_manage },
    })
}

/// A campaign the actor runs, for the pages that change it: `forbidden` for anyone else who
/// sees it.
pub async fn managed_campaign(app: &App, actor: &Actor, id: CampaignId) -> Result<CampaignView> {
    let view = campaign(app, actor, id).await?;
    if view.can_manage { Ok(view) } else { Err(AppError::Forbidden) }
}

/// A plan item of a campaign the actor runs, for the pages that change it: `forbidden` for
/// anyone else who sees it.
pub async fn managed_item(app: &App, actor: &Actor, id: PlanItemId) -> Result<ItemView> {
    let view = item(app, actor, id).await?;
    if view.campaign.can_manage { Ok(view) } else { Err(AppError::Forbidden) }
}

/// Every item of a campaign's plan with its code (`#id` for an item without one), in plan
/// order: evaluation rubrics name items by code.
pub async fn item_codes(app: &App, actor: &Actor, id: CampaignId) -> Result<Vec<(i64, String)>> {
    fn walk(nodes: &[PlanNode], out: &mut Vec<(i64, String)>) {
        for node in nodes {
            let code = node.item.code.clone().unwrap_or_else(|| format!("#{}", node.item.id.0));
            out.push((node.item.id.0, code));
            walk(&node.children, out);
        }
    }
    let (_, tree) = plan(app, actor, id).await?;
    let mut out = Vec::new();
    walk(&tree, &mut out);
    Ok(out)
}
