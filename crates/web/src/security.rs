//! Security headers on every response (HSTS when served over HTTPS), and the cross-site request guard on every
//! state-changing request made with a cookie.

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::Response,
};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
/// Swagger UI sets styles inline; its page alone gets that allowance.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                        object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Whether the site is served over HTTPS (the `secure_cookies` setting).
#[derive(Debug, Clone, Copy)]
pub struct OverTls(pub bool);

// The values are built once, when the program is compiled: `from_static` checks every byte, and
// the policy alone is 190 of them.
static HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000; includeSubDomains");
static NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
static SAME_ORIGIN: HeaderValue = HeaderValue::from_static("same-origin");
static DENY: HeaderValue = HeaderValue::from_static("DENY");
static POLICY: HeaderValue = HeaderValue::from_static(CSP);
static DOCS_POLICY: HeaderValue = HeaderValue::from_static(DOCS_CSP);
static NO_STORE: HeaderValue = HeaderValue::from_static("private, no-store");

/// Puts the security headers on a response; `docs` is the API documentation page.
pub fn set_headers(headers: &mut HeaderMap, over_tls: OverTls, docs: bool) {
    // Room for them all at once, rather than the map growing on the way.
    headers.reserve(6);
    // Served over HTTPS (directly or behind a proxy): browsers keep to HTTPS for a year.
    if over_tls.0 {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HSTS.clone());
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF.clone());
    headers.insert(header::REFERRER_POLICY, SAME_ORIGIN.clone());
    headers.insert(header::X_FRAME_OPTIONS, DENY.clone());
    // A response that set its own policy or caching keeps it.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert_with(|| if docs { DOCS_POLICY.clone() } else { POLICY.clone() });
    // Pages, API answers and downloads (plan exports, ledgers, bulletins) carry what a person
    // may see: no shared cache keeps them. Static assets and photos say otherwise themselves.
    headers.entry(header::CACHE_CONTROL).or_insert_with(|| NO_STORE.clone());
}

/// The refusal of a state-changing request from another site, judged by Fetch Metadata
/// (`Sec-Fetch-Site`) or, failing that, by `Origin`. API calls without a session cookie carry
/// no ambient credential (scripts with a bearer token, or asking for one) and pass; page forms
/// also carry a per-session token.
pub fn cross_site_refusal(request: &Request) -> Option<Response> {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let cookieless_api =
        request.uri().path().starts_with("/api/") && crate::request::session_token(request.headers()).is_none();
    if safe || cookieless_api {
        return None;
    }
    let headers = request.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let allowed = match fetch_site {
        Some(site) => site == "same-origin" || site == "none",
        None => match (
            headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) {
            (Some(origin), Some(host)) => origin.split("://").nth(1) == Some(host),
            _ => false,
        },
    };
    if allowed {
        return None;
    }
    tracing::warn!(fetch_site = ?fetch_site, "cross-site request refused");
    Some(crate::error::api_error(StatusCode::FORBIDDEN, "cross_site_request", "Cross-site requests are refused."))
}
