//! Findings (问题) with their rectification items (整改), the steps taken on them and the
//! chases of them; the ledger of findings is in `ledger.rs`.

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    evidence::EvidenceId,
    ids::{CampaignId, PlanItemId},
    inspection::{
        RectificationState, RectificationStep, Severity,
        records::{CheckItemId, Finding, FindingId, Rectification, RectificationId, RoundId, RoundStatus, StepTaken},
    },
    unit::Unit,
};
use pacesetter_store::{
    Conn, StoreError, WriteTx,
    chases::{self, Chase, Subject},
    inspections as store,
    inspections::NewFinding,
    units,
};
use serde_json::json;
use time::Date;

use super::{Context, load, photos, require_status, unit_for};
use crate::{Actor, App, AppError, Resource, Result, audit, evidence::owned_by, text};

/// The rectification a finding demands: who, what, by when.
#[derive(Debug, Clone)]
pub struct RectificationInput {
    pub unit: UnitId,
    pub measure: String,
    pub due_on: Date,
}

/// A finding as an inspector records it.
#[derive(Debug, Clone)]
pub struct FindingInput {
    pub unit: UnitId,
    pub item: Option<CheckItemId>,
    pub plan_item: Option<PlanItemId>,
    pub indicator_code: Option<String>,
    pub severity: Severity,
    pub category: String,
    /// The category in Tibetan; empty or none: none.
    pub category_bo: Option<String>,
    pub description: String,
    pub rectification: Option<RectificationInput>,
    /// Photos as uploaded; checked, cleaned and stored before anything is recorded.
    pub photos: Vec<Vec<u8>>,
}

/// A finding with its rectification item and the steps taken on it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FindingView {
    pub finding: Finding,
    pub rectification: Option<Rectification>,
    pub steps: Vec<StepTaken>,
    /// Every chase (催办) of the rectification item, oldest first.
    pub chases: Vec<Chase>,
    /// The campaign the finding's round belongs to, and its day (pinned in the demo), which
    /// overdue is judged on.
    pub campaign: CampaignId,
    pub today: Date,
}

/// Records a finding (问题) on a target while the round is under way, with its rectification
/// item (整改) when one is demanded.
pub async fn record_finding(app: &App, actor: &Actor, id: RoundId, input: &FindingInput) -> Result<FindingView> {
    let photos = match input.photos.is_empty() {
        true => Vec::new(),
        false => photos::prepare(app, photos::keeps_location(app, actor, id, input.unit).await?, &input.photos).await?,
    };
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    unit_for(&mut tx, &ctx, actor, input.unit, Permission::Inspect).await?;
    require_status(&ctx.round, &[RoundStatus::Active])?;
    store::target(&mut tx, id, input.unit).await.map_err(|_| AppError::invalid("unit_id", "unit_not_in_round"))?;
    // The checklist point found wanting, whose task and indicator the finding is linked to
    // unless others are named.
    let point = match input.item {
        Some(item) => Some(
            store::items_of(&mut tx, id)
                .await?
                .into_iter()
                .find(|i| i.id == item)
                .ok_or(AppError::invalid("item_id", "item_not_in_round"))?,
        ),
        None => None,
    };
    let plan_item = input.plan_item.or_else(|| point.as_ref().and_then(|p| p.plan_item_id));
    if let Some(plan_item) = input.plan_item {
        match pacesetter_store::plan_items::get(&mut tx, plan_item).await {
            Ok(found) if found.campaign_id == ctx.campaign.id => {}
            _ => return Err(AppError::invalid("plan_item_id", "plan_item_not_found")),
        }
    }
    let (category, description) = (
        text::required("category", &input.category, text::TextKind::Label)?,
        text::required("description", &input.description, text::TextKind::Text)?,
    );
    let category_bo = text::optional("category_bo", input.category_bo.as_deref(), text::TextKind::Label)?;
    let named = input.indicator_code.as_deref().or_else(|| point.as_ref().and_then(|p| p.indicator_code.as_deref()));
    let indicator = text::optional("indicator_code", named, text::TextKind::Label)?;
    let new = NewFinding {
        round: id,
        unit: input.unit,
        item: input.item,
        plan_item,
        indicator_code: indicator.as_deref(),
        severity: input.severity,
        category: &category,
        category_bo: category_bo.as_deref(),
        description: &description,
        by: actor.user.id,
    };
    let now = Timestamp::now();
    let mut finding = store::insert_finding(&mut tx, &new, now).await?;
    if photos::attach(&mut tx, &finding, &photos).await? > 0 {
        finding = store::get_finding(&mut tx, finding.id).await?;
    }
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "finding.create",
        ("finding", Some(finding.id.0)),
        None,
        Some(&finding),
    )
    .await?;
    let rectification = match &input.rectification {
        Some(demand) => Some(demand_rectification(&mut tx, actor, &ctx, &finding, demand, now).await?),
        None => None,
    };
    tx.commit().await?;
    Ok(FindingView {
        finding,
        rectification,
        steps: Vec::new(),
        chases: Vec::new(),
        campaign: ctx.campaign.id,
        today: ctx.campaign.today(now),
    })
}

async fn demand_rectification(
    tx: &mut WriteTx,
    actor: &Actor,
    ctx: &Context,
    finding: &Finding,
    demand: &RectificationInput,
    now: Timestamp,
) -> Result<Rectification> {
    // The responsible unit: the one inspected, or another the inspector or the office sees.
    match units::get(tx, demand.unit).await {
        Ok(found) if actor.can(Permission::ViewUnits, &found.path) || ctx.coordinates(actor) => {}
        _ => return Err(AppError::invalid("unit_id", "unit_not_found")),
    }
    let measure = text::required("measure", &demand.measure, text::TextKind::Note)?;
    // Judged on the campaign's day, which a campaign replayed as of a past date sets.
    let given_on = ctx.campaign.today(now);
    if demand.due_on < given_on {
        return Err(AppError::invalid("due_on", "due_in_the_past"));
    }
    let item = store::insert_rectification(tx, finding.id, demand.unit, &measure, (given_on, demand.due_on), now)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AppError::Conflict("rectification_exists"),
            other => other.into(),
        })?;
    audit::record::<(), _>(
        tx,
        actor.into(),
        "rectification.create",
        ("rectification", Some(item.id.0)),
        None,
        Some(&item),
    )
    .await?;
    Ok(item)
}

/// A finding, if the caller sees its unit (or runs the campaign).
pub async fn finding(app: &App, actor: &Actor, id: FindingId) -> Result<FindingView> {
    let mut conn = app.store.read().await?;
    let finding = store::get_finding(&mut conn, id).await.map_err(AppError::from_store(Resource::Finding))?;
    let ctx = load(&mut conn, finding.round_id).await?;
    unit_for(&mut conn, &ctx, actor, finding.unit_id, Permission::ViewUnits)
        .await
        .map_err(|_| AppError::NotFound(Resource::Finding))?;
    let rectification = store::rectification_of(&mut conn, id).await?;
    let (steps, chases) = match &rectification {
        Some(item) => {
            (store::steps(&mut conn, item.id).await?, chases::of(&mut conn, Subject::Rectification(item.id)).await?)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(FindingView {
        finding,
        rectification,
        steps,
        chases,
        campaign: ctx.campaign.id,
        today: ctx.campaign.today(Timestamp::now()),
    })
}

/// A step on a rectification item, as asked for.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub step: RectificationStep,
    pub text: String,
    pub evidence: Vec<EvidenceId>,
    /// The version the actor last saw.
    pub version: i64,
}

/// Takes a step on a rectification item: the responsible unit responds (`report_progress`),
/// the inspectors close it or reopen it with a reason (`inspect`).
pub async fn take_step(app: &App, actor: &Actor, id: RectificationId, input: &StepInput) -> Result<FindingView> {
    let mut tx = app.store.write().await?;
    let before = store::get_rectification(&mut tx, id).await.map_err(AppError::from_store(Resource::Rectification))?;
    let finding = store::get_finding(&mut tx, before.finding_id).await?;
    let ctx = load(&mut tx, finding.round_id).await?;
    responsible_unit(&mut tx, &ctx, actor, &before, input.step.permission()).await?;
    if before.version != input.version {
        return Err(AppError::Stale { current: serde_json::to_value(&before).unwrap_or_default() });
    }
    let next = before.state.after(input.step, &input.text).map_err(|e| AppError::Unprocessable {
        code: e.code(),
        details: json!({ "state": before.state.as_str(), "step": input.step.as_str() }),
    })?;
    let text = input.text.trim();
    if text.chars().count() > 4000 {
        return Err(AppError::invalid("text", "too_long"));
    }
    let step = StepTaken {
        id: 0,
        rectification_id: id,
        step: input.step,
        text: text.to_owned(),
        evidence: owned_by(&mut tx, before.unit_id, &input.evidence).await?,
        taken_by: actor.user.id,
        taken_at: Timestamp::now(),
    };
    let after = store::take_step(&mut tx, id, before.version, &step, next).await.map_err(|e| match e {
        StoreError::Stale => AppError::Stale { current: serde_json::to_value(&before).unwrap_or_default() },
        other => other.into(),
    })?;
    audit::record(
        &mut tx,
        actor.into(),
        &format!("rectification.{}", input.step.as_str()),
        ("rectification", Some(id.0)),
        Some(&before),
        Some(&json!({ "item": &after, "step": &step })),
    )
    .await?;
    let view = item_view(&mut tx, finding, after, &ctx).await?;
    tx.commit().await?;
    Ok(view)
}

/// A finding with its item as it now stands, read in the caller's transaction.
async fn item_view(conn: &mut Conn, finding: Finding, item: Rectification, ctx: &Context) -> Result<FindingView> {
    let steps = store::steps(conn, item.id).await?;
    let chases = chases::of(conn, Subject::Rectification(item.id)).await?;
    Ok(FindingView {
        finding,
        rectification: Some(item),
        steps,
        chases,
        campaign: ctx.campaign.id,
        today: ctx.campaign.today(Timestamp::now()),
    })
}

/// The unit responsible for `item`, if the actor holds `permission` there; an item of a unit
/// the actor does not see answers as one that does not exist.
async fn responsible_unit(
    conn: &mut Conn,
    ctx: &Context,
    actor: &Actor,
    item: &Rectification,
    permission: Permission,
) -> Result<Unit> {
    unit_for(conn, ctx, actor, item.unit_id, permission).await.map_err(|error| match error {
        AppError::NotFound(_) => AppError::NotFound(Resource::Rectification),
        other => other,
    })
}

/// Chases (催办) a rectification item that is not closed, with an optional message: the
/// responsible unit's liaisons are told, and the chase is kept in the item's history. For those
/// who judge the item (`inspect` on its unit: the inspectors and the office).
pub async fn chase_rectification(app: &App, actor: &Actor, id: RectificationId, message: &str) -> Result<FindingView> {
    let message = text::optional("message", Some(message), text::TextKind::Text)?;
    let mut tx = app.store.write().await?;
    let item = store::get_rectification(&mut tx, id).await.map_err(AppError::from_store(Resource::Rectification))?;
    let finding = store::get_finding(&mut tx, item.finding_id).await?;
    let ctx = load(&mut tx, finding.round_id).await?;
    let unit = responsible_unit(&mut tx, &ctx, actor, &item, Permission::Inspect).await?;
    if item.state == RectificationState::Closed {
        return Err(AppError::Unprocessable { code: "already_closed", details: json!({ "state": "closed" }) });
    }
    chases::add(&mut tx, Subject::Rectification(id), actor.user.id, message.as_deref(), Timestamp::now()).await?;
    let note = json!({ "message": message });
    audit::record(
        &mut tx,
        actor.into(),
        "rectification.chase",
        ("rectification", Some(id.0)),
        None::<&()>,
        Some(&note),
    )
    .await?;
    crate::reminders::rectification_chased(app, &mut tx, &item, &unit, &actor.user.display_name, message.as_deref())
        .await?;
    let view = item_view(&mut tx, finding, item, &ctx).await?;
    tx.commit().await?;
    Ok(view)
}

/// `/findings/{id}`: the link a deduction carries to the finding it comes from.
pub(crate) fn is_finding_link(link: &str) -> bool {
    link.strip_prefix("/findings/").is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// What a finding's page shows: the finding, the units it names (`None` where the caller may
/// not see one), what the caller may do with it, the responsible unit's library to cite from
/// when the caller answers for it, and the evidence each step cited.
#[derive(Debug, Clone)]
pub struct FindingPage {
    pub view: FindingView,
    pub found_at: Option<Unit>,
    pub responsible: Option<Unit>,
    pub can_add_photos: bool,
    pub can_respond: bool,
    pub can_close: bool,
    pub can_reopen: bool,
    /// The caller may chase (催办) the item: they judge it and it is not closed.
    pub can_chase: bool,
    pub library: Vec<pacesetter_domain::evidence::Evidence>,
    /// Per step, the evidence it cited that the caller may open.
    pub cited: Vec<Vec<pacesetter_domain::evidence::Evidence>>,
}

/// A finding's page: see [`FindingPage`].
pub async fn finding_page(app: &App, actor: &Actor, id: FindingId) -> Result<FindingPage> {
    let view = finding(app, actor, id).await?;
    let seen = |unit| async move { crate::units::get(app, actor, unit).await.ok() };
    let found_at = seen(view.finding.unit_id).await;
    let can_add_photos = view.finding.photos.len() < pacesetter_domain::inspection::photo::MAX_PHOTOS
        && found_at.as_ref().is_some_and(|u| actor.can(Permission::Inspect, &u.path));
    let responsible = match &view.rectification {
        Some(r) => seen(r.unit_id).await,
        None => None,
    };
    let (mut can_respond, mut can_close, mut can_reopen, mut can_chase) = (false, false, false, false);
    if let (Some(r), Some(unit)) = (&view.rectification, &responsible) {
        let judges = actor.can(Permission::Inspect, &unit.path);
        can_respond = actor.can(Permission::ReportProgress, &unit.path) && r.state.awaits_unit();
        can_close = judges && r.state == RectificationState::Responded;
        can_reopen = judges && matches!(r.state, RectificationState::Responded | RectificationState::Closed);
        can_chase = judges && r.state != RectificationState::Closed;
    }
    let library = match (&responsible, can_respond) {
        (Some(unit), true) => crate::evidence::library(app, actor, unit.id).await?.into_iter().take(30).collect(),
        _ => Vec::new(),
    };
    let mut cited = Vec::with_capacity(view.steps.len());
    for step in &view.steps {
        let mut found = Vec::with_capacity(step.evidence.len());
        for &evidence in &step.evidence {
            // Evidence the caller may not open is left out, not refused.
            if let Ok(evidence) = crate::evidence::get(app, actor, evidence).await {
                found.push(evidence);
            }
        }
        cited.push(found);
    }
    Ok(FindingPage {
        view,
        found_at,
        responsible,
        can_add_photos,
        can_respond,
        can_close,
        can_reopen,
        can_chase,
        library,
        cited,
    })
}
