//! Who a session cookie or an API token belongs to, with the account's grants, in one query:
//! every signed-in request reads this before anything else.

use pacesetter_domain::{Timestamp, permission::ScopedRole, user::User};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{Result, grants, row, sessions::SessionRow, users};

/// An account as a request acts for it.
#[derive(Debug, Clone)]
pub struct Holder {
    pub user: User,
    /// Its grants with the current path of each unit (archived units count: archiving hides a
    /// unit, it does not end anyone's duties).
    pub grants: Vec<ScopedRole>,
}

/// The account's columns as `users::from_row` reads them, then one grant per row (none when
/// the account has no grant). `c` is the credential's table.
const HOLDER_FROM: &str = "u.id, u.username, u.display_name, u.unit_id, u.locale, u.disabled_at, u.version, \
     u.created_at, g.role AS grant_role, g.unit_id AS grant_unit_id, gu.path AS grant_path";
const HOLDER_JOINS: &str =
    "JOIN users u ON u.id = c.user_id LEFT JOIN grants g ON g.user_id = u.id LEFT JOIN units gu ON gu.id = g.unit_id";

fn holder(rows: &[AnyRow]) -> Result<Option<Holder>> {
    let Some(first) = rows.first() else { return Ok(None) };
    let mut grants = Vec::with_capacity(rows.len());
    for row in rows {
        // An account without grants comes back as one row with no grant in it.
        if row.try_get::<Option<String>, _>("grant_role")?.is_some() {
            grants.push(grants::scoped_role(row, ["grant_role", "grant_unit_id", "grant_path"])?);
        }
    }
    Ok(Some(Holder { user: users::from_row(first)?, grants }))
}

/// The session with this token hash and its account, expired or not (the caller judges), with
/// the account's unread notifications counted.
pub async fn session(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<(SessionRow, Holder)>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT c.csrf_token, c.created_at AS session_created_at, c.last_seen_at, c.expires_at,
                (SELECT COUNT(*) FROM notifications n WHERE n.user_id = c.user_id AND n.read_at IS NULL) AS unread,
                {HOLDER_FROM}
         FROM sessions c {HOLDER_JOINS} WHERE c.token_hash = $1 ORDER BY g.id"
    )))
    .bind(token_hash.to_owned())
    .fetch_all(conn)
    .await?;
    let Some(holder) = holder(&rows)? else { return Ok(None) };
    let first = &rows[0];
    let session = SessionRow {
        user_id: holder.user.id,
        csrf_token: first.try_get("csrf_token")?,
        created_at: row::timestamp(first, "session_created_at")?,
        last_seen_at: row::timestamp(first, "last_seen_at")?,
        expires_at: row::timestamp(first, "expires_at")?,
        unread: first.try_get("unread")?,
    };
    Ok(Some((session, holder)))
}

/// The account of an API token that is neither revoked nor expired at `now`.
pub async fn api_token(conn: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<Option<Holder>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT c.expires_at AS token_expires_at, {HOLDER_FROM}
         FROM api_tokens c {HOLDER_JOINS} WHERE c.token_hash = $1 AND c.revoked_at IS NULL ORDER BY g.id"
    )))
    .bind(token_hash.to_owned())
    .fetch_all(conn)
    .await?;
    match rows.first() {
        Some(first) if row::timestamp(first, "token_expires_at")? > now => holder(&rows),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_holder_reads_the_columns_the_users_table_is_read_with() {
        let prefixed: Vec<String> = super::users::COLUMNS.split(", ").map(|c| format!("u.{c}")).collect();
        assert!(super::HOLDER_FROM.starts_with(&prefixed.join(", ")), "{}", super::HOLDER_FROM);
    }
}
