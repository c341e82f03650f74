//! The inbox, notification choices, and the reminder ledger.

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    ids::{AssignmentId, NotificationId},
    inspection::records::RectificationId,
    notification::{Channels, Notification, Prefs},
};
use sqlx::{AnyConnection, Row};

use crate::{Result, row};

pub struct NewNotification<'a> {
    pub user: UserId,
    pub kind: &'a str,
    pub assignment: Option<AssignmentId>,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
}

/// Puts a notification in the inbox; returns its id.
pub async fn insert(conn: &mut AnyConnection, n: &NewNotification<'_>, now: Timestamp) -> Result<NotificationId> {
    let row = sqlx::query(
        "INSERT INTO notifications (user_id, kind, assignment_id, title, body, link, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(n.user.0)
    .bind(n.kind.to_owned())
    .bind(n.assignment.map(|a| a.0))
    .bind(n.title.to_owned())
    .bind(n.body.to_owned())
    .bind(n.link.to_owned())
    .bind(now.to_db())
    .fetch_one(conn)
    .await?;
    Ok(NotificationId(row.try_get("id")?))
}

/// A person's notifications, newest first.
pub async fn for_user(
    conn: &mut AnyConnection,
    user: UserId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Notification>, i64)> {
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1")
        .bind(user.0)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let rows = sqlx::query(
        "SELECT id, kind, assignment_id, title, body, link, created_at, read_at FROM notifications
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Notification {
                id: NotificationId(r.try_get("id")?),
                kind: r.try_get("kind")?,
                assignment_id: r.try_get::<Option<i64>, _>("assignment_id")?.map(AssignmentId),
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                link: r.try_get("link")?,
                created_at: row::timestamp(r, "created_at")?,
                read: r.try_get::<Option<String>, _>("read_at")?.is_some(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total))
}

/// Marks all of a person's notifications read.
pub async fn mark_all_read(conn: &mut AnyConnection, user: UserId, now: Timestamp) -> Result<u64> {
    let result = sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now.to_db())
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}

pub async fn prefs(conn: &mut AnyConnection, user: UserId) -> Result<Prefs> {
    let row = sqlx::query("SELECT due_soon, overdue, escalation FROM notification_prefs WHERE user_id = $1")
        .bind(user.0)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) => Ok(Prefs {
            due_soon: r.try_get::<i64, _>("due_soon")? == 1,
            overdue: r.try_get::<i64, _>("overdue")? == 1,
            escalation: r.try_get::<i64, _>("escalation")? == 1,
        }),
        None => Ok(Prefs::default()),
    }
}

pub async fn set_prefs(conn: &mut AnyConnection, user: UserId, prefs: Prefs) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, due_soon, overdue, escalation) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET due_soon = $2, overdue = $3, escalation = $4",
    )
    .bind(user.0)
    .bind(i64::from(prefs.due_soon))
    .bind(i64::from(prefs.overdue))
    .bind(i64::from(prefs.escalation))
    .execute(conn)
    .await?;
    Ok(())
}

/// What a reminder is about: each kind has its own ledger of reminders sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminded {
    Assignment(AssignmentId),
    Rectification(RectificationId),
}

/// Claims a reminder (`kind` on `day`): true for the one caller that records it first, false for
/// everyone else, and false when what it is about has been closed since it was read as due.
pub async fn claim(conn: &mut AnyConnection, about: Reminded, kind: &str, day: i64, now: Timestamp) -> Result<bool> {
    let (sql, id) = match about {
        Reminded::Assignment(id) => (
            "INSERT INTO reminder_ledger (assignment_id, kind, day, sent_at)
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM assignments WHERE id = $1 AND state <> 'closed')
             ON CONFLICT DO NOTHING",
            id.0,
        ),
        Reminded::Rectification(id) => (
            "INSERT INTO rectification_reminders (rectification_id, kind, day, sent_at)
             SELECT $1, $2, $3, $4 WHERE EXISTS
                 (SELECT 1 FROM rectifications WHERE id = $1 AND state IN ('open', 'reopened'))
             ON CONFLICT DO NOTHING",
            id.0,
        ),
    };
    let result = sqlx::query(sql).bind(id).bind(kind.to_owned()).bind(day).bind(now.to_db()).execute(conn).await?;
    Ok(result.rows_affected() == 1)
}

/// The grants held on `unit` itself by people whose account is not disabled: (who, role).
pub async fn grants_on(conn: &mut AnyConnection, unit: UnitId) -> Result<Vec<(UserId, String)>> {
    let rows = sqlx::query(
        "SELECT g.user_id, g.role FROM grants g JOIN users s ON s.id = g.user_id WHERE g.unit_id = $1 AND s.disabled_at IS NULL",
    )
    .bind(unit.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((UserId(row.try_get("user_id")?), row.try_get("role")?))).collect()
}

/// Where a person wants reminders besides the inbox.
pub async fn channels(conn: &mut AnyConnection, user: UserId) -> Result<Channels> {
    let row = sqlx::query("SELECT email, webhook_url FROM notification_prefs WHERE user_id = $1")
        .bind(user.0)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) => Ok(Channels { email: r.try_get("email")?, webhook_url: r.try_get("webhook_url")? }),
        None => Ok(Channels::default()),
    }
}

pub async fn set_channels(conn: &mut AnyConnection, user: UserId, channels: &Channels) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, email, webhook_url) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET email = $2, webhook_url = $3",
    )
    .bind(user.0)
    .bind(channels.email.clone())
    .bind(channels.webhook_url.clone())
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues a notification for delivery by `channel` (`email` or `webhook`) to `target`.
pub async fn enqueue(
    conn: &mut AnyConnection,
    notification: NotificationId,
    channel: &str,
    target: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deliveries (notification_id, channel, target, status, next_attempt_at, created_at)
         VALUES ($1, $2, $3, 'pending', $4, $4)",
    )
    .bind(notification.0)
    .bind(channel.to_owned())
    .bind(target.to_owned())
    .bind(now.to_db())
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery that is due, with what it carries.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub channel: String,
    pub target: String,
    pub attempts: i64,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// Pending deliveries whose time has come and that no instance holds, oldest first.
pub async fn due_deliveries(conn: &mut AnyConnection, now: Timestamp, limit: i64) -> Result<Vec<DueDelivery>> {
    let rows = sqlx::query(
        "SELECT d.id, d.channel, d.target, d.attempts, n.title, n.body, n.link
         FROM deliveries d JOIN notifications n ON n.id = d.notification_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until < $1)
         ORDER BY d.next_attempt_at, d.id LIMIT $2",
    )
    .bind(now.to_db())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DueDelivery {
                id: r.try_get("id")?,
                channel: r.try_get("channel")?,
                target: r.try_get("target")?,
                attempts: r.try_get("attempts")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                link: r.try_get("link")?,
            })
        })
        .collect()
}

/// Takes a delivery for sending until `until`: true for the one instance that gets it. A
/// delivery another instance has just sent, or failed and put back to wait, is not due again.
pub async fn claim_delivery(conn: &mut AnyConnection, id: i64, now: Timestamp, until: Timestamp) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE deliveries SET claimed_until = $1, attempts = attempts + 1
         WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3
             AND (claimed_until IS NULL OR claimed_until < $3)",
    )
    .bind(until.to_db())
    .bind(id)
    .bind(now.to_db())
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Records how a send went: sent, tried again at `retry_at`, or given up (`retry_at` none).
pub async fn finish_delivery(
    conn: &mut AnyConnection,
    id: i64,
    outcome: std::result::Result<(), &str>,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<()> {
    let (status, error, next) = match (outcome, retry_at) {
        (Ok(()), _) => ("sent", None, now),
        (Err(error), Some(at)) => ("pending", Some(error), at),
        (Err(error), None) => ("failed", Some(error), now),
    };
    sqlx::query(
        "UPDATE deliveries SET status = $1, last_error = $2, next_attempt_at = $3, claimed_until = NULL,
             sent_at = CASE WHEN $1 = 'sent' THEN $4 ELSE sent_at END
         WHERE id = $5",
    )
    .bind(status.to_owned())
    .bind(error.map(|e| e.chars().take(500).collect::<String>()))
    .bind(next.to_db())
    .bind(now.to_db())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
