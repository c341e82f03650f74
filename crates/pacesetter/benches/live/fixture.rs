//! The live benchmark's data, written through the app layer: the demo's organisation, the
//! judges' accounts, a contest round opened with them seated, and the screens' sessions.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use pacesetter_app::{
    Actor, App, Origin, auth,
    contests::{self, ContestInput, EntryInput, Move, RoundInput, ScoreInput, Seated, UnitRef},
    demo,
};
use pacesetter_domain::{
    Role, Timestamp, UnitKind,
    contest::{Criterion, Entry, Kind, Rules, Stage},
    ids::{ContestEntryId, ContestRoundId},
};
use pacesetter_store::{Store, campaigns, grants, units, users};
use rust_decimal::Decimal;
use tokio::{sync::Barrier, task::JoinSet};

use crate::{BoxError, CRITERIA, judges, serve};

/// The demo's organisation with a contest of one final round: `judges` judges homed at the
/// office and seated, `entries` contestants from the counties (so no judge is ever excused),
/// drawn and opened with the first contestant on stage.
pub struct Fixture {
    app: App,
    office: Actor,
    pub round: ContestRoundId,
    judges: Vec<Actor>,
    /// Contestants called to the stage so far.
    called: usize,
}

impl Fixture {
    pub async fn set_up(app: App, store: &Store, judges: usize, entries: usize) -> Result<Self, BoxError> {
        demo::seed(&app).await?;
        let office = serve::actor(store, "office").await?;
        let (campaign, all) = {
            let mut conn = store.read().await?;
            let campaign = campaigns::all(&mut conn).await?.into_iter().find(|c| c.year == 2023);
            (campaign.ok_or("the demo campaign is missing")?, units::all(&mut conn).await?)
        };
        let unit = |kind| all.iter().find(|u| u.kind == kind).map(|u| u.id).ok_or(format!("no {kind:?} unit"));
        let (home, region) = (unit(UnitKind::Office)?, unit(UnitKind::Region)?);
        let counties: Vec<_> = all.iter().filter(|u| u.kind == UnitKind::County).map(|u| u.id).collect();

        // The judges' accounts, written as the demo writes its own (one password hash for all).
        let hash = pacesetter_app::hash_password(demo::DEMO_PASSWORD)?;
        let now = Timestamp::now();
        let usernames: Vec<String> = (1..=judges).map(|n| format!("bench-judge{n}")).collect();
        let mut tx = store.write().await?;
        for (n, username) in usernames.iter().enumerate() {
            let display_name = format!("评委{}", n + 1);
            let new = users::NewUser {
                username,
                display_name: &display_name,
                password_hash: &hash,
                unit_id: home,
                locale: None,
            };
            let user = users::insert(&mut tx, &new, now).await?;
            grants::insert(&mut tx, user.id, Role::Judge, region, now).await?;
        }
        tx.commit().await?;
        let mut panel = Vec::with_capacity(judges);
        for username in &usernames {
            panel.push(serve::actor(store, username).await?);
        }

        let input = ContestInput {
            name: "实时评分基准",
            name_bo: "",
            kind: Kind::Speech,
            plan_item: None,
            rules: Rules::default(),
        };
        let contest = contests::create(&app, &office, campaign.id, &input).await?;
        let criteria = CRITERIA
            .iter()
            .map(|(code, max)| Criterion { code: (*code).into(), name: (*code).into(), max: Decimal::from(*max) })
            .collect();
        let round =
            RoundInput { name: "决赛", stage: Stage::Final, unit: None, advance: 0, criteria, prizes: Vec::new() };
        let round = contests::add_round(&app, &office, contest.id, &round).await?;
        for judge in &panel {
            contests::seat_judge(&app, &office, round.id, Seated::Id(judge.user.id)).await?;
        }
        for n in 1..=entries {
            let contestant = format!("选手{n:02}");
            let unit = UnitRef::Id(counties[n % counties.len()]);
            let entry = EntryInput { contestant: &contestant, unit, title: "", image: None };
            contests::add_entry(&app, &office, round.id, &entry).await?;
        }
        let round = contests::draw(&app, &office, round.id, round.version).await?;
        contests::advance(&app, &office, round.id, round.version, Move::Open).await?;
        Ok(Self { app, office, round: round.id, judges: panel, called: 0 })
    }

    /// Calls the next contestant to the stage (the round opened with the first on it); returns
    /// them and when the call was committed.
    pub async fn next_contestant(&mut self) -> Result<(Entry, Instant), BoxError> {
        if self.called > 0 {
            let version = contests::board(&self.app, &self.office, self.round).await?.round.version;
            contests::advance(&self.app, &self.office, self.round, version, Move::Next).await?;
        }
        let called = Instant::now();
        self.called += 1;
        let board = contests::board(&self.app, &self.office, self.round).await?;
        Ok((board.on_stage.ok_or("nobody is on stage")?, called))
    }
}

/// Every judge scores `entry` at once through the app layer; the time of each call.
pub async fn submit_in_process(fixture: &Fixture, entry: ContestEntryId) -> Result<Vec<Duration>, BoxError> {
    let barrier = Arc::new(Barrier::new(fixture.judges.len()));
    let mut tasks = JoinSet::new();
    for (seat, judge) in fixture.judges.iter().enumerate() {
        let (app, judge, barrier) = (fixture.app.clone(), judge.clone(), barrier.clone());
        tasks.spawn(async move {
            let key = format!("app-{entry}-{seat}");
            let input = ScoreInput { criteria: judges::sheet(seat), key: &key };
            barrier.wait().await;
            let started = Instant::now();
            contests::submit_score(&app, &judge, entry, &input).await?;
            Ok::<_, BoxError>(started.elapsed())
        });
    }
    tasks.join_all().await.into_iter().collect()
}

/// Opens a session for each screen, signed in as the demo's leadership viewer through the app
/// layer (a few at a time: each checks the password).
pub async fn screen_sessions(app: &App, screens: usize) -> Result<Vec<String>, BoxError> {
    let permits = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = JoinSet::new();
    for _ in 0..screens {
        let (app, permits) = (app.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire().await?;
            let session = auth::login(&app, "viewer", demo::DEMO_PASSWORD, &Origin::default())
                .await?
                .into_session()
                .ok_or("a second step")?;
            Ok::<_, BoxError>(session.token)
        });
    }
    tasks.join_all().await.into_iter().collect()
}
