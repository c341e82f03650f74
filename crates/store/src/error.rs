//! Store errors, translated at the boundary so callers never match on driver errors.

use sqlx::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not a supported database URL: {0} (use sqlite://… or postgres://…)")]
    BadUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("the database schema is newer or different from this build: {0}")]
    Migrate(String),
    #[error("record not found")]
    NotFound,
    #[error("a record with the same {0} already exists")]
    Duplicate(&'static str),
    #[error("the record was changed by someone else")]
    Stale,
    #[error("a referenced record does not exist")]
    MissingReference,
    /// The database file fails SQLite's integrity check (a copy taken while it was written,
    /// a disk fault): nothing should be served from it.
    #[error("the database is damaged ({0}); restore it from a backup")]
    Damaged(String),
    /// The database does not answer now (the pool is exhausted or closed, the connection
    /// broke): worth retrying later, not a fault in the request.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// The disk holding the database is full (`SQLITE_FULL`, PostgreSQL's `disk_full`): the
    /// write was rolled back whole.
    #[error("the database's disk is full: {0}")]
    Full(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

/// SQLite's `SQLITE_FULL` (13) and PostgreSQL's `disk_full` (53100).
fn is_full(error: &dyn sqlx::error::DatabaseError) -> bool {
    let code = error.code();
    code.as_deref() == Some("53100")
        || code.and_then(|code| code.parse::<i64>().ok()).is_some_and(|code| code & 0xff == 13)
}

/// SQLite's result codes for a damaged file (`SQLITE_CORRUPT` and its extended codes) and for
/// a file that is not a database (`SQLITE_NOTADB`).
fn is_damaged(error: &dyn sqlx::error::DatabaseError) -> bool {
    let primary = error.code().and_then(|code| code.parse::<i64>().ok()).map(|code| code & 0xff);
    matches!(primary, Some(11 | 26))
}

impl StoreError {
    pub(crate) fn connect(error: sqlx::Error) -> Self {
        Self::Connect(error.to_string())
    }

    /// This error as told to the other writers whose commit it stopped (decision 0026): what
    /// an operator must act on (a full disk, a damaged file) is kept, anything else is the
    /// database being unavailable for now.
    pub(crate) fn for_others(&self) -> Self {
        match self {
            Self::Full(cause) => Self::Full(cause.clone()),
            Self::Damaged(cause) => Self::Damaged(cause.clone()),
            other => Self::Unavailable(sqlx::Error::Protocol(format!("a shared commit failed: {other}"))),
        }
    }

    /// Maps a unique violation to `Duplicate(what)`, leaving other errors as they are.
    pub(crate) fn on_unique(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |error| match StoreError::from(error) {
            StoreError::Duplicate(_) => StoreError::Duplicate(what),
            other => other,
        }
    }
}

/// Why a versioned update changed no row: the record is gone (`NotFound`, or the lookup's own
/// error), or it exists with another version (`Stale`).
pub(crate) fn stale_unless_missing<T>(lookup: Result<T, StoreError>) -> StoreError {
    match lookup {
        Ok(_) => StoreError::Stale,
        Err(error) => error,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => Self::Duplicate("key"),
                ErrorKind::ForeignKeyViolation => Self::MissingReference,
                _ if is_damaged(db.as_ref()) => Self::Damaged(db.message().to_owned()),
                _ if is_full(db.as_ref()) => Self::Full(db.message().to_owned()),
                _ => Self::Database(error),
            },
            // ENOSPC: no space left on the device.
            sqlx::Error::Io(io) if io.raw_os_error() == Some(28) => Self::Full(io.to_string()),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Self::Unavailable(error),
            _ => Self::Database(error),
        }
    }
}
