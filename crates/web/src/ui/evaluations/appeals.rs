//! Appeals (复核): a unit files one against a published result with its reason; the office
//! upholds it (a new published version from the corrected inputs) or dismisses it.

use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{AppError, evaluations::appeals};
use pacesetter_domain::{
    UnitId,
    evaluation::records::{AppealId, Decision, RunId},
};
use serde::Deserialize;

use super::runs::{Extra, run_page};
use crate::{
    AppState,
    ui::context::{SignedIn, check_csrf, error_page},
};

#[derive(Deserialize)]
pub struct AppealForm {
    csrf: String,
    #[serde(default)]
    unit_id: i64,
    #[serde(default)]
    reason: String,
}

pub async fn file_appeal(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<AppealForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match appeals::file(&state.app, &actor, RunId(id), UnitId(form.unit_id), &form.reason).await {
        Ok(_) => Redirect::to(&format!("/evaluations/runs/{id}#appeals")).into_response(),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            let message = ctx.t.f("evaluation.appeal_error", &[("message", &ctx.t.error(code))]);
            run_page(&state, &actor, ctx, id, Extra::error(message), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(code)) => {
            let message = ctx.t.error(code);
            run_page(&state, &actor, ctx, id, Extra::error(message), StatusCode::CONFLICT).await
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide_appeal(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    // A decision cannot be taken back, so one that cannot be read is refused, never guessed.
    let Some(decision) = Decision::parse(&form.decision) else {
        return error_page(ctx.t, &AppError::invalid("decision", "invalid_decision"));
    };
    match appeals::decide(&state.app, &actor, AppealId(id), decision, Some(&form.note)).await {
        Ok((appeal, new_run)) => {
            let run = new_run.map(|r| r.id).unwrap_or(appeal.run_id);
            Redirect::to(&format!("/evaluations/runs/{run}#appeals")).into_response()
        }
        Err(error) => error_page(ctx.t, &error),
    }
}
