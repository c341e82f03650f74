//! What a meeting decides (议定事项) and its follow-up (督办): each decision is a key task of the
//! campaign's plan under "推进会议定事项", assigned to its lead unit and co-units, so the lead
//! unit's assignment carries the lights, reminders, escalation and closing (decision 0021).

use std::collections::HashMap;

use pacesetter_domain::{
    Timestamp, UnitId,
    assignment::Step,
    ids::{AgendaItemId, MeetingId, PlanItemId},
    light::Light,
    meeting::{self, Checkpoint, CheckpointState, Decision, Meeting},
    plan::{Assignment, Campaign, ItemFields, PlanItem},
    timestamp::parse_date,
    unit::Unit,
};
use pacesetter_store::{
    Conn, assignments, campaigns,
    meetings::{self as store, NewDecision},
    plan_items,
};

use super::{UnitRef, organised_open, units_by_id, visible_unit};
use crate::{
    Actor, App, AppError, Result, audit,
    plans::{NewTask, insert_task},
    text::{self, TextKind},
};

/// The plan item a campaign's decisions are filed under, at each level above the task level.
pub const DECISIONS_ITEM_TITLE: &str = "推进会议定事项";

/// A decision as the organiser records it; dates as typed (YYYY-MM-DD).
#[derive(Debug, Clone)]
pub struct DecisionInput<'a> {
    /// What is to be done, short: the follow-up task's title.
    pub title: &'a str,
    /// The decision in the minutes' words.
    pub text: &'a str,
    pub agenda_item: Option<AgendaItemId>,
    pub lead: UnitRef<'a>,
    pub co_units: Vec<UnitRef<'a>>,
    pub due_on: &'a str,
    /// Feedback checkpoints as (label, day); rows left blank are skipped.
    pub checkpoints: Vec<(&'a str, &'a str)>,
}

/// A day typed in `field`: required, a date, not before `from` and not after `to`.
fn day_in(field: &'static str, text: &str, from: time::Date, to: Option<time::Date>) -> Result<time::Date> {
    if text.trim().is_empty() {
        return Err(AppError::invalid(field, "required"));
    }
    let day = parse_date(text.trim()).ok_or(AppError::invalid(field, "invalid_date"))?;
    if day < from {
        return Err(AppError::invalid(field, "before_meeting"));
    }
    if to.is_some_and(|to| day > to) {
        return Err(AppError::invalid(field, "after_deadline"));
    }
    Ok(day)
}

/// The checkpoints typed, earliest first: each needs its label and a day between the meeting and
/// the deadline.
fn checkpoints(input: &[(&str, &str)], from: time::Date, due: time::Date) -> Result<Vec<Checkpoint>> {
    let typed: Vec<_> =
        input.iter().filter(|(label, day)| !(label.trim().is_empty() && day.trim().is_empty())).collect();
    if typed.len() > meeting::MAX_CHECKPOINTS {
        return Err(AppError::invalid("checkpoints", "too_many"));
    }
    let mut found = Vec::with_capacity(typed.len());
    for (label, day) in typed {
        let label = text::required("checkpoints", label, TextKind::Name)?;
        let due_on = day_in("checkpoints", day, from, Some(due))?;
        found.push(Checkpoint { label, due_on });
    }
    found.sort_by_key(|c| c.due_on);
    Ok(found)
}

/// The parent of a new decision's task: the campaign's "推进会议定事项" item, made with any
/// level between it and the top the first time (weight 0, so follow-ups never move the
/// campaign's progress). `None` when the task level is the top.
async fn decisions_parent(conn: &mut Conn, campaign: &Campaign, now: Timestamp) -> Result<(Option<PlanItemId>, u8)> {
    let levels = campaigns::levels(conn, campaign.id).await?;
    let task_depth =
        levels.iter().find(|l| l.is_task).map(|l| l.depth).ok_or(AppError::Conflict("plan_has_no_task_level"))?;
    if let Some(parent) = store::decisions_parent(conn, campaign.id).await? {
        return Ok((Some(parent), task_depth));
    }
    let fields = ItemFields {
        code: None,
        title: DECISIONS_ITEM_TITLE.to_owned(),
        title_bo: None,
        description: None,
        weight: 0,
        starts_on: None,
        due_on: None,
    };
    let mut parent = None;
    for depth in 1..task_depth {
        let item = plan_items::insert(conn, campaign.id, parent, depth, &fields, Some(campaign.office_unit_id), now)
            .await
            .map_err(AppError::from_store(crate::Resource::Item))?;
        parent = Some(item.id);
    }
    Ok((parent, task_depth))
}

/// Records a decision of an open meeting the actor organises, and makes its follow-up: a key
/// task from the meeting's day to the deadline, assigned to the lead unit and the co-units.
pub async fn decide(app: &App, actor: &Actor, id: MeetingId, input: &DecisionInput<'_>) -> Result<FollowUp> {
    let mut tx = app.store.write().await?;
    let meeting = organised_open(&mut tx, actor, id).await?;
    let (campaign, _) = crate::plans::load_campaign(&mut tx, meeting.campaign_id).await?;
    let title = text::required("title", input.title, TextKind::Title)?;
    let words = text::optional("text", Some(input.text), TextKind::Text)?.unwrap_or_default();
    if let Some(item) = input.agenda_item {
        let found = store::get_agenda_item(&mut tx, item).await.ok().filter(|i| i.meeting_id == id);
        if found.is_none() {
            return Err(AppError::invalid("agenda_item_id", "meeting_agenda_item_not_found"));
        }
    }
    if input.co_units.len() > meeting::MAX_EXPECTED_UNITS {
        return Err(AppError::invalid("co_unit_ids", "too_many"));
    }
    let lead = visible_unit(&mut tx, actor, input.lead, "lead_unit_id").await?;
    let mut co_units: Vec<Unit> = Vec::with_capacity(input.co_units.len());
    for unit in &input.co_units {
        let unit = visible_unit(&mut tx, actor, *unit, "co_unit_ids").await?;
        if unit.id == lead.id || co_units.iter().any(|u| u.id == unit.id) {
            return Err(AppError::invalid("co_unit_ids", "unit_twice"));
        }
        co_units.push(unit);
    }
    let held_on = meeting.starts_at.date_cst();
    let due = day_in("due_on", input.due_on, held_on, None)?;
    let checkpoints = checkpoints(&input.checkpoints, held_on, due)?;
    if store::decision_count(&mut tx, id).await? as usize >= meeting::MAX_DECISIONS {
        return Err(AppError::invalid("title", "too_many"));
    }
    let now = Timestamp::now();
    let (parent, depth) = decisions_parent(&mut tx, &campaign, now).await?;
    let description = format!("{}议定。{}", meeting.title, words);
    let fields = ItemFields {
        code: None,
        title,
        title_bo: None,
        description: Some(description.chars().take(TextKind::Text.max_chars()).collect()),
        weight: 1,
        starts_on: Some(held_on),
        due_on: Some(due),
    };
    let co_unit_ids: Vec<UnitId> = co_units.iter().map(|u| u.id).collect();
    let task = NewTask {
        campaign: campaign.id,
        parent,
        depth,
        fields: &fields,
        dates: (held_on, due),
        lead: lead.id,
        co_units: &co_unit_ids,
        assign_to: &[],
    };
    let item = insert_task(&mut tx, &task, now).await?;
    let new = NewDecision {
        meeting: id,
        agenda_item: input.agenda_item,
        item: item.id,
        text: &words,
        checkpoints: &checkpoints,
    };
    let decision = store::insert_decision(&mut tx, &new, actor.user.id, now).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "meeting.decision.create",
        ("meeting_decision", Some(decision.id.0)),
        None,
        Some(&decision),
    )
    .await?;
    let follow_up = follow_ups(&mut tx, &campaign, &[meeting], vec![decision])
        .await?
        .pop()
        .ok_or(AppError::Internal("the decision lost its task".into()))?;
    tx.commit().await?;
    Ok(follow_up)
}

/// A decision with where its follow-up stands: the lead unit's assignment of its task.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FollowUp {
    pub decision: Decision,
    /// The meeting that decided it: (id, title, when).
    pub meeting: (MeetingId, String, Timestamp),
    pub task: PlanItem,
    pub lead: Unit,
    pub co_units: Vec<Unit>,
    /// The lead unit's assignment: the follow-up itself.
    pub assignment: Option<Assignment>,
    pub light: Option<Light>,
    pub checkpoints: Vec<(Checkpoint, CheckpointState)>,
}

impl FollowUp {
    /// Closed once the office closed the lead unit's assignment after its report.
    pub fn is_closed(&self) -> bool {
        self.assignment.as_ref().is_some_and(|a| a.state.is_closed())
    }
}

/// The follow-ups of `decisions`, each decided at one of `meetings`.
pub(super) async fn follow_ups(
    conn: &mut Conn,
    campaign: &Campaign,
    meetings: &[Meeting],
    decisions: Vec<Decision>,
) -> Result<Vec<FollowUp>> {
    let today = campaign.today(Timestamp::now());
    let items: Vec<PlanItemId> = decisions.iter().map(|d| d.item_id).collect();
    let mut tasks: HashMap<PlanItemId, PlanItem> =
        plan_items::get_many(conn, &items).await?.into_iter().map(|t| (t.id, t)).collect();
    let mut co_units = plan_items::co_units_of(conn, &items).await?;
    let mut leads: HashMap<PlanItemId, Assignment> =
        assignments::of_leads(conn, &items).await?.into_iter().map(|a| (a.item_id, a)).collect();
    let lead_ids: Vec<_> = leads.values().map(|a| a.id).collect();
    let mut reports = assignments::step_times(conn, &lead_ids, &[Step::Update, Step::Report]).await?;
    let mut found_tasks = Vec::with_capacity(decisions.len());
    for decision in &decisions {
        let task = tasks.remove(&decision.item_id).ok_or(AppError::Internal("a decision lost its task".into()))?;
        let lead = task.lead_unit_id.ok_or(AppError::Internal("a decision's task has no lead unit".into()))?;
        let assignment = leads.remove(&task.id);
        let reported_on = match &assignment {
            Some(a) => reports.remove(&a.id).unwrap_or_default().iter().map(|at| at.date_cst()).collect(),
            None => Vec::new(),
        };
        let co = co_units.remove(&task.id).unwrap_or_default();
        found_tasks.push((task, lead, co, assignment, reported_on));
    }
    let tasks = found_tasks;
    let units: HashMap<UnitId, Unit> =
        units_by_id(conn, tasks.iter().flat_map(|(_, lead, co, ..)| co.iter().copied().chain([*lead]))).await?;
    let unit = |id: &UnitId| units.get(id).cloned().ok_or(AppError::NotFound(crate::Resource::Unit));
    let mut found = Vec::with_capacity(decisions.len());
    for (decision, (task, lead, co_units, assignment, reported_on)) in decisions.into_iter().zip(tasks) {
        let held = meetings
            .iter()
            .find(|m| m.id == decision.meeting_id)
            .ok_or(AppError::Internal("a decision of another meeting".into()))?;
        let states = meeting::checkpoint_states(&decision.checkpoints, &reported_on, today);
        let checkpoints = decision.checkpoints.iter().cloned().zip(states).collect();
        found.push(FollowUp {
            meeting: (held.id, held.title.clone(), held.starts_at),
            light: assignment.as_ref().map(|a| a.light(today, campaign.thresholds)),
            lead: unit(&lead)?,
            co_units: co_units.iter().map(unit).collect::<Result<_>>()?,
            decision,
            task,
            assignment,
            checkpoints,
        });
    }
    Ok(found)
}

/// A meeting's decisions, and (while it is open) the follow-ups of the campaign's earlier
/// meetings not yet closed, which come back on its agenda.
pub(super) async fn of_meeting(
    conn: &mut Conn,
    campaign: &Campaign,
    meeting: &Meeting,
) -> Result<(Vec<FollowUp>, Vec<FollowUp>)> {
    let own = store::decisions(conn, meeting.id).await?;
    let own = follow_ups(conn, campaign, std::slice::from_ref(meeting), own).await?;
    if meeting.closed.is_some() {
        return Ok((own, Vec::new()));
    }
    Ok((own, carried_into(conn, campaign, meeting).await?))
}

/// The follow-ups of the campaign's meetings held before `meeting` that are not yet closed.
pub(super) async fn carried_into(conn: &mut Conn, campaign: &Campaign, meeting: &Meeting) -> Result<Vec<FollowUp>> {
    let earlier: Vec<Meeting> = store::meetings(conn, campaign.id)
        .await?
        .into_iter()
        .filter(|m| m.id != meeting.id && (m.starts_at, m.id.0) < (meeting.starts_at, meeting.id.0))
        .collect();
    let decisions: Vec<Decision> = store::campaign_decisions(conn, campaign.id)
        .await?
        .into_iter()
        .filter(|d| earlier.iter().any(|m| m.id == d.meeting_id))
        .collect();
    Ok(follow_ups(conn, campaign, &earlier, decisions).await?.into_iter().filter(|f| !f.is_closed()).collect())
}

/// A meeting's decisions with their follow-ups, for anyone signed in.
pub async fn list(app: &App, _actor: &Actor, id: MeetingId) -> Result<Vec<FollowUp>> {
    let mut conn = app.store.read().await?;
    let (meeting, campaign, _) = super::load_with_campaign(&mut conn, id).await?;
    let decisions = store::decisions(&mut conn, id).await?;
    follow_ups(&mut conn, &campaign, std::slice::from_ref(&meeting), decisions).await
}

/// The meeting whose decision a plan task follows up, if it is one: (meeting, title).
pub async fn decided_at(conn: &mut Conn, item: PlanItemId) -> Result<Option<(MeetingId, String)>> {
    Ok(store::meeting_deciding(conn, item).await?)
}
