//! What a scheme's page and a run's page show, each gathered in one call so that a page makes
//! one request of this layer and an error anywhere is the page's error.

use std::collections::HashMap;

use pacesetter_domain::{
    Permission, UnitId,
    evaluation::records::{Item, Run, RunId, RunKind, SchemeId},
    unit::Unit,
};

use super::{
    SchemeView,
    entries::{self, MemberLine},
    runs,
};
use pacesetter_store::evaluations as store;

use crate::{Actor, App, AppError, Page, PageRequest, Result, plans};

/// A scheme with its campaign, one page of its members' lines, its runs and the plan's item
/// codes (the rubrics name items by code).
#[derive(Debug, Clone)]
pub struct SchemePage {
    pub view: SchemeView,
    pub campaign: plans::CampaignView,
    pub members: Page<MemberLine>,
    pub runs: Vec<Run>,
    pub item_codes: Vec<(i64, String)>,
}

/// The scheme's page with the members whose name or code holds `query`, a page at a time.
pub async fn scheme_page(
    app: &App,
    actor: &Actor,
    id: SchemeId,
    query: Option<&str>,
    page: PageRequest,
) -> Result<SchemePage> {
    let view = super::get(app, actor, id).await?;
    let campaign = plans::campaign(app, actor, view.scheme.campaign_id).await?;
    let members = entries::member_lines(app, actor, id, query, page).await?;
    let runs = runs::list(app, actor, id).await?;
    let item_codes = plans::item_codes(app, actor, view.scheme.campaign_id).await?;
    Ok(SchemePage { view, campaign, members, runs, item_codes })
}

/// What the scheme's editor starts from: the scheme, its campaign, the plan's item codes and
/// every member's line; only for those who manage the scheme.
#[derive(Debug, Clone)]
pub struct EditorPage {
    pub view: SchemeView,
    pub campaign: plans::CampaignView,
    pub members: Vec<MemberLine>,
    pub item_codes: Vec<(i64, String)>,
}

pub async fn editor_page(app: &App, actor: &Actor, id: SchemeId) -> Result<EditorPage> {
    let view = super::get(app, actor, id).await?;
    if !view.can_manage {
        return Err(AppError::Forbidden);
    }
    let campaign = plans::campaign(app, actor, view.scheme.campaign_id).await?;
    let members = entries::every_member_line(app, actor, id).await?;
    let item_codes = plans::item_codes(app, actor, view.scheme.campaign_id).await?;
    Ok(EditorPage { view, campaign, members, item_codes })
}

/// A page of a run's results with the scheme they came from, the units it names, and the
/// units the caller may appeal for.
#[derive(Debug, Clone)]
pub struct RunPage {
    pub results: runs::ResultsPage,
    pub scheme: SchemeView,
    /// The units of the page's lines, of its appeals and of those asked for, by id.
    pub units: HashMap<i64, Unit>,
    /// The members the caller answers for and so may appeal for, listed when there are at most
    /// [`LISTED_MEMBERS`]; none for a run not published.
    pub answers_for: Vec<Unit>,
    /// How many members the caller answers for (0 for a run not published).
    pub answers_for_total: i64,
}

/// The run's page as `wanted` asks, naming `named` (units the page mentions beyond its lines
/// and appeals) as well.
pub async fn run_page(
    app: &App,
    actor: &Actor,
    id: RunId,
    wanted: &runs::ResultsQuery,
    named: &[UnitId],
) -> Result<RunPage> {
    let results = runs::results(app, actor, id, wanted).await?;
    let scheme = super::get(app, actor, results.run.scheme_id).await?;
    let mut conn = app.store.read().await?;
    let mut ids: Vec<UnitId> = results.results.items.iter().map(|line| UnitId(line.unit)).collect();
    ids.extend(results.appeals.iter().map(|appeal| appeal.unit_id));
    ids.extend_from_slice(named);
    ids.sort_unstable();
    ids.dedup();
    let units = pacesetter_store::units::get_many(&mut conn, &ids).await?;
    // Only a published run is appealed: a draft's page asks nothing more.
    let (mut answers_for, mut answers_for_total) = (Vec::new(), 0);
    if results.run.kind == RunKind::Published {
        let answering = actor.scope.roots(Permission::ReportProgress);
        answers_for_total = store::member_count(&mut conn, results.run.scheme_id, Some(&answering)).await?;
        if answers_for_total <= LISTED_MEMBERS {
            answers_for = store::member_units(&mut conn, results.run.scheme_id, Some(&answering)).await?;
        }
    }
    Ok(RunPage {
        results,
        scheme,
        units: units.into_iter().map(|unit| (unit.id.0, unit)).collect(),
        answers_for,
        answers_for_total,
    })
}

/// The office's items page: one page of the scheme's bonus, deduction and veto items, each with
/// its unit, and the units the scheme ranks (whom a new item may name): listed when there are
/// at most [`LISTED_MEMBERS`], otherwise named by code or name in the form.
#[derive(Debug, Clone)]
pub struct ItemsPage {
    pub view: SchemeView,
    pub items: Page<(Item, Unit)>,
    pub members: Vec<Unit>,
    pub member_total: i64,
}

/// The most units a form lists to choose from.
pub const LISTED_MEMBERS: i64 = 500;

pub async fn items_page(app: &App, actor: &Actor, id: SchemeId, page: PageRequest) -> Result<ItemsPage> {
    let view = super::get(app, actor, id).await?;
    if !view.can_manage {
        return Err(AppError::Forbidden);
    }
    let mut conn = app.store.read().await?;
    let mut page = page;
    let (mut items, mut total) = store::item_page(&mut conn, id, page.offset(), page.per_page).await?;
    if items.is_empty() && total > 0 {
        page = page.last_of(total);
        (items, total) = store::item_page(&mut conn, id, page.offset(), page.per_page).await?;
    }
    let member_total = store::member_count(&mut conn, id, None).await?;
    let members =
        if member_total <= LISTED_MEMBERS { store::member_units(&mut conn, id, None).await? } else { Vec::new() };
    let ids: Vec<UnitId> = items.iter().map(|item| item.unit_id).collect();
    let units = pacesetter_store::units::get_many(&mut conn, &ids).await?;
    let items = items.into_iter().zip(units).collect();
    Ok(ItemsPage {
        view,
        items: Page { items, total, page: page.page, per_page: page.per_page },
        members,
        member_total,
    })
}
