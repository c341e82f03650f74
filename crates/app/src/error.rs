//! The app layer's one error type; the web layer maps it to HTTP in one place.

use pacesetter_domain::ValidationError;
use pacesetter_store::StoreError;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: i64 },
    #[error("you do not have permission for this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(ValidationError),
    /// Input refused by a rule that names where it failed (an evaluation scheme's node, a
    /// leaf, the leaves still missing); the place goes to the response's `details`.
    #[error("{}", unprocessable_message(.code))]
    Unprocessable { code: &'static str, details: serde_json::Value },
    /// A rule about the relation between records, e.g. a unit moved below itself.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A conflict with a record the caller should know of, e.g. the campaign a roll-over
    /// already made; the record goes to the response's `details`.
    #[error("conflict: {code}")]
    ConflictWith { code: &'static str, details: serde_json::Value },
    /// The record changed since the caller read it; `current` is what is stored now.
    #[error("the record was changed by someone else")]
    Stale { current: serde_json::Value },
    #[error("the database is unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(String),
}

/// The sentence for an `Unprocessable` code that has one; the code itself otherwise.
fn unprocessable_message(code: &str) -> String {
    match code {
        "search_too_long" => format!("A search term is at most {} characters.", crate::text::SEARCH_MAX_CHARS),
        other => other.to_owned(),
    }
}

impl AppError {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::BadCredentials => "bad_credentials",
            Self::RateLimited { .. } => "rate_limited",
            Self::Forbidden => "forbidden",
            Self::NotFound("unit") => "unit_not_found",
            Self::NotFound("user") => "user_not_found",
            Self::NotFound("grant") => "grant_not_found",
            Self::NotFound("campaign") => "campaign_not_found",
            Self::NotFound("item") => "item_not_found",
            Self::NotFound("assignment") => "assignment_not_found",
            Self::NotFound("import") => "import_not_found",
            Self::NotFound("evidence") => "evidence_not_found",
            Self::NotFound("evaluation") => "evaluation_not_found",
            Self::NotFound("evaluation_run") => "evaluation_run_not_found",
            Self::NotFound("appeal") => "appeal_not_found",
            Self::NotFound(_) => "not_found",
            Self::Invalid(_) => "invalid_input",
            Self::Unprocessable { code, .. } => code,
            Self::Conflict(code) | Self::ConflictWith { code, .. } => code,
            Self::Stale { .. } => "stale_version",
            Self::Unavailable(_) => "database_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn invalid(field: &'static str, code: &'static str) -> Self {
        Self::Invalid(ValidationError::single(field, code))
    }

    /// Maps a store error met while working on `what`.
    pub fn from_store(what: &'static str) -> impl FnOnce(StoreError) -> AppError {
        move |error| match error {
            StoreError::NotFound => AppError::NotFound(what),
            StoreError::Duplicate("code") => AppError::invalid("code", "code_taken"),
            StoreError::Duplicate("username") => AppError::invalid("username", "username_taken"),
            StoreError::Duplicate("grant") => AppError::Conflict("grant_exists"),
            StoreError::Duplicate(_) => AppError::Conflict("duplicate"),
            StoreError::MissingReference => AppError::NotFound(what),
            StoreError::Stale => AppError::Stale { current: serde_json::Value::Null },
            other => AppError::from(other),
        }
    }
}

impl From<pacesetter_domain::FieldError> for AppError {
    fn from(error: pacesetter_domain::FieldError) -> Self {
        Self::invalid(error.field, error.code)
    }
}

impl From<ValidationError> for AppError {
    fn from(error: ValidationError) -> Self {
        Self::Invalid(error)
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound("record"),
            StoreError::Stale => Self::Stale { current: serde_json::Value::Null },
            StoreError::Connect(_) | StoreError::Damaged(_) => Self::Unavailable(error),
            StoreError::Database(sqlx_error) if is_unavailable(&sqlx_error) => {
                Self::Unavailable(StoreError::Database(sqlx_error))
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

fn is_unavailable(error: &pacesetter_store::SqlxError) -> bool {
    matches!(
        error,
        pacesetter_store::SqlxError::PoolTimedOut
            | pacesetter_store::SqlxError::PoolClosed
            | pacesetter_store::SqlxError::Io(_)
    )
}

impl From<pacesetter_store::SqlxError> for AppError {
    fn from(error: pacesetter_store::SqlxError) -> Self {
        StoreError::from(error).into()
    }
}
