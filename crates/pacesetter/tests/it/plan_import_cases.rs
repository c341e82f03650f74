//! An office's task-breakdown sheet as offices really write it (issue 19, part 1): title
//! rows, a two-row merged header, section rows naming pillars by title, by code or not at all,
//! deadlines in every usual form, units by their short names, and a signature block below.
//! It imports with zero errors; the sheets beside it show each way a sheet can still be wrong.

use axum::http::{Method, StatusCode};
use pacesetter_domain::timestamp::format_date;
use pacesetter_testkit::{Auth, TestApp, backend_test};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};
use serde_json::{Value, json};

use crate::plan_import::{demo_campaign, upload};

/// Writes one row of text cells from column A.
fn row(sheet: &mut Worksheet, line: u32, cells: &[&str]) {
    for (column, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            sheet.write_string(line, column as u16, *text).unwrap();
        }
    }
}

/// The office's sheet with every case: see the module's comment.
fn every_case_sheet() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let f = Format::new();
    row(sheet, 0, &["附件1"]);
    sheet.merge_range(1, 0, 1, 6, "2023年民族团结进步模范区创建重点任务分解表", &f).unwrap();
    row(sheet, 2, &["填报单位：自治区创建专项办", "", "", "", "", "2023年3月1日"]);
    sheet.merge_range(3, 0, 4, 0, "序号", &f).unwrap();
    sheet.merge_range(3, 1, 4, 1, "重点任务", &f).unwrap();
    sheet.merge_range(3, 2, 4, 2, "具体措施", &f).unwrap();
    sheet.merge_range(3, 3, 3, 4, "责任分工", &f).unwrap();
    row(sheet, 4, &["", "", "", "牵头单位", "责任单位"]);
    sheet.merge_range(3, 5, 4, 5, "完成时限", &f).unwrap();
    sheet.merge_range(3, 6, 4, 6, "备注", &f).unwrap();

    // A pillar by its title.
    sheet.merge_range(5, 0, 5, 6, "一、第一项工程", &f).unwrap();
    row(sheet, 6, &["1", "（例）制定民族团结进步宣传月方案", "", "区民委", "拉萨市、日喀则市；山南市\n林芝市"]);
    sheet.write_number(6, 5, 45291.0).unwrap();
    row(sheet, 7, &["2", "（例）开展模范集体评选", "", "区发改委", "各地（市）"]);
    let date = ExcelDateTime::from_ymd(2023, 11, 30).unwrap();
    sheet.write_datetime_with_format(7, 5, &date, &Format::new().set_num_format("yyyy年m月d日")).unwrap();
    row(sheet, 8, &["3", "（例）组织青年志愿服务", "", "团区委", "", "2023年10月底前"]);

    // A pillar by its code and title.
    sheet.merge_range(9, 0, 9, 6, "二、GC-3 第三项工程", &f).unwrap();
    row(sheet, 10, &["1", "（例）举办文艺展演", "", "区文联", "区媒体集团", "2023.12.31"]);
    row(sheet, 11, &["2", "（例）汇总创建台账", "", "自治区创建专项办", "", "年内"]);
    // One task merged over two rows of measures.
    sheet.merge_range(12, 0, 13, 0, "3", &f).unwrap();
    sheet.merge_range(12, 1, 13, 1, "（例）编印宣传册", &f).unwrap();
    row(sheet, 12, &["", "", "征集稿件"]);
    row(sheet, 13, &["", "", "印制分发"]);
    sheet.merge_range(12, 3, 13, 3, "区党委宣传部", &f).unwrap();
    sheet.merge_range(12, 5, 13, 5, "年底前", &f).unwrap();
    row(sheet, 14, &["4", "（例）开展督导调研", "", "区民委", "", "2023年第三季度"]);
    row(sheet, 15, &["5", "（例）召开推进会", "", "区发改委", "", "9月"]);

    // A pillar the plan does not have.
    sheet.merge_range(16, 0, 16, 6, "三、新增示范创建工程", &f).unwrap();
    row(sheet, 17, &["1", "（例）建设示范基地", "", "团区委", "", "长期"]);
    row(sheet, 18, &["2", "（例）推广典型经验", "", "区文联", "", "持续推进"]);

    // The signature block.
    row(sheet, 20, &["填表人：张三", "", "", "联系电话：0891-6812345"]);
    sheet.merge_range(21, 0, 21, 6, "备注：1.请各单位于每月25日前报送进展情况。", &f).unwrap();
    row(sheet, 22, &["", "", "", "", "", "2023年3月1日"]);
    row(sheet, 23, &["2.各牵头单位负责协调配合单位。"]);
    workbook.save_to_buffer().unwrap()
}

fn row_actions(preview: &Value) -> Vec<(i64, String)> {
    let rows = preview["rows"].as_array().unwrap();
    rows.iter().map(|r| (r["line"].as_i64().unwrap(), r["action"].as_str().unwrap().to_owned())).collect()
}

/// The day a row's date cell was read as (`null` for no deadline).
fn read_as(preview: &Value, line: i64) -> Value {
    let rows = preview["rows"].as_array().unwrap();
    let row = rows.iter().find(|r| r["line"] == line).unwrap();
    row["dates"][0]["date"].clone()
}

backend_test! {
    async fn an_office_sheet_with_every_case_imports_with_no_error(t) {
        let office = t.token("office").await;
        let campaign = demo_campaign(&t, &office).await;
        let job = upload(&t, &office, campaign, every_case_sheet()).await;
        let preview = &job["preview"];
        assert_eq!(preview["error_count"], 0, "{preview}");
        assert_eq!(preview["mapping"]["tasks"], 10);
        assert_eq!(preview["new_parents"], json!(["新增示范创建工程"]));
        let actions = row_actions(preview);
        let action = |line: i64| actions.iter().find(|(l, _)| *l == line).map(|(_, a)| a.as_str());
        assert_eq!((action(6), action(10), action(17)), (Some("heading"), Some("heading"), Some("new_parent")));
        assert_eq!((action(7), action(13), action(14)), (Some("create"), Some("create"), Some("create")));
        for line in [21, 22, 23, 24] {
            assert_eq!(action(line), Some("note"), "line {line}");
        }
        // Each deadline beside the day it was read as.
        assert_eq!(read_as(preview, 7), json!("2023-12-31"), "an Excel serial");
        assert_eq!(read_as(preview, 8), json!("2023-11-30"), "a date cell");
        assert_eq!(read_as(preview, 9), json!("2023-10-31"));
        assert_eq!(read_as(preview, 11), json!("2023-12-31"));
        assert_eq!(read_as(preview, 15), json!("2023-09-30"), "the third quarter");
        assert_eq!(read_as(preview, 16), json!("2023-09-30"), "a month alone");
        assert_eq!(read_as(preview, 18), Value::Null, "长期: no deadline");

        let response = t.json(Method::POST, &format!("/api/v1/imports/{}/commit", job["id"]), &office, json!({})).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let summary = response.json();
        assert_eq!(summary["created"], 10);
        assert_eq!(summary["parents_created"], 1);
        // 5 + 8 + 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1: the leads, the four prefectures named in one
        // cell, every prefecture, and a co-unit by its short name.
        assert_eq!(summary["assignments_created"], 22);

        let mut conn = t.db.store.read().await.unwrap();
        let items = pacesetter_store::plan_items::all(&mut conn, pacesetter_domain::ids::CampaignId(campaign)).await.unwrap();
        drop(conn);
        let titled = |title: &str| items.iter().find(|i| i.title == title).unwrap();
        assert_eq!(titled("（例）举办文艺展演").parent_id, Some(titled("第三项工程").id), "found by its code");
        assert_eq!(titled("（例）建设示范基地").parent_id, Some(titled("新增示范创建工程").id));
        assert_eq!(items.iter().filter(|i| i.title == "第一项工程").count(), 1, "no second pillar");
        assert_eq!(titled("（例）编印宣传册").description.as_deref(), Some("征集稿件\n印制分发"));
        let ongoing = titled("（例）建设示范基地");
        assert_eq!(ongoing.due_on, None, "长期 is stated as no deadline");
        let lead = t.unit_id("CY-TW").await;
        assert_eq!(ongoing.lead_unit_id.map(|u| u.0), Some(lead), "团区委 by its alias");
        let mut conn = t.db.store.read().await.unwrap();
        let followed = pacesetter_store::assignments::for_item(&mut conn, ongoing.id).await.unwrap();
        drop(conn);
        let ends_on = t.get(&format!("/api/v1/campaigns/{campaign}"), &office).await.json()["ends_on"].clone();
        assert_eq!(json!(format_date(followed[0].due_on)), ends_on, "followed until the campaign ends");

        // The same sheet again changes nothing.
        let again = upload(&t, &office, campaign, every_case_sheet()).await;
        assert_eq!(again["preview"]["error_count"], 0);
        assert!(again["preview"]["new_parents"].is_null(), "the new pillar is now in the plan");
        let tasks = row_actions(&again["preview"]).into_iter().filter(|(_, a)| a == "create" || a == "update").count();
        assert_eq!(tasks, 0);
    }
}

/// A small sheet under one pillar: a header row, then `rows`.
fn small_sheet(header: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    row(sheet, 0, header);
    for (i, cells) in rows.iter().enumerate() {
        row(sheet, i as u32 + 1, cells);
    }
    workbook.save_to_buffer().unwrap()
}

fn errors_of(preview: &Value, line: i64) -> Vec<Value> {
    let rows = preview["rows"].as_array().unwrap();
    rows.iter().find(|r| r["line"] == line).map(|r| r["errors"].as_array().unwrap().clone()).unwrap_or_default()
}

backend_test! {
    async fn what_a_sheet_gets_wrong_is_named_never_merged_or_dropped(t) {
        let office = t.token("office").await;
        let campaign = demo_campaign(&t, &office).await;
        let header = ["序号", "工程", "重点任务", "牵头单位", "责任单位", "完成时限"];
        let sheet = small_sheet(&header, &[
            &["1", "第一项工程", "（例）甲任务", "区民委", "拉萨市、区财政局", "年底前"],
            &["2", "第一项工程", "（例）甲任务", "区民委", "", "年底前"],
            &["3", "第一项工程", "", "区民委", "", "年底前"],
            &["4", "第一项工程", "（例）乙任务", "区教育厅", "", "年底前"],
        ]);
        let preview = upload(&t, &office, campaign, sheet).await["preview"].clone();
        // One name of a list of units is wrong: the error says which.
        let first = errors_of(&preview, 2);
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!((first[0]["code"].as_str(), first[0]["value"].as_str()), (Some("unit_name_unknown"), Some("区财政局")));
        // The same title twice under one pillar, numbered apart: a conflict naming the other row.
        let twice = errors_of(&preview, 3);
        assert_eq!((twice[0]["code"].as_str(), twice[0]["other_line"].as_i64()), (Some("duplicate_in_file"), Some(2)));
        // A numbered row without a title is an error, not a measure of the task above.
        let untitled = errors_of(&preview, 4);
        assert_eq!((untitled[0]["field"].as_str(), untitled[0]["code"].as_str()), (Some("title"), Some("required")));
        // A short name without an alias gets the full name first among its suggestions.
        let short = errors_of(&preview, 5);
        assert_eq!(short[0]["suggestions"][0], "自治区教育厅", "{short:?}");
        assert_eq!(preview["error_count"], 4);
    }
}

backend_test! {
    async fn the_task_column_is_told_from_a_pillar_column_and_a_guess_is_said(t) {
        let office = t.token("office").await;
        let campaign = demo_campaign(&t, &office).await;
        // 重点任务 merged over the pillar and the task columns.
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let f = Format::new();
        sheet.merge_range(0, 0, 1, 0, "序号", &f).unwrap();
        sheet.merge_range(0, 1, 0, 2, "重点任务", &f).unwrap();
        row(sheet, 1, &["", "工程名称", "任务内容"]);
        sheet.merge_range(0, 3, 1, 3, "牵头单位", &f).unwrap();
        sheet.merge_range(0, 4, 1, 4, "完成时限", &f).unwrap();
        row(sheet, 2, &["1", "第一项工程", "（例）丙任务", "区民委", "年底前"]);
        let preview = upload(&t, &office, campaign, workbook.save_to_buffer().unwrap()).await["preview"].clone();
        assert_eq!(preview["error_count"], 0, "{preview}");
        let field = |name: &str| {
            let fields = preview["mapping"]["fields"].as_array().unwrap();
            fields.iter().find(|f| f["field"] == name).unwrap().clone()
        };
        assert_eq!((field("title")["column"].as_str(), field("title")["guessed"].as_bool()), (Some("C"), Some(true)));
        assert_eq!((field("parent")["column"].as_str(), field("parent")["guessed"].as_bool()), (Some("B"), Some(true)));
        assert_eq!(field("lead")["guessed"], false);

        // A pillar column headed like a task column: its cells are the plan's pillars, so the
        // tasks are in the next column.
        let sheet = small_sheet(&["序号", "重点任务", "具体任务", "牵头单位", "完成时限"], &[
            &["1", "第一项工程", "（例）丁任务", "区民委", "年底前"],
            &["2", "第二项工程", "（例）戊任务", "区民委", "年底前"],
        ]);
        let preview = upload(&t, &office, campaign, sheet).await["preview"].clone();
        assert_eq!(preview["error_count"], 0, "{preview}");
        assert_eq!(preview["mapping"]["tasks"], 2);
        let fields = preview["mapping"]["fields"].as_array().unwrap();
        let title = fields.iter().find(|f| f["field"] == "title").unwrap();
        assert_eq!((title["column"].as_str(), title["guessed"].as_bool()), (Some("C"), Some(true)));

        // The page says which columns were guessed, and what each deadline was read as.
        let session = t.session("office").await;
        let page = t.get("/imports", &session).await.text();
        let id = preview_id(&page);
        let shown = t.get(&format!("/imports/{id}"), &session).await.text();
        assert!(shown.contains("以下各列是根据表头推测的") && shown.contains("→ 2023-12-31"), "{shown}");
    }
}

/// The newest import listed on the imports page.
fn preview_id(page: &str) -> i64 {
    let start = page.find("href=\"/imports/").unwrap() + "href=\"/imports/".len();
    page[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

/// Aliases are edited on the unit and read from a units sheet.
async fn aliases_of(t: &TestApp, auth: &Auth, code: &str) -> Value {
    let id = t.unit_id(code).await;
    t.get(&format!("/api/v1/units/{id}"), auth).await.json()["aliases"].clone()
}

backend_test! {
    async fn a_units_aliases_are_edited_and_imported(t) {
        let admin = t.token("admin").await;
        assert_eq!(aliases_of(&t, &admin, "CY-FGW").await, json!(["区发改委", "自治区发改委"]));
        let id = t.unit_id("CY-JYT").await;
        let unit = t.get(&format!("/api/v1/units/{id}"), &admin).await.json();
        let body = json!({"kind": "member_unit", "code": "CY-JYT", "name": unit["name"], "category": unit["category"],
            "aliases": ["区教育厅", "教育厅"]});
        let version = unit["version"].to_string();
        let saved = crate::plans::send_if_match(&t, Method::PUT, &format!("/api/v1/units/{id}"), &admin, &version, body).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_eq!(aliases_of(&t, &admin, "CY-JYT").await, json!(["区教育厅", "教育厅"]));

        // A units sheet with an 别名 column sets them; one without keeps them.
        let csv = "编码,名称,类型,上级编码,别名\nCY-WL,西藏自治区文学艺术界联合会,成员单位,ZNZ-02,区文联、文联\n";
        let job = t.post_bytes("/api/v1/imports?kind=units&filename=u.csv", &admin, csv.as_bytes().to_vec()).await;
        assert_eq!(job.status, StatusCode::CREATED, "{}", job.text());
        let committed = t.json(Method::POST, &format!("/api/v1/imports/{}/commit", job.json()["id"]), &admin, json!({})).await;
        assert_eq!(committed.status, StatusCode::OK, "{}", committed.text());
        assert_eq!(aliases_of(&t, &admin, "CY-WL").await, json!(["区文联", "文联"]));

        // The form shows and saves them; a list too long is refused next to the field.
        let session = t.session("admin").await;
        let form = t.get(&format!("/units/{id}/edit"), &session).await.text();
        assert!(form.contains("区教育厅、教育厅"), "{form}");
        let many = (0..21).map(|i| format!("简称{i}")).collect::<Vec<_>>().join("、");
        let version = t.get(&format!("/api/v1/units/{id}"), &admin).await.json()["version"].to_string();
        let refused = t
            .form(&format!("/units/{id}"), &session, &[("csrf", session.csrf()), ("version", &version), ("kind", "member_unit"),
                ("name", "自治区教育厅"), ("code", "CY-JYT"), ("aliases", &many)])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = refused.text();
        assert!(text.contains("别名最多 20 个") && text.contains("简称20"), "the message and the input kept");
    }
}
