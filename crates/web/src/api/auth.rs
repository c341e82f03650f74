//! API tokens for scripts.

use axum::http::request::Parts;
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use pacesetter_app::auth::second_factor;
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
    /// For an account with two-step sign-in: the authenticator app's current code, or one of
    /// its recovery codes.
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Exchanges a username and password for an API token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse),
        (status = 401, body = crate::error::ErrorBody, description = "`bad_credentials`; for an account with two-step sign-in, `second_factor_required` without a code and `bad_second_factor` with a wrong or used one."),
        (status = 403, body = crate::error::ErrorBody, description = "`second_factor_enrolment_required`: the account must set up two-step sign-in in the pages first."),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    parts: OriginParts,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let token =
        pacesetter_app::auth::issue_token(&state.app, &body.username, &body.password, body.code.as_deref(), &parts.0)
            .await?;
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
    Ok(StatusCode::NO_CONTENT)
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

#[derive(Serialize, utoipa::ToSchema)]
pub struct SecondFactorStatus {
    /// Sign-in asks for a code from the authenticator app.
    pub enrolled: bool,
    /// An enrolment is begun and waits for its first code.
    pub pending: bool,
    pub recovery_codes_left: i64,
    /// The deployment requires two-step sign-in of this account's role.
    pub required: bool,
}

/// The caller's two-step sign-in.
#[utoipa::path(get, path = "/api/v1/me/second-factor", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = SecondFactorStatus), (status = 401, body = crate::error::ErrorBody)))]
pub async fn second_factor_status(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<SecondFactorStatus>, ApiError> {
    let status = second_factor::status(&state.app, &actor).await?;
    Ok(Json(SecondFactorStatus {
        enrolled: status.enrolled,
        pending: status.pending.is_some(),
        recovery_codes_left: status.recovery_codes_left,
        required: status.required,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EnrolmentResponse {
    /// The secret in base32 (in groups of four), for typing into the app.
    pub secret: String,
    /// The `otpauth://` address, for a QR code.
    pub uri: String,
}

/// Begins setting up two-step sign-in: a new secret for the authenticator app, confirmed by
/// `POST /api/v1/me/second-factor/confirm` with its first code.
#[utoipa::path(post, path = "/api/v1/me/second-factor", tag = "auth", security(("bearer" = [])),
    responses((status = 201, body = EnrolmentResponse), (status = 401, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "`second_factor_enrolled`: turn it off first.")))]
pub async fn begin_second_factor(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<impl IntoResponse, ApiError> {
    let enrolment = second_factor::begin(&state.app, &actor).await?;
    Ok((StatusCode::CREATED, Json(EnrolmentResponse { secret: enrolment.secret, uri: enrolment.uri })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The authenticator app's current code (or, where the text says so, a recovery code).
    pub code: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodesResponse {
    /// Ten single-use codes for when the phone is lost; shown this once.
    pub recovery_codes: Vec<String>,
}

/// Confirms the enrolment with the app's first code and returns the recovery codes; every other
/// session and token of the account ends.
#[utoipa::path(post, path = "/api/v1/me/second-factor/confirm", tag = "auth", request_body = CodeRequest, security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodesResponse),
        (status = 401, body = crate::error::ErrorBody, description = "`bad_second_factor`."),
        (status = 409, body = crate::error::ErrorBody, description = "`no_enrolment_begun`."),
        (status = 429, body = crate::error::ErrorBody, description = "Five wrong codes in one 30-second step.")))]
pub async fn confirm_second_factor(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Json<RecoveryCodesResponse>, ApiError> {
    let current = request::bearer_token(&headers);
    let recovery_codes = second_factor::confirm(&state.app, &actor, &body.code, current.as_deref()).await?;
    Ok(Json(RecoveryCodesResponse { recovery_codes }))
}

/// New recovery codes in place of the old, after an app code or a recovery code.
#[utoipa::path(post, path = "/api/v1/me/second-factor/recovery-codes", tag = "auth", request_body = CodeRequest, security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodesResponse),
        (status = 401, body = crate::error::ErrorBody, description = "`bad_second_factor`."),
        (status = 409, body = crate::error::ErrorBody, description = "`second_factor_not_enrolled`."),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn renew_recovery_codes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<Json<RecoveryCodesResponse>, ApiError> {
    let recovery_codes = second_factor::renew_recovery_codes(&state.app, &actor, &body.code).await?;
    Ok(Json(RecoveryCodesResponse { recovery_codes }))
}

/// Turns two-step sign-in off, after an app code or a recovery code.
#[utoipa::path(post, path = "/api/v1/me/second-factor/disable", tag = "auth", request_body = CodeRequest, security(("bearer" = [])),
    responses((status = 204),
        (status = 401, body = crate::error::ErrorBody, description = "`bad_second_factor`."),
        (status = 409, body = crate::error::ErrorBody, description = "`second_factor_not_enrolled`, or `second_factor_required_for_role` where the deployment requires it."),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn disable_second_factor(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CodeRequest>,
) -> Result<StatusCode, ApiError> {
    second_factor::disable(&state.app, &actor, &body.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The request's origin (client address, request id) as an extractor.
pub struct OriginParts(pub pacesetter_app::Origin);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for OriginParts {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(request::origin_of(parts)))
    }
}
