//! Meetings and contests named in Tibetan beside the Chinese (issue 18), on every backend: the
//! name is kept and returned by the API, shown to Tibetan readers, and where none was given the
//! Chinese stands in, marked as Chinese; a bad one is refused on its own field, keeping nothing.

use axum::http::{Method, StatusCode};
use pacesetter_domain::Role;
use pacesetter_testkit::{TestApp, backend_test};
use serde_json::json;

/// The demo's 2023 campaign.
async fn campaign(t: &TestApp) -> i64 {
    crate::plan_import::demo_campaign(t, &t.token("office").await).await
}

backend_test! {
    async fn meetings_and_contests_carry_a_tibetan_name_shown_to_tibetan_readers(t) {
        let office = t.token("office").await;
        let id = campaign(&t).await;
        // 会议 is attested as ཚོགས་འདུ (TIBETAN.md §3); the test only needs Tibetan text.
        let meeting = json!({"title": "第三次推进会", "title_bo": "ཚོགས་འདུ་གསུམ་པ།", "starts_at": "2023-10-10T10:00:00+08:00", "mode": "video"});
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/meetings"), &office, meeting).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(created.json()["title_bo"], "ཚོགས་འདུ་གསུམ་པ།");
        let meeting_id = created.json()["id"].as_i64().unwrap();
        let untitled = json!({"title": "第二次推进会", "starts_at": "2023-07-10T10:00:00+08:00", "mode": "video"});
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/meetings"), &office, untitled).await;
        assert_eq!((created.status, created.json()["title_bo"].clone()), (StatusCode::CREATED, serde_json::Value::Null));
        let contest = json!({"name": "演讲比赛", "name_bo": "གླེང་སྟེགས།"});
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/contests"), &office, contest).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(created.json()["name_bo"], "གླེང་སྟེགས།");
        let contest_id = created.json()["id"].as_i64().unwrap();

        // Refused on its own field, nothing kept.
        let before = t.get(&format!("/api/v1/campaigns/{id}/meetings"), &office).await.json().as_array().unwrap().len();
        let bad = json!({"title": "会", "title_bo": "ཚོགས\u{0}", "starts_at": "2023-10-10T10:00:00+08:00", "mode": "video"});
        let refused = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/meetings"), &office, bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"]["details"][0]["field"], "title_bo", "{}", refused.text());
        let after = t.get(&format!("/api/v1/campaigns/{id}/meetings"), &office).await.json().as_array().unwrap().len();
        assert_eq!(before, after);

        t.tibetan_reader("reader-bo", Role::Coordinator, "ZXB").await;
        let reader = t.session("reader-bo").await;
        let meetings = t.get("/meetings", &reader).await.text();
        assert!(meetings.contains("<span lang=\"bo\">ཚོགས་འདུ་གསུམ་པ།</span>"), "{meetings}");
        assert!(meetings.contains("class=\"untranslated\""), "the meeting without a Tibetan title: its Chinese, marked");
        let page = t.get(&format!("/meetings/{meeting_id}"), &reader).await.text();
        assert!(page.contains("<h1><span lang=\"bo\">ཚོགས་འདུ་གསུམ་པ།</span></h1>"));
        let contests = t.get("/contests", &reader).await.text();
        assert!(contests.contains("<span lang=\"bo\">གླེང་སྟེགས།</span>"));
        let page = t.get(&format!("/contests/{contest_id}"), &reader).await.text();
        assert!(page.contains("<h1><span lang=\"bo\">གླེང་སྟེགས།</span></h1>"));
        let chinese = t.get(&format!("/meetings/{meeting_id}"), &t.session("office").await).await.text();
        assert!(chinese.contains("<h1><span lang=\"zh-Hans\">第三次推进会</span></h1>"));

        // From the page's form too.
        let session = t.session("office").await;
        let fields = [
            ("csrf", session.csrf()),
            ("campaign_id", &id.to_string()),
            ("title", "第四次推进会"),
            ("title_bo", "ཚོགས་འདུ་བཞི་པ།"),
            ("starts_at", "2023-12-01T10:00"),
            ("mode", "video"),
        ];
        let saved = t.form("/meetings", &session, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let listed = t.get(&format!("/api/v1/campaigns/{id}/meetings"), &office).await.json();
        assert!(listed.as_array().unwrap().iter().any(|m| m["title_bo"] == "ཚོགས་འདུ་བཞི་པ།"), "{listed}");
    }
}

backend_test! {
    async fn a_plans_levels_are_renamed_in_tibetan_but_keep_their_shape(t) {
        let office = t.token("office").await;
        let (campaign, task) = crate::plans::campaign_with_task(&t, &office).await;
        let path = format!("/api/v1/campaigns/{campaign}");
        let read = t.get(&path, &office).await;
        let etag = read.header("etag").unwrap().trim_matches('"').to_owned();
        let settings = |levels: serde_json::Value| {
            json!({"name": "2023年创建工作", "year": 2023, "starts_on": "2023-01-01", "ends_on": "2023-12-31",
                "as_of": "2023-04-15", "levels": levels})
        };
        // A level more, or the task level moved: refused, nothing changed.
        let moved = settings(json!([
            {"name": "工程", "rollup": "weighted_mean", "is_task": true},
            {"name": "重点任务", "rollup": "worst_light"}
        ]));
        let refused = crate::plans::send_if_match(&t, Method::PUT, &path, &office, &etag, moved).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_eq!(refused.json()["error"]["details"][0]["code"], "levels_fixed", "{}", refused.text());
        assert_eq!(t.get(&path, &office).await.header("etag").unwrap().trim_matches('"'), etag);

        let renamed = settings(json!([
            {"name": "工程", "name_bo": "ལས་གཞི།", "rollup": "weighted_mean"},
            {"name": "重点任务", "rollup": "worst_light", "is_task": true}
        ]));
        let saved = crate::plans::send_if_match(&t, Method::PUT, &path, &office, &etag, renamed).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_eq!(saved.json()["levels"][0]["name_bo"], "ལས་གཞི།");
        assert_eq!(saved.json()["levels"][1]["rollup"], "worst_light");

        // The edit form has a row per level with its Tibetan name; its rules are shown, not asked.
        let session = t.session("office").await;
        let form = t.get(&format!("/campaigns/{campaign}/edit"), &session).await.text();
        assert!(form.contains(r#"name="level1_bo" value="ལས་གཞི།""#), "{form}");
        assert!(form.contains(r#"name="level_count" value="2""#) && form.contains(r#"type="hidden" name="rule2" value="worst_light""#));
        assert!(!form.contains(r#"<select id="rule1""#) && !form.contains(r#"name="level3""#));
        let version = saved.json()["version"].as_i64().unwrap().to_string();
        let fields = [
            ("csrf", session.csrf()),
            ("version", &version),
            ("name", "2023年创建工作"),
            ("year", "2023"),
            ("starts_on", "2023-01-01"),
            ("ends_on", "2023-12-31"),
            ("yellow_at", "10"),
            ("red_at", "30"),
            ("as_of", "2023-04-15"),
            ("level1", "工程"),
            ("level1_bo", "ལས་གཞི།"),
            ("level2", "重点任务"),
            ("level2_bo", "ལས་འགན་གཙོ་བོ།"),
            ("level_count", "2"),
            ("rule1", "weighted_mean"),
            ("rule2", "worst_light"),
        ];
        let posted = t.form(&format!("/campaigns/{campaign}"), &session, &fields).await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
        let levels = t.get(&path, &office).await.json()["levels"].clone();
        assert_eq!((levels[1]["name_bo"].as_str(), levels[1]["is_task"].as_bool()), (Some("ལས་འགན་གཙོ་བོ།"), Some(true)));
        let mut blank = fields.to_vec();
        let next = (saved.json()["version"].as_i64().unwrap() + 1).to_string();
        blank[1] = ("version", &next);
        blank[11] = ("level2", " ");
        let kept = t.form(&format!("/campaigns/{campaign}"), &session, &blank).await;
        assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY, "a blank level name is refused");
        assert!(kept.text().contains("每个层级都需要名称。") && kept.text().contains(r#"value="ལས་འགན་གཙོ་བོ།""#));

        // A Tibetan reader sees the levels' Tibetan names on the plan and on a task.
        t.tibetan_reader("reader-bo", Role::Coordinator, "ZXB").await;
        let reader = t.session("reader-bo").await;
        let plan = t.get(&format!("/campaigns/{campaign}"), &reader).await.text();
        assert!(plan.contains(r#"<span lang="bo">ལས་གཞི།</span>"#), "{plan}");
        let item = t.get(&format!("/plan-items/{task}"), &reader).await.text();
        assert!(item.contains(r#"<span class="tag"><span lang="bo">ལས་འགན་གཙོ་བོ།</span></span>"#), "{item}");
    }
}

backend_test! {
    async fn indicators_carry_a_tibetan_name_and_the_editor_keeps_what_it_does_not_show(t) {
        use crate::evaluation_pages::{post, redirected_to, scheme_fields};
        let office_token = t.token("office").await;
        let (campaign, _) = crate::plans::campaign_with_task(&t, &office_token).await;
        let office = t.session("office").await;
        let mut fields = scheme_fields(office.csrf(), campaign, "20, 20");
        fields.push(("n0_name_bo", "ཁྱབ་བསྒྲགས།".into()));
        let created = post(&t, "/evaluations", &office, &fields).await;
        let id: i64 = redirected_to(&created).rsplit('/').next().unwrap().parse().unwrap();

        // How A1 is assessed and its evidence come through the API; the editor does not show
        // them, and saving it keeps them.
        let path = format!("/api/v1/evaluations/{id}");
        let read = t.get(&path, &office_token).await;
        let mut body = read.json();
        body["scheme"]["nodes"][0]["methods"] = json!(["查阅资料", "实地查看"]);
        body["scheme"]["nodes"][0]["evidence"] = json!("会议记录");
        let request = json!({"name": body["name"], "scheme": body["scheme"], "units": body["units"]});
        let etag = read.header("etag").unwrap().trim_matches('"').to_owned();
        let put = crate::plans::send_if_match(&t, Method::PUT, &path, &office_token, &etag, request).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text());
        let edit = t.get(&format!("/evaluations/{id}/edit"), &office).await.text();
        assert!(edit.contains(r#"name="n0_name_bo" value="ཁྱབ་བསྒྲགས།""#), "{edit}");
        let methods = "查阅资料\n实地查看";
        assert!(edit.contains(&format!(r#"name="n0_methods" value="{methods}""#)), "{edit}");
        let mut again = scheme_fields(office.csrf(), campaign, "20, 20");
        again.retain(|(k, _)| *k != "version");
        let version = put.json()["version"].as_i64().unwrap().to_string();
        again.extend([("version", version), ("n0_name_bo", "ཁྱབ་བསྒྲགས།".into()), ("n0_methods", methods.into())]);
        again.push(("n0_evidence", "会议记录".into()));
        redirected_to(&post(&t, &format!("/evaluations/{id}"), &office, &again).await);
        let node = t.get(&path, &office_token).await.json()["scheme"]["nodes"][0].clone();
        assert_eq!((node["name_bo"].clone(), node["methods"].clone()), (json!("ཁྱབ་བསྒྲགས།"), json!(["查阅资料", "实地查看"])));
        assert_eq!(node["evidence"], "会议记录");

        // The API's score sheet and the pages give Tibetan readers the Tibetan, A2 marked.
        let lhasa = t.unit_id("540100").await;
        let sheet = t.get(&format!("/api/v1/evaluations/{id}/entries?unit_id={lhasa}"), &office_token).await.json();
        let names: Vec<_> = sheet["leaves"].as_array().unwrap().iter().map(|l| l["name_bo"].clone()).collect();
        assert_eq!(names, [json!("ཁྱབ་བསྒྲགས།"), serde_json::Value::Null], "{sheet}");
        t.tibetan_reader("reader-bo", Role::Coordinator, "ZXB").await;
        let reader = t.session("reader-bo").await;
        let page = t.get(&format!("/evaluations/{id}"), &reader).await.text();
        assert!(page.contains(r#"<span lang="bo">ཁྱབ་བསྒྲགས།</span>"#), "{page}");
        assert!(page.contains(r#"<span lang="zh-Hans">工作机制</span><span class="untranslated""#), "{page}");
        let chinese = t.get(&format!("/evaluations/{id}"), &office).await.text();
        assert!(chinese.contains(r#"<span lang="zh-Hans">宣传报道</span>"#));
    }
}

backend_test! {
    async fn a_meeting_and_a_contest_are_renamed_in_both_languages(t) {
        let office = t.token("office").await;
        let id = campaign(&t).await;
        let meeting = json!({"title": "第五次推进会", "starts_at": "2023-11-10T10:00:00+08:00", "mode": "video"});
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/meetings"), &office, meeting).await;
        let (meeting_id, version) = (created.json()["id"].as_i64().unwrap(), created.json()["version"].as_i64().unwrap());
        let path = format!("/api/v1/meetings/{meeting_id}/title");
        let retitle = |title: &str, bo: &str| json!({"title": title, "title_bo": bo});
        let send = |body, version: i64| {
            let (t, office, path) = (&t, &office, &path);
            async move { crate::plans::send_if_match(t, Method::PUT, path, office, &version.to_string(), body).await }
        };

        // Only the organiser; a blank title or an old version keeps what was there.
        let lhasa = t.token("lhasa").await;
        let refused = crate::plans::send_if_match(&t, Method::PUT, &path, &lhasa, &version.to_string(), retitle("改", "")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let blank = send(retitle(" ", "ཚོགས་འདུ།"), version).await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(blank.json()["error"]["details"][0]["field"], "title", "{}", blank.text());
        assert_eq!(send(retitle("第五次推进会（调整）", ""), version + 5).await.status, StatusCode::PRECONDITION_FAILED);
        let renamed = send(retitle("第五次推进会（调整）", "ཚོགས་འདུ་ལྔ་པ།"), version).await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
        assert_eq!((renamed.json()["title"].as_str(), renamed.json()["title_bo"].as_str()), (Some("第五次推进会（调整）"), Some("ཚོགས་འདུ་ལྔ་པ།")));

        // The page's own form: sent back open with the input kept, then saved.
        let session = t.session("office").await;
        let page = t.get(&format!("/meetings/{meeting_id}"), &session).await.text();
        assert!(page.contains(&format!(r#"action="/meetings/{meeting_id}/title""#)) && page.contains(r#"value="ཚོགས་འདུ་ལྔ་པ།""#));
        let now = (version + 1).to_string();
        let form = |zh: &'static str, bo: &'static str| [("csrf", session.csrf().to_owned()), ("version", now.clone()), ("rename_zh", zh.into()), ("rename_bo", bo.into())];
        let sent = |fields: [(&'static str, String); 4]| {
            let (t, session) = (&t, &session);
            async move {
                let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.form(&format!("/meetings/{meeting_id}/title"), session, &borrowed).await
            }
        };
        let kept = sent(form("", "ཚོགས་འདུ་དྲུག་པ།")).await;
        assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(kept.text().contains(r#"<details class="rename" open>"#) && kept.text().contains(r#"value="ཚོགས་འདུ་དྲུག་པ།""#));
        assert_eq!(sent(form("第六次推进会", "ཚོགས་འདུ་དྲུག་པ།")).await.status, StatusCode::SEE_OTHER);
        let read = t.get(&format!("/api/v1/meetings/{meeting_id}"), &office).await.json();
        assert_eq!(read["meeting"]["title_bo"], "ཚོགས་འདུ་དྲུག་པ།", "{read}");

        // A closed meeting keeps its title.
        let current = read["meeting"]["version"].as_i64().unwrap();
        let closed = crate::plans::send_if_match(&t, Method::POST, &format!("/api/v1/meetings/{meeting_id}/close"), &office, &current.to_string(), json!({})).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.text());
        assert_eq!(send(retitle("又改", ""), current + 1).await.status, StatusCode::CONFLICT);

        // A contest the same way; its name errors stay apart from the round form's.
        let contest = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/contests"), &office, json!({"name": "演讲比赛"})).await.json();
        let contest_path = format!("/api/v1/contests/{}/name", contest["id"]);
        let version = contest["version"].as_i64().unwrap().to_string();
        let named = crate::plans::send_if_match(&t, Method::PUT, &contest_path, &office, &version, json!({"name": "演讲比赛", "name_bo": "གླེང་སྟེགས།"})).await;
        assert_eq!((named.status, named.json()["name_bo"].clone()), (StatusCode::OK, json!("གླེང་སྟེགས།")), "{}", named.text());
        let page = format!("/contests/{}/name", contest["id"]);
        let next = named.json()["version"].as_i64().unwrap().to_string();
        let blank = [("csrf", session.csrf()), ("version", next.as_str()), ("rename_zh", " "), ("rename_bo", "")];
        let kept = t.form(&page, &session, &blank).await;
        assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(kept.text().contains(r#"id="rename_zh-error">"#) && !kept.text().contains(r#"id="name-error">请"#));
    }
}

backend_test! {
    async fn a_checklists_points_carry_a_tibetan_title(t) {
        let office = t.token("office").await;
        let (campaign, _) = crate::plans::campaign_with_task(&t, &office).await;
        let body = json!({"name": "第一轮督导", "starts_on": "2023-09-04", "ends_on": "2023-09-22"});
        let round = t.json(Method::POST, &format!("/api/v1/campaigns/{campaign}/inspection-rounds"), &office, body).await;
        assert_eq!(round.status, StatusCode::CREATED, "{}", round.text());
        let id = round.json()["id"].as_i64().unwrap();
        let lhasa = t.unit_id("540100").await;
        let targets = json!({"targets": [{"unit_id": lhasa}]});
        assert_eq!(t.json(Method::PUT, &format!("/api/v1/inspection-rounds/{id}/targets"), &office, targets).await.status, StatusCode::OK);
        let checklist = format!("/api/v1/inspection-rounds/{id}/checklist");
        let items = json!({"items": [
            {"title": "宣传月活动开展情况", "title_bo": "ཁྱབ་བསྒྲགས་ཟླ་བ།"},
            {"title": "工作台账", "title_bo": "  "}
        ]});
        let saved = t.json(Method::PUT, &checklist, &office, items).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_eq!((saved.json()[0]["title_bo"].clone(), saved.json()[1]["title_bo"].clone()), (json!("ཁྱབ་བསྒྲགས་ཟླ་བ།"), serde_json::Value::Null));
        let bad = json!({"items": [{"title": "要点", "title_bo": "ཁ\u{0}"}]});
        assert_eq!(t.json(Method::PUT, &checklist, &office, bad).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let kept = t.get(&format!("/api/v1/inspection-rounds/{id}"), &office).await.json();
        assert_eq!(kept["items"][0]["title_bo"], "ཁྱབ་བསྒྲགས་ཟླ་བ།", "a refused checklist keeps the one before");

        // The planning page's editor shows and takes it.
        let session = t.session("office").await;
        let page = t.get(&format!("/inspection-rounds/{id}"), &session).await.text();
        assert!(page.contains(r#"name="i0_title_bo" value="ཁྱབ་བསྒྲགས་ཟླ་བ།""#), "{page}");
        let fields = [("csrf", session.csrf()), ("i0_title", "工作台账"), ("i0_title_bo", "ཐོ་འགོད།"), ("i0_evidence", "")];
        let posted = t.form(&format!("/inspection-rounds/{id}/checklist"), &session, &fields).await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
        let items = t.get(&format!("/api/v1/inspection-rounds/{id}"), &office).await.json()["items"].clone();
        assert_eq!((items.as_array().unwrap().len(), items[0]["title_bo"].clone()), (1, json!("ཐོ་འགོད།")));

        // Once the round is under way, a Tibetan reader sees the Tibetan title on the round and on
        // the unit's sheet.
        let path = format!("/api/v1/inspection-rounds/{id}");
        let etag = t.get(&path, &office).await.header("etag").unwrap().trim_matches('"').to_owned();
        let active = json!({"name": "第一轮督导", "starts_on": "2023-09-04", "ends_on": "2023-09-22", "status": "active"});
        let started = crate::plans::send_if_match(&t, Method::PUT, &path, &office, &etag, active).await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.text());
        t.tibetan_reader("reader-bo", Role::Coordinator, "ZXB").await;
        let reader = t.session("reader-bo").await;
        let round = t.get(&format!("/inspection-rounds/{id}"), &reader).await.text();
        assert!(round.contains(r#"<li><span lang="bo">ཐོ་འགོད།</span>"#), "{round}");
        let sheet = t.get(&format!("/inspection-rounds/{id}/units/{lhasa}"), &t.session("office").await).await;
        assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.text());
        assert!(sheet.text().contains(r#"<span lang="zh-Hans">工作台账</span>"#), "{}", sheet.text());

        // A finding's category (its title) in Tibetan too: kept, returned and shown.
        let inspector = t.token("inspector").await;
        let finding = json!({"unit_id": lhasa, "severity": "minor", "category": "台账不全", "category_bo": "ཐོ་མ་ཚང་།",
            "description": "缺少第三季度记录"});
        let findings = format!("/api/v1/inspection-rounds/{id}/findings");
        let recorded = t.json(Method::POST, &findings, &inspector, finding).await;
        assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.text());
        assert_eq!(recorded.json()["finding"]["category_bo"], "ཐོ་མ་ཚང་།", "{}", recorded.text());
        let finding_id = recorded.json()["finding"]["id"].as_i64().unwrap();
        t.tibetan_reader("inspector-bo", Role::Inspector, "540000").await;
        let reader = t.session("inspector-bo").await;
        let page = t.get(&format!("/findings/{finding_id}"), &reader).await.text();
        assert!(page.contains(r#"<span lang="bo">ཐོ་མ་ཚང་།</span>"#), "{page}");
        let ledger = t.get("/inspections", &reader).await.text();
        assert!(ledger.contains(r#"<span lang="bo">ཐོ་མ་ཚང་།</span>："#), "{ledger}");
        let bad = json!({"unit_id": lhasa, "severity": "minor", "category": "台账", "category_bo": "ཐོ\u{7}", "description": "缺"});
        let refused = t.json(Method::POST, &findings, &inspector, bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    }
}

backend_test! {
    async fn an_evaluation_scheme_is_named_in_tibetan(t) {
        use crate::evaluation_pages::{post, redirected_to, scheme_fields};
        let office_token = t.token("office").await;
        let (campaign, _) = crate::plans::campaign_with_task(&t, &office_token).await;
        let office = t.session("office").await;
        let schemes = format!("/api/v1/evaluations?campaign_id={campaign}");

        // A control character in the Tibetan name: the form again with the message beside the
        // field and the input kept, nothing stored.
        let mut fields = scheme_fields(office.csrf(), campaign, "20, 20");
        fields.push(("name_bo", "ཚོགས་\u{7}འདུ".into()));
        let refused = post(&t, "/evaluations", &office, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text();
        assert!(page.contains("不能包含控制字符") && page.contains(r#"name="name_bo""#), "{page}");
        assert_eq!(t.get(&schemes, &office_token).await.json(), json!([]));

        // Named in Tibetan (the test's own text); the API and the pages carry it.
        fields.pop();
        fields.push(("name_bo", "ཚོགས་འདུ།".into()));
        let created = post(&t, "/evaluations", &office, &fields).await;
        let id: i64 = redirected_to(&created).rsplit('/').next().unwrap().parse().unwrap();
        let listed = t.get(&schemes, &office_token).await.json();
        assert_eq!((listed[0]["name"].clone(), listed[0]["name_bo"].clone()), (json!("2023年度考评"), json!("ཚོགས་འདུ།")));
        t.tibetan_reader("reader-bo", Role::Coordinator, "ZXB").await;
        let reader = t.session("reader-bo").await;
        for path in [format!("/evaluations/{id}"), format!("/evaluations?campaign={campaign}")] {
            let page = t.get(&path, &reader).await.text();
            assert!(page.contains(r#"<span lang="bo">ཚོགས་འདུ།</span>"#), "{path}: {page}");
        }
        let chinese = t.get(&format!("/evaluations/{id}"), &office).await.text();
        assert!(chinese.contains(r#"<span lang="zh-Hans">2023年度考评</span>"#), "{chinese}");

        // Renamed through the API: a blank Tibetan name is none.
        let path = format!("/api/v1/evaluations/{id}");
        let read = t.get(&path, &office_token).await;
        let body = read.json();
        let etag = read.header("etag").unwrap().trim_matches('"').to_owned();
        let request = json!({"name": body["name"], "name_bo": " ", "scheme": body["scheme"], "units": body["units"]});
        let put = crate::plans::send_if_match(&t, Method::PUT, &path, &office_token, &etag, request).await;
        assert_eq!((put.status, put.json()["name_bo"].clone()), (StatusCode::OK, serde_json::Value::Null), "{}", put.text());
        let edit = t.get(&format!("/evaluations/{id}/edit"), &office).await.text();
        assert!(edit.contains(r#"name="name_bo" type="text" value="""#), "{edit}");
    }
}

backend_test! {
    async fn an_inspection_round_is_named_in_tibetan(t) {
        let (office, token) = (t.session("office").await, t.token("office").await);
        let (campaign, _) = crate::plans::campaign_with_task(&t, &token).await;
        let campaign_text = campaign.to_string();
        let fields = |name_bo: &str| -> Vec<(&str, String)> {
            [
                ("csrf", office.csrf()),
                ("campaign_id", campaign_text.as_str()),
                ("name", "2023年第三季度调研督导"),
                ("name_bo", name_bo),
                ("starts_on", "2023-09-04"),
                ("ends_on", "2023-09-22"),
                ("scheme_id", ""),
            ]
            .map(|(k, v)| (k, v.to_owned()))
            .to_vec()
        };
        let send = |fields: Vec<(&'static str, String)>| {
            let t = &t;
            let office = &office;
            async move {
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.form("/inspection-rounds", office, &pairs).await
            }
        };
        // 1,000 characters of Tibetan: the form again, the message beside the field, the input
        // kept; nothing stored.
        let long = "ཚོགས་".repeat(200);
        let refused = send(fields(&long)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("内容过长") && refused.text().contains(&long), "{}", refused.text());
        let rounds = format!("/api/v1/campaigns/{campaign}/inspection-rounds");
        assert_eq!(t.get(&rounds, &token).await.json(), json!([]));

        let created = send(fields("ཚོགས་འདུ།")).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let round_path = created.header("location").unwrap().to_owned();
        let listed = t.get(&rounds, &token).await.json();
        assert_eq!(listed[0]["name_bo"], "ཚོགས་འདུ།", "{listed}");
        t.tibetan_reader("reader-bo", Role::Coordinator, "ZXB").await;
        let reader = t.session("reader-bo").await;
        for path in [round_path.clone(), format!("/inspections?campaign={campaign}")] {
            let page = t.get(&path, &reader).await.text();
            assert!(page.contains(r#"<span lang="bo">ཚོགས་འདུ།</span>"#), "{path}: {page}");
        }
        // The office's round page offers it for editing; the API renames it, blank is none.
        assert!(t.get(&round_path, &office).await.text().contains(r#"name="name_bo" value="ཚོགས་འདུ།""#));
        let api = format!("/api/v1/inspection-rounds/{}", listed[0]["id"]);
        let version = listed[0]["version"].to_string();
        let body = json!({"name": "2023年第三季度调研督导", "name_bo": "", "starts_on": "2023-09-04", "ends_on": "2023-09-22"});
        let put = crate::plans::send_if_match(&t, Method::PUT, &api, &token, &version, body).await;
        assert_eq!((put.status, put.json()["name_bo"].clone()), (StatusCode::OK, serde_json::Value::Null), "{}", put.text());
        let page = t.get(&round_path, &reader).await.text();
        assert!(page.contains(r#"<span lang="zh-Hans">2023年第三季度调研督导</span><span class="untranslated""#), "{page}");
    }
}

backend_test! {
    async fn a_meetings_agenda_items_carry_a_tibetan_title(t) {
        let office = t.token("office").await;
        let id = campaign(&t).await;
        let meeting = json!({"title": "第五次推进会", "starts_at": "2023-11-10T10:00:00+08:00", "mode": "video"});
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/meetings"), &office, meeting).await;
        let meeting_id = created.json()["id"].as_i64().unwrap();
        let items = format!("/api/v1/meetings/{meeting_id}/agenda-items");

        // Through the API: a NUL in the Tibetan title is refused on its field, nothing added.
        let bad = json!({"title": "通报工作进展", "title_bo": "ཚོགས་\u{0}འདུ", "minutes": 20});
        let refused = t.json(Method::POST, &items, &office, bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"]["details"][0]["field"], "title_bo", "{}", refused.text());
        let good = json!({"title": "通报工作进展", "title_bo": "ཚོགས་འདུ།", "minutes": 20});
        let added = t.json(Method::POST, &items, &office, good).await;
        assert_eq!((added.status, added.json()["title_bo"].clone()), (StatusCode::CREATED, json!("ཚོགས་འདུ།")), "{}", added.text());

        // Through the page's form: one without a Tibetan title, which Tibetan readers see marked.
        let session = t.session("office").await;
        let fields = [("csrf", session.csrf()), ("title", "交流发言"), ("title_bo", ""), ("presenter", ""), ("minutes", "15")];
        let sent = t.form(&format!("/meetings/{meeting_id}/agenda-items"), &session, &fields).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let agenda = t.get(&format!("/api/v1/meetings/{meeting_id}"), &office).await.json()["agenda"].clone();
        assert_eq!((agenda[1]["title"].clone(), agenda[1]["title_bo"].clone()), (json!("交流发言"), serde_json::Value::Null));
        t.tibetan_reader("reader-bo", Role::Viewer, "540000").await;
        let page = t.get(&format!("/meetings/{meeting_id}"), &t.session("reader-bo").await).await.text();
        assert!(page.contains(r#"<span lang="bo">ཚོགས་འདུ།</span>"#), "{page}");
        assert!(page.contains(r#"<span lang="zh-Hans">交流发言</span><span class="untranslated""#), "{page}");
    }
}
