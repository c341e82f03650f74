//! A scheme read from a sheet (XLSX or CSV) with Chinese headers, one row per indicator: code,
//! parent, name, points or weight, rubric and its parameters, methods, evidence, and the units
//! that self-assess it. Every bad cell is reported by row and column; the tree itself is then
//! checked by `Scheme::check`, which names the offending node.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::scheme::{Aggregation, Band, Combine, Level, Node, RankStyle, Rounding, Rubric, Scheme, TieBreaker};
use crate::{
    plan_sheet::split_units,
    table::{Table, column_letter},
};

/// The header names each column is recognised by (Chinese first, English too).
const CODE: &[&str] = &["指标编码", "编码", "编号", "code"];
const PARENT: &[&str] = &["上级编码", "上级指标", "上级", "parent"];
const NAME: &[&str] = &["指标名称", "指标", "名称", "name"];
const NAME_BO: &[&str] = &["藏文名称", "指标藏文名称", "Tibetan name", "name_bo"];
const POINTS: &[&str] = &["分值", "满分", "points"];
const WEIGHT: &[&str] = &["权重", "weight"];
const RUBRIC: &[&str] = &["评分方法", "评分方式", "评分规则", "rubric"];
const PARAMS: &[&str] = &["评分参数", "参数", "parameters"];
const METHODS: &[&str] = &["考核方式", "考评方式", "methods"];
const EVIDENCE: &[&str] = &["佐证要求", "佐证材料", "evidence"];
const SELF_UNITS: &[&str] = &["自评单位", "self_assess"];

/// A cell that could not be read: its row (as numbered in the file), column letter and header,
/// and a stable code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    pub row: usize,
    pub column: String,
    pub header: String,
    pub code: &'static str,
}

/// Who self-assesses a leaf, as the sheet says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelfAssess {
    /// Nobody: inspectors only (an empty cell).
    Nobody,
    /// Every unit the scheme ranks (全部).
    Everyone,
    /// The units named (by code or name).
    Units(Vec<String>),
}

/// What a sheet holds: the indicator tree and, per leaf, who self-assesses it.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetScheme {
    pub nodes: Vec<Node>,
    pub self_assess: Vec<(String, SelfAssess)>,
}

impl SheetScheme {
    /// The scheme with the usual settings: total = the top-level points (or 100 under weights),
    /// inspector scores override, 10% discrepancy flags, the evidence gate on, bonus cap 5,
    /// bands 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, 不合格; ties broken by base then deductions;
    /// 四舍五入 to 2 places. The office adjusts them afterwards like any scheme.
    pub fn scheme(&self) -> Scheme {
        let weights = self.nodes.iter().any(|n| n.weight.is_some());
        let total = if weights {
            Decimal::ONE_HUNDRED
        } else {
            self.nodes.iter().filter(|n| n.parent.is_none()).filter_map(|n| n.points).sum()
        };
        let band = |name: &str, min: i64| Band { name: name.into(), min: Decimal::from(min) };
        Scheme {
            total_points: total,
            aggregation: if weights { Aggregation::Weights } else { Aggregation::Points },
            nodes: self.nodes.clone(),
            combine: Combine::InspectorOverrides { self_when_uninspected: false },
            discrepancy_pct: Decimal::from(10),
            evidence_gate: true,
            bonus_cap: Decimal::from(5),
            deduction_cap: None,
            bands: vec![band("优秀", 90), band("良好", 80), band("合格", 60), band("不合格", 0)],
            quotas: Vec::new(),
            tie_overflow: false,
            tie_breakers: vec![TieBreaker::BaseDesc, TieBreaker::DeductionsAsc],
            rank_style: RankStyle::Competition,
            rounding: Rounding::HalfUp,
            precision: 2,
        }
    }
}

struct Columns {
    code: Option<usize>,
    parent: Option<usize>,
    name: Option<usize>,
    points: Option<usize>,
    weight: Option<usize>,
    rubric: Option<usize>,
    params: Option<usize>,
    methods: Option<usize>,
    evidence: Option<usize>,
    self_units: Option<usize>,
    name_bo: Option<usize>,
}

/// Reads the indicator rows. Fails with every bad cell, by row and column; a missing required
/// column is reported on the header row.
pub fn read(table: &Table) -> Result<SheetScheme, Vec<CellError>> {
    let c = Columns {
        code: table.column(CODE),
        parent: table.column(PARENT),
        name: table.column(NAME),
        points: table.column(POINTS),
        weight: table.column(WEIGHT),
        rubric: table.column(RUBRIC),
        params: table.column(PARAMS),
        methods: table.column(METHODS),
        evidence: table.column(EVIDENCE),
        self_units: table.column(SELF_UNITS),
        name_bo: table.column(NAME_BO),
    };
    let mut errors = Vec::new();
    let header = |column: Option<usize>| column.and_then(|i| table.headers.get(i)).cloned().unwrap_or_default();
    for (column, names) in [(c.code, CODE), (c.name, NAME), (c.rubric, RUBRIC)] {
        if column.is_none() {
            errors.push(CellError {
                row: 1,
                column: String::new(),
                header: names[0].to_owned(),
                code: "column_missing",
            });
        }
    }
    if c.points.is_none() && c.weight.is_none() {
        errors.push(CellError { row: 1, column: String::new(), header: POINTS[0].to_owned(), code: "column_missing" });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut nodes = Vec::new();
    let mut self_assess = Vec::new();
    for (line, row) in &table.rows {
        let cell = |column: Option<usize>| Table::cell(row, column).trim();
        let mut fail = |column: Option<usize>, code: &'static str| {
            errors.push(CellError {
                row: *line,
                column: column.map(column_letter).unwrap_or_default(),
                header: header(column),
                code,
            });
        };
        let code = cell(c.code);
        if code.is_empty() {
            fail(c.code, "required");
            continue;
        }
        let name = cell(c.name);
        if name.is_empty() {
            fail(c.name, "required");
        }
        let number = |column: Option<usize>| -> Result<Option<Decimal>, ()> {
            let text = cell(column);
            if text.is_empty() { Ok(None) } else { Decimal::from_str(text).map(Some).map_err(|_| ()) }
        };
        let points = number(c.points).unwrap_or_else(|()| {
            fail(c.points, "not_a_number");
            None
        });
        let weight = number(c.weight).unwrap_or_else(|()| {
            fail(c.weight, "not_a_number");
            None
        });
        let rubric_text = cell(c.rubric);
        let rubric = if rubric_text.is_empty() {
            None
        } else {
            match parse_rubric(rubric_text, cell(c.params)) {
                Ok(rubric) => Some(rubric),
                Err(RubricError::Kind) => {
                    fail(c.rubric, "unknown_rubric");
                    None
                }
                Err(RubricError::Params) => {
                    fail(c.params, "invalid_rubric_parameters");
                    None
                }
            }
        };
        let parent = Some(cell(c.parent)).filter(|p| !p.is_empty()).map(str::to_owned);
        let methods = split_list(cell(c.methods));
        let evidence = Some(cell(c.evidence)).filter(|e| !e.is_empty()).map(str::to_owned);
        if rubric.is_some() {
            let units = cell(c.self_units);
            let who = match units {
                "" => SelfAssess::Nobody,
                "全部" | "所有单位" | "all" => SelfAssess::Everyone,
                named => SelfAssess::Units(split_units(named).into_iter().map(str::to_owned).collect()),
            };
            self_assess.push((code.to_owned(), who));
        }
        nodes.push(Node {
            code: code.to_owned(),
            parent,
            name: name.to_owned(),
            name_bo: Some(cell(c.name_bo)).filter(|n| !n.is_empty()).map(str::to_owned),
            points,
            weight,
            rubric,
            methods,
            evidence,
        });
    }
    if table.rows.is_empty() {
        errors.push(CellError { row: 2, column: String::new(), header: String::new(), code: "no_rows" });
    }
    if errors.is_empty() { Ok(SheetScheme { nodes, self_assess }) } else { Err(errors) }
}

enum RubricError {
    Kind,
    Params,
}

fn split_list(text: &str) -> Vec<String> {
    text.split(['、', '，', ',', '；', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// `key=value` pairs or bare values, separated by `;`, `；`, `,` or `，`.
fn parts(params: &str) -> Vec<(Option<&str>, &str)> {
    params
        .split([';', '；', ',', '，', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once(['=', '＝', ':', '：']) {
            Some((k, v)) => (Some(k.trim()), v.trim()),
            None => (None, p),
        })
        .collect()
}

fn decimal(text: &str) -> Result<Decimal, RubricError> {
    Decimal::from_str(text.trim_end_matches('%')).map_err(|_| RubricError::Params)
}

/// Two numbers, by name (`floor=0.6;target=1`) or in order (`0.6;1`).
fn pair(params: &str, first: &[&str], second: &[&str]) -> Result<(Decimal, Decimal), RubricError> {
    let parts = parts(params);
    let find = |names: &[&str], index: usize| -> Result<Decimal, RubricError> {
        match parts.iter().find(|(k, _)| k.is_some_and(|k| names.contains(&k))) {
            Some((_, v)) => decimal(v),
            None => parts.get(index).filter(|(k, _)| k.is_none()).map_or(Err(RubricError::Params), |(_, v)| decimal(v)),
        }
    };
    Ok((find(first, 0)?, find(second, 1)?))
}

/// The rubric named in a cell (Chinese or the scheme's own kind) with its parameters:
/// levels `A=1;B=0.8;C=0.6;D=0` (a level's evidence count after `/`: `A=1/2`); checklist item
/// points `2;2;2;2`; ratio `floor=0.6;target=1`; efficacy `low=50;high=90`; deduction per
/// occurrence `0.5`; task completion plan item ids `12;15`; binary and survey none.
fn parse_rubric(kind: &str, params: &str) -> Result<Rubric, RubricError> {
    let kind = kind.trim().to_lowercase();
    match kind.as_str() {
        "等级" | "分档" | "levels" => {
            let mut levels = Vec::new();
            for (name, value) in parts(params) {
                let name = name.ok_or(RubricError::Params)?;
                let (fraction, evidence) = match value.split_once('/') {
                    Some((f, e)) => (decimal(f)?, e.trim().parse::<u32>().map_err(|_| RubricError::Params)?),
                    None => (decimal(value)?, 0),
                };
                levels.push(Level { name: name.to_owned(), fraction, min_evidence: evidence });
            }
            if levels.is_empty() { Err(RubricError::Params) } else { Ok(Rubric::Levels { levels }) }
        }
        "清单" | "逐项" | "checklist" => {
            let items = parts(params).into_iter().map(|(_, v)| decimal(v)).collect::<Result<Vec<_>, _>>()?;
            if items.is_empty() { Err(RubricError::Params) } else { Ok(Rubric::Checklist { items }) }
        }
        "比率" | "达标率" | "ratio" => {
            let (floor, target) = pair(params, &["floor", "下限", "起点"], &["target", "目标"])?;
            Ok(Rubric::Ratio { floor, target })
        }
        "功效系数" | "功效系数法" | "efficacy" => {
            let (x_low, x_high) =
                pair(params, &["low", "x_low", "不允许值", "下限"], &["high", "x_high", "满意值", "上限"])?;
            Ok(Rubric::Efficacy { x_low, x_high })
        }
        "扣分" | "扣完为止" | "deduct_from_max" => {
            let parts = parts(params);
            let [(_, per)] = parts.as_slice() else { return Err(RubricError::Params) };
            Ok(Rubric::DeductFromMax { per_occurrence: decimal(per)? })
        }
        "是否" | "达标" | "binary" => Ok(Rubric::Binary),
        "满意度" | "问卷" | "survey" => Ok(Rubric::Survey),
        "任务完成率" | "任务完成" | "task_completion" => {
            let plan_items = parts(params)
                .into_iter()
                .map(|(_, v)| v.parse::<i64>().map_err(|_| RubricError::Params))
                .collect::<Result<Vec<_>, _>>()?;
            if plan_items.is_empty() { Err(RubricError::Params) } else { Ok(Rubric::TaskCompletion { plan_items }) }
        }
        _ => Err(RubricError::Kind),
    }
}

/// A scorer's answer typed in a cell, read by the leaf's rubric: a level's name; checklist
/// item numbers from 1 (`1;2;4`); a number or percentage; occurrences; 是/否.
pub fn answer_from_text(rubric: &Rubric, text: &str) -> Option<super::Answer> {
    use super::Answer;
    let text = text.trim();
    let value = || -> Option<Decimal> {
        match text.strip_suffix('%') {
            Some(percent) => Decimal::from_str(percent.trim()).ok().map(|d| d / Decimal::ONE_HUNDRED),
            None => Decimal::from_str(text).ok(),
        }
    };
    match rubric {
        Rubric::Levels { .. } => (!text.is_empty()).then(|| Answer::Level(text.to_owned())),
        Rubric::Checklist { items } => {
            if text == "全部" {
                return Some(Answer::Checked((0..items.len()).collect()));
            }
            let numbers =
                parts(text).into_iter().map(|(_, v)| v.parse::<usize>().ok().filter(|n| *n >= 1).map(|n| n - 1));
            numbers.collect::<Option<Vec<_>>>().map(Answer::Checked)
        }
        Rubric::Ratio { .. } | Rubric::Efficacy { .. } | Rubric::Survey | Rubric::TaskCompletion { .. } => {
            value().map(Answer::Value)
        }
        Rubric::DeductFromMax { .. } => text.parse::<u32>().ok().map(Answer::Occurrences),
        Rubric::Binary => match text {
            "是" | "达标" | "1" | "true" | "yes" => Some(Answer::Met(true)),
            "否" | "未达标" | "0" | "false" | "no" => Some(Answer::Met(false)),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        let owned = |r: &[&str]| r.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        Table {
            headers: owned(&[
                "指标编码",
                "上级编码",
                "指标名称",
                "分值",
                "评分方法",
                "评分参数",
                "考核方式",
                "佐证要求",
                "自评单位",
            ]),
            rows: rows.iter().enumerate().map(|(i, r)| (i + 2, owned(r))).collect(),
        }
    }

    #[test]
    fn a_sheet_becomes_a_checked_scheme() {
        let sheet = table(&[
            &["A", "", "组织领导", "20", "", "", "", "", ""],
            &["A1", "A", "组织机构", "8", "清单", "2;2;2;2", "查阅资料、实地查看", "成立文件", "全部"],
            &["A2", "A", "工作机制", "12", "等级", "A=1/2;B=0.8/1;C=0.6;D=0", "座谈", "", "540100、540200"],
            &["B", "", "成效", "80", "", "", "", "", ""],
            &["B1", "B", "群众满意度", "30", "满意度", "", "问卷", "", ""],
            &["B2", "B", "达标率", "30", "比率", "floor=0.6；target=1", "", "", "全部"],
            &["B3", "B", "安全事件", "20", "扣分", "5", "", "", ""],
        ]);
        let read = read(&sheet).unwrap();
        let scheme = read.scheme();
        scheme.check().unwrap();
        assert_eq!(scheme.total_points, Decimal::ONE_HUNDRED);
        let a2 = scheme.node("A2").unwrap();
        assert!(
            matches!(&a2.rubric, Some(Rubric::Levels { levels }) if levels[0].min_evidence == 2 && levels.len() == 4)
        );
        assert_eq!(scheme.node("A1").unwrap().methods, ["查阅资料", "实地查看"]);
        assert_eq!(scheme.node("A1").unwrap().evidence.as_deref(), Some("成立文件"));
        assert_eq!(read.self_assess[1], ("A2".into(), SelfAssess::Units(vec!["540100".into(), "540200".into()])));
        assert_eq!(read.self_assess[2], ("B1".into(), SelfAssess::Nobody));
        assert_eq!(scheme.node("A1").unwrap().name_bo, None, "no Tibetan column");
    }

    #[test]
    fn a_tibetan_name_column_is_read_beside_the_chinese() {
        let mut sheet = table(&[
            &["A1", "", "组织机构", "100", "是否", "", "", "", "", "ཚོགས་པ།"],
            &["A2", "", "机制", "0", "是否"],
        ]);
        sheet.headers.push("藏文名称".into());
        let scheme = read(&sheet).unwrap().scheme();
        assert_eq!(scheme.node("A1").unwrap().name_bo.as_deref(), Some("ཚོགས་པ།"));
        assert_eq!(scheme.node("A2").unwrap().name_bo, None, "a short row has none");
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let sheet = table(&[
            &["A1", "", "甲", "十", "清单", "2;2", "", "", ""],
            &["A2", "", "", "5", "魔法", "", "", "", ""],
            &["A3", "", "丙", "5", "比率", "floor=x", "", "", ""],
            &["", "", "丁", "5", "是否", "", "", "", ""],
        ]);
        let errors = read(&sheet).unwrap_err();
        let found: Vec<(usize, &str, &str)> = errors.iter().map(|e| (e.row, e.column.as_str(), e.code)).collect();
        assert_eq!(
            found,
            [
                (2, "D", "not_a_number"),
                (3, "C", "required"),
                (3, "E", "unknown_rubric"),
                (4, "F", "invalid_rubric_parameters"),
                (5, "A", "required")
            ]
        );
        assert_eq!(errors[0].header, "分值");
    }

    #[test]
    fn an_inconsistent_tree_is_refused_naming_the_node() {
        let sheet = table(&[
            &["A", "", "组织领导", "20", "", "", "", "", ""],
            &["A1", "A", "组织机构", "8", "是否", "", "", "", ""],
        ]);
        let error = read(&sheet).unwrap().scheme().check().unwrap_err();
        assert_eq!(error.node, "A");
    }

    #[test]
    fn answers_are_read_by_the_rubric() {
        use super::super::Answer;
        let checklist = Rubric::Checklist { items: vec![Decimal::ONE; 3] };
        assert_eq!(answer_from_text(&checklist, "1;3"), Some(Answer::Checked(vec![0, 2])));
        assert_eq!(answer_from_text(&checklist, "全部"), Some(Answer::Checked(vec![0, 1, 2])));
        assert_eq!(answer_from_text(&checklist, "0"), None);
        assert_eq!(answer_from_text(&Rubric::Survey, "92%"), Some(Answer::Value(Decimal::new(92, 2))));
        assert_eq!(answer_from_text(&Rubric::Binary, "是"), Some(Answer::Met(true)));
        assert_eq!(answer_from_text(&Rubric::DeductFromMax { per_occurrence: Decimal::ONE }, "x"), None);
    }

    #[test]
    fn missing_columns_are_reported_on_the_header_row() {
        let sheet = Table { headers: vec!["名称".into(), "备注".into()], rows: vec![] };
        let errors = read(&sheet).unwrap_err();
        assert!(errors.iter().all(|e| e.row == 1 && e.code == "column_missing"));
        assert_eq!(errors.len(), 3, "{errors:?}");
    }
}
