//! Small helpers for reading `Any` rows.

use pacesetter_domain::Timestamp;
use sqlx::{Row, any::AnyRow};

use crate::{Result, StoreError};

pub(crate) fn timestamp(row: &AnyRow, column: &str) -> Result<Timestamp> {
    let text: String = row.try_get(column)?;
    Timestamp::parse(&text)
        .ok_or_else(|| StoreError::Database(sqlx::Error::Decode(format!("bad timestamp in {column}").into())))
}

pub(crate) fn opt_timestamp(row: &AnyRow, column: &str) -> Result<Option<Timestamp>> {
    let text: Option<String> = row.try_get(column)?;
    Ok(text.as_deref().and_then(Timestamp::parse))
}

/// Where a decoder finds its columns: as they are named, or under a prefix when one query reads
/// the rows of several tables side by side (`Columns::prefixed("i_")` reads `i_id` for `id`;
/// the query names them with [`aliased`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Columns(&'static str);

impl Columns {
    pub(crate) const PLAIN: Self = Self("");

    pub(crate) const fn prefixed(prefix: &'static str) -> Self {
        Self(prefix)
    }

    /// The name `column` has in the row.
    pub(crate) fn name(self, column: &str) -> std::borrow::Cow<'_, str> {
        if self.0.is_empty() { column.into() } else { format!("{}{column}", self.0).into() }
    }
}

/// `columns` (a comma-separated list) of the table under `alias`, each renamed `{prefix}{column}`.
pub(crate) fn aliased(columns: &str, alias: &str, prefix: &str) -> String {
    columns
        .split(',')
        .map(|c| {
            let c = c.trim();
            let bare = c.rsplit('.').next().unwrap_or(c);
            format!("{alias}.{bare} AS {prefix}{bare}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
