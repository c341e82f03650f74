//! The units pages: the two trees with search, a unit with its subtree and people, and the
//! forms to create, edit, archive and restore.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{AppError, PageRequest, units};
use pacesetter_domain::{
    Locale, UnitId, UnitKind, ValidationError,
    unit::{Unit, UnitInput, UnitOrder},
};
use serde::Deserialize;

use super::{
    context::{PageCtx, SignedIn, render},
    page::{PageForm, PageQuery, PageResult, field_errors},
};
use crate::AppState;
use crate::ui::named::Named;
use crate::ui::page::saved;

/// A unit as a list row or tree node shows it.
pub struct UnitRow {
    pub id: i64,
    pub name: String,
    pub other_name: Option<String>,
    pub kind_key: String,
    pub code: String,
    pub archived: bool,
    pub below: i64,
    /// A Tibetan reader sees the Chinese name: no Tibetan one was given.
    pub untranslated: bool,
}

impl UnitRow {
    fn new(unit: &Unit, locale: Locale, below: i64) -> Self {
        let name = unit.display_name(locale).to_owned();
        // Show the Chinese name beside a Tibetan or English one, and the Tibetan beside Chinese.
        let other_name = if name != unit.name { Some(unit.name.clone()) } else { unit.name_bo.clone() };
        Self {
            id: unit.id.0,
            name,
            other_name,
            kind_key: format!("kind.{}", unit.kind.as_str()),
            code: unit.code.clone().unwrap_or_default(),
            archived: unit.is_archived(),
            below,
            untranslated: Named::of(&unit.name, unit.name_bo.as_deref(), locale).untranslated,
        }
    }
}

pub struct TreeRoot {
    pub root: UnitRow,
    pub children: Vec<UnitRow>,
}

#[derive(Template)]
#[template(path = "units/index.html")]
struct IndexPage {
    p: PageCtx,
    trees: Vec<TreeRoot>,
    rows: Vec<UnitRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    kind: String,
    kinds: Vec<&'static str>,
    include_archived: bool,
    /// Sorted by name in the reader's language, not in the tree's order.
    by_name: bool,
    can_create: bool,
    searching: bool,
    /// The subtree the list is limited to, if any.
    under: Option<UnitRow>,
}

#[derive(Deserialize, Default)]
pub struct IndexQuery {
    q: Option<String>,
    kind: Option<String>,
    page: Option<i64>,
    archived: Option<String>,
    /// Only this unit's subtree.
    under: Option<i64>,
    /// `name`: by name in the reader's language; otherwise the tree's order.
    sort: Option<String>,
}

pub async fn list_units(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<IndexQuery>,
) -> PageResult {
    let locale = ctx.t.locale;
    let kind = query.kind.as_deref().and_then(UnitKind::parse);
    let include_archived = query.archived.is_some();
    let by_name = query.sort.as_deref() == Some("name");
    let filter = units::UnitQuery {
        kind,
        q: query.q.clone(),
        include_archived,
        under: query.under.map(UnitId),
        order: if by_name { UnitOrder::Name(locale) } else { UnitOrder::Tree },
        ..Default::default()
    };
    let overview = units::overview(&state.app, &actor, &filter, PageRequest::new(query.page, Some(30))).await?;
    let trees = overview
        .trees
        .iter()
        .map(|(root, children)| TreeRoot {
            root: UnitRow::new(root, locale, children.iter().map(|(_, n)| n + 1).sum()),
            children: children.iter().map(|(u, n)| UnitRow::new(u, locale, *n)).collect(),
        })
        .collect();
    let list = overview.list;
    Ok(render(&IndexPage {
        searching: query.q.as_deref().is_some_and(|q| !q.trim().is_empty()) || kind.is_some() || query.under.is_some(),
        under: overview.under.map(|unit| UnitRow::new(&unit, locale, 0)),
        rows: list.items.iter().map(|u| UnitRow::new(u, locale, 0)).collect(),
        total: list.total,
        page: list.page,
        pages: list.pages(),
        q: query.q.unwrap_or_default(),
        kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        kinds: UnitKind::ALL.iter().map(|k| k.as_str()).collect(),
        include_archived,
        by_name,
        can_create: actor.can_anywhere(pacesetter_domain::Permission::ManageUnits),
        trees,
        p: ctx.with_nav("units"),
    }))
}

#[derive(Template)]
#[template(path = "units/show.html")]
struct ShowPage {
    p: PageCtx,
    unit: UnitRow,
    version: i64,
    name_zh: String,
    name_bo: String,
    name_en: String,
    category: String,
    aliases: String,
    breadcrumb: Vec<UnitRow>,
    children: Vec<UnitRow>,
    descendants: i64,
    people: Vec<PersonRow>,
    can_manage: bool,
}

pub struct PersonRow {
    pub id: i64,
    pub display_name: String,
    pub username: String,
    pub roles: Vec<String>,
    pub disabled: bool,
}

pub async fn show_unit(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let detail = units::detail(&state.app, &actor, UnitId(id)).await?;
    let locale = ctx.t.locale;
    let mut people: Vec<PersonRow> = detail
        .people
        .iter()
        .map(|person| PersonRow {
            id: person.user.id.0,
            display_name: person.user.display_name.clone(),
            username: person.user.username.clone(),
            roles: person
                .grants
                .iter()
                .filter(|g| g.unit_id == detail.unit.id)
                .map(|g| format!("role.{}", g.role.as_str()))
                .collect(),
            disabled: person.user.disabled_at.is_some(),
        })
        .collect();
    for (grant, user) in &detail.grants {
        if !people.iter().any(|p| p.id == user.id.0) {
            people.push(PersonRow {
                id: user.id.0,
                display_name: user.display_name.clone(),
                username: user.username.clone(),
                roles: vec![format!("role.{}", grant.role.as_str())],
                disabled: user.disabled_at.is_some(),
            });
        }
    }
    let unit = &detail.unit;
    Ok(render(&ShowPage {
        unit: UnitRow::new(unit, locale, detail.descendants),
        version: unit.version,
        name_zh: unit.name.clone(),
        name_bo: unit.name_bo.clone().unwrap_or_default(),
        name_en: unit.name_en.clone().unwrap_or_default(),
        category: unit.category.clone().unwrap_or_default(),
        aliases: unit.aliases.join("、"),
        breadcrumb: detail.ancestors.iter().map(|a| UnitRow::new(a, locale, 0)).collect(),
        children: detail.children.iter().map(|c| UnitRow::new(c, locale, 0)).collect(),
        descendants: detail.descendants,
        people,
        can_manage: detail.can_manage,
        p: ctx.with_nav("units"),
    }))
}

#[derive(Template)]
#[template(path = "units/form.html")]
struct FormPage {
    p: PageCtx,
    /// `None` when creating.
    unit_id: Option<i64>,
    parent: Option<UnitRow>,
    form: UnitForm,
    errors: ValidationError,
    /// Set when someone else saved first: their version of the unit.
    conflict: Option<UnitRow>,
    kinds: Vec<&'static str>,
    /// The error of the move form, if a move was refused.
    move_error: &'static str,
    move_code: String,
}

impl FormPage {
    /// The form for a new unit (`unit_id` None) or an existing one, with nothing wrong yet.
    fn new(ctx: PageCtx, unit_id: Option<i64>, parent: Option<UnitRow>, form: UnitForm) -> Self {
        Self {
            p: ctx.with_nav("units"),
            unit_id,
            parent,
            form,
            errors: ValidationError::new(),
            conflict: None,
            kinds: UnitKind::ALL.iter().map(|k| k.as_str()).collect(),
            move_error: "",
            move_code: String::new(),
        }
    }

    fn error(&self, field: &str) -> String {
        crate::ui::page::field_message(&self.errors, field, self.p.t)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct UnitForm {
    #[serde(default)]
    parent_id: Option<i64>,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_bo: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    aliases: String,
}

impl UnitForm {
    fn input(&self) -> UnitInput<'_> {
        UnitInput {
            kind: &self.kind,
            code: &self.code,
            name: &self.name,
            name_bo: &self.name_bo,
            name_en: &self.name_en,
            category: &self.category,
            aliases: &self.aliases,
        }
    }

    fn from_unit(unit: &Unit) -> Self {
        Self {
            parent_id: unit.parent_id.map(|p| p.0),
            version: unit.version,
            kind: unit.kind.as_str().to_owned(),
            code: unit.code.clone().unwrap_or_default(),
            name: unit.name.clone(),
            name_bo: unit.name_bo.clone().unwrap_or_default(),
            name_en: unit.name_en.clone().unwrap_or_default(),
            category: unit.category.clone().unwrap_or_default(),
            aliases: unit.aliases.join("、"),
        }
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    parent: Option<i64>,
}

pub async fn new_unit(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<NewQuery>,
) -> PageResult {
    let parent = match query.parent {
        Some(id) => Some(units::get(&state.app, &actor, UnitId(id)).await?),
        None => None,
    };
    let kind = parent
        .as_ref()
        .and_then(|p| UnitKind::ALL.into_iter().find(|k| k.may_sit_under(Some(p.kind))))
        .unwrap_or(UnitKind::MemberUnit);
    let form = UnitForm { parent_id: query.parent, kind: kind.as_str().to_owned(), ..Default::default() };
    let locale = ctx.t.locale;
    Ok(render(&FormPage::new(ctx, None, parent.as_ref().map(|p| UnitRow::new(p, locale, 0)), form)))
}

pub async fn create_unit(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<UnitForm>,
) -> PageResult {
    match units::create(&state.app, &actor, form.parent_id.map(UnitId), &form.input()).await {
        Ok(unit) => Ok(to_unit(&unit)),
        Err(error) => form_again(&state, &actor, ctx, None, form, error).await,
    }
}

pub async fn edit_unit(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let unit = units::editable(&state.app, &actor, UnitId(id)).await?;
    Ok(render(&FormPage::new(ctx, Some(id), None, UnitForm::from_unit(&unit))))
}

pub async fn update_unit(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<UnitForm>,
) -> PageResult {
    match units::update(&state.app, &actor, UnitId(id), form.version, &form.input()).await {
        Ok(unit) => Ok(to_unit(&unit)),
        Err(error) => form_again(&state, &actor, ctx, Some(id), form, error).await,
    }
}

fn to_unit(unit: &Unit) -> Response {
    saved(&format!("/units/{}", unit.id))
}

/// Shows the form again with the input kept and the error next to its field; for a stale
/// edit, shows the other person's version and takes their version number, so that saving
/// again is a deliberate choice.
async fn form_again(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    unit_id: Option<i64>,
    mut form: UnitForm,
    error: AppError,
) -> PageResult {
    let locale = ctx.t.locale;
    let (status, errors, conflict) = match (error, unit_id) {
        (AppError::Stale { .. }, Some(id)) => {
            let current = units::get(&state.app, actor, UnitId(id)).await?;
            form.version = current.version;
            (StatusCode::CONFLICT, ValidationError::new(), Some(UnitRow::new(&current, locale, 0)))
        }
        (error, _) => (StatusCode::UNPROCESSABLE_ENTITY, field_errors(error)?, None),
    };
    let parent = match form.parent_id {
        Some(id) if unit_id.is_none() => {
            Some(UnitRow::new(&units::get(&state.app, actor, UnitId(id)).await?, locale, 0))
        }
        _ => None,
    };
    let page = FormPage { errors, conflict, ..FormPage::new(ctx, unit_id, parent, form) };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct VersionForm {
    version: i64,
}

pub async fn archive_unit(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<VersionForm>,
) -> PageResult {
    Ok(to_unit(&units::set_archived(&state.app, &actor, UnitId(id), form.version, true).await?))
}

pub async fn restore_unit(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<VersionForm>,
) -> PageResult {
    Ok(to_unit(&units::set_archived(&state.app, &actor, UnitId(id), form.version, false).await?))
}

#[derive(Deserialize)]
pub struct MoveForm {
    version: i64,
    parent_code: String,
}

/// Moves a unit, with its subtree, under the unit with the given code.
pub async fn move_unit(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<MoveForm>,
) -> PageResult {
    let errors = match units::move_under(&state.app, &actor, UnitId(id), form.version, &form.parent_code).await {
        Ok(unit) => return Ok(to_unit(&unit)),
        Err(error) => field_errors(error)?,
    };
    let unit = units::get(&state.app, &actor, UnitId(id)).await?;
    let page = FormPage {
        move_error: errors.fields.first().map(|f| f.code).unwrap_or("invalid_input"),
        move_code: form.parent_code.trim().to_owned(),
        ..FormPage::new(ctx, Some(id), None, UnitForm::from_unit(&unit))
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}
