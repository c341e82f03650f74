//! The evidence library: content-checked uploads stored once, no re-linking across units,
//! and downloads that cannot run in the browser.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};
use serde_json::json;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n";

async fn upload(t: &TestApp, auth: &Auth, unit: i64, filename: &str, bytes: &'static [u8]) -> TestResponse {
    let mut request = axum::http::Request::post(format!("/api/v1/evidence?unit={unit}&filename={filename}"));
    if let Auth::Bearer(token) = auth {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    t.send(request.body(axum::body::Body::from(bytes)).unwrap()).await
}

/// The first open assignment of Lhasa in the demo plan, acknowledged, with its version.
async fn lhasa_assignment(t: &TestApp, lhasa: &Auth) -> (i64, i64) {
    let list = t.get("/api/v1/assignments?state=in_progress", lhasa).await.json();
    let line = &list["items"][0]["assignment"];
    (line["id"].as_i64().unwrap(), line["version"].as_i64().unwrap())
}

backend_test! {
    async fn files_are_checked_by_content_and_stored_once(t) {
        let lhasa = t.token("lhasa").await;
        let unit = t.unit_id("540100").await;
        let first = upload(&t, &lhasa, unit, "%E6%96%B9%E6%A1%88.pdf", PDF).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
        assert_eq!(first.json()["title"], "方案.pdf");
        assert_eq!(first.json()["content_type"], "application/pdf");
        let again = upload(&t, &lhasa, unit, "copy.pdf", PDF).await;
        assert_eq!(again.json()["id"], first.json()["id"], "the same content is one record");
        let sha = first.json()["sha256"].as_str().unwrap().to_owned();
        assert!(t.data_dir.join("blobs").join(&sha[..2]).join(&sha).exists(), "stored under its hash");

        let html = upload(&t, &lhasa, unit, "report.pdf", b"<html><script>alert(1)</script></html>").await;
        assert_eq!(html.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(html.json()["error"]["details"][0]["code"], "file_type_not_allowed");
        let traversal = upload(&t, &lhasa, unit, "..%2F..%2Fetc%2Fpasswd", PDF).await;
        assert_eq!(traversal.json()["id"], first.json()["id"], "a name is never a path");
        let shigatse = t.unit_id("540200").await;
        assert_eq!(upload(&t, &lhasa, shigatse, "a.pdf", PDF).await.status, StatusCode::NOT_FOUND);
        let viewer = t.token("viewer").await;
        assert_eq!(
            upload(&t, &viewer, unit, "a.pdf", PDF).await.status,
            StatusCode::FORBIDDEN,
            "viewers read, they do not report"
        );
        let link = t
            .json(
                Method::POST,
                "/api/v1/evidence/links",
                &lhasa,
                json!({"unit_id": unit, "url": "javascript:alert(1)"}),
            )
            .await;
        assert_eq!(link.json()["error"]["details"][0]["code"], "invalid_url");
        let library = t.get(&format!("/api/v1/evidence?unit={unit}"), &lhasa).await.json();
        assert_eq!(library.as_array().unwrap().len(), 1);
    }
}

backend_test! {
    async fn downloads_are_attachments_and_checked_like_reads(t) {
        let lhasa = t.token("lhasa").await;
        let unit = t.unit_id("540100").await;
        let id = upload(&t, &lhasa, unit, "a%22%0D%0Ab.pdf", PDF).await.json()["id"].as_i64().unwrap();
        let download = t.get(&format!("/api/v1/evidence/{id}/download"), &lhasa).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.body, PDF);
        let disposition = download.header("content-disposition").unwrap();
        assert!(disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"), "{disposition}");
        assert!(!disposition.contains('\r') && !disposition.contains('\n'));
        assert_eq!(download.header("x-content-type-options"), Some("nosniff"));
        assert!(download.header("content-security-policy").unwrap().starts_with("sandbox"));
        let shigatse = t.token("shigatse").await;
        let refused = t.get(&format!("/api/v1/evidence/{id}/download"), &shigatse).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(refused.json()["error"]["code"], "evidence_not_found");
    }
}

backend_test! {
    async fn another_units_file_cannot_be_attached(t) {
        let shigatse = t.token("shigatse").await;
        let theirs =
            upload(&t, &shigatse, t.unit_id("540200").await, "b.pdf", PDF).await.json()["id"].as_i64().unwrap();
        let lhasa = t.token("lhasa").await;
        let (id, version) = lhasa_assignment(&t, &lhasa).await;
        let request = axum::http::Request::post(format!("/api/v1/assignments/{id}/updates"))
            .header(
                "authorization",
                match &lhasa {
                    Auth::Bearer(token) => format!("Bearer {token}"),
                    _ => unreachable!(),
                },
            )
            .header("content-type", "application/json")
            .header("if-match", format!("\"{version}\""))
            .body(axum::body::Body::from(
                json!({"percent": 90, "narrative": "x", "evidence_ids": [theirs]}).to_string(),
            ))
            .unwrap();
        let refused = t.send(request).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert_eq!(refused.json()["error"]["code"], "evidence_not_found");
        let detail = t.get(&format!("/api/v1/assignments/{id}"), &lhasa).await.json();
        assert_eq!(detail["assignment"]["version"], version, "nothing was written");
    }
}

backend_test! {
    async fn the_progress_form_stores_its_files_with_the_update_or_not_at_all(t) {
        let lhasa_api = t.token("lhasa").await;
        let (id, version) = lhasa_assignment(&t, &lhasa_api).await;
        let unit = t.unit_id("540100").await;
        let library = || async { t.get(&format!("/api/v1/evidence?unit={unit}"), &lhasa_api).await.json() };
        let lhasa = t.session("lhasa").await;
        let path = format!("/assignments/{id}/update");
        let version = version.to_string();
        // A red update without a note is refused, and so is the file sent with it: the
        // library holds nothing of the refused update.
        let red = t
            .upload(&path, &lhasa, &[("csrf", lhasa.csrf()), ("version", &version), ("percent", "0")], "进展.pdf", PDF)
            .await;
        assert_eq!(red.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", red.text());
        assert!(red.text().contains("value=\"0\""), "the percent typed is kept");
        assert_eq!(library().await.as_array().unwrap().len(), 0, "no evidence left behind");
        // So is a link sent with a stale version.
        let stale =
            [("csrf", lhasa.csrf()), ("version", "99"), ("percent", "50"), ("link_url", "https://example.org/a")];
        let refused = t.upload(&path, &lhasa, &stale, "进展.pdf", PDF).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_eq!(library().await.as_array().unwrap().len(), 0, "no evidence left behind");
        let html = t
            .upload(
                &path,
                &lhasa,
                &[("csrf", lhasa.csrf()), ("version", &version), ("percent", "50")],
                "x.pdf",
                b"<html>",
            )
            .await;
        assert!(html.text().contains("按文件内容判断"), "the reason is shown beside the file field");
        let fields =
            [("csrf", lhasa.csrf()), ("version", &version), ("percent", "100"), ("comment", "已完成"), ("submit", "1")];
        let done = t.upload(&path, &lhasa, &fields, "进展.pdf", PDF).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
        let stored = library().await;
        assert_eq!(stored.as_array().unwrap().len(), 1);
        let evidence_id = stored[0]["id"].as_i64().unwrap();
        let page = t.get(&format!("/assignments/{id}"), &lhasa).await.text();
        assert!(page.contains("进展.pdf") && page.contains(&format!("/api/v1/evidence/{evidence_id}/download")));
    }
}
