//! The demo campaign's TV knowledge quiz between the 7 prefectures (RW-04), half played: the
//! compulsory round done (two questions a team), the buzzer round under way, one answer voided
//! by the quiz master with its reason. Everything goes through the app layer as the office,
//! checked and audited like real work.

use pacesetter_domain::{
    UnitKind,
    ids::{PlanItemId, QuizId},
    quiz::{Outcome, QuestionKind, Rules},
};

use super::actor;
use crate::{
    App, AppError,
    contests::UnitRef,
    quizzes::{self, AnswerInput, QuizInput, QuizMove},
};

pub const QUIZ: &str = "7地市电视知识竞赛";

/// Loads the quiz; returns it.
pub async fn seed(app: &App) -> Result<QuizId, AppError> {
    let office = actor(app, "office").await?;
    let (campaign, prefectures) = super::campaign_and_units(app, &office, UnitKind::Prefecture).await?;
    let codes = crate::plans::item_codes(app, &office, campaign.id).await?;
    let task = codes.iter().find(|(_, c)| c == "RW-04").map(|(id, _)| PlanItemId(*id));
    let input = QuizInput { name: QUIZ, plan_item: task, rules: Rules::default() };
    let quiz = quizzes::create(app, &office, campaign.id, &input).await?;
    let mut teams = Vec::new();
    for prefecture in &prefectures {
        let code = prefecture.code.clone().unwrap_or_default();
        teams.push(quizzes::add_team(app, &office, quiz.id, UnitRef::Typed(&code), "").await?.id);
    }
    quizzes::advance(app, &office, quiz.id, quiz.version, QuizMove::Open).await?;

    let mut question = 0;
    let mut answer = |team: usize, kind: QuestionKind, outcome: Outcome, stake: Option<i64>| {
        question += 1;
        let (app, office, quiz, teams) = (app, &office, quiz.id, &teams);
        let (question, key) = (question, format!("demo-quiz-{question}"));
        async move {
            let input = AnswerInput {
                team: teams[team % teams.len()],
                question,
                kind,
                outcome,
                stake: stake.map(Into::into),
                key: &key,
            };
            quizzes::record(app, office, quiz, &input).await
        }
    };
    // The compulsory round: two questions a team, most answered right.
    for turn in 0..14 {
        let outcome = if (turn * 5) % 7 == 3 { Outcome::Wrong } else { Outcome::Correct };
        answer(turn % 7, QuestionKind::Compulsory, outcome, None).await?;
    }
    // The buzzer round, under way: the fastest team answers each question.
    let buzzers = [
        (2, true),
        (4, true),
        (0, false),
        (6, true),
        (2, true),
        (1, true),
        (5, false),
        (3, true),
        (3, true),
        (4, true),
        (6, false),
    ];
    let mut recorded = Vec::new();
    for (team, right) in buzzers {
        let outcome = if right { Outcome::Correct } else { Outcome::Wrong };
        recorded.push(answer(team, QuestionKind::Buzzer, outcome, None).await?);
    }
    // The scorer credited the wrong team on one question; the quiz master voids it and records it
    // again for the team that answered.
    let mistaken = &recorded[5];
    quizzes::void(app, &office, mistaken.id, "计分员记错了参赛队，已改记为答题的参赛队").await?;
    let again = AnswerInput {
        team: teams[4],
        question: mistaken.question,
        kind: QuestionKind::Buzzer,
        outcome: Outcome::Correct,
        stake: None,
        key: "demo-quiz-corrected",
    };
    quizzes::record(app, &office, quiz.id, &again).await?;
    Ok(quiz.id)
}
