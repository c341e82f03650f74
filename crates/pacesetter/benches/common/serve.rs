//! What the HTTP benchmarks share: the binary's router started on 127.0.0.1, the signed-in user
//! as the web layer resolves them, and an API token asked for as a client does.

use std::net::SocketAddr;

use pacesetter::{Config, server};
use pacesetter_app::{Actor, App, Origin, demo};
use pacesetter_domain::Scope;
use pacesetter_store::{Store, grants, users};
use reqwest::header::CONTENT_TYPE;
use serde_json::json;

use crate::BoxError;

/// Starts the router the binary serves (`server::router`) on a free port of 127.0.0.1, on a
/// runtime of its own with two worker threads, apart from the clients' runtime.
pub fn start_server(config: &Config, app: App) -> Result<SocketAddr, BoxError> {
    let router = server::router(config, app, false)?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("server").enable_all().build()?;
    std::thread::spawn(move || {
        let served = runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await
        });
        if let Err(error) = served {
            eprintln!("the server stopped: {error}");
        }
    });
    Ok(addr)
}

/// The signed-in user as the web layer would resolve them.
pub async fn actor(store: &Store, username: &str) -> Result<Actor, BoxError> {
    let mut conn = store.read().await?;
    let user = users::find_by_username(&mut conn, username).await?.ok_or(format!("no account {username}"))?;
    let scope = Scope::new(grants::scope_of(&mut conn, user.id).await?);
    Ok(Actor { user, scope, origin: Origin::default() })
}

/// A demo account's API token (`POST /api/v1/auth/token` with the demo's password), after
/// reading `/api/v1/me` with it, so that `client`'s connection is open before anything is timed.
pub async fn token(client: &reqwest::Client, base: &str, username: &str) -> Result<String, BoxError> {
    let body = json!({"username": username, "password": demo::DEMO_PASSWORD});
    let response = client
        .post(format!("{base}/api/v1/auth/token"))
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await?
        .error_for_status()?;
    let answer: serde_json::Value = serde_json::from_str(&response.text().await?)?;
    let token = answer["token"].as_str().ok_or("no token in the answer")?.to_owned();
    client.get(format!("{base}/api/v1/me")).bearer_auth(&token).send().await?.error_for_status()?;
    Ok(token)
}
