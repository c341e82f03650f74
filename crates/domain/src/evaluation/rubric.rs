//! Scoring one leaf from one answer by its rubric, exactly, with the step in words for the
//! explanation. No rounding happens here.

use rust_decimal::Decimal;

use super::scheme::{Level, Rubric};

/// What a scorer entered for a leaf.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Answer {
    /// A level's name (`levels`).
    Level(String),
    /// The indexes of the items met (`checklist`).
    Checked(Vec<usize>),
    /// A ratio, an efficacy value, a satisfaction or completion fraction.
    Value(Decimal),
    /// Occurrences to deduct (`deduct_from_max`).
    Occurrences(u32),
    /// Met or not (`binary`).
    Met(bool),
}

/// One scorer's entry for a leaf: the answer and how much evidence is attached.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub answer: Answer,
    #[serde(default)]
    pub evidence: u32,
}

/// A leaf's score from one entry, with how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeafScore {
    pub score: Decimal,
    pub step: String,
}

/// An answer that does not fit its leaf's rubric (a level the rubric lacks, an item out of
/// range, a fraction above 1…).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} at {leaf}")]
pub struct AnswerError {
    pub leaf: String,
    pub code: &'static str,
}

fn clamp01(x: Decimal) -> Decimal {
    x.clamp(Decimal::ZERO, Decimal::ONE)
}

/// Scores `entry` for a leaf worth `max` under `rubric`; `gate` applies 无佐证不得分 to levels.
pub fn score(leaf: &str, rubric: &Rubric, max: Decimal, entry: &Entry, gate: bool) -> Result<LeafScore, AnswerError> {
    let wrong = |code| AnswerError { leaf: leaf.to_owned(), code };
    let fraction_of = |fraction: Decimal| (max * fraction, fraction);
    let (score, step) = match (rubric, &entry.answer) {
        (Rubric::Levels { levels }, Answer::Level(name)) => {
            let level = levels.iter().find(|l| &l.name == name).ok_or(wrong("unknown_level"))?;
            let fraction = if gate { gated(levels, level, entry.evidence) } else { level.fraction };
            let gate_note = if fraction < level.fraction { "（佐证不足，按可证明的等次）" } else { "" };
            let (score, fraction) = fraction_of(fraction);
            (score, format!("{name} → {fraction} × {max}{gate_note}"))
        }
        (Rubric::Checklist { items }, Answer::Checked(met)) => {
            if met.iter().any(|i| *i >= items.len()) {
                return Err(wrong("unknown_item"));
            }
            let mut met = met.clone();
            met.sort_unstable();
            met.dedup();
            let score = met.iter().map(|i| items[*i]).sum::<Decimal>();
            (score, format!("{}/{} 项", met.len(), items.len()))
        }
        (Rubric::Ratio { floor, target }, Answer::Value(r)) => {
            let fraction = clamp01((*r - *floor) / (*target - *floor));
            (max * fraction, format!("{r} → ({r} − {floor}) / ({target} − {floor}) = {fraction}"))
        }
        (Rubric::Efficacy { x_low, x_high }, Answer::Value(x)) => {
            let hundred = Decimal::ONE_HUNDRED;
            let points = (Decimal::from(60) + Decimal::from(40) * (*x - *x_low) / (*x_high - *x_low))
                .clamp(Decimal::ZERO, hundred);
            (points * max / hundred, format!("{x} → 功效分 {points}"))
        }
        (Rubric::DeductFromMax { per_occurrence }, Answer::Occurrences(n)) => {
            let deducted = Decimal::from(*n) * *per_occurrence;
            ((max - deducted).max(Decimal::ZERO), format!("{n} × {per_occurrence} 扣分"))
        }
        (Rubric::Binary, Answer::Met(met)) => {
            (if *met { max } else { Decimal::ZERO }, if *met { "达标" } else { "未达标" }.to_owned())
        }
        (Rubric::Survey | Rubric::TaskCompletion { .. }, Answer::Value(fraction)) => {
            if *fraction < Decimal::ZERO || *fraction > Decimal::ONE {
                return Err(wrong("fraction_out_of_range"));
            }
            (max * *fraction, format!("{fraction} × {max}"))
        }
        _ => return Err(wrong("answer_does_not_fit_rubric")),
    };
    Ok(LeafScore { score, step })
}

/// The fraction a levels leaf may reach with `evidence` pieces attached: no more than the best
/// level whose evidence is there; nothing with no evidence at all where levels ask for some.
fn gated(levels: &[Level], chosen: &Level, evidence: u32) -> Decimal {
    let asks_for_evidence = levels.iter().any(|l| l.min_evidence > 0);
    if asks_for_evidence && evidence == 0 {
        return Decimal::ZERO;
    }
    let best_provable =
        levels.iter().filter(|l| l.min_evidence <= evidence).map(|l| l.fraction).max().unwrap_or(Decimal::ZERO);
    chosen.fraction.min(best_provable)
}
