//! The deployment's own translations of the interface (issue 18, decision 0022): an admin edits
//! a string of a language other than Chinese (the source), keeping its placeholders; a second
//! admin reviews the edit, and from then on it overrides the shipped file on every instance.
//! The web layer, which holds the resource files, names the string and gives its source.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Mutex, OnceLock, RwLock,
        atomic::{AtomicI64, Ordering},
    },
};

use pacesetter_domain::{Locale, Permission, Timestamp, translation};
use pacesetter_store::translations as store;
pub use pacesetter_store::translations::Override;

use crate::{
    Actor, App, AppError, Resource, Result, audit,
    text::{self, TextKind},
};

/// Refuses whoever does not translate: asked first, before anything about the request is read.
pub fn authorise(actor: &Actor) -> Result<()> {
    require(actor)
}

fn require(actor: &Actor) -> Result<()> {
    if actor.can_anywhere(Permission::ManageTranslations) { Ok(()) } else { Err(AppError::Forbidden) }
}

fn target(locale: Locale) -> Result<&'static str> {
    match locale {
        Locale::ZhHans => Err(AppError::invalid("locale", "source_language")),
        other => Ok(other.tag()),
    }
}

/// The reviewed translations one instance has in force, by language and key, with the revision
/// they were read at (-1 before the first read). Each [`App`] has its own, so that two apps in
/// one process (the tests') never show each other's texts.
#[derive(Debug)]
pub struct InForce {
    revision: AtomicI64,
    texts: RwLock<HashMap<Locale, HashMap<String, &'static str>>>,
}

impl InForce {
    /// Made once per [`App`] and kept for the life of the process, so that the interface's
    /// translator can point at it and stay `Copy`: one in a server's life, one per test app.
    pub(crate) fn leaked() -> &'static Self {
        Box::leak(Box::new(Self { revision: AtomicI64::new(-1), texts: RwLock::default() }))
    }

    /// The revision of the texts in force.
    pub fn revision(&self) -> i64 {
        self.revision.load(Ordering::Acquire)
    }

    /// Puts the reviewed overrides read at `revision` in force.
    pub fn install(&self, revision: i64, reviewed: impl IntoIterator<Item = (Locale, String, String)>) {
        let mut next: HashMap<Locale, HashMap<String, &'static str>> = HashMap::new();
        for (locale, key, text) in reviewed {
            next.entry(locale).or_default().insert(key, interned(&text));
        }
        *self.texts.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = next;
        self.revision.store(revision, Ordering::Release);
    }

    /// The reviewed text of `key` in `locale`, if one is in force.
    pub fn get(&self, locale: Locale, key: &str) -> Option<&'static str> {
        if self.revision.load(Ordering::Relaxed) <= 0 {
            return None;
        }
        let current = self.texts.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        current.get(&locale).and_then(|texts| texts.get(key)).copied()
    }
}

/// One `&'static str` per distinct text ever put in force: what the interface hands out lives
/// as long as the process, so a text is kept once however often it is put in force again (the
/// texts are a translator's edits: kilobytes over a deployment's life).
fn interned(text: &str) -> &'static str {
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut texts = TEXTS.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(kept) = texts.get(text) {
        return kept;
    }
    let kept: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(kept);
    kept
}

/// Every override, for whoever translates.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<Override>> {
    require(actor)?;
    let mut conn = app.store.read().await?;
    Ok(store::all(&mut conn).await?)
}

/// The reviewed overrides with the revision they were read at, for the interface itself.
pub async fn reviewed(app: &App) -> Result<(i64, Vec<Override>)> {
    let mut conn = app.store.read().await?;
    let revision = store::revision(&mut conn).await?;
    let all = store::all(&mut conn).await?;
    Ok((revision, all.into_iter().filter(|o| o.state == translation::State::Reviewed).collect()))
}

/// The overrides' revision: when it moves, [`reviewed`] is read again.
pub async fn revision(app: &App) -> Result<i64> {
    let mut conn = app.store.read().await?;
    Ok(store::revision(&mut conn).await?)
}

/// Stores an edit of `key` in `locale` as a draft; `source` is its Chinese text, whose
/// placeholders the edit must keep.
pub async fn edit(app: &App, actor: &Actor, locale: Locale, key: &str, source: &str, text: &str) -> Result<Override> {
    require(actor)?;
    let locale = target(locale)?;
    let text = check(source, text)?;
    let mut tx = app.store.write().await?;
    let before = store::get(&mut tx, locale, key).await.ok();
    let after = store::save_draft(&mut tx, locale, key, &text, actor.user.id, Timestamp::now()).await?;
    audit::record(&mut tx, actor.into(), "translation.edit", ("translation", None), before.as_ref(), Some(&after))
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Marks a draft reviewed: by another translator than its editor.
pub async fn review(app: &App, actor: &Actor, locale: Locale, key: &str) -> Result<Override> {
    require(actor)?;
    let locale = target(locale)?;
    let mut tx = app.store.write().await?;
    let before = store::get(&mut tx, locale, key).await.map_err(AppError::from_store(Resource::Translation))?;
    if before.state == translation::State::Reviewed {
        return Err(AppError::Conflict("already_reviewed"));
    }
    if before.edited_by == actor.user.id {
        return Err(AppError::Conflict("review_own_edit"));
    }
    let after = store::review(&mut tx, locale, key, actor.user.id, Timestamp::now()).await?;
    audit::record(&mut tx, actor.into(), "translation.review", ("translation", None), Some(&before), Some(&after))
        .await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes an edit: the shipped text stands again.
pub async fn remove(app: &App, actor: &Actor, locale: Locale, key: &str) -> Result<()> {
    require(actor)?;
    let locale = target(locale)?;
    let mut tx = app.store.write().await?;
    let before = store::get(&mut tx, locale, key).await.map_err(AppError::from_store(Resource::Translation))?;
    store::remove(&mut tx, locale, key).await?;
    audit::record::<_, ()>(&mut tx, actor.into(), "translation.remove", ("translation", None), Some(&before), None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// An edit read from a translator's workbook: the key, its Chinese source, the new text.
#[derive(Debug, Clone)]
pub struct SheetEdit<'a> {
    pub key: &'a str,
    pub source: &'a str,
    pub text: &'a str,
}

/// Stores the edits of a workbook as drafts in one transaction: each checked as a single edit
/// is, and all refused (with the first refusal, its key named) if one is.
pub async fn edit_many(app: &App, actor: &Actor, locale: Locale, edits: &[SheetEdit<'_>]) -> Result<usize> {
    require(actor)?;
    let locale = target(locale)?;
    let mut checked = Vec::with_capacity(edits.len());
    for edit in edits {
        checked.push((edit.key, check(edit.source, edit.text)?));
    }
    let mut tx = app.store.write().await?;
    let now = Timestamp::now();
    for (key, text) in &checked {
        let after = store::save_draft(&mut tx, locale, key, text, actor.user.id, now).await?;
        audit::record::<(), _>(&mut tx, actor.into(), "translation.import", ("translation", None), None, Some(&after))
            .await?;
    }
    tx.commit().await?;
    Ok(checked.len())
}

/// An edit's text as it is kept, or why it is refused.
pub fn check(source: &str, text: &str) -> Result<String> {
    let text = text::required("text", text, TextKind::Note)?;
    if !translation::same_placeholders(source, &text) {
        return Err(AppError::invalid("text", "placeholders_differ"));
    }
    Ok(text)
}
