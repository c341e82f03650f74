//! A judge's page (评委打分): each round they sit on, the entry on stage, the score card, and a
//! refused score shown again with what was typed.

use crate::ui::context::{PageCtx, SignedIn, render};
use crate::{
    AppState,
    i18n::Tr,
    ui::page::{PageForm, PageResult, field_errors},
};
use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{
    AppError,
    contests::{self, Desk, ScoreInput},
};
use pacesetter_domain::{
    contest::{Entry, JudgeScore, Kind},
    ids::ContestEntryId,
};
use rust_decimal::Decimal;

use super::*;

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
