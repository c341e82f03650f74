//! The people pages: accounts in scope, one account with its roles, creating accounts and
//! granting or revoking roles.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{AppError, PageRequest, users};
use pacesetter_domain::{Locale, Role, UnitId, UserId, ValidationError, ids::GrantId};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, check_csrf, error_page, render};
use crate::AppState;

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "users/index.html")]
struct IndexPage {
    p: PageCtx,
    rows: Vec<UserRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    can_create: bool,
}

#[derive(Deserialize)]
pub struct IndexQuery {
    q: Option<String>,
    page: Option<i64>,
}

pub async fn index(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Query(query): Query<IndexQuery>,
) -> Response {
    let list =
        match users::list(&state.app, &actor, query.q.as_deref(), None, PageRequest::new(query.page, Some(30))).await {
            Ok(list) => list,
            Err(error) => return error_page(ctx.t, &error),
        };
    render(&IndexPage {
        rows: list
            .items
            .iter()
            .map(|u| UserRow {
                id: u.id.0,
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                disabled: u.disabled_at.is_some(),
            })
            .collect(),
        total: list.total,
        page: list.page,
        pages: list.pages(),
        q: query.q.unwrap_or_default(),
        can_create: actor.can_anywhere(pacesetter_domain::Permission::ManageUsers),
        p: ctx.with_nav("users"),
    })
}

pub struct GrantRow {
    pub id: i64,
    pub role_key: String,
    pub unit_id: i64,
    pub unit_name: String,
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct ShowPage {
    p: PageCtx,
    user: UserRow,
    unit_id: i64,
    unit_name: String,
    locale: String,
    grants: Vec<GrantRow>,
    can_manage: bool,
    roles: Vec<&'static str>,
    error: String,
}

pub async fn show(State(state): State<AppState>, SignedIn { actor, ctx }: SignedIn, Path(id): Path<i64>) -> Response {
    show_with(&state, &actor, ctx, id, String::new()).await
}

async fn show_with(state: &AppState, actor: &pacesetter_app::Actor, ctx: PageCtx, id: i64, error: String) -> Response {
    let detail = match users::detail(&state.app, actor, UserId(id)).await {
        Ok(detail) => detail,
        Err(error) => return error_page(ctx.t, &error),
    };
    let locale = ctx.t.locale;
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ShowPage {
        user: UserRow {
            id: detail.user.id.0,
            username: detail.user.username.clone(),
            display_name: detail.user.display_name.clone(),
            disabled: detail.user.disabled_at.is_some(),
        },
        unit_id: detail.unit.id.0,
        unit_name: detail.unit.display_name(locale).to_owned(),
        locale: detail.user.locale.map(|l| l.native_name().to_owned()).unwrap_or_default(),
        grants: detail
            .grants
            .iter()
            .map(|(g, u)| GrantRow {
                id: g.id.0,
                role_key: format!("role.{}", g.role.as_str()),
                unit_id: u.id.0,
                unit_name: u.display_name(locale).to_owned(),
            })
            .collect(),
        can_manage: detail.can_manage,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        error,
        p: ctx.with_nav("users"),
    };
    (status, render(&page)).into_response()
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage {
    p: PageCtx,
    form: UserForm,
    errors: ValidationError,
}

impl FormPage {
    fn error(&self, field: &str) -> String {
        self.errors.code_for(field).map(|code| self.p.t.error(code)).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    locale: String,
}

pub async fn new_form(SignedIn { ctx, .. }: SignedIn) -> Response {
    render(&FormPage { p: ctx.with_nav("users"), form: UserForm::default(), errors: ValidationError::new() })
}

pub async fn create(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Form(mut form): Form<UserForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let unit = resolve_unit(&state, &actor, &form.unit_code).await;
    let input = users::NewUserInput {
        username: &form.username,
        display_name: &form.display_name,
        password: &form.password,
        unit_id: unit,
        locale: Locale::parse(&form.locale),
    };
    match users::create(&state.app, &actor, &input).await {
        Ok(user) => Redirect::to(&format!("/users/{}", user.id)).into_response(),
        Err(error @ (AppError::Invalid(_) | AppError::NotFound("unit"))) => {
            let errors = match error {
                AppError::Invalid(errors) => errors,
                _ => ValidationError::single("unit_id", "unit_not_found"),
            };
            // The password is never sent back into the page.
            form.password.clear();
            (StatusCode::UNPROCESSABLE_ENTITY, render(&FormPage { p: ctx.with_nav("users"), form, errors }))
                .into_response()
        }
        Err(error) => error_page(ctx.t, &error),
    }
}

/// A unit by its code (what the office knows) or by its id.
async fn resolve_unit(state: &AppState, actor: &pacesetter_app::Actor, text: &str) -> Option<UnitId> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let query = pacesetter_app::units::UnitQuery { q: Some(text.to_owned()), ..Default::default() };
    let found =
        pacesetter_app::units::list(&state.app, actor, &query, PageRequest::new(Some(1), Some(50))).await.ok()?;
    found.items.iter().find(|u| u.code.as_deref() == Some(text) || u.name == text).map(|u| u.id).or(Some(UnitId(0)))
}

#[derive(Deserialize)]
pub struct GrantForm {
    csrf: String,
    role: String,
    unit_code: String,
}

pub async fn grant(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<GrantForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let Some(role) = Role::parse(&form.role) else {
        return show_with(&state, &actor, ctx.clone(), id, ctx.t.error("invalid_role")).await;
    };
    let unit = resolve_unit(&state, &actor, &form.unit_code).await.unwrap_or(UnitId(0));
    match users::grant(&state.app, &actor, UserId(id), role, unit).await {
        Ok(_) => Redirect::to(&format!("/users/{id}")).into_response(),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            show_with(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await
        }
        Err(AppError::NotFound("unit")) => {
            show_with(&state, &actor, ctx.clone(), id, ctx.t.error("unit_not_found")).await
        }
        Err(AppError::Conflict(code)) => show_with(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await,
        Err(error) => error_page(ctx.t, &error),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
    user_id: i64,
}

pub async fn revoke(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match users::revoke(&state.app, &actor, GrantId(id)).await {
        Ok(()) => Redirect::to(&format!("/users/{}", form.user_id)).into_response(),
        Err(error) => error_page(ctx.t, &error),
    }
}
