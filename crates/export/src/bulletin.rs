//! The bulletin (通报) of a published evaluation run, in the campaign's language or languages: an
//! XLSX of the results by category, and the typst document (template and data) that the PDF is
//! made from. The fixed wording comes from the caller ([`Wording`], the interface's resource
//! files), one language or two; in two, each text in the first with the second under it.

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use serde::Serialize;

/// The typst template; it reads everything from `/bulletin.json` (see [`Bulletin::json`]).
pub const TEMPLATE: &str = include_str!("bulletin.typ");

pub use crate::said::Said;

/// The bulletin's fixed wording in one language, as the interface's resource files give it.
#[derive(Debug, Clone)]
pub struct Wording {
    /// `zh` or `bo`.
    pub lang: &'static str,
    /// "年度综合考评结果通报", the scheme's name in it.
    pub heading: String,
    /// Version and publication date.
    pub subtitle: String,
    /// The publication date as documents write it, signed at the end.
    pub date: String,
    /// The opening paragraph.
    pub intro: String,
    /// The results table's column headers: rank, unit, base, bonus, deductions, final, grade.
    pub columns: [String; 7],
    /// A category's chart title, `{category}` standing for its name.
    pub chart_title: String,
    /// Why a grade is not the plain one: a veto, the grade quota.
    pub vetoed: String,
    pub quota_moved: String,
}

/// The same text in each wording: once per language, a second language's left out where it is
/// the first's (a text not yet translated stands in as the Chinese).
fn said(wordings: &[Wording], text: impl Fn(&Wording) -> String) -> Vec<Said> {
    Said::once(wordings.iter().map(|w| Said { text: text(w), lang: w.lang }))
}

/// The texts of `said`, one after another, for places that hold one line (a workbook's cells).
fn joined(said: &[Said]) -> String {
    said.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" / ")
}

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
    /// Why the grade is not the plain one (一票否决, quota), in each language; empty for none.
    pub note: Vec<Said>,
    /// A veto applies: its bar is grey.
    pub vetoed: bool,
    /// The final score as a share of the category's best, for the bar (0–1).
    pub ratio: f64,
}

/// The units of one category, ranked.
#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub name: String,
    pub chart_title: Vec<Said>,
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
    pub heading: Vec<Said>,
    /// Version and publication date.
    pub subtitle: Vec<Said>,
    pub intro: Vec<Said>,
    /// Each column's header, in each language.
    pub columns: Vec<Vec<Said>>,
    pub categories: Vec<Category>,
    /// The issuing office and the date, in each language, signed at the end.
    pub office: String,
    pub date: Vec<Said>,
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
    pub office: String,
}

fn number(d: Decimal) -> String {
    d.normalize().to_string()
}

impl Bulletin {
    /// Groups `lines` (already in category and rank order) into the bulletin, worded in each of
    /// `wordings` (the first is the bulletin's main language).
    pub fn new(header: Header, lines: Vec<UnitLine>, wordings: &[Wording]) -> Self {
        let mut categories: Vec<Category> = Vec::new();
        for line in lines {
            if categories.last().is_none_or(|c| c.name != line.category) {
                categories.push(Category {
                    chart_title: said(wordings, |w| w.chart_title.replace("{category}", &line.category)),
                    name: line.category.clone(),
                    rows: Vec::new(),
                });
            }
            let note = match (line.vetoed, line.quota_moved) {
                (true, _) => said(wordings, |w| w.vetoed.clone()),
                (false, true) => said(wordings, |w| w.quota_moved.clone()),
                _ => Vec::new(),
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
                note,
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
        Self {
            heading: said(wordings, |w| w.heading.clone()),
            subtitle: said(wordings, |w| w.subtitle.clone()),
            intro: said(wordings, |w| w.intro.clone()),
            columns: (0..7).map(|i| said(wordings, |w| w.columns[i].clone())).collect(),
            title: header.campaign,
            title_bo: header.campaign_bo,
            scheme: header.scheme,
            categories,
            office: header.office,
            date: said(wordings, |w| w.date.clone()),
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
        let heading = joined(&self.heading);
        workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(&heading));
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
            let mut headers: Vec<String> = self.columns.iter().map(|c| joined(c)).collect();
            headers.insert(2, "藏文名称".to_owned());
            headers.push("备注".to_owned());
            let last = (headers.len() - 1) as u16;
            sheet.merge_range(0, 0, 0, last, &heading, &title)?;
            sheet.set_row_height(0, 24)?;
            sheet.merge_range(
                1,
                0,
                1,
                last,
                &format!("{} · {}", category.name, joined(&self.subtitle)),
                &Format::new(),
            )?;
            for (col, (text, width)) in
                headers.iter().zip([6.0, 28.0, 28.0, 9.0, 9.0, 9.0, 10.0, 8.0, 16.0]).enumerate()
            {
                sheet.write_string_with_format(3, col as u16, text, &header)?;
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
                sheet.write_string_with_format(row, 7, &r.grade, &top)?;
                sheet.write_string_with_format(row, 8, joined(&r.note), &top)?;
            }
            sheet.set_freeze_panes(4, 0)?;
        }
        if self.categories.is_empty() {
            workbook.add_worksheet().write_string(0, 0, &heading)?;
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

    /// The wording as the Chinese resource file gives it.
    fn chinese(header: &Header, units: usize) -> Wording {
        Wording {
            lang: "zh",
            heading: format!("{}结果通报", header.scheme),
            subtitle: format!("第{}版 · 2023年12月20日发布", header.version),
            date: "2023年12月20日".into(),
            intro: format!("根据{}，对{units}个单位的创建工作进行了综合考评。现将考评结果通报如下。", header.scheme),
            columns: ["名次", "单位", "基础分", "加分", "扣分", "最终得分", "等次"].map(String::from),
            chart_title: "{category}最终得分".into(),
            vetoed: "一票否决".into(),
            quota_moved: "受等次比例限制".into(),
        }
    }

    fn sample_header() -> Header {
        Header {
            campaign: "2023年民族团结进步模范区创建工作计划".into(),
            campaign_bo: None,
            scheme: "年度综合考评".into(),
            version: 1,
            office: "专项组办公室".into(),
        }
    }

    fn sample() -> Bulletin {
        let header = sample_header();
        let wording = chinese(&header, 3);
        Bulletin::new(
            header,
            vec![
                line("地市", Some(1), "拉萨市", 92),
                line("地市", None, "=1+1", 40),
                line("牵头部门", Some(1), "自治区教育厅", 88),
            ],
            &[wording],
        )
    }

    #[test]
    fn in_two_languages_each_text_is_given_in_both_unless_the_second_stands_in_as_the_first() {
        let header = sample_header();
        let mut tibetan = chinese(&header, 1);
        tibetan.lang = "bo";
        tibetan.heading = "གྲུབ་འབྲས་བསྒྲགས་གཏམ།".into();
        let b = Bulletin::new(header.clone(), vec![line("地市", None, "拉萨市", 90)], &[chinese(&header, 1), tibetan]);
        let langs = |said: &[Said]| said.iter().map(|s| s.lang).collect::<Vec<_>>();
        assert_eq!(langs(&b.heading), ["zh", "bo"]);
        assert_eq!(b.heading[1].text, "གྲུབ་འབྲས་བསྒྲགས་གཏམ།");
        assert_eq!(langs(&b.subtitle), ["zh"], "the same text once");
        assert_eq!(langs(&b.categories[0].rows[0].note), ["zh"]);
    }

    #[test]
    fn lines_are_grouped_by_category_with_bars_relative_to_the_best() {
        let b = sample();
        assert_eq!(b.categories.len(), 2);
        assert_eq!(b.categories[0].rows[0].final_score, "93.5");
        assert_eq!(b.categories[0].rows[0].ratio, 1.0);
        assert_eq!(b.categories[0].rows[1].note, [Said { text: "一票否决".into(), lang: "zh" }]);
        assert!(b.categories[0].rows[0].note.is_empty());
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
