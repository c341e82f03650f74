//! A meeting's decisions (议定事项) and their feedback checkpoints; each decision's follow-up
//! is the plan task it made.

use std::collections::HashMap;

use pacesetter_domain::{
    Timestamp, UserId,
    ids::{AgendaItemId, CampaignId, DecisionId, MeetingId, PlanItemId},
    meeting::{Checkpoint, Decision},
    timestamp::format_date,
};
use sqlx::{AssertSqlSafe, Row};

use crate::{Conn, Result, campaigns::date, contests::count, row};

/// A decision as it is recorded, with its task already made.
pub struct NewDecision<'a> {
    pub meeting: MeetingId,
    pub agenda_item: Option<AgendaItemId>,
    pub item: PlanItemId,
    pub text: &'a str,
    pub checkpoints: &'a [Checkpoint],
}

pub async fn insert_decision(conn: &mut Conn, new: &NewDecision<'_>, by: UserId, now: Timestamp) -> Result<Decision> {
    let row = sqlx::query(
        "INSERT INTO meeting_decisions (meeting_id, agenda_item_id, item_id, text, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.meeting.0)
    .bind(new.agenda_item.map(|i| i.0))
    .bind(new.item.0)
    .bind(new.text.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    let id = DecisionId(row.try_get("id")?);
    for (position, checkpoint) in new.checkpoints.iter().enumerate() {
        sqlx::query(
            "INSERT INTO meeting_decision_checkpoints (decision_id, position, label, due_on) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.0)
        .bind(position as i64 + 1)
        .bind(checkpoint.label.clone())
        .bind(format_date(checkpoint.due_on))
        .execute(&mut *conn)
        .await?;
    }
    Ok(Decision {
        id,
        meeting_id: new.meeting,
        agenda_item_id: new.agenda_item,
        item_id: new.item,
        text: new.text.to_owned(),
        checkpoints: new.checkpoints.to_vec(),
        created_by: by,
        created_at: now,
    })
}

/// A meeting's decisions in the order they were recorded.
pub async fn decisions(conn: &mut Conn, meeting: MeetingId) -> Result<Vec<Decision>> {
    decisions_where(conn, "d.meeting_id = $1", meeting.0).await
}

/// How many decisions a meeting recorded.
pub async fn decision_count(conn: &mut Conn, meeting: MeetingId) -> Result<u32> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM meeting_decisions WHERE meeting_id = $1")
        .bind(meeting.0)
        .fetch_one(conn)
        .await?;
    count(&row, "n")
}

/// The decisions of every meeting of a campaign, meeting by meeting.
pub async fn campaign_decisions(conn: &mut Conn, campaign: CampaignId) -> Result<Vec<Decision>> {
    decisions_where(conn, "m.campaign_id = $1", campaign.0).await
}

/// The meeting whose decision a plan task follows up, if the task is one: its id and title.
pub async fn meeting_deciding(conn: &mut Conn, item: PlanItemId) -> Result<Option<(MeetingId, String)>> {
    let row = sqlx::query(
        "SELECT m.id, m.title FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id
         WHERE d.item_id = $1 ORDER BY m.starts_at DESC, m.id DESC, d.id DESC LIMIT 1",
    )
    .bind(item.0)
    .fetch_optional(conn)
    .await?;
    row.map(|row| Ok((MeetingId(row.try_get("id")?), row.try_get("title")?))).transpose()
}

/// Decisions matching `clause` (fixed SQL with one parameter), with their checkpoints.
async fn decisions_where(conn: &mut Conn, clause: &'static str, value: i64) -> Result<Vec<Decision>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT d.id, d.meeting_id, d.agenda_item_id, d.item_id, d.text, d.created_by, d.created_at
         FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id
         WHERE {clause} ORDER BY m.starts_at, m.id, d.id"
    )))
    .bind(value)
    .fetch_all(&mut *conn)
    .await?;
    let mut decisions = rows
        .iter()
        .map(|row| {
            Ok(Decision {
                id: DecisionId(row.try_get("id")?),
                meeting_id: MeetingId(row.try_get("meeting_id")?),
                agenda_item_id: row.try_get::<Option<i64>, _>("agenda_item_id")?.map(AgendaItemId),
                item_id: PlanItemId(row.try_get("item_id")?),
                text: row.try_get("text")?,
                checkpoints: Vec::new(),
                created_by: UserId(row.try_get("created_by")?),
                created_at: row::timestamp(row, "created_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let ids: Vec<i64> = decisions.iter().map(|d| d.id.0).collect();
    let rows = crate::sql::rows_where_in(
        conn,
        "SELECT decision_id, position, label, due_on FROM meeting_decision_checkpoints",
        "decision_id",
        &ids,
    )
    .await?;
    let mut checkpoints: HashMap<i64, Vec<(i64, Checkpoint)>> = HashMap::new();
    for row in &rows {
        let checkpoint = Checkpoint { label: row.try_get("label")?, due_on: date(row, "due_on")? };
        checkpoints.entry(row.try_get("decision_id")?).or_default().push((row.try_get("position")?, checkpoint));
    }
    for decision in &mut decisions {
        let mut own = checkpoints.remove(&decision.id.0).unwrap_or_default();
        own.sort_by_key(|(position, _)| *position);
        decision.checkpoints = own.into_iter().map(|(_, c)| c).collect();
    }
    Ok(decisions)
}

/// The plan item the campaign's decisions are filed under: the parent of any decision's task.
pub async fn decisions_parent(conn: &mut Conn, campaign: CampaignId) -> Result<Option<PlanItemId>> {
    let row = sqlx::query(
        "SELECT p.parent_id FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id
         JOIN plan_items p ON p.id = d.item_id WHERE m.campaign_id = $1 ORDER BY d.id LIMIT 1",
    )
    .bind(campaign.0)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(row) => row.try_get::<Option<i64>, _>("parent_id")?.map(PlanItemId),
        None => None,
    })
}
