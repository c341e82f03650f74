//! Chases (催办): the office or the inspectors pressing a unit on an assignment or a
//! rectification item, each kept with its message for the record's history and its count.

use pacesetter_domain::{Timestamp, UserId, ids::AssignmentId, inspection::records::RectificationId};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::{Result, row};

/// What is chased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Assignment(AssignmentId),
    Rectification(RectificationId),
}

impl Subject {
    /// The table its chases are kept in, the column naming it, and its id.
    fn kept_in(self) -> (&'static str, &'static str, i64) {
        match self {
            Self::Assignment(id) => ("assignment_chases", "assignment_id", id.0),
            Self::Rectification(id) => ("rectification_chases", "rectification_id", id.0),
        }
    }
}

/// A chase: who sent it, when, and the message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Chase {
    pub actor_name: String,
    pub message: Option<String>,
    pub at: Timestamp,
}

/// Records a chase of `what` by `actor`.
pub async fn add(
    conn: &mut AnyConnection,
    what: Subject,
    actor: UserId,
    message: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    let (table, column, id) = what.kept_in();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {table} ({column}, user_id, message, created_at) VALUES ($1, $2, $3, $4)"
    )))
    .bind(id)
    .bind(actor.0)
    .bind(message.map(str::to_owned))
    .bind(now.to_db())
    .execute(conn)
    .await?;
    Ok(())
}

/// The chases of `what`, oldest first.
pub async fn of(conn: &mut AnyConnection, what: Subject) -> Result<Vec<Chase>> {
    let (table, column, id) = what.kept_in();
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT u.display_name, c.message, c.created_at FROM {table} c JOIN users u ON u.id = c.user_id
         WHERE c.{column} = $1 ORDER BY c.id"
    )))
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Chase {
                actor_name: row.try_get("display_name")?,
                message: row.try_get("message")?,
                at: row::timestamp(row, "created_at")?,
            })
        })
        .collect()
}
