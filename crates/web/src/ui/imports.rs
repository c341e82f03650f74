//! The import pages: upload a sheet, read its preview with every error at its row and
//! column (for a task sheet, correct which column holds what), then commit it.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{AppError, import, plans};
use pacesetter_domain::plan::Campaign;
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, render};
use crate::AppState;
use crate::ui::{
    multipart::MultipartForm,
    page::{PageForm, PageQuery, PageResult},
};

#[derive(Template)]
#[template(path = "imports/index.html")]
struct IndexPage {
    p: PageCtx,
    recent: Vec<import::ImportJob>,
    can_units: bool,
    can_users: bool,
    /// Campaigns whose plan the actor may fill from a task sheet.
    campaigns: Vec<Campaign>,
    /// The campaign to preselect (from the plan page's link), 0 for none.
    campaign: i64,
    /// The kind whose form failed, and why.
    error_kind: String,
    error: String,
}

async fn index_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    (error_kind, campaign): (&str, Option<i64>),
    error: String,
) -> PageResult {
    let loaded = async {
        Ok::<_, AppError>((
            import::recent(&state.app, actor).await?,
            plans::manageable_campaigns(&state.app, actor).await?,
        ))
    };
    let (recent, campaigns) = loaded.await?;
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = IndexPage {
        recent,
        can_units: actor.can_anywhere(pacesetter_domain::Permission::ManageUnits),
        can_users: actor.can_anywhere(pacesetter_domain::Permission::ManageUsers),
        campaigns,
        campaign: campaign.unwrap_or(0),
        error_kind: error_kind.to_owned(),
        error,
        p: ctx.with_nav("imports"),
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct IndexQuery {
    campaign: Option<i64>,
}

pub async fn list_imports(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<IndexQuery>,
) -> PageResult {
    index_page(&state, &actor, ctx, ("", query.campaign), String::new()).await
}

/// Takes the multipart upload (form token, kind, file) and shows its preview.
pub async fn upload_import(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    form: MultipartForm,
) -> PageResult {
    let (kind, campaign) = (form.value("kind"), form.value("campaign").trim().parse().ok());
    let (filename, bytes) =
        form.files("file").next().map(|f| (f.filename.as_str(), f.bytes.as_slice())).unwrap_or_default();
    let Some(import_kind) = import::ImportKind::parse(&kind) else {
        return index_page(&state, &actor, ctx.clone(), ("", campaign), ctx.t.error("invalid_import_kind")).await;
    };
    let options = import::Options { campaign_id: campaign, mapping: None };
    Ok(match import::upload(&state.app, &actor, import_kind, filename, bytes, options).await {
        Ok(job) => Redirect::to(&format!("/imports/{}", job.id)).into_response(),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            return index_page(&state, &actor, ctx.clone(), (&kind, campaign), ctx.t.error(code)).await;
        }
        Err(error) => return Err(error.into()),
    })
}

/// One cell of the preview table, with its error if any.
pub struct Cell {
    pub text: String,
    pub error: String,
    /// For a date cell: the day it was read as ("→ 2023-09-30").
    pub read: String,
}

/// One field of a task sheet in the mapping form.
pub struct MappingField {
    pub name: &'static str,
    pub label: String,
    pub selected: String,
    pub required: bool,
    /// The column was guessed: worth checking.
    pub guessed: bool,
}

pub struct Row {
    pub line: usize,
    pub action_key: String,
    pub cells: Vec<Cell>,
    /// Errors that belong to no column of the sheet.
    pub row_errors: Vec<String>,
    pub ok: bool,
    /// A heading or a note: its text once, across the row, instead of a merged cell repeated.
    pub across: Option<String>,
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
    /// Data rows in the sheet, and for a task sheet the tasks they make.
    row_count: usize,
    task_count: usize,
    /// Rows not listed because they are fine and past the first ones.
    hidden_rows: usize,
    /// For a task sheet: the columns (letter and header) and the mapping form.
    columns: Vec<(String, String)>,
    mapping: Vec<MappingField>,
    /// For a task sheet: the guessed columns, as "重点任务 ← C 列".
    guessed: Vec<String>,
    /// For a task sheet: the items above the tasks the commit creates.
    new_parents: Vec<String>,
    parent_level: String,
    summary: String,
    error: String,
}

async fn show_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    id: i64,
    error: String,
) -> PageResult {
    let job = import::job(&state.app, actor, id).await?;
    let t = ctx.t;
    let (mut headers, mut rows, mut error_count, mut missing, mut clean) =
        (Vec::new(), Vec::new(), 0, Vec::new(), false);
    let (mut row_count, mut task_count, mut columns, mut mapping) = (0, 0, Vec::new(), Vec::new());
    let (mut guessed, mut new_parents, mut parent_level) = (Vec::new(), Vec::new(), String::new());
    if let Some(preview) = &job.preview {
        headers = preview.headers.clone();
        error_count = preview.error_count;
        clean = preview.is_clean();
        row_count = preview.row_count;
        missing = preview.missing_columns.iter().map(|c| t.tk("imports.field", c).to_owned()).collect();
        if let Some(view) = &preview.mapping {
            task_count = view.tasks;
            columns = view
                .columns
                .iter()
                .enumerate()
                .map(|(i, header)| (pacesetter_domain::table::column_letter(i), header.clone()))
                .collect();
            mapping = mapping_fields(view, t);
            guessed = mapping
                .iter()
                .filter(|f| f.guessed)
                .map(|f| t.t("imports.guessed_column").replace("{field}", &f.label).replace("{column}", &f.selected))
                .collect();
            parent_level = view.parent_level.clone();
        }
        new_parents.clone_from(&preview.new_parents);
        rows = preview.rows.iter().map(|row| Row::new(row, headers.len(), t)).collect();
    }
    let summary = job.summary.as_ref().map(|summary| summary_text(summary, t)).unwrap_or_default();
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::CONFLICT };
    let sha_short = job.sha256.chars().take(12).collect();
    let hidden_rows = row_count.saturating_sub(rows.len());
    let page = ShowPage {
        p: ctx.with_nav("imports"),
        job,
        sha_short,
        headers,
        rows,
        error_count,
        missing,
        clean,
        row_count,
        task_count,
        hidden_rows,
        columns,
        mapping,
        guessed,
        new_parents,
        parent_level,
        summary,
        error,
    };
    Ok((status, render(&page)).into_response())
}

/// "3 created, 1 updated, 0 unchanged", from a committed job's summary; for a task sheet also
/// the items above the tasks and the assignments it created.
fn summary_text(summary: &serde_json::Value, t: crate::i18n::Tr) -> String {
    let n = |key: &str| summary.get(key).and_then(|v| v.as_u64()).unwrap_or(0).to_string();
    let key = if summary.get("assignments_created").is_some() { "imports.summary_plan" } else { "imports.summary" };
    t.t(key)
        .replace("{created}", &n("created"))
        .replace("{updated}", &n("updated"))
        .replace("{unchanged}", &n("unchanged"))
        .replace("{parents}", &n("parents_created"))
        .replace("{assignments}", &n("assignments_created"))
}

impl Row {
    /// A preview row with each cell's errors beside it and the row's own below.
    fn new(row: &import::PreviewRow, columns: usize, t: crate::i18n::Tr) -> Self {
        let width = columns.max(row.values.len());
        let cells = (0..width)
            .map(|i| {
                let letter = pacesetter_domain::table::column_letter(i);
                let error =
                    row.errors.iter().filter(|e| e.column == letter).map(|e| cell_message(t, e)).collect::<Vec<_>>();
                let read = row
                    .dates
                    .iter()
                    .find(|d| d.column == letter)
                    .map(|d| match &d.date {
                        // A date cell is shown as its day already.
                        Some(date) if row.values.get(i) == Some(date) => String::new(),
                        Some(date) => format!("→ {date}"),
                        None => format!("→ {}", t.t("imports.no_deadline")),
                    })
                    .unwrap_or_default();
                Cell { text: row.values.get(i).cloned().unwrap_or_default(), error: error.join("；"), read }
            })
            .collect();
        let row_errors = row.errors.iter().filter(|e| e.column.is_empty()).map(|e| cell_message(t, e)).collect();
        let action =
            serde_json::to_value(row.action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let across =
            matches!(row.action, import::RowAction::Heading | import::RowAction::NewParent | import::RowAction::Note)
                .then(|| {
                    let mut texts: Vec<&str> = Vec::new();
                    for text in row.values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
                        if !texts.contains(&text) {
                            texts.push(text);
                        }
                    }
                    texts.join("　")
                });
        Self {
            line: row.line,
            action_key: format!("imports.action.{action}"),
            cells,
            row_errors,
            ok: row.errors.is_empty(),
            across,
        }
    }
}

/// The task sheet's mapping form: a field a line, with the column it reads.
fn mapping_fields(view: &import::MappingView, t: crate::i18n::Tr) -> Vec<MappingField> {
    view.fields
        .iter()
        .map(|f| {
            let name = f.field.as_str();
            let label = match name {
                "parent" if !view.parent_level.is_empty() => view.parent_level.clone(),
                _ => t.tk("imports.field", name).to_owned(),
            };
            MappingField {
                name,
                label,
                selected: f.column.clone().unwrap_or_default(),
                required: f.required,
                guessed: f.guessed,
            }
        })
        .collect()
}

/// A cell's error in words: which part of the cell (one name of a list), the row it repeats,
/// and the names it probably meant.
fn cell_message(t: crate::i18n::Tr, error: &import::CellError) -> String {
    let mut message = match &error.value {
        Some(value) => t.t("imports.about").replace("{value}", value).replace("{message}", &t.error(error.code)),
        None => t.error(error.code),
    };
    if let Some(line) = error.other_line {
        message = format!("{message} {}", t.t("imports.same_as_line").replace("{line}", &line.to_string()));
    }
    if !error.suggestions.is_empty() {
        message =
            format!("{message} {}", t.t("imports.did_you_mean").replace("{names}", &error.suggestions.join("、")));
    }
    message
}

pub async fn show_import(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    show_page(&state, &actor, ctx, id, String::new()).await
}

#[derive(Deserialize)]
pub struct CommitForm {}

pub async fn commit_import(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    _: PageForm<CommitForm>,
) -> PageResult {
    Ok(match import::commit(&state.app, &actor, id).await {
        Ok(_) => Redirect::to(&format!("/imports/{id}")).into_response(),
        Err(AppError::Conflict(code)) => return show_page(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await,
        Err(error) => return Err(error.into()),
    })
}

/// The mapping form: one select per field, each naming a column letter or nothing.
pub async fn set_mapping(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let entries = form.iter().filter(|(k, _)| k != "csrf").map(|(k, v)| (k.as_str(), v.as_str()));
    let result = match pacesetter_domain::plan_sheet::Mapping::from_letters(entries) {
        Ok(mapping) => import::set_mapping(&state.app, &actor, id, mapping).await.map(|_| ()),
        Err(error) => Err(AppError::invalid(error.field, error.code)),
    };
    Ok(match result {
        Ok(()) => Redirect::to(&format!("/imports/{id}")).into_response(),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            let mut page = show_page(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
        Err(AppError::Conflict(code)) => return show_page(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await,
        Err(error) => return Err(error.into()),
    })
}
