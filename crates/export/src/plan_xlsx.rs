//! The office's task-breakdown table as XLSX: one sheet of key tasks in the layout offices use
//! (序号, 重点任务, 藏文名称, 具体措施, 牵头单位, 责任单位, 完成时限) with progress and light, and one sheet of
//! each unit's assignment. Every text is written as a string cell, so nothing can become a
//! formula.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

/// A key task as the first sheet lists it.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub pillar: String,
    pub code: String,
    pub title: String,
    /// The title in Tibetan, if given (the 藏文名称 column the import reads back).
    pub title_bo: String,
    pub measures: String,
    pub lead: String,
    pub co_units: String,
    pub due_on: String,
    /// Rolled-up progress in percent, if anything was reported.
    pub percent: Option<f64>,
    pub light: String,
}

/// One unit's assignment, for the second sheet.
#[derive(Debug, Clone)]
pub struct AssignmentRow {
    pub task: String,
    pub unit: String,
    pub state: String,
    pub percent: u8,
    pub light: String,
    pub due_on: String,
    /// The latest indicator values: "举办场次 2/4 场；参会人数 426/600 人".
    pub indicators: String,
}

/// Column headers, in the campaign's language.
#[derive(Debug, Clone)]
pub struct Headers {
    pub tasks_sheet: String,
    pub assignments_sheet: String,
    pub tasks: [String; 11],
    pub assignments: [String; 7],
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(0xEEF2F7)
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_text_wrap()
}

fn write_headers(sheet: &mut Worksheet, headers: &[String], widths: &[f64]) -> Result<(), XlsxError> {
    let format = header_format();
    for (col, (header, width)) in headers.iter().zip(widths).enumerate() {
        sheet.write_string_with_format(0, col as u16, header, &format)?;
        sheet.set_column_width(col as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A deadline written `2023-06-30` as a date cell, so that it sorts and filters as a date;
/// anything else (none, "长期") as the text it is.
fn write_day(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    day: &Format,
    otherwise: &Format,
) -> Result<(), XlsxError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(text, &format) {
        Ok(date) => {
            sheet.write_datetime_with_format(row, col, &crate::table_xlsx::excel_date(date)?, day)?;
        }
        Err(_) => {
            sheet.write_string_with_format(row, col, text, otherwise)?;
        }
    }
    Ok(())
}

/// Writes the workbook.
pub fn write(
    title: &str,
    headers: &Headers,
    tasks: &[TaskRow],
    assignments: &[AssignmentRow],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(title));
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let percent = Format::new().set_num_format("0.0").set_align(FormatAlign::Top);
    let day = Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Top);
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&headers.tasks_sheet)?;
        write_headers(sheet, &headers.tasks, &[6.0, 16.0, 10.0, 36.0, 30.0, 36.0, 18.0, 24.0, 12.0, 10.0, 8.0])?;
        for (i, task) in tasks.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_number_with_format(row, 0, (i + 1) as f64, &wrap)?;
            for (col, text) in [
                (1, &task.pillar),
                (2, &task.code),
                (3, &task.title),
                (4, &task.title_bo),
                (5, &task.measures),
                (6, &task.lead),
                (7, &task.co_units),
            ] {
                sheet.write_string_with_format(row, col, text, &wrap)?;
            }
            write_day(sheet, row, 8, &task.due_on, &day, &wrap)?;
            match task.percent {
                Some(value) => sheet.write_number_with_format(row, 9, value, &percent)?,
                None => sheet.write_string_with_format(row, 9, "", &wrap)?,
            };
            sheet.write_string_with_format(row, 10, &task.light, &wrap)?;
        }
    }
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&headers.assignments_sheet)?;
        write_headers(sheet, &headers.assignments, &[40.0, 20.0, 10.0, 8.0, 8.0, 12.0, 36.0])?;
        for (i, a) in assignments.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, &a.task)?;
            sheet.write_string(row, 1, &a.unit)?;
            sheet.write_string(row, 2, &a.state)?;
            sheet.write_number(row, 3, f64::from(a.percent))?;
            sheet.write_string(row, 4, &a.light)?;
            write_day(sheet, row, 5, &a.due_on, &day, &Format::new())?;
            sheet.write_string(row, 6, &a.indicators)?;
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers() -> Headers {
        let s = |t: &str| t.to_owned();
        Headers {
            tasks_sheet: s("任务分解"),
            assignments_sheet: s("落实情况"),
            tasks: [
                s("序号"),
                s("工程/行动"),
                s("编号"),
                s("重点任务"),
                s("藏文名称"),
                s("具体措施"),
                s("牵头单位"),
                s("责任单位"),
                s("完成时限"),
                s("进度"),
                s("灯色"),
            ],
            assignments: [s("重点任务"), s("单位"), s("状态"), s("进度"), s("灯色"), s("完成时限"), s("指标")],
        }
    }

    #[test]
    fn the_workbook_reads_back_with_the_office_headers_and_no_formulas() {
        let task = TaskRow {
            pillar: "第二项工程".into(),
            code: "RW-01".into(),
            title: "=HYPERLINK(\"http://x\",\"点我\")".into(),
            title_bo: "ལྷ་ས".into(),
            measures: "+1+1".into(),
            lead: "自治区党委宣传部".into(),
            co_units: "拉萨市、日喀则市".into(),
            due_on: "2023-08-31".into(),
            percent: Some(45.5),
            light: "黄灯".into(),
        };
        let assignment = AssignmentRow {
            task: "x".into(),
            unit: "拉萨市".into(),
            state: "推进中".into(),
            percent: 40,
            light: "黄灯".into(),
            due_on: "2023-08-31".into(),
            indicators: "举办场次 2/4 场".into(),
        };
        let bytes = write("计划", &headers(), &[task], &[assignment]).unwrap();
        let table = crate::read_table(&bytes).unwrap();
        assert_eq!(table.headers[3], "重点任务");
        assert_eq!(table.rows[0].1[3], "=HYPERLINK(\"http://x\",\"点我\")", "kept as text, never a formula");
        assert_eq!(table.rows[0].1[4], "ལྷ་ས");
        assert_eq!(table.rows[0].1[9], "45.5");
        // The sheet's XML holds no formula element at all.
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut xml).unwrap();
        assert!(!xml.contains("<f>"));
    }
}
