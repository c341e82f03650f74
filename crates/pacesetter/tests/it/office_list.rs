//! The office's list of a campaign's assignments across every unit: read in its own order, a
//! page at a time, and counted without joining tasks and units unless searching (migration 0038).

use pacesetter_domain::assignment::AssignmentState;
use pacesetter_testkit::backend_test;

backend_test! {
    async fn the_office_lists_a_campaign_most_urgent_first_and_counts_it_whole(t) {
        let mut conn = t.db.store.read().await.unwrap();
        let campaign = pacesetter_store::campaigns::all(&mut conn).await.unwrap().remove(0);
        let mut all = pacesetter_store::assignments::for_campaign(&mut conn, campaign.id).await.unwrap();
        drop(conn);
        all.sort_by_key(|a| (a.state == AssignmentState::Closed, a.due_on, a.id.0));
        let office = t.token("office").await;
        let id = campaign.id.0;

        let mut listed = Vec::new();
        for page in 1.. {
            let body = t.get(&format!("/api/v1/assignments?campaign={id}&per_page=25&page={page}"), &office).await.json();
            assert_eq!(body["total"].as_u64().unwrap() as usize, all.len(), "the whole campaign is counted");
            let items = body["items"].as_array().unwrap();
            listed.extend(items.iter().map(|item| item["assignment"]["id"].as_i64().unwrap()));
            if items.len() < 25 {
                break;
            }
        }
        let expected: Vec<i64> = all.iter().map(|a| a.id.0).collect();
        assert_eq!(listed, expected, "open before closed, earliest deadline first, page after page");

        // A search joins tasks and units to count: its total is what its pages hold.
        let search = "%E6%8B%89%E8%90%A8"; // 拉萨
        let found = t.get(&format!("/api/v1/assignments?campaign={id}&q={search}&per_page=500"), &office).await.json();
        let total = found["total"].as_u64().unwrap() as usize;
        assert!(total > 0 && total < all.len(), "{total} of {}", all.len());
        assert_eq!(found["items"].as_array().unwrap().len(), total);
        // A NUL ended SQLite's pattern (everything matched) and is refused by PostgreSQL.
        let nul = t.get(&format!("/api/v1/assignments?campaign={id}&q=%00%27--"), &office).await.json();
        assert_eq!(nul["total"], 0, "{nul}");
        let closed = t.get(&format!("/api/v1/assignments?campaign={id}&state=closed&per_page=1"), &office).await.json();
        let closed_count = all.iter().filter(|a| a.state == AssignmentState::Closed).count();
        assert_eq!(closed["total"].as_u64().unwrap() as usize, closed_count);
    }
}

backend_test! {
    async fn a_list_across_every_campaign_holds_exactly_the_subtrees_in_scope(t) {
        let mut conn = t.db.store.read().await.unwrap();
        let mut all = Vec::new();
        for campaign in pacesetter_store::campaigns::all(&mut conn).await.unwrap() {
            all.extend(pacesetter_store::assignments::for_campaign(&mut conn, campaign.id).await.unwrap());
        }
        all.sort_by_key(|a| (a.state == AssignmentState::Closed, a.due_on, a.id.0));
        let units = pacesetter_store::units::all(&mut conn).await.unwrap();
        let path_of = |id| units.iter().find(|u| u.id == id).unwrap().path.clone();
        let mut expected_of = Vec::new();
        // The office holds the office and every province (the subtrees hold most of the
        // assignments: read in the list's order); Lhasa's liaison one prefecture (units first).
        for user in ["office", "lhasa"] {
            let granted: Vec<i64> = sqlx::query_scalar(
                "SELECT g.unit_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = $1",
            )
            .bind(user)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
            let roots: Vec<_> = granted.into_iter().map(|id| path_of(pacesetter_domain::UnitId(id))).collect();
            let expected: Vec<i64> = all
                .iter()
                .filter(|a| roots.iter().any(|root| path_of(a.unit_id).is_within(root)))
                .map(|a| a.id.0)
                .collect();
            assert!(!expected.is_empty());
            expected_of.push((user, expected));
        }
        drop(conn);
        assert!(expected_of[0].1.len() * 2 >= all.len() && expected_of[1].1.len() * 2 < all.len());

        let list_all = |token: &pacesetter_testkit::Auth, per_page: usize| {
            let t = &t;
            let token = token.clone();
            async move {
                let (mut listed, mut totals) = (Vec::new(), Vec::new());
                for page in 1.. {
                    let body = t.get(&format!("/api/v1/assignments?per_page={per_page}&page={page}"), &token).await.json();
                    totals.push(body["total"].as_u64().unwrap() as usize);
                    let items = body["items"].as_array().unwrap();
                    listed.extend(items.iter().map(|item| item["assignment"]["id"].as_i64().unwrap()));
                    if items.len() < per_page {
                        break;
                    }
                }
                (listed, totals)
            }
        };
        for (user, expected) in &expected_of {
            let token = t.token(user).await;
            let (listed, totals) = list_all(&token, 40).await;
            assert_eq!(&listed, expected, "{user}: every assignment in scope, most urgent first");
            assert!(totals.iter().all(|total| *total == expected.len()), "{user}: {totals:?}");

            // While a campaign's roll-ups are still to be counted, the list counts its rows.
            let mut tx = t.db.store.write().await.unwrap();
            sqlx::query("INSERT INTO progress_cells_pending (campaign_id) SELECT MIN(id) FROM campaigns")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let (listed, totals) = list_all(&token, 500).await;
            assert_eq!(&listed, expected, "{user}, counted row by row");
            assert!(totals.iter().all(|total| *total == expected.len()), "{user}: {totals:?}");
            let mut tx = t.db.store.write().await.unwrap();
            sqlx::query("DELETE FROM progress_cells_pending").execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }
    }
}
