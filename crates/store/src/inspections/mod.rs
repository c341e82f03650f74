//! Inspection rounds with their teams, targets and checklist; self-inspection and inspector
//! checks; findings with photos; rectification items and the steps taken on them.

pub mod burden;
mod findings;
pub mod follow_up;

pub use findings::*;

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    ids::{CampaignId, PlanItemId},
    inspection::records::{
        Check, CheckItem, CheckItemId, CheckSource, CheckStatus, Round, RoundId, RoundStatus, Target, Team, TeamId,
        evidence_from_db, evidence_to_db,
    },
    timestamp::format_date,
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};
use time::Date;

use crate::{Result, StoreError, campaigns::date, evaluations::decode_error, row};

const ROUND_COLUMNS: &str = "id, campaign_id, name, name_bo, starts_on, ends_on, status, scheme_id, created_by, created_at, updated_at, version";

fn round_from_row(row: &AnyRow) -> Result<Round> {
    let status: String = row.try_get("status")?;
    Ok(Round {
        id: RoundId(row.try_get("id")?),
        campaign_id: CampaignId(row.try_get("campaign_id")?),
        name: row.try_get("name")?,
        name_bo: row.try_get("name_bo")?,
        starts_on: date(row, "starts_on")?,
        ends_on: date(row, "ends_on")?,
        status: RoundStatus::parse(&status).ok_or_else(|| decode_error("round status"))?,
        scheme_id: row.try_get("scheme_id")?,
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
        updated_at: row::timestamp(row, "updated_at")?,
        version: row.try_get("version")?,
    })
}

/// A round's name, dates and scheme.
pub struct RoundFields<'a> {
    pub name: &'a str,
    pub name_bo: Option<&'a str>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub scheme_id: Option<i64>,
}

pub async fn insert_round(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    fields: &RoundFields<'_>,
    by: UserId,
    now: Timestamp,
) -> Result<Round> {
    let row = sqlx::query(
        "INSERT INTO inspection_rounds (campaign_id, name, name_bo, starts_on, ends_on, scheme_id, created_by,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(campaign.0)
    .bind(fields.name.to_owned())
    .bind(fields.name_bo.map(str::to_owned))
    .bind(format_date(fields.starts_on))
    .bind(format_date(fields.ends_on))
    .bind(fields.scheme_id)
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    get_round(conn, RoundId(row.try_get("id")?)).await
}

pub async fn get_round(conn: &mut AnyConnection, id: RoundId) -> Result<Round> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {ROUND_COLUMNS} FROM inspection_rounds WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    round_from_row(&row)
}

/// A campaign's rounds, newest first.
pub async fn rounds(conn: &mut AnyConnection, campaign: CampaignId) -> Result<Vec<Round>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ROUND_COLUMNS} FROM inspection_rounds WHERE campaign_id = $1 ORDER BY starts_on DESC, id DESC"
    )))
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(round_from_row).collect()
}

/// Changes a round at `version`: its fields and status. `Stale` when it moved on meanwhile.
pub async fn update_round(
    conn: &mut AnyConnection,
    id: RoundId,
    version: i64,
    fields: &RoundFields<'_>,
    status: RoundStatus,
    now: Timestamp,
) -> Result<Round> {
    let done = sqlx::query(
        "UPDATE inspection_rounds SET name = $1, name_bo = $2, starts_on = $3, ends_on = $4, scheme_id = $5,
             status = $6, updated_at = $7, version = version + 1
         WHERE id = $8 AND version = $9",
    )
    .bind(fields.name.to_owned())
    .bind(fields.name_bo.map(str::to_owned))
    .bind(format_date(fields.starts_on))
    .bind(format_date(fields.ends_on))
    .bind(fields.scheme_id)
    .bind(status.as_str())
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_round(conn, id).await));
    }
    get_round(conn, id).await
}

pub async fn insert_team(
    conn: &mut AnyConnection,
    round: RoundId,
    name: &str,
    leader: UserId,
    members: &[UserId],
) -> Result<Team> {
    let row = sqlx::query("INSERT INTO inspection_teams (round_id, name, leader_id) VALUES ($1, $2, $3) RETURNING id")
        .bind(round.0)
        .bind(name.to_owned())
        .bind(leader.0)
        .fetch_one(&mut *conn)
        .await?;
    let id: i64 = row.try_get("id")?;
    let mut everyone = vec![leader];
    everyone.extend(members.iter().copied().filter(|m| *m != leader));
    everyone.dedup();
    for member in &everyone {
        sqlx::query("INSERT INTO inspection_team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(member.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Team { id: TeamId(id), round_id: round, name: name.to_owned(), leader_id: leader, members: everyone })
}

/// A round's teams with their members, in the order they were formed.
pub async fn teams(conn: &mut AnyConnection, round: RoundId) -> Result<Vec<Team>> {
    let rows = sqlx::query("SELECT id, name, leader_id FROM inspection_teams WHERE round_id = $1 ORDER BY id")
        .bind(round.0)
        .fetch_all(&mut *conn)
        .await?;
    let members = sqlx::query(
        "SELECT m.team_id, m.user_id FROM inspection_team_members m JOIN inspection_teams t ON t.id = m.team_id
         WHERE t.round_id = $1 ORDER BY m.team_id, m.user_id",
    )
    .bind(round.0)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let leader = UserId(row.try_get("leader_id")?);
            let mut everyone = vec![leader];
            for member in &members {
                let (team, user): (i64, i64) = (member.try_get("team_id")?, member.try_get("user_id")?);
                if team == id && user != leader.0 {
                    everyone.push(UserId(user));
                }
            }
            Ok(Team {
                id: TeamId(id),
                round_id: round,
                name: row.try_get("name")?,
                leader_id: leader,
                members: everyone,
            })
        })
        .collect()
}

/// Makes `wanted` (unit, team) the round's targets; units no longer wanted leave with their
/// checks.
pub async fn set_targets(conn: &mut AnyConnection, round: RoundId, wanted: &[(UnitId, Option<TeamId>)]) -> Result<()> {
    for current in targets(conn, round).await? {
        if !wanted.iter().any(|(unit, _)| *unit == current.unit_id) {
            sqlx::query("DELETE FROM inspection_targets WHERE round_id = $1 AND unit_id = $2")
                .bind(round.0)
                .bind(current.unit_id.0)
                .execute(&mut *conn)
                .await?;
        }
    }
    for (unit, team) in wanted {
        sqlx::query(
            "INSERT INTO inspection_targets (round_id, unit_id, team_id) VALUES ($1, $2, $3)
             ON CONFLICT (round_id, unit_id) DO UPDATE SET team_id = $3",
        )
        .bind(round.0)
        .bind(unit.0)
        .bind(team.map(|t| t.0))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn target_from_row(row: &AnyRow) -> Result<Target> {
    Ok(Target {
        round_id: RoundId(row.try_get("round_id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        team_id: row.try_get::<Option<i64>, _>("team_id")?.map(TeamId),
        self_submitted_at: row::opt_timestamp(row, "self_submitted_at")?,
    })
}

/// A round's targets in the units' tree order.
pub async fn targets(conn: &mut AnyConnection, round: RoundId) -> Result<Vec<Target>> {
    let rows = sqlx::query(
        "SELECT t.round_id, t.unit_id, t.team_id, t.self_submitted_at FROM inspection_targets t
         JOIN units u ON u.id = t.unit_id WHERE t.round_id = $1 ORDER BY u.path",
    )
    .bind(round.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(target_from_row).collect()
}

pub async fn target(conn: &mut AnyConnection, round: RoundId, unit: UnitId) -> Result<Target> {
    let row = sqlx::query(
        "SELECT round_id, unit_id, team_id, self_submitted_at FROM inspection_targets WHERE round_id = $1 AND unit_id = $2",
    )
    .bind(round.0)
    .bind(unit.0)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    target_from_row(&row)
}

/// Marks a target's self-inspection handed in; false when it already was.
pub async fn submit_self(conn: &mut AnyConnection, round: RoundId, unit: UnitId, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE inspection_targets SET self_submitted_at = $1
         WHERE round_id = $2 AND unit_id = $3 AND self_submitted_at IS NULL",
    )
    .bind(now.to_db())
    .bind(round.0)
    .bind(unit.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A checklist point to write.
pub struct NewItem {
    pub title: String,
    pub title_bo: Option<String>,
    pub plan_item_id: Option<PlanItemId>,
    pub indicator_code: Option<String>,
    pub evidence_request: Option<String>,
}

/// Makes `items` the round's checklist, in that order, replacing what it had (and the checks
/// given against it: callers refuse once there are any).
pub async fn replace_items(conn: &mut AnyConnection, round: RoundId, items: &[NewItem]) -> Result<Vec<CheckItem>> {
    sqlx::query("UPDATE findings SET item_id = NULL WHERE round_id = $1").bind(round.0).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM inspection_items WHERE round_id = $1").bind(round.0).execute(&mut *conn).await?;
    for (position, item) in items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO inspection_items (round_id, position, title, plan_item_id, indicator_code, evidence_request,
                 title_bo)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(round.0)
        .bind(position as i64)
        .bind(item.title.clone())
        .bind(item.plan_item_id.map(|p| p.0))
        .bind(item.indicator_code.clone())
        .bind(item.evidence_request.clone())
        .bind(item.title_bo.clone())
        .execute(&mut *conn)
        .await?;
    }
    items_of(conn, round).await
}

/// Whether anyone has answered the round's checklist yet.
pub async fn has_checks(conn: &mut AnyConnection, round: RoundId) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM inspection_checks WHERE round_id = $1")
        .bind(round.0)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// A round's checklist, in order.
pub async fn items_of(conn: &mut AnyConnection, round: RoundId) -> Result<Vec<CheckItem>> {
    let rows = sqlx::query(
        "SELECT id, round_id, position, title, title_bo, plan_item_id, indicator_code, evidence_request
         FROM inspection_items WHERE round_id = $1 ORDER BY position, id",
    )
    .bind(round.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CheckItem {
                id: CheckItemId(row.try_get("id")?),
                round_id: RoundId(row.try_get("round_id")?),
                position: row.try_get("position")?,
                title: row.try_get("title")?,
                title_bo: row.try_get("title_bo")?,
                plan_item_id: row.try_get::<Option<i64>, _>("plan_item_id")?.map(PlanItemId),
                indicator_code: row.try_get("indicator_code")?,
                evidence_request: row.try_get("evidence_request")?,
            })
        })
        .collect()
}

/// Saves a unit's or the inspectors' answer to a checklist point, replacing the earlier one.
pub async fn save_check(conn: &mut AnyConnection, check: &Check) -> Result<()> {
    sqlx::query(
        "INSERT INTO inspection_checks (round_id, unit_id, item_id, source, status, comment, evidence_ids, checked_by,
             checked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (round_id, unit_id, item_id, source) DO UPDATE SET status = $5, comment = $6, evidence_ids = $7,
             checked_by = $8, checked_at = $9",
    )
    .bind(check.round_id.0)
    .bind(check.unit_id.0)
    .bind(check.item_id.0)
    .bind(check.source.as_str())
    .bind(check.status.as_str())
    .bind(check.comment.clone())
    .bind(evidence_to_db(&check.evidence))
    .bind(check.checked_by.0)
    .bind(check.checked_at.to_db())
    .execute(conn)
    .await?;
    Ok(())
}

/// A target's answers, both sources, in checklist order.
pub async fn checks(conn: &mut AnyConnection, round: RoundId, unit: UnitId) -> Result<Vec<Check>> {
    let rows = sqlx::query(
        "SELECT c.round_id, c.unit_id, c.item_id, c.source, c.status, c.comment, c.evidence_ids, c.checked_by,
             c.checked_at
         FROM inspection_checks c JOIN inspection_items i ON i.id = c.item_id
         WHERE c.round_id = $1 AND c.unit_id = $2 ORDER BY i.position, c.source",
    )
    .bind(round.0)
    .bind(unit.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let (source, status, evidence): (String, String, String) =
                (row.try_get("source")?, row.try_get("status")?, row.try_get("evidence_ids")?);
            Ok(Check {
                round_id: RoundId(row.try_get("round_id")?),
                unit_id: UnitId(row.try_get("unit_id")?),
                item_id: CheckItemId(row.try_get("item_id")?),
                source: CheckSource::parse(&source).ok_or_else(|| decode_error("check source"))?,
                status: CheckStatus::parse(&status).ok_or_else(|| decode_error("check status"))?,
                comment: row.try_get("comment")?,
                evidence: evidence_from_db(&evidence).ok_or_else(|| decode_error("evidence ids"))?,
                checked_by: UserId(row.try_get("checked_by")?),
                checked_at: row::timestamp(row, "checked_at")?,
            })
        })
        .collect()
}

/// The tasks of a campaign assigned to any of `units`, by position, with their titles.
pub async fn assigned_tasks(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    units: &[UnitId],
) -> Result<Vec<(PlanItemId, String, Option<String>)>> {
    let mut tasks: Vec<(PlanItemId, String, Option<String>, i64)> = Vec::new();
    for chunk in units.chunks(500) {
        let list = chunk.iter().map(|u| u.0.to_string()).collect::<Vec<_>>().join(", ");
        // Ids are integers formatted here, never text from a request.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT DISTINCT i.id, i.title, i.title_bo, i.position FROM plan_items i JOIN assignments a ON a.item_id = i.id
             WHERE i.campaign_id = $1 AND a.unit_id IN ({list})"
        )))
        .bind(campaign.0)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            let (title, title_bo) = (row.try_get("title")?, row.try_get("title_bo")?);
            tasks.push((PlanItemId(row.try_get("id")?), title, title_bo, row.try_get("position")?));
        }
    }
    tasks.sort_by_key(|t| (t.3, t.0));
    tasks.dedup_by_key(|t| t.0);
    Ok(tasks.into_iter().map(|(id, title, title_bo, _)| (id, title, title_bo)).collect())
}

/// The evidence a unit already holds for a checklist point: what it attached to its reports on
/// the point's task, or cited in its evaluation entries (`card`, the unit's scorecard in the
/// round's scheme) for the point's indicator.
pub async fn held_evidence(
    conn: &mut AnyConnection,
    item: &CheckItem,
    card: Option<&pacesetter_domain::evaluation::scorecard::Scorecard>,
    unit: UnitId,
) -> Result<Vec<pacesetter_domain::evidence::EvidenceId>> {
    use pacesetter_domain::evidence::EvidenceId;
    let mut held: Vec<EvidenceId> = Vec::new();
    if let Some(task) = item.plan_item_id {
        let rows = sqlx::query(
            "SELECT DISTINCT ee.evidence_id FROM event_evidence ee
             JOIN assignment_events e ON e.id = ee.event_id JOIN assignments a ON a.id = e.assignment_id
             WHERE a.item_id = $1 AND a.unit_id = $2 ORDER BY ee.evidence_id",
        )
        .bind(task.0)
        .bind(unit.0)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            held.push(EvidenceId(row.try_get("evidence_id")?));
        }
    }
    if let (Some(code), Some(card)) = (&item.indicator_code, card) {
        for mark in [card.own.get(code), card.inspected.get(code)].into_iter().flatten() {
            held.extend(mark.evidence.iter().copied());
        }
    }
    held.sort_by_key(|id| id.0);
    held.dedup();
    Ok(held)
}
