//! Reads the first sheet of an uploaded CSV or XLSX file into a [`Table`] of text, with
//! limits checked before anything is expanded: no zip bomb, macro workbook or endless sheet
//! gets past the door. Every library call on the bytes runs [`contained`]: whatever a damaged
//! file makes a library do, the answer is an error for that file.

use std::io::{Cursor, Read};

use calamine::{Data, Range, Reader, Xlsx};
use pacesetter_domain::table::{Grid, Table};

use crate::contain::contained;

/// Largest upload accepted for an import.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most entries an XLSX container may hold.
const MAX_ZIP_ENTRIES: usize = 500;
/// Most bytes the XLSX parts may expand to, all together.
const MAX_UNZIPPED_BYTES: u64 = 64 * 1024 * 1024;
/// Most rows a sheet may hold: a national task breakdown, with room for header rows.
const MAX_ROWS: usize = 100_100;
const MAX_COLUMNS: usize = 100;

/// Why a file cannot be read; each maps to a stable error code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("the file is larger than the import limit")]
    TooLarge,
    #[error("the file is neither CSV nor XLSX")]
    UnknownFormat,
    #[error("workbooks with macros are not accepted")]
    MacroWorkbook,
    #[error("the sheet is too large ({0})")]
    SheetTooLarge(&'static str),
    #[error("the file is damaged: {0}")]
    Damaged(String),
    /// The container opened but the reader failed inside the sheet (an error reading it, or a
    /// panic on it).
    #[error("the sheet inside the file is damaged ({0}); open it in a spreadsheet program and save it again")]
    SheetDamaged(String),
    #[error("the CSV file is not UTF-8 text (line {line})")]
    NotUtf8 { line: usize },
    #[error("the file holds no header row")]
    Empty,
}

impl ReadError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge => "file_too_large",
            Self::UnknownFormat => "unsupported_file_type",
            Self::MacroWorkbook => "macro_workbook",
            Self::SheetTooLarge(_) => "sheet_too_large",
            Self::Damaged(_) => "file_damaged",
            Self::SheetDamaged(_) => "sheet_damaged",
            Self::NotUtf8 { .. } => "not_utf8",
            Self::Empty => "file_empty",
        }
    }
}

/// [`read_grid`] in the shape the app layer takes, so it can read stored uploads again.
pub fn read_sheet(bytes: &[u8]) -> Result<Grid, pacesetter_domain::table::SheetError> {
    read_grid(bytes)
        .map_err(|error| pacesetter_domain::table::SheetError { code: error.code(), detail: error.to_string() })
}

/// Reads a CSV or XLSX file as a table: its header row and the data rows below.
pub fn read_table(bytes: &[u8]) -> Result<Table, ReadError> {
    Table::from_grid(read_grid(bytes)?).ok_or(ReadError::Empty)
}

/// Whether `bytes` open as a spreadsheet container: XLSX (a zip) or the legacy binary `.xls`.
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(XLSX_MAGIC) || bytes.starts_with(XLS_MAGIC)
}

const XLSX_MAGIC: &[u8] = b"PK\x03\x04";
const XLS_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];

/// Reads every non-empty row of a CSV or XLSX file, told apart by content (a zip container
/// is XLSX), not by name.
pub fn read_grid(bytes: &[u8]) -> Result<Grid, ReadError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    if bytes.starts_with(XLSX_MAGIC) {
        read_xlsx(bytes)
    } else if bytes.starts_with(XLS_MAGIC) {
        // The legacy binary .xls format, often with macros: ask for XLSX instead.
        Err(ReadError::UnknownFormat)
    } else if pacesetter_domain::evidence::sniff(bytes).is_some() {
        // A PDF or an image would otherwise be read as a CSV of one odd column.
        Err(ReadError::UnknownFormat)
    } else {
        read_csv(bytes)
    }
}

/// Reads `bytes` as CSV whatever they start with (the fuzz target of the CSV reader).
pub fn read_csv(bytes: &[u8]) -> Result<Grid, ReadError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(ReadError::UnknownFormat);
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut grid = Grid::default();
    let mut records = reader.byte_records();
    while let Some(record) = contained(|| records.next()).map_err(ReadError::SheetDamaged)? {
        let record = record.map_err(|e| ReadError::Damaged(e.to_string()))?;
        // Line numbers from the record's byte offset, counted as an editor shows them.
        let mut start = record.position().map(|p| p.byte() as usize).unwrap_or(0).min(bytes.len());
        // After a CRLF the reader may report the offset of the line break itself.
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        let line = bytes[..start].iter().filter(|&&b| b == b'\n').count() + 1;
        if record.len() > MAX_COLUMNS {
            return Err(ReadError::SheetTooLarge("columns"));
        }
        let mut cells = Vec::with_capacity(record.len());
        for field in record.iter() {
            let text = std::str::from_utf8(field).map_err(|_| ReadError::NotUtf8 { line })?;
            cells.push(text.trim().to_owned());
        }
        push_row(&mut grid, line, cells)?;
    }
    finish(grid)
}

fn push_row(grid: &mut Grid, line: usize, cells: Vec<String>) -> Result<(), ReadError> {
    if cells.iter().all(String::is_empty) {
        return Ok(());
    }
    if grid.rows.len() >= MAX_ROWS {
        return Err(ReadError::SheetTooLarge("rows"));
    }
    grid.rows.push((line, cells));
    Ok(())
}

fn finish(grid: Grid) -> Result<Grid, ReadError> {
    if grid.rows.is_empty() { Err(ReadError::Empty) } else { Ok(grid) }
}

/// Checks the container's directory before any part is inflated.
fn check_container(bytes: &[u8]) -> Result<(), ReadError> {
    contained(|| check_container_uncontained(bytes)).map_err(ReadError::SheetDamaged)?
}

fn check_container_uncontained(bytes: &[u8]) -> Result<(), ReadError> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Damaged(e.to_string()))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(ReadError::SheetTooLarge("entries"));
    }
    let mut declared: u64 = 0;
    for name in archive.file_names() {
        let lower = name.to_ascii_lowercase();
        if lower.contains("vbaproject") || lower.ends_with(".bin") {
            return Err(ReadError::MacroWorkbook);
        }
    }
    let mut archive = archive;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|e| ReadError::Damaged(e.to_string()))?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > MAX_UNZIPPED_BYTES {
        return Err(ReadError::SheetTooLarge("expanded size"));
    }
    // Declared sizes can lie: inflate each part through a counting reader with a hard cap.
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| ReadError::Damaged(e.to_string()))?;
        let mut limited = entry.take(MAX_UNZIPPED_BYTES + 1 - total.min(MAX_UNZIPPED_BYTES));
        let copied =
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|e| ReadError::Damaged(e.to_string()))?;
        total += copied;
        if total > MAX_UNZIPPED_BYTES {
            return Err(ReadError::SheetTooLarge("expanded size"));
        }
    }
    // A Word document or any other zip is not a spreadsheet (calamine would read no sheet).
    let workbook = |name: &str| name.replace('\\', "/").eq_ignore_ascii_case("xl/workbook.xml");
    if !archive.file_names().any(workbook) {
        return Err(ReadError::UnknownFormat);
    }
    Ok(())
}

/// The first sheet's cells and merged regions, as calamine reads them.
fn first_sheet(bytes: &[u8]) -> Result<(Range<Data>, Vec<calamine::Dimensions>), ReadError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Damaged(e.to_string()))?;
    let Some(first) = workbook.sheet_names().first().cloned() else {
        return Err(ReadError::Empty);
    };
    let range = workbook.worksheet_range(&first).map_err(|e| ReadError::SheetDamaged(e.to_string()))?;
    let merged = workbook.merge_cells_by_sheet_name(&first).map_err(|e| ReadError::SheetDamaged(e.to_string()))?;
    Ok((range, merged))
}

fn read_xlsx(bytes: &[u8]) -> Result<Grid, ReadError> {
    check_container(bytes)?;
    let (range, merged) = contained(|| first_sheet(bytes)).map_err(ReadError::SheetDamaged)??;
    let (rows, columns) = range.get_size();
    if rows > MAX_ROWS + 20 || columns > MAX_COLUMNS {
        return Err(ReadError::SheetTooLarge("dimension"));
    }
    let (start_row, start_column) = range.start().unwrap_or((0, 0));
    // Values only: a formula's cached result is read, the formula is never evaluated.
    let mut cells: Vec<Vec<String>> = range.rows().map(|row| row.iter().map(cell_text).collect()).collect();
    for region in &merged {
        fill_region(&mut cells, (start_row, start_column), region.start, region.end);
    }
    let mut grid = Grid::default();
    for (offset, row) in cells.into_iter().enumerate() {
        push_row(&mut grid, start_row as usize + offset + 1, row)?;
    }
    finish(grid)
}

/// Copies a merged region's value (its top-left cell) into every cell of the region; `origin`
/// is the sheet position of `cells[0][0]`. Regions outside the used range are ignored.
fn fill_region(cells: &mut [Vec<String>], origin: (u32, u32), start: (u32, u32), end: (u32, u32)) {
    let index = |(row, column): (u32, u32)| {
        Some(((row.checked_sub(origin.0)?) as usize, (column.checked_sub(origin.1)?) as usize))
    };
    let Some((top, left)) = index(start) else { return };
    let Some(value) = cells.get(top).and_then(|r| r.get(left)).cloned() else { return };
    let Some((bottom, right)) = index(end) else { return };
    for row in cells.iter_mut().take(bottom + 1).skip(top) {
        for cell in row.iter_mut().take(right + 1).skip(left) {
            cell.clone_from(&value);
        }
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => excel_date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    }
}

/// An Excel date serial (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    match epoch.checked_add(time::Duration::days(serial.floor() as i64)) {
        Some(date) => format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_dates() {
        assert_eq!(excel_date(45018.0), "2023-04-02");
    }

    #[test]
    fn reads_csv_with_bom_and_crlf() {
        let table = read_table("\u{feff}编码,名称\r\n540100,拉萨市\n\n540200,\"日喀则市\"\r\n".as_bytes()).unwrap();
        assert_eq!(table.headers, vec!["编码", "名称"]);
        assert_eq!(
            table.rows,
            vec![(2, vec!["540100".into(), "拉萨市".into()]), (4, vec!["540200".into(), "日喀则市".into()])]
        );
    }

    #[test]
    fn refuses_bad_csv() {
        assert_eq!(read_table(b"a,b\n\xff\xfe,1\n").unwrap_err(), ReadError::NotUtf8 { line: 2 });
        assert_eq!(read_table(b"").unwrap_err(), ReadError::Empty);
        assert_eq!(read_table(b"a\0b").unwrap_err(), ReadError::UnknownFormat);
    }

    #[test]
    fn refuses_damaged_zip() {
        assert!(matches!(read_table(b"PK\x03\x04garbage").unwrap_err(), ReadError::Damaged(_)));
    }
}

#[cfg(test)]
mod xlsx_tests {
    use std::io::Write;

    use rust_xlsxwriter::{Format, Workbook};

    use super::*;

    /// The office's kind of sheet: a title row merged across, then headers, Chinese text,
    /// numbers that are codes, and a date.
    fn office_sheet() -> Vec<u8> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.merge_range(0, 0, 0, 3, "2023年单位名单", &Format::new()).unwrap();
        for (col, header) in ["编码", "名称", "类型", "上级编码"].iter().enumerate() {
            sheet.write_string(1, col as u16, *header).unwrap();
        }
        sheet.write_number(2, 0, 540100.0).unwrap();
        sheet.write_string(2, 1, "拉萨市").unwrap();
        sheet.write_string(2, 2, "地市").unwrap();
        sheet.write_number(2, 3, 540000.0).unwrap();
        sheet.write_formula(3, 0, "=1+1").unwrap();
        sheet.write_string(3, 1, "=HYPERLINK(\"x\")").unwrap();
        workbook.save_to_buffer().unwrap()
    }

    #[test]
    fn reads_an_xlsx_with_a_merged_title_row() {
        let table = read_table(&office_sheet()).unwrap();
        assert_eq!(table.headers, vec!["编码", "名称", "类型", "上级编码"], "the merged title row is skipped");
        assert_eq!(table.rows[0], (3, vec!["540100".into(), "拉萨市".into(), "地市".into(), "540000".into()]));
        // A formula is never evaluated: its cached result is read (the writer stored 0; the
        // formula would give 2).
        assert_eq!(table.rows[1].1[0], "0");
        assert_eq!(table.rows[1].1[1], "=HYPERLINK(\"x\")");
    }

    #[test]
    fn merged_cells_fill_their_region() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.merge_range(0, 0, 0, 2, "任务分解表", &Format::new()).unwrap();
        sheet.merge_range(1, 0, 2, 0, "重点任务", &Format::new()).unwrap();
        sheet.merge_range(1, 1, 1, 2, "责任分工", &Format::new()).unwrap();
        sheet.write_string(2, 1, "牵头单位").unwrap();
        sheet.write_string(2, 2, "责任单位").unwrap();
        sheet.merge_range(3, 0, 4, 0, "办好论坛", &Format::new()).unwrap();
        sheet.write_string(3, 1, "宣传部").unwrap();
        sheet.write_string(4, 1, "文化厅").unwrap();
        let grid = read_grid(&workbook.save_to_buffer().unwrap()).unwrap();
        let texts: Vec<Vec<&str>> =
            grid.rows.iter().map(|(_, cells)| cells.iter().map(String::as_str).collect()).collect();
        assert_eq!(
            texts,
            vec![
                vec!["任务分解表", "任务分解表", "任务分解表"],
                vec!["重点任务", "责任分工", "责任分工"],
                vec!["重点任务", "牵头单位", "责任单位"],
                vec!["办好论坛", "宣传部", ""],
                vec!["办好论坛", "文化厅", ""],
            ]
        );
        assert_eq!(grid.rows[4].0, 5, "line numbers as the spreadsheet shows them");
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            for (name, data) in entries {
                writer.start_file(*name, options).unwrap();
                writer.write_all(data).unwrap();
            }
            writer.finish().unwrap();
        }
        out
    }

    #[test]
    fn refuses_a_zip_bomb_before_inflating_it() {
        let huge = vec![b'0'; 80 * 1024 * 1024];
        let bomb = zip_of(&[("xl/worksheets/sheet1.xml", &huge)]);
        assert!(bomb.len() < 1024 * 1024, "the bomb is small: {}", bomb.len());
        assert_eq!(read_table(&bomb).unwrap_err(), ReadError::SheetTooLarge("expanded size"));
    }

    #[test]
    fn refuses_macros_and_too_many_entries() {
        let macro_book = zip_of(&[("xl/workbook.xml", b"<workbook/>"), ("xl/vbaProject.bin", b"\0")]);
        assert_eq!(read_table(&macro_book).unwrap_err(), ReadError::MacroWorkbook);
        let names: Vec<String> = (0..600).map(|i| format!("x/{i}.xml")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"<a/>"[..])).collect();
        assert_eq!(read_table(&zip_of(&entries)).unwrap_err(), ReadError::SheetTooLarge("entries"));
    }
}
