//! Names in the order their readers expect (decision 0023): the stored sort keys of units' and
//! people's names. Each module makes its rows' keys on every write; here they are made for rows
//! written without them (by an older release, or straight in SQL), and all again when the
//! collation changed since they were made, as a key is only valid for the rules that made it.

use pacesetter_domain::{Locale, collation};
use sqlx::{AssertSqlSafe, Row};

use crate::Result;

/// The sort key of a name in Chinese order.
pub(crate) fn sort_zh(name: &str) -> Vec<u8> {
    collation::sort_key(Locale::ZhHans, name)
}

/// The sort key of a name in Tibetan order, if there is one and it is written in Tibetan: a
/// Tibetan reader's list has the Tibetan names first, the others after by their Chinese key.
pub(crate) fn sort_bo(name: Option<&str>) -> Option<Vec<u8>> {
    let tibetan = |name: &&str| name.chars().any(|c| ('\u{0F00}'..='\u{0FFF}').contains(&c));
    name.filter(tibetan).map(|name| collation::sort_key(Locale::Bo, name))
}

/// A table whose rows keep `sort_zh` and `sort_bo`: the column the Chinese key is made of, and
/// the one the Tibetan key is made of (a person's one name makes both).
struct Keyed {
    table: &'static str,
    name: &'static str,
    name_bo: &'static str,
}

const KEYED: [Keyed; 2] = [
    Keyed { table: "units", name: "name", name_bo: "name_bo" },
    Keyed { table: "users", name: "display_name", name_bo: "display_name" },
];

/// Rows to a transaction, so that no write waits long.
const BATCH: usize = 500;

/// Makes the sort keys that are missing, or every one when the collation changed; returns how
/// many rows it keyed.
pub async fn keep(store: &crate::Store) -> Result<u64> {
    let stored: String = {
        let mut conn = store.read().await?;
        sqlx::query("SELECT version FROM collation_state WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?
            .try_get("version")?
    };
    let every = stored != collation::VERSION;
    let mut made = 0;
    for keyed in &KEYED {
        made += keep_table(store, keyed, every).await?;
    }
    // The version is written only when it changed: a start with nothing to remake writes nothing.
    if every {
        let mut tx = store.write_alone().await?;
        sqlx::query("UPDATE collation_state SET version = $1 WHERE id = 1")
            .bind(collation::VERSION)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(made)
}

async fn keep_table(store: &crate::Store, keyed: &Keyed, every: bool) -> Result<u64> {
    let Keyed { table, name, name_bo } = keyed;
    let missing = if every { "" } else { "AND sort_zh IS NULL" };
    let select = format!(
        "SELECT id, {name} AS name, {name_bo} AS name_bo FROM {table} WHERE id > $1 {missing} ORDER BY id LIMIT {BATCH}"
    );
    let update = format!("UPDATE {table} SET sort_zh = $1, sort_bo = $2 WHERE id = $3");
    let (mut after, mut made) = (0i64, 0u64);
    loop {
        let mut tx = store.write_alone().await?;
        let rows = sqlx::query(AssertSqlSafe(select.clone())).bind(after).fetch_all(&mut *tx).await?;
        for row in &rows {
            let (id, name, name_bo): (i64, String, Option<String>) =
                (row.try_get("id")?, row.try_get("name")?, row.try_get("name_bo")?);
            sqlx::query(AssertSqlSafe(update.clone()))
                .bind(sort_zh(&name))
                .bind(sort_bo(name_bo.as_deref()))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            after = id;
        }
        tx.commit().await?;
        made += rows.len() as u64;
        if rows.len() < BATCH {
            return Ok(made);
        }
    }
}
