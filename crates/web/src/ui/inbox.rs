//! The inbox: reminders and escalations, and what each person chooses to receive.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{AppError, PageRequest, reminders};
use pacesetter_domain::notification::{Notification, Prefs};
use serde::Deserialize;

use super::context::{PageCtx, SignedIn, render};
use crate::AppState;
use crate::ui::page::{NoFields, PageForm, PageQuery, PageResult};

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    p: PageCtx,
    items: Vec<Notification>,
    total: i64,
    page: i64,
    pages: i64,
    prefs: Prefs,
    /// The email address and webhook, as stored or as just typed.
    email: String,
    webhook_url: String,
    email_enabled: bool,
    webhook_hosts: String,
    /// Field → message, for a form sent back.
    errors: Vec<(String, String)>,
    saved: bool,
}

impl InboxPage {
    fn error_for(&self, field: &str) -> &str {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str()).unwrap_or("")
    }
}

/// The preferences form as sent back after an error: what was typed, and what was wrong.
struct Retry {
    prefs: Prefs,
    email: String,
    webhook_url: String,
    errors: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct InboxQuery {
    page: Option<i64>,
    saved: Option<String>,
}

pub async fn list_notifications(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageQuery(query): PageQuery<InboxQuery>,
) -> PageResult {
    inbox_page(&state, &actor, ctx, query.page, query.saved.is_some(), None).await
}

async fn inbox_page(
    state: &AppState,
    actor: &pacesetter_app::Actor,
    ctx: PageCtx,
    page: Option<i64>,
    saved: bool,
    retry: Option<Retry>,
) -> PageResult {
    let loaded = async {
        let list = reminders::inbox(&state.app, actor, PageRequest::new(page, Some(30))).await?;
        let prefs = reminders::prefs(&state.app, actor).await?;
        let channels = reminders::channels(&state.app, actor).await?;
        Ok::<_, AppError>((list, prefs, channels))
    };
    let (list, prefs, channels) = loaded.await?;
    let settings = &state.app.settings;
    let status = if retry.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (prefs, email, webhook_url, errors) = match retry {
        Some(retry) => (retry.prefs, retry.email, retry.webhook_url, retry.errors),
        None => (prefs, channels.email.unwrap_or_default(), channels.webhook_url.unwrap_or_default(), Vec::new()),
    };
    let page = InboxPage {
        total: list.total,
        page: list.page,
        pages: list.pages(),
        items: list.items,
        prefs,
        email,
        webhook_url,
        email_enabled: settings.email_enabled,
        webhook_hosts: settings.webhook_hosts.join("、"),
        errors,
        saved,
        p: ctx.with_nav("inbox"),
    };
    Ok((status, render(&page)).into_response())
}

pub async fn mark_notifications_read(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    _: PageForm<NoFields>,
) -> PageResult {
    reminders::mark_all_read(&state.app, &actor).await?;
    Ok(Redirect::to("/inbox").into_response())
}

#[derive(Deserialize)]
pub struct PrefsForm {
    due_soon: Option<String>,
    overdue: Option<String>,
    escalation: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    webhook_url: String,
}

pub async fn save_notification_settings(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    PageForm(form): PageForm<PrefsForm>,
) -> PageResult {
    let prefs = Prefs {
        due_soon: form.due_soon.is_some(),
        overdue: form.overdue.is_some(),
        escalation: form.escalation.is_some(),
    };
    Ok(match reminders::set_prefs(&state.app, &actor, prefs, &form.email, &form.webhook_url).await {
        Ok(_) => Redirect::to("/inbox?saved=1").into_response(),
        Err(AppError::Invalid(invalid)) => {
            let errors = invalid.fields.iter().map(|f| (f.field.to_owned(), ctx.t.error(f.code))).collect();
            let retry = Retry { prefs, email: form.email, webhook_url: form.webhook_url, errors };
            return inbox_page(&state, &actor, ctx, None, false, Some(retry)).await;
        }
        Err(error) => return Err(error.into()),
    })
}
