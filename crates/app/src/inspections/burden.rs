//! The burden meter for the office: per unit and month of a year, the inspection visits,
//! requests for material and forms the unit received (across every campaign), the units most
//! burdened first.

use std::collections::HashMap;

use pacesetter_domain::{Permission, UnitId, inspection::burden::Load, unit::Unit};
use pacesetter_store::{
    inspections::burden::{self, Received},
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
    let (ranked, total) =
        burden::ranking(&mut conn, &roots, query.year, query.page.offset(), query.page.per_page).await?;
    let mut months: HashMap<UnitId, Vec<Load>> = ranked.iter().map(|unit| (*unit, vec![Load::default(); 12])).collect();
    for count in burden::received(&mut conn, &ranked, query.year).await? {
        let Some(month) = count.month.get(5..7).and_then(|m| m.parse::<usize>().ok()).filter(|m| (1..=12).contains(m))
        else {
            continue;
        };
        let Some(load) = months.get_mut(&count.unit).map(|loads| &mut loads[month - 1]) else { continue };
        match count.kind {
            Received::Inspection => load.inspections += count.count,
            Received::Request => load.requests += count.count,
            Received::Form => load.forms += count.count,
        }
    }
    let units = units::get_many(&mut conn, &ranked).await?;
    let items = units
        .into_iter()
        .map(|unit| {
            let months = months.remove(&unit.id).unwrap_or_default();
            let mut total = Load::default();
            for month in &months {
                total += *month;
            }
            let months_over = months.iter().filter(|m| m.over_line()).count();
            BurdenLine { unit, months, total, months_over }
        })
        .collect();
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
