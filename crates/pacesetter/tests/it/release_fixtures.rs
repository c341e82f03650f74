//! Every release's own database opens with this build, data and all (issue 13): the fixtures in
//! `tests/fixtures/releases/` are the demo campaign as each release wrote it (made with that
//! release's binary by `scripts/release_fixture.py`). Opened here, each is migrated to the
//! latest schema with every row kept, its audit chain intact against its anchor, and its people
//! sign in and read their pages and API as before.

use std::{
    io::Read,
    path::{Path, PathBuf},
};

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use pacesetter::{
    config::{Config, SecondFactor},
    server,
};
use pacesetter_app::{audit::Verdict, demo};
use sqlx::{Connection, Row};
use tower::ServiceExt;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/releases");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "zip"))
        .collect();
    found.sort();
    found
}

/// Writes the fixture's database and anchor into `dir`, as the release left its data directory
/// (its uploaded files aside); returns the number of rows of each table.
async fn unpack(fixture: &Path, dir: &Path) -> Vec<(String, i64)> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(fixture).unwrap()).unwrap();
    let mut sql = String::new();
    archive.by_name("pacesetter.sql").unwrap().read_to_string(&mut sql).unwrap();
    let mut anchor = Vec::new();
    archive.by_name("audit-anchor").unwrap().read_to_end(&mut anchor).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("audit-anchor"), anchor).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("pacesetter.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    // The dump creates its tables in name order, some after the tables that refer to them: the
    // references are checked once all is in.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA foreign_keys = OFF;\n{sql}"))).execute(&mut conn).await.unwrap();
    let dangling = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut conn).await.unwrap();
    assert!(dangling.is_empty(), "{}: {} rows refer to nothing", fixture.display(), dangling.len());
    row_counts(&mut conn).await
}

async fn row_counts(conn: &mut sqlx::SqliteConnection) -> Vec<(String, i64)> {
    let names: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get("name"))
    .collect();
    let mut counts = Vec::new();
    for name in names {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM \"{name}\"")))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        counts.push((name, row.get("n")));
    }
    counts
}

async fn send(router: &axum::Router, request: Request<Body>) -> (StatusCode, Vec<String>, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, cookies, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn every_release_fixture_upgrades_with_its_data() {
    let found = fixtures();
    assert!(!found.is_empty(), "at least one release fixture");
    for fixture in found {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let dir = std::env::temp_dir().join(format!("pacesetter-release-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let before = unpack(&fixture, &dir).await;

        let config = Config { data_dir: dir.clone(), second_factor: Some(SecondFactor::Optional), ..Config::default() };
        let store = server::open_store(&config).await.unwrap_or_else(|e| panic!("{name} opens: {e}"));
        // Migration 25 counted the tasks it found.
        crate::inspection_follow_up::assignment_years_agree(&mut store.read().await.unwrap()).await;
        let app = server::app(&config, store.clone());
        match pacesetter_app::audit::verify(&app).await.unwrap() {
            Verdict::Intact { records } => assert!(records > 0, "{name}: an audit chain"),
            Verdict::Broken(why) => panic!("{name}: the audit chain broke on upgrade: {why}"),
        }
        let router = server::router(&config, app, false).unwrap();

        // The liaison of Lhasa signs in to the pages and reads its tasks; a script reads them too.
        let login = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(format!("username=lhasa&password={}&next=%2Fassignments", demo::DEMO_PASSWORD)))
            .unwrap();
        let (status, cookies, _) = send(&router, login).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: lhasa signs in");
        let cookie = cookies.iter().find(|c| c.starts_with("pacesetter_session=")).expect("a session");
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let page = Request::get("/assignments").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        let (status, _, body) = send(&router, page).await;
        assert_eq!(status, StatusCode::OK, "{name}: the tasks page");
        assert!(body.contains("拉萨"), "{name}: Lhasa's tasks");
        let token = Request::post("/api/v1/auth/token")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(r#"{{"username":"office","password":"{}"}}"#, demo::DEMO_PASSWORD)))
            .unwrap();
        let (status, _, body) = send(&router, token).await;
        assert_eq!(status, StatusCode::OK, "{name}: the office's token");
        let token: serde_json::Value = serde_json::from_str(&body).unwrap();
        let list = Request::get("/api/v1/assignments?per_page=5")
            .header(header::AUTHORIZATION, format!("Bearer {}", token["token"].as_str().unwrap()))
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = send(&router, list).await;
        assert_eq!(status, StatusCode::OK, "{name}: the assignments API: {body}");
        store.close().await;

        // Every table the release had keeps every row it had (the sign-ins above add sessions,
        // tokens and audit records only).
        let url = format!("sqlite://{}?mode=ro", dir.join("pacesetter.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let after = row_counts(&mut conn).await;
        let version: i64 =
            sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations").fetch_one(&mut conn).await.unwrap().get("v");
        assert_eq!(version, pacesetter_store::snapshot::LATEST_SCHEMA, "{name}: migrated to the latest");
        for (table, rows) in before {
            let now = after.iter().find(|(t, _)| *t == table).map(|(_, n)| *n);
            let grows = ["sessions", "api_tokens", "audit_log", "login_known_addresses"].contains(&table.as_str());
            match now {
                Some(now) if grows => assert!(now >= rows, "{name}: {table} had {rows}, has {now}"),
                Some(now) => assert_eq!(now, rows, "{name}: {table} keeps its rows"),
                None => panic!("{name}: the table {table} is gone"),
            }
        }
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
