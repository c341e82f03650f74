//! What a list's people do with a selection of assignments at once: read it (to export it),
//! chase (催办) it, review it (accept, return, close), and print its reminder notices (督办单).

use pacesetter_domain::{
    Timestamp,
    assignment::{AssignmentState, Step},
    ids::AssignmentId,
    plan::Campaign,
    unit::Unit,
};
use pacesetter_store::chases::{self, Subject};

use super::{Line, StepInput, may_chase, may_take, step_in, visible};
use crate::{Actor, App, AppError, Result, audit};

/// The lines of a list's selection, in the order given: those the actor may see (any other id
/// is left out, as a list leaves it out), each once, at most [`MAX_CHASED`].
pub async fn selected(app: &App, actor: &Actor, ids: &[AssignmentId]) -> Result<Vec<Line>> {
    if ids.len() > MAX_CHASED {
        return Err(AppError::invalid("ids", "too_many_selected"));
    }
    let mut conn = app.store.read().await?;
    let mut seen = std::collections::HashSet::new();
    let mut lines = Vec::with_capacity(ids.len());
    let now = Timestamp::now();
    for &id in ids.iter().filter(|id| seen.insert(**id)) {
        let loaded = match visible(&mut conn, actor, id).await {
            Ok(loaded) => loaded,
            Err(AppError::NotFound(_)) => continue,
            Err(other) => return Err(other),
        };
        let today = loaded.campaign.today(now);
        lines.push(Line {
            light: loaded.assignment.light(today, loaded.campaign.thresholds),
            days_left: loaded.assignment.days_left(today),
            campaign_id: loaded.campaign.id,
            item_code: loaded.item.code,
            item_title: loaded.item.title,
            item_title_bo: loaded.item.title_bo,
            unit_name: loaded.unit.name,
            unit_name_bo: loaded.unit.name_bo,
            assignment: loaded.assignment,
        });
    }
    Ok(lines)
}

/// The most assignments one chase may name (a list's selection).
pub const MAX_CHASED: usize = 500;

/// What a chase did: the assignments chased, and those skipped because they are closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Chased {
    pub chased: usize,
    pub skipped_closed: usize,
}

/// Chases (催办) assignments, with an optional message: each unit's liaisons are told in
/// their inbox (and by email or webhook where they set them), and each chase is kept in the
/// task's history and audited. One transaction: an assignment the actor may not chase refuses
/// the whole selection; closed ones are skipped and counted.
pub async fn chase(app: &App, actor: &Actor, ids: &[AssignmentId], message: &str) -> Result<Chased> {
    let ids = selection(ids)?;
    let message = crate::text::optional("message", Some(message), crate::text::TextKind::Text)?;
    let mut done = Chased::default();
    let mut tx = app.store.write().await?;
    let now = Timestamp::now();
    for id in ids {
        let loaded = visible(&mut tx, actor, id).await?;
        if !may_chase(actor, &loaded) {
            return Err(AppError::Forbidden);
        }
        if loaded.assignment.state == AssignmentState::Closed {
            done.skipped_closed += 1;
            continue;
        }
        chases::add(&mut tx, Subject::Assignment(id), actor.user.id, message.as_deref(), now).await?;
        let note = serde_json::json!({"message": message});
        audit::record(&mut tx, actor.into(), "assignment.chase", ("assignment", Some(id.0)), None::<&()>, Some(&note))
            .await?;
        let chased = crate::reminders::Chased {
            assignment: &loaded.assignment,
            unit: &loaded.unit,
            task: &loaded.item.title,
            by: &actor.user.display_name,
            message: message.as_deref(),
        };
        crate::reminders::chased(app, &mut tx, &chased).await?;
        done.chased += 1;
    }
    tx.commit().await?;
    Ok(done)
}

/// A reminder notice (督办单) per unit for a list's selection: what the office presses each
/// unit on, as the campaign's day sees it.
#[derive(Debug, Clone)]
pub struct ChaseNotice {
    pub campaign: Campaign,
    /// The office that issues it.
    pub office: Unit,
    pub today: time::Date,
    /// The office's own words for the notices.
    pub message: Option<String>,
    /// Each unit with its selected assignments and how often each was chased, in the order
    /// first ticked.
    pub units: Vec<(Unit, Vec<(Line, usize)>)>,
}

/// The reminder notices for a selection, for those who may chase every assignment in it; one
/// campaign at a time (its office issues them).
pub async fn chase_notice(app: &App, actor: &Actor, ids: &[AssignmentId], message: &str) -> Result<ChaseNotice> {
    let ids = selection(ids)?;
    let message = crate::text::optional("message", Some(message), crate::text::TextKind::Text)?;
    let mut conn = app.store.read().await?;
    let now = Timestamp::now();
    let mut campaign_office: Option<(Campaign, Unit)> = None;
    let mut units: Vec<(Unit, Vec<(Line, usize)>)> = Vec::new();
    for id in ids {
        let loaded = visible(&mut conn, actor, id).await?;
        if !may_chase(actor, &loaded) {
            return Err(AppError::Forbidden);
        }
        match &campaign_office {
            Some((campaign, _)) if campaign.id != loaded.campaign.id => {
                return Err(AppError::invalid("ids", "one_campaign_only"));
            }
            Some(_) => {}
            None => campaign_office = Some((loaded.campaign.clone(), loaded.office.clone())),
        }
        let chased = chases::of(&mut conn, Subject::Assignment(id)).await?.len();
        let today = loaded.campaign.today(now);
        let line = Line {
            light: loaded.assignment.light(today, loaded.campaign.thresholds),
            days_left: loaded.assignment.days_left(today),
            campaign_id: loaded.campaign.id,
            item_code: loaded.item.code,
            item_title: loaded.item.title,
            item_title_bo: loaded.item.title_bo,
            unit_name: loaded.unit.name.clone(),
            unit_name_bo: loaded.unit.name_bo.clone(),
            assignment: loaded.assignment,
        };
        match units.iter_mut().find(|(unit, _)| unit.id == loaded.unit.id) {
            Some((_, lines)) => lines.push((line, chased)),
            None => units.push((loaded.unit, vec![(line, chased)])),
        }
    }
    let (campaign, office) = campaign_office.ok_or(AppError::invalid("ids", "required"))?;
    let today = campaign.today(now);
    Ok(ChaseNotice { campaign, office, today, message, units })
}

/// A list's selection, each assignment once, in the order ticked; refused when empty or larger
/// than [`MAX_CHASED`].
fn selection(ids: &[AssignmentId]) -> Result<Vec<AssignmentId>> {
    if ids.is_empty() {
        return Err(AppError::invalid("ids", "required"));
    }
    if ids.len() > MAX_CHASED {
        return Err(AppError::invalid("ids", "too_many_selected"));
    }
    let mut seen = std::collections::HashSet::new();
    Ok(ids.iter().copied().filter(|id| seen.insert(*id)).collect())
}

/// What a review of a selection did: the assignments that took the step, and those skipped
/// because the step is not open to them now (not reported yet, already closed, awaiting
/// approval).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reviewed {
    pub done: usize,
    pub skipped: usize,
}

/// Takes a reviewing step (accept, return with a reason, close) on a list's selection at once,
/// each as [`take_step`] would on the version it has now, with `comment` as its comment (a
/// return's reason). One transaction: an assignment the actor may not review refuses the whole
/// selection; those the step is not open to now are skipped and counted.
pub async fn review(app: &App, actor: &Actor, ids: &[AssignmentId], step: Step, comment: &str) -> Result<Reviewed> {
    if !matches!(step, Step::Accept | Step::Return | Step::Close) {
        return Err(AppError::invalid("step", "invalid_step"));
    }
    let ids = selection(ids)?;
    if step == Step::Return && comment.trim().is_empty() {
        return Err(AppError::invalid("comment", "return_needs_comment"));
    }
    let input = StepInput { percent: None, comment, evidence: &[], indicators: &[] };
    let mut done = Reviewed::default();
    let mut tx = app.store.write().await?;
    for id in ids {
        let loaded = visible(&mut tx, actor, id).await?;
        if !may_take(actor, &loaded, step) {
            return Err(AppError::Forbidden);
        }
        match step_in(app, &mut tx, actor, id, loaded.assignment.version, step, &input).await {
            Ok(_) => done.done += 1,
            Err(AppError::Conflict("step_not_allowed_now" | "approval_required")) => done.skipped += 1,
            Err(error) => return Err(error),
        }
    }
    tx.commit().await?;
    Ok(done)
}
