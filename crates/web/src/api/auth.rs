//! API tokens for scripts.

use axum::http::request::Parts;
use axum::{Json, extract::State, http::HeaderMap, response::IntoResponse};
use pacesetter_domain::{Role, UnitId};
use serde::{Deserialize, Serialize};

use crate::{
    AppState,
    api::{ApiActor, ApiJson},
    error::ApiError,
    request,
};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Exchanges a username and password for an API token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse),
        (status = 401, body = crate::error::ErrorBody, description = "`bad_credentials`, or `account_disabled`."),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    parts: OriginParts,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let token = pacesetter_app::auth::issue_token(&state.app, &body.username, &body.password, &parts.0).await?;
    Ok(Json(TokenResponse { token }))
}

/// Revokes the token used for this call.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(token) = request::bearer_token(&headers) {
        pacesetter_app::auth::revoke_token(&state.app, &actor, &token).await?;
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GrantSummary {
    #[schema(value_type = pacesetter_domain::Role)]
    pub role: Role,
    #[schema(value_type = i64)]
    pub unit_id: UnitId,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    #[schema(value_type = Option<pacesetter_domain::Locale>)]
    pub locale: Option<String>,
    pub grants: Vec<GrantSummary>,
}

/// The signed-in user and their roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(ApiActor(actor): ApiActor) -> Json<MeResponse> {
    Json(MeResponse {
        id: actor.user.id.0,
        username: actor.user.username.clone(),
        display_name: actor.user.display_name.clone(),
        unit_id: actor.user.unit_id.0,
        locale: actor.user.locale.map(|l| l.tag().to_owned()),
        grants: actor.scope.grants.iter().map(|g| GrantSummary { role: g.role, unit_id: g.unit_id }).collect(),
    })
}

/// The request's origin (client address, request id) as an extractor.
pub struct OriginParts(pub pacesetter_app::Origin);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for OriginParts {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(request::origin_of(parts)))
    }
}
