//! `/api/v1/users` and role grants.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use pacesetter_app::{AppError, PageRequest, users};
use pacesetter_domain::{
    Locale, Role, UnitId, UserId,
    ids::GrantId,
    user::{Grant, User, UserOrder},
};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{
        ApiActor, ApiJson, ApiPath,
        extract::{ApiQuery, IfMatch, etag},
    },
    error::ApiError,
};

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    #[schema(value_type = Option<pacesetter_domain::Locale>)]
    pub locale: Option<String>,
    pub disabled: bool,
    pub version: i64,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            username: user.username,
            display_name: user.display_name,
            unit_id: user.unit_id.0,
            locale: user.locale.map(|l| l.tag().to_owned()),
            disabled: user.disabled_at.is_some(),
            version: user.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GrantResponse {
    pub id: i64,
    pub user_id: i64,
    /// admin, coordinator, liaison, unit_approver, inspector, judge, viewer
    #[schema(value_type = pacesetter_domain::Role)]
    pub role: String,
    pub unit_id: i64,
}

impl From<Grant> for GrantResponse {
    fn from(grant: Grant) -> Self {
        Self {
            id: grant.id.0,
            user_id: grant.user_id.0,
            role: grant.role.as_str().to_owned(),
            unit_id: grant.unit_id.0,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserList {
    pub items: Vec<UserResponse>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Search in usernames and display names; at most 200 characters (`search_too_long`).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only people whose home unit is this one.
    pub unit: Option<i64>,
    /// The order: by `username` (the default), or by name as its readers sort: `name` (Chinese,
    /// by pinyin), `name_bo` (Tibetan names by root letter first, then the Chinese by pinyin).
    #[param(value_type = Option<crate::api::closed_sets::UserSort>)]
    pub sort: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// At most 500; 50 when left out.
    pub per_page: Option<i64>,
}

/// People whose home unit the caller may see.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserListQuery), security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<UserListQuery>,
) -> Result<Json<UserList>, ApiError> {
    let order = match query.sort.as_deref().unwrap_or_default() {
        "" | "username" => UserOrder::Username,
        "name" => UserOrder::Name(Locale::ZhHans),
        "name_bo" => UserOrder::Name(Locale::Bo),
        _ => return Err(AppError::invalid("sort", "invalid_sort").into()),
    };
    let filter = users::UserFilter { query: query.q.as_deref(), unit: query.unit.map(UnitId), order };
    let page = users::list(&state.app, &actor, filter, PageRequest::new(query.page, query.per_page)).await?;
    Ok(Json(UserList {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub unit_id: i64,
    /// zh-Hans, en or bo
    #[serde(default)]
    #[schema(value_type = Option<pacesetter_domain::Locale>)]
    pub locale: Option<String>,
}

/// Creates an account whose home unit the caller manages.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserRequest, security(("bearer" = [])),
    responses((status = 404, body = crate::error::ErrorBody), (status = 201, body = UserResponse), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<UserRequest>,
) -> Result<Response, ApiError> {
    let input = users::NewUserInput {
        username: &body.username,
        display_name: &body.display_name,
        password: &body.password,
        unit_id: Some(UnitId(body.unit_id)),
        locale: body.locale.as_deref().and_then(Locale::parse),
    };
    let user = users::create(&state.app, &actor, &input).await?;
    Ok((StatusCode::CREATED, etag(user.version), Json(UserResponse::from(user))).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserDetailResponse {
    pub user: UserResponse,
    pub grants: Vec<GrantResponse>,
    /// The account signs in with a code from an authenticator app as well.
    pub second_factor: bool,
}

/// One account with its role grants.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = UserDetailResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let detail = users::detail(&state.app, &actor, UserId(id)).await?;
    let version = detail.user.version;
    let body = UserDetailResponse {
        user: detail.user.into(),
        grants: detail.grants.into_iter().map(|(grant, _)| grant.into()).collect(),
        second_factor: detail.second_factor,
    };
    Ok((etag(version), Json(body)).into_response())
}

/// Removes an account's second factor (a lost phone) and ends its sessions and tokens; where it
/// is required, the owner enrols again at the next sign-in.
#[utoipa::path(delete, path = "/api/v1/users/{id}/second-factor", tag = "users", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "`second_factor_not_enrolled`.")))]
pub async fn reset_second_factor(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    users::reset_second_factor(&state.app, &actor, UserId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    #[schema(value_type = pacesetter_domain::Role)]
    pub role: String,
    pub unit_id: i64,
}

/// Grants a role on a unit (and its subtree) to a user.
#[utoipa::path(post, path = "/api/v1/users/{id}/grants", tag = "users", params(("id" = i64, Path)), request_body = GrantRequest, security(("bearer" = [])),
    responses((status = 201, body = GrantResponse), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_grant(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<GrantRequest>,
) -> Result<Response, ApiError> {
    let role = Role::parse(&body.role).ok_or(pacesetter_app::AppError::invalid("role", "invalid_role"))?;
    let grant = users::grant(&state.app, &actor, UserId(id), role, UnitId(body.unit_id)).await?;
    Ok((StatusCode::CREATED, Json(GrantResponse::from(grant))).into_response())
}

/// Revokes a grant; the holder loses it on their next request.
#[utoipa::path(delete, path = "/api/v1/grants/{id}", tag = "users", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_grant(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    users::revoke(&state.app, &actor, GrantId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdateRequest {
    pub display_name: String,
    pub unit_id: i64,
    /// zh-Hans, en or bo; absent: follow the browser.
    #[serde(default)]
    #[schema(value_type = Option<pacesetter_domain::Locale>)]
    pub locale: Option<String>,
}

/// Edits an account's name, home unit and language; needs `If-Match`.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path), IfMatch), request_body = UserUpdateRequest, security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = UserResponse), (status = 412, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<UserUpdateRequest>,
) -> Result<Response, ApiError> {
    let locale = match body.locale.as_deref().filter(|l| !l.is_empty()) {
        Some(text) => Some(Locale::parse(text).ok_or(pacesetter_app::AppError::invalid("locale", "invalid_locale"))?),
        None => None,
    };
    let user = users::update(&state.app, &actor, UserId(id), version, &body.display_name, UnitId(body.unit_id), locale)
        .await?;
    Ok((etag(user.version), Json(UserResponse::from(user))).into_response())
}

/// Disables an account: its sessions and tokens end at once; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = i64, Path), IfMatch), security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = UserResponse), (status = 409, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody)))]
pub async fn disable_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
) -> Result<Response, ApiError> {
    let user = users::set_disabled(&state.app, &actor, UserId(id), version, true).await?;
    Ok((etag(user.version), Json(UserResponse::from(user))).into_response())
}

/// Enables a disabled account; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = i64, Path), IfMatch), security(("bearer" = [])),
    responses((status = 403, body = crate::error::ErrorBody), (status = 200, body = UserResponse), (status = 412, body = crate::error::ErrorBody)))]
pub async fn enable_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    IfMatch(version): IfMatch,
) -> Result<Response, ApiError> {
    let user = users::set_disabled(&state.app, &actor, UserId(id), version, false).await?;
    Ok((etag(user.version), Json(UserResponse::from(user))).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    pub password: String,
}

/// Sets a new password for an account and ends its sessions.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)), request_body = PasswordRequest, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PasswordRequest>,
) -> Result<StatusCode, ApiError> {
    users::reset_password(&state.app, &actor, UserId(id), &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SignOutResponse {
    /// How many sessions were ended.
    pub sessions_ended: u64,
}

/// Ends every session and API token of an account (its owner, or whoever manages it).
#[utoipa::path(post, path = "/api/v1/users/{id}/sign-out-everywhere", tag = "users", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SignOutResponse), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SignOutResponse>, ApiError> {
    let sessions_ended = users::sign_out_everywhere(&state.app, &actor, UserId(id)).await?;
    Ok(Json(SignOutResponse { sessions_ended }))
}
