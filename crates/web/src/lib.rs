//! Pacesetter's HTTP layer: the JSON API under `/api/v1` (described by OpenAPI) and the
//! server-rendered pages, both thin over the app layer.

pub mod api;
mod assets;
pub mod authz;
mod bulletin;
pub use bulletin::missing_fonts;
pub use translations::refresh as refresh_translations;
mod error;
pub mod i18n;
mod overload;
mod request;
pub use request::{Answering, answering};
mod security;
mod translations;
pub mod ui;

use std::sync::Arc;

use axum::Router;
use pacesetter_app::App;

pub use authz::RouteError;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` prefix (serve over HTTPS).
    pub secure_cookies: bool,
    /// Shown on the health endpoint.
    pub version: &'static str,
    /// Printed on the login page of a demo, with the demo accounts.
    pub demo: bool,
    /// Where the bulletin's fonts are looked for (Noto Sans CJK, Noto Serif Tibetan).
    pub fonts_dir: std::path::PathBuf,
    /// Requests worked on at once, and how long one may take ([`overload`]).
    pub max_requests: usize,
    pub request_timeout: std::time::Duration,
}

/// What every handler can reach. axum clones it for every request (every handler and
/// middleware holds its own), so it is one pointer to what it shares.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] points to.
#[derive(Debug)]
pub struct Shared {
    pub app: App,
    pub config: WebConfig,
    /// The big screens' feeds on this instance.
    feeds: ui::screens::Feeds,
}

impl AppState {
    fn new(app: App, config: WebConfig) -> Self {
        Self(Arc::new(Shared { app, config, feeds: ui::screens::Feeds::default() }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Largest body of a JSON call or a page form: far more than any form needs, and small
/// enough that an anonymous caller cannot make the server buffer megabytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Largest body of an upload (a sheet to import, evidence, a photo, an evaluation import);
/// only the routes that take files accept it, through [`upload_limit`].
pub const MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;

/// Lets one route's body reach [`MAX_UPLOAD_BYTES`]; every other route keeps
/// [`MAX_BODY_BYTES`].
fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)
}

/// Pages, JSON and the assets go out gzip- or brotli-compressed to a client that takes it, at a
/// level that costs little CPU; live feeds (SSE), images, PDFs and workbooks (already zipped)
/// go out as they are.
fn compression() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::{
        CompressionLayer, CompressionLevel, Predicate,
        predicate::{DefaultPredicate, NotForContentType},
    };
    let predicate = DefaultPredicate::new()
        .and(NotForContentType::const_new("application/pdf"))
        .and(NotForContentType::const_new("application/vnd.openxmlformats"))
        .and(NotForContentType::const_new("application/zip"));
    CompressionLayer::new().gzip(true).br(true).quality(CompressionLevel::Precise(4)).compress_when(predicate)
}

/// Builds the whole router; refuses to build if a route has no entry in the authorization
/// matrix.
pub fn router(app: App, config: WebConfig) -> Result<Router, RouteError> {
    let limits = overload::Limits::new(config.max_requests, config.request_timeout);
    let over_tls = security::OverTls(config.secure_cookies);
    let parts = Routes::of(AppState::new(app, config))?;
    authz::check_inventory(&parts.inventory)?;
    let routes = Router::new()
        .merge(parts.api)
        .merge(api::docs_router(&parts.openapi)?)
        .merge(parts.ui)
        .merge(assets::router())
        .fallback(error::not_found);
    // Around the whole router once, outermost first. `Router::layer` would wrap every route in
    // each layer, one boxed service per layer, and axum clones a route's service for every
    // request: nine allocations and clones of the state before a handler ran. Each `from_fn` boxes
    // the rest of the stack and its future per request, so the server's own checks share two.
    let stack = tower::ServiceBuilder::new()
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A bug must cost one request a generic 500, never the connection or the process.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
        // Past capacity, shed at once rather than queue; stop a request that takes too long.
        .layer(axum::middleware::from_fn_with_state(limits, overload::guard))
        // No body is read past the largest upload, whatever a route's extractor does.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_UPLOAD_BYTES))
        .map_request(|request: axum::extract::Request<_>| request.map(axum::body::Body::new))
        .layer(compression())
        // The request's id and log span, the cross-site guard, the security headers.
        .layer(axum::middleware::from_fn_with_state(over_tls, request::frame))
        .service(routes);
    Ok(Router::new().fallback_service(stack))
}

/// Every (method, path) the router serves, for the authorization test.
pub fn route_inventory(app: App, config: WebConfig) -> Result<Vec<authz::RouteKey>, RouteError> {
    Ok(Routes::of(AppState::new(app, config))?.inventory)
}

/// The API's and the pages' routes, and every (method, path) among them.
struct Routes {
    api: Router,
    openapi: utoipa::openapi::OpenApi,
    ui: Router,
    inventory: Vec<authz::RouteKey>,
}

impl Routes {
    fn of(state: AppState) -> Result<Self, RouteError> {
        let (api, openapi) = api::router(state.clone())?;
        let (ui, ui_routes) = ui::router(state);
        let mut inventory = authz::inventory_from_openapi(&openapi);
        inventory.extend(ui_routes);
        Ok(Self { api, openapi, ui, inventory })
    }
}
