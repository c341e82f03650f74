//! Contest pages (演讲比赛): the list of contests, a contest with its rounds, the organiser's
//! console of a round, the judge's phone page and the big screen, which a Server-Sent Events
//! stream keeps current. Every page calls the same app functions as the JSON API.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{
    AppError,
    contests::{self, ContestInput, RoundInput, UnitRef},
    units,
};
use pacesetter_domain::{
    ValidationError,
    contest::{Criterion, Kind, Reveal, RoundStatus, Rules, Stage},
    evaluation::Rounding,
    ids::{CampaignId, ContestAwardId, ContestId},
};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, render};
use super::named::{Named, RenameForm};
use crate::ui::page::saved;
use crate::{
    AppState,
    i18n::Tr,
    ui::page::{PageForm, PageResult, field_errors, renamed_fields},
};

mod round;
pub use round::*;

mod screen;
pub use screen::*;

mod judging;
pub use judging::*;

fn dec(value: Decimal) -> String {
    value.normalize().to_string()
}

use crate::ui::page::field_message as message;

pub struct ContestRow {
    pub id: i64,
    pub name: Named,
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
    name_bo: String,
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
            name_bo: String::new(),
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
            name: Named::of(&c.contest.name, c.contest.name_bo.as_deref(), ctx.t.locale),
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
    let input = ContestInput { name: &form.name, name_bo: &form.name_bo, kind, plan_item: None, rules };
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
    name: Named,
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
    /// Renaming it, for the organiser.
    rename: RenameForm,
    errors: ValidationError,
}

/// The forms of the contest page, one of them perhaps sent back with what was refused.
struct ContestForms {
    round: RoundForm,
    award: AwardForm,
    rename: Option<RenameForm>,
}

impl ContestForms {
    fn fresh(t: Tr) -> Self {
        let round = RoundForm { criteria: t.t("contest.criteria_example").to_owned(), ..RoundForm::default() };
        Self { round, award: AwardForm::fresh(t), rename: None }
    }
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
        renamed_fields(errors, &[("unit_id", "award_unit"), ("title", "award_title")])
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
    ContestForms { round: form, award, rename }: ContestForms,
    errors: ValidationError,
) -> PageResult {
    let view = contests::get(&state.app, actor, ContestId(id)).await?;
    let c = &view.contest;
    let action = format!("/contests/{id}/name");
    let rename = rename.map_or_else(
        || RenameForm::of(action.clone(), c.version, &c.name, c.name_bo.as_deref()),
        |sent| RenameForm { action: action.clone(), ..sent },
    );
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
        name: Named::of(&view.contest.name, view.contest.name_bo.as_deref(), ctx.t.locale),
        p: ctx.with_nav("contests"),
        id,
        rounds,
        can_organise: view.can_organise,
        exhibition: view.contest.kind == Kind::Exhibition,
        stages: Stage::ALL,
        form,
        awards,
        award,
        rename,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_contest(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let forms = ContestForms::fresh(ctx.t);
    contest_page(&state, &actor, ctx, id, forms, ValidationError::new()).await
}

pub async fn rename_contest(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RenameForm>,
) -> PageResult {
    match contests::rename(&state.app, &actor, ContestId(id), form.version, &form.rename_zh, &form.rename_bo).await {
        Ok(_) => Ok(saved(&format!("/contests/{id}"))),
        Err(error) => {
            let errors = RenameForm::errors(field_errors(error)?, ("name", "name_bo"));
            let forms = ContestForms { rename: Some(form), ..ContestForms::fresh(ctx.t) };
            contest_page(&state, &actor, ctx, id, forms, errors).await
        }
    }
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
    let forms = ContestForms { award, ..ContestForms::fresh(ctx.t) };
    contest_page(&state, &actor, ctx, id, forms, error).await
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
            let forms = ContestForms { round: form, ..ContestForms::fresh(ctx.t) };
            contest_page(&state, &actor, ctx, id, forms, field_errors(error)?).await
        }
    }
}
