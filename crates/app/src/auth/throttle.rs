//! The sign-in throttle (decision 0013): failures counted in the database per account and per
//! address; an address over its limit still lets through the accounts that signed in from it
//! lately, so that one client's mistakes behind a shared proxy do not lock out the office.

use pacesetter_domain::{Timestamp, UserId};
use pacesetter_store::{Conn, throttle};

use crate::{App, AppError, Origin, Result};

const ADDRESS_WINDOW_SECS: i64 = 60;
const ACCOUNT_WINDOW_SECS: i64 = 15 * 60;
/// A successful sign-in makes its address known for the account this long.
const KNOWN_ADDRESS_SECS: i64 = 30 * 86_400;
/// While its address is over the limit, a known account may fail this often itself (in the
/// account window) before it is refused like everyone else at that address.
const KNOWN_ACCOUNT_FAILURES: i64 = 5;

/// How long an account must wait after its latest failure, growing with the failures.
fn account_delay_secs(failures: i64) -> i64 {
    match failures {
        f if f >= 25 => 10,
        f if f >= 3 => 1,
        _ => 0,
    }
}

fn account_key(username: &str) -> String {
    format!("user:{username}")
}

fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

fn retry_after(until: Timestamp, now: Timestamp) -> AppError {
    AppError::RateLimited { retry_after_secs: (until.datetime() - now.datetime()).whole_seconds().max(1) }
}

/// The account a sign-in is for, as far as it is known before the password is checked.
pub(super) struct Attempt<'a> {
    /// The username, when it is one an account can have.
    pub username: Option<&'a str>,
    /// The account of that name, when there is one.
    pub user: Option<UserId>,
}

/// Refuses an attempt (429) while its account must wait, or while its address is over the
/// limit and the account is not one that signed in from there lately.
pub(super) async fn check(app: &App, attempt: &Attempt<'_>, origin: &Origin, now: Timestamp) -> Result<()> {
    let mut conn = app.store.read().await?;
    let own_failures = match attempt.username {
        Some(username) => match throttle::get(&mut conn, &account_key(username)).await? {
            Some(counter) if counter.window_start.plus_seconds(ACCOUNT_WINDOW_SECS) > now => {
                let until = counter.last_failure_at.plus_seconds(account_delay_secs(counter.failures));
                if until > now {
                    return Err(retry_after(until, now));
                }
                counter.failures
            }
            _ => 0,
        },
        None => 0,
    };
    let Some(ip) = &origin.ip else { return Ok(()) };
    let Some(counter) = throttle::get(&mut conn, &address_key(ip)).await? else { return Ok(()) };
    let window_end = counter.window_start.plus_seconds(ADDRESS_WINDOW_SECS);
    if window_end <= now || counter.failures < app.settings.login_failures_per_ip {
        return Ok(());
    }
    if own_failures < KNOWN_ACCOUNT_FAILURES && known_here(&mut conn, attempt.user, ip, now).await? {
        return Ok(());
    }
    Err(retry_after(window_end, now))
}

/// Whether `user` signed in successfully from `ip` within [`KNOWN_ADDRESS_SECS`].
async fn known_here(conn: &mut Conn, user: Option<UserId>, ip: &str, now: Timestamp) -> Result<bool> {
    let Some(user) = user else { return Ok(false) };
    let last = throttle::last_success(conn, user, ip).await?;
    Ok(last.is_some_and(|at| at.plus_seconds(KNOWN_ADDRESS_SECS) > now))
}

/// Counts a failure against the account (when the name is one an account can have) and the
/// address, in the caller's transaction.
pub(super) async fn count_failure(
    conn: &mut Conn,
    username: Option<&str>,
    origin: &Origin,
    now: Timestamp,
) -> Result<()> {
    let mut keys = Vec::new();
    if let Some(username) = username {
        keys.push((account_key(username), ACCOUNT_WINDOW_SECS));
    }
    if let Some(ip) = &origin.ip {
        keys.push((address_key(ip), ADDRESS_WINDOW_SECS));
    }
    for (key, window) in keys {
        let counter = match throttle::get(conn, &key).await? {
            Some(c) if c.window_start.plus_seconds(window) > now => {
                throttle::Counter { failures: c.failures + 1, last_failure_at: now, ..c }
            }
            _ => throttle::Counter { window_start: now, failures: 1, last_failure_at: now },
        };
        throttle::put(conn, &key, counter).await?;
    }
    Ok(())
}

/// After a successful sign-in: the account's failures are forgiven and the address becomes
/// known for it (the address's own count stays, as it is other people's failures too).
pub(super) async fn succeeded(
    conn: &mut Conn,
    user: UserId,
    username: &str,
    origin: &Origin,
    now: Timestamp,
) -> Result<()> {
    throttle::clear(conn, &account_key(username)).await?;
    if let Some(ip) = &origin.ip {
        throttle::remember_address(conn, user, ip, now).await?;
    }
    Ok(())
}

/// Forgets addresses unused for [`KNOWN_ADDRESS_SECS`] and counters as old; how many rows.
pub async fn sweep(app: &App, now: Timestamp) -> Result<u64> {
    let mut tx = app.store.write().await?;
    let removed = throttle::sweep(&mut tx, now.plus_seconds(-KNOWN_ADDRESS_SECS)).await?;
    tx.commit().await?;
    Ok(removed)
}
