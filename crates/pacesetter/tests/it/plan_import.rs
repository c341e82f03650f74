//! Importing an office's task-breakdown sheet into a campaign: header rows and merged cells,
//! unit names with suggestions, deadlines in words, the column mapping corrected in the
//! preview, nothing written while an error remains, and no duplicate on a second import.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::{Value, json};

/// The office's sheet: a merged title, a two-row header with 责任分工 over the two unit columns,
/// a heading row for the pillar, one task merged over two rows of measures, and a second task.
pub(crate) fn office_sheet(second_lead: &str, second_due: &str) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let f = Format::new();
    sheet.merge_range(0, 0, 0, 6, "2023年创建工作重点任务分解表", &f).unwrap();
    sheet.merge_range(1, 0, 2, 0, "序号", &f).unwrap();
    sheet.merge_range(1, 1, 2, 1, "重点任务", &f).unwrap();
    sheet.merge_range(1, 2, 2, 2, "具体措施", &f).unwrap();
    sheet.merge_range(1, 3, 1, 4, "责任分工", &f).unwrap();
    sheet.write_string(2, 3, "牵头单位").unwrap();
    sheet.write_string(2, 4, "责任单位").unwrap();
    sheet.merge_range(1, 5, 2, 5, "完成\n时限", &f).unwrap();
    sheet.merge_range(1, 6, 2, 6, "备注", &f).unwrap();
    sheet.merge_range(3, 0, 3, 6, "一、第二项工程", &f).unwrap();
    sheet.merge_range(4, 0, 5, 0, "1", &f).unwrap();
    sheet.merge_range(4, 1, 5, 1, "举办创建工作\n培训班", &f).unwrap();
    sheet.write_string(4, 2, "制定培训方案").unwrap();
    sheet.write_string(5, 2, "分地市组织培训").unwrap();
    sheet.merge_range(4, 3, 5, 3, "自治区党委宣传部", &f).unwrap();
    sheet.write_string(4, 4, "拉萨市、日喀则市").unwrap();
    sheet.write_string(5, 4, "各地（市）").unwrap();
    sheet.merge_range(4, 5, 5, 5, "2023年9月底前", &f).unwrap();
    sheet.write_number(6, 0, 2.0).unwrap();
    sheet.write_string(6, 1, "编印创建工作案例集").unwrap();
    sheet.write_string(6, 2, "征集、评选、编印").unwrap();
    sheet.write_string(6, 3, second_lead).unwrap();
    sheet.write_string(6, 5, second_due).unwrap();
    // The next measure of the same task, its title left blank ("as above"), not merged.
    sheet.write_string(7, 2, "组织专家评审").unwrap();
    sheet.write_string(7, 4, "拉萨市").unwrap();
    workbook.save_to_buffer().unwrap()
}

pub(crate) async fn demo_campaign(t: &TestApp, auth: &Auth) -> i64 {
    let campaigns = t.get("/api/v1/campaigns", auth).await.json();
    campaigns["items"].as_array().or(campaigns.as_array()).unwrap()[0]["id"].as_i64().unwrap()
}

pub(crate) async fn upload(t: &TestApp, auth: &Auth, campaign: i64, bytes: Vec<u8>) -> Value {
    let response =
        t.post_bytes(&format!("/api/v1/imports?kind=plan&campaign={campaign}&filename=tasks.xlsx"), auth, bytes).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

async fn commit(t: &TestApp, auth: &Auth, id: i64) -> (StatusCode, Value) {
    let response = t.json(Method::POST, &format!("/api/v1/imports/{id}/commit"), auth, json!({})).await;
    (response.status, response.json())
}

async fn tasks_titled(t: &TestApp, campaign: i64, title: &str) -> Vec<pacesetter_domain::plan::PlanItem> {
    let mut conn = t.db.store.read().await.unwrap();
    let items =
        pacesetter_store::plan_items::all(&mut conn, pacesetter_domain::ids::CampaignId(campaign)).await.unwrap();
    items.into_iter().filter(|i| i.title == title).collect()
}

backend_test! {
    async fn an_office_sheet_is_previewed_with_its_errors_then_imported_once(t) {
        let office = t.token("office").await;
        let campaign = demo_campaign(&t, &office).await;

        // A lead unit written short and a deadline in words nobody can read.
        let bad = upload(&t, &office, campaign, office_sheet("宣传部", "视情况")).await;
        let preview = &bad["preview"];
        assert_eq!(preview["headers"][3], "责任分工 / 牵头单位", "two header rows read as one");
        assert_eq!(preview["mapping"]["tasks"], 2);
        let rows = preview["rows"].as_array().unwrap();
        assert_eq!(rows[0]["action"], "heading");
        assert_eq!((rows[1]["line"].as_i64(), rows[2]["line"].as_i64()), (Some(5), Some(6)));
        assert_eq!(rows[1]["action"], "create");
        let errors = rows[3]["errors"].as_array().unwrap();
        let lead = errors.iter().find(|e| e["field"] == "lead").unwrap();
        assert_eq!((lead["column"].as_str(), lead["code"].as_str()), (Some("D"), Some("unit_name_unknown")));
        assert_eq!(lead["suggestions"][0], "自治区党委宣传部");
        let due = errors.iter().find(|e| e["field"] == "due_on").unwrap();
        assert_eq!((due["column"].as_str(), due["code"].as_str()), (Some("F"), Some("invalid_deadline")));
        let (status, refused) = commit(&t, &office, bad["id"].as_i64().unwrap()).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("import_has_errors")));
        assert!(tasks_titled(&t, campaign, "举办创建工作培训班").await.is_empty(), "nothing was written");

        // Corrected, it goes in: the merged task is one task with both measures, under the
        // pillar its heading row names, assigned to the lead and every prefecture.
        let good = upload(&t, &office, campaign, office_sheet("自治区党委宣传部", "2023年11月15日")).await;
        assert_eq!(good["preview"]["error_count"], 0, "{}", good["preview"]);
        let (status, summary) = commit(&t, &office, good["id"].as_i64().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        assert_eq!((summary["created"].as_i64(), summary["updated"].as_i64()), (Some(2), Some(0)));
        let task = tasks_titled(&t, campaign, "举办创建工作培训班").await.remove(0);
        assert_eq!(task.description.as_deref(), Some("制定培训方案\n分地市组织培训"));
        assert_eq!(pacesetter_domain::timestamp::format_date(task.due_on.unwrap()), "2023-09-30");
        let pillar = tasks_titled(&t, campaign, "第二项工程").await.remove(0);
        assert_eq!(task.parent_id, Some(pillar.id));
        let mut conn = t.db.store.read().await.unwrap();
        let assigned = pacesetter_store::assignments::for_item(&mut conn, task.id).await.unwrap();
        drop(conn);
        assert_eq!(assigned.len(), 8, "the lead department and the seven prefectures");
        // Without a start column, a new task starts on the campaign's day, not late on the day
        // it is imported.
        let as_of = t.get(&format!("/api/v1/campaigns/{campaign}"), &office).await.json()["as_of"].clone();
        assert_eq!(json!(task.starts_on.map(pacesetter_domain::timestamp::format_date)), as_of);
        assert!(assigned.iter().all(|a| pacesetter_domain::timestamp::format_date(a.starts_on) == as_of), "{assigned:?}");

        // The same file again changes nothing and creates no duplicate; an edited deadline
        // updates the task in place.
        let again = upload(&t, &office, campaign, office_sheet("自治区党委宣传部", "2023年11月15日")).await;
        assert!(again["preview"]["rows"].as_array().unwrap()[1..].iter().all(|r| r["action"] == "unchanged"));
        let edited = upload(&t, &office, campaign, office_sheet("自治区党委宣传部", "2023年12月20日")).await;
        let (_, summary) = commit(&t, &office, edited["id"].as_i64().unwrap()).await;
        assert_eq!((summary["created"].as_i64(), summary["updated"].as_i64()), (Some(0), Some(1)));
        let cases = tasks_titled(&t, campaign, "编印创建工作案例集").await;
        assert_eq!(cases.len(), 1);
        assert_eq!(
            cases[0].description.as_deref(),
            Some("征集、评选、编印\n组织专家评审"),
            "a blank title continues the task"
        );
    }
}

backend_test! {
    async fn the_exported_plan_imports_again_without_duplicates_and_the_mapping_can_be_corrected(t) {
        let office = t.token("office").await;
        let campaign = demo_campaign(&t, &office).await;
        let export = t.get(&format!("/api/v1/campaigns/{campaign}/export"), &office).await;
        assert_eq!(export.status, StatusCode::OK);
        let job = upload(&t, &office, campaign, export.body.to_vec()).await;
        let preview = &job["preview"];
        assert_eq!(preview["error_count"], 0, "{preview}");
        assert_eq!(preview["mapping"]["tasks"], 14);
        let rows = preview["rows"].as_array().unwrap();
        assert!(rows.iter().all(|r| r["action"] == "unchanged"), "{preview}");
        let id = job["id"].as_i64().unwrap();

        // Reading the codes as the titles makes every task new — and a column may not hold
        // two fields.
        let path = format!("/api/v1/imports/{id}/mapping");
        let mut fields = json!({"seq": "A", "parent": "B", "title": "C", "lead": "G", "units": "H", "due_on": "I"});
        let remapped = t.json(Method::PUT, &path, &office, fields.clone()).await;
        assert_eq!(remapped.status, StatusCode::OK, "{}", remapped.text());
        let actions = remapped.json()["preview"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].clone())
            .collect::<Vec<_>>();
        assert!(actions.iter().all(|a| a == "create"), "{actions:?}");
        fields["code"] = json!("C");
        let twice = t.json(Method::PUT, &path, &office, fields).await;
        assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(twice.json()["error"]["details"][0]["code"], "column_mapped_twice");

        // Back to the headers' own mapping, the commit finds nothing to do.
        let restored = json!({"seq": "A", "parent": "B", "code": "C", "title": "D", "title_bo": "E", "measures": "F", "lead": "G", "units": "H", "due_on": "I"});
        assert_eq!(t.json(Method::PUT, &path, &office, restored).await.status, StatusCode::OK);
        let (status, summary) = commit(&t, &office, id).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        assert_eq!((summary["created"].as_i64(), summary["unchanged"].as_i64()), (Some(0), Some(14)));
    }
}

backend_test! {
    async fn a_liaison_cannot_import_a_plan_and_the_page_shows_the_mapping(t) {
        let office = t.token("office").await;
        let campaign = demo_campaign(&t, &office).await;
        let liaison = t.token("lhasa").await;
        let refused = t
            .post_bytes(&format!("/api/v1/imports?kind=plan&campaign={campaign}"), &liaison, office_sheet("x", "y"))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let no_campaign = t.post_bytes("/api/v1/imports?kind=plan", &office, office_sheet("x", "y")).await;
        assert_eq!(no_campaign.status, StatusCode::UNPROCESSABLE_ENTITY);

        let session = t.session("office").await;
        let page = t.get(&format!("/imports?campaign={campaign}"), &session).await;
        assert!(page.text().contains("导入任务分解表"));
        let uploaded = t
            .upload(
                "/imports",
                &session,
                &[("csrf", session.csrf()), ("kind", "plan"), ("campaign", &campaign.to_string())],
                "任务.xlsx",
                &office_sheet("宣传部", "2023年9月底前"),
            )
            .await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text());
        let location = uploaded.header("location").unwrap().to_owned();
        let preview = t.get(&location, &session).await.text();
        assert!(preview.contains("列对应关系") && preview.contains("是否为：自治区党委宣传部"), "{preview}");
        // A mapping that reads one column twice comes back with the message, nothing stored.
        let mapped = t
            .form(&format!("{location}/mapping"), &session, &[("csrf", session.csrf()), ("title", "B"), ("lead", "B")])
            .await;
        assert_eq!(mapped.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(mapped.text().contains("同一列不能对应两项内容"));
    }
}

backend_test! {
    async fn a_commit_checks_again_when_what_the_preview_read_has_changed(t) {
        let office = t.token("office").await;
        let campaign = demo_campaign(&t, &office).await;
        let checked = upload(&t, &office, campaign, office_sheet("自治区党委宣传部", "2023年11月15日")).await;
        assert_eq!(checked["preview"]["error_count"], 0, "{}", checked["preview"]);
        // The lead department is renamed between the preview and the commit: the name in the
        // sheet no longer finds it, and the commit must see that rather than reuse the check.
        let admin = t.token("admin").await;
        let department = t.unit_id("CY-XCB").await;
        let renamed = crate::plans::send_if_match(
            &t,
            Method::PUT,
            &format!("/api/v1/units/{department}"),
            &admin,
            "1",
            json!({"kind": "member_unit", "code": "CY-XCB", "name": "自治区党委宣传部（更名）", "category": "牵头部门"}),
        )
        .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
        let (status, refused) = commit(&t, &office, checked["id"].as_i64().unwrap()).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("import_has_errors")));
        assert!(tasks_titled(&t, campaign, "举办创建工作培训班").await.is_empty(), "nothing was written");
    }
}

backend_test! {
    async fn tibetan_titles_come_in_from_the_sheet_and_show_to_tibetan_readers(t) {
        let office = t.token("office").await;
        let campaign = demo_campaign(&t, &office).await;
        let export = t.get(&format!("/api/v1/campaigns/{campaign}/export"), &office).await;
        let grid = pacesetter_export::read_sheet(&export.body).unwrap();
        let (_, header) = &grid.rows[0];
        assert_eq!(header[4], "藏文名称", "the export has the column the import reads: {header:?}");
        // The office fills one task's Tibetan title (the regulation's attested term, TIBETAN.md §3).
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let mut titled = String::new();
        for (r, (_, cells)) in grid.rows.iter().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                let text = if r == 1 && c == 4 { "མི་རིགས་མཐུན་སྒྲིལ་ཡར་ཐོན་" } else { cell.as_str() };
                sheet.write_string(r as u32, c as u16, text).unwrap();
            }
            if r == 1 {
                titled = cells[3].clone();
            }
        }
        let job = upload(&t, &office, campaign, workbook.save_to_buffer().unwrap()).await;
        let preview = &job["preview"];
        assert_eq!(preview["error_count"], 0, "{preview}");
        let updates = preview["rows"].as_array().unwrap().iter().filter(|r| r["action"] == "update").count();
        assert_eq!(updates, 1, "only the task given a Tibetan title changes: {preview}");
        let (status, summary) = commit(&t, &office, job["id"].as_i64().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{summary}");
        let task = tasks_titled(&t, campaign, &titled).await.pop().expect("the task");
        assert_eq!(task.title_bo.as_deref(), Some("མི་རིགས་མཐུན་སྒྲིལ་ཡར་ཐོན་"));

        // A Tibetan reader sees the Tibetan title; a task without one shows its Chinese, marked.
        t.tibetan_reader("reader-bo", pacesetter_domain::Role::Coordinator, "ZXB").await;
        let reader = t.session("reader-bo").await;
        let page = t.get(&format!("/plan-items/{}", task.id.0), &reader).await.text();
        assert!(page.contains("<h1><span lang=\"bo\">མི་རིགས་མཐུན་སྒྲིལ་ཡར་ཐོན་</span>"), "{page}");
        assert!(page.contains(&format!("lang=\"zh-Hans\">{titled}</p>")), "the Chinese under it");
        let plan = t.get(&format!("/campaigns/{campaign}"), &reader).await.text();
        assert!(plan.contains("<span lang=\"bo\">མི་རིགས་མཐུན་སྒྲིལ་ཡར་ཐོན་</span>"));
        assert!(plan.contains("<span class=\"untranslated\""), "the others' Chinese is marked");
        let chinese = t.get(&format!("/plan-items/{}", task.id.0), &t.session("office").await).await.text();
        assert!(chinese.contains(&format!("<h1><span lang=\"zh-Hans\">{titled}</span>")), "a Chinese reader sees the Chinese");
        assert!(!chinese.contains("class=\"untranslated\""));
    }
}
