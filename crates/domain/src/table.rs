//! A table read from a CSV or XLSX file: a header row and data rows of text.

/// The text of an uploaded sheet, ready for a preview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    /// Each row with its 1-based line number in the source file.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
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

/// Why an uploaded file could not be read as a sheet: a stable code (`file_too_large`,
/// `macro_workbook`, `not_utf8`, …) and a sentence for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError {
    pub code: &'static str,
    pub detail: String,
}

/// Reads the bytes of an uploaded CSV or XLSX file; provided by the export layer.
pub type SheetReader = fn(&[u8]) -> Result<Table, SheetError>;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(2), "C");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
