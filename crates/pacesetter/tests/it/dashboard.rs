//! The progress dashboard: top-level items × the units one level down, drilled from the region
//! to a prefecture, read from roll-ups that must always agree with the assignments themselves
//! (the list computes each light from its assignment, the dashboard from stored counts).

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::{Value, json};

use crate::plans::send_if_match;

const LIGHTS: [&str; 4] = ["done", "green", "yellow", "red"];

/// Assignments by light as the assignment list counts them (`extra`: more filters).
async fn listed(t: &TestApp, campaign: i64, auth: &Auth, extra: &str) -> [u64; 4] {
    let mut counts = [0; 4];
    for (count, light) in counts.iter_mut().zip(LIGHTS) {
        let path = format!("/api/v1/assignments?campaign={campaign}&light={light}&per_page=1{extra}");
        *count = t.get(&path, auth).await.json()["total"].as_u64().unwrap();
    }
    counts
}

fn lights(counts: &Value) -> [u64; 4] {
    LIGHTS.map(|light| counts[light].as_u64().unwrap())
}

/// A column's counts over every row.
fn column(board: &Value, index: usize) -> [u64; 4] {
    let mut sum = [0; 4];
    for row in board["cells"].as_array().unwrap() {
        if !row[index].is_null() {
            for (total, n) in sum.iter_mut().zip(lights(&row[index]["lights"])) {
                *total += n;
            }
        }
    }
    sum
}

fn column_index(board: &Value, name: &str) -> usize {
    board["columns"].as_array().unwrap().iter().position(|c| c["name"] == name).unwrap_or_else(|| {
        panic!("no column {name} in {}", board["columns"]);
    })
}

async fn board(t: &TestApp, campaign: i64, auth: &Auth, unit: Option<i64>) -> Value {
    let query = unit.map(|u| format!("?unit={u}")).unwrap_or_default();
    let response = t.get(&format!("/api/v1/campaigns/{campaign}/dashboard{query}"), auth).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

backend_test! {
    async fn the_dashboard_crosses_pillars_with_units_one_level_down(t) {
        let office = t.token("office").await;
        let id = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let top = board(&t, id, &office, None).await;
        assert_eq!(top["rows"].as_array().unwrap().len(), 10);
        assert!(top["focus"].is_null(), "the office sees two trees: the organisation and the region");
        let names: Vec<&str> = top["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        for name in ["综合协调组", "宣传教育组", "拉萨市", "日喀则市", "阿里地区"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        assert!(!names.contains(&"专项组办公室"), "a single branch is opened, not shown as one column");
        assert!(lights(&top["lights"]).iter().sum::<u64>() > 50);
        assert_eq!(lights(&top["lights"]), listed(&t, id, &office, "").await, "the counts are the assignments'");
        // Each row's total is its columns together.
        for (row, total) in top["cells"].as_array().unwrap().iter().zip(top["row_totals"].as_array().unwrap()) {
            let mut sum = [0; 4];
            for cell in row.as_array().unwrap().iter().filter(|c| !c.is_null()) {
                for (s, n) in sum.iter_mut().zip(lights(&cell["lights"])) {
                    *s += n;
                }
            }
            assert_eq!(total.is_null(), sum == [0; 4]);
            if !total.is_null() {
                assert_eq!(lights(&total["lights"]), sum);
            }
        }
        assert_eq!(top["trend"].as_array().unwrap().len(), 12);
        assert!(top["trend"].as_array().unwrap().iter().any(|w| w["reports"].as_u64().unwrap() > 0));

        // Drill from the region to Lhasa: its own assignments beside its counties'.
        let lhasa_id = t.unit_id("540100").await;
        let lhasa_column = top["columns"][column_index(&top, "拉萨市")].clone();
        assert_eq!(lhasa_column["drill"], true);
        let drilled = board(&t, id, &office, Some(lhasa_id)).await;
        assert_eq!(drilled["focus"]["name"], "拉萨市");
        assert_eq!(drilled["trail"][0]["name"], "西藏自治区");
        let own = column_index(&drilled, "拉萨市");
        assert_eq!(drilled["columns"][own]["own"], true);
        assert_eq!(lights(&drilled["lights"]), column(&top, column_index(&top, "拉萨市")));
        assert_eq!(column(&drilled, own), listed(&t, id, &office, &format!("&unit={lhasa_id}")).await);
        let under_lhasa = listed(&t, id, &office, &format!("&under={lhasa_id}")).await;
        assert_eq!(lights(&drilled["lights"]), under_lhasa, "its counts open the subtree's assignments");
        // The weekly trend follows the drill-down: Lhasa's reports, fewer than the region's.
        let reports = |board: &Value| -> Vec<u64> {
            board["trend"].as_array().unwrap().iter().map(|w| w["reports"].as_u64().unwrap()).collect()
        };
        let (region, city) = (reports(&top), reports(&drilled));
        assert!(city.iter().sum::<u64>() > 0, "{city:?}");
        assert!(city.iter().zip(&region).all(|(c, r)| c <= r) && city != region, "{city:?} within {region:?}");

        // The liaison starts at their prefecture, sees the same, and nothing beside it.
        let lhasa = t.token("lhasa").await;
        let theirs = board(&t, id, &lhasa, None).await;
        assert_eq!(theirs["focus"]["name"], "拉萨市");
        assert_eq!(theirs["trail"].as_array().unwrap().len(), 0);
        assert_eq!(theirs["lights"], drilled["lights"]);
        assert_eq!(theirs["trend"], drilled["trend"], "a liaison's trend is its own subtree's");
        let shigatse = t.unit_id("540200").await;
        let refused = t.get(&format!("/api/v1/campaigns/{id}/dashboard?unit={shigatse}"), &lhasa).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(listed(&t, id, &lhasa, &format!("&under={shigatse}")).await, [0; 4], "nor its assignments");

        let session = t.session("office").await;
        let page = t.get(&format!("/campaigns/{id}/dashboard"), &session).await.text();
        assert!(page.contains("<svg") && page.contains("日喀则市"));
        // A phone sees every column as a unit at a glance: its figure and a square per pillar.
        let glances = &page[page.find("class=\"glances\"").expect("the units at a glance")..];
        let glances = &glances[..glances.find("</ul>").unwrap()];
        for name in ["拉萨市", "日喀则市", "阿里地区"] {
            assert!(glances.contains(name), "{name} at a glance");
        }
        assert_eq!(glances.matches("<li>").count(), top["columns"].as_array().unwrap().len());
        assert!(glances.contains(&format!("/assignments?campaign={id}&#38;under={lhasa_id}&#38;pillar=")), "{glances}");
        assert!(page.contains(&format!("/campaigns/{id}/dashboard?unit={lhasa_id}")), "columns drill down");
        let page = t.get(&format!("/campaigns/{id}/dashboard?unit={lhasa_id}"), &session).await.text();
        assert!(page.contains("拉萨市（本级）") && page.contains(&format!("/assignments?campaign={id}&amp;unit=")));
        assert!(page.contains(&format!("/assignments?campaign={id}&under={lhasa_id}&light=red")));
    }
}

backend_test! {
    async fn the_roll_ups_follow_reports_thresholds_and_moved_units(t) {
        let office = t.token("office").await;
        let campaign = t.get("/api/v1/campaigns", &office).await.json()[0].clone();
        let id = campaign["id"].as_i64().unwrap();
        let agree = |board: Value, listed: [u64; 4]| {
            assert_eq!(lights(&board["lights"]), listed, "the dashboard counts what the list counts");
        };

        // A report moves a light.
        let lhasa = t.token("lhasa").await;
        // A red one not yet overdue (an overdue one stays red whatever is reported).
        let mine = t.get(&format!("/api/v1/assignments?campaign={id}&light=red&per_page=100"), &lhasa).await.json();
        let today = campaign["as_of"].as_str().unwrap();
        let item = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["assignment"]["due_on"].as_str().unwrap() >= today)
            .expect("Lhasa has a red assignment still in time");
        let path = format!("/api/v1/assignments/{}", item["assignment"]["id"]);
        let mut version = item["assignment"]["version"].as_i64().unwrap().to_string();
        if item["assignment"]["state"] == "assigned" {
            let ack = send_if_match(
                &t,
                Method::POST,
                &format!("{path}/steps"),
                &lhasa,
                &version,
                json!({"step": "acknowledge"}),
            )
            .await;
            version = ack.json()["version"].as_i64().unwrap().to_string();
        }
        let before = board(&t, id, &office, None).await;
        let report = send_if_match(
            &t,
            Method::POST,
            &format!("{path}/updates"),
            &lhasa,
            &version,
            json!({"percent": 100, "narrative": "已完成"}),
        )
        .await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text());
        let after = board(&t, id, &office, None).await;
        assert_eq!(lights(&after["lights"])[3] + 1, lights(&before["lights"])[3], "one red fewer");
        agree(after, listed(&t, id, &office, "").await);

        // New thresholds turn every light on other days.
        let body = json!({
            "name": campaign["name"], "year": campaign["year"], "starts_on": campaign["starts_on"],
            "ends_on": campaign["ends_on"], "yellow_at": 1, "red_at": 5, "as_of": campaign["as_of"],
        });
        let saved = send_if_match(
            &t,
            Method::PUT,
            &format!("/api/v1/campaigns/{id}"),
            &office,
            &campaign["version"].to_string(),
            body,
        )
        .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        agree(board(&t, id, &office, None).await, listed(&t, id, &office, "").await);

        // A department moved to another group takes its counts along.
        let top = board(&t, id, &office, None).await;
        let (from, to) = (column_index(&top, "宣传教育组"), column_index(&top, "综合协调组"));
        let (from_before, to_before) = (column(&top, from), column(&top, to));
        let moved_id = t.unit_id("CY-XCB").await;
        let moved = listed(&t, id, &office, &format!("&unit={moved_id}")).await;
        assert!(moved.iter().sum::<u64>() > 0, "the propaganda department leads tasks");
        let admin = t.token("admin").await;
        let group = t.unit_id("ZNZ-01").await;
        let response = send_if_match(
            &t,
            Method::POST,
            &format!("/api/v1/units/{moved_id}/move"),
            &admin,
            "1",
            json!({"parent_id": group}),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let top = board(&t, id, &office, None).await;
        let (from_after, to_after) =
            (column(&top, column_index(&top, "宣传教育组")), column(&top, column_index(&top, "综合协调组")));
        for light in 0..4 {
            assert_eq!(from_after[light] + moved[light], from_before[light]);
            assert_eq!(to_after[light], to_before[light] + moved[light]);
        }
        agree(top, listed(&t, id, &office, "").await);
    }
}

backend_test! {
    async fn a_top_view_too_wide_to_read_shows_the_roots(t) {
        let office = t.token("office").await;
        let id = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        // Sixty more prefecture-level units under the region: its branches no longer fit.
        let mut tx = t.db.store.write().await.unwrap();
        let region =
            pacesetter_store::units::get(&mut tx, pacesetter_domain::UnitId(t.unit_id("540000").await)).await.unwrap();
        for n in 0..60 {
            let fields = pacesetter_domain::unit::UnitFields {
                kind: pacesetter_domain::UnitKind::Prefecture,
                code: Some(format!("T-{n}")),
                name: format!("试点{n}"),
                name_bo: None,
                name_en: None,
                category: None,
                aliases: Vec::new(),
            };
            pacesetter_store::units::insert(&mut tx, Some(&region), &fields, pacesetter_domain::Timestamp::now())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let top = board(&t, id, &office, None).await;
        let names: Vec<&str> = top["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["民族团结进步模范区创建专项组", "西藏自治区"]);
        assert!(top["columns"].as_array().unwrap().iter().all(|c| c["drill"] == true && c["own"] == false));
        assert_eq!(lights(&top["lights"]), listed(&t, id, &office, "").await);
    }
}

backend_test! {
    async fn a_cell_lists_exactly_its_pillar_in_its_units(t) {
        let office = t.token("office").await;
        let campaign = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let plan = t.get(&format!("/api/v1/campaigns/{campaign}/plan"), &office).await.json();
        let pillar = plan.as_array().unwrap().iter().find(|p| p["item"]["code"] == "XD-3").unwrap()["item"]["id"].as_i64().unwrap();
        let lhasa = t.unit_id("540100").await;

        // Through the API: the pillar's tasks only, in the unit asked for.
        let listed = t.get(&format!("/api/v1/assignments?campaign={campaign}&pillar={pillar}&unit={lhasa}"), &office).await.json();
        let items = listed["items"].as_array().unwrap();
        assert!(!items.is_empty());
        assert!(items.iter().all(|l| l["assignment"]["unit_id"] == lhasa && l["task_code"].as_str().unwrap_or("").starts_with("RW")), "{listed}");
        let all = t.get(&format!("/api/v1/assignments?campaign={campaign}&unit={lhasa}"), &office).await.json();
        assert!(all["total"].as_i64().unwrap() > listed["total"].as_i64().unwrap(), "a narrower list");

        // The dashboard's cell for that pillar and Lhasa (a column with counties below) leads
        // to that pillar in Lhasa's subtree, and the page says so.
        let session = t.session("office").await;
        let board = t.get(&format!("/campaigns/{campaign}/dashboard"), &session).await.text();
        let link = format!("/assignments?campaign={campaign}&amp;under={lhasa}&amp;pillar={pillar}");
        assert!(board.contains(&link), "the cell's link");
        let page = t.get(&link.replace("&amp;", "&"), &session).await.text();
        assert!(page.contains("<h1>任务清单 · XD-3 第三项行动</h1>"), "{page}");
        assert!(page.contains("拉萨市") && !page.contains("日喀则市</td>"), "Lhasa's only");
        // The 合计 cell lists the pillar across every unit shown.
        assert!(board.contains(&format!("/assignments?campaign={campaign}&amp;pillar={pillar}")));

        // With a pillar chosen, the list offers its tasks and narrows to one, named in the title;
        // a task of another pillar kept in the address narrows nothing.
        assert!(page.contains("<select id=\"item\" name=\"item\">"), "{page}");
        let task = items[0]["assignment"]["item_id"].as_i64().unwrap();
        let code = items[0]["task_code"].as_str().unwrap().to_owned();
        let one = t.get(&format!("/assignments?campaign={campaign}&pillar={pillar}&item={task}"), &session).await.text();
        assert!(one.contains(&format!("<h1>任务清单 · {code} ")), "{one}");
        assert!(one.contains(&format!("<option value=\"{task}\" selected>")));
        let other = plan.as_array().unwrap().iter().find(|p| p["item"]["code"] == "GC-1").unwrap()["item"]["id"].as_i64().unwrap();
        let stale = t.get(&format!("/assignments?campaign={campaign}&pillar={other}&item={task}"), &session).await.text();
        assert!(stale.contains("<h1>任务清单 · GC-1 "), "the new pillar, not the old task: {stale}");
    }
}

/// What a campaign's roll-ups store (cells and turning days), without rows that count nothing.
async fn stored_counts(t: &TestApp, campaign: i64) -> Vec<String> {
    use sqlx::Row;
    let mut conn = t.db.store.read().await.unwrap();
    let mut lines = Vec::new();
    for (table, counts) in [
        ("progress_cells", "0 AS day, assignments AS a, closed AS b, permille_sum AS c"),
        ("light_turns", "day, to_yellow AS a, to_red AS b, 0 AS c"),
        ("light_turns_monthly", "day, to_yellow AS a, to_red AS b, 0 AS c"),
    ] {
        let sql = format!("SELECT unit_id, item_id, {counts} FROM {table} WHERE campaign_id = $1 ORDER BY 1, 2, 3");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(campaign).fetch_all(&mut *conn).await.unwrap() {
            let n: Vec<i64> = ["unit_id", "item_id", "day", "a", "b", "c"].map(|c| row.try_get(c).unwrap()).to_vec();
            if n[3..].iter().any(|v| *v != 0) {
                lines.push(format!("{table} {n:?}"));
            }
        }
    }
    lines
}

backend_test! {
    async fn new_thresholds_are_counted_a_step_at_a_time_and_writes_between_steps_stay_exact(t) {
        use pacesetter_domain::{ids::CampaignId, light::Thresholds};
        use pacesetter_store::progress_cells;
        let office = t.token("office").await;
        let campaign = t.get("/api/v1/campaigns", &office).await.json()[0].clone();
        let id = campaign["id"].as_i64().unwrap();
        let old = Thresholds {
            yellow_at: campaign["yellow_at"].as_u64().unwrap() as u32,
            red_at: campaign["red_at"].as_u64().unwrap() as u32,
        };
        // New thresholds, with their recount begun: the assignments stay counted as they were.
        let before = stored_counts(&t, id).await;
        let mut tx = t.db.store.write().await.unwrap();
        sqlx::query("UPDATE campaigns SET yellow_at = 1, red_at = 4 WHERE id = $1").bind(id).execute(&mut *tx).await.unwrap();
        assert!(progress_cells::begin_recount(&mut tx, CampaignId(id), old).await.unwrap());
        assert!(!progress_cells::begin_recount(&mut tx, CampaignId(id), old).await.unwrap(), "one at a time");
        tx.commit().await.unwrap();
        assert_eq!(stored_counts(&t, id).await, before);

        // Two steps, then reports on an assignment already recounted and on one not yet.
        let mut tops = progress_cells::tops_of_campaign(&mut t.db.store.read().await.unwrap(), CampaignId(id)).await.unwrap();
        for _ in 0..2 {
            let mut tx = t.db.store.write().await.unwrap();
            assert!(!progress_cells::recount_step(&mut tx, CampaignId(id), &mut tops, 7).await.unwrap());
            tx.commit().await.unwrap();
        }
        let recount = progress_cells::counting_of(&mut t.db.store.read().await.unwrap(), CampaignId(id))
            .await
            .unwrap()
            .recount
            .expect("under way");
        assert!(recount.after > 0 && recount.after < recount.until, "{recount:?}");
        let lhasa = t.token("lhasa").await;
        let mine = t.get(&format!("/api/v1/assignments?campaign={id}&per_page=100&open=true"), &lhasa).await.json();
        let mine: Vec<&Value> = mine["items"].as_array().unwrap().iter().map(|i| &i["assignment"]).collect();
        let done = mine.iter().find(|a| a["id"].as_i64().unwrap() <= recount.after);
        let waiting = mine.iter().find(|a| a["id"].as_i64().unwrap() > recount.after).expect("one not yet recounted");
        for assignment in done.into_iter().chain([waiting]) {
            let mut version = assignment["version"].to_string();
            let path = format!("/api/v1/assignments/{}", assignment["id"]);
            if assignment["state"] == "assigned" {
                let ack = send_if_match(&t, Method::POST, &format!("{path}/steps"), &lhasa, &version, json!({"step": "acknowledge"})).await;
                assert_eq!(ack.status, StatusCode::OK, "{}", ack.text());
                version = ack.json()["version"].to_string();
            }
            let body = json!({"percent": 100, "narrative": "已完成"});
            let report = send_if_match(&t, Method::POST, &format!("{path}/updates"), &lhasa, &version, body).await;
            assert_eq!(report.status, StatusCode::OK, "{}", report.text());
        }

        // The rest, as a restart finishes it; then the counts are what counting afresh gives.
        progress_cells::finish_recount(&t.db.store, CampaignId(id)).await.unwrap();
        assert!(progress_cells::recounting(&mut t.db.store.read().await.unwrap()).await.unwrap().is_empty());
        let stepped = stored_counts(&t, id).await;
        assert_ne!(stepped, before, "the turning days moved");
        let mut tx = t.db.store.write().await.unwrap();
        progress_cells::rebuild(&mut tx, CampaignId(id)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(stepped, stored_counts(&t, id).await);
    }
}

backend_test! {
    async fn new_thresholds_wait_for_an_assignment_being_created_and_count_it_too(t) {
        use pacesetter_domain::{
            Timestamp,
            ids::{CampaignId, PlanItemId, UnitId},
            plan::ItemFields,
        };
        use pacesetter_store::{
            assignments::fan_out,
            plan_import::{NewTask, insert_tasks},
        };
        use sqlx::Row;
        let office = t.token("office").await;
        let campaign = t.get("/api/v1/campaigns", &office).await.json()[0].clone();
        let id = campaign["id"].as_i64().unwrap();
        let (pillar, unit) = {
            let mut conn = t.db.store.read().await.unwrap();
            let pillar: i64 = sqlx::query("SELECT id FROM plan_items WHERE campaign_id = $1 AND parent_id IS NULL ORDER BY id")
                .bind(id)
                .fetch_one(&mut *conn)
                .await
                .unwrap()
                .get("id");
            let units = sqlx::query("SELECT id FROM units ORDER BY id DESC LIMIT 2").fetch_all(&mut *conn).await.unwrap();
            (pillar, [0, 1].map(|i| UnitId(units[i].get("id"))))
        };
        let day = time::macros::date!(2023 - 06 - 01);
        let task = NewTask {
            parent: Some(PlanItemId(pillar)),
            depth: 1,
            fields: ItemFields {
                code: None,
                title: "新建任务".to_owned(),
                title_bo: None,
                description: None,
                weight: 1,
                starts_on: Some(day),
                due_on: Some(day),
            },
            lead: unit[0],
            co_units: Vec::new(),
            starts: day,
            due: day,
        };
        let mut tx = t.db.store.write().await.unwrap();
        let item = insert_tasks(&mut tx, CampaignId(id), &[task], Timestamp::now()).await.unwrap()[0];
        tx.commit().await.unwrap();
        // The task fanned out to one more unit, counted under today's thresholds and not yet
        // committed, while the office sets new ones: the recount waits for it, and counts it too.
        let mut creating = t.db.store.write().await.unwrap();
        fan_out(&mut creating, item, &[unit[1]], day, day, Timestamp::now()).await.unwrap();
        let body = json!({
            "name": campaign["name"], "year": campaign["year"], "starts_on": campaign["starts_on"],
            "ends_on": campaign["ends_on"], "yellow_at": 1, "red_at": 4, "as_of": campaign["as_of"],
        });
        let version = campaign["version"].to_string();
        let path = format!("/api/v1/campaigns/{id}");
        let (saved, ()) = tokio::join!(send_if_match(&t, Method::PUT, &path, &office, &version, body), async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            creating.commit().await.unwrap();
        });
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        let stepped = stored_counts(&t, id).await;
        let mut tx = t.db.store.write().await.unwrap();
        pacesetter_store::progress_cells::rebuild(&mut tx, CampaignId(id)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(stepped, stored_counts(&t, id).await);
    }
}
