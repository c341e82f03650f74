//! Contests judged live: the contest and its rules, rounds with criteria, the judge panel,
//! entries in their running order, and the judges' scores, which are only ever added.

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    contest::{
        Award, Contest, Criterion, Entry, Image, Judge, JudgeScore, Kind, Reveal, Round, RoundStatus, Rules, Stage,
    },
    evaluation::Rounding,
    ids::{CampaignId, ContestAwardId, ContestEntryId, ContestId, ContestRoundId, JudgeScoreId, PlanItemId},
};
use rust_decimal::Decimal;
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::{Conn, Result, StoreError, evaluations::decode_error, row};

const CONTEST_COLUMNS: &str =
    "id, campaign_id, plan_item_id, name, name_bo, kind, trim_high, trim_low, precision_dp, rounding,
    tie_criterion, reveal, created_by, created_at, updated_at, version";

pub(crate) fn count(row: &AnyRow, column: &str) -> Result<u32> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value).map_err(|_| decode_error(column))
}

pub(crate) fn decimal(text: &str, what: &str) -> Result<Decimal> {
    text.parse().map_err(|_| decode_error(what))
}

fn contest_from_row(row: &AnyRow) -> Result<Contest> {
    let rounding: String = row.try_get("rounding")?;
    let rounding = Rounding::parse(&rounding).ok_or_else(|| decode_error("rounding"))?;
    let reveal: String = row.try_get("reveal")?;
    let kind: String = row.try_get("kind")?;
    Ok(Contest {
        id: ContestId(row.try_get("id")?),
        campaign_id: CampaignId(row.try_get("campaign_id")?),
        plan_item_id: row.try_get::<Option<i64>, _>("plan_item_id")?.map(PlanItemId),
        name: row.try_get("name")?,
        name_bo: row.try_get("name_bo")?,
        kind: Kind::parse(&kind).ok_or_else(|| decode_error("contest kind"))?,
        rules: Rules {
            trim_high: count(row, "trim_high")?,
            trim_low: count(row, "trim_low")?,
            precision: count(row, "precision_dp")?,
            rounding,
            tie_criterion: row.try_get("tie_criterion")?,
            reveal: Reveal::parse(&reveal).ok_or_else(|| decode_error("reveal"))?,
        },
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
        updated_at: row::timestamp(row, "updated_at")?,
        version: row.try_get("version")?,
    })
}

/// A contest's name, kind, plan task and rules.
pub struct ContestFields<'a> {
    pub name: &'a str,
    pub name_bo: Option<&'a str>,
    pub kind: Kind,
    pub plan_item_id: Option<PlanItemId>,
    pub rules: &'a Rules,
}

pub async fn insert_contest(
    conn: &mut Conn,
    campaign: CampaignId,
    fields: &ContestFields<'_>,
    by: UserId,
    now: Timestamp,
) -> Result<Contest> {
    let rules = fields.rules;
    let row = sqlx::query(
        "INSERT INTO contests (campaign_id, plan_item_id, name, trim_high, trim_low, precision_dp, rounding,
             tie_criterion, reveal, created_by, created_at, updated_at, kind, name_bo)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING id",
    )
    .bind(campaign.0)
    .bind(fields.plan_item_id.map(|p| p.0))
    .bind(fields.name.to_owned())
    .bind(i64::from(rules.trim_high))
    .bind(i64::from(rules.trim_low))
    .bind(i64::from(rules.precision))
    .bind(rules.rounding.as_str())
    .bind(rules.tie_criterion.clone())
    .bind(rules.reveal.as_str())
    .bind(by.0)
    .bind(now.to_db())
    .bind(fields.kind.as_str())
    .bind(fields.name_bo.map(str::to_owned))
    .fetch_one(&mut *conn)
    .await?;
    get_contest(conn, ContestId(row.try_get("id")?)).await
}

pub async fn get_contest(conn: &mut Conn, id: ContestId) -> Result<Contest> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {CONTEST_COLUMNS} FROM contests WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    contest_from_row(&row)
}

/// Gives a contest at `version` a new name and Tibetan name. `Stale` when it changed meanwhile.
pub async fn rename(
    conn: &mut Conn,
    id: ContestId,
    version: i64,
    names: (&str, Option<&str>),
    now: Timestamp,
) -> Result<Contest> {
    if !crate::sql::rename(conn, "contests", ("name", "name_bo"), id.0, version, names, now).await? {
        return Err(crate::stale_unless_missing(get_contest(conn, id).await));
    }
    get_contest(conn, id).await
}

/// A campaign's contests, oldest first.
pub async fn contests(conn: &mut Conn, campaign: CampaignId) -> Result<Vec<Contest>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {CONTEST_COLUMNS} FROM contests WHERE campaign_id = $1 ORDER BY id"
    )))
    .bind(campaign.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(contest_from_row).collect()
}

const ROUND_COLUMNS: &str = "id, contest_id, name, stage, unit_id, position, advance, draw_seed, status,
    current_order, prizes, published_at, version";

fn round_from_row(row: &AnyRow, criteria: Vec<Criterion>) -> Result<Round> {
    let (stage, status): (String, String) = (row.try_get("stage")?, row.try_get("status")?);
    let seed: Option<i64> = row.try_get("draw_seed")?;
    let current: Option<i64> = row.try_get("current_order")?;
    let prizes: String = row.try_get("prizes")?;
    let published: Option<String> = row.try_get("published_at")?;
    Ok(Round {
        id: ContestRoundId(row.try_get("id")?),
        contest_id: ContestId(row.try_get("contest_id")?),
        name: row.try_get("name")?,
        stage: Stage::parse(&stage).ok_or_else(|| decode_error("stage"))?,
        unit_id: row.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
        position: row.try_get("position")?,
        advance: count(row, "advance")?,
        draw_seed: seed.map(|s| u64::try_from(s).map_err(|_| decode_error("draw seed"))).transpose()?,
        status: RoundStatus::parse(&status).ok_or_else(|| decode_error("round status"))?,
        current_order: current.map(|c| u32::try_from(c).map_err(|_| decode_error("current order"))).transpose()?,
        criteria,
        prizes: serde_json::from_str(&prizes).map_err(|_| decode_error("prizes"))?,
        published_at: published.map(|_| row::timestamp(row, "published_at")).transpose()?,
        version: row.try_get("version")?,
    })
}

async fn criteria_of(conn: &mut Conn, round: ContestRoundId) -> Result<Vec<Criterion>> {
    let rows = sqlx::query("SELECT code, name, max_points FROM contest_criteria WHERE round_id = $1 ORDER BY position")
        .bind(round.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            let max: String = row.try_get("max_points")?;
            Ok(Criterion { code: row.try_get("code")?, name: row.try_get("name")?, max: decimal(&max, "max points")? })
        })
        .collect()
}

/// A round as set up: its place in the contest, what it is and how it is scored.
pub struct NewRound<'a> {
    pub name: &'a str,
    pub stage: Stage,
    pub unit_id: Option<UnitId>,
    pub advance: u32,
    pub criteria: &'a [Criterion],
    pub prizes: &'a [u32],
}

/// Adds a round after the contest's others, with its criteria.
pub async fn insert_round(conn: &mut Conn, contest: ContestId, new: &NewRound<'_>) -> Result<Round> {
    let row = sqlx::query(
        "INSERT INTO contest_rounds (contest_id, name, stage, unit_id, advance, prizes, position)
         VALUES ($1, $2, $3, $4, $5, $6,
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM contest_rounds WHERE contest_id = $1))
         RETURNING id",
    )
    .bind(contest.0)
    .bind(new.name.to_owned())
    .bind(new.stage.as_str())
    .bind(new.unit_id.map(|u| u.0))
    .bind(i64::from(new.advance))
    .bind(serde_json::to_string(new.prizes).map_err(|_| decode_error("prizes"))?)
    .fetch_one(&mut *conn)
    .await?;
    let id = ContestRoundId(row.try_get("id")?);
    for (position, criterion) in new.criteria.iter().enumerate() {
        sqlx::query(
            "INSERT INTO contest_criteria (round_id, code, name, max_points, position) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(criterion.code.clone())
        .bind(criterion.name.clone())
        .bind(criterion.max.normalize().to_string())
        .bind(position as i64 + 1)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::on_unique("criterion code"))?;
    }
    get_round(conn, id).await
}

pub async fn get_round(conn: &mut Conn, id: ContestRoundId) -> Result<Round> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {ROUND_COLUMNS} FROM contest_rounds WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let criteria = criteria_of(conn, id).await?;
    round_from_row(&row, criteria)
}

/// A contest's rounds in their order.
pub async fn rounds(conn: &mut Conn, contest: ContestId) -> Result<Vec<Round>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ROUND_COLUMNS} FROM contest_rounds WHERE contest_id = $1 ORDER BY position"
    )))
    .bind(contest.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut rounds = Vec::with_capacity(rows.len());
    for row in &rows {
        let criteria = criteria_of(conn, ContestRoundId(row.try_get("id")?)).await?;
        rounds.push(round_from_row(row, criteria)?);
    }
    Ok(rounds)
}

/// Moves a round on at `version`: its status and the contestant on stage. `Stale` when it
/// moved on meanwhile.
pub async fn set_round_state(
    conn: &mut Conn,
    id: ContestRoundId,
    version: i64,
    status: RoundStatus,
    current_order: Option<u32>,
) -> Result<Round> {
    let done = sqlx::query(
        "UPDATE contest_rounds SET status = $1, current_order = $2, version = version + 1
         WHERE id = $3 AND version = $4",
    )
    .bind(status.as_str())
    .bind(current_order.map(i64::from))
    .bind(id.0)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_round(conn, id).await));
    }
    get_round(conn, id).await
}

/// Publishes a closed round's results at `version`. `Stale` when it changed meanwhile.
pub async fn set_published(conn: &mut Conn, id: ContestRoundId, version: i64, now: Timestamp) -> Result<Round> {
    let done = sqlx::query(
        "UPDATE contest_rounds SET published_at = $1, version = version + 1
         WHERE id = $2 AND version = $3 AND published_at IS NULL",
    )
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_round(conn, id).await));
    }
    get_round(conn, id).await
}

/// Records a drawn running order and its seed at `version`.
pub async fn set_draw(
    conn: &mut Conn,
    id: ContestRoundId,
    version: i64,
    seed: u64,
    order: &[(ContestEntryId, u32)],
) -> Result<Round> {
    let seed = i64::try_from(seed).map_err(|_| decode_error("draw seed"))?;
    let done =
        sqlx::query("UPDATE contest_rounds SET draw_seed = $1, version = version + 1 WHERE id = $2 AND version = $3")
            .bind(seed)
            .bind(id.0)
            .bind(version)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_round(conn, id).await));
    }
    // Cleared first, so that no two entries hold the same place while they are renumbered.
    sqlx::query("UPDATE contest_entries SET running_order = NULL WHERE round_id = $1")
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    for (entry, place) in order {
        sqlx::query("UPDATE contest_entries SET running_order = $1 WHERE id = $2 AND round_id = $3")
            .bind(i64::from(*place))
            .bind(entry.0)
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
    }
    get_round(conn, id).await
}

fn judge_from_row(row: &AnyRow) -> Result<Judge> {
    Ok(Judge {
        round_id: ContestRoundId(row.try_get("round_id")?),
        user_id: UserId(row.try_get("user_id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        seat: count(row, "seat")?,
    })
}

/// Seats a judge on a round's panel in the next seat. `Duplicate` when already seated.
pub async fn seat_judge(conn: &mut Conn, round: ContestRoundId, user: UserId, unit: UnitId) -> Result<Judge> {
    let row = sqlx::query(
        "INSERT INTO contest_judges (round_id, user_id, unit_id, seat)
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(seat), 0) + 1 FROM contest_judges WHERE round_id = $1))
         RETURNING round_id, user_id, unit_id, seat",
    )
    .bind(round.0)
    .bind(user.0)
    .bind(unit.0)
    .fetch_one(conn)
    .await
    .map_err(StoreError::on_unique("judge"))?;
    judge_from_row(&row)
}

/// A round's panel by seat.
pub async fn judges(conn: &mut Conn, round: ContestRoundId) -> Result<Vec<Judge>> {
    let rows =
        sqlx::query("SELECT round_id, user_id, unit_id, seat FROM contest_judges WHERE round_id = $1 ORDER BY seat")
            .bind(round.0)
            .fetch_all(conn)
            .await?;
    rows.iter().map(judge_from_row).collect()
}

/// The rounds a person sits on the panel of.
pub async fn rounds_judged_by(conn: &mut Conn, user: UserId) -> Result<Vec<ContestRoundId>> {
    let rows = sqlx::query("SELECT round_id FROM contest_judges WHERE user_id = $1 ORDER BY round_id")
        .bind(user.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|row| Ok(ContestRoundId(row.try_get("round_id")?))).collect()
}

const ENTRY_COLUMNS: &str = "id, round_id, contestant, unit_id, title, running_order, image_sha256, image_type";

fn entry_from_row(row: &AnyRow) -> Result<Entry> {
    let order: Option<i64> = row.try_get("running_order")?;
    Ok(Entry {
        id: ContestEntryId(row.try_get("id")?),
        round_id: ContestRoundId(row.try_get("round_id")?),
        contestant: row.try_get("contestant")?,
        unit_id: UnitId(row.try_get("unit_id")?),
        title: row.try_get("title")?,
        running_order: order.map(|o| u32::try_from(o).map_err(|_| decode_error("running order"))).transpose()?,
        image: match (
            row.try_get::<Option<String>, _>("image_sha256")?,
            row.try_get::<Option<String>, _>("image_type")?,
        ) {
            (Some(sha256), Some(content_type)) => Some(Image { sha256, content_type }),
            _ => None,
        },
    })
}

pub async fn insert_entry(
    conn: &mut Conn,
    round: ContestRoundId,
    contestant: &str,
    unit: UnitId,
    title: &str,
    image: Option<&Image>,
) -> Result<Entry> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO contest_entries (round_id, contestant, unit_id, title, image_sha256, image_type)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ENTRY_COLUMNS}"
    )))
    .bind(round.0)
    .bind(contestant.to_owned())
    .bind(unit.0)
    .bind(title.to_owned())
    .bind(image.map(|i| i.sha256.clone()))
    .bind(image.map(|i| i.content_type.clone()))
    .fetch_one(conn)
    .await?;
    entry_from_row(&row)
}

/// Gives an entry its picture, replacing any.
pub async fn set_entry_image(conn: &mut Conn, id: ContestEntryId, image: &Image) -> Result<Entry> {
    sqlx::query("UPDATE contest_entries SET image_sha256 = $1, image_type = $2 WHERE id = $3")
        .bind(image.sha256.clone())
        .bind(image.content_type.clone())
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    get_entry(conn, id).await
}

pub async fn get_entry(conn: &mut Conn, id: ContestEntryId) -> Result<Entry> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {ENTRY_COLUMNS} FROM contest_entries WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    entry_from_row(&row)
}

/// A round's entries in running order (those not yet drawn last, as added).
pub async fn entries(conn: &mut Conn, round: ContestRoundId) -> Result<Vec<Entry>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM contest_entries WHERE round_id = $1
         ORDER BY CASE WHEN running_order IS NULL THEN 1 ELSE 0 END, running_order, id"
    )))
    .bind(round.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

const SCORE_COLUMNS: &str =
    "id, entry_id, judge_id, criteria, total, idempotency_key, supersedes_id, reason, created_by, created_at";

fn score_from_row(row: &AnyRow) -> Result<JudgeScore> {
    let criteria: String = row.try_get("criteria")?;
    let pairs: Vec<(String, String)> = serde_json::from_str(&criteria).map_err(|_| decode_error("criteria scores"))?;
    let total: String = row.try_get("total")?;
    Ok(JudgeScore {
        id: JudgeScoreId(row.try_get("id")?),
        entry_id: ContestEntryId(row.try_get("entry_id")?),
        judge_id: UserId(row.try_get("judge_id")?),
        criteria: pairs
            .into_iter()
            .map(|(code, value)| Ok((code, decimal(&value, "criterion score")?)))
            .collect::<Result<_>>()?,
        total: decimal(&total, "total")?,
        idempotency_key: row.try_get("idempotency_key")?,
        supersedes: row.try_get::<Option<i64>, _>("supersedes_id")?.map(JudgeScoreId),
        reason: row.try_get("reason")?,
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
    })
}

/// A score to keep: a judge's own, or an organiser's correction of one.
pub struct NewScore<'a> {
    pub entry: ContestEntryId,
    pub judge: UserId,
    pub criteria: &'a [(String, Decimal)],
    pub total: Decimal,
    pub idempotency_key: &'a str,
    /// The score it corrects, and why.
    pub supersedes: Option<(JudgeScoreId, &'a str)>,
}

/// Keeps a score. `Duplicate("score")` when the judge has scored the entry already, or when the
/// key was used before.
pub async fn insert_score(conn: &mut Conn, new: &NewScore<'_>, by: UserId, now: Timestamp) -> Result<JudgeScore> {
    let pairs: Vec<(&str, String)> =
        new.criteria.iter().map(|(code, value)| (code.as_str(), value.normalize().to_string())).collect();
    let criteria = serde_json::to_string(&pairs).map_err(|_| decode_error("criteria scores"))?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO contest_scores (entry_id, judge_id, criteria, total, idempotency_key, supersedes_id, reason,
             created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {SCORE_COLUMNS}"
    )))
    .bind(new.entry.0)
    .bind(new.judge.0)
    .bind(criteria)
    .bind(new.total.normalize().to_string())
    .bind(new.idempotency_key.to_owned())
    .bind(new.supersedes.map(|(id, _)| id.0))
    .bind(new.supersedes.map(|(_, reason)| reason.to_owned()))
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(conn)
    .await
    .map_err(StoreError::on_unique("score"))?;
    score_from_row(&row)
}

/// The score kept under an idempotency key, if any.
pub async fn score_by_key(conn: &mut Conn, key: &str) -> Result<Option<JudgeScore>> {
    let row =
        sqlx::query(AssertSqlSafe(format!("SELECT {SCORE_COLUMNS} FROM contest_scores WHERE idempotency_key = $1")))
            .bind(key.to_owned())
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(score_from_row).transpose()
}

pub async fn get_score(conn: &mut Conn, id: JudgeScoreId) -> Result<JudgeScore> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {SCORE_COLUMNS} FROM contest_scores WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    score_from_row(&row)
}

/// Every score of a round's entries, corrections included, in the order they were kept.
pub async fn scores_of_round(conn: &mut Conn, round: ContestRoundId) -> Result<Vec<JudgeScore>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SCORE_COLUMNS} FROM contest_scores
         WHERE entry_id IN (SELECT id FROM contest_entries WHERE round_id = $1) ORDER BY id"
    )))
    .bind(round.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(score_from_row).collect()
}

const AWARD_COLUMNS: &str = "id, contest_id, unit_id, title, created_at";

fn award_from_row(row: &AnyRow) -> Result<Award> {
    Ok(Award {
        id: ContestAwardId(row.try_get("id")?),
        contest_id: ContestId(row.try_get("contest_id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        title: row.try_get("title")?,
        created_at: row::timestamp(row, "created_at")?,
    })
}

/// Gives a unit an award of a contest. `Duplicate("award")` when it already has that award.
pub async fn insert_award(
    conn: &mut Conn,
    contest: ContestId,
    unit: UnitId,
    title: &str,
    by: UserId,
    now: Timestamp,
) -> Result<Award> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO contest_awards (contest_id, unit_id, title, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING {AWARD_COLUMNS}"
    )))
    .bind(contest.0)
    .bind(unit.0)
    .bind(title.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(conn)
    .await
    .map_err(StoreError::on_unique("award"))?;
    award_from_row(&row)
}

pub async fn get_award(conn: &mut Conn, id: ContestAwardId) -> Result<Award> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {AWARD_COLUMNS} FROM contest_awards WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    award_from_row(&row)
}

/// A contest's awards as they were given.
pub async fn awards(conn: &mut Conn, contest: ContestId) -> Result<Vec<Award>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {AWARD_COLUMNS} FROM contest_awards WHERE contest_id = $1 ORDER BY id"
    )))
    .bind(contest.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(award_from_row).collect()
}

pub async fn delete_award(conn: &mut Conn, id: ContestAwardId) -> Result<()> {
    let done = sqlx::query("DELETE FROM contest_awards WHERE id = $1").bind(id.0).execute(conn).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
