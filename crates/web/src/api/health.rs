//! `GET /api/v1/health`: is the server up, on which database, and does the database answer.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthResponse {
    /// `ok`, or `database_unavailable` when the database does not answer or is damaged.
    #[schema(value_type = super::closed_sets::HealthStatus)]
    pub status: &'static str,
    pub version: &'static str,
    /// `sqlite` or `postgres`.
    #[schema(value_type = super::closed_sets::DatabaseKind)]
    pub database: &'static str,
}

/// Reports the version and the database kind, and whether the database answered a query in
/// the last second (checks in between reuse that answer); answers without signing in, 503
/// when the database fails (a load balancer then takes the instance out).
#[utoipa::path(get, path = "/api/v1/health", tag = "platform",
    responses((status = 200, body = HealthResponse), (status = 503, body = HealthResponse)))]
pub async fn health(State(state): State<AppState>) -> Response {
    let database = state.app.database();
    let version = state.config.version;
    match state.app.ping().await {
        Ok(()) => Json(HealthResponse { status: "ok", version, database }).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: the database failed");
            let body = HealthResponse { status: "database_unavailable", version, database };
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
