//! One search from the header (issue 19): units, tasks, findings and people matching a text,
//! each within what the actor may see, the first few of each.

use pacesetter_domain::{unit::Unit, user::User};
use pacesetter_store::campaigns;

use crate::{
    Actor, App, PageRequest, Result, assignments,
    inspections::{self, LedgerLine, LedgerQuery},
    units, users,
};

/// How many of each kind a search shows.
pub const PER_KIND: i64 = 8;

/// What a search found, each list capped at [`PER_KIND`] with its full count beside it.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub units: (Vec<Unit>, i64),
    /// Assignments of the newest campaign whose task or unit matches.
    pub tasks: (Vec<assignments::Line>, i64),
    pub findings: (Vec<LedgerLine>, i64),
    pub people: (Vec<User>, i64),
}

pub async fn search(app: &App, actor: &Actor, q: &str) -> Result<Found> {
    let Some(q) = crate::text::search_term(Some(q))? else { return Ok(Found::default()) };
    let first = PageRequest::new(Some(1), Some(PER_KIND));
    let unit_query = units::UnitQuery { q: Some(q.clone()), ..Default::default() };
    let found_units = units::list(app, actor, &unit_query, first).await?;
    let task_query = assignments::Query { q: Some(q.clone()), ..Default::default() };
    let found_tasks = assignments::list(app, actor, &task_query, first).await?;
    let found_people =
        users::list(app, actor, users::UserFilter { query: Some(&q), ..Default::default() }, first).await?;
    let newest = {
        let mut conn = app.store.read().await?;
        campaigns::all(&mut conn).await?.into_iter().next()
    };
    let findings = match newest {
        Some(campaign) => {
            let query = LedgerQuery { q: Some(q), page: first, ..Default::default() };
            inspections::ledger(app, actor, campaign.id, &query).await?
        }
        None => (Vec::new(), 0),
    };
    Ok(Found {
        units: (found_units.items, found_units.total),
        tasks: (found_tasks.items, found_tasks.total),
        findings,
        people: (found_people.items, found_people.total),
    })
}
