//! The import pages: upload a sheet, read its preview with every error at its row and
//! column, then commit it.

use askama::Template;
use axum::{
    Form,
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{AppError, import};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, check_csrf, error_page, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "imports/index.html")]
struct IndexPage {
    p: PageCtx,
    recent: Vec<import::ImportJob>,
    can_units: bool,
    can_users: bool,
    /// The kind whose form failed, and why.
    error_kind: String,
    error: String,
}

async fn index_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    error_kind: &str,
    error: String,
) -> Response {
    let recent = match import::recent(&state.app, actor).await {
        Ok(recent) => recent,
        Err(error) => return error_page(ctx.t, &error),
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = IndexPage {
        recent,
        can_units: actor.can_anywhere(pacesetter_domain::Permission::ManageUnits),
        can_users: actor.can_anywhere(pacesetter_domain::Permission::ManageUsers),
        error_kind: error_kind.to_owned(),
        error,
        p: ctx.with_nav("imports"),
    };
    (status, render(&page)).into_response()
}

pub async fn index(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn) -> Response {
    index_page(&state, &actor, ctx, "", String::new()).await
}

/// Takes the multipart upload (form token, kind, file) and shows its preview.
pub async fn upload(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    mut multipart: Multipart,
) -> Response {
    let (mut csrf, mut kind, mut filename, mut bytes) = (String::new(), String::new(), String::new(), Vec::new());
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                if name == "file" {
                    filename = field.file_name().unwrap_or("").to_owned();
                    match field.bytes().await {
                        Ok(data) => bytes = data.to_vec(),
                        Err(_) => {
                            return index_page(&state, &actor, ctx.clone(), &kind, ctx.t.error("file_too_large")).await;
                        }
                    }
                } else {
                    let text = field.text().await.unwrap_or_default();
                    match name.as_str() {
                        "csrf" => csrf = text,
                        "kind" => kind = text,
                        _ => {}
                    }
                }
            }
            Ok(None) => break,
            Err(_) => return index_page(&state, &actor, ctx.clone(), &kind, ctx.t.error("file_damaged")).await,
        }
    }
    if let Err(response) = check_csrf(&ctx, &csrf) {
        return response;
    }
    let Some(import_kind) = import::ImportKind::parse(&kind) else {
        return index_page(&state, &actor, ctx.clone(), "", ctx.t.error("invalid_import_kind")).await;
    };
    match import::upload(&state.app, &actor, import_kind, &filename, &bytes).await {
        Ok(job) => Redirect::to(&format!("/imports/{}", job.id)).into_response(),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            index_page(&state, &actor, ctx.clone(), &kind, ctx.t.error(code)).await
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

/// One cell of the preview table, with its error if any.
pub struct Cell {
    pub text: String,
    pub error: String,
}

pub struct Row {
    pub line: usize,
    pub action_key: String,
    pub cells: Vec<Cell>,
    /// Errors that belong to no column of the sheet.
    pub row_errors: Vec<String>,
    pub ok: bool,
}

#[derive(Template)]
#[template(path = "imports/show.html")]
struct ShowPage {
    p: PageCtx,
    job: import::ImportJob,
    sha_short: String,
    headers: Vec<String>,
    rows: Vec<Row>,
    error_count: usize,
    missing: Vec<String>,
    clean: bool,
    summary: String,
    error: String,
}

async fn show_page(state: &AppState, actor: &pacesetter_app::Actor, ctx: PageCtx, id: i64, error: String) -> Response {
    let job = match import::job(&state.app, actor, id).await {
        Ok(job) => job,
        Err(error) => return error_page(ctx.t, &error),
    };
    let t = ctx.t;
    let (mut headers, mut rows, mut error_count, mut missing, mut clean) =
        (Vec::new(), Vec::new(), 0, Vec::new(), false);
    if let Some(preview) = &job.preview {
        headers = preview.headers.clone();
        error_count = preview.error_count;
        clean = preview.is_clean();
        missing = preview.missing_columns.iter().map(|c| c.to_string()).collect();
        for row in &preview.rows {
            let width = headers.len().max(row.values.len());
            let cells = (0..width)
                .map(|i| {
                    let letter = pacesetter_domain::table::column_letter(i);
                    let error = row
                        .errors
                        .iter()
                        .filter(|e| e.column == letter)
                        .map(|e| t.error(e.code))
                        .collect::<Vec<_>>()
                        .join("；");
                    Cell { text: row.values.get(i).cloned().unwrap_or_default(), error }
                })
                .collect();
            let row_errors = row.errors.iter().filter(|e| e.column.is_empty()).map(|e| t.error(e.code)).collect();
            let action =
                serde_json::to_value(row.action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            rows.push(Row {
                line: row.line,
                action_key: format!("imports.action.{action}"),
                cells,
                row_errors,
                ok: row.errors.is_empty(),
            });
        }
    }
    let summary = job
        .summary
        .as_ref()
        .map(|s| {
            let n = |key: &str| s.get(key).and_then(|v| v.as_u64()).unwrap_or(0).to_string();
            t.t("imports.summary")
                .replace("{created}", &n("created"))
                .replace("{updated}", &n("updated"))
                .replace("{unchanged}", &n("unchanged"))
        })
        .unwrap_or_default();
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::CONFLICT };
    let sha_short = job.sha256.chars().take(12).collect();
    let page = ShowPage {
        p: ctx.with_nav("imports"),
        job,
        sha_short,
        headers,
        rows,
        error_count,
        missing,
        clean,
        summary,
        error,
    };
    (status, render(&page)).into_response()
}

pub async fn show(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn, Path(id): Path<i64>) -> Response {
    show_page(&state, &actor, ctx, id, String::new()).await
}

#[derive(Deserialize)]
pub struct CommitForm {
    csrf: String,
}

pub async fn commit(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CommitForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match import::commit(&state.app, &actor, id).await {
        Ok(_) => Redirect::to(&format!("/imports/{id}")).into_response(),
        Err(AppError::Conflict(code)) => show_page(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await,
        Err(error) => error_page(ctx.t, &error),
    }
}
