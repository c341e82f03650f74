//! Scorecards: each scheme member's answers, kept compact on its `evaluation_units` row and
//! rewritten in the same transaction as every entry saved, so that a run reads one row per
//! unit (`domain::evaluation::scorecard`). They can always be built again from the entries.

use pacesetter_domain::{
    UnitId,
    evaluation::{
        records::{SchemeId, ScoreEntry},
        scorecard::{Mark, Scorecard},
    },
};
use sqlx::{AnyConnection, Row};

use crate::{Result, evaluations::decode_error};

/// A unit's scorecard as stored: empty when it has no answers yet.
pub async fn get(conn: &mut AnyConnection, scheme: SchemeId, unit: UnitId) -> Result<Scorecard> {
    let row = sqlx::query("SELECT scorecard FROM evaluation_units WHERE scheme_id = $1 AND unit_id = $2")
        .bind(scheme.0)
        .bind(unit.0)
        .fetch_optional(&mut *conn)
        .await?;
    let text: String = match row {
        Some(row) => row.try_get("scorecard")?,
        None => String::new(),
    };
    Scorecard::parse(&text).map_err(|_| decode_error("scorecard"))
}

async fn put(conn: &mut AnyConnection, scheme: SchemeId, unit: UnitId, card: &Scorecard) -> Result<()> {
    sqlx::query("UPDATE evaluation_units SET scorecard = $1 WHERE scheme_id = $2 AND unit_id = $3")
        .bind(card.to_text())
        .bind(scheme.0)
        .bind(unit.0)
        .execute(conn)
        .await?;
    Ok(())
}

fn mark(entry: &ScoreEntry) -> Mark {
    Mark { answer: entry.answer.clone(), evidence: entry.evidence.clone(), comment: entry.comment.clone() }
}

/// Writes a saved entry into its unit's scorecard.
pub async fn record(conn: &mut AnyConnection, entry: &ScoreEntry) -> Result<()> {
    let mut card = get(conn, entry.scheme_id, entry.unit_id).await?;
    card.set(entry.source, &entry.leaf, mark(entry));
    put(conn, entry.scheme_id, entry.unit_id, &card).await
}

/// Builds every scorecard of a scheme again from its entries, a page of units at a time.
pub async fn rebuild(conn: &mut AnyConnection, scheme: SchemeId) -> Result<()> {
    const PAGE: i64 = 500;
    let mut after = 0_i64;
    loop {
        let units: Vec<i64> = sqlx::query(
            "SELECT unit_id FROM evaluation_units WHERE scheme_id = $1 AND unit_id > $2 ORDER BY unit_id LIMIT $3",
        )
        .bind(scheme.0)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get("unit_id"))
        .collect::<std::result::Result<_, _>>()?;
        let (Some(first), Some(last)) = (units.first(), units.last()) else { break };
        let entries = crate::evaluations::entries_between(conn, scheme, UnitId(*first), UnitId(*last)).await?;
        let mut entries = entries.iter().peekable();
        for unit in &units {
            let mut card = Scorecard::default();
            while let Some(entry) = entries.next_if(|e| e.unit_id.0 == *unit) {
                card.set(entry.source, &entry.leaf, mark(entry));
            }
            put(conn, scheme, UnitId(*unit), &card).await?;
        }
        after = *last;
    }
    sqlx::query("DELETE FROM evaluation_scorecards_pending WHERE scheme_id = $1").bind(scheme.0).execute(conn).await?;
    Ok(())
}

/// Schemes whose scorecards are still to be built (from before migration 11).
pub async fn pending(conn: &mut AnyConnection) -> Result<Vec<SchemeId>> {
    let rows =
        sqlx::query("SELECT scheme_id FROM evaluation_scorecards_pending ORDER BY scheme_id").fetch_all(conn).await?;
    rows.iter().map(|row| Ok(SchemeId(row.try_get("scheme_id")?))).collect()
}

/// A member as a run reads it: its category and scorecard text, verbatim.
#[derive(Debug, Clone)]
pub struct MemberCard {
    pub unit: UnitId,
    pub category: String,
    pub scorecard: String,
}

/// Up to `limit` members of a scheme after unit `after`, in unit order.
pub async fn page(conn: &mut AnyConnection, scheme: SchemeId, after: UnitId, limit: i64) -> Result<Vec<MemberCard>> {
    let rows = sqlx::query(
        "SELECT unit_id, category, scorecard FROM evaluation_units WHERE scheme_id = $1 AND unit_id > $2
         ORDER BY unit_id LIMIT $3",
    )
    .bind(scheme.0)
    .bind(after.0)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MemberCard {
                unit: UnitId(row.try_get("unit_id")?),
                category: row.try_get("category")?,
                scorecard: row.try_get("scorecard")?,
            })
        })
        .collect()
}
