//! The task-sheet import at national size: a 100,000-row XLSX in the office's layout (title
//! row, header, one key task per row with a lead department and prefectures) read, previewed
//! and committed into the demo campaign on SQLite, and, in the same run, a 1,000-row sheet as
//! the baseline. Target (issue: plans and progress): 100,000 rows under 5 s.
//!
//! `cargo bench -p pacesetter --bench plan_import`; `PACESETTER_BENCH_ROWS` changes the size.

use std::time::{Duration, Instant};

use pacesetter::{Config, server};
use pacesetter_app::demo;
use pacesetter_app::{App, Origin, auth, import};
use pacesetter_store::Store;
use rust_xlsxwriter::{Format, Workbook};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The product's target for the full size.
const TARGET_SECONDS: f64 = 5.0;
const BASELINE_ROWS: usize = 1_000;

const PILLARS: [&str; 10] = [
    "第一项工程",
    "第二项工程",
    "第三项工程",
    "第四项工程",
    "第一项行动",
    "第二项行动",
    "第三项行动",
    "第四项行动",
    "第五项行动",
    "第六项行动",
];
const LEADS: [&str; 4] = ["自治区党委宣传部", "自治区党委组织部", "自治区民族事务委员会", "自治区教育厅"];
const PREFECTURES: [&str; 7] = ["拉萨市", "日喀则市", "昌都市", "林芝市", "山南市", "那曲市", "阿里地区"];

/// A sheet of `rows` key tasks, each in one row.
fn sheet(rows: usize) -> Result<Vec<u8>, BoxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.merge_range(0, 0, 0, 7, "重点任务分解表", &Format::new())?;
    for (column, header) in
        ["序号", "工程/行动", "编号", "重点任务", "具体措施", "牵头单位", "责任单位", "完成时限"].iter().enumerate()
    {
        sheet.write_string(1, column as u16, *header)?;
    }
    for i in 0..rows {
        let row = i as u32 + 2;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, PILLARS[i % PILLARS.len()])?;
        sheet.write_string(row, 2, format!("B-{i:06}"))?;
        sheet.write_string(row, 3, format!("第{}号重点任务：组织开展民族团结进步创建活动", i + 1))?;
        sheet.write_string(row, 4, "制定方案，明确责任，按期报送进展")?;
        sheet.write_string(row, 5, LEADS[i % LEADS.len()])?;
        let co = format!("{}、{}", PREFECTURES[i % 7], PREFECTURES[(i + 3) % 7]);
        sheet.write_string(row, 6, &co)?;
        sheet.write_string(row, 7, format!("2023年{}月底前", 6 + i % 7))?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// A fresh SQLite database with the demo seeded, in a temporary directory; the store to close.
async fn fresh_app(dir: &std::path::Path) -> Result<(App, Store), BoxError> {
    let config = Config {
        data_dir: dir.to_path_buf(),
        second_factor: Some(pacesetter::config::SecondFactor::Optional),
        ..Config::default()
    };
    std::fs::create_dir_all(dir)?;
    let store = Store::connect(&config.database_url()).await?;
    let app = server::app(&config, store.clone());
    demo::seed(&app).await?;
    Ok((app, store))
}

/// Times of one import's steps.
struct Timings {
    rows: usize,
    bytes: usize,
    upload: Duration,
    commit: Duration,
    created: usize,
}

async fn run(rows: usize) -> Result<Timings, BoxError> {
    let dir = std::env::temp_dir().join(format!("pacesetter-bench-import-{}-{rows}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (app, store) = fresh_app(&dir).await?;
    let session = auth::login(&app, "office", demo::DEMO_PASSWORD, &Origin::default())
        .await?
        .into_session()
        .ok_or("a second step")?;
    let actor = auth::session_actor(&app, &session.token, Origin::default()).await?.0;
    let campaign =
        pacesetter_app::plans::list_campaigns(&app, &actor).await?.first().map(|c| c.id.0).ok_or("no campaign")?;
    let bytes = sheet(rows)?;
    let options = import::Options { campaign_id: Some(campaign), mapping: None };
    // Upload: store the file, read it, and preview every row against the plan and the units.
    let started = Instant::now();
    let job = import::upload(&app, &actor, import::ImportKind::Plan, "bench.xlsx", &bytes, options).await?;
    let upload = started.elapsed();
    let preview = job.preview.as_ref().ok_or("no preview")?;
    if !preview.is_clean() {
        return Err(format!("the sheet has {} errors: {:?}", preview.error_count, preview.rows.first()).into());
    }
    // Commit: read it again, check it again inside the transaction, write everything.
    let started = Instant::now();
    let summary = import::commit(&app, &actor, job.id).await?;
    let commit = started.elapsed();
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Timings { rows, bytes: bytes.len(), upload, commit, created: summary.created })
}

fn print(label: &str, t: &Timings) {
    let total = (t.upload + t.commit).as_secs_f64();
    println!(
        "{label:<10} {rows:>8} rows {mb:>6.1} MB   upload+preview {up:>7.2} s   commit {co:>7.2} s   total {total:>7.2} s   {per:>6.1} µs/row   created {created}",
        rows = t.rows,
        mb = t.bytes as f64 / 1_048_576.0,
        up = t.upload.as_secs_f64(),
        co = t.commit.as_secs_f64(),
        per = total * 1e6 / t.rows as f64,
        created = t.created,
    );
}

fn main() -> Result<(), BoxError> {
    let rows: usize = match std::env::var("PACESETTER_BENCH_ROWS") {
        Ok(text) => text.trim().parse().map_err(|_| format!("PACESETTER_BENCH_ROWS: cannot read {text:?}"))?,
        Err(_) => 100_000,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        println!("Task-sheet import on SQLite (target: {rows} rows under {TARGET_SECONDS} s for 100,000)");
        let baseline = run(BASELINE_ROWS).await?;
        print("baseline", &baseline);
        let full = run(rows).await?;
        print("full", &full);
        let total = (full.upload + full.commit).as_secs_f64();
        let per_row_ratio =
            (total / full.rows as f64) / ((baseline.upload + baseline.commit).as_secs_f64() / baseline.rows as f64);
        println!("per-row cost, full / baseline: {per_row_ratio:.2}×");
        let verdict = if rows >= 100_000 && total < TARGET_SECONDS {
            "meets"
        } else if rows >= 100_000 {
            "MISSES"
        } else {
            "n/a (smaller run)"
        };
        println!("target {TARGET_SECONDS} s: {verdict}");
        Ok(())
    })
}
