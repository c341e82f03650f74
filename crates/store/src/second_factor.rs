//! The second step of signing in (decision 0018): an account's TOTP secret, its recovery codes
//! (only their hashes), and the sign-ins that passed the password and wait for a code.

use pacesetter_domain::{Timestamp, UserId};
use sqlx::{AnyConnection, Row};

use crate::{Result, row};

/// An account's TOTP secret with its replay and lock counters.
#[derive(Debug, Clone)]
pub struct TotpSecret {
    /// Base32, as authenticator apps take it.
    pub secret: String,
    /// When a first code proved the secret; `None` while the enrolment is only begun.
    pub confirmed_at: Option<Timestamp>,
    pub last_step: i64,
    pub failed_step: i64,
    pub failures: i64,
}

pub async fn secret(conn: &mut AnyConnection, user: UserId) -> Result<Option<TotpSecret>> {
    let row = sqlx::query(
        "SELECT secret, confirmed_at, last_step, failed_step, failures FROM totp_secrets WHERE user_id = $1",
    )
    .bind(user.0)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(TotpSecret {
            secret: row.try_get("secret")?,
            confirmed_at: row::opt_timestamp(&row, "confirmed_at")?,
            last_step: row.try_get("last_step")?,
            failed_step: row.try_get("failed_step")?,
            failures: row.try_get("failures")?,
        })
    })
    .transpose()
}

/// Whether the account has a proved secret.
pub async fn is_enrolled(conn: &mut AnyConnection, user: UserId) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM totp_secrets WHERE user_id = $1 AND confirmed_at IS NOT NULL")
        .bind(user.0)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Stores a new, unconfirmed secret in place of an unconfirmed one (a proved secret is never
/// replaced here: `remove` it first).
pub async fn begin(conn: &mut AnyConnection, user: UserId, secret: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO totp_secrets (user_id, secret, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET secret = $2, created_at = $3, last_step = 0, failed_step = 0, failures = 0
         WHERE totp_secrets.confirmed_at IS NULL",
    )
    .bind(user.0)
    .bind(secret.to_owned())
    .bind(now.to_db())
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the secret proved and records the step of the code that proved it.
pub async fn confirm(conn: &mut AnyConnection, user: UserId, step: i64, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE totp_secrets SET confirmed_at = $1, last_step = $2, failed_step = 0, failures = 0 WHERE user_id = $3",
    )
    .bind(now.to_db())
    .bind(step)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an accepted code's step, so that the same code is refused from now on.
pub async fn accept_step(conn: &mut AnyConnection, user: UserId, step: i64) -> Result<()> {
    sqlx::query("UPDATE totp_secrets SET last_step = $1 WHERE user_id = $2 AND last_step < $1")
        .bind(step)
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the wrong codes counted in a step.
pub async fn set_failures(conn: &mut AnyConnection, user: UserId, step: i64, failures: i64) -> Result<()> {
    sqlx::query("UPDATE totp_secrets SET failed_step = $1, failures = $2 WHERE user_id = $3")
        .bind(step)
        .bind(failures)
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the secret, the recovery codes and any sign-in waiting for them.
pub async fn remove(conn: &mut AnyConnection, user: UserId) -> Result<()> {
    sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1").bind(user.0).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.0).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM sign_in_challenges WHERE user_id = $1").bind(user.0).execute(conn).await?;
    Ok(())
}

/// Replaces the account's recovery codes with these hashes.
pub async fn replace_recovery_codes(conn: &mut AnyConnection, user: UserId, hashes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.0).execute(&mut *conn).await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.0)
            .bind(hash.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Spends an unused recovery code; `false` when no unused code has this hash.
pub async fn spend_recovery_code(conn: &mut AnyConnection, user: UserId, hash: &str, now: Timestamp) -> Result<bool> {
    let spent =
        sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
            .bind(now.to_db())
            .bind(user.0)
            .bind(hash.to_owned())
            .execute(conn)
            .await?;
    Ok(spent.rows_affected() > 0)
}

pub async fn recovery_codes_left(conn: &mut AnyConnection, user: UserId) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user.0)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// What a waiting sign-in is for: a code from an enrolled account, or an enrolment the
/// deployment requires before the account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Verify,
    Enrol,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Enrol => "enrol",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Challenge {
    pub user_id: UserId,
    pub purpose: Purpose,
    pub expires_at: Timestamp,
    pub failures: i64,
}

pub async fn insert_challenge(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: UserId,
    purpose: Purpose,
    now: Timestamp,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_challenges (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash.to_owned())
    .bind(user.0)
    .bind(purpose.as_str())
    .bind(now.to_db())
    .bind(expires.to_db())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn challenge(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Challenge>> {
    let row =
        sqlx::query("SELECT user_id, purpose, expires_at, failures FROM sign_in_challenges WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .fetch_optional(conn)
            .await?;
    row.map(|row| {
        let purpose: String = row.try_get("purpose")?;
        Ok(Challenge {
            user_id: UserId(row.try_get("user_id")?),
            purpose: if purpose == "enrol" { Purpose::Enrol } else { Purpose::Verify },
            expires_at: row::timestamp(&row, "expires_at")?,
            failures: row.try_get("failures")?,
        })
    })
    .transpose()
}

pub async fn count_challenge_failure(conn: &mut AnyConnection, token_hash: &str) -> Result<()> {
    sqlx::query("UPDATE sign_in_challenges SET failures = failures + 1 WHERE token_hash = $1")
        .bind(token_hash.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_challenge(conn: &mut AnyConnection, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_challenges WHERE token_hash = $1")
        .bind(token_hash.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_expired_challenges(conn: &mut AnyConnection, now: Timestamp) -> Result<u64> {
    let result =
        sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at < $1").bind(now.to_db()).execute(conn).await?;
    Ok(result.rows_affected())
}
