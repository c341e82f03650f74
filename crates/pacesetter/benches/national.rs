//! The national-scale benchmark (PRODUCT.md, "Scale the design must hold"): the progress
//! dashboard and "my tasks" on SQLite, on the national dataset and, in the same run, on the
//! region-sized baseline, printed side by side against the 50 ms p99 target.
//!
//! `cargo bench -p pacesetter --bench national`; see docs/benchmarks.md for the settings.

#[path = "national/dataset.rs"]
mod dataset;
#[path = "national/report.rs"]
mod report;
#[path = "common/settings.rs"]
mod settings;
#[path = "national/shape.rs"]
mod shape;

use std::{
    future::Future,
    path::PathBuf,
    pin::Pin,
    time::{Duration, Instant},
};

use dataset::{BoxError, Layout, Opened, Shape};
use pacesetter_app::{
    Actor, App, Origin, PageRequest, Settings,
    assignments::{self, Query},
    files::FileStore,
    inspections, plans, reports,
};
use pacesetter_domain::{
    Scope, Timestamp, UnitId, UserId,
    assignment::AssignmentState,
    ids::{AssignmentId, CampaignId},
    light::Light,
};
use pacesetter_store::{Store, assignments as store_assignments, campaigns, grants, users};
use report::{Row, Summary};
use time::{Date, macros::offset};

/// The product's target for both pages.
const TARGET_P99_MS: f64 = 50.0;
/// Issue 16's target for the burden meter, from the counts kept on write.
const BURDEN_TARGET_P99_MS: f64 = 100.0;

/// How the run is tuned from the environment.
#[derive(Debug)]
struct Options {
    /// `PACESETTER_BENCH_SCALE`: shrinks the national dataset (1.0 is PRODUCT.md's size).
    scale: f64,
    /// `PACESETTER_BENCH_ITERATIONS`: timed calls per query and dataset; 0 only makes (or finds)
    /// the datasets and prints their files, e.g. for `scripts/http_bench.py --national`.
    iterations: usize,
    /// `PACESETTER_BENCH_SECONDS`: stop a query early after this long, so that a slow query
    /// still reports (with fewer samples) instead of running for hours.
    budget: Duration,
    /// `PACESETTER_BENCH_DIR`: where the generated databases are cached.
    dir: PathBuf,
}

impl Options {
    fn from_env() -> Result<Self, BoxError> {
        use settings::var;
        let scale: f64 = var("PACESETTER_BENCH_SCALE", 1.0)?;
        if !(scale > 0.0 && scale <= 1.0) {
            return Err("PACESETTER_BENCH_SCALE must be in (0, 1]".into());
        }
        let dir = match std::env::var_os("PACESETTER_BENCH_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => default_dir()?,
        };
        Ok(Self {
            scale,
            iterations: var("PACESETTER_BENCH_ITERATIONS", 200)?,
            budget: Duration::from_secs(var("PACESETTER_BENCH_SECONDS", 120)?),
            dir,
        })
    }
}

/// `<target dir>/bench-data`: the bench binary lives in `<target dir>/<profile>/deps/`, and the
/// target directory is never committed.
fn default_dir() -> Result<PathBuf, BoxError> {
    let exe = std::env::current_exe()?;
    let target = exe.ancestors().nth(3).ok_or("cannot place the bench data beside the target directory")?;
    Ok(target.join("bench-data"))
}

/// A dataset with the app over it and the people who look at it.
struct Fixture {
    app: App,
    opened: Opened,
    campaign: CampaignId,
    coordinator: Actor,
    prefecture_liaisons: Vec<Actor>,
    county_liaisons: Vec<Actor>,
}

impl Fixture {
    async fn load(options: &Options, shape: Shape) -> Result<Self, BoxError> {
        let opened = dataset::open(&options.dir, shape).await?;
        let app = App::new(
            opened.store.clone(),
            Settings::default(),
            pacesetter_export::read_sheet,
            FileStore::new(&options.dir),
        );
        let layout = opened.layout;
        let campaign = CampaignId(shape.campaigns);
        let coordinator = actor(&opened.store, layout.coordinator()).await?;
        let prefecture_liaisons =
            sample(&opened.store, shape.prefectures, options.iterations, |n| layout.prefecture_liaison(n)).await?;
        let county_liaisons =
            sample(&opened.store, shape.counties, options.iterations, |n| layout.county_liaison(n)).await?;
        Ok(Self { app, opened, campaign, coordinator, prefecture_liaisons, county_liaisons })
    }

    fn layout(&self) -> Layout {
        self.opened.layout
    }
}

/// The signed-in user as the web layer would resolve them.
async fn actor(store: &Store, user: i64) -> Result<Actor, BoxError> {
    let mut conn = store.read().await?;
    let user = users::get(&mut conn, UserId(user)).await?;
    let scope = Scope::new(grants::scope_of(&mut conn, user.id).await?);
    Ok(Actor { user, scope, origin: Origin::default() })
}

/// Up to `wanted` of the `count` liaisons, spread over the whole tree (a stride, not the first
/// few), so that successive calls look at different units.
async fn sample(
    store: &Store,
    count: i64,
    wanted: usize,
    user_of: impl Fn(i64) -> i64,
) -> Result<Vec<Actor>, BoxError> {
    let wanted = (wanted as i64).min(count).max(1);
    let mut actors = Vec::with_capacity(wanted as usize);
    for k in 0..wanted {
        actors.push(actor(store, user_of(k * count / wanted)).await?);
    }
    Ok(actors)
}

/// What one call returned, for the size column.
type Size = String;
type Call<'a> = Pin<Box<dyn Future<Output = Result<Size, BoxError>> + 'a>>;

/// The measured queries. Each call `i` may pick a different actor. The indented rows time the
/// store queries a dashboard is made of, to show where its time goes.
#[derive(Debug, Clone, Copy)]
enum Scenario {
    DashboardCoordinator,
    DashboardCoordinatorPrefecture,
    DashboardPrefecture,
    Trend,
    MyTasksCounty,
    MyTasksCountyRed,
    MyTasksCountyOverdue,
    Report,
    Burden,
}

impl Scenario {
    const ALL: [Scenario; 9] = [
        Self::DashboardCoordinator,
        Self::DashboardCoordinatorPrefecture,
        Self::DashboardPrefecture,
        Self::Trend,
        Self::MyTasksCounty,
        Self::MyTasksCountyRed,
        Self::MyTasksCountyOverdue,
        Self::Report,
        Self::Burden,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::DashboardCoordinator => "dashboard · office coordinator",
            Self::DashboardCoordinatorPrefecture => "dashboard · office, drilled to a prefecture",
            Self::DashboardPrefecture => "dashboard · prefecture liaison",
            Self::Trend => "  └ weekly trend (every dashboard)",
            Self::MyTasksCounty => "my tasks · county liaison",
            Self::MyTasksCountyRed => "my tasks · county liaison, red",
            Self::MyTasksCountyOverdue => "my tasks · county liaison, overdue",
            Self::Report => "progress update write (rolled back)",
            Self::Burden => "burden meter · office coordinator",
        }
    }

    /// The p99 target, for the pages themselves (not their parts, not writes).
    fn target_ms(self) -> Option<f64> {
        match self {
            Self::Trend | Self::Report => None,
            Self::Burden => Some(BURDEN_TARGET_P99_MS),
            _ => Some(TARGET_P99_MS),
        }
    }

    fn call<'a>(self, fixture: &'a Fixture, i: usize) -> Call<'a> {
        let pick = |actors: &'a [Actor]| &actors[i % actors.len()];
        match self {
            Self::DashboardCoordinator => Box::pin(dashboard(fixture, &fixture.coordinator, None)),
            Self::DashboardCoordinatorPrefecture => {
                let shape = fixture.layout().shape;
                let prefecture = fixture.layout().prefectures + (i as i64 * 7919) % shape.prefectures;
                Box::pin(dashboard(fixture, &fixture.coordinator, Some(UnitId(prefecture))))
            }
            Self::DashboardPrefecture => Box::pin(dashboard(fixture, pick(&fixture.prefecture_liaisons), None)),
            Self::Trend => Box::pin(trend(fixture)),
            Self::MyTasksCounty => Box::pin(my_tasks(fixture, pick(&fixture.county_liaisons), Query::default())),
            Self::MyTasksCountyRed => Box::pin(my_tasks(
                fixture,
                pick(&fixture.county_liaisons),
                Query { light: Some(Light::Red), ..Query::default() },
            )),
            Self::MyTasksCountyOverdue => {
                Box::pin(my_tasks(fixture, pick(&fixture.county_liaisons), Query { overdue: true, ..Query::default() }))
            }
            Self::Report => Box::pin(report(fixture, i)),
            Self::Burden => Box::pin(burden(fixture)),
        }
    }
}

/// A count in a few characters: 3.36M, 3.0k, 345.
fn compact(n: usize) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
    }
}

async fn dashboard(fixture: &Fixture, actor: &Actor, unit: Option<UnitId>) -> Result<Size, BoxError> {
    let board = reports::dashboard(&fixture.app, actor, fixture.campaign, unit).await?;
    Ok(format!("{}×{}", board.rows.len(), board.columns.len()))
}

/// The burden meter's first page for the whole region: every unit's year, ranked from the tasks'
/// yearly counts (the dataset has no inspections, so this is the tasks' share of the work).
async fn burden(fixture: &Fixture) -> Result<Size, BoxError> {
    let year = plans::campaign(&fixture.app, &fixture.coordinator, fixture.campaign).await?.campaign.year;
    let query = inspections::BurdenQuery { year, under: None, page: PageRequest::new(None, Some(50)) };
    let page = inspections::burden(&fixture.app, &fixture.coordinator, &query).await?;
    Ok(format!("{}/{}", page.items.len(), compact(page.total as usize)))
}

/// What a progress update writes to the assignment and the dashboard's roll-ups (the unit and
/// its ancestors), in a transaction that is then dropped, so the dataset stays as generated.
async fn report(fixture: &Fixture, i: usize) -> Result<Size, BoxError> {
    // The newest campaign's assignments have consecutive ids (see `dataset::assignments`).
    let per_campaign = fixture.layout().shape.assignments_per_campaign;
    let id = AssignmentId((fixture.campaign.0 - 1) * per_campaign + 1 + (i as i64 * 7919) % per_campaign);
    let mut tx = fixture.opened.store.write().await?;
    let before = store_assignments::get(&mut tx, id).await?;
    let percent = (before.percent + 7) % 100;
    let after =
        store_assignments::set_state(&mut tx, &before, AssignmentState::InProgress, percent, true, Timestamp::now())
            .await?;
    drop(tx);
    Ok(format!("{}%", after.percent))
}

/// The dashboard's trend query over its window: the twelve weeks up to the campaign's day,
/// whole days in China Standard Time.
async fn trend(fixture: &Fixture) -> Result<Size, BoxError> {
    let mut conn = fixture.opened.store.read().await?;
    let today = campaigns::get(&mut conn, fixture.campaign).await?.today(Timestamp::now());
    let monday = today - time::Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let cst_midnight = |day: Date| Timestamp::from_datetime(day.midnight().assume_offset(offset!(+8)));
    let (from, to) =
        (cst_midnight(monday - time::Duration::weeks(11)), cst_midnight(monday + time::Duration::weeks(1)));
    let hours = store_assignments::reports_per_hour(&mut conn, fixture.campaign, from, to).await?;
    let reports: i64 = hours.iter().map(|(_, n)| n).sum();
    Ok(compact(usize::try_from(reports)?))
}

/// The assignments page as the UI opens it: the newest campaign, first page.
async fn my_tasks(fixture: &Fixture, actor: &Actor, query: Query) -> Result<Size, BoxError> {
    let query = Query { campaign: Some(fixture.campaign), ..query };
    let page = assignments::list(&fixture.app, actor, &query, PageRequest::new(None, None)).await?;
    Ok(format!("{}/{}", page.items.len(), page.total))
}

/// Warms up (a tenth of the calls, at most ten), then times up to `iterations` calls or until
/// the time budget is spent.
async fn measure(fixture: &Fixture, scenario: Scenario, options: &Options) -> Result<(Summary, Size), BoxError> {
    let started = Instant::now();
    let mut size = String::new();
    for i in 0..(options.iterations / 10).clamp(1, 10) {
        size = scenario.call(fixture, i).await?;
        if started.elapsed() > options.budget / 10 {
            break;
        }
    }
    let started = Instant::now();
    let mut timings = Vec::with_capacity(options.iterations);
    for i in 0..options.iterations {
        let call = Instant::now();
        size = scenario.call(fixture, i).await?;
        timings.push(call.elapsed());
        if started.elapsed() > options.budget {
            break;
        }
    }
    Ok((Summary::of(&timings), size))
}

async fn count(store: &Store, table: &str) -> Result<i64, BoxError> {
    use sqlx::Row;
    let mut conn = store.read().await?;
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}"))).fetch_one(&mut *conn).await?;
    Ok(row.try_get("n")?)
}

async fn describe(fixture: &Fixture) -> Result<String, BoxError> {
    let store = &fixture.opened.store;
    let shape = fixture.layout().shape;
    let source = if fixture.opened.cached { "cached; generated in" } else { "generated in" };
    Ok(format!(
        "{:<8} {:>6} units ({} provinces, {} prefectures, {} counties, {} townships), {} campaign(s), \
         {:>9} assignments, {:>9} progress events ({source} {:.1} s)",
        shape.name,
        count(store, "units").await?,
        shape.provinces,
        shape.prefectures,
        shape.counties,
        shape.townships,
        count(store, "campaigns").await?,
        count(store, "assignments").await?,
        count(store, "assignment_events").await?,
        fixture.opened.generation.as_secs_f64(),
    ))
}

/// New light thresholds counted in a step per transaction ([`progress_cells::RECOUNT_STEP`]
/// assignments each), then the old ones again so the cached dataset is left as it was: how many
/// steps, the longest (how long a step holds the write lock; issue 16's bound is 1 s) and the
/// whole of the first recount.
async fn recount(fixture: &Fixture) -> Result<(usize, Duration, Duration), BoxError> {
    use pacesetter_domain::light::Thresholds;
    use pacesetter_store::progress_cells;
    let store = &fixture.opened.store;
    let campaign = fixture.campaign;
    let original = progress_cells::counting_of(&mut *store.read().await?, campaign).await?.current;
    let changed = Thresholds { red_at: original.red_at + 1, ..original };
    let (mut steps, mut longest, mut first) = (0, Duration::ZERO, Duration::ZERO);
    for (old, new) in [(original, changed), (changed, original)] {
        let started = Instant::now();
        let mut tx = store.write().await?;
        sqlx::query("UPDATE campaigns SET yellow_at = $1, red_at = $2 WHERE id = $3")
            .bind(i64::from(new.yellow_at))
            .bind(i64::from(new.red_at))
            .bind(campaign.0)
            .execute(&mut *tx)
            .await?;
        progress_cells::begin_recount(&mut tx, campaign, old).await?;
        tx.commit().await?;
        let mut tops = progress_cells::tops_of_campaign(&mut *store.read().await?, campaign).await?;
        loop {
            let step = Instant::now();
            let mut tx = store.write().await?;
            let done = progress_cells::recount_step(&mut tx, campaign, &mut tops, progress_cells::RECOUNT_STEP).await?;
            tx.commit().await?;
            longest = longest.max(step.elapsed());
            steps += usize::from(first.is_zero());
            if done {
                break;
            }
        }
        if first.is_zero() {
            first = started.elapsed();
        }
    }
    Ok((steps, longest, first))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let options = Options::from_env()?;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("Pacesetter national benchmark — SQLite, {cores} cores, data in {}", options.dir.display());
    if options.iterations == 0 {
        for shape in [Shape::region(), Shape::national(options.scale)] {
            let opened = dataset::open(&options.dir, shape).await?;
            opened.store.close().await;
            println!("dataset {}: {}", shape.name, dataset::file(&options.dir, shape).display());
        }
        return Ok(());
    }
    let baseline = Fixture::load(&options, Shape::region()).await?;
    let national = Fixture::load(&options, Shape::national(options.scale)).await?;
    println!("{}", describe(&baseline).await?);
    println!("{}", describe(&national).await?);
    println!(
        "{} timed calls per query after warm-up (at most {} s each); actors vary per call",
        options.iterations,
        options.budget.as_secs()
    );
    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
        let (baseline_summary, baseline_size) = measure(&baseline, scenario, &options).await?;
        let (national_summary, national_size) = measure(&national, scenario, &options).await?;
        eprintln!("  measured {}", scenario.label());
        rows.push(Row {
            query: scenario.label().to_owned(),
            baseline_size,
            baseline: baseline_summary,
            national_size,
            national: national_summary,
            target_ms: scenario.target_ms(),
        });
    }
    let national_name =
        if options.scale < 1.0 { format!("national × {}", options.scale) } else { "national".to_owned() };
    report::print_table(&rows, "region (baseline)", &national_name);
    println!(
        "size: dashboard rows×columns; trend: progress reports counted; my tasks: rows on the page/total; \
         write: the percent written"
    );
    println!("ratio: national p99 / baseline p99; parts of a page (indented) have no target of their own");
    for (name, fixture) in [("region (baseline)", &baseline), (national_name.as_str(), &national)] {
        let (steps, longest, whole) = recount(fixture).await?;
        println!(
            "new thresholds counted in, {name}: {steps} steps, the longest {:.0} ms (target ≤ 1000 ms), {:.1} s in all",
            longest.as_secs_f64() * 1e3,
            whole.as_secs_f64()
        );
    }
    Ok(())
}
