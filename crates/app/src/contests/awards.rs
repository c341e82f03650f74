//! What a contest's results give: bonus points in the evaluation, prize certificates and awards
//! to units with their certificates.

use crate::{
    Actor, App, AppError, Resource, Result, audit,
    text::{self, TextKind},
};
use pacesetter_domain::{
    Timestamp, UnitId,
    contest::{Award, Contest, Entry, Round},
    ids::{ContestAwardId, ContestEntryId, ContestId, ContestRoundId},
};
use pacesetter_store::{
    contests::{self as store},
    units,
};
use rust_decimal::Decimal;

use super::*;

/// Turns a published round's prizes into bonus items of an evaluation of the same campaign: a
/// prize-winner's unit, if the evaluation ranks it, gets `points[level]` for its prize (the first
/// prize is level 0). A result already turned into an item is not added again. The items made.
pub async fn bonus_from_results(
    app: &App,
    actor: &Actor,
    id: ContestRoundId,
    scheme: pacesetter_domain::evaluation::records::SchemeId,
    points: &[Decimal],
) -> Result<Vec<pacesetter_domain::evaluation::records::Item>> {
    use crate::evaluations::entries::{self, ItemInput};
    if points.is_empty() || points.iter().any(|p| *p <= Decimal::ZERO || *p > Decimal::from(100) || p.scale() > 2) {
        return Err(AppError::invalid("points", "out_of_range"));
    }
    let board = board(app, actor, id).await?;
    let (members, linked) = {
        let mut conn = app.store.read().await?;
        organised(&mut conn, actor, board.contest.id).await?;
        let stored = pacesetter_store::evaluations::get_scheme(&mut conn, scheme)
            .await
            .map_err(AppError::from_store(Resource::Evaluation))?;
        if stored.campaign_id != board.contest.campaign_id {
            return Err(AppError::invalid("evaluation_id", "evaluation_not_found"));
        }
        let members: Vec<UnitId> = pacesetter_store::evaluations::member_units(&mut conn, scheme, None)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        let items = pacesetter_store::evaluations::items(&mut conn, scheme, None).await?;
        let linked: Vec<String> = items.into_iter().filter_map(|i| i.source_link).collect();
        (members, linked)
    };
    if board.round.published_at.is_none() {
        return Err(AppError::Conflict("results_not_published"));
    }
    let mut created = Vec::new();
    for line in &board.lines {
        let Some(level) = line.prize else { continue };
        let Some(bonus) = points.get(level) else { continue };
        let link = format!("/contest-rounds/{}#entry-{}", id.0, line.entry.id.0);
        if !members.contains(&line.entry.unit_id) || linked.contains(&link) {
            continue;
        }
        let prize =
            ["一等奖", "二等奖", "三等奖"].get(level).map_or_else(|| format!("{}等奖", level + 1), |p| (*p).to_owned());
        let input = ItemInput {
            unit: line.entry.unit_id,
            effect: serde_json::json!({ "kind": "bonus", "points": bonus.to_string(), "cap": bonus.to_string() }),
            source: format!("{}{}{prize}：{}", board.contest.name, board.round.name, line.entry.contestant),
            source_link: Some(link),
        };
        created.push(entries::add_item(app, actor, scheme, &input).await?);
    }
    Ok(created)
}

/// What a prize certificate needs: the prize-winner of a published round, their unit, the
/// campaign and its office.
#[derive(Debug, Clone)]
pub struct CertificateView {
    pub contest: Contest,
    pub round: Round,
    pub entry: Entry,
    /// 0 for a first prize.
    pub prize: usize,
    pub unit: pacesetter_domain::unit::Unit,
    pub campaign: pacesetter_domain::plan::Campaign,
    pub office: pacesetter_domain::unit::Unit,
}

/// The certificate of an entry's prize, for everyone signed in, once the round's results are
/// published; an entry without a prize, or before then, has none (`no_certificate`).
pub async fn certificate(app: &App, actor: &Actor, id: ContestEntryId) -> Result<CertificateView> {
    let entry = {
        let mut conn = app.store.read().await?;
        store::get_entry(&mut conn, id).await.map_err(AppError::from_store(Resource::ContestEntry))?
    };
    let ranked = board(app, actor, entry.round_id).await?;
    let line = ranked.lines.iter().find(|l| l.entry.id == id);
    let prize = line.and_then(|l| l.prize).filter(|_| ranked.round.published_at.is_some());
    let prize = prize.ok_or(AppError::Conflict("no_certificate"))?;
    let mut conn = app.store.read().await?;
    let unit = units::get(&mut conn, entry.unit_id).await?;
    let (campaign, office) = crate::plans::load_campaign(&mut conn, ranked.contest.campaign_id).await?;
    Ok(CertificateView { contest: ranked.contest, round: ranked.round, entry, prize, unit, campaign, office })
}

/// The organiser gives `unit` an award of the contest (`title`, such as 优秀组织奖); a unit
/// has each award of a contest once (`award_exists`).
pub async fn add_award(app: &App, actor: &Actor, id: ContestId, unit: UnitRef<'_>, title: &str) -> Result<Award> {
    let mut tx = app.store.write().await?;
    // Only those who organise the contest learn whether the unit exists.
    organised(&mut tx, actor, id).await?;
    let title = text::required("title", title, TextKind::Name)?;
    let unit = unit_named(&mut tx, actor, unit).await?.id;
    let award = store::insert_award(&mut tx, id, unit, &title, actor.user.id, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::ContestAward))?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.award.create",
        ("contest_award", Some(award.id.0)),
        None::<&Award>,
        Some(&award),
    )
    .await?;
    tx.commit().await?;
    Ok(award)
}

/// The organiser takes an award back; its certificate goes with it.
pub async fn remove_award(app: &App, actor: &Actor, id: ContestAwardId) -> Result<()> {
    let mut tx = app.store.write().await?;
    let award = store::get_award(&mut tx, id).await.map_err(AppError::from_store(Resource::ContestAward))?;
    organised(&mut tx, actor, award.contest_id).await?;
    store::delete_award(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.award.delete",
        ("contest_award", Some(id.0)),
        Some(&award),
        None::<&Award>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an award's certificate needs: the award, its unit, the contest, the campaign and its
/// office.
#[derive(Debug, Clone)]
pub struct AwardCertificate {
    pub award: Award,
    pub contest: Contest,
    pub unit: pacesetter_domain::unit::Unit,
    pub campaign: pacesetter_domain::plan::Campaign,
    pub office: pacesetter_domain::unit::Unit,
}

/// The certificate of an award, for everyone signed in.
pub async fn award_certificate(app: &App, _actor: &Actor, id: ContestAwardId) -> Result<AwardCertificate> {
    let mut conn = app.store.read().await?;
    let award = store::get_award(&mut conn, id).await.map_err(AppError::from_store(Resource::ContestAward))?;
    let (contest, _) = load(&mut conn, award.contest_id).await?;
    let unit = units::get(&mut conn, award.unit_id).await?;
    let (campaign, office) = crate::plans::load_campaign(&mut conn, contest.campaign_id).await?;
    Ok(AwardCertificate { award, contest, unit, campaign, office })
}
