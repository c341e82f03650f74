//! Pages and JSON go out compressed to a client that takes it (issue 16): gzip or brotli, the
//! same bytes once unpacked, the largest page well under 60 KiB; a client that asks for neither
//! gets them as they are, and workbooks (already zipped) are never packed twice.

use std::io::Read;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};

async fn get_with(t: &TestApp, path: &str, auth: &Auth, encoding: Option<&str>) -> TestResponse {
    let mut builder = Request::get(path);
    builder = match auth {
        Auth::Bearer(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
        Auth::Cookie { token, .. } => builder.header(header::COOKIE, format!("pacesetter_session={token}")),
        _ => builder,
    };
    if let Some(encoding) = encoding {
        builder = builder.header(header::ACCEPT_ENCODING, encoding);
    }
    t.send(builder.body(Body::empty()).unwrap()).await
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

backend_test! {
    async fn pages_and_json_are_compressed_for_clients_that_take_it(t) {
        let office = t.token("office").await;
        let campaign = t.get("/api/v1/campaigns", &office).await.json()[0]["id"].as_i64().unwrap();

        // JSON: the same bytes packed and unpacked.
        let path = "/api/v1/assignments?per_page=100";
        let plain = get_with(&t, path, &office, None).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert_eq!(plain.header("content-encoding"), None);
        let gzip = get_with(&t, path, &office, Some("gzip")).await;
        assert_eq!(gzip.header("content-encoding"), Some("gzip"));
        assert!(gzip.header("vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
        assert_eq!(gunzip(&gzip.body), plain.body);
        assert!(gzip.body.len() * 4 < plain.body.len(), "{} of {} bytes", gzip.body.len(), plain.body.len());
        let brotli = get_with(&t, path, &office, Some("br;q=1.0, gzip;q=0.5")).await;
        assert_eq!(brotli.header("content-encoding"), Some("br"));
        assert!(brotli.body.len() < gzip.body.len() + 64);

        // The dashboard, the heaviest page the office opens every day.
        let session = t.session("office").await;
        let page = get_with(&t, &format!("/campaigns/{campaign}/dashboard"), &session, Some("gzip, br")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.header("content-encoding"), Some("br"));
        assert!(page.body.len() < 60 * 1024, "{} bytes", page.body.len());

        // A workbook is a zip already.
        let workbook = get_with(&t, &format!("/api/v1/campaigns/{campaign}/findings.xlsx"), &office, Some("gzip")).await;
        assert_eq!(workbook.status, StatusCode::OK);
        assert_eq!(workbook.header("content-encoding"), None);
    }
}
