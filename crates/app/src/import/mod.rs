//! Importing units and accounts from a sheet: a preview with row-level errors first, then
//! a commit that writes every row in one transaction or nothing at all. Uploads are kept as
//! import jobs, so the file that was previewed is the file that is committed.

mod jobs;
mod units;
mod users;

pub use jobs::{ImportJob, ImportKind, commit, job, recent, upload};
pub use units::{commit_units, preview_units};
pub use users::{commit_users, preview_users};

/// The most rows one import may hold.
pub const MAX_ROWS: usize = 5_000;

/// What committing a row will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
}

/// One problem in one cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    /// The spreadsheet column letter, or "" when the problem is the row as a whole.
    pub column: String,
    pub field: &'static str,
    pub code: &'static str,
}

/// A row of the preview.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PreviewRow {
    pub line: usize,
    pub action: RowAction,
    pub values: Vec<String>,
    pub errors: Vec<CellError>,
}

/// The preview: headers found, each row's action and errors.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Preview {
    pub headers: Vec<String>,
    pub rows: Vec<PreviewRow>,
    pub error_count: usize,
    pub missing_columns: Vec<&'static str>,
}

impl Preview {
    pub fn is_clean(&self) -> bool {
        self.error_count == 0 && self.missing_columns.is_empty()
    }
}

/// How many records a commit wrote.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}
