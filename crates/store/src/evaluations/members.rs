//! The units a scheme ranks: who they are, their category, the leaves they self-assess and
//! whether they have handed the self-assessment in.
//!
//! A national scheme ranks tens of thousands of units with a couple of hundred self-assessed
//! leaves each, so only [`members`] (the audit's record of a scheme before it changes) reads
//! every member's leaves at once; pages and the API read one page of members ([`member_page`]),
//! one member ([`member`]) or the units alone ([`member_units`]).

use std::collections::HashMap;

use pacesetter_domain::{
    UnitId, UnitPath,
    evaluation::records::{Member, SchemeId},
    unit::Unit,
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{
    Result, row,
    sql::{Bind, Where},
    units,
};

/// Members a page may ask for at once.
const PAGE_MAX: i64 = 1000;

fn member_from_row(row: &AnyRow, leaves: &mut HashMap<i64, Vec<String>>) -> Result<Member> {
    let unit: i64 = row.try_get("unit_id")?;
    Ok(Member {
        unit_id: UnitId(unit),
        category: row.try_get("member_category")?,
        self_leaves: leaves.remove(&unit).unwrap_or_default(),
        submitted_at: row::opt_timestamp(row, "submitted_at")?,
    })
}

/// Leaf codes grouped by unit, from rows of `unit_id, leaf_code` in that order.
fn group_leaves(rows: &[AnyRow]) -> Result<HashMap<i64, Vec<String>>> {
    let mut grouped: HashMap<i64, Vec<String>> = HashMap::new();
    for leaf in rows {
        grouped.entry(leaf.try_get("unit_id")?).or_default().push(leaf.try_get("leaf_code")?);
    }
    Ok(grouped)
}

/// The self-assessed leaves of the listed units (at most [`PAGE_MAX`]).
async fn leaves_of(conn: &mut AnyConnection, scheme: SchemeId, units: &[UnitId]) -> Result<HashMap<i64, Vec<String>>> {
    if units.is_empty() {
        return Ok(HashMap::new());
    }
    let listed: Vec<String> = (2..units.len() + 2).map(|n| format!("${n}")).collect();
    let mut query = sqlx::query(AssertSqlSafe(format!(
        "SELECT unit_id, leaf_code FROM evaluation_self_leaves WHERE scheme_id = $1 AND unit_id IN ({})
         ORDER BY unit_id, leaf_code",
        listed.join(", ")
    )))
    .bind(scheme.0);
    for unit in units {
        query = query.bind(unit.0);
    }
    group_leaves(&query.fetch_all(conn).await?)
}

/// The units a scheme ranks, in unit-tree order, each with the leaves it self-assesses.
pub async fn members(conn: &mut AnyConnection, scheme: SchemeId) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT m.unit_id, m.category AS member_category, m.submitted_at
         FROM evaluation_units m JOIN units u ON u.id = m.unit_id
         WHERE m.scheme_id = $1 ORDER BY u.path",
    )
    .bind(scheme.0)
    .fetch_all(&mut *conn)
    .await?;
    let leaves = sqlx::query(
        "SELECT unit_id, leaf_code FROM evaluation_self_leaves WHERE scheme_id = $1 ORDER BY unit_id, leaf_code",
    )
    .bind(scheme.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut leaves = group_leaves(&leaves)?;
    rows.iter().map(|row| member_from_row(row, &mut leaves)).collect()
}

/// One member with its leaves; `None` when the scheme does not rank the unit.
pub async fn member(conn: &mut AnyConnection, scheme: SchemeId, unit: UnitId) -> Result<Option<Member>> {
    let Some(row) = sqlx::query(
        "SELECT unit_id, category AS member_category, submitted_at FROM evaluation_units
         WHERE scheme_id = $1 AND unit_id = $2",
    )
    .bind(scheme.0)
    .bind(unit.0)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let mut leaves = leaves_of(conn, scheme, &[unit]).await?;
    member_from_row(&row, &mut leaves).map(Some)
}

/// The members within the subtrees `within` (every member when `None`) whose unit's name or
/// code holds `query`, if one is given.
fn member_filter(scheme: SchemeId, within: Option<&[UnitPath]>, query: Option<&str>) -> Where {
    let mut filters = Where::default();
    let p = filters.bind(Bind::Int(scheme.0));
    filters.push(format!("m.scheme_id = {p}"));
    if let Some(roots) = within {
        filters.within("u.path", roots);
    }
    filters.unit_named(query);
    filters
}

/// One page of members within `within` (every member when `None`) whose unit's name or code
/// holds `query`, in unit-tree order, each with its unit and its leaves, and how many such
/// members there are in all.
pub async fn member_page(
    conn: &mut AnyConnection,
    scheme: SchemeId,
    within: Option<&[UnitPath]>,
    query: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<(Member, Unit)>, i64)> {
    let filters = member_filter(scheme, within, query);
    let total = count(conn, &filters).await?;
    let lines =
        lines(conn, scheme, &filters, &format!("LIMIT {} OFFSET {}", limit.clamp(1, PAGE_MAX), offset.max(0))).await?;
    Ok((lines, total))
}

/// Every member within `within` (every member when `None`) with its unit and its leaves, in
/// unit-tree order: read [`PAGE_MAX`] at a time, each read starting after the last unit's path,
/// so a national scheme costs as many short reads as it has pages.
pub async fn every_member(
    conn: &mut AnyConnection,
    scheme: SchemeId,
    within: Option<&[UnitPath]>,
) -> Result<Vec<(Member, Unit)>> {
    let mut all: Vec<(Member, Unit)> = Vec::new();
    loop {
        let mut filters = member_filter(scheme, within, None);
        if let Some((_, last)) = all.last() {
            let p = filters.bind(Bind::Text(last.path.as_str().to_owned()));
            filters.push(format!("u.path > {p}"));
        }
        let page = lines(conn, scheme, &filters, &format!("LIMIT {PAGE_MAX}")).await?;
        let done = (page.len() as i64) < PAGE_MAX;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// The members `filters` choose, in unit-tree order and cut by `limit` (a LIMIT clause of at
/// most [`PAGE_MAX`] rows), each with its unit and its leaves.
async fn lines(
    conn: &mut AnyConnection,
    scheme: SchemeId,
    filters: &Where,
    limit: &str,
) -> Result<Vec<(Member, Unit)>> {
    let rows = filters
        .query(format!(
            "SELECT m.unit_id, m.category AS member_category, m.submitted_at, {}
             FROM evaluation_units m JOIN units u ON u.id = m.unit_id {} ORDER BY u.path {limit}",
            row::aliased(units::COLUMNS, "u", ""),
            filters.sql(),
        ))
        .fetch_all(&mut *conn)
        .await?;
    let ids = rows.iter().map(|r| r.try_get("unit_id").map(UnitId)).collect::<std::result::Result<Vec<_>, _>>()?;
    let mut leaves = leaves_of(conn, scheme, &ids).await?;
    rows.iter().map(|row| Ok((member_from_row(row, &mut leaves)?, units::from_row(row)?))).collect()
}

/// How many units the scheme ranks within `within` (in all when `None`).
pub async fn member_count(conn: &mut AnyConnection, scheme: SchemeId, within: Option<&[UnitPath]>) -> Result<i64> {
    count(conn, &member_filter(scheme, within, None)).await
}

/// How many members pass `filters`.
async fn count(conn: &mut AnyConnection, filters: &Where) -> Result<i64> {
    let sql =
        format!("SELECT COUNT(*) AS n FROM evaluation_units m JOIN units u ON u.id = m.unit_id {}", filters.sql());
    Ok(filters.query(sql).fetch_one(conn).await?.try_get("n")?)
}

/// The units of every member within `within` (every member when `None`), in unit-tree order,
/// without their leaves.
pub async fn member_units(
    conn: &mut AnyConnection,
    scheme: SchemeId,
    within: Option<&[UnitPath]>,
) -> Result<Vec<Unit>> {
    let filters = member_filter(scheme, within, None);
    let rows = filters
        .query(format!(
            "SELECT {} FROM evaluation_units m JOIN units u ON u.id = m.unit_id {} ORDER BY u.path",
            row::aliased(units::COLUMNS, "u", ""),
            filters.sql(),
        ))
        .fetch_all(conn)
        .await?;
    rows.iter().map(units::from_row).collect()
}

/// Makes the scheme rank exactly `wanted`, with their categories and self-assessed leaves. A
/// unit that has entries or items cannot leave: the foreign keys refuse it (`MissingReference`).
pub async fn set_members(conn: &mut AnyConnection, scheme: SchemeId, wanted: &[Member]) -> Result<()> {
    for current in members(conn, scheme).await? {
        if !wanted.iter().any(|m| m.unit_id == current.unit_id) {
            sqlx::query("DELETE FROM evaluation_units WHERE scheme_id = $1 AND unit_id = $2")
                .bind(scheme.0)
                .bind(current.unit_id.0)
                .execute(&mut *conn)
                .await?;
        }
    }
    for member in wanted {
        sqlx::query(
            "INSERT INTO evaluation_units (scheme_id, unit_id, category) VALUES ($1, $2, $3)
             ON CONFLICT (scheme_id, unit_id) DO UPDATE SET category = $3",
        )
        .bind(scheme.0)
        .bind(member.unit_id.0)
        .bind(member.category.clone())
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM evaluation_self_leaves WHERE scheme_id = $1 AND unit_id = $2")
            .bind(scheme.0)
            .bind(member.unit_id.0)
            .execute(&mut *conn)
            .await?;
        for leaf in &member.self_leaves {
            sqlx::query("INSERT INTO evaluation_self_leaves (scheme_id, unit_id, leaf_code) VALUES ($1, $2, $3)")
                .bind(scheme.0)
                .bind(member.unit_id.0)
                .bind(leaf.clone())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
