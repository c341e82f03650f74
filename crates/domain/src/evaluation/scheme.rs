//! An evaluation scheme (SCORING.md §1): the indicator tree with points or weights, each leaf's
//! rubric, how self and inspector scores combine, bonus and deduction caps, grade bands, quotas,
//! ranking and rounding. `Scheme::check` refuses an inconsistent scheme and names the node.

use rust_decimal::Decimal;

/// How leaves add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Each leaf has max points; children add up to their parent.
    Points,
    /// Children's weights sum to 1; every node scores 0–100.
    Weights,
}

/// How a leaf is scored from an answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rubric {
    /// Named levels with fractions of the max (A 1.0, B 0.8, C 0.6, D 0), each with the evidence
    /// it needs under the evidence gate.
    Levels {
        levels: Vec<Level>,
    },
    /// Items with points that sum to the leaf's max.
    Checklist {
        items: Vec<Decimal>,
    },
    /// max × clamp((r − floor)/(target − floor), 0, 1).
    Ratio {
        floor: Decimal,
        target: Decimal,
    },
    /// 功效系数法: (60 + 40 × (x − low)/(high − low)) clamped to 0..100, × max / 100.
    Efficacy {
        x_low: Decimal,
        x_high: Decimal,
    },
    /// max − n × per occurrence, not below 0 (扣完为止).
    DeductFromMax {
        per_occurrence: Decimal,
    },
    Binary,
    /// Satisfaction fraction × max.
    Survey,
    /// The share of the unit's assignments under the given plan items that are done, × max.
    TaskCompletion {
        plan_items: Vec<i64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Level {
    pub name: String,
    pub fraction: Decimal,
    /// Pieces of evidence this level needs under the gate.
    #[serde(default)]
    pub min_evidence: u32,
}

/// A node of the indicator tree (一级/二级/三级指标).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    pub code: String,
    pub parent: Option<String>,
    pub name: String,
    /// The name in Tibetan, where the office gave one (issue 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_bo: Option<String>,
    /// Max points (points aggregation).
    #[serde(default)]
    pub points: Option<Decimal>,
    /// Weight among its siblings (weights aggregation).
    #[serde(default)]
    pub weight: Option<Decimal>,
    /// Leaves only.
    #[serde(default)]
    pub rubric: Option<Rubric>,
    /// How it is assessed (查阅资料, 实地查看, 座谈, 问卷…): shown to scorers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// The evidence it needs, in words: shown to scorers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// How a self-assessment and an inspector's score of the same leaf combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Combine {
    /// The inspector's score; the self score only where the leaf was not inspected and the
    /// scheme allows that.
    InspectorOverrides {
        self_when_uninspected: bool,
    },
    Weighted {
        self_weight: Decimal,
        inspector_weight: Decimal,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Band {
    pub name: String,
    /// Inclusive minimum of the rounded final score.
    pub min: Decimal,
}

/// At most `floor(share × n)` units of a category may hold `grade`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quota {
    pub grade: String,
    pub share: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankStyle {
    /// 1, 2, 2, 4.
    Competition,
    /// 1, 2, 2, 3.
    Dense,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TieBreaker {
    BaseDesc,
    DeductionsAsc,
    /// A named indicator's combined score, higher first.
    IndicatorDesc {
        code: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// 四舍五入.
    HalfUp,
    /// GB/T 8170.
    HalfEven,
}

impl Rounding {
    pub const ALL: [Self; 2] = [Self::HalfUp, Self::HalfEven];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HalfUp => "half_up",
            Self::HalfEven => "half_even",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// `value` rounded once to `precision` decimal places by this rule.
    pub fn round(self, value: Decimal, precision: u32) -> Decimal {
        let strategy = match self {
            Self::HalfUp => rust_decimal::RoundingStrategy::MidpointAwayFromZero,
            Self::HalfEven => rust_decimal::RoundingStrategy::MidpointNearestEven,
        };
        value.round_dp_with_strategy(precision, strategy)
    }
}

/// A complete scheme.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scheme {
    pub total_points: Decimal,
    pub aggregation: Aggregation,
    pub nodes: Vec<Node>,
    pub combine: Combine,
    /// A leaf whose two scores differ by more than this percentage of its max is flagged.
    pub discrepancy_pct: Decimal,
    /// 无佐证不得分: a levels score is capped by the evidence attached.
    pub evidence_gate: bool,
    pub bonus_cap: Decimal,
    pub deduction_cap: Option<Decimal>,
    /// Highest first; the last is the lowest band.
    pub bands: Vec<Band>,
    pub quotas: Vec<Quota>,
    /// Units tied at a quota's boundary all keep the grade.
    pub tie_overflow: bool,
    pub tie_breakers: Vec<TieBreaker>,
    pub rank_style: RankStyle,
    pub rounding: Rounding,
    /// Decimal places of the final score.
    pub precision: u32,
}

/// Why a scheme cannot be saved, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} at {node}")]
pub struct SchemeError {
    /// The offending node's code, or `scheme` for a setting.
    pub node: String,
    pub code: &'static str,
}

fn error(node: &str, code: &'static str) -> SchemeError {
    SchemeError { node: node.to_owned(), code }
}

/// Depth of the indicator tree (一级, 二级, 三级指标).
pub const MAX_DEPTH: usize = 3;

impl Scheme {
    /// The children of a node (`None`: the top level), in the scheme's order.
    pub fn children<'a>(&'a self, parent: Option<&'a str>) -> impl Iterator<Item = &'a Node> + 'a {
        self.nodes.iter().filter(move |n| n.parent.as_deref() == parent)
    }

    pub fn node(&self, code: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.code == code)
    }

    pub fn leaves(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| self.children(Some(&n.code)).next().is_none())
    }

    /// The most a leaf can score: its points, or 100 under weights.
    pub fn leaf_max(&self, leaf: &Node) -> Decimal {
        match self.aggregation {
            Aggregation::Points => leaf.points.unwrap_or_default(),
            Aggregation::Weights => Decimal::ONE_HUNDRED,
        }
    }

    /// Refuses an inconsistent scheme, naming the first offending node.
    pub fn check(&self) -> Result<(), SchemeError> {
        let mut codes: Vec<&str> = Vec::new();
        for node in &self.nodes {
            if node.code.trim().is_empty() || codes.contains(&node.code.as_str()) {
                return Err(error(&node.code, "node_code_invalid_or_repeated"));
            }
            codes.push(&node.code);
        }
        for node in &self.nodes {
            if let Some(parent) = &node.parent
                && self.node(parent).is_none()
            {
                return Err(error(&node.code, "parent_not_in_scheme"));
            }
            if self.depth(node).is_none_or(|d| d > MAX_DEPTH) {
                return Err(error(&node.code, "tree_too_deep"));
            }
        }
        if self.total_points <= Decimal::ZERO {
            return Err(error("scheme", "total_points_not_positive"));
        }
        // Leaves first, so that the most specific node is named.
        for leaf in self.leaves() {
            let rubric = leaf.rubric.as_ref().ok_or_else(|| error(&leaf.code, "leaf_without_rubric"))?;
            check_rubric(&leaf.code, rubric, self.leaf_max(leaf))?;
        }
        match self.aggregation {
            Aggregation::Points => self.check_points(None, self.total_points)?,
            Aggregation::Weights => self.check_weights(None)?,
        }
        if self.bands.is_empty() || self.bands.windows(2).any(|w| w[0].min <= w[1].min) {
            return Err(error("scheme", "bands_not_descending"));
        }
        for quota in &self.quotas {
            let known = self.bands.iter().any(|b| b.name == quota.grade);
            if !known || quota.share < Decimal::ZERO || quota.share > Decimal::ONE {
                return Err(error("scheme", "quota_invalid"));
            }
        }
        if let Combine::Weighted { self_weight, inspector_weight } = self.combine
            && (self_weight < Decimal::ZERO
                || inspector_weight < Decimal::ZERO
                || self_weight + inspector_weight != Decimal::ONE)
        {
            return Err(error("scheme", "combine_weights_not_one"));
        }
        if self.bonus_cap < Decimal::ZERO || self.deduction_cap.is_some_and(|c| c < Decimal::ZERO) {
            return Err(error("scheme", "cap_negative"));
        }
        Ok(())
    }

    fn depth(&self, node: &Node) -> Option<usize> {
        let mut depth = 1;
        let mut parent = node.parent.as_deref();
        while let Some(code) = parent {
            depth += 1;
            if depth > self.nodes.len() + 1 {
                return None; // a cycle
            }
            parent = self.node(code)?.parent.as_deref();
        }
        Some(depth)
    }

    /// Under points, children add up to their parent (the top level to the total).
    fn check_points(&self, parent: Option<&str>, expected: Decimal) -> Result<(), SchemeError> {
        let children: Vec<&Node> = self.children(parent).collect();
        if children.is_empty() {
            return Ok(());
        }
        let mut sum = Decimal::ZERO;
        for child in &children {
            let points =
                child.points.filter(|p| *p > Decimal::ZERO).ok_or_else(|| error(&child.code, "points_missing"))?;
            sum += points;
            self.check_points(Some(&child.code), points)?;
        }
        if sum != expected {
            return Err(error(parent.unwrap_or("scheme"), "children_do_not_add_up"));
        }
        Ok(())
    }

    /// Under weights, every node's children's weights sum to 1.
    fn check_weights(&self, parent: Option<&str>) -> Result<(), SchemeError> {
        let children: Vec<&Node> = self.children(parent).collect();
        if children.is_empty() {
            return Ok(());
        }
        let mut sum = Decimal::ZERO;
        for child in &children {
            let weight =
                child.weight.filter(|w| *w > Decimal::ZERO).ok_or_else(|| error(&child.code, "weight_missing"))?;
            sum += weight;
            self.check_weights(Some(&child.code))?;
        }
        if sum != Decimal::ONE {
            return Err(error(parent.unwrap_or("scheme"), "weights_do_not_sum_to_one"));
        }
        Ok(())
    }
}

fn check_rubric(code: &str, rubric: &Rubric, max: Decimal) -> Result<(), SchemeError> {
    match rubric {
        Rubric::Levels { levels }
            if levels.is_empty() || levels.iter().any(|l| l.fraction < Decimal::ZERO || l.fraction > Decimal::ONE) =>
        {
            return Err(error(code, "levels_invalid"));
        }
        Rubric::Checklist { items }
            if items.iter().any(|p| *p < Decimal::ZERO) || items.iter().copied().sum::<Decimal>() != max =>
        {
            return Err(error(code, "checklist_does_not_add_up"));
        }
        Rubric::Ratio { floor, target } if target <= floor => return Err(error(code, "ratio_target_not_above_floor")),
        Rubric::Efficacy { x_low, x_high } if x_high <= x_low => return Err(error(code, "efficacy_range_empty")),
        Rubric::DeductFromMax { per_occurrence } if *per_occurrence <= Decimal::ZERO => {
            return Err(error(code, "deduction_not_positive"));
        }
        _ => {}
    }
    Ok(())
}
