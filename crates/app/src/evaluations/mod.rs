//! Evaluation (综合考评, SCORING.md §1): schemes and the units they rank. Score entries and
//! items are in `entries`, runs, results and explanations in `runs`, appeals in `appeals`.
//!
//! Who may do what: the campaign office's coordinators (`manage_plans` on the office) build
//! schemes, record items, run, publish and decide appeals; a unit's liaisons
//! (`report_progress`) self-assess and appeal; inspectors (`inspect`, granted on the units they
//! are assigned to) enter inspector scores. Every signed-in user may read a scheme; a unit's
//! entries are read by those who see the unit and by the office.

pub mod appeals;
pub mod bulletin;
pub mod entries;
pub mod import;
pub mod pages;
pub mod runs;

use std::collections::BTreeSet;

use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    evaluation::{
        Rubric, Scheme,
        records::{Member, SchemeId, SchemeStatus, StoredScheme, check_bounds},
    },
    ids::{CampaignId, PlanItemId},
    plan::Campaign,
    unit::{Unit, UnitPath},
};
use pacesetter_store::{Conn, StoreError, evaluation_runs, evaluations as store, plan_items, units};
use serde_json::json;

use crate::{Actor, App, AppError, Resource, Result, audit, plans::load_campaign};

/// A scheme with its campaign and the office that runs it.
pub(crate) struct Context {
    pub scheme: StoredScheme,
    pub campaign: Campaign,
    pub office: Unit,
}

impl Context {
    pub(crate) fn coordinates(&self, actor: &Actor) -> bool {
        actor.can(Permission::ManagePlans, &self.office.path)
    }

    /// The subtrees whose members the caller sees: `None` (all of them) for a coordinator.
    pub(crate) fn member_scope(&self, actor: &Actor) -> Option<Vec<UnitPath>> {
        (!self.coordinates(actor)).then(|| actor.scope.roots(Permission::ViewUnits))
    }

    pub(crate) fn require_coordinator(&self, actor: &Actor) -> Result<()> {
        actor.require(Permission::ManagePlans, &self.office.path)
    }
}

pub(crate) async fn load(conn: &mut Conn, id: SchemeId) -> Result<Context> {
    let scheme = store::get_scheme(conn, id).await.map_err(AppError::from_store(Resource::Evaluation))?;
    let (campaign, office) = load_campaign(conn, scheme.campaign_id).await?;
    Ok(Context { scheme, campaign, office })
}

/// A unit the actor may act on in this scheme: one they see, or any when they run the
/// campaign; anything else is not found. Then `permission` on it, or 403.
pub(crate) async fn unit_for(
    conn: &mut Conn,
    ctx: &Context,
    actor: &Actor,
    unit: UnitId,
    permission: Permission,
) -> Result<Unit> {
    let unit = units::get(conn, unit).await.map_err(AppError::from_store(Resource::Unit))?;
    if !actor.can(Permission::ViewUnits, &unit.path) && !ctx.coordinates(actor) {
        return Err(AppError::NotFound(Resource::Unit));
    }
    if permission != Permission::ViewUnits || !ctx.coordinates(actor) {
        actor.require(permission, &unit.path)?;
    }
    Ok(unit)
}

/// Refuses a change to a unit's inputs once the scheme is published, unless an appeal (复核)
/// for that unit is open: published numbers change only through a reviewed new version.
pub(crate) async fn require_open_for(conn: &mut Conn, scheme: SchemeId, unit: UnitId) -> Result<()> {
    if evaluation_runs::latest_published(conn, scheme).await?.is_none() {
        return Ok(());
    }
    let open = evaluation_runs::appeals(conn, scheme, Some(unit)).await?.iter().any(|a| a.decision.is_none());
    if open { Ok(()) } else { Err(AppError::Conflict("evaluation_published")) }
}

pub(crate) fn unprocessable(code: &'static str, details: serde_json::Value) -> AppError {
    AppError::Unprocessable { code, details }
}

/// A unit to rank, as asked for.
#[derive(Debug, Clone)]
pub struct MemberInput {
    pub unit: UnitId,
    pub category: String,
    /// The leaves it self-assesses; `None`: every leaf not computed by the server.
    pub self_assess: Option<Vec<String>>,
}

/// A scheme as asked for; the scheme itself is raw JSON, read only after the permission check.
#[derive(Debug, Clone)]
pub struct SchemeInput {
    pub name: String,
    /// The name in Tibetan; blank for none.
    pub name_bo: String,
    pub scheme: serde_json::Value,
    pub units: Vec<MemberInput>,
}

/// Parses and checks a scheme, naming the offending node.
fn parse_scheme(value: &serde_json::Value) -> Result<Scheme> {
    let scheme: Scheme = serde_json::from_value(value.clone())
        .map_err(|e| unprocessable("scheme_invalid", json!({ "message": e.to_string() })))?;
    check_bounds(&scheme)
        .and_then(|()| scheme.check())
        .map_err(|e| unprocessable(e.code, json!({ "node": e.node })))?;
    Ok(scheme)
}

/// The leaves computed by the server rather than scored by people.
pub(crate) fn computed(scheme: &Scheme, code: &str) -> bool {
    scheme.node(code).is_some_and(|n| matches!(n.rubric, Some(Rubric::TaskCompletion { .. })))
}

/// Checks the name, the scheme, its plan items and the units; returns what to store.
async fn validate(
    conn: &mut Conn,
    actor: &Actor,
    campaign: CampaignId,
    input: &SchemeInput,
) -> Result<((String, Option<String>), Scheme, Vec<Member>)> {
    let name = crate::text::required("name", &input.name, crate::text::TextKind::Title)?;
    let name_bo = crate::text::optional("name_bo", Some(&input.name_bo), crate::text::TextKind::Title)?;
    let scheme = parse_scheme(&input.scheme)?;
    for leaf in scheme.leaves() {
        if let Some(Rubric::TaskCompletion { plan_items: items }) = &leaf.rubric {
            for item in items {
                let found = plan_items::get(conn, PlanItemId(*item)).await;
                if !found.is_ok_and(|i| i.campaign_id == campaign) {
                    return Err(unprocessable("plan_item_not_in_campaign", json!({ "node": leaf.code })));
                }
            }
        }
    }
    if input.units.len() > 10_000 {
        return Err(AppError::invalid("units", "too_many"));
    }
    let leaves: Vec<&str> = scheme.leaves().map(|l| l.code.as_str()).collect();
    let mut seen = BTreeSet::new();
    let mut members = Vec::with_capacity(input.units.len());
    for wanted in &input.units {
        let unit = units::get(conn, wanted.unit).await.map_err(|_| AppError::invalid("units", "unit_not_found"))?;
        if !actor.can(Permission::ViewUnits, &unit.path) {
            return Err(AppError::invalid("units", "unit_not_found"));
        }
        if !seen.insert(unit.id) {
            return Err(AppError::invalid("units", "unit_repeated"));
        }
        let category = crate::text::required("category", &wanted.category, crate::text::TextKind::Name)?;
        let self_leaves: Vec<String> = match &wanted.self_assess {
            None => leaves.iter().filter(|c| !computed(&scheme, c)).map(|c| (*c).to_owned()).collect(),
            Some(codes) => {
                let mut codes = codes.clone();
                codes.sort();
                codes.dedup();
                if let Some(bad) = codes.iter().find(|c| !leaves.contains(&c.as_str()) || computed(&scheme, c)) {
                    return Err(unprocessable("leaf_not_self_assessable", json!({ "node": bad })));
                }
                codes
            }
        };
        members.push(Member { unit_id: unit.id, category, self_leaves, submitted_at: None });
    }
    Ok(((name, name_bo), scheme, members))
}

/// A scheme as its pages and the API show it; its members are read apart ([`members`],
/// [`entries::member_lines`]), since a national scheme ranks tens of thousands of units.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SchemeView {
    pub scheme: StoredScheme,
    pub can_manage: bool,
    /// The newest published version, once there is one.
    pub published_version: Option<i64>,
}

/// Schemes of a campaign (or of all); readable by everyone signed in, like plans.
pub async fn list(app: &App, _actor: &Actor, campaign: Option<CampaignId>) -> Result<Vec<StoredScheme>> {
    let mut conn = app.store.read().await?;
    Ok(store::schemes(&mut conn, campaign).await?)
}

/// A scheme, readable by everyone signed in.
pub async fn get(app: &App, actor: &Actor, id: SchemeId) -> Result<SchemeView> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    let published_version = evaluation_runs::latest_published(&mut conn, id).await?.and_then(|r| r.version);
    Ok(SchemeView { can_manage: ctx.coordinates(actor), scheme: ctx.scheme, published_version })
}

/// The units a scheme ranks with the leaves each self-assesses: every unit for the office,
/// otherwise those the caller sees (a unit's progress through self-assessment is its own and
/// the office's business).
pub async fn members(app: &App, actor: &Actor, id: SchemeId) -> Result<Vec<Member>> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, id).await?;
    let lines = store::every_member(&mut conn, id, ctx.member_scope(actor).as_deref()).await?;
    Ok(lines.into_iter().map(|(member, _)| member).collect())
}

/// Creates a scheme (as a draft) with the units it ranks.
pub async fn create(app: &App, actor: &Actor, campaign: CampaignId, input: &SchemeInput) -> Result<StoredScheme> {
    let mut tx = app.store.write_alone().await?;
    let (campaign, office) = load_campaign(&mut tx, campaign).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let (name, scheme, members) = validate(&mut tx, actor, campaign.id, input).await?;
    let stored = store::insert_scheme(
        &mut tx,
        campaign.id,
        (&name.0, name.1.as_deref()),
        &scheme,
        actor.user.id,
        Timestamp::now(),
    )
    .await?;
    store::set_members(&mut tx, stored.id, &members).await?;
    let after = json!({ "scheme": &stored, "members": &members });
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "evaluation.create",
        ("evaluation", Some(stored.id.0)),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(stored)
}

/// Replaces a scheme, its status (`None`: unchanged) and its units if `version` is current; a published scheme
/// is frozen (its results change only through appeals).
pub async fn update(
    app: &App,
    actor: &Actor,
    id: SchemeId,
    version: i64,
    status: Option<SchemeStatus>,
    input: &SchemeInput,
) -> Result<StoredScheme> {
    let mut tx = app.store.write_alone().await?;
    let ctx = load(&mut tx, id).await?;
    ctx.require_coordinator(actor)?;
    if evaluation_runs::latest_published(&mut tx, id).await?.is_some() {
        return Err(AppError::Conflict("evaluation_published"));
    }
    if ctx.scheme.version != version {
        return Err(AppError::Stale { current: serde_json::to_value(&ctx.scheme).unwrap_or_default() });
    }
    let (name, scheme, members) = validate(&mut tx, actor, ctx.campaign.id, input).await?;
    let status = status.unwrap_or(ctx.scheme.status);
    let before = json!({ "scheme": &ctx.scheme, "members": store::members(&mut tx, id).await? });
    let stored =
        store::update_scheme(&mut tx, id, version, (&name.0, name.1.as_deref()), &scheme, status, Timestamp::now())
            .await
            .map_err(AppError::from_store(Resource::Evaluation))?;
    store::set_members(&mut tx, id, &members).await.map_err(|e| match e {
        StoreError::MissingReference => AppError::Conflict("unit_has_entries"),
        other => AppError::from(other),
    })?;
    let after = json!({ "scheme": &stored, "members": &members });
    audit::record(&mut tx, actor.into(), "evaluation.update", ("evaluation", Some(id.0)), Some(&before), Some(&after))
        .await?;
    tx.commit().await?;
    Ok(stored)
}

/// A scheme the actor manages, for the pages that change it: `forbidden` for anyone else who
/// sees it.
pub async fn managed(app: &App, actor: &Actor, id: SchemeId) -> Result<SchemeView> {
    let view = get(app, actor, id).await?;
    if view.can_manage { Ok(view) } else { Err(AppError::Forbidden) }
}
