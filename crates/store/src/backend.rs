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
}
