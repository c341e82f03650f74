//! The evidence library and its links to progress updates.

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    evidence::{Evidence, EvidenceId},
    ids::{AssignmentId, EventId},
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{Result, StoreError, row};

const COLUMNS: &str =
    "e.id, e.unit_id, e.title, e.sha256, e.content_type, e.size_bytes, e.url, e.uploaded_by, e.created_at";

fn from_row(row: &AnyRow) -> Result<Evidence> {
    Ok(Evidence {
        id: EvidenceId(row.try_get("id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        title: row.try_get("title")?,
        sha256: row.try_get("sha256")?,
        content_type: row.try_get("content_type")?,
        size_bytes: row.try_get("size_bytes")?,
        url: row.try_get("url")?,
        uploaded_by: UserId(row.try_get("uploaded_by")?),
        created_at: row::timestamp(row, "created_at")?,
    })
}

/// A file for a unit's library; the same content uploaded again returns the existing record.
pub struct NewFile<'a> {
    pub unit: UnitId,
    pub title: &'a str,
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub uploaded_by: UserId,
}

pub async fn insert_file(conn: &mut AnyConnection, file: &NewFile<'_>, now: Timestamp) -> Result<(Evidence, bool)> {
    if let Some(existing) = find_file(conn, file.unit, file.sha256).await? {
        return Ok((existing, false));
    }
    let row = sqlx::query(
        "INSERT INTO evidence (unit_id, kind, title, sha256, content_type, size_bytes, uploaded_by, created_at)
         VALUES ($1, 'file', $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(file.unit.0)
    .bind(file.title.to_owned())
    .bind(file.sha256.to_owned())
    .bind(file.content_type.to_owned())
    .bind(file.size_bytes)
    .bind(file.uploaded_by.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    Ok((get(conn, EvidenceId(row.try_get("id")?)).await?, true))
}

pub async fn insert_link(
    conn: &mut AnyConnection,
    unit: UnitId,
    title: &str,
    url: &str,
    by: UserId,
    now: Timestamp,
) -> Result<Evidence> {
    let row = sqlx::query(
        "INSERT INTO evidence (unit_id, kind, title, url, uploaded_by, created_at) VALUES ($1, 'link', $2, $3, $4, $5) RETURNING id",
    )
    .bind(unit.0)
    .bind(title.to_owned())
    .bind(url.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    get(conn, EvidenceId(row.try_get("id")?)).await
}

async fn find_file(conn: &mut AnyConnection, unit: UnitId, sha256: &str) -> Result<Option<Evidence>> {
    let row =
        sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM evidence e WHERE e.unit_id = $1 AND e.sha256 = $2")))
            .bind(unit.0)
            .bind(sha256.to_owned())
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(conn: &mut AnyConnection, id: EvidenceId) -> Result<Evidence> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM evidence e WHERE e.id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// A unit's library, newest first.
pub async fn library(conn: &mut AnyConnection, unit: UnitId, limit: i64) -> Result<Vec<Evidence>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM evidence e WHERE e.unit_id = $1 ORDER BY e.id DESC LIMIT $2"
    )))
    .bind(unit.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn attach(conn: &mut AnyConnection, event_id: EventId, evidence: &[EvidenceId]) -> Result<()> {
    for id in evidence {
        sqlx::query("INSERT INTO event_evidence (event_id, evidence_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(event_id.0)
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The evidence attached to each step of an assignment, in the order of the steps.
pub async fn for_assignment(conn: &mut AnyConnection, assignment: AssignmentId) -> Result<Vec<(EventId, Evidence)>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT ee.event_id, {COLUMNS} FROM event_evidence ee
         JOIN assignment_events ev ON ev.id = ee.event_id
         JOIN evidence e ON e.id = ee.evidence_id
         WHERE ev.assignment_id = $1 ORDER BY ee.event_id, e.id"
    )))
    .bind(assignment.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((EventId(row.try_get("event_id")?), from_row(row)?))).collect()
}

/// How many updates use a piece of evidence (the library shows reuse).
pub async fn uses(conn: &mut AnyConnection, id: EvidenceId) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM event_evidence WHERE evidence_id = $1")
        .bind(id.0)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}
