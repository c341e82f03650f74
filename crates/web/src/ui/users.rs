//! The people pages: accounts in scope, one account with its roles, creating accounts and
//! granting or revoking roles.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{AppError, PageRequest, units, users};
use pacesetter_domain::{Locale, Role, UserId, ValidationError, ids::GrantId, user::UserOrder};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, render};
use crate::AppState;
use crate::ui::page::{NoFields, PageForm, PageQuery, PageResult, saved};

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
    by_name: bool,
    can_create: bool,
}

#[derive(Deserialize)]
pub struct IndexQuery {
    q: Option<String>,
    /// `name`: by name as the reader's language sorts; else by username.
    sort: Option<String>,
    page: Option<i64>,
}

pub async fn list_users(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<IndexQuery>,
) -> PageResult {
    let by_name = query.sort.as_deref() == Some("name");
    let order = if by_name { UserOrder::Name(ctx.t.locale) } else { UserOrder::Username };
    let filter = users::UserFilter { query: query.q.as_deref(), unit: None, order };
    let list = users::list(&state.app, &actor, filter, PageRequest::new(query.page, Some(30))).await?;
    Ok(render(&IndexPage {
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
        by_name,
        can_create: actor.can_anywhere(pacesetter_domain::Permission::ManageUsers),
        p: ctx.with_nav("users"),
    }))
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
    second_factor: bool,
    roles: Vec<&'static str>,
    error: String,
    version: i64,
    is_self: bool,
    done: String,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
}

pub async fn show_user(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<ShowQuery>,
) -> PageResult {
    let done = match query.done.as_deref() {
        Some("password") => ctx.t.t("users.password_reset_done").to_owned(),
        Some("signed_out") => ctx.t.t("users.signed_out_done").to_owned(),
        _ => String::new(),
    };
    show_full(&state, &actor, ctx, id, String::new(), done).await
}

async fn show_with(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    id: i64,
    error: String,
) -> PageResult {
    show_full(state, actor, ctx, id, error, String::new()).await
}

async fn show_full(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    id: i64,
    error: String,
    done: String,
) -> PageResult {
    let detail = users::detail(&state.app, actor, UserId(id)).await?;
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
        second_factor: detail.second_factor,
        // Only admins may grant the admin role; the others do not see it offered.
        roles: Role::ALL
            .iter()
            .filter(|r| **r != Role::Admin || actor.can_anywhere(pacesetter_domain::Permission::GrantAdmin))
            .map(|r| r.as_str())
            .collect(),
        error,
        version: detail.user.version,
        is_self: detail.user.id == actor.user.id,
        done,
        p: ctx.with_nav("users"),
    };
    Ok((status, render(&page)).into_response())
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
        crate::ui::page::field_message(&self.errors, field, self.p.t)
    }
}

#[derive(Deserialize, Default)]
pub struct UserForm {
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

pub async fn new_user(SignedIn { ctx, .. }: SignedIn) -> PageResult {
    Ok(render(&FormPage { p: ctx.with_nav("users"), form: UserForm::default(), errors: ValidationError::new() }))
}

pub async fn create_user(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(mut form): PageForm<UserForm>,
) -> PageResult {
    let result = async {
        let input = users::NewUserInput {
            username: &form.username,
            display_name: &form.display_name,
            password: &form.password,
            unit_id: units::typed(&state.app, &actor, &form.unit_code, "unit_id").await?,
            locale: Locale::parse(&form.locale),
        };
        users::create(&state.app, &actor, &input).await
    }
    .await;
    Ok(match result {
        Ok(user) => saved(&format!("/users/{}", user.id)),
        Err(error @ (AppError::Invalid(_) | AppError::NotFound(pacesetter_app::Resource::Unit))) => {
            let errors = match error {
                AppError::Invalid(errors) => errors,
                _ => ValidationError::single("unit_id", "unit_not_found"),
            };
            // The password is never sent back into the page.
            form.password.clear();
            (StatusCode::UNPROCESSABLE_ENTITY, render(&FormPage { p: ctx.with_nav("users"), form, errors }))
                .into_response()
        }
        Err(error) => return Err(error.into()),
    })
}

#[derive(Deserialize)]
pub struct GrantForm {
    role: String,
    unit_code: String,
}

pub async fn create_grant(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<GrantForm>,
) -> PageResult {
    let Some(role) = Role::parse(&form.role) else {
        return show_with(&state, &actor, ctx.clone(), id, ctx.t.error("invalid_role")).await;
    };
    let result = async {
        let unit = units::typed(&state.app, &actor, &form.unit_code, "unit_id")
            .await?
            .ok_or(AppError::invalid("unit_id", "unit_not_found"))?;
        users::grant(&state.app, &actor, UserId(id), role, unit).await
    }
    .await;
    Ok(match result {
        Ok(_) => saved(&format!("/users/{id}")),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            return show_with(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await;
        }
        Err(AppError::NotFound(pacesetter_app::Resource::Unit)) => {
            return show_with(&state, &actor, ctx.clone(), id, ctx.t.error("unit_not_found")).await;
        }
        Err(AppError::Conflict(code)) => return show_with(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await,
        Err(error) => return Err(error.into()),
    })
}

#[derive(Deserialize)]
pub struct RevokeForm {
    user_id: i64,
}

pub async fn delete_grant(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RevokeForm>,
) -> PageResult {
    Ok(match users::revoke(&state.app, &actor, GrantId(id)).await {
        Ok(()) => saved(&format!("/users/{}", form.user_id)),
        Err(error) => return Err(error.into()),
    })
}

#[derive(Template)]
#[template(path = "users/edit.html")]
struct EditPage {
    p: PageCtx,
    id: i64,
    username: String,
    form: EditForm,
    errors: ValidationError,
    /// Set when someone else saved first.
    conflict: bool,
}

impl EditPage {
    fn error(&self, field: &str) -> String {
        crate::ui::page::field_message(&self.errors, field, self.p.t)
    }
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    locale: String,
}

pub async fn edit_user(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let detail = users::editable(&state.app, &actor, UserId(id)).await?;
    let form = EditForm {
        version: detail.user.version,
        display_name: detail.user.display_name.clone(),
        unit_code: detail.unit.code.clone().unwrap_or_else(|| detail.unit.name.clone()),
        locale: detail.user.locale.map(|l| l.tag().to_owned()).unwrap_or_default(),
    };
    Ok(render(&EditPage {
        p: ctx.with_nav("users"),
        id,
        username: detail.user.username,
        form,
        errors: ValidationError::new(),
        conflict: false,
    }))
}

pub async fn update_user(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(mut form): PageForm<EditForm>,
) -> PageResult {
    let result = async {
        let unit = units::typed(&state.app, &actor, &form.unit_code, "unit_id")
            .await?
            .ok_or(AppError::invalid("unit_id", "unit_not_found"))?;
        users::update(
            &state.app,
            &actor,
            UserId(id),
            form.version,
            &form.display_name,
            unit,
            Locale::parse(&form.locale),
        )
        .await
    }
    .await;
    let (status, errors, conflict) = match result {
        Ok(_) => return Ok(saved(&format!("/users/{id}"))),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, false),
        Err(AppError::NotFound(pacesetter_app::Resource::Unit)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, ValidationError::single("unit_id", "unit_not_found"), false)
        }
        Err(AppError::Stale { current }) => {
            // Take the stored version so that saving again is a deliberate choice.
            form.version = current.get("version").and_then(|v| v.as_i64()).unwrap_or(form.version);
            (StatusCode::CONFLICT, ValidationError::new(), true)
        }
        Err(error) => return Err(error.into()),
    };
    let username = users::detail(&state.app, &actor, UserId(id)).await?.user.username;
    Ok((status, render(&EditPage { p: ctx.with_nav("users"), id, username, form, errors, conflict })).into_response())
}

#[derive(Deserialize)]
pub struct VersionForm {
    version: i64,
}

pub async fn disable_user(
    State(state): State<AppState>,
    page: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<VersionForm>,
) -> PageResult {
    set_disabled(state, page, id, form, true).await
}

pub async fn enable_user(
    State(state): State<AppState>,
    page: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<VersionForm>,
) -> PageResult {
    set_disabled(state, page, id, form, false).await
}

async fn set_disabled(
    state: AppState,
    SignedIn { actor, ctx }: SignedIn,
    id: i64,
    form: VersionForm,
    disabled: bool,
) -> PageResult {
    Ok(match users::set_disabled(&state.app, &actor, UserId(id), form.version, disabled).await {
        Ok(_) => saved(&format!("/users/{id}")),
        Err(AppError::Conflict(code)) => return show_with(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await,
        Err(error) => return Err(error.into()),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<PasswordForm>,
) -> PageResult {
    Ok(match users::reset_password(&state.app, &actor, UserId(id), &form.password).await {
        Ok(()) => Redirect::to(&format!("/users/{id}?done=password")).into_response(),
        Err(AppError::Invalid(errors)) => {
            let code = errors.fields.first().map(|f| f.code).unwrap_or("invalid_input");
            return show_with(&state, &actor, ctx.clone(), id, ctx.t.error(code)).await;
        }
        Err(error) => return Err(error.into()),
    })
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    _: PageForm<NoFields>,
) -> PageResult {
    Ok(match users::sign_out_everywhere(&state.app, &actor, UserId(id)).await {
        // Signing oneself out everywhere ends this session too.
        Ok(_) if actor.user.id.0 == id => Redirect::to("/login").into_response(),
        Ok(_) => Redirect::to(&format!("/users/{id}?done=signed_out")).into_response(),
        Err(error) => return Err(error.into()),
    })
}
