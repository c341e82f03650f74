//! A round's page: the board, the draw and the moves on stage, judges and entries, score
//! corrections, promotion, results and bonus items.

use crate::ui::context::{PageCtx, SignedIn, render};
use crate::ui::page::saved;
use crate::{
    AppState,
    i18n::Tr,
    ui::{
        multipart::MultipartForm,
        page::{PageForm, PageResult, field_errors},
    },
};
use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{
    AppError,
    contests::{self, Board, EntryInput, Move, ScoreInput, Seated, UnitRef},
};
use pacesetter_domain::{
    ValidationError,
    contest::{Kind, RoundStatus},
    ids::{ContestEntryId, ContestRoundId},
};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::*;

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
    /// The contest's name in the reader's language (the big screen's, whoever opened it).
    pub contest: Named,
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

pub(super) fn board_view(board: &Board, units: &[String], t: Tr) -> BoardView {
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
        contest: Named::of(&board.contest.name, board.contest.name_bo.as_deref(), t.locale),
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

pub(super) fn unit_names(units: &[pacesetter_domain::unit::Unit], t: Tr) -> Vec<String> {
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
