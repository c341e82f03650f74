//! The evaluation benchmark at national scale (PRODUCT.md, "Scale the design must hold"):
//! 45,000 units × 200 leaves with a self and an inspector score each, measured two ways —
//! (a) the engine alone on inputs generated in memory, (b) a full run from the database
//! (read every scorecard and item, evaluate, freeze inputs and results, audit) — next to the region's 81
//! units in the same run. Targets: engine < 1 s, full run < 15 s, peak memory < 1 GiB. Then
//! (c) the pages an office opens on such a scheme (its units a page at a time, one unit's sheet,
//! the items), each under 200 ms.
//!
//! `cargo bench -p pacesetter --bench evaluation`. `PACESETTER_BENCH_SCALE` (0–1] shrinks the
//! national unit count (leaves stay 200); `PACESETTER_BENCH_DIR` is where the generated SQLite
//! databases are cached (default `<target dir>/bench-data`). Peak memory is the process's
//! VmHWM, so the national row's figure includes everything before it.

use std::{
    error::Error,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use pacesetter_app::{
    Actor, App, Origin, PageRequest, Settings,
    evaluations::{entries, pages, runs},
    files::FileStore,
};
use pacesetter_domain::{
    Scope, UnitId, UserId,
    evaluation::{
        Answer, Compiled, Entry, Scheme, UnitInput,
        records::{RunId, SchemeId, Source},
    },
};
use pacesetter_store::{Store, grants, users};
use serde_json::{Value, json};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};

type BoxError = Box<dyn Error>;

/// Bump when the generator changes, so that cached databases are made again.
const DATASET_VERSION: u32 = 2;
const NATIONAL_UNITS: i64 = 45_000;
const REGION_UNITS: i64 = 81;
const LEAVES: i64 = 200;
const PARENTS: i64 = 20;
const CATEGORIES: i64 = 10;
const CREATED_AT: &str = "2023-12-01T00:00:00.000000Z";

const ENGINE_TARGET: Duration = Duration::from_secs(1);
const RUN_TARGET: Duration = Duration::from_secs(15);
const MEMORY_TARGET_KIB: u64 = 1024 * 1024;
const PAGE_TARGET: Duration = Duration::from_millis(200);
/// Calls per page; the median is reported.
const PAGE_CALLS: usize = 5;

/// 20 first-level indicators of 5 points, each with 10 leaves of 0.5; the leaves' rubrics
/// cycle through checklist, levels, ratio, survey and binary.
fn scheme() -> Result<Scheme, BoxError> {
    let mut nodes = Vec::new();
    for p in 0..PARENTS {
        nodes.push(json!({"code": format!("P{p:02}"), "parent": null, "name": format!("指标{p}"), "points": "5"}));
    }
    for i in 1..=LEAVES {
        let rubric = match i % 5 {
            0 => json!({"kind": "checklist", "items": ["0.25", "0.25"]}),
            1 => json!({"kind": "levels", "levels": [
                {"name": "A", "fraction": "1"}, {"name": "B", "fraction": "0.8"},
                {"name": "C", "fraction": "0.6"}, {"name": "D", "fraction": "0"}]}),
            2 => json!({"kind": "ratio", "floor": "0.6", "target": "0.9"}),
            3 => json!({"kind": "survey"}),
            _ => json!({"kind": "binary"}),
        };
        nodes.push(json!({"code": format!("L{i:03}"), "parent": format!("P{:02}", (i - 1) / 10),
            "name": format!("细则{i}"), "points": "0.5", "rubric": rubric}));
    }
    let scheme = json!({
        "total_points": "100", "aggregation": "points", "nodes": nodes,
        "combine": {"kind": "weighted", "self_weight": "0.3", "inspector_weight": "0.7"},
        "discrepancy_pct": "20", "evidence_gate": false, "bonus_cap": "5", "deduction_cap": null,
        "bands": [{"name": "优秀", "min": "90"}, {"name": "良好", "min": "80"}, {"name": "合格", "min": "60"}, {"name": "不合格", "min": "0"}],
        "quotas": [{"grade": "优秀", "share": "0.3"}], "tie_overflow": false,
        "tie_breakers": [{"kind": "base_desc"}, {"kind": "deductions_asc"}], "rank_style": "competition",
        "rounding": "half_up", "precision": 2
    });
    let scheme: Scheme = serde_json::from_value(scheme)?;
    scheme.check().map_err(|e| format!("bench scheme: {e}"))?;
    Ok(scheme)
}

/// The answer of unit `u` to leaf `i` from source `s` (0 self, 1 inspector): the same formula
/// as the SQL generator below, so both measurements see the same data.
fn answer(u: i64, i: i64, s: i64) -> Value {
    let h = u * 31 + i * 17 + s * 7;
    match i % 5 {
        0 => json!({"kind": "checked", "value": if h % 3 == 0 { json!([0]) } else { json!([0, 1]) }}),
        1 => {
            let level = ["A", "B", "C", "D"][h as usize % 4];
            json!({"kind": "level", "value": level})
        }
        2 | 3 => json!({"kind": "value", "value": format!("0.{}", 70 + h % 30)}),
        _ => json!({"kind": "met", "value": h % 5 != 0}),
    }
}

/// Unit `u`'s input. The answers depend on `u` only through `u % 60` (31 is invertible mod
/// 60, and 60 is a multiple of every modulus in [`answer`]), so 60 templates serve every unit.
struct Inputs(Vec<UnitInput>);

impl Inputs {
    fn new() -> Result<Self, BoxError> {
        let mut templates = Vec::with_capacity(60);
        for u in 0..60 {
            let mut input = UnitInput::default();
            for i in 1..=LEAVES {
                for s in 0..2 {
                    let answer: Answer = serde_json::from_value(answer(u, i, s))?;
                    let entries = if s == 0 { &mut input.self_entries } else { &mut input.inspector_entries };
                    entries.insert(format!("L{i:03}"), Entry { answer, evidence: 0 });
                }
            }
            templates.push(input);
        }
        Ok(Self(templates))
    }

    fn of(&self, u: i64) -> UnitInput {
        UnitInput { unit: u, category: format!("C{}", u % CATEGORIES), ..self.0[(u % 60) as usize].clone() }
    }
}

/// Units whose inputs are built before they are evaluated together. A run thaws each unit's
/// frozen input just before scoring it, so the engine meets inputs still in cache; a small
/// batch keeps that true here (a batch of 1,000, 40 MB of inputs, measured ~30% slower).
const ENGINE_BATCH: i64 = 256;

/// The engine alone on `units` units: built a batch at a time (not timed), evaluated on every
/// core, then ranked; the inputs are never all in memory at once, as in a run.
fn engine(scheme: &Scheme, units: i64) -> Result<Duration, BoxError> {
    let templates = Inputs::new()?;
    let mut took = Duration::ZERO;
    let started = Instant::now();
    let compiled = Compiled::new(scheme);
    took += started.elapsed();
    let mut standings = Vec::with_capacity(units as usize);
    let mut next = 2;
    while next < units + 2 {
        let chunk: Vec<UnitInput> = (next..(next + ENGINE_BATCH).min(units + 2)).map(|u| templates.of(u)).collect();
        next += chunk.len() as i64;
        let started = Instant::now();
        standings.extend(compiled.stand_all(&chunk).map_err(|e| format!("{} at {}", e.code, e.leaf))?);
        took += started.elapsed();
    }
    let started = Instant::now();
    compiled.rank(&mut standings);
    took += started.elapsed();
    assert_eq!(standings.len(), units as usize);
    Ok(took)
}

/// Peak and current resident memory of this process, in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

async fn execute(conn: &mut AnyConnection, sql: &str, scheme_json: &str) -> Result<u64, BoxError> {
    let query = sqlx::query(AssertSqlSafe(sql.to_owned())).bind(CREATED_AT);
    let query = if sql.contains("$2") { query.bind(scheme_json.to_owned()) } else { query };
    Ok(query.execute(conn).await?.rows_affected())
}

/// The SQL expression of [`answer`] over `u.id`, `leaf.i` and `src.s`.
const ANSWER_SQL: &str = "CASE leaf.i % 5
    WHEN 0 THEN CASE WHEN (u.id * 31 + leaf.i * 17 + src.s * 7) % 3 = 0
        THEN '{\"kind\":\"checked\",\"value\":[0]}' ELSE '{\"kind\":\"checked\",\"value\":[0,1]}' END
    WHEN 1 THEN '{\"kind\":\"level\",\"value\":\"' || substr('ABCD', (u.id * 31 + leaf.i * 17 + src.s * 7) % 4 + 1, 1) || '\"}'
    WHEN 4 THEN CASE WHEN (u.id * 31 + leaf.i * 17 + src.s * 7) % 5 = 0
        THEN '{\"kind\":\"met\",\"value\":false}' ELSE '{\"kind\":\"met\",\"value\":true}' END
    ELSE '{\"kind\":\"value\",\"value\":\"0.' || (70 + (u.id * 31 + leaf.i * 17 + src.s * 7) % 30) || '\"}' END";

/// Writes an office, `units` units below it, a coordinator, a campaign, the scheme with every
/// unit ranked and self-assessing every leaf, and both sources' entries, by bulk SQL.
async fn generate(file: &Path, units: i64, scheme: &Scheme) -> Result<Duration, BoxError> {
    let started = Instant::now();
    let partial = file.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    Store::connect(&url(&partial)).await?.close().await;
    let mut conn = AnyConnection::connect(&url(&partial)).await?;
    for pragma in ["PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"] {
        sqlx::raw_sql(pragma).execute(&mut conn).await?;
    }
    let scheme_json = serde_json::to_string(scheme)?;
    let seq = format!("WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {units})");
    let leaves = format!("leaf(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM leaf WHERE i < {LEAVES})");
    let statements = [
        "INSERT INTO units (id, parent_id, kind, code, name, path, created_at, updated_at)
         VALUES (1, NULL, 'office', 'BENCH', '考评办公室', '/0000000001/', $1, $1)"
            .to_owned(),
        format!(
            "{seq} INSERT INTO units (id, parent_id, kind, code, name, category, path, created_at, updated_at)
             SELECT 2 + n, 1, 'county', 'U' || (n + 1), '单位' || (n + 1), 'C' || ((2 + n) % {CATEGORIES}),
                    '/0000000001/' || printf('%010d/', 2 + n), $1, $1 FROM seq"
        ),
        "INSERT INTO users (id, username, display_name, password_hash, unit_id, created_at, updated_at)
         VALUES (1, 'bench', '考评办', 'x', 1, $1, $1)"
            .to_owned(),
        "INSERT INTO grants (user_id, role, unit_id, created_at) VALUES (1, 'coordinator', 1, $1)".to_owned(),
        "INSERT INTO campaigns (id, name, year, starts_on, ends_on, office_unit_id, created_at, updated_at)
         VALUES (1, '考评', 2023, '2023-01-01', '2023-12-31', 1, $1, $1)"
            .to_owned(),
        "INSERT INTO evaluation_schemes (id, campaign_id, name, scheme_json, status, created_by, created_at, updated_at)
         VALUES (1, 1, '综合考评', $2, 'active', 1, $1, $1)"
            .to_owned(),
        "INSERT INTO evaluation_units (scheme_id, unit_id, category) SELECT 1, id, category FROM units WHERE id > 1"
            .to_owned(),
        format!(
            "WITH RECURSIVE {leaves} INSERT INTO evaluation_self_leaves (scheme_id, unit_id, leaf_code)
             SELECT 1, u.id, printf('L%03d', leaf.i) FROM units u, leaf WHERE u.id > 1"
        ),
        format!(
            "WITH RECURSIVE {leaves} INSERT INTO evaluation_entries
             (scheme_id, unit_id, leaf_code, source, answer_json, entered_by, entered_at)
             SELECT 1, u.id, printf('L%03d', leaf.i), CASE src.s WHEN 0 THEN 'self' ELSE 'inspector' END,
                    {ANSWER_SQL}, 1, $1
             FROM units u, leaf, (SELECT 0 AS s UNION ALL SELECT 1) src WHERE u.id > 1"
        ),
    ];
    let mut tx = conn.begin().await?;
    for sql in &statements {
        execute(&mut tx, sql, &scheme_json).await?;
    }
    tx.commit().await?;
    sqlx::raw_sql("PRAGMA journal_mode = WAL").execute(&mut conn).await?;
    conn.close().await?;
    eprintln!("  entries written in {:.1?}", started.elapsed());
    // The scorecards, by the code that builds them after migration 11.
    let rebuilding = Instant::now();
    let store = Store::connect(&url(&partial)).await?;
    let mut tx = store.write().await?;
    pacesetter_store::scorecards::rebuild(&mut tx, SchemeId(1)).await?;
    tx.commit().await?;
    store.close().await;
    eprintln!("  scorecards built from the entries in {:.1?}", rebuilding.elapsed());
    std::fs::rename(&partial, file)?;
    Ok(started.elapsed())
}

/// The cached database of `units` units, generated when missing.
async fn open(dir: &Path, units: i64, scheme: &Scheme) -> Result<(Store, Option<Duration>), BoxError> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join(format!("evaluation-v{DATASET_VERSION}-{units}x{LEAVES}.db"));
    let generated = if file.exists() {
        None
    } else {
        eprintln!("generating {} …", file.display());
        Some(generate(&file, units, scheme).await?)
    };
    Ok((Store::connect(&url(&file)).await?, generated))
}

struct Row {
    name: String,
    units: i64,
    engine: Duration,
    run: Duration,
    /// VmHWM after the engine phase, and after the full run.
    engine_peak_kib: u64,
    peak_kib: u64,
    /// The median time of each page's call.
    pages: Vec<(&'static str, Duration)>,
}

/// The median of [`PAGE_CALLS`] calls of `call`.
async fn median<F, T>(mut call: impl FnMut() -> F) -> Result<Duration, BoxError>
where
    F: std::future::Future<Output = pacesetter_app::Result<T>>,
{
    let mut took = Vec::with_capacity(PAGE_CALLS);
    for _ in 0..PAGE_CALLS {
        let started = Instant::now();
        call().await?;
        took.push(started.elapsed());
    }
    took.sort();
    Ok(took[PAGE_CALLS / 2])
}

/// (c) What the office's pages on the scheme read, each as the page asks for it.
async fn page_times(app: &App, actor: &Actor, last: UnitId) -> Result<Vec<(&'static str, Duration)>, BoxError> {
    let id = SchemeId(1);
    let first = PageRequest::default();
    let middle = PageRequest::new(Some(400), None);
    Ok(vec![
        ("scheme page, first 50 units", median(|| pages::scheme_page(app, actor, id, None, first)).await?),
        ("scheme page 400 (or the last)", median(|| pages::scheme_page(app, actor, id, None, middle)).await?),
        ("scheme page, units named 单位7…", median(|| pages::scheme_page(app, actor, id, Some("单位7"), first)).await?),
        (
            "one unit's sheet (the last unit)",
            median(|| entries::sheet_page(app, actor, id, last, Source::SelfAssessment)).await?,
        ),
        ("items page", median(|| pages::items_page(app, actor, id, first)).await?),
    ])
}

/// The run's page as the office opens it: the first page of every category, a page deep in
/// the ranking, and a search; beside them every line of the run, as the page read it before it
/// was paged (the bulletin still does).
async fn run_page_times(app: &App, actor: &Actor, run: RunId) -> Result<Vec<(&'static str, Duration)>, BoxError> {
    let wanted = |page: Option<i64>, search: Option<&str>| runs::ResultsQuery {
        category: None,
        search: search.map(str::to_owned),
        page: PageRequest::new(page, None),
    };
    let (first, deep, named) = (wanted(None, None), wanted(Some(400), None), wanted(None, Some("单位7")));
    Ok(vec![
        ("run page, first 50 lines", median(|| pages::run_page(app, actor, run, &first, &[])).await?),
        ("run page 400 (or the last)", median(|| pages::run_page(app, actor, run, &deep, &[])).await?),
        ("run page, units named 单位7…", median(|| pages::run_page(app, actor, run, &named, &[])).await?),
        ("every line of the run (the page before)", median(|| runs::all_results(app, actor, run)).await?),
    ])
}

async fn measure(dir: &Path, name: &str, units: i64, scheme: &Scheme) -> Result<Row, BoxError> {
    // (a) The engine alone.
    let engine = engine(scheme, units)?;
    let engine_peak_kib = memory().0;

    // (b) A full run from the database, as the office starts it.
    let (store, generation) = open(dir, units, scheme).await?;
    if let Some(took) = generation {
        eprintln!("  {name}: dataset written in {took:.1?}");
    }
    let app = App::new(store.clone(), Settings::default(), pacesetter_export::read_sheet, FileStore::new(dir));
    let actor = {
        let mut conn = store.read().await?;
        let user = users::get(&mut conn, UserId(1)).await?;
        let scope = Scope::new(grants::scope_of(&mut conn, user.id).await?);
        Actor { user, scope, origin: Origin::default() }
    };
    // `PACESETTER_BENCH_PHASES=1`: how long reading the members and their scorecards takes alone.
    if std::env::var_os("PACESETTER_BENCH_PHASES").is_some() {
        let mut conn = store.read().await?;
        let started = Instant::now();
        let members = pacesetter_store::evaluations::members(&mut conn, SchemeId(1)).await?;
        eprintln!("  {name}: {} members read in {:.2?}", members.len(), started.elapsed());
        let started = Instant::now();
        let (mut after, mut cards) = (pacesetter_domain::UnitId(0), 0);
        loop {
            let page = pacesetter_store::scorecards::page(&mut conn, SchemeId(1), after, 2_000).await?;
            let Some(last) = page.last() else { break };
            after = last.unit;
            cards += page.len();
        }
        eprintln!("  {name}: {cards} scorecards read in {:.2?}", started.elapsed());
    }
    let started = Instant::now();
    let view = runs::run(&app, &actor, SchemeId(1)).await?;
    let run = started.elapsed();
    assert_eq!(view.results.len(), units as usize);
    let last = view.results.iter().map(|line| line.unit).max().ok_or("no results")?;
    let mut pages = page_times(&app, &actor, UnitId(last)).await?;
    pages.extend(run_page_times(&app, &actor, view.run.id).await?);
    // Leave the cached database as it was generated: the next run stores its own draft.
    let mut conn = store.write().await?;
    sqlx::query("DELETE FROM evaluation_runs").execute(&mut *conn).await?;
    conn.commit().await?;
    store.close().await;
    Ok(Row { name: name.to_owned(), units, engine, run, engine_peak_kib, peak_kib: memory().0, pages })
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "OVER" }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    let scale: f64 = match std::env::var("PACESETTER_BENCH_SCALE") {
        Ok(text) => text.trim().parse().map_err(|_| format!("PACESETTER_BENCH_SCALE: cannot read {text:?}"))?,
        Err(_) => 1.0,
    };
    if !(scale > 0.0 && scale <= 1.0) {
        return Err("PACESETTER_BENCH_SCALE must be in (0, 1]".into());
    }
    let dir = match std::env::var_os("PACESETTER_BENCH_DIR") {
        Some(dir) => PathBuf::from(dir),
        // The bench binary lives in `<target dir>/<profile>/deps/`.
        None => std::env::current_exe()?.ancestors().nth(3).ok_or("no target directory")?.join("bench-data"),
    };
    let scheme = scheme()?;
    let national = ((NATIONAL_UNITS as f64 * scale).round() as i64).max(1);
    eprintln!("evaluation benchmark: {LEAVES} leaves, 2 sources; national = {national} units (scale {scale})");
    let rows =
        [measure(&dir, "region", REGION_UNITS, &scheme).await?, measure(&dir, "national", national, &scheme).await?];
    println!(
        "\n{:<10} {:>7} {:>11} {:>12} {:>12} {:>18} {:>18}",
        "dataset", "units", "entries", "engine", "full run", "peak after engine", "peak after run"
    );
    for r in &rows {
        println!(
            "{:<10} {:>7} {:>11} {:>9.1?} {:<4} {:>9.2?} {:<4} {:>9} MiB {:<4} {:>9} MiB {:<4}",
            r.name,
            r.units,
            r.units * LEAVES * 2,
            r.engine,
            verdict(r.engine < ENGINE_TARGET),
            r.run,
            verdict(r.run < RUN_TARGET),
            r.engine_peak_kib / 1024,
            verdict(r.engine_peak_kib < MEMORY_TARGET_KIB),
            r.peak_kib / 1024,
            verdict(r.peak_kib < MEMORY_TARGET_KIB),
        );
    }
    let (region, nation) = (&rows[0], &rows[1]);
    let per_unit = |d: Duration, units: i64| d.as_secs_f64() * 1e3 / units as f64;
    println!(
        "\nper unit: engine {:.3} ms (region {:.3} ms), full run {:.3} ms (region {:.3} ms)",
        per_unit(nation.engine, nation.units),
        per_unit(region.engine, region.units),
        per_unit(nation.run, nation.units),
        per_unit(region.run, region.units),
    );
    println!(
        "\n{:<36} {:>12} {:>12}   (median of {PAGE_CALLS} calls, target < {PAGE_TARGET:?})",
        "page", "region", "national"
    );
    for ((page, in_region), (_, in_nation)) in region.pages.iter().zip(&nation.pages) {
        println!(
            "{page:<36} {:>9.1?} {:<4} {:>9.1?} {:<4}",
            in_region,
            verdict(*in_region < PAGE_TARGET),
            in_nation,
            verdict(*in_nation < PAGE_TARGET)
        );
    }
    println!(
        "targets at {NATIONAL_UNITS} units: engine < {ENGINE_TARGET:?}, full run < {RUN_TARGET:?}, memory < {} MiB{}",
        MEMORY_TARGET_KIB / 1024,
        if scale < 1.0 { " (this run is scaled down: the verdicts are for its own size)" } else { "" }
    );
    Ok(())
}
