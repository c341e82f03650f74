//! Evaluation schemes, the units they rank, score entries and bonus/deduction/veto items.
//! Runs and appeals are in `evaluation_runs`.

mod members;

pub use members::{every_member, member, member_count, member_page, member_units, members, set_members};

use pacesetter_domain::{
    Timestamp, UnitId, UserId,
    evaluation::{
        Answer, Scheme, VetoEffect,
        records::{EntryId, Item, ItemEffect, ItemId, SchemeId, SchemeStatus, ScoreEntry, Source, StoredScheme},
    },
    evidence::EvidenceId,
    ids::CampaignId,
};
use rust_decimal::Decimal;
use sqlx::{AnyConnection, AssertSqlSafe, Row, any::AnyRow};

use crate::{Result, StoreError, row};

pub(crate) fn decode_error(what: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(format!("bad {what}").into()))
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|_| decode_error(column))
}

fn decimal(row: &AnyRow, column: &str) -> Result<Option<Decimal>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| t.parse::<Decimal>().map_err(|_| decode_error(column))).transpose()
}

const SCHEME_COLUMNS: &str = "id, campaign_id, name, name_bo, scheme_json, status, version, created_at, updated_at";

fn scheme_from_row(row: &AnyRow) -> Result<StoredScheme> {
    let status: String = row.try_get("status")?;
    Ok(StoredScheme {
        id: SchemeId(row.try_get("id")?),
        campaign_id: CampaignId(row.try_get("campaign_id")?),
        name: row.try_get("name")?,
        name_bo: row.try_get("name_bo")?,
        scheme: json(row, "scheme_json")?,
        status: SchemeStatus::parse(&status).ok_or_else(|| decode_error("status"))?,
        version: row.try_get("version")?,
        created_at: row::timestamp(row, "created_at")?,
        updated_at: row::timestamp(row, "updated_at")?,
    })
}

fn scheme_text(scheme: &Scheme) -> Result<String> {
    serde_json::to_string(scheme).map_err(|_| decode_error("scheme"))
}

pub async fn insert_scheme(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    (name, name_bo): (&str, Option<&str>),
    scheme: &Scheme,
    by: UserId,
    now: Timestamp,
) -> Result<StoredScheme> {
    let row = sqlx::query(
        "INSERT INTO evaluation_schemes (campaign_id, name, name_bo, scheme_json, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'draft', $5, $6, $6) RETURNING id",
    )
    .bind(campaign.0)
    .bind(name.to_owned())
    .bind(name_bo.map(str::to_owned))
    .bind(scheme_text(scheme)?)
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    get_scheme(conn, SchemeId(row.try_get("id")?)).await
}

pub async fn get_scheme(conn: &mut AnyConnection, id: SchemeId) -> Result<StoredScheme> {
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {SCHEME_COLUMNS} FROM evaluation_schemes WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    scheme_from_row(&row)
}

/// The schemes of one campaign, or of all, newest first.
pub async fn schemes(conn: &mut AnyConnection, campaign: Option<CampaignId>) -> Result<Vec<StoredScheme>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SCHEME_COLUMNS} FROM evaluation_schemes WHERE ($1 = 0 OR campaign_id = $1) ORDER BY id DESC"
    )))
    .bind(campaign.map_or(0, |c| c.0))
    .fetch_all(conn)
    .await?;
    rows.iter().map(scheme_from_row).collect()
}

/// Replaces names, scheme and status if `version` is current.
pub async fn update_scheme(
    conn: &mut AnyConnection,
    id: SchemeId,
    version: i64,
    (name, name_bo): (&str, Option<&str>),
    scheme: &Scheme,
    status: SchemeStatus,
    now: Timestamp,
) -> Result<StoredScheme> {
    let result = sqlx::query(
        "UPDATE evaluation_schemes SET name = $1, name_bo = $2, scheme_json = $3, status = $4, version = version + 1,
         updated_at = $5 WHERE id = $6 AND version = $7",
    )
    .bind(name.to_owned())
    .bind(name_bo.map(str::to_owned))
    .bind(scheme_text(scheme)?)
    .bind(status.as_str())
    .bind(now.to_db())
    .bind(id.0)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Err(crate::stale_unless_missing(get_scheme(conn, id).await));
    }
    get_scheme(conn, id).await
}

/// Marks a unit's self-assessment as handed in; false when it already was.
pub async fn submit(
    conn: &mut AnyConnection,
    scheme: SchemeId,
    unit: UnitId,
    by: UserId,
    now: Timestamp,
) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE evaluation_units SET submitted_at = $1, submitted_by = $2
         WHERE scheme_id = $3 AND unit_id = $4 AND submitted_at IS NULL",
    )
    .bind(now.to_db())
    .bind(by.0)
    .bind(scheme.0)
    .bind(unit.0)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

const ENTRY_COLUMNS: &str =
    "id, scheme_id, unit_id, leaf_code, source, answer_json, comment, entered_by, entered_at, version";

/// A scheme's entries, of one unit or (`None`) of all, by unit, leaf and source.
pub async fn entries(conn: &mut AnyConnection, scheme: SchemeId, unit: Option<UnitId>) -> Result<Vec<ScoreEntry>> {
    let (from, to) = unit.map_or((UnitId(i64::MIN), UnitId(i64::MAX)), |u| (u, u));
    entries_between(conn, scheme, from, to).await
}

/// The entries of the units `from..=to` (by id), ordered by unit, leaf and source.
pub async fn entries_between(
    conn: &mut AnyConnection,
    scheme: SchemeId,
    from: UnitId,
    to: UnitId,
) -> Result<Vec<ScoreEntry>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM evaluation_entries WHERE scheme_id = $1 AND unit_id BETWEEN $2 AND $3
         ORDER BY unit_id, leaf_code, source"
    )))
    .bind(scheme.0)
    .bind(from.0)
    .bind(to.0)
    .fetch_all(&mut *conn)
    .await?;
    let evidence = sqlx::query(
        "SELECT ee.entry_id, ee.evidence_id FROM evaluation_entry_evidence ee
         JOIN evaluation_entries e ON e.id = ee.entry_id
         WHERE e.scheme_id = $1 AND e.unit_id BETWEEN $2 AND $3 ORDER BY ee.entry_id, ee.evidence_id",
    )
    .bind(scheme.0)
    .bind(from.0)
    .bind(to.0)
    .fetch_all(&mut *conn)
    .await?;
    // Grouped once: scanning every link for every entry is quadratic at scale.
    let mut evidence_of: std::collections::HashMap<i64, Vec<EvidenceId>> = std::collections::HashMap::new();
    for link in &evidence {
        evidence_of.entry(link.try_get("entry_id")?).or_default().push(EvidenceId(link.try_get("evidence_id")?));
    }
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let source: String = row.try_get("source")?;
        let attached = evidence_of.remove(&id).unwrap_or_default();
        entries.push(ScoreEntry {
            id: EntryId(id),
            scheme_id: SchemeId(row.try_get("scheme_id")?),
            unit_id: UnitId(row.try_get("unit_id")?),
            leaf: row.try_get("leaf_code")?,
            source: Source::parse(&source).ok_or_else(|| decode_error("source"))?,
            answer: json::<Answer>(row, "answer_json")?,
            comment: row.try_get("comment")?,
            evidence: attached,
            entered_by: UserId(row.try_get("entered_by")?),
            entered_at: row::timestamp(row, "entered_at")?,
            version: row.try_get("version")?,
        });
    }
    Ok(entries)
}

/// What a scorer saves for a leaf.
pub struct NewEntry<'a> {
    pub scheme: SchemeId,
    pub unit: UnitId,
    pub leaf: &'a str,
    pub source: Source,
    pub answer: &'a Answer,
    pub comment: Option<&'a str>,
    pub evidence: &'a [EvidenceId],
    pub by: UserId,
}

/// Saves an entry: a new one when `version` is `None` and there is none yet, else an update of
/// the one at `version`. Anything else is `Stale`.
pub async fn save_entry(
    conn: &mut AnyConnection,
    new: &NewEntry<'_>,
    version: Option<i64>,
    now: Timestamp,
) -> Result<ScoreEntry> {
    let answer = serde_json::to_string(new.answer).map_err(|_| decode_error("answer"))?;
    let id: i64 = match version {
        None => sqlx::query(
            "INSERT INTO evaluation_entries (scheme_id, unit_id, leaf_code, source, answer_json, comment, entered_by, entered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.scheme.0)
        .bind(new.unit.0)
        .bind(new.leaf.to_owned())
        .bind(new.source.as_str())
        .bind(answer)
        .bind(new.comment.map(str::to_owned))
        .bind(new.by.0)
        .bind(now.to_db())
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => StoreError::Stale,
            other => other,
        })?
        .try_get("id")?,
        Some(version) => {
            let row = sqlx::query(
                "UPDATE evaluation_entries SET answer_json = $1, comment = $2, entered_by = $3, entered_at = $4,
                     version = version + 1
                 WHERE scheme_id = $5 AND unit_id = $6 AND leaf_code = $7 AND source = $8 AND version = $9 RETURNING id",
            )
            .bind(answer)
            .bind(new.comment.map(str::to_owned))
            .bind(new.by.0)
            .bind(now.to_db())
            .bind(new.scheme.0)
            .bind(new.unit.0)
            .bind(new.leaf.to_owned())
            .bind(new.source.as_str())
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?;
            row.ok_or(StoreError::Stale)?.try_get("id")?
        }
    };
    sqlx::query("DELETE FROM evaluation_entry_evidence WHERE entry_id = $1").bind(id).execute(&mut *conn).await?;
    for evidence in new.evidence {
        sqlx::query(
            "INSERT INTO evaluation_entry_evidence (entry_id, evidence_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(evidence.0)
        .execute(&mut *conn)
        .await?;
    }
    let saved = entries(conn, new.scheme, Some(new.unit))
        .await?
        .into_iter()
        .find(|e| e.id == EntryId(id))
        .ok_or(StoreError::NotFound)?;
    crate::scorecards::record(conn, &saved).await?;
    Ok(saved)
}

const ITEM_COLUMNS: &str = "id, scheme_id, unit_id, kind, points, cap, count, per, effect, effect_grade, source, \
                            source_link, created_by, created_at";

fn item_from_row(row: &AnyRow) -> Result<Item> {
    let kind: String = row.try_get("kind")?;
    let missing = || decode_error("item");
    let effect = match kind.as_str() {
        "bonus" => ItemEffect::Bonus {
            points: decimal(row, "points")?.ok_or_else(missing)?,
            cap: decimal(row, "cap")?.ok_or_else(missing)?,
        },
        "deduction" => ItemEffect::Deduction {
            count: u32::try_from(row.try_get::<Option<i64>, _>("count")?.ok_or_else(missing)?)
                .map_err(|_| missing())?,
            per: decimal(row, "per")?.ok_or_else(missing)?,
        },
        "veto" => {
            let effect: Option<String> = row.try_get("effect")?;
            let grade: Option<String> = row.try_get("effect_grade")?;
            ItemEffect::Veto {
                effect: match (effect.as_deref(), grade) {
                    (Some("fail"), _) => VetoEffect::Fail,
                    (Some("cap_grade"), Some(grade)) => VetoEffect::CapGrade { grade },
                    (Some("exclude_from_ranking"), _) => VetoEffect::ExcludeFromRanking,
                    _ => return Err(missing()),
                },
            }
        }
        _ => return Err(missing()),
    };
    Ok(Item {
        id: ItemId(row.try_get("id")?),
        scheme_id: SchemeId(row.try_get("scheme_id")?),
        unit_id: UnitId(row.try_get("unit_id")?),
        effect,
        source: row.try_get("source")?,
        source_link: row.try_get("source_link")?,
        created_by: UserId(row.try_get("created_by")?),
        created_at: row::timestamp(row, "created_at")?,
    })
}

/// An item to record.
pub struct NewItem<'a> {
    pub scheme: SchemeId,
    pub unit: UnitId,
    pub effect: &'a ItemEffect,
    pub source: &'a str,
    pub source_link: Option<&'a str>,
    pub by: UserId,
}

pub async fn insert_item(conn: &mut AnyConnection, new: &NewItem<'_>, now: Timestamp) -> Result<Item> {
    let NewItem { scheme, unit, effect, source, source_link, by } = *new;
    let (kind, points, cap, count, per, veto, grade) = match effect {
        ItemEffect::Bonus { points, cap } => {
            ("bonus", Some(points.to_string()), Some(cap.to_string()), None, None, None, None)
        }
        ItemEffect::Deduction { count, per } => {
            ("deduction", None, None, Some(i64::from(*count)), Some(per.to_string()), None, None)
        }
        ItemEffect::Veto { effect } => {
            let (name, grade) = match effect {
                VetoEffect::Fail => ("fail", None),
                VetoEffect::CapGrade { grade } => ("cap_grade", Some(grade.clone())),
                VetoEffect::ExcludeFromRanking => ("exclude_from_ranking", None),
            };
            ("veto", None, None, None, None, Some(name), grade)
        }
    };
    let row = sqlx::query(
        "INSERT INTO evaluation_items (scheme_id, unit_id, kind, points, cap, count, per, effect, effect_grade, source,
             source_link, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(scheme.0)
    .bind(unit.0)
    .bind(kind)
    .bind(points)
    .bind(cap)
    .bind(count)
    .bind(per)
    .bind(veto)
    .bind(grade)
    .bind(source.to_owned())
    .bind(source_link.map(str::to_owned))
    .bind(by.0)
    .bind(now.to_db())
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get("id")?;
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {ITEM_COLUMNS} FROM evaluation_items WHERE id = $1")))
        .bind(id)
        .fetch_one(conn)
        .await?;
    item_from_row(&row)
}

/// A scheme's items, of one unit or (`None`) of all, in the order they were recorded.
pub async fn items(conn: &mut AnyConnection, scheme: SchemeId, unit: Option<UnitId>) -> Result<Vec<Item>> {
    let (from, to) = unit.map_or((UnitId(i64::MIN), UnitId(i64::MAX)), |u| (u, u));
    items_between(conn, scheme, from, to).await
}

/// The items of the units `from..=to` (by id), ordered by unit and id.
pub async fn items_between(conn: &mut AnyConnection, scheme: SchemeId, from: UnitId, to: UnitId) -> Result<Vec<Item>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ITEM_COLUMNS} FROM evaluation_items WHERE scheme_id = $1 AND unit_id BETWEEN $2 AND $3
         ORDER BY unit_id, id"
    )))
    .bind(scheme.0)
    .bind(from.0)
    .bind(to.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(item_from_row).collect()
}

/// One page of a scheme's items, in unit-tree order and by id within a unit, and how many
/// there are in all.
pub async fn item_page(
    conn: &mut AnyConnection,
    scheme: SchemeId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Item>, i64)> {
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM evaluation_items WHERE scheme_id = $1")
        .bind(scheme.0)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let columns: Vec<String> = ITEM_COLUMNS.split(',').map(|c| format!("i.{}", c.trim())).collect();
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {} FROM evaluation_items i JOIN units u ON u.id = i.unit_id WHERE i.scheme_id = $1
         ORDER BY u.path, i.id LIMIT {} OFFSET {}",
        columns.join(", "),
        limit.clamp(1, 1000),
        offset.max(0),
    )))
    .bind(scheme.0)
    .fetch_all(conn)
    .await?;
    Ok((rows.iter().map(item_from_row).collect::<Result<_>>()?, total))
}
