//! The live contest benchmark (decision 0015's screens under load): 50 judges score the
//! contestant on stage at once through the JSON API while 200 big screens watch the round's
//! Server-Sent Events stream, against the real router on 127.0.0.1 over a fresh SQLite database.
//! Each score is timed from its submission until every screen shows it; the target is a p99
//! under 200 ms on two cores. Baselines in the same run: the same submissions with no screen
//! watching, and in-process through the app layer.
//!
//! `cargo bench -p pacesetter --bench live`; see docs/benchmarks.md for the settings.

#[path = "live/fixture.rs"]
mod fixture;
#[path = "live/judges.rs"]
mod judges;
#[path = "live/report.rs"]
mod report;
#[path = "live/screens.rs"]
mod screens;
#[path = "common/serve.rs"]
mod serve;
#[path = "common/settings.rs"]
mod settings;
#[path = "live/stages.rs"]
mod stages;

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use fixture::{Fixture, screen_sessions, submit_in_process};
use pacesetter::{Config, server};
use pacesetter_app::contests;
use pacesetter_domain::ids::ContestEntryId;
use pacesetter_store::Store;
use report::{Summary, ms};
use tokio::task::JoinSet;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The target: a score on every screen within 200 ms, p99.
const TARGET_P99: Duration = Duration::from_millis(200);

/// How long the screens' idle cost is measured.
const IDLE: Duration = Duration::from_secs(4);

/// The round's criteria: code and maximum.
pub const CRITERIA: [(&str, u32); 2] = [("content", 60), ("delivery", 40)];

/// How the run is tuned from the environment.
#[derive(Debug)]
struct Options {
    /// `PACESETTER_BENCH_JUDGES`: the panel, every judge scoring every contestant.
    judges: usize,
    /// `PACESETTER_BENCH_SCREENS`: the big screens watching the board.
    screens: usize,
    /// `PACESETTER_BENCH_ROUNDS`: contestants scored in turn, in each of the three phases.
    rounds: usize,
    /// `PACESETTER_BENCH_SECONDS`: how long the run waits for the screens to show a contestant
    /// or their scores; then it counts what is missing.
    budget: Duration,
    /// `PACESETTER_BENCH_DIR`: where the fresh data directory `live` is made.
    dir: PathBuf,
}

impl Options {
    fn from_env() -> Result<Self, BoxError> {
        use settings::var;
        let dir = match std::env::var_os("PACESETTER_BENCH_DIR") {
            Some(dir) => PathBuf::from(dir),
            // The bench binary lives in `<target dir>/<profile>/deps/`.
            None => std::env::current_exe()?.ancestors().nth(3).ok_or("no target directory")?.join("bench-data"),
        };
        let options = Self {
            judges: var("PACESETTER_BENCH_JUDGES", 50)?,
            screens: var("PACESETTER_BENCH_SCREENS", 200)?,
            rounds: var("PACESETTER_BENCH_ROUNDS", 2)?.max(1),
            budget: Duration::from_secs(var("PACESETTER_BENCH_SECONDS", 20)?),
            dir,
        };
        // The default rules drop the highest and the lowest score: a round opens with three.
        if options.judges < 3 || options.screens < 1 {
            return Err("PACESETTER_BENCH_JUDGES must be at least 3 and PACESETTER_BENCH_SCREENS at least 1".into());
        }
        Ok(options)
    }
}

/// The median time of `calls` calls of `call`.
async fn median(calls: usize, mut call: impl AsyncFnMut() -> Result<(), BoxError>) -> Result<Duration, BoxError> {
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let started = Instant::now();
        call().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// What the server spent on a phase's contestants over HTTP.
struct Spent {
    /// When the server counts as idle again.
    quiet: stages::Quiet,
    /// Taking a connection from the store's pool, every 10 ms while the scores came in.
    pool: Vec<Duration>,
    /// CPU, and the time it was measured over, from the first score sent until the server was
    /// idle again, per contestant.
    cpu: Vec<(stages::Cpu, Duration)>,
    /// How long the server stayed busy after the screens, if any, showed every score (less the
    /// idle window that ends the wait).
    busy_after: Vec<Duration>,
}

impl Spent {
    fn new(quiet: stages::Quiet) -> Self {
        Self { quiet, pool: Vec::new(), cpu: Vec::new(), busy_after: Vec::new() }
    }

    /// Scores `entry` from every phone at once, timing the pool meanwhile and the CPU until the
    /// server is idle again; `shown` waits for the screens, if any, before the server settles.
    async fn submit(
        &mut self,
        store: &Store,
        phones: &[judges::Phone],
        base: &str,
        entry: ContestEntryId,
        shown: impl AsyncFnOnce(),
    ) -> Result<Vec<judges::Sent>, BoxError> {
        let (started, before, probe) = (Instant::now(), stages::Cpu::now(), stages::PoolProbe::start(store.clone()));
        let sent = judges::submit(phones, base, entry).await?;
        shown().await;
        self.pool.extend(probe.stop().await);
        self.busy_after.push(self.quiet.settle().await.saturating_sub(self.quiet.window));
        self.cpu.push((stages::Cpu::now() - before, started.elapsed()));
        Ok(sent)
    }

    /// The mean CPU per contestant, in seconds.
    fn mean_cpu(&self) -> String {
        let m = stages::Mean::of(&self.cpu, self.quiet.idle_cores);
        format!(
            "server {:.2} s, SQLite {:.2} s, clients {:.2} s ({:.2} s above the idle load)",
            m.server, m.sqlite, m.clients, m.above_idle
        )
    }
}

/// What the screens phase measured, over every contestant.
struct Watched {
    submit: Vec<Duration>,
    from_ack: Vec<Duration>,
    from_sent: Vec<Duration>,
    first_screen: Vec<Duration>,
    stage: Vec<Duration>,
    /// From the first score sent until the last screen showed every score, per contestant.
    drain: Vec<Duration>,
    /// (screen, seat) pairs, and new contestants, that never showed within the budget.
    missing_scores: usize,
    missing_stages: usize,
    events: usize,
    bytes: usize,
    spent: Spent,
}

impl Watched {
    fn new(quiet: stages::Quiet) -> Self {
        Self {
            submit: Vec::new(),
            from_ack: Vec::new(),
            from_sent: Vec::new(),
            first_screen: Vec::new(),
            stage: Vec::new(),
            drain: Vec::new(),
            missing_scores: 0,
            missing_stages: 0,
            events: 0,
            bytes: 0,
            spent: Spent::new(quiet),
        }
    }
}

/// Calls each contestant in turn while the screens watch. Once every screen shows them and the
/// server is idle again (the speech), the judges score them at once.
async fn watched(
    fixture: &mut Fixture,
    store: &Store,
    phones: &[judges::Phone],
    base: &str,
    logs: &[screens::Shared],
    options: &Options,
    quiet: stages::Quiet,
) -> Result<Watched, BoxError> {
    let mut out = Watched::new(quiet);
    let (events_before, bytes_before) = screens::totals(logs);
    for _ in 0..options.rounds {
        let (entry, called) = fixture.next_contestant().await?;
        let name = entry.contestant.as_str();
        let shown = screens::wait_for(logs, called + options.budget, |log| log.seen.contains_key(name)).await;
        out.missing_stages += usize::from(!shown);
        out.stage.extend(screens::last(logs, |log| log.seen.get(name).map(|s| s.appeared)).map(|t| t - called));
        quiet.settle().await;

        let complete = |log: &screens::Log| log.seen.get(name).is_some_and(|s| s.seats.iter().all(Option::is_some));
        let everyone = async || {
            screens::wait_for(logs, Instant::now() + options.budget, complete).await;
        };
        let sent = out.spent.submit(store, phones, base, entry.id, everyone).await?;
        let first_sent = sent.iter().map(|s| s.sent).min().ok_or("no score was sent")?;
        let mut everywhere = Vec::new();
        for s in &sent {
            out.submit.push(s.acked - s.sent);
            let at = |log: &screens::Log| log.seen.get(name).and_then(|seen| seen.seats.get(s.seat).copied().flatten());
            out.missing_scores += logs.iter().filter(|log| at(&screens::read(log)).is_none()).count();
            if let Some(last) = screens::last(logs, at) {
                out.from_ack.push(last.saturating_duration_since(s.acked));
                out.from_sent.push(last - s.sent);
                everywhere.push(last);
            }
            if let Some(first) = screens::first(logs, at) {
                out.first_screen.push(first - s.sent);
            }
        }
        if everywhere.len() == sent.len()
            && let Some(last) = everywhere.iter().max()
        {
            out.drain.push(*last - first_sent);
        }
        if let Some(reason) = screens::failure(logs) {
            return Err(format!("a screen's stream ended: {reason}").into());
        }
    }
    let (events, bytes) = screens::totals(logs);
    (out.events, out.bytes) = (events - events_before, bytes - bytes_before);
    Ok(out)
}

/// One more contestant is scored, and the organiser calls the next as soon as the last score
/// reaches every screen; how long the new contestant takes to reach every screen, if they do
/// within the budget.
async fn call_at_once(
    fixture: &mut Fixture,
    phones: &[judges::Phone],
    base: &str,
    logs: &[screens::Shared],
    options: &Options,
    quiet: stages::Quiet,
) -> Result<Option<Duration>, BoxError> {
    let (entry, called) = fixture.next_contestant().await?;
    let name = entry.contestant.as_str();
    screens::wait_for(logs, called + options.budget, |log| log.seen.contains_key(name)).await;
    quiet.settle().await;
    judges::submit(phones, base, entry.id).await?;
    let complete = |log: &screens::Log| log.seen.get(name).is_some_and(|s| s.seats.iter().all(Option::is_some));
    screens::wait_for(logs, Instant::now() + options.budget, complete).await;
    let (next, called) = fixture.next_contestant().await?;
    let name = next.contestant.as_str();
    screens::wait_for(logs, called + options.budget, |log| log.seen.contains_key(name)).await;
    Ok(screens::last(logs, |log| log.seen.get(name).map(|s| s.appeared)).map(|t| t - called))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    let options = Options::from_env()?;
    let data_dir = options.dir.join("live");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    eprintln!(
        "live benchmark: {} judges, {} screens, {} contestants per phase, {cores} cores; data in {}",
        options.judges,
        options.screens,
        options.rounds,
        data_dir.display()
    );
    let config = Config { listen: "127.0.0.1:0".into(), data_dir: data_dir.clone(), ..Config::default() };
    let store = server::open_store(&config).await?;
    let app = server::app(&config, store.clone());
    let started = Instant::now();
    let mut fixture = Fixture::set_up(app.clone(), &store, options.judges, 3 * options.rounds + 2).await?;
    eprintln!("  demo, judges and contest set up in {:.1?}", started.elapsed());
    let addr = serve::start_server(&config, app.clone())?;
    let base = format!("http://{addr}");
    let phones = judges::sign_in(&base, options.judges).await?;
    eprintln!("  server on {base}; {} phones signed in", phones.len());

    // Baselines: in-process through the app layer, then over HTTP; no screen watching either.
    let mut in_process = Vec::new();
    for _ in 0..options.rounds {
        let (entry, _) = fixture.next_contestant().await?;
        in_process.extend(submit_in_process(&fixture, entry.id).await?);
    }
    let (mut unwatched, mut unwatched_spent) = (Vec::new(), Spent::new(stages::Quiet::ALONE));
    for _ in 0..options.rounds {
        let (entry, _) = fixture.next_contestant().await?;
        let sent = unwatched_spent.submit(&store, &phones, &base, entry.id, async || {}).await?;
        unwatched.extend(sent.iter().map(|s| s.acked - s.sent));
    }

    // What a board change costs the server: the reads behind the fragment (the round's
    // scoreboard) and the big screen's page over HTTP.
    let reads = median(20, async || Ok(contests::scoreboard(&app, fixture.round).await.map(drop)?)).await?;
    let sessions = screen_sessions(&app, options.screens).await?;
    let page_client = reqwest::Client::builder().build()?;
    let page_url = format!("{base}/contest-rounds/{}/screen", fixture.round);
    let cookie = |token: &str| format!("pacesetter_session={token}");
    let page = median(20, async || {
        let response = page_client.get(&page_url).header("cookie", cookie(&sessions[0])).send().await?;
        response.error_for_status()?.bytes().await?;
        Ok(())
    })
    .await?;

    // The screens connect, and the run waits until each shows the board.
    let client = reqwest::Client::builder().build()?;
    let url = format!("{base}/contest-rounds/{}/events", fixture.round);
    let logs: Vec<screens::Shared> = (0..options.screens).map(|_| screens::Shared::default()).collect();
    let opening = Instant::now();
    let mut watchers = JoinSet::new();
    for (log, token) in logs.iter().zip(&sessions) {
        watchers.spawn(screens::watch(client.clone(), url.clone(), cookie(token), log.clone()));
    }
    if !screens::wait_for(&logs, opening + options.budget, |log| log.events > 0).await {
        let reason = screens::failure(&logs).unwrap_or_else(|| "no board within the budget".into());
        return Err(format!("the screens did not all connect: {reason}").into());
    }
    let connected = opening.elapsed();
    eprintln!("  {} screens connected in {connected:.1?}", options.screens);
    // What the screens cost with nothing happening: each looks again every two seconds.
    let before = stages::Cpu::now();
    tokio::time::sleep(IDLE).await;
    let idle = stages::Cpu::now() - before;
    let idle_cores = (idle.server + idle.sqlite).as_secs_f64() / IDLE.as_secs_f64();

    let quiet = stages::Quiet::watched(idle_cores);
    let watched = watched(&mut fixture, &store, &phones, &base, &logs, &options, quiet).await?;
    let late_call = call_at_once(&mut fixture, &phones, &base, &logs, &options, quiet).await?;
    watchers.abort_all();

    let screens_watching = format!("{} screens watching", options.screens);
    let rows = [
        Summary::new("submit · in-process (app layer), no screens", &in_process),
        Summary::new("submit · HTTP, no screens", &unwatched),
        Summary::new(&format!("submit · HTTP, {screens_watching}"), &watched.submit),
        Summary::new("score → every screen, from the answer", &watched.from_ack),
        Summary::new("score → every screen, from sending", &watched.from_sent),
        Summary::new("score → first screen, from sending", &watched.first_screen),
        Summary::new("all scores of a contestant → every screen", &watched.drain),
        Summary::new("next contestant → every screen", &watched.stage),
        Summary::new("pool wait while scoring · no screens", &unwatched_spent.pool),
        Summary::new(&format!("pool wait while scoring · {screens_watching}"), &watched.spent.pool),
        Summary::new("server busy after every screen had every score", &watched.spent.busy_after),
        Summary::new("server busy after the answers · no screens", &unwatched_spent.busy_after),
    ];
    report::print(&rows);
    println!(
        "\nscreens: {} board events, {:.1} per screen per contestant, {:.1} KB each; {} (screen, score) pairs and {} \
         contestants missing after {:?}",
        watched.events,
        watched.events as f64 / (options.screens * options.rounds) as f64,
        watched.bytes as f64 / watched.events.max(1) as f64 / 1e3,
        watched.missing_scores,
        watched.missing_stages,
        options.budget,
    );
    println!(
        "one board render, idle: scoreboard reads {} ms, screen page over HTTP {} ms; {} screens connected in {} ms",
        ms(reads),
        ms(page),
        options.screens,
        ms(connected),
    );
    println!(
        "CPU per contestant ({} scores), until idle: no screens: {}; {screens_watching}: {}",
        options.judges,
        unwatched_spent.mean_cpu(),
        watched.spent.mean_cpu()
    );
    // Every screen renders the board again for every change it hears of.
    let per_render =
        stages::Mean::of(&watched.spent.cpu, idle_cores).above_idle * 1e3 / (options.screens * options.judges) as f64;
    println!(
        "CPU of {} screens idle (each looks again every 2 s): server {:.0}%, SQLite {:.0}% of a core; scoring, above \
         the idle load: {per_render:.1} ms per screen per score",
        options.screens,
        100.0 * idle.server.as_secs_f64() / IDLE.as_secs_f64(),
        100.0 * idle.sqlite.as_secs_f64() / IDLE.as_secs_f64(),
    );
    match late_call {
        Some(took) => {
            println!("next contestant called as the last score reached every screen → every screen: {} ms", ms(took))
        }
        None => println!(
            "next contestant called as the last score reached every screen: not on every screen after {:?}",
            options.budget
        ),
    }
    let p99 = Summary::new("", &watched.from_ack).p99;
    let met = watched.missing_scores == 0 && p99.is_some_and(|p| p < TARGET_P99);
    println!(
        "target: score → every screen p99 < {} ms from the answer: {}",
        TARGET_P99.as_millis(),
        if met { "met" } else { "NOT MET" }
    );
    Ok(())
}
