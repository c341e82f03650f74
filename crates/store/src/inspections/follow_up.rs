//! Following rectification items up: the items due for a reminder (claimed once through
//! `notifications::claim`).

use pacesetter_domain::{
    UserId,
    ids::CampaignId,
    inspection::records::{Rectification, RectificationId},
    timestamp::format_date,
};
use sqlx::{AnyConnection, Row};
use time::{Date, Duration};

use super::findings::rectification_from_row;
use crate::{
    Result,
    sql::{Bind, Where},
};

/// An item still awaiting its unit, with what a reminder about it names.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub item: Rectification,
    /// The finding's category (台账, 阵地…) and the round that found it.
    pub category: String,
    pub round: String,
    /// The inspector who recorded the finding.
    pub inspector: UserId,
}

/// A campaign's items awaiting their unit that are due `days_before` days after `today`, or
/// overdue, and that have not been reminded of that day; a page of `limit` after the id
/// `after`, in id order, as a reminder run reads them (see `assignments::due_for_reminders`).
pub async fn due_for_reminders(
    conn: &mut AnyConnection,
    campaign: CampaignId,
    today: Date,
    days_before: &[i64],
    after: RectificationId,
    limit: i64,
) -> Result<Vec<DueItem>> {
    let mut clauses = Where::default();
    let campaign_at = clauses.bind(Bind::Int(campaign.0));
    let today_at = clauses.bind(Bind::Text(format_date(today)));
    let soon: Vec<String> =
        days_before.iter().map(|d| clauses.bind(Bind::Text(format_date(today + Duration::days(*d))))).collect();
    clauses.push(format!("ro.campaign_id = {campaign_at}"));
    let after = clauses.bind(Bind::Int(after.0));
    clauses.push(format!("r.id > {after}"));
    clauses.push("r.state IN ('open', 'reopened')".to_owned());
    let due_soon = if soon.is_empty() { String::new() } else { format!(" OR r.due_on IN ({})", soon.join(", ")) };
    clauses.push(format!("(r.due_on < {today_at}{due_soon})"));
    let day = clauses.bind(Bind::Int(i64::from(today.to_julian_day())));
    clauses.push(format!(
        "NOT EXISTS (SELECT 1 FROM rectification_reminders s WHERE s.rectification_id = r.id AND s.day = {day})"
    ));
    let limit = clauses.bind(Bind::Int(limit));
    let sql = format!(
        "SELECT r.id, r.finding_id, r.unit_id, r.measure, r.given_on, r.due_on, r.state, r.version, r.updated_at,
             f.category, f.created_by, ro.name AS round_name
         FROM rectifications r JOIN findings f ON f.id = r.finding_id JOIN inspection_rounds ro ON ro.id = f.round_id
         {} ORDER BY r.id LIMIT {limit}",
        clauses.sql()
    );
    let rows = clauses.query(sql).fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            Ok(DueItem {
                item: rectification_from_row(row)?,
                category: row.try_get("category")?,
                round: row.try_get("round_name")?,
                inspector: UserId(row.try_get("created_by")?),
            })
        })
        .collect()
}
