//! `pacesetter evaluate`: runs an evaluation scheme on files, without a server or a database —
//! a scheme (JSON, or the office's indicator table as XLSX/CSV) and the units' score entries
//! (JSON, XLSX or CSV) in, results as a table, CSV or JSON out — or evaluates a stored run's
//! frozen inputs again, read-only, and says whether they reproduce the stored results.

use std::{collections::BTreeMap, path::Path, process::ExitCode};

use pacesetter_app::evaluations::runs::ordered;

use pacesetter_domain::{
    evaluation::{Entry, Scheme, UnitInput, UnitLine, evaluate, records::RunId, sheet},
    table::{Table, column_letter},
};

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

fn is_sheet(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "xlsx" | "csv"))
}

fn read_table(path: &Path, what: &str) -> Result<Table, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))?;
    pacesetter_export::read_table(&bytes).map_err(|e| format!("the {what} {} cannot be read: {e}", path.display()))
}

/// A scheme from JSON, or from an indicator table (every bad cell listed by row and column).
fn read_scheme(path: &Path) -> Result<Scheme, String> {
    if !is_sheet(path) {
        return read(path, "scheme");
    }
    let table = read_table(path, "scheme")?;
    let parsed = sheet::read(&table).map_err(|errors| {
        let lines: Vec<String> =
            errors.iter().map(|e| format!("  row {} column {} ({}): {}", e.row, e.column, e.header, e.code)).collect();
        format!("the scheme {} has errors:\n{}", path.display(), lines.join("\n"))
    })?;
    Ok(parsed.scheme())
}

/// Score entries from JSON, or from a sheet with one row per answer: 单位 (a number), 类别,
/// 指标编码, 来源 (自评 or 督查), 答案 (as the leaf's rubric reads it), 佐证数 (optional).
fn read_entries(path: &Path, scheme: &Scheme) -> Result<Vec<UnitInput>, String> {
    if !is_sheet(path) {
        return read(path, "score entries");
    }
    let table = read_table(path, "score entries")?;
    let col = |names: &[&str]| table.column(names);
    let (unit, category, leaf, source, answer, evidence) = (
        col(&["单位", "单位编码", "unit"]),
        col(&["类别", "分类", "category"]),
        col(&["指标编码", "指标", "leaf"]),
        col(&["来源", "source"]),
        col(&["答案", "得分依据", "answer"]),
        col(&["佐证数", "佐证", "evidence"]),
    );
    let mut units: BTreeMap<i64, UnitInput> = BTreeMap::new();
    let mut errors = Vec::new();
    for (line, row) in &table.rows {
        let cell = |c: Option<usize>| Table::cell(row, c).trim();
        let mut bad = |c: Option<usize>, code: &str| {
            errors.push(format!("  row {line} column {}: {code}", c.map(column_letter).unwrap_or_default()));
        };
        let Ok(id) = cell(unit).parse::<i64>() else {
            bad(unit, "unit_not_a_number");
            continue;
        };
        let Some(rubric) = scheme.node(cell(leaf)).and_then(|n| n.rubric.as_ref()) else {
            bad(leaf, "leaf_not_in_scheme");
            continue;
        };
        let Some(given) = sheet::answer_from_text(rubric, cell(answer)) else {
            bad(answer, "answer_does_not_fit_rubric");
            continue;
        };
        let count = if cell(evidence).is_empty() { Ok(0) } else { cell(evidence).parse::<u32>() };
        let Ok(count) = count else {
            bad(evidence, "not_a_number");
            continue;
        };
        let input = units.entry(id).or_insert_with(|| UnitInput { unit: id, ..UnitInput::default() });
        if input.category.is_empty() {
            input.category = cell(category).to_owned();
        }
        let entries = match cell(source) {
            "自评" | "self" => &mut input.self_entries,
            "督查" | "督导" | "检查" | "inspector" => &mut input.inspector_entries,
            _ => {
                bad(source, "unknown_source");
                continue;
            }
        };
        entries.insert(cell(leaf).to_owned(), Entry { answer: given, evidence: count });
    }
    if errors.is_empty() {
        Ok(units.into_values().collect())
    } else {
        Err(format!("the score entries {} have errors:\n{}", path.display(), errors.join("\n")))
    }
}

/// Reads, checks and evaluates; a bad scheme exits 2 naming the node, like a bad setting.
pub fn run(scheme: &Path, entries: &Path, format: Format) -> ExitCode {
    let outcome = (|| {
        let scheme = read_scheme(scheme)?;
        scheme.check().map_err(|e| format!("the scheme is inconsistent: {} at node {}", e.code, e.node))?;
        let inputs = read_entries(entries, &scheme)?;
        let results = evaluate(&scheme, &inputs).map_err(|e| format!("{} at leaf {}", e.code, e.leaf))?;
        Ok::<_, String>(ordered(results.into_iter().map(|r| r.line).collect()))
    })();
    match outcome {
        Ok(results) => {
            print_results(&results, format);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Evaluates a stored run's frozen inputs again; exit 1 if they do not give the stored results.
pub async fn rerun(store: &pacesetter_store::Store, id: i64, format: Format) -> Result<ExitCode, String> {
    let mut conn = store.read().await.map_err(|e| e.to_string())?;
    let (check, lines) =
        pacesetter_app::evaluations::runs::check(&mut conn, RunId(id)).await.map_err(|e| format!("run {id}: {e}"))?;
    print_results(&ordered(lines), format);
    if check.identical {
        eprintln!("run {id}: the frozen inputs give the stored results, byte for byte");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("run {id}: the frozen inputs do NOT give the stored results");
        Ok(ExitCode::from(1))
    }
}

fn print_results(results: &[UnitLine], format: Format) {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(results).unwrap_or_default()),
        Format::Csv => {
            print!("{}", String::from_utf8_lossy(&pacesetter_export::csv_out::write_csv(&HEADERS, &rows(results))))
        }
        Format::Table => print!("{}", table(&rows(results))),
    }
}
const HEADERS: [&str; 10] = ["类别", "单位", "名次", "最终得分", "等次", "基础分", "加分", "扣分", "复核指标", "否决"];

fn rows(results: &[UnitLine]) -> Vec<Vec<String>> {
    results
        .iter()
        .map(|r| {
            vec![
                r.category.clone(),
                r.unit.to_string(),
                r.rank.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
                r.final_score.to_string(),
                r.grade.clone(),
                r.base.normalize().to_string(),
                r.bonus.normalize().to_string(),
                r.deductions.normalize().to_string(),
                r.flagged.join(" "),
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
