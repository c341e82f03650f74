//! What a list's people do with a selection of assignments, or a task page with its one
//! assignment: chase (催办) them, with a message, review them at once (accept, return, close),
//! print their reminder notices (督办单), or export them as a workbook.

use axum::extract::{Path, State};
use pacesetter_app::{AppError, assignments};
use pacesetter_domain::{assignment::Step, ids::AssignmentId};
use serde::Deserialize;

use super::{
    assignments::LineRow,
    context::SignedIn,
    page::{PageForm, PageResult, redirect_with_notice},
};
use crate::AppState;

/// A chase form: its optional message.
#[derive(Deserialize)]
pub struct ChaseForm {
    #[serde(default)]
    pub message: String,
}

/// The chase (催办) button of an assignment page, with its message.
pub async fn chase_one(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ChaseForm>,
) -> PageResult {
    chased(
        assignments::chase(&state.app, &actor, &[AssignmentId(id)], &form.message).await,
        &format!("/assignments/{id}"),
    )
}

/// The chase of a list's selection: `ids` repeated, a `message`, and `back`, the list to return
/// to.
pub async fn chase_selected(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let value = |name: &str| field(&form, name);
    let ids = selected_ids(&form);
    chased(assignments::chase(&state.app, &actor, &ids, value("message")).await, back_to(value("back")))
}

/// A reviewing step on a list's selection: `ids` repeated, `step` (accept, return, close), the
/// `message` as each step's comment (a return's reason), and `back`, the list to return to,
/// saying how many took the step and how many were skipped.
pub async fn review_selected(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let value = |name: &str| field(&form, name);
    let back = back_to(value("back"));
    let Some(step) = Step::parse(value("step")) else {
        return Ok(redirect_with_notice(back, "review_refused"));
    };
    match assignments::review(&state.app, &actor, &selected_ids(&form), step, value("message")).await {
        Ok(done) => {
            Ok(redirect_with_notice(back, &format!("reviewed:{}:{}:{}", step.as_str(), done.done, done.skipped)))
        }
        Err(AppError::Invalid(_)) => Ok(redirect_with_notice(back, "review_refused")),
        Err(error) => Err(error.into()),
    }
}

/// The reminder notices (督办单) of a list's selection as a PDF to print, a page per unit, with
/// the `message` as the office's own words.
pub async fn notice_selected(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let value = |name: &str| field(&form, name);
    let notice = match assignments::chase_notice(&state.app, &actor, &selected_ids(&form), value("message")).await {
        Ok(notice) => notice,
        Err(AppError::Invalid(_)) => return Ok(redirect_with_notice(back_to(value("back")), "notice_refused")),
        Err(error) => return Err(error.into()),
    };
    let bytes =
        crate::bulletin::chase_notice_pdf(&state.config.fonts_dir, crate::bulletin::chase_notice(notice)).await?;
    Ok(crate::api::pdf_download(bytes, "chase-notice.pdf"))
}

/// A form field's value, or "" when it was not sent.
fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Back to the list a selection was made on, and only to a page of this site.
fn back_to(back: &str) -> &str {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') { back } else { "/assignments" }
}

/// The selection of a list as a workbook: the light, the task, the unit, the state, the
/// progress as a percent, the deadline as a date and the days left as a number.
pub async fn export_selected(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    use pacesetter_export::table_xlsx::{Cell, Column, write_cells};
    let ids = selected_ids(&form);
    let lines = assignments::selected(&state.app, &actor, &ids).await?;
    let t = ctx.t;
    let rows: Vec<Vec<Cell>> = lines
        .into_iter()
        .map(|line| {
            let (percent, due, days_left) = (line.assignment.percent, line.assignment.due_on, line.days_left);
            let row = LineRow::new(line, t.locale);
            vec![
                Cell::Text(t.tk("light", &row.light).to_owned()),
                Cell::Text(row.code),
                Cell::Text(row.task.text),
                Cell::Text(row.unit.text),
                Cell::Text(t.t(&row.state_key).to_owned()),
                Cell::Percent(f64::from(percent) / 100.0),
                Cell::Date(due),
                Cell::Number(days_left as f64),
            ]
        })
        .collect();
    let headings = [
        ("plans.light", 8.0),
        ("plans.code", 10.0),
        ("plans.task", 40.0),
        ("plans.unit", 18.0),
        ("tasks.state", 10.0),
        ("plans.progress", 9.0),
        ("plans.due_on", 12.0),
        ("tasks.days_left", 10.0),
    ];
    let columns: Vec<Column<'_>> =
        headings.iter().map(|(key, width)| Column { heading: t.t(key), width: *width }).collect();
    let bytes = write_cells(t.t("tasks.list_title"), t.t("tasks.list_title"), &columns, &rows)
        .map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(crate::api::xlsx_download(bytes, "attachment; filename=\"tasks.xlsx\""))
}

/// The assignments ticked on a list: the repeated `ids` fields.
fn selected_ids(form: &[(String, String)]) -> Vec<AssignmentId> {
    form.iter().filter(|(k, _)| k == "ids").filter_map(|(_, v)| v.parse().ok()).map(AssignmentId).collect()
}

/// Back to `to` saying how many were chased, or that nothing was (none chosen, a message too
/// long); any other refusal is the error page.
fn chased(result: Result<assignments::Chased, AppError>, to: &str) -> PageResult {
    match result {
        Ok(done) => Ok(redirect_with_notice(to, &format!("chased:{}", done.chased))),
        Err(AppError::Invalid(_)) => Ok(redirect_with_notice(to, "chase_refused")),
        Err(error) => Err(error.into()),
    }
}
