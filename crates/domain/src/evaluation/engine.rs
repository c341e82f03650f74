//! The evaluation algorithm of SCORING.md §1, per unit and then per category: leaves scored and
//! combined, the base aggregated, bonus and deductions capped, the raw score clamped and rounded
//! once, vetoes, grades, ranks within the category and quotas. Exact decimals throughout; every
//! number a unit's explanation shows adds up to its result.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::{Decimal, prelude::ToPrimitive};

use super::{
    rubric::{self, AnswerError, Entry, Scored},
    scheme::{Aggregation, Combine, RankStyle, Rubric, Scheme, TieBreaker},
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

/// A unit's line of a run: what the ranking shows, without the leaves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnitLine {
    pub unit: i64,
    pub category: String,
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
    /// The leaves whose two scores differ by more than the scheme allows, by code.
    #[serde(default)]
    pub flagged: Vec<String>,
}

/// One unit's result: its line and every leaf behind it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnitResult {
    #[serde(flatten)]
    pub line: UnitLine,
    pub leaves: Vec<LeafResult>,
}

impl std::ops::Deref for UnitResult {
    type Target = UnitLine;

    fn deref(&self) -> &UnitLine {
        &self.line
    }
}

/// Evaluates every unit, then grades and ranks each category.
pub fn evaluate(scheme: &Scheme, inputs: &[UnitInput]) -> Result<Vec<UnitResult>, AnswerError> {
    let compiled = Compiled::new(scheme);
    let mut standings = compiled.stand_all(inputs)?;
    compiled.rank(&mut standings);
    inputs.iter().zip(&standings).map(|(input, standing)| compiled.explain(input, compiled.line(standing))).collect()
}

/// Steps 1–6 of the algorithm for one unit, before ranking and quotas.
pub fn evaluate_unit(scheme: &Scheme, input: &UnitInput) -> Result<UnitResult, AnswerError> {
    let compiled = Compiled::new(scheme);
    let standing = compiled.stand(input)?;
    compiled.explain(input, compiled.line(&standing))
}

/// A unit's numbers before and after ranking, as compact as they can be kept for a nation's
/// units at once: leaves are not kept, flagged ones only by index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub unit: i64,
    pub category: String,
    pub base: Decimal,
    pub bonus: Decimal,
    pub deductions: Decimal,
    pub raw: Decimal,
    pub final_score: Decimal,
    /// Index of the grade band, after vetoes (and, once ranked, quotas).
    band: usize,
    pub rank: Option<u32>,
    pub vetoed: bool,
    pub quota_moved: bool,
    /// A veto takes the unit out of the ranking.
    excluded: bool,
    /// Indexes of the flagged leaves.
    flagged: Vec<u16>,
    /// Per tie-breaker, the value it compares (only `IndicatorDesc` needs one).
    ties: Vec<Decimal>,
}

/// A leaf of a compiled scheme.
#[derive(Debug)]
struct Leaf<'s> {
    code: &'s str,
    rubric: &'s Rubric,
    max: Decimal,
    /// Two scores further apart than this are flagged: the discrepancy percentage of the max.
    flag_above: Decimal,
}

/// One leaf of one unit, scored without words.
struct Line<'s> {
    own: Option<Scored<'s>>,
    inspected: Option<Scored<'s>>,
    combined: Decimal,
    flagged: bool,
}

/// A scheme prepared once for evaluating many units: its leaves with their maxima and the
/// tree as indexes, so that no unit searches the node list.
#[derive(Debug)]
pub struct Compiled<'s> {
    scheme: &'s Scheme,
    leaves: Vec<Leaf<'s>>,
    /// Leaf indexes in code order, to walk a unit's entries (kept by code) alongside.
    by_code: Vec<usize>,
    /// Per node (scheme order): its children, and its leaf index when it is a scored leaf.
    children: Vec<Vec<usize>>,
    leaf_of: Vec<Option<usize>>,
    roots: Vec<usize>,
    /// Per tie-breaker, the node an `IndicatorDesc` names (`None`: another kind, or no node).
    tie_nodes: Vec<Option<usize>>,
}

impl<'s> Compiled<'s> {
    pub fn new(scheme: &'s Scheme) -> Self {
        let index: HashMap<&str, usize> = scheme.nodes.iter().enumerate().map(|(i, n)| (n.code.as_str(), i)).collect();
        let mut children = vec![Vec::new(); scheme.nodes.len()];
        let mut roots = Vec::new();
        for (i, node) in scheme.nodes.iter().enumerate() {
            match node.parent.as_deref() {
                None => roots.push(i),
                // A parent that is not in the scheme leaves the node out of every sum, as
                // `Scheme::children` does; a checked scheme has none.
                Some(parent) => {
                    if let Some(p) = index.get(parent) {
                        children[*p].push(i);
                    }
                }
            }
        }
        let mut leaves = Vec::new();
        let mut leaf_of = vec![None; scheme.nodes.len()];
        for (i, node) in scheme.nodes.iter().enumerate() {
            let (true, Some(rubric)) = (children[i].is_empty(), &node.rubric) else { continue };
            let max = scheme.leaf_max(node);
            leaf_of[i] = Some(leaves.len());
            // Dividing by a hundred is exact in decimal.
            let flag_above = scheme.discrepancy_pct * max / Decimal::ONE_HUNDRED;
            leaves.push(Leaf { code: &node.code, rubric, max, flag_above });
        }
        let mut by_code: Vec<usize> = (0..leaves.len()).collect();
        by_code.sort_by_key(|i| leaves[*i].code);
        let tie_nodes = scheme
            .tie_breakers
            .iter()
            .map(|t| match t {
                TieBreaker::IndicatorDesc { code } => index.get(code.as_str()).copied(),
                _ => None,
            })
            .collect();
        Compiled { scheme, leaves, by_code, children, leaf_of, roots, tie_nodes }
    }

    pub fn scheme(&self) -> &'s Scheme {
        self.scheme
    }

    /// The scored leaves' codes, in the scheme's order: the order frozen inputs keep.
    pub fn leaf_codes(&self) -> impl ExactSizeIterator<Item = &'s str> + '_ {
        self.leaves.iter().map(|l| l.code)
    }

    /// A unit's entries (kept by code) in leaf order.
    pub fn in_leaf_order<'i>(&self, entries: &'i BTreeMap<String, Entry>) -> Vec<Option<&'i Entry>> {
        let mut ordered = vec![None; self.leaves.len()];
        let mut wanted = self.by_code.iter().peekable();
        for (code, entry) in entries {
            while let Some(&&i) = wanted.peek() {
                match self.leaves[i].code.cmp(code.as_str()) {
                    std::cmp::Ordering::Less => {
                        wanted.next();
                    }
                    std::cmp::Ordering::Equal => {
                        ordered[i] = Some(entry);
                        wanted.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
        ordered
    }

    /// Scores and combines every leaf of a unit in order (step 1 and the discrepancy flags),
    /// handing each to `each` with its index.
    fn walk(&self, input: &UnitInput, mut each: impl FnMut(usize, Line<'s>)) -> Result<(), AnswerError> {
        let scheme = self.scheme;
        let (own, inspected) = (self.in_leaf_order(&input.self_entries), self.in_leaf_order(&input.inspector_entries));
        for (i, leaf) in self.leaves.iter().enumerate() {
            let score = |entry: Option<&Entry>| {
                entry.map(|e| rubric::reach(leaf.code, leaf.rubric, leaf.max, e, scheme.evidence_gate)).transpose()
            };
            let (own, inspected) = (score(own[i])?, score(inspected[i])?);
            let (s, n) = (own.map(|s| s.score), inspected.map(|s| s.score));
            let combined = match scheme.combine {
                Combine::InspectorOverrides { self_when_uninspected } => match (n, s) {
                    (Some(n), _) => n,
                    (None, Some(s)) if self_when_uninspected => s,
                    _ => Decimal::ZERO,
                },
                Combine::Weighted { self_weight, inspector_weight } => {
                    s.unwrap_or_default() * self_weight + n.unwrap_or_default() * inspector_weight
                }
            };
            let flagged = match (s, n) {
                (Some(s), Some(n)) => (s - n).abs() > leaf.flag_above,
                _ => false,
            };
            each(i, Line { own, inspected, combined, flagged });
        }
        Ok(())
    }

    /// Steps 1–6 for one unit: its numbers before ranking and quotas.
    pub fn stand(&self, input: &UnitInput) -> Result<Standing, AnswerError> {
        let scheme = self.scheme;
        let (mut combined, mut flagged) = (Vec::with_capacity(self.leaves.len()), Vec::new());
        self.walk(input, |i, line| {
            combined.push(line.combined);
            if line.flagged {
                flagged.push(i as u16);
            }
        })?;
        let base = match scheme.aggregation {
            Aggregation::Points => combined.iter().sum(),
            Aggregation::Weights => self.weighted(&self.roots, &combined) * scheme.total_points / Decimal::ONE_HUNDRED,
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
        let by_indicator = self.scheme.tie_breakers.iter().any(|t| matches!(t, TieBreaker::IndicatorDesc { .. }));
        let ties = match by_indicator {
            true => {
                self.tie_nodes.iter().map(|node| node.map_or(Decimal::ZERO, |n| self.indicator(n, &combined))).collect()
            }
            false => Vec::new(),
        };
        Ok(Standing {
            unit: input.unit,
            category: input.category.clone(),
            base,
            bonus,
            deductions,
            raw,
            final_score,
            band,
            rank: None,
            vetoed: !input.vetoes.is_empty(),
            quota_moved: false,
            excluded: input.vetoes.iter().any(|v| v.effect == VetoEffect::ExcludeFromRanking),
            flagged,
            ties,
        })
    }

    /// [`Compiled::stand`] for every unit, on every core.
    pub fn stand_all(&self, inputs: &[UnitInput]) -> Result<Vec<Standing>, AnswerError> {
        par_map(inputs, |input| self.stand(input))
    }

    /// A node's 0–100 score under weights: its leaves' combined scores, weighted up the tree.
    fn weighted(&self, nodes: &[usize], combined: &[Decimal]) -> Decimal {
        nodes
            .iter()
            .map(|n| {
                let score = match self.leaf_of[*n] {
                    Some(leaf) => combined[leaf],
                    None => self.weighted(&self.children[*n], combined),
                };
                self.scheme.nodes[*n].weight.unwrap_or_default() * score
            })
            .sum()
    }

    /// A node's combined score for a tie-break: a leaf's, or the sum of its leaves' below it.
    fn indicator(&self, node: usize, combined: &[Decimal]) -> Decimal {
        match self.leaf_of[node] {
            Some(leaf) => combined[leaf],
            None => self.children[node].iter().map(|c| self.indicator(*c, combined)).sum(),
        }
    }

    /// Ranks every category and applies the quotas in rank order.
    pub fn rank(&self, standings: &mut [Standing]) {
        let mut categories: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, s) in standings.iter().enumerate() {
            categories.entry(s.category.as_str()).or_default().push(i);
        }
        let categories: Vec<Vec<usize>> = categories.into_values().collect();
        for members in categories {
            self.rank_category(standings, members);
        }
    }

    /// Orders two units by final score, then the tie-breakers; `Equal` means they share a rank.
    fn compare(&self, a: &Standing, b: &Standing) -> std::cmp::Ordering {
        let mut order = b.final_score.cmp(&a.final_score);
        for (k, breaker) in self.scheme.tie_breakers.iter().enumerate() {
            if order.is_ne() {
                break;
            }
            order = match breaker {
                TieBreaker::BaseDesc => b.base.cmp(&a.base),
                TieBreaker::DeductionsAsc => a.deductions.cmp(&b.deductions),
                TieBreaker::IndicatorDesc { .. } => b.ties[k].cmp(&a.ties[k]),
            };
        }
        order
    }

    fn rank_category(&self, all: &mut [Standing], mut members: Vec<usize>) {
        let scheme = self.scheme;
        members.sort_by(|a, b| {
            let (a, b) = (&all[*a], &all[*b]);
            a.excluded.cmp(&b.excluded).then_with(|| self.compare(a, b)).then(a.unit.cmp(&b.unit))
        });
        let ranked = members.iter().filter(|i| !all[**i].excluded).count();
        let (mut rank, mut dense) = (0u32, 0u32);
        for index in 0..ranked {
            let tied = index > 0 && self.compare(&all[members[index - 1]], &all[members[index]]).is_eq();
            if !tied {
                rank = index as u32 + 1;
                dense += 1;
            }
            all[members[index]].rank = Some(match scheme.rank_style {
                RankStyle::Competition => rank,
                RankStyle::Dense => dense,
            });
        }
        for (band_index, band) in scheme.bands.iter().enumerate() {
            let Some(quota) = scheme.quotas.iter().find(|q| q.grade == band.name) else { continue };
            if band_index + 1 >= scheme.bands.len() {
                continue;
            }
            let allowed = (quota.share * Decimal::from(ranked)).floor().to_usize().unwrap_or(0);
            let holders: Vec<usize> =
                members[..ranked].iter().copied().filter(|i| all[*i].band == band_index).collect();
            if holders.len() <= allowed {
                continue;
            }
            // The first `allowed` keep the grade; at the boundary, units tied with the last kept
            // one all keep it (tie_overflow) or all drop (so the share is never exceeded).
            let boundary_rank = all[holders[allowed]].rank;
            let last_kept_rank = allowed.checked_sub(1).map(|i| all[holders[i]].rank);
            let tie_at_boundary = last_kept_rank == Some(boundary_rank);
            for (position, index) in holders.iter().enumerate() {
                let rank = all[*index].rank;
                let keeps =
                    if tie_at_boundary && rank == boundary_rank { scheme.tie_overflow } else { position < allowed };
                if !keeps {
                    all[*index].band = band_index + 1;
                    all[*index].quota_moved = true;
                }
            }
        }
    }

    /// A unit's line, as runs store and show it.
    pub fn line(&self, standing: &Standing) -> UnitLine {
        UnitLine {
            unit: standing.unit,
            category: standing.category.clone(),
            base: standing.base,
            bonus: standing.bonus,
            deductions: standing.deductions,
            raw: standing.raw,
            final_score: standing.final_score,
            grade: self.scheme.bands.get(standing.band).map(|b| b.name.clone()).unwrap_or_default(),
            rank: standing.rank,
            vetoed: standing.vetoed,
            quota_moved: standing.quota_moved,
            flagged: standing.flagged.iter().map(|i| self.leaves[usize::from(*i)].code.to_owned()).collect(),
        }
    }

    /// Every leaf behind a unit's `line`, scored again from its inputs and put in words.
    pub fn explain(&self, input: &UnitInput, line: UnitLine) -> Result<UnitResult, AnswerError> {
        let mut leaves = Vec::with_capacity(self.leaves.len());
        self.walk(input, |i, l| {
            let leaf = &self.leaves[i];
            leaves.push(LeafResult {
                code: leaf.code.to_owned(),
                max: leaf.max,
                self_score: l.own.map(|s| s.to_leaf_score(leaf.max)),
                inspector_score: l.inspected.map(|s| s.to_leaf_score(leaf.max)),
                combined: l.combined,
                flagged: l.flagged,
            })
        })?;
        Ok(UnitResult { line, leaves })
    }
}

fn round(scheme: &Scheme, value: Decimal) -> Decimal {
    scheme.rounding.round(value, scheme.precision)
}

/// `f` over every item, on every core, in order; the first error wins.
pub fn par_map<T: Sync, R: Send, E: Send>(items: &[T], f: impl Fn(&T) -> Result<R, E> + Sync) -> Result<Vec<R>, E> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(64);
    if items.len() <= chunk {
        return items.iter().map(&f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Result<Vec<_>, _>>()))
            .collect();
        let mut all = Vec::with_capacity(items.len());
        for worker in workers {
            all.extend(worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?);
        }
        Ok(all)
    })
}
