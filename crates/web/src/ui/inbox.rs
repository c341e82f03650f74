//! The inbox: reminders and escalations, and what each person chooses to receive.

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{PageRequest, reminders};
use pacesetter_domain::notification::{Notification, Prefs};
use serde::Deserialize;

use super::context::{CsrfForm, PageCtx, SignedIn, check_csrf, error_page, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    p: PageCtx,
    items: Vec<Notification>,
    total: i64,
    page: i64,
    pages: i64,
    prefs: Prefs,
    saved: bool,
}

#[derive(Deserialize)]
pub struct InboxQuery {
    page: Option<i64>,
    saved: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Query(query): Query<InboxQuery>,
) -> Response {
    let list = match reminders::inbox(&state.app, &actor, PageRequest::new(query.page, Some(30))).await {
        Ok(list) => list,
        Err(error) => return error_page(ctx.t, &error),
    };
    let prefs = match reminders::prefs(&state.app, &actor).await {
        Ok(prefs) => prefs,
        Err(error) => return error_page(ctx.t, &error),
    };
    render(&InboxPage {
        total: list.total,
        page: list.page,
        pages: list.pages(),
        items: list.items,
        prefs,
        saved: query.saved.is_some(),
        p: ctx.with_nav("inbox"),
    })
}

pub async fn mark_read(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    match reminders::mark_all_read(&state.app, &actor).await {
        Ok(_) => Redirect::to("/inbox").into_response(),
        Err(error) => error_page(ctx.t, &error),
    }
}

#[derive(Deserialize)]
pub struct PrefsForm {
    csrf: String,
    due_soon: Option<String>,
    overdue: Option<String>,
    escalation: Option<String>,
}

pub async fn save_prefs(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Form(form): Form<PrefsForm>,
) -> Response {
    if let Err(response) = check_csrf(&ctx, &form.csrf) {
        return response;
    }
    let prefs = Prefs {
        due_soon: form.due_soon.is_some(),
        overdue: form.overdue.is_some(),
        escalation: form.escalation.is_some(),
    };
    match reminders::set_prefs(&state.app, &actor, prefs).await {
        Ok(()) => Redirect::to("/inbox?saved=1").into_response(),
        Err(error) => error_page(ctx.t, &error),
    }
}
