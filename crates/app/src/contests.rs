//! Contests judged live (演讲比赛, PRODUCT.md C8): the organiser sets up rounds, criteria, the
//! panel and the contestants, draws the running order and calls each contestant to the stage;
//! judges score the one on stage from their phones, exactly once each; the scoreboard ranks by
//! the rules of `SCORING.md` §2. Whoever runs the contest's campaign organises it; the panel is
//! who may score; everyone signed in may watch the board.

use pacesetter_domain::{
    Permission, Timestamp, UnitId, UserId,
    contest::{
        self, Award, Contest, Criterion, Entry, Image, Judge, JudgeScore, Kind, Reveal, Round, RoundStatus, Rules,
        Stage, Standing, Tally,
    },
    ids::{CampaignId, ContestAwardId, ContestEntryId, ContestId, ContestRoundId, JudgeScoreId, PlanItemId},
};
use pacesetter_store::{
    Conn,
    contests::{self as store, ContestFields, NewRound, NewScore},
    grants, plan_items, units, users,
};
use rust_decimal::Decimal;

use crate::{
    Actor, App, AppError, Resource, Result, audit,
    text::{self, TextKind},
};

/// The most rounds, criteria, judges and entries a contest takes: far past any real one.
const MAX_CRITERIA: usize = 12;
/// The most prize levels a round awards (first, second, third, …), and the most of one level.
const MAX_PRIZE_LEVELS: usize = 5;
const MAX_PRIZES: u32 = 1_000;
const MAX_TRIM: u32 = 5;
const MAX_PRECISION: u32 = 4;
/// An idempotency key is what a phone makes up: a UUID or the like.
const KEY_MAX_CHARS: usize = 100;

/// A contest as its organiser asks for it.
#[derive(Debug, Clone)]
pub struct ContestInput<'a> {
    pub name: &'a str,
    pub kind: Kind,
    pub plan_item: Option<PlanItemId>,
    pub rules: Rules,
}

/// A round as its organiser asks for it.
#[derive(Debug, Clone)]
pub struct RoundInput<'a> {
    pub name: &'a str,
    pub stage: Stage,
    pub unit: Option<UnitId>,
    pub advance: u32,
    pub criteria: Vec<Criterion>,
    /// How many first, second, third … prizes it awards.
    pub prizes: Vec<u32>,
}

/// The contest with its campaign office's path: the organiser's scope.
async fn load(conn: &mut Conn, id: ContestId) -> Result<(Contest, pacesetter_domain::unit::Unit)> {
    let contest = store::get_contest(conn, id).await.map_err(AppError::from_store(Resource::Contest))?;
    let (_, office) = crate::plans::load_campaign(conn, contest.campaign_id).await?;
    Ok((contest, office))
}

/// The contest if the actor organises it (runs its campaign); `forbidden` otherwise.
async fn organised(conn: &mut Conn, actor: &Actor, id: ContestId) -> Result<Contest> {
    let (contest, office) = load(conn, id).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    Ok(contest)
}

async fn round_of(conn: &mut Conn, id: ContestRoundId) -> Result<Round> {
    store::get_round(conn, id).await.map_err(AppError::from_store(Resource::ContestRound))
}

fn check_rules(rules: &Rules) -> Result<()> {
    if rules.trim_high > MAX_TRIM {
        return Err(AppError::invalid("trim_high", "out_of_range"));
    }
    if rules.trim_low > MAX_TRIM {
        return Err(AppError::invalid("trim_low", "out_of_range"));
    }
    if rules.precision > MAX_PRECISION {
        return Err(AppError::invalid("precision", "out_of_range"));
    }
    Ok(())
}

/// Sets up a contest of a campaign the actor runs.
pub async fn create(app: &App, actor: &Actor, campaign: CampaignId, input: &ContestInput<'_>) -> Result<Contest> {
    let mut tx = app.store.write().await?;
    let (_, office) = crate::plans::load_campaign(&mut tx, campaign).await?;
    actor.require(Permission::ManagePlans, &office.path)?;
    let name = text::required("name", input.name, TextKind::Title)?;
    check_rules(&input.rules)?;
    let mut rules = input.rules.clone();
    rules.tie_criterion = text::optional("tie_criterion", rules.tie_criterion.as_deref(), TextKind::Name)?;
    if let Some(item) = input.plan_item {
        let item =
            plan_items::get(&mut tx, item).await.map_err(|_| AppError::invalid("plan_item_id", "item_not_found"))?;
        if item.campaign_id != campaign {
            return Err(AppError::invalid("plan_item_id", "item_not_found"));
        }
    }
    let fields = ContestFields { name: &name, kind: input.kind, plan_item_id: input.plan_item, rules: &rules };
    let contest = store::insert_contest(&mut tx, campaign, &fields, actor.user.id, Timestamp::now()).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "contest.create",
        ("contest", Some(contest.id.0)),
        None,
        Some(&contest),
    )
    .await?;
    tx.commit().await?;
    Ok(contest)
}

/// A contest with its rounds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContestView {
    pub contest: Contest,
    pub rounds: Vec<Round>,
    /// The contest's awards to units, each with its unit.
    pub awards: Vec<(Award, pacesetter_domain::unit::Unit)>,
    pub can_organise: bool,
}

/// A contest as anyone signed in sees it.
pub async fn get(app: &App, actor: &Actor, id: ContestId) -> Result<ContestView> {
    let mut conn = app.store.read().await?;
    let (contest, office) = load(&mut conn, id).await?;
    let rounds = store::rounds(&mut conn, id).await?;
    let mut awards = Vec::new();
    for award in store::awards(&mut conn, id).await? {
        let unit = units::get(&mut conn, award.unit_id).await?;
        awards.push((award, unit));
    }
    Ok(ContestView { can_organise: actor.can(Permission::ManagePlans, &office.path), contest, rounds, awards })
}

/// A campaign's contests.
pub async fn list(app: &App, _actor: &Actor, campaign: CampaignId) -> Result<Vec<Contest>> {
    let mut conn = app.store.read().await?;
    crate::plans::load_campaign(&mut conn, campaign).await?;
    Ok(store::contests(&mut conn, campaign).await?)
}

fn check_criteria(criteria: &[Criterion]) -> Result<Vec<Criterion>> {
    if criteria.is_empty() || criteria.len() > MAX_CRITERIA {
        return Err(AppError::invalid("criteria", "criteria_count"));
    }
    let mut checked: Vec<Criterion> = Vec::with_capacity(criteria.len());
    for criterion in criteria {
        let code = text::required("criteria", &criterion.code, TextKind::Name)?;
        let name = text::required("criteria", &criterion.name, TextKind::Name)?;
        if checked.iter().any(|c| c.code == code) {
            return Err(AppError::invalid("criteria", "criterion_twice"));
        }
        if criterion.max <= Decimal::ZERO || criterion.max > Decimal::from(1000) || criterion.max.scale() > 2 {
            return Err(AppError::invalid("criteria", "score_out_of_range"));
        }
        checked.push(Criterion { code, name, max: criterion.max });
    }
    Ok(checked)
}

/// Adds a round after the contest's others.
pub async fn add_round(app: &App, actor: &Actor, id: ContestId, input: &RoundInput<'_>) -> Result<Round> {
    let mut tx = app.store.write().await?;
    let contest = organised(&mut tx, actor, id).await?;
    let name = text::required("name", input.name, TextKind::Title)?;
    let criteria = check_criteria(&input.criteria)?;
    if let Some(code) = &contest.rules.tie_criterion
        && !criteria.iter().any(|c| &c.code == code)
    {
        return Err(AppError::invalid("criteria", "tie_criterion_missing"));
    }
    if let Some(unit) = input.unit {
        let unit = units::get(&mut tx, unit).await.map_err(|_| AppError::invalid("unit_id", "unit_not_found"))?;
        if !actor.can(Permission::ViewUnits, &unit.path) {
            return Err(AppError::invalid("unit_id", "unit_not_found"));
        }
    }
    if input.prizes.len() > MAX_PRIZE_LEVELS || input.prizes.iter().any(|&n| n > MAX_PRIZES) {
        return Err(AppError::invalid("prizes", "out_of_range"));
    }
    let new = NewRound {
        name: &name,
        stage: input.stage,
        unit_id: input.unit,
        advance: input.advance,
        criteria: &criteria,
        prizes: &input.prizes,
    };
    let round = store::insert_round(&mut tx, id, &new).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "contest.round.create",
        ("contest_round", Some(round.id.0)),
        None,
        Some(&round),
    )
    .await?;
    tx.commit().await?;
    Ok(round)
}

/// The round if the actor organises its contest, and the round is still being set up.
async fn in_setup(conn: &mut Conn, actor: &Actor, id: ContestRoundId) -> Result<Round> {
    let round = round_of(conn, id).await?;
    organised(conn, actor, round.contest_id).await?;
    if round.status != RoundStatus::Setup {
        return Err(AppError::Conflict("round_not_in_setup"));
    }
    Ok(round)
}

/// Who is seated: by id (the API) or by username (the page).
#[derive(Debug, Clone, Copy)]
pub enum Seated<'a> {
    Id(UserId),
    Username(&'a str),
}

/// Seats a judge on a round's panel; they are never given a contestant of their own unit.
pub async fn seat_judge(app: &App, actor: &Actor, id: ContestRoundId, who: Seated<'_>) -> Result<Judge> {
    let mut tx = app.store.write().await?;
    in_setup(&mut tx, actor, id).await?;
    let person = match who {
        Seated::Id(user) => users::get(&mut tx, user).await.ok(),
        Seated::Username(name) => users::find_by_username(&mut tx, name.trim()).await?,
    };
    let person = person.ok_or(AppError::invalid("user_id", "user_not_found"))?;
    let user = person.id;
    if person.disabled_at.is_some() {
        return Err(AppError::invalid("user_id", "user_not_found"));
    }
    let roles = grants::for_user(&mut tx, user).await?;
    if !roles.iter().any(|g| Permission::Judge.held_by(g.role)) {
        return Err(AppError::invalid("user_id", "not_a_judge"));
    }
    let judge = store::seat_judge(&mut tx, id, user, person.unit_id).await.map_err(|error| match error {
        pacesetter_store::StoreError::Duplicate(_) => AppError::Conflict("judge_seated"),
        other => other.into(),
    })?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "contest.judge.seat",
        ("contest_round", Some(id.0)),
        None,
        Some(&judge),
    )
    .await?;
    tx.commit().await?;
    changed(app, id);
    Ok(judge)
}

/// A unit as a form or a client names it: by id (the API) or typed by code or name (the page).
#[derive(Debug, Clone, Copy)]
pub enum UnitRef<'a> {
    Id(UnitId),
    Typed(&'a str),
}

/// The unit `unit` names, if the actor sees it; `unit_not_found` on `unit_id` otherwise.
async fn unit_named(conn: &mut Conn, actor: &Actor, unit: UnitRef<'_>) -> Result<pacesetter_domain::unit::Unit> {
    let unit = match unit {
        UnitRef::Id(unit) => units::get(conn, unit).await.ok().filter(|u| actor.can(Permission::ViewUnits, &u.path)),
        UnitRef::Typed(text) => crate::units::typed_in(conn, actor, text, "unit_id").await?,
    };
    unit.ok_or(AppError::invalid("unit_id", "unit_not_found"))
}

/// A contestant or a work as the organiser enters it.
#[derive(Debug, Clone)]
pub struct EntryInput<'a> {
    pub contestant: &'a str,
    pub unit: UnitRef<'a>,
    /// The speech's or the work's title.
    pub title: &'a str,
    /// The picture of an exhibition's work, as uploaded; every work needs one before its
    /// category opens.
    pub image: Option<Vec<u8>>,
}

/// Enters a contestant (or a work) representing a unit in a round being set up. A picture is
/// checked and cleaned like a finding's photo (metadata stripped) and stored before the entry.
pub async fn add_entry(app: &App, actor: &Actor, id: ContestRoundId, input: &EntryInput<'_>) -> Result<Entry> {
    {
        let mut conn = app.store.read().await?;
        in_setup(&mut conn, actor, id).await?;
    }
    let image = match &input.image {
        Some(bytes) => Some(stored_image(app, bytes).await?),
        None => None,
    };
    let mut tx = app.store.write().await?;
    // Only those who organise the contest learn whether the unit exists.
    in_setup(&mut tx, actor, id).await?;
    let contestant = text::required("contestant", input.contestant, TextKind::Name)?;
    let title = text::optional("title", Some(input.title), TextKind::Title)?.unwrap_or_default();
    let unit = unit_named(&mut tx, actor, input.unit).await?;
    let entry = store::insert_entry(&mut tx, id, &contestant, unit.id, &title, image.as_ref()).await?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "contest.entry.create",
        ("contest_entry", Some(entry.id.0)),
        None,
        Some(&entry),
    )
    .await?;
    tx.commit().await?;
    changed(app, id);
    Ok(entry)
}

/// Checks and cleans a picture like a finding's photo (metadata stripped) and stores it.
async fn stored_image(app: &App, bytes: &[u8]) -> Result<Image> {
    let stored = crate::inspections::photos::prepare(app, false, &[bytes.to_vec()]).await;
    let stored = stored.map_err(|error| match error {
        AppError::Invalid(_) => AppError::invalid("image", "photo_not_image"),
        other => other,
    })?;
    let photo = stored.into_iter().next().ok_or(AppError::invalid("image", "file_empty"))?;
    Ok(Image { sha256: photo.sha256, content_type: photo.content_type })
}

/// Gives an entry of a round being set up its picture (an exhibition's work), replacing any.
pub async fn set_entry_image(app: &App, actor: &Actor, id: ContestEntryId, bytes: &[u8]) -> Result<Entry> {
    let round = {
        let mut conn = app.store.read().await?;
        let entry = store::get_entry(&mut conn, id).await.map_err(AppError::from_store(Resource::ContestEntry))?;
        in_setup(&mut conn, actor, entry.round_id).await?.id
    };
    let image = stored_image(app, bytes).await?;
    let mut tx = app.store.write().await?;
    let before = store::get_entry(&mut tx, id).await.map_err(AppError::from_store(Resource::ContestEntry))?;
    in_setup(&mut tx, actor, before.round_id).await?;
    let entry = store::set_entry_image(&mut tx, id, &image).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.entry.image",
        ("contest_entry", Some(id.0)),
        Some(&before),
        Some(&entry),
    )
    .await?;
    tx.commit().await?;
    changed(app, round);
    Ok(entry)
}

/// The picture of an entry, for everyone signed in: its type and bytes.
pub async fn entry_image(app: &App, _actor: &Actor, id: ContestEntryId) -> Result<(String, Vec<u8>)> {
    let entry = {
        let mut conn = app.store.read().await?;
        store::get_entry(&mut conn, id).await.map_err(AppError::from_store(Resource::ContestEntry))?
    };
    let image = entry.image.ok_or(AppError::NotFound(Resource::Photo))?;
    let files = app.files.clone();
    let hash = image.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || files.read(&hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok((image.content_type, bytes))
}

/// Draws the running order from a fresh random seed, kept with the round so that anyone can
/// draw it again ([`contest::draw_order`]) and see it was fair. Drawn again, it replaces the
/// order while the round is being set up.
pub async fn draw(app: &App, actor: &Actor, id: ContestRoundId, version: i64) -> Result<Round> {
    let mut tx = app.store.write().await?;
    let before = in_setup(&mut tx, actor, id).await?;
    let entries = store::entries(&mut tx, id).await?;
    if entries.is_empty() {
        return Err(AppError::Conflict("no_entries"));
    }
    // Entries in the order they were entered, so that the seed alone decides.
    let mut by_id = entries;
    by_id.sort_by_key(|e| e.id);
    let seed = rand::random::<u64>() >> 1;
    let order: Vec<(ContestEntryId, u32)> = contest::draw_order(by_id.len(), seed)
        .into_iter()
        .enumerate()
        .map(|(place, index)| (by_id[index].id, place as u32 + 1))
        .collect();
    let round = store::set_draw(&mut tx, id, version, seed, &order).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.round.draw",
        ("contest_round", Some(id.0)),
        Some(&before),
        Some(&(&round, &order)),
    )
    .await?;
    tx.commit().await?;
    changed(app, id);
    Ok(round)
}

/// What the organiser does to move a round along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Opens scoring with the first contestant on stage.
    Open,
    /// Calls the next contestant; after the last, the round stays on the last.
    Next,
    /// Closes the round: no more scores.
    Close,
}

/// Opens a round, calls the next contestant or closes it, at `version`.
pub async fn advance(app: &App, actor: &Actor, id: ContestRoundId, version: i64, step: Move) -> Result<Round> {
    let mut tx = app.store.write().await?;
    let before = round_of(&mut tx, id).await?;
    organised(&mut tx, actor, before.contest_id).await?;
    let entries = store::entries(&mut tx, id).await?;
    let (status, current) = match (step, before.status) {
        (Move::Open, RoundStatus::Setup) => {
            let contest = store::get_contest(&mut tx, before.contest_id).await?;
            if contest.kind == Kind::Speech && before.draw_seed.is_none() {
                return Err(AppError::Conflict("not_drawn"));
            }
            if entries.is_empty() {
                return Err(AppError::Conflict("no_entries"));
            }
            if contest.kind == Kind::Exhibition && entries.iter().any(|e| e.image.is_none()) {
                return Err(AppError::Conflict("image_missing"));
            }
            let judges = store::judges(&mut tx, id).await?;
            if judges.is_empty() {
                return Err(AppError::Conflict("no_judges"));
            }
            // Every entry must keep a score after the trim, counting only the judges who may
            // score it.
            let dropped = (contest.rules.trim_high + contest.rules.trim_low) as usize;
            if entries.iter().any(|e| judges.iter().filter(|j| !e.conflicts_with(j)).count() <= dropped) {
                return Err(AppError::Conflict("too_few_judges"));
            }
            // An exhibition's works are scored in any order: nobody is on stage.
            (RoundStatus::Open, (contest.kind == Kind::Speech).then_some(1))
        }
        (Move::Next, RoundStatus::Open) if before.current_order.is_some() => {
            let current = before.current_order.unwrap_or(0);
            if current as usize >= entries.len() {
                return Err(AppError::Conflict("last_contestant"));
            }
            (RoundStatus::Open, Some(current + 1))
        }
        (Move::Close, RoundStatus::Open) => (RoundStatus::Closed, before.current_order),
        _ => return Err(AppError::Conflict("contest_round_status")),
    };
    let round = store::set_round_state(&mut tx, id, version, status, current).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.round.advance",
        ("contest_round", Some(id.0)),
        Some(&before),
        Some(&round),
    )
    .await?;
    tx.commit().await?;
    changed(app, id);
    Ok(round)
}

/// Sends the best of a closed round (its `advance` best, with anyone level with the last of them)
/// on to a round of the same contest still being set up: the heats' qualifiers to the final.
/// Someone already entered there (same name and unit) is not entered twice. The entries made.
pub async fn promote(app: &App, actor: &Actor, from: ContestRoundId, to: ContestRoundId) -> Result<Vec<Entry>> {
    let ranked = board(app, actor, from).await?;
    let mut tx = app.store.write().await?;
    organised(&mut tx, actor, ranked.contest.id).await?;
    let target = round_of(&mut tx, to).await?;
    if target.contest_id != ranked.contest.id {
        return Err(AppError::invalid("to_round_id", "contest_round_not_found"));
    }
    if target.status != RoundStatus::Setup {
        return Err(AppError::Conflict("round_not_in_setup"));
    }
    if ranked.round.status != RoundStatus::Closed {
        return Err(AppError::Conflict("round_not_closed"));
    }
    let there = store::entries(&mut tx, to).await?;
    let mut made = Vec::new();
    for line in &ranked.lines {
        let through = line.standing.rank.is_some_and(|rank| rank <= ranked.round.advance);
        let entered = there.iter().any(|e| e.contestant == line.entry.contestant && e.unit_id == line.entry.unit_id);
        if !through || entered {
            continue;
        }
        let e = &line.entry;
        made.push(store::insert_entry(&mut tx, to, &e.contestant, e.unit_id, &e.title, e.image.as_ref()).await?);
    }
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "contest.round.promote",
        ("contest_round", Some(to.0)),
        None,
        Some(&(from, &made)),
    )
    .await?;
    tx.commit().await?;
    changed(app, to);
    Ok(made)
}

/// Publishes the results of a closed round at `version`: its ranking and prizes are final.
pub async fn publish(app: &App, actor: &Actor, id: ContestRoundId, version: i64) -> Result<Round> {
    let mut tx = app.store.write().await?;
    let before = round_of(&mut tx, id).await?;
    let contest = organised(&mut tx, actor, before.contest_id).await?;
    if before.status != RoundStatus::Closed {
        return Err(AppError::Conflict("round_not_closed"));
    }
    if before.published_at.is_some() {
        return Err(AppError::Conflict("already_published"));
    }
    let round = store::set_published(&mut tx, id, version, Timestamp::now()).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.round.publish",
        ("contest_round", Some(id.0)),
        Some(&before),
        Some(&round),
    )
    .await?;
    // The contest is held once every final (an exhibition's every category) is published.
    if let Some(item) = contest.plan_item_id
        && round.stage == Stage::Final
    {
        let finals = store::rounds(&mut tx, contest.id).await?.into_iter().filter(|r| r.stage == Stage::Final);
        if finals.clone().all(|r| r.published_at.is_some()) {
            let names: Vec<String> = finals.map(|r| r.name).collect();
            let held = format!("{}：{}", contest.name, names.join("、"));
            crate::assignments::close_for_event(&mut tx, actor, item, &held).await?;
        }
    }
    tx.commit().await?;
    changed(app, id);
    Ok(round)
}

/// A judge's score as sent from a phone; `key` is made up by the phone for this score, so that a
/// score sent again after a dropped connection is kept once.
#[derive(Debug, Clone)]
pub struct ScoreInput<'a> {
    pub criteria: Vec<(String, Decimal)>,
    pub key: &'a str,
}

/// A key a phone or a console made up for one submission: letters, digits and `-_.:`.
pub(crate) fn check_key(key: &str) -> Result<()> {
    let fine = !key.is_empty()
        && key.len() <= KEY_MAX_CHARS
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if fine { Ok(()) } else { Err(AppError::invalid("idempotency_key", "invalid_key")) }
}

/// A judge scores the contestant on stage. Sent again with the same key, the score already kept
/// is the answer; a judge scores an entry once, and never one of their own unit.
pub async fn submit_score(app: &App, actor: &Actor, id: ContestEntryId, input: &ScoreInput<'_>) -> Result<JudgeScore> {
    check_key(input.key)?;
    let mut tx = app.store.write().await?;
    if let Some(kept) = store::score_by_key(&mut tx, input.key).await? {
        return if kept.entry_id == id && kept.judge_id == actor.user.id && kept.supersedes.is_none() {
            Ok(kept)
        } else {
            Err(AppError::Conflict("key_used"))
        };
    }
    let entry = store::get_entry(&mut tx, id).await.map_err(AppError::from_store(Resource::ContestEntry))?;
    let round = round_of(&mut tx, entry.round_id).await?;
    let judges = store::judges(&mut tx, round.id).await?;
    // Someone not on the panel, or no longer a judge, learns nothing of the entry.
    let judge = judges
        .iter()
        .find(|j| j.user_id == actor.user.id)
        .filter(|_| actor.can_anywhere(Permission::Judge))
        .ok_or(AppError::NotFound(Resource::ContestEntry))?;
    if entry.conflicts_with(judge) {
        return Err(AppError::Conflict("own_unit"));
    }
    // A speech is scored while its speaker is on stage; an exhibition's works while the category
    // is open (nobody is on stage there).
    let on_stage = round.current_order.is_none() || round.current_order == entry.running_order;
    if round.status != RoundStatus::Open || !on_stage {
        return Err(AppError::Conflict("not_on_stage"));
    }
    let (scores, total) = contest::check_score(&round.criteria, &input.criteria)?;
    let criteria: Vec<(String, Decimal)> = round.criteria.iter().map(|c| c.code.clone()).zip(scores).collect();
    let new = NewScore {
        entry: id,
        judge: actor.user.id,
        criteria: &criteria,
        total,
        idempotency_key: input.key,
        supersedes: None,
    };
    let score =
        store::insert_score(&mut tx, &new, actor.user.id, Timestamp::now()).await.map_err(|error| match error {
            pacesetter_store::StoreError::Duplicate(_) => AppError::Conflict("already_scored"),
            other => other.into(),
        })?;
    audit::record::<(), _>(
        &mut tx,
        actor.into(),
        "contest.score.submit",
        ("contest_entry", Some(id.0)),
        None,
        Some(&score),
    )
    .await?;
    tx.commit().await?;
    changed(app, round.id);
    Ok(score)
}

/// The organiser corrects a judge's score: a new score that supersedes it, with the reason; both
/// are kept.
pub async fn correct_score(
    app: &App,
    actor: &Actor,
    id: JudgeScoreId,
    input: &ScoreInput<'_>,
    reason: &str,
) -> Result<JudgeScore> {
    check_key(input.key)?;
    let reason = text::required("reason", reason, TextKind::Text)?;
    let mut tx = app.store.write().await?;
    let before = store::get_score(&mut tx, id).await.map_err(AppError::from_store(Resource::JudgeScore))?;
    let entry = store::get_entry(&mut tx, before.entry_id).await?;
    let round = round_of(&mut tx, entry.round_id).await?;
    organised(&mut tx, actor, round.contest_id).await?;
    let current = store::scores_of_round(&mut tx, round.id).await?;
    if !contest::current_scores(&current).iter().any(|s| s.id == id) {
        return Err(AppError::Conflict("score_superseded"));
    }
    let (scores, total) = contest::check_score(&round.criteria, &input.criteria)?;
    let criteria: Vec<(String, Decimal)> = round.criteria.iter().map(|c| c.code.clone()).zip(scores).collect();
    let new = NewScore {
        entry: before.entry_id,
        judge: before.judge_id,
        criteria: &criteria,
        total,
        idempotency_key: input.key,
        supersedes: Some((id, &reason)),
    };
    let score =
        store::insert_score(&mut tx, &new, actor.user.id, Timestamp::now()).await.map_err(|error| match error {
            pacesetter_store::StoreError::Duplicate(_) => AppError::Conflict("key_used"),
            other => other.into(),
        })?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.score.correct",
        ("contest_entry", Some(entry.id.0)),
        Some(&before),
        Some(&score),
    )
    .await?;
    tx.commit().await?;
    changed(app, round.id);
    Ok(score)
}

/// The organiser corrects the score `judge` gave `entry`, as it now stands (see [`correct_score`]).
pub async fn correct_judges_score(
    app: &App,
    actor: &Actor,
    entry: ContestEntryId,
    judge: UserId,
    input: &ScoreInput<'_>,
    reason: &str,
) -> Result<JudgeScore> {
    let current = {
        let mut conn = app.store.read().await?;
        let found = store::get_entry(&mut conn, entry).await.map_err(AppError::from_store(Resource::ContestEntry))?;
        let round = round_of(&mut conn, found.round_id).await?;
        organised(&mut conn, actor, round.contest_id).await?;
        let all = store::scores_of_round(&mut conn, round.id).await?;
        contest::current_scores(&all).into_iter().find(|s| s.entry_id == entry && s.judge_id == judge).map(|s| s.id)
    };
    let current = current.ok_or(AppError::Conflict("no_score_to_correct"))?;
    correct_score(app, actor, current, input, reason).await
}

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

async fn read_board(conn: &mut Conn, id: ContestRoundId) -> Result<Board> {
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
fn changed(app: &App, round: ContestRoundId) {
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

/// Turns a published round's prizes into bonus items of an evaluation of the same campaign: a
/// prize-winner's unit, if the evaluation ranks it, gets `points[level]` for its prize (the first
/// prize is level 0). A result already turned into an item is not added again. The items made.
pub async fn bonus_from_results(
    app: &App,
    actor: &Actor,
    id: ContestRoundId,
    scheme: pacesetter_domain::evaluation::records::SchemeId,
    points: &[Decimal],
) -> Result<Vec<pacesetter_domain::evaluation::records::Item>> {
    use crate::evaluations::entries::{self, ItemInput};
    if points.is_empty() || points.iter().any(|p| *p <= Decimal::ZERO || *p > Decimal::from(100) || p.scale() > 2) {
        return Err(AppError::invalid("points", "out_of_range"));
    }
    let board = board(app, actor, id).await?;
    let (members, linked) = {
        let mut conn = app.store.read().await?;
        organised(&mut conn, actor, board.contest.id).await?;
        let stored = pacesetter_store::evaluations::get_scheme(&mut conn, scheme)
            .await
            .map_err(AppError::from_store(Resource::Evaluation))?;
        if stored.campaign_id != board.contest.campaign_id {
            return Err(AppError::invalid("evaluation_id", "evaluation_not_found"));
        }
        let members: Vec<UnitId> =
            pacesetter_store::evaluations::members(&mut conn, scheme).await?.into_iter().map(|m| m.unit_id).collect();
        let items = pacesetter_store::evaluations::items(&mut conn, scheme, None).await?;
        let linked: Vec<String> = items.into_iter().filter_map(|i| i.source_link).collect();
        (members, linked)
    };
    if board.round.published_at.is_none() {
        return Err(AppError::Conflict("results_not_published"));
    }
    let mut created = Vec::new();
    for line in &board.lines {
        let Some(level) = line.prize else { continue };
        let Some(bonus) = points.get(level) else { continue };
        let link = format!("/contest-rounds/{}#entry-{}", id.0, line.entry.id.0);
        if !members.contains(&line.entry.unit_id) || linked.contains(&link) {
            continue;
        }
        let prize =
            ["一等奖", "二等奖", "三等奖"].get(level).map_or_else(|| format!("{}等奖", level + 1), |p| (*p).to_owned());
        let input = ItemInput {
            unit: line.entry.unit_id,
            effect: serde_json::json!({ "kind": "bonus", "points": bonus.to_string(), "cap": bonus.to_string() }),
            source: format!("{}{}{prize}：{}", board.contest.name, board.round.name, line.entry.contestant),
            source_link: Some(link),
        };
        created.push(entries::add_item(app, actor, scheme, &input).await?);
    }
    Ok(created)
}

/// What a prize certificate needs: the prize-winner of a published round, their unit, the
/// campaign and its office.
#[derive(Debug, Clone)]
pub struct CertificateView {
    pub contest: Contest,
    pub round: Round,
    pub entry: Entry,
    /// 0 for a first prize.
    pub prize: usize,
    pub unit: pacesetter_domain::unit::Unit,
    pub campaign: pacesetter_domain::plan::Campaign,
    pub office: pacesetter_domain::unit::Unit,
}

/// The certificate of an entry's prize, for everyone signed in, once the round's results are
/// published; an entry without a prize, or before then, has none (`no_certificate`).
pub async fn certificate(app: &App, actor: &Actor, id: ContestEntryId) -> Result<CertificateView> {
    let entry = {
        let mut conn = app.store.read().await?;
        store::get_entry(&mut conn, id).await.map_err(AppError::from_store(Resource::ContestEntry))?
    };
    let ranked = board(app, actor, entry.round_id).await?;
    let line = ranked.lines.iter().find(|l| l.entry.id == id);
    let prize = line.and_then(|l| l.prize).filter(|_| ranked.round.published_at.is_some());
    let prize = prize.ok_or(AppError::Conflict("no_certificate"))?;
    let mut conn = app.store.read().await?;
    let unit = units::get(&mut conn, entry.unit_id).await?;
    let (campaign, office) = crate::plans::load_campaign(&mut conn, ranked.contest.campaign_id).await?;
    Ok(CertificateView { contest: ranked.contest, round: ranked.round, entry, prize, unit, campaign, office })
}

/// The organiser gives `unit` an award of the contest (`title`, such as 优秀组织奖); a unit
/// has each award of a contest once (`award_exists`).
pub async fn add_award(app: &App, actor: &Actor, id: ContestId, unit: UnitRef<'_>, title: &str) -> Result<Award> {
    let mut tx = app.store.write().await?;
    // Only those who organise the contest learn whether the unit exists.
    organised(&mut tx, actor, id).await?;
    let title = text::required("title", title, TextKind::Name)?;
    let unit = unit_named(&mut tx, actor, unit).await?.id;
    let award = store::insert_award(&mut tx, id, unit, &title, actor.user.id, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::ContestAward))?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.award.create",
        ("contest_award", Some(award.id.0)),
        None::<&Award>,
        Some(&award),
    )
    .await?;
    tx.commit().await?;
    Ok(award)
}

/// The organiser takes an award back; its certificate goes with it.
pub async fn remove_award(app: &App, actor: &Actor, id: ContestAwardId) -> Result<()> {
    let mut tx = app.store.write().await?;
    let award = store::get_award(&mut tx, id).await.map_err(AppError::from_store(Resource::ContestAward))?;
    organised(&mut tx, actor, award.contest_id).await?;
    store::delete_award(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor.into(),
        "contest.award.delete",
        ("contest_award", Some(id.0)),
        Some(&award),
        None::<&Award>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an award's certificate needs: the award, its unit, the contest, the campaign and its
/// office.
#[derive(Debug, Clone)]
pub struct AwardCertificate {
    pub award: Award,
    pub contest: Contest,
    pub unit: pacesetter_domain::unit::Unit,
    pub campaign: pacesetter_domain::plan::Campaign,
    pub office: pacesetter_domain::unit::Unit,
}

/// The certificate of an award, for everyone signed in.
pub async fn award_certificate(app: &App, _actor: &Actor, id: ContestAwardId) -> Result<AwardCertificate> {
    let mut conn = app.store.read().await?;
    let award = store::get_award(&mut conn, id).await.map_err(AppError::from_store(Resource::ContestAward))?;
    let (contest, _) = load(&mut conn, award.contest_id).await?;
    let unit = units::get(&mut conn, award.unit_id).await?;
    let (campaign, office) = crate::plans::load_campaign(&mut conn, contest.campaign_id).await?;
    Ok(AwardCertificate { award, contest, unit, campaign, office })
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

async fn read_scoreboard(conn: &mut Conn, id: ContestRoundId) -> Result<Scoreboard> {
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
