//! What the bulletin (通报) of a published run shows: the campaign, the issuing office, and
//! each unit's result with its names, limited to the units the reader sees.

use std::collections::HashMap;

use pacesetter_domain::{
    UnitId,
    evaluation::{
        UnitLine,
        records::{Run, RunId, RunKind},
    },
    plan::Campaign,
    unit::Unit,
};
use pacesetter_store::units;

use super::runs;
use crate::{Actor, App, AppError, Resource, Result};

/// A published run as its bulletin prints it.
#[derive(Debug, Clone)]
pub struct BulletinView {
    pub run: Run,
    pub campaign: Campaign,
    pub office: Unit,
    pub scheme_name: String,
    pub scheme_name_bo: Option<String>,
    /// How the scheme rounds its scores, and to how many decimals: the bulletin shows every
    /// part of a score as the final score is shown.
    pub rounding: pacesetter_domain::evaluation::Rounding,
    pub precision: u32,
    /// By category, in rank order, then the units a veto excludes.
    pub results: Vec<UnitLine>,
    /// The units of `results`, by id.
    pub units: HashMap<i64, Unit>,
}

/// A published run's results and names, for whoever may read its results; drafts and
/// what-ifs have no bulletin.
pub async fn bulletin(app: &App, actor: &Actor, id: RunId) -> Result<BulletinView> {
    let view = runs::all_results(app, actor, id).await?;
    if view.run.kind != RunKind::Published {
        return Err(AppError::Conflict("run_not_published"));
    }
    let mut conn = app.store.read().await?;
    let ctx = super::load(&mut conn, view.run.scheme_id).await?;
    // Read 500 at a time rather than one by one: a national bulletin names 45,000 units.
    let ids: Vec<UnitId> = view.results.iter().map(|result| UnitId(result.unit)).collect();
    let read = units::get_many(&mut conn, &ids).await.map_err(AppError::from_store(Resource::Unit))?;
    let names: HashMap<i64, Unit> = read.into_iter().map(|unit| (unit.id.0, unit)).collect();
    Ok(BulletinView {
        run: view.run,
        campaign: ctx.campaign,
        office: ctx.office,
        scheme_name: view.scheme_name,
        scheme_name_bo: view.scheme_name_bo,
        rounding: ctx.scheme.scheme.rounding,
        precision: ctx.scheme.scheme.precision,
        results: view.results,
        units: names,
    })
}
