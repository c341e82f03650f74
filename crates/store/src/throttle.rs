//! Failure counters for sign-in throttling, kept in the database so that every instance
//! behind a load balancer sees the same counts, and the addresses each account has signed in
//! from (decision 0013).

use pacesetter_domain::{Timestamp, UserId};
use sqlx::{AnyConnection, Row};

use crate::{Result, row};

/// Failures counted for one key (an IP or an account) in the current window.
#[derive(Debug, Clone, Copy)]
pub struct Counter {
    pub window_start: Timestamp,
    pub failures: i64,
    pub last_failure_at: Timestamp,
}

pub async fn get(conn: &mut AnyConnection, key: &str) -> Result<Option<Counter>> {
    let row = sqlx::query("SELECT window_start, failures, last_failure_at FROM login_throttle WHERE key = $1")
        .bind(key.to_owned())
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        Ok(Counter {
            window_start: row::timestamp(&row, "window_start")?,
            failures: row.try_get("failures")?,
            last_failure_at: row::timestamp(&row, "last_failure_at")?,
        })
    })
    .transpose()
}

pub async fn put(conn: &mut AnyConnection, key: &str, counter: Counter) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_throttle (key, window_start, failures, last_failure_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET window_start = $2, failures = $3, last_failure_at = $4",
    )
    .bind(key.to_owned())
    .bind(counter.window_start.to_db())
    .bind(counter.failures)
    .bind(counter.last_failure_at.to_db())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear(conn: &mut AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key.to_owned()).execute(conn).await?;
    Ok(())
}

/// When `user` last signed in successfully from `address`, if ever.
pub async fn last_success(conn: &mut AnyConnection, user: UserId, address: &str) -> Result<Option<Timestamp>> {
    let row = sqlx::query("SELECT last_success_at FROM login_known_addresses WHERE user_id = $1 AND address = $2")
        .bind(user.0)
        .bind(address.to_owned())
        .fetch_optional(conn)
        .await?;
    row.map(|row| row::timestamp(&row, "last_success_at")).transpose()
}

/// Records a successful sign-in of `user` from `address`.
pub async fn remember_address(conn: &mut AnyConnection, user: UserId, address: &str, now: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_known_addresses (user_id, address, last_success_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, address) DO UPDATE SET last_success_at = $3",
    )
    .bind(user.0)
    .bind(address.to_owned())
    .bind(now.to_db())
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets addresses not used since `before`, and counters whose last failure is older.
pub async fn sweep(conn: &mut AnyConnection, before: Timestamp) -> Result<u64> {
    let addresses = sqlx::query("DELETE FROM login_known_addresses WHERE last_success_at < $1")
        .bind(before.to_db())
        .execute(&mut *conn)
        .await?;
    let counters =
        sqlx::query("DELETE FROM login_throttle WHERE last_failure_at < $1").bind(before.to_db()).execute(conn).await?;
    Ok(addresses.rows_affected() + counters.rows_affected())
}
