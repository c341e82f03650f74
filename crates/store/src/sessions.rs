//! Server-side sign-in sessions; the cookie carries a random token, the database its hash.

use pacesetter_domain::{Timestamp, UserId};
use sqlx::AnyConnection;

use crate::Result;

/// A live session as looked up by its token hash.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    /// How many of the holder's notifications are unread: the count a page's header shows.
    pub unread: i64,
}

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: UserId,
    csrf: &str,
    now: Timestamp,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(token_hash.to_owned())
    .bind(user.0)
    .bind(csrf.to_owned())
    .bind(now.to_db())
    .bind(expires.to_db())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn touch(conn: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now.to_db())
        .bind(token_hash.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Ends every session of a user ("log out everywhere", or a disabled account).
pub async fn delete_for_user(conn: &mut AnyConnection, user: UserId) -> Result<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(conn).await?;
    Ok(result.rows_affected())
}

/// Ends every session of a user but one (the one in use when the account's credentials change).
pub async fn delete_for_user_except(conn: &mut AnyConnection, user: UserId, keep_hash: Option<&str>) -> Result<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.0)
        .bind(keep_hash.unwrap_or("").to_owned())
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}

pub async fn delete_expired(conn: &mut AnyConnection, now: Timestamp) -> Result<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now.to_db()).execute(conn).await?;
    Ok(result.rows_affected())
}
