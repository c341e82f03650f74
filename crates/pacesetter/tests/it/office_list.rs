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
        let closed = t.get(&format!("/api/v1/assignments?campaign={id}&state=closed&per_page=1"), &office).await.json();
        let closed_count = all.iter().filter(|a| a.state == AssignmentState::Closed).count();
        assert_eq!(closed["total"].as_u64().unwrap() as usize, closed_count);
    }
}
