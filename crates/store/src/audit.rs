//! The append-only, hash-chained audit log.

use pacesetter_domain::audit::{Anchor, AuditEntry, GENESIS, HASH_VERSION, StoredAudit};
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{Backend, Result};

/// What a caller records; the sequence number and hashes are assigned here.
#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// Appends a record inside the caller's transaction, so it commits with the change it
/// describes or not at all; returns the chain's new head.
pub async fn append(conn: &mut AnyConnection, backend: Backend, record: NewAudit) -> Result<Anchor> {
    backend.lock_audit_chain(conn).await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_optional(&mut *conn).await?;
    let (prev_seq, prev_hash) = match head {
        Some(row) => (row.try_get::<i64, _>("seq")?, row.try_get::<String, _>("hash")?),
        None => (0, GENESIS.to_owned()),
    };
    let entry = AuditEntry {
        seq: prev_seq + 1,
        at: record.at,
        actor_id: record.actor_id,
        actor_name: record.actor_name,
        action: record.action,
        entity: record.entity,
        entity_id: record.entity_id,
        before: record.before,
        after: record.after,
        ip: record.ip,
        request_id: record.request_id,
    };
    let hash = entry.hash(&prev_hash);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, entity, entity_id, before_json, after_json, ip, request_id, prev_hash, hash, hash_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(entry.seq)
    .bind(entry.at.clone())
    .bind(entry.actor_id)
    .bind(entry.actor_name.clone())
    .bind(entry.action.clone())
    .bind(entry.entity.clone())
    .bind(entry.entity_id)
    .bind(entry.before.clone())
    .bind(entry.after.clone())
    .bind(entry.ip.clone())
    .bind(entry.request_id.clone())
    .bind(prev_hash)
    .bind(hash.clone())
    .bind(HASH_VERSION)
    .execute(&mut *conn)
    .await?;
    // Update, else insert the first head: the guards refuse a second insert (SQLite's upsert
    // would run the insert trigger even when it updates).
    let moved = sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(entry.seq)
        .bind(hash.clone())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if moved == 0 {
        sqlx::query("INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)")
            .bind(entry.seq)
            .bind(hash.clone())
            .execute(conn)
            .await?;
    }
    Ok(Anchor { seq: entry.seq, hash })
}

fn from_row(row: &AnyRow) -> Result<StoredAudit> {
    Ok(StoredAudit {
        entry: AuditEntry {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            actor_id: row.try_get("actor_id")?,
            actor_name: row.try_get("actor_name")?,
            action: row.try_get("action")?,
            entity: row.try_get("entity")?,
            entity_id: row.try_get("entity_id")?,
            before: row.try_get("before_json")?,
            after: row.try_get("after_json")?,
            ip: row.try_get("ip")?,
            request_id: row.try_get("request_id")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
        hash_version: row.try_get("hash_version")?,
    })
}

const COLUMNS: &str = "seq, at, actor_id, actor_name, action, entity, entity_id, before_json, after_json, ip, request_id, prev_hash, hash, hash_version";

/// Records in sequence order from `after_seq` on, a page at a time (for the verifier).
pub async fn page(conn: &mut AnyConnection, after_seq: i64, limit: i64) -> Result<Vec<StoredAudit>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
    )))
    .bind(after_seq)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The newest records first, for the audit page.
pub async fn latest(
    conn: &mut AnyConnection,
    entity: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<StoredAudit>, i64)> {
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE ($1 = '' OR entity = $1)")
        .bind(entity.unwrap_or("").to_owned())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE ($1 = '' OR entity = $1) ORDER BY seq DESC LIMIT $2 OFFSET $3"
    )))
    .bind(entity.unwrap_or("").to_owned())
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.iter().map(from_row).collect::<Result<Vec<_>>>()?, total))
}

/// The stored head: the newest record's sequence number and hash.
pub async fn head(conn: &mut AnyConnection) -> Result<Option<(i64, String)>> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_optional(conn).await?;
    row.map(|row| Ok((row.try_get("seq")?, row.try_get("hash")?))).transpose()
}

/// The audit tables that do not exist (dropped), so the verifier can name them.
pub async fn missing_tables(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<&'static str>> {
    let mut missing = Vec::new();
    for table in ["audit_log", "audit_head"] {
        if !backend.table_exists(&mut *conn, table).await? {
            missing.push(table);
        }
    }
    Ok(missing)
}
