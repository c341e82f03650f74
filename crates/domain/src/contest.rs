//! Contests judged by a panel (演讲比赛 and juried events), as `SCORING.md` §2 has them: a judge's
//! score checked against the criteria, the trimmed mean of an entry, the ranking with its
//! tie-breaks, and the running order drawn from a seed that anyone can draw again.

use rust_decimal::Decimal;

use crate::{
    Timestamp, UnitId, UserId, ValidationError,
    evaluation::Rounding,
    ids::{CampaignId, ContestEntryId, ContestId, ContestRoundId, JudgeScoreId, PlanItemId},
};

/// A criterion of a round and the most points a judge may give for it (内容 40, 表达 30…).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Criterion {
    pub code: String,
    pub name: String,
    pub max: Decimal,
}

/// When the big screen shows a judge's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reveal {
    /// As soon as the judge submits it.
    AtOnce,
    /// Once the next contestant has finished, so that no judge is swayed by another's score.
    AfterNext,
}

impl Reveal {
    pub const ALL: [Self; 2] = [Self::AtOnce, Self::AfterNext];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtOnce => "at_once",
            Self::AfterNext => "after_next",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// How a round turns judges' scores into an entry's score and a ranking.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rules {
    /// How many of the highest judge scores are dropped.
    pub trim_high: u32,
    /// How many of the lowest judge scores are dropped.
    pub trim_low: u32,
    /// Decimal places of an entry's score.
    pub precision: u32,
    pub rounding: Rounding,
    /// The criterion that breaks a tie the untrimmed scores leave, if any.
    pub tie_criterion: Option<String>,
    pub reveal: Reveal,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            trim_high: 1,
            trim_low: 1,
            precision: 2,
            rounding: Rounding::HalfUp,
            tie_criterion: None,
            reveal: Reveal::AtOnce,
        }
    }
}

/// The most decimal places a judge may type for a criterion (92.5, 8.25).
pub const SCORE_DECIMALS: u32 = 2;

/// The criteria scores of one judge for one entry, checked: every criterion once, none unknown,
/// each between 0 and its maximum with at most [`SCORE_DECIMALS`] places. Returns the scores in
/// the criteria's order and their sum, the judge's score.
pub fn check_score(
    criteria: &[Criterion],
    given: &[(String, Decimal)],
) -> Result<(Vec<Decimal>, Decimal), ValidationError> {
    let mut errors = ValidationError::new();
    if given.iter().any(|(code, _)| !criteria.iter().any(|c| &c.code == code)) {
        errors.push("criteria", "unknown_criterion");
    }
    let mut scores = Vec::with_capacity(criteria.len());
    for criterion in criteria {
        let mut found = given.iter().filter(|(code, _)| *code == criterion.code);
        match (found.next(), found.next()) {
            (Some(_), Some(_)) => errors.push("criteria", "criterion_twice"),
            (None, _) => errors.push("criteria", "criterion_missing"),
            (Some((_, value)), None) => {
                if value.is_sign_negative() || *value > criterion.max {
                    errors.push("criteria", "score_out_of_range");
                } else if value.normalize().scale() > SCORE_DECIMALS {
                    errors.push("criteria", "score_too_precise");
                }
                scores.push(*value);
            }
        }
    }
    errors.into_result()?;
    let total = scores.iter().sum();
    Ok((scores, total))
}

/// An entry's trimmed mean: the `trim_high` highest and `trim_low` lowest judge scores dropped
/// (of several equal scores only as many as the rule says), the rest averaged and rounded once.
/// `None` until more scores are in than the rule drops.
pub fn trimmed_mean(scores: &[Decimal], rules: &Rules) -> Option<Decimal> {
    let dropped = (rules.trim_high + rules.trim_low) as usize;
    if scores.len() <= dropped {
        return None;
    }
    let mut sorted = scores.to_vec();
    sorted.sort();
    let kept = &sorted[rules.trim_low as usize..sorted.len() - rules.trim_high as usize];
    let mean = kept.iter().sum::<Decimal>() / Decimal::from(kept.len());
    Some(rules.rounding.round(mean, rules.precision))
}

/// What the ranking knows of an entry: every judge's score and, where a tie criterion is set,
/// every judge's score for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub scores: Vec<Decimal>,
    pub tie_criterion: Vec<Decimal>,
}

/// An entry's place on the scoreboard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Standing {
    /// The entry's index among the tallies.
    pub entry: usize,
    pub score: Option<Decimal>,
    /// The sum of every judge's score, dropped ones included.
    pub total: Decimal,
    /// Shared by entries that nothing tells apart; `None` until the entry has a score.
    pub rank: Option<u32>,
}

fn mean(values: &[Decimal]) -> Decimal {
    if values.is_empty() { Decimal::ZERO } else { values.iter().sum::<Decimal>() / Decimal::from(values.len()) }
}

/// The scoreboard, best first: by trimmed mean; a tie by the untrimmed scores, then by the tie
/// criterion, and entries still level share the rank (1, 2, 2, 4). Entries without a score yet
/// come last, unranked.
///
/// The untrimmed scores are compared as a mean: with equal panels that is the same order as the
/// untrimmed total `SCORING.md` names, and an entry whose panel lost a judge's own-unit slot is
/// not put behind for it.
pub fn rank(tallies: &[Tally], rules: &Rules) -> Vec<Standing> {
    let key = |t: &Tally| (trimmed_mean(&t.scores, rules), mean(&t.scores), mean(&t.tie_criterion));
    let keys: Vec<_> = tallies.iter().map(key).collect();
    let mut order: Vec<usize> = (0..tallies.len()).collect();
    // Best first; `None` (no score yet) sorts below every score.
    order.sort_by(|a, b| keys[*b].cmp(&keys[*a]).then(a.cmp(b)));
    let mut standings: Vec<Standing> = Vec::with_capacity(order.len());
    for (position, &entry) in order.iter().enumerate() {
        let (score, _, _) = keys[entry];
        let rank = score.map(|_| match standings.last() {
            Some(previous) if keys[previous.entry] == keys[entry] => previous.rank.unwrap_or(1),
            _ => position as u32 + 1,
        });
        standings.push(Standing { entry, score, total: tallies[entry].scores.iter().sum(), rank });
    }
    standings
}

/// The running order of `count` contestants drawn from `seed`: a Fisher–Yates shuffle driven by
/// SplitMix64, so that the order can be drawn again from the recorded seed and shown to be fair.
pub fn draw_order(count: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..count).collect();
    for i in (1..count).rev() {
        // The remainder's bias is below 2⁻⁵⁰ for any field of contestants.
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// Where a round stands in the contest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ContestStage))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 预赛: one prefecture's contestants.
    Heat,
    Semifinal,
    Final,
}

impl Stage {
    pub const ALL: [Self; 3] = [Self::Heat, Self::Semifinal, Self::Final];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Heat => "heat",
            Self::Semifinal => "semifinal",
            Self::Final => "final",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A round is set up, then open for scoring, then closed with its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ContestRoundStatus))]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    Setup,
    Open,
    Closed,
}

impl RoundStatus {
    pub const ALL: [Self; 3] = [Self::Setup, Self::Open, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What a contest judges: speakers on stage one after another, or works in an exhibition that
/// the jury scores in any order while a category is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ContestKind))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 演讲比赛: contestants called to the stage in a drawn running order.
    Speech,
    /// 作品展览: works with a picture each, in categories (the rounds), scored in any order.
    Exhibition,
}

impl Kind {
    pub const ALL: [Self; 2] = [Self::Speech, Self::Exhibition];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Speech => "speech",
            Self::Exhibition => "exhibition",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The prize an entry ranked `rank` wins when a round awards `prizes[0]` first prizes,
/// `prizes[1]` second prizes and so on: 0 for a first prize, 1 for a second…, `None` for none.
/// Entries sharing a rank share its prize, even where the tie runs past the prize's count.
pub fn prize(rank: u32, prizes: &[u32]) -> Option<usize> {
    let mut awarded = 0u32;
    for (level, count) in prizes.iter().enumerate() {
        awarded += count;
        if rank <= awarded {
            return Some(level);
        }
    }
    None
}

/// A contest of a campaign with its rules.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Contest {
    pub id: ContestId,
    pub campaign_id: CampaignId,
    /// The plan task it carries out (RW-02 …), if any.
    pub plan_item_id: Option<PlanItemId>,
    pub name: String,
    /// The name in Tibetan, if given.
    pub name_bo: Option<String>,
    pub kind: Kind,
    pub rules: Rules,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// A round with its criteria, in their order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Round {
    pub id: ContestRoundId,
    pub contest_id: ContestId,
    pub name: String,
    pub stage: Stage,
    /// A heat's prefecture.
    pub unit_id: Option<UnitId>,
    pub position: i64,
    /// How many of its best go on to the next round.
    pub advance: u32,
    /// The seed of the running-order draw, once drawn.
    pub draw_seed: Option<u64>,
    pub status: RoundStatus,
    /// The running order of the contestant on stage.
    pub current_order: Option<u32>,
    pub criteria: Vec<Criterion>,
    /// How many first, second, third … prizes the round awards ([5, 10, 35]).
    pub prizes: Vec<u32>,
    /// When its results were published: the rankings and prizes are final.
    pub published_at: Option<Timestamp>,
    pub version: i64,
}

/// A judge seated on a round's panel, with the unit they were from when seated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Judge {
    pub round_id: ContestRoundId,
    pub user_id: UserId,
    pub unit_id: UnitId,
    pub seat: u32,
}

/// A contestant representing a unit in a round.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub id: ContestEntryId,
    pub round_id: ContestRoundId,
    pub contestant: String,
    pub unit_id: UnitId,
    pub title: String,
    /// Place in the running order, from 1, once drawn.
    pub running_order: Option<u32>,
    /// An exhibition entry's picture of the work, cleaned like a finding's photo.
    pub image: Option<Image>,
}

/// An award a contest gives a unit rather than a contestant, such as 优秀组织奖 to a prefecture
/// that organised its heat well; the organiser names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Award {
    pub id: crate::ids::ContestAwardId,
    pub contest_id: crate::ids::ContestId,
    pub unit_id: UnitId,
    pub title: String,
    pub created_at: crate::Timestamp,
}

/// A picture kept in the file store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Image {
    pub sha256: String,
    pub content_type: String,
}

impl Entry {
    /// Whether `judge` may score this entry: never one of the judge's own unit.
    pub fn conflicts_with(&self, judge: &Judge) -> bool {
        self.unit_id == judge.unit_id
    }
}

/// A judge's score of an entry, as kept: never changed, only superseded by a correction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JudgeScore {
    pub id: JudgeScoreId,
    pub entry_id: ContestEntryId,
    pub judge_id: UserId,
    /// Criterion code and points, in the criteria's order.
    pub criteria: Vec<(String, Decimal)>,
    pub total: Decimal,
    pub idempotency_key: String,
    pub supersedes: Option<JudgeScoreId>,
    pub reason: Option<String>,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// The scores that count: for each judge of each entry, the latest correction or else the
/// first score.
pub fn current_scores(scores: &[JudgeScore]) -> Vec<&JudgeScore> {
    let superseded: std::collections::HashSet<JudgeScoreId> = scores.iter().filter_map(|s| s.supersedes).collect();
    scores.iter().filter(|s| !superseded.contains(&s.id)).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn prizes_go_down_the_ranking_and_a_shared_rank_shares_its_prize() {
        let prizes = [5, 10, 35];
        assert_eq!(
            [1, 5, 6, 15, 16, 50, 51].map(|rank| prize(rank, &prizes)),
            [Some(0), Some(0), Some(1), Some(1), Some(2), Some(2), None]
        );
        // Two entries share fifth place, the last first prize: both win it.
        assert_eq!(prize(5, &[5]), Some(0));
        assert_eq!(prize(1, &[]), None);
    }

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn ds(texts: &[&str]) -> Vec<Decimal> {
        texts.iter().map(|t| d(t)).collect()
    }

    fn tally(texts: &[&str]) -> Tally {
        Tally { scores: ds(texts), tie_criterion: Vec::new() }
    }

    #[test]
    fn the_scoring_example_of_seven_judges_ranks_p2_above_p1() {
        let rules = Rules::default();
        let p1 = tally(&["92.5", "94.0", "93.5", "95.0", "91.0", "93.0", "94.5"]);
        let p2 = tally(&["93.0", "93.5", "94.0", "96.0", "92.0", "93.0", "94.0"]);
        assert_eq!(trimmed_mean(&p1.scores, &rules), Some(d("93.50")));
        assert_eq!(trimmed_mean(&p2.scores, &rules), Some(d("93.50")));
        let board = rank(&[p1, p2], &rules);
        assert_eq!((board[0].entry, board[0].total, board[0].rank), (1, d("655.5"), Some(1)));
        assert_eq!((board[1].entry, board[1].total, board[1].rank), (0, d("653.5"), Some(2)));
    }

    #[test]
    fn the_scoring_example_of_six_judges_rounds_by_the_rule() {
        let scores = ds(&["90.00", "91.00", "92.50", "93.50", "94.06", "95.00"]);
        let half_up = Rules::default();
        let half_even = Rules { rounding: Rounding::HalfEven, ..Rules::default() };
        assert_eq!(trimmed_mean(&scores, &half_up), Some(d("92.77")));
        assert_eq!(trimmed_mean(&scores, &half_even), Some(d("92.76")));
    }

    #[test]
    fn of_several_equal_top_scores_only_one_is_dropped() {
        let scores = ds(&["95", "95", "95", "90"]);
        // Drop one 95 and the 90: the mean of 95 and 95.
        assert_eq!(trimmed_mean(&scores, &Rules::default()), Some(d("95.00")));
    }

    #[test]
    fn an_entry_has_no_score_until_more_judges_scored_than_are_dropped() {
        let rules = Rules::default();
        assert_eq!(trimmed_mean(&ds(&["90", "91"]), &rules), None);
        assert_eq!(trimmed_mean(&ds(&["90", "91", "92"]), &rules), Some(d("91.00")));
        let board = rank(&[tally(&["90"]), tally(&["80", "81", "82"])], &rules);
        assert_eq!((board[0].entry, board[0].rank), (1, Some(1)));
        assert_eq!((board[1].entry, board[1].rank), (0, None));
    }

    #[test]
    fn a_tie_goes_to_the_criterion_then_is_shared() {
        let rules = Rules { tie_criterion: Some("content".into()), ..Rules::default() };
        let with = |scores: &[&str], content: &[&str]| Tally { scores: ds(scores), tie_criterion: ds(content) };
        let board = rank(
            &[
                with(&["90", "91", "92"], &["35", "36", "37"]),
                with(&["90", "91", "92"], &["36", "37", "38"]),
                with(&["90", "91", "92"], &["35", "36", "37"]),
                with(&["80", "81", "82"], &["40", "40", "40"]),
            ],
            &rules,
        );
        let ranks: Vec<_> = board.iter().map(|s| (s.entry, s.rank.unwrap())).collect();
        assert_eq!(ranks, [(1, 1), (0, 2), (2, 2), (3, 4)]);
    }

    #[test]
    fn a_judges_score_is_checked_against_the_criteria() {
        let criteria = vec![
            Criterion { code: "content".into(), name: "内容".into(), max: d("40") },
            Criterion { code: "delivery".into(), name: "表达".into(), max: d("30") },
        ];
        let given = |pairs: &[(&str, &str)]| pairs.iter().map(|(c, v)| (c.to_string(), d(v))).collect::<Vec<_>>();
        let (scores, total) = check_score(&criteria, &given(&[("delivery", "28.5"), ("content", "38")])).unwrap();
        assert_eq!((scores, total), (ds(&["38", "28.5"]), d("66.5")));
        let code = |pairs: &[(&str, &str)]| check_score(&criteria, &given(pairs)).unwrap_err().code_for("criteria");
        assert_eq!(code(&[("content", "41"), ("delivery", "1")]), Some("score_out_of_range"));
        assert_eq!(code(&[("content", "-1"), ("delivery", "1")]), Some("score_out_of_range"));
        assert_eq!(code(&[("content", "38")]), Some("criterion_missing"));
        assert_eq!(code(&[("content", "38"), ("delivery", "1"), ("image", "1")]), Some("unknown_criterion"));
        assert_eq!(code(&[("content", "38"), ("content", "1"), ("delivery", "1")]), Some("criterion_twice"));
        assert_eq!(code(&[("content", "38.125"), ("delivery", "1")]), Some("score_too_precise"));
    }

    #[test]
    fn the_draw_is_the_same_from_the_same_seed() {
        assert_eq!(draw_order(50, 2023), draw_order(50, 2023));
        assert_ne!(draw_order(50, 2023), draw_order(50, 2024));
        assert_eq!(draw_order(0, 1), Vec::<usize>::new());
    }

    fn score() -> impl Strategy<Value = Decimal> {
        (0i64..=10_000).prop_map(|hundredths| Decimal::new(hundredths, 2))
    }

    proptest! {
        #[test]
        fn the_trimmed_mean_does_not_depend_on_the_order_of_the_scores(
            mut scores in prop::collection::vec(score(), 3..15),
            seed in any::<u64>(),
        ) {
            let rules = Rules::default();
            let before = trimmed_mean(&scores, &rules);
            let order = draw_order(scores.len(), seed);
            scores = order.iter().map(|&i| scores[i]).collect();
            prop_assert_eq!(trimmed_mean(&scores, &rules), before);
        }

        #[test]
        fn the_trimmed_mean_lies_between_the_kept_scores(scores in prop::collection::vec(score(), 3..15)) {
            let rules = Rules::default();
            let mean = trimmed_mean(&scores, &rules).unwrap();
            let mut sorted = scores.clone();
            sorted.sort();
            prop_assert!(mean >= sorted[1] && mean <= sorted[sorted.len() - 2]);
        }

        #[test]
        fn equal_panels_rank_equal_and_a_better_score_ranks_first(
            scores in prop::collection::vec(score(), 3..10),
        ) {
            let rules = Rules::default();
            let same = rank(&[Tally { scores: scores.clone(), tie_criterion: vec![] }, Tally { scores: scores.clone(), tie_criterion: vec![] }], &rules);
            prop_assert_eq!(same[0].rank, same[1].rank);
            let better: Vec<Decimal> = scores.iter().map(|s| s + Decimal::ONE).collect();
            let board = rank(&[Tally { scores, tie_criterion: vec![] }, Tally { scores: better, tie_criterion: vec![] }], &rules);
            prop_assert_eq!((board[0].entry, board[0].rank), (1, Some(1)));
            prop_assert_eq!(board[1].rank, Some(2));
        }

        #[test]
        fn a_draw_is_a_permutation(count in 0usize..200, seed in any::<u64>()) {
            let mut order = draw_order(count, seed);
            order.sort_unstable();
            prop_assert_eq!(order, (0..count).collect::<Vec<_>>());
        }
    }
}
