//! The benchmark datasets of PRODUCT.md ("Scale the design must hold"), written straight into
//! SQLite with a few `INSERT … SELECT` statements over generated sequences, and cached on disk.
//!
//! Everything is a pure function of the row number, so the same shape always gives the same
//! database. Only integers computed here are formatted into the SQL; text is bound.

use std::{
    error::Error,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use pacesetter_store::Store;

pub use crate::shape::{Layout, Shape};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};
use time::{Date, Month};

pub type BoxError = Box<dyn Error>;

/// Every campaign's plan: pillars (工程/行动), each with the same number of key tasks.
const PILLARS: i64 = 10;
const TASKS: i64 = 100;

/// All rows carry this creation time, so that a dataset is the same byte for byte.
const CREATED_AT: &str = "2023-01-01T00:00:00.000000Z";

/// A dataset ready to measure.
#[derive(Debug)]
pub struct Opened {
    pub store: Store,
    pub layout: Layout,
    /// How long generating it took (earlier, when it came from the cache).
    pub generation: Duration,
    pub cached: bool,
}

/// Opens the cached dataset of `shape` under `dir`, generating it first when missing or
/// unreadable by this build (e.g. a migration it lacks was edited).
pub async fn open(dir: &Path, shape: Shape) -> Result<Opened, BoxError> {
    std::fs::create_dir_all(dir)?;
    let file = file(dir, shape);
    let timing = file.with_extension("seconds");
    let layout = Layout::new(shape);
    if file.exists() {
        // Connecting applies any migration registered since the file was made.
        match Store::connect(&url(&file)).await {
            Ok(store) => {
                let seconds: f64 =
                    std::fs::read_to_string(&timing).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0.0);
                return Ok(Opened { store, layout, generation: Duration::from_secs_f64(seconds), cached: true });
            }
            Err(error) => eprintln!("cached {} unusable ({error}); generating it again", file.display()),
        }
    }
    eprintln!("generating the {} dataset into {} …", shape.name, file.display());
    let generation = generate(&file, layout).await?;
    std::fs::write(&timing, format!("{:.1}\n", generation.as_secs_f64()))?;
    let store = Store::connect(&url(&file)).await?;
    Ok(Opened { store, layout, generation, cached: false })
}

/// Where the dataset of `shape` is cached under `dir`.
pub fn file(dir: &Path, shape: Shape) -> PathBuf {
    dir.join(format!("{}.db", shape.key()))
}

fn url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

fn remove_database(file: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{}{suffix}", file.display()));
        if path.exists() {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}

/// Writes the whole dataset into a new file beside `file`, then renames it into place, so an
/// interrupted run never leaves a half-made cache.
async fn generate(file: &Path, layout: Layout) -> Result<Duration, BoxError> {
    let started = Instant::now();
    let partial = file.with_extension("partial");
    remove_database(&partial)?;
    remove_database(file)?;
    // The store creates the schema exactly as the server does.
    Store::connect(&url(&partial)).await?.close().await;

    let mut conn = AnyConnection::connect(&url(&partial)).await?;
    // A throwaway file: no journal, no fsync, a big cache; keys are checked once at the end.
    for pragma in [
        "PRAGMA journal_mode = OFF",
        "PRAGMA synchronous = OFF",
        "PRAGMA foreign_keys = OFF",
        "PRAGMA cache_size = -524288",
        "PRAGMA temp_store = MEMORY",
    ] {
        sqlx::raw_sql(pragma).execute(&mut conn).await?;
    }
    let mut tx = conn.begin().await?;
    organisation(&mut tx, layout).await?;
    accounts(&mut tx, layout).await?;
    tx.commit().await?;
    for campaign in 0..layout.shape.campaigns {
        let mut tx = conn.begin().await?;
        plan(&mut tx, layout, campaign).await?;
        assignments(&mut tx, layout, campaign).await?;
        events(&mut tx, layout, campaign).await?;
        tx.commit().await?;
        eprintln!("  campaign {} of {} written ({:.0?})", campaign + 1, layout.shape.campaigns, started.elapsed());
    }
    // The events went in by bulk SQL, not through `add_event`: count the reports as their
    // migrations do for existing data.
    let counts = "INSERT INTO report_counts (campaign_id, hour, reports)
         SELECT i.campaign_id, SUBSTR(e.at, 1, 13), COUNT(*) FROM assignment_events e
         JOIN assignments a ON a.id = e.assignment_id JOIN plan_items i ON i.id = a.item_id
         WHERE e.step IN ('update', 'report') GROUP BY i.campaign_id, SUBSTR(e.at, 1, 13)";
    sqlx::raw_sql(counts).execute(&mut conn).await?;
    let by_unit = "INSERT INTO unit_report_counts (campaign_id, unit_id, week, reports)
         SELECT i.campaign_id, a.unit_id, DATE(e.at, '+8 hours', '-6 days', 'weekday 1'), COUNT(*)
         FROM assignment_events e JOIN assignments a ON a.id = e.assignment_id JOIN plan_items i ON i.id = a.item_id
         WHERE e.step IN ('update', 'report') GROUP BY 1, 2, 3";
    sqlx::raw_sql(by_unit).execute(&mut conn).await?;
    // The dashboard's roll-ups are counted as the server counts a database migrated from
    // before they were kept: on opening, for every campaign still pending.
    sqlx::raw_sql("INSERT INTO progress_cells_pending (campaign_id) SELECT id FROM campaigns")
        .execute(&mut conn)
        .await?;
    check_keys(&mut conn).await?;
    sqlx::raw_sql("PRAGMA journal_mode = WAL").execute(&mut conn).await?;
    conn.close().await?;
    let counting = Instant::now();
    Store::connect(&url(&partial)).await?.close().await;
    eprintln!("  dashboard roll-ups counted ({:.1?})", counting.elapsed());
    std::fs::rename(&partial, file)?;
    Ok(started.elapsed())
}

async fn execute(conn: &mut AnyConnection, sql: String) -> Result<u64, BoxError> {
    let result = sqlx::query(AssertSqlSafe(sql)).bind(CREATED_AT).execute(conn).await?;
    Ok(result.rows_affected())
}

/// One level of a unit tree: `count` units with consecutive ids from `first`, spread evenly
/// over the `parent_count` units from `parent_first` (no parents: roots of their tree).
struct Level {
    kind: &'static str,
    code: &'static str,
    name: &'static str,
    first: i64,
    count: i64,
    parent_first: i64,
    parent_count: i64,
}

async fn insert_level(conn: &mut AnyConnection, level: &Level) -> Result<(), BoxError> {
    let Level { kind, code, name, first, count, parent_first, parent_count } = *level;
    if count == 0 {
        return Ok(());
    }
    // The path is the parent's plus the zero-padded id, as `UnitPath::child` makes it.
    let sql = format!(
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {count})
         INSERT INTO units (id, parent_id, kind, code, name, path, created_at, updated_at)
         SELECT {first} + n, p.id, '{kind}', '{code}' || (n + 1), '{name}' || (n + 1),
                COALESCE(p.path, '/') || printf('%010d/', {first} + n), $1, $1
         FROM seq LEFT JOIN units p ON {parent_count} > 0 AND p.id = {parent_first} + n * {parent_count} / {count}"
    );
    let inserted = execute(conn, sql).await?;
    if inserted != count as u64 {
        return Err(format!("{kind}: {inserted} units written, {count} expected").into());
    }
    Ok(())
}

/// The steering group and its office, functional groups and departments; the territory from
/// the provinces down to the townships.
async fn organisation(conn: &mut AnyConnection, layout: Layout) -> Result<(), BoxError> {
    let s = layout.shape;
    let levels = [
        Level {
            kind: "steering_group",
            code: "ZXZ-",
            name: "创建工作领导小组",
            first: 1,
            count: 1,
            parent_first: 0,
            parent_count: 0,
        },
        Level {
            kind: "office",
            code: "ZXB-",
            name: "领导小组办公室",
            first: layout.office,
            count: 1,
            parent_first: 1,
            parent_count: 1,
        },
        Level {
            kind: "functional_group",
            code: "ZNZ-",
            name: "专项工作组",
            first: layout.groups,
            count: s.functional_groups,
            parent_first: layout.office,
            parent_count: 1,
        },
        Level {
            kind: "member_unit",
            code: "CY-",
            name: "成员单位",
            first: layout.members,
            count: s.member_units,
            parent_first: layout.groups,
            parent_count: s.functional_groups,
        },
        Level {
            kind: "region",
            code: "P",
            name: "省级单位",
            first: layout.provinces,
            count: s.provinces,
            parent_first: 0,
            parent_count: 0,
        },
        Level {
            kind: "prefecture",
            code: "F",
            name: "地市",
            first: layout.prefectures,
            count: s.prefectures,
            parent_first: layout.provinces,
            parent_count: s.provinces,
        },
        Level {
            kind: "county",
            code: "C",
            name: "县区",
            first: layout.counties,
            count: s.counties,
            parent_first: layout.prefectures,
            parent_count: s.prefectures,
        },
        Level {
            kind: "county",
            code: "T",
            name: "乡镇",
            first: layout.townships,
            count: s.townships,
            parent_first: layout.counties,
            parent_count: s.counties,
        },
    ];
    for level in &levels {
        insert_level(conn, level).await?;
    }
    Ok(())
}

/// The office's coordinator (over the office and every province, as in the demo) and one
/// liaison per prefecture and per county. Nobody can sign in: the hash is not a hash.
async fn accounts(conn: &mut AnyConnection, layout: Layout) -> Result<(), BoxError> {
    let s = layout.shape;
    let office = layout.office;
    execute(
        conn,
        format!(
            "INSERT INTO users (id, username, display_name, password_hash, unit_id, created_at, updated_at)
             VALUES ({}, 'office', '专项办工作人员', '!', {office}, $1, $1)",
            layout.coordinator()
        ),
    )
    .await?;
    for (role_of, first_user, first_unit, count) in [
        ("prefecture", layout.prefecture_liaison(0), layout.prefectures, s.prefectures),
        ("county", layout.county_liaison(0), layout.counties, s.counties),
    ] {
        execute(
            conn,
            format!(
                "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {count})
                 INSERT INTO users (id, username, display_name, password_hash, unit_id, created_at, updated_at)
                 SELECT {first_user} + n, '{role_of}-liaison-' || (n + 1), '联络员', '!', {first_unit} + n, $1, $1 FROM seq"
            ),
        )
        .await?;
        execute(
            conn,
            format!(
                "INSERT INTO grants (user_id, role, unit_id, created_at)
                 SELECT id, 'liaison', unit_id, $1 FROM users WHERE id >= {first_user} AND id < {first_user} + {count}"
            ),
        )
        .await?;
    }
    execute(
        conn,
        format!(
            "INSERT INTO grants (user_id, role, unit_id, created_at)
             SELECT {}, 'coordinator', id, $1 FROM units WHERE id = {office} OR kind = 'region' ORDER BY id",
            layout.coordinator()
        ),
    )
    .await?;
    Ok(())
}

/// The campaign's Julian days: 1 January, 31 December and the pinned day the lights are
/// computed for (30 June, like the demo), so that the lights never drift with the clock.
struct Year {
    year: i32,
    first: i64,
    last: i64,
    as_of: i64,
}

impl Year {
    fn of(layout: Layout, campaign: i64) -> Result<Self, BoxError> {
        let year = 2023 - (layout.shape.campaigns - 1 - campaign) as i32;
        let day = |month, day| -> Result<i64, BoxError> {
            Ok(i64::from(Date::from_calendar_date(year, month, day)?.to_julian_day()))
        };
        Ok(Self { year, first: day(Month::January, 1)?, last: day(Month::December, 31)?, as_of: day(Month::June, 30)? })
    }
}

/// The campaign, its two plan levels, ten pillars and a hundred key tasks. Task `t` starts
/// within the first five months and runs two to ten months (no later than 31 December).
async fn plan(conn: &mut AnyConnection, layout: Layout, campaign: i64) -> Result<(), BoxError> {
    let Year { year, first, last, as_of } = Year::of(layout, campaign)?;
    let id = campaign + 1;
    let base = item_base(campaign);
    let (members, member_count, per_pillar) = (layout.members, layout.shape.member_units, TASKS / PILLARS);
    execute(
        conn,
        format!(
            "INSERT INTO campaigns (id, name, year, starts_on, ends_on, office_unit_id, as_of, created_at, updated_at)
             VALUES ({id}, '{year}年创建工作计划', {year}, date({first}), date({last}), {}, date({as_of}), $1, $1)",
            layout.office
        ),
    )
    .await?;
    execute(
        conn,
        format!(
            "INSERT INTO plan_levels (campaign_id, depth, name, rollup, is_task)
             VALUES ({id}, 1, '工程/行动', 'weighted_mean', 0), ({id}, 2, '重点任务', 'weighted_mean', 1)"
        ),
    )
    .await?;
    execute(
        conn,
        format!(
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {PILLARS})
             INSERT INTO plan_items (id, campaign_id, depth, code, title, lead_unit_id, position, created_at, updated_at)
             SELECT {base} + 1 + n, {id}, 1, printf('GC-%02d', n + 1), '第' || (n + 1) || '项工程',
                    {members} + n % {member_count}, n, $1, $1 FROM seq"
        ),
    )
    .await?;
    execute(
        conn,
        format!(
            "WITH RECURSIVE seq(t) AS (SELECT 0 UNION ALL SELECT t + 1 FROM seq WHERE t + 1 < {TASKS}),
             dated AS (SELECT t, {first} + (t * 37) % 150 AS starts FROM seq)
             INSERT INTO plan_items (id, campaign_id, parent_id, depth, code, title, lead_unit_id, starts_on, due_on,
                                     position, created_at, updated_at)
             SELECT {base} + {PILLARS} + 1 + t, {id}, {base} + 1 + t / {per_pillar}, 2, printf('RW-%03d', t + 1),
                    '重点任务（' || (t + 1) || '）', {members} + (t * 13) % {member_count},
                    date(starts), date(MIN(starts + 60 + (t * 53) % 240, {last})), t % {per_pillar}, $1, $1
             FROM dated"
        ),
    )
    .await?;
    Ok(())
}

/// The id before the campaign's first plan item.
fn item_base(campaign: i64) -> i64 {
    campaign * (PILLARS + TASKS)
}

/// The number of steps in assignment `id`'s history: the mean plus or minus a spread that the
/// next id cancels, so that a campaign (an even number of assignments) has exactly the mean.
fn event_count_sql(id: &str, mean: i64) -> String {
    format!(
        "({mean} + (CASE WHEN ({id} - 1) % 2 = 0 THEN 1 ELSE -1 END) * (((({id} - 1) / 2) * 7919) % {} - {mean}))",
        2 * mean + 1
    )
}

/// The moment of step `seq` of `count`: spread evenly from the start to the campaign's day,
/// in office hours (UTC 01:00–10:59 is 09:00–18:59 in China).
fn step_at_sql(id: &str, seq: &str, count: &str, starts: &str, as_of: i64) -> String {
    format!(
        "(date({starts} + ({seq} + 1) * ({as_of} - {starts}) / ({count} + 1))
          || printf('T%02d:%02d:00.000000Z', ({id} + {seq}) % 10 + 1, ({id} * 7 + {seq}) % 60))"
    )
}

/// The campaign's assignments: row `r` gives unit `r mod U` its `r div U`-th task, the tasks
/// of a unit spread over the plan. Each one's state follows from its history's length: none
/// (assigned), signed for, in progress, reported, or closed; progress trails or leads the
/// time-proportional expectation, so every light shows.
async fn assignments(conn: &mut AnyConnection, layout: Layout, campaign: i64) -> Result<(), BoxError> {
    let s = layout.shape;
    let Year { first, last, as_of, .. } = Year::of(layout, campaign)?;
    let (n, units, assignable) = (s.assignments_per_campaign, s.assignable_units(), layout.members);
    if n > TASKS * units {
        return Err(format!("{n} assignments do not fit {TASKS} tasks × {units} units").into());
    }
    let id_base = campaign * n;
    let task_base = item_base(campaign) + PILLARS + 1;
    let count = event_count_sql("p.id", s.events_per_assignment);
    let last_progress_at =
        step_at_sql("id", "(CASE state WHEN 'closed' THEN kev - 2 ELSE kev - 1 END)", "kev", "starts", as_of);
    let sql = format!(
        "WITH RECURSIVE seq(r) AS (SELECT 0 UNION ALL SELECT r + 1 FROM seq WHERE r + 1 < {n}),
         picked AS (SELECT {id_base} + r + 1 AS id, {assignable} + r % {units} AS unit_id,
                           (r / {units} + (r % {units}) * 7) % {TASKS} AS t FROM seq),
         dated AS (SELECT p.id, p.unit_id, {task_base} + p.t AS item_id, {first} + (p.t * 37) % 150 AS starts,
                          {count} AS kev, (p.id * 2654435761) % 100 AS luck, p.t FROM picked p),
         timed AS (SELECT d.*, MIN(starts + 60 + (t * 53) % 240, {last}) AS due FROM dated d),
         stated AS (SELECT x.*,
                      CASE WHEN kev = 0 THEN 'assigned' WHEN kev = 1 THEN 'acknowledged'
                           WHEN luck < 20 AND kev >= 3 THEN 'closed' WHEN luck < 30 THEN 'reported'
                           ELSE 'in_progress' END AS state,
                      MIN(MAX({as_of} - starts, 0), MAX(due - starts, 1)) * 100 / MAX(due - starts, 1) AS expected
                    FROM timed x)
         INSERT INTO assignments (id, item_id, unit_id, state, percent, starts_day, due_day, last_update_at, version,
                                  created_at, updated_at)
         SELECT id, item_id, unit_id, state,
                CASE state WHEN 'closed' THEN 100 WHEN 'reported' THEN 100
                           WHEN 'in_progress' THEN MIN(MAX(expected + (luck * 7) % 61 - 45, 0), 100) ELSE 0 END,
                starts, due, CASE WHEN kev < 2 THEN NULL ELSE {last_progress_at} END, 1 + kev, $1, $1
         FROM stated"
    );
    let inserted = execute(conn, sql).await?;
    if inserted != n as u64 {
        return Err(format!("{inserted} assignments written, {n} expected").into());
    }
    // The burden meter's yearly counts, as creating them through the store keeps them.
    let counted = format!(
        "INSERT INTO assignment_years (year, unit_id, n)
         SELECT CAST(strftime('%Y', starts_day) AS BIGINT), unit_id, COUNT(*) FROM assignments
         WHERE id > {id_base} AND id <= {id_base} + {n} GROUP BY 1, 2
         ON CONFLICT (year, unit_id) DO UPDATE SET n = assignment_years.n + excluded.n"
    );
    sqlx::query(AssertSqlSafe(counted)).execute(conn).await?;
    Ok(())
}

/// Each assignment's history, oldest first: signed for, progress updates rising to its
/// percentage, then a report, and a close by the office for closed ones.
async fn events(conn: &mut AnyConnection, layout: Layout, campaign: i64) -> Result<(), BoxError> {
    let s = layout.shape;
    let Year { as_of, .. } = Year::of(layout, campaign)?;
    let n = s.assignments_per_campaign;
    let (from, to) = (campaign * n + 1, (campaign + 1) * n);
    let count = event_count_sql("a.id", s.events_per_assignment);
    let at = step_at_sql("id", "seq", "kev", "starts_day", as_of);
    let longest = 2 * s.events_per_assignment;
    let actor = layout.coordinator();
    // CROSS JOIN keeps the assignments as the outer loop, so rows arrive in (assignment, step)
    // order and the history index is appended to rather than shuffled.
    let sql = format!(
        "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {longest}),
         counted AS (SELECT a.id, a.state, a.percent, a.starts_day, {count} AS kev
                     FROM assignments a WHERE a.id BETWEEN {from} AND {to}),
         steps AS (SELECT c.*, s.n AS seq,
                     CASE WHEN s.n = 0 THEN 'acknowledge'
                          WHEN c.state = 'closed' AND s.n = c.kev - 1 THEN 'close'
                          WHEN c.state = 'closed' AND s.n = c.kev - 2 THEN 'report'
                          WHEN c.state = 'reported' AND s.n = c.kev - 1 THEN 'report'
                          ELSE 'update' END AS step
                   FROM counted c CROSS JOIN seq s WHERE s.n < c.kev)
         INSERT INTO assignment_events (assignment_id, step, from_state, to_state, percent, comment, actor_id, at)
         SELECT id, step,
                CASE WHEN step = 'acknowledge' THEN 'assigned' WHEN step = 'close' THEN 'reported'
                     WHEN seq = 1 THEN 'acknowledged' ELSE 'in_progress' END,
                CASE step WHEN 'acknowledge' THEN 'acknowledged' WHEN 'close' THEN 'closed'
                          WHEN 'report' THEN 'reported' ELSE 'in_progress' END,
                CASE step WHEN 'update' THEN percent * seq / (kev - 1) WHEN 'report' THEN percent ELSE NULL END,
                CASE WHEN step = 'close' THEN '经核实，同意办结。'
                     WHEN step = 'update' AND (id + seq) % 3 = 0 THEN '按计划推进，相关工作已组织开展。' END,
                {actor}, {at}
         FROM steps"
    );
    let inserted = execute(conn, sql).await?;
    let expected = n * s.events_per_assignment;
    if inserted != expected as u64 {
        return Err(format!("{inserted} events written, {expected} expected").into());
    }
    Ok(())
}

/// Foreign keys were off while writing; check every one of them once now.
async fn check_keys(conn: &mut AnyConnection) -> Result<(), BoxError> {
    let broken = sqlx::raw_sql("PRAGMA foreign_key_check").fetch_all(conn).await?;
    if broken.is_empty() { Ok(()) } else { Err(format!("{} rows break a foreign key", broken.len()).into()) }
}
