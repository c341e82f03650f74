//! Importing units and accounts: a preview with row-level errors, then all rows or none.

use pacesetter_app::{AppError, Origin, auth, import};
use pacesetter_export::read_table;
use pacesetter_testkit::backend_test;

backend_test! {
    async fn a_sheet_with_one_bad_row_writes_nothing_and_names_the_cell(t) {
        let office = t.actor("office").await;
        let csv = "编码,名称,藏文名称,类型,上级编码,类别\n\
                   T-100,示范新区,,地市,540000,地市\n\
                   T-101,示范一县,,县区,T-100,\n\
                   T-102,,,县区,T-100,\n\
                   T-103,示范三县,,县区,NOPE,\n";
        let table = read_table(csv.as_bytes()).unwrap();
        let preview = import::preview_units(&t.app, &office, &table).await.unwrap();
        assert_eq!(preview.rows.len(), 4);
        assert!(
            preview.rows[0].errors.is_empty() && preview.rows[1].errors.is_empty(),
            "a row may sit under one created earlier in the file"
        );
        assert_eq!(preview.rows[2].line, 4);
        assert_eq!(preview.rows[2].errors[0].column, "B");
        assert_eq!(preview.rows[2].errors[0].code, "required");
        assert_eq!(preview.rows[3].errors[0].code, "parent_not_found");
        let refused = import::commit_units(&t.app, &office, &table, "sha").await;
        assert!(matches!(refused, Err(AppError::Conflict("import_has_errors"))));
        let mut conn = t.db.store.read().await.unwrap();
        assert!(
            pacesetter_store::units::find_by_code(&mut conn, "T-100").await.unwrap().is_none(),
            "nothing was written"
        );
        drop(conn);

        let clean = read_table("编码,名称,类型,上级编码\nT-100,示范新区,地市,540000\nT-101,示范一县,县区,T-100\n540100,拉萨市,地市,540000\n".as_bytes()).unwrap();
        let summary = import::commit_units(&t.app, &office, &clean, "sha").await.unwrap();
        assert_eq!(
            (summary.created, summary.updated, summary.unchanged),
            (2, 0, 1),
            "columns the sheet lacks keep their values"
        );
        // Importing the same file again changes nothing.
        let again = import::preview_units(&t.app, &office, &clean).await.unwrap();
        assert!(again.rows.iter().all(|r| r.action == import::RowAction::Unchanged), "{:?}", again.rows);
    }
}

backend_test! {
    async fn a_liaison_cannot_import(t) {
        let liaison = t.actor("lhasa").await;
        let table = read_table("编码,名称,类型,上级编码\nT-1,x,县区,540100\n".as_bytes()).unwrap();
        assert!(matches!(import::preview_units(&t.app, &liaison, &table).await, Err(AppError::Forbidden)));
    }
}

backend_test! {
    async fn accounts_import_with_their_roles(t) {
        let office = t.actor("office").await;
        let csv = "用户名,显示名称,单位编码,角色,初始密码\nsn-liaison,山南市联络员,540500,联络员,grassland-horse-7\nsn-bad,山南,540500,国王,grassland-horse-7\n";
        let table = read_table(csv.as_bytes()).unwrap();
        let preview = import::preview_users(&t.app, &office, &table).await.unwrap();
        assert_eq!(preview.rows[1].errors[0].code, "invalid_role");
        assert_eq!(preview.rows[0].values[4], "••••••", "passwords never come back");
        let clean = read_table(
            "用户名,显示名称,单位编码,角色,初始密码\nsn-liaison,山南市联络员,540500,联络员,grassland-horse-7\n"
                .as_bytes(),
        )
        .unwrap();
        let summary = import::commit_users(&t.app, &office, &clean, "sha").await.unwrap();
        assert_eq!(summary.created, 1);
        let session = auth::login(&t.app, "sn-liaison", "grassland-horse-7", &Origin::default()).await.unwrap().into_session().expect("no second step");
        let (actor, _) = auth::session_actor(&t.app, &session.token, Origin::default()).await.unwrap();
        assert_eq!(actor.scope.roles(), vec![pacesetter_domain::Role::Liaison]);
    }
}

backend_test! {
    async fn the_import_api_previews_then_commits_once(t) {
        use axum::http::{Method, StatusCode};
        use pacesetter_testkit::Auth;
        let office = t.token("office").await;
        let bearer = match &office {
            Auth::Bearer(token) => format!("Bearer {token}"),
            _ => unreachable!(),
        };
        let upload = |body: &'static str| {
            axum::http::Request::post("/api/v1/imports?kind=units&filename=%E5%8D%95%E4%BD%8D.csv")
                .header("authorization", bearer.clone())
                .body(axum::body::Body::from(body))
                .unwrap()
        };
        let bad = t.send(upload("编码,名称,类型,上级编码\nT-1,,地市,540000\n")).await;
        assert_eq!(bad.status, StatusCode::CREATED, "{}", bad.text());
        let bad_id = bad.json()["id"].as_i64().unwrap();
        assert_eq!(bad.json()["preview"]["rows"][0]["errors"][0]["code"], "required");
        assert_eq!(bad.json()["filename"], "单位.csv");
        let refused =
            t.json(Method::POST, &format!("/api/v1/imports/{bad_id}/commit"), &office, serde_json::json!({})).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert_eq!(refused.json()["error"]["code"], "import_has_errors");

        let good = t.send(upload("编码,名称,类型,上级编码\nT-1,试点市,地市,540000\n")).await;
        let id = good.json()["id"].as_i64().unwrap();
        let committed =
            t.json(Method::POST, &format!("/api/v1/imports/{id}/commit"), &office, serde_json::json!({})).await;
        assert_eq!(committed.status, StatusCode::OK, "{}", committed.text());
        assert_eq!(committed.json()["created"], 1);
        let again = t.json(Method::POST, &format!("/api/v1/imports/{id}/commit"), &office, serde_json::json!({})).await;
        assert_eq!(again.json()["error"]["code"], "import_already_committed");
        assert_eq!(t.get(&format!("/api/v1/imports/{id}"), &office).await.json()["status"], "committed");
        // Someone else's import does not exist for you.
        let admin = t.token("admin").await;
        assert_eq!(t.get(&format!("/api/v1/imports/{id}"), &admin).await.status, StatusCode::NOT_FOUND);
        let garbage = t.send(upload("PK\u{3}\u{4}not a zip")).await;
        assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(garbage.json()["error"]["details"][0]["code"], "file_damaged");
        let liaison = t.token("lhasa").await;
        let forbidden = t
            .send(
                axum::http::Request::post("/api/v1/imports?kind=units")
                    .header(
                        "authorization",
                        match &liaison {
                            Auth::Bearer(token) => format!("Bearer {token}"),
                            _ => unreachable!(),
                        },
                    )
                    .body(axum::body::Body::from("编码,名称,类型,上级编码\n"))
                    .unwrap(),
            )
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn the_import_pages_show_errors_at_their_cell_and_commit(t) {
        use axum::http::StatusCode;
        let session = t.session("office").await;
        let fields = [("csrf", session.csrf()), ("kind", "units")];
        let bad = t
            .upload(
                "/imports",
                &session,
                &fields,
                "units.csv",
                "编码,名称,类型,上级编码\nT-1,试点市,城堡,540000\n".as_bytes(),
            )
            .await;
        assert_eq!(bad.status, StatusCode::SEE_OTHER);
        let preview = t.get(bad.header("location").unwrap(), &session).await.text();
        assert!(
            preview.contains("cell-error") && preview.contains("请选择有效的单位类型"),
            "the error sits in its cell"
        );
        assert!(!preview.contains("/commit"), "no commit button while errors remain");

        let good = t
            .upload(
                "/imports",
                &session,
                &fields,
                "units.csv",
                "编码,名称,类型,上级编码\nT-1,试点市,地市,540000\n".as_bytes(),
            )
            .await;
        let location = good.header("location").unwrap().to_owned();
        assert!(t.get(&location, &session).await.text().contains("全部 1 行检查通过"));
        let commit = t.form(&format!("{location}/commit"), &session, &[("csrf", session.csrf())]).await;
        assert_eq!(commit.status, StatusCode::SEE_OTHER);
        assert!(t.get(&location, &session).await.text().contains("新建 1 条"));
        let empty = t.upload("/imports", &session, &fields, "empty.csv", b"").await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text().contains("文件是空的"));
    }
}
