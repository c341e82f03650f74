//! A small builder for the few queries whose WHERE clause depends on the filters asked for.
//! It only ever joins fixed fragments and numbered placeholders; every value is bound.

use pacesetter_domain::unit::UnitPath;
use sqlx::{Any, AnyConnection, AssertSqlSafe, any::AnyArguments, any::AnyRow, query::Query};

use crate::Result;

/// The rows of `select … WHERE {column} IN (ids)`, asked 500 ids at a time (`select` and
/// `column` are fixed SQL; the ids are bound).
pub(crate) async fn rows_where_in(
    conn: &mut AnyConnection,
    select: &str,
    column: &str,
    ids: &[i64],
) -> Result<Vec<AnyRow>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        let listed: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let mut query = sqlx::query(AssertSqlSafe(format!("{select} WHERE {column} IN ({})", listed.join(", "))));
        for id in chunk {
            query = query.bind(*id);
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// Sets the Chinese and Tibetan name (`columns`) of row `id` of `table` if it is still at
/// `version`, moving it on; false when it is not (changed meanwhile, or missing). `table` and
/// `columns` are fixed SQL.
pub(crate) async fn rename(
    conn: &mut AnyConnection,
    table: &str,
    columns: (&str, &str),
    id: i64,
    version: i64,
    (zh, bo): (&str, Option<&str>),
    now: pacesetter_domain::Timestamp,
) -> Result<bool> {
    let (zh_column, bo_column) = columns;
    let done = sqlx::query(AssertSqlSafe(format!(
        "UPDATE {table} SET {zh_column} = $1, {bo_column} = $2, updated_at = $3, version = version + 1
         WHERE id = $4 AND version = $5"
    )))
    .bind(zh.to_owned())
    .bind(bo.map(str::to_owned))
    .bind(now.to_db())
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// WHERE clauses and their values, in placeholder order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Where {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    /// Adds a value and returns its placeholder (`$3`).
    pub(crate) fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    pub(crate) fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// `column` lies in one of the subtrees: a range scan per root on the materialised path.
    pub(crate) fn within(&mut self, column: &str, roots: &[UnitPath]) {
        let ranges: Vec<String> = roots
            .iter()
            .map(|root| {
                let low = self.bind(Bind::Text(root.as_str().to_owned()));
                let high = self.bind(Bind::Text(upper_bound(root)));
                format!("({column} >= {low} AND {column} < {high})")
            })
            .collect();
        if ranges.is_empty() {
            self.clauses.push("1 = 0".to_owned());
        } else {
            self.clauses.push(format!("({})", ranges.join(" OR ")));
        }
    }

    /// The unit aliased `u` has `query` in its name (Chinese or Tibetan) or its code; nothing
    /// is added for a blank query.
    pub(crate) fn unit_named(&mut self, query: Option<&str>) {
        if let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) {
            let p = self.bind(Bind::Text(format!("%{}%", escape_like(query))));
            self.push(format!(
                "(u.name LIKE {p} ESCAPE '\\' OR u.name_bo LIKE {p} ESCAPE '\\' OR u.code LIKE {p} ESCAPE '\\')"
            ));
        }
    }

    /// `WHERE …` (or nothing when there is no clause).
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!("WHERE {}", self.clauses.join(" AND ")) }
    }

    /// A query of `sql` with every value bound in order.
    pub(crate) fn query<'q>(&self, sql: String) -> Query<'q, Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for bind in &self.binds {
            query = match bind {
                Bind::Int(value) => query.bind(*value),
                Bind::Text(value) => query.bind(value.clone()),
            };
        }
        query
    }
}

/// The smallest text greater than every path below `path`: `/1/2/` → `/1/20`.
pub(crate) fn upper_bound(path: &UnitPath) -> String {
    let text = path.as_str();
    format!("{}0", &text[..text.len().saturating_sub(1)])
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `width` values; on SQLite anonymous `?`, because
/// SQLite finds a named parameter's name by a linear scan, which makes binding thousands of
/// `$N` in one statement quadratic (a 100,000-row import spent 25 s there).
pub(crate) fn placeholders(conn: &AnyConnection, rows: usize, width: usize, extra: &str) -> String {
    let anonymous = crate::Backend::of(conn) == crate::Backend::Sqlite;
    (0..rows)
        .map(|r| {
            let values: Vec<String> =
                (1..=width).map(|c| if anonymous { "?".to_owned() } else { format!("${}", r * width + c) }).collect();
            format!("({}{extra})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
