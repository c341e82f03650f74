//! The office's bonus, deduction and veto items (加分项, 扣分项, 一票否决) per unit, each with
//! its source, the form that records one, and the button that turns overdue or reopened
//! inspection findings into deduction items.

use crate::ui::named::Named;
use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{
    Actor, AppError, PageRequest,
    evaluations::{self, entries},
    units,
};
use pacesetter_domain::{
    UnitId,
    evaluation::{
        VetoEffect,
        records::{ItemEffect, SchemeId},
    },
};
use serde::Deserialize;
use serde_json::json;

use super::{dec, parse_decimal, unit_name};
use crate::ui::page::{PageForm, PageQuery, PageResult, saved};
use crate::{
    AppState,
    ui::context::{PageCtx, SignedIn, render},
};

pub struct ItemRow {
    pub unit: String,
    pub kind_key: String,
    pub effect: String,
    pub source: String,
    pub link: String,
    pub at: String,
}

pub struct UnitOption {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "evaluations/items.html")]
struct ItemsPage {
    p: PageCtx,
    scheme_id: i64,
    scheme_name: Named,
    items: Vec<ItemRow>,
    /// The units to choose from; empty when there are too many to list (then typed by code or name).
    units: Vec<UnitOption>,
    member_total: i64,
    grades: Vec<String>,
    form: ItemForm,
    error: String,
    field: String,
    page: usize,
    pages: usize,
    /// The finding-deduction form's points, and its message when refused.
    per_finding: String,
    deduct_error: String,
    /// What the last deduction run made.
    notice: String,
}

/// What the items page shows beyond what is stored: a message beside a field, the page, the
/// finding-deduction form as sent with its message, what the last deduction run made.
#[derive(Default)]
struct Shown {
    error: String,
    field: String,
    page: usize,
    per_finding: String,
    deduct_error: String,
    notice: String,
}

/// Items a page lists.
const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct ItemForm {
    #[serde(default)]
    unit_id: i64,
    /// The unit's code or name, where the scheme ranks too many units to list.
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    cap: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    per: String,
    #[serde(default)]
    veto: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    source_link: String,
}

/// The effect of an item in words: "+2（上限 3）", "2 × 0.5", "一票否决：不得评为优秀".
fn effect_text(effect: &ItemEffect, t: crate::i18n::Tr) -> String {
    match effect {
        ItemEffect::Bonus { points, cap } => {
            t.f("evaluation.bonus_text", &[("points", &dec(*points)), ("cap", &dec(*cap))])
        }
        ItemEffect::Deduction { count, per } => t.f("evaluation.deduction_text", &[("n", count), ("per", &dec(*per))]),
        ItemEffect::Veto { effect: VetoEffect::Fail } => t.t("evaluation.veto.fail").to_owned(),
        ItemEffect::Veto { effect: VetoEffect::CapGrade { grade } } => {
            t.f("evaluation.veto.cap_grade", &[("grade", grade)])
        }
        ItemEffect::Veto { effect: VetoEffect::ExcludeFromRanking } => t.t("evaluation.veto.exclude").to_owned(),
    }
}

pub(super) fn kind_key(effect: &ItemEffect) -> &'static str {
    match effect {
        ItemEffect::Bonus { .. } => "evaluation.item.bonus",
        ItemEffect::Deduction { .. } => "evaluation.item.deduction",
        ItemEffect::Veto { .. } => "evaluation.item.veto",
    }
}

async fn items_page(
    state: &AppState,
    actor: &Actor,
    ctx: PageCtx,
    id: i64,
    form: ItemForm,
    shown: Shown,
) -> PageResult {
    let Shown { error, field, page, per_finding, deduct_error, notice } = shown;
    let wanted = PageRequest::new(Some(page as i64), Some(PER_PAGE));
    let evaluations::pages::ItemsPage { view, items, members, member_total } =
        evaluations::pages::items_page(&state.app, actor, SchemeId(id), wanted).await?;
    let status =
        if error.is_empty() && deduct_error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let pages = (items.total.max(1) + PER_PAGE - 1) / PER_PAGE;
    let page = ItemsPage {
        scheme_id: id,
        scheme_name: Named::of(&view.scheme.name, view.scheme.name_bo.as_deref(), ctx.t.locale),
        items: items
            .items
            .iter()
            .map(|(item, unit)| ItemRow {
                unit: unit_name(unit, ctx.t),
                kind_key: kind_key(&item.effect).to_owned(),
                effect: effect_text(&item.effect, ctx.t),
                source: item.source.clone(),
                link: item.source_link.clone().unwrap_or_default(),
                at: item.created_at.display_cst(),
            })
            .collect(),
        page: items.page as usize,
        pages: pages as usize,
        units: members.iter().map(|unit| UnitOption { id: unit.id.0, name: unit_name(unit, ctx.t) }).collect(),
        member_total,
        grades: view.scheme.scheme.bands.iter().map(|b| b.name.clone()).collect(),
        form,
        error,
        field,
        per_finding: if per_finding.is_empty() { DEFAULT_PER_FINDING.to_owned() } else { per_finding },
        deduct_error,
        notice,
        p: ctx.with_nav("evaluations"),
    };
    Ok((status, render(&page)).into_response())
}

/// The add-item form as it starts: a bonus, one occurrence for a deduction.
fn blank_form() -> ItemForm {
    ItemForm { kind: "bonus".into(), count: "1".into(), ..Default::default() }
}

#[derive(Deserialize)]
pub struct ItemsQuery {
    page: Option<usize>,
    /// How many deduction items the last run from findings made.
    deducted: Option<String>,
}

pub async fn list_items(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<ItemsQuery>,
) -> PageResult {
    let form = blank_form();
    let notice = match query.deducted.as_deref().map(str::parse::<usize>) {
        Some(Ok(0)) => ctx.t.t("evaluation.finding_deductions_none").to_owned(),
        Some(Ok(n)) => ctx.t.n("evaluation.finding_deductions_done", n),
        _ => String::new(),
    };
    let shown = Shown { page: query.page.unwrap_or(1), notice, ..Shown::default() };
    items_page(&state, &actor, ctx, id, form, shown).await
}

/// The effect the form describes as the API's JSON, or the field whose number is unreadable.
fn effect_of(form: &ItemForm) -> Result<serde_json::Value, &'static str> {
    let number = |text: &str| parse_decimal(text).map(|d| d.to_string());
    match form.kind.as_str() {
        "bonus" => match (number(&form.points), number(&form.cap)) {
            (Some(points), Some(cap)) => Ok(json!({"kind": "bonus", "points": points, "cap": cap})),
            (Some(points), None) if form.cap.trim().is_empty() => {
                Ok(json!({"kind": "bonus", "points": points, "cap": points}))
            }
            _ => Err("points"),
        },
        "deduction" => match (form.count.trim().parse::<u32>(), number(&form.per)) {
            (Ok(count), Some(per)) => Ok(json!({"kind": "deduction", "count": count, "per": per})),
            _ => Err("per"),
        },
        _ => {
            let effect = match form.veto.as_str() {
                "cap_grade" => json!({"kind": "cap_grade", "grade": form.grade}),
                "exclude_from_ranking" => json!({"kind": "exclude_from_ranking"}),
                _ => json!({"kind": "fail"}),
            };
            Ok(json!({"kind": "veto", "effect": effect}))
        }
    }
}

pub async fn add_item(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ItemForm>,
) -> PageResult {
    evaluations::managed(&state.app, &actor, SchemeId(id)).await?;
    let t = ctx.t;
    let refused =
        |code: &str, field: &str| Shown { error: t.error(code), field: field.to_owned(), page: 1, ..Shown::default() };
    let effect = match effect_of(&form) {
        Ok(effect) => effect,
        Err(field) => return items_page(&state, &actor, ctx, id, form, refused("not_a_number", field)).await,
    };
    let unit = match units::typed(&state.app, &actor, &form.unit_code, "unit_id").await {
        Ok(typed) => typed.unwrap_or(UnitId(form.unit_id)),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map_or("unit_not_found", |f| f.code);
            return items_page(&state, &actor, ctx, id, form, refused(code, "unit_id")).await;
        }
        Err(error) => return Err(error.into()),
    };
    let input =
        entries::ItemInput { unit, effect, source: form.source.clone(), source_link: Some(form.source_link.clone()) };
    let shown = match entries::add_item(&state.app, &actor, SchemeId(id), &input).await {
        Ok(_) => return Ok(saved(&format!("/evaluations/{id}/items"))),
        Err(AppError::Invalid(errors)) => {
            let (field, code) = errors.fields.first().map(|f| (f.field, f.code)).unwrap_or(("source", "invalid_input"));
            refused(code, field)
        }
        Err(AppError::Conflict(code)) => refused(code, ""),
        Err(error) => return Err(error.into()),
    };
    items_page(&state, &actor, ctx, id, form, shown).await
}

/// Points per finding the deduction form starts with.
const DEFAULT_PER_FINDING: &str = "0.5";

#[derive(Deserialize)]
pub struct DeductionForm {
    #[serde(default)]
    points_per_finding: String,
}

/// Deduction items from the campaign's findings whose rectification is overdue or was
/// reopened (one per finding, never twice); back to the items with how many were made.
pub async fn finding_deductions(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DeductionForm>,
) -> PageResult {
    let refused = |code: &str| Shown {
        deduct_error: ctx.t.error(code),
        per_finding: form.points_per_finding.clone(),
        page: 1,
        ..Shown::default()
    };
    let Some(per) = parse_decimal(&form.points_per_finding).filter(|p| p.is_sign_positive() && !p.is_zero()) else {
        // Told beside the form by the items page, which only the office sees.
        let shown = refused("item_invalid");
        return items_page(&state, &actor, ctx.clone(), id, blank_form(), shown).await;
    };
    Ok(match pacesetter_app::inspections::deduct_from_findings(&state.app, &actor, SchemeId(id), per).await {
        Ok(made) => Redirect::to(&format!("/evaluations/{id}/items?deducted={}", made.len())).into_response(),
        Err(AppError::Invalid(errors)) => {
            let shown = refused(errors.fields.first().map_or("invalid_input", |f| f.code));
            return items_page(&state, &actor, ctx.clone(), id, blank_form(), shown).await;
        }
        Err(AppError::Conflict(code) | AppError::Unprocessable { code, .. }) => {
            return items_page(&state, &actor, ctx.clone(), id, blank_form(), refused(code)).await;
        }
        Err(error) => return Err(error.into()),
    })
}
