//! Photos of findings: checked and cleaned by `domain::inspection::photo` (location stripped
//! unless the campaign keeps it), stored once by hash in the file store, listed on the finding,
//! and read back by whoever sees the finding.

use pacesetter_domain::{
    Permission, UnitId,
    inspection::{
        photo::{self, MAX_PHOTOS},
        records::{Finding, FindingId, Photo, RoundId},
    },
};
use pacesetter_store::{Conn, inspections as store};

use super::{load, unit_for};
use crate::{Actor, App, AppError, Resource, Result, audit};

/// Checks, cleans and stores `photos` (as uploaded, in order); nothing is recorded yet.
/// Refused as a whole: one photo that is not a whole image refuses them all.
pub(crate) async fn prepare(app: &App, keep_location: bool, photos: &[Vec<u8>]) -> Result<Vec<Photo>> {
    if photos.len() > MAX_PHOTOS {
        return Err(AppError::invalid("photo", "too_many_photos"));
    }
    let mut cleaned = Vec::with_capacity(photos.len());
    for bytes in photos {
        let clean = photo::clean(bytes, keep_location).map_err(|e| AppError::invalid(e.field, e.code))?;
        cleaned.push(clean);
    }
    let files = app.files.clone();
    tokio::task::spawn_blocking(move || {
        let mut stored: Vec<Photo> = Vec::with_capacity(cleaned.len());
        for clean in cleaned {
            let sha256 = files.put(&clean.bytes)?;
            if !stored.iter().any(|p| p.sha256 == sha256) {
                stored.push(Photo {
                    sha256,
                    content_type: clean.content_type.to_owned(),
                    size_bytes: clean.bytes.len() as i64,
                });
            }
        }
        Ok(stored)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Whether the campaign of `round` keeps where photos were taken, once the actor is known to
/// inspect `unit` there (so nobody else gets to store files).
pub(super) async fn keeps_location(app: &App, actor: &Actor, round: RoundId, unit: UnitId) -> Result<bool> {
    let mut conn = app.store.read().await?;
    let ctx = load(&mut conn, round).await?;
    unit_for(&mut conn, &ctx, actor, unit, Permission::Inspect).await?;
    Ok(ctx.campaign.keep_photo_location)
}

/// Records stored photos on a finding, after those it holds, keeping to [`MAX_PHOTOS`];
/// a photo it already holds is not added twice.
pub(super) async fn attach(conn: &mut Conn, finding: &Finding, photos: &[Photo]) -> Result<usize> {
    let fresh: Vec<&Photo> = photos.iter().filter(|p| !finding.photos.iter().any(|h| h.sha256 == p.sha256)).collect();
    if finding.photos.len() + fresh.len() > MAX_PHOTOS {
        return Err(AppError::invalid("photo", "too_many_photos"));
    }
    for photo in &fresh {
        store::add_photo(conn, finding.id, photo).await?;
    }
    Ok(fresh.len())
}

/// Adds photos to a finding, for the inspectors of its unit; the finding as it now stands.
pub async fn add_photos(app: &App, actor: &Actor, id: FindingId, photos: &[Vec<u8>]) -> Result<Finding> {
    let (round, unit) = {
        let mut conn = app.store.read().await?;
        let finding = store::get_finding(&mut conn, id).await.map_err(AppError::from_store(Resource::Finding))?;
        (finding.round_id, finding.unit_id)
    };
    let keep_location = keeps_location(app, actor, round, unit).await?;
    if photos.is_empty() {
        return Err(AppError::invalid("photo", "file_empty"));
    }
    let prepared = prepare(app, keep_location, photos).await?;
    let mut tx = app.store.write().await?;
    let before = store::get_finding(&mut tx, id).await.map_err(AppError::from_store(Resource::Finding))?;
    let ctx = load(&mut tx, before.round_id).await?;
    unit_for(&mut tx, &ctx, actor, before.unit_id, Permission::Inspect).await?;
    if attach(&mut tx, &before, &prepared).await? == 0 {
        return Ok(before);
    }
    let after = store::get_finding(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "finding.photos",
        ("finding", Some(id.0)),
        Some(&before.photos),
        Some(&after.photos),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// One photo of a finding and its bytes, for whoever sees the finding.
pub async fn photo(app: &App, actor: &Actor, id: FindingId, sha256: &str) -> Result<(Photo, Vec<u8>)> {
    let view = super::finding(app, actor, id).await?;
    let photo =
        view.finding.photos.into_iter().find(|p| p.sha256 == sha256).ok_or(AppError::NotFound(Resource::Photo))?;
    let files = app.files.clone();
    let hash = photo.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || files.read(&hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok((photo, bytes))
}
