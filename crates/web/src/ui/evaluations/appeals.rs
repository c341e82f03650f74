//! Appeals (复核): a unit files one against a published result with its reason; the office
//! upholds it (a new published version from the corrected inputs) or dismisses it.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{AppError, evaluations::appeals, units};
use pacesetter_domain::{
    UnitId,
    evaluation::records::{AppealId, Decision, RunId},
};
use serde::Deserialize;

use super::runs::{Extra, run_page};
use crate::ui::page::{PageError, PageForm, PageResult, saved};
use crate::{AppState, ui::context::SignedIn};

#[derive(Deserialize)]
pub struct AppealForm {
    #[serde(default)]
    unit_id: i64,
    /// The unit's code or name, where the caller answers for too many units to list.
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    reason: String,
}

pub async fn file_appeal(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AppealForm>,
) -> PageResult {
    let t = ctx.t;
    // The form comes back as typed, with the message above it.
    let refused = |message: String| Extra::error(message).with_appeal(form.unit_id, &form.unit_code, &form.reason);
    let appeal_error = |code: &str| refused(t.f("evaluation.appeal_error", &[("message", &t.error(code))]));
    let unit = match units::typed(&state.app, &actor, &form.unit_code, "unit_id").await {
        Ok(typed) => typed.unwrap_or(UnitId(form.unit_id)),
        Err(AppError::Invalid(errors)) => {
            let extra = appeal_error(errors.fields.first().map_or("unit_not_found", |f| f.code));
            return run_page(&state, &actor, ctx, id, extra, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(error) => return Err(error.into()),
    };
    Ok(match appeals::file(&state.app, &actor, RunId(id), unit, &form.reason).await {
        Ok(_) => saved(&format!("/evaluations/runs/{id}#appeals")),
        Err(AppError::Invalid(errors)) => {
            let extra = appeal_error(errors.fields.first().map(|f| f.code).unwrap_or("invalid_input"));
            return run_page(&state, &actor, ctx, id, extra, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(AppError::Conflict(code)) => {
            let extra = refused(t.error(code));
            return run_page(&state, &actor, ctx, id, extra, StatusCode::CONFLICT).await;
        }
        Err(error) => return Err(error.into()),
    })
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_appeal(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    // A decision cannot be taken back, so one that cannot be read is refused, never guessed.
    let Some(decision) = Decision::parse(&form.decision) else {
        return Err(PageError::from(AppError::invalid("decision", "invalid_decision")));
    };
    Ok(match appeals::decide(&state.app, &actor, AppealId(id), decision, Some(&form.note)).await {
        Ok((appeal, new_run)) => {
            let run = new_run.map(|r| r.id).unwrap_or(appeal.run_id);
            Redirect::to(&format!("/evaluations/runs/{run}#appeals")).into_response()
        }
        Err(error) => return Err(error.into()),
    })
}
