//! Assignments: "my tasks", one assignment with its history, and the steps of the loop —
//! sign for it, report progress, accept or return, close.

use pacesetter_domain::{
    Permission, Timestamp, UnitId, ValidationError,
    assignment::{AssignmentState, Step},
    ids::{AssignmentId, CampaignId, EventId, IndicatorId, PlanItemId},
    indicator::{Indicator, parse_decimal},
    light::Light,
    plan::{Assignment, AssignmentEvent, Campaign, PlanItem},
    unit::Unit,
};
use pacesetter_store::{
    Conn, WriteTx, assignments as store, campaigns,
    chases::{self, Subject},
    indicators, plan_items, units,
};

use crate::{Actor, App, AppError, Page, PageRequest, Resource, Result, audit};

mod selection;
pub use selection::{ChaseNotice, Chased, MAX_CHASED, Reviewed, chase, chase_notice, review, selected};

/// An assignment as a list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Line {
    pub assignment: Assignment,
    pub campaign_id: CampaignId,
    pub item_code: Option<String>,
    pub item_title: String,
    pub item_title_bo: Option<String>,
    pub unit_name: String,
    pub unit_name_bo: Option<String>,
    pub light: Light,
    pub days_left: i64,
}

/// Filters of an assignment list.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub campaign: Option<CampaignId>,
    pub item: Option<PlanItemId>,
    /// Only the tasks below this item of the plan (a pillar: 工程/行动).
    pub pillar: Option<PlanItemId>,
    pub unit: Option<UnitId>,
    /// Only the assignments of this unit's subtree (the dashboard's drill-down).
    pub under: Option<UnitId>,
    pub state: Option<AssignmentState>,
    pub light: Option<Light>,
    pub overdue: bool,
    pub open_only: bool,
    pub q: Option<String>,
}

/// Assignments the actor may see, the most urgent first. Within one campaign, its office's
/// coordinators see every unit's; otherwise a unit's own subtree.
pub async fn list(app: &App, actor: &Actor, query: &Query, page: PageRequest) -> Result<Page<Line>> {
    let mut conn = app.store.read().await?;
    // The campaign asked for with its office, or else the newest; the others are kept for the
    // lights of a list across campaigns.
    let (campaign, office, mut others) = match query.campaign {
        Some(id) => {
            let (campaign, office) = crate::plans::load_campaign(&mut conn, id).await?;
            (campaign, Some(office), Vec::new())
        }
        None => {
            let mut all = campaigns::all(&mut conn).await?.into_iter();
            let Some(newest) = all.next() else {
                return Ok(Page { items: Vec::new(), total: 0, page: page.page, per_page: page.per_page });
            };
            (newest, None, all.collect())
        }
    };
    let today = campaign.today(Timestamp::now());
    let mut within = actor.scope.roots(Permission::ViewUnits);
    let mut all_units = office.is_some_and(|office| actor.can(Permission::ManagePlans, &office.path));
    if let Some(under) = query.under {
        // A unit outside the actor's scope lists nothing, exactly as a unit that does not
        // exist: the answer must not tell the two apart.
        within = match units::get(&mut conn, under).await {
            Ok(unit) if all_units => vec![unit.path],
            Ok(unit) => unit.path.narrow(&within),
            Err(pacesetter_store::StoreError::NotFound) => Vec::new(),
            Err(other) => return Err(other.into()),
        };
        all_units = false;
    }
    let filter = store::Filter {
        within,
        all_units,
        campaign: query.campaign,
        item: query.item,
        under_item: query.pillar,
        unit: query.unit,
        state: query.state,
        light: query.light,
        overdue: query.overdue,
        open_only: query.open_only,
        query: crate::text::search_term(query.q.as_deref())?,
        today,
        thresholds: campaign.thresholds,
        offset: page.offset(),
        limit: page.per_page,
    };
    let (rows, total) = store::list(&mut conn, &filter).await?;
    // Lights are per campaign; a list across campaigns uses each row's own.
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let (day, thresholds) = if row.campaign_id == campaign.id {
            (today, campaign.thresholds)
        } else {
            let other = match others.iter().find(|c| c.id == row.campaign_id) {
                Some(other) => other,
                None => {
                    others.push(campaigns::get(&mut conn, row.campaign_id).await?);
                    &others[others.len() - 1]
                }
            };
            (other.today(Timestamp::now()), other.thresholds)
        };
        lines.push(Line {
            light: row.assignment.light(day, thresholds),
            days_left: row.assignment.days_left(day),
            campaign_id: row.campaign_id,
            item_code: row.item_code,
            item_title: row.item_title,
            item_title_bo: row.item_title_bo,
            unit_name: row.unit_name,
            unit_name_bo: row.unit_name_bo,
            assignment: row.assignment,
        });
    }
    Ok(Page { items: lines, total, page: page.page, per_page: page.per_page })
}

/// The assignments list as its page shows it: the campaigns to choose from, the chosen
/// campaign's pillars (to filter by), and one page of lines.
pub struct ListView {
    pub campaigns: Vec<Campaign>,
    /// The campaign listed: the one asked for, else the newest.
    pub campaign: Option<CampaignId>,
    pub pillars: Vec<PlanItem>,
    /// The items below the chosen pillar (its tasks), to narrow to one.
    pub tasks: Vec<PlanItem>,
    pub lines: Page<Line>,
}

pub async fn list_view(app: &App, actor: &Actor, mut query: Query, page: PageRequest) -> Result<ListView> {
    let campaigns = crate::plans::list_campaigns(app, actor).await?;
    let campaign = query.campaign.or(campaigns.first().map(|c| c.id));
    let (pillars, tasks) = {
        let mut conn = app.store.read().await?;
        let pillars = match campaign {
            Some(campaign) => plan_items::top_level(&mut conn, campaign).await?,
            None => Vec::new(),
        };
        // Only the chosen pillar's tasks; a pillar of another campaign has none here.
        let tasks = match query.pillar {
            Some(pillar) if pillars.iter().any(|p| p.id == pillar) => plan_items::below(&mut conn, pillar).await?,
            _ => Vec::new(),
        };
        (pillars, tasks)
    };
    // A task kept from an earlier pillar narrows nothing under a new one.
    if query.pillar.is_some() && !tasks.iter().any(|t| Some(t.id) == query.item) {
        query.item = None;
    }
    let lines = list(app, actor, &Query { campaign, ..query }, page).await?;
    Ok(ListView { campaigns, campaign, pillars, tasks, lines })
}

/// The latest indicator values of the actor's visible assignments in a campaign, as a line of
/// text per assignment ("举办场次 2/4 场；参会人数 426/600 人"), for lists and exports.
pub async fn indicator_lines(
    app: &App,
    campaign: CampaignId,
    visible: &std::collections::HashSet<AssignmentId>,
) -> Result<std::collections::HashMap<AssignmentId, String>> {
    let mut conn = app.store.read().await?;
    let mut lines: std::collections::HashMap<AssignmentId, String> = std::collections::HashMap::new();
    for (assignment, indicator, value) in indicators::latest_for_campaign(&mut conn, campaign).await? {
        if !visible.contains(&assignment) {
            continue;
        }
        let target = indicator.target.map(|t| format!("/{t}")).unwrap_or_default();
        let unit = indicator.unit.map(|u| format!(" {u}")).unwrap_or_default();
        let line = lines.entry(assignment).or_default();
        if !line.is_empty() {
            line.push('；');
        }
        line.push_str(&format!("{} {value}{target}{unit}", indicator.name));
    }
    Ok(lines)
}

/// Everything the assignment page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Detail {
    pub assignment: Assignment,
    pub item: PlanItem,
    pub campaign: Campaign,
    pub unit: Unit,
    pub light: Light,
    pub days_left: i64,
    pub events: Vec<AssignmentEvent>,
    /// The steps this actor may take now.
    pub steps: Vec<Step>,
    /// Evidence attached to each step, by event id (read by `detail_with_evidence` only).
    pub evidence: Vec<(EventId, pacesetter_domain::evidence::Evidence)>,
    /// The unit's library, to pick from when reporting (read by `detail_with_evidence` only).
    pub library: Vec<pacesetter_domain::evidence::Evidence>,
    /// The task's indicators, and every value reported on this assignment as
    /// (event id, indicator id, value), oldest first.
    pub indicators: Vec<Indicator>,
    pub values: Vec<(EventId, IndicatorId, String)>,
    /// Every chase (催办) of the assignment, oldest first.
    pub chases: Vec<pacesetter_store::chases::Chase>,
    /// Whether this actor may chase it now.
    pub can_chase: bool,
    /// The progress meeting whose decision the task follows up (督办), if it is one.
    pub decided_at: Option<(pacesetter_domain::ids::MeetingId, String)>,
}

impl Detail {
    /// The latest value reported for an indicator.
    pub fn latest(&self, indicator: IndicatorId) -> Option<&str> {
        self.values.iter().rev().find(|(_, i, _)| *i == indicator).map(|(_, _, v)| v.as_str())
    }

    /// The values one step reported, with their indicators.
    pub fn values_of(&self, event: EventId) -> impl Iterator<Item = (&Indicator, &str)> {
        self.values
            .iter()
            .filter(move |(e, _, _)| *e == event)
            .filter_map(|(_, id, value)| Some((self.indicators.iter().find(|i| i.id == *id)?, value.as_str())))
    }
}

/// An assignment with its task, campaign, unit and the campaign's office.
type Loaded = store::InContext;

/// An assignment the actor may see: its unit is in their scope, or they run its campaign.
async fn visible(conn: &mut Conn, actor: &Actor, id: AssignmentId) -> Result<Loaded> {
    let loaded = store::in_context(conn, id).await.map_err(AppError::from_store(Resource::Assignment))?;
    if actor.can(Permission::ViewUnits, &loaded.unit.path) || actor.can(Permission::ManagePlans, &loaded.office.path) {
        Ok(loaded)
    } else {
        Err(AppError::NotFound(Resource::Assignment))
    }
}

/// Whether the actor holds a role allowing `step` on this assignment: through a grant over
/// its unit, or as a coordinator of the campaign's office.
fn may_take(actor: &Actor, loaded: &Loaded, step: Step) -> bool {
    actor.scope.grants.iter().any(|grant| {
        step.allowed_for(grant.role)
            && (loaded.unit.path.is_within(&grant.path) || loaded.office.path.is_within(&grant.path))
    })
}

/// Those who review a unit's reports, or run its campaign's office, may chase it.
fn may_chase(actor: &Actor, loaded: &Loaded) -> bool {
    may_take(actor, loaded, Step::Return)
}

fn possible_steps(actor: &Actor, loaded: &Loaded) -> Vec<Step> {
    [Step::Acknowledge, Step::Update, Step::Report, Step::Accept, Step::Return, Step::Close]
        .into_iter()
        .filter(|step| loaded.assignment.state.after(*step).is_ok() && may_take(actor, loaded, *step))
        .filter(|step| {
            !(*step == Step::Close
                && loaded.campaign.approval_required
                && loaded.assignment.state == AssignmentState::Reported)
        })
        .collect()
}

/// One assignment as the actor may see it: its light, history, indicators, chases and the
/// steps open to the actor.
pub async fn detail(app: &App, actor: &Actor, id: AssignmentId) -> Result<Detail> {
    load_detail(app, actor, id, false).await
}

/// The detail with the evidence of each step and the unit's library to report with, as the
/// assignment's page shows them.
pub async fn detail_with_evidence(app: &App, actor: &Actor, id: AssignmentId) -> Result<Detail> {
    load_detail(app, actor, id, true).await
}

async fn load_detail(app: &App, actor: &Actor, id: AssignmentId, with_evidence: bool) -> Result<Detail> {
    let mut conn = app.store.read().await?;
    let loaded = visible(&mut conn, actor, id).await?;
    let store::History { events, values } = store::history(&mut conn, id).await?;
    let today = loaded.campaign.today(Timestamp::now());
    let steps = possible_steps(actor, &loaded);
    let (evidence, library) = if with_evidence {
        let evidence = pacesetter_store::evidence::for_assignment(&mut conn, id).await?;
        let library = if steps.iter().any(|s| matches!(s, Step::Update | Step::Report)) {
            pacesetter_store::evidence::library(&mut conn, loaded.unit.id, 100).await?
        } else {
            Vec::new()
        };
        (evidence, library)
    } else {
        (Vec::new(), Vec::new())
    };
    let indicators = indicators::for_item(&mut conn, loaded.item.id).await?;
    let chases = chases::of(&mut conn, Subject::Assignment(id)).await?;
    let can_chase = may_chase(actor, &loaded) && loaded.assignment.state != AssignmentState::Closed;
    let decided_at = crate::meetings::decisions::decided_at(&mut conn, loaded.item.id).await?;
    Ok(Detail {
        decided_at,
        indicators,
        values,
        chases,
        can_chase,
        light: loaded.assignment.light(today, loaded.campaign.thresholds),
        days_left: loaded.assignment.days_left(today),
        events,
        steps,
        evidence,
        library,
        assignment: loaded.assignment,
        item: loaded.item,
        campaign: loaded.campaign,
        unit: loaded.unit,
    })
}

/// What a step carries: progress for updates and reports, a comment (required to return an
/// assignment, and to report progress that leaves it red).
#[derive(Debug, Clone, Default)]
pub struct StepInput<'a> {
    pub percent: Option<u8>,
    pub comment: &'a str,
    /// Evidence from the unit's library to attach to this step.
    pub evidence: &'a [pacesetter_domain::evidence::EvidenceId],
    /// Values for the task's indicators, by indicator id, as typed (empty ones are skipped).
    pub indicators: &'a [(IndicatorId, &'a str)],
}

pub const COMMENT_MAX_CHARS: usize = crate::text::TextKind::Text.max_chars();

/// Takes a step on an assignment if `version` is what the actor saw, recording who and when.
pub async fn take_step(
    app: &App,
    actor: &Actor,
    id: AssignmentId,
    version: i64,
    step: Step,
    input: &StepInput<'_>,
) -> Result<Assignment> {
    let mut tx = app.store.write().await?;
    let after = step_in(app, &mut tx, actor, id, version, step, input).await?;
    tx.commit().await?;
    Ok(after)
}

/// Takes a step in the caller's transaction: see [`take_step`].
async fn step_in(
    app: &App,
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssignmentId,
    version: i64,
    step: Step,
    input: &StepInput<'_>,
) -> Result<Assignment> {
    let loaded = visible(tx, actor, id).await?;
    if !may_take(actor, &loaded, step) {
        return Err(AppError::Forbidden);
    }
    let comment =
        crate::text::optional("comment", Some(input.comment), crate::text::TextKind::Text)?.unwrap_or_default();
    let before = loaded.assignment.clone();
    if before.version != version {
        return Err(AppError::Stale { current: serde_json::to_value(&before).unwrap_or_default() });
    }
    let next = before.state.after(step).map_err(|_| AppError::Conflict("step_not_allowed_now"))?;
    if step == Step::Close && loaded.campaign.approval_required && before.state == AssignmentState::Reported {
        return Err(AppError::Conflict("approval_required"));
    }
    let reports_progress = matches!(step, Step::Update | Step::Report);
    let percent = if reports_progress {
        match input.percent {
            Some(p) if p <= 100 => p,
            Some(_) => return Err(AppError::invalid("percent", "invalid_percent")),
            None => return Err(AppError::invalid("percent", "required")),
        }
    } else {
        before.percent
    };
    // Evidence must be the unit's own: another unit's file cannot be linked here.
    for id in input.evidence {
        let evidence = crate::evidence::visible(tx, actor, *id).await?;
        if evidence.unit_id != before.unit_id {
            return Err(AppError::NotFound(Resource::Evidence));
        }
    }
    let mut errors = ValidationError::new();
    let values = indicator_values(tx, loaded.item.id, reports_progress, input.indicators, &mut errors).await?;
    if step == Step::Return && comment.is_empty() {
        errors.push("comment", "return_needs_comment");
    }
    let today = loaded.campaign.today(Timestamp::now());
    let after_light = Assignment { percent, state: next, ..before.clone() }.light(today, loaded.campaign.thresholds);
    if reports_progress && after_light == Light::Red && comment.is_empty() {
        errors.push("comment", "red_needs_note");
    }
    errors.into_result()?;
    let now = Timestamp::now();
    let after = store::set_state(tx, &before, next, percent, reports_progress, now)
        .await
        .map_err(AppError::from_store(Resource::Assignment))?;
    let event = store::NewEvent {
        step,
        from: before.state,
        to: next,
        percent: reports_progress.then_some(percent),
        comment: (!comment.is_empty()).then_some(comment.as_str()),
        actor: actor.user.id,
    };
    let event_id = store::add_event(tx, id, &event, now).await?;
    pacesetter_store::evidence::attach(tx, event_id, input.evidence).await?;
    indicators::add_values(tx, event_id, &values).await?;
    let action = format!("assignment.{}", step.as_str());
    audit::record(tx, actor.into(), &action, ("assignment", Some(id.0)), Some(&before), Some(&after)).await?;
    if step == Step::Return {
        crate::reminders::returned(app, tx, after.id, &loaded.unit, &loaded.item.title, &comment).await?;
    }
    // A meeting's decision is closed with its lead unit's share: the co-units' shares close too.
    if step == Step::Close
        && loaded.item.lead_unit_id == Some(before.unit_id)
        && pacesetter_store::meetings::meeting_deciding(tx, loaded.item.id).await?.is_some()
    {
        close_for_event(tx, actor, loaded.item.id, DECISION_CLOSED).await?;
    }
    Ok(after)
}

/// Why a co-unit's share of a meeting's decision was closed.
const DECISION_CLOSED: &str = "牵头单位已办结，议定事项销号。";

/// Closes the open assignments of `item` in the caller's transaction because the event it plans
/// has happened and its result is public (a contest's final published, a quiz closed). Each gets
/// a `close` step by `actor` at 100 % with `comment` (what was held), and its audit record.
pub(crate) async fn close_for_event(tx: &mut WriteTx, actor: &Actor, item: PlanItemId, comment: &str) -> Result<()> {
    let now = Timestamp::now();
    for before in store::for_item(tx, item).await? {
        let Some(next) = before.state.after_event_held() else { continue };
        let after = store::set_state(tx, &before, next, 100, false, now)
            .await
            .map_err(AppError::from_store(Resource::Assignment))?;
        let event = store::NewEvent {
            step: Step::Close,
            from: before.state,
            to: next,
            percent: None,
            comment: Some(comment),
            actor: actor.user.id,
        };
        store::add_event(tx, before.id, &event, now).await?;
        audit::record(
            tx,
            actor.into(),
            "assignment.close",
            ("assignment", Some(before.id.0)),
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    Ok(())
}

/// Checks the indicator values of a step: only progress carries them, each for an indicator
/// of this task, each a decimal number; a value that is no number goes to `errors`.
async fn indicator_values(
    conn: &mut Conn,
    item: PlanItemId,
    reports_progress: bool,
    typed: &[(IndicatorId, &str)],
    errors: &mut ValidationError,
) -> Result<Vec<(IndicatorId, String)>> {
    let typed: Vec<(IndicatorId, &str)> = typed.iter().filter(|(_, v)| !v.trim().is_empty()).copied().collect();
    if typed.is_empty() {
        return Ok(Vec::new());
    }
    if !reports_progress {
        return Err(AppError::invalid("indicators", "indicators_with_progress_only"));
    }
    let known = indicators::for_item(conn, item).await?;
    let mut values = Vec::with_capacity(typed.len());
    for (id, text) in typed {
        if !known.iter().any(|i| i.id == id) {
            return Err(AppError::invalid("indicators", "indicator_not_found"));
        }
        match parse_decimal(text) {
            Some(value) if !values.iter().any(|(seen, _)| *seen == id) => values.push((id, value)),
            Some(_) => return Err(AppError::invalid("indicators", "duplicate_indicator")),
            None => errors.push("indicators", "invalid_indicator_value"),
        }
    }
    Ok(values)
}

/// A step as the assignment page sends it: the percent as typed, the library's evidence
/// ticked, and new files and a link to add to the unit's library.
#[derive(Debug, Clone)]
pub struct SentStep<'a> {
    pub version: i64,
    pub step: Step,
    /// Read for an update or a report only.
    pub percent: &'a str,
    pub comment: &'a str,
    pub evidence: &'a [pacesetter_domain::evidence::EvidenceId],
    pub indicators: &'a [(IndicatorId, &'a str)],
    /// New files, each with the name it was sent under.
    pub files: &'a [(&'a str, &'a [u8])],
    pub link_title: &'a str,
    /// A new link, if not blank.
    pub link_url: &'a str,
}

/// Takes a step with its new evidence in one transaction: when the step is refused, no file or
/// link is left in the library.
pub async fn take_sent_step(app: &App, actor: &Actor, id: AssignmentId, sent: &SentStep<'_>) -> Result<Assignment> {
    let percent = match sent.step {
        Step::Update | Step::Report => {
            let percent = sent.percent.trim().parse::<u8>().ok().filter(|p| *p <= 100);
            Some(percent.ok_or(AppError::invalid("percent", "invalid_percent"))?)
        }
        _ => None,
    };
    if !sent.files.is_empty() {
        // Only someone who may add to the unit's library gets a file kept on disk.
        let mut conn = app.store.read().await?;
        let loaded = visible(&mut conn, actor, id).await?;
        crate::evidence::reporting_unit(&mut conn, actor, loaded.unit.id).await?;
    }
    let mut kept = Vec::with_capacity(sent.files.len());
    for (filename, bytes) in sent.files {
        kept.push(crate::evidence::keep_file(app, filename, bytes).await?);
    }
    let mut tx = app.store.write().await?;
    let unit = visible(&mut tx, actor, id).await?.unit.id;
    let mut evidence = sent.evidence.to_vec();
    for file in &kept {
        evidence.push(crate::evidence::add_kept_file(&mut tx, actor, unit, file).await?.id);
    }
    if !sent.link_url.trim().is_empty() {
        evidence.push(crate::evidence::add_link_in(&mut tx, actor, unit, sent.link_title, sent.link_url).await?.id);
    }
    let input = StepInput { percent, comment: sent.comment, evidence: &evidence, indicators: sent.indicators };
    let after = step_in(app, &mut tx, actor, id, sent.version, sent.step, &input).await?;
    tx.commit().await?;
    Ok(after)
}
