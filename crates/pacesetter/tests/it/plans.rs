//! Campaigns, plans, key tasks fanned out to units, the assignment loop and the lights.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};
use serde_json::{Value, json};

/// A JSON request with an `If-Match` header.
pub(crate) async fn send_if_match(
    t: &TestApp,
    method: Method,
    path: &str,
    auth: &Auth,
    etag: &str,
    body: Value,
) -> TestResponse {
    let mut request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("if-match", format!("\"{etag}\""));
    if let Auth::Bearer(token) = auth {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    t.send(request.body(axum::body::Body::from(body.to_string())).unwrap()).await
}

/// The office's campaign of 2023, pinned to 2023-04-15, with a project and a speech heat
/// task assigned to all seven prefectures; returns (campaign, task).
pub(crate) async fn campaign_with_task(t: &TestApp, office: &Auth) -> (i64, i64) {
    let office_unit = t.unit_id("ZXB").await;
    let campaign = t
        .json(
            Method::POST,
            "/api/v1/campaigns",
            office,
            json!({
                "name": "2023年创建工作", "year": 2023, "starts_on": "2023-01-01", "ends_on": "2023-12-31",
                "as_of": "2023-04-15", "office_unit_id": office_unit,
                "levels": [
                    {"name": "工程", "rollup": "weighted_mean"},
                    {"name": "重点任务", "rollup": "worst_light", "is_task": true}
                ]
            }),
        )
        .await;
    assert_eq!(campaign.status, StatusCode::CREATED, "{}", campaign.text());
    let campaign_id = campaign.json()["id"].as_i64().unwrap();
    let project = t
        .json(
            Method::POST,
            "/api/v1/plan-items",
            office,
            json!({"campaign_id": campaign_id, "code": "GC-1", "title": "宣传教育工程", "weight": 3}),
        )
        .await;
    assert_eq!(project.status, StatusCode::CREATED, "{}", project.text());
    let prefectures: Vec<i64> = t.get("/api/v1/units?kind=prefecture", office).await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    let task = t
        .json(
            Method::POST,
            "/api/v1/plan-items",
            office,
            json!({
                "parent_id": project.json()["id"], "code": "RW-1", "title": "各地市举办青年演讲比赛预赛",
                "lead_unit_id": t.unit_id("CY-TW").await, "starts_on": "2023-03-01", "due_on": "2023-05-31",
                "assign_to": prefectures
            }),
        )
        .await;
    assert_eq!(task.status, StatusCode::CREATED, "{}", task.text());
    (campaign_id, task.json()["id"].as_i64().unwrap())
}

backend_test! {
    async fn a_task_fans_out_and_each_unit_walks_the_loop(t) {
        let office = t.token("office").await;
        let (campaign, task) = campaign_with_task(&t, &office).await;
        let all = t.get(&format!("/api/v1/assignments?campaign={campaign}&task={task}"), &office).await.json();
        assert_eq!(all["total"], 7, "one assignment per prefecture");

        let lhasa = t.token("lhasa").await;
        let mine = t.get(&format!("/api/v1/assignments?campaign={campaign}"), &lhasa).await.json();
        assert_eq!(mine["total"], 1, "a liaison sees only their own");
        let id = mine["items"][0]["assignment"]["id"].as_i64().unwrap();
        let path = format!("/api/v1/assignments/{id}");
        assert_eq!(mine["items"][0]["light"], "red", "45 of 91 days gone and nothing done");

        // Out of order: report before signing for it.
        let early =
            send_if_match(&t, Method::POST, &format!("{path}/updates"), &lhasa, "1", json!({"percent": 50})).await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        assert_eq!(early.json()["error"]["code"], "step_not_allowed_now");
        let ack =
            send_if_match(&t, Method::POST, &format!("{path}/steps"), &lhasa, "1", json!({"step": "acknowledge"}))
                .await;
        assert_eq!(ack.status, StatusCode::OK, "{}", ack.text());
        // Progress that leaves it red needs a note.
        let silent =
            send_if_match(&t, Method::POST, &format!("{path}/updates"), &lhasa, "2", json!({"percent": 10})).await;
        assert_eq!(silent.json()["error"]["details"][0]["code"], "red_needs_note");
        let noted = send_if_match(
            &t,
            Method::POST,
            &format!("{path}/updates"),
            &lhasa,
            "2",
            json!({"percent": 10, "narrative": "场地待定"}),
        )
        .await;
        assert_eq!(noted.status, StatusCode::OK, "{}", noted.text());
        let report = send_if_match(
            &t,
            Method::POST,
            &format!("{path}/updates"),
            &lhasa,
            "3",
            json!({"percent": 60, "narrative": "预赛已举办", "submit": true}),
        )
        .await;
        assert_eq!(report.json()["state"], "reported");
        // The liaison cannot close; the office can.
        let not_yours =
            send_if_match(&t, Method::POST, &format!("{path}/steps"), &lhasa, "4", json!({"step": "close"})).await;
        assert_eq!(not_yours.status, StatusCode::FORBIDDEN);
        let back =
            send_if_match(&t, Method::POST, &format!("{path}/steps"), &office, "4", json!({"step": "return"})).await;
        assert_eq!(back.json()["error"]["details"][0]["code"], "return_needs_comment");
        let closed =
            send_if_match(&t, Method::POST, &format!("{path}/steps"), &office, "4", json!({"step": "close"})).await;
        assert_eq!(closed.json()["state"], "closed", "{}", closed.text());
        let detail = t.get(&path, &lhasa).await.json();
        assert_eq!(detail["light"], "done");
        let steps: Vec<&str> =
            detail["history"].as_array().unwrap().iter().map(|e| e["step"].as_str().unwrap()).collect();
        assert_eq!(steps, ["acknowledge", "update", "report", "close"]);
        assert_eq!(detail["history"][1]["comment"], "场地待定");
        // Stale versions are refused.
        let stale =
            send_if_match(&t, Method::POST, &format!("{path}/steps"), &office, "1", json!({"step": "close"})).await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        // Another prefecture's assignment does not exist for Lhasa.
        let other =
            all["items"].as_array().unwrap().iter().find(|a| a["assignment"]["id"] != id).unwrap()["assignment"]["id"]
                .clone();
        assert_eq!(t.get(&format!("/api/v1/assignments/{other}"), &lhasa).await.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn the_plan_rolls_up_by_each_levels_rule(t) {
        let office = t.token("office").await;
        let (campaign, task) = campaign_with_task(&t, &office).await;
        let plan = t.get(&format!("/api/v1/campaigns/{campaign}/plan"), &office).await.json();
        let project = &plan[0];
        assert_eq!(project["level"], "工程");
        assert_eq!(project["rollup"], "weighted_mean");
        assert_eq!(project["lights"]["red"], 7);
        let task_node = &project["children"][0];
        assert_eq!(task_node["item"]["id"], task);
        assert_eq!(task_node["rollup"], "worst_light");
        assert_eq!(task_node["percent"], 0.0);
        assert_eq!(task_node["light"], "red");
        // A task needs its dates and lead unit.
        let incomplete = t
            .json(
                Method::POST,
                "/api/v1/plan-items",
                &office,
                json!({"parent_id": project["item"]["id"], "title": "缺日期"}),
            )
            .await;
        let body = incomplete.json();
        let codes: Vec<&str> =
            body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
        assert!(
            codes.contains(&"lead_unit_id") && codes.contains(&"starts_on") && codes.contains(&"due_on"),
            "{codes:?}"
        );
        // Nobody but the office plans.
        let lhasa = t.token("lhasa").await;
        let refused =
            t.json(Method::POST, "/api/v1/plan-items", &lhasa, json!({"campaign_id": campaign, "title": "x"})).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(
            t.get(&format!("/api/v1/campaigns/{campaign}/plan"), &lhasa).await.status,
            StatusCode::OK,
            "everyone reads the plan"
        );
    }
}

backend_test! {
    async fn the_light_filter_in_sql_agrees_with_the_domain_rule(t) {
        let office = t.token("office").await;
        let (campaign, task) = campaign_with_task(&t, &office).await;
        // Give the seven assignments different progress through the store, then compare.
        let list = t.get(&format!("/api/v1/assignments?campaign={campaign}&task={task}"), &office).await.json();
        let mut conn = t.db.store.write().await.unwrap();
        for (i, line) in list["items"].as_array().unwrap().iter().enumerate() {
            let id = pacesetter_domain::ids::AssignmentId(line["assignment"]["id"].as_i64().unwrap());
            let state = if i == 6 {
                pacesetter_domain::assignment::AssignmentState::Closed
            } else {
                pacesetter_domain::assignment::AssignmentState::InProgress
            };
            let percent = [0u8, 20, 30, 35, 40, 100, 5][i];
            let before = pacesetter_store::assignments::get(&mut conn, id).await.unwrap();
            assert_eq!(before.version, 1);
            pacesetter_store::assignments::set_state(
                &mut conn,
                &before,
                state,
                percent,
                true,
                pacesetter_domain::Timestamp::now(),
            )
            .await
            .unwrap();
        }
        conn.commit().await.unwrap();
        let all = t.get(&format!("/api/v1/assignments?campaign={campaign}&task={task}"), &office).await.json();
        for light in ["done", "green", "yellow", "red"] {
            let filtered = t
                .get(&format!("/api/v1/assignments?campaign={campaign}&task={task}&light={light}"), &office)
                .await
                .json();
            let expected = all["items"].as_array().unwrap().iter().filter(|a| a["light"] == light).count();
            assert_eq!(filtered["total"].as_u64().unwrap() as usize, expected, "{light}");
            assert!(filtered["items"].as_array().unwrap().iter().all(|a| a["light"] == light));
        }
        // τ = 45/91 = 49.45 % on 2023-04-15: 40 % and 100 % are green; 20 % (gap 29.45), 30 % and
        // 35 % yellow; 0 % red; the closed one done.
        let count = |light: &str| all["items"].as_array().unwrap().iter().filter(|a| a["light"] == light).count();
        assert_eq!((count("green"), count("yellow"), count("red"), count("done")), (2, 3, 1, 1));
        let overdue = t.get(&format!("/api/v1/assignments?campaign={campaign}&overdue=true"), &office).await.json();
        assert_eq!(overdue["total"], 0, "nothing is past 2023-05-31 on 2023-04-15");
    }
}

backend_test! {
    async fn the_plan_pages_walk_from_campaign_to_a_closed_assignment(t) {
        let office = t.session("office").await;
        let campaign = t
            .form(
                "/campaigns",
                &office,
                &[
                    ("csrf", office.csrf()),
                    ("name", "2023年创建工作"),
                    ("year", "2023"),
                    ("starts_on", "2023-01-01"),
                    ("ends_on", "2023-12-31"),
                    ("yellow_at", "10"),
                    ("red_at", "30"),
                    ("as_of", "2023-04-15"),
                    ("office_code", "ZXB"),
                    ("level1", "工程/行动"),
                    ("rule1", "weighted_mean"),
                    ("level2", "重点任务"),
                    ("rule2", "worst_light"),
                ],
            )
            .await;
        assert_eq!(campaign.status, StatusCode::SEE_OTHER, "{}", campaign.text());
        let campaign_path = campaign.header("location").unwrap().to_owned();
        let campaign_id = campaign_path.rsplit('/').next().unwrap().to_owned();
        let project = t
            .form(
                "/plan-items",
                &office,
                &[("csrf", office.csrf()), ("campaign_id", &campaign_id), ("title", "宣传教育工程"), ("weight", "2")],
            )
            .await;
        assert_eq!(project.status, StatusCode::SEE_OTHER, "{}", project.text());
        let project_id = project.header("location").unwrap().rsplit('/').next().unwrap().to_owned();
        // A task without dates comes back with the errors beside the fields and the input kept.
        let bad = t
            .form(
                "/plan-items",
                &office,
                &[
                    ("csrf", office.csrf()),
                    ("campaign_id", &campaign_id),
                    ("parent_id", &project_id),
                    ("title", "青年演讲比赛预赛"),
                    ("lead_code", "CY-TW"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("此项为必填项") && bad.text().contains("value=\"青年演讲比赛预赛\""));
        let task = t
            .form(
                "/plan-items",
                &office,
                &[
                    ("csrf", office.csrf()),
                    ("campaign_id", &campaign_id),
                    ("parent_id", &project_id),
                    ("title", "青年演讲比赛预赛"),
                    ("lead_code", "CY-TW"),
                    ("starts_on", "2023-03-01"),
                    ("due_on", "2023-05-31"),
                    ("assign", "prefectures"),
                ],
            )
            .await;
        assert_eq!(task.status, StatusCode::SEE_OTHER, "{}", task.text());
        let task_page = t.get(task.header("location").unwrap(), &office).await.text();
        assert!(task_page.contains("拉萨市") && task_page.contains("阿里地区"), "assigned to every prefecture");
        let plan = t.get(&campaign_path, &office).await.text();
        assert!(plan.contains("加权平均") && plan.contains("最差灯色"), "the rules are stated beside the numbers");

        let lhasa = t.session("lhasa").await;
        let mine = t.get(&format!("/assignments?campaign={campaign_id}"), &lhasa).await.text();
        assert!(mine.contains("青年演讲比赛预赛") && mine.contains("共 1 项"), "{mine}");
        let id: i64 = mine.split("href=\"/assignments/").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        let step = format!("/assignments/{id}/step");
        assert_eq!(
            t.form(&step, &lhasa, &[("csrf", lhasa.csrf()), ("version", "1"), ("step", "acknowledge")]).await.status,
            StatusCode::SEE_OTHER
        );
        let red = t
            .form(&step, &lhasa, &[("csrf", lhasa.csrf()), ("version", "2"), ("step", "update"), ("percent", "5")])
            .await;
        assert_eq!(red.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(red.text().contains("进度落后（红灯），请说明原因") && red.text().contains("value=\"5\""));
        let green = t
            .form(
                &step,
                &lhasa,
                &[
                    ("csrf", lhasa.csrf()),
                    ("version", "2"),
                    ("step", "update"),
                    ("percent", "60"),
                    ("comment", "预赛已举办"),
                    ("submit", "1"),
                ],
            )
            .await;
        assert_eq!(green.status, StatusCode::SEE_OTHER);
        let page = t.get(&format!("/assignments/{id}"), &lhasa).await.text();
        assert!(page.contains("绿灯") && page.contains("预赛已举办") && page.contains("已报送"));
        let close = t.form(&step, &office, &[("csrf", office.csrf()), ("version", "3"), ("step", "close")]).await;
        assert_eq!(close.status, StatusCode::SEE_OTHER);
        assert!(t.get(&format!("/assignments/{id}"), &lhasa).await.text().contains("已办结"));
    }
}

backend_test! {
    async fn the_demo_plan_shows_every_light(t) {
        let office = t.token("office").await;
        let campaigns = t.get("/api/v1/campaigns", &office).await.json();
        let demo = campaigns.as_array().unwrap().iter().find(|c| c["year"] == 2023).unwrap();
        assert_eq!(demo["as_of"], "2023-06-30");
        let id = demo["id"].as_i64().unwrap();
        let plan = t.get(&format!("/api/v1/campaigns/{id}/plan"), &office).await.json();
        assert_eq!(plan.as_array().unwrap().len(), 10, "four projects and six actions");
        for light in ["done", "green", "yellow", "red"] {
            let listed =
                t.get(&format!("/api/v1/assignments?campaign={id}&light={light}&per_page=1"), &office).await.json();
            assert!(listed["total"].as_i64().unwrap() > 0, "no {light} assignment in the demo");
        }
        let lhasa = t.token("lhasa").await;
        let own = t.get(&format!("/api/v1/assignments?campaign={id}"), &lhasa).await.json();
        assert!(own["total"].as_i64().unwrap() >= 8, "Lhasa holds a share of the prefecture tasks");
        assert!(own["items"].as_array().unwrap().iter().all(|a| a["unit_name"] == "拉萨市"));
    }
}

backend_test! {
    async fn a_year_rolls_over_carrying_only_open_work(t) {
        let office = t.token("office").await;
        let id = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let open =
            t.get(&format!("/api/v1/assignments?campaign={id}&open=true&per_page=1"), &office).await.json()["total"]
                .as_i64()
                .unwrap();
        let rolled = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/rollover"), &office, json!({})).await;
        assert_eq!(rolled.status, StatusCode::CREATED, "{}", rolled.text());
        assert_eq!(rolled.json()["year"], 2024);
        assert_eq!(rolled.json()["levels"].as_array().unwrap().len(), 2);
        let next = rolled.json()["id"].as_i64().unwrap();
        let carried = t.get(&format!("/api/v1/assignments?campaign={next}&per_page=1"), &office).await.json();
        assert_eq!(carried["total"].as_i64().unwrap(), open, "every open assignment, and only those");
        let plan = t.get(&format!("/api/v1/campaigns/{next}/plan"), &office).await.json();
        assert_eq!(plan.as_array().unwrap().len(), 10, "the pillars carry over");
        let lhasa = t.token("lhasa").await;
        assert_eq!(
            t.json(Method::POST, &format!("/api/v1/campaigns/{id}/rollover"), &lhasa, json!({})).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

backend_test! {
    async fn the_public_page_shows_progress_without_people(t) {
        let office = t.token("office").await;
        let id = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let plan = t.get(&format!("/api/v1/public/campaigns/{id}/plan"), &Auth::None).await;
        assert_eq!(plan.status, StatusCode::OK);
        assert_eq!(plan.json().as_array().unwrap().len(), 10);
        let page = t.get(&format!("/public/campaigns/{id}"), &Auth::None).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("第一项工程") && !html.contains("联络员") && !html.contains("专项办工作人员"));
        // A campaign the office did not make public does not exist for the public.
        let private =
            t.json(Method::POST, &format!("/api/v1/campaigns/{id}/rollover"), &office, json!({})).await.json()["id"]
                .as_i64()
                .unwrap();
        assert_eq!(
            t.get(&format!("/api/v1/public/campaigns/{private}/plan"), &Auth::None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(t.get(&format!("/public/campaigns/{private}"), &Auth::None).await.status, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    async fn the_plan_exports_to_the_offices_spreadsheet_layout_within_scope(t) {
        let office = t.token("office").await;
        let id = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let export = t.get(&format!("/api/v1/campaigns/{id}/export"), &office).await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(export.header("content-type").unwrap().contains("spreadsheetml"));
        assert!(export.header("content-disposition").unwrap().starts_with("attachment"));
        let table = pacesetter_export::read_table(&export.body).unwrap();
        assert!(table.headers.iter().any(|h| h == "重点任务") && table.headers.iter().any(|h| h == "牵头单位"));
        assert_eq!(table.rows.len(), 14, "every key task of the demo");
        let shared = |bytes: &[u8]| {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut archive.by_name("xl/sharedStrings.xml").unwrap(), &mut xml).unwrap();
            xml
        };
        assert!(shared(&export.body).contains("日喀则市"));
        assert!(
            shared(&export.body).contains("/600 人"),
            "the latest indicator values against their targets, beside each assignment"
        );
        let lhasa = t.token("lhasa").await;
        let own = t.get(&format!("/api/v1/campaigns/{id}/export"), &lhasa).await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(!shared(&own.body).contains("日喀则市"), "a liaison's export holds only their own assignments");
    }
}

backend_test! {
    async fn a_campaign_rolls_over_once(t) {
        let office = t.token("office").await;
        let id = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let rollover = format!("/api/v1/campaigns/{id}/rollover");
        let first = t.json(Method::POST, &rollover, &office, json!({})).await;
        assert_eq!(first.status, StatusCode::CREATED);
        let next = first.json()["id"].as_i64().unwrap();
        let assignments = || async { t.get("/api/v1/assignments?per_page=1", &office).await.json()["total"].clone() };
        let before = assignments().await;
        for _ in 0..2 {
            let again = t.json(Method::POST, &rollover, &office, json!({})).await;
            assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
            assert_eq!(again.json()["error"]["code"], "already_rolled_over");
            assert_eq!(again.json()["error"]["details"]["campaign_id"], next);
        }
        assert_eq!(assignments().await, before, "nothing copied twice");
        let campaigns = t.get("/api/v1/campaigns", &office).await.json();
        assert_eq!(campaigns.as_array().unwrap().iter().filter(|c| c["year"] == 2024).count(), 1);
        // The page's button leads to the campaign it became.
        let session = t.session("office").await;
        let page = t.form(&format!("/campaigns/{id}/rollover"), &session, &[("csrf", session.csrf())]).await;
        assert_eq!(page.header("location"), Some(format!("/campaigns/{next}").as_str()));
        // Exports are not kept by shared caches.
        let export = t.get(&format!("/api/v1/campaigns/{id}/export"), &office).await;
        assert_eq!(export.header("cache-control"), Some("private, no-store"));
    }
}
