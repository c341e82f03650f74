//! A target's sheet: the checklist with the evidence the unit already holds, its own answers
//! and the inspectors', and the self-inspection handed in.

use pacesetter_domain::evaluation::records::SchemeId;
use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    evidence::EvidenceId,
    inspection::records::{
        Check, CheckItem, CheckItemId, CheckSource, CheckStatus, Round, RoundId, RoundStatus, Target,
    },
};
use pacesetter_store::inspections as store;

use super::{load, require_status, unit_for};
use crate::{Actor, App, AppError, Resource, Result, audit, evidence::owned_by, text};

/// One checklist point for one unit: both answers, and the evidence the unit already holds
/// for it, shown first so that nothing is asked for twice.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SheetLine {
    pub item: CheckItem,
    pub held: Vec<EvidenceId>,
    pub self_check: Option<Check>,
    pub inspector_check: Option<Check>,
}

/// A target's checklist with its answers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sheet {
    pub round: Round,
    pub target: Target,
    pub lines: Vec<SheetLine>,
    pub can_self_inspect: bool,
    pub can_inspect: bool,
}

pub async fn sheet(app: &App, actor: &Actor, id: RoundId, unit: UnitId) -> Result<Sheet> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    let found = unit_for(&mut conn, &ctx, actor, unit, Permission::ViewUnits).await?;
    let target =
        store::target(&mut conn, id, unit).await.map_err(|_| AppError::NotFound(Resource::InspectionTarget))?;
    let checks = store::checks(&mut conn, id, unit).await?;
    let card = match ctx.round.scheme_id {
        Some(scheme) => Some(pacesetter_store::scorecards::get(&mut conn, SchemeId(scheme), unit).await?),
        None => None,
    };
    let mut lines = Vec::new();
    for item in store::items_of(&mut conn, id).await? {
        let held = store::held_evidence(&mut conn, &item, card.as_ref(), unit).await?;
        let answer = |source| checks.iter().find(|c| c.item_id == item.id && c.source == source).cloned();
        lines.push(SheetLine {
            self_check: answer(CheckSource::SelfInspection),
            inspector_check: answer(CheckSource::Inspector),
            held,
            item,
        });
    }
    Ok(Sheet {
        can_self_inspect: actor.can(Permission::ReportProgress, &found.path)
            && target.self_submitted_at.is_none()
            && ctx.round.status != RoundStatus::Completed,
        can_inspect: actor.can(Permission::Inspect, &found.path) && ctx.round.status == RoundStatus::Active,
        round: ctx.round,
        target,
        lines,
    })
}

/// An answer to a checklist point.
#[derive(Debug, Clone)]
pub struct CheckInput {
    pub unit: UnitId,
    pub item: CheckItemId,
    pub status: CheckStatus,
    pub comment: Option<String>,
    pub evidence: Vec<EvidenceId>,
}

/// Saves the unit's own answer (`report_progress`, before it hands the self-inspection in) or
/// the inspectors' (`inspect`, while the round is under way).
pub async fn save_check(
    app: &App,
    actor: &Actor,
    id: RoundId,
    source: CheckSource,
    input: &CheckInput,
) -> Result<Check> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    let permission = match source {
        CheckSource::SelfInspection => Permission::ReportProgress,
        CheckSource::Inspector => Permission::Inspect,
    };
    unit_for(&mut tx, &ctx, actor, input.unit, permission).await?;
    let target =
        store::target(&mut tx, id, input.unit).await.map_err(|_| AppError::invalid("unit_id", "unit_not_in_round"))?;
    match source {
        CheckSource::SelfInspection => {
            require_status(&ctx.round, &[RoundStatus::Planning, RoundStatus::Active])?;
            if target.self_submitted_at.is_some() {
                return Err(AppError::Conflict("self_inspection_submitted"));
            }
        }
        CheckSource::Inspector => require_status(&ctx.round, &[RoundStatus::Active])?,
    }
    if !store::items_of(&mut tx, id).await?.iter().any(|i| i.id == input.item) {
        return Err(AppError::invalid("item_id", "item_not_in_round"));
    }
    let check = Check {
        round_id: id,
        unit_id: input.unit,
        item_id: input.item,
        source,
        status: input.status,
        comment: text::optional("comment", input.comment.as_deref(), text::TextKind::Note)?,
        evidence: owned_by(&mut tx, input.unit, &input.evidence).await?,
        checked_by: actor.user.id,
        checked_at: Timestamp::now(),
    };
    store::save_check(&mut tx, &check).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "inspection_check.save",
        ("inspection_round", Some(id.0)),
        None,
        Some(&check),
    )
    .await?;
    tx.commit().await?;
    Ok(check)
}

/// Hands a unit's self-inspection in; it cannot change afterwards.
pub async fn submit_self(app: &App, actor: &Actor, id: RoundId, unit: UnitId) -> Result<Target> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    unit_for(&mut tx, &ctx, actor, unit, Permission::ReportProgress).await?;
    store::target(&mut tx, id, unit).await.map_err(|_| AppError::invalid("unit_id", "unit_not_in_round"))?;
    if !store::submit_self(&mut tx, id, unit, Timestamp::now()).await? {
        return Err(AppError::Conflict("self_inspection_submitted"));
    }
    let target = store::target(&mut tx, id, unit).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "inspection_self.submit",
        ("inspection_round", Some(id.0)),
        None,
        Some(&target),
    )
    .await?;
    tx.commit().await?;
    Ok(target)
}
