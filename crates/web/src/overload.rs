//! Shedding load past capacity: at most `max_requests` requests are worked on at once; one more
//! waits its turn (first come, first served) for at most [`QUEUE_WAIT`], then is answered 503
//! with `Retry-After` rather than queued for seconds. Refusing at once would be no better: the
//! clients come straight back, and answering their refusals takes the time the admitted work
//! needs. A request that takes longer than `request_timeout` is stopped (its transaction rolls
//! back) and answered 503 too. The health check is never shed, so that a busy instance is not
//! taken for a dead one.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use tokio::sync::Semaphore;

/// The limits, shared by every request of one server.
#[derive(Debug, Clone)]
pub struct Limits {
    permits: Arc<Semaphore>,
    wait: Duration,
    timeout: Duration,
}

impl Limits {
    pub fn new(max_requests: usize, timeout: Duration) -> Self {
        Self { permits: Arc::new(Semaphore::new(max_requests.max(1))), wait: QUEUE_WAIT, timeout }
    }
}

/// Seconds a shed client is asked to wait before trying again.
const RETRY_AFTER_SECONDS: u64 = 1;

/// How long a request past capacity waits for a turn before it is shed.
pub const QUEUE_WAIT: Duration = Duration::from_millis(500);

/// The outermost of the server's own middleware. Besides shedding and stopping, it gives an
/// API request refused for its size the JSON error ([`crate::error::api_body_too_large`]): one
/// middleware rather than two, since each `from_fn` layer boxes the rest of the stack and its
/// future for every request.
pub async fn guard(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/");
    if path == "/api/v1/health" {
        return next.run(request).await;
    }
    let Ok(Ok(_permit)) = tokio::time::timeout(limits.wait, limits.permits.clone().acquire_owned()).await else {
        tracing::warn!(path = %request.uri().path(), "overloaded: request shed");
        return busy(api, "overloaded", "The server is busy; try again in a moment.");
    };
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) if api => crate::error::api_body_too_large(response),
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(seconds = limits.timeout.as_secs(), "request timed out and was stopped");
            busy(api, "request_timeout", "The request took too long and was stopped; nothing of it was saved.")
        }
    }
}

/// 503 with `Retry-After`: the JSON error for the API, a short page for a person.
fn busy(api: bool, code: &str, message: &str) -> Response {
    let mut response = if api {
        crate::error::api_error(StatusCode::SERVICE_UNAVAILABLE, code, message)
    } else {
        let page = "<!doctype html><html lang=\"zh-Hans\"><meta charset=\"utf-8\"><title>服务器繁忙</title>\
            <p>服务器繁忙，请稍后重试；本次操作未保存。</p><p lang=\"en\">The server is busy; try again in a moment.</p></html>";
        (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response()
    };
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::{Router, body::Body, http::Request, routing::get};
    use tokio::sync::Notify;
    use tower::ServiceExt;

    use super::*;

    fn app(limits: Limits, gate: Arc<Notify>) -> Router {
        let slow = move || {
            let gate = gate.clone();
            async move {
                gate.notified().await;
                "done"
            }
        };
        Router::new()
            .route("/api/v1/slow", get(slow))
            .route("/api/v1/health", get(|| async { "ok" }))
            .route("/page", get(|| async { "page" }))
            .layer(axum::middleware::from_fn_with_state(limits, guard))
    }

    async fn call(router: &Router, path: &str) -> Response {
        router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap()
    }

    #[tokio::test]
    async fn past_capacity_a_request_is_shed_at_once_and_the_server_recovers() {
        let gate = Arc::new(Notify::new());
        let limits = Limits { wait: Duration::from_millis(20), ..Limits::new(1, Duration::from_secs(30)) };
        let router = app(limits, gate.clone());
        let held = tokio::spawn({
            let router = router.clone();
            async move { call(&router, "/api/v1/slow").await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let shed = call(&router, "/page").await;
        assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(shed.headers()[header::RETRY_AFTER], "1");
        let api = call(&router, "/api/v1/slow").await;
        assert_eq!(api.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(call(&router, "/api/v1/health").await.status(), StatusCode::OK, "the health check is never shed");
        gate.notify_one();
        assert_eq!(held.await.unwrap().status(), StatusCode::OK);
        assert_eq!(call(&router, "/page").await.status(), StatusCode::OK, "recovered");
    }

    #[tokio::test]
    async fn a_request_past_its_time_is_stopped() {
        let router = app(Limits::new(4, Duration::from_millis(50)), Arc::new(Notify::new()));
        let slow = call(&router, "/api/v1/slow").await;
        assert_eq!(slow.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(slow.into_body(), 4096).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("request_timeout"));
        assert_eq!(call(&router, "/page").await.status(), StatusCode::OK, "its permit is given back");
    }
}
