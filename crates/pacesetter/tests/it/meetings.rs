//! Progress meetings (推进会) on every backend: the office schedules a meeting, adds its main
//! venue and branch venues with the units expected at each, and its agenda, whose items run one
//! after another from the start; a liaison reads the schedule but cannot change it; what is
//! refused says why and keeps nothing. The demo holds the four meetings of 2023.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::{Value, json};

use crate::plans::campaign_with_task;

async fn post(t: &TestApp, path: &str, auth: &Auth, body: Value) -> pacesetter_testkit::TestResponse {
    t.json(Method::POST, path, auth, body).await
}

fn error_of(response: &pacesetter_testkit::TestResponse) -> (String, String) {
    let body = response.json();
    let field = body["error"]["details"][0]["field"].as_str().unwrap_or_default().to_owned();
    let code = body["error"]["details"][0]["code"].as_str().unwrap_or_default().to_owned();
    (field, code)
}

backend_test! {
    async fn a_meeting_is_scheduled_with_its_venues_and_agenda(t) {
        let office = t.token("office").await;
        let (campaign, _) = campaign_with_task(&t, &office).await;
        let meetings = format!("/api/v1/campaigns/{campaign}/meetings");

        let body = json!({"title": "第一次推进会", "starts_at": "2023-04-02T10:00:00+08:00", "mode": "telephone",
            "chair": "专项组组长"});
        let created = post(&t, &meetings, &office, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let meeting = created.json();
        assert_eq!(meeting["starts_at"], "2023-04-02T02:00:00.000000Z");
        let id = meeting["id"].as_i64().unwrap();

        let (office_unit, publicity, lhasa, chengguan) =
            (t.unit_id("ZXB").await, t.unit_id("CY-XCB").await, t.unit_id("540100").await, t.unit_id("540102").await);
        let venues = format!("/api/v1/meetings/{id}/venues");
        // A branch venue first: the main venue is still listed first.
        let branch = json!({"kind": "branch", "name": "拉萨市分会场", "host_unit_id": lhasa,
            "positions": "分管负责同志", "expected_unit_ids": [lhasa, chengguan]});
        let added = post(&t, &venues, &office, branch).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
        assert_eq!(added.json()["expected_units"][1]["name"], "城关区");
        let main = json!({"kind": "main", "name": "自治区主会场", "host_unit_id": office_unit,
            "expected_unit_ids": [office_unit, publicity]});
        assert_eq!(post(&t, &venues, &office, main.clone()).await.status, StatusCode::CREATED);

        // A second main venue, and a unit already expected elsewhere, are refused whole.
        let again = post(&t, &venues, &office, main).await;
        assert_eq!((again.status, error_of(&again)), (StatusCode::UNPROCESSABLE_ENTITY, ("kind".into(), "main_venue_exists".into())));
        let elsewhere = json!({"kind": "branch", "name": "城关区分会场", "host_unit_id": chengguan,
            "expected_unit_ids": [chengguan]});
        let elsewhere = post(&t, &venues, &office, elsewhere).await;
        assert_eq!(error_of(&elsewhere), ("expected_unit_ids".into(), "unit_expected_elsewhere".into()));
        let unknown = json!({"kind": "branch", "name": "无名分会场", "host_unit_id": 987_654});
        assert_eq!(error_of(&post(&t, &venues, &office, unknown).await), ("host_unit_id".into(), "unit_not_found".into()));

        let agenda = format!("/api/v1/meetings/{id}/agenda-items");
        for (title, minutes) in [("总结2022年创建工作", 20), ("部署2023年重点任务", 25)] {
            let item = post(&t, &agenda, &office, json!({"title": title, "presenter": "专项组办公室", "minutes": minutes})).await;
            assert_eq!(item.status, StatusCode::CREATED, "{}", item.text());
        }
        let first_item = t.get(&format!("/api/v1/meetings/{id}"), &office).await.json()["agenda"][0]["id"].as_i64().unwrap();
        let summary = format!("/api/v1/meeting-agenda-items/{first_item}/summary");
        let minutes = "一、2022年各项任务全面完成。\n二、存在问题：个别单位报送不及时。";
        let written = t.json(Method::PUT, &summary, &office, json!({"summary": minutes})).await;
        assert_eq!((written.status, written.json()["summary"].as_str()), (StatusCode::OK, Some(minutes)));
        let huge = "纪".repeat(20_001);
        let refused = t.json(Method::PUT, &summary, &office, json!({"summary": huge})).await;
        assert_eq!(error_of(&refused), ("summary".into(), "too_long".into()));
        let zero = post(&t, &agenda, &office, json!({"title": "讲话", "minutes": 0})).await;
        assert_eq!(error_of(&zero), ("minutes".into(), "out_of_range".into()));
        let untitled = post(&t, &agenda, &office, json!({"title": "  ", "minutes": 30})).await;
        assert_eq!(error_of(&untitled), ("title".into(), "required".into()));

        // A liaison reads the schedule and cannot change it.
        let liaison = t.token("lhasa").await;
        let detail = t.get(&format!("/api/v1/meetings/{id}"), &liaison).await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.text());
        let detail = detail.json();
        assert_eq!(detail["can_organise"], false);
        let kinds: Vec<&str> = detail["venues"].as_array().unwrap().iter().map(|v| v["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["main", "branch"], "the main venue first, and nothing refused was kept");
        let times: Vec<(&str, &str)> = detail["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["starts_at"].as_str().unwrap(), i["ends_at"].as_str().unwrap()))
            .collect();
        assert_eq!(
            times,
            [
                ("2023-04-02T02:00:00.000000Z", "2023-04-02T02:20:00.000000Z"),
                ("2023-04-02T02:20:00.000000Z", "2023-04-02T02:45:00.000000Z"),
            ]
        );
        let refused = post(&t, &agenda, &liaison, json!({"title": "加塞", "minutes": 5})).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(detail["agenda"][0]["summary"], minutes, "the minutes were kept, the refused ones not");
        let rewrite = t.json(Method::PUT, &summary, &liaison, json!({"summary": "改写"})).await;
        assert_eq!(rewrite.status, StatusCode::FORBIDDEN);
        let listed = t.get(&meetings, &liaison).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1);

        let bad_time = post(&t, &meetings, &office, json!({"title": "会", "starts_at": "明天上午", "mode": "video"})).await;
        assert_eq!(error_of(&bad_time), ("starts_at".into(), "invalid_time".into()));
        let missing = t.get("/api/v1/meetings/987654", &office).await;
        assert_eq!((missing.status, missing.json()["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("meeting_not_found")));
    }
}

backend_test! {
    async fn the_office_schedules_a_meeting_from_its_pages(t) {
        let office = t.session("office").await;
        let campaign = {
            let mut conn = t.db.store.read().await.unwrap();
            pacesetter_store::campaigns::all(&mut conn).await.unwrap()[0].id.0
        };
        let campaign = campaign.to_string();
        let form = [("csrf", office.csrf()), ("campaign_id", campaign.as_str()), ("title", "第二次推进会"),
            ("starts_at", "2023-07-07T10:00"), ("mode", "video"), ("chair", "专项组组长")];
        let created = t.form("/meetings", &office, &form).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let page = created.header("location").unwrap().to_owned();

        // A host typed wrong: the form again, the message beside the field, the input kept.
        let venue = [("csrf", office.csrf()), ("kind", "branch"), ("name", "日喀则市分会场"),
            ("host_unit_id", "日喀则"), ("expected_unit_ids", "540200")];
        let refused = t.form(&format!("{page}/venues"), &office, &venue).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = refused.text();
        assert!(text.contains("value=\"日喀则\"") && text.contains("href=\"#host_unit_id\""), "{text}");
        let venue = [("csrf", office.csrf()), ("kind", "branch"), ("name", "日喀则市分会场"),
            ("host_unit_id", "540200"), ("expected_unit_ids", "540200\n540202、540221")];
        let added = t.form(&format!("{page}/venues"), &office, &venue).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        let item = [("csrf", office.csrf()), ("title", "部署下半年工作"), ("presenter", "专项组办公室主任"), ("minutes", "20")];
        assert_eq!(t.form(&format!("{page}/agenda-items"), &office, &item).await.status, StatusCode::SEE_OTHER);

        let shown = t.get(&page, &office).await;
        assert_eq!(shown.status, StatusCode::OK);
        let text = shown.text();
        assert!(text.contains("日喀则市分会场") && text.contains("桑珠孜区") && text.contains("10:00–10:20"), "{text}");
        assert!(text.contains("视频会议") && text.contains("部署下半年工作"), "{text}");

        // The item's minutes, written from its form on the page.
        let action = text.split("action=\"/meeting-agenda-items/").nth(1).unwrap();
        let item = &action[..action.find('/').unwrap()];
        let meeting = page.trim_start_matches("/meetings/");
        let summary = [("csrf", office.csrf()), ("meeting_id", meeting), ("summary", "要求各地市7月底前完成")];
        let written = t.form(&format!("/meeting-agenda-items/{item}/summary"), &office, &summary).await;
        assert_eq!(written.header("location"), Some(format!("{page}#item-{item}").as_str()));
        assert!(t.get(&page, &office).await.text().contains("要求各地市7月底前完成"));
        let listed = t.get("/meetings", &t.session("lhasa").await).await.text();
        assert!(listed.contains("第二次推进会") && !listed.contains("action=\"/meetings\""), "a liaison sees no scheduling form");
    }
}

backend_test! {
    async fn the_demo_holds_the_four_progress_meetings_of_2023(t) {
        let ids = pacesetter_app::demo::meetings::seed(&t.app).await.unwrap();
        assert_eq!(ids.len(), 4);
        let viewer = t.token("viewer").await;
        let first = t.get(&format!("/api/v1/meetings/{}", ids[0]), &viewer).await.json();
        assert_eq!(first["meeting"]["starts_at"], "2023-04-02T02:00:00.000000Z");
        assert_eq!(first["meeting"]["mode"], "telephone");
        let venues = first["venues"].as_array().unwrap();
        assert_eq!(venues.len(), 8, "the main venue and one in each prefecture");
        assert_eq!(venues.iter().filter(|v| v["kind"] == "branch").count(), 7);
        // Every county is expected at its prefecture's venue.
        let expected: usize = venues[1..].iter().map(|v| v["expected_units"].as_array().unwrap().len()).sum();
        assert_eq!(expected, 7 + 74);
        let titles: Vec<&str> = first["agenda"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
        assert!(titles[0].contains("2022") && titles[1].contains("2023"), "{titles:?}");
        // Its roll call was taken at every venue: a few units on leave, every link working.
        let counts = t.get(&format!("/api/v1/meetings/{}/roll-call", ids[0]), &t.token("office").await).await.json();
        let total = |what: &str| counts.as_array().unwrap().iter().map(|c| c["count"][what].as_u64().unwrap()).sum::<u64>();
        assert_eq!((total("expected"), total("present"), total("leave"), total("unmarked")), (94, 91, 3, 0));
        assert!(counts.as_array().unwrap().iter().all(|c| c["link_test"]["ok"] == true));
        // The later meetings are still to be held.
        let later = t.get(&format!("/api/v1/meetings/{}/roll-call", ids[1]), &t.token("office").await).await.json();
        assert!(later.as_array().unwrap().iter().all(|c| c["count"]["present"] == 0));
        // The first is over: its minutes written, the meeting closed.
        assert!(first["meeting"]["closed_at"].is_string());
        assert!(first["agenda"][3]["summary"].as_str().unwrap().starts_with("会议要求"));
    }
}

/// A meeting of a fresh campaign with a branch venue in Lhasa (expecting Lhasa and Chengguan)
/// and one in Xigazê: (meeting, Lhasa's venue, Xigazê's venue).
async fn meeting_with_two_venues(t: &TestApp, office: &Auth) -> (i64, i64, i64) {
    let (campaign, _) = campaign_with_task(t, office).await;
    let body = json!({"title": "推进会", "starts_at": "2023-04-02T10:00:00+08:00", "mode": "video"});
    let meeting =
        post(t, &format!("/api/v1/campaigns/{campaign}/meetings"), office, body).await.json()["id"].as_i64().unwrap();
    let (lhasa, chengguan, xigaze) = (t.unit_id("540100").await, t.unit_id("540102").await, t.unit_id("540200").await);
    let venues = format!("/api/v1/meetings/{meeting}/venues");
    let body = json!({"kind": "branch", "name": "拉萨市分会场", "host_unit_id": lhasa, "expected_unit_ids": [lhasa, chengguan]});
    let first = post(t, &venues, office, body).await.json()["id"].as_i64().unwrap();
    let body =
        json!({"kind": "branch", "name": "日喀则市分会场", "host_unit_id": xigaze, "expected_unit_ids": [xigaze]});
    let second = post(t, &venues, office, body).await.json()["id"].as_i64().unwrap();
    (meeting, first, second)
}

backend_test! {
    async fn a_branch_venue_host_runs_only_their_own_venues_roll_call(t) {
        let office = t.token("office").await;
        let (meeting, lhasa_venue, xigaze_venue) = meeting_with_two_venues(&t, &office).await;
        let (chengguan, xigaze) = (t.unit_id("540102").await, t.unit_id("540200").await);
        let liaison = t.token("lhasa").await;

        let roll = t.get(&format!("/api/v1/meeting-venues/{lhasa_venue}/roll-call"), &liaison).await;
        assert_eq!(roll.status, StatusCode::OK, "{}", roll.text());
        assert_eq!(roll.json()["count"]["unmarked"], 2);
        let mark = |venue: i64, unit: i64| format!("/api/v1/meeting-venues/{venue}/attendance/{unit}");
        let put = |path: String, body: Value| {
            let (t, liaison) = (&t, &liaison);
            async move { t.json(Method::PUT, &path, liaison, body).await }
        };
        let no_reason = put(mark(lhasa_venue, chengguan), json!({"attendance": "leave"})).await;
        assert_eq!(error_of(&no_reason), ("reason".into(), "required".into()), "leave is granted for a reason");
        let leave = put(mark(lhasa_venue, chengguan), json!({"attendance": "leave", "reason": "参加区外培训"})).await;
        assert_eq!(leave.status, StatusCode::OK, "{}", leave.text());
        let lhasa = t.unit_id("540100").await;
        let present = put(mark(lhasa_venue, lhasa), json!({"attendance": "present"})).await;
        assert_eq!(present.status, StatusCode::OK, "{}", present.text());
        let again = put(mark(lhasa_venue, lhasa), json!({"attendance": "present"})).await;
        assert_eq!(again.status, StatusCode::OK, "sent twice, kept once");
        let stranger = put(mark(lhasa_venue, xigaze), json!({"attendance": "present"})).await;
        assert_eq!(error_of(&stranger), ("unit_id".into(), "unit_not_expected".into()));

        // Another prefecture's venue is neither seen nor changed by Lhasa's liaison.
        let theirs = t.get(&format!("/api/v1/meeting-venues/{xigaze_venue}/roll-call"), &liaison).await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN);
        assert_eq!(put(mark(xigaze_venue, xigaze), json!({"attendance": "absent"})).await.status, StatusCode::FORBIDDEN);
        let watch = format!("/api/v1/meetings/{meeting}/roll-call");
        assert_eq!(t.get(&watch, &liaison).await.status, StatusCode::FORBIDDEN);

        let link = format!("/api/v1/meeting-venues/{lhasa_venue}/link-test");
        let unexplained = post(&t, &link, &liaison, json!({"ok": false})).await;
        assert_eq!(error_of(&unexplained), ("note".into(), "required".into()));
        assert_eq!(post(&t, &link, &liaison, json!({"ok": false, "note": "无声音"})).await.status, StatusCode::OK);

        // The main venue watches every venue's roll call.
        let counts = t.get(&watch, &office).await;
        assert_eq!(counts.status, StatusCode::OK, "{}", counts.text());
        let counts = counts.json();
        let lhasa_count = &counts.as_array().unwrap().iter().find(|c| c["venue_id"] == lhasa_venue).unwrap();
        assert_eq!(lhasa_count["count"], json!({"expected": 2, "present": 1, "absent": 0, "leave": 1, "unmarked": 0}));
        assert_eq!(lhasa_count["link_test"]["ok"], false);
        let detail = t.get(&format!("/api/v1/meetings/{meeting}"), &liaison).await.json();
        let mine: Vec<(bool, bool)> = detail["venues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["can_record"].as_bool().unwrap(), v["roll_call"].is_null()))
            .collect();
        assert_eq!(mine, [(true, true), (false, true)], "a liaison is given no venue's numbers");

        // The attendance sheet: every venue's expected units, with what was recorded.
        let sheet_path = format!("/api/v1/meetings/{meeting}/attendance.xlsx");
        assert_eq!(t.get(&sheet_path, &liaison).await.status, StatusCode::FORBIDDEN);
        let sheet = t.get(&sheet_path, &office).await;
        assert_eq!(sheet.status, StatusCode::OK);
        let rows: Vec<Vec<String>> =
            pacesetter_export::read_sheet(&sheet.body).unwrap().rows.into_iter().map(|(_, cells)| cells).collect();
        let line = |unit: &str| rows.iter().find(|r| r.get(1).map(String::as_str) == Some(unit)).cloned().unwrap_or_default();
        assert_eq!(line("城关区")[..4], ["拉萨市分会场", "城关区", "请假", "参加区外培训"]);
        assert_eq!(line("拉萨市")[2], "出席");
        assert_eq!(line("日喀则市")[..3], ["日喀则市分会场", "日喀则市", "未签到"]);
    }
}

backend_test! {
    async fn a_host_checks_in_units_from_the_venue_page(t) {
        let office = t.token("office").await;
        let (meeting, lhasa_venue, _) = meeting_with_two_venues(&t, &office).await;
        let chengguan = t.unit_id("540102").await.to_string();
        let liaison = t.session("lhasa").await;

        let list = t.get("/meetings", &liaison).await.text();
        assert!(list.contains(&format!("href=\"/meeting-venues/{lhasa_venue}\"")), "the host finds their venue");
        let page = format!("/meeting-venues/{lhasa_venue}");
        let shown = t.get(&page, &liaison).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.text().contains("城关区"));

        let form = [("csrf", liaison.csrf()), ("unit_id", chengguan.as_str()), ("attendance", "leave"), ("reason", "")];
        let refused = t.form(&format!("{page}/attendance"), &liaison, &form).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = refused.text();
        let line = &text[text.find(&format!("id=\"unit-{chengguan}\"")).unwrap()..];
        let line = &line[..line.find("</form>").unwrap()];
        assert!(line.contains("value=\"leave\" checked"), "the choice is kept: {line}");
        assert!(line.contains("此项为必填项"), "the refused line says why: {line}");
        let form = [("csrf", liaison.csrf()), ("unit_id", chengguan.as_str()), ("attendance", "leave"), ("reason", "外出学习")];
        let saved = t.form(&format!("{page}/attendance"), &liaison, &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(saved.header("location"), Some(format!("{page}#unit-{chengguan}").as_str()));

        // The office's meeting page and the table it fetches again show the venue's numbers.
        let office_session = t.session("office").await;
        let fragment = t.get(&format!("/meetings/{meeting}/roll-call"), &office_session).await;
        assert_eq!(fragment.status, StatusCode::OK);
        let fragment = fragment.text();
        assert!(fragment.contains("拉萨市分会场") && !fragment.contains("<html"), "{fragment}");
        let meeting_page = t.get(&format!("/meetings/{meeting}"), &office_session).await.text();
        assert!(meeting_page.contains(&format!("data-poll=\"/meetings/{meeting}/roll-call\"")));
        assert_eq!(t.get(&format!("/meetings/{meeting}/roll-call"), &liaison).await.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn a_closed_meeting_is_locked_and_corrected_by_amendments_kept_beside_the_original(t) {
        let office = t.token("office").await;
        let (meeting, venue, _) = meeting_with_two_venues(&t, &office).await;
        let lhasa = t.unit_id("540100").await;
        let item = post(&t, &format!("/api/v1/meetings/{meeting}/agenda-items"), &office, json!({"title": "部署", "minutes": 20})).await;
        let item = item.json()["id"].as_i64().unwrap();
        let summary = format!("/api/v1/meeting-agenda-items/{item}/summary");
        assert_eq!(t.json(Method::PUT, &summary, &office, json!({"summary": "原纪要"})).await.status, StatusCode::OK);
        let liaison = t.token("lhasa").await;
        let mark = format!("/api/v1/meeting-venues/{venue}/attendance/{lhasa}");
        assert_eq!(t.json(Method::PUT, &mark, &liaison, json!({"attendance": "absent"})).await.status, StatusCode::OK);
        let amendments = format!("/api/v1/meetings/{meeting}/amendments");
        let early = post(&t, &amendments, &office, json!({"text": "更正"})).await;
        assert_eq!((early.status, early.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("meeting_not_closed")));

        let close = format!("/api/v1/meetings/{meeting}/close");
        let stale = crate::plans::send_if_match(&t, Method::POST, &close, &office, "99", json!({})).await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        let closed = crate::plans::send_if_match(&t, Method::POST, &close, &office, "1", json!({})).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.text());
        assert!(closed.json()["closed_at"].is_string());

        // Locked: minutes, roll call, link test, schedule.
        let code = |r: pacesetter_testkit::TestResponse| (r.status, r.json()["error"]["code"].as_str().map(str::to_owned));
        let locked = (StatusCode::CONFLICT, Some("meeting_closed".to_owned()));
        assert_eq!(code(t.json(Method::PUT, &summary, &office, json!({"summary": "改"})).await), locked);
        assert_eq!(code(t.json(Method::PUT, &mark, &liaison, json!({"attendance": "present"})).await), locked);
        let link = format!("/api/v1/meeting-venues/{venue}/link-test");
        assert_eq!(code(post(&t, &link, &liaison, json!({"ok": true})).await), locked);
        let item_path = format!("/api/v1/meetings/{meeting}/agenda-items");
        assert_eq!(code(post(&t, &item_path, &office, json!({"title": "加议", "minutes": 5})).await), locked);

        // Corrections are kept beside what they correct, which stays as it was.
        let fixed = post(&t, &amendments, &office, json!({"agenda_item_id": item, "text": "第二段应为：7月底前完成"})).await;
        assert_eq!(fixed.status, StatusCode::CREATED, "{}", fixed.text());
        let roll = post(&t, &amendments, &office, json!({"text": "拉萨市实际出席，系登记有误"})).await;
        assert_eq!(roll.status, StatusCode::CREATED);
        let foreign = post(&t, &amendments, &office, json!({"agenda_item_id": 987_654, "text": "更正"})).await;
        assert_eq!(error_of(&foreign), ("agenda_item_id".into(), "meeting_agenda_item_not_found".into()));
        assert_eq!(post(&t, &amendments, &liaison, json!({"text": "更正"})).await.status, StatusCode::FORBIDDEN);
        let detail = t.get(&format!("/api/v1/meetings/{meeting}"), &office).await.json();
        assert_eq!(detail["agenda"][0]["summary"], "原纪要");
        let kept: Vec<(Value, &str)> = detail["amendments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["agenda_item_id"].clone(), a["text"].as_str().unwrap()))
            .collect();
        assert_eq!(kept, [(json!(item), "第二段应为：7月底前完成"), (Value::Null, "拉萨市实际出席，系登记有误")]);
        let sheet = t.get(&format!("/api/v1/meetings/{meeting}/attendance.xlsx"), &office).await;
        let rows = pacesetter_export::read_sheet(&sheet.body).unwrap().rows;
        assert!(rows.iter().any(|(_, cells)| cells.get(2).map(String::as_str) == Some("缺席")), "the original roll call stands");

        // The minutes as a document: its text reads back.
        let pdf = t.get(&format!("/api/v1/meetings/{meeting}/minutes.pdf"), &office).await;
        assert_eq!((pdf.status, pdf.header("content-type")), (StatusCode::OK, Some("application/pdf")));
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        for expected in ["会议纪要", "原纪要", "第二段应为：7月底前完成", "缺席：拉萨市", "拉萨市实际出席"] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        let minutes = format!("/api/v1/meetings/{meeting}/minutes.pdf");
        assert_eq!(t.get(&minutes, &liaison).await.status, StatusCode::FORBIDDEN);
    }
}
