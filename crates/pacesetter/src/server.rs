//! Wiring: the store, the app, the router and the background sweep, bound to a socket.

use std::{net::SocketAddr, time::Duration};

use pacesetter_app::App;
use pacesetter_store::Store;
use pacesetter_web::WebConfig;

use crate::Config;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] pacesetter_store::StoreError),
    #[error(transparent)]
    Routes(#[from] pacesetter_web::RouteError),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("server stopped: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Courier(#[from] crate::delivery::CourierError),
}

/// Opens the database named by the configuration, creating the data directory first.
pub async fn open_store(config: &Config) -> Result<Store, ServeError> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|source| ServeError::DataDir { path: config.data_dir.display().to_string(), source })?;
    }
    Ok(Store::connect_with(&config.database_url(), config.store_options())
        .await?
        .with_audit_anchor(audit_anchor(config)))
}

/// The audit anchor file in the data directory (docs/decisions/0012-audit-anchor.md).
pub fn audit_anchor(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("audit-anchor")
}

pub fn app(config: &Config, store: Store) -> App {
    App::new(
        store.with_audit_anchor(audit_anchor(config)),
        config.app_settings(),
        pacesetter_export::read_sheet,
        pacesetter_app::files::FileStore::new(&config.data_dir),
    )
}

pub fn router(config: &Config, app: App, demo: bool) -> Result<axum::Router, ServeError> {
    let web = WebConfig {
        secure_cookies: config.secure_cookies,
        version: VERSION,
        demo,
        fonts_dir: config.fonts_dir.clone(),
        max_requests: config.max_requests,
        request_timeout: std::time::Duration::from_secs(config.request_timeout_seconds),
    };
    Ok(pacesetter_web::router(app, web)?)
}

/// Serves until Ctrl-C or SIGTERM; `on_ready` is called with the bound address.
pub async fn serve(config: &Config, app: App, demo: bool, on_ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let router = router(config, app.clone(), demo)?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|source| ServeError::Listen { addr: config.listen.clone(), source })?;
    let courier =
        crate::delivery::RealCourier::new(config.smtp_url.as_deref(), &config.mail_from, config.public_url.as_deref())?;
    on_ready(listener.local_addr()?);
    let fonts_dir = config.fonts_dir.clone();
    tokio::task::spawn_blocking(move || {
        for problem in missing_fonts(&fonts_dir) {
            tracing::warn!(%problem, "PDF bulletins will fail until the font is installed");
        }
    });
    tokio::spawn(sweep_sessions(app.clone()));
    tokio::spawn(send_reminders(app.clone()));
    tokio::spawn(keep_translations(app.clone()));
    tokio::spawn(deliver_reminders(app, courier));
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// The fonts missing for the PDF documents, checked by `pacesetter fonts` in a child process:
/// the check reads every font file (over 100 MB with the CJK fonts), and the allocator of a
/// server that then idles would keep most of that memory for good (80 MiB measured). In
/// process if the child cannot be run.
fn missing_fonts(fonts_dir: &std::path::Path) -> Vec<String> {
    let child = std::env::current_exe()
        .and_then(|exe| std::process::Command::new(exe).arg("fonts").arg("--dir").arg(fonts_dir).output());
    match child {
        Ok(output) if output.status.success() => Vec::new(),
        Ok(output) if output.status.code() == Some(1) => {
            String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
        }
        _ => pacesetter_web::missing_fonts(fonts_dir),
    }
}

/// Removes expired sessions, and sign-in addresses and counters gone stale, every ten
/// minutes; harmless when several instances run it.
async fn sweep_sessions(app: App) {
    let mut interval = tokio::time::interval(Duration::from_secs(600));
    loop {
        interval.tick().await;
        let result = pacesetter_app::auth::sweep(&app, pacesetter_domain::Timestamp::now()).await;
        if let Err(error) = result {
            tracing::warn!(%error, "session sweep failed");
        }
    }
}

/// Keeps the deployment's reviewed translations in force: read at start, then again within five
/// seconds of a change made on any instance (decision 0022).
async fn keep_translations(app: App) {
    let mut interval = tokio::time::interval(Duration::from_secs(5));
    loop {
        interval.tick().await;
        if let Err(error) = pacesetter_web::refresh_translations(&app).await {
            tracing::warn!(%error, "reading the translations failed");
        }
    }
}

/// Sends due reminders at start and every hour; each goes out once, whichever instance claims it.
async fn send_reminders(app: App) {
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        interval.tick().await;
        match pacesetter_app::reminders::run(&app).await {
            Ok(summary) if summary.reminders > 0 => {
                tracing::info!(reminders = summary.reminders, notifications = summary.notifications, "reminders sent");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "reminder run failed"),
        }
    }
}

/// Sends queued reminder emails and webhook messages every minute.
async fn deliver_reminders(app: App, courier: crate::delivery::RealCourier) {
    let mut interval = tokio::time::interval(Duration::from_secs(60));
    loop {
        interval.tick().await;
        match pacesetter_app::reminders::deliver(&app, &courier).await {
            Ok(summary) if summary != Default::default() => {
                tracing::info!(
                    sent = summary.sent,
                    retrying = summary.retrying,
                    failed = summary.failed,
                    "reminders delivered"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "reminder delivery failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
