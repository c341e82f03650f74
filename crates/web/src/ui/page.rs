//! Page plumbing that lets a handler use `?`: [`PageError`] turns any app error into the error
//! page, [`PageForm`] and [`super::multipart::MultipartForm`] check the form token before a
//! handler sees the input, and [`show_errors`] renders the page in the visitor's language with
//! the menu of whoever is signed in.
//!
//! The handler does not hold the page context when it gives up, so the error travels in the
//! response as an [`ErrorView`] and [`show_errors`] renders it with the context the page
//! extractor left in the request's [`PageSlot`].

use std::sync::{Arc, Mutex};

use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, FromRequestParts, Request, State},
    http::{HeaderValue, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use pacesetter_app::AppError;
use pacesetter_domain::{Locale, ValidationError};
use serde::{Deserialize, de::DeserializeOwned};

use super::context::{PageCtx, locale_of, render_html};
use crate::{AppState, i18n::Tr};

/// What a page handler returns.
pub type PageResult<T = Response> = Result<T, PageError>;

/// Why a page handler stopped: an error to show as the error page, or a response it made
/// itself (a form shown again with its errors).
pub enum PageError {
    Shown(ErrorView),
    Ready(Response),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        Self::Shown(ErrorView::of(&error))
    }
}

impl From<Response> for PageError {
    fn from(response: Response) -> Self {
        Self::Ready(response)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::Shown(view) => {
                let mut response = view.status.into_response();
                if let Message::Wait(seconds) = view.message {
                    response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
                }
                response.extensions_mut().insert(view);
                response
            }
            Self::Ready(response) => response,
        }
    }
}

/// The error page still to be written in the visitor's language.
#[derive(Debug, Clone)]
pub struct ErrorView {
    status: StatusCode,
    title_key: &'static str,
    message: Message,
}

#[derive(Debug, Clone)]
enum Message {
    /// The title's own sentence.
    Title,
    /// One sentence per refused field or rule, by error code.
    Codes(Vec<&'static str>),
    /// Come back after this many seconds.
    Wait(i64),
}

impl ErrorView {
    /// Refused input says what was refused (each field's message); only a fault of the server
    /// says it was logged.
    pub fn of(error: &AppError) -> Self {
        let status = crate::error::status_of(error);
        let _ = crate::error::public_message(error);
        let title_key = match error {
            AppError::NotFound(_) => "error.not_found",
            AppError::Forbidden => "error.forbidden",
            AppError::Unavailable(_) => "error.database_unavailable",
            AppError::StorageFull(_) => "error.storage_full",
            AppError::Stale { .. } => "error.stale_version",
            AppError::Conflict(_) => "error.conflict",
            AppError::Unauthenticated => "error.unauthenticated",
            AppError::BadCredentials => "error.bad_credentials",
            AppError::SecondFactorRequired => "error.second_factor_required",
            AppError::BadSecondFactor => "error.bad_second_factor",
            AppError::SecondFactorEnrolmentRequired => "error.second_factor_enrolment_required",
            AppError::SignInExpired => "error.sign_in_expired",
            AppError::Invalid(_) | AppError::Unprocessable { .. } | AppError::ConflictWith { .. } => {
                "error.invalid_input"
            }
            AppError::RateLimited { .. } => "error.rate_limited",
            AppError::Internal(_) => "error.internal_error",
        };
        let message = match error {
            AppError::Invalid(invalid) => Message::Codes(invalid.fields.iter().map(|f| f.code).collect()),
            AppError::Unprocessable { code, .. } | AppError::ConflictWith { code, .. } => Message::Codes(vec![code]),
            AppError::RateLimited { retry_after_secs } => Message::Wait(*retry_after_secs),
            _ => Message::Title,
        };
        Self { status, title_key, message }
    }

    /// A refusal that is not an app error: a missing or wrong form token, a body that is not a form.
    pub fn refusal(status: StatusCode, title_key: &'static str) -> Self {
        Self { status, title_key, message: Message::Title }
    }

    fn sentence(&self, t: Tr) -> String {
        match &self.message {
            Message::Title => t.t(self.title_key).to_owned(),
            Message::Codes(codes) => codes.iter().map(|code| t.error(code)).collect::<Vec<_>>().join(" "),
            Message::Wait(seconds) => t.t("error.rate_limited_wait").replace("{seconds}", &seconds.to_string()),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "message.html")]
struct MessagePage {
    p: PageCtx,
    title_key: &'static str,
    message: String,
}

/// The page that only says what went wrong, for the context given.
pub fn message_response(p: PageCtx, view: &ErrorView) -> Response {
    let message = view.sentence(p.t);
    (view.status, super::context::render(&MessagePage { p, title_key: view.title_key, message })).into_response()
}

/// The page context of the request being handled, left here by the page extractor so that an
/// error page can show the same menu and language.
#[derive(Clone, Default)]
pub struct PageSlot(Arc<Mutex<Option<PageCtx>>>);

impl PageSlot {
    pub fn fill(&self, ctx: &PageCtx) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(ctx.clone());
        }
    }

    fn take(&self) -> Option<PageCtx> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Renders the error a page handler gave up with (see [`PageError`]).
pub async fn show_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let t = Tr::new(locale_of(&parts, None), &state.app);
    let slot = PageSlot::default();
    parts.extensions.insert(slot.clone());
    let had_notice = super::context::cookie(&parts, NOTICE_COOKIE).is_some();
    let mut response = next.run(Request::from_parts(parts, body)).await;
    // A notice is shown once: by the first page after the redirect that set it.
    if had_notice && !response.status().is_redirection() {
        response.headers_mut().append(header::SET_COOKIE, HeaderValue::from_static(NOTICE_SHOWN));
    }
    let Some(view) = response.extensions_mut().remove::<ErrorView>() else { return response };
    let p = slot.take().unwrap_or_else(|| PageCtx::anonymous(t, "/"));
    let message = view.sentence(p.t);
    match render_html(&MessagePage { p, title_key: view.title_key, message }) {
        Some(html) => {
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            *response.body_mut() = Body::from(html);
            response
        }
        None => (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response(),
    }
}

/// The cookie that carries a notice across the redirect after a form.
pub const NOTICE_COOKIE: &str = "notice";
const NOTICE_SHOWN: &str = "notice=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax";

/// What a form did, said once at the top of the next page.
#[derive(Debug, Clone)]
pub struct Notice {
    pub text: String,
    /// `false` for a refusal.
    pub ok: bool,
}

impl Notice {
    /// The notice a cookie value stands for: `saved`, `chased:N` (N chased), `chase_refused`;
    /// anything else is ignored.
    pub fn read(value: &str, t: Tr) -> Option<Self> {
        let ok = |text: String| Some(Self { text, ok: true });
        let refused = |key: &str| Some(Self { text: t.t(key).to_owned(), ok: false });
        match value.split_once(':') {
            None if value == "saved" => ok(t.t("notice.saved").to_owned()),
            None if value == "chased_rectification" => ok(t.t("notice.chased_rectification").to_owned()),
            None if value == "second_factor_disabled" => ok(t.t("notice.second_factor_disabled").to_owned()),
            None if value == "second_factor_reset" => ok(t.t("notice.second_factor_reset").to_owned()),
            None if value == "chase_refused" => refused("notice.chase_refused"),
            None if value == "chase_refused_message" => refused("notice.chase_refused_message"),
            None if value == "review_refused" => refused("notice.review_refused"),
            None if value == "notice_refused" => refused("notice.notice_refused"),
            Some(("chased", n)) => ok(t.n("notice.chased", n.parse::<u16>().ok()?)),
            Some(("reviewed", rest)) => {
                // `reviewed:{step}:{done}:{skipped}`
                let mut parts = rest.split(':');
                let step = parts.next().filter(|s| matches!(*s, "accept" | "return" | "close"))?;
                let done = parts.next()?.parse::<u16>().ok()?;
                let skipped = parts.next()?.parse::<u16>().ok()?;
                let mut text = t.n(&format!("notice.reviewed.{step}"), done);
                if skipped > 0 {
                    text.push_str(&t.n("notice.review_skipped", skipped));
                }
                ok(text)
            }
            _ => None,
        }
    }
}

/// A redirect leaving a notice (a [`Notice::read`] value) for the page it goes to.
pub fn redirect_with_notice(to: &str, notice: &str) -> Response {
    let mut response = axum::response::Redirect::to(to).into_response();
    let cookie = format!("{NOTICE_COOKIE}={notice}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The redirect after a saved form, leaving "已保存" for the page it goes to.
pub fn saved(to: &str) -> Response {
    redirect_with_notice(to, "saved")
}

/// The session's form token, left in the request by the page extractor for the form extractors.
#[derive(Clone)]
pub struct FormToken(pub String);

/// Checks a submitted form token against the session's, in constant time.
pub fn check_token(session: Option<&FormToken>, submitted: &str) -> Result<(), PageError> {
    match session {
        Some(FormToken(token))
            if !token.is_empty()
                && pacesetter_domain::password::constant_time_eq(token.as_bytes(), submitted.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(PageError::Shown(ErrorView::refusal(StatusCode::FORBIDDEN, "error.csrf"))),
    }
}

/// A posted form whose token has been checked against the session's; put it after
/// [`super::context::SignedIn`] among the handler's arguments.
pub struct PageForm<T>(pub T);

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let session = request.extensions().get::<FormToken>().cloned();
        let bytes = form_bytes(request, state).await?;
        let submitted: TokenOnly = serde_urlencoded::from_bytes(&bytes).unwrap_or(TokenOnly { csrf: String::new() });
        check_token(session.as_ref(), &submitted.csrf)?;
        Ok(Self(form_fields(&bytes)?))
    }
}

/// A form sent before there is a session (signing in and its second step): read as
/// [`PageForm`] is, without a form token (Fetch Metadata guards these).
pub struct OpenForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OpenForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = form_bytes(request, state).await?;
        Ok(Self(form_fields(&bytes)?))
    }
}

/// A form's body; one past the server's limit is the error page saying so, not plain text.
async fn form_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, PageError> {
    Bytes::from_request(request, state).await.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            PageError::Shown(ErrorView::refusal(StatusCode::PAYLOAD_TOO_LARGE, "error.form_too_large"))
        }
        _ => rejection.into_response().into(),
    })
}

fn form_fields<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PageError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|_| PageError::Shown(ErrorView::refusal(StatusCode::UNPROCESSABLE_ENTITY, "error.invalid_input")))
}

/// A page's query string (filters, a page number): one that cannot be read is the error page
/// in the visitor's language, not the framework's English text.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(_) => Err(PageError::Shown(ErrorView::refusal(StatusCode::BAD_REQUEST, "error.invalid_query"))),
        }
    }
}

/// A form with nothing but its token: a button that confirms an action (sign out, mark read).
#[derive(Deserialize)]
pub struct NoFields {}

/// The message of `field`'s error in the visitor's language, or nothing: what a form shows
/// beside the field.
pub fn field_message(errors: &ValidationError, field: &str, t: crate::i18n::Tr) -> String {
    errors.code_for(field).map(|code| t.error(code)).unwrap_or_default()
}

/// A use case's errors under a form's own field names (`(use case's, form's)` pairs), so that a
/// page with several forms shows each error beside the form that was sent; fields not named
/// keep their names.
pub fn renamed_fields(errors: ValidationError, names: &[(&str, &'static str)]) -> ValidationError {
    let mut own = ValidationError::new();
    for error in errors.fields {
        let field = names.iter().find(|(theirs, _)| *theirs == error.field).map_or(error.field, |(_, ours)| *ours);
        own.push(field, error.code);
    }
    own
}

/// The field errors of a refused form, to show it again; any other error ends the page.
pub fn field_errors(error: AppError) -> Result<ValidationError, PageError> {
    match error {
        AppError::Invalid(errors) => Ok(errors),
        other => Err(other.into()),
    }
}

impl PageCtx {
    /// The context of a visitor who is not signed in.
    pub fn anonymous(t: Tr, current_path: &str) -> Self {
        Self {
            t,
            user: None,
            csrf: String::new(),
            nav: "",
            locales: Locale::ALL,
            current_path: current_path.to_owned(),
            notice: None,
        }
    }
}
