//! "My tasks" and the assignment page: sign for it, report progress, accept, return, close.

use askama::Template;
use axum::{
    Form,
    extract::{Multipart, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{Actor, AppError, PageRequest, assignments, plans};
use pacesetter_domain::{
    Locale, ValidationError,
    assignment::{AssignmentState, Step},
    evidence::EvidenceId,
    ids::{AssignmentId, CampaignId},
    light::Light,
    timestamp::format_date,
};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, check_csrf, error_page, render};
use crate::AppState;

/// An assignment as a table row shows it.
pub struct LineRow {
    pub id: i64,
    pub task: String,
    pub code: String,
    pub unit: String,
    pub state_key: String,
    pub percent: u8,
    pub due_on: String,
    pub days_left: i64,
    pub light: String,
}

impl LineRow {
    pub fn new(line: assignments::Line, locale: Locale) -> Self {
        let unit = match (locale, &line.unit_name_bo) {
            (Locale::Bo, Some(bo)) => bo.clone(),
            _ => line.unit_name.clone(),
        };
        Self {
            id: line.assignment.id.0,
            task: line.item_title,
            code: line.item_code.unwrap_or_default(),
            unit,
            state_key: format!("state.{}", line.assignment.state.as_str()),
            percent: line.assignment.percent,
            due_on: format_date(line.assignment.due_on),
            days_left: line.days_left,
            light: line.light.as_str().to_owned(),
        }
    }
}

pub struct CampaignOption {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "assignments/index.html")]
struct IndexPage {
    p: PageCtx,
    lines: Vec<LineRow>,
    total: i64,
    page: i64,
    pages: i64,
    campaigns: Vec<CampaignOption>,
    campaign: i64,
    light: String,
    /// The state asked for (`reported` lists what awaits review), or "".
    state: String,
    states: Vec<&'static str>,
    overdue: bool,
    open: bool,
    q: String,
    lights: Vec<&'static str>,
    /// The query string of the current filters, for the pager.
    filters: String,
    /// The unit the list is limited to (from the dashboard).
    unit: Option<i64>,
    /// The subtree the list is limited to (from the dashboard).
    under: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct IndexQuery {
    campaign: Option<i64>,
    light: Option<String>,
    state: Option<String>,
    overdue: Option<String>,
    open: Option<String>,
    q: Option<String>,
    unit: Option<i64>,
    under: Option<i64>,
    page: Option<i64>,
}

fn parse_light(text: &str) -> Option<Light> {
    [Light::Done, Light::Green, Light::Yellow, Light::Red].into_iter().find(|l| l.as_str() == text)
}

pub async fn index(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Query(query): Query<IndexQuery>,
) -> Response {
    let campaigns = match plans::list_campaigns(&state.app, &actor).await {
        Ok(list) => list,
        Err(error) => return error_page(ctx.t, &error),
    };
    let campaign = query.campaign.or(campaigns.first().map(|c| c.id.0));
    let filter = assignments::Query {
        campaign: campaign.map(CampaignId),
        light: query.light.as_deref().and_then(parse_light),
        state: query.state.as_deref().and_then(AssignmentState::parse),
        overdue: query.overdue.is_some(),
        open_only: query.open.is_some(),
        q: query.q.clone(),
        unit: query.unit.map(pacesetter_domain::UnitId),
        under: query.under.map(pacesetter_domain::UnitId),
        ..Default::default()
    };
    let list = match assignments::list(&state.app, &actor, &filter, PageRequest::new(query.page, Some(30))).await {
        Ok(list) => list,
        Err(error) => return error_page(ctx.t, &error),
    };
    let locale = ctx.t.locale;
    let light = query.light.clone().unwrap_or_default();
    let state_filter = filter.state.map(|s| s.as_str()).unwrap_or_default().to_owned();
    let filters = format!(
        "campaign={}&light={}&state={}{}{}{}{}&q={}",
        campaign.unwrap_or_default(),
        light,
        state_filter,
        query.unit.map(|u| format!("&unit={u}")).unwrap_or_default(),
        query.under.map(|u| format!("&under={u}")).unwrap_or_default(),
        if filter.overdue { "&overdue=1" } else { "" },
        if filter.open_only { "&open=1" } else { "" },
        super::context::urlencode(query.q.as_deref().unwrap_or(""))
    );
    render(&IndexPage {
        total: list.total,
        page: list.page,
        pages: list.pages(),
        lines: list.items.into_iter().map(|line| LineRow::new(line, locale)).collect(),
        campaigns: campaigns.into_iter().map(|c| CampaignOption { id: c.id.0, name: c.name }).collect(),
        campaign: campaign.unwrap_or_default(),
        light,
        overdue: filter.overdue,
        open: filter.open_only,
        q: query.q.unwrap_or_default(),
        lights: vec!["red", "yellow", "green", "done"],
        state: state_filter,
        states: ["assigned", "acknowledged", "in_progress", "reported", "returned", "reviewed", "closed"].to_vec(),
        filters,
        unit: query.unit,
        under: query.under,
        p: ctx.with_nav("tasks"),
    })
}

pub struct EventRow {
    pub id: i64,
    pub step_key: String,
    pub percent: String,
    /// Indicator values reported with this step: "培训人数 350 人；举办场次 2 场".
    pub values: String,
    pub comment: String,
    pub actor: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "assignments/show.html")]
struct ShowPage {
    p: PageCtx,
    detail: assignments::Detail,
    unit_name: String,
    starts_on: String,
    due_on: String,
    events: Vec<EventRow>,
    steps: Vec<&'static str>,
    can_update: bool,
    errors: ValidationError,
    error: String,
    percent: String,
    narrative: String,
    chosen: Vec<i64>,
    /// Evidence per history row, by event id.
    attached: Vec<(i64, EvidenceRow)>,
    library: Vec<EvidenceRow>,
    indicators: Vec<IndicatorRow>,
}

/// An indicator of the task: its target, the latest value, and what was just typed.
pub struct IndicatorRow {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub target: String,
    pub latest: String,
    pub typed: String,
}

/// A piece of evidence as the page lists it.
pub struct EvidenceRow {
    pub id: i64,
    pub title: String,
    pub link: String,
    pub is_link: bool,
}

impl EvidenceRow {
    pub(crate) fn new(evidence: &pacesetter_domain::evidence::Evidence) -> Self {
        Self {
            id: evidence.id.0,
            title: evidence.title.clone(),
            link: evidence.url.clone().unwrap_or_else(|| format!("/api/v1/evidence/{}/download", evidence.id)),
            is_link: evidence.is_link(),
        }
    }
}

impl ShowPage {
    fn attached_to(&self, event: &i64) -> Vec<&EvidenceRow> {
        self.attached.iter().filter(|(e, _)| e == event).map(|(_, row)| row).collect()
    }

    fn field_error(&self, field: &str) -> String {
        self.errors.code_for(field).map(|code| self.p.t.error(code)).unwrap_or_default()
    }
}

pub async fn show(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn, Path(id): Path<i64>) -> Response {
    show_page(&state, &actor, ctx, id, Failure::default()).await
}

/// The values one step reported, as a line of text.
fn event_values(detail: &assignments::Detail, event: i64) -> String {
    let unit = |u: &Option<String>| u.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
    detail
        .values_of(event)
        .map(|(i, value)| format!("{} {value}{}", i.name, unit(&i.unit)))
        .collect::<Vec<_>>()
        .join("；")
}

/// What went wrong with the last form, to show on the page again.
#[derive(Default)]
struct Failure {
    errors: ValidationError,
    error: String,
    percent: String,
    narrative: String,
    /// Evidence already in the library from this attempt, to stay ticked.
    chosen: Vec<i64>,
    /// Indicator values as typed, by indicator id.
    indicators: Vec<(i64, String)>,
}

async fn show_page(state: &AppState, actor: &Actor, ctx: PageCtx, id: i64, failure: Failure) -> Response {
    let detail = match assignments::detail(&state.app, actor, AssignmentId(id)).await {
        Ok(detail) => detail,
        Err(error) => return error_page(ctx.t, &error),
    };
    let status = if failure.errors.is_empty() && failure.error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let events = detail
        .events
        .iter()
        .map(|e| EventRow {
            id: e.id,
            step_key: format!("step.{}", e.step),
            percent: e.percent.map(|p| format!("{p}%")).unwrap_or_default(),
            values: event_values(&detail, e.id),
            comment: e.comment.clone().unwrap_or_default(),
            actor: e.actor_name.clone(),
            at: e.at.display_cst(),
        })
        .collect();
    let can_update = detail.steps.iter().any(|s| matches!(s, Step::Update | Step::Report));
    let steps = detail
        .steps
        .iter()
        .filter(|s| !matches!(s, Step::Update | Step::Report))
        .map(|s| assignments::step_name(*s))
        .collect();
    let indicators = detail
        .indicators
        .iter()
        .map(|i| IndicatorRow {
            id: i.id,
            name: i.name.clone(),
            unit: i.unit.clone().unwrap_or_default(),
            target: i.target.clone().unwrap_or_default(),
            latest: detail.latest(i.id).unwrap_or_default().to_owned(),
            typed: failure.indicators.iter().find(|(id, _)| *id == i.id).map(|(_, v)| v.clone()).unwrap_or_default(),
        })
        .collect();
    let page = ShowPage {
        indicators,
        unit_name: detail.unit.display_name(ctx.t.locale).to_owned(),
        starts_on: format_date(detail.assignment.starts_on),
        due_on: format_date(detail.assignment.due_on),
        percent: if failure.percent.is_empty() { detail.assignment.percent.to_string() } else { failure.percent },
        narrative: failure.narrative,
        chosen: failure.chosen,
        attached: detail.evidence.iter().map(|(event, e)| (*event, EvidenceRow::new(e))).collect(),
        library: detail.library.iter().map(EvidenceRow::new).collect(),
        events,
        steps,
        can_update,
        detail,
        errors: failure.errors,
        error: failure.error,
        p: ctx.with_nav("tasks"),
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: String,
    version: i64,
    step: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    submit: Option<String>,
}

pub async fn step(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let step = match form.step.as_str() {
        "update" if form.submit.is_some() => Some(Step::Report),
        other => assignments::parse_step(other),
    };
    let Some(step) = step else { return error_page(ctx.t, &AppError::invalid("step", "invalid_step")) };
    let percent = if matches!(step, Step::Update | Step::Report) {
        match form.percent.trim().parse::<u8>() {
            Ok(p) if p <= 100 => Some(p),
            _ => {
                let failure = Failure {
                    errors: ValidationError::single("percent", "invalid_percent"),
                    percent: form.percent,
                    narrative: form.comment,
                    ..Default::default()
                };
                return show_page(&state, &actor, ctx, id, failure).await;
            }
        }
    } else {
        None
    };
    let input = assignments::StepInput { percent, comment: &form.comment, ..Default::default() };
    match assignments::take_step(&state.app, &actor, AssignmentId(id), form.version, step, &input).await {
        Ok(_) => Redirect::to(&format!("/assignments/{id}")).into_response(),
        Err(AppError::Invalid(errors)) => {
            let failure = Failure { errors, percent: form.percent, narrative: form.comment, ..Default::default() };
            show_page(&state, &actor, ctx, id, failure).await
        }
        Err(error @ (AppError::Conflict(_) | AppError::Stale { .. })) => {
            let code = if matches!(error, AppError::Stale { .. }) { "stale_version" } else { error.code() };
            let failure = Failure {
                error: ctx.t.error(code),
                percent: form.percent,
                narrative: form.comment,
                ..Default::default()
            };
            show_page(&state, &actor, ctx, id, failure).await
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

/// The progress form: percent, narrative, new files, a link, and evidence picked from the
/// unit's library; files are checked and stored before the update is recorded.
pub async fn update(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Response {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                if name == "file" {
                    let filename = field.file_name().unwrap_or("").to_owned();
                    match field.bytes().await {
                        Ok(bytes) if !bytes.is_empty() => files.push((filename, bytes.to_vec())),
                        Ok(_) => {}
                        Err(_) => return error_page(ctx.t, &AppError::invalid("file", "evidence_too_large")),
                    }
                } else {
                    fields.push((name, field.text().await.unwrap_or_default()));
                }
            }
            Ok(None) => break,
            Err(_) => return error_page(ctx.t, &AppError::invalid("file", "file_damaged")),
        }
    }
    let value = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    if let Err(response) = check_csrf(&ctx, &value("csrf")) {
        return response;
    }
    let detail = match assignments::detail(&state.app, &actor, AssignmentId(id)).await {
        Ok(detail) => detail,
        Err(error) => return error_page(ctx.t, &error),
    };
    let unit = detail.unit.id;
    let mut chosen: Vec<i64> =
        fields.iter().filter(|(n, _)| n == "evidence").filter_map(|(_, v)| v.parse().ok()).collect();
    // Indicator inputs are named `indicator_<id>`.
    let typed: Vec<(i64, String)> = fields
        .iter()
        .filter_map(|(name, v)| Some((name.strip_prefix("indicator_")?.parse().ok()?, v.clone())))
        .collect();
    let failure = |errors: ValidationError, chosen: Vec<i64>| Failure {
        errors,
        percent: value("percent"),
        narrative: value("comment"),
        chosen,
        indicators: typed.clone(),
        ..Default::default()
    };
    for (filename, bytes) in &files {
        match pacesetter_app::evidence::upload(&state.app, &actor, unit, filename, bytes).await {
            Ok(evidence) => chosen.push(evidence.id.0),
            Err(AppError::Invalid(errors)) => return show_page(&state, &actor, ctx, id, failure(errors, chosen)).await,
            Err(error) => return error_page(ctx.t, &error),
        }
    }
    let url = value("link_url");
    if !url.trim().is_empty() {
        match pacesetter_app::evidence::add_link(&state.app, &actor, unit, &value("link_title"), &url).await {
            Ok(evidence) => chosen.push(evidence.id.0),
            Err(AppError::Invalid(errors)) => return show_page(&state, &actor, ctx, id, failure(errors, chosen)).await,
            Err(error) => return error_page(ctx.t, &error),
        }
    }
    let Ok(percent) = value("percent").trim().parse::<u8>() else {
        return show_page(
            &state,
            &actor,
            ctx,
            id,
            failure(ValidationError::single("percent", "invalid_percent"), chosen),
        )
        .await;
    };
    let step = if value("submit").is_empty() { Step::Update } else { Step::Report };
    let version = value("version").parse().unwrap_or(0);
    let evidence: Vec<EvidenceId> = chosen.iter().map(|id| EvidenceId(*id)).collect();
    let comment = value("comment");
    let values: Vec<(i64, &str)> = typed.iter().map(|(id, v)| (*id, v.as_str())).collect();
    let input =
        assignments::StepInput { percent: Some(percent), comment: &comment, evidence: &evidence, indicators: &values };
    match assignments::take_step(&state.app, &actor, AssignmentId(id), version, step, &input).await {
        Ok(_) => Redirect::to(&format!("/assignments/{id}")).into_response(),
        Err(AppError::Invalid(errors)) => show_page(&state, &actor, ctx, id, failure(errors, chosen)).await,
        Err(error @ (AppError::Conflict(_) | AppError::Stale { .. })) => {
            let code = if matches!(error, AppError::Stale { .. }) { "stale_version" } else { error.code() };
            let failure = Failure {
                error: ctx.t.error(code),
                chosen,
                percent: value("percent"),
                narrative: comment,
                indicators: typed.clone(),
                ..Default::default()
            };
            show_page(&state, &actor, ctx, id, failure).await
        }
        Err(error) => error_page(ctx.t, &error),
    }
}
