//! Names, titles and free text as they come in: direction controls removed, lengths bounded
//! by kind.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::backend_test;
use serde_json::json;

/// "abc" + RIGHT-TO-LEFT OVERRIDE + "fdp.exe" shows as "abcexe.pdf".
const SPOOFED: &str = "abc\u{202E}fdp.exe";

backend_test! {
    async fn direction_controls_are_removed_from_names_and_titles(t) {
        let office = t.token("office").await;
        let region = t.unit_id("540000").await;
        let unit = t
            .json(
                Method::POST,
                "/api/v1/units",
                &office,
                json!({"parent_id": region, "kind": "prefecture", "name": SPOOFED, "name_en": "\u{2066}Ngari\u{2069}"}),
            )
            .await;
        assert_eq!(unit.status, StatusCode::CREATED, "{}", unit.text());
        assert_eq!(unit.json()["name"], "abcfdp.exe");
        assert_eq!(unit.json()["name_en"], "Ngari");

        let campaign = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();
        let rounds = format!("/api/v1/campaigns/{campaign}/inspection-rounds");
        let round = t
            .json(
                Method::POST,
                &rounds,
                &office,
                json!({"name": SPOOFED, "starts_on": "2023-05-08", "ends_on": "2023-05-19"}),
            )
            .await;
        assert_eq!(round.status, StatusCode::CREATED, "{}", round.text());
        assert_eq!(round.json()["name"], "abcfdp.exe");
        let long = t
            .json(
                Method::POST,
                &rounds,
                &office,
                json!({"name": "督".repeat(201), "starts_on": "2023-05-08", "ends_on": "2023-05-19"}),
            )
            .await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(long.json()["error"]["details"][0]["code"], "too_long");

        let lhasa = t.token("lhasa").await;
        let lhasa_unit = t.unit_id("540100").await;
        let link = t
            .json(
                Method::POST,
                "/api/v1/evidence/links",
                &lhasa,
                json!({"unit_id": lhasa_unit, "url": "https://example.org/a", "title": SPOOFED}),
            )
            .await;
        assert_eq!(link.status, StatusCode::CREATED, "{}", link.text());
        assert_eq!(link.json()["title"], "abcfdp.exe");
    }
}
