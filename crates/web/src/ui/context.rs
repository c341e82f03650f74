//! What every page needs: the language, the signed-in user, the form token, the menu.

use askama::Template;
use axum::{
    extract::FromRequestParts,
    http::{StatusCode, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
};
use pacesetter_app::{Actor, AppError, auth};
use pacesetter_domain::{Locale, Permission};

use super::page::{FormToken, PageError, PageSlot};
use crate::{AppState, i18n::Tr, request};

/// The signed-in user as the layout shows them.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub display_name: String,
    pub username: String,
    pub can_manage_users: bool,
    pub can_import: bool,
    /// Whether they translate the interface (the translation page is theirs).
    pub can_translate: bool,
    /// Unread notifications, for the badge beside the inbox.
    pub unread: i64,
    /// The menu entries the person's roles use.
    pub menu: Menu,
}

/// Which entries of the main menu a person sees: those their roles use (a judge judges, an
/// inspector inspects); the pages themselves still check every request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Menu {
    pub tasks: bool,
    pub plans: bool,
    pub evaluations: bool,
    pub inspections: bool,
    pub contests: bool,
    pub meetings: bool,
    pub units: bool,
    pub api: bool,
}

impl Menu {
    fn of(actor: &Actor) -> Self {
        use pacesetter_domain::Role::*;
        let mut menu = Self::default();
        for grant in &actor.scope.grants {
            let all = matches!(grant.role, Admin | Coordinator);
            let unit = matches!(grant.role, Liaison | UnitApprover | Viewer);
            menu.tasks |= all || unit;
            menu.plans |= all || unit || grant.role == Inspector;
            menu.evaluations |= all || unit || grant.role == Inspector;
            menu.inspections |= all || unit || grant.role == Inspector;
            menu.contests |= all || matches!(grant.role, Judge | Viewer);
            menu.meetings |= all || unit;
            menu.units |= all || unit || grant.role == Inspector;
            menu.api |= all;
        }
        menu
    }
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
    /// What the previous form did, shown once at the top ("已保存").
    pub notice: Option<super::page::Notice>,
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

pub(super) fn cookie(parts: &Parts, name: &str) -> Option<String> {
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
        match auth::page_session(&state.app, &token, origin).await {
            Ok(auth::PageSession { actor, csrf, unread }) => {
                let t = Tr::new(locale_of(parts, Some(&actor)), &state.app);
                let user = PageUser {
                    display_name: actor.user.display_name.clone(),
                    username: actor.user.username.clone(),
                    can_manage_users: actor.can_anywhere(Permission::ManageUsers),
                    can_import: actor.can_anywhere(Permission::ManageUnits)
                        || actor.can_anywhere(Permission::ManageUsers),
                    can_translate: actor.can_anywhere(Permission::ManageTranslations),
                    unread,
                    menu: Menu::of(&actor),
                };
                let notice = cookie(parts, super::page::NOTICE_COOKIE).and_then(|v| super::page::Notice::read(&v, t));
                let ctx = PageCtx { t, user: Some(user), csrf, nav: "", locales: Locale::ALL, current_path, notice };
                if let Some(slot) = parts.extensions.get::<PageSlot>() {
                    slot.fill(&ctx);
                }
                parts.extensions.insert(FormToken(ctx.csrf.clone()));
                Ok(Self { actor, ctx })
            }
            // An account that must enrol a second factor does so on its next sign-in.
            Err(AppError::Unauthenticated | AppError::SecondFactorEnrolmentRequired) => Err(login()),
            Err(error) => Err(PageError::from(error).into_response()),
        }
    }
}

/// A page request by anyone (the sign-in page).
pub struct Anyone {
    pub ctx: PageCtx,
}

impl FromRequestParts<AppState> for Anyone {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = PageCtx::anonymous(Tr::new(locale_of(parts, None), &state.app), parts.uri.path());
        if let Some(slot) = parts.extensions.get::<PageSlot>() {
            slot.fill(&ctx);
        }
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
    match render_html(template) {
        Some(html) => Html(html).into_response(),
        None => (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response(),
    }
}

/// The HTML of a template, or `None` (logged) if rendering fails.
pub fn render_html<T: Template>(template: &T) -> Option<String> {
    template.render().map_err(|error| tracing::error!(%error, "template failed")).ok()
}
