//! "My tasks" and the assignment page: sign for it, report progress, accept, return, close.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{Actor, AppError, PageRequest, assignments};
use pacesetter_domain::{
    Locale, ValidationError,
    assignment::{AssignmentState, Step},
    evidence::EvidenceId,
    ids::{AssignmentId, CampaignId, EventId, IndicatorId},
    light::Light,
    timestamp::format_date,
};
use serde::Deserialize;

use super::{
    context::{PageCtx, SignedIn, render},
    multipart::MultipartForm,
};
use crate::AppState;
use crate::ui::named::Named;
use crate::ui::page::{PageForm, PageQuery, PageResult, field_errors, saved};

/// An assignment as a table row shows it.
pub struct LineRow {
    pub id: i64,
    pub task: Named,
    pub code: String,
    pub unit: Named,
    pub state_key: String,
    pub percent: u8,
    pub due_on: String,
    pub days_left: i64,
    pub light: String,
}

impl LineRow {
    pub fn new(line: assignments::Line, locale: Locale) -> Self {
        Self {
            id: line.assignment.id.0,
            task: Named::of(&line.item_title, line.item_title_bo.as_deref(), locale),
            code: line.item_code.unwrap_or_default(),
            unit: Named::of(&line.unit_name, line.unit_name_bo.as_deref(), locale),
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
    /// Whose tasks and which filter: "拉萨市 · 已超期".
    title: String,
    lines: Vec<LineRow>,
    total: i64,
    page: i64,
    pages: i64,
    campaigns: Vec<CampaignOption>,
    campaign: i64,
    /// The campaign's top-level items (工程/行动), to filter by.
    pillars: Vec<CampaignOption>,
    pillar: Option<i64>,
    /// The chosen pillar's tasks, and the one chosen.
    tasks: Vec<CampaignOption>,
    item: Option<i64>,
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
    /// The lines can be selected (to export), chased (催办) and reviewed at once.
    selectable: bool,
    can_chase: bool,
    /// The selection may be closed (办结): the office.
    can_close: bool,
}

impl IndexPage {
    fn is_pillar(&self, id: &i64) -> bool {
        self.pillar == Some(*id)
    }

    fn is_item(&self, id: &i64) -> bool {
        self.item == Some(*id)
    }
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
    pillar: Option<i64>,
    /// A task below the pillar.
    item: Option<i64>,
    page: Option<i64>,
}

pub async fn list_assignments(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<IndexQuery>,
) -> PageResult {
    let filter = assignments::Query {
        campaign: query.campaign.map(CampaignId),
        pillar: query.pillar.map(pacesetter_domain::ids::PlanItemId),
        item: query.item.map(pacesetter_domain::ids::PlanItemId),
        light: query.light.as_deref().and_then(Light::parse),
        state: query.state.as_deref().and_then(AssignmentState::parse),
        overdue: query.overdue.is_some(),
        open_only: query.open.is_some(),
        q: query.q.clone(),
        unit: query.unit.map(pacesetter_domain::UnitId),
        under: query.under.map(pacesetter_domain::UnitId),
    };
    let view =
        assignments::list_view(&state.app, &actor, filter.clone(), PageRequest::new(query.page, Some(30))).await?;
    let (campaign, list) = (view.campaign.map(|c| c.0), view.lines);
    // The task asked for, if it is one of the pillar's (else it was dropped from the filter).
    let item = query.item.filter(|i| query.pillar.is_none() || view.tasks.iter().any(|t| t.id.0 == *i));
    let locale = ctx.t.locale;
    let light = query.light.clone().unwrap_or_default();
    let state_filter = filter.state.map(|s| s.as_str()).unwrap_or_default().to_owned();
    let filters = format!(
        "campaign={}&light={}&state={}{}{}{}{}{}{}&q={}",
        campaign.unwrap_or_default(),
        light,
        state_filter,
        query.pillar.map(|p| format!("&pillar={p}")).unwrap_or_default(),
        item.map(|i| format!("&item={i}")).unwrap_or_default(),
        query.unit.map(|u| format!("&unit={u}")).unwrap_or_default(),
        query.under.map(|u| format!("&under={u}")).unwrap_or_default(),
        if filter.overdue { "&overdue=1" } else { "" },
        if filter.open_only { "&open=1" } else { "" },
        super::context::urlencode(query.q.as_deref().unwrap_or(""))
    );
    let pages = list.pages();
    let lines: Vec<LineRow> = list.items.into_iter().map(|line| LineRow::new(line, locale)).collect();
    let option = |p: &pacesetter_domain::plan::PlanItem| CampaignOption {
        id: p.id.0,
        name: format!("{}{}", p.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default(), p.title),
    };
    let pillars: Vec<CampaignOption> = view.pillars.iter().map(option).collect();
    let tasks: Vec<CampaignOption> = view.tasks.iter().map(option).collect();
    let pillar_name = tasks
        .iter()
        .find(|t| Some(t.id) == item)
        .or_else(|| pillars.iter().find(|p| Some(p.id) == query.pillar))
        .map(|p| p.name.as_str());
    let title =
        list_title(ctx.t, &actor, &filter, pillar_name, query.unit.and(lines.first().map(|l| l.unit.text.as_str())));
    let campaigns = view.campaigns;
    Ok(render(&IndexPage {
        title,
        total: list.total,
        page: list.page,
        pages,
        lines,
        campaigns: campaigns.into_iter().map(|c| CampaignOption { id: c.id.0, name: c.name }).collect(),
        campaign: campaign.unwrap_or_default(),
        pillars,
        pillar: query.pillar,
        tasks,
        item,
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
        selectable: true,
        can_chase: actor.can_anywhere(pacesetter_domain::Permission::ReviewProgress),
        can_close: actor.may_step_anywhere(pacesetter_domain::assignment::Step::Close),
        p: ctx.with_nav("tasks"),
    }))
}

/// Whose tasks and which filter: "任务清单 · 拉萨市 · 已超期".
fn list_title(
    t: crate::i18n::Tr,
    actor: &Actor,
    filter: &assignments::Query,
    pillar: Option<&str>,
    unit: Option<&str>,
) -> String {
    let whose = if actor.can_anywhere(pacesetter_domain::Permission::ReviewProgress) {
        "tasks.list_title"
    } else {
        "tasks.title"
    };
    let mut title = vec![t.t(whose).to_owned()];
    title.extend(unit.map(str::to_owned));
    title.extend(pillar.map(str::to_owned));
    if let Some(light) = filter.light {
        title.push(t.tk("light", light.as_str()).to_owned());
    }
    if let Some(state) = filter.state {
        title.push(t.tk("state", state.as_str()).to_owned());
    }
    if filter.overdue {
        title.push(t.t("tasks.overdue").to_owned());
    }
    if filter.open_only {
        title.push(t.t("tasks.open").to_owned());
    }
    title.join(" · ")
}

#[derive(Clone)]
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
    /// The task's title in the reader's language.
    title: Named,
    unit_name: String,
    starts_on: String,
    due_on: String,
    events: Vec<EventRow>,
    /// While a report is sent back: why, by whom and when, above everything until answered.
    returned: Option<EventRow>,
    /// The chases (催办) of the assignment, and its chase form.
    chase: super::chase::ChaseBlock,
    steps: Vec<&'static str>,
    can_update: bool,
    errors: ValidationError,
    error: String,
    percent: String,
    narrative: String,
    link_url: String,
    link_title: String,
    /// Files chosen in the refused form: a browser cannot keep them, so they must be chosen again.
    files_dropped: usize,
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
        crate::ui::page::field_message(&self.errors, field, self.p.t)
    }
}

pub async fn show_assignment(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    show_page(&state, &actor, ctx, id, Failure::default()).await
}

/// The values one step reported, as a line of text.
fn event_values(detail: &assignments::Detail, event: EventId) -> String {
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
    link_url: String,
    link_title: String,
    files_dropped: usize,
    /// Evidence already in the library from this attempt, to stay ticked.
    chosen: Vec<i64>,
    /// Indicator values as typed, by indicator id.
    indicators: Vec<(IndicatorId, String)>,
}

async fn show_page(state: &AppState, actor: &Actor, ctx: PageCtx, id: i64, failure: Failure) -> PageResult {
    let detail = assignments::detail_with_evidence(&state.app, actor, AssignmentId(id)).await?;
    let status = if failure.errors.is_empty() && failure.error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let events: Vec<EventRow> = detail
        .events
        .iter()
        .map(|e| EventRow {
            id: e.id.0,
            step_key: format!("step.{}", e.step.as_str()),
            percent: e.percent.map(|p| format!("{p}%")).unwrap_or_default(),
            values: event_values(&detail, e.id),
            comment: e.comment.clone().unwrap_or_default(),
            actor: e.actor_name.clone(),
            at: e.at.display_cst(),
        })
        .collect();
    let returned = (detail.assignment.state == pacesetter_domain::assignment::AssignmentState::Returned)
        .then(|| detail.events.iter().rposition(|e| e.step == Step::Return))
        .flatten()
        .map(|i| events[i].clone());
    let chase = super::chase::ChaseBlock::new(
        format!("/assignments/{}/chase", detail.assignment.id),
        detail.can_chase,
        "chase.help",
        &detail.chases,
    );
    let can_update = detail.steps.iter().any(|s| matches!(s, Step::Update | Step::Report));
    let steps = detail.steps.iter().filter(|s| !matches!(s, Step::Update | Step::Report)).map(|s| s.as_str()).collect();
    let indicators = detail
        .indicators
        .iter()
        .map(|i| IndicatorRow {
            id: i.id.0,
            name: i.name.clone(),
            unit: i.unit.clone().unwrap_or_default(),
            target: i.target.clone().unwrap_or_default(),
            latest: detail.latest(i.id).unwrap_or_default().to_owned(),
            typed: failure.indicators.iter().find(|(id, _)| *id == i.id).map(|(_, v)| v.clone()).unwrap_or_default(),
        })
        .collect();
    let page = ShowPage {
        title: Named::of(&detail.item.title, detail.item.title_bo.as_deref(), ctx.t.locale),
        indicators,
        unit_name: detail.unit.display_name(ctx.t.locale).to_owned(),
        starts_on: format_date(detail.assignment.starts_on),
        due_on: format_date(detail.assignment.due_on),
        percent: if failure.percent.is_empty() { detail.assignment.percent.to_string() } else { failure.percent },
        narrative: failure.narrative,
        link_url: failure.link_url,
        link_title: failure.link_title,
        files_dropped: failure.files_dropped,
        chosen: failure.chosen,
        attached: detail.evidence.iter().map(|(event, e)| (event.0, EvidenceRow::new(e))).collect(),
        library: detail.library.iter().map(EvidenceRow::new).collect(),
        events,
        returned,
        chase,
        steps,
        can_update,
        detail,
        errors: failure.errors,
        error: failure.error,
        p: ctx.with_nav("tasks"),
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct StepForm {
    version: i64,
    step: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    submit: Option<String>,
}

pub async fn take_step(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<StepForm>,
) -> PageResult {
    let step = match form.step.as_str() {
        "update" if form.submit.is_some() => Some(Step::Report),
        other => pacesetter_domain::assignment::Step::parse(other),
    };
    let Some(step) = step else { return Err(AppError::invalid("step", "invalid_step").into()) };
    let sent = assignments::SentStep {
        version: form.version,
        step,
        percent: &form.percent,
        comment: &form.comment,
        evidence: &[],
        indicators: &[],
        files: &[],
        link_title: "",
        link_url: "",
    };
    let error = match assignments::take_sent_step(&state.app, &actor, AssignmentId(id), &sent).await {
        Ok(_) => return Ok(saved(&format!("/assignments/{id}"))),
        Err(error) => error,
    };
    let failure = Failure { percent: form.percent, narrative: form.comment, ..Default::default() };
    refused_step(&state, &actor, ctx, id, error, failure).await
}

/// The progress form: percent, narrative, new files, a link, and evidence picked from the
/// unit's library; the files, the link and the update are stored together or not at all.
pub async fn post_update(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    form: MultipartForm,
) -> PageResult {
    let chosen = form.numbers("evidence");
    let evidence: Vec<EvidenceId> = chosen.iter().copied().map(EvidenceId).collect();
    // Indicator inputs are named `indicator_<id>`.
    let typed: Vec<(IndicatorId, String)> = form
        .fields()
        .filter_map(|(name, v)| Some((name.strip_prefix("indicator_")?.parse().ok()?, v.to_owned())))
        .collect();
    let indicators: Vec<(IndicatorId, &str)> = typed.iter().map(|(id, v)| (*id, v.as_str())).collect();
    let files: Vec<(&str, &[u8])> = form.files("file").map(|f| (f.filename.as_str(), f.bytes.as_slice())).collect();
    let (percent, comment) = (form.value("percent"), form.value("comment"));
    let sent = assignments::SentStep {
        version: form.value("version").parse().unwrap_or(0),
        step: if form.value("submit").is_empty() { Step::Update } else { Step::Report },
        percent: &percent,
        comment: &comment,
        evidence: &evidence,
        indicators: &indicators,
        files: &files,
        link_title: &form.value("link_title"),
        link_url: &form.value("link_url"),
    };
    let error = match assignments::take_sent_step(&state.app, &actor, AssignmentId(id), &sent).await {
        Ok(_) => return Ok(saved(&format!("/assignments/{id}"))),
        Err(error) => error,
    };
    let failure = Failure {
        percent,
        narrative: comment,
        link_url: form.value("link_url"),
        link_title: form.value("link_title"),
        files_dropped: files.len(),
        chosen,
        indicators: typed,
        ..Default::default()
    };
    refused_step(&state, &actor, ctx, id, error, failure).await
}

/// The assignment page again after a refused step, with what was sent kept: field errors next
/// to their fields, a conflict or someone else's change above the form.
async fn refused_step(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    error: AppError,
    failure: Failure,
) -> PageResult {
    let failure = match error {
        AppError::Stale { .. } => Failure { error: ctx.t.error("stale_version"), ..failure },
        AppError::Conflict(code) => Failure { error: ctx.t.error(code), ..failure },
        error => Failure { errors: field_errors(error)?, ..failure },
    };
    show_page(state, actor, ctx, id, failure).await
}
