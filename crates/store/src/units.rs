//! Units of both trees, stored with a materialised path for subtree queries.

use std::collections::HashMap;

use pacesetter_domain::{
    Locale, Timestamp, UnitId, UnitKind, UnitPath,
    unit::{Unit, UnitFields, UnitOrder},
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{
    Result, StoreError,
    row::{self, Columns},
    sort_keys::{sort_bo, sort_zh},
    sql::{Bind, Where, escape_like, upper_bound},
};

pub(crate) const COLUMNS: &str = "id, parent_id, kind, code, name, name_bo, name_en, category, aliases, path, archived_at, version, created_at, updated_at";

/// Aliases are stored one a line.
fn aliases_to_db(aliases: &[String]) -> String {
    aliases.join("\n")
}

pub(crate) fn from_row(row: &AnyRow) -> Result<Unit> {
    from_columns(row, Columns::PLAIN)
}

/// [`from_row`] with the columns named as `c` says.
pub(crate) fn from_columns(row: &AnyRow, c: Columns) -> Result<Unit> {
    let kind: String = row.try_get(&*c.name("kind"))?;
    Ok(Unit {
        id: UnitId(row.try_get(&*c.name("id"))?),
        parent_id: row.try_get::<Option<i64>, _>(&*c.name("parent_id"))?.map(UnitId),
        kind: UnitKind::parse(&kind).ok_or(StoreError::Database(sqlx::Error::Decode("bad unit kind".into())))?,
        code: row.try_get(&*c.name("code"))?,
        name: row.try_get(&*c.name("name"))?,
        name_bo: row.try_get(&*c.name("name_bo"))?,
        name_en: row.try_get(&*c.name("name_en"))?,
        category: row.try_get(&*c.name("category"))?,
        aliases: row.try_get::<String, _>(&*c.name("aliases"))?.lines().map(str::to_owned).collect(),
        path: UnitPath::from_db(row.try_get(&*c.name("path"))?),
        archived_at: row::opt_timestamp(row, &c.name("archived_at"))?,
        version: row.try_get(&*c.name("version"))?,
        created_at: row::timestamp(row, &c.name("created_at"))?,
        updated_at: row::timestamp(row, &c.name("updated_at"))?,
    })
}

/// Inserts a unit under `parent` (or at the top of its tree) and sets its path.
pub async fn insert(
    conn: &mut AnyConnection,
    parent: Option<&Unit>,
    fields: &UnitFields,
    now: Timestamp,
) -> Result<Unit> {
    let now_text = now.to_db();
    let row = sqlx::query(
        "INSERT INTO units (parent_id, kind, code, name, name_bo, name_en, category, aliases, path, created_at, updated_at,
             sort_zh, sort_bo)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $9, $10, $11) RETURNING id",
    )
    .bind(parent.map(|p| p.id.0))
    .bind(fields.kind.as_str())
    .bind(fields.code.clone())
    .bind(fields.name.clone())
    .bind(fields.name_bo.clone())
    .bind(fields.name_en.clone())
    .bind(fields.category.clone())
    .bind(aliases_to_db(&fields.aliases))
    .bind(now_text)
    .bind(sort_zh(&fields.name))
    .bind(sort_bo(fields.name_bo.as_deref()))
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::on_unique("code"))?;
    let id = UnitId(row.try_get("id")?);
    let path = match parent {
        Some(parent) => parent.path.child(id),
        None => UnitPath::root(id),
    };
    sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
        .bind(path.as_str().to_owned())
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    get(conn, id).await
}

pub async fn get(conn: &mut AnyConnection, id: UnitId) -> Result<Unit> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM units WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn find_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Unit>> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM units WHERE code = $1")))
        .bind(code.to_owned())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Units whose ids are listed (e.g. the ancestors of a path), in the order given.
pub async fn get_many(conn: &mut AnyConnection, ids: &[UnitId]) -> Result<Vec<Unit>> {
    let rows = rows_where_in(conn, &format!("SELECT {COLUMNS} FROM units"), "id", ids).await?;
    let found: HashMap<UnitId, Unit> =
        rows.iter().map(|row| from_row(row).map(|unit| (unit.id, unit))).collect::<Result<_>>()?;
    ids.iter().map(|id| found.get(id).cloned().ok_or(StoreError::NotFound)).collect()
}

/// Every unit, for imports that resolve names and codes (the region holds a few hundred).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Unit>> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM units ORDER BY path"))).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// What to list: always limited to the subtrees in `within`.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Subtree roots the caller may see; an empty list matches nothing.
    pub within: Vec<UnitPath>,
    pub kind: Option<UnitKind>,
    pub parent: Option<UnitId>,
    /// Only units in this subtree (the unit itself included).
    pub under: Option<UnitPath>,
    pub query: Option<String>,
    pub include_archived: bool,
    pub order: UnitOrder,
    pub offset: i64,
    pub limit: i64,
}

/// One page of units and the total that match, in tree order.
pub async fn list(conn: &mut AnyConnection, filter: &UnitFilter) -> Result<(Vec<Unit>, i64)> {
    if filter.within.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let mut filters = Where::default();
    filters.within("path", &filter.within);
    if let Some(kind) = filter.kind {
        let p = filters.bind(Bind::Text(kind.as_str().to_owned()));
        filters.push(format!("kind = {p}"));
    }
    if let Some(under) = &filter.under {
        filters.within("path", std::slice::from_ref(under));
    }
    if let Some(parent) = filter.parent {
        let p = filters.bind(Bind::Int(parent.0));
        filters.push(format!("parent_id = {p}"));
    }
    if let Some(query) = filter.query.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let p = filters.bind(Bind::Text(format!("%{}%", escape_like(query))));
        filters.push(format!(
            "(name LIKE {p} ESCAPE '\\' OR name_bo LIKE {p} ESCAPE '\\' OR LOWER(name_en) LIKE LOWER({p}) ESCAPE '\\' OR code LIKE {p} ESCAPE '\\' OR aliases LIKE {p} ESCAPE '\\')"
        ));
    }
    if !filter.include_archived {
        filters.push("archived_at IS NULL".to_owned());
    }
    let where_sql = filters.sql();
    let total: i64 = filters
        .query(format!("SELECT COUNT(*) AS n FROM units {where_sql}"))
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let page_sql = format!(
        "SELECT {COLUMNS} FROM units {where_sql} ORDER BY {} LIMIT {} OFFSET {}",
        match filter.order {
            UnitOrder::Tree => "path",
            UnitOrder::Name(Locale::ZhHans) => "sort_zh, id",
            // Units without a Tibetan name come after, in the Chinese order.
            UnitOrder::Name(Locale::Bo) => "(sort_bo IS NULL), sort_bo, sort_zh, id",
            UnitOrder::Name(Locale::En) => "(name_en IS NULL), LOWER(name_en), sort_zh, id",
        },
        filter.limit.clamp(1, 1000),
        filter.offset.max(0)
    );
    let rows = filters.query(page_sql).fetch_all(conn).await?;
    let units = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok((units, total))
}

/// The active unit within `within` whose code is exactly `text`, else the first in tree order
/// whose name is: how a person names a unit in a form or a sheet.
pub async fn named(conn: &mut AnyConnection, within: &[UnitPath], text: &str) -> Result<Option<Unit>> {
    if within.is_empty() {
        return Ok(None);
    }
    let mut filters = Where::default();
    filters.within("path", within);
    let p = filters.bind(Bind::Text(text.to_owned()));
    filters.push(format!("(code = {p} OR name = {p})"));
    filters.push("archived_at IS NULL".to_owned());
    let sql = format!(
        "SELECT {COLUMNS} FROM units {} ORDER BY CASE WHEN code = {p} THEN 0 ELSE 1 END, path LIMIT 1",
        filters.sql()
    );
    filters.query(sql).fetch_optional(conn).await?.as_ref().map(from_row).transpose()
}

/// Direct children of a unit, archived ones included, in tree order.
pub async fn children(conn: &mut AnyConnection, parent: UnitId) -> Result<Vec<Unit>> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM units WHERE parent_id = $1 ORDER BY path")))
        .bind(parent.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The rows of `select … WHERE {column} IN (ids)` for units.
async fn rows_where_in(conn: &mut AnyConnection, select: &str, column: &str, ids: &[UnitId]) -> Result<Vec<AnyRow>> {
    let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
    crate::sql::rows_where_in(conn, select, column, &ids).await
}

/// The children of every unit in `parents`, in tree order, each with whether units lie below it.
pub async fn branches_of_many(conn: &mut AnyConnection, parents: &[UnitId]) -> Result<Vec<(Unit, bool)>> {
    let select = format!(
        "SELECT {COLUMNS}, CAST(CASE WHEN EXISTS (SELECT 1 FROM units below WHERE below.parent_id = units.id)
                              THEN 1 ELSE 0 END AS BIGINT) AS branches
         FROM units"
    );
    let rows = rows_where_in(conn, &select, "parent_id", parents).await?;
    let mut found = rows
        .iter()
        .map(|row| Ok((from_row(row)?, row.try_get::<i64, _>("branches")? == 1)))
        .collect::<Result<Vec<_>>>()?;
    found.sort_by(|(a, _), (b, _)| a.path.as_str().cmp(b.path.as_str()));
    Ok(found)
}

/// Top-level units (the roots of the two trees).
pub async fn roots(conn: &mut AnyConnection) -> Result<Vec<Unit>> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM units WHERE parent_id IS NULL ORDER BY path")))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// How many active units lie strictly below `path`.
pub async fn count_below(conn: &mut AnyConnection, path: &UnitPath) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM units WHERE path > $1 AND path < $2 AND archived_at IS NULL")
        .bind(path.as_str().to_owned())
        .bind(upper_bound(path))
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Updates the editable fields if `version` is still current.
pub async fn update(
    conn: &mut AnyConnection,
    id: UnitId,
    version: i64,
    fields: &UnitFields,
    now: Timestamp,
) -> Result<Unit> {
    let result = sqlx::query(
        "UPDATE units SET kind = $1, code = $2, name = $3, name_bo = $4, name_en = $5, category = $6,
             aliases = $7, version = version + 1, updated_at = $8, sort_zh = $11, sort_bo = $12
         WHERE id = $9 AND version = $10",
    )
    .bind(fields.kind.as_str())
    .bind(fields.code.clone())
    .bind(fields.name.clone())
    .bind(fields.name_bo.clone())
    .bind(fields.name_en.clone())
    .bind(fields.category.clone())
    .bind(aliases_to_db(&fields.aliases))
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .bind(sort_zh(&fields.name))
    .bind(sort_bo(fields.name_bo.as_deref()))
    .execute(&mut *conn)
    .await
    .map_err(StoreError::on_unique("code"))?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get(conn, id).await));
    }
    get(conn, id).await
}

/// Those of `ids` that have units below them.
pub async fn with_children(conn: &mut AnyConnection, ids: &[UnitId]) -> Result<std::collections::HashSet<UnitId>> {
    let rows = rows_where_in(conn, "SELECT DISTINCT parent_id FROM units", "parent_id", ids).await?;
    rows.iter().map(|row| Ok(UnitId(row.try_get("parent_id")?))).collect()
}

/// The paths of `ids`, for the units that exist.
pub async fn paths_of(conn: &mut AnyConnection, ids: &[UnitId]) -> Result<HashMap<UnitId, UnitPath>> {
    let mut wanted = ids.to_vec();
    wanted.sort_unstable_by_key(|id| id.0);
    wanted.dedup();
    let rows = rows_where_in(conn, "SELECT id, path FROM units", "id", &wanted).await?;
    rows.iter().map(|row| Ok((UnitId(row.try_get("id")?), UnitPath::from_db(row.try_get("path")?)))).collect()
}

/// Moves a unit and its whole subtree under `new_parent`, and its counts on the dashboard with
/// it.
pub async fn move_to(
    conn: &mut AnyConnection,
    unit: &Unit,
    version: i64,
    new_parent: &Unit,
    now: Timestamp,
) -> Result<Unit> {
    let result = sqlx::query(
        "UPDATE units SET parent_id = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(new_parent.id.0)
    .bind(now.to_db())
    .bind(unit.id.0)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get(conn, unit.id).await));
    }
    let old = unit.path.as_str().to_owned();
    let new = new_parent.path.child(unit.id);
    // Rewrites the prefix of every path in the subtree; lengths are in characters, and
    // paths are ASCII, so both backends agree.
    sqlx::query("UPDATE units SET path = $1 || SUBSTR(path, CAST($2 AS INTEGER)) WHERE path >= $3 AND path < $4")
        .bind(new.as_str().to_owned())
        .bind(old.len() as i64 + 1)
        .bind(old.clone())
        .bind(upper_bound(&unit.path))
        .execute(&mut *conn)
        .await?;
    crate::progress_cells::move_subtree(conn, unit.id, &unit.path, &new).await?;
    get(conn, unit.id).await
}

/// Archives (or restores, with `None`) a unit if `version` is still current.
pub async fn set_archived(
    conn: &mut AnyConnection,
    id: UnitId,
    version: i64,
    archived_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Unit> {
    let result = sqlx::query(
        "UPDATE units SET archived_at = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(archived_at.map(Timestamp::to_db))
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get(conn, id).await));
    }
    get(conn, id).await
}
