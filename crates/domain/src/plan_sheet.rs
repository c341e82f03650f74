//! Reading an office's task-breakdown sheet (任务分解表): which column holds what, where the
//! header rows end, the deadlines offices write in words, and the lists of units in one cell.
//! Everything here is pure; the app layer matches names against the database.

use time::Date;

use crate::table::Grid;

mod deadline;
pub use deadline::{Deadline, parse_deadline};

/// What a column of a task-breakdown sheet can hold, in the order the mapping form lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetField {
    /// 序号: only read to tell task rows from heading rows.
    Seq,
    /// The plan item above the tasks (工程/行动).
    Parent,
    Code,
    Title,
    /// The task's title in Tibetan (藏文名称).
    TitleBo,
    Measures,
    Lead,
    Units,
    StartsOn,
    DueOn,
}

impl SheetField {
    pub const ALL: [Self; 10] = [
        Self::Seq,
        Self::Parent,
        Self::Code,
        Self::Title,
        Self::TitleBo,
        Self::Measures,
        Self::Lead,
        Self::Units,
        Self::StartsOn,
        Self::DueOn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seq => "seq",
            Self::Parent => "parent",
            Self::Code => "code",
            Self::Title => "title",
            Self::TitleBo => "title_bo",
            Self::Measures => "measures",
            Self::Lead => "lead",
            Self::Units => "units",
            Self::StartsOn => "starts_on",
            Self::DueOn => "due_on",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// Headers offices use for the column, and those of Pacesetter's own export in Chinese and
    /// English (compared without spaces or line breaks, ignoring case).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::Seq => &["序号", "No.", "seq"],
            Self::Parent => &["工程/行动", "工程", "行动", "所属工程", "重点工程", "板块", "类别", "parent"],
            Self::Code => &["编号", "任务编号", "编码", "Code"],
            Self::Title => &["重点任务", "工作任务", "主要任务", "任务名称", "任务", "Key task", "title"],
            Self::TitleBo => &["藏文名称", "藏文标题", "任务藏文名称", "Tibetan title", "title_bo"],
            Self::Measures => &["具体措施", "工作措施", "主要措施", "措施", "工作内容", "具体内容", "Measures"],
            Self::Lead => &["牵头单位", "牵头部门", "牵头", "Lead unit", "lead"],
            Self::Units => &["责任单位", "责任部门", "配合单位", "参与单位", "协办单位", "Co-units", "units"],
            Self::StartsOn => &["开始时间", "开始日期", "启动时间", "Start date", "starts_on"],
            Self::DueOn => &["完成时限", "完成时间", "时间节点", "截止时间", "时限", "Due", "Deadline", "due_on"],
        }
    }

    /// Whether a header cell names this field; `parent_level` is the campaign's own name for
    /// the level above tasks, which an exported sheet uses as its header.
    fn matches(self, header: &str, parent_level: &str) -> bool {
        let header = squeeze(header).to_lowercase();
        if header.is_empty() {
            return false;
        }
        self.synonyms().iter().any(|s| header == squeeze(s).to_lowercase())
            || (self == Self::Parent && header == squeeze(parent_level).to_lowercase())
    }

    /// Whether a header cell contains one of the field's Chinese names ("任务内容", "牵头部门
    /// （单位）"): a guess, shown as one in the preview.
    fn contained_in(self, header: &str) -> bool {
        let header = squeeze(header);
        !header.is_empty()
            && self
                .synonyms()
                .iter()
                .any(|s| s.chars().count() >= 2 && !s.is_ascii() && header.contains(squeeze(s).as_str()))
    }
}

/// A text without any whitespace, for comparing names and headers (headers break lines at
/// will: "完成\n时限"; a title may too).
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Which column holds each field: `None` where the sheet has no such column.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mapping(pub std::collections::BTreeMap<String, usize>);

impl Mapping {
    pub fn column(&self, field: SheetField) -> Option<usize> {
        self.0.get(field.as_str()).copied()
    }

    pub fn set(&mut self, field: SheetField, column: Option<usize>) {
        match column {
            Some(column) => self.0.insert(field.as_str().to_owned(), column),
            None => self.0.remove(field.as_str()),
        };
    }

    /// A mapping from `(field, column letter)` pairs as a form or a request sends them; an
    /// empty letter maps nothing. Refuses an unknown field, a bad letter, or a column given
    /// to two fields.
    pub fn from_letters<'a>(entries: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Self, crate::FieldError> {
        let error = |code| crate::FieldError { field: "mapping", code };
        let mut mapping = Self::default();
        for (field, letter) in entries {
            let field = SheetField::parse(field).ok_or(error("invalid_field"))?;
            let letter = letter.trim();
            if letter.is_empty() {
                continue;
            }
            let column = crate::table::column_index(letter).ok_or(error("invalid_column"))?;
            if mapping.0.values().any(|c| *c == column) {
                return Err(error("column_mapped_twice"));
            }
            mapping.set(field, Some(column));
        }
        Ok(mapping)
    }
}

/// The header rows of a sheet: where they are, each column's header text, and the mapping
/// the headers suggest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Index in the grid of the first data row.
    pub data_from: usize,
    /// Each column's header, the texts of several header rows joined ("责任分工 / 牵头单位").
    pub columns: Vec<String>,
    pub mapping: Mapping,
    /// Fields whose column was guessed from a header that only contains a known name
    /// ("任务内容" for the task), for the preview to say so.
    pub guessed: Vec<SheetField>,
}

/// Header rows are looked for among the first rows only.
const HEADER_SEARCH_ROWS: usize = 20;

/// Finds the header rows: the first row naming at least two known fields, and the rows right
/// below it that still name one (a grouped header such as 责任分工 over 牵头单位 and 责任单位).
pub fn find_header(grid: &Grid, parent_level: &str) -> Option<Header> {
    let known =
        |cells: &[String]| SheetField::ALL.iter().filter(|f| cells.iter().any(|c| f.matches(c, parent_level))).count();
    let first = grid.rows.iter().take(HEADER_SEARCH_ROWS).position(|(_, cells)| known(cells) >= 2)?;
    let mut last = first;
    while grid.rows.get(last + 1).is_some_and(|(_, cells)| known(cells) >= 1) && last + 1 - first < 4 {
        last += 1;
    }
    let header_rows = &grid.rows[first..=last];
    let width = header_rows.iter().map(|(_, cells)| cells.len()).max().unwrap_or(0);
    let mut columns = Vec::with_capacity(width);
    for column in 0..width {
        let mut parts: Vec<&str> = Vec::new();
        for (_, cells) in header_rows {
            let text = cells.get(column).map(|c| c.trim()).unwrap_or("");
            if !text.is_empty() && !parts.contains(&text) {
                parts.push(text);
            }
        }
        columns.push(parts.join(" / "));
    }
    // A text merged across columns in an upper header row groups the columns below it
    // (重点任务 over 工程名称 and 任务内容): it names none of them.
    let lowest = header_rows.len() - 1;
    let text_at = |row: usize, column: usize| -> &str {
        let (_, cells) = &header_rows[row];
        let text = cells.get(column).map(|c| c.trim()).unwrap_or("");
        let merged_across = |other: Option<usize>| {
            other.and_then(|o| cells.get(o)).is_some_and(|t| t.trim() == text)
                && header_rows[lowest]
                    .1
                    .get(column)
                    .is_some_and(|below| !below.trim().is_empty() && below.trim() != text)
        };
        if row < lowest && (merged_across(column.checked_sub(1)) || merged_across(Some(column + 1))) {
            ""
        } else {
            text
        }
    };
    let mut mapping = Mapping::default();
    let mut guessed = Vec::new();
    let mut taken = vec![false; width];
    for field in SheetField::ALL {
        // The lowest header row is the most specific: 牵头单位 under 责任分工.
        let found = (0..header_rows.len())
            .rev()
            .find_map(|row| (0..width).find(|&c| !taken[c] && field.matches(text_at(row, c), parent_level)));
        if let Some(column) = found {
            taken[column] = true;
            mapping.set(field, Some(column));
        }
    }
    // Then a header that contains a known name, the task's title first.
    for field in GUESS_ORDER {
        if mapping.column(field).is_some() {
            continue;
        }
        let found = (0..header_rows.len())
            .rev()
            .find_map(|row| (0..width).find(|&c| !taken[c] && field.contained_in(text_at(row, c))));
        if let Some(column) = found {
            taken[column] = true;
            mapping.set(field, Some(column));
            guessed.push(field);
        }
    }
    Some(Header { data_from: last + 1, columns, mapping, guessed })
}

/// The order in which fields take a column by a partial header match.
const GUESS_ORDER: [SheetField; 9] = [
    SheetField::Title,
    SheetField::Lead,
    SheetField::Units,
    SheetField::DueOn,
    SheetField::StartsOn,
    SheetField::Measures,
    SheetField::Parent,
    SheetField::Code,
    SheetField::Seq,
];

/// A heading row inside the data (一、文化润心工程): one text across the row (merged), or a
/// single text with nothing in the title column. Returns the heading without its ordinal. A row
/// with an empty title but other cells filled is not a heading: it continues the task above.
pub fn heading(cells: &[String], title_column: Option<usize>) -> Option<&str> {
    let texts: Vec<&str> = cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
    let first = *texts.first()?;
    let one_text = texts.len() > 1 && texts.iter().all(|t| *t == first);
    let no_title = title_column.and_then(|c| cells.get(c)).is_none_or(|t| t.trim().is_empty());
    (one_text || (no_title && texts.len() == 1)).then(|| strip_ordinal(first))
}

/// Words that open the lines below a table: who filled it in, how to reach them, notes, the
/// signature and its date.
const NOTE_OPENINGS: [&str; 16] = [
    "填表人",
    "填报人",
    "制表人",
    "制表",
    "审核人",
    "审核",
    "签发",
    "负责人",
    "联系人",
    "联系电话",
    "电话",
    "备注",
    "注：",
    "注:",
    "说明：",
    "填表日期",
];

/// A row below the table that is not a task: 填表人：… 联系电话：…, 备注：…, or a date alone
/// (the date of signing).
pub fn is_note(cells: &[String]) -> bool {
    let texts: Vec<String> = cells.iter().map(|c| squeeze(c)).filter(|c| !c.is_empty()).collect();
    let Some(first) = texts.first() else { return false };
    NOTE_OPENINGS.iter().any(|w| first.starts_with(w))
        || texts.iter().all(|t| t.contains('年') && t.contains('月') && t.contains('日') && day_of(t).is_some())
}

/// A full date written alone (`2023年3月1日`), as a signature's date is.
fn day_of(text: &str) -> Option<Date> {
    match parse_deadline(text, 2000)? {
        Deadline::On(date) => Some(date),
        Deadline::Open => None,
    }
}

/// Drops a leading ordinal: "一、", "（二）", "3.", "4．".
pub fn strip_ordinal(text: &str) -> &str {
    let trimmed = text.trim();
    let body = trimmed.trim_start_matches(['（', '(']);
    let digits = body.trim_start_matches(|c: char| c.is_ascii_digit() || "一二三四五六七八九十百".contains(c));
    if digits.len() == body.len() {
        return trimmed;
    }
    match digits.chars().next() {
        Some(mark @ ('、' | '.' | '．' | '）' | ')')) => digits[mark.len_utf8()..].trim_start(),
        _ => trimmed,
    }
}

/// One line of text from a cell: line breaks typed inside a cell disappear between Chinese
/// characters and become a space between words.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let joins_words = out.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
            && line.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if joins_words {
            out.push(' ');
        }
        out.push_str(line);
    }
    out.chars().filter(|c| !c.is_control()).collect()
}

/// The unit names in a cell: "自治区党委宣传部、自治区文化厅，拉萨市" → three names.
pub fn split_units(text: &str) -> Vec<&str> {
    text.split(['、', '，', ',', '；', ';', '/', '／', '\n', '\r', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect()
}

/// Words in a unit cell that stand for every unit of a kind.
pub fn every_unit_of(name: &str) -> Option<crate::UnitKind> {
    match squeeze(name).as_str() {
        "各地(市)" | "各地（市）" | "各地市" | "各地区" | "7地市" | "七地市" => {
            Some(crate::UnitKind::Prefecture)
        }
        "各县(区)" | "各县（区）" | "各县区" | "74县(区)" | "74县（区）" => {
            Some(crate::UnitKind::County)
        }
        _ => None,
    }
}

/// How alike a name written in a sheet is to a unit's name, from 0 to 1: shared character
/// pairs of the names as written, and of their distinctive parts without the region's prefix
/// (区教育厅 and 自治区教育厅 are both 教育厅); an abbreviation's characters found in order in
/// the full name count too (区发改委 in 自治区发展和改革委员会).
pub fn likeness(written: &str, name: &str) -> f64 {
    let (written, name) = (squeeze(written), squeeze(name));
    let (short, long) = (distinctive(&written), distinctive(&name));
    let mut best = pair_likeness(&written, &name).max(pair_likeness(short, long));
    let (short_len, long_len) = (short.chars().count(), long.chars().count());
    if short_len >= 2 && short_len < long_len && is_subsequence(short, long) {
        best = best.max(0.55 + 0.45 * short_len as f64 / long_len as f64);
    }
    best
}

/// A unit name without the region's prefix every other name shares.
fn distinctive(name: &str) -> &str {
    ["西藏自治区", "自治区", "区"].iter().find_map(|prefix| name.strip_prefix(prefix)).unwrap_or(name)
}

/// Whether every character of `short` appears in `long`, in order.
fn is_subsequence(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

/// Shared character pairs (Dice), so that 宣传部 finds 自治区党委宣传部 and 拉萨 finds 拉萨市.
fn pair_likeness(a: &str, b: &str) -> f64 {
    fn pairs(text: &str) -> Vec<(char, char)> {
        let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        if chars.len() == 1 {
            return vec![(chars[0], chars[0])];
        }
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    }
    let (left, mut right) = (pairs(a), pairs(b));
    if left.is_empty() || right.is_empty() {
        return 0.0;
    }
    let total = left.len() + right.len();
    let mut shared = 0;
    for pair in &left {
        if let Some(i) = right.iter().position(|p| p == pair) {
            right.swap_remove(i);
            shared += 1;
        }
    }
    let dice = 2.0 * shared as f64 / total as f64;
    let contained = if b.contains(a) || a.contains(b) { 0.5 } else { 0.0 };
    (dice + contained).min(1.0)
}

/// How alike a name must be to be suggested.
pub const SUGGEST_FROM: f64 = 0.4;

/// Up to three names from `candidates` most like `name`, best first.
pub fn suggestions<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> =
        candidates.map(|c| (likeness(name, c), c)).filter(|(score, _)| *score >= SUGGEST_FROM).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c.to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| (i + 1, cells.iter().map(|c| c.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn finds_a_two_row_header_under_a_title() {
        let sheet = grid(&[
            &["2023年任务分解表", "2023年任务分解表", "2023年任务分解表", "2023年任务分解表", "2023年任务分解表"],
            &["序号", "重点任务", "责任分工", "责任分工", "完成\n时限"],
            &["序号", "重点任务", "牵头单位", "责任单位", "完成\n时限"],
            &["1", "办好论坛", "宣传部", "各地（市）", "2023年8月底前"],
        ]);
        let header = find_header(&sheet, "工程/行动").unwrap();
        assert_eq!(header.data_from, 3);
        assert_eq!(header.columns[2], "责任分工 / 牵头单位");
        assert_eq!(header.mapping.column(SheetField::Seq), Some(0));
        assert_eq!(header.mapping.column(SheetField::Title), Some(1));
        assert_eq!(header.mapping.column(SheetField::Lead), Some(2));
        assert_eq!(header.mapping.column(SheetField::Units), Some(3));
        assert_eq!(header.mapping.column(SheetField::DueOn), Some(4));
        assert_eq!(header.mapping.column(SheetField::Measures), None);
    }

    #[test]
    fn the_campaign_level_name_is_a_header() {
        let sheet = grid(&[&["序号", "工程/行动", "重点任务"], &["1", "x", "y"]]);
        let header = find_header(&sheet, "工程/行动").unwrap();
        assert_eq!(header.mapping.column(SheetField::Parent), Some(1));
        assert!(find_header(&grid(&[&["a", "b"], &["c", "d"]]), "工程").is_none());
    }

    #[test]
    fn mappings_from_a_form() {
        let mapping = Mapping::from_letters([("title", "B"), ("lead", "d"), ("units", "")].into_iter()).unwrap();
        assert_eq!(mapping.column(SheetField::Title), Some(1));
        assert_eq!(mapping.column(SheetField::Lead), Some(3));
        assert_eq!(mapping.column(SheetField::Units), None);
        let code =
            |entries: &[(&'static str, &'static str)]| Mapping::from_letters(entries.iter().copied()).unwrap_err().code;
        assert_eq!(code(&[("title", "B"), ("lead", "B")]), "column_mapped_twice");
        assert_eq!(code(&[("colour", "B")]), "invalid_field");
        assert_eq!(code(&[("title", "B2")]), "invalid_column");
    }

    #[test]
    fn headings_inside_the_data() {
        let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(heading(&row(&["一、文化润心工程", "一、文化润心工程"]), Some(1)), Some("文化润心工程"));
        assert_eq!(heading(&row(&["（二）理论武装", "", ""]), Some(1)), Some("理论武装"));
        assert_eq!(heading(&row(&["1", "办好论坛"]), Some(1)), None);
        assert_eq!(heading(&row(&["", "", "组织培训", "宣传部"]), Some(1)), None, "a task's next measure");
    }

    #[test]
    fn ordinals_and_lines() {
        assert_eq!(strip_ordinal("一、文化润心工程"), "文化润心工程");
        assert_eq!(strip_ordinal("12．举办论坛"), "举办论坛");
        assert_eq!(strip_ordinal("十大行动"), "十大行动", "a number that is part of the name stays");
        assert_eq!(one_line("举办全区\n民族团结论坛"), "举办全区民族团结论坛");
        assert_eq!(one_line("Forum\nplanning"), "Forum planning");
    }

    #[test]
    fn unit_lists() {
        assert_eq!(
            split_units("自治区党委宣传部、自治区文化厅，拉萨市\n日喀则市"),
            ["自治区党委宣传部", "自治区文化厅", "拉萨市", "日喀则市"]
        );
        assert_eq!(every_unit_of("各地（市）"), Some(crate::UnitKind::Prefecture));
        assert_eq!(every_unit_of("拉萨市"), None);
    }

    #[test]
    fn notes_and_signatures_below_the_table() {
        let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(is_note(&row(&["填表人：张三", "", "联系电话：0891-1234567"])));
        assert!(is_note(&row(&["备注：各单位于每月25日前报送进展。", "备注：各单位于每月25日前报送进展。"])));
        assert!(is_note(&row(&["", "", "", "2023年3月1日"])));
        assert!(!is_note(&row(&["1", "举办论坛", "宣传部", "2023年3月1日"])));
        assert!(!is_note(&row(&["一、文化润心工程"])));
    }

    #[test]
    fn a_header_merged_over_two_columns_names_neither() {
        // 重点任务 merged over the pillar and the task columns; the task column's own header
        // only contains a known name: a guess, said to be one.
        let sheet = grid(&[
            &["序号", "重点任务", "重点任务", "牵头单位", "完成时限"],
            &["序号", "工程名称", "任务内容", "牵头单位", "完成时限"],
            &["1", "文化润心工程", "办好论坛", "宣传部", "2023年8月底前"],
        ]);
        let header = find_header(&sheet, "工程/行动").unwrap();
        assert_eq!(header.mapping.column(SheetField::Title), Some(2));
        assert_eq!(header.mapping.column(SheetField::Parent), Some(1));
        assert_eq!(header.guessed, [SheetField::Title, SheetField::Parent]);
    }

    #[test]
    fn suggestions_find_the_full_name() {
        let names = ["自治区党委宣传部", "自治区文化厅", "拉萨市", "日喀则市"];
        assert_eq!(suggestions("宣传部", names.into_iter())[0], "自治区党委宣传部");
        assert_eq!(suggestions("拉萨", names.into_iter())[0], "拉萨市");
        assert!(suggestions("财政局", names.into_iter()).is_empty());
    }

    #[test]
    fn suggestions_spell_out_abbreviations() {
        let names =
            ["自治区党委组织部", "自治区发展和改革委员会", "自治区民族事务委员会", "自治区党委宣传部", "自治区教育厅"];
        assert_eq!(suggestions("区发改委", names.into_iter())[0], "自治区发展和改革委员会");
        assert_eq!(suggestions("区民委", names.into_iter())[0], "自治区民族事务委员会");
        assert_eq!(suggestions("区教育厅", names.into_iter())[0], "自治区教育厅", "区 is 自治区");
        assert_eq!(suggestions("区党委组织部", names.into_iter())[0], "自治区党委组织部");
        assert!(likeness("区发改委", "自治区发展和改革委员会") > likeness("区发改委", "自治区民族事务委员会"));
        assert!(
            suggestions("区财政局", names.into_iter().chain(["西藏自治区"])).is_empty(),
            "the prefix alone is no likeness"
        );
    }
}
