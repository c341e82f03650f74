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
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    pub(crate) fn connect(error: sqlx::Error) -> Self {
        Self::Connect(error.to_string())
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
                _ => Self::Database(error),
            },
            _ => Self::Database(error),
        }
    }
}
