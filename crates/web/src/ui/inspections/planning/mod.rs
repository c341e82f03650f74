//! A round's page and the office's planning of it: the new-round form and, on the round page
//! while the round is planned or under way, its name and dates, its teams, the units it visits
//! and (until it starts) its checklist. Each is a plain form; when the app refuses one, the
//! page comes back with the message beside the field and the input kept.

mod checklist;
mod fields;
mod round_form;
mod teams;

pub use checklist::{generate_checklist, set_checklist};
pub use round_form::{create_round, new_round, update_round};
pub use teams::{add_team, set_targets};

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use fields::{Planning, Shown};
use pacesetter_app::{
    Actor, AppError,
    inspections::{self, RoundInput, round_page::RoundPage as RoundView},
    plans,
};
use pacesetter_domain::{
    ValidationError,
    inspection::records::{RoundId, RoundStatus, Target},
    timestamp::format_date,
    unit::Unit,
};
use serde::Deserialize;

use crate::ui::named::Named;
use crate::ui::page::{PageForm, PageQuery, PageResult};
use crate::{
    AppState,
    i18n::Tr,
    ui::context::{PageCtx, SignedIn, render},
};

pub struct TargetRow {
    pub unit_id: i64,
    pub unit: String,
    pub team: String,
    pub submitted: bool,
}

#[derive(Template)]
#[template(path = "inspections/round.html")]
struct RoundPage {
    p: PageCtx,
    id: i64,
    campaign: i64,
    name: Named,
    dates: String,
    status: &'static str,
    version: i64,
    /// The status the office may move the round to next.
    next_status: Option<&'static str>,
    teams: Vec<(String, usize)>,
    targets: Vec<TargetRow>,
    /// The checklist's points in the reader's language, with the evidence each asks for.
    items: Vec<(Named, String)>,
    /// Whether the caller runs the campaign (and may plan another round).
    manages: bool,
    /// The planning forms, for the office while the round is planned or under way.
    plan: Option<Planning>,
    notice: String,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    n: Option<String>,
}

/// A round: who visits whom, with what checklist; the office plans it here.
pub async fn show_round(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<DoneQuery>,
) -> PageResult {
    let t = ctx.t;
    let notice = match query.done.as_deref() {
        Some("generated") => {
            t.n("inspection.plan.generated", query.n.and_then(|n| n.parse::<usize>().ok()).unwrap_or(0))
        }
        Some(done @ ("round" | "team" | "targets" | "checklist")) => t.tk("inspection.plan.done", done).to_owned(),
        _ => String::new(),
    };
    page(&state, &actor, ctx, id, Shown { notice, ..Shown::default() }, StatusCode::OK).await
}

fn target_row(view: &inspections::RoundView, target: &Target, unit: &Unit, t: Tr) -> TargetRow {
    TargetRow {
        unit_id: unit.id.0,
        unit: unit.display_name(t.locale).to_owned(),
        team: view
            .teams
            .iter()
            .find(|team| Some(team.id) == target.team_id)
            .map(|team| team.name.clone())
            .unwrap_or_default(),
        submitted: target.self_submitted_at.is_some(),
    }
}

/// The round page, with a refused form's input and messages when there are any.
async fn page(state: &AppState, actor: &Actor, ctx: PageCtx, id: i64, shown: Shown, status: StatusCode) -> PageResult {
    let t = ctx.t;
    let RoundView { view, manages, targets: seen, planning } =
        inspections::round_page::round_page(&state.app, actor, RoundId(id)).await?;
    let targets = seen.iter().map(|(target, unit)| target_row(&view, target, unit, t)).collect();
    let next_status = match (manages, view.round.status) {
        (true, RoundStatus::Planning) => Some("active"),
        (true, RoundStatus::Active) => Some("completed"),
        _ => None,
    };
    let notice = shown.notice.clone();
    let plan = planning.map(|choices| fields::planning(t, &view, &seen, choices, shown));
    let page = RoundPage {
        id,
        campaign: view.round.campaign_id.0,
        name: Named::of(&view.round.name, view.round.name_bo.as_deref(), t.locale),
        dates: format!("{} — {}", format_date(view.round.starts_on), format_date(view.round.ends_on)),
        status: view.round.status.as_str(),
        version: view.round.version,
        next_status,
        teams: view.teams.iter().map(|team| (team.name.clone(), team.members.len())).collect(),
        targets,
        items: view
            .items
            .iter()
            .map(|i| {
                let title = Named::of(&i.title, i.title_bo.as_deref(), ctx.t.locale);
                (title, i.evidence_request.clone().unwrap_or_default())
            })
            .collect(),
        manages,
        plan,
        notice,
        p: ctx.with_nav("inspections"),
    };
    Ok((status, render(&page)).into_response())
}

/// Where the app's complaint about a planning form goes: beside its fields, or over the form;
/// anything else (not found, not allowed) is the error page.
fn complaint(t: Tr, error: AppError) -> Result<(ValidationError, String, StatusCode), AppError> {
    match error {
        AppError::Invalid(errors) => Ok((errors, String::new(), StatusCode::UNPROCESSABLE_ENTITY)),
        AppError::Unprocessable { code, .. } => {
            Ok((ValidationError::new(), t.error(code), StatusCode::UNPROCESSABLE_ENTITY))
        }
        AppError::Conflict(code) => Ok((ValidationError::new(), t.error(code), StatusCode::CONFLICT)),
        AppError::Stale { .. } => {
            Ok((ValidationError::new(), t.t("error.stale_version").to_owned(), StatusCode::CONFLICT))
        }
        other => Err(other),
    }
}

/// The round page again with the refused form as it was sent and the app's complaint.
async fn refused(state: &AppState, actor: &Actor, ctx: PageCtx, id: i64, shown: Shown, error: AppError) -> PageResult {
    match complaint(ctx.t, error) {
        Ok((errors, message, status)) => {
            return page(state, actor, ctx, id, Shown { errors, message, ..shown }, status).await;
        }
        Err(error) => Err(error.into()),
    }
}

/// Whether the caller runs the round's campaign. Only they are told what is wrong with input
/// the app never saw (an unreadable date); anyone else is refused as the app would refuse them.
async fn plans_round(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    let round = inspections::round(&state.app, actor, RoundId(id)).await?.round;
    plans::managed_campaign(&state.app, actor, round.campaign_id).await.map(|_| ())
}

#[derive(Deserialize)]
pub struct AdvanceForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    status: String,
}

/// Moves a round forward (planning → under way → completed).
pub async fn advance_round(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AdvanceForm>,
) -> PageResult {
    let result = async {
        let round = inspections::round(&state.app, &actor, RoundId(id)).await?.round;
        let status = RoundStatus::parse(&form.status).ok_or(AppError::invalid("status", "invalid_status"))?;
        let input = RoundInput {
            name: round.name.clone(),
            name_bo: round.name_bo.clone().unwrap_or_default(),
            starts_on: round.starts_on,
            ends_on: round.ends_on,
            scheme_id: round.scheme_id,
        };
        inspections::update_round(&state.app, &actor, round.id, form.version, &input, status).await
    }
    .await;
    result?;
    Ok(Redirect::to(&format!("/inspection-rounds/{id}")).into_response())
}
