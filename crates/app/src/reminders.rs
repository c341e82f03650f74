//! Reminders and escalation (PRODUCT.md C4): before a deadline (30, 7 and 1 days), daily once
//! overdue, and after a week overdue to the unit's approvers and the campaign office. Each
//! reminder is claimed in the database first, so it goes out once however many instances run.

use pacesetter_domain::{Timestamp, assignment::AssignmentState, timestamp::format_date};
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
        for assignment in assignments::for_campaign(&mut tx, campaign.id).await? {
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
                store::insert(&mut tx, &new, now).await?;
                summary.notifications += 1;
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

pub async fn set_prefs(app: &App, actor: &Actor, prefs: pacesetter_domain::notification::Prefs) -> Result<()> {
    let mut tx = app.store.write().await?;
    store::set_prefs(&mut tx, actor.user.id, prefs).await?;
    tx.commit().await?;
    Ok(())
}
