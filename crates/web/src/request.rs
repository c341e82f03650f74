//! Per-request context: an id for logs and audit, the client address, the session cookie.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, header},
    middleware::Next,
    response::Response,
};
use pacesetter_app::Origin;

use crate::security::{self, OverTls};

/// The header that echoes the request's id.
static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every request goes through inside the compression: an id, the cross-site guard, and
/// the security headers on whatever comes back. One middleware rather than three, since each
/// `from_fn` layer boxes the rest of the stack and its future for every request.
pub async fn frame(State(over_tls): State<OverTls>, request: Request, next: Next) -> Response {
    let id = pacesetter_app::auth::random_hex::<8>();
    let docs = request.uri().path().starts_with("/api/docs");
    let echoed = HeaderValue::from_str(&id).ok();
    let answering = Answering { id, method: request.method().clone(), path: request.uri().path().to_owned() };
    let answered = async {
        match security::cross_site_refusal(&request) {
            Some(refused) => refused,
            None => next.run(request).await,
        }
    };
    let mut response = ANSWERING.scope(answering, answered).await;
    security::set_headers(response.headers_mut(), over_tls, docs);
    if let Some(value) = echoed {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    response
}

tokio::task_local! {
    /// The request the current task is answering.
    static ANSWERING: Answering;
}

/// A request as the log names it, held by the task that answers it (decision 0019): the log
/// reads it for each line it writes. A tracing span per request did the same for 4,800 of the
/// health check's 41,500 instructions: opened with its fields written out, entered and left at
/// every poll, and carried to the database's thread with every statement, for the few requests
/// that log anything. A line written on another thread (a blocking task, the database's own)
/// does not name the request. The audit record reads its request id here too.
#[derive(Debug)]
pub struct Answering {
    id: String,
    method: Method,
    path: String,
}

impl Answering {
    /// The id echoed as `x-request-id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn method(&self) -> &str {
        self.method.as_str()
    }

    /// The path as the client sent it: the log escapes it.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Calls `f` with the request the current task is answering; `None` outside one.
pub fn answering<R>(f: impl FnOnce(&Answering) -> R) -> Option<R> {
    ANSWERING.try_with(f).ok()
}

/// Where the request came from. The socket address is used, never `X-Forwarded-For`, so a
/// client cannot pick its own address to dodge the sign-in throttle.
pub fn origin_of(parts: &axum::http::request::Parts) -> Origin {
    let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let request_id = answering(|request| request.id.clone());
    Origin { ip, request_id }
}

pub const SESSION_COOKIE: &str = "pacesetter_session";
pub const SECURE_SESSION_COOKIE: &str = "__Host-pacesetter_session";

/// A sign-in that passed the password and waits for its second step (decision 0018).
pub const SIGN_IN_COOKIE: &str = "pacesetter_sign_in";
pub const SECURE_SIGN_IN_COOKIE: &str = "__Host-pacesetter_sign_in";

/// The value of the first non-empty cookie named one of `names`.
fn cookie_value(headers: &HeaderMap, names: [&str; 2]) -> Option<String> {
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            let mut kv = pair.trim().splitn(2, '=');
            let (Some(name), Some(value)) = (kv.next(), kv.next()) else { continue };
            if names.contains(&name) && !value.is_empty() {
                return Some(value.to_owned());
            }
        }
    }
    None
}

/// The session token from the cookie header, whichever of the two names is in use.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, [SESSION_COOKIE, SECURE_SESSION_COOKIE])
}

/// The token of a sign-in waiting for its second step.
pub fn sign_in_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, [SIGN_IN_COOKIE, SECURE_SIGN_IN_COOKIE])
}

/// The bearer token of an `Authorization` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// The `Set-Cookie` value that opens (or, with an empty token, ends) a session.
pub fn session_cookie(token: &str, secure: bool, max_age_secs: i64) -> String {
    let name = if secure { SECURE_SESSION_COOKIE } else { SESSION_COOKIE };
    cookie(name, token, secure, "Lax", max_age_secs)
}

/// The `Set-Cookie` value that holds (or, with an empty token, ends) a sign-in waiting for
/// its second step; it is only ever sent back by the site's own pages.
pub fn sign_in_cookie(token: &str, secure: bool) -> String {
    let name = if secure { SECURE_SIGN_IN_COOKIE } else { SIGN_IN_COOKIE };
    cookie(name, token, secure, "Strict", 600)
}

fn cookie(name: &str, token: &str, secure: bool, same_site: &str, max_age_secs: i64) -> String {
    let secure_flag = if secure { "; Secure" } else { "" };
    let max_age = if token.is_empty() { 0 } else { max_age_secs };
    format!("{name}={token}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure_flag}")
}
