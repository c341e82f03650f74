//! What every page needs: the language, the signed-in user, the form token, the menu.

use askama::Template;
use axum::{
    extract::FromRequestParts,
    http::{StatusCode, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
};
use pacesetter_app::{Actor, AppError, auth};
use pacesetter_domain::{Locale, Permission};

use crate::{AppState, i18n::Tr, request};

/// The signed-in user as the layout shows them.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub display_name: String,
    pub username: String,
    pub can_manage_users: bool,
    pub can_import: bool,
    /// Unread notifications, for the badge beside the inbox.
    pub unread: i64,
}

/// Shared by every page template.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub t: Tr,
    pub user: Option<PageUser>,
    pub csrf: String,
    /// The menu entry to highlight.
    pub nav: &'static str,
    pub locales: [Locale; 3],
    pub current_path: String,
}

impl PageCtx {
    pub fn with_nav(mut self, nav: &'static str) -> Self {
        self.nav = nav;
        self
    }
}

/// The language of a request: the user's setting, then the `lang` cookie, then
/// `Accept-Language`, then Chinese.
pub fn locale_of(parts: &Parts, actor: Option<&Actor>) -> Locale {
    actor
        .and_then(Actor::locale)
        .or_else(|| cookie(parts, "lang").and_then(|v| Locale::parse(&v)))
        .or_else(|| {
            parts
                .headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or(Locale::ZhHans)
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    let header = parts.headers.get(axum::http::header::COOKIE)?.to_str().ok()?;
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

/// A page request by a signed-in user; anyone else is sent to the sign-in page.
pub struct SignedIn {
    pub actor: Actor,
    pub ctx: PageCtx,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let origin = request::origin_of(parts);
        let current_path = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        let login = || Redirect::to(&format!("/login?next={}", urlencode(&current_path))).into_response();
        let Some(token) = request::session_token(&parts.headers) else { return Err(login()) };
        match auth::session_actor(&state.app, &token, origin).await {
            Ok((actor, csrf)) => {
                let t = Tr::new(locale_of(parts, Some(&actor)));
                let unread = pacesetter_app::reminders::unread(&state.app, &actor).await.unwrap_or(0);
                let user = PageUser {
                    display_name: actor.user.display_name.clone(),
                    username: actor.user.username.clone(),
                    can_manage_users: actor.can_anywhere(Permission::ManageUsers),
                    can_import: actor.can_anywhere(Permission::ManageUnits)
                        || actor.can_anywhere(Permission::ManageUsers),
                    unread,
                };
                let ctx = PageCtx { t, user: Some(user), csrf, nav: "", locales: Locale::ALL, current_path };
                Ok(Self { actor, ctx })
            }
            Err(AppError::Unauthenticated) => Err(login()),
            Err(error) => Err(error_page(Tr::new(locale_of(parts, None)), &error)),
        }
    }
}

/// A page request by anyone (the sign-in page).
pub struct Anyone {
    pub ctx: PageCtx,
}

impl<S: Send + Sync> FromRequestParts<S> for Anyone {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let current_path = parts.uri.path().to_owned();
        let ctx = PageCtx {
            t: Tr::new(locale_of(parts, None)),
            user: None,
            csrf: String::new(),
            nav: "",
            locales: Locale::ALL,
            current_path,
        };
        Ok(Self { ctx })
    }
}

pub fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Renders a template, or a plain error if rendering itself fails.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    p: PageCtx,
    title_key: &'static str,
    message: String,
}

/// A page that only says what went wrong, with the right status.
pub fn message_page(t: Tr, status: StatusCode, key: &'static str) -> Response {
    message_page_saying(t, status, key, t.t(key).to_owned())
}

fn message_page_saying(t: Tr, status: StatusCode, title_key: &'static str, message: String) -> Response {
    let p = PageCtx { t, user: None, csrf: String::new(), nav: "", locales: Locale::ALL, current_path: "/".into() };
    (status, render(&MessagePage { p, title_key, message })).into_response()
}

/// The page for an app error that no form can show next to a field: refused input says what
/// was refused (each field's message), and only a fault of the server says it was logged.
pub fn error_page(t: Tr, error: &AppError) -> Response {
    let status = crate::error::status_of(error);
    let _ = crate::error::public_message(error);
    let key = match error {
        AppError::NotFound(_) => "error.not_found",
        AppError::Forbidden => "error.forbidden",
        AppError::Unavailable(_) => "error.database_unavailable",
        AppError::Stale { .. } => "error.stale_version",
        AppError::Conflict(_) => "error.conflict",
        AppError::Unauthenticated => "error.unauthenticated",
        AppError::BadCredentials => "error.bad_credentials",
        AppError::Invalid(_) | AppError::Unprocessable { .. } | AppError::ConflictWith { .. } => "error.invalid_input",
        AppError::RateLimited { .. } => "error.rate_limited",
        AppError::Internal(_) => "error.internal_error",
    };
    let message = match error {
        AppError::Invalid(invalid) => {
            let each: Vec<String> = invalid.fields.iter().map(|f| t.error(f.code)).collect();
            each.join(" ")
        }
        AppError::Unprocessable { code, .. } | AppError::ConflictWith { code, .. } => t.error(code),
        AppError::RateLimited { retry_after_secs } => {
            t.t("error.rate_limited_wait").replace("{seconds}", &retry_after_secs.to_string())
        }
        _ => t.t(key).to_owned(),
    };
    message_page_saying(t, status, key, message)
}

/// Checks the form token against the session's.
pub fn check_csrf(ctx: &PageCtx, submitted: &str) -> Result<(), Response> {
    if !ctx.csrf.is_empty() && constant_time_eq(ctx.csrf.as_bytes(), submitted.as_bytes()) {
        Ok(())
    } else {
        Err(message_page(ctx.t, StatusCode::FORBIDDEN, "error.csrf"))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A form that carries only the session's form token (sign out, mark read, roll over…).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}
