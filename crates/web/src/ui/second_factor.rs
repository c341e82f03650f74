//! Two-step sign-in in the pages (decision 0018): the code asked after the password, the
//! enrolment a deployment requires of admins and coordinators before they may sign in, and the
//! account page where anyone sets it up, renews recovery codes or turns it off.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use pacesetter_app::{
    AppError,
    auth::{NewSession, Purpose, second_factor},
};
use pacesetter_domain::UserId;
use serde::Deserialize;

use super::context::{Anyone, PageCtx, SignedIn, render, urlencode};
use crate::ui::page::{NoFields, OpenForm, PageForm, PageQuery, PageResult, redirect_with_notice};
use crate::{AppState, request};

/// The secret being set up, as the enrolment pages show it.
struct Shown {
    /// An SVG QR code of the `otpauth://` address, drawn here from that address alone.
    qr_svg: String,
    secret: String,
}

fn shown(enrolment: &second_factor::Enrolment) -> Shown {
    let qr_svg = qrcode::QrCode::new(enrolment.uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
                // The drawing goes inline into the page: without the XML prologue.
                .split_once("?>")
                .map(|(_, svg)| svg.trim().to_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    Shown { qr_svg, secret: enrolment.secret.clone() }
}

/// The message for a refused code, next to the code field.
fn code_error(ctx: &PageCtx, error: &AppError) -> String {
    match error {
        AppError::RateLimited { retry_after_secs } => ctx.t.f("second_factor.locked", &[("seconds", retry_after_secs)]),
        other => ctx.t.error(other.code()),
    }
}

/// Opens the session a finished sign-in gives and ends the waiting one.
fn with_session(mut response: Response, state: &AppState, session: &NewSession) -> Response {
    let secure = state.config.secure_cookies;
    let cookies = [
        request::session_cookie(&session.token, secure, state.app.settings.session_max_secs),
        request::sign_in_cookie("", secure),
    ];
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// After a right password: the cookie of the waiting sign-in and the page of its next step.
pub fn second_step(state: &AppState, challenge: &str, purpose: Purpose, next: &str) -> Response {
    let page = match purpose {
        Purpose::Verify => "/login/verify",
        Purpose::Enrol => "/login/enrol",
    };
    let mut response = Redirect::to(&format!("{page}?next={}", urlencode(next))).into_response();
    if let Ok(value) = HeaderValue::from_str(&request::sign_in_cookie(challenge, state.config.secure_cookies)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Back to the password, saying the waiting sign-in is gone.
fn start_again(next: &str) -> Response {
    Redirect::to(&format!("/login?expired=1&next={}", urlencode(next))).into_response()
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/verify.html")]
struct VerifyPage {
    p: PageCtx,
    /// Whose code is asked for.
    intro: String,
    next: String,
    error: String,
}

pub async fn show_verify(
    State(state): State<AppState>,
    Anyone { ctx }: Anyone,
    headers: HeaderMap,
    PageQuery(query): PageQuery<NextQuery>,
) -> PageResult {
    let next = super::login::safe_next(query.next.as_deref());
    let Some(token) = request::sign_in_token(&headers) else { return Ok(start_again(&next)) };
    let user = match second_factor::waiting(&state.app, &token, Purpose::Verify).await {
        Ok(user) => user,
        Err(AppError::SignInExpired) => return Ok(start_again(&next)),
        Err(error) => return Err(error.into()),
    };
    let intro = ctx.t.f("second_factor.verify_intro", &[("name", &user.display_name)]);
    let page = VerifyPage { p: ctx.with_nav("login"), intro, next, error: String::new() };
    Ok(render(&page))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

pub async fn verify(
    State(state): State<AppState>,
    Anyone { ctx }: Anyone,
    parts: crate::api::OriginOf,
    headers: HeaderMap,
    OpenForm(form): OpenForm<CodeForm>,
) -> PageResult {
    let next = super::login::safe_next(form.next.as_deref());
    let Some(token) = request::sign_in_token(&headers) else { return Ok(start_again(&next)) };
    match second_factor::verify(&state.app, &token, &form.code, &parts.0).await {
        Ok(session) => Ok(with_session(Redirect::to(&next).into_response(), &state, &session)),
        Err(AppError::SignInExpired) => Ok(start_again(&next)),
        Err(error) => {
            // A fifth wrong code ends the waiting sign-in: back to the password then.
            let user = match second_factor::waiting(&state.app, &token, Purpose::Verify).await {
                Ok(user) => user,
                Err(_) => return Ok(start_again(&next)),
            };
            let status = crate::error::status_of(&error);
            let error = code_error(&ctx, &error);
            let intro = ctx.t.f("second_factor.verify_intro", &[("name", &user.display_name)]);
            let page = VerifyPage { p: ctx.with_nav("login"), intro, next, error };
            Ok((status, render(&page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "auth/enrol.html")]
struct EnrolPage {
    p: PageCtx,
    /// At sign-in (the deployment requires it) or on the account page.
    at_sign_in: bool,
    shown: Shown,
    action: &'static str,
    next: String,
    error: String,
}

async fn enrol_at_sign_in_page(state: &AppState, ctx: PageCtx, token: &str, next: String, error: String) -> PageResult {
    let enrolment = match second_factor::challenge_enrolment(&state.app, token).await {
        Ok(enrolment) => enrolment,
        Err(AppError::SignInExpired) => return Ok(start_again(&next)),
        Err(error) => return Err(error.into()),
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = EnrolPage {
        p: ctx.with_nav("login"),
        at_sign_in: true,
        shown: shown(&enrolment),
        action: "/login/enrol",
        next,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn show_enrol(
    State(state): State<AppState>,
    Anyone { ctx }: Anyone,
    headers: HeaderMap,
    PageQuery(query): PageQuery<NextQuery>,
) -> PageResult {
    let next = super::login::safe_next(query.next.as_deref());
    let Some(token) = request::sign_in_token(&headers) else { return Ok(start_again(&next)) };
    enrol_at_sign_in_page(&state, ctx, &token, next, String::new()).await
}

#[derive(Template)]
#[template(path = "auth/recovery_codes.html")]
struct RecoveryCodesPage {
    p: PageCtx,
    codes: Vec<String>,
    /// Where "continue" goes.
    next: String,
}

pub async fn enrol(
    State(state): State<AppState>,
    Anyone { ctx }: Anyone,
    parts: crate::api::OriginOf,
    headers: HeaderMap,
    OpenForm(form): OpenForm<CodeForm>,
) -> PageResult {
    let next = super::login::safe_next(form.next.as_deref());
    let Some(token) = request::sign_in_token(&headers) else { return Ok(start_again(&next)) };
    match second_factor::confirm_at_sign_in(&state.app, &token, &form.code, &parts.0).await {
        Ok((session, codes)) => {
            let page = RecoveryCodesPage { p: ctx.with_nav("login"), codes, next };
            Ok(with_session(render(&page), &state, &session))
        }
        Err(AppError::SignInExpired) => Ok(start_again(&next)),
        Err(error) => {
            let message = code_error(&ctx, &error);
            enrol_at_sign_in_page(&state, ctx, &token, next, message).await
        }
    }
}

#[derive(Template)]
#[template(path = "auth/security.html")]
struct SecurityPage {
    p: PageCtx,
    enrolled: bool,
    required: bool,
    recovery_codes_left: i64,
    /// A refused code, beside the form that sent it.
    renew_error: String,
    disable_error: String,
    /// Any other refusal (of setting it up).
    error: String,
}

/// The account page; `error` is said beside the form named `error_for` (`renew`, `disable`, or
/// `confirm` on the enrolment page; empty for the page itself).
async fn security_page(state: &AppState, page: SignedIn, error_for: &'static str, error: String) -> PageResult {
    let SignedIn { actor, ctx } = page;
    let status = second_factor::status(&state.app, &actor).await?;
    if let Some(enrolment) = &status.pending {
        let code = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
        let page = EnrolPage {
            p: ctx.with_nav("account"),
            at_sign_in: false,
            shown: shown(enrolment),
            action: "/account/security/confirm",
            next: "/account/security".to_owned(),
            error,
        };
        return Ok((code, render(&page)).into_response());
    }
    let code = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let for_form = |form: &str| if error_for == form { error.clone() } else { String::new() };
    let page = SecurityPage {
        p: ctx.with_nav("account"),
        enrolled: status.enrolled,
        required: status.required,
        recovery_codes_left: status.recovery_codes_left,
        renew_error: for_form("renew"),
        disable_error: for_form("disable"),
        error: for_form(""),
    };
    Ok((code, render(&page)).into_response())
}

pub async fn show_security(State(state): State<AppState>, page: SignedIn) -> PageResult {
    security_page(&state, page, "", String::new()).await
}

pub async fn begin(State(state): State<AppState>, page: SignedIn, _: PageForm<NoFields>) -> PageResult {
    match second_factor::begin(&state.app, &page.actor).await {
        Ok(_) | Err(AppError::Conflict("second_factor_enrolled")) => {
            Ok(Redirect::to("/account/security").into_response())
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Deserialize)]
pub struct AccountCodeForm {
    #[serde(default)]
    code: String,
}

/// The recovery codes a step gave, shown once; or the account page again with the refusal next
/// to the form (`form`) that sent the code.
async fn codes_or_refusal(
    state: &AppState,
    page: SignedIn,
    form: &'static str,
    result: Result<Vec<String>, AppError>,
) -> PageResult {
    match result {
        Ok(codes) => {
            let page = RecoveryCodesPage { p: page.ctx.with_nav("account"), codes, next: "/account/security".into() };
            Ok(render(&page))
        }
        Err(error) => {
            let message = code_error(&page.ctx, &error);
            security_page(state, page, form, message).await
        }
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    page: SignedIn,
    headers: HeaderMap,
    PageForm(form): PageForm<AccountCodeForm>,
) -> PageResult {
    let current = request::session_token(&headers);
    match second_factor::confirm(&state.app, &page.actor, &form.code, current.as_deref()).await {
        Err(AppError::Conflict("no_enrolment_begun")) => Ok(Redirect::to("/account/security").into_response()),
        result => codes_or_refusal(&state, page, "confirm", result).await,
    }
}

pub async fn renew_recovery_codes(
    State(state): State<AppState>,
    page: SignedIn,
    PageForm(form): PageForm<AccountCodeForm>,
) -> PageResult {
    let result = second_factor::renew_recovery_codes(&state.app, &page.actor, &form.code).await;
    codes_or_refusal(&state, page, "renew", result).await
}

pub async fn disable(
    State(state): State<AppState>,
    page: SignedIn,
    PageForm(form): PageForm<AccountCodeForm>,
) -> PageResult {
    match second_factor::disable(&state.app, &page.actor, &form.code).await {
        Ok(()) => Ok(redirect_with_notice("/account/security", "second_factor_disabled")),
        Err(error) => {
            let message = code_error(&page.ctx, &error);
            security_page(&state, page, "disable", message).await
        }
    }
}

/// An admin's reset of someone's second factor (a lost phone).
pub async fn reset(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<i64>,
    _: PageForm<NoFields>,
) -> PageResult {
    pacesetter_app::users::reset_second_factor(&state.app, &actor, UserId(id)).await?;
    Ok(redirect_with_notice(&format!("/users/{id}"), "second_factor_reset"))
}
