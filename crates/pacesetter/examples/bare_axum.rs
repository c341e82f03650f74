//! The machine's floor for the HTTP benchmark (`scripts/http_bench.py`): a bare axum route
//! answering `hello` with the same runtime and HTTP stack as the server, nothing else.
//!
//! `cargo build --release --example bare_axum`, then `bare_axum 127.0.0.1:PORT`.

use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18099".to_owned());
    let app = Router::new().route("/hello", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
