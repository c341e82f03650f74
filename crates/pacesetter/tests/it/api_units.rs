//! The units API: scope, validation, optimistic locking and the error format.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, backend_test};
use serde_json::json;

backend_test! {
    async fn health_names_the_database_and_needs_no_sign_in(t) {
        let response = t.get("/api/v1/health", &Auth::None).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.json()["database"], t.backend.as_str());
        assert!(response.json()["version"].is_string());
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("cache-control"), Some("private, no-store"));
        assert!(response.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
        assert_eq!(response.header("strict-transport-security"), None, "not served over HTTPS");

        // Served over HTTPS (secure cookies on): browsers are told to keep to it.
        let config = pacesetter::config::Config { secure_cookies: true, ..Default::default() };
        let tls = pacesetter_testkit::TestApp::with_config(t.backend, config).await;
        let response = tls.get("/api/v1/health", &Auth::None).await;
        assert_eq!(response.header("strict-transport-security"), Some("max-age=31536000; includeSubDomains"));
        tls.remove().await;
    }
}

backend_test! {
    async fn the_territory_has_seven_prefectures_and_seventy_four_counties(t) {
        let admin = t.token("admin").await;
        let prefectures = t.get("/api/v1/units?kind=prefecture", &admin).await.json();
        assert_eq!(prefectures["total"], 7);
        let counties = t.get("/api/v1/units?kind=county&per_page=1", &admin).await.json();
        assert_eq!(counties["total"], 74);
        let lhasa = t.unit_id("540100").await;
        let children = t.get(&format!("/api/v1/units?parent={lhasa}"), &admin).await.json();
        assert_eq!(children["total"], 8);
        let search = t.get("/api/v1/units?q=%E6%8B%89%E8%90%A8", &admin).await.json(); // 拉萨
        assert_eq!(search["items"][0]["code"], "540100");
        assert_eq!(t.get("/api/v1/units?kind=castle", &admin).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

backend_test! {
    async fn a_prefecture_liaison_sees_only_its_subtree(t) {
        let lhasa = t.token("lhasa").await;
        let all = t.get("/api/v1/units?per_page=500", &lhasa).await.json();
        assert_eq!(all["total"], 9, "Lhasa and its 8 counties");
        let shigatse = t.unit_id("540200").await;
        let response = t.get(&format!("/api/v1/units/{shigatse}"), &lhasa).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND);
        assert_eq!(response.json()["error"]["code"], "unit_not_found");
        // Not even a count leaks through a search.
        let search = t.get("/api/v1/units?q=%E6%97%A5%E5%96%80%E5%88%99", &lhasa).await.json(); // 日喀则
        assert_eq!(search["total"], 0);
        let own = t.unit_id("540102").await;
        let create = t
            .json(Method::POST, "/api/v1/units", &lhasa, json!({"parent_id": own, "kind": "county", "name": "新县"}))
            .await;
        assert_eq!(create.status, StatusCode::FORBIDDEN);
        assert_eq!(create.json()["error"]["code"], "forbidden");
        assert_eq!(t.get("/api/v1/units", &Auth::None).await.status, StatusCode::UNAUTHORIZED);
    }
}

backend_test! {
    async fn bad_input_gets_a_stable_code_and_writes_nothing(t) {
        let office = t.token("office").await;
        let region = t.unit_id("540000").await;
        let bad = t
            .json(
                Method::POST,
                "/api/v1/units",
                &office,
                json!({"parent_id": region, "kind": "county", "name": "  ", "code": "a b"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = bad.json();
        assert_eq!(body["error"]["code"], "invalid_input");
        let fields: Vec<&str> =
            body["error"]["details"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"name") && fields.contains(&"code"), "{body}");
        let misplaced = t
            .json(Method::POST, "/api/v1/units", &office, json!({"parent_id": region, "kind": "county", "name": "县"}))
            .await;
        assert_eq!(misplaced.json()["error"]["details"][0]["code"], "kind_not_allowed_here");
        let extra = t
            .json(
                Method::POST,
                "/api/v1/units",
                &office,
                json!({"parent_id": region, "kind": "prefecture", "name": "x", "version": 9}),
            )
            .await;
        assert_eq!(extra.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(extra.json()["error"]["code"], "invalid_body");
        let malformed = t
            .send(
                axum::http::Request::post("/api/v1/units")
                    .header("content-type", "application/json")
                    .header(
                        "authorization",
                        match &office {
                            Auth::Bearer(token) => format!("Bearer {token}"),
                            _ => unreachable!(),
                        },
                    )
                    .body(axum::body::Body::from("{\"name\":"))
                    .unwrap(),
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(malformed.json()["error"]["code"], "malformed_json");
        let duplicate = t
            .json(
                Method::POST,
                "/api/v1/units",
                &office,
                json!({"parent_id": region, "kind": "prefecture", "name": "重复", "code": "540100"}),
            )
            .await;
        assert_eq!(duplicate.json()["error"]["details"][0]["code"], "code_taken");
        let admin = t.token("admin").await;
        assert_eq!(t.get("/api/v1/units?kind=prefecture", &admin).await.json()["total"], 7, "nothing was written");
        assert_eq!(t.get("/api/v1/nowhere", &admin).await.json()["error"]["code"], "route_not_found");
    }
}

backend_test! {
    async fn edits_need_the_current_version(t) {
        let office = t.token("office").await;
        let region = t.unit_id("540000").await;
        let created = t
            .json(
                Method::POST,
                "/api/v1/units",
                &office,
                json!({"parent_id": region, "kind": "prefecture", "name": "试点市", "code": "T-1"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        let id = created.json()["id"].as_i64().unwrap();
        let read = t.get(&format!("/api/v1/units/{id}"), &office).await;
        assert_eq!(read.header("etag"), Some("\"1\""));
        let body = json!({"kind": "prefecture", "name": "试点市（新）", "code": "T-1", "name_bo": "ལྷ་ས"});
        let put = |etag: Option<&'static str>| {
            let mut request = axum::http::Request::put(format!("/api/v1/units/{id}"))
                .header("content-type", "application/json")
                .header(
                    "authorization",
                    match &office {
                        Auth::Bearer(token) => format!("Bearer {token}"),
                        _ => unreachable!(),
                    },
                );
            if let Some(etag) = etag {
                request = request.header("if-match", etag);
            }
            request.body(axum::body::Body::from(body.to_string())).unwrap()
        };
        assert_eq!(t.send(put(None)).await.status, StatusCode::PRECONDITION_REQUIRED);
        let first = t.send(put(Some("\"1\""))).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text());
        assert_eq!(first.header("etag"), Some("\"2\""));
        assert_eq!(first.json()["name_bo"], "ལྷ་ས");
        let second = t.send(put(Some("\"1\""))).await;
        assert_eq!(second.status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(second.json()["error"]["code"], "stale_version");
        assert_eq!(second.json()["error"]["details"]["current"]["version"], 2);
        // Archive, then restore, each against the current version.
        let archive = t.send(
            axum::http::Request::post(format!("/api/v1/units/{id}/archive"))
                .header(
                    "authorization",
                    match &office {
                        Auth::Bearer(token) => format!("Bearer {token}"),
                        _ => unreachable!(),
                    },
                )
                .header("if-match", "\"2\"")
                .body(axum::body::Body::empty())
                .unwrap(),
        );
        let archived = archive.await;
        assert_eq!(archived.status, StatusCode::OK, "{}", archived.text());
        assert_eq!(archived.json()["archived"], true);
        let listed = t.get("/api/v1/units?q=T-1", &office).await.json();
        assert_eq!(listed["total"], 0, "archived units leave the list");
        let with_archived = t.get("/api/v1/units?q=T-1&include_archived=true", &office).await.json();
        assert_eq!(with_archived["total"], 1);
    }
}

backend_test! {
    async fn moving_a_unit_carries_its_subtree(t) {
        let admin = t.token("admin").await;
        let chengguan = t.unit_id("540102").await;
        let shigatse = t.unit_id("540200").await;
        let bearer = match &admin {
            Auth::Bearer(token) => format!("Bearer {token}"),
            _ => unreachable!(),
        };
        let request = axum::http::Request::post(format!("/api/v1/units/{chengguan}/move"))
            .header("authorization", bearer.clone())
            .header("content-type", "application/json")
            .header("if-match", "\"1\"")
            .body(axum::body::Body::from(json!({"parent_id": shigatse}).to_string()))
            .unwrap();
        let moved = t.send(request).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
        assert_eq!(moved.json()["parent_id"], shigatse);
        let into_itself = axum::http::Request::post(format!("/api/v1/units/{shigatse}/move"))
            .header("authorization", bearer)
            .header("content-type", "application/json")
            .header("if-match", "\"1\"")
            .body(axum::body::Body::from(json!({"parent_id": chengguan}).to_string()))
            .unwrap();
        let refused = t.send(into_itself).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let counties = t.get(&format!("/api/v1/units?parent={shigatse}&per_page=1"), &admin).await.json();
        assert_eq!(counties["total"], 19);
    }
}

backend_test! {
    async fn health_reports_a_database_that_does_not_answer(t) {
        t.db.store.close().await;
        let response = t.get("/api/v1/health", &Auth::None).await;
        assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.json()["status"], "database_unavailable");
    }
}

backend_test! {
    async fn a_search_term_past_its_limit_is_refused_with_the_limit(t) {
        let admin = t.token("admin").await;
        let session = t.session("admin").await;
        let long = "a".repeat(50_000);
        let fits = "a".repeat(200);
        for list in ["/api/v1/units", "/api/v1/users", "/api/v1/assignments"] {
            let refused = t.get(&format!("{list}?q={long}"), &admin).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{list}: {}", refused.text());
            let error = &refused.json()["error"];
            assert_eq!(error["code"], "search_too_long");
            assert_eq!(error["details"]["max_chars"], 200);
            assert!(error["message"].as_str().unwrap().contains("200"), "{error}");
            assert_eq!(t.get(&format!("{list}?q={fits}"), &admin).await.status, StatusCode::OK, "{list}");
        }
        for page in ["/units", "/users", "/assignments"] {
            let refused = t.get(&format!("{page}?q={long}"), &session).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
            let html = refused.text();
            assert!(html.contains("搜索词最多 200 个字符") && !html.contains("服务器出错"), "{page}: {html}");
        }
    }
}

backend_test! {
    async fn an_id_that_is_no_number_gets_the_json_error(t) {
        let admin = t.token("admin").await;
        for path in ["/api/v1/units/abc", "/api/v1/units/99999999999999999999/children", "/api/v1/findings/x/photos/y"]
        {
            let response = t.get(path, &admin).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{path}");
            assert_eq!(response.header("content-type"), Some("application/json"), "{path}");
            assert_eq!(response.json()["error"]["code"], "invalid_path", "{path}");
        }
        let response = t.json(Method::PUT, "/api/v1/units/abc", &admin, json!({})).await;
        assert_eq!(response.json()["error"]["code"], "invalid_path");
    }
}

backend_test! {
    async fn if_match_compares_strongly(t) {
        let office = t.token("office").await;
        let Auth::Bearer(token) = &office else { unreachable!() };
        let id = t.unit_id("540100").await;
        let version = t.get(&format!("/api/v1/units/{id}"), &office).await.header("etag").unwrap().to_owned();
        let weak = format!("W/{version}");
        let body = json!({"kind": "prefecture", "name": "拉萨市", "code": "540100"});
        let put = |tag: &str| {
            axum::http::Request::put(format!("/api/v1/units/{id}"))
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {token}"))
                .header("if-match", tag)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap()
        };
        let refused = t.send(put(&weak)).await;
        assert_eq!(refused.status, StatusCode::PRECONDITION_FAILED, "{}", refused.text());
        assert_eq!(refused.json()["error"]["code"], "stale_version");
        assert_eq!(t.send(put(&version)).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_body_over_the_limit_gets_the_json_error() {
    let t = pacesetter_testkit::TestApp::new(pacesetter_store::Backend::Sqlite).await;
    let Auth::Bearer(token) = t.token("admin").await else { unreachable!() };
    // Announced (the limit answers before any extractor), and not (the upload's own reader).
    let json = pacesetter_web::MAX_BODY_BYTES + 1;
    let upload = pacesetter_web::MAX_UPLOAD_BYTES + 1;
    for (path, announce, size) in [("/api/v1/units", true, json), ("/api/v1/evidence?unit=1", false, upload)] {
        let large = vec![b' '; size];
        let mut request = axum::http::Request::post(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json");
        if announce {
            request = request.header("content-length", large.len());
        }
        let response = t.send(request.body(axum::body::Body::from(large)).unwrap()).await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(response.json()["error"]["code"], "body_too_large", "{path}: {}", response.text());
    }
    t.remove().await;
}

backend_test! {
    async fn a_unit_typed_into_a_form_is_found_by_its_code_or_exact_name_however_many_names_hold_it(t) {
        use pacesetter_app::units::typed;
        let admin = t.token("admin").await;
        let lhasa = t.unit_id("540100").await;
        let create = |name: String| {
            let (t, admin) = (&t, &admin);
            async move {
                let created = t.json(Method::POST, "/api/v1/units", admin, json!({"parent_id": lhasa, "kind": "county", "name": name})).await;
                assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
                created.json()["id"].as_i64().unwrap()
            }
        };
        // More units whose names hold the name than a search page lists, all before it in tree order.
        for n in 0..60 {
            create(format!("联络组第{n}分组")).await;
        }
        let wanted = create("联络组".to_owned()).await;
        let office = t.actor("admin").await;
        assert_eq!(typed(&t.app, &office, "联络组", "unit").await.unwrap().map(|u| u.0), Some(wanted));
        assert_eq!(typed(&t.app, &office, " 540100 ", "unit").await.unwrap().map(|u| u.0), Some(lhasa));
        assert_eq!(typed(&t.app, &office, "", "unit").await.unwrap(), None);
        let part = typed(&t.app, &office, "联络组第", "unit").await;
        assert!(matches!(part, Err(pacesetter_app::AppError::Invalid(_))), "a part of a name is not a name: {part:?}");
        // A liaison elsewhere does not find it, by name or by code.
        let shigatse = t.actor("shigatse").await;
        assert!(typed(&t.app, &shigatse, "540100", "unit").await.is_err());
        assert!(typed(&t.app, &shigatse, "联络组", "unit").await.is_err());
        assert!(typed(&t.app, &t.actor("lhasa").await, "联络组", "unit").await.is_ok());
    }
}
