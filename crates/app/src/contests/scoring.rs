//! A judge's scores as they come in from the phones, and the corrections the chief judge makes.

use crate::{
    Actor, App, AppError, Resource, Result, audit,
    text::{self, TextKind},
};
use pacesetter_domain::{
    Permission, Timestamp, UserId,
    contest::{self, JudgeScore, RoundStatus},
    ids::{ContestEntryId, JudgeScoreId},
};
use pacesetter_store::contests::{self as store, NewScore};
use rust_decimal::Decimal;

use super::*;

/// A judge's score as sent from a phone; `key` is made up by the phone for this score, so that a
/// score sent again after a dropped connection is kept once.
#[derive(Debug, Clone)]
pub struct ScoreInput<'a> {
    pub criteria: Vec<(String, Decimal)>,
    pub key: &'a str,
}

/// A key a phone or a console made up for one submission: letters, digits and `-_.:`.
pub(crate) fn check_key(key: &str) -> Result<()> {
    let fine = !key.is_empty()
        && key.len() <= KEY_MAX_CHARS
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if fine { Ok(()) } else { Err(AppError::invalid("idempotency_key", "invalid_key")) }
}

/// A judge scores the contestant on stage. Sent again with the same key, the score already kept
/// is the answer; a judge scores an entry once, and never one of their own unit.
pub async fn submit_score(app: &App, actor: &Actor, id: ContestEntryId, input: &ScoreInput<'_>) -> Result<JudgeScore> {
    check_key(input.key)?;
    let mut tx = app.store.write().await?;
    if let Some(kept) = store::score_by_key(&mut tx, input.key).await? {
        return if kept.entry_id == id && kept.judge_id == actor.user.id && kept.supersedes.is_none() {
            Ok(kept)
        } else {
            Err(AppError::Conflict("key_used"))
        };
    }
    let entry = store::get_entry(&mut tx, id).await.map_err(AppError::from_store(Resource::ContestEntry))?;
    let round = round_of(&mut tx, entry.round_id).await?;
    let judges = store::judges(&mut tx, round.id).await?;
    // Someone not on the panel, or no longer a judge, learns nothing of the entry.
    let judge = judges
        .iter()
        .find(|j| j.user_id == actor.user.id)
        .filter(|_| actor.can_anywhere(Permission::Judge))
        .ok_or(AppError::NotFound(Resource::ContestEntry))?;
    if entry.conflicts_with(judge) {
        return Err(AppError::Conflict("own_unit"));
    }
    // A speech is scored while its speaker is on stage; an exhibition's works while the category
    // is open (nobody is on stage there).
    let on_stage = round.current_order.is_none() || round.current_order == entry.running_order;
    if round.status != RoundStatus::Open || !on_stage {
        return Err(AppError::Conflict("not_on_stage"));
    }
    let (scores, total) = contest::check_score(&round.criteria, &input.criteria)?;
    let criteria: Vec<(String, Decimal)> = round.criteria.iter().map(|c| c.code.clone()).zip(scores).collect();
    let new = NewScore {
        entry: id,
        judge: actor.user.id,
        criteria: &criteria,
        total,
        idempotency_key: input.key,
        supersedes: None,
    };
    let score =
        store::insert_score(&mut tx, &new, actor.user.id, Timestamp::now()).await.map_err(|error| match error {
            pacesetter_store::StoreError::Duplicate(_) => AppError::Conflict("already_scored"),
            other => other.into(),
        })?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "contest.score.submit",
        ("contest_entry", Some(id.0)),
        None,
        Some(&score),
    )
    .await?;
    tx.commit().await?;
    changed(app, round.id);
    Ok(score)
}

/// The organiser corrects a judge's score: a new score that supersedes it, with the reason; both
/// are kept.
pub async fn correct_score(
    app: &App,
    actor: &Actor,
    id: JudgeScoreId,
    input: &ScoreInput<'_>,
    reason: &str,
) -> Result<JudgeScore> {
    check_key(input.key)?;
    let reason = text::required("reason", reason, TextKind::Text)?;
    let mut tx = app.store.write().await?;
    let before = store::get_score(&mut tx, id).await.map_err(AppError::from_store(Resource::JudgeScore))?;
    let entry = store::get_entry(&mut tx, before.entry_id).await?;
    let round = round_of(&mut tx, entry.round_id).await?;
    organised(&mut tx, actor, round.contest_id).await?;
    let current = store::scores_of_round(&mut tx, round.id).await?;
    if !contest::current_scores(&current).iter().any(|s| s.id == id) {
        return Err(AppError::Conflict("score_superseded"));
    }
    let (scores, total) = contest::check_score(&round.criteria, &input.criteria)?;
    let criteria: Vec<(String, Decimal)> = round.criteria.iter().map(|c| c.code.clone()).zip(scores).collect();
    let new = NewScore {
        entry: before.entry_id,
        judge: before.judge_id,
        criteria: &criteria,
        total,
        idempotency_key: input.key,
        supersedes: Some((id, &reason)),
    };
    let score =
        store::insert_score(&mut tx, &new, actor.user.id, Timestamp::now()).await.map_err(|error| match error {
            pacesetter_store::StoreError::Duplicate(_) => AppError::Conflict("key_used"),
            other => other.into(),
        })?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.score.correct",
        ("contest_entry", Some(entry.id.0)),
        Some(&before),
        Some(&score),
    )
    .await?;
    tx.commit().await?;
    changed(app, round.id);
    Ok(score)
}

/// The organiser corrects the score `judge` gave `entry`, as it now stands (see [`correct_score`]).
pub async fn correct_judges_score(
    app: &App,
    actor: &Actor,
    entry: ContestEntryId,
    judge: UserId,
    input: &ScoreInput<'_>,
    reason: &str,
) -> Result<JudgeScore> {
    let current = {
        let mut conn = app.store.read().await?;
        let found = store::get_entry(&mut conn, entry).await.map_err(AppError::from_store(Resource::ContestEntry))?;
        let round = round_of(&mut conn, found.round_id).await?;
        organised(&mut conn, actor, round.contest_id).await?;
        let all = store::scores_of_round(&mut conn, round.id).await?;
        contest::current_scores(&all).into_iter().find(|s| s.entry_id == entry && s.judge_id == judge).map(|s| s.id)
    };
    let current = current.ok_or(AppError::Conflict("no_score_to_correct"))?;
    correct_score(app, actor, current, input, reason).await
}
