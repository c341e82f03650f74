//! Campaigns and their plan levels.

use pacesetter_domain::{
    Timestamp, UnitId,
    ids::CampaignId,
    light::Thresholds,
    plan::{Campaign, CampaignFields, DocumentLanguage, PlanLevel},
    rollup::RollupRule,
    timestamp::{format_date, parse_date},
    unit::Unit,
};
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{
    Result, StoreError,
    row::{self, Columns, aliased},
    units,
};

pub(crate) const COLUMNS: &str = "id, name, name_bo, year, starts_on, ends_on, office_unit_id, yellow_at, red_at, \
                       approval_required, public_page, keep_photo_location, documents_language, as_of, carried_from_id, version, \
                       created_at";

fn decode_error(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("bad {what}").into()))
}

pub(crate) fn date(row: &AnyRow, column: &str) -> Result<time::Date> {
    let text: String = row.try_get(column)?;
    parse_date(&text).ok_or_else(|| decode_error(column))
}

pub(crate) fn opt_date(row: &AnyRow, column: &str) -> Result<Option<time::Date>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| parse_date(&t).ok_or_else(|| decode_error(column))).transpose()
}

fn from_row(row: &AnyRow) -> Result<Campaign> {
    from_columns(row, Columns::PLAIN)
}

/// [`from_row`] with the columns named as `c` says.
pub(crate) fn from_columns(row: &AnyRow, c: Columns) -> Result<Campaign> {
    Ok(Campaign {
        id: CampaignId(row.try_get(&*c.name("id"))?),
        name: row.try_get(&*c.name("name"))?,
        name_bo: row.try_get(&*c.name("name_bo"))?,
        year: row.try_get::<i64, _>(&*c.name("year"))? as i32,
        starts_on: date(row, &c.name("starts_on"))?,
        ends_on: date(row, &c.name("ends_on"))?,
        office_unit_id: UnitId(row.try_get(&*c.name("office_unit_id"))?),
        thresholds: Thresholds {
            yellow_at: row.try_get::<i64, _>(&*c.name("yellow_at"))? as u32,
            red_at: row.try_get::<i64, _>(&*c.name("red_at"))? as u32,
        },
        approval_required: row.try_get::<i64, _>(&*c.name("approval_required"))? == 1,
        public_page: row.try_get::<i64, _>(&*c.name("public_page"))? == 1,
        keep_photo_location: row.try_get::<i64, _>(&*c.name("keep_photo_location"))? == 1,
        documents_language: DocumentLanguage::parse(&row.try_get::<String, _>(&*c.name("documents_language"))?)
            .ok_or_else(|| crate::evaluations::decode_error("documents language"))?,
        as_of: opt_date(row, &c.name("as_of"))?,
        carried_from: row.try_get::<Option<i64>, _>(&*c.name("carried_from_id"))?.map(CampaignId),
        version: row.try_get(&*c.name("version"))?,
        created_at: row::timestamp(row, &c.name("created_at"))?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    fields: &CampaignFields,
    office: UnitId,
    carried_from: Option<CampaignId>,
    now: Timestamp,
) -> Result<Campaign> {
    let row = sqlx::query(
        "INSERT INTO campaigns (name, name_bo, year, starts_on, ends_on, office_unit_id, yellow_at, red_at,
             approval_required, public_page, as_of, carried_from_id, created_at, updated_at, keep_photo_location,
             documents_language)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15) RETURNING id",
    )
    .bind(fields.name.clone())
    .bind(fields.name_bo.clone())
    .bind(i64::from(fields.year))
    .bind(format_date(fields.starts_on))
    .bind(format_date(fields.ends_on))
    .bind(office.0)
    .bind(i64::from(fields.thresholds.yellow_at))
    .bind(i64::from(fields.thresholds.red_at))
    .bind(i64::from(fields.approval_required))
    .bind(i64::from(fields.public_page))
    .bind(fields.as_of.map(format_date))
    .bind(carried_from.map(|c| c.0))
    .bind(now.to_db())
    .bind(i64::from(fields.keep_photo_location))
    .bind(fields.documents_language.as_str())
    .fetch_one(&mut *conn)
    .await?;
    get(conn, CampaignId(row.try_get("id")?)).await
}

pub async fn get(conn: &mut AnyConnection, id: CampaignId) -> Result<Campaign> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// A campaign with its office's unit, in one statement.
pub async fn with_office(conn: &mut AnyConnection, id: CampaignId) -> Result<(Campaign, Unit)> {
    let sql = format!(
        "SELECT {}, {} FROM campaigns c JOIN units o ON o.id = c.office_unit_id WHERE c.id = $1",
        aliased(COLUMNS, "c", "c_"),
        aliased(units::COLUMNS, "o", "o_"),
    );
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id.0).fetch_optional(conn).await?.ok_or(StoreError::NotFound)?;
    Ok((from_columns(&row, Columns::prefixed("c_"))?, units::from_columns(&row, Columns::prefixed("o_"))?))
}

/// Holds the campaign's row until the transaction ends (a no-op update takes PostgreSQL's row
/// lock; SQLite's write transaction already holds the database), so that two requests acting
/// on one campaign, such as two roll-overs, run one after the other.
pub async fn lock(conn: &mut AnyConnection, id: CampaignId) -> Result<()> {
    let done = sqlx::query("UPDATE campaigns SET version = version WHERE id = $1").bind(id.0).execute(conn).await?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// The campaign carried over from `id`, if it has been.
pub async fn carried_from(conn: &mut AnyConnection, id: CampaignId) -> Result<Option<Campaign>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM campaigns WHERE carried_from_id = $1 ORDER BY id LIMIT 1"
    )))
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every campaign, newest year first.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Campaign>> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT {COLUMNS} FROM campaigns ORDER BY year DESC, id DESC")))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn update(
    conn: &mut AnyConnection,
    id: CampaignId,
    version: i64,
    fields: &CampaignFields,
    now: Timestamp,
) -> Result<Campaign> {
    let result = sqlx::query(
        "UPDATE campaigns SET name = $1, name_bo = $2, year = $3, starts_on = $4, ends_on = $5, yellow_at = $6, red_at = $7,
             approval_required = $8, public_page = $9, as_of = $10, version = version + 1, updated_at = $11,
             keep_photo_location = $14, documents_language = $15
         WHERE id = $12 AND version = $13",
    )
    .bind(fields.name.clone())
    .bind(fields.name_bo.clone())
    .bind(i64::from(fields.year))
    .bind(format_date(fields.starts_on))
    .bind(format_date(fields.ends_on))
    .bind(i64::from(fields.thresholds.yellow_at))
    .bind(i64::from(fields.thresholds.red_at))
    .bind(i64::from(fields.approval_required))
    .bind(i64::from(fields.public_page))
    .bind(fields.as_of.map(format_date))
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .bind(i64::from(fields.keep_photo_location))
    .bind(fields.documents_language.as_str())
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get(conn, id).await));
    }
    get(conn, id).await
}

/// Replaces the campaign's levels.
pub async fn set_levels(conn: &mut AnyConnection, id: CampaignId, levels: &[PlanLevel]) -> Result<()> {
    sqlx::query("DELETE FROM plan_levels WHERE campaign_id = $1").bind(id.0).execute(&mut *conn).await?;
    for level in levels {
        sqlx::query("INSERT INTO plan_levels (campaign_id, depth, name, name_bo, rollup, is_task) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.0)
            .bind(i64::from(level.depth))
            .bind(level.name.clone())
            .bind(level.name_bo.clone())
            .bind(level.rollup.as_str())
            .bind(i64::from(level.is_task))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn levels(conn: &mut AnyConnection, id: CampaignId) -> Result<Vec<PlanLevel>> {
    let rows = sqlx::query(
        "SELECT depth, name, name_bo, rollup, is_task FROM plan_levels WHERE campaign_id = $1 ORDER BY depth",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let rollup: String = row.try_get("rollup")?;
            Ok(PlanLevel {
                depth: row.try_get::<i64, _>("depth")? as u8,
                name: row.try_get("name")?,
                name_bo: row.try_get("name_bo")?,
                rollup: RollupRule::parse(&rollup).ok_or_else(|| decode_error("rollup"))?,
                is_task: row.try_get::<i64, _>("is_task")? == 1,
            })
        })
        .collect()
}
