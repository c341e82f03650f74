//! Latency summaries and the table the benchmark prints.

use std::time::Duration;

/// Percentiles of one query's timings, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(timings: &[Duration]) -> Self {
        let mut ms: Vec<f64> = timings.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        // Nearest rank: with 200 samples p99 is the second slowest, not an interpolation.
        let rank = |p: f64| {
            let index = ((p / 100.0) * ms.len() as f64).ceil() as usize;
            ms.get(index.saturating_sub(1)).copied().unwrap_or(f64::NAN)
        };
        Self {
            count: ms.len(),
            p50: rank(50.0),
            p95: rank(95.0),
            p99: rank(99.0),
            max: ms.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// One query measured on both datasets.
#[derive(Debug, Clone)]
pub struct Row {
    pub query: String,
    /// What the last call returned (columns, rows), to show the work is real.
    pub baseline_size: String,
    pub baseline: Summary,
    pub national_size: String,
    pub national: Summary,
    /// `None` for the parts of a page, which have no target of their own.
    pub target_ms: Option<f64>,
}

fn ms(value: f64) -> String {
    if value >= 100.0 { format!("{value:.0}") } else { format!("{value:.1}") }
}

fn cells(summary: &Summary) -> String {
    format!(
        "{:>4} {:>7} {:>7} {:>7} {:>7}",
        summary.count,
        ms(summary.p50),
        ms(summary.p95),
        ms(summary.p99),
        ms(summary.max)
    )
}

/// The side-by-side table: baseline, national, the p99 ratio and the verdict.
pub fn print_table(rows: &[Row], baseline_name: &str, national_name: &str) {
    let query_width = rows.iter().map(|r| r.query.chars().count()).max().unwrap_or(10).max(10);
    let size_width = rows.iter().map(|r| r.baseline_size.len().max(r.national_size.len())).max().unwrap_or(6).max(6);
    let block = 4 + 4 * 8 + size_width + 1;
    println!();
    println!(
        "{:query_width$} | {:^block$} | {:^block$} | {:>6} | {:>6} |",
        "", baseline_name, national_name, "p99", "target"
    );
    println!(
        "{:query_width$} | {:>size_width$} {:>4} {:>7} {:>7} {:>7} {:>7} | {:>size_width$} {:>4} {:>7} {:>7} {:>7} {:>7} | {:>6} | {:>6} |",
        "query (ms)", "size", "n", "p50", "p95", "p99", "max", "size", "n", "p50", "p95", "p99", "max", "ratio", "p99"
    );
    println!("{}", "-".repeat(query_width + 2 * block + 29));
    for row in rows {
        let ratio = row.national.p99 / row.baseline.p99;
        let (target, verdict) = match row.target_ms {
            Some(target) if row.national.p99 < target => (format!("<{target}"), "national met"),
            Some(target) => (format!("<{target}"), "national MISSED"),
            None => ("—".to_owned(), ""),
        };
        println!(
            "{:query_width$} | {:>size_width$} {} | {:>size_width$} {} | {:>5.0}× | {:>6} | {verdict}",
            row.query,
            row.baseline_size,
            cells(&row.baseline),
            row.national_size,
            cells(&row.national),
            ratio,
            target,
        );
    }
}
