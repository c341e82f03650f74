//! Contest pages (演讲比赛): the list of contests, a contest with its rounds, the organiser's
//! console of a round, the judge's phone page and the big screen, which a Server-Sent Events
//! stream keeps current. Every page calls the same app functions as the JSON API.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{
    AppError,
    contests::{self, Board, ContestInput, Desk, EntryInput, Move, RoundInput, ScoreInput, Seated, UnitRef},
    live::Screen,
    units,
};
use pacesetter_domain::{
    ValidationError,
    contest::{Criterion, Entry, JudgeScore, Kind, Reveal, RoundStatus, Rules, Stage},
    evaluation::Rounding,
    ids::{CampaignId, ContestAwardId, ContestEntryId, ContestId, ContestRoundId},
};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{
    context::{PageCtx, SignedIn, render, render_html},
    screens::Lang,
};
use crate::ui::page::saved;
use crate::{
    AppState,
    i18n::Tr,
    ui::{
        multipart::MultipartForm,
        page::{PageForm, PageResult, field_errors},
    },
};

fn dec(value: Decimal) -> String {
    value.normalize().to_string()
}

/// The message for `field`, or nothing.
fn message(errors: &ValidationError, field: &str, t: Tr) -> String {
    errors.code_for(field).map(|code| t.error(code)).unwrap_or_default()
}

pub struct ContestRow {
    pub id: i64,
    pub name: String,
    pub campaign: String,
    pub rounds: usize,
    pub open: usize,
}

pub struct QuizRow {
    pub id: i64,
    pub name: String,
    pub campaign: String,
    pub teams: usize,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "contests/index.html")]
struct ListPage {
    p: PageCtx,
    contests: Vec<ContestRow>,
    quizzes: Vec<QuizRow>,
    /// The campaigns the visitor may set a contest or quiz up in.
    campaigns: Vec<(i64, String)>,
    forms: ListForms,
}

impl ListPage {
    fn error(&self, field: &str) -> String {
        message(&self.forms.contest_errors, field, self.p.t)
    }

    fn quiz_error(&self, field: &str) -> String {
        message(&self.forms.quiz_errors, field, self.p.t)
    }
}

/// The events page's two forms, one of them perhaps sent back with what was refused.
#[derive(Default)]
pub(super) struct ListForms {
    contest: ContestForm,
    contest_errors: ValidationError,
    quiz: super::quizzes::QuizForm,
    quiz_errors: ValidationError,
}

impl ListForms {
    pub(super) fn quiz_refused(quiz: super::quizzes::QuizForm, errors: ValidationError) -> Self {
        Self { quiz, quiz_errors: errors, ..Self::default() }
    }

    fn refused(&self) -> bool {
        !self.contest_errors.is_empty() || !self.quiz_errors.is_empty()
    }
}

#[derive(Deserialize)]
pub struct ContestForm {
    #[serde(default)]
    campaign_id: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tie_criterion: String,
    #[serde(default)]
    reveal: String,
    #[serde(default)]
    rounding: String,
    #[serde(default = "one")]
    trim_high: String,
    #[serde(default = "one")]
    trim_low: String,
}

fn one() -> String {
    "1".into()
}

impl Default for ContestForm {
    fn default() -> Self {
        Self {
            campaign_id: 0,
            name: String::new(),
            kind: String::new(),
            tie_criterion: String::new(),
            reveal: String::new(),
            rounding: String::new(),
            trim_high: one(),
            trim_low: one(),
        }
    }
}

pub(super) async fn list_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    forms: ListForms,
) -> PageResult {
    let overview = contests::overview(&state.app, actor).await?;
    let quizzes = overview
        .quizzes
        .into_iter()
        .map(|q| QuizRow {
            id: q.quiz.id.0,
            name: q.quiz.name,
            campaign: q.campaign,
            teams: q.teams,
            status: q.quiz.status.as_str(),
        })
        .collect();
    let contests = overview
        .contests
        .into_iter()
        .map(|c| ContestRow {
            id: c.contest.id.0,
            name: c.contest.name,
            campaign: c.campaign,
            rounds: c.rounds.len(),
            open: c.rounds.iter().filter(|r| r.status == RoundStatus::Open).count(),
        })
        .collect();
    let campaigns = pacesetter_app::plans::manageable_campaigns(&state.app, actor)
        .await?
        .into_iter()
        .map(|c| (c.id.0, c.name))
        .collect();
    let status = if forms.refused() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ListPage { p: ctx.with_nav("contests"), contests, quizzes, campaigns, forms };
    Ok((status, render(&page)).into_response())
}

pub async fn list_contests(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn) -> PageResult {
    list_page(&state, &actor, ctx, ListForms::default()).await
}

fn contest_refused(contest: ContestForm, errors: ValidationError) -> ListForms {
    ListForms { contest, contest_errors: errors, ..ListForms::default() }
}

pub async fn create_contest(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<ContestForm>,
) -> PageResult {
    let trim = |text: &str, field: &'static str| {
        text.trim().parse::<u32>().map_err(|_| ValidationError::single(field, "out_of_range"))
    };
    let (trim_high, trim_low) = match (trim(&form.trim_high, "trim_high"), trim(&form.trim_low, "trim_low")) {
        (Ok(high), Ok(low)) => (high, low),
        (Err(errors), _) | (_, Err(errors)) => {
            return list_page(&state, &actor, ctx, contest_refused(form, errors)).await;
        }
    };
    let rules = Rules {
        trim_high,
        trim_low,
        rounding: Rounding::parse(&form.rounding).unwrap_or(Rounding::HalfUp),
        reveal: Reveal::parse(&form.reveal).unwrap_or(Reveal::AtOnce),
        tie_criterion: Some(form.tie_criterion.clone()).filter(|t| !t.trim().is_empty()),
        ..Rules::default()
    };
    let kind = Kind::parse(&form.kind).unwrap_or(Kind::Speech);
    let input = ContestInput { name: &form.name, kind, plan_item: None, rules };
    match contests::create(&state.app, &actor, CampaignId(form.campaign_id), &input).await {
        Ok(contest) => Ok(saved(&format!("/contests/{}", contest.id))),
        Err(error) => list_page(&state, &actor, ctx, contest_refused(form, field_errors(error)?)).await,
    }
}

pub struct RoundRow {
    pub id: i64,
    pub name: String,
    pub stage: &'static str,
    pub status: &'static str,
    pub criteria: String,
    pub published: bool,
}

#[derive(Template)]
#[template(path = "contests/show.html")]
struct ContestPage {
    p: PageCtx,
    id: i64,
    name: String,
    rules: String,
    rounds: Vec<RoundRow>,
    can_organise: bool,
    /// An exhibition: its rounds are categories, without stages, prefectures or advancing.
    exhibition: bool,
    stages: [Stage; 3],
    form: RoundForm,
    /// Awards to units: (id, unit, title).
    awards: Vec<(i64, String, String)>,
    award: AwardForm,
    errors: ValidationError,
}

/// The organiser's form giving a unit an award.
#[derive(Deserialize)]
pub struct AwardForm {
    #[serde(default)]
    award_unit: String,
    #[serde(default)]
    award_title: String,
}

impl AwardForm {
    fn fresh(t: Tr) -> Self {
        Self { award_unit: String::new(), award_title: t.t("contest.award_default").to_owned() }
    }

    /// The use case's errors under this form's own field names, apart from the round form's.
    fn fields(errors: ValidationError) -> ValidationError {
        let mut own = ValidationError::new();
        for error in errors.fields {
            let field = match error.field {
                "unit_id" => "award_unit",
                "title" => "award_title",
                other => other,
            };
            own.push(field, error.code);
        }
        own
    }
}

impl ContestPage {
    fn error(&self, field: &str) -> String {
        message(&self.errors, field, self.p.t)
    }
}

#[derive(Deserialize, Default)]
pub struct RoundForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    advance: String,
    /// How many first, second, third … prizes: "5 10 35".
    #[serde(default)]
    prizes: String,
    /// One criterion a line: its name and its most points, "内容 40".
    #[serde(default)]
    criteria: String,
}

impl RoundForm {
    fn criteria(&self) -> Result<Vec<Criterion>, AppError> {
        let mut out = Vec::new();
        for line in self.criteria.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (name, max) = line
                .rsplit_once(|c: char| c.is_whitespace() || c == ',' || c == '，')
                .ok_or(AppError::invalid("criteria", "score_out_of_range"))?;
            let max = max.trim().parse::<Decimal>().map_err(|_| AppError::invalid("criteria", "score_out_of_range"))?;
            let name = name.trim().to_owned();
            out.push(Criterion { code: name.clone(), name, max });
        }
        Ok(out)
    }
}

fn rules_text(rules: &Rules, t: Tr) -> String {
    let mut text = t.f(
        "contest.rules_text",
        &[("high", &rules.trim_high), ("low", &rules.trim_low), ("precision", &rules.precision)],
    );
    text.push_str(" · ");
    text.push_str(t.tk("contest.rounding", rules.rounding.as_str()));
    text.push_str(" · ");
    text.push_str(t.tk("contest.reveal", rules.reveal.as_str()));
    if let Some(code) = &rules.tie_criterion {
        text.push_str(" · ");
        text.push_str(&t.f("contest.tie_by", &[("criterion", code)]));
    }
    text
}

async fn contest_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    id: i64,
    (form, award): (RoundForm, AwardForm),
    errors: ValidationError,
) -> PageResult {
    let view = contests::get(&state.app, actor, ContestId(id)).await?;
    let rounds = view
        .rounds
        .iter()
        .map(|r| RoundRow {
            id: r.id.0,
            name: r.name.clone(),
            stage: r.stage.as_str(),
            status: r.status.as_str(),
            criteria: r.criteria.iter().map(|c| format!("{} {}", c.name, dec(c.max))).collect::<Vec<_>>().join(" · "),
            published: r.published_at.is_some(),
        })
        .collect();
    let awards = view
        .awards
        .iter()
        .map(|(award, unit)| (award.id.0, unit.display_name(ctx.t.locale).to_owned(), award.title.clone()))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ContestPage {
        rules: rules_text(&view.contest.rules, ctx.t),
        p: ctx.with_nav("contests"),
        id,
        name: view.contest.name,
        rounds,
        can_organise: view.can_organise,
        exhibition: view.contest.kind == Kind::Exhibition,
        stages: Stage::ALL,
        form,
        awards,
        award,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_contest(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let form = RoundForm { criteria: ctx.t.t("contest.criteria_example").to_owned(), ..RoundForm::default() };
    let award = AwardForm::fresh(ctx.t);
    contest_page(&state, &actor, ctx, id, (form, award), ValidationError::new()).await
}

pub async fn add_award(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(award): PageForm<AwardForm>,
) -> PageResult {
    let unit = UnitRef::Typed(&award.award_unit);
    let error = match contests::add_award(&state.app, &actor, ContestId(id), unit, &award.award_title).await {
        Ok(_) => return Ok(saved(&format!("/contests/{id}#awards"))),
        Err(AppError::Conflict(code)) => ValidationError::single("award_unit", code),
        Err(error) => AwardForm::fields(field_errors(error)?),
    };
    let form = RoundForm { criteria: ctx.t.t("contest.criteria_example").to_owned(), ..RoundForm::default() };
    contest_page(&state, &actor, ctx, id, (form, award), error).await
}

#[derive(Deserialize)]
pub struct AwardRemoval {
    contest_id: i64,
}

pub async fn remove_award(
    State(state): State<AppState>,
    SignedIn { actor, ctx: _ }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AwardRemoval>,
) -> PageResult {
    contests::remove_award(&state.app, &actor, ContestAwardId(id)).await?;
    Ok(Redirect::to(&format!("/contests/{}#awards", form.contest_id)).into_response())
}

pub async fn add_round(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RoundForm>,
) -> PageResult {
    let result = async {
        let stage = Stage::parse(&form.stage).ok_or(AppError::invalid("stage", "invalid_stage"))?;
        let unit = units::typed(&state.app, &actor, &form.unit_code, "unit_id").await?;
        let advance = match form.advance.trim() {
            "" => 0,
            text => text.parse().map_err(|_| AppError::invalid("advance", "out_of_range"))?,
        };
        let prizes = form
            .prizes
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | '/'))
            .filter(|p| !p.is_empty())
            .map(|p| p.parse::<u32>().map_err(|_| AppError::invalid("prizes", "out_of_range")))
            .collect::<Result<Vec<_>, _>>()?;
        let input = RoundInput { name: &form.name, stage, unit, advance, criteria: form.criteria()?, prizes };
        contests::add_round(&state.app, &actor, ContestId(id), &input).await
    }
    .await;
    match result {
        Ok(round) => Ok(saved(&format!("/contest-rounds/{}", round.id))),
        Err(error) => {
            let award = AwardForm::fresh(ctx.t);
            contest_page(&state, &actor, ctx, id, (form, award), field_errors(error)?).await
        }
    }
}

/// A line of the board as the pages show it.
#[derive(Clone)]
pub struct LineView {
    pub order: String,
    pub contestant: String,
    pub unit: String,
    pub title: String,
    pub judge_scores: Vec<String>,
    /// "2 of 7 judges" while the score is not yet in.
    pub progress: String,
    pub score: String,
    pub rank: String,
    pub on_stage: bool,
    /// Where an exhibition work's picture is read.
    pub image: Option<String>,
    /// "一等奖", once the round is closed.
    pub prize: String,
}

/// The board as the console and the big screen show it.
pub struct BoardView {
    pub contest: String,
    pub round: String,
    /// The round awards prizes and is closed: the board shows them.
    pub prizes: bool,
    /// An exhibition's category: its lines are works by their authors.
    pub exhibition: bool,
    /// "On stage · No. 3", or where the round stands.
    pub stage_label: String,
    /// Each seat's label and the score shown for the contestant on stage.
    pub seat_scores: Vec<(String, String)>,
    pub on_stage: Option<LineView>,
    pub lines: Vec<LineView>,
}

/// "一等奖", "二等奖", "三等奖", then "第 4 等奖".
fn prize_label(level: usize, t: Tr) -> String {
    match level {
        0..=2 => t.tk("contest.prize", ["first", "second", "third"][level]).to_owned(),
        _ => t.f("contest.prize_n", &[("n", &(level + 1))]),
    }
}

fn board_view(board: &Board, units: &[String], t: Tr) -> BoardView {
    let on_stage = board.on_stage.as_ref().map(|e| e.id);
    let lines: Vec<LineView> = board
        .lines
        .iter()
        .zip(units)
        .map(|(line, unit)| LineView {
            order: line.entry.running_order.map(|o| o.to_string()).unwrap_or_default(),
            contestant: line.entry.contestant.clone(),
            unit: unit.clone(),
            title: line.entry.title.clone(),
            judge_scores: line
                .judge_scores
                .iter()
                .zip(&line.excused)
                .map(|(score, excused)| match (score, excused) {
                    (Some(score), _) => dec(*score),
                    (None, true) => t.t("contest.excused_short").to_owned(),
                    (None, false) => "—".into(),
                })
                .collect(),
            progress: t.f("contest.scored_of", &[("n", &line.scored), ("of", &line.eligible)]),
            score: line
                .standing
                .score
                .map(|s| format!("{:.*}", board.contest.rules.precision as usize, s))
                .unwrap_or_default(),
            rank: line.standing.rank.map(|r| r.to_string()).unwrap_or_default(),
            on_stage: Some(line.entry.id) == on_stage,
            image: line.entry.image.as_ref().map(|_| format!("/contest-entries/{}/image", line.entry.id)),
            prize: line.prize.map(|p| prize_label(p, t)).unwrap_or_default(),
        })
        .collect();
    let current = lines.iter().position(|l| l.on_stage);
    let stage_label = match current {
        Some(at) => format!("{} · {}", t.t("contest.on_stage"), t.f("contest.order_no", &[("n", &lines[at].order)])),
        None => t.tk("contest.status", board.round.status.as_str()).to_owned(),
    };
    let seat_scores = match current {
        Some(at) => lines[at]
            .judge_scores
            .iter()
            .enumerate()
            .map(|(i, s)| (t.f("contest.seat_no", &[("n", &(i + 1))]), s.clone()))
            .collect(),
        None => Vec::new(),
    };
    let on_stage = current.map(|at| lines[at].clone());
    BoardView {
        contest: board.contest.name.clone(),
        round: board.round.name.clone(),
        prizes: board.round.status == RoundStatus::Closed && !board.round.prizes.is_empty(),
        exhibition: board.contest.kind == Kind::Exhibition,
        stage_label,
        seat_scores,
        on_stage,
        lines,
    }
}

pub struct SeatView {
    pub user_id: i64,
    pub name: String,
    pub unit: String,
}

#[derive(Template)]
#[template(path = "contests/round.html")]
struct RoundPage {
    p: PageCtx,
    id: i64,
    contest_id: i64,
    version: i64,
    stage: &'static str,
    draw_seed: String,
    can_organise: bool,
    in_setup: bool,
    is_open: bool,
    exhibition: bool,
    /// Closed and not yet published: the organiser may publish the results.
    publishable: bool,
    published: bool,
    closed: bool,
    prizes: String,
    /// The campaign's open evaluations the results can give bonus items to.
    evaluations: Vec<(i64, String)>,
    /// What the last bonus form did: "3 bonus items added".
    notice: String,
    /// The organiser may correct a kept score: while the round is open or closed, not published.
    correctable: bool,
    /// Each entry's id and label, for the correction form.
    entries: Vec<(i64, String)>,
    /// The round's criteria as the correction form asks for them: field, name, most points and
    /// "at most 40".
    criteria_fields: Vec<(String, String, String, String)>,
    correction_key: String,
    /// The contest's rounds being set up, which this closed round's best can go on to.
    next_rounds: Vec<(i64, String)>,
    /// "The best 2 go on to", for a round that sends some on.
    promote_label: String,
    /// Once published: each prize-winner's label and entry, for their certificate.
    certificates: Vec<(String, i64)>,
    criteria: String,
    seats: Vec<SeatView>,
    board: BoardView,
    form: RoundEntryForm,
    errors: ValidationError,
    refusal: String,
}

impl RoundPage {
    fn error(&self, field: &str) -> String {
        message(&self.errors, field, self.p.t)
    }
}

#[derive(Deserialize, Default)]
pub struct RoundEntryForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    contestant: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    title: String,
}

/// What to show again after a refused form on the console.
struct Again {
    form: RoundEntryForm,
    errors: ValidationError,
    refusal: String,
    notice: String,
}

fn unit_names(units: &[pacesetter_domain::unit::Unit], t: Tr) -> Vec<String> {
    units.iter().map(|u| u.display_name(t.locale).to_owned()).collect()
}

async fn round_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    id: i64,
    again: Again,
) -> PageResult {
    let console = contests::console(&state.app, actor, ContestRoundId(id)).await?;
    let t = ctx.t;
    let round = &console.board.round;
    let status = if again.errors.is_empty() && again.refusal.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RoundPage {
        id,
        contest_id: console.board.contest.id.0,
        version: round.version,
        stage: round.stage.as_str(),
        draw_seed: round.draw_seed.map(|s| s.to_string()).unwrap_or_default(),
        can_organise: console.can_organise,
        in_setup: round.status == RoundStatus::Setup,
        is_open: round.status == RoundStatus::Open,
        exhibition: console.board.contest.kind == Kind::Exhibition,
        publishable: round.status == RoundStatus::Closed && round.published_at.is_none(),
        published: round.published_at.is_some(),
        closed: round.status == RoundStatus::Closed,
        evaluations: console.evaluations.iter().map(|(id, name)| (id.0, name.clone())).collect(),
        notice: again.notice,
        correctable: round.status != RoundStatus::Setup && round.published_at.is_none(),
        entries: console
            .board
            .lines
            .iter()
            .map(|l| {
                let order = l.entry.running_order.map(|o| format!("{} ", t.f("contest.order_no", &[("n", &o)])));
                (l.entry.id.0, format!("{}{}", order.unwrap_or_default(), l.entry.contestant))
            })
            .collect(),
        criteria_fields: round
            .criteria
            .iter()
            .map(|c| (format!("c.{}", c.code), c.name.clone(), dec(c.max), t.f("contest.max", &[("n", &dec(c.max))])))
            .collect(),
        correction_key: pacesetter_app::auth::random_token(),
        next_rounds: console.next_rounds.iter().map(|r| (r.id.0, r.name.clone())).collect(),
        certificates: if round.published_at.is_some() {
            console
                .board
                .lines
                .iter()
                .filter_map(|l| {
                    l.prize.map(|p| (format!("{} · {}", prize_label(p, t), l.entry.contestant), l.entry.id.0))
                })
                .collect()
        } else {
            Vec::new()
        },
        promote_label: match round.advance {
            0 => String::new(),
            n => t.f("contest.promote_label", &[("n", &n)]),
        },
        prizes: round
            .prizes
            .iter()
            .enumerate()
            .map(|(level, n)| format!("{} {n}", prize_label(level, t)))
            .collect::<Vec<_>>()
            .join(" · "),
        criteria: round.criteria.iter().map(|c| format!("{} {}", c.name, dec(c.max))).collect::<Vec<_>>().join(" · "),
        seats: console
            .seats
            .iter()
            .map(|s| SeatView {
                user_id: s.judge.user_id.0,
                name: s.name.clone(),
                unit: s.unit.display_name(t.locale).to_owned(),
            })
            .collect(),
        board: board_view(&console.board, &unit_names(&console.entry_units, t), t),
        form: again.form,
        errors: again.errors,
        refusal: again.refusal,
        p: ctx.with_nav("contests"),
    };
    Ok((status, render(&page)).into_response())
}

fn fresh() -> Again {
    Again {
        form: RoundEntryForm::default(),
        errors: ValidationError::new(),
        refusal: String::new(),
        notice: String::new(),
    }
}

pub async fn show_round(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    round_page(&state, &actor, ctx, id, fresh()).await
}

/// Back to the console, or the console again with what was refused.
async fn console_after<T>(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    id: i64,
    form: RoundEntryForm,
    result: Result<T, AppError>,
) -> PageResult {
    match result {
        Ok(_) => Ok(saved(&format!("/contest-rounds/{id}"))),
        Err(AppError::Conflict(code)) => {
            let refusal = ctx.t.error(code);
            let again = Again { form, errors: ValidationError::new(), refusal, notice: String::new() };
            round_page(state, actor, ctx, id, again).await
        }
        Err(error) => {
            let errors = field_errors(error)?;
            round_page(state, actor, ctx, id, Again { form, errors, refusal: String::new(), notice: String::new() })
                .await
        }
    }
}

pub async fn seat_judge(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RoundEntryForm>,
) -> PageResult {
    let result = contests::seat_judge(&state.app, &actor, ContestRoundId(id), Seated::Username(&form.username)).await;
    console_after(&state, &actor, ctx, id, form, result).await
}

pub async fn add_entry(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    form: MultipartForm,
) -> PageResult {
    let typed = RoundEntryForm {
        contestant: form.value("contestant"),
        unit_code: form.value("unit_code"),
        title: form.value("title"),
        ..RoundEntryForm::default()
    };
    let image = form.files("image").find(|f| !f.bytes.is_empty()).map(|f| f.bytes.clone());
    let input = EntryInput {
        contestant: &typed.contestant,
        unit: UnitRef::Typed(&typed.unit_code),
        title: &typed.title,
        image,
    };
    let result = contests::add_entry(&state.app, &actor, ContestRoundId(id), &input).await;
    console_after(&state, &actor, ctx, id, typed, result).await
}

pub async fn publish_round(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<MoveForm>,
) -> PageResult {
    let result = contests::publish(&state.app, &actor, ContestRoundId(id), form.version).await;
    console_after(&state, &actor, ctx, id, RoundEntryForm::default(), stale_as_conflict(result)).await
}

/// The organiser corrects a judge's kept score with a reason; both scores are kept.
pub async fn correct_score(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let value =
        |name: &str| fields.iter().find(|(f, _)| f == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let result = async {
        let entry = value("entry_id").parse().map_err(|_| AppError::invalid("entry_id", "invalid_input"))?;
        let judge = value("judge_id").parse().map_err(|_| AppError::invalid("judge_id", "invalid_input"))?;
        let mut points = Vec::new();
        for (field, text) in &fields {
            let Some(code) = field.strip_prefix("c.") else { continue };
            let typed = text.trim().replace('。', ".").parse::<Decimal>();
            points.push((code.to_owned(), typed.map_err(|_| AppError::invalid("criteria", "score_out_of_range"))?));
        }
        let key = value("key");
        let input = ScoreInput { criteria: points, key: &key };
        let reason = value("reason");
        contests::correct_judges_score(
            &state.app,
            &actor,
            ContestEntryId(entry),
            pacesetter_domain::UserId(judge),
            &input,
            &reason,
        )
        .await
    }
    .await;
    match result {
        Ok(score) => {
            let notice = ctx.t.f("contest.corrected", &[("total", &dec(score.total))]);
            round_page(&state, &actor, ctx, id, Again { notice, ..fresh() }).await
        }
        Err(AppError::Invalid(errors)) => {
            let first = errors.fields.first();
            let label = match first.map(|f| f.field) {
                Some("reason") => ctx.t.t("contest.correct_reason"),
                _ => ctx.t.t("contest.criteria"),
            };
            let refusal = format!("{label}：{}", ctx.t.error(first.map_or("invalid_input", |f| f.code)));
            round_page(&state, &actor, ctx, id, Again { refusal, ..fresh() }).await
        }
        Err(error) => console_after(&state, &actor, ctx, id, RoundEntryForm::default(), Err::<(), _>(error)).await,
    }
}

#[derive(Deserialize)]
pub struct PromoteForm {
    #[serde(default)]
    to_round_id: i64,
}

pub async fn promote(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<PromoteForm>,
) -> PageResult {
    match contests::promote(&state.app, &actor, ContestRoundId(id), ContestRoundId(form.to_round_id)).await {
        Ok(made) => {
            let notice = ctx.t.f("contest.promoted", &[("n", &made.len())]);
            round_page(&state, &actor, ctx, id, Again { notice, ..fresh() }).await
        }
        Err(error) => console_after(&state, &actor, ctx, id, RoundEntryForm::default(), Err::<(), _>(error)).await,
    }
}

/// The round's results as a workbook, in the visitor's language.
pub async fn results_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(crate::api::results_workbook(&state, &actor, ContestRoundId(id), ctx.t).await?)
}

#[derive(Deserialize)]
pub struct BonusForm {
    #[serde(default)]
    evaluation_id: i64,
    /// Points for a first, second, third … prize: "3 2 1".
    #[serde(default)]
    points: String,
}

pub async fn bonus_items(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<BonusForm>,
) -> PageResult {
    let result = async {
        let points = form
            .points
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | '/'))
            .filter(|p| !p.is_empty())
            .map(|p| p.parse::<Decimal>().map_err(|_| AppError::invalid("points", "out_of_range")))
            .collect::<Result<Vec<_>, _>>()?;
        let scheme = pacesetter_domain::evaluation::records::SchemeId(form.evaluation_id);
        contests::bonus_from_results(&state.app, &actor, ContestRoundId(id), scheme, &points).await
    }
    .await;
    match result {
        Ok(items) => {
            let notice = ctx.t.f("contest.bonus_added", &[("n", &items.len())]);
            round_page(&state, &actor, ctx, id, Again { notice, ..fresh() }).await
        }
        Err(error) => console_after(&state, &actor, ctx, id, RoundEntryForm::default(), Err::<(), _>(error)).await,
    }
}

/// An entry's picture, for everyone signed in.
pub async fn show_entry_image(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let (content_type, bytes) = contests::entry_image(&state.app, &actor, ContestEntryId(id)).await?;
    Ok(crate::api::picture(&content_type, bytes))
}

#[derive(Deserialize)]
pub struct MoveForm {
    version: i64,
    #[serde(default, rename = "move")]
    step: String,
}

pub async fn draw(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<MoveForm>,
) -> PageResult {
    let result = contests::draw(&state.app, &actor, ContestRoundId(id), form.version).await;
    console_after(&state, &actor, ctx, id, RoundEntryForm::default(), stale_as_conflict(result)).await
}

pub async fn advance_round(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<MoveForm>,
) -> PageResult {
    let step = match form.step.as_str() {
        "open" => Move::Open,
        "next" => Move::Next,
        _ => Move::Close,
    };
    let result = contests::advance(&state.app, &actor, ContestRoundId(id), form.version, step).await;
    console_after(&state, &actor, ctx, id, RoundEntryForm::default(), stale_as_conflict(result)).await
}

/// A button pressed on a console that someone else moved on meanwhile: said, not an error page.
fn stale_as_conflict<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    result.map_err(|error| match error {
        AppError::Stale { .. } => AppError::Conflict("changed_meanwhile"),
        other => other,
    })
}

/// A criterion on the judge's form, with what was typed.
pub struct CriterionField {
    pub field: String,
    pub name: String,
    pub max: String,
    /// "at most 40".
    pub max_label: String,
    pub typed: String,
}

/// One round on the judge's phone.
pub struct DeskView {
    pub contest: String,
    pub round: String,
    pub entry_id: i64,
    /// "No. 3 · 卓玛", or an exhibition work's title.
    pub heading: String,
    pub title: String,
    /// Where an exhibition work's picture is read.
    pub image: Option<String>,
    pub criteria: Vec<CriterionField>,
    /// The judge's kept total, once sent.
    pub kept: String,
    pub kept_parts: String,
    pub excused: bool,
    pub waiting: bool,
    /// A key for this form, so that a form sent twice is kept once.
    pub key: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "contests/judging.html")]
struct JudgingPage {
    p: PageCtx,
    desks: Vec<DeskView>,
}

/// A score form sent back: for which entry, what was typed, and why it was refused.
struct Refused {
    entry: i64,
    fields: Vec<(String, String)>,
    error: String,
}

/// The cards of a judge's desk: the contestant on stage, or each work of an exhibition's
/// category (shown by title only: the jury does not see whose it is).
fn desk_views(desk: &Desk, refused: Option<&Refused>, t: Tr) -> Vec<DeskView> {
    if desk.contest.kind == Kind::Exhibition {
        return desk.gallery.iter().map(|(entry, score)| card(desk, Some(entry), score.as_ref(), refused, t)).collect();
    }
    vec![card(desk, desk.on_stage.as_ref(), desk.my_score.as_ref(), refused, t)]
}

fn card(desk: &Desk, entry: Option<&Entry>, score: Option<&JudgeScore>, refused: Option<&Refused>, t: Tr) -> DeskView {
    let entry_id = entry.map_or(0, |e| e.id.0);
    let refused = refused.filter(|r| r.entry == entry_id);
    let value = |field: &str| {
        refused.and_then(|r| r.fields.iter().find(|(f, _)| f == field)).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let exhibition = desk.contest.kind == Kind::Exhibition;
    let heading = entry.map(|e| {
        if exhibition {
            e.title.clone()
        } else {
            let order = e.running_order.map(|o| o.to_string()).unwrap_or_default();
            format!("{} · {}", t.f("contest.order_no", &[("n", &order)]), e.contestant)
        }
    });
    DeskView {
        contest: desk.contest.name.clone(),
        round: desk.round.name.clone(),
        entry_id,
        heading: heading.unwrap_or_default(),
        title: entry.filter(|_| !exhibition).map(|e| e.title.clone()).unwrap_or_default(),
        image: entry.and_then(|e| e.image.as_ref().map(|_| format!("/contest-entries/{}/image", e.id))),
        criteria: desk
            .round
            .criteria
            .iter()
            .map(|c| {
                let field = format!("c.{}", c.code);
                let max_label = t.f("contest.max", &[("n", &dec(c.max))]);
                CriterionField { typed: value(&field), field, name: c.name.clone(), max: dec(c.max), max_label }
            })
            .collect(),
        kept: score.map(|s| dec(s.total)).unwrap_or_default(),
        kept_parts: score
            .map(|s| s.criteria.iter().map(|(code, v)| format!("{code} {}", dec(*v))).collect::<Vec<_>>().join(" · "))
            .unwrap_or_default(),
        excused: desk.excused && !exhibition,
        waiting: entry.is_none() && !desk.excused,
        key: Some(value("key")).filter(|k| !k.is_empty()).unwrap_or_else(pacesetter_app::auth::random_token),
        error: refused.map(|r| r.error.clone()).unwrap_or_default(),
    }
}

async fn judging_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    refused: Option<Refused>,
) -> PageResult {
    let desks: Vec<DeskView> =
        contests::desks(&state.app, actor).await?.iter().flat_map(|d| desk_views(d, refused.as_ref(), ctx.t)).collect();
    let status = if refused.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&JudgingPage { p: ctx.with_nav("judging"), desks })).into_response())
}

pub async fn show_judging(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn) -> PageResult {
    judging_page(&state, &actor, ctx, None).await
}

pub async fn submit_score(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let key = fields.iter().find(|(f, _)| f == "key").map(|(_, k)| k.clone()).unwrap_or_default();
    let mut points = Vec::new();
    // Each criterion is a field `c.<code>`; a full-width stop typed for the point is read as one.
    for (field, text) in &fields {
        let Some(code) = field.strip_prefix("c.") else { continue };
        match text.trim().replace('。', ".").parse::<Decimal>() {
            Ok(value) => points.push((code.to_owned(), value)),
            Err(_) => {
                let error = ctx.t.f("contest.score_missing", &[("criterion", &code)]);
                return judging_page(&state, &actor, ctx, Some(Refused { entry: id, fields, error })).await;
            }
        }
    }
    let input = ScoreInput { criteria: points, key: &key };
    match contests::submit_score(&state.app, &actor, ContestEntryId(id), &input).await {
        Ok(_) => Ok(Redirect::to("/judging").into_response()),
        Err(AppError::Conflict(code)) => {
            let error = ctx.t.error(code);
            judging_page(&state, &actor, ctx, Some(Refused { entry: id, fields, error })).await
        }
        Err(error) => {
            let errors = field_errors(error)?;
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            let error = ctx.t.error(code);
            judging_page(&state, &actor, ctx, Some(Refused { entry: id, fields, error })).await
        }
    }
}

#[derive(Template)]
#[template(path = "contests/screen.html")]
struct ScreenPage {
    p: PageCtx,
    id: i64,
    board: BoardView,
}

#[derive(Template)]
#[template(path = "contests/_board.html")]
struct BoardFragment {
    p: Lang,
    board: BoardView,
}

/// The board of a round as HTML in the language of `t`, the same for everyone signed in.
pub(super) async fn board_html(state: &AppState, t: Tr, id: ContestRoundId) -> Result<String, AppError> {
    let scoreboard = contests::scoreboard(&state.app, id).await?;
    let board = board_view(&scoreboard.board, &unit_names(&scoreboard.entry_units, t), t);
    render_html(&BoardFragment { p: Lang { t }, board })
        .ok_or_else(|| AppError::Internal("board template failed".into()))
}

/// The big screen for a projector: the contestant on stage, each judge's score as it arrives
/// (as the contest's reveal rule allows), and the ranking, kept current by [`board_events`].
pub async fn show_screen(
    State(state): State<AppState>,
    SignedIn { actor: _, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let scoreboard = contests::scoreboard(&state.app, ContestRoundId(id)).await?;
    let board = board_view(&scoreboard.board, &unit_names(&scoreboard.entry_units, ctx.t), ctx.t);
    Ok(render(&ScreenPage { p: ctx.with_nav("contests"), id, board }))
}

/// The board as a stream of HTML fragments for the big screen.
pub async fn board_events(
    State(state): State<AppState>,
    SignedIn { actor: _, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, crate::ui::page::PageError> {
    super::screens::events(state, ctx, Screen::ContestRound(ContestRoundId(id))).await
}
