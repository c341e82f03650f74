//! The audit chain: every change is recorded, and tampering is found.

use axum::http::Method;
use pacesetter_app::audit::{Verdict, verify};
use pacesetter_store::Backend;
use pacesetter_testkit::backend_test;
use serde_json::json;

backend_test! {
    async fn changes_are_chained_and_tampering_is_detected(t) {
        let office = t.token("office").await;
        let region = t.unit_id("540000").await;
        for n in 0..3 {
            let response = t
                .json(
                    Method::POST,
                    "/api/v1/units",
                    &office,
                    json!({"parent_id": region, "kind": "prefecture", "name": format!("审计{n}")}),
                )
                .await;
            assert_eq!(response.status, axum::http::StatusCode::CREATED);
        }
        let intact = verify(&t.app).await.unwrap();
        let Verdict::Intact { records } = intact else { panic!("{intact:?}") };
        assert!(records >= 5, "seed, token, three creates: {records}");

        let mut conn = t.db.store.read().await.unwrap();
        // The application cannot rewrite history.
        let refused =
            sqlx::query("UPDATE audit_log SET actor_name = 'someone' WHERE seq = 2").execute(&mut *conn).await;
        assert!(refused.is_err(), "{:?}", t.backend);
        // Someone with the database's owner rights switches the guard off and edits a record.
        match t.backend {
            Backend::Sqlite => {
                sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut *conn).await.unwrap();
                sqlx::query("DROP TRIGGER audit_log_no_delete").execute(&mut *conn).await.unwrap();
            }
            Backend::Postgres => {
                sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
        }
        sqlx::query("UPDATE audit_log SET after_json = '{\"name\":\"forged\"}' WHERE seq = 3")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        match verify(&t.app).await.unwrap() {
            Verdict::Broken(reason) => assert!(reason.contains("record 3"), "{reason}"),
            other => panic!("edit not detected: {other:?}"),
        }
    }
}

backend_test! {
    async fn deleting_the_newest_record_is_detected(t) {
        let mut conn = t.db.store.read().await.unwrap();
        match t.backend {
            Backend::Sqlite => {
                sqlx::query("DROP TRIGGER audit_log_no_delete").execute(&mut *conn).await.unwrap();
            }
            Backend::Postgres => {
                sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
        }
        sqlx::query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        assert!(matches!(verify(&t.app).await.unwrap(), Verdict::Broken(_)));
    }
}

/// Creates `n` prefectures through the API, one audit record each.
async fn make_changes(t: &pacesetter_testkit::TestApp, n: usize) {
    let office = t.token("office").await;
    let region = t.unit_id("540000").await;
    for n in 0..n {
        let body = json!({"parent_id": region, "kind": "prefecture", "name": format!("截断{n}")});
        let response = t.json(Method::POST, "/api/v1/units", &office, body).await;
        assert_eq!(response.status, axum::http::StatusCode::CREATED);
    }
}

/// Switches off every guard of the audit tables, as the database's owner could.
async fn disable_guards(t: &pacesetter_testkit::TestApp, conn: &mut sqlx::AnyConnection) {
    match t.backend {
        Backend::Sqlite => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_log', 'audit_head')",
            )
            .fetch_all(&mut *conn)
            .await
            .unwrap();
            for name in names {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {name}"))).execute(&mut *conn).await.unwrap();
            }
        }
        Backend::Postgres => {
            for table in ["audit_log", "audit_head"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("ALTER TABLE {table} DISABLE TRIGGER USER")))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
        }
    }
}

backend_test! {
    async fn truncating_the_log_is_refused_on_postgres(t) {
        if t.backend == Backend::Postgres {
            let mut conn = t.db.store.read().await.unwrap();
            for table in ["audit_log", "audit_head"] {
                let refused = sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {table}"))).execute(&mut *conn).await;
                assert!(refused.is_err(), "TRUNCATE {table} went through");
            }
            drop(conn);
            assert!(matches!(verify(&t.app).await.unwrap(), Verdict::Intact { .. }));
        }
    }
}

backend_test! {
    async fn the_head_can_be_neither_deleted_nor_rewound(t) {
        let mut conn = t.db.store.read().await.unwrap();
        let deleted = sqlx::query("DELETE FROM audit_head").execute(&mut *conn).await;
        assert!(deleted.is_err(), "{:?}: the head was deleted", t.backend);
        let rewound =
            sqlx::query("UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_log WHERE seq = 1)")
                .execute(&mut *conn)
                .await;
        assert!(rewound.is_err(), "{:?}: the head was rewound", t.backend);
        let elsewhere = sqlx::query("UPDATE audit_head SET seq = seq + 1").execute(&mut *conn).await;
        assert!(elsewhere.is_err(), "{:?}: the head points past the log", t.backend);
        drop(conn);
        assert!(matches!(verify(&t.app).await.unwrap(), Verdict::Intact { .. }));
    }
}

backend_test! {
    async fn cutting_off_the_newest_records_and_rewinding_the_head_is_detected(t) {
        make_changes(&t, 3).await;
        let mut conn = t.db.store.read().await.unwrap();
        disable_guards(&t, &mut conn).await;
        let newest: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log").fetch_one(&mut *conn).await.unwrap();
        assert!(newest > 3, "the demo leaves records: {newest}");
        let keep = newest - 2;
        sqlx::query("DELETE FROM audit_log WHERE seq > $1").bind(keep).execute(&mut *conn).await.unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1)")
            .bind(keep)
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        match verify(&t.app).await.unwrap() {
            Verdict::Broken(reason) => {
                assert!(reason.contains(&format!("record {newest}")) && reason.contains("removed"), "{reason}")
            }
            other => panic!("{:?}: truncation not detected: {other:?}", t.backend),
        }
    }
}

backend_test! {
    async fn emptying_the_log_and_its_head_is_detected(t) {
        make_changes(&t, 1).await;
        let mut conn = t.db.store.read().await.unwrap();
        disable_guards(&t, &mut conn).await;
        let statements: &[&str] = match t.backend {
            Backend::Sqlite => &["DELETE FROM audit_log", "DELETE FROM audit_head"],
            Backend::Postgres => &["TRUNCATE audit_log", "DELETE FROM audit_head"],
        };
        for statement in statements {
            sqlx::query(*statement).execute(&mut *conn).await.unwrap();
        }
        drop(conn);
        match verify(&t.app).await.unwrap() {
            Verdict::Broken(reason) => assert!(reason.contains("removed"), "{reason}"),
            other => panic!("{:?}: an emptied log passed: {other:?}", t.backend),
        }
    }
}

backend_test! {
    async fn a_missing_audit_table_is_named(t) {
        let mut conn = t.db.store.read().await.unwrap();
        sqlx::query("DROP TABLE audit_log").execute(&mut *conn).await.unwrap();
        drop(conn);
        match verify(&t.app).await {
            Ok(Verdict::Broken(reason)) => assert!(reason.contains("the audit_log table is missing"), "{reason}"),
            other => panic!("{:?}: {other:?}", t.backend),
        }
    }
}

backend_test! {
    async fn dates_in_audit_records_and_stale_bodies_are_iso_strings(t) {
        let office = t.token("office").await;
        let office_unit = t.unit_id("ZXB").await;
        let created = t
            .json(
                Method::POST,
                "/api/v1/campaigns",
                &office,
                json!({
                    "name": "审计日期", "year": 2023, "starts_on": "2023-01-01", "ends_on": "2023-06-30",
                    "office_unit_id": office_unit,
                    "levels": [{"name": "重点任务", "rollup": "worst_light", "is_task": true}]
                }),
            )
            .await;
        assert_eq!(created.status, axum::http::StatusCode::CREATED, "{}", created.text());
        let id = created.json()["id"].as_i64().unwrap();
        let path = format!("/api/v1/campaigns/{id}");
        let edit = json!({"name": "审计日期（改）", "year": 2023, "starts_on": "2023-01-01", "ends_on": "2023-06-30"});
        let updated = crate::plans::send_if_match(&t, Method::PUT, &path, &office, "1", edit.clone()).await;
        assert_eq!(updated.status, axum::http::StatusCode::OK, "{}", updated.text());
        let stale = crate::plans::send_if_match(&t, Method::PUT, &path, &office, "1", edit).await;
        assert_eq!(stale.status, axum::http::StatusCode::PRECONDITION_FAILED);
        let current = &stale.json()["error"]["details"]["current"];
        assert_eq!(current["ends_on"], "2023-06-30", "{current}");
        assert_eq!(current["starts_on"], "2023-01-01", "{current}");

        let mut conn = t.db.store.read().await.unwrap();
        let (records, _) = pacesetter_store::audit::latest(&mut conn, Some("campaign"), 0, 1).await.unwrap();
        let record = &records[0].entry;
        assert_eq!(record.action, "campaign.update");
        for side in [&record.before, &record.after] {
            let value: serde_json::Value = serde_json::from_str(side.as_deref().unwrap()).unwrap();
            assert_eq!(value["ends_on"], "2023-06-30", "{value}");
        }
    }
}
