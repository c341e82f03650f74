//! `/api/v1/notifications`: the caller's inbox, and what they receive where.

use axum::{Json, extract::State};
use pacesetter_domain::notification::Prefs;
use serde::{Deserialize, Serialize};

use crate::{AppState, api::ApiActor, error::ApiError};

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationResponse {
    pub id: i64,
    /// due_soon, overdue, escalation, returned or reminder.
    #[schema(value_type = super::closed_sets::NotificationKind)]
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
                id: n.id.0,
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

/// What the caller receives, and where besides the inbox.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationSettings {
    pub due_soon: bool,
    pub overdue: bool,
    pub escalation: bool,
    /// Reminders are also emailed here.
    pub email: Option<String>,
    /// Reminders are also posted to this chat-bot webhook.
    pub webhook_url: Option<String>,
    /// Whether this server can send email at all.
    pub email_available: bool,
    /// Hosts a webhook may point at.
    pub webhook_hosts: Vec<String>,
}

async fn settings_of(state: &AppState, actor: &pacesetter_app::Actor) -> Result<NotificationSettings, ApiError> {
    let prefs = pacesetter_app::reminders::prefs(&state.app, actor).await?;
    let channels = pacesetter_app::reminders::channels(&state.app, actor).await?;
    Ok(NotificationSettings {
        due_soon: prefs.due_soon,
        overdue: prefs.overdue,
        escalation: prefs.escalation,
        email: channels.email,
        webhook_url: channels.webhook_url,
        email_available: state.app.settings.email_enabled,
        webhook_hosts: state.app.settings.webhook_hosts.clone(),
    })
}

/// What the caller receives and where.
#[utoipa::path(get, path = "/api/v1/notifications/settings", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettings)))]
pub async fn get_notification_settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(settings_of(&state, &actor).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettingsRequest {
    pub due_soon: bool,
    pub overdue: bool,
    pub escalation: bool,
    /// An address, or empty/absent for none.
    #[serde(default)]
    pub email: Option<String>,
    /// An `https://` webhook of an allowed host, or empty/absent for none.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// Sets what the caller receives and where; a bad address or a webhook of another host is a
/// 422 and changes nothing.
#[utoipa::path(put, path = "/api/v1/notifications/settings", tag = "notifications", security(("bearer" = [])),
    request_body = NotificationSettingsRequest,
    responses((status = 200, body = NotificationSettings), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_notification_settings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    crate::api::extract::ApiJson(request): crate::api::extract::ApiJson<NotificationSettingsRequest>,
) -> Result<Json<NotificationSettings>, ApiError> {
    let prefs = Prefs { due_soon: request.due_soon, overdue: request.overdue, escalation: request.escalation };
    let email = request.email.unwrap_or_default();
    let webhook = request.webhook_url.unwrap_or_default();
    pacesetter_app::reminders::set_prefs(&state.app, &actor, prefs, &email, &webhook).await?;
    Ok(Json(settings_of(&state, &actor).await?))
}
