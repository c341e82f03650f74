//! Reminders: before the deadline, when overdue, escalated after a week, each exactly once.

use axum::http::StatusCode;
use pacesetter_app::reminders;
use pacesetter_testkit::each_backend;

#[tokio::test]
async fn reminders_go_out_once_and_escalate() {
    each_backend!(|t| {
        let first = reminders::run(&t.app).await.unwrap();
        assert!(first.reminders > 0, "the demo's day has overdue work");
        assert!(first.notifications >= first.reminders);
        let second = reminders::run(&t.app).await.unwrap();
        assert_eq!(second, reminders::RunSummary::default(), "a second run the same day sends nothing");

        let lhasa = t.token("lhasa").await;
        let inbox = t.get("/api/v1/notifications", &lhasa).await.json();
        let kinds: Vec<&str> = inbox.as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        assert!(!kinds.is_empty(), "Lhasa's liaison hears about Lhasa's work");
        assert!(inbox.as_array().unwrap().iter().all(|n| n["title"].as_str().unwrap().contains("任务")));
        let office = t.token("office").await;
        let office_inbox = t.get("/api/v1/notifications", &office).await.json();
        assert!(
            office_inbox.as_array().unwrap().iter().all(|n| n["kind"] == "escalation"),
            "the office hears only of escalations"
        );
        assert!(!office_inbox.as_array().unwrap().is_empty());
        let marked =
            t.json(axum::http::Method::POST, "/api/v1/notifications/read", &lhasa, serde_json::json!({})).await;
        assert_eq!(marked.status, StatusCode::OK);
        assert_eq!(marked.json()["marked"].as_u64().unwrap() as usize, kinds.len());
    });
}

#[tokio::test]
async fn people_choose_what_they_receive() {
    each_backend!(|t| {
        let session = t.session("lhasa").await;
        let saved = t.form("/inbox/prefs", &session, &[("csrf", session.csrf()), ("due_soon", "1")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        reminders::run(&t.app).await.unwrap();
        let lhasa = t.token("lhasa").await;
        let inbox = t.get("/api/v1/notifications", &lhasa).await.json();
        assert!(inbox.as_array().unwrap().iter().all(|n| n["kind"] == "due_soon"), "overdue notices were turned off");
        let page = t.get("/inbox", &session).await.text();
        assert!(page.contains("接收哪些提醒"));
    });
}
