//! The app layer's one error type; the web layer maps it to HTTP in one place.

use pacesetter_domain::ValidationError;
use pacesetter_store::StoreError;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What a request looked for and did not find, or may not see: the error code is
/// `<resource>_not_found`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Unit,
    User,
    Grant,
    Campaign,
    Item,
    Assignment,
    Import,
    Evidence,
    Evaluation,
    EvaluationRun,
    Entry,
    Appeal,
    InspectionRound,
    InspectionTarget,
    Finding,
    Rectification,
    Photo,
    Contest,
    ContestRound,
    ContestEntry,
    ContestAward,
    JudgeScore,
    Quiz,
    QuizTeam,
    QuizEvent,
    Meeting,
    Venue,
    AgendaItem,
    /// An edited string of the interface.
    Translation,
    /// A record the store did not find, where the caller named no resource.
    Record,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::User => "user",
            Self::Grant => "grant",
            Self::Campaign => "campaign",
            Self::Item => "item",
            Self::Assignment => "assignment",
            Self::Import => "import",
            Self::Evidence => "evidence",
            Self::Evaluation => "evaluation",
            Self::EvaluationRun => "evaluation_run",
            Self::Entry => "entry",
            Self::Appeal => "appeal",
            Self::InspectionRound => "inspection_round",
            Self::InspectionTarget => "inspection_target",
            Self::Finding => "finding",
            Self::Rectification => "rectification",
            Self::Photo => "photo",
            Self::Contest => "contest",
            Self::ContestRound => "contest_round",
            Self::ContestEntry => "contest_entry",
            Self::ContestAward => "contest_award",
            Self::JudgeScore => "judge_score",
            Self::Quiz => "quiz",
            Self::QuizTeam => "quiz_team",
            Self::QuizEvent => "quiz_event",
            Self::Meeting => "meeting",
            Self::Venue => "meeting_venue",
            Self::AgendaItem => "meeting_agenda_item",
            Self::Translation => "translation",
            Self::Record => "record",
        }
    }

    /// The stable error code: `unit_not_found`, `finding_not_found`, ….
    pub fn not_found_code(self) -> &'static str {
        match self {
            Self::Unit => "unit_not_found",
            Self::User => "user_not_found",
            Self::Grant => "grant_not_found",
            Self::Campaign => "campaign_not_found",
            Self::Item => "item_not_found",
            Self::Assignment => "assignment_not_found",
            Self::Import => "import_not_found",
            Self::Evidence => "evidence_not_found",
            Self::Evaluation => "evaluation_not_found",
            Self::EvaluationRun => "evaluation_run_not_found",
            Self::Entry => "entry_not_found",
            Self::Appeal => "appeal_not_found",
            Self::InspectionRound => "inspection_round_not_found",
            Self::InspectionTarget => "inspection_target_not_found",
            Self::Finding => "finding_not_found",
            Self::Rectification => "rectification_not_found",
            Self::Photo => "photo_not_found",
            Self::Contest => "contest_not_found",
            Self::ContestRound => "contest_round_not_found",
            Self::ContestEntry => "contest_entry_not_found",
            Self::ContestAward => "contest_award_not_found",
            Self::JudgeScore => "judge_score_not_found",
            Self::Quiz => "quiz_not_found",
            Self::QuizTeam => "quiz_team_not_found",
            Self::QuizEvent => "quiz_event_not_found",
            Self::Meeting => "meeting_not_found",
            Self::Venue => "meeting_venue_not_found",
            Self::AgendaItem => "meeting_agenda_item_not_found",
            Self::Translation => "translation_not_found",
            Self::Record => "record_not_found",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    /// The account has a second factor and the request gave no code.
    #[error("a code from the authenticator app (or a recovery code) is required")]
    SecondFactorRequired,
    #[error("wrong or already used code")]
    BadSecondFactor,
    /// The deployment requires this account to enrol a second factor, in the pages, first.
    #[error("set up two-step sign-in first")]
    SecondFactorEnrolmentRequired,
    /// A sign-in waiting for its second step is unknown, ended or too old: start again.
    #[error("the sign-in has expired; enter the password again")]
    SignInExpired,
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: i64 },
    #[error("you do not have permission for this")]
    Forbidden,
    #[error("{} not found", .0.as_str())]
    NotFound(Resource),
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
    /// The server's disk is full: nothing of the request was saved.
    #[error("the server's storage is full: {0}")]
    StorageFull(String),
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
            Self::SecondFactorRequired => "second_factor_required",
            Self::BadSecondFactor => "bad_second_factor",
            Self::SecondFactorEnrolmentRequired => "second_factor_enrolment_required",
            Self::SignInExpired => "sign_in_expired",
            Self::RateLimited { .. } => "rate_limited",
            Self::Forbidden => "forbidden",
            Self::NotFound(resource) => resource.not_found_code(),
            Self::Invalid(_) => "invalid_input",
            Self::Unprocessable { code, .. } => code,
            Self::Conflict(code) | Self::ConflictWith { code, .. } => code,
            Self::Stale { .. } => "stale_version",
            Self::Unavailable(_) => "database_unavailable",
            Self::StorageFull(_) => "storage_full",
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn invalid(field: &'static str, code: &'static str) -> Self {
        Self::Invalid(ValidationError::single(field, code))
    }

    /// Maps a store error met while working on `what`.
    pub fn from_store(what: Resource) -> impl FnOnce(StoreError) -> AppError {
        move |error| match error {
            StoreError::NotFound => AppError::NotFound(what),
            StoreError::Duplicate("code") => AppError::invalid("code", "code_taken"),
            StoreError::Duplicate("username") => AppError::invalid("username", "username_taken"),
            StoreError::Duplicate("grant") => AppError::Conflict("grant_exists"),
            StoreError::Duplicate("award") => AppError::Conflict("award_exists"),
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
            StoreError::NotFound => Self::NotFound(Resource::Record),
            StoreError::Stale => Self::Stale { current: serde_json::Value::Null },
            StoreError::Connect(_) | StoreError::Damaged(_) | StoreError::Unavailable(_) => Self::Unavailable(error),
            StoreError::Full(cause) => Self::StorageFull(cause),
            other => Self::Internal(other.to_string()),
        }
    }
}
