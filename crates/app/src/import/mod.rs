//! Importing units and accounts from a sheet: a preview with row-level errors first, then
//! a commit that writes every row in one transaction or nothing at all. Uploads are kept as
//! import jobs, so the file that was previewed is the file that is committed.

mod jobs;
mod plan;

pub(crate) use plan::CheckedPlans;
mod units;
mod users;

pub use jobs::{ImportJob, ImportKind, Options, commit, job, recent, set_mapping, upload};
pub use plan::{FieldColumn, MappingView, preview_task_sheet_offline};
pub use units::{commit_units, preview_units};
pub use users::{commit_users, preview_users};

/// The most rows one import of units or accounts may hold.
pub const MAX_ROWS: usize = 5_000;
/// The most rows of a task-breakdown sheet: a national plan.
pub const MAX_PLAN_ROWS: usize = 100_000;
/// A preview lists this many rows, and rows with an error beyond them…
pub const PREVIEW_ROWS: usize = 200;
/// …up to this many rows in all (a wrong mapping can make every row of a large sheet wrong).
pub const PREVIEW_MAX_ROWS: usize = 1_000;

/// What committing a row will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
    /// A heading row of a task sheet (一、文化润心工程): it names the plan item above the tasks.
    Heading,
    /// A heading row naming no item of the plan: the commit creates it (新建工程).
    NewParent,
    /// A line below the table (填表人, 联系电话, 备注, the date of signing): not a task.
    Note,
}

/// One problem in one cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    /// The spreadsheet column letter, or "" when the problem is the row as a whole.
    pub column: String,
    pub field: &'static str,
    pub code: &'static str,
    /// The part of the cell the problem is about, where the cell holds several (one unit name
    /// of a list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What the cell probably meant (the names of units most like an unknown one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
    /// The line of the other row, for a row that repeats an earlier one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_line: Option<usize>,
}

impl CellError {
    pub fn new(column: String, field: &'static str, code: &'static str) -> Self {
        Self { column, field, code, value: None, suggestions: Vec::new(), other_line: None }
    }

    pub fn about(mut self, value: &str) -> Self {
        self.value = Some(value.to_owned());
        self
    }
}

/// How a cell of dates was read, shown beside it in the preview.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DateRead {
    pub column: String,
    pub field: &'static str,
    /// The day it was read as, or `None` for no deadline (长期, 持续推进).
    pub date: Option<String>,
}

/// A row of the preview.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PreviewRow {
    pub line: usize,
    pub action: RowAction,
    pub values: Vec<String>,
    pub errors: Vec<CellError>,
    /// For a task sheet: the dates its cells were read as.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateRead>,
}

/// The preview: headers found, each row's action and errors.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Preview {
    pub headers: Vec<String>,
    /// The first [`PREVIEW_ROWS`] rows and the rows with an error, [`PREVIEW_MAX_ROWS`] at most.
    pub rows: Vec<PreviewRow>,
    /// How many data rows the sheet holds.
    pub row_count: usize,
    pub error_count: usize,
    pub missing_columns: Vec<&'static str>,
    /// For a task sheet: which column holds what, to be corrected in the preview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<MappingView>,
    /// For a task sheet: the items above the tasks that match nothing in the plan and that
    /// the commit creates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub new_parents: Vec<String>,
}

impl Preview {
    /// A preview of `rows`, keeping the first rows and the rows with an error.
    pub fn new(headers: Vec<String>, rows: Vec<PreviewRow>, missing_columns: Vec<&'static str>) -> Self {
        let row_count = rows.len();
        let error_count = rows.iter().map(|r| r.errors.len()).sum();
        let rows = rows.into_iter().enumerate().filter(|(i, r)| *i < PREVIEW_ROWS || !r.errors.is_empty());
        let rows = rows.map(|(_, r)| r).take(PREVIEW_MAX_ROWS).collect();
        Self { headers, rows, row_count, error_count, missing_columns, mapping: None, new_parents: Vec::new() }
    }

    pub fn is_clean(&self) -> bool {
        self.error_count == 0 && self.missing_columns.is_empty()
    }
}

/// How many records a commit wrote.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// For a task sheet: the items above the tasks it created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parents_created: Option<usize>,
    /// For a task sheet: the assignments it created (one per unit of a task).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments_created: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: usize, bad: bool) -> PreviewRow {
        let errors = if bad { vec![CellError::new("B".into(), "title", "required")] } else { Vec::new() };
        PreviewRow { line, action: RowAction::Create, values: Vec::new(), errors, dates: Vec::new() }
    }

    #[test]
    fn a_preview_lists_the_first_rows_and_the_wrong_ones_within_a_cap() {
        let rows = (0..5_000).map(|i| row(i, i % 3 == 0)).collect();
        let preview = Preview::new(Vec::new(), rows, Vec::new());
        assert_eq!((preview.row_count, preview.error_count), (5_000, 1_667));
        assert_eq!(preview.rows.len(), PREVIEW_MAX_ROWS);
        assert!(preview.rows[PREVIEW_ROWS..].iter().all(|r| !r.errors.is_empty()), "past the first rows, only errors");
        assert!(!preview.is_clean());
    }
}
