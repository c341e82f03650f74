//! Uploaded import files, kept from preview to commit.

use pacesetter_domain::{Timestamp, UserId};
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{Result, StoreError, row};

/// A stored upload and what became of it.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub id: i64,
    pub kind: String,
    pub user_id: UserId,
    pub filename: String,
    pub sha256: String,
    pub status: String,
    pub summary_json: Option<String>,
    /// What the import needs beyond the file (a plan's campaign and column mapping).
    pub options_json: Option<String>,
    pub created_at: Timestamp,
}

const COLUMNS: &str = "id, kind, user_id, filename, sha256, status, summary_json, options_json, created_at";

fn from_row(row: &AnyRow) -> Result<ImportRow> {
    Ok(ImportRow {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        user_id: UserId(row.try_get("user_id")?),
        filename: row.try_get("filename")?,
        sha256: row.try_get("sha256")?,
        status: row.try_get("status")?,
        summary_json: row.try_get("summary_json")?,
        options_json: row.try_get("options_json")?,
        created_at: row::timestamp(row, "created_at")?,
    })
}

/// A file as uploaded, before anything is written from it.
#[derive(Debug, Clone, Copy)]
pub struct NewImport<'a> {
    pub kind: &'a str,
    pub user: UserId,
    pub filename: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub options_json: Option<&'a str>,
}

pub async fn insert(conn: &mut AnyConnection, new: NewImport<'_>, now: Timestamp) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO imports (kind, user_id, filename, sha256, content, status, options_json, created_at)
         VALUES ($1, $2, $3, $4, $5, 'previewed', $6, $7) RETURNING id",
    )
    .bind(new.kind.to_owned())
    .bind(new.user.0)
    .bind(new.filename.to_owned())
    .bind(new.sha256.to_owned())
    .bind(new.content.to_vec())
    .bind(new.options_json.map(str::to_owned))
    .bind(now.to_db())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// An import with its file content.
pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<(ImportRow, Vec<u8>)> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS}, content FROM imports WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((from_row(&row)?, row.try_get("content")?))
}

/// The newest imports of one user.
pub async fn recent_for(conn: &mut AnyConnection, user: UserId, limit: i64) -> Result<Vec<ImportRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM imports WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
    )))
    .bind(user.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Replaces the options of an import still waiting to be committed.
pub async fn set_options(conn: &mut AnyConnection, id: i64, options_json: &str) -> Result<()> {
    let result = sqlx::query("UPDATE imports SET options_json = $1 WHERE id = $2 AND status = 'previewed'")
        .bind(options_json.to_owned())
        .bind(id)
        .execute(conn)
        .await?;
    if result.rows_affected() == 0 { Err(StoreError::Stale) } else { Ok(()) }
}

/// Marks an import committed or failed, once: a second commit finds it no longer previewed.
pub async fn finish(conn: &mut AnyConnection, id: i64, status: &str, summary_json: &str, now: Timestamp) -> Result<()> {
    let result = sqlx::query(
        "UPDATE imports SET status = $1, summary_json = $2, finished_at = $3 WHERE id = $4 AND status = 'previewed'",
    )
    .bind(status.to_owned())
    .bind(summary_json.to_owned())
    .bind(now.to_db())
    .bind(id)
    .execute(conn)
    .await?;
    if result.rows_affected() == 0 { Err(StoreError::Stale) } else { Ok(()) }
}
