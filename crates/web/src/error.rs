//! The one place where app errors become HTTP responses.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use pacesetter_app::AppError;
use serde::Serialize;

/// An error answered to an API client as `{"error": {"code", "message", "details"}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `unit_not_found`.
    pub code: String,
    /// A sentence for people, in English.
    pub message: String,
    /// Where the request failed; absent when there is nothing to add.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ErrorDetails>, nullable = false)]
    pub details: Option<serde_json::Value>,
}

/// Where a request failed: a list of fields for `invalid_input`, an object for other codes.
// Only describes the shape in the OpenAPI document; `details` is built as JSON.
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "describes `ErrorDetail::details`; never built")]
pub enum ErrorDetails {
    /// For `invalid_input`: every field that failed, with its code.
    Fields(Vec<InvalidField>),
    /// For other codes, an object naming where it failed: `{"leaf": "A1"}`, `{"node": "A"}`,
    /// `{"missing": [...]}`, `{"current": {...}}` for `stale_version` (null when the record is
    /// gone), `{"retry_after": 30}` for `rate_limited`.
    Place(std::collections::BTreeMap<String, serde_json::Value>),
}

/// A field that failed validation.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "describes `ErrorDetails::Fields`; never built")]
pub struct InvalidField {
    /// The field as named in the request.
    pub field: String,
    /// Why, e.g. `required`, `too_long`, `code_taken`.
    pub code: String,
}

/// The HTTP status of an app error.
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthenticated
        | AppError::BadCredentials
        | AppError::SecondFactorRequired
        | AppError::BadSecondFactor
        | AppError::SignInExpired => StatusCode::UNAUTHORIZED,
        AppError::SecondFactorEnrolmentRequired => StatusCode::FORBIDDEN,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid(_) | AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) | AppError::ConflictWith { .. } => StatusCode::CONFLICT,
        AppError::Stale { .. } => StatusCode::PRECONDITION_FAILED,
        AppError::Unavailable(_) | AppError::StorageFull(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs what must be logged and hides internal text from clients.
pub fn public_message(error: &AppError) -> String {
    match error {
        AppError::Internal(cause) => {
            tracing::error!(%cause, "internal error");
            "Something went wrong on the server; the error was logged.".to_owned()
        }
        AppError::Unavailable(cause) => {
            tracing::error!(%cause, "database unavailable");
            "The database is unavailable; try again shortly.".to_owned()
        }
        AppError::StorageFull(cause) => {
            tracing::error!(%cause, "storage full");
            "The server's storage is full; nothing was saved. Tell the administrator.".to_owned()
        }
        AppError::Forbidden => {
            tracing::warn!("access denied");
            error.to_string()
        }
        other => other.to_string(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let details = match &self.0 {
            AppError::Invalid(invalid) => serde_json::to_value(&invalid.fields).ok(),
            AppError::Unprocessable { details, .. } | AppError::ConflictWith { details, .. } => Some(details.clone()),
            AppError::Stale { current } => Some(serde_json::json!({ "current": current })),
            AppError::RateLimited { retry_after_secs } => Some(serde_json::json!({ "retry_after": retry_after_secs })),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail { code: self.0.code().to_owned(), message: public_message(&self.0), details },
        };
        let mut response = (status, Json(body)).into_response();
        if let AppError::RateLimited { retry_after_secs } = self.0
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// An error with a code of the HTTP layer itself (a missing header, a bad body).
pub fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorBody { error: ErrorDetail { code: code.to_owned(), message: message.to_owned(), details: None } };
    (status, Json(body)).into_response()
}

/// Gives an API request refused for its size the JSON error: the body limit answers before any
/// extractor does, in plain text. Called by [`crate::overload::guard`] on API responses.
pub fn api_body_too_large(response: Response) -> Response {
    let json = response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t == "application/json");
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !json {
        let message = format!(
            "The body is larger than the server accepts ({} KiB, or {} MiB for a file upload).",
            crate::MAX_BODY_BYTES >> 10,
            crate::MAX_UPLOAD_BYTES >> 20
        );
        return api_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", &message);
    }
    response
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        api_error(StatusCode::NOT_FOUND, "route_not_found", "No such API route.")
    } else {
        crate::ui::not_found_page(uri).await
    }
}

/// The answer to a request whose handler panicked: logged, and a generic body.
pub fn panic_response(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    tracing::error!(panic = %detail, "handler panicked");
    api_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "Something went wrong on the server; the error was logged.",
    )
}
