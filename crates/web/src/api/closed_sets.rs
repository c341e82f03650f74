//! Closed sets the API sends as text that have no enum in `domain`: their schemas only, so the
//! API document lists the allowed values. The domain's own enums (`Light`, `Severity`, `Role`, …)
//! carry their schemas themselves.

#![expect(dead_code, reason = "never built: only their schemas are read")]

use utoipa::ToSchema;

/// What a piece of evidence is: an uploaded file or a link.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum EvidenceKind {
    File,
    Link,
}

/// What an import sheet holds.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ImportKind {
    Units,
    Users,
    Plan,
}

/// Where an import stands: checked and waiting for its commit, written, or refused.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ImportStatus {
    Previewed,
    Committed,
    Failed,
}

/// Why a notification was sent.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum NotificationKind {
    DueSoon,
    Overdue,
    Escalation,
    /// A report was sent back, with the reason.
    Returned,
    /// The office chased (催办) the task.
    Reminder,
}

/// The steps `POST /assignments/{id}/steps` takes; progress goes to `…/updates`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum PlainStep {
    Acknowledge,
    Accept,
    Return,
    Close,
}

/// Whether the instance answers with its database.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    DatabaseUnavailable,
}

/// The database an instance runs on.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// What a veto does, by name (the grade a `cap_grade` veto caps at goes beside it).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum VetoKind {
    Fail,
    CapGrade,
    ExcludeFromRanking,
}

/// A language the interface is translated into: Chinese is the source, not a target.
#[derive(ToSchema)]
pub enum TranslationLocale {
    #[schema(rename = "bo")]
    Bo,
    #[schema(rename = "en")]
    En,
}

/// The orders of the unit list.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum UnitSort {
    Tree,
    Name,
    NameBo,
    NameEn,
}

/// The orders of the people list.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum UserSort {
    Username,
    Name,
    NameBo,
}
