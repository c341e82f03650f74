//! Reminders and escalation (PRODUCT.md C4): before a deadline (30, 7 and 1 days), daily once
//! overdue, and after a week overdue to the unit's approvers and the campaign office. Each
//! reminder is claimed in the database first, so it goes out once however many instances run.
//! Besides the inbox, a reminder is queued for each person's email address and chat webhook;
//! [`deliver`] sends the queue through a [`Courier`], claiming each item so that one instance
//! sends it, and retrying with a growing pause when the far end fails.

use std::{future::Future, pin::Pin};

use pacesetter_domain::{
    Timestamp, ValidationError, assignment::AssignmentState, notification::Channels, timestamp::format_date,
};
use pacesetter_store::{assignments, campaigns, notifications as store, plan_items, units};

use crate::{Actor, App, Page, PageRequest, Result};

/// Days before the deadline on which the unit is reminded.
pub const DAYS_BEFORE: [i64; 3] = [30, 7, 1];
/// Days overdue after which the approvers and the office are told.
pub const ESCALATE_AFTER: i64 = 7;

/// How many notifications one run created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    pub reminders: u32,
    pub notifications: u32,
}

/// Sends what is due today, per campaign (each on its own day). Safe to run any number of
/// times a day, from any number of instances.
pub async fn run(app: &App) -> Result<RunSummary> {
    let mut tx = app.store.write().await?;
    let mut summary = RunSummary::default();
    let now = Timestamp::now();
    for campaign in campaigns::all(&mut tx).await? {
        let today = campaign.today(now);
        let office = units::get(&mut tx, campaign.office_unit_id).await?;
        for assignment in assignments::due_for_reminders(&mut tx, campaign.id, today, &DAYS_BEFORE).await? {
            if assignment.state == AssignmentState::Closed {
                continue;
            }
            let days_left = assignment.days_left(today);
            let kind = if DAYS_BEFORE.contains(&days_left) {
                "due_soon"
            } else if days_left < 0 {
                "overdue"
            } else {
                continue;
            };
            if !store::claim(&mut tx, assignment.id, kind, i64::from(today.to_julian_day()), now).await? {
                continue;
            }
            summary.reminders += 1;
            let item = plan_items::get(&mut tx, assignment.item_id).await?;
            let unit = units::get(&mut tx, assignment.unit_id).await?;
            let link = format!("/assignments/{}", assignment.id);
            let (title, body) = match kind {
                "due_soon" => (
                    format!("任务将于{}天后到期：{}", days_left, item.title),
                    format!(
                        "{}的任务“{}”完成时限为{}，当前进度{}%。",
                        unit.name,
                        item.title,
                        format_date(assignment.due_on),
                        assignment.percent
                    ),
                ),
                _ => (
                    format!("任务已超期{}天：{}", -days_left, item.title),
                    format!(
                        "{}的任务“{}”已于{}到期，当前进度{}%，请尽快办理。",
                        unit.name,
                        item.title,
                        format_date(assignment.due_on),
                        assignment.percent
                    ),
                ),
            };
            let mut recipients = store::holders(&mut tx, &unit.path, &["liaison"]).await?;
            let escalate = kind == "overdue" && -days_left >= ESCALATE_AFTER;
            if escalate {
                for user in store::holders(&mut tx, &unit.path, &["unit_approver"]).await? {
                    if !recipients.contains(&user) {
                        recipients.push(user);
                    }
                }
                for user in store::holders(&mut tx, &office.path, &["coordinator"]).await? {
                    if !recipients.contains(&user) {
                        recipients.push(user);
                    }
                }
            }
            for user in recipients {
                let notification_kind = if escalate { "escalation" } else { kind };
                if !store::prefs(&mut tx, user).await?.wants(notification_kind) {
                    continue;
                }
                let new = store::NewNotification {
                    user,
                    kind: notification_kind,
                    assignment: Some(assignment.id),
                    title: &title,
                    body: &body,
                    link: &link,
                };
                let id = store::insert(&mut tx, &new, now).await?;
                summary.notifications += 1;
                let channels = store::channels(&mut tx, user).await?;
                if let (true, Some(email)) = (app.settings.email_enabled, &channels.email) {
                    store::enqueue(&mut tx, id, "email", email, now).await?;
                }
                if let Some(url) = &channels.webhook_url {
                    store::enqueue(&mut tx, id, "webhook", url, now).await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(summary)
}

/// The actor's inbox, newest first.
pub async fn inbox(
    app: &App,
    actor: &Actor,
    page: PageRequest,
) -> Result<Page<pacesetter_domain::notification::Notification>> {
    let mut conn = app.store.read().await?;
    let (items, total) = store::for_user(&mut conn, actor.user.id, page.offset(), page.per_page).await?;
    Ok(Page { items, total, page: page.page, per_page: page.per_page })
}

pub async fn unread(app: &App, actor: &Actor) -> Result<i64> {
    let mut conn = app.store.read().await?;
    Ok(store::unread_count(&mut conn, actor.user.id).await?)
}

pub async fn mark_all_read(app: &App, actor: &Actor) -> Result<u64> {
    let mut tx = app.store.write().await?;
    let changed = store::mark_all_read(&mut tx, actor.user.id, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(changed)
}

pub async fn prefs(app: &App, actor: &Actor) -> Result<pacesetter_domain::notification::Prefs> {
    let mut conn = app.store.read().await?;
    Ok(store::prefs(&mut conn, actor.user.id).await?)
}

/// Where the actor's reminders go besides the inbox.
pub async fn channels(app: &App, actor: &Actor) -> Result<Channels> {
    let mut conn = app.store.read().await?;
    Ok(store::channels(&mut conn, actor.user.id).await?)
}

/// Saves what the actor receives and where: the kinds of reminder, an email address and a
/// webhook (empty text clears one). Checked first and written together, so a bad address
/// changes nothing. An address is refused while the server has no SMTP server to send through.
pub async fn set_prefs(
    app: &App,
    actor: &Actor,
    prefs: pacesetter_domain::notification::Prefs,
    email: &str,
    webhook_url: &str,
) -> Result<Channels> {
    let channels = Channels::parse(email, webhook_url, &app.settings.webhook_hosts)?;
    if channels.email.is_some() && !app.settings.email_enabled {
        return Err(ValidationError::single("email", "email_not_configured").into());
    }
    let mut tx = app.store.write().await?;
    store::set_prefs(&mut tx, actor.user.id, prefs).await?;
    store::set_channels(&mut tx, actor.user.id, &channels).await?;
    tx.commit().await?;
    Ok(channels)
}

/// A message on its way out of the inbox.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// `email` or `webhook`.
    pub channel: &'a str,
    /// The address or the webhook URL.
    pub target: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// The page the message is about, as a path (`/assignments/12`).
    pub link: &'a str,
}

/// What a [`Courier`] returns: done, or why not, in words for the log.
pub type Sent<'a> = Pin<Box<dyn Future<Output = std::result::Result<(), String>> + Send + 'a>>;

/// Carries messages to mail servers and webhooks; the binary provides the real one, tests a
/// recording one.
pub trait Courier: Send + Sync {
    fn send<'a>(&'a self, message: Outgoing<'a>) -> Sent<'a>;
}

/// Sends at most this many queued messages per run.
const DELIVERY_BATCH: i64 = 100;
/// An instance holds a delivery this long while sending it.
const CLAIM_SECONDS: i64 = 300;
/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 6;

/// How one delivery run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliverySummary {
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
}

/// Sends the queued messages that are due. Each is claimed first (in its own short
/// transaction), so two instances never send the same one; a failure is tried again after
/// 2, 4, 8… minutes and given up after [`MAX_ATTEMPTS`].
pub async fn deliver(app: &App, courier: &dyn Courier) -> Result<DeliverySummary> {
    let mut summary = DeliverySummary::default();
    let now = Timestamp::now();
    let due = {
        let mut conn = app.store.read().await?;
        store::due_deliveries(&mut conn, now, DELIVERY_BATCH).await?
    };
    for delivery in due {
        let claimed = {
            let mut tx = app.store.write().await?;
            let claimed = store::claim_delivery(&mut tx, delivery.id, now, now.plus_seconds(CLAIM_SECONDS)).await?;
            tx.commit().await?;
            claimed
        };
        if !claimed {
            continue;
        }
        let message = Outgoing {
            channel: &delivery.channel,
            target: &delivery.target,
            title: &delivery.title,
            body: &delivery.body,
            link: &delivery.link,
        };
        let outcome = courier.send(message).await;
        let attempts = delivery.attempts + 1;
        let retry_at = (attempts < MAX_ATTEMPTS).then(|| Timestamp::now().plus_seconds(60 << attempts.min(10)));
        match (&outcome, retry_at) {
            (Ok(()), _) => summary.sent += 1,
            (Err(error), Some(_)) => {
                tracing::warn!(id = delivery.id, channel = %delivery.channel, %error, attempts, "delivery failed, will retry");
                summary.retrying += 1;
            }
            (Err(error), None) => {
                tracing::warn!(id = delivery.id, channel = %delivery.channel, %error, "delivery given up");
                summary.failed += 1;
            }
        }
        let mut tx = app.store.write().await?;
        store::finish_delivery(
            &mut tx,
            delivery.id,
            outcome.as_ref().map(|_| ()).map_err(String::as_str),
            retry_at,
            Timestamp::now(),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(summary)
}
