//! What an id outside the caller's scope answers: exactly what a missing id answers, so that
//! no status, code or count tells a prefecture what exists in another; and a filter on an
//! ancestor of the caller's unit narrows to the caller's own.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};
use serde_json::json;

/// The status and error code of an answer, which is what must not differ.
fn shape(response: &TestResponse) -> (StatusCode, serde_json::Value) {
    (response.status, response.json()["error"]["code"].clone())
}

async fn post_if_match(t: &TestApp, path: &str, auth: &Auth, version: &str, body: serde_json::Value) -> TestResponse {
    let mut request = axum::http::Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/json")
        .header("if-match", format!("\"{version}\""));
    if let Auth::Bearer(token) = auth {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    t.send(request.body(axum::body::Body::from(body.to_string())).unwrap()).await
}

backend_test! {
    async fn a_subtree_elsewhere_lists_like_a_missing_one_and_an_ancestor_narrows(t) {
        let office = t.token("office").await;
        let lhasa = t.token("lhasa").await;
        let campaign = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let list = |under: String| format!("/api/v1/assignments?campaign={campaign}&per_page=1&under={under}");
        let elsewhere = t.get(&list(t.unit_id("540200").await.to_string()), &lhasa).await;
        let missing = t.get(&list("99999999".into()), &lhasa).await;
        assert_eq!((elsewhere.status, missing.status), (StatusCode::OK, StatusCode::OK), "{}", missing.text());
        assert_eq!(elsewhere.json(), missing.json());
        assert_eq!(missing.json()["total"], 0);

        let own = t.get(&list(t.unit_id("540100").await.to_string()), &lhasa).await.json()["total"].clone();
        assert!(own.as_i64().unwrap() > 0);
        let region = t.get(&format!("/api/v1/units/{}", t.unit_id("540100").await), &office).await.json()["parent_id"]
            .as_i64()
            .unwrap();
        let from_above = t.get(&list(region.to_string()), &lhasa).await.json();
        assert_eq!(from_above["total"], own, "the region narrows to Lhasa's own");
    }
}

backend_test! {
    async fn a_rectification_item_or_appeal_elsewhere_answers_as_a_missing_one(t) {
        let (_, _, published) = pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        pacesetter_app::demo::inspection::seed(&t.app).await.unwrap();
        let office = t.token("office").await;
        let lhasa = t.token("lhasa").await;
        let campaign = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let lhasa_unit = t.unit_id("540100").await;

        let ledger = t.get(&format!("/api/v1/campaigns/{campaign}/findings?per_page=200"), &office).await.json();
        let foreign = ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|line| line["rectification"]["unit_id"].as_i64().is_some_and(|u| u != lhasa_unit))
            .expect("a finding of another prefecture");
        let item = foreign["rectification"]["id"].as_i64().unwrap();
        let step = json!({"step": "respond", "text": "已整改"});
        let elsewhere =
            post_if_match(&t, &format!("/api/v1/rectifications/{item}/steps"), &lhasa, "1", step.clone()).await;
        let missing = post_if_match(&t, "/api/v1/rectifications/99999999/steps", &lhasa, "1", step).await;
        assert_eq!(shape(&elsewhere), shape(&missing), "{} / {}", elsewhere.text(), missing.text());
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        let shigatse = t.token("shigatse").await;
        let filed = t
            .json(
                Method::POST,
                &format!("/api/v1/evaluations/runs/{published}/appeals"),
                &shigatse,
                json!({"unit_id": t.unit_id("540200").await, "reason": "佐证材料未计入"}),
            )
            .await;
        assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
        let appeal = filed.json()["id"].as_i64().unwrap();
        let decide = |id: i64| format!("/api/v1/evaluations/appeals/{id}/decision");
        let elsewhere = t.json(Method::POST, &decide(appeal), &lhasa, json!({"decision": "dismissed"})).await;
        let missing = t.json(Method::POST, &decide(99999999), &lhasa, json!({"decision": "dismissed"})).await;
        assert_eq!(shape(&elsewhere), shape(&missing), "{} / {}", elsewhere.text(), missing.text());
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        // The unit that filed it knows it exists and is told it may not decide.
        let own = t.json(Method::POST, &decide(appeal), &shigatse, json!({"decision": "dismissed"})).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn a_liaison_reads_only_its_own_units_in_an_evaluation(t) {
        let (scheme, _, _) = pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let path = format!("/api/v1/evaluations/{}", scheme.0);
        let lhasa = t.get(&path, &t.token("lhasa").await).await.json();
        let units: Vec<i64> =
            lhasa["units"].as_array().unwrap().iter().map(|u| u["unit_id"].as_i64().unwrap()).collect();
        assert_eq!(units, [t.unit_id("540100").await], "{lhasa}");
        let office = t.get(&path, &t.token("office").await).await.json();
        assert_eq!(office["units"].as_array().unwrap().len(), 16);
    }
}
