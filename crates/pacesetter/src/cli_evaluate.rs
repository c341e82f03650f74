//! `pacesetter evaluate`: runs an evaluation scheme on files, without a server or a database —
//! a scheme (JSON) and the units' score entries (JSON) in, results as a table, CSV or JSON out.

use std::{path::Path, process::ExitCode};

use pacesetter_domain::evaluation::{Scheme, UnitInput, UnitResult, evaluate};

/// How results are printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

fn read<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("the {what} {} is not valid: {e}", path.display()))
}

/// Reads, checks and evaluates; a bad scheme exits 2 naming the node, like a bad setting.
pub fn run(scheme: &Path, entries: &Path, format: Format) -> ExitCode {
    let outcome = (|| {
        let scheme: Scheme = read(scheme, "scheme")?;
        scheme.check().map_err(|e| format!("the scheme is inconsistent: {} at node {}", e.code, e.node))?;
        let inputs: Vec<UnitInput> = read(entries, "score entries")?;
        let mut results = evaluate(&scheme, &inputs).map_err(|e| format!("{} at leaf {}", e.code, e.leaf))?;
        // By category, ranked units first in rank order, then the excluded ones.
        results.sort_by(|a, b| {
            (a.category.as_str(), a.rank.is_none(), a.rank, a.unit).cmp(&(
                b.category.as_str(),
                b.rank.is_none(),
                b.rank,
                b.unit,
            ))
        });
        Ok::<_, String>(results)
    })();
    let results = match outcome {
        Ok(results) => results,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&results).unwrap_or_default()),
        Format::Csv => {
            print!("{}", String::from_utf8_lossy(&pacesetter_export::csv_out::write_csv(&HEADERS, &rows(&results))))
        }
        Format::Table => print!("{}", table(&rows(&results))),
    }
    ExitCode::SUCCESS
}

const HEADERS: [&str; 10] = ["类别", "单位", "名次", "最终得分", "等次", "基础分", "加分", "扣分", "复核指标", "否决"];

fn rows(results: &[UnitResult]) -> Vec<Vec<String>> {
    results
        .iter()
        .map(|r| {
            let flagged: Vec<&str> = r.leaves.iter().filter(|l| l.flagged).map(|l| l.code.as_str()).collect();
            vec![
                r.category.clone(),
                r.unit.to_string(),
                r.rank.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
                r.final_score.to_string(),
                r.grade.clone(),
                r.base.normalize().to_string(),
                r.bonus.normalize().to_string(),
                r.deductions.normalize().to_string(),
                flagged.join(" "),
                if r.vetoed { "是".into() } else { String::new() },
            ]
        })
        .collect()
}

/// Columns padded to their widest cell, counting a CJK character as two columns.
fn table(rows: &[Vec<String>]) -> String {
    let width = |text: &str| text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>();
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w - width(c)))).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(HEADERS.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
