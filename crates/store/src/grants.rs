//! Roles granted to users on units.

use pacesetter_domain::{Role, Timestamp, UnitId, UnitPath, UserId, ids::GrantId, permission::ScopedRole, user::Grant};
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{Result, StoreError, row};

fn from_row(row: &AnyRow) -> Result<Grant> {
    let role: String = row.try_get("role")?;
    Ok(Grant {
        id: GrantId(row.try_get("id")?),
        user_id: UserId(row.try_get("user_id")?),
        role: Role::parse(&role).ok_or(StoreError::Database(sqlx::Error::Decode("bad role".into())))?,
        unit_id: UnitId(row.try_get("unit_id")?),
        created_at: row::timestamp(row, "created_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, user: UserId, role: Role, unit: UnitId, now: Timestamp) -> Result<Grant> {
    let row = sqlx::query(
        "INSERT INTO grants (user_id, role, unit_id, created_at) VALUES ($1, $2, $3, $4)
         RETURNING id, user_id, role, unit_id, created_at",
    )
    .bind(user.0)
    .bind(role.as_str())
    .bind(unit.0)
    .bind(now.to_db())
    .fetch_one(conn)
    .await
    .map_err(StoreError::on_unique("grant"))?;
    from_row(&row)
}

pub async fn get(conn: &mut AnyConnection, id: GrantId) -> Result<Grant> {
    let row = sqlx::query("SELECT id, user_id, role, unit_id, created_at FROM grants WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn delete(conn: &mut AnyConnection, id: GrantId) -> Result<()> {
    let result = sqlx::query("DELETE FROM grants WHERE id = $1").bind(id.0).execute(conn).await?;
    if result.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub async fn for_user(conn: &mut AnyConnection, user: UserId) -> Result<Vec<Grant>> {
    let rows = sqlx::query("SELECT id, user_id, role, unit_id, created_at FROM grants WHERE user_id = $1 ORDER BY id")
        .bind(user.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn on_unit(conn: &mut AnyConnection, unit: UnitId) -> Result<Vec<Grant>> {
    let rows = sqlx::query("SELECT id, user_id, role, unit_id, created_at FROM grants WHERE unit_id = $1 ORDER BY id")
        .bind(unit.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The user's grants with the current path of each unit, for permission checks. Grants on
/// archived units still count: archiving hides a unit, it does not end anyone's duties.
pub async fn scope_of(conn: &mut AnyConnection, user: UserId) -> Result<Vec<ScopedRole>> {
    let rows = sqlx::query(
        "SELECT g.role, g.unit_id, u.path FROM grants g JOIN units u ON u.id = g.unit_id WHERE g.user_id = $1 ORDER BY g.id",
    )
    .bind(user.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| scoped_role(row, ["role", "unit_id", "path"])).collect()
}

/// A grant with its unit's path from a row, its role, unit id and path in the columns named.
pub(crate) fn scoped_role(row: &AnyRow, [role, unit_id, path]: [&str; 3]) -> Result<ScopedRole> {
    let role: String = row.try_get(role)?;
    Ok(ScopedRole {
        role: Role::parse(&role).ok_or(StoreError::Database(sqlx::Error::Decode("bad role".into())))?,
        unit_id: UnitId(row.try_get(unit_id)?),
        path: UnitPath::from_db(row.try_get(path)?),
    })
}
