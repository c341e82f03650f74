//! The briefing pack (会议材料) of a progress meeting, read on the campaign's day: progress by
//! pillar and by prefecture, the overdue assignments, the rectification items not yet closed,
//! the open follow-ups of earlier meetings, and the latest published ranking. Each part is read
//! by the app function its own page uses, so the pack says what the pages say.

use std::collections::HashMap;

use pacesetter_domain::{
    Permission, Timestamp, UnitId, UnitKind,
    evaluation::records::Run,
    ids::MeetingId,
    inspection::RectificationState,
    meeting::Meeting,
    plan::{Campaign, PlanItem},
    unit::Unit,
};
use pacesetter_store::evaluation_runs;

use super::{decisions::FollowUp, load_with_campaign, units_by_id};
use crate::{
    Actor, App, Page, PageRequest, Result,
    assignments::{self, Line},
    evaluations::{self, bulletin::BulletinView},
    inspections::{self, LedgerLine, LedgerQuery},
    reports::{self, DashboardCell},
};

/// The most overdue assignments and open rectification items the pack lists one by one (the
/// most urgent first); it gives how many there are in all.
pub const MAX_LINES: usize = 60;

/// Everything the briefing pack prints.
#[derive(Debug, Clone)]
pub struct Briefing {
    pub meeting: Meeting,
    pub campaign: Campaign,
    /// The office running the campaign, which issues the pack.
    pub office: Unit,
    /// The campaign's day, which lights and overdue are judged on.
    pub today: time::Date,
    /// Each top-level item of the plan with its assignments rolled up.
    pub pillars: Vec<(PlanItem, Option<DashboardCell>)>,
    /// Each prefecture (or, where the plan's units have none, each unit the dashboard divides
    /// by) with its assignments rolled up.
    pub areas: Vec<(Unit, Option<DashboardCell>)>,
    /// The most overdue first, with how many there are in all.
    pub overdue: Page<Line>,
    /// Not yet closed, the earliest deadline first: (line, responsible unit).
    pub rectifications: Vec<(LedgerLine, Unit)>,
    pub rectifications_open: usize,
    /// Of those, past their deadline with the unit still to respond.
    pub rectifications_late: i64,
    /// The earlier meetings' decisions whose follow-up is not closed.
    pub follow_ups: Vec<FollowUp>,
    /// The campaign's latest published evaluation run, if any.
    pub ranking: Option<BulletinView>,
}

/// The briefing pack of a meeting the actor organises.
pub async fn briefing(app: &App, actor: &Actor, id: MeetingId) -> Result<Briefing> {
    let (meeting, campaign, office, follow_ups) = {
        let mut conn = app.store.read().await?;
        let (meeting, campaign, office) = load_with_campaign(&mut conn, id).await?;
        actor.require(Permission::ManagePlans, &office.path)?;
        let follow_ups = super::decisions::carried_into(&mut conn, &campaign, &meeting).await?;
        (meeting, campaign, office, follow_ups)
    };
    let today = campaign.today(Timestamp::now());

    let board = reports::dashboard(app, actor, campaign.id, None).await?;
    let pillars = board.rows.iter().cloned().zip(board.row_totals.iter().copied()).collect();
    let columns = board.columns.iter().zip(board.column_totals.iter().copied());
    let prefectures: Vec<_> = columns.clone().filter(|(c, _)| c.unit.kind == UnitKind::Prefecture).collect();
    let areas = if prefectures.is_empty() { columns.collect() } else { prefectures };
    let areas = areas.into_iter().map(|(c, total)| (c.unit.clone(), total)).collect();

    let query = assignments::Query { campaign: Some(campaign.id), overdue: true, ..Default::default() };
    let overdue = assignments::list(app, actor, &query, PageRequest::new(Some(1), Some(MAX_LINES as i64))).await?;

    let (counts, rectifications_late) =
        inspections::ledger_counts(app, actor, campaign.id, &LedgerQuery::default()).await?;
    let rectifications_open =
        counts.iter().filter(|(state, _)| *state != RectificationState::Closed).map(|(_, n)| *n as usize).sum();
    let mut lines = Vec::new();
    for state in [RectificationState::Open, RectificationState::Reopened, RectificationState::Responded] {
        let query = LedgerQuery {
            state: Some(state),
            page: PageRequest::new(Some(1), Some(MAX_LINES as i64)),
            ..LedgerQuery::default()
        };
        lines.extend(inspections::ledger(app, actor, campaign.id, &query).await?.0);
    }
    lines.sort_by_key(|line| line.rectification.as_ref().map(|r| (r.due_on, r.id.0)));
    lines.truncate(MAX_LINES);
    let units: HashMap<UnitId, Unit> = {
        let mut conn = app.store.read().await?;
        units_by_id(&mut conn, lines.iter().map(|l| l.finding.unit_id)).await?
    };
    let rectifications = lines
        .into_iter()
        .filter_map(|line| {
            let unit = units.get(&line.finding.unit_id)?.clone();
            Some((line, unit))
        })
        .collect();

    let ranking = latest_ranking(app, actor, &campaign).await?;
    Ok(Briefing {
        meeting,
        campaign,
        office,
        today,
        pillars,
        areas,
        overdue,
        rectifications,
        rectifications_open,
        rectifications_late,
        follow_ups,
        ranking,
    })
}

/// The bulletin of the campaign's most recently published evaluation run.
async fn latest_ranking(app: &App, actor: &Actor, campaign: &Campaign) -> Result<Option<BulletinView>> {
    let schemes = evaluations::list(app, actor, Some(campaign.id)).await?;
    let mut latest: Option<Run> = None;
    let mut conn = app.store.read().await?;
    for scheme in schemes {
        let run = evaluation_runs::latest_published(&mut conn, scheme.id).await?;
        if let Some(run) = run.filter(|run| latest.as_ref().is_none_or(|l| run.published_at > l.published_at)) {
            latest = Some(run);
        }
    }
    drop(conn);
    match latest {
        Some(run) => Ok(Some(evaluations::bulletin::bulletin(app, actor, run.id).await?)),
        None => Ok(None),
    }
}
