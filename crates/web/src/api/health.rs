//! `GET /api/v1/health`: is the server up, and on which database.

use axum::{Json, extract::State};
use serde::Serialize;

use crate::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthResponse {
    pub status: &'static str,
    pub version: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// Reports the version and the database kind; answers without signing in.
#[utoipa::path(get, path = "/api/v1/health", tag = "platform", responses((status = 200, body = HealthResponse)))]
pub async fn health(State(state): State<AppState>) -> Json<HealthResponse> {
    Json(HealthResponse { status: "ok", version: state.config.version, database: state.app.store.backend().as_str() })
}
