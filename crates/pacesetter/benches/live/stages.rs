//! Where the live benchmark's time goes: CPU time by thread (the server's runtime, SQLite's
//! connection threads, the clients), read from `/proc`, and how long a database connection
//! takes to come out of the shared pool while the run goes on.

use std::{
    ops::Sub,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use pacesetter_store::Store;

/// `/proc` counts CPU time in clock ticks of 1/100 s (USER_HZ on Linux).
const TICK: Duration = Duration::from_millis(10);

/// CPU time used so far by each group of this process's threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    /// The server's runtime, named `server`: HTTP, handlers, templates, the pool.
    pub server: Duration,
    /// sqlx's SQLite threads, one per pooled connection: the statements themselves.
    pub sqlite: Duration,
    /// Everything else: the clients (phones and screens) and the run.
    pub clients: Duration,
}

impl Cpu {
    pub fn now() -> Self {
        let mut cpu = Self::default();
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return cpu };
        for task in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
            // `pid (name) state …`: the name may hold spaces, so read after its last `)`.
            let Some((head, rest)) = stat.rsplit_once(')') else { continue };
            let name = head.split_once('(').map_or("", |(_, name)| name);
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u32>().ok()).unwrap_or(0);
            // utime and stime, the 14th and 15th fields of the line.
            let used = TICK * (ticks(11) + ticks(12));
            match name {
                "server" => cpu.server += used,
                n if n.starts_with("sqlx-sqlite") => cpu.sqlite += used,
                _ => cpu.clients += used,
            }
        }
        cpu
    }
}

impl Sub for Cpu {
    type Output = Self;

    fn sub(self, before: Self) -> Self {
        Self {
            server: self.server.saturating_sub(before.server),
            sqlite: self.sqlite.saturating_sub(before.sqlite),
            clients: self.clients.saturating_sub(before.clients),
        }
    }
}

/// The mean CPU, in seconds, of stretches of time measured with their length, and how much the
/// server and SQLite used above `idle_cores` over them.
#[derive(Debug, Clone, Copy)]
pub struct Mean {
    pub server: f64,
    pub sqlite: f64,
    pub clients: f64,
    pub above_idle: f64,
}

impl Mean {
    pub fn of(samples: &[(Cpu, Duration)], idle_cores: f64) -> Self {
        let n = samples.len().max(1) as f64;
        let mean = |part: fn(&Cpu) -> Duration| samples.iter().map(|(cpu, _)| part(cpu).as_secs_f64()).sum::<f64>() / n;
        let idle = samples.iter().map(|(_, wall)| wall.as_secs_f64()).sum::<f64>() / n * idle_cores;
        let (server, sqlite) = (mean(|c| c.server), mean(|c| c.sqlite));
        Self { server, sqlite, clients: mean(|c| c.clients), above_idle: server + sqlite - idle }
    }
}

/// The longest [`Quiet::settle`] waits: 50 scores before 200 screens keep two cores busy for
/// about 20 s.
pub const SETTLE_LIMIT: Duration = Duration::from_secs(60);

/// What "idle" means for the server: its CPU (with SQLite's) over a window, against what it
/// uses with nothing happening. With screens watching, nothing happening still costs something:
/// each screen looks again every two seconds, so the window is one such period.
#[derive(Debug, Clone, Copy)]
pub struct Quiet {
    pub window: Duration,
    /// Cores used with nothing happening.
    pub idle_cores: f64,
}

impl Quiet {
    /// No screens: a quarter of a second under a tenth of a core.
    pub const ALONE: Self = Self { window: Duration::from_millis(250), idle_cores: 0.0 };

    /// Screens polling every two seconds, using `idle_cores` between them.
    pub fn watched(idle_cores: f64) -> Self {
        Self { window: Duration::from_secs(2), idle_cores }
    }

    /// Waits until a window used at most half again the idle load and a tenth of a core more,
    /// or [`SETTLE_LIMIT`] has passed: the board renders queued by a burst of changes are done.
    /// Returns how long it waited.
    pub async fn settle(self) -> Duration {
        let limit = self.window.as_secs_f64() * (1.5 * self.idle_cores + 0.1);
        let started = Instant::now();
        loop {
            let before = Cpu::now();
            tokio::time::sleep(self.window).await;
            let used = Cpu::now() - before;
            if (used.server + used.sqlite).as_secs_f64() < limit || started.elapsed() >= SETTLE_LIMIT {
                return started.elapsed();
            }
        }
    }
}

/// Times taking a connection from the store's pool (as every request does) every 10 ms until
/// stopped.
pub struct PoolProbe {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<Duration>>,
}

impl PoolProbe {
    pub fn start(store: Store) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let task = tokio::spawn(async move {
            let mut waits = Vec::new();
            while !stopping.load(Ordering::Relaxed) {
                let started = Instant::now();
                if let Ok(conn) = store.read().await {
                    waits.push(started.elapsed());
                    drop(conn);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            waits
        });
        Self { stop, task }
    }

    pub async fn stop(self) -> Vec<Duration> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap_or_default()
    }
}
