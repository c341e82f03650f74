//! Knowledge quizzes between teams (知识竞赛), as `SCORING.md` §3 has them: every answer is an
//! event worth points by its question's kind, the standing is a fold over the events that are
//! not voided, and a tie for a podium place is settled by a sudden-death playoff.

use rust_decimal::Decimal;

use crate::{
    Timestamp, UnitId, UserId, ValidationError,
    ids::{CampaignId, PlanItemId, QuizEventId, QuizId, QuizTeamId},
};

/// The places a playoff is held for.
pub const PODIUM: usize = 3;

/// What kind of question an answer was to; it decides the points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = QuizQuestionKind))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 必答题: every team in turn.
    Compulsory,
    /// 抢答题: the first team to buzz.
    Buzzer,
    /// 风险题: the team stakes one of the allowed values.
    Risk,
    /// 加赛题: a sudden-death question between teams level on a podium place; worth no points,
    /// it decides the place.
    Playoff,
}

impl QuestionKind {
    pub const ALL: [Self; 4] = [Self::Compulsory, Self::Buzzer, Self::Risk, Self::Playoff];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compulsory => "compulsory",
            Self::Buzzer => "buzzer",
            Self::Risk => "risk",
            Self::Playoff => "playoff",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// How an answer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = QuizOutcome))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Correct,
    Wrong,
    /// Buzzed before the question was read out (抢答犯规).
    EarlyBuzz,
}

impl Outcome {
    pub const ALL: [Self; 3] = [Self::Correct, Self::Wrong, Self::EarlyBuzz];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Correct => "correct",
            Self::Wrong => "wrong",
            Self::EarlyBuzz => "early_buzz",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// A quiz's points, set by its organiser.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rules {
    /// What every team starts from.
    pub base: Decimal,
    pub compulsory_points: Decimal,
    /// Taken for a wrong compulsory answer (none by default).
    pub compulsory_penalty: Decimal,
    /// Won for a right buzzer answer and lost for a wrong one.
    pub buzzer_points: Decimal,
    /// Taken for buzzing early; `None`: buzzing early is not penalised.
    pub early_buzz_penalty: Option<Decimal>,
    /// The stakes a team may choose for a risk question, won or lost.
    pub risk_values: Vec<Decimal>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            base: Decimal::from(100),
            compulsory_points: Decimal::from(10),
            compulsory_penalty: Decimal::ZERO,
            buzzer_points: Decimal::from(20),
            early_buzz_penalty: None,
            risk_values: vec![Decimal::from(20), Decimal::from(40), Decimal::from(60)],
        }
    }
}

impl Rules {
    /// The points an answer is worth, signed; `stake` is the value chosen for a risk question.
    pub fn points(
        &self,
        kind: QuestionKind,
        outcome: Outcome,
        stake: Option<Decimal>,
    ) -> Result<Decimal, ValidationError> {
        if kind != QuestionKind::Risk && stake.is_some() {
            return Err(ValidationError::single("stake", "stake_not_allowed"));
        }
        match (kind, outcome) {
            (QuestionKind::Compulsory, Outcome::Correct) => Ok(self.compulsory_points),
            (QuestionKind::Compulsory, Outcome::Wrong) => Ok(-self.compulsory_penalty),
            (QuestionKind::Buzzer, Outcome::Correct) => Ok(self.buzzer_points),
            (QuestionKind::Buzzer, Outcome::Wrong) => Ok(-self.buzzer_points),
            (QuestionKind::Buzzer, Outcome::EarlyBuzz) => Ok(-self.early_buzz_penalty.unwrap_or_default()),
            (QuestionKind::Risk, Outcome::Correct | Outcome::Wrong) => {
                let stake = stake.ok_or(ValidationError::single("stake", "stake_required"))?;
                if !self.risk_values.contains(&stake) {
                    return Err(ValidationError::single("stake", "stake_not_offered"));
                }
                Ok(if outcome == Outcome::Correct { stake } else { -stake })
            }
            (QuestionKind::Playoff, Outcome::Correct | Outcome::Wrong) => Ok(Decimal::ZERO),
            (QuestionKind::Compulsory | QuestionKind::Risk | QuestionKind::Playoff, Outcome::EarlyBuzz) => {
                Err(ValidationError::single("outcome", "early_buzz_only_on_buzzer"))
            }
        }
    }
}

/// What happened, in the order it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happening {
    /// An answer and the points it was worth when it was given.
    Answer { points: Decimal },
    /// An answer in a sudden-death playoff: the first right answer wins, a wrong one is out.
    Playoff { correct: bool },
}

impl Happening {
    /// What an answer of `kind` that went as `outcome` and was worth `points` comes to.
    pub fn of(kind: QuestionKind, outcome: Outcome, points: Decimal) -> Self {
        match kind {
            QuestionKind::Playoff => Self::Playoff { correct: outcome == Outcome::Correct },
            _ => Self::Answer { points },
        }
    }
}

/// One event of a quiz; a voided event stays on record and counts for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// The team's index among the quiz's teams.
    pub team: usize,
    pub happening: Happening,
    pub voided: bool,
}

/// A team's place in the standings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Standing {
    pub team: usize,
    pub score: Decimal,
    /// Shared by teams that nothing has told apart yet.
    pub rank: u32,
    /// Tied for a podium place that a playoff has still to settle.
    pub playoff_due: bool,
}

/// The standings after `events`, best first.
pub fn standings(rules: &Rules, teams: usize, events: &[Event]) -> Vec<Standing> {
    let live = || events.iter().filter(|e| !e.voided && e.team < teams);
    let mut scores = vec![rules.base; teams];
    for event in live() {
        if let Happening::Answer { points } = event.happening {
            scores[event.team] += points;
        }
    }
    let mut order: Vec<usize> = (0..teams).collect();
    order.sort_by(|a, b| scores[*b].cmp(&scores[*a]).then(a.cmp(b)));

    let mut standings = Vec::with_capacity(teams);
    let mut start = 0;
    while start < order.len() {
        let end = start + order[start..].iter().take_while(|&&t| scores[t] == scores[order[start]]).count();
        let group = &order[start..end];
        if group.len() > 1 && start < PODIUM {
            let playoffs = live().filter_map(|e| match e.happening {
                Happening::Playoff { correct } if group.contains(&e.team) => Some((e.team, correct)),
                _ => None,
            });
            standings.extend(play_off(group, start, playoffs, &scores));
        } else {
            let rank = start as u32 + 1;
            standings.extend(group.iter().map(|&team| Standing {
                team,
                score: scores[team],
                rank,
                playoff_due: false,
            }));
        }
        start = end;
    }
    standings
}

/// Settles a tie among `group`, whose best place is `start` (0-based): a right answer takes the
/// best place left, a wrong one the worst; teams still level share a rank, and a playoff is due
/// while they are level on a podium place.
fn play_off(
    group: &[usize],
    start: usize,
    playoffs: impl Iterator<Item = (usize, bool)>,
    scores: &[Decimal],
) -> Vec<Standing> {
    let mut level: Vec<usize> = group.to_vec();
    let mut top = Vec::new();
    let mut bottom = Vec::new();
    for (team, correct) in playoffs {
        if level.len() < 2 || start + top.len() >= PODIUM {
            break;
        }
        let Some(at) = level.iter().position(|&t| t == team) else { continue };
        level.remove(at);
        if correct { top.push(team) } else { bottom.push(team) }
    }
    let standing = |team: usize, place: usize, playoff_due: bool| Standing {
        team,
        score: scores[team],
        rank: place as u32 + 1,
        playoff_due,
    };
    let mut out: Vec<Standing> = top.iter().enumerate().map(|(i, &team)| standing(team, start + i, false)).collect();
    let shared = start + top.len();
    let due = level.len() > 1 && shared < PODIUM;
    out.extend(level.iter().map(|&team| standing(team, shared, due)));
    let after = shared + level.len();
    out.extend(bottom.iter().rev().enumerate().map(|(i, &team)| standing(team, after + i, false)));
    out
}

/// A quiz is set up (its teams entered), then played, then closed with its standings final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuizStatus {
    Setup,
    Open,
    Closed,
}

impl QuizStatus {
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

/// A quiz of a campaign with its points.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quiz {
    pub id: QuizId,
    pub campaign_id: CampaignId,
    /// The plan task it carries out, if any.
    pub plan_item_id: Option<PlanItemId>,
    pub name: String,
    pub rules: Rules,
    pub status: QuizStatus,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// A team of a quiz, representing a unit (a prefecture).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Team {
    pub id: QuizTeamId,
    pub quiz_id: QuizId,
    pub unit_id: UnitId,
    pub name: String,
    /// Its place on the stage, from 1: the order of the standings' tie-free listing.
    pub position: u32,
}

/// Why and by whom an event was voided.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Voiding {
    pub reason: String,
    pub by: UserId,
    pub at: Timestamp,
}

/// An answer as kept: never deleted, only voided with a reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Answer {
    pub id: QuizEventId,
    pub quiz_id: QuizId,
    pub team_id: QuizTeamId,
    /// The question's number in the quiz, from 1.
    pub question: u32,
    pub kind: QuestionKind,
    pub outcome: Outcome,
    pub stake: Option<Decimal>,
    /// What it was worth when it was given, by the quiz's rules.
    pub points: Decimal,
    pub idempotency_key: String,
    pub voided: Option<Voiding>,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// The standings of `teams` after `answers`, best first, as [`standings`] has them; answers of a
/// team not among `teams` count for nothing.
pub fn standings_of(rules: &Rules, teams: &[Team], answers: &[Answer]) -> Vec<Standing> {
    let events: Vec<Event> = answers
        .iter()
        .filter_map(|a| {
            let team = teams.iter().position(|t| t.id == a.team_id)?;
            let happening = Happening::of(a.kind, a.outcome, a.points);
            Some(Event { team, happening, voided: a.voided.is_some() })
        })
        .collect();
    standings(rules, teams.len(), &events)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn answer(team: usize, points: i64) -> Event {
        Event { team, happening: Happening::Answer { points: Decimal::from(points) }, voided: false }
    }

    fn playoff(team: usize, correct: bool) -> Event {
        Event { team, happening: Happening::Playoff { correct }, voided: false }
    }

    /// A question's kind, how it went and the stake.
    type Given = (QuestionKind, Outcome, Option<i64>);

    /// The example of `SCORING.md`: T1 200, T2 110, T3 230, T4 200 (teams 0 to 3).
    fn example() -> Vec<Event> {
        use {Outcome::*, QuestionKind::*};
        let rules = Rules::default();
        let answers: [(usize, &[Given]); 4] = [
            (
                0,
                &[
                    (Compulsory, Correct, None),
                    (Compulsory, Correct, None),
                    (Buzzer, Correct, None),
                    (Risk, Correct, Some(60)),
                ],
            ),
            (
                1,
                &[
                    (Compulsory, Correct, None),
                    (Compulsory, Wrong, None),
                    (Buzzer, Wrong, None),
                    (Buzzer, Correct, None),
                ],
            ),
            (
                2,
                &[
                    (Compulsory, Correct, None),
                    (Buzzer, Correct, None),
                    (Buzzer, Correct, None),
                    (Buzzer, Correct, None),
                    (Risk, Correct, Some(60)),
                ],
            ),
            (
                3,
                &[
                    (Risk, Correct, Some(40)),
                    (Risk, Correct, Some(60)),
                    (Risk, Wrong, Some(20)),
                    (Buzzer, Correct, None),
                ],
            ),
        ];
        let mut events = Vec::new();
        for (team, given) in answers {
            for &(kind, outcome, stake) in given {
                let points = rules.points(kind, outcome, stake.map(Decimal::from)).unwrap();
                events.push(Event { team, happening: Happening::Answer { points }, voided: false });
            }
        }
        events
    }

    fn places(standings: &[Standing]) -> Vec<(usize, i64, u32, bool)> {
        standings.iter().map(|s| (s.team, s.score.try_into().unwrap(), s.rank, s.playoff_due)).collect()
    }

    #[test]
    fn the_scoring_example_calls_a_playoff_for_second_place() {
        let board = standings(&Rules::default(), 4, &example());
        assert_eq!(places(&board), [(2, 230, 1, false), (0, 200, 2, true), (3, 200, 2, true), (1, 110, 4, false)]);
    }

    #[test]
    fn a_right_playoff_answer_wins_the_place_and_a_wrong_one_is_out() {
        let mut events = example();
        events.push(playoff(3, true));
        let board = standings(&Rules::default(), 4, &events);
        assert_eq!(places(&board), [(2, 230, 1, false), (3, 200, 2, false), (0, 200, 3, false), (1, 110, 4, false)]);
        let mut events = example();
        events.push(playoff(3, false));
        let board = standings(&Rules::default(), 4, &events);
        assert_eq!(places(&board)[1..3], [(0, 200, 2, false), (3, 200, 3, false)]);
    }

    #[test]
    fn three_teams_level_for_first_play_off_until_the_podium_is_settled() {
        let events = vec![answer(0, 10), answer(1, 10), answer(2, 10), playoff(1, false), playoff(2, true)];
        let board = standings(&Rules::default(), 4, &events);
        assert_eq!(places(&board), [(2, 110, 1, false), (0, 110, 2, false), (1, 110, 3, false), (3, 100, 4, false)]);
        // Before the second answer only the worst place of the three is settled.
        let board = standings(&Rules::default(), 4, &events[..4]);
        assert_eq!(places(&board)[..3], [(0, 110, 1, true), (2, 110, 1, true), (1, 110, 3, false)]);
    }

    #[test]
    fn a_tie_below_the_podium_is_shared_without_a_playoff() {
        let events = vec![answer(0, 30), answer(1, 20), answer(2, 10)];
        let board = standings(&Rules::default(), 5, &events);
        assert_eq!(places(&board)[3..], [(3, 100, 4, false), (4, 100, 4, false)]);
    }

    #[test]
    fn the_points_follow_the_question_kind() {
        let rules = Rules { early_buzz_penalty: Some(Decimal::from(10)), ..Rules::default() };
        let points = |kind, outcome, stake: Option<i64>| rules.points(kind, outcome, stake.map(Decimal::from));
        use {Outcome::*, QuestionKind::*};
        assert_eq!(points(Compulsory, Wrong, None).unwrap(), Decimal::ZERO);
        assert_eq!(points(Buzzer, Wrong, None).unwrap(), Decimal::from(-20));
        assert_eq!(points(Buzzer, EarlyBuzz, None).unwrap(), Decimal::from(-10));
        assert_eq!(points(Risk, Wrong, Some(40)).unwrap(), Decimal::from(-40));
        let code = |r: Result<Decimal, ValidationError>| r.unwrap_err().fields[0].code;
        assert_eq!(code(points(Risk, Correct, Some(50))), "stake_not_offered");
        assert_eq!(code(points(Risk, Correct, None)), "stake_required");
        assert_eq!(code(points(Buzzer, Correct, Some(20))), "stake_not_allowed");
        assert_eq!(code(points(Compulsory, EarlyBuzz, None)), "early_buzz_only_on_buzzer");
    }

    #[test]
    fn a_playoff_answer_is_worth_nothing_and_settles_the_place() {
        let rules = Rules::default();
        assert_eq!(rules.points(QuestionKind::Playoff, Outcome::Correct, None).unwrap(), Decimal::ZERO);
        assert!(rules.points(QuestionKind::Playoff, Outcome::EarlyBuzz, None).is_err());
        assert_eq!(
            Happening::of(QuestionKind::Playoff, Outcome::Wrong, Decimal::ZERO),
            Happening::Playoff { correct: false }
        );
        assert_eq!(
            Happening::of(QuestionKind::Risk, Outcome::Wrong, Decimal::from(-40)),
            Happening::Answer { points: Decimal::from(-40) }
        );
    }

    fn event() -> impl Strategy<Value = Event> {
        (0usize..7, -60i64..=60, any::<bool>(), prop::bool::weighted(0.1)).prop_map(
            |(team, points, correct, is_playoff)| {
                if is_playoff { playoff(team, correct) } else { answer(team, points / 10 * 10) }
            },
        )
    }

    proptest! {
        #[test]
        fn voiding_an_event_is_as_if_it_never_happened(
            events in prop::collection::vec(event(), 1..60),
            pick in any::<prop::sample::Index>(),
        ) {
            let at = pick.index(events.len());
            let mut voided = events.clone();
            voided[at].voided = true;
            let mut without = events.clone();
            without.remove(at);
            prop_assert_eq!(standings(&Rules::default(), 7, &voided), standings(&Rules::default(), 7, &without));
        }

        #[test]
        fn every_team_has_one_place_and_the_scores_only_fall(events in prop::collection::vec(event(), 0..60)) {
            let board = standings(&Rules::default(), 7, &events);
            let mut teams: Vec<usize> = board.iter().map(|s| s.team).collect();
            teams.sort_unstable();
            prop_assert_eq!(teams, (0..7).collect::<Vec<_>>());
            prop_assert!(board.windows(2).all(|w| w[0].score >= w[1].score && w[0].rank <= w[1].rank));
        }
    }
}
