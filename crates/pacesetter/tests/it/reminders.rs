//! Reminders: before the deadline, when overdue, escalated after a week, each exactly once.

use axum::http::StatusCode;
use pacesetter_app::reminders;
use pacesetter_testkit::backend_test;

backend_test! {
    async fn reminders_go_out_once_and_escalate(t) {
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
    }
}

backend_test! {
    async fn people_choose_what_they_receive(t) {
        let session = t.session("lhasa").await;
        let saved = t.form("/inbox/prefs", &session, &[("csrf", session.csrf()), ("due_soon", "1")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        reminders::run(&t.app).await.unwrap();
        let lhasa = t.token("lhasa").await;
        let inbox = t.get("/api/v1/notifications", &lhasa).await.json();
        assert!(inbox.as_array().unwrap().iter().all(|n| n["kind"] == "due_soon"), "overdue notices were turned off");
        let page = t.get("/inbox", &session).await.text();
        assert!(page.contains("接收哪些提醒"));
    }
}

backend_test! {
    async fn the_reminder_query_picks_exactly_what_the_rule_would(t) {
        let mut conn = t.db.store.read().await.unwrap();
        let campaign = pacesetter_store::campaigns::all(&mut conn).await.unwrap().remove(0);
        let all = pacesetter_store::assignments::for_campaign(&mut conn, campaign.id).await.unwrap();
        let start = campaign.as_of.unwrap() - time::Duration::days(120);
        let mut seen = 0;
        for step in 0..60 {
            let today = start + time::Duration::days(step * 4);
            let mut expected: Vec<i64> = all
                .iter()
                .filter(|a| a.state != pacesetter_domain::assignment::AssignmentState::Closed)
                .filter(|a| {
                    let left = a.days_left(today);
                    left < 0 || reminders::DAYS_BEFORE.contains(&left)
                })
                .map(|a| a.id.0)
                .collect();
            let mut found: Vec<i64> = pacesetter_store::assignments::due_for_reminders(
                &mut conn,
                campaign.id,
                today,
                &reminders::DAYS_BEFORE,
            )
            .await
            .unwrap()
            .iter()
            .map(|a| a.id.0)
            .collect();
            expected.sort_unstable();
            found.sort_unstable();
            assert_eq!(found, expected, "on {today}");
            seen += found.len();
        }
        assert!(seen > 100, "the days cover reminders before deadlines and overdue ones: {seen}");
    }
}
