//! A unit's score explained line by line from a run's frozen inputs: each leaf with both
//! answers, the rubric step, the evidence and comments, the combined value; every item with
//! its source; and the sum down to the rounded final score.

use askama::Template;
use axum::extract::{Path, State};
use pacesetter_app::evaluations::runs;
use pacesetter_domain::{
    UnitId,
    evaluation::{VetoEffect, records::RunId},
};
use serde::Deserialize;

use super::{
    answer_text, dec,
    runs::{fixed, rank_text},
    unit_name,
};
use crate::ui::page::{PageQuery, PageResult};
use crate::{
    AppState,
    ui::context::{PageCtx, SignedIn, render},
    ui::named::Named,
};

pub struct ExplainRow {
    pub code: String,
    pub name: Named,
    pub max: String,
    pub self_answer: String,
    pub self_step: String,
    pub self_score: String,
    pub inspector_answer: String,
    pub inspector_step: String,
    pub inspector_score: String,
    pub evidence: Vec<(String, String)>,
    pub comments: String,
    pub computed: String,
    pub combined: String,
    pub flagged: bool,
}

pub struct ItemLine {
    pub kind_key: &'static str,
    pub text: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "evaluations/explain.html")]
struct ExplainPage {
    p: PageCtx,
    run_id: i64,
    scheme_name: Named,
    unit: String,
    rows: Vec<ExplainRow>,
    items: Vec<ItemLine>,
    base: String,
    leaves_sum: String,
    weights: bool,
    bonus: String,
    bonus_cap: String,
    deductions: String,
    deduction_cap: String,
    raw: String,
    final_score: String,
    rounding_key: String,
    precision: u32,
    grade: String,
    rank: String,
    category: String,
    vetoed: bool,
    quota_moved: bool,
}

#[derive(Deserialize)]
pub struct ExplainQuery {
    unit_id: i64,
}

/// A score as the explanation shows it: with at most the scheme's decimals, rounded its way, so
/// that the parts read like the final score they add up to (97.38 + 2 = 99.38, not 97.375).
/// The sums are computed on the exact values.
#[derive(Clone, Copy)]
pub(super) struct Shown {
    pub rounding: pacesetter_domain::evaluation::Rounding,
    pub precision: u32,
}

impl Shown {
    pub(super) fn of(self, value: rust_decimal::Decimal) -> String {
        dec(self.rounding.round(value, self.precision))
    }
}

impl ExplainRow {
    fn new(l: &runs::ExplainedLeaf, shown: Shown, t: crate::i18n::Tr) -> Self {
        let evidence = l
            .notes
            .self_evidence
            .iter()
            .chain(&l.notes.inspector_evidence)
            .enumerate()
            .map(|(i, id)| (format!("/api/v1/evidence/{id}/download"), t.n("evaluation.evidence_n", i + 1)))
            .collect();
        let comments = [&l.notes.self_comment, &l.notes.inspector_comment]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("；");
        ExplainRow {
            code: l.code.clone(),
            name: Named::of(&l.name, l.name_bo.as_deref(), t.locale),
            max: dec(l.result.max),
            // A leaf the server computes shows how on both sides, not the bare quotient.
            self_answer: match (&l.notes.computed, &l.self_answer) {
                (Some(how), _) => how.clone(),
                (None, answer) => answer.as_ref().map(|a| answer_text(a, t)).unwrap_or_default(),
            },
            self_step: l.result.self_score.as_ref().map(|s| s.step.clone()).unwrap_or_default(),
            self_score: l.result.self_score.as_ref().map(|s| shown.of(s.score)).unwrap_or_default(),
            inspector_answer: l.inspector_answer.as_ref().map(|a| answer_text(a, t)).unwrap_or_default(),
            inspector_step: l.result.inspector_score.as_ref().map(|s| s.step.clone()).unwrap_or_default(),
            inspector_score: l.result.inspector_score.as_ref().map(|s| shown.of(s.score)).unwrap_or_default(),
            evidence,
            comments,
            computed: l.notes.computed.clone().unwrap_or_default(),
            combined: shown.of(l.result.combined),
            flagged: l.result.flagged,
        }
    }
}

/// The bonus, deduction and veto items behind a line, in words.
fn item_lines(input: &pacesetter_domain::evaluation::UnitInput, t: crate::i18n::Tr) -> Vec<ItemLine> {
    let mut items = Vec::new();
    for b in &input.bonuses {
        items.push(ItemLine {
            kind_key: "evaluation.item.bonus",
            text: t.f("evaluation.bonus_text", &[("points", &dec(b.points)), ("cap", &dec(b.cap))]),
            source: b.source.clone(),
        });
    }
    for d in &input.deductions {
        items.push(ItemLine {
            kind_key: "evaluation.item.deduction",
            text: t.f("evaluation.deduction_text", &[("n", &d.count), ("per", &dec(d.per))]),
            source: d.source.clone(),
        });
    }
    for v in &input.vetoes {
        let text = match &v.effect {
            VetoEffect::Fail => t.t("evaluation.veto.fail").to_owned(),
            VetoEffect::CapGrade { grade } => t.f("evaluation.veto.cap_grade", &[("grade", grade)]),
            VetoEffect::ExcludeFromRanking => t.t("evaluation.veto.exclude").to_owned(),
        };
        items.push(ItemLine { kind_key: "evaluation.item.veto", text, source: v.source.clone() });
    }
    items
}

pub async fn explain(
    State(state): State<AppState>,
    SignedIn { actor, ctx }: SignedIn,
    Path(id): Path<i64>,
    PageQuery(query): PageQuery<ExplainQuery>,
) -> PageResult {
    let view = runs::explain_view(&state.app, &actor, RunId(id), UnitId(query.unit_id)).await?;
    let (e, unit, scheme, t) = (&view.explanation, view.unit.as_ref(), &view.scheme, ctx.t);
    let weights = scheme.scheme.scheme.aggregation == pacesetter_domain::evaluation::Aggregation::Weights;
    let shown = Shown { rounding: e.rounding, precision: e.precision };
    let rows = e.leaves.iter().map(|l| ExplainRow::new(l, shown, t)).collect();
    let items = item_lines(&e.input, t);
    // Under points the base is the leaves' sum, shown term by term.
    let leaves_sum = e.leaves.iter().map(|l| shown.of(l.result.combined)).collect::<Vec<_>>().join(" + ");
    Ok(render(&ExplainPage {
        run_id: id,
        scheme_name: Named::of(&scheme.scheme.name, scheme.scheme.name_bo.as_deref(), t.locale),
        unit: unit.map(|u| unit_name(u, t)).unwrap_or_default(),
        rows,
        items,
        base: shown.of(e.result.base),
        leaves_sum,
        weights,
        bonus: shown.of(e.result.bonus),
        bonus_cap: dec(e.bonus_cap),
        deductions: shown.of(e.result.deductions),
        deduction_cap: e.deduction_cap.map(dec).unwrap_or_default(),
        raw: shown.of(e.result.raw),
        final_score: fixed(e.result.final_score, e.precision),
        rounding_key: format!(
            "evaluation.rounding.{}",
            serde_json::to_value(e.rounding).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        ),
        precision: e.precision,
        grade: e.result.grade.clone(),
        rank: rank_text(e.result.rank, t),
        category: e.result.category.clone(),
        vetoed: e.result.vetoed,
        quota_moved: e.result.quota_moved,
        p: ctx.with_nav("evaluations"),
    }))
}
