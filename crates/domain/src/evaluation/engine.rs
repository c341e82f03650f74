//! The evaluation algorithm of SCORING.md §1, per unit and then per category: leaves scored and
//! combined, the base aggregated, bonus and deductions capped, the raw score clamped and rounded
//! once, vetoes, grades, ranks within the category and quotas. Exact decimals throughout; every
//! number a unit's explanation shows adds up to its result.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy, prelude::ToPrimitive};

use super::{
    rubric::{self, AnswerError, Entry},
    scheme::{Aggregation, Combine, RankStyle, Rounding, Scheme, TieBreaker},
};

/// A bonus item (加分项) with its own cap and its source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Bonus {
    pub points: Decimal,
    pub cap: Decimal,
    pub source: String,
}

/// A deduction item (扣分项): occurrences × points each.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deduction {
    pub count: u32,
    pub per: Decimal,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VetoEffect {
    /// The grade becomes the lowest band.
    Fail,
    /// The grade cannot be better than this band.
    CapGrade { grade: String },
    /// Listed after the ranked units, marked vetoed.
    ExcludeFromRanking,
}

/// 一票否决, with its source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Veto {
    pub effect: VetoEffect,
    pub source: String,
}

/// Everything scored for one unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnitInput {
    pub unit: i64,
    pub category: String,
    /// Self-assessment entries by leaf code.
    pub self_entries: BTreeMap<String, Entry>,
    /// Inspector entries by leaf code.
    pub inspector_entries: BTreeMap<String, Entry>,
    pub bonuses: Vec<Bonus>,
    pub deductions: Vec<Deduction>,
    pub vetoes: Vec<Veto>,
}

/// One leaf of a unit's result: both inputs, how each was scored, the combined value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeafResult {
    pub code: String,
    pub max: Decimal,
    pub self_score: Option<rubric::LeafScore>,
    pub inspector_score: Option<rubric::LeafScore>,
    pub combined: Decimal,
    /// The two scores differ by more than the scheme allows: to be re-checked (复核).
    pub flagged: bool,
}

/// One unit's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnitResult {
    pub unit: i64,
    pub category: String,
    pub leaves: Vec<LeafResult>,
    pub base: Decimal,
    pub bonus: Decimal,
    pub deductions: Decimal,
    /// base + bonus − deductions, clamped; exact.
    pub raw: Decimal,
    /// `raw` rounded once.
    pub final_score: Decimal,
    pub grade: String,
    /// Within the category; `None` when a veto excludes the unit from ranking.
    pub rank: Option<u32>,
    pub vetoed: bool,
    /// A quota moved the unit down from the grade its score earned.
    pub quota_moved: bool,
}

/// Evaluates every unit, then grades and ranks each category.
pub fn evaluate(scheme: &Scheme, inputs: &[UnitInput]) -> Result<Vec<UnitResult>, AnswerError> {
    let mut results = inputs.iter().map(|input| evaluate_unit(scheme, input)).collect::<Result<Vec<_>, _>>()?;
    let mut categories: Vec<String> = results.iter().map(|r| r.category.clone()).collect();
    categories.sort();
    categories.dedup();
    for category in categories {
        let mut members: Vec<&mut UnitResult> = results.iter_mut().filter(|r| r.category == category).collect();
        rank_category(scheme, inputs, &mut members);
    }
    Ok(results)
}

fn round(scheme: &Scheme, value: Decimal) -> Decimal {
    let strategy = match scheme.rounding {
        Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
    };
    value.round_dp_with_strategy(scheme.precision, strategy)
}

/// Steps 1–6 of the algorithm for one unit, before ranking and quotas.
pub fn evaluate_unit(scheme: &Scheme, input: &UnitInput) -> Result<UnitResult, AnswerError> {
    let mut leaves = Vec::new();
    for leaf in scheme.leaves() {
        let Some(leaf_rubric) = &leaf.rubric else { continue };
        let max = scheme.leaf_max(leaf);
        let score = |entry: Option<&Entry>| {
            entry.map(|e| rubric::score(&leaf.code, leaf_rubric, max, e, scheme.evidence_gate)).transpose()
        };
        let self_score = score(input.self_entries.get(&leaf.code))?;
        let inspector_score = score(input.inspector_entries.get(&leaf.code))?;
        let (own, inspected) = (self_score.as_ref().map(|s| s.score), inspector_score.as_ref().map(|s| s.score));
        let combined = match scheme.combine {
            Combine::InspectorOverrides { self_when_uninspected } => match (inspected, own) {
                (Some(i), _) => i,
                (None, Some(s)) if self_when_uninspected => s,
                _ => Decimal::ZERO,
            },
            Combine::Weighted { self_weight, inspector_weight } => {
                own.unwrap_or_default() * self_weight + inspected.unwrap_or_default() * inspector_weight
            }
        };
        let flagged = match (own, inspected) {
            (Some(s), Some(i)) => (s - i).abs() * Decimal::ONE_HUNDRED > scheme.discrepancy_pct * max,
            _ => false,
        };
        leaves.push(LeafResult { code: leaf.code.clone(), max, self_score, inspector_score, combined, flagged });
    }
    let base = match scheme.aggregation {
        Aggregation::Points => leaves.iter().map(|l| l.combined).sum(),
        Aggregation::Weights => weighted(scheme, None, &leaves) * scheme.total_points / Decimal::ONE_HUNDRED,
    };
    let bonus =
        input.bonuses.iter().map(|b| b.points.min(b.cap).max(Decimal::ZERO)).sum::<Decimal>().min(scheme.bonus_cap);
    let deducted: Decimal = input.deductions.iter().map(|d| Decimal::from(d.count) * d.per).sum();
    let deductions = scheme.deduction_cap.map_or(deducted, |cap| deducted.min(cap));
    let raw = (base + bonus - deductions).clamp(Decimal::ZERO, scheme.total_points + scheme.bonus_cap);
    let final_score = round(scheme, raw);
    let lowest = scheme.bands.len().saturating_sub(1);
    let mut band = scheme.bands.iter().position(|b| final_score >= b.min).unwrap_or(lowest);
    for veto in &input.vetoes {
        match &veto.effect {
            VetoEffect::Fail => band = lowest,
            VetoEffect::CapGrade { grade } => {
                if let Some(cap) = scheme.bands.iter().position(|b| &b.name == grade) {
                    band = band.max(cap);
                }
            }
            VetoEffect::ExcludeFromRanking => {}
        }
    }
    Ok(UnitResult {
        unit: input.unit,
        category: input.category.clone(),
        leaves,
        base,
        bonus,
        deductions,
        raw,
        final_score,
        grade: scheme.bands.get(band).map(|b| b.name.clone()).unwrap_or_default(),
        rank: None,
        vetoed: !input.vetoes.is_empty(),
        quota_moved: false,
    })
}

/// A node's 0–100 score under weights: its leaves' combined scores, weighted up the tree.
fn weighted(scheme: &Scheme, parent: Option<&str>, leaves: &[LeafResult]) -> Decimal {
    scheme
        .children(parent)
        .map(|child| {
            let score = match leaves.iter().find(|l| l.code == child.code) {
                Some(leaf) => leaf.combined,
                None => weighted(scheme, Some(&child.code), leaves),
            };
            child.weight.unwrap_or_default() * score
        })
        .sum()
}

/// Orders two results by final score, then the tie-breakers; `Equal` means they share a rank.
fn compare(scheme: &Scheme, a: &UnitResult, b: &UnitResult) -> std::cmp::Ordering {
    let mut order = b.final_score.cmp(&a.final_score);
    for breaker in &scheme.tie_breakers {
        if order.is_ne() {
            break;
        }
        order = match breaker {
            TieBreaker::BaseDesc => b.base.cmp(&a.base),
            TieBreaker::DeductionsAsc => a.deductions.cmp(&b.deductions),
            TieBreaker::IndicatorDesc { code } => {
                indicator_score(scheme, b, code).cmp(&indicator_score(scheme, a, code))
            }
        };
    }
    order
}

/// A node's combined score for a tie-break: a leaf's, or the sum of its leaves' below it.
fn indicator_score(scheme: &Scheme, result: &UnitResult, code: &str) -> Decimal {
    match result.leaves.iter().find(|l| l.code == code) {
        Some(leaf) => leaf.combined,
        None => scheme.children(Some(code)).map(|c| indicator_score(scheme, result, &c.code)).sum(),
    }
}

/// Ranks one category and applies the quotas in rank order.
fn rank_category(scheme: &Scheme, inputs: &[UnitInput], members: &mut [&mut UnitResult]) {
    let excluded = |r: &UnitResult| {
        inputs
            .iter()
            .find(|i| i.unit == r.unit)
            .is_some_and(|i| i.vetoes.iter().any(|v| v.effect == VetoEffect::ExcludeFromRanking))
    };
    members.sort_by(|a, b| excluded(a).cmp(&excluded(b)).then_with(|| compare(scheme, a, b)).then(a.unit.cmp(&b.unit)));
    let ranked = members.iter().filter(|r| !excluded(r)).count();
    let (mut rank, mut dense) = (0u32, 0u32);
    for index in 0..ranked {
        let tied = index > 0 && compare(scheme, members[index - 1], members[index]).is_eq();
        if !tied {
            rank = index as u32 + 1;
            dense += 1;
        }
        members[index].rank = Some(match scheme.rank_style {
            RankStyle::Competition => rank,
            RankStyle::Dense => dense,
        });
    }
    for (band_index, band) in scheme.bands.iter().enumerate() {
        let Some(quota) = scheme.quotas.iter().find(|q| q.grade == band.name) else { continue };
        let Some(next) = scheme.bands.get(band_index + 1) else { continue };
        let allowed = (quota.share * Decimal::from(ranked)).floor().to_usize().unwrap_or(0);
        let holders: Vec<usize> = (0..ranked).filter(|i| members[*i].grade == band.name).collect();
        if holders.len() <= allowed {
            continue;
        }
        // The first `allowed` keep the grade; at the boundary, units tied with the last kept
        // one all keep it (tie_overflow) or all drop (so the share is never exceeded).
        let boundary_rank = members[holders[allowed]].rank;
        let last_kept_rank = allowed.checked_sub(1).map(|i| members[holders[i]].rank);
        let tie_at_boundary = last_kept_rank == Some(boundary_rank);
        for (position, index) in holders.iter().enumerate() {
            let rank = members[*index].rank;
            let keeps = if tie_at_boundary && rank == boundary_rank { scheme.tie_overflow } else { position < allowed };
            if !keeps {
                members[*index].grade = next.name.clone();
                members[*index].quota_moved = true;
            }
        }
    }
}
