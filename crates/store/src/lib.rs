//! Persistence for Pacesetter: one sqlx `Any` pool over SQLite or PostgreSQL, embedded
//! migrations, and one module of queries per aggregate.
//!
//! Queries are plain functions taking a `&mut AnyConnection`, so the app layer decides what
//! runs inside one transaction. Backend differences live in [`backend`] and nowhere else.

pub mod assignments;
pub mod audit;
pub mod audit_anchor;
pub mod backend;
pub mod campaigns;
pub mod chases;
pub mod contests;
pub mod credentials;
mod error;
pub mod evaluation_run_rows;
pub mod evaluation_runs;
pub mod evaluations;
pub mod evidence;
pub mod grants;
pub mod imports;
pub mod indicators;
pub mod inspections;
pub mod meetings;
mod migrate;
pub mod notifications;
pub mod plan_import;
pub mod plan_items;
pub mod progress_cells;
pub mod quizzes;
mod row;
pub mod scorecards;
pub mod second_factor;
pub mod sessions;
pub mod snapshot;
pub mod sort_keys;
mod sql;
pub mod throttle;
pub mod tokens;
pub mod translations;
pub mod units;
pub mod users;
mod write;

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

pub use audit_anchor::AuditAnchor;
pub use backend::Backend;
pub use error::StoreError;
use error::stale_unless_missing;
pub use write::WriteTx;
/// A connection or an open transaction, as every store function takes it. Callers get one from
/// [`Store::read`] or [`Store::write`] and never name the driver behind it.
pub type Conn = sqlx::AnyConnection;
use sqlx::{
    Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    pool::PoolConnection,
};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What an operator may bound about the database connection.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// SQLite's page cache, in MiB, shared out among the pool's connections (each takes its
    /// share only as it reads pages); PostgreSQL keeps its own cache.
    pub sqlite_cache_mib: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { sqlite_cache_mib: 64 }
    }
}

impl StoreOptions {
    /// Each connection's `cache_size` pragma: its share of the cache in KiB, negative as
    /// SQLite reads a size in KiB (a positive number would count pages), at least 2 MiB (SQLite's
    /// own default) so that one statement never thrashes.
    pub fn sqlite_cache_size(self, connections: u32) -> i64 {
        let kib = i64::from(self.sqlite_cache_mib) * 1024 / i64::from(connections.max(1));
        -kib.max(2048)
    }
}

/// A connection pool and the backend it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: sqlx::AnyPool,
    backend: Backend,
    anchor: Option<Arc<AuditAnchor>>,
    last_answer: Arc<LastAnswer>,
    /// SQLite's writers take turns here before they take a connection, and share commits
    /// (decisions 0019 and 0026).
    writers: Arc<write::Writers>,
}

/// When the database last answered the health check, so that a load balancer polling many
/// times a second costs one query a second.
#[derive(Debug)]
struct LastAnswer {
    opened: std::time::Instant,
    /// Milliseconds after `opened`; 0 before the first answer.
    at_ms: std::sync::atomic::AtomicU64,
}

impl LastAnswer {
    /// How long an answer stands for the next health checks.
    const FRESH_MS: u64 = 1_000;

    fn now_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX).max(1)
    }
}

/// A connection from the pool, for reads.
pub type ReadConn = PoolConnection<sqlx::Any>;

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), applies pragmas and runs the
    /// embedded migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// As `connect`, with the operator's limits.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self> {
        let store = Self::open(url, options).await?;
        migrate::run(&store).await?;
        sort_keys::keep(&store).await?;
        Ok(store)
    }

    /// Applies the migrations up to `version` only to the database at `url`, and closes it: the
    /// database as the release that stopped there left it, for the upgrade tests.
    pub async fn migrate_only_to(url: &str, version: i64) -> Result<()> {
        let store = Self::open(url, StoreOptions::default()).await?;
        migrate::run_to(&store, version).await?;
        store.close().await;
        Ok(())
    }

    /// Connects and applies pragmas, without migrating.
    async fn open(url: &str, limits: StoreOptions) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| StoreError::BadUrl(redact(url)))?;
        let options = AnyConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(redact(url)))?;
        let pool_options =
            AnyPoolOptions::new().max_connections(backend.max_connections()).acquire_timeout(Duration::from_secs(10));
        let pool_options = match backend {
            Backend::Sqlite => {
                let cache_size = format!("PRAGMA cache_size = {}", limits.sqlite_cache_size(backend.max_connections()));
                // A connection idle for a minute is closed with its page cache, so memory
                // taken under load goes back once it ends; one stays open. The pool hands out
                // its longest-idle connection first, so a poll every few seconds (the
                // translations', every 5 s) keeps eight connections from ever being idle for a
                // minute: each is also replaced after five minutes. A connection to a local
                // file is not pinged before each use: every ping is a round trip to the
                // connection's thread, and a file does not drop a connection as a network does.
                pool_options
                    .idle_timeout(Duration::from_secs(60))
                    .max_lifetime(Duration::from_secs(300))
                    .min_connections(1)
                    .test_before_acquire(false)
                    .after_connect(move |conn, _meta| {
                        let cache_size = cache_size.clone();
                        Box::pin(async move {
                            // Per connection: these pragmas are not stored in the file.
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            conn.execute(sqlx::AssertSqlSafe(cache_size)).await?;
                            Ok(())
                        })
                    })
            }
            Backend::Postgres => pool_options,
        };
        if backend == Backend::Sqlite {
            check_integrity(&options).await?;
        }
        let pool = pool_options.connect_with(options).await.map_err(StoreError::connect)?;
        if backend == Backend::Sqlite {
            // Stored in the file: WAL lets readers go on while one writer commits.
            pool.execute("PRAGMA journal_mode = WAL").await.map_err(StoreError::connect)?;
        }
        let last_answer = LastAnswer { opened: std::time::Instant::now(), at_ms: 0.into() };
        Ok(Self { pool, backend, anchor: None, last_answer: Arc::new(last_answer), writers: Arc::default() })
    }

    /// Whether the database answers a query: the health check. An answer stands for a second;
    /// a closed pool fails at once.
    pub async fn ping(&self) -> Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        if self.pool.is_closed() {
            return Err(sqlx::Error::PoolClosed.into());
        }
        let last = &self.last_answer;
        let at = last.at_ms.load(Relaxed);
        if at != 0 && last.now_ms().saturating_sub(at) < LastAnswer::FRESH_MS {
            return Ok(());
        }
        sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&self.pool).await?;
        last.at_ms.store(last.now_ms(), Relaxed);
        Ok(())
    }

    /// The SQLite URL for a data directory, creating the file on first start.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("pacesetter.db").display())
    }

    /// The same store, anchoring its audit chain in the file at `path` (in the data directory).
    pub fn with_audit_anchor(mut self, path: PathBuf) -> Self {
        if self.anchor.as_ref().is_none_or(|anchor| anchor.path() != path) {
            self.anchor = Some(Arc::new(AuditAnchor::new(path)));
        }
        self
    }

    pub fn audit_anchor(&self) -> Option<&AuditAnchor> {
        self.anchor.as_deref()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &sqlx::AnyPool {
        &self.pool
    }

    pub async fn read(&self) -> Result<ReadConn> {
        Ok(self.pool.acquire().await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Refuses a damaged SQLite file before anything is served from it, on one connection of its
/// own (the pool would retry a failing connection until it timed out, hiding the cause).
/// `PRAGMA quick_check` reads every page and record without matching indexes against their
/// tables, so it stays in seconds at national scale. PostgreSQL looks after its own files.
async fn check_integrity(options: &AnyConnectOptions) -> Result<()> {
    let damaged = |error: sqlx::Error| match StoreError::from(error) {
        StoreError::Damaged(cause) => StoreError::Damaged(cause),
        other => StoreError::Connect(other.to_string()),
    };
    let mut conn = sqlx::ConnectOptions::connect(options).await.map_err(damaged)?;
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA quick_check(5)").fetch_all(&mut conn).await.map_err(damaged)?;
    sqlx::Connection::close(conn).await.map_err(damaged)?;
    let problems: Vec<String> = rows.into_iter().map(|(line,)| line).filter(|line| line != "ok").collect();
    if problems.is_empty() { Ok(()) } else { Err(StoreError::Damaged(problems.join("; "))) }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &credentials[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://app:s3cret@db/x"), "postgres://app:***@db/x");
        assert_eq!(super::redact("postgres://db/x"), "postgres://db/x");
    }
}
