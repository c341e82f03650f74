//! `/api/v1/notifications`: the caller's inbox.

use axum::{Json, extract::State};
use serde::Serialize;

use crate::{AppState, api::ApiActor, error::ApiError};

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationResponse {
    pub id: i64,
    /// due_soon, overdue or escalation.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: String,
    pub read: bool,
}

/// The caller's inbox, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = [NotificationResponse])))]
pub async fn list_notifications(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<NotificationResponse>>, ApiError> {
    let page =
        pacesetter_app::reminders::inbox(&state.app, &actor, pacesetter_app::PageRequest::new(Some(1), Some(100)))
            .await?;
    Ok(Json(
        page.items
            .into_iter()
            .map(|n| NotificationResponse {
                id: n.id,
                kind: n.kind,
                title: n.title,
                body: n.body,
                link: n.link,
                created_at: n.created_at.to_db(),
                read: n.read,
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// Marks every notification of the caller read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = MarkedRead)))]
pub async fn mark_notifications_read(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<MarkedRead>, ApiError> {
    Ok(Json(MarkedRead { marked: pacesetter_app::reminders::mark_all_read(&state.app, &actor).await? }))
}
