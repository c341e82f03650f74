//! `/api/v1/translations`: the deployment's own translations of the interface (issue 18,
//! decision 0022). A translator (an admin) lists every string of a language with its Chinese
//! source, edits one (a draft, its placeholders kept), and a second translator reviews it; a
//! reviewed edit is shown on every instance without a restart. Coverage per language and area.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{AppError, PageRequest, translations};
use pacesetter_domain::{Locale, translation::State as TranslationState};
use pacesetter_export::exchange::{self, Entry, EntryState, Format};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{ApiActor, ApiJson, ApiPath, extract::ApiQuery},
    error::ApiError,
    translations::{self as lines, Coverage, Line},
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct TranslationLine {
    pub key: String,
    /// The Chinese text: the source every language translates.
    pub source: String,
    pub english: String,
    /// As the language's file ships it (the Chinese where it is not translated yet).
    pub shipped: String,
    /// What a reader of the language sees now.
    pub in_force: String,
    /// The deployment's edit, draft or reviewed.
    pub edited: Option<String>,
    pub state: TranslationState,
    /// The page that shows it; none for text on every page (actions, errors, the menu).
    pub used_on: Option<String>,
}

impl From<Line> for TranslationLine {
    fn from(line: Line) -> Self {
        Self {
            key: line.key.to_owned(),
            source: line.source.to_owned(),
            english: line.english.to_owned(),
            shipped: line.shipped.to_owned(),
            in_force: line.in_force().to_owned(),
            edited: line.edited.map(|e| e.text),
            state: line.state,
            used_on: lines::used_on(line.key).map(str::to_owned),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TranslationList {
    pub items: Vec<TranslationLine>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranslationQuery {
    /// bo (the default) or en.
    #[param(value_type = Option<super::closed_sets::TranslationLocale>)]
    pub locale: Option<String>,
    #[param(value_type = Option<TranslationState>)]
    pub state: Option<String>,
    /// Only the keys of this area (a key's first segment, or `common`).
    pub area: Option<String>,
    /// Search in keys and texts; at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub page: Option<i64>,
    /// At most 500; 50 when left out.
    pub per_page: Option<i64>,
}

/// A language other than Chinese (the source), named by its tag.
pub(crate) fn target_locale(tag: Option<&str>) -> Result<Locale, AppError> {
    match tag.filter(|t| !t.is_empty()) {
        None => Ok(Locale::Bo),
        Some(tag) => match Locale::parse(tag) {
            Some(Locale::ZhHans) => Err(AppError::invalid("locale", "source_language")),
            Some(locale) => Ok(locale),
            None => Err(AppError::invalid("locale", "invalid_locale")),
        },
    }
}

/// The strings of `lines` matching the filters: a state, an area, a text in the key or any
/// language.
pub(crate) fn matching(
    lines: Vec<Line>,
    wanted: Option<TranslationState>,
    area: Option<&str>,
    q: Option<&str>,
) -> Result<Vec<Line>, AppError> {
    let q = pacesetter_app::search_term(q)?;
    let area = area.filter(|a| !a.is_empty());
    Ok(lines
        .into_iter()
        .filter(|l| wanted.is_none_or(|s| l.state == s))
        .filter(|l| area.is_none_or(|a| lines::area(l.key) == a))
        .filter(|l| {
            q.as_deref().is_none_or(|q| {
                l.key.contains(q) || l.source.contains(q) || l.english.contains(q) || l.in_force().contains(q)
            })
        })
        .collect())
}

/// Every string of a language with its state, a page at a time (for translators: admins).
#[utoipa::path(get, path = "/api/v1/translations", tag = "translations", params(TranslationQuery), security(("bearer" = [])),
    responses((status = 200, body = TranslationList), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_translations(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<TranslationQuery>,
) -> Result<Json<TranslationList>, ApiError> {
    translations::authorise(&actor)?;
    let locale = target_locale(query.locale.as_deref())?;
    let wanted = match query.state.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(TranslationState::parse(text).ok_or(AppError::invalid("state", "invalid_state"))?),
        None => None,
    };
    let edits = translations::list(&state.app, &actor).await?;
    let found = matching(lines::lines(locale, &edits), wanted, query.area.as_deref(), query.q.as_deref())?;
    let page = PageRequest::new(query.page, query.per_page);
    let total = found.len() as i64;
    let items = found.into_iter().skip(page.offset() as usize).take(page.per_page as usize).map(Into::into).collect();
    Ok(Json(TranslationList { items, total, page: page.page, per_page: page.per_page }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CoverageResponse {
    pub total: usize,
    pub translated: usize,
    pub drafts: usize,
    pub missing: usize,
    /// Translated, in per cent, rounded down.
    pub percent: usize,
}

impl From<Coverage> for CoverageResponse {
    fn from(c: Coverage) -> Self {
        Self { total: c.total, translated: c.translated, drafts: c.drafts, missing: c.missing, percent: c.percent() }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AreaCoverage {
    pub area: String,
    pub coverage: CoverageResponse,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LocaleCoverage {
    #[schema(value_type = super::closed_sets::TranslationLocale)]
    pub locale: String,
    pub coverage: CoverageResponse,
    pub areas: Vec<AreaCoverage>,
}

/// How much of each language is translated, in all and per area.
#[utoipa::path(get, path = "/api/v1/translations/coverage", tag = "translations", security(("bearer" = [])),
    responses((status = 200, body = [LocaleCoverage]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<LocaleCoverage>>, ApiError> {
    let edits = translations::list(&state.app, &actor).await?;
    let mut found = Vec::new();
    for locale in [Locale::Bo, Locale::En] {
        let (all, areas) = lines::coverage(&lines::lines(locale, &edits));
        let areas =
            areas.into_iter().map(|(area, c)| AreaCoverage { area: area.to_owned(), coverage: c.into() }).collect();
        found.push(LocaleCoverage { locale: locale.tag().to_owned(), coverage: all.into(), areas });
    }
    Ok(Json(found))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationRequest {
    /// The translation; it keeps the source's `{name}` placeholders.
    pub text: String,
}

/// The source of `key`, or `translation_not_found`.
pub(crate) fn source_of(key: &str) -> Result<&'static str, AppError> {
    crate::i18n::shipped(Locale::ZhHans, key).ok_or(AppError::NotFound(pacesetter_app::Resource::Translation))
}

/// The line of `key` after a change, with the change in force on this instance.
pub(crate) async fn line_after(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    locale: Locale,
    key: &str,
) -> Result<TranslationLine, AppError> {
    lines::refresh(&state.app).await?;
    let edits = translations::list(&state.app, actor).await?;
    lines::lines(locale, &edits)
        .into_iter()
        .find(|l| l.key == key)
        .map(Into::into)
        .ok_or(AppError::NotFound(pacesetter_app::Resource::Translation))
}

/// Edits a string of a language: a draft until a second translator reviews it.
#[utoipa::path(put, path = "/api/v1/translations/{locale}/{key}", tag = "translations",
    params(("locale" = super::closed_sets::TranslationLocale, Path), ("key" = String, Path)), request_body = TranslationRequest, security(("bearer" = [])),
    responses((status = 200, body = TranslationLine), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn edit_translation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((locale, key)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<TranslationRequest>,
) -> Result<Json<TranslationLine>, ApiError> {
    translations::authorise(&actor)?;
    let locale = target_locale(Some(&locale))?;
    let source = source_of(&key)?;
    translations::edit(&state.app, &actor, locale, &key, source, &body.text).await?;
    Ok(Json(line_after(&state, &actor, locale, &key).await?))
}

/// Marks an edit reviewed (by another translator than its editor): it is shown from then on.
#[utoipa::path(post, path = "/api/v1/translations/{locale}/{key}/review", tag = "translations",
    params(("locale" = super::closed_sets::TranslationLocale, Path), ("key" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = TranslationLine), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn review_translation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((locale, key)): ApiPath<(String, String)>,
) -> Result<Json<TranslationLine>, ApiError> {
    translations::authorise(&actor)?;
    let locale = target_locale(Some(&locale))?;
    source_of(&key)?;
    translations::review(&state.app, &actor, locale, &key).await?;
    Ok(Json(line_after(&state, &actor, locale, &key).await?))
}

/// Removes an edit: the shipped text stands again.
#[utoipa::path(delete, path = "/api/v1/translations/{locale}/{key}", tag = "translations",
    params(("locale" = super::closed_sets::TranslationLocale, Path), ("key" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn remove_translation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((locale, key)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    translations::authorise(&actor)?;
    let locale = target_locale(Some(&locale))?;
    source_of(&key)?;
    translations::remove(&state.app, &actor, locale, &key).await?;
    lines::refresh(&state.app).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// bo (the default) or en.
    #[param(value_type = Option<super::closed_sets::TranslationLocale>)]
    pub locale: Option<String>,
}

/// Every string of a language as a workbook for the translators' own tools: key, Chinese
/// source, English, the text in force, the edit waiting for review, and the state.
#[utoipa::path(get, path = "/api/v1/translations/export.xlsx", tag = "translations", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn export_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    Ok(workbook(&state, &actor, query.locale.as_deref(), crate::i18n::Tr::of_actor(&actor, &state.app)).await?)
}

/// The translation workbook of a language, its headings in the reader's language.
pub(crate) async fn workbook(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    locale: Option<&str>,
    t: crate::i18n::Tr,
) -> Result<Response, AppError> {
    use pacesetter_export::table_xlsx::{Column, write};
    translations::authorise(actor)?;
    let locale = target_locale(locale)?;
    let edits = translations::list(&state.app, actor).await?;
    let headings = [
        "translations.key",
        "translations.source",
        "translations.english",
        "translations.in_force",
        "translations.state.draft",
        "translations.state_label",
    ];
    let widths = [34.0, 40.0, 40.0, 40.0, 40.0, 12.0];
    let columns: Vec<Column<'_>> =
        headings.iter().zip(widths).map(|(key, width)| Column { heading: t.t(key), width }).collect();
    let rows: Vec<Vec<String>> = lines::lines(locale, &edits)
        .into_iter()
        .map(|line| {
            let draft = line.edited.as_ref().filter(|e| e.state == TranslationState::Draft).map(|e| e.text.clone());
            vec![
                line.key.to_owned(),
                line.source.to_owned(),
                line.english.to_owned(),
                line.in_force().to_owned(),
                draft.unwrap_or_default(),
                t.tk("translations.state", line.state.as_str()).to_owned(),
            ]
        })
        .collect();
    let title = format!("{} · {}", t.t("translations.title"), locale.native_name());
    let bytes = write(&title, locale.tag(), &columns, &rows).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::api::xlsx_download(bytes, &format!("attachment; filename=\"translations-{}.xlsx\"", locale.tag())))
}

/// Every string of a language as a gettext PO file: `msgctxt` the key, `msgid` the Chinese
/// source, `msgstr` the translation (a draft marked fuzzy; empty where none), the English and the
/// page that uses it as comments.
#[utoipa::path(get, path = "/api/v1/translations/export.po", tag = "translations", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, content_type = "text/x-gettext-translation"),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn export_po(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    Ok(exchange_file(&state, &actor, query.locale.as_deref(), Format::Po).await?)
}

/// Every string of a language as an XLIFF 2.0 document: a unit per key, the Chinese source, the
/// translation as its target (state `translated` for a draft, `final` once in force; no target
/// where none), the English and the page that uses it as notes.
#[utoipa::path(get, path = "/api/v1/translations/export.xliff", tag = "translations", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, content_type = "application/xliff+xml"),
        (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn export_xliff(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    Ok(exchange_file(&state, &actor, query.locale.as_deref(), Format::Xliff).await?)
}

/// The strings of a language in a translators' exchange format, as a download.
pub(crate) async fn exchange_file(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    locale: Option<&str>,
    format: Format,
) -> Result<Response, AppError> {
    translations::authorise(actor)?;
    let locale = target_locale(locale)?;
    let edits = translations::list(&state.app, actor).await?;
    let found = lines::lines(locale, &edits);
    let entries: Vec<Entry<'_>> = found
        .iter()
        .map(|line| {
            let draft = line.edited.as_ref().filter(|e| e.state == TranslationState::Draft);
            let (text, state) = match (draft, line.state) {
                (Some(draft), _) => (draft.text.as_str(), EntryState::Draft),
                (None, TranslationState::Missing) => ("", EntryState::Missing),
                (None, _) => (line.in_force(), EntryState::Final),
            };
            Entry {
                key: line.key,
                source: line.source,
                english: line.english,
                used_on: lines::used_on(line.key),
                text,
                state,
            }
        })
        .collect();
    let (body, content_type, extension) = match format {
        Format::Po => (exchange::write_po(locale.tag(), &entries), "text/x-gettext-translation; charset=utf-8", "po"),
        Format::Xliff => {
            (exchange::write_xliff(locale.tag(), &entries), "application/xliff+xml; charset=utf-8", "xliff")
        }
    };
    let disposition = format!("attachment; filename=\"translations-{}.{extension}\"", locale.tag());
    Ok(crate::api::download(body.into_bytes(), content_type, &disposition))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// bo (the default) or en.
    #[param(value_type = Option<super::closed_sets::TranslationLocale>)]
    pub locale: Option<String>,
    /// Store the changes as drafts; left out, the workbook is only read and its changes listed.
    pub commit: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TranslationChange {
    pub key: String,
    pub source: String,
    pub before: String,
    pub after: String,
    /// Why it is refused (an error code such as `placeholders_differ`); none when it is fine.
    pub problem: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TranslationImport {
    pub changes: Vec<TranslationChange>,
    /// Rows that change nothing.
    pub unchanged: usize,
    /// Drafts stored (0 unless asked to commit).
    pub stored: usize,
}

/// Reads a translator's file (the workbook, PO or XLIFF file as exported, told apart by
/// content): lists what it would change, and with `commit=true` stores the changes as drafts —
/// none if any is refused (`sheet_has_errors`).
#[utoipa::path(post, path = "/api/v1/translations/import", tag = "translations", params(ImportQuery), security(("bearer" = [])),
    request_body(content = super::FileBytes, content_type = "application/octet-stream"),
    responses((status = 200, body = TranslationImport), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import_workbook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<TranslationImport>, ApiError> {
    translations::authorise(&actor)?;
    let locale = target_locale(query.locale.as_deref())?;
    let edits = translations::list(&state.app, &actor).await?;
    let (changes, unchanged) = lines::changes(&body, locale, &edits)?;
    let mut stored = 0;
    if query.commit.unwrap_or(false) {
        if changes.iter().any(|c| c.problem.is_some()) {
            return Err(AppError::invalid("file", "sheet_has_errors").into());
        }
        stored = store_changes(&state, &actor, locale, &changes).await?;
    }
    let changes = changes
        .into_iter()
        .map(|c| TranslationChange {
            key: c.key.to_owned(),
            source: c.source.to_owned(),
            before: c.before,
            after: c.after,
            problem: c.problem.map(str::to_owned),
        })
        .collect();
    Ok(Json(TranslationImport { changes, unchanged, stored }))
}

/// Stores read changes as drafts and puts nothing in force (drafts wait for review).
pub(crate) async fn store_changes(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    locale: Locale,
    changes: &[lines::Change],
) -> Result<usize, AppError> {
    let edits: Vec<translations::SheetEdit<'_>> =
        changes.iter().map(|c| translations::SheetEdit { key: c.key, source: c.source, text: &c.after }).collect();
    translations::edit_many(&state.app, actor, locale, &edits).await
}
