//! Findings with their photos, the ledger, rectification items and the steps taken on them.

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    ids::{CampaignId, PlanItemId},
    inspection::{
        RectificationState, RectificationStep, Severity,
        records::{
            CheckItemId, Finding, FindingId, Photo, Rectification, RectificationId, RoundId, StepTaken,
            evidence_from_db, evidence_to_db,
        },
    },
    timestamp::format_date,
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};
use time::Date;

use crate::{
    Result, StoreError,
    campaigns::date,
    evaluations::decode_error,
    row,
    sql::{Bind, Where},
};

/// A finding to record.
pub struct NewFinding<'a> {
    pub round: RoundId,
    pub unit: UnitId,
    pub item: Option<CheckItemId>,
    pub plan_item: Option<PlanItemId>,
    pub indicator_code: Option<&'a str>,
    pub severity: Severity,
    pub category: &'a str,
    pub category_bo: Option<&'a str>,
    pub description: &'a str,
    pub by: UserId,
}

pub async fn insert_finding(conn: &mut AnyConnection, new: &NewFinding<'_>, now: Timestamp) -> Result<Finding> {
    let row = sqlx::query(
        "INSERT INTO findings (round_id, unit_id, item_id, plan_item_id, indicator_code, severity, category,
             description, created_by, created_at, category_bo)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(new.round.0)
    .bind(new.unit.0)
    .bind(new.item.map(|i| i.0))
    .bind(new.plan_item.map(|p| p.0))
    .bind(new.indicator_code.map(str::to_owned))
    .bind(new.severity.as_str())
    .bind(new.category.to_owned())
    .bind(new.description.to_owned())
    .bind(new.by.0)
    .bind(now.to_db())
    .bind(new.category_bo.map(str::to_owned))
    .fetch_one(&mut *conn)
    .await?;
    get_finding(conn, FindingId(row.try_get("id")?)).await
}

pub async fn add_photo(conn: &mut AnyConnection, finding: FindingId, photo: &Photo) -> Result<()> {
    sqlx::query(
        "INSERT INTO finding_photos (finding_id, sha256, content_type, size_bytes, position)
         SELECT $1, $2, $3, $4, COUNT(*) FROM finding_photos WHERE finding_id = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(finding.0)
    .bind(photo.sha256.clone())
    .bind(photo.content_type.clone())
    .bind(photo.size_bytes)
    .execute(conn)
    .await?;
    Ok(())
}

const FINDING_COLUMNS: &str = "f.id, f.round_id, f.unit_id, f.item_id, f.plan_item_id, f.indicator_code, f.severity, \
                               f.category, f.category_bo, f.description, f.created_by, f.created_at";

fn finding_from_row(row: &AnyRow) -> Result<Finding> {
    let severity: String = row.try_get("severity")?;
    Ok(Finding {
        id: FindingId(row.try_get("id")?),
        round_id: RoundId(row.try_get("round_id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        item_id: row.try_get::<Option<i64>, _>("item_id")?.map(CheckItemId),
        plan_item_id: row.try_get::<Option<i64>, _>("plan_item_id")?.map(PlanItemId),
        indicator_code: row.try_get("indicator_code")?,
        severity: Severity::parse(&severity).ok_or_else(|| decode_error("severity"))?,
        category: row.try_get("category")?,
        category_bo: row.try_get("category_bo")?,
        description: row.try_get("description")?,
        photos: Vec::new(),
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
    })
}

async fn photos(conn: &mut AnyConnection, finding: FindingId) -> Result<Vec<Photo>> {
    let rows = sqlx::query(
        "SELECT sha256, content_type, size_bytes FROM finding_photos WHERE finding_id = $1 ORDER BY position",
    )
    .bind(finding.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Photo {
                sha256: row.try_get("sha256")?,
                content_type: row.try_get("content_type")?,
                size_bytes: row.try_get("size_bytes")?,
            })
        })
        .collect()
}

pub async fn get_finding(conn: &mut AnyConnection, id: FindingId) -> Result<Finding> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {FINDING_COLUMNS} FROM findings f WHERE f.id = $1")))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut finding = finding_from_row(&row)?;
    finding.photos = photos(conn, id).await?;
    Ok(finding)
}

/// Which findings a ledger lists.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub round: Option<RoundId>,
    /// Units within these subtrees (the reader's scope, or a chosen prefecture).
    pub within: Option<Vec<pacesetter_domain::UnitPath>>,
    pub severity: Option<Severity>,
    pub state: Option<RectificationState>,
    /// Only items still owed by their unit whose deadline is before this day.
    pub overdue_before: Option<Date>,
    /// Only findings whose category, description or unit's name contains this text.
    pub text: Option<String>,
}

/// A finding with its rectification item, as the ledger lists it.
#[derive(Debug, Clone)]
pub struct LedgerLine {
    pub finding: Finding,
    pub rectification: Option<Rectification>,
}

const LEDGER_FROM: &str =
    "FROM findings f JOIN inspection_rounds r ON r.id = f.round_id JOIN units u ON u.id = f.unit_id
                           LEFT JOIN rectifications x ON x.finding_id = f.id";

/// The WHERE clause of a campaign's ledger under `filter`, over [`LEDGER_FROM`].
fn ledger_where(campaign: CampaignId, filter: &LedgerFilter) -> Where {
    let mut clauses = Where::default();
    let campaign_at = clauses.bind(Bind::Int(campaign.0));
    clauses.push(format!("r.campaign_id = {campaign_at}"));
    if let Some(round) = filter.round {
        let at = clauses.bind(Bind::Int(round.0));
        clauses.push(format!("f.round_id = {at}"));
    }
    if let Some(roots) = &filter.within {
        clauses.within("u.path", roots);
    }
    if let Some(severity) = filter.severity {
        let at = clauses.bind(Bind::Text(severity.as_str().to_owned()));
        clauses.push(format!("f.severity = {at}"));
    }
    if let Some(state) = filter.state {
        let at = clauses.bind(Bind::Text(state.as_str().to_owned()));
        clauses.push(format!("x.state = {at}"));
    }
    if let Some(day) = filter.overdue_before {
        // As `RectificationState::is_overdue`: waiting for the unit, past the deadline.
        let at = clauses.bind(Bind::Text(format_date(day)));
        clauses.push(format!("x.state IN ('open', 'reopened') AND x.due_on < {at}"));
    }
    if let Some(text) = &filter.text {
        let at = clauses.bind(Bind::Text(format!("%{}%", crate::sql::escape_like(text))));
        clauses.push(format!(
            "(f.category LIKE {at} ESCAPE '\\' OR f.description LIKE {at} ESCAPE '\\' OR u.name LIKE {at} ESCAPE '\\')"
        ));
    }
    clauses
}

/// How many of a campaign's findings under `filter` stand in each rectification state (states
/// without any are left out), and how many of them were overdue before `today`: one query.
pub async fn ledger_counts(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    filter: &LedgerFilter,
    today: Date,
) -> Result<(Vec<(RectificationState, i64)>, i64)> {
    let mut clauses = ledger_where(campaign, filter);
    let today = clauses.bind(Bind::Text(format_date(today)));
    let sql = format!(
        "SELECT x.state, COUNT(*) AS n,
             SUM(CASE WHEN x.state IN ('open', 'reopened') AND x.due_on < {today} THEN 1 ELSE 0 END) AS late
         {LEDGER_FROM} {} AND x.state IS NOT NULL GROUP BY x.state",
        clauses.sql()
    );
    let rows = clauses.query(sql).fetch_all(conn).await?;
    let (mut counts, mut late) = (Vec::new(), 0);
    for row in &rows {
        let state: String = row.try_get("state")?;
        counts.push((
            RectificationState::parse(&state).ok_or_else(|| decode_error("rectification state"))?,
            row.try_get("n")?,
        ));
        late += row.try_get::<i64, _>("late")?;
    }
    Ok((counts, late))
}

/// Per month of `year` (1 to 12), how many of a campaign's findings under `filter` were
/// recorded, and how many rectification items were closed (销号); months without either are
/// left out.
pub async fn ledger_trend(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    filter: &LedgerFilter,
    year: i32,
) -> Result<Vec<(u8, i64, i64)>> {
    let mut clauses = ledger_where(campaign, filter);
    let (low, high) = (
        clauses.bind(Bind::Text(format!("{year:04}-01-01"))),
        clauses.bind(Bind::Text(format!("{:04}-01-01", year + 1))),
    );
    // The campaign's clause is always there, so `base` is never empty.
    let base = clauses.sql();
    let in_year = |column: &str| format!("{base} AND {column} >= {low} AND {column} < {high}");
    let sql = format!(
        "SELECT 'found' AS kind, substr(f.created_at, 6, 2) AS month, COUNT(*) AS n {LEDGER_FROM} {} GROUP BY 2
         UNION ALL
         SELECT 'closed' AS kind, substr(s.taken_at, 6, 2) AS month, COUNT(*) AS n {LEDGER_FROM}
             JOIN rectification_steps s ON s.rectification_id = x.id AND s.step = 'close' {} GROUP BY 2",
        in_year("f.created_at"),
        in_year("s.taken_at"),
    );
    let mut by_month: std::collections::BTreeMap<u8, (i64, i64)> = std::collections::BTreeMap::new();
    for row in clauses.query(sql).fetch_all(&mut *conn).await? {
        let month: String = row.try_get("month")?;
        let Ok(month) = month.parse::<u8>() else { continue };
        let entry = by_month.entry(month).or_default();
        let n: i64 = row.try_get("n")?;
        if row.try_get::<String, _>("kind")? == "found" { entry.0 += n } else { entry.1 += n }
    }
    Ok(by_month.into_iter().map(|(month, (found, closed))| (month, found, closed)).collect())
}

/// A campaign's findings, newest first, `limit` after `offset`, with the number matching.
pub async fn ledger(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    filter: &LedgerFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<LedgerLine>, i64)> {
    let clauses = ledger_where(campaign, filter);
    let from = LEDGER_FROM;
    let count: i64 = clauses
        .query(format!("SELECT COUNT(*) AS n {from} {}", clauses.sql()))
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let rows = clauses
        .query(format!(
            "SELECT {FINDING_COLUMNS}, x.id AS x_id {from} {} ORDER BY f.id DESC LIMIT {} OFFSET {}",
            clauses.sql(),
            limit.max(0),
            offset.max(0)
        ))
        .fetch_all(&mut *conn)
        .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut finding = finding_from_row(row)?;
        finding.photos = photos(conn, finding.id).await?;
        let rectification = match row.try_get::<Option<i64>, _>("x_id")? {
            Some(id) => Some(get_rectification(conn, RectificationId(id)).await?),
            None => None,
        };
        lines.push(LedgerLine { finding, rectification });
    }
    Ok((lines, count))
}

const RECTIFICATION_COLUMNS: &str = "id, finding_id, unit_id, measure, given_on, due_on, state, version, updated_at";

pub(super) fn rectification_from_row(row: &AnyRow) -> Result<Rectification> {
    let state: String = row.try_get("state")?;
    Ok(Rectification {
        id: RectificationId(row.try_get("id")?),
        finding_id: FindingId(row.try_get("finding_id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        measure: row.try_get("measure")?,
        given_on: date(row, "given_on")?,
        due_on: date(row, "due_on")?,
        state: RectificationState::parse(&state).ok_or_else(|| decode_error("rectification state"))?,
        version: row.try_get("version")?,
        updated_at: row::timestamp(row, "updated_at")?,
    })
}

/// Gives a finding its rectification item; a finding has one at most (`Duplicate`).
pub async fn insert_rectification(
    conn: &mut AnyConnection,
    finding: FindingId,
    unit: UnitId,
    measure: &str,
    (given_on, due_on): (Date, Date),
    now: Timestamp,
) -> Result<Rectification> {
    let row = sqlx::query(
        "INSERT INTO rectifications (finding_id, unit_id, measure, given_on, due_on, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(finding.0)
    .bind(unit.0)
    .bind(measure.to_owned())
    .bind(format_date(given_on))
    .bind(format_date(due_on))
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::on_unique("rectification"))?;
    get_rectification(conn, RectificationId(row.try_get("id")?)).await
}

pub async fn get_rectification(conn: &mut AnyConnection, id: RectificationId) -> Result<Rectification> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {RECTIFICATION_COLUMNS} FROM rectifications WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    rectification_from_row(&row)
}

/// Records a step and the state it leads to, if the item is still at `version`; `Stale`
/// otherwise.
pub async fn take_step(
    conn: &mut AnyConnection,
    id: RectificationId,
    version: i64,
    step: &StepTaken,
    next: RectificationState,
) -> Result<Rectification> {
    let done = sqlx::query(
        "UPDATE rectifications SET state = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(next.as_str())
    .bind(step.taken_at.to_db())
    .bind(id.0)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_rectification(conn, id).await));
    }
    sqlx::query(
        "INSERT INTO rectification_steps (rectification_id, step, text, evidence_ids, taken_by, taken_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.0)
    .bind(step.step.as_str())
    .bind(step.text.clone())
    .bind(evidence_to_db(&step.evidence))
    .bind(step.taken_by.0)
    .bind(step.taken_at.to_db())
    .execute(&mut *conn)
    .await?;
    get_rectification(conn, id).await
}

/// The steps taken on an item, oldest first.
pub async fn steps(conn: &mut AnyConnection, id: RectificationId) -> Result<Vec<StepTaken>> {
    let rows = sqlx::query(
        "SELECT id, rectification_id, step, text, evidence_ids, taken_by, taken_at FROM rectification_steps
         WHERE rectification_id = $1 ORDER BY id",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let (step, evidence): (String, String) = (row.try_get("step")?, row.try_get("evidence_ids")?);
            Ok(StepTaken {
                id: row.try_get("id")?,
                rectification_id: RectificationId(row.try_get("rectification_id")?),
                step: RectificationStep::parse(&step).ok_or_else(|| decode_error("step"))?,
                text: row.try_get("text")?,
                evidence: evidence_from_db(&evidence).ok_or_else(|| decode_error("evidence ids"))?,
                taken_by: UserId(row.try_get("taken_by")?),
                taken_at: row::timestamp(row, "taken_at")?,
            })
        })
        .collect()
}

/// A finding's rectification item, if it has one.
pub async fn rectification_of(conn: &mut AnyConnection, finding: FindingId) -> Result<Option<Rectification>> {
    let row =
        sqlx::query(AssertSqlSafe(format!("SELECT {RECTIFICATION_COLUMNS} FROM rectifications WHERE finding_id = $1")))
            .bind(finding.0)
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(rectification_from_row).transpose()
}

/// Dates a round's findings and the steps on their items, as a history loaded afterwards (the
/// demo): the n-th finding at `finding_at(n)`, the k-th step on its item at `step_at(n, k)`.
pub async fn redate(
    conn: &mut AnyConnection,
    round: RoundId,
    finding_at: impl Fn(usize) -> Timestamp,
    step_at: impl Fn(usize, usize) -> Timestamp,
) -> Result<()> {
    let findings = sqlx::query("SELECT id FROM findings WHERE round_id = $1 ORDER BY id")
        .bind(round.0)
        .fetch_all(&mut *conn)
        .await?;
    for (n, row) in findings.iter().enumerate() {
        let finding: i64 = row.try_get("id")?;
        sqlx::query("UPDATE findings SET created_at = $1 WHERE id = $2")
            .bind(finding_at(n).to_db())
            .bind(finding)
            .execute(&mut *conn)
            .await?;
        let steps = sqlx::query(
            "SELECT s.id FROM rectification_steps s JOIN rectifications r ON r.id = s.rectification_id
             WHERE r.finding_id = $1 ORDER BY s.id",
        )
        .bind(finding)
        .fetch_all(&mut *conn)
        .await?;
        for (k, step) in steps.iter().enumerate() {
            sqlx::query("UPDATE rectification_steps SET taken_at = $1 WHERE id = $2")
                .bind(step_at(n, k).to_db())
                .bind(step.try_get::<i64, _>("id")?)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
