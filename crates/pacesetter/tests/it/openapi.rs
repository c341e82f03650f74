//! The OpenAPI document is a snapshot: a change to the API shows up in review as a change to
//! `crates/web/openapi.json`. Run with `UPDATE_SNAPSHOTS=1` to accept a deliberate change.

use pacesetter_store::Backend;
use pacesetter_testkit::{Auth, TestApp};

#[tokio::test]
async fn the_openapi_document_matches_the_snapshot() {
    let t = TestApp::new(Backend::Sqlite).await;
    let response = t.get("/api/v1/openapi.json", &Auth::None).await;
    assert_eq!(response.status, axum::http::StatusCode::OK);
    let mut document = response.json();
    // The version changes with every release; the shape is what is reviewed.
    document["info"]["version"] = serde_json::Value::String("snapshot".into());
    let text = serde_json::to_string_pretty(&document).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(stored == text, "the API changed; review it and run with UPDATE_SNAPSHOTS=1 to accept");
    // Every operation documents its error shape.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let codes: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
            assert!(!codes.is_empty(), "{method} {path} documents no response");
        }
    }
    t.remove().await;
}
