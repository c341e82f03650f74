//! A progress meeting's decisions (议定事项) followed up (督办) on every backend: a decision
//! becomes a key task of the plan assigned to its lead unit and co-units, the lead unit finds it
//! in its tasks, its checkpoints are met by reports, it comes back on the next meeting's agenda
//! until the lead unit has reported and the office has closed it; what is refused keeps nothing.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::{Value, json};

use crate::plans::{campaign_with_task, send_if_match};

async fn post(t: &TestApp, path: &str, auth: &Auth, body: Value) -> pacesetter_testkit::TestResponse {
    t.json(Method::POST, path, auth, body).await
}

fn error_of(response: &pacesetter_testkit::TestResponse) -> (StatusCode, String, String) {
    let body = response.json();
    let field = body["error"]["details"][0]["field"].as_str().unwrap_or_default().to_owned();
    let code = body["error"]["details"][0]["code"].as_str().unwrap_or_default().to_owned();
    (response.status, field, code)
}

/// Two meetings of a fresh campaign, on 2 April and 7 July 2023: (campaign, first, second).
async fn two_meetings(t: &TestApp, office: &Auth) -> (i64, i64, i64) {
    let (campaign, _) = campaign_with_task(t, office).await;
    let meetings = format!("/api/v1/campaigns/{campaign}/meetings");
    let mut ids = Vec::new();
    for (title, at) in [("第一次推进会", "2023-04-02T10:00:00+08:00"), ("第二次推进会", "2023-07-07T10:00:00+08:00")]
    {
        let created = post(t, &meetings, office, json!({"title": title, "starts_at": at, "mode": "video"})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        ids.push(created.json()["id"].as_i64().unwrap());
    }
    (campaign, ids[0], ids[1])
}

/// Takes a step or posts an update on an assignment at its current version.
async fn act(t: &TestApp, assignment: i64, auth: &Auth, path: &str, body: Value) {
    let base = format!("/api/v1/assignments/{assignment}");
    let version = t.get(&base, auth).await.json()["assignment"]["version"].to_string();
    let done = send_if_match(t, Method::POST, &format!("{base}/{path}"), auth, &version, body).await;
    assert_eq!(done.status, StatusCode::OK, "{path}: {}", done.text());
}

backend_test! {
    async fn a_decision_is_followed_up_until_the_office_closes_it(t) {
        let office = t.token("office").await;
        let (campaign, first, second) = two_meetings(&t, &office).await;
        let (lhasa, shigatse) = (t.unit_id("540100").await, t.unit_id("540200").await);
        let decisions = format!("/api/v1/meetings/{first}/decisions");
        let decision = json!({"title": "总结推广示范创建经验", "text": "拉萨市会同日喀则市总结经验。",
            "lead_unit_id": lhasa, "co_unit_ids": [shigatse], "due_on": "2023-05-31",
            "checkpoints": [{"label": "4月底前反馈进展", "due_on": "2023-04-30"}, {"label": "3日内首次反馈", "due_on": "2023-04-05"}]});

        // Refused whole, each saying why: nothing is kept.
        let cases = [
            (json!({"due_on": "2023-03-31"}), "due_on", "before_meeting"),
            (json!({"due_on": "五月底"}), "due_on", "invalid_date"),
            (json!({"checkpoints": [{"label": "反馈", "due_on": "2023-06-30"}]}), "checkpoints", "after_deadline"),
            (json!({"checkpoints": [{"label": " ", "due_on": "2023-04-10"}]}), "checkpoints", "required"),
            (json!({"lead_unit_id": 987_654}), "lead_unit_id", "unit_not_found"),
            (json!({"co_unit_ids": [lhasa]}), "co_unit_ids", "unit_twice"),
            (json!({"title": "议".repeat(201)}), "title", "too_long"),
            (json!({"agenda_item_id": 987_654}), "agenda_item_id", "meeting_agenda_item_not_found"),
        ];
        for (change, field, code) in cases {
            let mut body = decision.clone();
            body.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
            let refused = post(&t, &decisions, &office, body).await;
            assert_eq!(error_of(&refused), (StatusCode::UNPROCESSABLE_ENTITY, field.into(), code.into()), "{}", refused.text());
        }
        let liaison = t.token("lhasa").await;
        assert_eq!(post(&t, &decisions, &liaison, decision.clone()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.get(&decisions, &office).await.json(), json!([]), "nothing refused was kept");

        let made = post(&t, &decisions, &office, decision).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let made = made.json();
        assert_eq!((made["lead_unit"]["name"].as_str(), made["due_on"].as_str()), (Some("拉萨市"), Some("2023-05-31")));
        assert_eq!(made["co_units"][0]["name"], "日喀则市");
        let labels: Vec<&str> = made["checkpoints"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
        assert_eq!(labels, ["3日内首次反馈", "4月底前反馈进展"], "earliest first");
        assert_eq!(made["state"], "assigned");
        let assignment = made["assignment_id"].as_i64().unwrap();

        // It is a task of the plan under "推进会议定事项", weighing nothing in the campaign's
        // progress, assigned to the lead unit and the co-unit.
        let plan = t.get(&format!("/api/v1/campaigns/{campaign}/plan"), &office).await.json();
        let text = plan.to_string();
        assert!(text.contains("推进会议定事项") && text.contains("总结推广示范创建经验"), "{text}");
        let task = made["task_id"].as_i64().unwrap();
        let units = t.get(&format!("/api/v1/assignments?task={task}"), &office).await.json();
        assert_eq!(units["total"], 2, "{units}");

        // The lead unit finds it among its tasks, and its page leads back to the meeting.
        let mine = t.get(&format!("/api/v1/assignments?campaign={campaign}&open=true&per_page=100"), &liaison).await.json();
        assert!(mine["items"].as_array().unwrap().iter().any(|i| i["assignment"]["id"] == assignment), "{mine}");
        assert_eq!(t.get(&format!("/api/v1/assignments/{assignment}"), &liaison).await.json()["meeting_id"], first);

        // Until it is closed it comes back on the next meeting's agenda, not on its own.
        let next = t.get(&format!("/api/v1/meetings/{second}"), &liaison).await.json();
        assert_eq!(next["carried_follow_ups"][0]["id"], made["id"], "{next}");
        assert_eq!(next["carried_follow_ups"][0]["meeting_title"], "第一次推进会");
        let own = t.get(&format!("/api/v1/meetings/{first}"), &liaison).await.json();
        assert_eq!((own["decisions"].as_array().unwrap().len(), own["carried_follow_ups"].as_array().unwrap().len()), (1, 0));

        // A progress report meets the first checkpoint (the campaign's day is 15 April: the
        // first day passed, the second has not).
        act(&t, assignment, &liaison, "steps", json!({"step": "acknowledge"})).await;
        act(&t, assignment, &liaison, "updates", json!({"percent": 40, "narrative": "已成立专班"})).await;
        let listed = t.get(&decisions, &liaison).await.json();
        let states: Vec<&str> = listed[0]["checkpoints"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()).collect();
        assert_eq!(states.len(), 2);
        assert_eq!(states[1], "due");

        // The lead unit reports it done; only the office's closing takes it off the next agenda.
        act(&t, assignment, &liaison, "updates", json!({"percent": 100, "narrative": "经验材料已报送", "submit": true})).await;
        let next = t.get(&format!("/api/v1/meetings/{second}"), &office).await.json();
        assert_eq!(next["carried_follow_ups"].as_array().unwrap().len(), 1, "reported, not yet closed");
        let refused = send_if_match(&t, Method::POST, &format!("/api/v1/assignments/{assignment}/steps"), &liaison,
            &t.get(&format!("/api/v1/assignments/{assignment}"), &liaison).await.json()["assignment"]["version"].to_string(),
            json!({"step": "close"})).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "the lead unit cannot close its own follow-up");
        act(&t, assignment, &office, "steps", json!({"step": "close", "comment": "同意办结"})).await;
        let next = t.get(&format!("/api/v1/meetings/{second}"), &office).await.json();
        assert_eq!(next["carried_follow_ups"], json!([]));
        let listed = t.get(&decisions, &office).await.json();
        assert_eq!((listed[0]["closed"].as_bool(), listed[0]["light"].as_str()), (Some(true), Some("done")));
        // The co-unit's share closed with the lead unit's.
        let shares = t.get(&format!("/api/v1/assignments?task={task}"), &office).await.json();
        let states: Vec<&str> =
            shares["items"].as_array().unwrap().iter().map(|i| i["assignment"]["state"].as_str().unwrap()).collect();
        assert_eq!(states, ["closed", "closed"], "{shares}");

        // A closed meeting records no more decisions.
        let version = t.get(&format!("/api/v1/meetings/{first}"), &office).await.json()["meeting"]["version"].to_string();
        let closed = send_if_match(&t, Method::POST, &format!("/api/v1/meetings/{first}/close"), &office, &version, json!({})).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.text());
        let late = post(&t, &decisions, &office, json!({"title": "补充事项", "lead_unit_id": lhasa, "due_on": "2023-05-31"})).await;
        assert_eq!((late.status, late.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("meeting_closed")));
    }
}

backend_test! {
    async fn the_office_records_a_decision_from_the_meeting_page(t) {
        let token = t.token("office").await;
        let (_, first, second) = two_meetings(&t, &token).await;
        let office = t.session("office").await;
        let page = format!("/meetings/{first}");
        // A lead unit typed wrong: the form again, the message beside its field, the input kept.
        let form = [("csrf", office.csrf()), ("decision-title", "完成县（区）任务分解"), ("decision-text", "4月底前完成"),
            ("decision-lead", "日喀"), ("decision-co-units", ""), ("decision-due", "2023-04-30"),
            ("checkpoint-label-1", "3日内首次反馈"), ("checkpoint-due-1", "2023-04-05")];
        let refused = t.form(&format!("{page}/decisions"), &office, &form).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = refused.text();
        assert!(text.contains("href=\"#decision-lead\"") && text.contains("value=\"日喀\""), "{text}");
        assert!(text.contains("value=\"完成县（区）任务分解\"") && text.contains("value=\"3日内首次反馈\""), "{text}");
        assert!(!text.contains("id=\"title-error\">未找到"), "the agenda form shows no error of the decision's");

        let form = [("csrf", office.csrf()), ("decision-title", "完成县（区）任务分解"), ("decision-text", "4月底前完成"),
            ("decision-lead", "540200"), ("decision-co-units", "540100"), ("decision-due", "2023-04-30"),
            ("checkpoint-label-1", "3日内首次反馈"), ("checkpoint-due-1", "2023-04-05")];
        let made = t.form(&format!("{page}/decisions"), &office, &form).await;
        assert_eq!(made.header("location"), Some(format!("{page}#decisions").as_str()), "{}", made.text());
        let shown = t.get(&page, &office).await.text();
        assert!(shown.contains("完成县（区）任务分解") && shown.contains("日喀则市") && shown.contains("3日内首次反馈"), "{shown}");
        // The lead unit's liaison sees it on the next meeting's page, linked to the follow-up.
        let next = t.get(&format!("/meetings/{second}"), &t.session("shigatse").await).await.text();
        assert!(next.contains("督办事项") && next.contains("完成县（区）任务分解") && next.contains("href=\"/assignments/"), "{next}");
    }
}

backend_test! {
    async fn the_demo_follows_up_the_first_meetings_decisions(t) {
        let ids = pacesetter_app::demo::meetings::seed(&t.app).await.unwrap();
        let viewer = t.token("viewer").await;
        let first = t.get(&format!("/api/v1/meetings/{}/decisions", ids[0]), &viewer).await.json();
        let first = first.as_array().unwrap();
        assert_eq!(first.len(), 4);
        let closed: Vec<&str> = first.iter().filter(|d| d["closed"] == true).map(|d| d["lead_unit"]["code"].as_str().unwrap()).collect();
        assert_eq!(closed, ["540200", "540100"], "Xigazê's and Lhasa's are closed");
        // Nagqu's is overdue on the demo's day, its checkpoints missed.
        let nagqu = first.iter().find(|d| d["lead_unit"]["code"] == "540600").unwrap();
        assert_eq!((nagqu["light"].as_str(), nagqu["state"].as_str()), (Some("red"), Some("in_progress")));
        assert!(nagqu["checkpoints"].as_array().unwrap().iter().all(|c| c["state"] == "missed"), "{nagqu}");
        let qamdo = first.iter().find(|d| d["lead_unit"]["code"] == "540300").unwrap();
        assert!(qamdo["checkpoints"].as_array().unwrap().iter().all(|c| c["state"] == "met"), "{qamdo}");
        // The two open ones are on the second meeting's agenda.
        let second = t.get(&format!("/api/v1/meetings/{}", ids[1]), &viewer).await.json();
        let carried: Vec<&str> =
            second["carried_follow_ups"].as_array().unwrap().iter().map(|d| d["lead_unit"]["code"].as_str().unwrap()).collect();
        assert_eq!(carried, ["540600", "540300"]);
        // The reminder job escalates the overdue one to the unit's approvers and the office.
        pacesetter_app::reminders::run(&t.app).await.unwrap();
        let assignment = nagqu["assignment_id"].as_i64().unwrap();
        let mut conn = t.db.store.read().await.unwrap();
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications n JOIN users u ON u.id = n.user_id
             WHERE n.assignment_id = $1 AND n.kind = 'escalation' AND u.username = 'office'",
        )
        .bind(assignment)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(sqlx::Row::try_get::<i64, _>(&row, "n").unwrap(), 1, "escalated to the office once");
    }
}

backend_test! {
    async fn the_briefing_pack_of_the_demos_second_meeting_reads_back(t) {
        pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        pacesetter_app::demo::inspection::seed(&t.app).await.unwrap();
        let ids = pacesetter_app::demo::meetings::seed(&t.app).await.unwrap();
        let office = t.token("office").await;
        let path = format!("/api/v1/meetings/{}/briefing.pdf", ids[1]);
        let pdf = t.get(&path, &office).await;
        assert_eq!((pdf.status, pdf.header("content-type")), (StatusCode::OK, Some("application/pdf")), "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        for expected in [
            "2023年第二次推进会",
            "会议材料",
            "数据截至2023年6月30日",
            "分工程（行动）进展",
            "第一项工程",
            "分地（市）进展",
            "ནག་ཆུ་གྲོང་ཁྱེར",
            "超期未办结任务",
            "督导检查发现问题整改情况",
            "补报2022年创建工作佐证材料",
            "按月报送创建工作进展",
            "最新综合考评排名",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        // The closed follow-ups are not in it.
        assert!(!text.contains("完成2023年县（区）创建任务分解"), "{text}");
        // It is the organiser's, like the minutes.
        assert_eq!(t.get(&path, &t.token("lhasa").await).await.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn a_briefing_pack_in_both_languages_says_its_wording_and_dates_in_each(t) {
        pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        pacesetter_app::demo::inspection::seed(&t.app).await.unwrap();
        let ids = pacesetter_app::demo::meetings::seed(&t.app).await.unwrap();
        let office = t.token("office").await;
        let meeting = t.get(&format!("/api/v1/meetings/{}", ids[1]), &office).await.json();
        let campaign = meeting["meeting"]["campaign_id"].as_i64().unwrap();
        crate::evaluation_bulletin::documents_in_both(&t, campaign).await;
        // A translator's reviewed Tibetan for one heading (the test's own text, not shipped).
        t.tibetan_reader("translator", pacesetter_domain::Role::Admin, "ZXB").await;
        let (admin, translator) = (t.token("admin").await, t.token("translator").await);
        let edit = "/api/v1/translations/bo/briefing.overdue.heading";
        assert_eq!(t.json(Method::PUT, edit, &admin, json!({"text": "ཚོགས་འདུ"})).await.status, StatusCode::OK);
        assert_eq!(t.json(Method::POST, &format!("{edit}/review"), &translator, json!({})).await.status, StatusCode::OK);

        let pdf = t.get(&format!("/api/v1/meetings/{}/briefing.pdf", ids[1]), &office).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        // The translated heading in both languages; the dates in CLDR's long forms, the Tibetan
        // one attested (སྤྱི་ལོ་ "CE" before the year).
        for expected in ["三、超期未办结任务", "ཚོགས་འདུ", "数据截至2023年6月30日", "སྤྱི་ལོ་2023", "ནག་ཆུ་གྲོང་ཁྱེར"] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        // A wording without its own Tibetan is said once, in Chinese.
        assert_eq!(text.matches("会议材料").count(), 1, "{text}");
        assert_eq!(text.matches("督导检查发现问题整改情况").count(), 1, "{text}");
    }
}
