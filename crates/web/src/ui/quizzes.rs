//! Quiz pages (知识竞赛): the new-quiz form on the events page, the quiz master's console (teams,
//! opening and closing, recording each answer, voiding a mistaken one) and the big screen of
//! standings, which the screens' stream keeps current. Every page calls the same app functions
//! as the JSON API.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{
    Actor, AppError,
    contests::UnitRef,
    live::Screen,
    quizzes::{self, AnswerInput, Console, QuizInput, QuizMove, Standings},
};
use pacesetter_domain::{
    ValidationError,
    ids::{CampaignId, QuizEventId, QuizId, QuizTeamId},
    quiz::{Outcome, QuestionKind, QuizStatus, Rules},
};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{
    contests::{ListForms, list_page},
    context::{PageCtx, SignedIn, render, render_html},
    screens::Lang,
};
use crate::ui::page::{PageQuery, saved};
use crate::{
    AppState,
    i18n::Tr,
    ui::page::{PageForm, PageResult, field_errors},
};

fn dec(value: Decimal) -> String {
    value.normalize().to_string()
}

/// Points with their sign: "+20", "−20", "0".
fn signed(value: Decimal) -> String {
    if value > Decimal::ZERO { format!("+{}", dec(value)) } else { dec(value) }
}

/// A decimal typed into a form; a full-width stop is read as a point.
fn typed_points(field: &'static str, text: &str) -> Result<Decimal, AppError> {
    text.trim().replace('。', ".").parse().map_err(|_| AppError::invalid(field, "invalid_number"))
}

#[derive(Deserialize)]
pub struct QuizForm {
    #[serde(default)]
    pub(super) campaign_id: i64,
    #[serde(default, rename = "quiz_name")]
    pub(super) name: String,
    #[serde(default)]
    pub(super) base: String,
    #[serde(default)]
    pub(super) compulsory_points: String,
    #[serde(default)]
    pub(super) compulsory_penalty: String,
    #[serde(default)]
    pub(super) buzzer_points: String,
    #[serde(default)]
    pub(super) early_buzz_penalty: String,
    #[serde(default)]
    pub(super) risk_values: String,
}

impl Default for QuizForm {
    /// `SCORING.md` §3's points.
    fn default() -> Self {
        let rules = Rules::default();
        Self {
            campaign_id: 0,
            name: String::new(),
            base: dec(rules.base),
            compulsory_points: dec(rules.compulsory_points),
            compulsory_penalty: dec(rules.compulsory_penalty),
            buzzer_points: dec(rules.buzzer_points),
            early_buzz_penalty: String::new(),
            risk_values: rules.risk_values.iter().map(|v| dec(*v)).collect::<Vec<_>>().join(" "),
        }
    }
}

impl QuizForm {
    fn rules(&self) -> Result<Rules, AppError> {
        let early = Some(self.early_buzz_penalty.trim()).filter(|t| !t.is_empty());
        let stakes = self.risk_values.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | '/'));
        Ok(Rules {
            base: typed_points("base", &self.base)?,
            compulsory_points: typed_points("compulsory_points", &self.compulsory_points)?,
            compulsory_penalty: typed_points("compulsory_penalty", &self.compulsory_penalty)?,
            buzzer_points: typed_points("buzzer_points", &self.buzzer_points)?,
            early_buzz_penalty: early.map(|e| typed_points("early_buzz_penalty", e)).transpose()?,
            risk_values: stakes
                .filter(|s| !s.is_empty())
                .map(|s| typed_points("risk_values", s))
                .collect::<Result<_, _>>()?,
        })
    }
}

pub async fn create_quiz(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<QuizForm>,
) -> PageResult {
    let result = async {
        let input = QuizInput { name: &form.name, plan_item: None, rules: form.rules()? };
        quizzes::create(&state.app, &actor, CampaignId(form.campaign_id), &input).await
    }
    .await;
    match result {
        Ok(quiz) => Ok(saved(&format!("/quizzes/{}", quiz.id))),
        Err(error) => {
            let errors = field_errors(error)?;
            list_page(&state, &actor, ctx, ListForms::quiz_refused(form, errors)).await
        }
    }
}

/// A team's line of the standings as the pages show it.
pub struct StandingRow {
    pub rank: String,
    pub team: String,
    pub unit: String,
    pub score: String,
    /// "8 answered · 6 right".
    pub answers: String,
    pub playoff_due: bool,
}

/// The standings as the console and the big screen show them.
pub struct StandingsView {
    pub quiz: String,
    /// "Question 12", or where the quiz stands.
    pub status_label: String,
    /// What just happened: "Question 12 · Lhasa · buzzer · right · +20".
    pub latest: String,
    pub lines: Vec<StandingRow>,
    pub playoff_due: bool,
}

fn kind_label(kind: QuestionKind, t: Tr) -> &'static str {
    t.tk("quiz.kind", kind.as_str())
}

fn outcome_label(outcome: Outcome, t: Tr) -> &'static str {
    t.tk("quiz.outcome", outcome.as_str())
}

fn standings_view(standings: &Standings, labels: &[(QuizTeamId, String, String)], t: Tr) -> StandingsView {
    let label = |id| labels.iter().find(|(team, _, _)| *team == id);
    let team_name = |id| label(id).map(|(_, name, _)| name.clone());
    let lines = standings
        .lines
        .iter()
        .map(|line| StandingRow {
            rank: line.standing.rank.to_string(),
            team: team_name(line.team.id).unwrap_or_else(|| line.team.name.clone()),
            unit: label(line.team.id).map(|(_, _, unit)| unit.clone()).unwrap_or_default(),
            score: dec(line.standing.score),
            answers: t.f("quiz.answered", &[("n", &line.answered), ("right", &line.correct)]),
            playoff_due: line.standing.playoff_due,
        })
        .collect::<Vec<_>>();
    let status_label = match standings.quiz.status {
        QuizStatus::Open if standings.last_question > 0 => t.f("quiz.question_no", &[("n", &standings.last_question)]),
        status => t.tk("quiz.status", status.as_str()).to_owned(),
    };
    let latest = standings
        .latest
        .as_ref()
        .map(|a| {
            let parts = [
                t.f("quiz.question_no", &[("n", &a.question)]),
                team_name(a.team_id).unwrap_or_default(),
                kind_label(a.kind, t).to_owned(),
                outcome_label(a.outcome, t).to_owned(),
            ];
            let points = if a.kind == QuestionKind::Playoff { String::new() } else { format!(" {}", signed(a.points)) };
            format!("{}{points}", parts.join(" · "))
        })
        .unwrap_or_default();
    StandingsView {
        quiz: standings.quiz.name.clone(),
        status_label,
        latest,
        playoff_due: lines.iter().any(|l| l.playoff_due),
        lines,
    }
}

/// Each team's label and, when the team has a name of its own, its unit: a team named after its
/// unit is shown by the unit's name in the page's language.
fn team_labels(console: &Console, t: Tr) -> Vec<(QuizTeamId, String, String)> {
    console
        .teams
        .iter()
        .zip(&console.units)
        .map(|(team, unit)| {
            let unit_name = unit.display_name(t.locale).to_owned();
            if team.name == unit.name {
                (team.id, unit_name, String::new())
            } else {
                (team.id, team.name.clone(), unit_name)
            }
        })
        .collect()
}

/// An answer in the console's log.
pub struct AnswerRow {
    pub id: i64,
    pub question: u32,
    pub team: String,
    pub kind: &'static str,
    pub outcome: &'static str,
    pub stake: String,
    pub points: String,
    pub void_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "quizzes/show.html")]
struct QuizPage {
    p: PageCtx,
    id: i64,
    version: i64,
    name: String,
    status: &'static str,
    rules: String,
    can_run: bool,
    in_setup: bool,
    is_open: bool,
    standings: StandingsView,
    /// Each team's id and name, in their order on the stage.
    teams: Vec<(i64, String)>,
    kinds: [QuestionKind; 4],
    outcomes: [Outcome; 3],
    stakes: Vec<String>,
    answers: Vec<AnswerRow>,
    answer: AnswerForm,
    team_form: TeamForm,
    /// Which form was sent back, and why.
    errors: ValidationError,
    refusal: String,
}

impl QuizPage {
    fn error(&self, field: &str) -> String {
        self.errors.code_for(field).map(|code| self.p.t.error(code)).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct TeamForm {
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    team_name: String,
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    team_id: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    stake: String,
}

/// What the console shows again after a form was refused.
#[derive(Default)]
struct Again {
    answer: Option<AnswerForm>,
    team: TeamForm,
    errors: ValidationError,
    refusal: String,
}

/// What the console carries over from the answer just recorded: its question and kind.
#[derive(Deserialize, Default)]
pub struct Carry {
    #[serde(default)]
    question: Option<u32>,
    #[serde(default)]
    kind: Option<String>,
}

async fn quiz_page(state: &AppState, actor: &Actor, ctx: PageCtx, id: i64, carry: Carry, again: Again) -> PageResult {
    let console = quizzes::console(&state.app, actor, QuizId(id)).await?;
    let t = ctx.t;
    let quiz = &console.standings.quiz;
    let rules = &quiz.rules;
    let labels = team_labels(&console, t);
    let team_name =
        |id| labels.iter().find(|(team, _, _)| *team == id).map(|(_, name, _)| name.clone()).unwrap_or_default();
    let status = if again.errors.is_empty() && again.refusal.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let next = carry.question.unwrap_or(console.standings.last_question + 1);
    let answer = again.answer.unwrap_or_else(|| AnswerForm {
        question: next.to_string(),
        // The round goes on with the kind of question last answered.
        kind: carry.kind.unwrap_or_else(|| {
            let last = console.standings.latest.as_ref().map_or(QuestionKind::Compulsory, |a| a.kind);
            last.as_str().to_owned()
        }),
        ..AnswerForm::default()
    });
    let early = rules.early_buzz_penalty.map(|p| format!(" · {} −{}", t.t("quiz.early_buzz_penalty"), dec(p)));
    let page = QuizPage {
        id,
        version: quiz.version,
        name: quiz.name.clone(),
        status: quiz.status.as_str(),
        rules: t.f(
            "quiz.rules_summary",
            &[
                ("base", &dec(rules.base)),
                ("compulsory", &dec(rules.compulsory_points)),
                ("buzzer", &dec(rules.buzzer_points)),
                ("risk", &rules.risk_values.iter().map(|v| dec(*v)).collect::<Vec<_>>().join("/")),
            ],
        ) + &early.unwrap_or_default(),
        can_run: console.can_run,
        in_setup: quiz.status == QuizStatus::Setup,
        is_open: quiz.status == QuizStatus::Open,
        standings: standings_view(&console.standings, &labels, t),
        teams: labels.iter().map(|(id, name, _)| (id.0, name.clone())).collect(),
        kinds: QuestionKind::ALL,
        outcomes: Outcome::ALL,
        stakes: rules.risk_values.iter().map(|v| dec(*v)).collect(),
        answers: console
            .answers
            .iter()
            .map(|a| AnswerRow {
                id: a.id.0,
                question: a.question,
                team: team_name(a.team_id),
                kind: kind_label(a.kind, t),
                outcome: outcome_label(a.outcome, t),
                stake: a.stake.map(dec).unwrap_or_default(),
                points: if a.kind == QuestionKind::Playoff { String::new() } else { signed(a.points) },
                void_reason: a.voided.as_ref().map(|v| v.reason.clone()),
            })
            .collect(),
        answer: AnswerForm {
            key: Some(answer.key.clone()).filter(|k| !k.is_empty()).unwrap_or_else(pacesetter_app::auth::random_token),
            ..answer
        },
        team_form: again.team,
        errors: again.errors,
        refusal: again.refusal,
        p: ctx.with_nav("contests"),
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_quiz(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(carry): PageQuery<Carry>,
) -> PageResult {
    quiz_page(&state, &actor, ctx, id, carry, Again::default()).await
}

/// Back to the console (at `to`), or the console again with what was refused.
async fn console_after<T>(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    to: String,
    again: Again,
    result: Result<T, AppError>,
) -> PageResult {
    match result {
        Ok(_) => Ok(Redirect::to(&to).into_response()),
        Err(AppError::Conflict(code)) => {
            let refusal = ctx.t.error(code);
            quiz_page(state, actor, ctx, id, Carry::default(), Again { refusal, ..again }).await
        }
        Err(AppError::Stale { .. }) => {
            let refusal = ctx.t.error("changed_meanwhile");
            quiz_page(state, actor, ctx, id, Carry::default(), Again { refusal, ..again }).await
        }
        Err(error) => {
            let errors = field_errors(error)?;
            quiz_page(state, actor, ctx, id, Carry::default(), Again { errors, ..again }).await
        }
    }
}

pub async fn add_team(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<TeamForm>,
) -> PageResult {
    let unit = UnitRef::Typed(&form.unit_code);
    let result = quizzes::add_team(&state.app, &actor, QuizId(id), unit, &form.team_name).await;
    let again = Again { team: form, ..Again::default() };
    console_after(&state, &actor, ctx, id, format!("/quizzes/{id}"), again, result).await
}

#[derive(Deserialize)]
pub struct MoveForm {
    version: i64,
    #[serde(default, rename = "move")]
    step: String,
}

pub async fn advance_quiz(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<MoveForm>,
) -> PageResult {
    let step = if form.step == "open" { QuizMove::Open } else { QuizMove::Close };
    let result = quizzes::advance(&state.app, &actor, QuizId(id), form.version, step).await;
    console_after(&state, &actor, ctx, id, format!("/quizzes/{id}"), Again::default(), result).await
}

impl AnswerForm {
    fn input(&self) -> Result<AnswerInput<'_>, AppError> {
        let question = self.question.trim().parse().map_err(|_| AppError::invalid("question", "out_of_range"))?;
        let kind = QuestionKind::parse(&self.kind).ok_or(AppError::invalid("kind", "invalid_input"))?;
        let outcome = Outcome::parse(&self.outcome).ok_or(AppError::invalid("outcome", "outcome_required"))?;
        let stake = match (kind, self.stake.trim()) {
            (QuestionKind::Risk, stake) if !stake.is_empty() => Some(typed_points("stake", stake)?),
            _ => None,
        };
        Ok(AnswerInput { team: QuizTeamId(self.team_id), question, kind, outcome, stake, key: &self.key })
    }
}

pub async fn record_answer(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AnswerForm>,
) -> PageResult {
    let result = match form.input() {
        Ok(input) => quizzes::record(&state.app, &actor, QuizId(id), &input).await,
        Err(error) => Err(error),
    };
    let to = format!("/quizzes/{id}?question={}&kind={}#record", form.question.trim(), form.kind);
    let again = Again { answer: Some(form), ..Again::default() };
    console_after(&state, &actor, ctx, id, to, again, result).await
}

#[derive(Deserialize)]
pub struct VoidForm {
    /// The console to go back to.
    quiz_id: i64,
    #[serde(default)]
    reason: String,
}

pub async fn void_answer(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<VoidForm>,
) -> PageResult {
    let result = quizzes::void(&state.app, &actor, QuizEventId(id), &form.reason).await;
    let quiz = form.quiz_id;
    let refusal = match &result {
        Err(AppError::Invalid(_)) => ctx.t.error("reason_required"),
        _ => String::new(),
    };
    let again = Again { refusal, ..Again::default() };
    match result {
        Err(AppError::Invalid(_)) => quiz_page(&state, &actor, ctx, quiz, Carry::default(), again).await,
        result => console_after(&state, &actor, ctx, quiz, format!("/quizzes/{quiz}#answers"), again, result).await,
    }
}

#[derive(Template)]
#[template(path = "quizzes/screen.html")]
struct ScreenPage {
    p: PageCtx,
    id: i64,
    standings: StandingsView,
}

#[derive(Template)]
#[template(path = "quizzes/_standings.html")]
struct StandingsFragment {
    p: Lang,
    standings: StandingsView,
}

/// The big screen for a projector: the standings, what just happened, and who plays off.
pub async fn show_screen(
    State(state): State<AppState>,
    SignedIn { actor: _, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let console = quizzes::scoreboard(&state.app, QuizId(id)).await?;
    let standings = standings_view(&console.standings, &team_labels(&console, ctx.t), ctx.t);
    Ok(render(&ScreenPage { p: ctx.with_nav("contests"), id, standings }))
}

/// The standings of a quiz as HTML in the language of `t`, the same for everyone signed in.
pub(super) async fn standings_html(state: &AppState, t: Tr, id: QuizId) -> Result<String, AppError> {
    let console = quizzes::scoreboard(&state.app, id).await?;
    let standings = standings_view(&console.standings, &team_labels(&console, t), t);
    render_html(&StandingsFragment { p: Lang { t }, standings })
        .ok_or_else(|| AppError::Internal("standings template failed".into()))
}

/// The standings as a stream of HTML fragments for the big screen.
pub async fn standings_events(
    State(state): State<AppState>,
    SignedIn { actor: _, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, crate::ui::page::PageError> {
    super::screens::events(state, ctx, Screen::Quiz(QuizId(id))).await
}
