//! The burden meter for the office: per unit and month of a year, the inspection visits,
//! requests for material and forms the unit received (across every campaign), the units most
//! burdened first.

use std::collections::BTreeMap;

use pacesetter_domain::{Permission, UnitId, inspection::burden::Load, unit::Unit};
use pacesetter_store::{
    inspections::follow_up::{self, Received},
    units,
};

use crate::{Actor, App, AppError, Page, PageRequest, Result};

/// One unit's year.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BurdenLine {
    pub unit: Unit,
    /// January to December.
    pub months: Vec<Load>,
    pub total: Load,
    /// How many months were over the line.
    pub months_over: usize,
}

/// What the meter shows, as asked for.
#[derive(Debug, Clone)]
pub struct BurdenQuery {
    pub year: i32,
    /// Only units within this one.
    pub under: Option<UnitId>,
    pub page: PageRequest,
}

/// The units the actor runs campaigns for (or the subtree asked for within them) that received
/// anything in the year: most months over the line first, then the heaviest.
pub async fn burden(app: &App, actor: &Actor, query: &BurdenQuery) -> Result<Page<BurdenLine>> {
    let mut roots = actor.scope.roots(Permission::ManagePlans);
    if roots.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut conn = app.store.read().await?;
    if let Some(under) = query.under {
        let unit = units::get(&mut conn, under).await.map_err(|_| AppError::invalid("under", "unit_not_found"))?;
        if !roots.iter().any(|r| unit.path.is_within(r)) {
            return Err(AppError::invalid("under", "unit_not_found"));
        }
        roots = vec![unit.path];
    }
    let mut by_unit: BTreeMap<UnitId, Vec<Load>> = BTreeMap::new();
    for count in follow_up::received(&mut conn, &roots, query.year).await? {
        let Some(month) = count.month.get(5..7).and_then(|m| m.parse::<usize>().ok()).filter(|m| (1..=12).contains(m))
        else {
            continue;
        };
        let load = &mut by_unit.entry(count.unit).or_insert_with(|| vec![Load::default(); 12])[month - 1];
        match count.kind {
            Received::Inspection => load.inspections += count.count,
            Received::Request => load.requests += count.count,
            Received::Form => load.forms += count.count,
        }
    }
    let mut lines: Vec<(UnitId, Vec<Load>, Load, usize)> = by_unit
        .into_iter()
        .map(|(unit, months)| {
            let mut total = Load::default();
            for month in &months {
                total += *month;
            }
            let over = months.iter().filter(|m| m.over_line()).count();
            (unit, months, total, over)
        })
        .collect();
    lines.sort_by(|a, b| {
        (b.3, b.2.inspections, b.2.total()).cmp(&(a.3, a.2.inspections, a.2.total())).then(a.0.cmp(&b.0))
    });
    let total = lines.len() as i64;
    let mut items = Vec::new();
    for (unit, months, total, months_over) in
        lines.into_iter().skip(query.page.offset() as usize).take(query.page.per_page as usize)
    {
        let unit = units::get(&mut conn, unit).await?;
        items.push(BurdenLine { unit, months, total, months_over });
    }
    Ok(Page { items, total, page: query.page.page, per_page: query.page.per_page })
}

/// What the burden page shows: the year, one page of the meter, and the units its filter
/// offers (those directly below the caller's top units: prefectures, departments).
#[derive(Debug, Clone)]
pub struct BurdenView {
    pub year: i32,
    pub lines: Page<BurdenLine>,
    pub filter_units: Vec<Unit>,
}

/// The burden page for `year`, or the newest campaign's year (this year when there is none).
pub async fn burden_view(
    app: &App,
    actor: &Actor,
    year: Option<i32>,
    under: Option<UnitId>,
    page: PageRequest,
) -> Result<BurdenView> {
    let newest = crate::plans::list_campaigns(app, actor).await?.iter().map(|c| c.year).max();
    let this_year = pacesetter_domain::Timestamp::now().date_cst().year();
    let year = year.filter(|y| (2000..=2100).contains(y)).or(newest).unwrap_or(this_year);
    let lines = burden(app, actor, &BurdenQuery { year, under, page }).await?;
    let mut filter_units = Vec::new();
    for root in crate::units::tree_roots(app, actor).await? {
        filter_units.extend(crate::units::children(app, actor, root.id).await?.into_iter().map(|(unit, _)| unit));
    }
    Ok(BurdenView { year, lines, filter_units })
}
