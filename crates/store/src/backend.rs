//! The two supported databases and the few places where their SQL differs.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    /// The backend a connection talks to.
    pub(crate) fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") { Self::Sqlite } else { Self::Postgres }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    pub(crate) fn max_connections(self) -> u32 {
        match self {
            Self::Sqlite => 8,
            Self::Postgres => 16,
        }
    }

    /// Serialises appends to the audit chain within the current transaction. SQLite's
    /// `BEGIN IMMEDIATE` already holds the only write lock; PostgreSQL needs a lock.
    pub(crate) async fn lock_audit_chain(self, conn: &mut AnyConnection) -> Result<()> {
        if self == Self::Postgres {
            sqlx::query("LOCK TABLE audit_head IN EXCLUSIVE MODE").execute(conn).await?;
        }
        Ok(())
    }

    /// Whether a table of the application's schema exists.
    pub(crate) async fn table_exists(self, conn: &mut AnyConnection, table: &str) -> Result<bool> {
        let sql = match self {
            Self::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $1",
            Self::Postgres => {
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
            }
        };
        let n: i64 = sqlx::query_scalar(sql).bind(table.to_owned()).fetch_one(conn).await?;
        Ok(n > 0)
    }
}
