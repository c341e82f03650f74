//! A table read from a CSV or XLSX file: a header row and data rows of text.

/// The text of an uploaded sheet, ready for a preview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    /// Each row with its 1-based line number in the source file.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Every non-empty row of a sheet as read, each with its 1-based line number; a merged
/// region's value fills every cell of the region, so a task merged over three rows of measures
/// reads as the same task on each row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// The header row is the first that names at least two different columns (office sheets
    /// often open with a title row merged across them); the rows below it are the data.
    pub fn from_grid(grid: Grid) -> Option<Self> {
        let mut rows = grid.rows.into_iter();
        let headers = rows.by_ref().map(|(_, cells)| cells).find(|cells| distinct_values(cells) >= 2)?;
        Some(Self { headers, rows: rows.collect() })
    }

    /// The column index of the first header that matches one of `names` (case-insensitive).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers.iter().position(|h| {
            let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
            names.iter().any(|n| h == n.to_lowercase())
        })
    }

    /// The cell of a row, or "" when the row is short or the column is absent.
    pub fn cell(row: &[String], column: Option<usize>) -> &str {
        column.and_then(|c| row.get(c)).map(String::as_str).unwrap_or("")
    }
}

/// How many different non-empty values a row holds.
pub fn distinct_values(cells: &[String]) -> usize {
    let mut seen: Vec<&str> = cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// Why an uploaded file could not be read as a sheet: a stable code (`file_too_large`,
/// `macro_workbook`, `not_utf8`, …) and a sentence for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    pub code: &'static str,
    pub detail: String,
}

/// Reads the bytes of an uploaded CSV or XLSX file; provided by the export layer.
pub type SheetReader = fn(&[u8]) -> Result<Grid, SheetError>;

/// The spreadsheet column letter for a 0-based index (0 → A, 26 → AA), for error messages.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push((b'A' + rem as u8) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The 0-based index of a column letter (A → 0, AA → 26); `None` for anything else.
pub fn column_index(letters: &str) -> Option<usize> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut index = 0usize;
    for c in letters.chars() {
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_uppercase() {
            return None;
        }
        index = index * 26 + (c as usize - 'A' as usize + 1);
    }
    Some(index - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_the_first_row_naming_two_columns() {
        let row = |line: usize, cells: &[&str]| (line, cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        let grid = Grid {
            rows: vec![row(1, &["2023年任务分解", "2023年任务分解"]), row(2, &["编码", "名称"]), row(3, &["1", "x"])],
        };
        let table = Table::from_grid(grid).unwrap();
        assert_eq!(table.headers, vec!["编码", "名称"], "a merged title row repeats one value");
        assert_eq!(table.rows, vec![row(3, &["1", "x"])]);
        assert_eq!(Table::from_grid(Grid { rows: vec![row(1, &["a", ""])] }), None);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(2), "C");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        for index in [0, 2, 25, 26, 701, 702] {
            assert_eq!(column_index(&column_letter(index)), Some(index));
        }
        assert_eq!(column_index("b"), Some(1));
        assert_eq!(column_index(""), None);
        assert_eq!(column_index("A1"), None);
    }
}
