//! Reminders and escalation (PRODUCT.md C4): before a deadline (30, 7 and 1 days), daily once
//! overdue, and after a week overdue to the unit's approvers and the campaign office.
//! Rectification items (整改) likewise, 7 and 1 days before their deadline, and after a week
//! overdue also to the inspector who found the problem. Each reminder is claimed in the database first, so it goes out once however many instances run.
//! Besides the inbox, a reminder is queued for each person's email address and chat webhook;
//! [`deliver`] sends the queue through a [`Courier`], claiming each item so that one instance
//! sends it, and retrying with a growing pause when the far end fails.

use std::{
    collections::{HashMap, hash_map::Entry},
    future::Future,
    pin::Pin,
};

use pacesetter_domain::{
    Timestamp, UnitId, UnitPath, UserId, ValidationError,
    assignment::AssignmentState,
    ids::{AssignmentId, PlanItemId},
    inspection::records::RectificationId,
    notification::{Channels, Prefs},
    plan::{Assignment, Campaign, PlanItem},
    timestamp::format_date,
    unit::Unit,
};
use pacesetter_store::{
    assignments, campaigns, inspections::follow_up as inspections, notifications as store, plan_items, units,
};

use crate::{Actor, App, Page, PageRequest, Result};

/// Days before the deadline on which the unit is reminded.
pub const DAYS_BEFORE: [i64; 3] = [30, 7, 1];
/// Days before its deadline on which a rectification item's unit is reminded (items run weeks,
/// not months).
pub const RECTIFICATION_DAYS_BEFORE: [i64; 2] = [7, 1];
/// Days overdue after which the approvers and the office are told.
pub const ESCALATE_AFTER: i64 = 7;

/// How many notifications one run created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    pub reminders: u32,
    pub notifications: u32,
}

/// How many reminders one write transaction sends. A national campaign's first run of a day
/// sends hundreds of thousands, and every other write waits while one transaction holds
/// SQLite's lock; a page of them holds it for tens of milliseconds.
const PAGE: i64 = 200;

/// Sends what is due today, per campaign (each on its own day): reminders on assignments and
/// on rectification items. Safe to run any number of times a day, from any number of instances.
///
/// What is due is read a page at a time, and each page is claimed and sent in a write
/// transaction of its own; a reminder already claimed today is not read again.
pub async fn run(app: &App) -> Result<RunSummary> {
    run_in_pages(app, PAGE).await
}

/// As [`run`], reading and sending `page` reminders at a time (a test spreads a small campaign
/// over several pages).
pub async fn run_in_pages(app: &App, page: i64) -> Result<RunSummary> {
    let now = Timestamp::now();
    let all = campaigns::all(&mut *app.store.read().await?).await?;
    let mut summary = RunSummary::default();
    let mut known = Known::default();
    for campaign in &all {
        let today = campaign.today(now);
        let mut after = AssignmentId(0);
        loop {
            let due = {
                let mut conn = app.store.read().await?;
                assignments::due_for_reminders(&mut conn, campaign.id, today, &DAYS_BEFORE, after, page).await?
            };
            let Some(last) = due.last() else { break };
            after = last.id;
            let mut tx = app.store.write_alone().await?;
            for assignment in &due {
                remind_of_assignment(app, &mut tx, &mut known, campaign, assignment, now, &mut summary).await?;
            }
            tx.commit().await?;
        }
        let mut after = RectificationId(0);
        loop {
            let due = {
                let mut conn = app.store.read().await?;
                inspections::due_for_reminders(&mut conn, campaign.id, today, &RECTIFICATION_DAYS_BEFORE, after, page)
                    .await?
            };
            let Some(last) = due.last() else { break };
            after = last.item.id;
            let mut tx = app.store.write_alone().await?;
            for item in &due {
                remind_of_rectification(app, &mut tx, &mut known, campaign, item, now, &mut summary).await?;
            }
            tx.commit().await?;
        }
    }
    Ok(summary)
}

/// Claims and sends the reminder due today on one assignment, in the page's transaction.
async fn remind_of_assignment(
    app: &App,
    tx: &mut pacesetter_store::Conn,
    known: &mut Known,
    campaign: &Campaign,
    assignment: &Assignment,
    now: Timestamp,
    summary: &mut RunSummary,
) -> Result<()> {
    let today = campaign.today(now);
    let days_left = assignment.days_left(today);
    let Some(kind) = Kind::of(days_left, &DAYS_BEFORE) else { return Ok(()) };
    if assignment.state == AssignmentState::Closed {
        return Ok(());
    }
    let about = store::Reminded::Assignment(assignment.id);
    if !store::claim(tx, about, kind.as_str(), i64::from(today.to_julian_day()), now).await? {
        return Ok(());
    }
    summary.reminders += 1;
    let title = known.item(tx, assignment.item_id).await?.title.clone();
    let unit = known.unit(tx, assignment.unit_id).await?.clone();
    let (subject, body) = match kind {
        Kind::DueSoon => (
            format!("任务将于{}天后到期：{}", days_left, title),
            format!(
                "{}的任务“{}”完成时限为{}，当前进度{}%。",
                unit.name,
                title,
                format_date(assignment.due_on),
                assignment.percent
            ),
        ),
        Kind::Overdue => (
            format!("任务已超期{}天：{}", -days_left, title),
            format!(
                "{}的任务“{}”已于{}到期，当前进度{}%，请尽快办理。",
                unit.name,
                title,
                format_date(assignment.due_on),
                assignment.percent
            ),
        ),
    };
    let escalate = kind == Kind::Overdue && -days_left >= ESCALATE_AFTER;
    let recipients = known.recipients(tx, campaign, &unit.path, escalate).await?;
    let message = Message {
        kind: kind.as_str(),
        escalate,
        assignment: Some(assignment.id),
        title: subject,
        body,
        link: format!("/assignments/{}", assignment.id),
    };
    summary.notifications += notify(app, tx, known, recipients, &message, now).await?;
    Ok(())
}

/// Claims and sends the reminder due today on one rectification item, in the page's transaction.
async fn remind_of_rectification(
    app: &App,
    tx: &mut pacesetter_store::Conn,
    known: &mut Known,
    campaign: &Campaign,
    due: &inspections::DueItem,
    now: Timestamp,
    summary: &mut RunSummary,
) -> Result<()> {
    let today = campaign.today(now);
    let item = &due.item;
    let days_left = (item.due_on - today).whole_days();
    let Some(kind) = Kind::of(days_left, &RECTIFICATION_DAYS_BEFORE) else { return Ok(()) };
    let about = store::Reminded::Rectification(item.id);
    if !store::claim(tx, about, kind.as_str(), i64::from(today.to_julian_day()), now).await? {
        return Ok(());
    }
    summary.reminders += 1;
    let unit = known.unit(tx, item.unit_id).await?.clone();
    let what = format!("{}的整改事项“{}”（{}发现的{}问题）", unit.name, item.measure, due.round, due.category);
    let (title, body) = match kind {
        Kind::DueSoon => (
            format!("整改事项将于{}天后到期：{}", days_left, due.category),
            format!("{what}整改时限为{}，请按时整改并反馈。", format_date(item.due_on)),
        ),
        Kind::Overdue => (
            format!("整改事项已超期{}天：{}", -days_left, due.category),
            format!("{what}已于{}到期，请尽快整改并反馈。", format_date(item.due_on)),
        ),
    };
    // Past a week, the unit's approvers, the office and the inspector who found it.
    let escalate = kind == Kind::Overdue && -days_left >= ESCALATE_AFTER;
    let mut recipients = known.recipients(tx, campaign, &unit.path, escalate).await?;
    if escalate {
        recipients.push(due.inspector);
    }
    let message = Message {
        kind: kind.as_str(),
        escalate,
        assignment: None,
        title,
        body,
        link: format!("/findings/{}", item.finding_id),
    };
    summary.notifications += notify(app, tx, known, recipients, &message, now).await?;
    Ok(())
}

/// What a reminder run reads again and again — tasks, units, who holds a role on a unit, what
/// a person wants to receive and where — read once per run (a national run sends hundreds of
/// thousands of reminders about a hundred tasks and a few thousand people).
#[derive(Default)]
struct Known {
    items: HashMap<PlanItemId, PlanItem>,
    units: HashMap<UnitId, Unit>,
    grants: HashMap<UnitId, Vec<(UserId, String)>>,
    wants: HashMap<UserId, (Prefs, Channels)>,
}

impl Known {
    async fn item(&mut self, conn: &mut pacesetter_store::Conn, id: PlanItemId) -> Result<&PlanItem> {
        Ok(match self.items.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => new.insert(plan_items::get(conn, id).await?),
        })
    }

    async fn unit(&mut self, conn: &mut pacesetter_store::Conn, id: UnitId) -> Result<&Unit> {
        Ok(match self.units.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => new.insert(units::get(conn, id).await?),
        })
    }

    /// People holding one of `roles` through a grant on the unit at `path` or one of its
    /// ancestors (a grant covers its subtree).
    async fn holders(
        &mut self,
        conn: &mut pacesetter_store::Conn,
        path: &UnitPath,
        roles: &[&str],
    ) -> Result<Vec<UserId>> {
        let mut users = Vec::new();
        for unit in path.ids() {
            let grants = match self.grants.entry(unit) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(new) => new.insert(store::grants_on(conn, unit).await?),
            };
            for (user, role) in grants.iter() {
                if roles.contains(&role.as_str()) && !users.contains(user) {
                    users.push(*user);
                }
            }
        }
        Ok(users)
    }

    /// Who is told of a reminder about the unit at `path`: its liaisons, and once `escalate`d
    /// its approvers and the campaign office's coordinators as well.
    async fn recipients(
        &mut self,
        conn: &mut pacesetter_store::Conn,
        campaign: &Campaign,
        path: &UnitPath,
        escalate: bool,
    ) -> Result<Vec<UserId>> {
        let mut recipients = self.holders(conn, path, &["liaison"]).await?;
        if escalate {
            recipients.extend(self.holders(conn, path, &["unit_approver"]).await?);
            let office = self.unit(conn, campaign.office_unit_id).await?.path.clone();
            recipients.extend(self.holders(conn, &office, &["coordinator"]).await?);
        }
        Ok(recipients)
    }

    /// What `user` wants to receive, and where besides the inbox.
    async fn wants(&mut self, conn: &mut pacesetter_store::Conn, user: UserId) -> Result<&(Prefs, Channels)> {
        Ok(match self.wants.entry(user) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => new.insert((store::prefs(conn, user).await?, store::channels(conn, user).await?)),
        })
    }
}

/// Which reminder is due: before the deadline, or once it has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    DueSoon,
    Overdue,
}

impl Kind {
    /// The reminder due with `days_left` until the deadline, if any.
    fn of(days_left: i64, days_before: &[i64]) -> Option<Self> {
        if days_before.contains(&days_left) {
            Some(Self::DueSoon)
        } else if days_left < 0 {
            Some(Self::Overdue)
        } else {
            None
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
        }
    }
}

/// Tells the unit's liaisons, in the caller's transaction, that its report on `task` was sent
/// back and why.
pub(crate) async fn returned(
    app: &App,
    tx: &mut pacesetter_store::Conn,
    assignment: pacesetter_domain::ids::AssignmentId,
    unit: &pacesetter_domain::unit::Unit,
    task: &str,
    reason: &str,
) -> Result<u32> {
    let message = Message {
        kind: "returned",
        escalate: false,
        assignment: Some(assignment),
        title: format!("报送被退回：{task}"),
        body: format!("{}报送的任务“{task}”被退回，原因：{reason}", unit.name),
        link: format!("/assignments/{assignment}"),
    };
    tell_liaisons(app, tx, unit, &message).await
}

/// A chase (催办) as the unit is told of it.
pub(crate) struct Chased<'a> {
    pub assignment: &'a pacesetter_domain::plan::Assignment,
    pub unit: &'a pacesetter_domain::unit::Unit,
    pub task: &'a str,
    /// Who chased.
    pub by: &'a str,
    pub message: Option<&'a str>,
}

/// Tells the unit's liaisons, in the caller's transaction, that the office chased its task.
pub(crate) async fn chased(app: &App, tx: &mut pacesetter_store::Conn, chase: &Chased<'_>) -> Result<u32> {
    let Chased { assignment, unit, task, by, message } = chase;
    let mut body = format!(
        "{by}催办{}的任务“{task}”：完成时限{}，当前进度{}%。",
        unit.name,
        format_date(assignment.due_on),
        assignment.percent
    );
    body.push_str(message.unwrap_or_default());
    let message = Message {
        kind: "reminder",
        escalate: false,
        assignment: Some(assignment.id),
        title: format!("催办：{task}"),
        body,
        link: format!("/assignments/{}", assignment.id),
    };
    tell_liaisons(app, tx, unit, &message).await
}

/// Tells the responsible unit's liaisons, in the caller's transaction, that a rectification
/// item (整改) of theirs was chased.
pub(crate) async fn rectification_chased(
    app: &App,
    tx: &mut pacesetter_store::Conn,
    item: &pacesetter_domain::inspection::records::Rectification,
    unit: &pacesetter_domain::unit::Unit,
    by: &str,
    message: Option<&str>,
) -> Result<u32> {
    let measure = &item.measure;
    let mut body = format!("{by}催办{}的整改事项“{measure}”：整改时限{}。", unit.name, format_date(item.due_on));
    body.push_str(message.unwrap_or_default());
    let message = Message {
        kind: "reminder",
        escalate: false,
        assignment: None,
        title: format!("催办整改：{measure}"),
        body,
        link: format!("/findings/{}#rectification", item.finding_id),
    };
    tell_liaisons(app, tx, unit, &message).await
}

/// Puts the message in the inbox of the unit's liaisons, and queues it for their email and
/// chat webhook where they set them; how many notifications were made.
async fn tell_liaisons(
    app: &App,
    tx: &mut pacesetter_store::Conn,
    unit: &pacesetter_domain::unit::Unit,
    message: &Message,
) -> Result<u32> {
    let mut known = Known::default();
    let recipients = known.holders(tx, &unit.path, &["liaison"]).await?;
    notify(app, tx, &mut known, recipients, message, Timestamp::now()).await
}

/// One reminder's text, link and subject.
struct Message {
    /// `due_soon`, `overdue` or `returned`: what the person's preferences are asked about.
    kind: &'static str,
    escalate: bool,
    assignment: Option<pacesetter_domain::ids::AssignmentId>,
    title: String,
    body: String,
    link: String,
}

/// Puts the message in each recipient's inbox (once each, where their preferences want it)
/// and queues it for their email and chat webhook; how many notifications were made.
async fn notify(
    app: &App,
    tx: &mut pacesetter_store::Conn,
    known: &mut Known,
    mut recipients: Vec<UserId>,
    message: &Message,
    now: Timestamp,
) -> Result<u32> {
    let mut seen = std::collections::HashSet::new();
    recipients.retain(|user| seen.insert(*user));
    let kind = if message.escalate { "escalation" } else { message.kind };
    let mut made = 0;
    for user in recipients {
        let (prefs, channels) = known.wants(tx, user).await?.clone();
        if !prefs.wants(kind) {
            continue;
        }
        let new = store::NewNotification {
            user,
            kind,
            assignment: message.assignment,
            title: &message.title,
            body: &message.body,
            link: &message.link,
        };
        let id = store::insert(tx, &new, now).await?;
        made += 1;
        if let (true, Some(email)) = (app.settings.email_enabled, &channels.email) {
            store::enqueue(tx, id, "email", email, now).await?;
        }
        if let Some(url) = &channels.webhook_url {
            store::enqueue(tx, id, "webhook", url, now).await?;
        }
    }
    Ok(made)
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
