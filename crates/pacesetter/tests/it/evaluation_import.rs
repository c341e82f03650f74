//! A scheme imported from the office's indicator table (XLSX or CSV) over the API, on every
//! backend: created as a draft with its units; bad cells listed by row and column; an
//! inconsistent tree refused naming the node; only the campaign office may import.

use axum::http::StatusCode;
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};

use crate::plans::campaign_with_task;

async fn import(t: &TestApp, auth: &Auth, campaign: i64, name: &str, body: Vec<u8>) -> TestResponse {
    let mut request = axum::http::Request::post(format!("/api/v1/evaluations/import?campaign={campaign}&name={name}"));
    if let Auth::Bearer(token) = auth {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    t.send(request.body(axum::body::Body::from(body)).unwrap()).await
}

backend_test! {
    async fn an_indicator_table_becomes_a_draft_scheme_with_its_units(t) {
        let xlsx = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/evaluation/scheme.xlsx")).unwrap();
        let office = t.token("office").await;
        let (campaign, _) = campaign_with_task(&t, &office).await;

        let by_liaison = import(&t, &t.token("lhasa").await, campaign, "x", xlsx.clone()).await;
        assert_eq!(by_liaison.status, StatusCode::FORBIDDEN);

        let created = import(&t, &office, campaign, "2023", xlsx.clone()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let body = created.json();
        assert_eq!(body["status"], "draft");
        assert_eq!(body["units"].as_array().unwrap().len(), 4, "{body}");
        assert_eq!(body["units"][0]["category"], "地市");
        let nodes = body["scheme"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 8);
        assert_eq!(nodes[1]["methods"], serde_json::json!(["查阅资料", "实地查看"]));
        assert_eq!(body["scheme"]["total_points"], "100");

        let bad = "指标编码,上级编码,指标名称,分值,评分方法,评分参数,自评单位\nA1,,甲,十,是否,,540100\nA2,,乙,5,等级,A=x,540100\n";
        let refused = import(&t, &office, campaign, "bad", bad.as_bytes().to_vec()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"]["code"], "sheet_has_errors");
        let errors = &refused.json()["error"]["details"]["errors"];
        assert_eq!(errors[0], serde_json::json!({"row": 2, "column": "D", "header": "分值", "code": "not_a_number"}));
        assert_eq!(errors[1]["column"], "F");

        let inconsistent = "指标编码,上级编码,指标名称,分值,评分方法,自评单位\nA,,甲,10,,\nA1,A,乙,8,是否,540100\n";
        let refused = import(&t, &office, campaign, "bad", inconsistent.as_bytes().to_vec()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_eq!(refused.json()["error"]["details"]["node"], "A");

        let unknown = "指标编码,指标名称,分值,评分方法,自评单位\nA1,甲,100,是否,不存在的单位\n";
        let refused = import(&t, &office, campaign, "bad", unknown.as_bytes().to_vec()).await;
        assert_eq!(refused.json()["error"]["code"], "unit_not_found");
        assert_eq!(refused.json()["error"]["details"]["units"], serde_json::json!(["不存在的单位"]));
    }
}

backend_test! {
    async fn the_office_imports_an_indicator_table_on_the_evaluations_page(t) {
        let xlsx = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/evaluation/scheme.xlsx")).unwrap();
        let token = t.token("office").await;
        let (campaign, _) = campaign_with_task(&t, &token).await;
        let office = t.session("office").await;
        let page = t.get(&format!("/evaluations?campaign={campaign}"), &office).await.text();
        let action = format!("/campaigns/{campaign}/evaluations/import");
        assert!(page.contains(&action), "the office is offered the import");
        let lhasa = t.session("lhasa").await;
        let theirs = t.get(&format!("/evaluations?campaign={campaign}"), &lhasa).await.text();
        assert!(!theirs.contains(&action), "a liaison is not");

        // A wrong cell comes back named by row and column, with the name kept.
        let bad = "指标编码,指标名称,分值,评分方法,自评单位\nA1,甲,十,是否,540100\n";
        let fields = [("csrf", office.csrf()), ("name", "2023年度考评（草稿）")];
        let refused = t.upload(&action, &office, &fields, "指标.csv", bad.as_bytes()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = refused.text();
        assert!(text.contains("第 2 行 C 列（分值）") && text.contains("2023年度考评（草稿）"), "{text}");

        let created = t.upload(&action, &office, &fields, "scheme.xlsx", &xlsx).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        let scheme = t.get(created.header("location").unwrap(), &office).await;
        assert!(scheme.text().contains("2023年度考评（草稿）"));
        let refused = t.upload(&action, &lhasa, &[("csrf", lhasa.csrf()), ("name", "x")], "s.xlsx", &xlsx).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}
