//! The translation page (issue 18, decision 0022): every interface string of a language with
//! its Chinese source, the English, the text in force and its state; a translator edits one in
//! place (a draft) and a second translator reviews it; coverage in all and per area.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use pacesetter_app::{PageRequest, translations};
use pacesetter_domain::{Locale, ValidationError, translation::State as TranslationState};
use pacesetter_export::exchange::Format;
use serde::Deserialize;

use super::{
    context::{PageCtx, SignedIn, render},
    multipart::MultipartForm,
    page::{PageForm, PageQuery, PageResult, field_errors, field_message, saved},
};
use crate::{
    AppState,
    api::translations::{matching, source_of, target_locale},
    translations::{self as lines, Coverage, Line},
};

#[derive(Deserialize, Default, Clone)]
pub struct TranslationFilter {
    #[serde(default)]
    locale: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

impl TranslationFilter {
    /// The page's address with these filters, ready for `page=`.
    fn link(&self) -> String {
        let encode = super::context::urlencode;
        format!(
            "/translations?locale={}&state={}&area={}&q={}&",
            encode(&self.locale),
            encode(&self.state),
            encode(&self.area),
            encode(&self.q)
        )
    }
}

/// A string as the page lists it.
pub struct Row {
    pub key: &'static str,
    /// The row's anchor, for coming back to it after a change.
    pub anchor: String,
    pub source: &'static str,
    pub english: &'static str,
    pub in_force: String,
    /// The edit waiting for review, if any.
    pub draft: Option<String>,
    pub state: &'static str,
    pub used_on: Option<&'static str>,
    /// Whether the reader may review the draft (they did not write it).
    pub can_review: bool,
}

#[derive(Template)]
#[template(path = "translations/index.html")]
struct TranslationsPage {
    p: PageCtx,
    filter: TranslationFilter,
    locale: &'static str,
    /// Per language: (tag, its own name, coverage).
    languages: Vec<(&'static str, &'static str, Coverage)>,
    /// The chosen language's coverage per area.
    areas: Vec<(&'static str, Coverage)>,
    rows: Vec<Row>,
    total: usize,
    page: i64,
    pages: i64,
    /// The edit sent back with why it was refused: (key, text).
    refused: Option<(String, String)>,
    errors: ValidationError,
}

impl TranslationsPage {
    fn error(&self, field: &str) -> String {
        field_message(&self.errors, field, self.p.t)
    }

    /// The text to show in a row's form: what was refused there, or the draft, or what is in force.
    fn text_of(&self, row: &Row) -> String {
        match &self.refused {
            Some((key, text)) if key == row.key => text.clone(),
            // Not translated yet: an empty field, the Chinese source above it.
            _ if row.state == "missing" => String::new(),
            _ => row.draft.clone().unwrap_or_else(|| row.in_force.clone()),
        }
    }

    fn refused_here(&self, row: &Row) -> bool {
        self.refused.as_ref().is_some_and(|(key, _)| key == row.key)
    }
}

fn row_of(line: Line, reader: pacesetter_domain::UserId) -> Row {
    let draft = line.edited.as_ref().filter(|e| e.state == TranslationState::Draft);
    Row {
        key: line.key,
        anchor: anchor(line.key),
        source: line.source,
        english: line.english,
        in_force: line.in_force().to_owned(),
        draft: draft.map(|e| e.text.clone()),
        can_review: draft.is_some_and(|e| e.edited_by != reader),
        state: line.state.as_str(),
        used_on: lines::used_on(line.key),
    }
}

async fn translations_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    filter: TranslationFilter,
    refused: Option<(String, String)>,
    errors: ValidationError,
) -> PageResult {
    translations::authorise(actor)?;
    let locale = target_locale(Some(&filter.locale))?;
    let wanted = TranslationState::parse(&filter.state);
    let edits = translations::list(&state.app, actor).await?;
    let mut languages = Vec::new();
    let mut chosen = (Vec::new(), Vec::new());
    for language in [Locale::Bo, Locale::En] {
        let found = lines::lines(language, &edits);
        let (all, areas) = lines::coverage(&found);
        languages.push((language.tag(), language.native_name(), all));
        if language == locale {
            chosen = (found, areas);
        }
    }
    let (chosen, areas) = chosen;
    // A refused edit is shown with its message even where the list's filters leave its row out.
    let refused_line = refused.as_ref().and_then(|(key, _)| chosen.iter().find(|l| l.key == key).cloned());
    let found = matching(chosen, wanted, Some(&filter.area), Some(&filter.q))?;
    let request = PageRequest::new(filter.page, Some(50));
    let total = found.len();
    let pages = (total as i64 + request.per_page - 1) / request.per_page;
    let mut rows: Vec<Row> = found
        .into_iter()
        .skip(request.offset() as usize)
        .take(request.per_page as usize)
        .map(|line| row_of(line, actor.user.id))
        .collect();
    if let Some(line) = refused_line
        && !rows.iter().any(|r| r.key == line.key)
    {
        rows.insert(0, row_of(line, actor.user.id));
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = TranslationsPage {
        p: ctx,
        locale: locale.tag(),
        filter,
        languages,
        areas,
        rows,
        total,
        page: request.page,
        pages,
        refused,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_translations(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(filter): PageQuery<TranslationFilter>,
) -> PageResult {
    translations_page(&state, &actor, ctx, filter, None, ValidationError::new()).await
}

/// An edit as the page's row sends it, with the filters to come back to.
#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    back: String,
}

/// The list to come back to: the filters the form carried, on this page only.
fn back_to(back: &str) -> String {
    if back.starts_with("/translations?") { back.to_owned() } else { "/translations".to_owned() }
}

/// The filters of a `back` address, to show the list again when an edit is refused.
fn filter_of(back: &str) -> TranslationFilter {
    let query = back.split_once('?').map_or("", |(_, q)| q);
    serde_urlencoded::from_str(query).unwrap_or_default()
}

pub async fn edit_translation(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path((locale, key)): Path<(String, String)>,
    PageForm(form): PageForm<EditForm>,
) -> PageResult {
    let result = async {
        translations::authorise(&actor)?;
        let locale = target_locale(Some(&locale))?;
        let source = source_of(&key)?;
        translations::edit(&state.app, &actor, locale, &key, source, &form.text).await?;
        lines::refresh(&state.app).await
    }
    .await;
    match result {
        Ok(()) => Ok(saved(&format!("{}#{}", back_to(&form.back), anchor(&key)))),
        Err(error) => {
            let errors = field_errors(error)?;
            let filter = filter_of(&form.back);
            translations_page(&state, &actor, ctx, filter, Some((key, form.text)), errors).await
        }
    }
}

/// A row's anchor: its key with the dots made dashes.
fn anchor(key: &str) -> String {
    format!("k-{}", key.replace('.', "-"))
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    back: String,
}

pub async fn review_translation(
    State(state): State<AppState>,
    SignedIn { actor, ctx: _ }: SignedIn,
    Path((locale, key)): Path<(String, String)>,
    PageForm(form): PageForm<ReviewForm>,
) -> PageResult {
    translations::authorise(&actor)?;
    let locale = target_locale(Some(&locale))?;
    source_of(&key)?;
    translations::review(&state.app, &actor, locale, &key).await?;
    lines::refresh(&state.app).await?;
    Ok(saved(&format!("{}#{}", back_to(&form.back), anchor(&key))))
}

/// Every string of the language as a workbook, headed in the reader's language.
pub async fn export_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(filter): PageQuery<TranslationFilter>,
) -> PageResult {
    Ok(crate::api::translations::workbook(&state, &actor, Some(&filter.locale), ctx.t).await?)
}

/// Every string of the language as a gettext PO file.
pub async fn export_po(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    PageQuery(filter): PageQuery<TranslationFilter>,
) -> PageResult {
    Ok(crate::api::translations::exchange_file(&state, &actor, Some(&filter.locale), Format::Po).await?)
}

/// Every string of the language as an XLIFF 2.0 document.
pub async fn export_xliff(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    PageQuery(filter): PageQuery<TranslationFilter>,
) -> PageResult {
    Ok(crate::api::translations::exchange_file(&state, &actor, Some(&filter.locale), Format::Xliff).await?)
}

#[derive(Template)]
#[template(path = "translations/import.html")]
struct ImportPage {
    p: PageCtx,
    locale: &'static str,
    changes: Vec<lines::Change>,
    unchanged: usize,
    refused: usize,
}

/// Reads a translator's workbook and shows what it would change, with the form that stores it.
pub async fn preview_import(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    form: MultipartForm,
) -> PageResult {
    translations::authorise(&actor)?;
    let locale = target_locale(Some(&form.value("locale")))?;
    let bytes = form.files("file").next().map(|f| f.bytes.as_slice()).unwrap_or_default();
    let edits = translations::list(&state.app, &actor).await?;
    let read = if bytes.is_empty() {
        Err(pacesetter_app::AppError::invalid("file", "file_empty"))
    } else {
        lines::changes(bytes, locale, &edits)
    };
    match read {
        Ok((changes, unchanged)) => {
            let refused = changes.iter().filter(|c| c.problem.is_some()).count();
            let page = ImportPage { p: ctx, locale: locale.tag(), changes, unchanged, refused };
            Ok(render(&page).into_response())
        }
        Err(error) => {
            let errors = field_errors(error)?;
            let filter = TranslationFilter { locale: locale.tag().to_owned(), ..TranslationFilter::default() };
            translations_page(&state, &actor, ctx, filter, None, errors).await
        }
    }
}

/// Stores the previewed changes as drafts: the keys and texts the preview's form carries.
pub async fn commit_import(
    State(state): State<AppState>,
    SignedIn { actor, ctx: _ }: SignedIn,
    form: MultipartForm,
) -> PageResult {
    translations::authorise(&actor)?;
    let locale = target_locale(Some(&form.value("locale")))?;
    let keys = form.fields().filter(|(name, _)| *name == "key").map(|(_, v)| v);
    let texts = form.fields().filter(|(name, _)| *name == "text").map(|(_, v)| v);
    let mut edits = Vec::new();
    for (key, text) in keys.zip(texts) {
        edits.push(translations::SheetEdit { key, source: source_of(key)?, text });
    }
    translations::edit_many(&state.app, &actor, locale, &edits).await?;
    Ok(saved(&format!("/translations?locale={}&state=draft", locale.tag())))
}
