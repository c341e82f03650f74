//! The inspection pages (调研督导): a campaign's rounds and its findings ledger (问题台账) with
//! counts by state and filters; a finding with its rectification item (整改), every step
//! taken, and the step the caller may take — the unit responds, the inspectors close it (销号)
//! or send it back with a reason. The same app functions as the JSON API check who may do what.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{
    Actor, AppError,
    inspections::{self, FindingView, LedgerQuery, StepInput},
    plans, units,
};
use pacesetter_domain::{
    Permission, Timestamp, UnitId,
    ids::CampaignId,
    inspection::{
        RectificationState, RectificationStep, Severity,
        records::{FindingId, RoundId},
    },
    timestamp::format_date,
};
use serde::Deserialize;

use crate::{
    AppState,
    i18n::Tr,
    ui::context::{PageCtx, SignedIn, check_csrf, error_page, render},
};

const PER_PAGE: i64 = 20;

pub struct RoundRow {
    pub id: i64,
    pub name: String,
    pub dates: String,
    pub status_key: String,
}

pub struct FindingRow {
    pub id: i64,
    pub unit: String,
    pub round: String,
    pub severity: &'static str,
    pub category: String,
    pub description: String,
    pub state: &'static str,
    pub due_on: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "inspections/index.html")]
struct IndexPage {
    p: PageCtx,
    campaigns: Vec<(i64, String)>,
    campaign: i64,
    rounds: Vec<RoundRow>,
    /// Findings by the state of their rectification item, and how many are overdue.
    counts: Vec<(&'static str, i64)>,
    overdue_count: i64,
    rows: Vec<FindingRow>,
    total: i64,
    /// The round filtered on; 0 for all.
    round: i64,
    severity: String,
    state: String,
    overdue: bool,
    severities: Vec<&'static str>,
    states: Vec<&'static str>,
    filters: String,
    /// The same filters as the export's query.
    api_filters: String,
    page: i64,
    pages: i64,
}

#[derive(Deserialize, Default)]
pub struct IndexQuery {
    campaign: Option<i64>,
    round: Option<i64>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    overdue: Option<String>,
    page: Option<i64>,
}

fn severity_key(severity: Severity) -> &'static str {
    match severity {
        Severity::Minor => "minor",
        Severity::Major => "major",
        Severity::Serious => "serious",
    }
}

/// A unit's name in the page's language, or a placeholder when the caller may not see it.
async fn unit_label(state: &AppState, actor: &Actor, unit: UnitId, t: Tr) -> String {
    match units::get(&state.app, actor, unit).await {
        Ok(found) => found.display_name(t.locale).to_owned(),
        Err(_) => t.t("inspection.unknown_unit").to_owned(),
    }
}

impl IndexPage {
    fn empty(p: PageCtx) -> Self {
        Self {
            p,
            campaigns: Vec::new(),
            campaign: 0,
            rounds: Vec::new(),
            counts: Vec::new(),
            overdue_count: 0,
            rows: Vec::new(),
            total: 0,
            round: 0,
            severity: String::new(),
            state: String::new(),
            overdue: false,
            severities: Severity::ALL.iter().map(|s| severity_key(*s)).collect(),
            states: RectificationState::ALL.iter().map(|s| s.as_str()).collect(),
            filters: String::new(),
            api_filters: String::new(),
            page: 1,
            pages: 0,
        }
    }
}

/// A campaign's rounds and findings ledger; the newest campaign when none is asked for.
pub async fn index(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Query(q): Query<IndexQuery>,
) -> Response {
    let t = ctx.t;
    let mut page = IndexPage::empty(ctx.with_nav("inspections"));
    match fill_index(&state, &actor, &q, &mut page).await {
        Ok(()) => render(&page).into_response(),
        Err(error) => error_page(t, &error),
    }
}

async fn fill_index(state: &AppState, actor: &Actor, q: &IndexQuery, page: &mut IndexPage) -> Result<(), AppError> {
    let t = page.p.t;
    let mut campaigns = plans::list_campaigns(&state.app, actor).await?;
    campaigns.sort_by_key(|c| std::cmp::Reverse((c.year, c.id.0)));
    let Some(campaign) = q.campaign.or_else(|| campaigns.first().map(|c| c.id.0)) else { return Ok(()) };
    let in_campaign = CampaignId(campaign);
    let rounds = inspections::rounds(&state.app, actor, in_campaign).await?;
    let severity = Severity::parse(&q.severity);
    let chosen_state = RectificationState::parse(&q.state);
    let overdue = q.overdue.as_deref() == Some("1");
    let number = q.page.unwrap_or(1).max(1);
    let query = LedgerQuery {
        round: q.round.map(RoundId),
        severity,
        state: chosen_state,
        overdue,
        page: number - 1,
        per_page: PER_PAGE,
        ..LedgerQuery::default()
    };
    let (lines, total) = inspections::ledger(&state.app, actor, in_campaign, &query).await?;
    let (counts, overdue_count) =
        inspections::ledger_counts(&state.app, actor, in_campaign, &LedgerQuery::default()).await?;
    page.counts = counts.into_iter().map(|(s, n)| (s.as_str(), n)).collect();
    page.overdue_count = overdue_count;
    let round_name = |id: RoundId| rounds.iter().find(|r| r.id == id).map(|r| r.name.clone()).unwrap_or_default();
    let today = Timestamp::now().date_cst();
    for line in lines {
        let f = &line.finding;
        page.rows.push(FindingRow {
            id: f.id.0,
            unit: unit_label(state, actor, f.unit_id, t).await,
            round: round_name(f.round_id),
            severity: severity_key(f.severity),
            category: f.category.clone(),
            description: f.description.clone(),
            state: line.rectification.as_ref().map_or("none", |r| r.state.as_str()),
            due_on: line.rectification.as_ref().map(|r| format_date(r.due_on)).unwrap_or_default(),
            overdue: line.rectification.as_ref().is_some_and(|r| r.state.is_overdue(r.due_on, today)),
        });
    }
    let mut filters = format!("campaign={campaign}");
    let mut api_filters = Vec::new();
    if let Some(round) = q.round {
        filters.push_str(&format!("&round={round}"));
        api_filters.push(format!("round_id={round}"));
    }
    if let Some(s) = severity {
        filters.push_str(&format!("&severity={}", s.as_str()));
        api_filters.push(format!("severity={}", s.as_str()));
    }
    if let Some(s) = chosen_state {
        filters.push_str(&format!("&state={}", s.as_str()));
        api_filters.push(format!("state={}", s.as_str()));
    }
    if overdue {
        filters.push_str("&overdue=1");
        api_filters.push("overdue=true".to_owned());
    }
    page.api_filters = api_filters.join("&");
    page.campaigns = campaigns.iter().map(|c| (c.id.0, c.name.clone())).collect();
    page.campaign = campaign;
    page.rounds = rounds
        .iter()
        .map(|r| RoundRow {
            id: r.id.0,
            name: r.name.clone(),
            dates: format!("{} — {}", format_date(r.starts_on), format_date(r.ends_on)),
            status_key: format!("inspection.round_status.{}", r.status.as_str()),
        })
        .collect();
    page.total = total;
    page.round = q.round.unwrap_or(0);
    page.severity = severity.map(|s| s.as_str().to_owned()).unwrap_or_default();
    page.state = chosen_state.map(|s| s.as_str().to_owned()).unwrap_or_default();
    page.overdue = overdue;
    page.filters = filters;
    page.page = number;
    page.pages = (total + PER_PAGE - 1) / PER_PAGE;
    Ok(())
}

pub struct StepRow {
    pub at: String,
    pub step_key: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "inspections/finding.html")]
struct FindingPage {
    p: PageCtx,
    id: i64,
    campaign: i64,
    unit: String,
    severity: &'static str,
    category: String,
    description: String,
    created_at: String,
    /// The rectification item: responsible unit, measure, dates, state.
    item: Option<ItemBlock>,
    steps: Vec<StepRow>,
    can_respond: bool,
    can_close: bool,
    can_reopen: bool,
    /// A refused step's message and text, shown again beside the form.
    error: String,
    text: String,
}

pub struct ItemBlock {
    pub unit: String,
    pub measure: String,
    pub given_on: String,
    pub due_on: String,
    pub state: &'static str,
    pub overdue: bool,
    pub version: i64,
}

/// A finding with its rectification item and the steps the caller may take.
pub async fn finding(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    finding_page(&state, &actor, ctx, id, (String::new(), String::new()), StatusCode::OK).await
}

async fn finding_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    (error, text): (String, String),
    status: StatusCode,
) -> Response {
    let t = ctx.t;
    let view: FindingView = match inspections::finding(&state.app, actor, FindingId(id)).await {
        Ok(view) => view,
        Err(error) => return error_page(t, &error),
    };
    let round = match inspections::round(&state.app, actor, view.finding.round_id).await {
        Ok(round) => round.round,
        Err(error) => return error_page(t, &error),
    };
    let today = Timestamp::now().date_cst();
    let (mut can_respond, mut can_close, mut can_reopen) = (false, false, false);
    let item = match &view.rectification {
        Some(r) => {
            if let Ok(responsible) = units::get(&state.app, actor, r.unit_id).await {
                let (answers, judges) = (
                    actor.can(Permission::ReportProgress, &responsible.path),
                    actor.can(Permission::Inspect, &responsible.path),
                );
                can_respond = answers && r.state.awaits_unit();
                can_close = judges && r.state == RectificationState::Responded;
                can_reopen = judges && matches!(r.state, RectificationState::Responded | RectificationState::Closed);
            }
            Some(ItemBlock {
                unit: unit_label(state, actor, r.unit_id, t).await,
                measure: r.measure.clone(),
                given_on: format_date(r.given_on),
                due_on: format_date(r.due_on),
                state: r.state.as_str(),
                overdue: r.state.is_overdue(r.due_on, today),
                version: r.version,
            })
        }
        None => None,
    };
    let f = &view.finding;
    let page = FindingPage {
        id,
        campaign: round.campaign_id.0,
        unit: unit_label(state, actor, f.unit_id, t).await,
        severity: severity_key(f.severity),
        category: f.category.clone(),
        description: f.description.clone(),
        created_at: f.created_at.display_cst(),
        item,
        steps: view
            .steps
            .iter()
            .map(|s| StepRow {
                at: s.taken_at.display_cst(),
                step_key: format!("inspection.step.{}", s.step.as_str()),
                text: s.text.clone(),
            })
            .collect(),
        can_respond,
        can_close,
        can_reopen,
        error,
        text,
        p: ctx.with_nav("inspections"),
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    step: String,
    #[serde(default)]
    text: String,
}

/// Takes a step on a finding's rectification item; a refused one shows the page again with
/// the message beside the form and the text kept.
pub async fn take_step(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let view = match inspections::finding(&state.app, &actor, FindingId(id)).await {
        Ok(view) => view,
        Err(error) => return error_page(ctx.t, &error),
    };
    let Some(item) = view.rectification else { return error_page(ctx.t, &AppError::NotFound("rectification")) };
    let input = StepInput {
        step: RectificationStep::parse(&form.step).unwrap_or(RectificationStep::Respond),
        text: form.text.clone(),
        evidence: Vec::new(),
        version: form.version,
    };
    let error = match inspections::take_step(&state.app, &actor, item.id, &input).await {
        Ok(_) => return Redirect::to(&format!("/findings/{id}")).into_response(),
        Err(error) => error,
    };
    // What was asked for was refused: the page again, the reason beside the form, the text kept.
    let (code, status) = match &error {
        AppError::Unprocessable { code, .. } | AppError::Conflict(code) => (*code, StatusCode::UNPROCESSABLE_ENTITY),
        AppError::Invalid(errors) => {
            (errors.fields.first().map_or("invalid_input", |f| f.code), StatusCode::UNPROCESSABLE_ENTITY)
        }
        AppError::Stale { .. } => ("stale_version", StatusCode::CONFLICT),
        _ => return error_page(ctx.t, &error),
    };
    let message = ctx.t.error(code);
    finding_page(&state, &actor, ctx, id, (message, form.text), status).await
}
