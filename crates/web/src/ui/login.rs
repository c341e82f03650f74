//! Signing in and out, and choosing the interface language.

use askama::Template;
use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect},
};
use pacesetter_app::{AppError, auth};
use pacesetter_domain::Locale;
use serde::Deserialize;

use super::context::{Anyone, PageCtx, SignedIn, render};
use crate::ui::page::{NoFields, OpenForm, PageForm, PageQuery, PageResult};
use crate::{AppState, request};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    p: PageCtx,
    username: String,
    next: String,
    error: Option<String>,
    demo: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// Sent back here because a sign-in waited too long for its second step.
    expired: Option<String>,
}

/// Only a local path may be a redirect target, never another site.
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The first page: where the signed-in person's work is.
pub async fn home(State(state): State<AppState>, SignedIn { actor, .. }: SignedIn) -> PageResult {
    use pacesetter_app::landing::{Landing, landing};
    let to = match landing(&state.app, &actor).await? {
        Landing::Dashboard(campaign) => format!("/campaigns/{campaign}/dashboard"),
        Landing::Round(round) => format!("/inspection-rounds/{}", round.0),
        Landing::Judging => "/judging".to_owned(),
        Landing::Tasks => "/assignments".to_owned(),
        Landing::Units => "/units".to_owned(),
        Landing::Campaigns => "/campaigns".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

pub async fn show_login(
    State(state): State<AppState>,
    Anyone { ctx }: Anyone,
    PageQuery(query): PageQuery<NextQuery>,
) -> PageResult {
    let error = query.expired.is_some().then(|| ctx.t.error("sign_in_expired"));
    Ok(render(&LoginPage {
        p: ctx.with_nav("login"),
        username: String::new(),
        next: safe_next(query.next.as_deref()),
        error,
        demo: state.config.demo,
    }))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn sign_in(
    State(state): State<AppState>,
    Anyone { ctx }: Anyone,
    parts: crate::api::OriginOf,
    OpenForm(form): OpenForm<LoginForm>,
) -> PageResult {
    let next = safe_next(form.next.as_deref());
    Ok(match auth::login(&state.app, &form.username, &form.password, &parts.0).await {
        Ok(auth::SignIn::SecondStep { challenge, purpose }) => {
            super::second_factor::second_step(&state, &challenge, purpose, &next)
        }
        Ok(auth::SignIn::Done(session)) => {
            let cookie = request::session_cookie(
                &session.token,
                state.config.secure_cookies,
                state.app.settings.session_max_secs,
            );
            let mut response = Redirect::to(&next).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(error) => {
            let (status, message) = match &error {
                AppError::RateLimited { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ctx.t.f("error.rate_limited_wait", &[("seconds", retry_after_secs)]),
                ),
                AppError::BadCredentials => (StatusCode::UNAUTHORIZED, ctx.t.error(error.code())),
                other => (crate::error::status_of(other), ctx.t.error(other.code())),
            };
            let page = LoginPage {
                p: ctx.with_nav("login"),
                username: form.username,
                next,
                error: Some(message),
                demo: state.config.demo,
            };
            (status, render(&page)).into_response()
        }
    })
}

pub async fn sign_out(
    State(state): State<AppState>,
    page: SignedIn,
    headers: HeaderMap,
    _: PageForm<NoFields>,
) -> PageResult {
    if let Some(token) = request::session_token(&headers) {
        let _ = auth::logout(&state.app, &page.actor, &token).await;
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&request::session_cookie("", state.config.secure_cookies, 0)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    back: Option<String>,
}

/// Sets the language: on the account when signed in, and in a cookie either way.
pub async fn set_language(
    State(state): State<AppState>,
    origin: crate::api::OriginOf,
    headers: HeaderMap,
    OpenForm(form): OpenForm<LanguageForm>,
) -> PageResult {
    let locale = Locale::parse(&form.lang).unwrap_or(Locale::ZhHans);
    if let Some(token) = request::session_token(&headers)
        && let Ok((actor, _)) = auth::session_actor(&state.app, &token, origin.0).await
    {
        let _ = auth::set_own_locale(&state.app, &actor, Some(locale)).await;
    }
    let mut response = Redirect::to(&safe_next(form.back.as_deref())).into_response();
    let cookie = format!("lang={}; Path=/; SameSite=Lax; Max-Age=31536000", locale.tag());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
