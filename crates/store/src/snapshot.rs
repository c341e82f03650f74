//! A consistent copy of a SQLite database taken while others write to it (`VACUUM INTO`), and
//! the checks a restored copy must pass. The backup command builds on these; on PostgreSQL
//! `pg_dump` does this job (README, operations).

use std::path::Path;

use pacesetter_domain::audit::Anchor;
use sqlx::{AnyConnection, Connection, Row};

use crate::{Result, StoreError};

async fn open(db: &Path, mode: &str) -> Result<AnyConnection> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode={mode}", db.display());
    Ok(AnyConnection::connect(&url).await?)
}

/// What a snapshot holds: its audit head (so that the copy can carry an anchor of its own) and
/// the newest migration applied to it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub head: Option<Anchor>,
    pub schema: i64,
}

/// Writes a consistent snapshot of the database file `db` to `to` (which must not exist yet):
/// one read transaction, so every committed write before it is in and none after.
pub async fn sqlite_snapshot(db: &Path, to: &Path) -> Result<Snapshot> {
    if !db.exists() {
        return Err(StoreError::NotFound);
    }
    let mut conn = open(db, "ro").await?;
    sqlx::query("VACUUM INTO $1").bind(to.display().to_string()).execute(&mut conn).await?;
    conn.close().await?;
    describe(to).await
}

/// The audit head and schema version of the database file `db`.
pub async fn describe(db: &Path) -> Result<Snapshot> {
    let mut conn = open(db, "ro").await?;
    let head = crate::audit::head(&mut conn).await?;
    let schema: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await?
        .try_get("v")?;
    conn.close().await?;
    Ok(Snapshot { head: head.map(|(seq, hash)| Anchor { seq, hash }), schema })
}

/// The newest migration this build knows: a backup made by a newer build is not restored.
pub const LATEST_SCHEMA: i64 = crate::migrate::LATEST;

/// `PRAGMA integrity_check` of the database file `db`: `ok`, or what is wrong.
pub async fn sqlite_integrity(db: &Path) -> Result<String> {
    let mut conn = open(db, "ro").await?;
    let rows = sqlx::query("PRAGMA integrity_check").fetch_all(&mut conn).await?;
    conn.close().await?;
    let lines: Vec<String> =
        rows.iter().map(|row| row.try_get::<String, _>(0)).collect::<std::result::Result<_, _>>()?;
    Ok(lines.join("; "))
}
