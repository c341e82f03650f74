//! Chasing (催办, issue 19 part 3): the office chases one assignment or a list's selection with
//! a message; the unit's liaisons are told, each chase is kept in the task's history and
//! counted; a liaison cannot chase, closed assignments are skipped, and a bad selection is
//! refused whole. A rectification item (整改) is chased the same way by those who judge it.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::backend_test;
use serde_json::json;

backend_test! {
    async fn the_office_chases_and_the_unit_is_told(t) {
        let (office, lhasa) = (t.token("office").await, t.token("lhasa").await);
        let open = t.get("/api/v1/assignments?state=in_progress", &lhasa).await.json();
        let id = open["items"][0]["assignment"]["id"].as_i64().unwrap();

        let chased = t.json(Method::POST, &format!("/api/v1/assignments/{id}/chase"), &office, json!({"message": "请于本周五前报送"})).await;
        assert_eq!(chased.status, StatusCode::OK, "{}", chased.text());
        assert_eq!(chased.json(), json!({"chased": 1, "skipped_closed": 0}));
        let inbox = t.get("/api/v1/notifications", &lhasa).await.json();
        let told = inbox.as_array().unwrap().iter().find(|n| n["kind"] == "reminder").expect("the liaison is told");
        assert!(told["title"].as_str().unwrap().starts_with("催办："));
        assert!(told["body"].as_str().unwrap().ends_with("请于本周五前报送"), "{told}");
        let detail = t.get(&format!("/api/v1/assignments/{id}"), &office).await.json();
        assert_eq!(detail["chases"][0]["message"], "请于本周五前报送");
        assert_eq!(detail["chases"][0]["actor_name"], "专项办工作人员");

        // The unit's own liaison may not chase; a message past its limit is refused.
        let own = t.json(Method::POST, &format!("/api/v1/assignments/{id}/chase"), &lhasa, json!({})).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        let long = t.json(Method::POST, &format!("/api/v1/assignments/{id}/chase"), &office, json!({"message": "催".repeat(5000)})).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);

        // A selection: closed ones are skipped, an empty one is refused, and the history keeps
        // every chase.
        let closed = t.get("/api/v1/assignments?state=closed", &office).await.json();
        let closed_id = closed["items"][0]["assignment"]["id"].as_i64().unwrap();
        let many = t.json(Method::POST, "/api/v1/assignments/chase", &office, json!({"ids": [id, closed_id, id]})).await;
        assert_eq!(many.json(), json!({"chased": 1, "skipped_closed": 1}), "{}", many.text());
        let none = t.json(Method::POST, "/api/v1/assignments/chase", &office, json!({"ids": []})).await;
        assert_eq!((none.status, none.json()["error"]["details"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("required")));
        let detail = t.get(&format!("/api/v1/assignments/{id}"), &lhasa).await.json();
        assert_eq!(detail["chases"].as_array().unwrap().len(), 2);
    }
}

backend_test! {
    async fn a_list_selection_is_chased_from_the_page(t) {
        let office = t.token("office").await;
        let open = t.get("/api/v1/assignments?state=in_progress", &office).await.json();
        let ids: Vec<String> = open["items"].as_array().unwrap()[..2].iter().map(|l| l["assignment"]["id"].to_string()).collect();
        let session = t.session("office").await;
        let list = t.get("/assignments?state=in_progress", &session).await.text();
        assert!(list.contains("id=\"chase-form\"") && list.contains(&format!("name=\"ids\" value=\"{}\"", ids[0])), "{list}");

        let form = [("csrf", session.csrf()), ("ids", ids[0].as_str()), ("ids", ids[1].as_str()), ("message", "请加快进度"),
            ("back", "/assignments?state=in_progress")];
        let sent = t.form("/assignments/chase", &session, &form).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        assert_eq!(sent.header("location"), Some("/assignments?state=in_progress"));
        assert!(sent.header("set-cookie").unwrap().starts_with("notice=chased:2;"));
        // Nothing chosen comes back with the refusal; a way off the site is not followed.
        let nothing = t.form("/assignments/chase", &session, &[("csrf", session.csrf()), ("back", "//evil.example/")]).await;
        assert_eq!(nothing.header("location"), Some("/assignments"));
        assert!(nothing.header("set-cookie").unwrap().starts_with("notice=chase_refused;"));

        let page = t.get(&format!("/assignments/{}", ids[0]), &session).await.text();
        assert!(page.contains("已催办 1 次") && page.contains("请加快进度"), "{page}");
        // The liaison sees the record but no chase button.
        let liaison = t.session("lhasa").await;
        let lhasa_open = t.get("/api/v1/assignments?state=in_progress", &t.token("lhasa").await).await.json();
        let own = lhasa_open["items"][0]["assignment"]["id"].as_i64().unwrap();
        let theirs = t.get(&format!("/assignments/{own}"), &liaison).await.text();
        assert!(!theirs.contains(&format!("action=\"/assignments/{own}/chase\"")));
        let their_list = t.get("/assignments", &liaison).await.text();
        assert!(!their_list.contains("action=\"/assignments/chase\"") && !their_list.contains("bulk-message"));
        assert!(their_list.contains("formaction=\"/assignments/export\""), "a liaison may still export");
    }
}

backend_test! {
    async fn a_selection_exports_as_a_workbook_of_what_the_reader_may_see(t) {
        let office = t.token("office").await;
        let open = t.get("/api/v1/assignments?state=in_progress", &office).await.json();
        let lines = open["items"].as_array().unwrap();
        let lhasa_unit = t.unit_id("540100").await;
        let own = lines.iter().find(|l| l["assignment"]["unit_id"] == lhasa_unit).unwrap()["assignment"]["id"].to_string();
        let other = lines.iter().find(|l| l["assignment"]["unit_id"] != lhasa_unit).unwrap()["assignment"]["id"].to_string();

        let session = t.session("lhasa").await;
        let form = [("csrf", session.csrf()), ("ids", own.as_str()), ("ids", other.as_str())];
        let sheet = t.form("/assignments/export", &session, &form).await;
        assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.text());
        assert_eq!(sheet.header("content-type"), Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
        let grid = pacesetter_export::read_sheet(&sheet.body).unwrap();
        assert_eq!(grid.rows[0].1[0], "任务清单", "the title");
        assert_eq!(grid.rows[1].1, ["灯色", "编号", "重点任务", "单位", "状态", "进度", "完成时限", "剩余天数"]);
        assert_eq!(grid.rows.len(), 3, "another prefecture's task is left out: {:?}", grid.rows);
        let row = &grid.rows[2].1;
        assert_eq!(row[3], "拉萨市");
        let percent: f64 = row[5].parse().expect("the progress is a number");
        assert!((0.0..=1.0).contains(&percent));
        assert!(row[6].len() == 10 && row[6].starts_with("2023-"), "the deadline is a date: {}", row[6]);
        row[7].parse::<i64>().expect("the days left are a number");
    }
}

backend_test! {
    async fn an_open_rectification_item_is_chased_and_a_closed_one_is_not(t) {
        pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let rounds = pacesetter_app::demo::inspection::seed(&t.app).await.unwrap();
        let (office, inspector, shannan) = (t.token("office").await, t.token("inspector").await, t.token("shannan").await);
        let round = t.get(&format!("/api/v1/inspection-rounds/{}", rounds.completed.0), &office).await.json();
        let campaign = round["round"]["campaign_id"].as_i64().unwrap();
        // Shannan's item is open and late on the demo's day.
        let late = t.get(&format!("/api/v1/campaigns/{campaign}/findings?overdue=true"), &office).await.json();
        let (finding, item) = (late["items"][0]["finding"]["id"].as_i64().unwrap(), late["items"][0]["rectification"]["id"].as_i64().unwrap());

        let path = format!("/api/v1/rectifications/{item}/chase");
        let chased = t.json(Method::POST, &path, &inspector, json!({"message": "请于7月10日前报送整改情况"})).await;
        assert_eq!(chased.status, StatusCode::OK, "{}", chased.text());
        assert_eq!(chased.json()["chases"][0]["message"], "请于7月10日前报送整改情况");
        assert_eq!(chased.json()["rectification"]["state"], "open", "a chase changes no state");
        let inbox = t.get("/api/v1/notifications", &shannan).await.json();
        let told = inbox.as_array().unwrap().iter().find(|n| n["kind"] == "reminder").expect("the liaison is told");
        assert!(told["title"].as_str().unwrap().starts_with("催办整改："), "{told}");
        assert!(told["body"].as_str().unwrap().ends_with("请于7月10日前报送整改情况"), "{told}");
        let read = t.get(&format!("/api/v1/findings/{finding}"), &shannan).await.json();
        assert_eq!(read["chases"].as_array().unwrap().len(), 1, "the unit sees the chase in the item's history");

        // The unit cannot chase itself; another prefecture's item is not there for it; a closed
        // item needs no chase; a message past its limit is refused.
        assert_eq!(t.json(Method::POST, &path, &shannan, json!({})).await.status, StatusCode::FORBIDDEN);
        let closed = t.get(&format!("/api/v1/campaigns/{campaign}/findings?state=closed"), &office).await.json();
        let closed_item = closed["items"][0]["rectification"]["id"].as_i64().unwrap();
        let done = t.json(Method::POST, &format!("/api/v1/rectifications/{closed_item}/chase"), &office, json!({})).await;
        assert_eq!((done.status, done.json()["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("already_closed")));
        let other = t.json(Method::POST, &format!("/api/v1/rectifications/{closed_item}/chase"), &shannan, json!({})).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        let long = t.json(Method::POST, &path, &office, json!({"message": "催".repeat(5000)})).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);

        // From the finding's page: the chase form, the notice, the count.
        let session = t.session("office").await;
        let page = t.get(&format!("/findings/{finding}"), &session).await.text();
        assert!(page.contains(&format!("action=\"/findings/{finding}/chase\"")) && page.contains("已催办 1 次"), "{page}");
        let sent = t.form(&format!("/findings/{finding}/chase"), &session, &[("csrf", session.csrf()), ("message", "")]).await;
        assert_eq!((sent.status, sent.header("location")), (StatusCode::SEE_OTHER, Some(format!("/findings/{finding}").as_str())));
        assert!(sent.header("set-cookie").unwrap().starts_with("notice=chased_rectification;"));
        let page = t.get(&format!("/findings/{finding}"), &session).await.text();
        assert!(page.contains("已催办 2 次"), "{page}");
        let theirs = t.get(&format!("/findings/{finding}"), &t.session("shannan").await).await.text();
        assert!(theirs.contains("已催办 2 次") && !theirs.contains(&format!("action=\"/findings/{finding}/chase\"")));
    }
}

backend_test! {
    async fn a_selection_is_returned_or_closed_at_once(t) {
        let (office, lhasa) = (t.token("office").await, t.token("lhasa").await);
        // Lhasa reports three of its tasks; a fourth stays in progress.
        let open = t.get("/api/v1/assignments?state=in_progress&per_page=4", &lhasa).await.json();
        let lines = open["items"].as_array().unwrap();
        let ids: Vec<i64> = lines.iter().map(|l| l["assignment"]["id"].as_i64().unwrap()).collect();
        for line in &lines[..3] {
            let (id, version) = (&line["assignment"]["id"], line["assignment"]["version"].to_string());
            let body = json!({"percent": 100, "narrative": "已完成", "submit": true});
            let sent = crate::plans::send_if_match(&t, Method::POST, &format!("/api/v1/assignments/{id}/updates"), &lhasa, &version, body).await;
            assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        }
        let state = |id: i64| {
            let (t, office) = (&t, &office);
            async move { t.get(&format!("/api/v1/assignments/{id}"), office).await.json()["assignment"]["state"].clone() }
        };

        // A return needs its reason; the liaison may not review; one not reported is skipped.
        let review = |body: serde_json::Value| t.json(Method::POST, "/api/v1/assignments/review", &office, body);
        let bare = review(json!({"ids": [ids[0]], "step": "return"})).await;
        assert_eq!((bare.status, bare.json()["error"]["details"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("return_needs_comment")));
        let own = t.json(Method::POST, "/api/v1/assignments/review", &lhasa, json!({"ids": [ids[0]], "step": "accept"})).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        let returned = review(json!({"ids": [ids[0], ids[3]], "step": "return", "comment": "佐证材料不全"})).await;
        assert_eq!(returned.json(), json!({"done": 1, "skipped": 1}), "{}", returned.text());
        assert_eq!(state(ids[0]).await, "returned");
        assert_eq!(state(ids[3]).await, "in_progress");
        let inbox = t.get("/api/v1/notifications", &lhasa).await.json();
        assert!(inbox.as_array().unwrap().iter().any(|n| n["kind"] == "returned" && n["body"].as_str().unwrap().ends_with("佐证材料不全")));

        // From the list page: the office closes the other two at once.
        let session = t.session("office").await;
        let list = t.get("/assignments?state=reported", &session).await.text();
        assert!(list.contains("formaction=\"/assignments/review\"") && list.contains("value=\"close\""), "{list}");
        let (a, b) = (ids[1].to_string(), ids[2].to_string());
        let form = [("csrf", session.csrf()), ("ids", a.as_str()), ("ids", b.as_str()), ("step", "close"), ("message", ""), ("back", "/assignments?state=reported")];
        let sent = t.form("/assignments/review", &session, &form).await;
        assert_eq!(sent.header("location"), Some("/assignments?state=reported"));
        assert!(sent.header("set-cookie").unwrap().starts_with("notice=reviewed:close:2:0;"), "{:?}", sent.header("set-cookie"));
        assert_eq!((state(ids[1]).await, state(ids[2]).await), (json!("closed"), json!("closed")));
        let page = t.get("/assignments", &t.session("lhasa").await).await.text();
        assert!(!page.contains("value=\"close\"") && !page.contains("value=\"return\""), "a liaison reviews nothing");
    }
}

backend_test! {
    async fn reminder_notices_print_a_page_per_unit(t) {
        let office = t.token("office").await;
        let red = |code: &'static str| {
            let (t, office) = (&t, &office);
            async move {
                let unit = t.unit_id(code).await;
                let lines = t.get(&format!("/api/v1/assignments?under={unit}&light=red&per_page=2"), office).await.json();
                lines["items"].as_array().unwrap().iter().map(|l| (l["assignment"]["id"].as_i64().unwrap(), l["task_title"].as_str().unwrap().to_owned())).collect::<Vec<_>>()
            }
        };
        let (lhasa, shigatse) = (red("540100").await, red("540200").await);
        assert!(!lhasa.is_empty() && !shigatse.is_empty(), "the demo has red tasks in both");
        let ids: Vec<i64> = lhasa.iter().chain(&shigatse).map(|(id, _)| *id).collect();
        t.json(Method::POST, &format!("/api/v1/assignments/{}/chase", ids[0]), &office, json!({})).await;

        let pdf = t.json(Method::POST, "/api/v1/assignments/chase-notice", &office, json!({"ids": ids, "message": "请主要负责同志亲自过问"})).await;
        assert_eq!((pdf.status, pdf.header("content-type")), (StatusCode::OK, Some("application/pdf")), "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        assert_eq!(text.matches("签收单位").count(), 2, "a page per unit: {text}");
        for needle in ["拉萨市", "日喀则市", "请主要负责同志亲自过问", "签收人", "1次"] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
        let first_task: String = lhasa[0].1.split_whitespace().collect();
        assert!(text.contains(&first_task), "{first_task} in {text}");

        // Only those who may chase; nothing chosen is refused; the same from the list page.
        let lhasa_ids = json!({"ids": [lhasa[0].0]});
        assert_eq!(t.json(Method::POST, "/api/v1/assignments/chase-notice", &t.token("lhasa").await, lhasa_ids).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.json(Method::POST, "/api/v1/assignments/chase-notice", &office, json!({"ids": []})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let session = t.session("office").await;
        let id = lhasa[0].0.to_string();
        let page = t.form("/assignments/notice", &session, &[("csrf", session.csrf()), ("ids", id.as_str()), ("message", "")]).await;
        assert_eq!((page.status, page.header("content-type")), (StatusCode::OK, Some("application/pdf")));
        let none = t.form("/assignments/notice", &session, &[("csrf", session.csrf()), ("back", "/assignments?light=red")]).await;
        assert_eq!(none.header("location"), Some("/assignments?light=red"));
        assert!(none.header("set-cookie").unwrap().starts_with("notice=notice_refused;"));
    }
}

backend_test! {
    async fn the_page_header_counts_what_is_unread_until_it_is_read(t) {
        let (office, lhasa) = (t.token("office").await, t.session("lhasa").await);
        let badge = |page: String| page.split("class=\"badge-count\">").nth(1).and_then(|rest| rest.split('<').next()).map(str::to_owned);
        let unread = |inbox: serde_json::Value| inbox.as_array().unwrap().iter().filter(|n| n["read"] == false).count();
        let before = unread(t.get("/api/v1/notifications", &t.token("lhasa").await).await.json());

        let open = t.get("/api/v1/assignments?state=in_progress", &t.token("lhasa").await).await.json();
        let id = open["items"][0]["assignment"]["id"].as_i64().unwrap();
        let chased = t.json(Method::POST, &format!("/api/v1/assignments/{id}/chase"), &office, json!({"message": "请报送"})).await;
        assert_eq!(chased.status, StatusCode::OK, "{}", chased.text());
        assert_eq!(badge(t.get("/assignments", &lhasa).await.text()), Some((before + 1).to_string()));

        let read = t.form("/inbox/read", &lhasa, &[("csrf", lhasa.csrf())]).await;
        assert_eq!(read.status, StatusCode::SEE_OTHER, "{}", read.text());
        assert_eq!(badge(t.get("/assignments", &lhasa).await.text()), None);
    }
}
