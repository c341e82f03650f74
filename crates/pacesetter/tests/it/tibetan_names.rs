//! Meetings and contests named in Tibetan beside the Chinese (issue 18), on every backend: the
//! name is kept and returned by the API, shown to Tibetan readers, and where none was given the
//! Chinese stands in, marked as Chinese; a bad one is refused on its own field, keeping nothing.

use axum::http::{Method, StatusCode};
use pacesetter_domain::Role;
use pacesetter_testkit::{TestApp, backend_test};
use serde_json::json;

/// The demo's 2023 campaign.
async fn campaign(t: &TestApp) -> i64 {
    crate::plan_import::demo_campaign(t, &t.token("office").await).await
}

backend_test! {
    async fn meetings_and_contests_carry_a_tibetan_name_shown_to_tibetan_readers(t) {
        let office = t.token("office").await;
        let id = campaign(&t).await;
        // 会议 is attested as ཚོགས་འདུ (TIBETAN.md §3); the test only needs Tibetan text.
        let meeting = json!({"title": "第三次推进会", "title_bo": "ཚོགས་འདུ་གསུམ་པ།", "starts_at": "2023-10-10T10:00:00+08:00", "mode": "video"});
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/meetings"), &office, meeting).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(created.json()["title_bo"], "ཚོགས་འདུ་གསུམ་པ།");
        let meeting_id = created.json()["id"].as_i64().unwrap();
        let untitled = json!({"title": "第二次推进会", "starts_at": "2023-07-10T10:00:00+08:00", "mode": "video"});
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/meetings"), &office, untitled).await;
        assert_eq!((created.status, created.json()["title_bo"].clone()), (StatusCode::CREATED, serde_json::Value::Null));
        let contest = json!({"name": "演讲比赛", "name_bo": "གླེང་སྟེགས།"});
        let created = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/contests"), &office, contest).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(created.json()["name_bo"], "གླེང་སྟེགས།");
        let contest_id = created.json()["id"].as_i64().unwrap();

        // Refused on its own field, nothing kept.
        let before = t.get(&format!("/api/v1/campaigns/{id}/meetings"), &office).await.json().as_array().unwrap().len();
        let bad = json!({"title": "会", "title_bo": "ཚོགས\u{0}", "starts_at": "2023-10-10T10:00:00+08:00", "mode": "video"});
        let refused = t.json(Method::POST, &format!("/api/v1/campaigns/{id}/meetings"), &office, bad).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"]["details"][0]["field"], "title_bo", "{}", refused.text());
        let after = t.get(&format!("/api/v1/campaigns/{id}/meetings"), &office).await.json().as_array().unwrap().len();
        assert_eq!(before, after);

        t.tibetan_reader("reader-bo", Role::Coordinator, "ZXB").await;
        let reader = t.session("reader-bo").await;
        let meetings = t.get("/meetings", &reader).await.text();
        assert!(meetings.contains("<span lang=\"bo\">ཚོགས་འདུ་གསུམ་པ།</span>"), "{meetings}");
        assert!(meetings.contains("class=\"untranslated\""), "the meeting without a Tibetan title: its Chinese, marked");
        let page = t.get(&format!("/meetings/{meeting_id}"), &reader).await.text();
        assert!(page.contains("<h1><span lang=\"bo\">ཚོགས་འདུ་གསུམ་པ།</span></h1>"));
        let contests = t.get("/contests", &reader).await.text();
        assert!(contests.contains("<span lang=\"bo\">གླེང་སྟེགས།</span>"));
        let page = t.get(&format!("/contests/{contest_id}"), &reader).await.text();
        assert!(page.contains("<h1><span lang=\"bo\">གླེང་སྟེགས།</span></h1>"));
        let chinese = t.get(&format!("/meetings/{meeting_id}"), &t.session("office").await).await.text();
        assert!(chinese.contains("<h1><span lang=\"zh-Hans\">第三次推进会</span></h1>"));

        // From the page's form too.
        let session = t.session("office").await;
        let fields = [
            ("csrf", session.csrf()),
            ("campaign_id", &id.to_string()),
            ("title", "第四次推进会"),
            ("title_bo", "ཚོགས་འདུ་བཞི་པ།"),
            ("starts_at", "2023-12-01T10:00"),
            ("mode", "video"),
        ];
        let saved = t.form("/meetings", &session, &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let listed = t.get(&format!("/api/v1/campaigns/{id}/meetings"), &office).await.json();
        assert!(listed.as_array().unwrap().iter().any(|m| m["title_bo"] == "ཚོགས་འདུ་བཞི་པ།"), "{listed}");
    }
}
