//! Who visits whom: a round's teams of inspectors (a leader and members), and the units it
//! visits, each with its team.

use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{AppError, inspections};
use pacesetter_domain::{
    UnitId, UserId, ValidationError,
    inspection::records::{RoundId, TeamId},
};

use super::{
    fields::{Shown, TeamFields},
    plans_round, refused,
};
use crate::ui::page::{PageForm, PageResult};
use crate::{AppState, ui::context::SignedIn};

fn value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
}

/// Forms a team: `name`, `leader` (a user id) and any number of `member`s.
pub async fn add_team(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let typed = TeamFields {
        name: value(&fields, "name").to_owned(),
        leader: value(&fields, "leader").to_owned(),
        members: fields.iter().filter(|(n, _)| n == "member").map(|(_, v)| v.clone()).collect(),
    };
    let shown = |team: TeamFields| Shown { form: "team", team: Some(team), ..Shown::default() };
    let Ok(leader) = typed.leader.trim().parse::<i64>().map(UserId) else {
        let mut errors = ValidationError::single("leader", "required");
        if typed.name.trim().is_empty() {
            errors.push("name", "required");
        }
        plans_round(&state, &actor, id).await?;
        return refused(&state, &actor, ctx, id, shown(typed), AppError::Invalid(errors)).await;
    };
    // A member's box that is not a number names nobody the app could find.
    let members: Vec<UserId> =
        typed.members.iter().map(|m| UserId(m.trim().parse().unwrap_or(0))).filter(|m| *m != leader).collect();
    Ok(match inspections::add_team(&state.app, &actor, RoundId(id), &typed.name, leader, &members).await {
        Ok(_) => Redirect::to(&format!("/inspection-rounds/{id}?done=team#teams")).into_response(),
        Err(error) => return refused(&state, &actor, ctx, id, shown(typed), error).await,
    })
}

/// Sets the units the round visits: each ticked `unit`, with its team from `team_{unit}`.
pub async fn set_targets(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let mut typed: Vec<(i64, String)> = Vec::new();
    for (_, text) in fields.iter().filter(|(n, _)| n == "unit") {
        // A box that is not a number names no unit the app could find.
        let unit = text.trim().parse().unwrap_or(0);
        if !typed.iter().any(|(u, _)| *u == unit) {
            typed.push((unit, value(&fields, &format!("team_{unit}")).to_owned()));
        }
    }
    let targets: Vec<(UnitId, Option<TeamId>)> =
        typed.iter().map(|(unit, team)| (UnitId(*unit), team.trim().parse().ok().map(TeamId))).collect();
    Ok(match inspections::set_targets(&state.app, &actor, RoundId(id), &targets).await {
        Ok(()) => Redirect::to(&format!("/inspection-rounds/{id}?done=targets#targets")).into_response(),
        Err(error) => {
            let shown = Shown { form: "targets", targets: Some(typed), ..Shown::default() };
            return refused(&state, &actor, ctx, id, shown, error).await;
        }
    })
}
