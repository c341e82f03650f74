//! The acting user of an API call: a bearer token, or the session cookie of the web UI.

use axum::{extract::FromRequestParts, http::request::Parts};
use pacesetter_app::{Actor, AppError, auth};

use crate::{AppState, error::ApiError, request};

/// A signed-in caller; answers 401 otherwise.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let origin = request::origin_of(parts);
        if let Some(token) = request::bearer_token(&parts.headers) {
            return Ok(Self(auth::token_actor(&state.app, &token, origin).await?));
        }
        if let Some(token) = request::session_token(&parts.headers) {
            return Ok(Self(auth::session_actor(&state.app, &token, origin).await?.0));
        }
        Err(ApiError(AppError::Unauthenticated))
    }
}

/// The version a client says it edited, from `If-Match: "7"`; answers 428 when the header is
/// absent, so that no edit can silently overwrite another, and 412 for a weak tag (`W/"7"`),
/// which If-Match's strong comparison never matches (RFC 9110 §13.1.1).
pub struct IfMatch(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        use axum::http::StatusCode;
        let Some(value) = parts.headers.get(axum::http::header::IF_MATCH) else {
            return Err(crate::error::api_error(
                StatusCode::PRECONDITION_REQUIRED,
                "if_match_required",
                "Send If-Match with the ETag you read, so that no one's change is overwritten.",
            ));
        };
        let text = value.to_str().unwrap_or_default().trim();
        if text.starts_with("W/") {
            return Err(crate::error::api_error(
                StatusCode::PRECONDITION_FAILED,
                "stale_version",
                "A weak ETag never matches If-Match; send the ETag as it was given, such as \"3\".",
            ));
        }
        text.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(text).parse().ok().map(Self).ok_or_else(
            || {
                crate::error::api_error(
                    StatusCode::BAD_REQUEST,
                    "bad_if_match",
                    "If-Match must be an ETag such as \"3\".",
                )
            },
        )
    }
}

/// Documents the header as a required parameter; the shared error responses of an operation
/// with it (400, 412, 428) follow from it (`api::responses`).
impl utoipa::IntoParams for IfMatch {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::{
            Required,
            path::{ParameterBuilder, ParameterIn},
            schema::{ObjectBuilder, Type},
        };
        vec![
            ParameterBuilder::new()
                .name(IF_MATCH)
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some("The ETag of the version that was read, e.g. `\"3\"`."))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ]
    }
}

/// The header's name as the document spells it.
pub(crate) const IF_MATCH: &str = "If-Match";

/// The ETag of a versioned record.
pub fn etag(version: i64) -> [(axum::http::HeaderName, String); 1] {
    [(axum::http::header::ETAG, format!("\"{version}\""))]
}

/// A JSON body whose rejections use the API's error format: 415 without a JSON content
/// type, 400 for malformed JSON, 422 for a body of the wrong shape or with unknown fields,
/// 413 for a body over [`crate::MAX_BODY_BYTES`].
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = axum::response::Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::{extract::rejection::JsonRejection, http::StatusCode};
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                let (status, code) = match &rejection {
                    JsonRejection::MissingJsonContentType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "json_required"),
                    JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
                    JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
                    JsonRejection::BytesRejection(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
                    _ => (StatusCode::BAD_REQUEST, "bad_request"),
                };
                let message = match &rejection {
                    JsonRejection::BytesRejection(_) => {
                        format!("A JSON body is at most {} KiB.", crate::MAX_BODY_BYTES / 1024)
                    }
                    other => other.body_text(),
                };
                Err(crate::error::api_error(status, code, &message))
            }
        }
    }
}

/// Path parameters whose rejection uses the API's error format: 400 `invalid_path` when an id
/// is not a number (`/api/v1/units/abc`), rather than axum's plain-text answer. 400 and not
/// 404: the route exists, the request is malformed.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(crate::error::api_error(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_path",
                &rejection.body_text(),
            )),
        }
    }
}

/// Query parameters whose rejection uses the API's error format (400 `invalid_query`).
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(crate::error::api_error(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_query",
                &rejection.body_text(),
            )),
        }
    }
}
