//! Campaign-wide work built on the plan: the dashboard, the roll-over into the next year, and
//! the plan as the public sees it.

use std::collections::HashMap;

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    ids::{CampaignId, PlanItemId},
    plan::{Campaign, CampaignFields, ItemFields, PlanItem},
    rollup::{Rolled, Tally},
    unit::{Unit, UnitPath},
};
use pacesetter_store::{Conn, assignments, campaigns, plan_items, progress_cells, units};
use time::Date;

use crate::{
    Actor, App, AppError, Resource, Result, audit,
    plans::{CampaignView, LightCounts, PlanNode, load_campaign, plan},
};

/// The progress dashboard of a campaign: top-level items × the units one level below the unit
/// looked at, light counts, a trend. Cells are read from the roll-ups kept as assignments are
/// written (`progress_cells`), so a national campaign's page reads a few hundred of them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    pub view: CampaignView,
    pub today: time::Date,
    /// The unit whose subtree the columns divide; `None` at the top of a scope with several
    /// roots, whose columns come from each of them.
    pub focus: Option<Unit>,
    /// The units above `focus` that the viewer may open, top first, for the way back up.
    pub trail: Vec<Unit>,
    pub rows: Vec<PlanItem>,
    pub columns: Vec<DashboardColumn>,
    /// `cells[row][column]`: the column's assignments under the item; `None` when it has
    /// none there.
    pub cells: Vec<Vec<Option<DashboardCell>>>,
    /// Per row, every column together.
    pub row_totals: Vec<Option<DashboardCell>>,
    /// Per column, every row together (a unit at a glance).
    pub column_totals: Vec<Option<DashboardCell>>,
    pub totals: LightCounts,
    /// Progress reports per week, the last twelve weeks up to the campaign's day, by the units
    /// the page divides (the focus's subtree, or everything the viewer sees).
    pub trend: Vec<(time::Date, u32)>,
}

/// Assignments rolled up (the weighted mean of SCORING.md with equal weights) and counted by
/// light.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct DashboardCell {
    pub rolled: Rolled,
    pub lights: LightCounts,
}

impl DashboardCell {
    fn of(tally: &Tally) -> Option<Self> {
        let rolled = tally.mean()?;
        let mut lights = LightCounts::default();
        lights.add_tally(tally);
        Some(Self { rolled, lights })
    }
}

/// A column of the heat map: a unit's whole subtree, or only the unit's own assignments
/// (本级) beside its branches.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DashboardColumn {
    pub unit: Unit,
    pub own: bool,
    /// The column opens a level further down (a subtree with units below it).
    pub drill: bool,
}

/// Tallies per (unit, top-level item).
type Tallies = HashMap<(UnitId, PlanItemId), Tally>;

/// The most branches a top view opens side by side from several roots; beyond, it shows the
/// roots.
const MAX_COLUMNS: usize = 60;

pub async fn dashboard(app: &App, actor: &Actor, id: CampaignId, focus: Option<UnitId>) -> Result<Dashboard> {
    let mut conn = app.store.read().await?;
    board(&mut conn, actor, id, focus).await
}

/// [`dashboard`] on a connection already held.
async fn board(conn: &mut Conn, actor: &Actor, id: CampaignId, focus: Option<UnitId>) -> Result<Dashboard> {
    let (campaign, office) = load_campaign(conn, id).await?;
    let levels = campaigns::levels(conn, id).await?;
    let today = campaign.today(Timestamp::now());
    let manages = actor.can(Permission::ManagePlans, &office.path);
    // The office's coordinators see every unit; anyone else the subtrees they may view.
    let roots: Vec<Unit> = if manages {
        units::roots(conn).await?
    } else {
        let ids: Vec<UnitId> =
            actor.scope.roots(Permission::ViewUnits).iter().filter_map(|path| path.ids().last().copied()).collect();
        units::get_many(conn, &ids).await?
    };
    let rows = plan_items::top_level(conn, id).await?;
    let root_paths: Vec<UnitPath> = roots.iter().map(|root| root.path.clone()).collect();
    // The roots' branches: the columns of a board that looks at no one unit.
    let branches = match focus {
        Some(_) => Vec::new(),
        None => branches_of(conn, &roots).await?,
    };
    let (focus, trail, columns, tallies) = match focus {
        Some(unit) => {
            let unit = units::get(conn, unit).await.map_err(AppError::from_store(Resource::Unit))?;
            let Some(root) = roots.iter().find(|r| unit.path.is_within(&r.path)) else {
                return Err(AppError::NotFound(Resource::Unit));
            };
            let trail = trail_to(conn, root, &unit).await?;
            let (columns, tallies) = columns_of(conn, &campaign, std::slice::from_ref(&unit), today).await?;
            (Some(unit), trail, columns, tallies)
        }
        // Several roots with more branches than a page shows side by side (a country's
        // provinces' prefectures): the roots themselves.
        None if roots.len() > 1 && branches.len() > MAX_COLUMNS => {
            let (columns, tallies) = roots_as_columns(conn, &campaign, roots, today).await?;
            (None, Vec::new(), columns, tallies)
        }
        None => {
            let (found, mut tallies) = columns_with(conn, &campaign, &roots, &branches, today).await?;
            // A unit whose assignments all lie in one branch says nothing as a column of its
            // own: open the branch instead (专项组 → 办公室 → its groups).
            let mut columns = Vec::with_capacity(found.len());
            let mut looked_at: Vec<(&Unit, Unit)> = Vec::new();
            for root in &roots {
                let mut mine: Vec<DashboardColumn> =
                    found.iter().filter(|c| c.unit.path.is_within(&root.path)).cloned().collect();
                if mine.is_empty() {
                    continue;
                }
                let mut unit = root.clone();
                while let [only] = mine.as_slice()
                    && !only.own
                    && only.drill
                {
                    unit = only.unit.clone();
                    let (below, counted) = columns_of(conn, &campaign, std::slice::from_ref(&unit), today).await?;
                    mine = below;
                    tallies.extend(counted);
                }
                columns.extend(mine);
                looked_at.push((root, unit));
            }
            match looked_at.as_slice() {
                [(root, unit)] => {
                    let trail = trail_to(conn, root, unit).await?;
                    (Some(unit.clone()), trail, columns, tallies)
                }
                _ => (None, Vec::new(), columns, tallies),
            }
        }
    };
    let mut totals = LightCounts::default();
    let mut row_totals = Vec::with_capacity(rows.len());
    let mut column_tallies = vec![Tally::default(); columns.len()];
    let cells = rows
        .iter()
        .map(|row| {
            let mut together = Tally::default();
            let line = columns
                .iter()
                .zip(column_tallies.iter_mut())
                .map(|(column, column_tally)| {
                    let tally = tallies.get(&(column_key(column), row.id)).copied().unwrap_or_default();
                    together.add(&tally);
                    column_tally.add(&tally);
                    DashboardCell::of(&tally)
                })
                .collect();
            totals.add_tally(&together);
            row_totals.push(DashboardCell::of(&together));
            line
        })
        .collect();
    let column_totals = column_tallies.iter().map(DashboardCell::of).collect();
    let counted = match &focus {
        Some(unit) => Some(vec![unit.path.clone()]),
        None if manages => None,
        None => Some(root_paths),
    };
    let trend = weekly_reports(conn, id, counted.as_deref(), today).await?;
    Ok(Dashboard {
        view: CampaignView { campaign, levels, office, can_manage: manages },
        today,
        focus,
        trail,
        rows,
        columns,
        cells,
        row_totals,
        column_totals,
        totals,
        trend,
    })
}

/// The units directly below `parents`, each with whether units lie below it.
async fn branches_of(conn: &mut Conn, parents: &[Unit]) -> Result<Vec<(Unit, bool)>> {
    let ids: Vec<UnitId> = parents.iter().map(|p| p.id).collect();
    Ok(units::branches_of_many(conn, &ids).await?)
}

/// Each root with assignments as one column of its whole subtree.
async fn roots_as_columns(
    conn: &mut Conn,
    campaign: &Campaign,
    roots: Vec<Unit>,
    today: Date,
) -> Result<(Vec<DashboardColumn>, Tallies)> {
    let ids: Vec<UnitId> = roots.iter().map(|r| r.id).collect();
    let tallies = progress_cells::tallies(conn, campaign, &ids, today).await?;
    let with_children = units::with_children(conn, &ids).await?;
    let columns = roots
        .into_iter()
        .filter(|root| tallies.iter().any(|((unit, _), tally)| *unit == root.id && tally.count() > 0))
        .map(|root| {
            let drill = with_children.contains(&root.id);
            DashboardColumn { unit: root, own: false, drill }
        })
        .collect();
    Ok((columns, tallies))
}

/// The units from `root` down to `unit`'s parent.
async fn trail_to(conn: &mut Conn, root: &Unit, unit: &Unit) -> Result<Vec<Unit>> {
    let above: Vec<UnitId> =
        unit.path.ids().into_iter().skip(root.path.depth() - 1).take_while(|a| *a != unit.id).collect();
    Ok(units::get_many(conn, &above).await?)
}

/// Own columns are keyed by a unit id no real unit has (the negated id), so that a unit's
/// subtree and its own assignments can sit side by side in one map.
fn column_key(column: &DashboardColumn) -> UnitId {
    if column.own { UnitId(-column.unit.id.0) } else { column.unit.id }
}

/// The columns that divide each parent's subtree: each child with assignments below it, and
/// the parent's own assignments when it has any; with their tallies keyed by `column_key`,
/// and the parents' whole tallies under their own ids. One round of queries for all parents.
async fn columns_of(
    conn: &mut Conn,
    campaign: &Campaign,
    parents: &[Unit],
    today: Date,
) -> Result<(Vec<DashboardColumn>, Tallies)> {
    let children = branches_of(conn, parents).await?;
    columns_with(conn, campaign, parents, &children, today).await
}

/// [`columns_of`] with the parents' [`branches_of`] already read.
async fn columns_with(
    conn: &mut Conn,
    campaign: &Campaign,
    parents: &[Unit],
    children: &[(Unit, bool)],
    today: Date,
) -> Result<(Vec<DashboardColumn>, Tallies)> {
    let mut ids: Vec<UnitId> = children.iter().map(|(c, _)| c.id).collect();
    ids.extend(parents.iter().map(|p| p.id));
    let counted = progress_cells::tallies(conn, campaign, &ids, today).await?;
    let mut tallies = Tallies::new();
    let mut columns = Vec::new();
    for parent in parents {
        // What is left of the parent's subtree once its branches are taken out: its own.
        let mut own: HashMap<PlanItemId, Tally> = HashMap::new();
        for ((unit, item), tally) in &counted {
            if *unit == parent.id {
                own.entry(*item).or_default().add(tally);
                tallies.insert((parent.id, *item), *tally);
            }
        }
        for (child, drill) in children.iter().filter(|(c, _)| c.parent_id == Some(parent.id)) {
            let mut any = false;
            for ((unit, item), tally) in &counted {
                if *unit == child.id && tally.count() > 0 {
                    any = true;
                    tallies.insert((child.id, *item), *tally);
                    if let Some(rest) = own.get_mut(item) {
                        *rest = rest.without(tally);
                    }
                }
            }
            if any {
                columns.push(DashboardColumn { unit: child.clone(), own: false, drill: *drill });
            }
        }
        own.retain(|_, tally| tally.count() > 0);
        if !own.is_empty() {
            let column = DashboardColumn { unit: parent.clone(), own: true, drill: false };
            for (item, tally) in own {
                tallies.insert((column_key(&column), item), tally);
            }
            columns.push(column);
        }
    }
    Ok((columns, tallies))
}

/// Progress reports per week, the last twelve weeks up to the campaign's day, each report on
/// its day in China Standard Time; by units within `subtrees`, or the whole campaign's.
async fn weekly_reports(
    conn: &mut Conn,
    id: CampaignId,
    subtrees: Option<&[UnitPath]>,
    today: Date,
) -> Result<Vec<(Date, u32)>> {
    let last_week = assignments::week_of(today);
    let first_week = last_week - time::Duration::weeks(11);
    let mut trend: Vec<(Date, u32)> = (0..12).map(|n| (first_week + time::Duration::weeks(n), 0)).collect();
    let mut add = |week: Date, count: i64| {
        if let Some(slot) = trend.iter_mut().find(|(w, _)| *w == week) {
            slot.1 = slot.1.saturating_add(u32::try_from(count).unwrap_or(u32::MAX));
        }
    };
    match subtrees {
        Some(subtrees) => {
            for (week, count) in assignments::reports_per_week(conn, id, subtrees, first_week, last_week).await? {
                add(week, count);
            }
        }
        None => {
            let cst_midnight =
                |day: Date| Timestamp::from_datetime(day.midnight().assume_offset(time::macros::offset!(+8)));
            let (from, to) = (cst_midnight(first_week), cst_midnight(last_week + time::Duration::weeks(1)));
            for (hour, count) in assignments::reports_per_hour(conn, id, from, to).await? {
                add(assignments::week_of(hour.date_cst()), count);
            }
        }
    }
    Ok(trend)
}

/// Carries a campaign into the next year: the same levels and top items, and every key task
/// that is still open somewhere, assigned afresh to the units that have not closed it, with
/// its dates moved on by a year. Once only: a campaign already carried over answers
/// `already_rolled_over` with the campaign it became.
pub async fn roll_over(app: &App, actor: &Actor, id: CampaignId) -> Result<Campaign> {
    let mut tx = app.store.write().await?;
    let (from, office) = load_campaign(&mut tx, id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    campaigns::lock(&mut tx, id).await?;
    if let Some(existing) = campaigns::carried_from(&mut tx, id).await? {
        return Err(AppError::ConflictWith {
            code: "already_rolled_over",
            details: serde_json::json!({ "campaign_id": existing.id.0, "name": existing.name, "year": existing.year }),
        });
    }
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
        keep_photo_location: from.keep_photo_location,
        documents_language: from.documents_language,
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
        campaigns::get(&mut conn, id).await.map_err(AppError::from_store(Resource::Campaign))?
    };
    if !campaign.public_page {
        return Err(AppError::NotFound(Resource::Campaign));
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

/// What the dashboard page shows: the progress board and, for the same units, the findings of
/// the campaign's inspections.
#[derive(Debug, Clone)]
pub struct DashboardPage {
    pub board: Dashboard,
    /// Findings by rectification state (every state, in order) and how many are overdue.
    pub findings: Vec<(pacesetter_domain::inspection::RectificationState, i64)>,
    pub findings_overdue: i64,
    /// Per month of the campaign's year: findings recorded and rectification items closed.
    pub findings_by_month: Vec<(i64, i64)>,
}

/// The dashboard page: see [`DashboardPage`].
pub async fn dashboard_page(app: &App, actor: &Actor, id: CampaignId, focus: Option<UnitId>) -> Result<DashboardPage> {
    let mut conn = app.store.read().await?;
    let board = board(&mut conn, actor, id, focus).await?;
    // The findings of the unit asked for: the board's focus then, not one it opened by itself.
    let under = focus.and(board.focus.as_ref());
    let findings =
        crate::inspections::ledger_summary(&mut conn, actor, &board.view.campaign, under, board.today).await?;
    Ok(DashboardPage {
        board,
        findings: findings.counts,
        findings_overdue: findings.overdue,
        findings_by_month: findings.by_month,
    })
}
