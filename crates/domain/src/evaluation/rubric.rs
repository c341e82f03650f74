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

/// The answer a sheet's form sends for a leaf with `rubric`: the values typed, chosen or
/// ticked. `Ok(None)` when the leaf was left blank; the error code when a number is not one.
pub fn answer_from_form(rubric: &Rubric, values: &[String]) -> Result<Option<Answer>, &'static str> {
    let first = values.first().map(|v| v.trim()).unwrap_or("");
    let blank = match rubric {
        Rubric::Checklist { .. } => values.iter().all(|v| v.trim().is_empty()),
        _ => first.is_empty(),
    };
    if blank {
        return Ok(None);
    }
    Ok(Some(match rubric {
        Rubric::Levels { .. } => Answer::Level(first.to_owned()),
        // Ticked items win over a ticked "none of them".
        Rubric::Checklist { .. } => Answer::Checked(values.iter().filter_map(|v| v.trim().parse().ok()).collect()),
        Rubric::Binary => Answer::Met(first == "yes"),
        Rubric::DeductFromMax { .. } => Answer::Occurrences(first.parse().map_err(|_| "not_a_number")?),
        _ => Answer::Value(first.replace('。', ".").parse::<Decimal>().map_err(|_| "not_a_number")?),
    }))
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

/// How a leaf's score was reached: the numbers its explanation shows, kept without text so
/// that scoring a nation's units allocates nothing; [`Reached::describe`] puts it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached<'r> {
    /// The level chosen and the fraction it earned; `gated` when the evidence allowed less.
    Level {
        name: &'r str,
        fraction: Decimal,
        gated: bool,
    },
    Checklist {
        met: usize,
        of: usize,
    },
    Ratio {
        value: Decimal,
        floor: Decimal,
        target: Decimal,
        fraction: Decimal,
    },
    Efficacy {
        value: Decimal,
        points: Decimal,
    },
    Deducted {
        occurrences: u32,
        per: Decimal,
    },
    Binary {
        met: bool,
    },
    /// A satisfaction or completion fraction of the max.
    Fraction {
        fraction: Decimal,
    },
}

/// A computed value in a step's words: exact when it has at most four decimals ("= 0.5"), else
/// rounded to four ("≈ 0.9333"), since the exact quotient can run to 28 digits.
fn equals(value: Decimal) -> String {
    let shown = value.round_dp(4).normalize();
    if shown == value { format!("= {shown}") } else { format!("≈ {shown}") }
}

impl Reached<'_> {
    /// The step in words, for a leaf worth `max`.
    pub fn describe(&self, max: Decimal) -> String {
        match *self {
            Reached::Level { name, fraction, gated } => {
                let gate_note = if gated { "（佐证不足，按可证明的等次）" } else { "" };
                format!("{name} → {fraction} × {max}{gate_note}")
            }
            Reached::Checklist { met, of } => format!("{met}/{of} 项"),
            Reached::Ratio { value, floor, target, fraction } => {
                format!("{value} → ({value} − {floor}) / ({target} − {floor}) {}", equals(fraction))
            }
            Reached::Efficacy { value, points } => {
                let shown = points.round_dp(4).normalize();
                let about = if shown == points { "" } else { "≈ " };
                format!("{value} → 功效分 {about}{shown}")
            }
            Reached::Deducted { occurrences, per } => format!("{occurrences} × {per} 扣分"),
            Reached::Binary { met } => if met { "达标" } else { "未达标" }.to_owned(),
            Reached::Fraction { fraction } => format!("{} × {max}", fraction.round_dp(4).normalize()),
        }
    }
}

/// A leaf's score from one entry and how it was reached, before it is put in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored<'r> {
    pub score: Decimal,
    pub reached: Reached<'r>,
}

impl Scored<'_> {
    pub fn to_leaf_score(&self, max: Decimal) -> LeafScore {
        LeafScore { score: self.score, step: self.reached.describe(max) }
    }
}

/// Scores `entry` for a leaf worth `max` under `rubric`, with the step in words.
pub fn score(leaf: &str, rubric: &Rubric, max: Decimal, entry: &Entry, gate: bool) -> Result<LeafScore, AnswerError> {
    Ok(reach(leaf, rubric, max, entry, gate)?.to_leaf_score(max))
}

/// Scores `entry` for a leaf worth `max` under `rubric`; `gate` applies 无佐证不得分 to levels.
pub fn reach<'r>(
    leaf: &str,
    rubric: &'r Rubric,
    max: Decimal,
    entry: &Entry,
    gate: bool,
) -> Result<Scored<'r>, AnswerError> {
    let wrong = |code| AnswerError { leaf: leaf.to_owned(), code };
    let (score, reached) = match (rubric, &entry.answer) {
        (Rubric::Levels { levels }, Answer::Level(name)) => {
            let level = levels.iter().find(|l| &l.name == name).ok_or_else(|| wrong("unknown_level"))?;
            let fraction = if gate { gated(levels, level, entry.evidence) } else { level.fraction };
            let gated = fraction < level.fraction;
            (max * fraction, Reached::Level { name: &level.name, fraction, gated })
        }
        (Rubric::Checklist { items }, Answer::Checked(met)) => {
            if met.iter().any(|i| *i >= items.len()) {
                return Err(wrong("unknown_item"));
            }
            // Each item met counts once, in the items' order.
            let counted = || items.iter().enumerate().filter(|(i, _)| met.contains(i));
            let score = counted().map(|(_, points)| *points).sum::<Decimal>();
            (score, Reached::Checklist { met: counted().count(), of: items.len() })
        }
        (Rubric::Ratio { floor, target }, Answer::Value(value)) => {
            // Outside floor..target the fraction is clamped anyway: no division needed.
            let fraction = match (value <= floor, value >= target) {
                (true, _) => Decimal::ZERO,
                (_, true) => Decimal::ONE,
                _ => clamp01((*value - *floor) / (*target - *floor)),
            };
            (max * fraction, Reached::Ratio { value: *value, floor: *floor, target: *target, fraction })
        }
        (Rubric::Efficacy { x_low, x_high }, Answer::Value(value)) => {
            let hundred = Decimal::ONE_HUNDRED;
            let points = (Decimal::from(60) + Decimal::from(40) * (*value - *x_low) / (*x_high - *x_low))
                .clamp(Decimal::ZERO, hundred);
            (points * max / hundred, Reached::Efficacy { value: *value, points })
        }
        (Rubric::DeductFromMax { per_occurrence }, Answer::Occurrences(n)) => {
            let deducted = Decimal::from(*n) * *per_occurrence;
            ((max - deducted).max(Decimal::ZERO), Reached::Deducted { occurrences: *n, per: *per_occurrence })
        }
        (Rubric::Binary, Answer::Met(met)) => (if *met { max } else { Decimal::ZERO }, Reached::Binary { met: *met }),
        (Rubric::Survey | Rubric::TaskCompletion { .. }, Answer::Value(fraction)) => {
            if *fraction < Decimal::ZERO || *fraction > Decimal::ONE {
                return Err(wrong("fraction_out_of_range"));
            }
            (max * *fraction, Reached::Fraction { fraction: *fraction })
        }
        _ => return Err(wrong("answer_does_not_fit_rubric")),
    };
    Ok(Scored { score, reached })
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

#[cfg(test)]
mod words {
    use super::*;

    #[test]
    fn a_quotient_is_shown_to_four_decimals_and_an_exact_one_as_it_is() {
        let (value, floor, target) = (Decimal::new(88, 2), Decimal::new(60, 2), Decimal::new(90, 2));
        let fraction = (value - floor) / (target - floor);
        let ratio = Reached::Ratio { value, floor, target, fraction };
        assert_eq!(ratio.describe(Decimal::from(15)), "0.88 → (0.88 − 0.60) / (0.90 − 0.60) ≈ 0.9333");
        let half = Reached::Ratio { value: Decimal::new(75, 2), floor, target, fraction: Decimal::new(5, 1) };
        assert_eq!(half.describe(Decimal::from(15)), "0.75 → (0.75 − 0.60) / (0.90 − 0.60) = 0.5");
        let points = Decimal::from(250) / Decimal::from(3);
        assert_eq!(Reached::Efficacy { value, points }.describe(Decimal::from(10)), "0.88 → 功效分 ≈ 83.3333");
    }
}
