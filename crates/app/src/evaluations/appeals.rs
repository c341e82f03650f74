//! Appeals (复核) against a published result: filed by the unit, decided by the office;
//! upholding one publishes a new version from the corrected inputs and keeps the old one.

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    evaluation::records::{Appeal, AppealId, Decision, Run, RunId, RunKind},
};
use pacesetter_store::{StoreError, evaluation_run_rows, evaluation_runs as store};

use super::{
    load,
    runs::{RunSpec, store_run, visible_run},
    unit_for,
};
use crate::{Actor, App, AppError, Resource, Result, audit};

/// Files an appeal (复核) against a unit's published result; the unit (or the office, which
/// reports for the units below it) does this.
pub async fn file(app: &App, actor: &Actor, id: RunId, unit: UnitId, reason: &str) -> Result<Appeal> {
    let mut tx = app.store.write().await?;
    let (run, ctx) = visible_run(&mut tx, actor, id).await?;
    unit_for(&mut tx, &ctx, actor, unit, Permission::ReportProgress).await?;
    if run.kind != RunKind::Published {
        return Err(AppError::Conflict("run_not_published"));
    }
    match evaluation_run_rows::result_of(&mut tx, id, unit).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(AppError::invalid("unit_id", "unit_not_in_evaluation")),
        Err(other) => return Err(other.into()),
    }
    let reason = crate::text::required("reason", reason, crate::text::TextKind::Note)?;
    if store::appeals(&mut tx, run.scheme_id, Some(unit)).await?.iter().any(|a| a.decision.is_none()) {
        return Err(AppError::Conflict("appeal_open"));
    }
    let appeal = store::insert_appeal(&mut tx, id, unit, &reason, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "evaluation_appeal.file",
        ("evaluation_appeal", Some(appeal.id.0)),
        None,
        Some(&appeal),
    )
    .await?;
    tx.commit().await?;
    Ok(appeal)
}

/// Decides an appeal: upheld publishes a new version from the current inputs (the corrected
/// entries and items), the old version kept; dismissed leaves the published result.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: AppealId,
    decision: Decision,
    note: Option<&str>,
) -> Result<(Appeal, Option<Run>)> {
    let mut tx = app.store.write().await?;
    let before = store::get_appeal(&mut tx, id).await.map_err(AppError::from_store(Resource::Appeal))?;
    let run = store::get_run(&mut tx, before.run_id).await?;
    let ctx = load(&mut tx, run.scheme_id).await?;
    if !ctx.coordinates(actor) {
        // Only the office and the unit that filed it know of an appeal; to anyone else it
        // answers as one that does not exist.
        let unit = pacesetter_store::units::get(&mut tx, before.unit_id).await?;
        return Err(if actor.can(Permission::ViewUnits, &unit.path) {
            AppError::Forbidden
        } else {
            AppError::NotFound(Resource::Appeal)
        });
    }
    if before.decision.is_some() {
        return Err(AppError::Conflict("appeal_decided"));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::invalid("note", "too_long"));
    }
    let new_run = match decision {
        Decision::Dismissed => None,
        Decision::Upheld => {
            let latest = store::latest_published(&mut tx, run.scheme_id)
                .await?
                .ok_or(AppError::Conflict("run_not_published"))?;
            let scheme = ctx.scheme.scheme.clone();
            let spec = RunSpec {
                scheme: &scheme,
                scheme_version: ctx.scheme.version,
                from: None,
                kind: RunKind::Published,
                version: Some(latest.version.unwrap_or(0) + 1),
                parent: Some(latest.id),
            };
            let (new, _) = store_run(&mut tx, actor, &ctx, spec).await?;
            Some(new)
        }
    };
    let decided = store::decide_appeal(
        &mut tx,
        id,
        actor.user.id,
        decision,
        note,
        new_run.as_ref().map(|r| r.id),
        Timestamp::now(),
    )
    .await
    .map_err(|e| match e {
        pacesetter_store::StoreError::Stale => AppError::Conflict("appeal_decided"),
        other => AppError::from(other),
    })?;
    audit::record(
        &mut tx,
        actor.into(),
        "evaluation_appeal.decide",
        ("evaluation_appeal", Some(id.0)),
        Some(&before),
        Some(&decided),
    )
    .await?;
    tx.commit().await?;
    Ok((decided, new_run))
}
