//! The store on both backends: schema parity, subtree queries, moves and optimistic locking.

use pacesetter_domain::{Timestamp, UnitKind, unit::UnitFields};
use pacesetter_store::{Backend, StoreError, units};
use pacesetter_testkit::{TestDb, backend_test};

fn fields(kind: UnitKind, code: &str, name: &str) -> UnitFields {
    UnitFields {
        kind,
        code: Some(code.into()),
        name: name.into(),
        name_bo: None,
        name_en: None,
        category: None,
        aliases: Vec::new(),
    }
}

backend_test! {
    async fn subtrees_moves_and_versions_behave_the_same_on_every_backend(backend: Backend) {
        let db = TestDb::new(backend).await;
        let mut tx = db.store.write().await.unwrap();
        let now = Timestamp::now();
        let region = units::insert(&mut tx, None, &fields(UnitKind::Region, "R", "区"), now).await.unwrap();
        let a = units::insert(&mut tx, Some(&region), &fields(UnitKind::Prefecture, "A", "甲市"), now).await.unwrap();
        let b = units::insert(&mut tx, Some(&region), &fields(UnitKind::Prefecture, "B", "乙市"), now).await.unwrap();
        let county = units::insert(&mut tx, Some(&a), &fields(UnitKind::County, "A1", "甲县"), now).await.unwrap();
        tx.commit().await.unwrap();

        let mut conn = db.store.read().await.unwrap();
        let filter = units::UnitFilter { within: vec![a.path.clone()], limit: 50, ..Default::default() };
        let (seen, total) = units::list(&mut conn, &filter).await.unwrap();
        assert_eq!(total, 2, "{backend:?}: a prefecture sees itself and its county");
        assert!(seen.iter().all(|u| u.path.is_within(&a.path)));
        assert_eq!(units::count_below(&mut conn, &region.path).await.unwrap(), 3);
        // LIKE wildcards in a search are taken literally.
        let filter = units::UnitFilter {
            within: vec![region.path.clone()],
            query: Some("%".into()),
            limit: 50,
            ..Default::default()
        };
        assert_eq!(units::list(&mut conn, &filter).await.unwrap().1, 0, "{backend:?}");
        drop(conn);

        let mut tx = db.store.write().await.unwrap();
        let moved = units::move_to(&mut tx, &county, county.version, &b, now).await.unwrap();
        assert_eq!(moved.path, b.path.child(county.id));
        assert_eq!(moved.version, county.version + 1);
        let stale =
            units::update(&mut tx, county.id, county.version, &fields(UnitKind::County, "A1", "改名"), now).await;
        assert!(matches!(stale, Err(StoreError::Stale)), "{backend:?}: {stale:?}");
        let duplicate = units::insert(&mut tx, Some(&b), &fields(UnitKind::County, "A1", "重复"), now).await;
        assert!(matches!(duplicate, Err(StoreError::Duplicate("code"))), "{backend:?}: {duplicate:?}");
        tx.commit().await.unwrap();
        db.remove().await;
    }
}

#[tokio::test]
async fn an_edited_migration_or_a_newer_database_is_refused() {
    let db = TestDb::new(Backend::Sqlite).await;
    let mut tx = db.store.write().await.unwrap();
    // A migration this build does not know: as if a newer binary had run first.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'future', TRUE, X'00', 0)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let error = pacesetter_store::Store::connect(&db.url).await.unwrap_err();
    assert!(matches!(error, StoreError::Migrate(_)), "{error}");
    db.remove().await;
}

backend_test! {
    async fn report_counts_match_the_events_they_count(t) {
        let lhasa = t.token("lhasa").await;
        // One more report through the API, on top of the demo's history.
        let mine = t.get("/api/v1/assignments?state=in_progress", &lhasa).await.json();
        let assignment = &mine["items"][0]["assignment"];
        let request = axum::http::Request::post(format!("/api/v1/assignments/{}/updates", assignment["id"]))
            .header(
                "authorization",
                match &lhasa {
                    pacesetter_testkit::Auth::Bearer(t) => format!("Bearer {t}"),
                    _ => unreachable!(),
                },
            )
            .header("content-type", "application/json")
            .header("if-match", format!("\"{}\"", assignment["version"]))
            .body(axum::body::Body::from(serde_json::json!({"percent": 99, "narrative": "接近完成"}).to_string()))
            .unwrap();
        assert_eq!(t.send(request).await.status, axum::http::StatusCode::OK);
        let mut conn = t.db.store.read().await.unwrap();
        let campaign = pacesetter_store::campaigns::all(&mut conn).await.unwrap().remove(0);
        let far = |years: i64| pacesetter_domain::Timestamp::now().plus_seconds(years * 365 * 86_400);
        let mut counted =
            pacesetter_store::assignments::reports_per_hour(&mut conn, campaign.id, far(-10), far(1)).await.unwrap();
        let rows = sqlx::query(
            "SELECT SUBSTR(e.at, 1, 13) AS hour, COUNT(*) AS n FROM assignment_events e
             JOIN assignments a ON a.id = e.assignment_id JOIN plan_items i ON i.id = a.item_id
             WHERE i.campaign_id = $1 AND e.step IN ('update', 'report') GROUP BY SUBSTR(e.at, 1, 13)",
        )
        .bind(campaign.id.0)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let mut direct: Vec<(String, i64)> =
            rows.iter().map(|r| (sqlx::Row::get::<String, _>(r, "hour"), sqlx::Row::get::<i64, _>(r, "n"))).collect();
        let mut counted: Vec<(String, i64)> =
            counted.drain(..).map(|(at, n)| (at.to_db().chars().take(13).collect(), n)).collect();
        direct.sort();
        counted.sort();
        assert!(direct.len() > 10, "the demo's history and today's report: {}", direct.len());
        assert_eq!(counted, direct);

        // Per unit and week (of China Standard Time), as the drilled-down trend reads them.
        let weeks = sqlx::query(
            "SELECT a.unit_id, e.at FROM assignment_events e
             JOIN assignments a ON a.id = e.assignment_id JOIN plan_items i ON i.id = a.item_id
             WHERE i.campaign_id = $1 AND e.step IN ('update', 'report')",
        )
        .bind(campaign.id.0)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let mut direct = std::collections::BTreeMap::<(i64, String), i64>::new();
        for row in &weeks {
            let at = pacesetter_domain::Timestamp::parse(&sqlx::Row::get::<String, _>(row, "at")).unwrap();
            let week = pacesetter_store::assignments::week_of(at.date_cst()).to_string();
            *direct.entry((sqlx::Row::get::<i64, _>(row, "unit_id"), week)).or_default() += 1;
        }
        let stored = sqlx::query("SELECT unit_id, week, reports FROM unit_report_counts WHERE campaign_id = $1")
            .bind(campaign.id.0)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let stored: std::collections::BTreeMap<(i64, String), i64> = stored
            .iter()
            .map(|r| ((sqlx::Row::get(r, "unit_id"), sqlx::Row::get(r, "week")), sqlx::Row::get(r, "reports")))
            .collect();
        assert_eq!(stored, direct);

        // A database upgraded from before migration 22 counts its earlier reports the same way:
        // the migration's backfill, run again on the demo's events, gives the counters kept live.
        let migration = match t.backend {
            pacesetter_store::Backend::Sqlite => include_str!("../../../store/migrations/sqlite/0022_unit_report_counts.sql"),
            pacesetter_store::Backend::Postgres => include_str!("../../../store/migrations/postgres/0022_unit_report_counts.sql"),
        };
        let backfill = &migration[migration.find("INSERT INTO unit_report_counts").unwrap()..];
        sqlx::query("DELETE FROM unit_report_counts").execute(&mut *conn).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(backfill.to_owned())).execute(&mut *conn).await.unwrap();
        let again = sqlx::query("SELECT unit_id, week, reports FROM unit_report_counts WHERE campaign_id = $1")
            .bind(campaign.id.0)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let again: std::collections::BTreeMap<(i64, String), i64> = again
            .iter()
            .map(|r| ((sqlx::Row::get(r, "unit_id"), sqlx::Row::get(r, "week")), sqlx::Row::get(r, "reports")))
            .collect();
        assert_eq!(again, stored, "the backfill counts as the live counters do");
    }
}

#[tokio::test]
async fn a_damaged_database_file_is_refused_at_start_and_named() {
    let dir = std::env::temp_dir().join(format!("pacesetter-damaged-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = pacesetter_store::Store::sqlite_url(&dir);
    let store = pacesetter_store::Store::connect(&url).await.unwrap();
    let config = pacesetter::Config { data_dir: dir.clone(), ..pacesetter::Config::default() };
    let app = pacesetter::server::app(&config, store.clone());
    pacesetter_app::demo::seed(&app).await.unwrap();
    store.close().await;
    // What a copy taken while the server wrote looks like: pages of the file overwritten.
    let path = dir.join("pacesetter.db");
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(
        !dir.join("pacesetter.db-wal").exists() || std::fs::metadata(dir.join("pacesetter.db-wal")).unwrap().len() == 0
    );
    let half = bytes.len() / 2;
    for byte in &mut bytes[half..] {
        *byte = 0x55;
    }
    std::fs::write(&path, &bytes).unwrap();

    let Err(refused) = pacesetter_store::Store::connect(&url).await else { panic!("a damaged file is served") };
    assert!(matches!(refused, StoreError::Damaged(_)), "{refused:?}");
    let migrate = std::process::Command::new(env!("CARGO_BIN_EXE_pacesetter"))
        .args(["migrate", "--data-dir", dir.to_str().unwrap()])
        .env_remove("PACESETTER_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!migrate.status.success());
    assert!(
        String::from_utf8_lossy(&migrate.stderr).contains("damaged"),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_page_cache_is_shared_out_among_the_connections() {
    use pacesetter_store::StoreOptions;
    let share = |mib| StoreOptions { sqlite_cache_mib: mib }.sqlite_cache_size(8);
    assert_eq!((share(64), share(256), share(1)), (-8192, -32768, -2048), "KiB per connection, at least 2 MiB");

    let dir = std::env::temp_dir().join(format!("pacesetter-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = pacesetter_store::Store::sqlite_url(&dir);
    let store = pacesetter_store::Store::connect_with(&url, StoreOptions { sqlite_cache_mib: 128 }).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let (cache_size,): (i64,) = sqlx::query_as("PRAGMA cache_size").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(cache_size, -16384, "every connection of the pool takes its share");
    drop(conn);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// `.cargo/config.toml` builds the bundled SQLite without memory statistics (a mutex on every
/// allocation); a build that lost the setting would be slower, not wrong, so only this notices.
#[tokio::test]
async fn sqlite_is_built_without_memory_statistics() {
    let dir = std::env::temp_dir().join(format!("pacesetter-memstatus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = pacesetter_store::Store::connect(&pacesetter_store::Store::sqlite_url(&dir)).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let options: Vec<(String,)> = sqlx::query_as("PRAGMA compile_options").fetch_all(&mut *conn).await.unwrap();
    assert!(options.iter().any(|(o,)| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    drop(conn);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
