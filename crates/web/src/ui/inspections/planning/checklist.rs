//! The round's checklist while it is planned: generated from the targets' tasks and the
//! scheme's indicators, then edited point by point (its title and the evidence asked for).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{
    AppError,
    inspections::{self, ItemInput},
};
use pacesetter_domain::{ids::PlanItemId, inspection::records::RoundId};

use super::{
    fields::{BLANK_POINTS, PointRow, Shown},
    page, refused,
};
use crate::ui::page::{NoFields, PageForm, PageResult};
use crate::{AppState, ui::context::SignedIn};

/// The rows as posted (`i{n}_title`, `i{n}_title_bo`, `i{n}_evidence`, `i{n}_plan_item`, `i{n}_indicator`),
/// without those ticked `i{n}_remove`.
fn rows(fields: &[(String, String)]) -> Vec<PointRow> {
    let get = |name: String| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let count = fields
        .iter()
        .filter_map(|(n, _)| n.strip_prefix('i')?.split_once('_')?.0.parse::<usize>().ok())
        .max()
        .map_or(0, |m| m + 1)
        // As many rows as the app would take, and a few blank ones.
        .min(500 + BLANK_POINTS);
    (0..count)
        .filter(|i| !fields.iter().any(|(n, _)| *n == format!("i{i}_remove")))
        .map(|i| PointRow {
            title: get(format!("i{i}_title")),
            title_bo: get(format!("i{i}_title_bo")),
            evidence: get(format!("i{i}_evidence")),
            plan_item: get(format!("i{i}_plan_item")),
            indicator: get(format!("i{i}_indicator")),
        })
        .collect()
}

fn input(row: &PointRow) -> ItemInput {
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    ItemInput {
        title: row.title.clone(),
        title_bo: text(&row.title_bo),
        plan_item_id: row.plan_item.trim().parse().ok().map(PlanItemId),
        indicator_code: text(&row.indicator),
        evidence_request: text(&row.evidence),
    }
}

/// Saves the rows as the checklist (blank rows ignored); "more rows" only adds blank ones.
pub async fn set_checklist(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let mut typed = rows(&fields);
    if fields.iter().any(|(n, _)| n == "more") {
        typed.extend(std::iter::repeat_with(PointRow::default).take(BLANK_POINTS));
        let shown = Shown { form: "checklist", checklist: Some(typed), ..Shown::default() };
        return page(&state, &actor, ctx, id, shown, StatusCode::OK).await;
    }
    let items: Vec<ItemInput> = typed.iter().filter(|row| !row.is_blank()).map(input).collect();
    Ok(match inspections::set_checklist(&state.app, &actor, RoundId(id), &items).await {
        Ok(_) => Redirect::to(&format!("/inspection-rounds/{id}?done=checklist#checklist")).into_response(),
        Err(error) => {
            let shown = Shown { form: "checklist", checklist: Some(typed), ..Shown::default() };
            return refused(&state, &actor, ctx, id, shown, error).await;
        }
    })
}

/// Replaces the checklist with the one the round proposes: its targets' tasks, then its
/// scheme's indicators. Nothing proposed leaves the checklist as it is.
pub async fn generate_checklist(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    _: PageForm<NoFields>,
) -> PageResult {
    let result = async {
        let proposed = inspections::proposed_checklist(&state.app, &actor, RoundId(id)).await?;
        if proposed.is_empty() {
            return Err(AppError::Unprocessable { code: "checklist_nothing_proposed", details: serde_json::json!({}) });
        }
        Ok(inspections::set_checklist(&state.app, &actor, RoundId(id), &proposed).await?.len())
    }
    .await;
    Ok(match result {
        Ok(n) => Redirect::to(&format!("/inspection-rounds/{id}?done=generated&n={n}#checklist")).into_response(),
        Err(error) => {
            let shown = Shown { form: "checklist", ..Shown::default() };
            return refused(&state, &actor, ctx, id, shown, error).await;
        }
    })
}
