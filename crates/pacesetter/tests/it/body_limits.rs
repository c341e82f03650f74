//! How large a request may be: small for JSON calls and page forms, a file's size for uploads.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, backend_test};
use serde_json::json;

backend_test! {
    async fn json_bodies_are_small_and_uploads_keep_their_limit(t) {
        // Anonymous, megabytes: refused before anything reads it.
        let huge = t
            .json(
                Method::POST,
                "/api/v1/auth/token",
                &Auth::None,
                json!({"username": "x".repeat(3_000_000), "password": "whatever-1"}),
            )
            .await;
        assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(huge.json()["error"]["code"], "body_too_large");
        let office = t.token("office").await;
        let region = t.unit_id("540000").await;
        let big = t
            .json(
                Method::POST,
                "/api/v1/units",
                &office,
                json!({"parent_id": region, "kind": "prefecture", "name": "名".repeat(100_000)}),
            )
            .await;
        assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.text());
        assert_eq!(big.json()["error"]["code"], "body_too_large");

        // A file of a megabyte still goes in, through the API and through a page.
        let lhasa = t.token("lhasa").await;
        let unit = t.unit_id("540100").await;
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.resize(1024 * 1024, b' ');
        pdf.extend_from_slice(b"\n%%EOF\n");
        let evidence = t.post_bytes(&format!("/api/v1/evidence?unit={unit}&filename=big.pdf"), &lhasa, pdf).await;
        assert_eq!(evidence.status, StatusCode::CREATED, "{}", evidence.text());
        let session = t.session("office").await;
        let mut sheet = b"PK\x03\x04".to_vec();
        sheet.resize(1024 * 1024, 0);
        let page =
            t.upload("/imports", &session, &[("csrf", session.csrf()), ("kind", "units")], "big.xlsx", &sheet).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "read and refused as a sheet, not for its size");
    }
}
