//! Comprehensive evaluation (综合考评, SCORING.md §1): schemes, the scoring of leaves by their
//! rubrics, and the engine that turns score entries into grades and ranks.

pub mod engine;
pub mod records;
pub mod rubric;
pub mod scheme;
pub mod scorecard;
pub mod sheet;

pub use engine::{
    Bonus, Compiled, Deduction, LeafResult, Standing, UnitInput, UnitLine, UnitResult, Veto, VetoEffect, evaluate,
    evaluate_unit, par_map,
};
pub use rubric::{Answer, AnswerError, Entry, LeafScore, Reached, Scored};
pub use scheme::{
    Aggregation, Band, Combine, Level, Node, Quota, RankStyle, Rounding, Rubric, Scheme, SchemeError, TieBreaker,
};

#[cfg(test)]
mod tests;
