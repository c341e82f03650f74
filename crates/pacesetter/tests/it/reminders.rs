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
            // Read in pages of 7, as a run reads them in pages.
            let mut found: Vec<i64> = Vec::new();
            loop {
                let after = pacesetter_domain::ids::AssignmentId(found.last().copied().unwrap_or(0));
                let page = pacesetter_store::assignments::due_for_reminders(
                    &mut conn,
                    campaign.id,
                    today,
                    &reminders::DAYS_BEFORE,
                    after,
                    7,
                )
                .await
                .unwrap();
                assert!(page.len() <= 7);
                found.extend(page.iter().map(|a| a.id.0));
                if page.len() < 7 {
                    break;
                }
            }
            expected.sort_unstable();
            assert!(found.is_sorted(), "a page goes on where the last stopped");
            assert_eq!(found, expected, "on {today}");
            seen += found.len();
        }
        assert!(seen > 100, "the days cover reminders before deadlines and overdue ones: {seen}");
    }
}

backend_test! {
    /// A run reads what is due a page at a time, each page claimed and sent in a transaction of
    /// its own: every due assignment is reminded of once, however many pages it takes.
    async fn a_run_sends_every_due_reminder_once_across_pages(t) {
        use pacesetter_domain::Timestamp;
        let pool = t.db.store.pool();
        let mut conn = t.db.store.read().await.unwrap();
        let campaigns = pacesetter_store::campaigns::all(&mut conn).await.unwrap();
        drop(conn);
        // Every open assignment three days overdue: more than a page of them.
        for campaign in &campaigns {
            let overdue = i64::from(campaign.today(Timestamp::now()).to_julian_day()) - 3;
            sqlx::query(
                "UPDATE assignments SET due_day = $1
                 WHERE state <> 'closed' AND item_id IN (SELECT id FROM plan_items WHERE campaign_id = $2)",
            )
            .bind(overdue)
            .bind(campaign.id.0)
            .execute(pool)
            .await
            .unwrap();
        }
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE state <> 'closed'")
            .fetch_one(pool)
            .await
            .unwrap();
        assert!(open > 40, "the demo has {open} open assignments, fewer than the pages this test wants");

        let first = reminders::run_in_pages(&t.app, 16).await.unwrap();
        let ledger: (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT assignment_id) FROM reminder_ledger WHERE kind = 'overdue'")
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(ledger, (open, open), "each open assignment reminded of once");
        assert!(i64::from(first.reminders) >= open);
        assert_eq!(reminders::run(&t.app).await.unwrap(), reminders::RunSummary::default());

        // What was closed after a run read it as due is not claimed.
        let mut tx = t.db.store.write().await.unwrap();
        let closed: i64 = sqlx::query_scalar("SELECT MIN(id) FROM assignments WHERE state = 'closed'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let about = pacesetter_store::notifications::Reminded::Assignment(pacesetter_domain::ids::AssignmentId(closed));
        let claimed = pacesetter_store::notifications::claim(&mut tx, about, "overdue", 1, Timestamp::now()).await.unwrap();
        assert!(!claimed, "a closed assignment is not reminded of");
        tx.rollback().await.unwrap();
    }
}
