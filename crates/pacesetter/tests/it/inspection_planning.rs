//! Planning an inspection round through the pages, on every backend: the new-round form with
//! a bad date range sent back beside the field; a team, the targets and the checklist generated
//! then edited on the round's page; the checklist fixed once answered; nobody but the office
//! planning. And the items page's button that turns overdue findings into deductions.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};
use serde_json::json;

use crate::plans::{campaign_with_task, send_if_match};

async fn user_id(t: &TestApp, username: &str) -> String {
    t.get("/api/v1/me", &t.token(username).await).await.json()["id"].to_string()
}

async fn post(t: &TestApp, path: &str, who: &Auth, fields: &[(&str, &str)]) -> TestResponse {
    let mut with_csrf = vec![("csrf", who.csrf())];
    with_csrf.extend_from_slice(fields);
    t.form(path, who, &with_csrf).await
}

backend_test! {
    async fn a_round_is_planned_on_its_pages(t) {
        let (office, token) = (t.session("office").await, t.token("office").await);
        let (campaign, task) = campaign_with_task(&t, &token).await;
        let new = t.get(&format!("/inspection-rounds/new?campaign={campaign}"), &office).await;
        assert_eq!(new.status, StatusCode::OK);
        assert!(new.text().contains("新建督导轮次") && new.text().contains("关联考评方案"));

        // A bad range comes back beside the end date, with the name kept.
        let campaign_text = campaign.to_string();
        let fields = |starts: &'static str, ends: &'static str| {
            vec![
                ("campaign_id", campaign_text.as_str()),
                ("name", "2023年第三季度调研督导"),
                ("starts_on", starts),
                ("ends_on", ends),
                ("scheme_id", ""),
            ]
        };
        let backwards = post(&t, "/inspection-rounds", &office, &fields("2023-09-22", "2023-09-04")).await;
        assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = backwards.text();
        assert!(
            page.contains("结束日期不能早于开始日期") && page.contains("value=\"2023年第三季度调研督导\""),
            "{page}"
        );
        let unreadable = post(&t, "/inspection-rounds", &office, &fields("九月", "2023-09-22")).await;
        assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unreadable.text().contains("日期格式应为"));
        let created = post(&t, "/inspection-rounds", &office, &fields("2023-09-04", "2023-09-22")).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let round_path = created.header("location").unwrap().to_owned();
        let round = round_path.trim_start_matches("/inspection-rounds/").parse::<i64>().unwrap();
        let api = format!("/api/v1/inspection-rounds/{round}");
        assert_eq!(t.get(&api, &token).await.json()["round"]["status"], "planning");
        let page = t.get(&round_path, &office).await.text();
        assert!(page.contains("组建督导组") && page.contains("选择督导对象") && page.contains("按目标任务和指标生成"));

        // A team: its leader is required, then it is formed with its members.
        let (inspector, office_id) = (user_id(&t, "inspector").await, user_id(&t, "office").await);
        let teams = format!("{round_path}/teams");
        let leaderless = post(&t, &teams, &office, &[("name", "第一督导组"), ("member", &office_id)]).await;
        assert_eq!(leaderless.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(leaderless.text().contains("此项为必填项") && leaderless.text().contains("value=\"第一督导组\""));
        let formed =
            post(&t, &teams, &office, &[("name", "第一督导组"), ("leader", &inspector), ("member", &office_id)]).await;
        assert_eq!(formed.status, StatusCode::SEE_OTHER, "{}", formed.text());
        let shown = t.get(formed.header("location").unwrap(), &office).await.text();
        assert!(shown.contains("督导组已添加") && shown.contains("组长：督导组成员（inspector）"), "{shown}");
        let team = t.get(&api, &token).await.json()["teams"][0]["id"].to_string();
        assert_eq!(t.get(&api, &token).await.json()["teams"][0]["member_ids"].as_array().unwrap().len(), 2);

        // The units it visits, each with its team; a team of another round is refused.
        let (lhasa, shigatse) = (t.unit_id("540100").await.to_string(), t.unit_id("540200").await.to_string());
        let targets = format!("{round_path}/targets");
        let lhasa_team = format!("team_{lhasa}");
        let foreign = post(&t, &targets, &office, &[("unit", &lhasa), (&lhasa_team, "999999")]).await;
        assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(foreign.text().contains("所选督导组不属于本轮次"));
        let chosen = post(&t, &targets, &office, &[("unit", &lhasa), (&lhasa_team, &team), ("unit", &shigatse)]).await;
        assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.text());
        let planned = t.get(&api, &token).await.json();
        assert_eq!(planned["targets"].as_array().unwrap().len(), 2);
        let lhasa_target =
            planned["targets"].as_array().unwrap().iter().find(|x| x["unit_id"] == lhasa.parse::<i64>().unwrap());
        assert_eq!(lhasa_target.unwrap()["team_id"].to_string(), team);

        // The checklist is generated from the targets' tasks, then edited and saved.
        let generated = post(&t, &format!("{round_path}/checklist/generate"), &office, &[]).await;
        assert_eq!(generated.status, StatusCode::SEE_OTHER, "{}", generated.text());
        assert!(t.get(generated.header("location").unwrap(), &office).await.text().contains("已生成"));
        let items = t.get(&api, &token).await.json()["items"].clone();
        assert_eq!(items[0]["plan_item_id"], task);
        let plan_item = task.to_string();
        let checklist = format!("{round_path}/checklist");
        let edited = [
            ("i0_title", "各地市青年演讲比赛预赛举办情况"),
            ("i0_evidence", "比赛方案、获奖名单"),
            ("i0_plan_item", plan_item.as_str()),
            ("i1_title", ""),
            ("i1_evidence", ""),
            ("i2_title", "民族团结进步宣传月活动开展情况"),
            ("i2_evidence", "活动方案、照片"),
        ];
        let more = post(&t, &checklist, &office, &[&edited[..], &[("more", "1")]].concat()).await;
        assert_eq!(more.status, StatusCode::OK);
        assert!(more.text().contains("name=\"i5_title\""), "more rows, nothing saved");
        let untitled = post(&t, &checklist, &office, &[("i0_title", " "), ("i0_evidence", "照片")]).await;
        assert_eq!(untitled.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(untitled.text().contains("此项为必填项") && untitled.text().contains("value=\"照片\""));
        let saved = post(&t, &checklist, &office, &edited).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let items = t.get(&api, &token).await.json()["items"].clone();
        let titles: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["各地市青年演讲比赛预赛举办情况", "民族团结进步宣传月活动开展情况"]);
        assert_eq!((items[0]["plan_item_id"].as_i64(), items[1]["plan_item_id"].as_i64()), (Some(task), None));
        assert_eq!(items[1]["evidence_request"], "活动方案、照片");

        // The name and dates change with the version seen; a stale version keeps what was typed.
        let version = t.get(&api, &token).await.json()["round"]["version"].to_string();
        let renamed = [
            ("version", version.as_str()),
            ("name", "2023年第三季度创建工作调研督导"),
            ("starts_on", "2023-09-04"),
            ("ends_on", "2023-09-29"),
        ];
        let saved = post(&t, &round_path, &office, &renamed).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        assert_eq!(t.get(&api, &token).await.json()["round"]["ends_on"], "2023-09-29");
        let stale = post(&t, &round_path, &office, &renamed).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(
            stale.text().contains("该记录已被其他人修改") && stale.text().contains("2023年第三季度创建工作调研督导")
        );

        // Once a unit has answered, the checklist stays; once the round starts, it is fixed.
        let item = items[0]["id"].as_i64().unwrap();
        let own = json!({"unit_id": t.unit_id("540100").await, "item_id": item, "status": "met"});
        let answered = t.json(Method::PUT, &format!("{api}/self-checks"), &t.token("lhasa").await, own).await;
        assert_eq!(answered.status, StatusCode::OK, "{}", answered.text());
        let replaced = post(&t, &checklist, &office, &edited).await;
        assert_eq!(replaced.status, StatusCode::CONFLICT);
        assert!(replaced.text().contains("检查清单已有填报，不能再替换"));
        let version = t.get(&api, &token).await.json()["round"]["version"].to_string();
        let status = format!("{round_path}/status");
        let started = post(&t, &status, &office, &[("version", &version), ("status", "active")]).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER);
        let under_way = t.get(&round_path, &office).await.text();
        assert!(under_way.contains("检查清单不能再修改") && under_way.contains("组建督导组"));
        assert!(!under_way.contains("按目标任务和指标生成"));
    }
}

backend_test! {
    async fn only_the_office_plans_a_round(t) {
        let token = t.token("office").await;
        let (campaign, _) = campaign_with_task(&t, &token).await;
        let body = json!({"name": "第一轮调研督导", "starts_on": "2023-05-08", "ends_on": "2023-05-19"});
        let rounds = format!("/api/v1/campaigns/{campaign}/inspection-rounds");
        let round = t.json(Method::POST, &rounds, &token, body).await.json()["id"].as_i64().unwrap();
        let lhasa = t.session("lhasa").await;
        let new = t.get(&format!("/inspection-rounds/new?campaign={campaign}"), &lhasa).await;
        assert_eq!(new.status, StatusCode::FORBIDDEN);
        let campaign = campaign.to_string();
        for (starts, ends) in [("2023-06-01", "2023-06-30"), ("六月", "2023-06-30")] {
            let fields =
                [("campaign_id", campaign.as_str()), ("name", "督导"), ("starts_on", starts), ("ends_on", ends)];
            let refused = post(&t, "/inspection-rounds", &lhasa, &fields).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "not told what is wrong with the date either");
        }
        let path = format!("/inspection-rounds/{round}");
        assert_eq!(t.get(&path, &lhasa).await.status, StatusCode::NOT_FOUND, "a round not visiting Lhasa");
        let lhasa_unit = t.unit_id("540100").await.to_string();
        let targets = json!({"targets": [{"unit_id": t.unit_id("540100").await}]});
        let set = t.json(Method::PUT, &format!("/api/v1/inspection-rounds/{round}/targets"), &token, targets).await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text());
        let page = t.get(&path, &lhasa).await;
        assert_eq!(page.status, StatusCode::OK, "the round visits Lhasa");
        assert!(!page.text().contains("组建督导组") && !page.text().contains("选择督导对象"), "no forms");
        let attempts: [(String, Vec<(&str, &str)>); 6] = [
            (path.clone(), vec![("version", "1"), ("name", "改名"), ("starts_on", "2023-05-08"), ("ends_on", "x")]),
            (format!("{path}/teams"), vec![("name", "督导组"), ("leader", "1")]),
            (format!("{path}/teams"), vec![("name", "督导组")]),
            (format!("{path}/targets"), vec![("unit", &lhasa_unit)]),
            (format!("{path}/checklist"), vec![("i0_title", "要点")]),
            (format!("{path}/checklist/generate"), vec![]),
        ];
        for (target, fields) in attempts {
            let refused = post(&t, &target, &lhasa, &fields).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{target}");
        }
        let after = t.get(&format!("/api/v1/inspection-rounds/{round}"), &token).await.json();
        assert_eq!(after["round"]["name"], "第一轮调研督导");
        assert!(after["teams"].as_array().unwrap().is_empty() && after["targets"].as_array().unwrap().len() == 1);
    }
}

backend_test! {
    async fn the_items_page_makes_deductions_from_overdue_findings(t) {
        let round = pacesetter_app::demo::inspection::seed(&t.app).await.unwrap().completed;
        let token = t.token("office").await;
        let campaign =
            t.get(&format!("/api/v1/inspection-rounds/{}", round.0), &token).await.json()["round"]["campaign_id"]
                .as_i64()
                .unwrap();
        let scheme: serde_json::Value =
            serde_json::from_str(include_str!("../../../../examples/evaluation/scheme.json")).unwrap();
        let units: Vec<serde_json::Value> = t.get("/api/v1/units?kind=prefecture", &token).await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| json!({"unit_id": u["id"], "category": "地市"}))
            .collect();
        let body = json!({"campaign_id": campaign, "name": "督导扣分", "scheme": scheme, "units": units});
        let id = t.json(Method::POST, "/api/v1/evaluations", &token, body).await.json()["id"].as_i64().unwrap();
        let activate = json!({"name": "督导扣分", "status": "active", "scheme": scheme, "units": units});
        let path = format!("/api/v1/evaluations/{id}");
        assert_eq!(send_if_match(&t, Method::PUT, &path, &token, "1", activate).await.status, StatusCode::OK);

        let office = t.session("office").await;
        let items = format!("/evaluations/{id}/items");
        let page = t.get(&items, &office).await.text();
        assert!(page.contains("从督导检查问题生成扣分项") && page.contains("data-confirm"), "{page}");
        let deductions = format!("/evaluations/{id}/finding-deductions");
        let unreadable = post(&t, &deductions, &office, &[("points_per_finding", "半分")]).await;
        assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unreadable.text().contains("分值无效") && unreadable.text().contains("value=\"半分\""));
        let by_liaison = post(&t, &deductions, &t.session("lhasa").await, &[("points_per_finding", "0.5")]).await;
        assert_eq!(by_liaison.status, StatusCode::FORBIDDEN);
        let made = post(&t, &deductions, &office, &[("points_per_finding", "0.5")]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
        assert_eq!(made.header("location"), Some(format!("{items}?deducted=3").as_str()));
        let shown = t.get(made.header("location").unwrap(), &office).await.text();
        assert!(shown.contains("已从督导检查问题生成 3 个扣分项") && shown.contains("上一轮督导反馈问题未按期整改"));
        let again = post(&t, &deductions, &office, &[("points_per_finding", "0.5")]).await;
        let shown = t.get(again.header("location").unwrap(), &office).await.text();
        assert!(shown.contains("没有需要新增的扣分项"), "each finding is deducted once");
    }
}
