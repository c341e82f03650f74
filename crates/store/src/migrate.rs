//! Embedded, numbered, forward-only migrations, one folder per backend.

use std::borrow::Cow;

use sqlx::{
    AssertSqlSafe, SqlSafeStr,
    migrate::{Migration, MigrationType, Migrator},
};

use crate::{Backend, Result, Store, StoreError};

/// (version, description, SQLite text, PostgreSQL text)
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "imports",
        include_str!("../migrations/sqlite/0002_imports.sql"),
        include_str!("../migrations/postgres/0002_imports.sql"),
    ),
    (
        3,
        "plans",
        include_str!("../migrations/sqlite/0003_plans.sql"),
        include_str!("../migrations/postgres/0003_plans.sql"),
    ),
    (
        4,
        "evidence",
        include_str!("../migrations/sqlite/0004_evidence.sql"),
        include_str!("../migrations/postgres/0004_evidence.sql"),
    ),
    (
        5,
        "notifications",
        include_str!("../migrations/sqlite/0005_notifications.sql"),
        include_str!("../migrations/postgres/0005_notifications.sql"),
    ),
    (
        6,
        "plan import and delivery",
        include_str!("../migrations/sqlite/0006_plan_import_and_delivery.sql"),
        include_str!("../migrations/postgres/0006_plan_import_and_delivery.sql"),
    ),
    (
        7,
        "indicators",
        include_str!("../migrations/sqlite/0007_indicators.sql"),
        include_str!("../migrations/postgres/0007_indicators.sql"),
    ),
    (
        8,
        "report counts",
        include_str!("../migrations/sqlite/0008_report_counts.sql"),
        include_str!("../migrations/postgres/0008_report_counts.sql"),
    ),
    (
        9,
        "progress cells",
        include_str!("../migrations/sqlite/0009_progress_cells.sql"),
        include_str!("../migrations/postgres/0009_progress_cells.sql"),
    ),
    (
        10,
        "evaluations",
        include_str!("../migrations/sqlite/0010_evaluations.sql"),
        include_str!("../migrations/postgres/0010_evaluations.sql"),
    ),
    (
        11,
        "evaluation at scale",
        include_str!("../migrations/sqlite/0011_evaluation_at_scale.sql"),
        include_str!("../migrations/postgres/0011_evaluation_at_scale.sql"),
    ),
    (
        12,
        "inspections",
        include_str!("../migrations/sqlite/0012_inspections.sql"),
        include_str!("../migrations/postgres/0012_inspections.sql"),
    ),
    (
        13,
        "rectification follow-up",
        include_str!("../migrations/sqlite/0013_rectification_follow_up.sql"),
        include_str!("../migrations/postgres/0013_rectification_follow_up.sql"),
    ),
    (
        14,
        "audit guards",
        include_str!("../migrations/sqlite/0014_audit_guards.sql"),
        include_str!("../migrations/postgres/0014_audit_guards.sql"),
    ),
    (
        15,
        "sign-in known addresses",
        include_str!("../migrations/sqlite/0015_sign_in_known_addresses.sql"),
        include_str!("../migrations/postgres/0015_sign_in_known_addresses.sql"),
    ),
    (
        16,
        "contests",
        include_str!("../migrations/sqlite/0016_contests.sql"),
        include_str!("../migrations/postgres/0016_contests.sql"),
    ),
    (
        17,
        "quizzes",
        include_str!("../migrations/sqlite/0017_quizzes.sql"),
        include_str!("../migrations/postgres/0017_quizzes.sql"),
    ),
    (
        18,
        "exhibitions and results",
        include_str!("../migrations/sqlite/0018_exhibitions_and_results.sql"),
        include_str!("../migrations/postgres/0018_exhibitions_and_results.sql"),
    ),
    (
        19,
        "contest awards",
        include_str!("../migrations/sqlite/0019_contest_awards.sql"),
        include_str!("../migrations/postgres/0019_contest_awards.sql"),
    ),
    (
        20,
        "unit aliases",
        include_str!("../migrations/sqlite/0020_unit_aliases.sql"),
        include_str!("../migrations/postgres/0020_unit_aliases.sql"),
    ),
    (
        21,
        "returned and chased assignments",
        include_str!("../migrations/sqlite/0021_returned_and_chased.sql"),
        include_str!("../migrations/postgres/0021_returned_and_chased.sql"),
    ),
    (
        22,
        "unit report counts",
        include_str!("../migrations/sqlite/0022_unit_report_counts.sql"),
        include_str!("../migrations/postgres/0022_unit_report_counts.sql"),
    ),
    (
        23,
        "rectification chases",
        include_str!("../migrations/sqlite/0023_rectification_chases.sql"),
        include_str!("../migrations/postgres/0023_rectification_chases.sql"),
    ),
    (
        24,
        "second factor",
        include_str!("../migrations/sqlite/0024_second_factor.sql"),
        include_str!("../migrations/postgres/0024_second_factor.sql"),
    ),
    (
        25,
        "assignment years",
        include_str!("../migrations/sqlite/0025_assignment_years.sql"),
        include_str!("../migrations/postgres/0025_assignment_years.sql"),
    ),
    (
        26,
        "recount in chunks",
        include_str!("../migrations/sqlite/0026_recount.sql"),
        include_str!("../migrations/postgres/0026_recount.sql"),
    ),
    (
        27,
        "progress meetings",
        include_str!("../migrations/sqlite/0027_meetings.sql"),
        include_str!("../migrations/postgres/0027_meetings.sql"),
    ),
    (
        28,
        "meeting decisions",
        include_str!("../migrations/sqlite/0028_meeting_decisions.sql"),
        include_str!("../migrations/postgres/0028_meeting_decisions.sql"),
    ),
    (
        29,
        "translations",
        include_str!("../migrations/sqlite/0029_translations.sql"),
        include_str!("../migrations/postgres/0029_translations.sql"),
    ),
    (
        30,
        "unit sort keys",
        include_str!("../migrations/sqlite/0030_unit_sort_keys.sql"),
        include_str!("../migrations/postgres/0030_unit_sort_keys.sql"),
    ),
    (
        31,
        "tibetan names",
        include_str!("../migrations/sqlite/0031_tibetan_names.sql"),
        include_str!("../migrations/postgres/0031_tibetan_names.sql"),
    ),
    (
        32,
        "documents language",
        include_str!("../migrations/sqlite/0032_documents_language.sql"),
        include_str!("../migrations/postgres/0032_documents_language.sql"),
    ),
    (
        33,
        "checklist and findings in tibetan",
        include_str!("../migrations/sqlite/0033_checklist_tibetan.sql"),
        include_str!("../migrations/postgres/0033_checklist_tibetan.sql"),
    ),
    (
        34,
        "evaluation scheme names in tibetan",
        include_str!("../migrations/sqlite/0034_scheme_tibetan.sql"),
        include_str!("../migrations/postgres/0034_scheme_tibetan.sql"),
    ),
    (
        35,
        "inspection round names in tibetan",
        include_str!("../migrations/sqlite/0035_round_tibetan.sql"),
        include_str!("../migrations/postgres/0035_round_tibetan.sql"),
    ),
    (
        36,
        "agenda item titles in tibetan",
        include_str!("../migrations/sqlite/0036_agenda_tibetan.sql"),
        include_str!("../migrations/postgres/0036_agenda_tibetan.sql"),
    ),
    (
        37,
        "user sort keys",
        include_str!("../migrations/sqlite/0037_user_sort_keys.sql"),
        include_str!("../migrations/postgres/0037_user_sort_keys.sql"),
    ),
    (
        38,
        "assignments in order of urgency",
        include_str!("../migrations/sqlite/0038_assignments_urgency.sql"),
        include_str!("../migrations/postgres/0038_assignments_urgency.sql"),
    ),
    (
        39,
        "run results in rank order",
        include_str!("../migrations/sqlite/0039_run_results_in_rank_order.sql"),
        include_str!("../migrations/postgres/0039_run_results_in_rank_order.sql"),
    ),
];

/// The highest migration this build knows.
pub const LATEST: i64 = 39;

fn migrator(backend: Backend) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sqlite, postgres)| {
            let sql = match backend {
                Backend::Sqlite => *sqlite,
                Backend::Postgres => *postgres,
            };
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                AssertSqlSafe(sql).into_sql_str(),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

/// Applies the migrations up to `version` only (the upgrade tests start from there).
pub(crate) async fn run_to(store: &Store, version: i64) -> Result<()> {
    let mut migrator = migrator(store.backend());
    migrator.migrations = Cow::Owned(migrator.migrations.iter().filter(|m| m.version <= version).cloned().collect());
    migrator.run(store.pool()).await.map_err(|error| StoreError::Migrate(error.to_string()))
}

/// Applies pending migrations; refuses a database that has migrations this build lacks
/// (an older binary) or whose applied migrations were changed.
pub(crate) async fn run(store: &Store) -> Result<()> {
    debug_assert_eq!(MIGRATIONS.last().map(|m| m.0), Some(LATEST));
    migrator(store.backend()).run(store.pool()).await.map_err(|error| StoreError::Migrate(error.to_string()))?;
    // The one data step SQL cannot do: counting the dashboard's roll-ups of campaigns that
    // existed before migration 9 (the light rule is Rust). One transaction per campaign.
    let pending = crate::progress_cells::pending(&mut *store.read().await?).await?;
    for campaign in pending {
        let mut tx = store.write_alone().await?;
        crate::progress_cells::rebuild(&mut tx, campaign).await?;
        tx.commit().await?;
    }
    // Recounts that a stop interrupted, finished before the server answers.
    let recounting = crate::progress_cells::recounting(&mut *store.read().await?).await?;
    for campaign in recounting {
        crate::progress_cells::finish_recount(store, campaign).await?;
    }
    // And writing the scorecards of schemes with entries from before migration 11 (the token
    // format is Rust's). One transaction per scheme.
    let pending = crate::scorecards::pending(&mut *store.read().await?).await?;
    for scheme in pending {
        let mut tx = store.write_alone().await?;
        crate::scorecards::rebuild(&mut tx, scheme).await?;
        tx.commit().await?;
    }
    Ok(())
}
