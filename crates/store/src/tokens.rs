//! API tokens for scripts: like sessions, only the hash is stored.

use pacesetter_domain::{Timestamp, UserId};
use sqlx::{AnyConnection, Row};

use crate::Result;

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: UserId,
    name: &str,
    now: Timestamp,
    expires: Timestamp,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(token_hash.to_owned())
    .bind(user.0)
    .bind(name.to_owned())
    .bind(now.to_db())
    .bind(expires.to_db())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn revoke(conn: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2")
        .bind(now.to_db())
        .bind(token_hash.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke_for_user(conn: &mut AnyConnection, user: UserId, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now.to_db())
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes every token of a user but one (the one in use when the account's credentials change).
pub async fn revoke_for_user_except(
    conn: &mut AnyConnection,
    user: UserId,
    keep_hash: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3")
        .bind(now.to_db())
        .bind(user.0)
        .bind(keep_hash.unwrap_or("").to_owned())
        .execute(conn)
        .await?;
    Ok(())
}
