//! The demo's inspections on every backend: a completed round over the 7 prefectures whose
//! findings' rectification items stand in every state, and a round in planning.

use pacesetter_testkit::each_backend;

#[tokio::test]
async fn the_demo_has_a_completed_round_with_findings_in_every_state_and_a_planned_one() {
    each_backend!(|t| {
        pacesetter::demo::evaluation::seed(&t.app).await.unwrap();
        let (done, planned) = pacesetter::demo::inspection::seed(&t.app).await.unwrap();
        let office = t.token("office").await;
        let round = t.get(&format!("/api/v1/inspection-rounds/{}", done.0), &office).await.json();
        assert_eq!(round["round"]["status"], "completed");
        assert_eq!(round["targets"].as_array().unwrap().len(), 7);
        let campaign = round["round"]["campaign_id"].as_i64().unwrap();
        let planned = t.get(&format!("/api/v1/inspection-rounds/{}", planned.0), &office).await.json();
        assert_eq!(planned["round"]["status"], "planning");
        assert!(!planned["items"].as_array().unwrap().is_empty());

        let ledger = t.get(&format!("/api/v1/campaigns/{campaign}/findings?per_page=50"), &office).await.json();
        assert_eq!(ledger["total"], 7);
        let items: Vec<&serde_json::Value> =
            ledger["items"].as_array().unwrap().iter().map(|f| &f["rectification"]).collect();
        let count = |state: &str| items.iter().filter(|r| r["state"] == state).count();
        assert_eq!((count("open"), count("responded"), count("closed"), count("reopened")), (2, 1, 2, 2));
        let overdue = items.iter().filter(|r| r["overdue"] == true).count();
        assert_eq!(overdue, 3, "the open one of 2023 and both reopened ones are late; one open item is not");

        let late = t.get(&format!("/api/v1/campaigns/{campaign}/findings?overdue=true"), &office).await.json();
        assert_eq!(late["total"], 3);

        // A liaison sees its own prefecture's finding only.
        let lhasa = t.token("lhasa").await;
        let theirs = t.get(&format!("/api/v1/campaigns/{campaign}/findings"), &lhasa).await.json();
        assert_eq!(theirs["total"], 1);
    });
}
