//! A campaign's settings edited on its page: bad input kept with its message, stale saves refused.

use axum::http::StatusCode;
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};

backend_test! {
    async fn the_office_edits_a_campaigns_settings_on_its_page(t) {
        let office = t.session("office").await;
        let token = t.token("office").await;
        let campaign = t.get("/api/v1/campaigns", &token).await.json()[0].clone();
        let id = campaign["id"].as_i64().unwrap();
        let form_page = t.get(&format!("/campaigns/{id}/edit"), &office).await;
        assert_eq!(form_page.status, StatusCode::OK);
        let version = campaign["version"].as_i64().unwrap().to_string();
        let fields = |version: &str, red: &str| {
            vec![
                ("csrf", office.csrf().to_owned()),
                ("version", version.to_owned()),
                ("name", "2023年创建工作计划（修订）".to_owned()),
                ("year", "2023".to_owned()),
                ("starts_on", "2023-01-01".to_owned()),
                ("ends_on", "2023-12-31".to_owned()),
                ("yellow_at", "10".to_owned()),
                ("red_at", red.to_owned()),
                ("as_of", "2023-06-30".to_owned()),
            ]
        };
        let path = format!("/campaigns/{id}");
        // A bad threshold comes back with the message and the input kept.
        let refused = form_of(&t, &path, &office, fields(&version, "5")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("2023年创建工作计划（修订）"));
        let saved = form_of(&t, &path, &office, fields(&version, "30")).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let after = t.get(&format!("/api/v1/campaigns/{id}"), &token).await.json();
        assert_eq!(after["name"], "2023年创建工作计划（修订）");
        assert_eq!(after["public_page"], false, "an unticked box turns the public page off");
        // The same old version again: someone else's save came first.
        let stale = form_of(&t, &path, &office, fields(&version, "30")).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.text().contains("其他人已保存了该计划的设置"));
        let lhasa = t.session("lhasa").await;
        assert_eq!(t.get(&format!("/campaigns/{id}/edit"), &lhasa).await.status, StatusCode::FORBIDDEN);
    }
}

/// Posts a form whose values were built at run time.
async fn form_of(t: &TestApp, path: &str, auth: &Auth, fields: Vec<(&str, String)>) -> TestResponse {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t.form(path, auth, &pairs).await
}
