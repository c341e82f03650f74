//! Inspections (调研督导, PRODUCT.md C6): rounds planned by the campaign office with teams,
//! target units and a checklist built from the targets' tasks and the evaluation's indicators;
//! the units' self-inspection against the same checklist; inspectors' checks and findings;
//! each finding's rectification item through response, verification and closure (销号).
//!
//! Who may do what: the office's coordinators (`manage_plans` on the office) plan rounds; a
//! unit's liaisons (`report_progress`) self-inspect and respond to rectification items; those
//! with `inspect` on a unit check it, record findings and verify responses. Every signed-in user
//! may read a round; findings and items are read by those who see the unit and by the office.

use std::collections::BTreeSet;

use pacesetter_domain::{
    Permission, Timestamp, UnitId, UserId,
    evidence::EvidenceId,
    ids::{CampaignId, PlanItemId},
    inspection::{
        RectificationState, RectificationStep, Severity,
        records::{
            Check, CheckItem, CheckItemId, CheckSource, CheckStatus, Finding, FindingId, Rectification,
            RectificationId, Round, RoundId, RoundStatus, StepTaken, Target, Team, TeamId,
        },
    },
    plan::Campaign,
    unit::Unit,
};
use pacesetter_store::{
    AnyConnection, StoreError, evaluations, inspections as store,
    inspections::{LedgerFilter, LedgerLine, NewFinding, NewItem, RoundFields},
    units,
};
use serde_json::json;
use time::Date;

use crate::{Actor, App, AppError, Result, audit, evidence::owned_by, plans::load_campaign, text};

/// A round with its campaign and office.
struct Context {
    round: Round,
    campaign: Campaign,
    office: Unit,
}

impl Context {
    fn coordinates(&self, actor: &Actor) -> bool {
        actor.can(Permission::ManagePlans, &self.office.path)
    }

    fn require_coordinator(&self, actor: &Actor) -> Result<()> {
        actor.require(Permission::ManagePlans, &self.office.path)
    }
}

async fn load(conn: &mut AnyConnection, id: RoundId) -> Result<Context> {
    let round = store::get_round(conn, id).await.map_err(AppError::from_store("inspection_round"))?;
    let (campaign, office) = load_campaign(conn, round.campaign_id).await?;
    Ok(Context { round, campaign, office })
}

/// A unit the actor may act on: one they see, or any below the office when they run the
/// campaign; anything else is not found. Then `permission` on it, or 403.
async fn unit_for(
    conn: &mut AnyConnection,
    ctx: &Context,
    actor: &Actor,
    unit: UnitId,
    permission: Permission,
) -> Result<Unit> {
    let unit = units::get(conn, unit).await.map_err(AppError::from_store("unit"))?;
    if !actor.can(Permission::ViewUnits, &unit.path) && !ctx.coordinates(actor) {
        return Err(AppError::NotFound("unit"));
    }
    actor.require(permission, &unit.path)?;
    Ok(unit)
}

/// A round's name, dates and the evaluation scheme it also scores, as asked for.
#[derive(Debug, Clone)]
pub struct RoundInput {
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub scheme_id: Option<i64>,
}

async fn checked_fields(conn: &mut AnyConnection, campaign: CampaignId, input: &RoundInput) -> Result<String> {
    let name = text::required("name", &input.name, 200)?;
    if input.ends_on < input.starts_on {
        return Err(AppError::invalid("ends_on", "ends_before_start"));
    }
    if let Some(scheme) = input.scheme_id {
        match evaluations::get_scheme(conn, pacesetter_domain::evaluation::records::SchemeId(scheme)).await {
            Ok(found) if found.campaign_id == campaign => {}
            _ => return Err(AppError::invalid("scheme_id", "evaluation_not_found")),
        }
    }
    Ok(name)
}

/// Plans a round (调研督导) of a campaign; it starts in planning.
pub async fn create_round(app: &App, actor: &Actor, campaign: CampaignId, input: &RoundInput) -> Result<Round> {
    let mut tx = app.store.write().await?;
    let (_, office) = load_campaign(&mut tx, campaign).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let name = checked_fields(&mut tx, campaign, input).await?;
    let fields =
        RoundFields { name: &name, starts_on: input.starts_on, ends_on: input.ends_on, scheme_id: input.scheme_id };
    let round = store::insert_round(&mut tx, campaign, &fields, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "inspection_round.create",
        ("inspection_round", Some(round.id.0)),
        None,
        Some(&round),
    )
    .await?;
    tx.commit().await?;
    Ok(round)
}

/// Changes a round's fields and moves it forward: planning → active → completed.
pub async fn update_round(
    app: &App,
    actor: &Actor,
    id: RoundId,
    version: i64,
    input: &RoundInput,
    status: RoundStatus,
) -> Result<Round> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    ctx.require_coordinator(actor)?;
    let name = checked_fields(&mut tx, ctx.campaign.id, input).await?;
    let order = |s: RoundStatus| RoundStatus::ALL.iter().position(|x| *x == s);
    if order(status) < order(ctx.round.status) {
        return Err(AppError::invalid("status", "round_cannot_go_back"));
    }
    let fields =
        RoundFields { name: &name, starts_on: input.starts_on, ends_on: input.ends_on, scheme_id: input.scheme_id };
    let updated =
        store::update_round(&mut tx, id, version, &fields, status, Timestamp::now()).await.map_err(|e| match e {
            StoreError::Stale => AppError::Stale { current: serde_json::to_value(&ctx.round).unwrap_or_default() },
            other => AppError::from_store("inspection_round")(other),
        })?;
    audit::record(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "inspection_round.update",
        ("inspection_round", Some(id.0)),
        Some(&ctx.round),
        Some(&updated),
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// A campaign's rounds, newest first.
pub async fn rounds(app: &App, _actor: &Actor, campaign: CampaignId) -> Result<Vec<Round>> {
    let mut conn = app.store.read().await?;
    load_campaign(&mut conn, campaign).await?;
    Ok(store::rounds(&mut conn, campaign).await?)
}

/// A round with everything planned for it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoundView {
    pub round: Round,
    pub teams: Vec<Team>,
    pub targets: Vec<Target>,
    pub items: Vec<CheckItem>,
}

pub async fn round(app: &App, _actor: &Actor, id: RoundId) -> Result<RoundView> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    Ok(RoundView {
        teams: store::teams(&mut conn, id).await?,
        targets: store::targets(&mut conn, id).await?,
        items: store::items_of(&mut conn, id).await?,
        round: ctx.round,
    })
}

fn require_status(round: &Round, allowed: &[RoundStatus]) -> Result<()> {
    if allowed.contains(&round.status) { Ok(()) } else { Err(AppError::Conflict("round_status")) }
}

/// Forms a team of inspectors (with its leader) for a round not yet completed.
pub async fn add_team(
    app: &App,
    actor: &Actor,
    id: RoundId,
    name: &str,
    leader: UserId,
    members: &[UserId],
) -> Result<Team> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    ctx.require_coordinator(actor)?;
    require_status(&ctx.round, &[RoundStatus::Planning, RoundStatus::Active])?;
    let name = text::required("name", name, 100)?;
    if members.len() > 50 {
        return Err(AppError::invalid("member_ids", "too_many"));
    }
    for user in std::iter::once(&leader).chain(members) {
        if pacesetter_store::users::get(&mut tx, *user).await.is_err() {
            return Err(AppError::invalid("member_ids", "user_not_found"));
        }
    }
    let team = store::insert_team(&mut tx, id, &name, leader, members).await?;
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "inspection_team.create",
        ("inspection_team", Some(team.id.0)),
        None,
        Some(&team),
    )
    .await?;
    tx.commit().await?;
    Ok(team)
}

/// Makes `targets` (unit, team) the units the round visits; each must lie below the office.
pub async fn set_targets(app: &App, actor: &Actor, id: RoundId, targets: &[(UnitId, Option<TeamId>)]) -> Result<()> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    ctx.require_coordinator(actor)?;
    require_status(&ctx.round, &[RoundStatus::Planning, RoundStatus::Active])?;
    if targets.len() > 5_000 {
        return Err(AppError::invalid("targets", "too_many"));
    }
    let teams: BTreeSet<TeamId> = store::teams(&mut tx, id).await?.into_iter().map(|t| t.id).collect();
    for (unit, team) in targets {
        match units::get(&mut tx, *unit).await {
            Ok(found) if actor.can(Permission::ViewUnits, &found.path) => {}
            _ => return Err(AppError::invalid("targets", "unit_not_found")),
        }
        if team.is_some_and(|t| !teams.contains(&t)) {
            return Err(AppError::invalid("targets", "team_not_in_round"));
        }
    }
    store::set_targets(&mut tx, id, targets).await?;
    let after = json!({ "targets": targets.iter().map(|(u, t)| json!({"unit_id": u.0, "team_id": t.map(|t| t.0)})).collect::<Vec<_>>() });
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "inspection_round.targets",
        ("inspection_round", Some(id.0)),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A checklist point as the office writes it.
#[derive(Debug, Clone)]
pub struct ItemInput {
    pub title: String,
    pub plan_item_id: Option<PlanItemId>,
    pub indicator_code: Option<String>,
    pub evidence_request: Option<String>,
}

/// The checklist a round would start from: every task assigned to one of its targets, then
/// every leaf of the evaluation scheme it scores, each with the evidence its indicator asks for.
pub async fn proposed_checklist(app: &App, actor: &Actor, id: RoundId) -> Result<Vec<ItemInput>> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    ctx.require_coordinator(actor)?;
    let targets: Vec<UnitId> = store::targets(&mut conn, id).await?.into_iter().map(|t| t.unit_id).collect();
    let mut items = Vec::new();
    for (plan_item, title) in store::assigned_tasks(&mut conn, ctx.campaign.id, &targets).await? {
        items.push(ItemInput {
            title,
            plan_item_id: Some(plan_item),
            indicator_code: None,
            evidence_request: Some("任务台账、过程材料与成效佐证".to_owned()),
        });
    }
    if let Some(scheme) = ctx.round.scheme_id {
        let stored = evaluations::get_scheme(&mut conn, pacesetter_domain::evaluation::records::SchemeId(scheme))
            .await
            .map_err(AppError::from_store("evaluation"))?;
        for leaf in stored.scheme.leaves() {
            items.push(ItemInput {
                title: format!("{} {}", leaf.code, leaf.name),
                plan_item_id: None,
                indicator_code: Some(leaf.code.clone()),
                evidence_request: leaf.evidence.clone(),
            });
        }
    }
    Ok(items)
}

/// Makes `items` the round's checklist while it is being planned and nobody has answered it.
pub async fn set_checklist(app: &App, actor: &Actor, id: RoundId, items: &[ItemInput]) -> Result<Vec<CheckItem>> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    ctx.require_coordinator(actor)?;
    require_status(&ctx.round, &[RoundStatus::Planning])?;
    // Replacing the checklist would drop the answers given to it.
    if store::has_checks(&mut tx, id).await? {
        return Err(AppError::Conflict("checklist_answered"));
    }
    if items.len() > 500 {
        return Err(AppError::invalid("items", "too_many"));
    }
    let mut checked = Vec::with_capacity(items.len());
    for item in items {
        checked.push(NewItem {
            title: text::required("items", &item.title, 500)?,
            plan_item_id: item.plan_item_id,
            indicator_code: text::optional("items", item.indicator_code.as_deref(), 50)?,
            evidence_request: text::optional("items", item.evidence_request.as_deref(), 1000)?,
        });
    }
    let saved = store::replace_items(&mut tx, id, &checked).await?;
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "inspection_round.checklist",
        ("inspection_round", Some(id.0)),
        None,
        Some(&saved),
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

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
    let target = store::target(&mut conn, id, unit).await.map_err(|_| AppError::NotFound("inspection_target"))?;
    let checks = store::checks(&mut conn, id, unit).await?;
    let mut lines = Vec::new();
    for item in store::items_of(&mut conn, id).await? {
        let held = store::held_evidence(&mut conn, &item, ctx.round.scheme_id, unit).await?;
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
        comment: text::optional("comment", input.comment.as_deref(), 2000)?,
        evidence: owned_by(&mut tx, input.unit, &input.evidence).await?,
        checked_by: actor.user.id,
        checked_at: Timestamp::now(),
    };
    store::save_check(&mut tx, &check).await?;
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
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
        app.store.backend(),
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
    pub description: String,
    pub rectification: Option<RectificationInput>,
}

/// A finding with its rectification item and the steps taken on it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FindingView {
    pub finding: Finding,
    pub rectification: Option<Rectification>,
    pub steps: Vec<StepTaken>,
}

/// Records a finding (问题) on a target while the round is under way, with its rectification
/// item (整改) when one is demanded.
pub async fn record_finding(app: &App, actor: &Actor, id: RoundId, input: &FindingInput) -> Result<FindingView> {
    let mut tx = app.store.write().await?;
    let ctx = load(&mut tx, id).await?;
    unit_for(&mut tx, &ctx, actor, input.unit, Permission::Inspect).await?;
    require_status(&ctx.round, &[RoundStatus::Active])?;
    store::target(&mut tx, id, input.unit).await.map_err(|_| AppError::invalid("unit_id", "unit_not_in_round"))?;
    if let Some(item) = input.item
        && !store::items_of(&mut tx, id).await?.iter().any(|i| i.id == item)
    {
        return Err(AppError::invalid("item_id", "item_not_in_round"));
    }
    if let Some(plan_item) = input.plan_item {
        match pacesetter_store::plan_items::get(&mut tx, plan_item).await {
            Ok(found) if found.campaign_id == ctx.campaign.id => {}
            _ => return Err(AppError::invalid("plan_item_id", "plan_item_not_found")),
        }
    }
    let (category, description) =
        (text::required("category", &input.category, 50)?, text::required("description", &input.description, 4000)?);
    let indicator = text::optional("indicator_code", input.indicator_code.as_deref(), 50)?;
    let new = NewFinding {
        round: id,
        unit: input.unit,
        item: input.item,
        plan_item: input.plan_item,
        indicator_code: indicator.as_deref(),
        severity: input.severity,
        category: &category,
        description: &description,
        by: actor.user.id,
    };
    let now = Timestamp::now();
    let finding = store::insert_finding(&mut tx, &new, now).await?;
    audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        actor.into(),
        "finding.create",
        ("finding", Some(finding.id.0)),
        None,
        Some(&finding),
    )
    .await?;
    let rectification = match &input.rectification {
        Some(demand) => Some(demand_rectification(app, &mut tx, actor, &ctx, &finding, demand, now).await?),
        None => None,
    };
    tx.commit().await?;
    Ok(FindingView { finding, rectification, steps: Vec::new() })
}

async fn demand_rectification(
    app: &App,
    tx: &mut AnyConnection,
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
    let measure = text::required("measure", &demand.measure, 2000)?;
    let given_on = now.date_cst();
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
        app.store.backend(),
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
    let finding = store::get_finding(&mut conn, id).await.map_err(AppError::from_store("finding"))?;
    let ctx = load(&mut conn, finding.round_id).await?;
    unit_for(&mut conn, &ctx, actor, finding.unit_id, Permission::ViewUnits)
        .await
        .map_err(|_| AppError::NotFound("finding"))?;
    let rectification = store::rectification_of(&mut conn, id).await?;
    let steps = match &rectification {
        Some(item) => store::steps(&mut conn, item.id).await?,
        None => Vec::new(),
    };
    Ok(FindingView { finding, rectification, steps })
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
    let before = store::get_rectification(&mut tx, id).await.map_err(AppError::from_store("rectification"))?;
    let finding = store::get_finding(&mut tx, before.finding_id).await?;
    let ctx = load(&mut tx, finding.round_id).await?;
    unit_for(&mut tx, &ctx, actor, before.unit_id, input.step.permission()).await?;
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
        app.store.backend(),
        actor.into(),
        &format!("rectification.{}", input.step.as_str()),
        ("rectification", Some(id.0)),
        Some(&before),
        Some(&json!({ "item": &after, "step": &step })),
    )
    .await?;
    let steps = store::steps(&mut tx, id).await?;
    tx.commit().await?;
    Ok(FindingView { finding, rectification: Some(after), steps })
}

/// What the findings ledger lists, as asked for.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    pub round: Option<RoundId>,
    /// Only findings of this unit and the units below it.
    pub under: Option<UnitId>,
    pub severity: Option<Severity>,
    pub state: Option<RectificationState>,
    /// Only items past their deadline with the unit still to respond.
    pub overdue: bool,
    pub page: i64,
    pub per_page: i64,
}

/// A campaign's findings ledger: those of the units the caller sees (the office sees the
/// region); newest first, a page at a time, with the number matching.
pub async fn ledger(
    app: &App,
    actor: &Actor,
    campaign: CampaignId,
    query: &LedgerQuery,
) -> Result<(Vec<LedgerLine>, i64)> {
    let mut conn = app.store.read().await?;
    load_campaign(&mut conn, campaign).await?;
    let mut roots = actor.scope.roots(Permission::ViewUnits);
    if let Some(under) = query.under {
        let unit = units::get(&mut conn, under).await.map_err(|_| AppError::invalid("under", "unit_not_found"))?;
        if !roots.iter().any(|r| unit.path.is_within(r)) {
            return Err(AppError::invalid("under", "unit_not_found"));
        }
        roots = vec![unit.path];
    }
    let filter = LedgerFilter {
        round: query.round,
        within: Some(roots),
        severity: query.severity,
        state: query.state,
        overdue_before: query.overdue.then(|| Timestamp::now().date_cst()),
    };
    let per_page = query.per_page.clamp(1, 200);
    Ok(store::ledger(&mut conn, campaign, &filter, query.page.max(0) * per_page, per_page).await?)
}

/// Deduction items (扣分项) for an evaluation scheme from its campaign's findings whose
/// rectification is overdue or was reopened: one item per finding, of `per` points, on the
/// finding's unit when the scheme ranks it, its source naming the finding and its link pointing
/// to it (`/findings/{id}`). A finding already deducted in this scheme is skipped, so running it
/// again adds only what is new. Returns the items created.
pub async fn deduct_from_findings(
    app: &App,
    actor: &Actor,
    scheme: pacesetter_domain::evaluation::records::SchemeId,
    per: rust_decimal::Decimal,
) -> Result<Vec<pacesetter_domain::evaluation::records::Item>> {
    use crate::evaluations::entries::{self, ItemInput};
    let (members, linked, lines) = {
        let mut conn = app.store.read().await?;
        let stored = evaluations::get_scheme(&mut conn, scheme).await.map_err(AppError::from_store("evaluation"))?;
        let (_, office) = load_campaign(&mut conn, stored.campaign_id).await?;
        actor.require(Permission::ManagePlans, &office.path)?;
        let members: BTreeSet<UnitId> =
            evaluations::members(&mut conn, scheme).await?.into_iter().map(|m| m.unit_id).collect();
        let linked: BTreeSet<String> =
            evaluations::items(&mut conn, scheme, None).await?.into_iter().filter_map(|i| i.source_link).collect();
        let filter = LedgerFilter::default();
        let (mut lines, mut offset) = (Vec::new(), 0);
        loop {
            let (page, total) = store::ledger(&mut conn, stored.campaign_id, &filter, offset, 200).await?;
            offset += page.len() as i64;
            let done = page.is_empty() || offset >= total;
            lines.extend(page);
            if done {
                break;
            }
        }
        (members, linked, lines)
    };
    let today = Timestamp::now().date_cst();
    let mut created = Vec::new();
    for line in lines {
        let Some(item) = &line.rectification else { continue };
        let late = item.state.is_overdue(item.due_on, today);
        if !(late || item.state == RectificationState::Reopened) || !members.contains(&line.finding.unit_id) {
            continue;
        }
        let link = format!("/findings/{}", line.finding.id.0);
        if linked.contains(&link) {
            continue;
        }
        let why = if late { "整改逾期" } else { "整改被退回" };
        let input = ItemInput {
            unit: line.finding.unit_id,
            effect: json!({ "kind": "deduction", "count": 1, "per": per.to_string() }),
            source: format!("督导问题{why}：{}", line.finding.description.chars().take(200).collect::<String>()),
            source_link: Some(link),
        };
        created.push(entries::add_item(app, actor, scheme, &input).await?);
    }
    Ok(created)
}

/// `/findings/{id}`: the link a deduction carries to the finding it comes from.
pub(crate) fn is_finding_link(link: &str) -> bool {
    link.strip_prefix("/findings/").is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}
