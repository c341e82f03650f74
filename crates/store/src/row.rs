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
