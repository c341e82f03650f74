//! The demo's inspections on every backend: a completed round over the 7 prefectures whose
//! findings' rectification items stand in every state, a round under way and a round in planning.

use pacesetter_testkit::backend_test;

backend_test! {
    async fn the_demo_has_a_completed_round_with_findings_in_every_state_an_active_and_a_planned_one(t) {
        pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let rounds = pacesetter_app::demo::inspection::seed(&t.app).await.unwrap();
        let (done, planned) = (rounds.completed, rounds.planned);
        let office = t.token("office").await;
        let round = t.get(&format!("/api/v1/inspection-rounds/{}", done.0), &office).await.json();
        assert_eq!(round["round"]["status"], "completed");
        assert_eq!(round["targets"].as_array().unwrap().len(), 7);
        let campaign = round["round"]["campaign_id"].as_i64().unwrap();
        let planned = t.get(&format!("/api/v1/inspection-rounds/{}", planned.0), &office).await.json();
        assert_eq!(planned["round"]["status"], "planning");
        assert!(!planned["items"].as_array().unwrap().is_empty());

        // The round under way on the demo's day (where the inspector lands, `pages.rs`).
        let active = t.get(&format!("/api/v1/inspection-rounds/{}", rounds.active.0), &office).await.json();
        assert_eq!(active["round"]["status"], "active");
        assert_eq!(active["targets"].as_array().unwrap().len(), 3);
        // Nagqu's sheet there shows the inspectors' answers already given, chosen in their forms.
        let nagqu = t.unit_id("540600").await;
        let sheet = t.get(&format!("/inspection-rounds/{}/units/{nagqu}", rounds.active.0), &t.session("inspector").await).await;
        assert_eq!(sheet.status, axum::http::StatusCode::OK);
        let sheet = sheet.text();
        let first = &sheet[sheet.find("class=\"form point-form\"").unwrap()..];
        let first = &first[..first.find("</form>").unwrap()];
        assert!(first.contains("value=\"met\" required checked") && first.contains("value=\"现场查看、查阅资料\""), "{first}");

        let ledger = t.get(&format!("/api/v1/campaigns/{campaign}/findings?per_page=50"), &office).await.json();
        assert_eq!(ledger["total"], 7);
        let items: Vec<&serde_json::Value> =
            ledger["items"].as_array().unwrap().iter().map(|f| &f["rectification"]).collect();
        let count = |state: &str| items.iter().filter(|r| r["state"] == state).count();
        assert_eq!((count("open"), count("responded"), count("closed"), count("reopened")), (2, 1, 2, 2));
        let overdue = items.iter().filter(|r| r["overdue"] == true).count();
        assert_eq!(overdue, 1, "on the demo's day (30 June 2023) Shannan's open item is late; the others are not yet");

        // Pages count from 1, as every list does; a page past the end is empty.
        let page = |n: &str| format!("/api/v1/campaigns/{campaign}/findings?per_page=1&page={n}");
        let ids = |value: serde_json::Value| value["items"][0]["finding"]["id"].clone();
        let first = ids(t.get(&page("1"), &office).await.json());
        assert_eq!(first, ledger["items"][0]["finding"]["id"]);
        assert_eq!(ids(t.get(&page("2"), &office).await.json()), ledger["items"][1]["finding"]["id"]);
        let far = t.get(&page(&(i64::MAX - 1).to_string()), &office).await;
        assert_eq!(far.status, axum::http::StatusCode::OK);
        assert_eq!(far.json()["items"].as_array().unwrap().len(), 0);

        let late = t.get(&format!("/api/v1/campaigns/{campaign}/findings?overdue=true"), &office).await.json();
        assert_eq!(late["total"], 1);

        // A liaison sees its own prefecture's finding only.
        let lhasa = t.token("lhasa").await;
        let theirs = t.get(&format!("/api/v1/campaigns/{campaign}/findings"), &lhasa).await.json();
        assert_eq!(theirs["total"], 1);
    }
}

backend_test! {
    async fn overdue_and_reopened_findings_become_deductions_traceable_to_them(t) {
        use axum::http::{Method, StatusCode};
        use serde_json::json;
        let round = pacesetter_app::demo::inspection::seed(&t.app).await.unwrap().completed;
        let office = t.token("office").await;
        let campaign =
            t.get(&format!("/api/v1/inspection-rounds/{}", round.0), &office).await.json()["round"]["campaign_id"]
                .as_i64()
                .unwrap();
        let scheme: serde_json::Value =
            serde_json::from_str(include_str!("../../../../examples/evaluation/scheme.json")).unwrap();
        let units: Vec<serde_json::Value> = t.get("/api/v1/units?kind=prefecture", &office).await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| json!({"unit_id": u["id"], "category": "地市"}))
            .collect();
        let body = json!({"campaign_id": campaign, "name": "督导扣分测试", "scheme": scheme, "units": units});
        let created = t.json(Method::POST, "/api/v1/evaluations", &office, body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let id = created.json()["id"].as_i64().unwrap();
        let activate = json!({"name": "督导扣分测试", "status": "active", "scheme": scheme, "units": units});
        let active =
            crate::plans::send_if_match(&t, Method::PUT, &format!("/api/v1/evaluations/{id}"), &office, "1", activate)
                .await;
        assert_eq!(active.status, StatusCode::OK, "{}", active.text());

        let path = format!("/api/v1/evaluations/{id}/finding-deductions");
        let refused = t.json(Method::POST, &path, &office, json!({"points_per_finding": "-1"})).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let by_liaison = t.json(Method::POST, &path, &t.token("lhasa").await, json!({"points_per_finding": "1"})).await;
        assert_eq!(by_liaison.status, StatusCode::FORBIDDEN);
        let made = t.json(Method::POST, &path, &office, json!({"points_per_finding": "0.5"})).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let items = made.json();
        let items = items.as_array().unwrap();
        assert_eq!(items.len(), 3, "the overdue open item and the two reopened ones: {items:?}");
        assert!(items.iter().all(|i| i["source_link"].as_str().unwrap().starts_with("/findings/")));
        assert!(items.iter().any(|i| i["source"].as_str().unwrap().contains("上一轮督导反馈问题未按期整改")));
        let again = t.json(Method::POST, &path, &office, json!({"points_per_finding": "0.5"})).await;
        assert_eq!(again.json().as_array().unwrap().len(), 0, "each finding is deducted once");
    }
}
