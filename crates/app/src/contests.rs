//! Contests judged live (演讲比赛, PRODUCT.md C8): the organiser sets up rounds, criteria, the
//! panel and the contestants, draws the running order and calls each contestant to the stage;
//! judges score the one on stage from their phones, exactly once each; the scoreboard ranks by
//! the rules of `SCORING.md` §2. Whoever runs the contest's campaign organises it; the panel is
//! who may score; everyone signed in may watch the board.

use pacesetter_domain::{
    Permission, Timestamp, UnitId, UserId,
    contest::{self, Award, Contest, Criterion, Entry, Image, Judge, Kind, Round, RoundStatus, Rules, Stage},
    ids::{CampaignId, ContestEntryId, ContestId, ContestRoundId, PlanItemId},
};
use pacesetter_store::{
    Conn,
    contests::{self as store, ContestFields, NewRound},
    grants, plan_items, units, users,
};
use rust_decimal::Decimal;

use crate::{
    Actor, App, AppError, Resource, Result, audit,
    text::{self, TextKind},
};

mod boards;
use boards::changed;
pub use boards::*;

mod awards;
pub use awards::*;

mod scoring;
pub use scoring::*;

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
    /// The name in Tibetan; blank for none.
    pub name_bo: &'a str,
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
    let name_bo = text::optional("name_bo", Some(input.name_bo), TextKind::Title)?;
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
    let fields = ContestFields {
        name: &name,
        name_bo: name_bo.as_deref(),
        kind: input.kind,
        plan_item_id: input.plan_item,
        rules: &rules,
    };
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

/// Renames a contest the actor organises, in Chinese and Tibetan, at `version`.
pub async fn rename(
    app: &App,
    actor: &Actor,
    id: ContestId,
    version: i64,
    name: &str,
    name_bo: &str,
) -> Result<Contest> {
    let mut tx = app.store.write().await?;
    let before = organised(&mut tx, actor, id).await?;
    let name = text::required("name", name, TextKind::Title)?;
    let name_bo = text::optional("name_bo", Some(name_bo), TextKind::Title)?;
    let contest = store::rename(&mut tx, id, version, (&name, name_bo.as_deref()), Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Contest))?;
    audit::record(&mut tx, actor.into(), "contest.rename", ("contest", Some(id.0)), Some(&before), Some(&contest))
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
