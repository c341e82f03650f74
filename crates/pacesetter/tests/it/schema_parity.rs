//! Schema parity: the SQLite and PostgreSQL migrations end with the same schema, table by table;
//! and a database left by any earlier migration upgrades to exactly the schema of a new one.

use std::collections::{BTreeMap, BTreeSet};

use pacesetter_store::Backend;
use pacesetter_testkit::{TestDb, postgres_available};
use sqlx::Row;

/// Where the backends legitimately differ, as (table, what): the difference is expected and
/// not reported. Anything else that differs fails the test.
const ALLOWED: &[(&str, &str, &str)] = &[
    // SQLite has no TRUNCATE (an unqualified DELETE runs the delete trigger), and PostgreSQL's
    // row triggers take one function for several events where SQLite needs a trigger per event.
    ("audit_log", "trigger audit_log_no_truncate", "PostgreSQL only: SQLite has no TRUNCATE"),
    ("audit_log", "trigger audit_log_no_delete", "SQLite: PostgreSQL's audit_log_no_update also refuses DELETE"),
    ("audit_head", "trigger audit_head_no_truncate", "PostgreSQL only: SQLite has no TRUNCATE"),
    ("audit_head", "trigger audit_head_guard", "PostgreSQL: one row trigger for insert, update and delete"),
    ("audit_head", "trigger audit_head_no_delete", "SQLite: one trigger per event"),
    ("audit_head", "trigger audit_head_forward_only", "SQLite: one trigger per event"),
    ("audit_head", "trigger audit_head_names_a_record", "SQLite: one trigger per event"),
    ("audit_head", "trigger audit_head_one_insert", "SQLite: one trigger per event"),
];

/// One backend's schema as facts: (table, what, aspect) → value, e.g.
/// ("units", "column code", "type") → "text".
type Facts = BTreeMap<(String, String, String), String>;

/// Needs both backends, so it runs with PostgreSQL.
#[tokio::test]
async fn the_migrations_give_both_backends_the_same_schema_postgres() {
    if !postgres_available() {
        eprintln!("PACESETTER_TEST_POSTGRES is not set: not run on PostgreSQL");
        return;
    }
    {
        let sqlite = TestDb::new(Backend::Sqlite).await;
        let postgres = TestDb::new(Backend::Postgres).await;
        let (lite, pg) = (facts(&sqlite).await, facts(&postgres).await);
        assert!(lite.keys().any(|(_, what, _)| what.starts_with("index ")), "the indexes were read");
        assert!(lite.keys().any(|(_, what, _)| what.starts_with("check ")), "the checks were read");
        assert!(lite.keys().any(|(_, what, _)| what.starts_with("foreign key ")), "the foreign keys were read");
        let found = differences(&lite, &pg);
        assert!(found.is_empty(), "{} schema differences:\n{}", found.len(), found.join("\n"));

        // A migration pair that drifts in one column's type is caught, and named.
        let mut conn = postgres.store.read().await.unwrap();
        sqlx::query("ALTER TABLE contest_awards ALTER COLUMN title TYPE BIGINT USING 0")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        let drifted = differences(&lite, &facts(&postgres).await);
        assert_eq!(
            drifted,
            ["table contest_awards, column title type: SQLite has `text`, PostgreSQL has `bigint`"],
            "{drifted:?}"
        );
    }
}

/// A database made by the release that stopped at each earlier migration upgrades cleanly to the
/// schema a new database gets, on each backend.
async fn every_earlier_migration_upgrades_to_the_same_schema(backend: Backend) {
    let fresh = TestDb::new(backend).await;
    let expected = facts(&fresh).await;
    fresh.remove().await;
    for version in 1..pacesetter_store::snapshot::LATEST_SCHEMA {
        let upgraded = TestDb::upgraded_from(backend, Some(version)).await;
        let found = facts(&upgraded).await;
        upgraded.remove().await;
        let changed: Vec<_> = expected
            .iter()
            .filter(|(key, value)| found.get(*key) != Some(*value))
            .map(|(key, _)| key)
            .chain(found.keys().filter(|key| !expected.contains_key(*key)))
            .collect();
        assert!(changed.is_empty(), "from migration {version}: {changed:?}");
    }
}

#[tokio::test]
async fn every_earlier_migration_upgrades_to_the_same_schema_sqlite() {
    every_earlier_migration_upgrades_to_the_same_schema(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_earlier_migration_upgrades_to_the_same_schema_postgres() {
    if !postgres_available() {
        eprintln!("PACESETTER_TEST_POSTGRES is not set: not run on PostgreSQL");
        return;
    }
    every_earlier_migration_upgrades_to_the_same_schema(Backend::Postgres).await;
}

fn differences(lite: &Facts, pg: &Facts) -> Vec<String> {
    let keys: BTreeSet<_> = lite.keys().chain(pg.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        let (table, what, aspect) = key;
        if ALLOWED.iter().any(|(t, w, _)| t == table && w == what) {
            continue;
        }
        let (a, b) = (lite.get(key), pg.get(key));
        if a == b {
            continue;
        }
        let show = |v: Option<&String>| v.map_or_else(|| "nothing".to_owned(), |v| format!("`{v}`"));
        let aspect = if aspect.is_empty() { String::new() } else { format!(" {aspect}") };
        out.push(format!("table {table}, {what}{aspect}: SQLite has {}, PostgreSQL has {}", show(a), show(b)));
    }
    out
}

async fn facts(db: &TestDb) -> Facts {
    let mut conn = db.store.read().await.unwrap();
    let (queries, backend) = match db.store.backend() {
        Backend::Sqlite => (&SQLITE, Backend::Sqlite),
        Backend::Postgres => (&POSTGRES, Backend::Postgres),
    };
    let text = |row: &sqlx::any::AnyRow, column: &str| row.try_get::<Option<String>, _>(column).unwrap();
    let mut facts = Facts::new();
    let mut fact = |table: &str, what: &str, aspect: &str, value: String| {
        facts.insert((table.to_owned(), what.to_owned(), aspect.to_owned()), value);
    };
    let mut columns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();

    // Columns: (table, column, declared type, not null, default, position in the primary key).
    for row in sqlx::query(queries.columns).fetch_all(&mut *conn).await.unwrap() {
        let (table, column) = (text(&row, "t").unwrap(), text(&row, "c").unwrap());
        let in_key = text(&row, "pk").is_some_and(|pk| pk != "0");
        let what = format!("column {column}");
        let mut ty = normal_type(&text(&row, "ty").unwrap_or_default());
        // SQLite's INTEGER PRIMARY KEY is the 64-bit rowid: PostgreSQL's BIGINT key.
        if backend == Backend::Sqlite && in_key && ty == "integer" {
            ty = "bigint".into();
        }
        fact(&table, &what, "type", ty);
        // SQLite lets a non-integer primary key hold NULL unless told otherwise; the
        // migrations mean every key column to be NOT NULL, as PostgreSQL makes it.
        let not_null = text(&row, "nn").is_some_and(|nn| nn == "1" || nn == "true") || in_key;
        fact(&table, &what, "nullability", if not_null { "not null" } else { "nullable" }.into());
        fact(&table, &what, "default", text(&row, "dflt").map_or_else(|| "none".into(), |d| normal_default(&d)));
        columns.entry(table).or_default().insert(column);
    }
    for table in columns.keys() {
        fact(table, "table", "", "present".into());
    }

    // Primary keys, unique constraints and indexes: (table, name, kind, columns, partial).
    for row in sqlx::query(queries.indexes).fetch_all(&mut *conn).await.unwrap() {
        let (table, name) = (text(&row, "t").unwrap(), text(&row, "name").unwrap());
        let (kind, cols) = (text(&row, "kind").unwrap(), text(&row, "cols").unwrap_or_default());
        let partial = text(&row, "partial").is_some_and(|p| p == "1" || p == "true");
        let unique = text(&row, "uniq").is_some_and(|u| u == "1" || u == "true");
        match kind.as_str() {
            // Named by the database (sqlite_autoindex_…, …_pkey, …_key): compared by columns.
            "pk" => fact(&table, "primary key", "", format!("({cols})")),
            "u" => fact(&table, &format!("unique ({cols})"), "", "present".into()),
            _ => {
                let partial = if partial { " where …" } else { "" };
                let unique = if unique { "unique " } else { "" };
                fact(&table, &format!("index {name}"), "", format!("{unique}({cols}){partial}"));
            }
        }
    }
    // SQLite keeps an INTEGER PRIMARY KEY as the rowid, with no index: its key is in the columns.
    if backend == Backend::Sqlite {
        for row in sqlx::query(SQLITE_ROWID_KEYS).fetch_all(&mut *conn).await.unwrap() {
            fact(&text(&row, "t").unwrap(), "primary key", "", format!("({})", text(&row, "cols").unwrap()));
        }
    }

    // Foreign keys: (table, columns, referenced table, referenced columns, on delete).
    for row in sqlx::query(queries.foreign_keys).fetch_all(&mut *conn).await.unwrap() {
        let table = text(&row, "t").unwrap();
        let target = format!(
            "{}({}) on delete {}",
            text(&row, "target").unwrap(),
            text(&row, "target_cols").unwrap_or_default(),
            text(&row, "on_delete").unwrap().to_lowercase()
        );
        fact(&table, &format!("foreign key ({})", text(&row, "cols").unwrap()), "", target);
    }

    // Checks: SQLite keeps them only in the table's SQL; PostgreSQL has each one's definition.
    // Each is compared by the columns it names and the literals it holds, which survive
    // PostgreSQL's rewriting (`kind IN ('a','b')` becomes `kind = ANY (ARRAY['a'::text, …])`).
    let mut checks: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in sqlx::query(queries.checks).fetch_all(&mut *conn).await.unwrap() {
        let table = text(&row, "t").unwrap();
        let known = columns.get(&table).cloned().unwrap_or_default();
        let definition = text(&row, "def").unwrap_or_default();
        let expressions = if backend == Backend::Sqlite { check_expressions(&definition) } else { vec![definition] };
        for expression in expressions {
            let (names, literals) = check_signature(&expression, &known);
            checks.entry((table.clone(), names)).or_default().push(literals);
        }
    }
    for ((table, names), mut literals) in checks {
        literals.sort();
        fact(&table, &format!("check on ({names})"), "literals", literals.join(" | "));
    }

    for row in sqlx::query(queries.triggers).fetch_all(&mut *conn).await.unwrap() {
        fact(&text(&row, "t").unwrap(), &format!("trigger {}", text(&row, "name").unwrap()), "", "present".into());
    }
    facts
}

struct Queries {
    columns: &'static str,
    indexes: &'static str,
    foreign_keys: &'static str,
    checks: &'static str,
    triggers: &'static str,
}

const SQLITE: Queries = Queries {
    columns: "SELECT m.name AS t, p.name AS c, p.type AS ty, CAST(p.\"notnull\" AS TEXT) AS nn,
                     p.dflt_value AS dflt, CAST(p.pk AS TEXT) AS pk
              FROM sqlite_master m JOIN pragma_table_info(m.name) p
              WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    indexes: "SELECT m.name AS t, l.name AS name, l.origin AS kind, CAST(l.\"unique\" AS TEXT) AS uniq,
                     CAST(l.partial AS TEXT) AS partial,
                     (SELECT group_concat(COALESCE(i.name, '<expression>'), ', ' ORDER BY i.seqno)
                      FROM pragma_index_xinfo(l.name) i WHERE i.key = 1) AS cols
              FROM sqlite_master m JOIN pragma_index_list(m.name) l
              WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    foreign_keys: "SELECT m.name AS t, f.\"table\" AS target, MAX(f.on_delete) AS on_delete,
                          group_concat(f.\"from\", ', ' ORDER BY f.seq) AS cols,
                          group_concat(f.\"to\", ', ' ORDER BY f.seq) AS target_cols
                   FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
                   WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
                   GROUP BY m.name, f.id",
    checks: "SELECT name AS t, sql AS def FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    triggers: "SELECT tbl_name AS t, name FROM sqlite_master WHERE type = 'trigger'",
};

/// Tables whose key is an `INTEGER PRIMARY KEY` (the rowid): no index stands for it.
const SQLITE_ROWID_KEYS: &str = "SELECT m.name AS t, p.name AS cols
    FROM sqlite_master m JOIN pragma_table_info(m.name) p
    WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' AND p.pk = 1
      AND upper(p.type) = 'INTEGER'
      AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) l WHERE l.origin = 'pk')";

const POSTGRES: Queries = Queries {
    columns: "SELECT c.table_name::text AS t, c.column_name::text AS c, c.data_type::text AS ty,
                     CASE WHEN c.is_nullable = 'NO' THEN '1' ELSE '0' END AS nn, c.column_default::text AS dflt,
                     CASE WHEN EXISTS (SELECT 1 FROM information_schema.key_column_usage k
                                       JOIN information_schema.table_constraints tc
                                         ON tc.constraint_name = k.constraint_name AND tc.table_name = k.table_name
                                       WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name
                                         AND k.column_name = c.column_name AND k.table_schema = 'public')
                          THEN '1' ELSE '0' END AS pk
              FROM information_schema.columns c
              WHERE c.table_schema = 'public' AND c.table_name <> '_sqlx_migrations'",
    indexes: "SELECT t.relname::text AS t, i.relname::text AS name,
                     CASE WHEN ix.indisprimary THEN 'pk'
                          WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid AND k.contype = 'u')
                          THEN 'u' ELSE 'c' END AS kind,
                     CASE WHEN ix.indisunique THEN '1' ELSE '0' END AS uniq,
                     CASE WHEN ix.indpred IS NOT NULL THEN '1' ELSE '0' END AS partial,
                     (SELECT string_agg(COALESCE(a.attname::text, '<expression>'), ', ' ORDER BY k.n)
                      FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                      LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum <> 0) AS cols
              FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
              JOIN pg_namespace s ON s.oid = t.relnamespace
              WHERE s.nspname = 'public' AND t.relname <> '_sqlx_migrations'",
    foreign_keys: "SELECT t.relname::text AS t, r.relname::text AS target,
                          CASE k.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                               WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS on_delete,
                          (SELECT string_agg(a.attname::text, ', ' ORDER BY u.n)
                           FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, n)
                           JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS cols,
                          (SELECT string_agg(a.attname::text, ', ' ORDER BY u.n)
                           FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, n)
                           JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS target_cols
                   FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
                   JOIN pg_namespace s ON s.oid = t.relnamespace
                   WHERE k.contype = 'f' AND s.nspname = 'public'",
    checks: "SELECT t.relname::text AS t, pg_get_constraintdef(k.oid)::text AS def
             FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace s ON s.oid = t.relnamespace
             WHERE k.contype = 'c' AND s.nspname = 'public'",
    triggers: "SELECT c.relname::text AS t, g.tgname::text AS name
               FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace
               WHERE NOT g.tgisinternal AND s.nspname = 'public'",
};

/// One vocabulary for declared SQLite types and PostgreSQL's `information_schema` types.
fn normal_type(declared: &str) -> String {
    let lower = declared.trim().to_lowercase();
    let base = lower.split('(').next().unwrap_or_default().trim();
    match base {
        // Widths are kept apart: a value that fits SQLite's INTEGER can overflow PostgreSQL's.
        "integer" | "int" | "int4" => "integer",
        "bigint" | "int8" => "bigint",
        "smallint" | "int2" => "smallint",
        "text" | "varchar" | "character varying" | "char" | "character" | "clob" => "text",
        "real" | "double" | "double precision" | "float" | "float4" | "float8" => "real",
        "boolean" | "bool" => "boolean",
        "blob" | "bytea" => "blob",
        "numeric" | "decimal" => "numeric",
        other => other,
    }
    .to_owned()
}

/// A default without PostgreSQL's casts and parentheses, in lower case outside quotes.
fn normal_default(default: &str) -> String {
    let mut text = default.trim().to_owned();
    if let Some(cast) = text.find("::")
        && !text[cast..].contains('\'')
    {
        text.truncate(cast);
    }
    while text.starts_with('(') && text.ends_with(')') {
        text = text[1..text.len() - 1].trim().to_owned();
    }
    if text.starts_with('\'') { text } else { text.to_lowercase() }
}

/// The expressions of every `CHECK (…)` in a `CREATE TABLE` statement.
fn check_expressions(sql: &str) -> Vec<String> {
    let tokens = tokens(sql);
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.eq_ignore_ascii_case("check") && tokens.get(i + 1).is_some_and(|t| t == "(") {
            let mut depth = 0;
            let mut expression = Vec::new();
            for token in &tokens[i + 1..] {
                match token.as_str() {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
                expression.push(token.clone());
                if depth == 0 {
                    break;
                }
            }
            out.push(expression.join(" "));
        }
    }
    out
}

/// The columns of the table a check names, and the literals it holds (numbers as numbers,
/// even when PostgreSQL quotes them: `'-1'::integer`).
fn check_signature(expression: &str, columns: &BTreeSet<String>) -> (String, String) {
    let mut names = BTreeSet::new();
    let mut literals = BTreeSet::new();
    let tokens = tokens(expression);
    for (i, token) in tokens.iter().enumerate() {
        let token = token.clone();
        let unquoted = token.trim_matches('"');
        // `'close'::text` is a cast to a type, not the column `text`.
        let cast = i >= 2 && tokens[i - 1] == ":" && tokens[i - 2] == ":";
        if cast {
            continue;
        } else if columns.contains(unquoted) {
            names.insert(unquoted.to_owned());
        } else if let Some(text) = token.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
            literals.insert(if text.parse::<f64>().is_ok() { text.to_owned() } else { token.clone() });
        } else if token.parse::<f64>().is_ok() {
            literals.insert(token);
        }
    }
    let names = names.into_iter().collect::<Vec<_>>().join(", ");
    (names, literals.into_iter().collect::<Vec<_>>().join(" "))
}

/// SQL split into words, quoted strings, quoted names and single punctuation characters.
fn tokens(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '\'' || c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == c && chars.get(i + 1) == Some(&c) {
                    i += 2;
                } else if chars[i] == c {
                    i += 1;
                    break;
                } else {
                    i += 1;
                }
            }
            out.push(chars[start..i].iter().collect());
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}
