//! A damaged workbook or a file that is no spreadsheet at all, sent to every sheet importer
//! (units, accounts, a task sheet, an indicator table) and to `pacesetter evaluate`: refused
//! with a code that says so, nothing written, never a 500 or a crashed command.

use std::io::{Cursor, Read, Write};

use axum::http::StatusCode;
use pacesetter_testkit::{Auth, TestApp, backend_test};

use crate::plans::campaign_with_task;

/// A small valid workbook whose first shared-string cell points at index 999, past the end of
/// the shared strings: calamine 0.30 panics on it (index out of bounds).
pub(crate) fn damaged_xlsx() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, text) in ["指标编码", "指标名称", "分值"].iter().enumerate() {
        sheet.write_string(0, column as u16, *text).unwrap();
    }
    sheet.write_string(1, 0, "A1").unwrap();
    let valid = workbook.save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(valid)).unwrap();
    let mut out = Vec::new();
    let mut writer = zip::ZipWriter::new(Cursor::new(&mut out));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if entry.name() == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(data).unwrap();
            assert!(xml.contains(r#"t="s"><v>0</v>"#), "the writer's cell shape changed: {xml}");
            data = xml.replacen(r#"t="s"><v>0</v>"#, r#"t="s"><v>999</v>"#, 1).into_bytes();
        }
        writer.start_file(entry.name(), options).unwrap();
        writer.write_all(&data).unwrap();
    }
    writer.finish().unwrap();
    out
}

/// A PDF, as a user who picked the wrong file sends it.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// Every importer of sheets, as the path that takes the file in the body.
fn importers(campaign: i64) -> Vec<String> {
    vec![
        "/api/v1/imports?kind=units&filename=units.xlsx".to_owned(),
        "/api/v1/imports?kind=users&filename=users.xlsx".to_owned(),
        format!("/api/v1/imports?kind=plan&campaign={campaign}&filename=tasks.xlsx"),
        format!("/api/v1/evaluations/import?campaign={campaign}&name=2023"),
    ]
}

/// What an importer could have written: the caller's import jobs and the campaign's schemes.
async fn written(t: &TestApp, office: &Auth, campaign: i64) -> (usize, usize) {
    let imports = t.get("/api/v1/imports", office).await.json();
    let schemes = t.get(&format!("/api/v1/evaluations?campaign_id={campaign}"), office).await.json();
    (imports.as_array().unwrap().len(), schemes.as_array().unwrap().len())
}

backend_test! {
    async fn every_importer_answers_a_damaged_workbook_with_sheet_damaged_and_writes_nothing(t) {
        let damaged = damaged_xlsx();
        let office = t.token("office").await;
        let (campaign, _) = campaign_with_task(&t, &office).await;
        let before = written(&t, &office, campaign).await;
        for path in importers(campaign) {
            let response = t.post_bytes(&path, &office, damaged.clone()).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", response.text());
            let error = &response.json()["error"];
            assert_eq!(error["details"][0], serde_json::json!({"field": "file", "code": "sheet_damaged"}), "{path}");
            assert!(!response.text().contains("panicked"), "{path}: {}", response.text());
        }
        assert_eq!(written(&t, &office, campaign).await, before, "no import job and no scheme");
    }
}

backend_test! {
    async fn every_importer_says_a_pdf_is_not_a_spreadsheet(t) {
        let office = t.token("office").await;
        let (campaign, _) = campaign_with_task(&t, &office).await;
        let before = written(&t, &office, campaign).await;
        for path in importers(campaign) {
            let response = t.post_bytes(&path, &office, PDF.to_vec()).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", response.text());
            assert_eq!(response.json()["error"]["details"][0]["code"], "unsupported_file_type", "{path}");
        }
        assert_eq!(written(&t, &office, campaign).await, before);
    }
}

backend_test! {
    async fn the_import_page_shows_a_damaged_workbook_in_words(t) {
        let damaged = damaged_xlsx();
        let office = t.session("office").await;
        let fields = [("csrf", office.csrf()), ("kind", "units")];
        let page = t.upload("/imports", &office, &fields, "单位.xlsx", &damaged).await;
        let text = page.text();
        assert!(page.status.is_success() || page.status == StatusCode::UNPROCESSABLE_ENTITY, "{}", page.status);
        assert!(text.contains("表格内容已损坏"), "{text}");
    }
}

#[test]
fn evaluate_names_a_damaged_scheme_workbook_and_exits_2_not_with_a_panic() {
    let dir = std::env::temp_dir().join(format!("pacesetter-damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scheme = dir.join("damaged.xlsx");
    std::fs::write(&scheme, damaged_xlsx()).unwrap();
    let entries = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/evaluation/entries.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pacesetter"))
        .env_remove("PACESETTER_DATABASE_URL")
        .env("PACESETTER_LOG", "warn")
        .args(["evaluate", "--scheme", scheme.to_str().unwrap(), "--entries", entries])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "a bad input file, like a bad setting: {stderr}");
    assert!(stderr.contains("damaged.xlsx") && stderr.contains("damaged"), "{stderr}");
    assert!(!stderr.contains("panicked"), "the library's panic is contained, not printed: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
