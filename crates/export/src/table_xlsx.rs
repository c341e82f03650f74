//! A titled table as a one-sheet workbook as offices expect it: a bold title merged across the
//! table, a header row, then the cells, the header frozen. Text is written as a string (so
//! nothing a user typed can become a formula); numbers as numbers, percents and dates with
//! their formats, so that they sort, sum and read as such.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// One column: its heading and width in characters.
pub struct Column<'a> {
    pub heading: &'a str,
    pub width: f64,
}

/// A cell of the table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A share written as a number with a percent format: 0.82 shows as 82%.
    Percent(f64),
    Date(time::Date),
}

/// A table of text only.
pub fn write(
    title: &str,
    sheet_name: &str,
    columns: &[Column<'_>],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, XlsxError> {
    let cells: Vec<Vec<Cell>> = rows.iter().map(|row| row.iter().cloned().map(Cell::Text).collect()).collect();
    write_cells(title, sheet_name, columns, &cells)
}

pub fn write_cells(
    title: &str,
    sheet_name: &str,
    columns: &[Column<'_>],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(title));
    let header = Format::new().set_bold().set_background_color(0xEEF2F7).set_border(FormatBorder::Thin).set_text_wrap();
    let top = Format::new().set_align(FormatAlign::Top).set_text_wrap();
    let percent = Format::new().set_align(FormatAlign::Top).set_num_format("0%");
    let day = Format::new().set_align(FormatAlign::Top).set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let title_format = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center);
    match columns.len() {
        0 | 1 => sheet.write_string_with_format(0, 0, title, &title_format).map(|_| ())?,
        n => sheet.merge_range(0, 0, 0, (n - 1) as u16, title, &title_format).map(|_| ())?,
    }
    sheet.set_row_height(0, 24)?;
    for (col, column) in columns.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, column.heading, &header)?;
        sheet.set_column_width(col as u16, column.width)?;
    }
    for (i, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            let (line, col) = (3 + i as u32, col as u16);
            match cell {
                Cell::Text(text) => sheet.write_string_with_format(line, col, text, &top)?,
                Cell::Number(value) => sheet.write_number_with_format(line, col, *value, &top)?,
                Cell::Percent(value) => sheet.write_number_with_format(line, col, *value, &percent)?,
                Cell::Date(date) => sheet.write_datetime_with_format(line, col, &excel_date(*date)?, &day)?,
            };
        }
    }
    sheet.set_freeze_panes(3, 0)?;
    workbook.save_to_buffer()
}

/// A day as Excel stores it.
pub(crate) fn excel_date(date: time::Date) -> Result<rust_xlsxwriter::ExcelDateTime, XlsxError> {
    rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(date.year()).unwrap_or(1900),
        u8::from(date.month()),
        date.day(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_typed_by_a_user_stays_text() {
        let columns = [Column { heading: "问题", width: 20.0 }];
        let bytes = write("问题台账", "台账", &columns, &[vec!["=1+1".to_owned()]]).unwrap();
        let grid = crate::read_sheet(&bytes).unwrap();
        let cell = |line: usize| grid.rows.iter().find(|(n, _)| *n == line).map(|(_, cells)| cells[0].clone());
        assert_eq!(cell(3).as_deref(), Some("问题"), "the header on the third line");
        assert_eq!(cell(4).as_deref(), Some("=1+1"));
    }

    #[test]
    fn a_number_is_written_as_a_number() {
        let columns = [Column { heading: "得分", width: 10.0 }];
        let bytes = write_cells("成绩", "成绩", &columns, &[vec![Cell::Number(91.5)]]).unwrap();
        let book = String::from_utf8_lossy(&unzipped_sheet(&bytes)).into_owned();
        assert!(book.contains("<v>91.5</v>"), "a numeric cell: {book}");
    }

    #[test]
    fn percents_and_dates_keep_their_formats_and_the_title_spans_the_table() {
        let columns = [Column { heading: "进度", width: 10.0 }, Column { heading: "完成时限", width: 12.0 }];
        let row = vec![Cell::Percent(0.82), Cell::Date(time::macros::date!(2023 - 06 - 15))];
        let bytes = write_cells("任务清单", "任务", &columns, &[row]).unwrap();
        let sheet = String::from_utf8_lossy(&unzipped_sheet(&bytes)).into_owned();
        assert!(sheet.contains("<v>0.82</v>") && sheet.contains("<v>45092</v>"), "{sheet}");
        assert!(sheet.contains("<mergeCell ref=\"A1:B1\"/>"), "{sheet}");
        let grid = crate::read_sheet(&bytes).unwrap();
        assert_eq!(grid.rows.iter().find(|(n, _)| *n == 4).unwrap().1[1], "2023-06-15", "read back as the day");
    }

    fn unzipped_sheet(bytes: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut sheet = Vec::new();
        zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_end(&mut sheet).unwrap();
        sheet
    }
}
