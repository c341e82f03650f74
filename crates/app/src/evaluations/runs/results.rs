//! Reading a run's results as the caller may see them: a page at a time for its page and the
//! API, every line for its bulletin.

use pacesetter_domain::{
    Permission, UnitId,
    evaluation::{
        UnitLine,
        records::{Appeal, Run, RunId},
    },
    unit::UnitPath,
};
use pacesetter_store::{
    Conn,
    evaluation_run_rows::{self as rows, CategoryCount},
    evaluation_runs as store,
};

use super::{Context, RunView, ordered, visible_run};
use crate::{Actor, App, Page, PageRequest, Result};

/// A run, if the caller may see it.
pub async fn get(app: &App, actor: &Actor, id: RunId) -> Result<Run> {
    let mut conn = app.store.read().await?;
    Ok(visible_run(&mut conn, actor, id).await?.0)
}

/// The subtrees whose units the caller sees in a run's results: `None` for the office, which
/// sees every unit.
fn result_roots(actor: &Actor, ctx: &Context) -> Option<Vec<UnitPath>> {
    (!ctx.coordinates(actor)).then(|| actor.scope.roots(Permission::ViewUnits))
}

/// Every line of a run the caller may see, by category in rank order (the bulletin prints
/// them all): all of them for the office, the units they see for everyone else.
pub async fn all_results(app: &App, actor: &Actor, id: RunId) -> Result<RunView> {
    let mut conn = app.store.read().await?;
    let (run, ctx) = visible_run(&mut conn, actor, id).await?;
    let roots = result_roots(actor, &ctx);
    let visible: Vec<UnitLine> =
        rows::results(&mut conn, id, roots.as_deref()).await?.into_iter().map(|l| l.line).collect();
    let appeals = visible_appeals(&mut conn, actor, &ctx, id).await?;
    Ok(RunView {
        run,
        scheme_name: ctx.scheme.name,
        scheme_name_bo: ctx.scheme.name_bo,
        results: ordered(visible),
        appeals,
    })
}

/// The run's appeals about units the caller sees.
async fn visible_appeals(conn: &mut Conn, actor: &Actor, ctx: &Context, id: RunId) -> Result<Vec<Appeal>> {
    let appeals: Vec<Appeal> =
        store::appeals(conn, ctx.scheme.id, None).await?.into_iter().filter(|a| a.run_id == id).collect();
    if ctx.coordinates(actor) {
        return Ok(appeals);
    }
    let ids: Vec<UnitId> = appeals.iter().map(|a| a.unit_id).collect();
    let units = pacesetter_store::units::get_many(conn, &ids).await?;
    Ok(appeals
        .into_iter()
        .zip(units)
        .filter(|(_, unit)| actor.can(Permission::ViewUnits, &unit.path))
        .map(|(appeal, _)| appeal)
        .collect())
}

/// Which of a run's lines a page shows.
#[derive(Debug, Clone, Default)]
pub struct ResultsQuery {
    /// One category's lines only; every category's when `None`.
    pub category: Option<String>,
    /// Only units whose name or code holds this.
    pub search: Option<String>,
    pub page: PageRequest,
}

/// A page of a run's results as the caller may see them.
#[derive(Debug, Clone)]
pub struct ResultsPage {
    pub run: Run,
    pub scheme_name: String,
    pub scheme_name_bo: Option<String>,
    /// Every category among the lines the caller sees that match the search, with its counts,
    /// whichever category the page shows.
    pub categories: Vec<CategoryCount>,
    /// By category, ranked units in rank order, then those a veto excludes.
    pub results: Page<UnitLine>,
    /// The run's appeals about units the caller sees.
    pub appeals: Vec<Appeal>,
}

/// One page of a run's results: the office sees every unit's line, everyone else those of the
/// units they see. A page past the end shows the last one.
pub async fn results(app: &App, actor: &Actor, id: RunId, wanted: &ResultsQuery) -> Result<ResultsPage> {
    let mut conn = app.store.read().await?;
    let (run, ctx) = visible_run(&mut conn, actor, id).await?;
    let roots = result_roots(actor, &ctx);
    let search = crate::text::search_term(wanted.search.as_deref())?;
    let filter = rows::ResultFilter { roots: roots.as_deref(), query: search.as_deref() };
    let categories = rows::result_categories(&mut conn, id, filter).await?;
    let shown: Vec<CategoryCount> = categories
        .iter()
        .filter(|count| wanted.category.as_ref().is_none_or(|category| *category == count.category))
        .cloned()
        .collect();
    let total = shown.iter().map(|count| count.lines).sum();
    let mut page = wanted.page;
    if page.offset() >= total && total > 0 {
        page = page.last_of(total);
    }
    let lines = rows::result_page(&mut conn, id, filter, &shown, page.offset(), page.per_page).await?;
    let appeals = visible_appeals(&mut conn, actor, &ctx, id).await?;
    Ok(ResultsPage {
        run,
        scheme_name: ctx.scheme.name,
        scheme_name_bo: ctx.scheme.name_bo,
        categories,
        results: Page {
            items: lines.into_iter().map(|stored| stored.line).collect(),
            total,
            page: page.page,
            per_page: page.per_page,
        },
        appeals,
    })
}
