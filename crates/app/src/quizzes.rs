//! Knowledge quizzes between teams (知识竞赛, PRODUCT.md C8): the quiz master enters the teams
//! (the prefectures), opens the quiz and records every answer from the console, each an event of
//! the standings by the rules of `SCORING.md` §3; a mistaken answer is voided with a reason,
//! never deleted; teams level on a podium place play off with sudden-death questions; the big
//! screen follows the standings. Whoever runs the quiz's campaign is its quiz master; everyone
//! signed in may watch the standings.

use pacesetter_domain::{
    Permission, Timestamp,
    ids::{CampaignId, PlanItemId, QuizEventId, QuizId, QuizTeamId},
    quiz::{self, Answer, Outcome, QuestionKind, Quiz, QuizStatus, Rules, Standing, Team},
    unit::Unit,
};
use pacesetter_store::{
    Conn, StoreError, plan_items,
    quizzes::{self as store, NewAnswer},
    units,
};
use rust_decimal::Decimal;

use crate::{
    Actor, App, AppError, Resource, Result, audit,
    contests::{UnitRef, check_key},
    live::{self, Screen},
    text::{self, TextKind},
};

/// The most teams a quiz takes, and the most stakes a risk question offers.
const MAX_TEAMS: usize = 32;
const MAX_STAKES: usize = 6;
/// The most points any rule gives or takes, and the highest question number.
const MAX_POINTS: i64 = 10_000;
const MAX_QUESTION: u32 = 1_000;

/// A quiz as its quiz master asks for it.
#[derive(Debug, Clone)]
pub struct QuizInput<'a> {
    pub name: &'a str,
    pub plan_item: Option<PlanItemId>,
    pub rules: Rules,
}

/// The quiz with its campaign office, whose coordinators run it.
async fn load(conn: &mut Conn, id: QuizId) -> Result<(Quiz, Unit)> {
    let quiz = store::get_quiz(conn, id).await.map_err(AppError::from_store(Resource::Quiz))?;
    let (_, office) = crate::plans::load_campaign(conn, quiz.campaign_id).await?;
    Ok((quiz, office))
}

/// The quiz if the actor runs it; `forbidden` otherwise.
async fn run_by(conn: &mut Conn, actor: &Actor, id: QuizId) -> Result<Quiz> {
    let (quiz, office) = load(conn, id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    Ok(quiz)
}

fn check_points(field: &'static str, value: Decimal) -> Result<()> {
    if value < Decimal::ZERO || value > Decimal::from(MAX_POINTS) || value.scale() > 2 {
        return Err(AppError::invalid(field, "out_of_range"));
    }
    Ok(())
}

fn check_rules(rules: &Rules) -> Result<Rules> {
    check_points("base", rules.base)?;
    check_points("compulsory_points", rules.compulsory_points)?;
    check_points("compulsory_penalty", rules.compulsory_penalty)?;
    check_points("buzzer_points", rules.buzzer_points)?;
    if let Some(penalty) = rules.early_buzz_penalty {
        check_points("early_buzz_penalty", penalty)?;
    }
    if rules.risk_values.is_empty() || rules.risk_values.len() > MAX_STAKES {
        return Err(AppError::invalid("risk_values", "stakes_count"));
    }
    let mut stakes = rules.risk_values.clone();
    for stake in &stakes {
        check_points("risk_values", *stake)?;
        if stake.is_zero() {
            return Err(AppError::invalid("risk_values", "out_of_range"));
        }
    }
    stakes.sort();
    stakes.dedup();
    if stakes.len() != rules.risk_values.len() {
        return Err(AppError::invalid("risk_values", "stake_twice"));
    }
    Ok(Rules { risk_values: stakes, ..rules.clone() })
}

/// Sets up a quiz of a campaign the actor runs.
pub async fn create(app: &App, actor: &Actor, campaign: CampaignId, input: &QuizInput<'_>) -> Result<Quiz> {
    let mut tx = app.store.write().await?;
    let (_, office) = crate::plans::load_campaign(&mut tx, campaign).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let name = text::required("name", input.name, TextKind::Title)?;
    let rules = check_rules(&input.rules)?;
    if let Some(item) = input.plan_item {
        let found = plan_items::get(&mut tx, item).await.ok().filter(|i| i.campaign_id == campaign);
        found.ok_or(AppError::invalid("plan_item_id", "item_not_found"))?;
    }
    let quiz =
        store::insert_quiz(&mut tx, campaign, &name, input.plan_item, &rules, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(&mut tx, actor.into(), "quiz.create", ("quiz", Some(quiz.id.0)), None, Some(&quiz)).await?;
    tx.commit().await?;
    Ok(quiz)
}

/// A campaign's quizzes.
pub async fn list(app: &App, _actor: &Actor, campaign: CampaignId) -> Result<Vec<Quiz>> {
    let mut conn = app.store.read().await?;
    crate::plans::load_campaign(&mut conn, campaign).await?;
    Ok(store::quizzes(&mut conn, campaign).await?)
}

/// Enters a team representing a unit while the quiz is being set up; `name` defaults to the
/// unit's.
pub async fn add_team(app: &App, actor: &Actor, id: QuizId, unit: UnitRef<'_>, name: &str) -> Result<Team> {
    let mut tx = app.store.write().await?;
    // Only the quiz master learns whether the unit exists.
    let quiz = run_by(&mut tx, actor, id).await?;
    if quiz.status != QuizStatus::Setup {
        return Err(AppError::Conflict("quiz_not_in_setup"));
    }
    let unit = match unit {
        UnitRef::Id(unit) => units::get(&mut tx, unit).await.ok().filter(|u| actor.can(Permission::ViewUnits, &u.path)),
        UnitRef::Typed(text) => crate::units::typed_in(&mut tx, actor, text, "unit_id").await?,
    };
    let unit = unit.ok_or(AppError::invalid("unit_id", "unit_not_found"))?;
    let name = text::optional("name", Some(name), TextKind::Name)?.unwrap_or_else(|| unit.name.clone());
    if store::teams(&mut tx, id).await?.len() >= MAX_TEAMS {
        return Err(AppError::invalid("unit_id", "too_many_teams"));
    }
    let team = store::insert_team(&mut tx, id, unit.id, &name).await.map_err(|error| match error {
        StoreError::Duplicate(_) => AppError::invalid("unit_id", "team_twice"),
        other => other.into(),
    })?;
    audit::record::<(), _>(&mut tx, actor.into(), "quiz.team.create", ("quiz", Some(id.0)), None, Some(&team)).await?;
    tx.commit().await?;
    live::changed(app, Screen::Quiz(id));
    Ok(team)
}

/// What the quiz master does to move the quiz along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuizMove {
    /// Starts the quiz: answers may be recorded.
    Open,
    /// Ends it with its standings final; refused while a podium place awaits its playoff.
    Close,
}

/// Opens or closes a quiz at `version`.
pub async fn advance(app: &App, actor: &Actor, id: QuizId, version: i64, step: QuizMove) -> Result<Quiz> {
    let mut tx = app.store.write().await?;
    let before = run_by(&mut tx, actor, id).await?;
    let teams = store::teams(&mut tx, id).await?;
    let status = match (step, before.status) {
        (QuizMove::Open, QuizStatus::Setup) => {
            if teams.len() < 2 {
                return Err(AppError::Conflict("too_few_teams"));
            }
            QuizStatus::Open
        }
        (QuizMove::Close, QuizStatus::Open) => {
            let answers = store::answers(&mut tx, id).await?;
            if quiz::standings_of(&before.rules, &teams, &answers).iter().any(|s| s.playoff_due) {
                return Err(AppError::Conflict("playoff_due"));
            }
            QuizStatus::Closed
        }
        _ => return Err(AppError::Conflict("quiz_status")),
    };
    let quiz = store::set_status(&mut tx, id, version, status, Timestamp::now()).await?;
    audit::record(&mut tx, actor.into(), "quiz.advance", ("quiz", Some(id.0)), Some(&before), Some(&quiz)).await?;
    // Closed, the quiz is held and its standings final: its plan task is done.
    if let Some(item) = quiz.plan_item_id
        && quiz.status == QuizStatus::Closed
    {
        crate::assignments::close_for_event(&mut tx, actor, item, &quiz.name).await?;
    }
    tx.commit().await?;
    live::changed(app, Screen::Quiz(id));
    Ok(quiz)
}

/// An answer as the console records it; `key` is made up by the console for this answer, so
/// that an answer sent twice (a double click, a retry) is kept once.
#[derive(Debug, Clone)]
pub struct AnswerInput<'a> {
    pub team: QuizTeamId,
    pub question: u32,
    pub kind: QuestionKind,
    pub outcome: Outcome,
    /// The stake a team chose for a risk question.
    pub stake: Option<Decimal>,
    pub key: &'a str,
}

/// Records an answer of an open quiz, worth the points its rules give. A playoff answer is taken
/// only from a team level with others on a podium place. Sent again with the same key, the
/// answer already kept is the answer.
pub async fn record(app: &App, actor: &Actor, id: QuizId, input: &AnswerInput<'_>) -> Result<Answer> {
    check_key(input.key)?;
    let mut tx = app.store.write().await?;
    let quiz = run_by(&mut tx, actor, id).await?;
    if let Some(kept) = store::answer_by_key(&mut tx, input.key).await? {
        let same = kept.quiz_id == id && kept.team_id == input.team && kept.question == input.question;
        return if same { Ok(kept) } else { Err(AppError::Conflict("key_used")) };
    }
    if quiz.status != QuizStatus::Open {
        return Err(AppError::Conflict("quiz_not_open"));
    }
    if input.question == 0 || input.question > MAX_QUESTION {
        return Err(AppError::invalid("question", "out_of_range"));
    }
    let teams = store::teams(&mut tx, id).await?;
    if !teams.iter().any(|t| t.id == input.team) {
        return Err(AppError::invalid("team_id", "team_not_found"));
    }
    let points = quiz.rules.points(input.kind, input.outcome, input.stake)?;
    if input.kind == QuestionKind::Playoff {
        let answers = store::answers(&mut tx, id).await?;
        let standings = quiz::standings_of(&quiz.rules, &teams, &answers);
        let due = standings.iter().any(|s| s.playoff_due && teams[s.team].id == input.team);
        if !due {
            return Err(AppError::invalid("team_id", "playoff_not_due"));
        }
    }
    let new = NewAnswer {
        quiz: id,
        team: input.team,
        question: input.question,
        kind: input.kind,
        outcome: input.outcome,
        stake: input.stake,
        points,
        idempotency_key: input.key,
    };
    let answer =
        store::insert_answer(&mut tx, &new, actor.user.id, Timestamp::now()).await.map_err(|error| match error {
            StoreError::Duplicate(_) => AppError::Conflict("key_used"),
            other => other.into(),
        })?;
    audit::record::<(), _>(&mut tx, actor.into(), "quiz.answer", ("quiz", Some(id.0)), None, Some(&answer)).await?;
    tx.commit().await?;
    live::changed(app, Screen::Quiz(id));
    Ok(answer)
}

/// Voids an answer of an open quiz with the reason: it stays on record and counts for nothing.
pub async fn void(app: &App, actor: &Actor, id: QuizEventId, reason: &str) -> Result<Answer> {
    let mut tx = app.store.write().await?;
    let before = store::get_answer(&mut tx, id).await.map_err(AppError::from_store(Resource::QuizEvent))?;
    let quiz = run_by(&mut tx, actor, before.quiz_id).await?;
    let reason = text::required("reason", reason, TextKind::Text)?;
    if quiz.status != QuizStatus::Open {
        return Err(AppError::Conflict("quiz_not_open"));
    }
    let answer =
        store::void_answer(&mut tx, id, &reason, actor.user.id, Timestamp::now()).await.map_err(
            |error| match error {
                StoreError::Stale => AppError::Conflict("already_voided"),
                other => other.into(),
            },
        )?;
    audit::record(&mut tx, actor.into(), "quiz.answer.void", ("quiz", Some(quiz.id.0)), Some(&before), Some(&answer))
        .await?;
    tx.commit().await?;
    live::changed(app, Screen::Quiz(quiz.id));
    Ok(answer)
}

/// One team's line in the standings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamLine {
    pub team: Team,
    pub standing: Standing,
    /// Answers that count, and how many of them were right.
    pub answered: usize,
    pub correct: usize,
}

/// A quiz's standings, for the big screen and everyone signed in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Standings {
    pub quiz: Quiz,
    /// Best first.
    pub lines: Vec<TeamLine>,
    /// The highest question number answered so far.
    pub last_question: u32,
    /// The latest answer that counts, to show what just happened.
    pub latest: Option<Answer>,
}

fn standings_from(quiz: Quiz, teams: &[Team], answers: &[Answer]) -> Standings {
    let live: Vec<&Answer> = answers.iter().filter(|a| a.voided.is_none()).collect();
    let lines = quiz::standings_of(&quiz.rules, teams, answers)
        .into_iter()
        .map(|standing| {
            let team = teams[standing.team].clone();
            let mine = live.iter().filter(|a| a.team_id == team.id);
            let answered = mine.clone().count();
            let correct = mine.filter(|a| a.outcome == Outcome::Correct).count();
            TeamLine { team, standing, answered, correct }
        })
        .collect();
    Standings {
        last_question: answers.iter().map(|a| a.question).max().unwrap_or(0),
        latest: live.last().map(|a| (*a).clone()),
        quiz,
        lines,
    }
}

/// The standings of a quiz.
pub async fn standings(app: &App, _actor: &Actor, id: QuizId) -> Result<Standings> {
    let mut conn = app.store.read().await?;
    let (quiz, _) = load(&mut conn, id).await?;
    let teams = store::teams(&mut conn, id).await?;
    let answers = store::answers(&mut conn, id).await?;
    Ok(standings_from(quiz, &teams, &answers))
}

/// Everything the quiz master's console shows: the standings, every answer newest first (voided
/// ones too), and each team's unit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Console {
    pub standings: Standings,
    pub teams: Vec<Team>,
    pub answers: Vec<Answer>,
    pub units: Vec<Unit>,
    pub can_run: bool,
}

/// A quiz's console; everyone signed in may look, only its quiz master acts.
pub async fn console(app: &App, actor: &Actor, id: QuizId) -> Result<Console> {
    let (mut console, office) = read_console(&mut *app.store.read().await?, id).await?;
    console.can_run = actor.can(Permission::ManagePlans, &office.path);
    Ok(console)
}

/// A quiz's console as the big screens' feed reads it, once for all of them and for nobody in
/// particular: nobody can run it from there.
pub async fn scoreboard(app: &App, id: QuizId) -> Result<Console> {
    Ok(read_console(&mut *app.store.read().await?, id).await?.0)
}

/// The console with `can_run` false, and the office that runs the quiz.
async fn read_console(conn: &mut Conn, id: QuizId) -> Result<(Console, Unit)> {
    let (quiz, office) = load(conn, id).await?;
    let teams = store::teams(conn, id).await?;
    let mut answers = store::answers(conn, id).await?;
    let mut team_units = Vec::with_capacity(teams.len());
    for team in &teams {
        team_units.push(units::get(conn, team.unit_id).await?);
    }
    let standings = standings_from(quiz, &teams, &answers);
    answers.reverse();
    Ok((Console { standings, teams, answers, units: team_units, can_run: false }, office))
}

/// A quiz in the list of every campaign's events.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuizSummary {
    pub quiz: Quiz,
    pub campaign: String,
    pub teams: usize,
}

/// Every quiz of every campaign, newest campaign first.
pub(crate) async fn summaries(conn: &mut Conn) -> Result<Vec<QuizSummary>> {
    let mut out = Vec::new();
    for campaign in pacesetter_store::campaigns::all(conn).await? {
        for quiz in store::quizzes(conn, campaign.id).await? {
            let teams = store::teams(conn, quiz.id).await?.len();
            out.push(QuizSummary { quiz, campaign: campaign.name.clone(), teams });
        }
    }
    Ok(out)
}
