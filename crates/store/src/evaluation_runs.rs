//! Evaluation runs (their frozen inputs and results), appeals (复核), and the assignment states
//! that `task_completion` leaves are computed from.

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    assignment::AssignmentState,
    evaluation::{
        Scheme,
        records::{Appeal, AppealId, Decision, Run, RunId, RunKind, SchemeId},
    },
    ids::{CampaignId, PlanItemId},
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{Result, StoreError, evaluations::decode_error, row};

const RUN_COLUMNS: &str = "id, scheme_id, kind, version, parent_run_id, created_by, created_at, published_by, \
                           published_at, scheme_version, inputs_sha256, results_sha256";

fn run_from_row(row: &AnyRow) -> Result<Run> {
    let kind: String = row.try_get("kind")?;
    Ok(Run {
        id: RunId(row.try_get("id")?),
        scheme_id: SchemeId(row.try_get("scheme_id")?),
        kind: RunKind::parse(&kind).ok_or_else(|| decode_error("run kind"))?,
        version: row.try_get("version")?,
        parent_run_id: row.try_get::<Option<i64>, _>("parent_run_id")?.map(RunId),
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
        published_by: row.try_get::<Option<i64>, _>("published_by")?.map(UserId),
        published_at: row::opt_timestamp(row, "published_at")?,
        scheme_version: row.try_get("scheme_version")?,
        inputs_sha256: row.try_get("inputs_sha256")?,
        results_sha256: row.try_get("results_sha256")?,
    })
}

/// A run to start: its rows of inputs and results follow, then [`finish_run`].
pub struct NewRun<'a> {
    pub scheme: SchemeId,
    pub kind: RunKind,
    /// The published version number; only for published runs.
    pub version: Option<i64>,
    pub parent: Option<RunId>,
    /// The scheme as the run reads it, and its version then.
    pub scheme_json: &'a str,
    pub scheme_version: i64,
    pub by: UserId,
}

pub async fn insert_run(conn: &mut AnyConnection, new: &NewRun<'_>, now: Timestamp) -> Result<Run> {
    let published = new.kind == RunKind::Published;
    let row = sqlx::query(
        "INSERT INTO evaluation_runs (scheme_id, kind, version, parent_run_id, scheme_json, scheme_version, created_by,
             created_at, published_by, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(new.scheme.0)
    .bind(new.kind.as_str())
    .bind(new.version)
    .bind(new.parent.map(|p| p.0))
    .bind(new.scheme_json.to_owned())
    .bind(new.scheme_version)
    .bind(new.by.0)
    .bind(now.to_db())
    .bind(published.then_some(new.by.0))
    .bind(published.then(|| now.to_db()))
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::on_unique("version"))?;
    get_run(conn, RunId(row.try_get("id")?)).await
}

/// Records the digests of a run's inputs and results once every row is written.
pub async fn finish_run(conn: &mut AnyConnection, id: RunId, inputs_sha256: &str, results_sha256: &str) -> Result<Run> {
    sqlx::query("UPDATE evaluation_runs SET inputs_sha256 = $1, results_sha256 = $2 WHERE id = $3")
        .bind(inputs_sha256.to_owned())
        .bind(results_sha256.to_owned())
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    get_run(conn, id).await
}

pub async fn get_run(conn: &mut AnyConnection, id: RunId) -> Result<Run> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {RUN_COLUMNS} FROM evaluation_runs WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    run_from_row(&row)
}

/// The scheme as a run read it.
pub async fn run_scheme(conn: &mut AnyConnection, id: RunId) -> Result<Scheme> {
    let row = sqlx::query("SELECT scheme_json FROM evaluation_runs WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    crate::evaluations::json(&row, "scheme_json")
}

/// A scheme's runs, newest first.
pub async fn runs(conn: &mut AnyConnection, scheme: SchemeId) -> Result<Vec<Run>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM evaluation_runs WHERE scheme_id = $1 ORDER BY id DESC"
    )))
    .bind(scheme.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(run_from_row).collect()
}

/// The newest published version of a scheme.
pub async fn latest_published(conn: &mut AnyConnection, scheme: SchemeId) -> Result<Option<Run>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM evaluation_runs WHERE scheme_id = $1 AND kind = 'published'
         ORDER BY version DESC LIMIT 1"
    )))
    .bind(scheme.0)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(run_from_row).transpose()
}

/// Freezes a draft as published version `version`; `Stale` when it is no longer a draft.
pub async fn publish(conn: &mut AnyConnection, id: RunId, version: i64, by: UserId, now: Timestamp) -> Result<Run> {
    let result = sqlx::query(
        "UPDATE evaluation_runs SET kind = 'published', version = $1, published_by = $2, published_at = $3
         WHERE id = $4 AND kind = 'draft'",
    )
    .bind(version)
    .bind(by.0)
    .bind(now.to_db())
    .bind(id.0)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::on_unique("version"))?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_run(conn, id).await));
    }
    get_run(conn, id).await
}

const APPEAL_COLUMNS: &str = "a.id, a.run_id, a.unit_id, a.reason, a.filed_by, a.created_at, a.reviewer_id, \
                              a.decision, a.note, a.decided_at, a.new_run_id";

fn appeal_from_row(row: &AnyRow) -> Result<Appeal> {
    let decision: Option<String> = row.try_get("decision")?;
    Ok(Appeal {
        id: AppealId(row.try_get("id")?),
        run_id: RunId(row.try_get("run_id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        reason: row.try_get("reason")?,
        filed_by: UserId(row.try_get("filed_by")?),
        created_at: row::timestamp(row, "created_at")?,
        reviewer_id: row.try_get::<Option<i64>, _>("reviewer_id")?.map(UserId),
        decision: decision.map(|d| Decision::parse(&d).ok_or_else(|| decode_error("decision"))).transpose()?,
        note: row.try_get("note")?,
        decided_at: row::opt_timestamp(row, "decided_at")?,
        new_run_id: row.try_get::<Option<i64>, _>("new_run_id")?.map(RunId),
    })
}

pub async fn insert_appeal(
    conn: &mut AnyConnection,
    run: RunId,
    unit: UnitId,
    reason: &str,
    by: UserId,
    now: Timestamp,
) -> Result<Appeal> {
    let row = sqlx::query(
        "INSERT INTO evaluation_appeals (run_id, unit_id, reason, filed_by, created_at) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(run.0)
    .bind(unit.0)
    .bind(reason.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    get_appeal(conn, AppealId(row.try_get("id")?)).await
}

pub async fn get_appeal(conn: &mut AnyConnection, id: AppealId) -> Result<Appeal> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {APPEAL_COLUMNS} FROM evaluation_appeals a WHERE a.id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    appeal_from_row(&row)
}

/// The appeals against any run of a scheme, of one unit or all, oldest first.
pub async fn appeals(conn: &mut AnyConnection, scheme: SchemeId, unit: Option<UnitId>) -> Result<Vec<Appeal>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {APPEAL_COLUMNS} FROM evaluation_appeals a JOIN evaluation_runs r ON r.id = a.run_id
         WHERE r.scheme_id = $1 AND ($2 = 0 OR a.unit_id = $2) ORDER BY a.id"
    )))
    .bind(scheme.0)
    .bind(unit.map_or(0, |u| u.0))
    .fetch_all(conn)
    .await?;
    rows.iter().map(appeal_from_row).collect()
}

/// Records the decision on an open appeal; `Stale` when it was already decided.
pub async fn decide_appeal(
    conn: &mut AnyConnection,
    id: AppealId,
    reviewer: UserId,
    decision: Decision,
    note: Option<&str>,
    new_run: Option<RunId>,
    now: Timestamp,
) -> Result<Appeal> {
    let result = sqlx::query(
        "UPDATE evaluation_appeals SET reviewer_id = $1, decision = $2, note = $3, decided_at = $4, new_run_id = $5
         WHERE id = $6 AND decision IS NULL",
    )
    .bind(reviewer.0)
    .bind(decision.as_str())
    .bind(note.map(str::to_owned))
    .bind(now.to_db())
    .bind(new_run.map(|r| r.0))
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_appeal(conn, id).await));
    }
    get_appeal(conn, id).await
}

/// The state of every assignment in the campaign of the scheme's units `from..=to` (by id), by
/// unit and task: what a `task_completion` leaf is computed from.
pub async fn member_assignments(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    scheme: SchemeId,
    from: UnitId,
    to: UnitId,
) -> Result<Vec<(PlanItemId, UnitId, AssignmentState)>> {
    let rows = sqlx::query(
        "SELECT a.item_id, a.unit_id, a.state FROM assignments a
         JOIN evaluation_units m ON m.unit_id = a.unit_id AND m.scheme_id = $2
         JOIN plan_items i ON i.id = a.item_id
         WHERE i.campaign_id = $1 AND a.unit_id BETWEEN $3 AND $4 ORDER BY a.unit_id, a.item_id",
    )
    .bind(campaign.0)
    .bind(scheme.0)
    .bind(from.0)
    .bind(to.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            Ok((
                PlanItemId(row.try_get("item_id")?),
                UnitId(row.try_get("unit_id")?),
                AssignmentState::parse(&state).ok_or_else(|| decode_error("assignment state"))?,
            ))
        })
        .collect()
}
