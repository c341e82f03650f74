//! Inspections (调研督导, PRODUCT.md C6): rounds planned by the campaign office with teams,
//! target units and a checklist built from the targets' tasks and the evaluation's indicators;
//! the units' self-inspection against the same checklist; inspectors' checks and findings;
//! each finding's rectification item through response, verification and closure (销号).
//!
//! Who may do what: the office's coordinators (`manage_plans` on the office) plan rounds; a
//! unit's liaisons (`report_progress`) self-inspect and respond to rectification items; those
//! with `inspect` on a unit check it, record findings and verify responses. Every signed-in user
//! may read a round; findings and items are read by those who see the unit and by the office.

mod burden;
mod checks;
mod findings;
mod ledger;
pub(crate) mod photos;
pub mod round_page;

use std::collections::BTreeSet;

use pacesetter_domain::{
    Permission, Timestamp, UnitId, UserId,
    ids::{CampaignId, PlanItemId},
    inspection::records::{CheckItem, Round, RoundId, RoundStatus, Target, Team, TeamId},
    plan::Campaign,
    unit::Unit,
};
use pacesetter_store::{
    Conn, StoreError, evaluations, inspections as store,
    inspections::{NewItem, RoundFields},
    units,
};
use serde_json::json;
use time::Date;

use crate::{Actor, App, AppError, Resource, Result, audit, plans::load_campaign, text};

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

async fn load(conn: &mut Conn, id: RoundId) -> Result<Context> {
    let round = store::get_round(conn, id).await.map_err(AppError::from_store(Resource::InspectionRound))?;
    let (campaign, office) = load_campaign(conn, round.campaign_id).await?;
    Ok(Context { round, campaign, office })
}

/// A unit the actor may act on: one they see, or any below the office when they run the
/// campaign; anything else is not found. Then `permission` on it, or 403.
async fn unit_for(conn: &mut Conn, ctx: &Context, actor: &Actor, unit: UnitId, permission: Permission) -> Result<Unit> {
    let unit = units::get(conn, unit).await.map_err(AppError::from_store(Resource::Unit))?;
    if !actor.can(Permission::ViewUnits, &unit.path) && !ctx.coordinates(actor) {
        return Err(AppError::NotFound(Resource::Unit));
    }
    actor.require(permission, &unit.path)?;
    Ok(unit)
}

/// A round's name, dates and the evaluation scheme it also scores, as asked for.
#[derive(Debug, Clone)]
pub struct RoundInput {
    pub name: String,
    /// The name in Tibetan; blank for none.
    pub name_bo: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub scheme_id: Option<i64>,
}

impl RoundInput {
    /// What the store writes: the checked names with the input's dates and scheme.
    fn fields<'a>(&self, name: &'a str, name_bo: Option<&'a str>) -> RoundFields<'a> {
        RoundFields { name, name_bo, starts_on: self.starts_on, ends_on: self.ends_on, scheme_id: self.scheme_id }
    }
}

/// The round's names, Chinese and Tibetan, once its fields are checked.
async fn checked_fields(conn: &mut Conn, campaign: CampaignId, input: &RoundInput) -> Result<(String, Option<String>)> {
    let name = text::required("name", &input.name, text::TextKind::Title)?;
    let name_bo = text::optional("name_bo", Some(&input.name_bo), text::TextKind::Title)?;
    if input.ends_on < input.starts_on {
        return Err(AppError::invalid("ends_on", "ends_before_start"));
    }
    if let Some(scheme) = input.scheme_id {
        match evaluations::get_scheme(conn, pacesetter_domain::evaluation::records::SchemeId(scheme)).await {
            Ok(found) if found.campaign_id == campaign => {}
            _ => return Err(AppError::invalid("scheme_id", "evaluation_not_found")),
        }
    }
    Ok((name, name_bo))
}

/// Plans a round (调研督导) of a campaign; it starts in planning.
pub async fn create_round(app: &App, actor: &Actor, campaign: CampaignId, input: &RoundInput) -> Result<Round> {
    let mut tx = app.store.write().await?;
    let (_, office) = load_campaign(&mut tx, campaign).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let (name, name_bo) = checked_fields(&mut tx, campaign, input).await?;
    let fields = input.fields(&name, name_bo.as_deref());
    let round = store::insert_round(&mut tx, campaign, &fields, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(
        &mut tx,
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
    let (name, name_bo) = checked_fields(&mut tx, ctx.campaign.id, input).await?;
    let order = |s: RoundStatus| RoundStatus::ALL.iter().position(|x| *x == s);
    if order(status) < order(ctx.round.status) {
        return Err(AppError::invalid("status", "round_cannot_go_back"));
    }
    let fields = input.fields(&name, name_bo.as_deref());
    let updated =
        store::update_round(&mut tx, id, version, &fields, status, Timestamp::now()).await.map_err(|e| match e {
            StoreError::Stale => AppError::Stale { current: serde_json::to_value(&ctx.round).unwrap_or_default() },
            other => AppError::from_store(Resource::InspectionRound)(other),
        })?;
    audit::record(
        &mut tx,
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

/// The campaign's rounds the actor may see, newest first.
pub async fn rounds(app: &App, actor: &Actor, campaign: CampaignId) -> Result<Vec<Round>> {
    let mut conn = app.store.read().await?;
    let (_, office) = load_campaign(&mut conn, campaign).await?;
    let all = store::rounds(&mut conn, campaign).await?;
    if actor.can(Permission::ManagePlans, &office.path) {
        return Ok(all);
    }
    let mut seen = Vec::with_capacity(all.len());
    for round in all {
        let (teams, targets) = (store::teams(&mut conn, round.id).await?, store::targets(&mut conn, round.id).await?);
        if sees(&mut conn, actor, &teams, &targets).await?.is_some() {
            seen.push(round);
        }
    }
    Ok(seen)
}

/// Which of a round's targets the actor sees — all of them for a member of one of its teams,
/// those within their scope for anyone else — or `None` when the round is not theirs to see
/// (no team of theirs, no target of theirs). The office sees every round (checked before).
async fn sees(conn: &mut Conn, actor: &Actor, teams: &[Team], targets: &[Target]) -> Result<Option<Vec<Target>>> {
    if teams.iter().any(|team| team.members.contains(&actor.user.id)) {
        return Ok(Some(targets.to_vec()));
    }
    let mut own = Vec::new();
    for target in targets {
        let unit = units::get(conn, target.unit_id).await?;
        if actor.can(Permission::ViewUnits, &unit.path) {
            own.push(target.clone());
        }
    }
    Ok((!own.is_empty()).then_some(own))
}

/// A round with everything planned for it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoundView {
    pub round: Round,
    pub teams: Vec<Team>,
    pub targets: Vec<Target>,
    pub items: Vec<CheckItem>,
}

/// A round, for the office, its inspectors and the units it visits (who see their own targets
/// only); anyone else is told it does not exist.
pub async fn round(app: &App, actor: &Actor, id: RoundId) -> Result<RoundView> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    let (teams, mut targets) = (store::teams(&mut conn, id).await?, store::targets(&mut conn, id).await?);
    if !ctx.coordinates(actor) {
        targets =
            sees(&mut conn, actor, &teams, &targets).await?.ok_or(AppError::NotFound(Resource::InspectionRound))?;
    }
    Ok(RoundView { teams, targets, items: store::items_of(&mut conn, id).await?, round: ctx.round })
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
    let name = text::required("name", name, text::TextKind::Name)?;
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
    /// The title in Tibetan; empty or none: none.
    pub title_bo: Option<String>,
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
    for (plan_item, title, title_bo) in store::assigned_tasks(&mut conn, ctx.campaign.id, &targets).await? {
        items.push(ItemInput {
            title,
            title_bo,
            plan_item_id: Some(plan_item),
            indicator_code: None,
            evidence_request: Some("任务台账、过程材料与成效佐证".to_owned()),
        });
    }
    if let Some(scheme) = ctx.round.scheme_id {
        let stored = evaluations::get_scheme(&mut conn, pacesetter_domain::evaluation::records::SchemeId(scheme))
            .await
            .map_err(AppError::from_store(Resource::Evaluation))?;
        for leaf in stored.scheme.leaves() {
            items.push(ItemInput {
                title: format!("{} {}", leaf.code, leaf.name),
                title_bo: leaf.name_bo.as_ref().map(|name| format!("{} {name}", leaf.code)),
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
        // A point's task is one of the campaign's, or the point is refused (never a 500 from
        // the foreign key, never a task of another campaign).
        if let Some(plan_item) = item.plan_item_id {
            match pacesetter_store::plan_items::get(&mut tx, plan_item).await {
                Ok(found) if found.campaign_id == ctx.campaign.id => {}
                _ => return Err(AppError::invalid("plan_item_id", "plan_item_not_in_campaign")),
            }
        }
        checked.push(NewItem {
            title: text::required("items", &item.title, text::TextKind::Line)?,
            title_bo: text::optional("items", item.title_bo.as_deref(), text::TextKind::Line)?,
            plan_item_id: item.plan_item_id,
            indicator_code: text::optional("items", item.indicator_code.as_deref(), text::TextKind::Label)?,
            evidence_request: text::optional("items", item.evidence_request.as_deref(), text::TextKind::Note)?,
        });
    }
    let saved = store::replace_items(&mut tx, id, &checked).await?;
    audit::record::<(), _>(
        &mut tx,
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

pub use burden::{BurdenLine, BurdenQuery, BurdenView, burden, burden_view};
pub use checks::{CheckInput, Sheet, SheetLine, save_check, sheet, submit_self};
pub(crate) use findings::is_finding_link;
pub use findings::{
    FindingInput, FindingPage, FindingView, RectificationInput, StepInput, chase_rectification, finding, finding_page,
    record_finding, take_step,
};
pub(crate) use ledger::ledger_summary;
pub use ledger::{LedgerPage, LedgerQuery, deduct_from_findings, ledger, ledger_counts, ledger_page, ledger_trend};
pub use pacesetter_store::inspections::LedgerLine;
pub use photos::{add_photos, photo};
