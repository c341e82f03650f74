//! A run's rows, one per unit: its frozen inputs (`evaluation_run_inputs`) and its result
//! lines (`evaluation_run_results`), written in pages and read in pages, so that no step holds
//! a national run's every input at once.

use pacesetter_domain::{
    UnitId,
    evaluation::{UnitLine, records::RunId, scorecard::FrozenUnit},
    unit::UnitPath,
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{
    Result, StoreError,
    evaluations::decode_error,
    sql::{Bind, Where, placeholders},
};

/// Rows per multi-row INSERT: five values each, under SQLite's 32,766 variables.
const CHUNK: usize = 1_000;

pub async fn insert_inputs(conn: &mut AnyConnection, run: RunId, units: &[FrozenUnit]) -> Result<()> {
    for chunk in units.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO evaluation_run_inputs (run_id, unit_id, category, scorecard, extras) VALUES {}",
            placeholders(conn, chunk.len(), 5, "")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for unit in chunk {
            query = query
                .bind(run.0)
                .bind(unit.unit)
                .bind(unit.category.clone())
                .bind(unit.scorecard.clone())
                .bind(unit.extras.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Gives run `to` the frozen inputs of run `from` (a what-if reads what its run read).
pub async fn copy_inputs(conn: &mut AnyConnection, from: RunId, to: RunId) -> Result<()> {
    sqlx::query(
        "INSERT INTO evaluation_run_inputs (run_id, unit_id, category, scorecard, extras)
         SELECT $1, unit_id, category, scorecard, extras FROM evaluation_run_inputs WHERE run_id = $2",
    )
    .bind(to.0)
    .bind(from.0)
    .execute(conn)
    .await?;
    Ok(())
}

fn frozen_from_row(row: &AnyRow) -> Result<FrozenUnit> {
    Ok(FrozenUnit {
        unit: row.try_get("unit_id")?,
        category: row.try_get("category")?,
        scorecard: row.try_get("scorecard")?,
        extras: row.try_get("extras")?,
    })
}

/// Up to `limit` units' frozen inputs after unit `after`, in unit order.
pub async fn inputs_page(conn: &mut AnyConnection, run: RunId, after: UnitId, limit: i64) -> Result<Vec<FrozenUnit>> {
    let rows = sqlx::query(
        "SELECT unit_id, category, scorecard, extras FROM evaluation_run_inputs WHERE run_id = $1 AND unit_id > $2
         ORDER BY unit_id LIMIT $3",
    )
    .bind(run.0)
    .bind(after.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(frozen_from_row).collect()
}

/// One unit's frozen inputs.
pub async fn input_of(conn: &mut AnyConnection, run: RunId, unit: UnitId) -> Result<FrozenUnit> {
    let row = sqlx::query(
        "SELECT unit_id, category, scorecard, extras FROM evaluation_run_inputs WHERE run_id = $1 AND unit_id = $2",
    )
    .bind(run.0)
    .bind(unit.0)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    frozen_from_row(&row)
}

/// A result line with the JSON text it is stored as (the run's digest covers the text).
#[derive(Debug, Clone)]
pub struct StoredLine {
    pub line: UnitLine,
    pub json: String,
}

impl StoredLine {
    pub fn new(line: UnitLine) -> Self {
        let json = serde_json::to_string(&line).unwrap_or_default();
        Self { line, json }
    }
}

pub async fn insert_results(conn: &mut AnyConnection, run: RunId, lines: &[StoredLine]) -> Result<()> {
    for chunk in lines.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO evaluation_run_results (run_id, unit_id, category, rank, line_json) VALUES {}",
            placeholders(conn, chunk.len(), 5, "")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for stored in chunk {
            let line = &stored.line;
            query = query
                .bind(run.0)
                .bind(line.unit)
                .bind(line.category.clone())
                .bind(line.rank.map(i64::from))
                .bind(stored.json.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn line_from_row(row: &AnyRow) -> Result<StoredLine> {
    let json: String = row.try_get("line_json")?;
    let line = serde_json::from_str(&json).map_err(|_| decode_error("result line"))?;
    Ok(StoredLine { line, json })
}

/// A run's result lines in unit order: every unit's, or those of units within `roots`.
pub async fn results(conn: &mut AnyConnection, run: RunId, roots: Option<&[UnitPath]>) -> Result<Vec<StoredLine>> {
    let mut filter = Where::default();
    let id = filter.bind(Bind::Int(run.0));
    filter.push(format!("r.run_id = {id}"));
    if let Some(roots) = roots {
        filter.within("u.path", roots);
    }
    let sql = format!(
        "SELECT r.line_json FROM evaluation_run_results r JOIN units u ON u.id = r.unit_id {} ORDER BY r.unit_id",
        filter.sql()
    );
    let rows = filter.query(sql).fetch_all(conn).await?;
    rows.iter().map(line_from_row).collect()
}

/// Which of a run's result lines a page shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResultFilter<'a> {
    /// Units within these subtrees; every unit when `None`.
    pub roots: Option<&'a [UnitPath]>,
    /// Units whose name (Chinese or Tibetan) or code holds this.
    pub query: Option<&'a str>,
}

impl ResultFilter<'_> {
    fn clauses(&self, run: RunId) -> Where {
        let mut clauses = Where::default();
        let id = clauses.bind(Bind::Int(run.0));
        clauses.push(format!("r.run_id = {id}"));
        if let Some(roots) = self.roots {
            clauses.within("u.path", roots);
        }
        clauses.unit_named(self.query);
        clauses
    }
}

/// How many of a category's lines pass a filter, and how many of them are ranked (the others
/// a veto excludes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryCount {
    pub category: String,
    pub lines: i64,
    pub ranked: i64,
}

/// The categories of the lines that pass `filter`, each with its counts, in the order results
/// are shown: by name, compared as Rust compares strings, whatever the database's collation.
pub async fn result_categories(
    conn: &mut AnyConnection,
    run: RunId,
    filter: ResultFilter<'_>,
) -> Result<Vec<CategoryCount>> {
    let clauses = filter.clauses(run);
    let sql = format!(
        "SELECT r.category, COUNT(*) AS n, COUNT(r.rank) AS ranked
         FROM evaluation_run_results r JOIN units u ON u.id = r.unit_id {} GROUP BY r.category",
        clauses.sql()
    );
    let rows = clauses.query(sql).fetch_all(conn).await?;
    let mut counts = rows
        .iter()
        .map(|row| {
            Ok(CategoryCount {
                category: row.try_get("category")?,
                lines: row.try_get("n")?,
                ranked: row.try_get("ranked")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    counts.sort_by(|a, b| a.category.cmp(&b.category));
    Ok(counts)
}

/// The most lines a page reads.
pub const RESULTS_PAGE_MAX: i64 = 500;

/// Up to `limit` lines that pass `filter`, from the `offset`th, in the order results are shown:
/// category by category as `categories` lists them (from [`result_categories`], or some of
/// them), each category's ranked lines by rank, then its unranked ones by unit. Each part is
/// read in its own order from the index, so a page costs what it shows, not the whole run.
pub async fn result_page(
    conn: &mut AnyConnection,
    run: RunId,
    filter: ResultFilter<'_>,
    categories: &[CategoryCount],
    offset: i64,
    limit: i64,
) -> Result<Vec<StoredLine>> {
    let limit = limit.clamp(1, RESULTS_PAGE_MAX);
    let mut skip = offset.max(0);
    let mut page = Vec::new();
    for count in categories {
        for (ranked, lines) in [(true, count.ranked), (false, count.lines - count.ranked)] {
            let wanted = limit - page.len() as i64;
            if wanted <= 0 {
                return Ok(page);
            }
            if skip >= lines {
                skip -= lines;
                continue;
            }
            page.extend(part(conn, run, filter, &count.category, ranked, skip, wanted).await?);
            skip = 0;
        }
    }
    Ok(page)
}

/// One category's ranked or unranked lines, in their order, `limit` from the `offset`th.
async fn part(
    conn: &mut AnyConnection,
    run: RunId,
    filter: ResultFilter<'_>,
    category: &str,
    ranked: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<StoredLine>> {
    let mut clauses = filter.clauses(run);
    let c = clauses.bind(Bind::Text(category.to_owned()));
    clauses.push(format!("r.category = {c}"));
    let (rank, order) =
        if ranked { ("r.rank IS NOT NULL", "r.rank, r.unit_id") } else { ("r.rank IS NULL", "r.unit_id") };
    clauses.push(rank.to_owned());
    let sql = format!(
        "SELECT r.line_json FROM evaluation_run_results r JOIN units u ON u.id = r.unit_id {}
         ORDER BY {order} LIMIT {limit} OFFSET {offset}",
        clauses.sql()
    );
    let rows = clauses.query(sql).fetch_all(conn).await?;
    rows.iter().map(line_from_row).collect()
}

/// Up to `limit` result lines after unit `after`, in unit order.
pub async fn results_page(conn: &mut AnyConnection, run: RunId, after: UnitId, limit: i64) -> Result<Vec<StoredLine>> {
    let rows = sqlx::query(
        "SELECT line_json FROM evaluation_run_results WHERE run_id = $1 AND unit_id > $2 ORDER BY unit_id LIMIT $3",
    )
    .bind(run.0)
    .bind(after.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(line_from_row).collect()
}

/// One unit's result line.
pub async fn result_of(conn: &mut AnyConnection, run: RunId, unit: UnitId) -> Result<UnitLine> {
    let row = sqlx::query("SELECT line_json FROM evaluation_run_results WHERE run_id = $1 AND unit_id = $2")
        .bind(run.0)
        .bind(unit.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(line_from_row(&row)?.line)
}
