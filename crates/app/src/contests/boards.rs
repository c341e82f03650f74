//! What the contest's people look at: the board of a round, the judges' desks and the chief
//! judge's console, the organiser's overview and the big screen's scoreboard.

use crate::{Actor, App, Result};
use pacesetter_domain::{
    Permission,
    contest::{self, Contest, Entry, Judge, JudgeScore, Kind, Reveal, Round, RoundStatus, Standing, Tally},
    ids::ContestRoundId,
};
use pacesetter_store::{
    Conn,
    contests::{self as store},
    units, users,
};
use rust_decimal::Decimal;

use super::*;

/// One line of the scoreboard.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BoardLine {
    pub entry: Entry,
    /// Each seated judge's score by seat, once it may be shown; `None` for a seat not yet
    /// scored, held back, or excluded for the judge's own unit.
    pub judge_scores: Vec<Option<Decimal>>,
    pub scored: usize,
    /// The judges who may score it (those of its own unit are excused).
    pub eligible: usize,
    /// By seat: whether the judge is excused from this entry.
    pub excused: Vec<bool>,
    pub standing: Standing,
    /// The prize won (0 for a first prize), once the round is closed.
    pub prize: Option<usize>,
}

/// A round's scoreboard: the contestant on stage and every entry ranked so far.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Board {
    pub contest: Contest,
    pub round: Round,
    pub judges: usize,
    pub on_stage: Option<Entry>,
    /// Best first, as [`contest::rank`] orders them.
    pub lines: Vec<BoardLine>,
}

/// The scoreboard of a round, for the big screen and everyone signed in. An entry has a score
/// and a rank once every judge who may score it has (or the round is closed). With the reveal
/// rule `after_next`, the scores of the contestant on stage are held back until the next is
/// called.
pub async fn board(app: &App, _actor: &Actor, id: ContestRoundId) -> Result<Board> {
    read_board(&mut *app.store.read().await?, id).await
}

pub(super) async fn read_board(conn: &mut Conn, id: ContestRoundId) -> Result<Board> {
    let round = round_of(conn, id).await?;
    let (contest, _) = load(conn, round.contest_id).await?;
    let judges = store::judges(conn, id).await?;
    let entries = store::entries(conn, id).await?;
    let all = store::scores_of_round(conn, id).await?;
    let current = contest::current_scores(&all);
    let on_stage = entries.iter().find(|e| {
        round.status == RoundStatus::Open && round.current_order.is_some() && e.running_order == round.current_order
    });
    let held = |entry: &Entry| contest.rules.reveal == Reveal::AfterNext && Some(entry.id) == on_stage.map(|e| e.id);
    let tie = contest.rules.tie_criterion.as_deref();
    let mut tallies = Vec::with_capacity(entries.len());
    let mut seats = Vec::with_capacity(entries.len());
    for entry in &entries {
        let mine: Vec<&&JudgeScore> = current.iter().filter(|s| s.entry_id == entry.id).collect();
        let by_seat: Vec<Option<Decimal>> =
            judges.iter().map(|j| mine.iter().find(|s| s.judge_id == j.user_id).map(|s| s.total)).collect();
        let eligible = judges.iter().filter(|j| !entry.conflicts_with(j)).count();
        let shown = !held(entry);
        let complete = mine.len() >= eligible || round.status == RoundStatus::Closed;
        tallies.push(Tally {
            scores: if shown && complete { mine.iter().map(|s| s.total).collect() } else { Vec::new() },
            tie_criterion: match (shown, tie) {
                (true, Some(code)) => {
                    mine.iter().filter_map(|s| s.criteria.iter().find(|(c, _)| c == code).map(|(_, v)| *v)).collect()
                }
                _ => Vec::new(),
            },
        });
        let excused = judges.iter().map(|j| entry.conflicts_with(j)).collect::<Vec<_>>();
        seats.push((if shown { by_seat } else { vec![None; judges.len()] }, mine.len(), eligible, excused));
    }
    let standings = contest::rank(&tallies, &contest.rules);
    let lines = standings
        .into_iter()
        .map(|standing| {
            let (judge_scores, scored, eligible, excused) = seats[standing.entry].clone();
            let prize = standing
                .rank
                .filter(|_| round.status == RoundStatus::Closed)
                .and_then(|rank| contest::prize(rank, &round.prizes));
            BoardLine {
                entry: entries[standing.entry].clone(),
                judge_scores,
                scored,
                eligible,
                excused,
                standing,
                prize,
            }
        })
        .collect();
    Ok(Board { on_stage: on_stage.cloned(), contest, judges: judges.len(), round, lines })
}

/// What a judge's phone shows for one round they sit on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Desk {
    pub contest: Contest,
    pub round: Round,
    /// The contestant on stage, unless the judge may not score them.
    pub on_stage: Option<Entry>,
    /// The judge's kept score of that contestant, once sent.
    pub my_score: Option<JudgeScore>,
    /// On stage is a contestant of the judge's own unit, whom they do not score.
    pub excused: bool,
    /// An exhibition category's works, each with the judge's kept score; works of the judge's
    /// own unit are left out.
    pub gallery: Vec<(Entry, Option<JudgeScore>)>,
}

/// The open rounds the actor judges, each with the contestant on stage (or, in an exhibition,
/// every work to score).
pub async fn desks(app: &App, actor: &Actor) -> Result<Vec<Desk>> {
    let mut conn = app.store.read().await?;
    let mut desks = Vec::new();
    for id in store::rounds_judged_by(&mut conn, actor.user.id).await? {
        let round = round_of(&mut conn, id).await?;
        if round.status != RoundStatus::Open {
            continue;
        }
        let (contest, _) = load(&mut conn, round.contest_id).await?;
        let judge = store::judges(&mut conn, id).await?.into_iter().find(|j| j.user_id == actor.user.id);
        let entries = store::entries(&mut conn, id).await?;
        let all = store::scores_of_round(&mut conn, id).await?;
        let mine = |entry: &Entry| {
            contest::current_scores(&all)
                .into_iter()
                .find(|s| s.entry_id == entry.id && s.judge_id == actor.user.id)
                .cloned()
        };
        let own = |entry: &Entry| judge.as_ref().is_some_and(|j| entry.conflicts_with(j));
        let gallery = match contest.kind {
            Kind::Exhibition => entries.iter().filter(|e| !own(e)).map(|e| (e.clone(), mine(e))).collect(),
            Kind::Speech => Vec::new(),
        };
        let stage = entries.iter().find(|e| round.current_order.is_some() && e.running_order == round.current_order);
        let excused = stage.is_some_and(own);
        let on_stage = stage.filter(|_| !excused).cloned();
        let my_score = on_stage.as_ref().and_then(mine);
        desks.push(Desk { contest, round, on_stage, my_score, excused, gallery });
    }
    Ok(desks)
}

/// Tells the screens watching a round that its board changed.
pub(super) fn changed(app: &App, round: ContestRoundId) {
    crate::live::changed(app, crate::live::Screen::ContestRound(round));
}

/// A contest in the list of every campaign's contests.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContestSummary {
    pub contest: Contest,
    pub campaign: String,
    pub rounds: Vec<Round>,
    pub can_organise: bool,
}

/// The contests and quizzes of every campaign: the events page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overview {
    pub contests: Vec<ContestSummary>,
    pub quizzes: Vec<crate::quizzes::QuizSummary>,
}

/// Every contest and quiz of every campaign, newest campaign first.
pub async fn overview(app: &App, actor: &Actor) -> Result<Overview> {
    let mut conn = app.store.read().await?;
    let mut contests = Vec::new();
    for campaign in pacesetter_store::campaigns::all(&mut conn).await? {
        let office = units::get(&mut conn, campaign.office_unit_id).await?;
        let can_organise = actor.can(Permission::ManagePlans, &office.path);
        for contest in store::contests(&mut conn, campaign.id).await? {
            let rounds = store::rounds(&mut conn, contest.id).await?;
            contests.push(ContestSummary { contest, campaign: campaign.name.clone(), rounds, can_organise });
        }
    }
    let quizzes = crate::quizzes::summaries(&mut conn).await?;
    Ok(Overview { contests, quizzes })
}

/// `/contest-rounds/{round}#entry-{entry}`: the link a bonus item carries to the result it comes
/// from.
pub(crate) fn is_result_link(link: &str) -> bool {
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    link.strip_prefix("/contest-rounds/")
        .and_then(|rest| rest.split_once("#entry-"))
        .is_some_and(|(round, entry)| digits(round) && digits(entry))
}

/// A judge on the panel with their name and unit, for the organiser's console.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Seat {
    pub judge: Judge,
    pub name: String,
    pub unit: pacesetter_domain::unit::Unit,
}

/// Everything the organiser's console of a round shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Console {
    pub board: Board,
    pub seats: Vec<Seat>,
    /// The unit of each entry, by entry, in the board's order.
    pub entry_units: Vec<pacesetter_domain::unit::Unit>,
    pub can_organise: bool,
    /// For the organiser: the campaign's open evaluations, which results can give bonus items to.
    pub evaluations: Vec<(pacesetter_domain::evaluation::records::SchemeId, String)>,
    /// The contest's other rounds still being set up, which this round's best can go on to.
    pub next_rounds: Vec<Round>,
}

/// What a big screen shows of a round: the board and the unit of each line, in the board's order.
#[derive(Debug, Clone)]
pub struct Scoreboard {
    pub board: Board,
    pub entry_units: Vec<pacesetter_domain::unit::Unit>,
}

/// A round's scoreboard. Everyone signed in may watch a board, so the big screens' feed reads it
/// once for all of them, for nobody in particular.
pub async fn scoreboard(app: &App, id: ContestRoundId) -> Result<Scoreboard> {
    read_scoreboard(&mut *app.store.read().await?, id).await
}

pub(super) async fn read_scoreboard(conn: &mut Conn, id: ContestRoundId) -> Result<Scoreboard> {
    let board = read_board(conn, id).await?;
    let mut entry_units = Vec::with_capacity(board.lines.len());
    for line in &board.lines {
        entry_units.push(units::get(conn, line.entry.unit_id).await?);
    }
    Ok(Scoreboard { board, entry_units })
}

/// A round's console: its board, its panel and its contestants' units.
pub async fn console(app: &App, actor: &Actor, id: ContestRoundId) -> Result<Console> {
    let mut conn = app.store.read().await?;
    let Scoreboard { board, entry_units } = read_scoreboard(&mut conn, id).await?;
    let (_, office) = load(&mut conn, board.contest.id).await?;
    let mut seats = Vec::new();
    for judge in store::judges(&mut conn, id).await? {
        let person = users::get(&mut conn, judge.user_id).await?;
        let unit = units::get(&mut conn, judge.unit_id).await?;
        seats.push(Seat { judge, name: person.display_name, unit });
    }
    let can_organise = actor.can(Permission::ManagePlans, &office.path);
    let evaluations = if can_organise {
        let schemes = pacesetter_store::evaluations::schemes(&mut conn, Some(board.contest.campaign_id)).await?;
        schemes
            .into_iter()
            .filter(|s| s.status == pacesetter_domain::evaluation::records::SchemeStatus::Active)
            .map(|s| (s.id, s.name))
            .collect()
    } else {
        Vec::new()
    };
    let next_rounds = store::rounds(&mut conn, board.contest.id)
        .await?
        .into_iter()
        .filter(|r| r.id != id && r.status == RoundStatus::Setup)
        .collect();
    Ok(Console { can_organise, board, seats, entry_units, evaluations, next_rounds })
}
