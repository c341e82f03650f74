//! The bulletin (通报) of a published evaluation run, in the campaign's language: an XLSX of the
//! results by category, and the typst document (template and data) that the PDF is made from.

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use serde::Serialize;

/// The typst template; it reads everything from `/bulletin.json` (see [`Bulletin::json`]).
pub const TEMPLATE: &str = include_str!("bulletin.typ");

/// The column headers of the results table, in order.
pub const COLUMNS: [&str; 7] = ["名次", "单位", "基础分", "加分", "扣分", "最终得分", "等次"];

/// One unit's line, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Empty when a veto keeps the unit out of the ranking.
    pub rank: String,
    pub unit: String,
    /// The unit's Tibetan name, when it has one.
    pub unit_bo: Option<String>,
    pub base: String,
    pub bonus: String,
    pub deductions: String,
    pub final_score: String,
    pub grade: String,
    /// Why the grade is not the plain one (一票否决, quota), or empty.
    pub note: String,
    /// A veto applies: its bar is grey.
    pub vetoed: bool,
    /// The final score as a share of the category's best, for the bar (0–1).
    pub ratio: f64,
}

/// The units of one category, ranked.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub name: String,
    pub chart_title: String,
    pub rows: Vec<Row>,
}

/// Everything the bulletin shows.
#[derive(Debug, Clone, Serialize)]
pub struct Bulletin {
    /// The campaign's name.
    pub title: String,
    pub title_bo: Option<String>,
    /// The scheme's name.
    pub scheme: String,
    /// 「…结果通报」
    pub heading: String,
    /// Version and publication date.
    pub subtitle: String,
    pub intro: Vec<String>,
    pub columns: [&'static str; 7],
    pub categories: Vec<Category>,
    /// The issuing office and the date, signed at the end.
    pub office: String,
    pub date: String,
    /// The red header (红头) of an official document, when the bulletin is issued as one.
    pub letterhead: Option<Letterhead>,
}

/// The red header of an official document (GB/T 9704): the issuing authority's mark, the
/// document number and, for a report to a higher office, who signed it; the date is then
/// written out in Chinese.
#[derive(Debug, Clone, Serialize)]
pub struct Letterhead {
    /// 发文机关标志: "西藏自治区民族团结进步模范区创建专项组办公室文件".
    pub issuer: String,
    /// 发文字号: "藏创办〔2023〕12号"; may be empty.
    pub number: String,
    /// 签发人, for a document to a higher office; empty for none.
    pub signer: String,
    /// The date as such documents write it: "2023年6月30日".
    pub date: String,
}

/// One unit's result, as the caller has it.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub category: String,
    pub rank: Option<u32>,
    pub unit: String,
    pub unit_bo: Option<String>,
    pub base: Decimal,
    pub bonus: Decimal,
    pub deductions: Decimal,
    pub final_score: Decimal,
    pub grade: String,
    pub vetoed: bool,
    pub quota_moved: bool,
}

/// What the bulletin is about.
#[derive(Debug, Clone)]
pub struct Header {
    pub campaign: String,
    pub campaign_bo: Option<String>,
    pub scheme: String,
    pub version: i64,
    /// `YYYY-MM-DD`
    pub published_on: String,
    pub office: String,
}

fn number(d: Decimal) -> String {
    d.normalize().to_string()
}

impl Bulletin {
    /// Groups `lines` (already in category and rank order) into the bulletin.
    pub fn new(header: Header, lines: Vec<UnitLine>) -> Self {
        let mut categories: Vec<Category> = Vec::new();
        let units = lines.len();
        for line in lines {
            if categories.last().is_none_or(|c| c.name != line.category) {
                categories.push(Category {
                    chart_title: format!("{}最终得分", line.category),
                    name: line.category.clone(),
                    rows: Vec::new(),
                });
            }
            let note = match (line.vetoed, line.quota_moved) {
                (true, _) => "一票否决",
                (false, true) => "受等次比例限制",
                _ => "",
            };
            let row = Row {
                rank: line.rank.map(|r| r.to_string()).unwrap_or_default(),
                unit: line.unit,
                unit_bo: line.unit_bo,
                base: number(line.base),
                bonus: number(line.bonus),
                deductions: number(line.deductions),
                final_score: line.final_score.to_string(),
                grade: line.grade,
                note: note.to_owned(),
                vetoed: line.vetoed,
                ratio: 0.0,
            };
            if let Some(category) = categories.last_mut() {
                category.rows.push(row);
            }
        }
        for category in &mut categories {
            let best = category.rows.iter().filter_map(|r| r.final_score.parse::<f64>().ok()).fold(0.0, f64::max);
            for row in &mut category.rows {
                let score = row.final_score.parse::<f64>().unwrap_or(0.0).max(0.0);
                row.ratio = if best > 0.0 { (score / best * 1000.0).round() / 1000.0 } else { 0.0 };
            }
        }
        let intro =
            vec![format!("根据{}，对{}个单位的创建工作进行了综合考评。现将考评结果通报如下。", header.scheme, units)];
        Self {
            heading: format!("{}结果通报", header.scheme),
            subtitle: format!("第{}版 · {}发布", header.version, header.published_on),
            title: header.campaign,
            title_bo: header.campaign_bo,
            scheme: header.scheme,
            intro,
            columns: COLUMNS,
            categories,
            office: header.office,
            date: header.published_on,
            letterhead: None,
        }
    }

    /// The data file the template reads.
    pub fn json(&self) -> Vec<u8> {
        // Plain strings, numbers and options: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The results as a workbook: one sheet per category, the columns of the printed table
    /// plus the Tibetan name; every text a string cell, so nothing can become a formula.
    pub fn xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(&self.heading));
        let header = Format::new()
            .set_bold()
            .set_background_color(0xEEF2F7)
            .set_border(rust_xlsxwriter::FormatBorder::Thin)
            .set_text_wrap();
        let top = Format::new().set_align(FormatAlign::Top).set_text_wrap();
        let title = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center);
        // A score is a number shown with exactly its decimals (97.38 as `0.00`), so that it
        // sorts and sums as one and reads as printed.
        let decimals: Vec<Format> = (0..=6)
            .map(|d| {
                let pattern = if d == 0 { "0".to_owned() } else { format!("0.{}", "0".repeat(d)) };
                Format::new().set_align(FormatAlign::Top).set_num_format(pattern)
            })
            .collect();
        let mut used: Vec<String> = Vec::new();
        for category in &self.categories {
            let sheet = workbook.add_worksheet();
            sheet.set_name(sheet_name(&category.name, &mut used))?;
            let mut headers: Vec<&str> = COLUMNS.to_vec();
            headers.insert(2, "藏文名称");
            headers.push("备注");
            let last = (headers.len() - 1) as u16;
            sheet.merge_range(0, 0, 0, last, &self.heading, &title)?;
            sheet.set_row_height(0, 24)?;
            sheet.merge_range(1, 0, 1, last, &format!("{} · {}", category.name, self.subtitle), &Format::new())?;
            for (col, (text, width)) in
                headers.iter().zip([6.0, 28.0, 28.0, 9.0, 9.0, 9.0, 10.0, 8.0, 16.0]).enumerate()
            {
                sheet.write_string_with_format(3, col as u16, *text, &header)?;
                sheet.set_column_width(col as u16, width)?;
            }
            for (i, r) in category.rows.iter().enumerate() {
                let row = 4 + i as u32;
                match r.rank.parse::<u32>() {
                    Ok(rank) => sheet.write_number_with_format(row, 0, f64::from(rank), &top)?,
                    Err(_) => sheet.write_string_with_format(row, 0, "", &top)?,
                };
                sheet.write_string_with_format(row, 1, &r.unit, &top)?;
                sheet.write_string_with_format(row, 2, r.unit_bo.as_deref().unwrap_or(""), &top)?;
                for (col, score) in [(3, &r.base), (4, &r.bonus), (5, &r.deductions), (6, &r.final_score)] {
                    let places = score.split_once('.').map_or(0, |(_, fraction)| fraction.len());
                    match (score.parse::<f64>(), decimals.get(places)) {
                        (Ok(value), Some(format)) => sheet.write_number_with_format(row, col, value, format)?,
                        _ => sheet.write_string_with_format(row, col, score, &top)?,
                    };
                }
                for (col, text) in [(7, &r.grade), (8, &r.note)] {
                    sheet.write_string_with_format(row, col, text, &top)?;
                }
            }
            sheet.set_freeze_panes(4, 0)?;
        }
        if self.categories.is_empty() {
            workbook.add_worksheet().write_string(0, 0, &self.heading)?;
        }
        workbook.save_to_buffer()
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
    let base = if clean.trim().is_empty() { "结果".to_owned() } else { clean };
    let mut candidate = base.clone();
    let mut n = 2;
    while used.contains(&candidate) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(category: &str, rank: Option<u32>, unit: &str, score: i64) -> UnitLine {
        UnitLine {
            category: category.into(),
            rank,
            unit: unit.into(),
            unit_bo: (unit == "拉萨市").then(|| "ལྷ་ས་གྲོང་ཁྱེར".to_owned()),
            base: Decimal::new(score * 10, 1),
            bonus: Decimal::new(15, 1),
            deductions: Decimal::ZERO,
            final_score: Decimal::new(score * 10 + 15, 1),
            grade: "优秀".into(),
            vetoed: rank.is_none(),
            quota_moved: false,
        }
    }

    fn sample() -> Bulletin {
        let header = Header {
            campaign: "2023年民族团结进步模范区创建工作计划".into(),
            campaign_bo: None,
            scheme: "年度综合考评".into(),
            version: 1,
            published_on: "2023-12-20".into(),
            office: "专项组办公室".into(),
        };
        Bulletin::new(
            header,
            vec![
                line("地市", Some(1), "拉萨市", 92),
                line("地市", None, "=1+1", 40),
                line("牵头部门", Some(1), "自治区教育厅", 88),
            ],
        )
    }

    #[test]
    fn lines_are_grouped_by_category_with_bars_relative_to_the_best() {
        let b = sample();
        assert_eq!(b.categories.len(), 2);
        assert_eq!(b.categories[0].rows[0].final_score, "93.5");
        assert_eq!(b.categories[0].rows[0].ratio, 1.0);
        assert_eq!(b.categories[0].rows[1].note, "一票否决");
        assert_eq!(b.categories[0].rows[1].rank, "");
        let json: serde_json::Value = serde_json::from_slice(&b.json()).unwrap();
        assert_eq!(json["categories"][0]["rows"][0]["unit_bo"], "ལྷ་ས་གྲོང་ཁྱེར");
    }

    #[test]
    fn the_workbook_has_a_sheet_per_category_numbers_as_numbers_and_no_formulas() {
        let bytes = sample().xlsx().unwrap();
        let grid = crate::read_sheet(&bytes).unwrap();
        let text: String =
            grid.rows.iter().flat_map(|(_, cells)| cells.iter().map(String::as_str)).collect::<Vec<_>>().join("|");
        assert!(text.contains("拉萨市") && text.contains("ལྷ་ས་གྲོང་ཁྱེར") && text.contains("93.5"));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        assert!(archive.by_name("xl/worksheets/sheet2.xml").is_ok(), "one sheet per category");
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut xml).unwrap();
        assert!(!xml.contains("<f>"));
        assert!(xml.contains("<mergeCell ref=\"A1:I1\"/>"), "the title across the table: {xml}");
        assert!(xml.contains("<v>93.5</v></c>"), "a score is a number cell, not text: {xml}");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = Vec::new();
        assert_eq!(sheet_name("a/b", &mut used), "ab");
        assert_eq!(sheet_name("ab", &mut used), "ab2");
        assert_eq!(sheet_name("", &mut used), "结果");
    }
}
