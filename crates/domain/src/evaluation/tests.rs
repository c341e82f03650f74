//! The worked examples of SCORING.md §1, and the properties the issue asks for.

use std::{collections::BTreeMap, str::FromStr};

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn leaf(code: &str, points: &str, rubric: Rubric) -> Node {
    Node {
        code: code.into(),
        parent: None,
        name: code.into(),
        name_bo: None,
        points: Some(d(points)),
        weight: None,
        rubric: Some(rubric),
        methods: Vec::new(),
        evidence: None,
    }
}

fn levels() -> Rubric {
    let level = |name: &str, fraction: &str| Level { name: name.into(), fraction: d(fraction), min_evidence: 0 };
    Rubric::Levels { levels: vec![level("A", "1"), level("B", "0.8"), level("C", "0.6"), level("D", "0")] }
}

/// The worked example's scheme: six leaves worth 100 points, half_up to 2 dp.
fn example_scheme(combine: Combine) -> Scheme {
    Scheme {
        total_points: d("100"),
        aggregation: Aggregation::Points,
        nodes: vec![
            leaf("A1", "8", Rubric::Checklist { items: vec![d("2"); 4] }),
            leaf("A2", "12", Rubric::Checklist { items: vec![d("1.5"); 8] }),
            leaf("B1", "15", levels()),
            leaf("B2", "15", Rubric::Ratio { floor: d("0.60"), target: d("0.90") }),
            leaf("C1", "25", levels()),
            leaf("D1", "25", Rubric::Survey),
        ],
        combine,
        discrepancy_pct: d("10"),
        evidence_gate: false,
        bonus_cap: d("5"),
        deduction_cap: None,
        bands: vec![
            Band { name: "优秀".into(), min: d("90") },
            Band { name: "良好".into(), min: d("80") },
            Band { name: "合格".into(), min: d("60") },
            Band { name: "不合格".into(), min: d("0") },
        ],
        quotas: Vec::new(),
        tie_overflow: false,
        tie_breakers: vec![TieBreaker::BaseDesc, TieBreaker::DeductionsAsc],
        rank_style: RankStyle::Competition,
        rounding: Rounding::HalfUp,
        precision: 2,
    }
}

fn entry(answer: Answer) -> Entry {
    Entry { answer, evidence: 1 }
}

fn example_unit() -> UnitInput {
    let checked = |n: usize| Answer::Checked((0..n).collect());
    let own = [
        ("A1", checked(4)),
        ("A2", checked(8)),
        ("B1", Answer::Level("A".into())),
        ("B2", Answer::Value(d("0.92"))),
        ("C1", Answer::Level("A".into())),
        ("D1", Answer::Value(d("1"))),
    ];
    let inspected = [
        ("A1", checked(4)),
        ("A2", checked(7)),
        ("B1", Answer::Level("B".into())),
        ("B2", Answer::Value(d("0.84"))),
        ("C1", Answer::Level("A".into())),
        ("D1", Answer::Value(d("0.932"))),
    ];
    let entries = |list: [(&str, Answer); 6]| {
        list.into_iter().map(|(code, a)| (code.to_owned(), entry(a))).collect::<BTreeMap<_, _>>()
    };
    let bonus = |points: &str| Bonus { points: d(points), cap: d("3"), source: "通报表扬".into() };
    UnitInput {
        unit: 1,
        category: "地市".into(),
        self_entries: entries(own),
        inspector_entries: entries(inspected),
        bonuses: vec![bonus("2"), bonus("3"), bonus("1")],
        deductions: vec![
            Deduction { count: 2, per: d("0.5"), source: "整改超期".into() },
            Deduction { count: 1, per: d("1"), source: "信息报送迟报".into() },
        ],
        vetoes: Vec::new(),
    }
}

#[test]
fn the_worked_example_scores_93_80() {
    let scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: false });
    scheme.check().unwrap();
    let result = evaluate_unit(&scheme, &example_unit()).unwrap();
    assert_eq!(result.base, d("90.8"));
    assert_eq!(result.bonus, d("5"), "6 claimed, capped at 5");
    assert_eq!(result.deductions, d("2"));
    assert_eq!(result.final_score.to_string(), "93.80");
    assert_eq!(result.grade, "优秀");
    let flagged: Vec<&str> = result.leaves.iter().filter(|l| l.flagged).map(|l| l.code.as_str()).collect();
    assert_eq!(flagged, ["A2", "B1", "B2"], "12.5 % > 10 % and beyond; D1's 1.7 of 25 is within");
    let explained: Decimal =
        result.leaves.iter().map(|l| l.combined).sum::<Decimal>() + result.bonus - result.deductions;
    assert_eq!(explained, result.raw, "the explanation adds up");
}

#[test]
fn the_worked_example_weighted_scores_95_64() {
    let weighted = Combine::Weighted { self_weight: d("0.2"), inspector_weight: d("0.8") };
    let result = evaluate_unit(&example_scheme(weighted), &example_unit()).unwrap();
    assert_eq!(result.base, d("92.64"));
    assert_eq!(result.final_score.to_string(), "95.64");
}

#[test]
fn rounding_happens_once_in_the_schemes_mode() {
    let mut scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: true });
    scheme.precision = 1;
    let mut unit = UnitInput { unit: 1, category: "地市".into(), ..UnitInput::default() };
    // 25 × 0.93 + 2 × 1.5 = 26.25: a midpoint at one decimal place.
    unit.self_entries.insert("D1".into(), entry(Answer::Value(d("0.93"))));
    unit.self_entries.insert("A2".into(), entry(Answer::Checked(vec![0, 1])));
    let half_up = evaluate_unit(&scheme, &unit).unwrap();
    assert_eq!(half_up.raw, d("26.25"));
    assert_eq!(half_up.final_score, d("26.3"));
    scheme.rounding = Rounding::HalfEven;
    assert_eq!(evaluate_unit(&scheme, &unit).unwrap().final_score, d("26.2"));
}

#[test]
fn a_scheme_that_does_not_add_up_names_the_node() {
    let mut scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: false });
    scheme.nodes[0].points = Some(d("9"));
    assert_eq!(scheme.check().unwrap_err().code, "checklist_does_not_add_up");
    scheme.nodes[0].rubric = Some(Rubric::Checklist { items: vec![d("3"); 3] });
    let error = scheme.check().unwrap_err();
    assert_eq!((error.node.as_str(), error.code), ("scheme", "children_do_not_add_up"));
    let mut nested = example_scheme(Combine::InspectorOverrides { self_when_uninspected: false });
    nested.nodes.push(Node { parent: Some("C1".into()), ..leaf("C1a", "20", levels()) });
    let error = nested.check().unwrap_err();
    assert_eq!((error.node.as_str(), error.code), ("C1", "children_do_not_add_up"));
}

#[test]
fn weights_must_sum_to_one_and_score_out_of_a_hundred() {
    let node = |code: &str, parent: Option<&str>, weight: &str, rubric: Option<Rubric>| Node {
        code: code.into(),
        parent: parent.map(Into::into),
        name: code.into(),
        name_bo: None,
        points: None,
        weight: Some(d(weight)),
        rubric,
        methods: Vec::new(),
        evidence: None,
    };
    let mut scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: true });
    scheme.aggregation = Aggregation::Weights;
    scheme.nodes = vec![
        node("A", None, "0.4", None),
        node("A1", Some("A"), "0.5", Some(Rubric::Binary)),
        node("A2", Some("A"), "0.5", Some(Rubric::Survey)),
        node("B", None, "0.6", Some(levels())),
    ];
    scheme.check().unwrap();
    let mut unit = UnitInput { unit: 1, category: "x".into(), ..UnitInput::default() };
    unit.self_entries.insert("A1".into(), entry(Answer::Met(true)));
    unit.self_entries.insert("A2".into(), entry(Answer::Value(d("0.5"))));
    unit.self_entries.insert("B".into(), entry(Answer::Level("B".into())));
    // A = 0.5 × 100 + 0.5 × 50 = 75; root = 0.4 × 75 + 0.6 × 80 = 78.
    assert_eq!(evaluate_unit(&scheme, &unit).unwrap().base, d("78"));
    scheme.nodes[1].weight = Some(d("0.6"));
    assert_eq!(scheme.check().unwrap_err(), SchemeError { node: "A".into(), code: "weights_do_not_sum_to_one" });
}

#[test]
fn no_evidence_no_score_and_levels_capped_by_what_is_proven() {
    let gated = Rubric::Levels {
        levels: vec![
            Level { name: "A".into(), fraction: d("1"), min_evidence: 3 },
            Level { name: "B".into(), fraction: d("0.8"), min_evidence: 1 },
            Level { name: "D".into(), fraction: d("0"), min_evidence: 0 },
        ],
    };
    let score = |evidence| {
        rubric::score("C1", &gated, d("25"), &Entry { answer: Answer::Level("A".into()), evidence }, true)
            .unwrap()
            .score
    };
    assert_eq!(score(3), d("25"));
    assert_eq!(score(1), d("20"), "one piece proves B at most");
    assert_eq!(score(0), d("0"), "无佐证不得分");
}

#[test]
fn vetoes_quotas_and_ranks_within_a_category() {
    let mut scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: true });
    scheme.quotas = vec![Quota { grade: "优秀".into(), share: d("0.3") }];
    // Ten units scoring 100, 99, …, 91 on one survey leaf worth 25 plus 75 from the rest.
    let units: Vec<UnitInput> = (0..10)
        .map(|i| {
            let mut unit = full_marks(i, "地市");
            unit.self_entries.insert("D1".into(), entry(Answer::Value(d("1") - Decimal::from(i) * d("0.04"))));
            unit
        })
        .collect();
    let results = evaluate(&scheme, &units).unwrap();
    let excellent = results.iter().filter(|r| r.grade == "优秀").count();
    assert_eq!(excellent, 3, "30 % of ten");
    assert!(results.iter().filter(|r| r.quota_moved).all(|r| r.grade == "良好"));
    let mut vetoed = units.clone();
    vetoed[0].vetoes.push(Veto { effect: VetoEffect::ExcludeFromRanking, source: "安全事故".into() });
    vetoed[1].vetoes.push(Veto { effect: VetoEffect::Fail, source: "弄虚作假".into() });
    let results = evaluate(&scheme, &vetoed).unwrap();
    let of = |unit: i64| results.iter().find(|r| r.unit == unit).unwrap();
    assert_eq!(of(0).rank, None, "excluded, listed after");
    assert_eq!(of(0).final_score, d("100.00"), "the score is still kept");
    assert_eq!(of(1).grade, "不合格");
    assert_eq!(of(2).rank, Some(2));
}

#[test]
fn ties_share_a_rank_competition_or_dense() {
    let mut scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: true });
    let units = vec![full_marks(1, "x"), full_marks(2, "x"), partial(3, "x", "0.5")];
    let ranks = |scheme: &Scheme| {
        let results = evaluate(scheme, &units).unwrap();
        results.iter().map(|r| (r.unit, r.rank.unwrap())).collect::<BTreeMap<_, _>>()
    };
    assert_eq!(ranks(&scheme).into_values().collect::<Vec<_>>(), [1, 1, 3]);
    scheme.rank_style = RankStyle::Dense;
    assert_eq!(ranks(&scheme).into_values().collect::<Vec<_>>(), [1, 1, 2]);
}

/// A unit with full marks on every leaf (100 points).
fn full_marks(unit: i64, category: &str) -> UnitInput {
    partial(unit, category, "1")
}

/// A unit scoring `share` of D1 and full marks elsewhere.
fn partial(unit: i64, category: &str, share: &str) -> UnitInput {
    let mut input = UnitInput { unit, category: category.into(), ..UnitInput::default() };
    for (code, answer) in [
        ("A1", Answer::Checked((0..4).collect())),
        ("A2", Answer::Checked((0..8).collect())),
        ("B1", Answer::Level("A".into())),
        ("B2", Answer::Value(d("1"))),
        ("C1", Answer::Level("A".into())),
        ("D1", Answer::Value(d(share))),
    ] {
        input.self_entries.insert(code.into(), entry(answer));
    }
    input
}

proptest! {
    /// Lowering one unit's own score never improves its rank.
    #[test]
    fn a_lower_score_never_improves_a_rank(shares in proptest::collection::vec(0u32..=100, 2..12), who in 0usize..12, drop in 1u32..=100) {
        let scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: true });
        let who = who % shares.len();
        let units = |shares: &[u32]| -> Vec<UnitInput> {
            shares.iter().enumerate().map(|(i, s)| partial(i as i64, "x", &(Decimal::from(*s) / Decimal::ONE_HUNDRED).to_string())).collect()
        };
        let before = evaluate(&scheme, &units(&shares)).unwrap();
        let mut lowered = shares.clone();
        lowered[who] = lowered[who].saturating_sub(drop);
        let after = evaluate(&scheme, &units(&lowered)).unwrap();
        let rank = |results: &[UnitResult]| results.iter().find(|r| r.unit == who as i64).unwrap().rank.unwrap();
        prop_assert!(rank(&after) >= rank(&before));
    }

    /// Without tie overflow, no grade is held by more than its share allows.
    #[test]
    fn quotas_never_exceed_their_share(shares in proptest::collection::vec(0u32..=100, 1..20), quota in 0u32..=100) {
        let mut scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: true });
        let share = Decimal::from(quota) / Decimal::ONE_HUNDRED;
        scheme.quotas = vec![Quota { grade: "优秀".into(), share }, Quota { grade: "良好".into(), share }];
        let units: Vec<UnitInput> = shares.iter().enumerate().map(|(i, s)| partial(i as i64, "x", &(Decimal::from(*s) / Decimal::ONE_HUNDRED).to_string())).collect();
        let results = evaluate(&scheme, &units).unwrap();
        let allowed = (share * Decimal::from(units.len())).floor();
        for grade in ["优秀", "良好"] {
            let holders = Decimal::from(results.iter().filter(|r| r.grade == grade).count());
            prop_assert!(holders <= allowed, "{grade}: {holders} > {allowed}");
        }
    }

    /// Evaluating the same inputs again gives the same results, to the last digit.
    #[test]
    fn evaluation_is_reproducible(shares in proptest::collection::vec(0u32..=100, 1..10)) {
        let scheme = example_scheme(Combine::Weighted { self_weight: d("0.3"), inspector_weight: d("0.7") });
        let units: Vec<UnitInput> = shares.iter().enumerate().map(|(i, s)| partial(i as i64, "x", &(Decimal::from(*s) / Decimal::ONE_HUNDRED).to_string())).collect();
        prop_assert_eq!(evaluate(&scheme, &units).unwrap(), evaluate(&scheme, &units).unwrap());
    }

    /// A unit's explanation adds up to its raw score whenever nothing was clamped.
    #[test]
    fn explanations_add_up(share in 0u32..=100, bonus in 0u32..=8, count in 0u32..=5) {
        let scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: true });
        let mut unit = partial(1, "x", &(Decimal::from(share) / Decimal::ONE_HUNDRED).to_string());
        unit.bonuses.push(Bonus { points: Decimal::from(bonus), cap: d("4"), source: "x".into() });
        unit.deductions.push(Deduction { count, per: d("0.5"), source: "y".into() });
        let result = evaluate_unit(&scheme, &unit).unwrap();
        let explained = result.leaves.iter().map(|l| l.combined).sum::<Decimal>() + result.bonus - result.deductions;
        prop_assert_eq!(explained.clamp(Decimal::ZERO, d("105")), result.raw);
    }
}

#[test]
fn an_indicator_breaks_a_tie_and_an_unknown_one_counts_nothing() {
    let mut scheme = example_scheme(Combine::InspectorOverrides { self_when_uninspected: true });
    // Same total: unit 1 loses 5 points on D1, unit 2 the same 5 points on C1 (level C).
    let mut first = partial(1, "x", "0.8");
    first.self_entries.insert("C1".into(), entry(Answer::Level("A".into())));
    let mut second = full_marks(2, "x");
    second.self_entries.insert("C1".into(), entry(Answer::Level("B".into())));
    let units = vec![first, second];
    scheme.tie_breakers = vec![TieBreaker::IndicatorDesc { code: "D1".into() }];
    let ranks = |scheme: &Scheme| evaluate(scheme, &units).unwrap().iter().map(|r| r.rank).collect::<Vec<_>>();
    assert_eq!(ranks(&scheme), [Some(2), Some(1)], "unit 2 has the higher D1");
    scheme.tie_breakers = vec![TieBreaker::IndicatorDesc { code: "NOPE".into() }];
    assert_eq!(ranks(&scheme), [Some(1), Some(1)], "an indicator not in the scheme breaks no tie");
}
