//! Knowledge quizzes: the quiz and its points, its teams, and its answers, which are only ever
//! added, or voided with a reason.

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    ids::{CampaignId, PlanItemId, QuizEventId, QuizId, QuizTeamId},
    quiz::{Answer, Outcome, QuestionKind, Quiz, QuizStatus, Rules, Team, Voiding},
};
use rust_decimal::Decimal;
use sqlx::{AssertSqlSafe, Row, any::AnyRow};

use crate::{
    Conn, Result, StoreError,
    contests::{count, decimal},
    evaluations::decode_error,
    row,
};

const QUIZ_COLUMNS: &str = "id, campaign_id, plan_item_id, name, base, compulsory_points, compulsory_penalty,
    buzzer_points, early_buzz_penalty, risk_values, status, created_by, created_at, updated_at, version";

fn text(value: Decimal) -> String {
    value.normalize().to_string()
}

fn quiz_from_row(row: &AnyRow) -> Result<Quiz> {
    let money = |column: &str| -> Result<Decimal> { decimal(&row.try_get::<String, _>(column)?, column) };
    let early: Option<String> = row.try_get("early_buzz_penalty")?;
    let risk: String = row.try_get("risk_values")?;
    let risk: Vec<String> = serde_json::from_str(&risk).map_err(|_| decode_error("risk values"))?;
    let status: String = row.try_get("status")?;
    Ok(Quiz {
        id: QuizId(row.try_get("id")?),
        campaign_id: CampaignId(row.try_get("campaign_id")?),
        plan_item_id: row.try_get::<Option<i64>, _>("plan_item_id")?.map(PlanItemId),
        name: row.try_get("name")?,
        rules: Rules {
            base: money("base")?,
            compulsory_points: money("compulsory_points")?,
            compulsory_penalty: money("compulsory_penalty")?,
            buzzer_points: money("buzzer_points")?,
            early_buzz_penalty: early.map(|e| decimal(&e, "early buzz penalty")).transpose()?,
            risk_values: risk.iter().map(|v| decimal(v, "risk value")).collect::<Result<_>>()?,
        },
        status: QuizStatus::parse(&status).ok_or_else(|| decode_error("quiz status"))?,
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
        updated_at: row::timestamp(row, "updated_at")?,
        version: row.try_get("version")?,
    })
}

pub async fn insert_quiz(
    conn: &mut Conn,
    campaign: CampaignId,
    name: &str,
    plan_item: Option<PlanItemId>,
    rules: &Rules,
    by: UserId,
    now: Timestamp,
) -> Result<Quiz> {
    let risk: Vec<String> = rules.risk_values.iter().map(|v| text(*v)).collect();
    let risk = serde_json::to_string(&risk).map_err(|_| decode_error("risk values"))?;
    let row = sqlx::query(
        "INSERT INTO quizzes (campaign_id, plan_item_id, name, base, compulsory_points, compulsory_penalty,
             buzzer_points, early_buzz_penalty, risk_values, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(campaign.0)
    .bind(plan_item.map(|p| p.0))
    .bind(name.to_owned())
    .bind(text(rules.base))
    .bind(text(rules.compulsory_points))
    .bind(text(rules.compulsory_penalty))
    .bind(text(rules.buzzer_points))
    .bind(rules.early_buzz_penalty.map(text))
    .bind(risk)
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    get_quiz(conn, QuizId(row.try_get("id")?)).await
}

pub async fn get_quiz(conn: &mut Conn, id: QuizId) -> Result<Quiz> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {QUIZ_COLUMNS} FROM quizzes WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    quiz_from_row(&row)
}

/// A campaign's quizzes, oldest first.
pub async fn quizzes(conn: &mut Conn, campaign: CampaignId) -> Result<Vec<Quiz>> {
    let rows =
        sqlx::query(AssertSqlSafe(format!("SELECT {QUIZ_COLUMNS} FROM quizzes WHERE campaign_id = $1 ORDER BY id")))
            .bind(campaign.0)
            .fetch_all(conn)
            .await?;
    rows.iter().map(quiz_from_row).collect()
}

/// Moves a quiz to `status` at `version`. `Stale` when it changed meanwhile.
pub async fn set_status(conn: &mut Conn, id: QuizId, version: i64, status: QuizStatus, now: Timestamp) -> Result<Quiz> {
    let done = sqlx::query(
        "UPDATE quizzes SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
    )
    .bind(status.as_str())
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_quiz(conn, id).await));
    }
    get_quiz(conn, id).await
}

const TEAM_COLUMNS: &str = "id, quiz_id, unit_id, name, position";

fn team_from_row(row: &AnyRow) -> Result<Team> {
    Ok(Team {
        id: QuizTeamId(row.try_get("id")?),
        quiz_id: QuizId(row.try_get("quiz_id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        name: row.try_get("name")?,
        position: count(row, "position")?,
    })
}

/// Adds a team after the quiz's others. `Duplicate("team")` when the unit has a team already.
pub async fn insert_team(conn: &mut Conn, quiz: QuizId, unit: UnitId, name: &str) -> Result<Team> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO quiz_teams (quiz_id, unit_id, name, position)
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM quiz_teams WHERE quiz_id = $1))
         RETURNING {TEAM_COLUMNS}"
    )))
    .bind(quiz.0)
    .bind(unit.0)
    .bind(name.to_owned())
    .fetch_one(conn)
    .await
    .map_err(StoreError::on_unique("team"))?;
    team_from_row(&row)
}

/// A quiz's teams by their place on the stage.
pub async fn teams(conn: &mut Conn, quiz: QuizId) -> Result<Vec<Team>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TEAM_COLUMNS} FROM quiz_teams WHERE quiz_id = $1 ORDER BY position"
    )))
    .bind(quiz.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(team_from_row).collect()
}

const ANSWER_COLUMNS: &str = "id, quiz_id, team_id, question, kind, outcome, stake, points, idempotency_key,
    void_reason, voided_by, voided_at, created_by, created_at";

fn answer_from_row(row: &AnyRow) -> Result<Answer> {
    let (kind, outcome): (String, String) = (row.try_get("kind")?, row.try_get("outcome")?);
    let stake: Option<String> = row.try_get("stake")?;
    let points: String = row.try_get("points")?;
    let reason: Option<String> = row.try_get("void_reason")?;
    let voided = match reason {
        Some(reason) => Some(Voiding {
            reason,
            by: UserId(row.try_get::<Option<i64>, _>("voided_by")?.ok_or_else(|| decode_error("voided by"))?),
            at: row::timestamp(row, "voided_at")?,
        }),
        None => None,
    };
    Ok(Answer {
        id: QuizEventId(row.try_get("id")?),
        quiz_id: QuizId(row.try_get("quiz_id")?),
        team_id: QuizTeamId(row.try_get("team_id")?),
        question: count(row, "question")?,
        kind: QuestionKind::parse(&kind).ok_or_else(|| decode_error("question kind"))?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| decode_error("outcome"))?,
        stake: stake.map(|s| decimal(&s, "stake")).transpose()?,
        points: decimal(&points, "points")?,
        idempotency_key: row.try_get("idempotency_key")?,
        voided,
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
    })
}

/// An answer to keep.
pub struct NewAnswer<'a> {
    pub quiz: QuizId,
    pub team: QuizTeamId,
    pub question: u32,
    pub kind: QuestionKind,
    pub outcome: Outcome,
    pub stake: Option<Decimal>,
    pub points: Decimal,
    pub idempotency_key: &'a str,
}

/// Keeps an answer. `Duplicate("answer")` when its key was used before.
pub async fn insert_answer(conn: &mut Conn, new: &NewAnswer<'_>, by: UserId, now: Timestamp) -> Result<Answer> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO quiz_events (quiz_id, team_id, question, kind, outcome, stake, points, idempotency_key,
             created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {ANSWER_COLUMNS}"
    )))
    .bind(new.quiz.0)
    .bind(new.team.0)
    .bind(i64::from(new.question))
    .bind(new.kind.as_str())
    .bind(new.outcome.as_str())
    .bind(new.stake.map(text))
    .bind(text(new.points))
    .bind(new.idempotency_key.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(conn)
    .await
    .map_err(StoreError::on_unique("answer"))?;
    answer_from_row(&row)
}

/// The answer kept under an idempotency key, if any.
pub async fn answer_by_key(conn: &mut Conn, key: &str) -> Result<Option<Answer>> {
    let row =
        sqlx::query(AssertSqlSafe(format!("SELECT {ANSWER_COLUMNS} FROM quiz_events WHERE idempotency_key = $1")))
            .bind(key.to_owned())
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(answer_from_row).transpose()
}

pub async fn get_answer(conn: &mut Conn, id: QuizEventId) -> Result<Answer> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {ANSWER_COLUMNS} FROM quiz_events WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    answer_from_row(&row)
}

/// A quiz's answers in the order they were given, voided ones included.
pub async fn answers(conn: &mut Conn, quiz: QuizId) -> Result<Vec<Answer>> {
    let rows =
        sqlx::query(AssertSqlSafe(format!("SELECT {ANSWER_COLUMNS} FROM quiz_events WHERE quiz_id = $1 ORDER BY id")))
            .bind(quiz.0)
            .fetch_all(conn)
            .await?;
    rows.iter().map(answer_from_row).collect()
}

/// Voids an answer with a reason. `Stale` when it was voided already.
pub async fn void_answer(conn: &mut Conn, id: QuizEventId, reason: &str, by: UserId, now: Timestamp) -> Result<Answer> {
    let done = sqlx::query(
        "UPDATE quiz_events SET void_reason = $1, voided_by = $2, voided_at = $3 WHERE id = $4 AND voided_at IS NULL",
    )
    .bind(reason.to_owned())
    .bind(by.0)
    .bind(now.to_db())
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_answer(conn, id).await));
    }
    get_answer(conn, id).await
}
