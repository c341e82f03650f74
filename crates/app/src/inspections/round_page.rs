//! What a round's page shows, gathered in one call: the round, whether the caller runs its
//! campaign, the targets the caller sees with their units, and — for the office while the
//! round is not completed — what its planning forms choose from.

use pacesetter_domain::{
    Permission, UnitId,
    evaluation::records::StoredScheme,
    inspection::records::{RoundId, RoundStatus, Target},
    unit::Unit,
    user::User,
};

use super::{RoundView, round};
use crate::{Actor, App, PageRequest, Result, evaluations, plans, units, users};

/// Accounts and units listed at most on the planning forms.
const CHOICES: i64 = 500;

#[derive(Debug, Clone)]
pub struct RoundPage {
    pub view: RoundView,
    /// Whether the caller runs the campaign (and may plan another round).
    pub manages: bool,
    /// The targets the caller may see, each with its unit; the others are left out, as
    /// everywhere.
    pub targets: Vec<(Target, Unit)>,
    pub planning: Option<PlanningChoices>,
}

/// What the office's planning forms choose from.
#[derive(Debug, Clone)]
pub struct PlanningChoices {
    pub office: Unit,
    /// Enabled accounts, for the teams.
    pub people: Vec<User>,
    /// Units a round may visit: two levels below the office, and below every other tree the
    /// caller plans for (the territory, when the office also coordinates it).
    pub trees: Vec<TargetTree>,
    /// The campaign's evaluation schemes, for "also scores".
    pub schemes: Vec<StoredScheme>,
}

#[derive(Debug, Clone)]
pub struct TargetTree {
    pub root: Unit,
    /// Each child of the root with its own children.
    pub children: Vec<(Unit, Vec<Unit>)>,
}

pub async fn round_page(app: &App, actor: &Actor, id: RoundId) -> Result<RoundPage> {
    let view = round(app, actor, id).await?;
    let campaign = plans::campaign(app, actor, view.round.campaign_id).await?;
    let mut targets = Vec::new();
    for target in &view.targets {
        match units::get(app, actor, target.unit_id).await {
            Ok(unit) => targets.push((target.clone(), unit)),
            Err(crate::AppError::NotFound(_)) => {}
            Err(error) => return Err(error),
        }
    }
    let planning = if campaign.can_manage && view.round.status != RoundStatus::Completed {
        Some(planning_choices(app, actor, campaign.office.clone(), &view).await?)
    } else {
        None
    };
    Ok(RoundPage { manages: campaign.can_manage, view, targets, planning })
}

async fn planning_choices(app: &App, actor: &Actor, office: Unit, view: &RoundView) -> Result<PlanningChoices> {
    let mut people = users::list(app, actor, Default::default(), PageRequest::new(Some(1), Some(CHOICES))).await?.items;
    people.retain(|user| user.disabled_at.is_none());
    let mut roots = vec![office.clone()];
    for path in actor.scope.roots(Permission::ManagePlans) {
        // A tree holding the office (the steering group above it) is the office's own.
        if office.path.is_within(&path) || path.is_within(&office.path) {
            continue;
        }
        let Some(id) = path.ids().last().copied() else { continue };
        roots.push(units::get(app, actor, id).await?);
    }
    let mut trees = Vec::new();
    for root in roots {
        let mut children = Vec::new();
        for child in children_of(app, actor, root.id).await? {
            let below = children_of(app, actor, child.id).await?;
            children.push((child, below));
        }
        trees.push(TargetTree { root, children });
    }
    let schemes = evaluations::list(app, actor, Some(view.round.campaign_id)).await?;
    Ok(PlanningChoices { office, people, trees, schemes })
}

async fn children_of(app: &App, actor: &Actor, parent: UnitId) -> Result<Vec<Unit>> {
    let query = units::UnitQuery { parent: Some(parent), ..units::UnitQuery::default() };
    Ok(units::list(app, actor, &query, PageRequest::new(Some(1), Some(CHOICES))).await?.items)
}
