//! Reporting progress beyond a percentage: indicator values against their targets, and the
//! reviewers' list of what awaits review.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::backend_test;
use serde_json::{Value, json};

use crate::plans::{campaign_with_task, send_if_match};

backend_test! {
    async fn units_report_indicator_values_with_their_progress(t) {
        let office = t.token("office").await;
        let (campaign, task) = campaign_with_task(&t, &office).await;
        let item_path = format!("/api/v1/plan-items/{task}");
        let version = t.get(&item_path, &office).await.json()["item"]["version"].as_i64().unwrap().to_string();
        let mut body = t.get(&item_path, &office).await.json()["item"].clone();
        let body = body.as_object_mut().unwrap();
        for key in ["id", "campaign_id", "parent_id", "depth", "version"] {
            body.remove(key);
        }
        body.insert(
            "indicators".into(),
            json!([{"name": "参赛人数", "unit": "人", "target": "120"}, {"name": "举办场次", "unit": "场"}]),
        );
        let edited = send_if_match(&t, Method::PUT, &item_path, &office, &version, Value::Object(body.clone())).await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
        let indicators = t.get(&item_path, &office).await.json()["indicators"].clone();
        assert_eq!(indicators[0]["target"], "120");
        let (people, rounds) = (indicators[0]["id"].as_i64().unwrap(), indicators[1]["id"].as_i64().unwrap());

        let lhasa = t.token("lhasa").await;
        let mine = t.get(&format!("/api/v1/assignments?campaign={campaign}"), &lhasa).await.json();
        let id = mine["items"][0]["assignment"]["id"].as_i64().unwrap();
        let path = format!("/api/v1/assignments/{id}");
        let steps = format!("{path}/steps");
        let ack = send_if_match(&t, Method::POST, &steps, &lhasa, "1", json!({"step": "acknowledge"})).await;
        assert_eq!(ack.status, StatusCode::OK);
        // Not a number: refused, nothing recorded.
        let bad = json!({"percent": 60, "narrative": "已举办两场", "indicators": {people.to_string(): "很多"}});
        let refused = send_if_match(&t, Method::POST, &format!("{path}/updates"), &lhasa, "2", bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"]["details"][0]["code"], "invalid_indicator_value");
        let good = json!({"percent": 60, "narrative": "已举办两场", "indicators": {people.to_string(): "86", rounds.to_string(): "2.0"}});
        let saved = send_if_match(&t, Method::POST, &format!("{path}/updates"), &lhasa, "2", good).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        let detail = t.get(&path, &lhasa).await.json();
        assert_eq!(detail["indicators"][0]["latest"], "86");
        assert_eq!(detail["indicators"][1]["latest"], "2", "kept as a canonical decimal");
        let last = detail["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["indicators"].as_array().unwrap().len(), 2);

        // The page shows the indicators; a bad value comes back with what was typed.
        let session = t.session("lhasa").await;
        let page = t.get(&format!("/assignments/{id}"), &session).await.text();
        assert!(page.contains("参赛人数") && page.contains("86"));
        let name = format!("indicator_{people}");
        let form = [
            ("csrf", session.csrf()),
            ("version", "3"),
            ("percent", "70"),
            ("comment", "继续推进"),
            (name.as_str(), "9x"),
        ];
        let response = t.upload(&format!("/assignments/{id}/update"), &session, &form, "", b"").await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().contains("9x") && response.text().contains("指标值须是数字"));

        // Dropping one indicator keeps the other's values.
        let version = t.get(&item_path, &office).await.json()["item"]["version"].as_i64().unwrap().to_string();
        body.insert("indicators".into(), json!([{"name": "参赛人数", "unit": "人", "target": "150"}]));
        let trimmed = send_if_match(&t, Method::PUT, &item_path, &office, &version, Value::Object(body.clone())).await;
        assert_eq!(trimmed.status, StatusCode::OK, "{}", trimmed.text());
        let detail = t.get(&path, &lhasa).await.json();
        assert_eq!(detail["indicators"].as_array().unwrap().len(), 1);
        assert_eq!(
            (detail["indicators"][0]["latest"].as_str(), detail["indicators"][0]["target"].as_str()),
            (Some("86"), Some("150"))
        );
    }
}

backend_test! {
    async fn reviewers_list_what_awaits_review(t) {
        let office = t.token("office").await;
        let (campaign, _) = campaign_with_task(&t, &office).await;
        let lhasa = t.token("lhasa").await;
        let mine = t.get(&format!("/api/v1/assignments?campaign={campaign}"), &lhasa).await.json();
        let path = format!("/api/v1/assignments/{}", mine["items"][0]["assignment"]["id"]);
        let steps = format!("{path}/steps");
        let ack = send_if_match(&t, Method::POST, &steps, &lhasa, "1", json!({"step": "acknowledge"})).await;
        assert_eq!(ack.status, StatusCode::OK);
        let report = json!({"percent": 100, "submit": true});
        let reported = send_if_match(&t, Method::POST, &format!("{path}/updates"), &lhasa, "2", report).await;
        assert_eq!(reported.status, StatusCode::OK, "{}", reported.text());

        let session = t.session("office").await;
        let page = t.get(&format!("/assignments?campaign={campaign}&state=reported"), &session).await.text();
        let tags: Vec<&str> =
            page.split("<td><span class=\"tag\">").skip(1).map(|s| s.split('<').next().unwrap()).collect();
        assert_eq!(tags, ["已报送"], "only the reported one of seven");
        let api = t.get(&format!("/api/v1/assignments?campaign={campaign}&state=reported"), &office).await.json();
        assert_eq!(api["total"], 1);
    }
}
