//! The deployment's own translations of the interface: overrides of the shipped resource
//! files, and the revision every instance watches to read them again.

use pacesetter_domain::{Timestamp, UserId, translation::State};
use sqlx::{Any, Row, any::AnyArguments, any::AnyRow, query::Query};

use crate::{Conn, Result, StoreError, evaluations::decode_error, row};

/// A string as the deployment's translators edited it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Override {
    pub locale: String,
    pub key: String,
    pub text: String,
    /// `Draft` or `Reviewed`.
    pub state: State,
    pub edited_by: UserId,
    pub edited_at: Timestamp,
    pub reviewed: Option<(UserId, Timestamp)>,
}

const COLUMNS: &str = "locale, key, text, state, edited_by, edited_at, reviewed_by, reviewed_at";

fn from_row(row: &AnyRow) -> Result<Override> {
    let state: String = row.try_get("state")?;
    let state = match State::parse(&state) {
        Some(state @ (State::Draft | State::Reviewed)) => state,
        _ => return Err(decode_error("translation state")),
    };
    Ok(Override {
        locale: row.try_get("locale")?,
        key: row.try_get("key")?,
        text: row.try_get("text")?,
        state,
        edited_by: UserId(row.try_get("edited_by")?),
        edited_at: row::timestamp(row, "edited_at")?,
        reviewed: match (row.try_get::<Option<i64>, _>("reviewed_by")?, row::opt_timestamp(row, "reviewed_at")?) {
            (Some(by), Some(at)) => Some((UserId(by), at)),
            _ => None,
        },
    })
}

/// Every override, of every language.
pub async fn all(conn: &mut Conn) -> Result<Vec<Override>> {
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM translation_overrides ORDER BY locale, key")))
            .fetch_all(conn)
            .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(conn: &mut Conn, locale: &str, key: &str) -> Result<Override> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM translation_overrides WHERE locale = $1 AND key = $2"
    )))
    .bind(locale.to_owned())
    .bind(key.to_owned())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The revision of the overrides: it grows with every change.
pub async fn revision(conn: &mut Conn) -> Result<i64> {
    let row = sqlx::query("SELECT revision FROM translation_revision WHERE id = 1").fetch_one(conn).await?;
    Ok(row.try_get("revision")?)
}

async fn bump(conn: &mut Conn) -> Result<()> {
    sqlx::query("UPDATE translation_revision SET revision = revision + 1 WHERE id = 1").execute(conn).await?;
    Ok(())
}

/// Stores an edit as a draft, replacing what was there (a reviewed text goes back to draft).
pub async fn save_draft(
    conn: &mut Conn,
    locale: &str,
    key: &str,
    text: &str,
    by: UserId,
    now: Timestamp,
) -> Result<Override> {
    let upsert = keyed(
        "INSERT INTO translation_overrides (locale, key, text, state, edited_by, edited_at)
         VALUES ($1, $2, $5, 'draft', $3, $4)
         ON CONFLICT (locale, key) DO UPDATE SET text = excluded.text, state = 'draft',
             edited_by = excluded.edited_by, edited_at = excluded.edited_at, reviewed_by = NULL, reviewed_at = NULL",
        locale,
        key,
        by,
        now,
    );
    change(conn, upsert.bind(text.to_owned()), locale, key).await
}

/// Marks a draft reviewed.
pub async fn review(conn: &mut Conn, locale: &str, key: &str, by: UserId, now: Timestamp) -> Result<Override> {
    let update = keyed(
        "UPDATE translation_overrides SET state = 'reviewed', reviewed_by = $3, reviewed_at = $4
         WHERE locale = $1 AND key = $2",
        locale,
        key,
        by,
        now,
    );
    change(conn, update, locale, key).await
}

/// `sql` with the string's locale and key bound as `$1` and `$2`, and who changes it when as `$3`
/// and `$4`.
fn keyed(sql: &'static str, locale: &str, key: &str, by: UserId, now: Timestamp) -> Query<'static, Any, AnyArguments> {
    sqlx::query(sql).bind(locale.to_owned()).bind(key.to_owned()).bind(by.0).bind(now.to_db())
}

/// Runs a change of one string, moves the revision on and reads the string back.
async fn change(conn: &mut Conn, query: Query<'_, Any, AnyArguments>, locale: &str, key: &str) -> Result<Override> {
    query.execute(&mut *conn).await?;
    bump(conn).await?;
    get(conn, locale, key).await
}

/// Removes an override: the shipped text stands again.
pub async fn remove(conn: &mut Conn, locale: &str, key: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM translation_overrides WHERE locale = $1 AND key = $2")
        .bind(locale.to_owned())
        .bind(key.to_owned())
        .execute(&mut *conn)
        .await?;
    bump(conn).await?;
    Ok(done.rows_affected() > 0)
}
