//! The scheme editor's form: the scheme's settings, a table of nodes with each leaf's rubric
//! and its parameters in a short notation, and the member units. Read from a stored scheme,
//! read back from the submitted fields exactly as typed, and turned into the scheme's JSON with
//! every mistake named where it was made.

use pacesetter_domain::evaluation::{
    Aggregation, Combine, RankStyle, Rounding, Rubric, Scheme, TieBreaker, records::StoredScheme,
};
use serde_json::{Value, json};

use super::{dec, parse_decimal, split_list};

/// Blank rows offered under the filled ones, and added by "more rows".
pub const BLANK_ROWS: usize = 3;

/// The rubric kinds a leaf may have, in the order the select lists them.
pub const RUBRICS: [&str; 8] =
    ["levels", "checklist", "ratio", "efficacy", "deduct_from_max", "binary", "survey", "task_completion"];

#[derive(Debug, Clone, Default)]
pub struct NodeRow {
    pub code: String,
    pub parent: String,
    pub name: String,
    /// The name in Tibetan (issue 18); may be empty.
    pub name_bo: String,
    /// Points or weight, by the scheme's aggregation.
    pub amount: String,
    /// A rubric kind, or "" for a node with children.
    pub rubric: String,
    pub params: String,
    /// How it is assessed and the evidence it needs, given in a sheet or through the API: the
    /// form carries them unseen (one method a line) so that saving it keeps them.
    pub methods: String,
    pub evidence: String,
}

#[derive(Debug, Clone, Default)]
pub struct MemberRow {
    pub code: String,
    /// Shown beside the code once it is known.
    pub name: String,
    pub category: String,
    /// Leaf codes it self-assesses; empty: every leaf people score.
    pub leaves: String,
}

/// The scheme editor's fields, as typed.
#[derive(Debug, Clone)]
pub struct SchemeForm {
    pub version: i64,
    pub name: String,
    pub name_bo: String,
    pub status: String,
    pub total_points: String,
    pub aggregation: String,
    pub combine: String,
    pub self_when_uninspected: bool,
    pub self_weight: String,
    pub inspector_weight: String,
    pub discrepancy_pct: String,
    pub evidence_gate: bool,
    pub bonus_cap: String,
    pub deduction_cap: String,
    /// One band a line: "优秀 90".
    pub bands: String,
    /// One quota a line: "优秀 0.3".
    pub quotas: String,
    pub tie_overflow: bool,
    /// In order, one a line: "基础分", "扣分", or "指标 B1".
    pub tie_breakers: String,
    pub rank_style: String,
    pub rounding: String,
    pub precision: String,
    pub nodes: Vec<NodeRow>,
    pub members: Vec<MemberRow>,
}

impl Default for SchemeForm {
    fn default() -> Self {
        Self {
            version: 0,
            name: String::new(),
            name_bo: String::new(),
            status: "draft".into(),
            total_points: "100".into(),
            aggregation: "points".into(),
            combine: "inspector_overrides".into(),
            self_when_uninspected: false,
            self_weight: "0.2".into(),
            inspector_weight: "0.8".into(),
            discrepancy_pct: "10".into(),
            evidence_gate: true,
            bonus_cap: "5".into(),
            deduction_cap: String::new(),
            bands: "优秀 90\n良好 80\n合格 60\n不合格 0".into(),
            quotas: String::new(),
            tie_overflow: false,
            tie_breakers: "基础分\n扣分".into(),
            rank_style: "competition".into(),
            rounding: "half_up".into(),
            precision: "2".into(),
            nodes: vec![NodeRow::default(); BLANK_ROWS],
            members: vec![MemberRow::default(); BLANK_ROWS],
        }
    }
}

/// Where a mistake is: a setting's field, or a node or member row by its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Field(&'static str),
    Node(usize),
    Member(usize),
}

/// A mistake and where it is; `code` is an error code the locale files translate.
#[derive(Debug, Clone)]
pub struct Mistake {
    pub place: Place,
    pub code: String,
}

fn mistake(place: Place, code: &str) -> Mistake {
    Mistake { place, code: code.to_owned() }
}

/// A rubric's parameters in the editor's notation.
pub fn params_of(rubric: &Rubric, item_code: &dyn Fn(i64) -> String) -> String {
    match rubric {
        Rubric::Levels { levels } => levels
            .iter()
            .map(|l| {
                let evidence = if l.min_evidence > 0 { format!("/{}", l.min_evidence) } else { String::new() };
                format!("{}={}{evidence}", l.name, dec(l.fraction))
            })
            .collect::<Vec<_>>()
            .join(", "),
        Rubric::Checklist { items } => items.iter().map(|d| dec(*d)).collect::<Vec<_>>().join(", "),
        Rubric::Ratio { floor, target } => format!("{}, {}", dec(*floor), dec(*target)),
        Rubric::Efficacy { x_low, x_high } => format!("{}, {}", dec(*x_low), dec(*x_high)),
        Rubric::DeductFromMax { per_occurrence } => dec(*per_occurrence),
        Rubric::Binary | Rubric::Survey => String::new(),
        Rubric::TaskCompletion { plan_items } => {
            plan_items.iter().map(|i| item_code(*i)).collect::<Vec<_>>().join(", ")
        }
    }
}

pub fn rubric_kind(rubric: &Rubric) -> &'static str {
    match rubric {
        Rubric::Levels { .. } => "levels",
        Rubric::Checklist { .. } => "checklist",
        Rubric::Ratio { .. } => "ratio",
        Rubric::Efficacy { .. } => "efficacy",
        Rubric::DeductFromMax { .. } => "deduct_from_max",
        Rubric::Binary => "binary",
        Rubric::Survey => "survey",
        Rubric::TaskCompletion { .. } => "task_completion",
    }
}

impl SchemeForm {
    /// The form of a stored scheme; `members` are (unit code, unit name, category, leaves).
    pub fn of(stored: &StoredScheme, members: Vec<MemberRow>, item_code: &dyn Fn(i64) -> String) -> Self {
        let s = &stored.scheme;
        let (combine, self_when_uninspected, self_weight, inspector_weight) = match s.combine {
            Combine::InspectorOverrides { self_when_uninspected } => {
                ("inspector_overrides", self_when_uninspected, "0.2".into(), "0.8".into())
            }
            Combine::Weighted { self_weight, inspector_weight } => {
                ("weighted", false, dec(self_weight), dec(inspector_weight))
            }
        };
        let weights = s.aggregation == Aggregation::Weights;
        let mut nodes: Vec<NodeRow> = s
            .nodes
            .iter()
            .map(|n| NodeRow {
                code: n.code.clone(),
                parent: n.parent.clone().unwrap_or_default(),
                name: n.name.clone(),
                name_bo: n.name_bo.clone().unwrap_or_default(),
                amount: (if weights { n.weight } else { n.points }).map(dec).unwrap_or_default(),
                rubric: n.rubric.as_ref().map(rubric_kind).unwrap_or_default().to_owned(),
                params: n.rubric.as_ref().map(|r| params_of(r, item_code)).unwrap_or_default(),
                methods: n.methods.join("\n"),
                evidence: n.evidence.clone().unwrap_or_default(),
            })
            .collect();
        nodes.extend(std::iter::repeat_n(NodeRow::default(), BLANK_ROWS));
        let mut members = members;
        members.extend(std::iter::repeat_n(MemberRow::default(), BLANK_ROWS));
        Self {
            version: stored.version,
            name: stored.name.clone(),
            name_bo: stored.name_bo.clone().unwrap_or_default(),
            status: stored.status.as_str().to_owned(),
            total_points: dec(s.total_points),
            aggregation: if weights { "weights" } else { "points" }.into(),
            combine: combine.into(),
            self_when_uninspected,
            self_weight,
            inspector_weight,
            discrepancy_pct: dec(s.discrepancy_pct),
            evidence_gate: s.evidence_gate,
            bonus_cap: dec(s.bonus_cap),
            deduction_cap: s.deduction_cap.map(dec).unwrap_or_default(),
            bands: s.bands.iter().map(|b| format!("{} {}", b.name, dec(b.min))).collect::<Vec<_>>().join("\n"),
            quotas: s.quotas.iter().map(|q| format!("{} {}", q.grade, dec(q.share))).collect::<Vec<_>>().join("\n"),
            tie_overflow: s.tie_overflow,
            tie_breakers: s
                .tie_breakers
                .iter()
                .map(|t| match t {
                    TieBreaker::BaseDesc => "基础分".to_owned(),
                    TieBreaker::DeductionsAsc => "扣分".to_owned(),
                    TieBreaker::IndicatorDesc { code } => format!("指标 {code}"),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            rank_style: if s.rank_style == RankStyle::Dense { "dense" } else { "competition" }.into(),
            rounding: if s.rounding == Rounding::HalfEven { "half_even" } else { "half_up" }.into(),
            precision: s.precision.to_string(),
            nodes,
            members,
        }
    }

    /// The form as submitted: settings by name, rows as `n{i}_…` and `m{i}_…`; rows ticked
    /// for removal are left out.
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let on = |name: &str| fields.iter().any(|(n, _)| n == name);
        let rows = |prefix: char| {
            fields
                .iter()
                .filter_map(|(n, _)| n.strip_prefix(prefix)?.split_once('_')?.0.parse::<usize>().ok())
                .max()
                .map_or(0, |m| m + 1)
        };
        let nodes = (0..rows('n'))
            .filter(|i| !on(&format!("n{i}_remove")))
            .map(|i| NodeRow {
                code: get(&format!("n{i}_code")).trim().to_owned(),
                parent: get(&format!("n{i}_parent")).trim().to_owned(),
                name: get(&format!("n{i}_name")).trim().to_owned(),
                name_bo: get(&format!("n{i}_name_bo")).trim().to_owned(),
                amount: get(&format!("n{i}_amount")).trim().to_owned(),
                rubric: get(&format!("n{i}_rubric")),
                params: get(&format!("n{i}_params")).trim().to_owned(),
                methods: get(&format!("n{i}_methods")),
                evidence: get(&format!("n{i}_evidence")).trim().to_owned(),
            })
            .collect();
        let members = (0..rows('m'))
            .filter(|i| !on(&format!("m{i}_remove")))
            .map(|i| MemberRow {
                code: get(&format!("m{i}_code")).trim().to_owned(),
                name: String::new(),
                category: get(&format!("m{i}_category")).trim().to_owned(),
                leaves: get(&format!("m{i}_leaves")).trim().to_owned(),
            })
            .collect();
        Self {
            version: get("version").parse().unwrap_or(0),
            name: get("name"),
            name_bo: get("name_bo"),
            status: get("status"),
            total_points: get("total_points"),
            aggregation: get("aggregation"),
            combine: get("combine"),
            self_when_uninspected: on("self_when_uninspected"),
            self_weight: get("self_weight"),
            inspector_weight: get("inspector_weight"),
            discrepancy_pct: get("discrepancy_pct"),
            evidence_gate: on("evidence_gate"),
            bonus_cap: get("bonus_cap"),
            deduction_cap: get("deduction_cap"),
            bands: get("bands"),
            quotas: get("quotas"),
            tie_overflow: on("tie_overflow"),
            tie_breakers: get("tie_breakers"),
            rank_style: get("rank_style"),
            rounding: get("rounding"),
            precision: get("precision"),
            nodes,
            members,
        }
    }

    /// Rows that carry something (blank rows are offered for adding, and ignored).
    pub fn filled_nodes(&self) -> impl Iterator<Item = (usize, &NodeRow)> {
        self.nodes.iter().enumerate().filter(|(_, n)| !(n.code.is_empty() && n.name.is_empty() && n.amount.is_empty()))
    }

    pub fn filled_members(&self) -> impl Iterator<Item = (usize, &MemberRow)> {
        self.members.iter().enumerate().filter(|(_, m)| !m.code.is_empty() || !m.category.is_empty())
    }

    /// Adds blank rows to both tables so that there are always some to type into.
    pub fn pad(&mut self, extra: usize) {
        let blank_nodes = self.nodes.iter().rev().take_while(|n| n.code.is_empty() && n.name.is_empty()).count();
        self.nodes.extend(std::iter::repeat_n(NodeRow::default(), (BLANK_ROWS + extra).saturating_sub(blank_nodes)));
        let blank_members = self.members.iter().rev().take_while(|m| m.code.is_empty()).count();
        self.members
            .extend(std::iter::repeat_n(MemberRow::default(), (BLANK_ROWS + extra).saturating_sub(blank_members)));
    }

    /// The node row holding `code`.
    pub fn node_row(&self, code: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.code == code)
    }

    /// The scheme as JSON, or every mistake found on the way. `plan_item` resolves a plan
    /// item's code (or number) to its id.
    pub fn scheme_json(&self, plan_item: &dyn Fn(&str) -> Option<i64>) -> Result<Value, Vec<Mistake>> {
        let mut mistakes = Vec::new();
        let total_points = number(&self.total_points, Place::Field("total_points"), true, &mut mistakes);
        let discrepancy_pct = number(&self.discrepancy_pct, Place::Field("discrepancy_pct"), true, &mut mistakes);
        let bonus_cap = number(&self.bonus_cap, Place::Field("bonus_cap"), true, &mut mistakes);
        let deduction_cap = number(&self.deduction_cap, Place::Field("deduction_cap"), false, &mut mistakes);
        let combine = if self.combine == "weighted" {
            let self_weight = number(&self.self_weight, Place::Field("combine"), true, &mut mistakes);
            let inspector_weight = number(&self.inspector_weight, Place::Field("combine"), true, &mut mistakes);
            json!({"kind": "weighted", "self_weight": self_weight, "inspector_weight": inspector_weight})
        } else {
            json!({"kind": "inspector_overrides", "self_when_uninspected": self.self_when_uninspected})
        };
        let bands = pairs(&self.bands, "bands", ("name", "min"), &mut mistakes);
        let quotas = pairs(&self.quotas, "quotas", ("grade", "share"), &mut mistakes);
        let mut tie_breakers = Vec::new();
        for line in self.tie_breakers.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match line {
                "基础分" => tie_breakers.push(json!({"kind": "base_desc"})),
                "扣分" => tie_breakers.push(json!({"kind": "deductions_asc"})),
                other => match other.strip_prefix("指标").map(str::trim).filter(|c| !c.is_empty()) {
                    Some(code) => tie_breakers.push(json!({"kind": "indicator_desc", "code": code})),
                    None => mistakes.push(mistake(Place::Field("tie_breakers"), "line_unreadable")),
                },
            }
        }
        let precision: u32 = match self.precision.trim().parse() {
            Ok(p) => p,
            Err(_) => {
                mistakes.push(mistake(Place::Field("precision"), "not_a_number"));
                0
            }
        };
        let weights = self.aggregation == "weights";
        let mut nodes = Vec::new();
        for (i, row) in self.filled_nodes() {
            if row.code.is_empty() {
                mistakes.push(mistake(Place::Node(i), "node_code_invalid_or_repeated"));
                continue;
            }
            let amount = match parse_decimal(&row.amount) {
                Some(d) => json!(d.to_string()),
                None if row.amount.is_empty() => Value::Null,
                None => {
                    mistakes.push(mistake(Place::Node(i), "not_a_number"));
                    Value::Null
                }
            };
            let rubric = match rubric_json(row, plan_item) {
                Ok(rubric) => rubric,
                Err(code) => {
                    mistakes.push(mistake(Place::Node(i), code));
                    Value::Null
                }
            };
            let parent = if row.parent.is_empty() { Value::Null } else { json!(row.parent) };
            let (points, weight) = if weights { (Value::Null, amount) } else { (amount, Value::Null) };
            let name_bo = Some(&row.name_bo).filter(|n| !n.is_empty());
            let methods: Vec<&str> = row.methods.lines().map(str::trim).filter(|m| !m.is_empty()).collect();
            let evidence = Some(&row.evidence).filter(|e| !e.is_empty());
            nodes.push(json!({"code": row.code, "parent": parent, "name": row.name, "name_bo": name_bo,
                "points": points, "weight": weight, "rubric": rubric, "methods": methods, "evidence": evidence}));
        }
        if !mistakes.is_empty() {
            return Err(mistakes);
        }
        Ok(json!({
            "total_points": total_points,
            "aggregation": if weights { "weights" } else { "points" },
            "nodes": nodes,
            "combine": combine,
            "discrepancy_pct": discrepancy_pct,
            "evidence_gate": self.evidence_gate,
            "bonus_cap": bonus_cap,
            "deduction_cap": deduction_cap,
            "bands": bands,
            "quotas": quotas,
            "tie_overflow": self.tie_overflow,
            "tie_breakers": tie_breakers,
            "rank_style": if self.rank_style == "dense" { "dense" } else { "competition" },
            "rounding": if self.rounding == "half_even" { "half_even" } else { "half_up" },
            "precision": precision,
        }))
    }
}

/// A typed number as the scheme's JSON (a decimal string), or null when optional and blank.
fn number(text: &str, place: Place, required: bool, mistakes: &mut Vec<Mistake>) -> Value {
    match parse_decimal(text) {
        Some(d) => json!(d.to_string()),
        None if text.trim().is_empty() && !required => Value::Null,
        None => {
            mistakes.push(mistake(place, "not_a_number"));
            Value::Null
        }
    }
}

/// Lines of "name number" (bands, quotas) as JSON objects with the two keys given.
fn pairs(text: &str, place: &'static str, (key, value_key): (&str, &str), mistakes: &mut Vec<Mistake>) -> Vec<Value> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut parts = line.rsplitn(2, [' ', '\t', '\u{3000}']);
        let (value, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or("").trim());
        match parse_decimal(value) {
            Some(d) if !name.is_empty() => out.push(json!({key: name, value_key: d.to_string()})),
            _ => mistakes.push(mistake(Place::Field(place), "line_unreadable")),
        }
    }
    out
}

/// A leaf's rubric from its kind and its parameters; a node with children has none.
fn rubric_json(row: &NodeRow, plan_item: &dyn Fn(&str) -> Option<i64>) -> Result<Value, &'static str> {
    let numbers = || -> Result<Vec<String>, &'static str> {
        split_list(&row.params)
            .map(|p| parse_decimal(p).map(|d| d.to_string()).ok_or("rubric_params_unreadable"))
            .collect()
    };
    let two = || -> Result<(String, String), &'static str> {
        match numbers()?.as_slice() {
            [a, b] => Ok((a.clone(), b.clone())),
            _ => Err("rubric_params_unreadable"),
        }
    };
    Ok(match row.rubric.as_str() {
        "" => Value::Null,
        "levels" => {
            let mut levels = Vec::new();
            for piece in split_list(&row.params) {
                let (name, rest) = piece.split_once(['=', '＝']).ok_or("rubric_params_unreadable")?;
                let (fraction, evidence) = rest.split_once('/').unwrap_or((rest, "0"));
                let fraction = parse_decimal(fraction).ok_or("rubric_params_unreadable")?;
                let evidence: u32 = evidence.trim().parse().map_err(|_| "rubric_params_unreadable")?;
                levels.push(json!({"name": name.trim(), "fraction": fraction.to_string(), "min_evidence": evidence}));
            }
            json!({"kind": "levels", "levels": levels})
        }
        "checklist" => json!({"kind": "checklist", "items": numbers()?}),
        "ratio" => {
            let (floor, target) = two()?;
            json!({"kind": "ratio", "floor": floor, "target": target})
        }
        "efficacy" => {
            let (x_low, x_high) = two()?;
            json!({"kind": "efficacy", "x_low": x_low, "x_high": x_high})
        }
        "deduct_from_max" => match numbers()?.as_slice() {
            [per] => json!({"kind": "deduct_from_max", "per_occurrence": per}),
            _ => return Err("rubric_params_unreadable"),
        },
        "binary" => json!({"kind": "binary"}),
        "survey" => json!({"kind": "survey"}),
        "task_completion" => {
            let items: Option<Vec<i64>> = split_list(&row.params).map(plan_item).collect();
            let items = items.filter(|i| !i.is_empty()).ok_or("plan_item_not_in_campaign")?;
            json!({"kind": "task_completion", "plan_items": items})
        }
        _ => return Err("rubric_params_unreadable"),
    })
}

/// Leaf codes of a checked scheme, for the member rows' "every leaf" shorthand.
pub fn assessable_leaves(scheme: &Scheme) -> Vec<String> {
    scheme
        .leaves()
        .filter(|l| !matches!(l.rubric, Some(Rubric::TaskCompletion { .. })))
        .map(|l| l.code.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn base() -> Vec<(String, String)> {
        fields(&[
            ("name", "考评"),
            ("total_points", "100"),
            ("aggregation", "points"),
            ("combine", "inspector_overrides"),
            ("discrepancy_pct", "10"),
            ("bonus_cap", "5"),
            ("bands", "优秀 90\n不合格 0"),
            ("quotas", "优秀 0.3"),
            ("tie_breakers", "基础分\n指标 A1"),
            ("precision", "2"),
            ("n0_code", "A1"),
            ("n0_name", "宣传"),
            ("n0_name_bo", "ཁྱབ་བསྒྲགས"),
            ("n0_methods", "查阅资料\n实地查看"),
            ("n0_evidence", "会议记录"),
            ("n0_amount", "60"),
            ("n0_rubric", "levels"),
            ("n0_params", "A=1, B＝0.8/2，C=0.6"),
            ("n1_code", "A2"),
            ("n1_name", "机制"),
            ("n1_amount", "40"),
            ("n1_rubric", "checklist"),
            ("n1_params", "20；20"),
            ("n2_code", ""),
            ("n3_code", "X"),
            ("n3_remove", "1"),
        ])
    }

    #[test]
    fn the_notation_becomes_a_scheme_that_checks() {
        let form = SchemeForm::from_fields(&base());
        assert_eq!(form.nodes.len(), 3, "the row ticked for removal is gone, the blank one kept");
        let json = form.scheme_json(&|_| None).unwrap();
        let scheme: Scheme = serde_json::from_value(json).unwrap();
        scheme.check().unwrap();
        let Some(Rubric::Levels { levels }) = &scheme.nodes[0].rubric else { panic!("levels") };
        assert_eq!((levels[1].name.as_str(), levels[1].min_evidence), ("B", 2));
        assert_eq!(scheme.tie_breakers[1], TieBreaker::IndicatorDesc { code: "A1".into() });
        assert_eq!(params_of(scheme.nodes[0].rubric.as_ref().unwrap(), &|_| String::new()), "A=1, B=0.8/2, C=0.6");
        let first = &scheme.nodes[0];
        assert_eq!(first.name_bo.as_deref(), Some("ཁྱབ་བསྒྲགས"));
        assert_eq!(
            (first.methods.join("|"), first.evidence.as_deref()),
            ("查阅资料|实地查看".to_owned(), Some("会议记录"))
        );
        assert_eq!((scheme.nodes[1].name_bo.as_ref(), scheme.nodes[1].methods.len()), (None, 0), "blank stays absent");
    }

    #[test]
    fn mistakes_are_named_where_they_were_made() {
        let mut bad = base();
        bad.retain(|(k, _)| k != "n1_params" && k != "bands");
        bad.push(("n1_params".into(), "二十, 20".into()));
        bad.push(("bands".into(), "优秀".into()));
        let mistakes = SchemeForm::from_fields(&bad).scheme_json(&|_| None).unwrap_err();
        assert!(mistakes.iter().any(|m| m.place == Place::Node(1) && m.code == "rubric_params_unreadable"));
        assert!(mistakes.iter().any(|m| m.place == Place::Field("bands") && m.code == "line_unreadable"));
    }

    #[test]
    fn task_completion_names_plan_items_by_code() {
        let mut with_task = base();
        with_task.retain(|(k, _)| k != "n1_rubric" && k != "n1_params");
        with_task.extend(fields(&[("n1_rubric", "task_completion"), ("n1_params", "GC-1, GC-9")]));
        let known = |code: &str| (code == "GC-1").then_some(7);
        let mistakes = SchemeForm::from_fields(&with_task).scheme_json(&known).unwrap_err();
        assert_eq!(mistakes[0].code, "plan_item_not_in_campaign");
        with_task.retain(|(k, _)| k != "n1_params");
        with_task.push(("n1_params".into(), "GC-1".into()));
        let json = SchemeForm::from_fields(&with_task).scheme_json(&known).unwrap();
        assert_eq!(json["nodes"][1]["rubric"], serde_json::json!({"kind": "task_completion", "plan_items": [7]}));
    }
}
