//! The evidence library: uploading files (checked by content, stored once), adding links,
//! listing a unit's library, and downloading with the same permission as reading the unit.

use pacesetter_domain::{
    Permission, Timestamp, UnitId, ValidationError,
    evidence::{Evidence, EvidenceId, MAX_FILE_BYTES, display_filename, parse_url, sniff},
    unit::Unit,
};
use pacesetter_store::{Conn, WriteTx, evidence as store, units};

use crate::{Actor, App, AppError, Resource, Result, audit};

/// The unit, if the actor may add evidence to its library (they report for it).
pub(crate) async fn reporting_unit(conn: &mut Conn, actor: &Actor, unit: UnitId) -> Result<Unit> {
    let unit = units::get(conn, unit).await.map_err(AppError::from_store(Resource::Unit))?;
    if !actor.can(Permission::ViewUnits, &unit.path) {
        return Err(AppError::NotFound(Resource::Unit));
    }
    actor.require(Permission::ReportProgress, &unit.path)?;
    Ok(unit)
}

/// Adds a file to a unit's library; the same content again returns the stored record.
pub async fn upload(app: &App, actor: &Actor, unit: UnitId, filename: &str, bytes: &[u8]) -> Result<Evidence> {
    {
        let mut conn = app.store.read().await?;
        reporting_unit(&mut conn, actor, unit).await?;
    }
    let file = keep_file(app, filename, bytes).await?;
    let mut tx = app.store.write().await?;
    let evidence = add_kept_file(&mut tx, actor, unit, &file).await?;
    tx.commit().await?;
    Ok(evidence)
}

/// A file checked and kept on disk by its hash, not yet in any library.
pub(crate) struct KeptFile {
    title: String,
    sha256: String,
    content_type: &'static str,
    size_bytes: i64,
}

/// Checks a file by its content and keeps it on disk; a file kept but never added to a library
/// takes space only, and the same content added later finds it there.
pub(crate) async fn keep_file(app: &App, filename: &str, bytes: &[u8]) -> Result<KeptFile> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "file_empty"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::invalid("file", "evidence_too_large"));
    }
    let content_type = sniff(bytes).ok_or(AppError::invalid("file", "file_type_not_allowed"))?;
    let files = app.files.clone();
    let owned = bytes.to_vec();
    let sha256 = tokio::task::spawn_blocking(move || files.put(&owned))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(KeptFile { title: display_filename(filename), sha256, content_type, size_bytes: bytes.len() as i64 })
}

/// Adds a kept file to a unit's library in the caller's transaction.
pub(crate) async fn add_kept_file(tx: &mut WriteTx, actor: &Actor, unit: UnitId, file: &KeptFile) -> Result<Evidence> {
    reporting_unit(tx, actor, unit).await?;
    let new = store::NewFile {
        unit,
        title: &file.title,
        sha256: &file.sha256,
        content_type: file.content_type,
        size_bytes: file.size_bytes,
        uploaded_by: actor.user.id,
    };
    let (evidence, created) = store::insert_file(tx, &new, Timestamp::now()).await?;
    if created {
        audit::record::<(), _>(
            tx,
            actor.into(),
            "evidence.upload",
            ("evidence", Some(evidence.id.0)),
            None,
            Some(&evidence),
        )
        .await?;
    }
    Ok(evidence)
}

/// Adds a link to a unit's library.
pub async fn add_link(app: &App, actor: &Actor, unit: UnitId, title: &str, url: &str) -> Result<Evidence> {
    let mut tx = app.store.write().await?;
    let evidence = add_link_in(&mut tx, actor, unit, title, url).await?;
    tx.commit().await?;
    Ok(evidence)
}

/// Adds a link to a unit's library in the caller's transaction.
pub(crate) async fn add_link_in(
    tx: &mut WriteTx,
    actor: &Actor,
    unit: UnitId,
    title: &str,
    url: &str,
) -> Result<Evidence> {
    reporting_unit(tx, actor, unit).await?;
    let url = parse_url(url).map_err(ValidationError::from)?;
    let title = crate::text::optional("title", Some(title), crate::text::TextKind::Title)?
        .map(|title| title.chars().filter(|c| !c.is_control()).collect())
        .unwrap_or_else(|| url.clone());
    let evidence = store::insert_link(tx, unit, &title, &url, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(tx, actor.into(), "evidence.link", ("evidence", Some(evidence.id.0)), None, Some(&evidence))
        .await?;
    Ok(evidence)
}

/// A unit's library, for those who may see the unit.
pub async fn library(app: &App, actor: &Actor, unit: UnitId) -> Result<Vec<Evidence>> {
    let mut conn = app.store.read().await?;
    let unit = units::get(&mut conn, unit).await.map_err(AppError::from_store(Resource::Unit))?;
    if !actor.can(Permission::ViewUnits, &unit.path) {
        return Err(AppError::NotFound(Resource::Unit));
    }
    Ok(store::library(&mut conn, unit.id, 200).await?)
}

/// A piece of evidence the actor may see (its unit is in their scope).
pub async fn get(app: &App, actor: &Actor, id: EvidenceId) -> Result<Evidence> {
    let mut conn = app.store.read().await?;
    visible(&mut conn, actor, id).await
}

pub(crate) async fn visible(conn: &mut Conn, actor: &Actor, id: EvidenceId) -> Result<Evidence> {
    let evidence = store::get(conn, id).await.map_err(AppError::from_store(Resource::Evidence))?;
    let unit = units::get(conn, evidence.unit_id).await?;
    if actor.can(Permission::ViewUnits, &unit.path) {
        Ok(evidence)
    } else {
        Err(AppError::NotFound(Resource::Evidence))
    }
}

/// A file's record and content, for download.
pub async fn open(app: &App, actor: &Actor, id: EvidenceId) -> Result<(Evidence, Vec<u8>)> {
    let evidence = get(app, actor, id).await?;
    let sha256 = evidence.sha256.clone().ok_or(AppError::NotFound(Resource::Evidence))?;
    let files = app.files.clone();
    let bytes = tokio::task::spawn_blocking(move || files.read(&sha256))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok((evidence, bytes))
}

/// Evidence cited for a unit must come from that unit's own library; another unit's is "not
/// found". At most 50, each once, in id order.
pub(crate) async fn owned_by(conn: &mut Conn, unit: UnitId, ids: &[EvidenceId]) -> Result<Vec<EvidenceId>> {
    if ids.len() > 50 {
        return Err(AppError::invalid("evidence_ids", "too_many"));
    }
    let mut ids = ids.to_vec();
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    for id in &ids {
        match store::get(conn, *id).await {
            Ok(found) if found.unit_id == unit => {}
            _ => return Err(AppError::invalid("evidence_ids", "evidence_not_found")),
        }
    }
    Ok(ids)
}
