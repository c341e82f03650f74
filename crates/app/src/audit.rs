//! Writing audit records beside each change, and verifying the chain.

use pacesetter_domain::{
    Permission, Timestamp,
    audit::{ChainError, verify_chain},
};
use pacesetter_store::{WriteTx, audit as store};
use serde::Serialize;

use crate::{Actor, App, AppError, Origin, Page, PageRequest, Result};

/// Who did it, as recorded: a signed-in actor, or a named system action (sign-in, CLI).
#[derive(Debug, Clone)]
pub struct Who<'a> {
    pub id: Option<i64>,
    pub name: &'a str,
    pub origin: &'a Origin,
}

impl<'a> From<&'a Actor> for Who<'a> {
    fn from(actor: &'a Actor) -> Self {
        Self { id: Some(actor.user.id.0), name: &actor.user.username, origin: &actor.origin }
    }
}

fn json<T: Serialize>(value: Option<&T>) -> Option<String> {
    value.and_then(|v| serde_json::to_string(v).ok())
}

/// Appends one record in the caller's transaction.
pub async fn record<B: Serialize, A: Serialize>(
    tx: &mut WriteTx,
    who: Who<'_>,
    action: &str,
    entity: (&str, Option<i64>),
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    tx.audit(store::NewAudit {
        at: Timestamp::now().to_db(),
        actor_id: who.id,
        actor_name: who.name.to_owned(),
        action: action.to_owned(),
        entity: entity.0.to_owned(),
        entity_id: entity.1,
        before: json(before),
        after: json(after),
        ip: who.origin.ip.clone(),
        request_id: who.origin.request_id.clone(),
    })
    .await?;
    Ok(())
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { records: u64 },
    Broken(String),
}

/// Walks the whole chain in pages, then compares its end with the stored head and with the
/// anchor file (when the store has one), which records removal of the newest records even when
/// the head was rewound to match.
pub async fn verify(app: &App) -> Result<Verdict> {
    let store = &app.store;
    // The anchor first: it only ever names committed records, which the walk below then sees.
    let anchor = match store.audit_anchor().map(|anchor| anchor.read()).transpose() {
        Ok(anchor) => anchor.flatten(),
        Err(error) => return Ok(Verdict::Broken(error.to_string())),
    };
    let mut conn = store.read().await?;
    if let Some(table) = store::missing_tables(&mut conn, store.backend()).await?.first() {
        return Ok(Verdict::Broken(format!("the {table} table is missing")));
    }
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store::page(&mut conn, after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.entry.seq;
        all.extend(page);
    }
    let head = store::head(&mut conn).await?;
    let last = all.last().map(|r| (r.entry.seq, r.hash.clone()));
    let at_anchor = anchor.as_ref().and_then(|a| all.iter().find(|r| r.entry.seq == a.seq)).map(|r| r.hash.clone());
    let records = match verify_chain(all) {
        Ok(records) => records,
        Err(error) => return Ok(Verdict::Broken(error.to_string())),
    };
    if let Some(anchor) = anchor
        && let Err(error) = anchor.check(records as i64, at_anchor.as_deref())
    {
        return Ok(Verdict::Broken(error.to_string()));
    }
    match (head, last) {
        (None, None) => Ok(Verdict::Intact { records }),
        (Some(head), Some(last)) if head == last => Ok(Verdict::Intact { records }),
        (Some((seq, _)), _) => Ok(Verdict::Broken(
            ChainError::Gap { seq, expected: records as i64 }.to_string() + " (the newest records were removed)",
        )),
        (None, Some((seq, _))) => Ok(Verdict::Broken(format!("audit record {seq}: the chain head is missing"))),
    }
}

/// One audit record as shown to an admin.
#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    pub seq: i64,
    pub at: String,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub ip: Option<String>,
}

/// The newest audit records, for admins.
pub async fn list(app: &crate::App, actor: &Actor, entity: Option<&str>, page: PageRequest) -> Result<Page<AuditView>> {
    if !actor.can_anywhere(Permission::ViewAudit) {
        return Err(AppError::Forbidden);
    }
    let mut conn = app.store.read().await?;
    let (records, total) = store::latest(&mut conn, entity, page.offset(), page.per_page).await?;
    let items = records
        .into_iter()
        .map(|r| AuditView {
            seq: r.entry.seq,
            at: r.entry.at,
            actor_name: r.entry.actor_name,
            action: r.entry.action,
            entity: r.entry.entity,
            entity_id: r.entry.entity_id,
            before: r.entry.before,
            after: r.entry.after,
            ip: r.entry.ip,
        })
        .collect();
    Ok(Page { items, total, page: page.page, per_page: page.per_page })
}
