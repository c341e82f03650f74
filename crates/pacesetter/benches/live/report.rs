//! The live benchmark's table: percentiles of each measured latency, in milliseconds.

use std::time::Duration;

/// Percentiles (nearest rank) of one latency.
pub struct Summary {
    pub name: String,
    pub n: usize,
    pub p50: Option<Duration>,
    pub p95: Option<Duration>,
    pub p99: Option<Duration>,
    pub max: Option<Duration>,
}

impl Summary {
    pub fn new(name: &str, samples: &[Duration]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort();
        let at = |q: f64| {
            let rank = (q * sorted.len() as f64).ceil() as usize;
            sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
        };
        Self { name: name.to_owned(), n: sorted.len(), p50: at(0.50), p95: at(0.95), p99: at(0.99), max: at(1.0) }
    }
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn cell(d: Option<Duration>) -> String {
    d.map(ms).unwrap_or_else(|| "—".into())
}

pub fn print(rows: &[Summary]) {
    let width = rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(0);
    println!("\n{:<width$} {:>5} {:>9} {:>9} {:>9} {:>9}   (ms)", "latency", "n", "p50", "p95", "p99", "max");
    for r in rows {
        let pad = width - r.name.chars().count();
        println!(
            "{}{} {:>5} {:>9} {:>9} {:>9} {:>9}",
            r.name,
            " ".repeat(pad),
            r.n,
            cell(r.p50),
            cell(r.p95),
            cell(r.p99),
            cell(r.max)
        );
    }
}
