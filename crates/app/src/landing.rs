//! Where each person lands after signing in: where their work is (issue 19). The office on its
//! campaign's dashboard, an inspector on the round they are on, a judge on what they
//! judge, a unit's people on their tasks, an administrator on the organisation, anyone else on
//! the dashboard they may read.

use pacesetter_domain::{
    Role,
    ids::CampaignId,
    inspection::records::{RoundId, RoundStatus},
};
use pacesetter_store::{campaigns, inspections};

use crate::{Actor, App, Result};

/// A person's first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    Dashboard(CampaignId),
    Round(RoundId),
    Judging,
    Tasks,
    Units,
    Campaigns,
}

pub async fn landing(app: &App, actor: &Actor) -> Result<Landing> {
    let holds = |role: Role| actor.scope.grants.iter().any(|grant| grant.role == role);
    let mut conn = app.store.read().await?;
    let all = campaigns::all(&mut conn).await?;
    let dashboard = all.first().map(|campaign| Landing::Dashboard(campaign.id));
    if holds(Role::Coordinator)
        && let Some(dashboard) = dashboard
    {
        return Ok(dashboard);
    }
    if holds(Role::Inspector) {
        // The round under way first, then the one being prepared, then the latest done (whose
        // rectification goes on); rounds come newest first.
        let mut best: Option<(u8, RoundId)> = None;
        for campaign in &all {
            for round in inspections::rounds(&mut conn, campaign.id).await? {
                let rank = match round.status {
                    RoundStatus::Active => 0,
                    RoundStatus::Planning => 1,
                    RoundStatus::Completed => 2,
                };
                if best.is_some_and(|(better, _)| better <= rank) {
                    continue;
                }
                let teams = inspections::teams(&mut conn, round.id).await?;
                if teams.iter().any(|team| team.members.contains(&actor.user.id)) {
                    best = Some((rank, round.id));
                }
            }
        }
        if let Some((_, round)) = best {
            return Ok(Landing::Round(round));
        }
    }
    Ok(if holds(Role::Judge) {
        Landing::Judging
    } else if holds(Role::Liaison) || holds(Role::UnitApprover) {
        Landing::Tasks
    } else if holds(Role::Admin) {
        Landing::Units
    } else {
        dashboard.unwrap_or(Landing::Campaigns)
    })
}
