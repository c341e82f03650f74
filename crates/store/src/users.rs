//! Accounts.

use pacesetter_domain::{
    Locale, Timestamp, UnitId, UserId,
    user::{User, UserOrder},
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{
    Result, StoreError, row,
    sort_keys::{sort_bo, sort_zh},
    sql::{Bind, Where, escape_like},
};

pub(crate) const COLUMNS: &str = "id, username, display_name, unit_id, locale, disabled_at, version, created_at";

pub(crate) fn from_row(row: &AnyRow) -> Result<User> {
    let locale: Option<String> = row.try_get("locale")?;
    Ok(User {
        id: UserId(row.try_get("id")?),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        unit_id: UnitId(row.try_get("unit_id")?),
        locale: locale.as_deref().and_then(Locale::parse),
        disabled_at: row::opt_timestamp(row, "disabled_at")?,
        version: row.try_get("version")?,
        created_at: row::timestamp(row, "created_at")?,
    })
}

/// The fields of a new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub unit_id: UnitId,
    pub locale: Option<Locale>,
}

pub async fn insert(conn: &mut AnyConnection, user: &NewUser<'_>, now: Timestamp) -> Result<User> {
    let row = sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, unit_id, locale, created_at, updated_at, sort_zh,
             sort_bo)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id",
    )
    .bind(user.username.to_owned())
    .bind(user.display_name.to_owned())
    .bind(user.password_hash.to_owned())
    .bind(user.unit_id.0)
    .bind(user.locale.map(|l| l.tag()))
    .bind(now.to_db())
    .bind(sort_zh(user.display_name))
    .bind(sort_bo(Some(user.display_name)))
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::on_unique("username"))?;
    get(conn, UserId(row.try_get("id")?)).await
}

pub async fn get(conn: &mut AnyConnection, id: UserId) -> Result<User> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The account and its password hash, for signing in.
pub async fn find_for_login(conn: &mut AnyConnection, username: &str) -> Result<Option<(User, String)>> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = $1")))
        .bind(username.to_owned())
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => Ok(Some((from_row(&row)?, row.try_get("password_hash")?))),
        None => Ok(None),
    }
}

pub async fn find_by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<User>> {
    Ok(find_for_login(conn, username).await?.map(|(user, _)| user))
}

/// Accounts whose home unit lies in one of the subtrees, with an optional search.
/// Which people a list holds, and in what order.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserFilter<'a> {
    /// Only people whose home unit is this one.
    pub unit: Option<UnitId>,
    /// Only people whose username or name contains this.
    pub query: Option<&'a str>,
    pub order: UserOrder,
}

pub async fn list_within(
    conn: &mut AnyConnection,
    within: &[pacesetter_domain::UnitPath],
    UserFilter { unit, query, order }: UserFilter<'_>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<User>, i64)> {
    if within.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let mut filters = Where::default();
    filters.within("u.path", within);
    if let Some(unit) = unit {
        let p = filters.bind(Bind::Int(unit.0));
        filters.push(format!("s.unit_id = {p}"));
    }
    if let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) {
        let p = filters.bind(Bind::Text(format!("%{}%", escape_like(&query.to_lowercase()))));
        filters.push(format!("(s.username LIKE {p} ESCAPE '\\' OR LOWER(s.display_name) LIKE {p} ESCAPE '\\')"));
    }
    let where_sql = filters.sql();
    let from = "FROM users s JOIN units u ON u.id = s.unit_id";
    let total: i64 =
        filters.query(format!("SELECT COUNT(*) AS n {from} {where_sql}")).fetch_one(&mut *conn).await?.try_get("n")?;
    let columns = COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ");
    let rows = filters
        .query(format!(
            "SELECT {columns} {from} {where_sql} ORDER BY {} LIMIT {} OFFSET {}",
            match order {
                UserOrder::Username => "s.username",
                UserOrder::Name(Locale::Bo) => "(s.sort_bo IS NULL), s.sort_bo, s.sort_zh, s.username",
                UserOrder::Name(_) => "s.sort_zh, s.username",
            },
            limit.clamp(1, 1000),
            offset.max(0)
        ))
        .fetch_all(conn)
        .await?;
    Ok((rows.iter().map(from_row).collect::<Result<Vec<_>>>()?, total))
}

/// Updates name, home unit and language if `version` is still current.
pub async fn update(
    conn: &mut AnyConnection,
    id: UserId,
    version: i64,
    display_name: &str,
    unit_id: UnitId,
    locale: Option<Locale>,
    now: Timestamp,
) -> Result<User> {
    let result = sqlx::query(
        "UPDATE users SET display_name = $1, unit_id = $2, locale = $3, version = version + 1, updated_at = $4,
             sort_zh = $7, sort_bo = $8
         WHERE id = $5 AND version = $6",
    )
    .bind(display_name.to_owned())
    .bind(unit_id.0)
    .bind(locale.map(|l| l.tag()))
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .bind(sort_zh(display_name))
    .bind(sort_bo(Some(display_name)))
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get(conn, id).await));
    }
    get(conn, id).await
}

/// Sets the interface language a person chose (no version check: it is their own preference).
pub async fn set_locale(conn: &mut AnyConnection, id: UserId, locale: Option<Locale>, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3")
        .bind(locale.map(|l| l.tag()))
        .bind(now.to_db())
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password_hash(conn: &mut AnyConnection, id: UserId, hash: &str, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(hash.to_owned())
        .bind(now.to_db())
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_disabled(
    conn: &mut AnyConnection,
    id: UserId,
    version: i64,
    disabled_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<User> {
    let result = sqlx::query(
        "UPDATE users SET disabled_at = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
    )
    .bind(disabled_at.map(Timestamp::to_db))
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
