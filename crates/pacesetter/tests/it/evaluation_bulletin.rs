//! The bulletin (通报) of a published run on every backend: the XLSX's cells, and the PDF's
//! text read back out of it — the campaign's Chinese title, unit names, and a Tibetan name.

use axum::http::{Method, StatusCode};
use pacesetter_testkit::{Auth, TestApp, backend_test};
use serde_json::{Value, json};

use crate::plans::{campaign_with_task, send_if_match};

/// One checklist leaf worth everything, scored by the inspector.
fn scheme() -> Value {
    json!({
        "total_points": "100", "aggregation": "points",
        "nodes": [{"code": "A1", "parent": null, "name": "组织领导", "points": "100",
                   "rubric": {"kind": "checklist", "items": ["50", "30", "20"]}}],
        "combine": {"kind": "inspector_overrides", "self_when_uninspected": false},
        "discrepancy_pct": "10", "evidence_gate": false, "bonus_cap": "5", "deduction_cap": null,
        "bands": [{"name": "优秀", "min": "90"}, {"name": "良好", "min": "60"}, {"name": "一般", "min": "0"}],
        "quotas": [], "tie_overflow": false, "tie_breakers": [], "rank_style": "competition",
        "rounding": "half_up", "precision": 2
    })
}

async fn inspect(t: &TestApp, base: &str, inspector: &Auth, unit: i64, met: Value) {
    let body = json!({"unit_id": unit, "leaf": "A1", "answer": {"kind": "checked", "value": met}});
    let saved = t.json(Method::PUT, &format!("{base}/inspector-entries"), inspector, body).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
}

fn cells(xlsx: &[u8]) -> Vec<Vec<String>> {
    pacesetter_export::read_sheet(xlsx).unwrap().rows.into_iter().map(|(_, cells)| cells).collect()
}

backend_test! {
    async fn a_published_run_has_a_bulletin_in_pdf_and_xlsx(t) {
        let office = t.token("office").await;
        let inspector = t.token("inspector").await;
        let lhasa = t.token("lhasa").await;
        let (campaign, _) = campaign_with_task(&t, &office).await;
        let (lhasa_unit, shigatse_unit, education) =
            (t.unit_id("540100").await, t.unit_id("540200").await, t.unit_id("CY-JYT").await);
        let units = json!([
            {"unit_id": lhasa_unit, "category": "地市"},
            {"unit_id": shigatse_unit, "category": "地市"},
            {"unit_id": education, "category": "牵头部门"}
        ]);
        let created = t
            .json(
                Method::POST,
                "/api/v1/evaluations",
                &office,
                json!({"campaign_id": campaign, "name": "2023年度综合考评", "scheme": scheme(), "units": units}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let base = format!("/api/v1/evaluations/{}", created.json()["id"]);
        let body = json!({"name": "2023年度综合考评", "status": "active", "scheme": scheme(), "units": units});
        let opened = send_if_match(&t, Method::PUT, &base, &office, "1", body).await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.text());
        inspect(&t, &base, &inspector, lhasa_unit, json!([0, 1, 2])).await;
        inspect(&t, &base, &inspector, shigatse_unit, json!([0, 1])).await;

        let run = t.json(Method::POST, &format!("{base}/runs"), &office, json!({})).await;
        assert_eq!(run.status, StatusCode::CREATED, "{}", run.text());
        let run_id = run.json()["run"]["id"].as_i64().unwrap();
        let bulletin = format!("/api/v1/evaluations/runs/{run_id}/bulletin");
        let draft = t.get(&format!("{bulletin}.xlsx"), &office).await;
        assert_eq!(draft.status, StatusCode::CONFLICT, "a draft has no bulletin");
        assert_eq!(draft.json()["error"]["code"], "run_not_published");
        assert_eq!(t.get(&format!("{bulletin}.pdf"), &lhasa).await.status, StatusCode::NOT_FOUND, "nor is it seen");
        let published =
            t.json(Method::POST, &format!("/api/v1/evaluations/runs/{run_id}/publish"), &office, json!({})).await;
        assert_eq!(published.status, StatusCode::OK, "{}", published.text());

        // XLSX: a sheet per category, exact scores as text, the Tibetan name beside the Chinese.
        let xlsx = t.get(&format!("{bulletin}.xlsx"), &office).await;
        assert_eq!(xlsx.status, StatusCode::OK, "{}", xlsx.text());
        assert!(xlsx.header("content-type").unwrap().contains("spreadsheetml"));
        assert!(xlsx.header("content-disposition").unwrap().contains(&format!("bulletin-{run_id}.xlsx")));
        let rows = cells(&xlsx.body);
        assert_eq!(rows[0][0], "2023年度综合考评结果通报");
        // (The empty row under the title is skipped by the reader.)
        assert_eq!(rows[2][..3], ["名次", "单位", "藏文名称"]);
        assert_eq!(rows[3][..3], ["1", "拉萨市", "ལྷ་ས་གྲོང་ཁྱེར"]);
        assert_eq!(rows[3][6..8], ["100".to_owned(), "优秀".to_owned()], "{rows:?}");
        assert_eq!(rows[4][..2], ["2", "日喀则市"]);
        assert_eq!(rows[4][6], "80");

        // PDF: real text in embedded fonts.
        let pdf = t.get(&format!("{bulletin}.pdf"), &office).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
        assert!(pdf.body.starts_with(b"%PDF") && pdf.body.windows(9).any(|w| w == b"/FontFile"));
        // The extractor spaces out separately positioned glyphs; compare without whitespace.
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        for wanted in [
            "2023年创建工作",
            "2023年度综合考评结果通报",
            "拉萨市",
            "日喀则市",
            "自治区教育厅",
            "牵头部门",
            "ལྷ་ས་གྲོང་ཁྱེར",
        ] {
            assert!(text.contains(wanted), "{wanted} not in {text}");
        }

        // As an official document: the red header's mark, number and signer, the date in Chinese.
        let official = format!("{bulletin}.pdf?letterhead=true&number=%E8%97%8F%E5%88%9B%E5%8A%9E%E3%80%942023%E3%80%9512%E5%8F%B7&signer=%E5%BC%A0%E4%B8%89");
        let pdf = t.get(&official, &office).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        for wanted in ["文件", "藏创办〔2023〕12号", "签发人：张三", "2023年度综合考评结果通报", "年", "月", "日"] {
            assert!(text.contains(wanted), "{wanted} not in {text}");
        }
        let long = t.get(&format!("{bulletin}.pdf?letterhead=true&number={}", "9".repeat(61)), &office).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(long.json()["error"]["details"], json!([{"code": "too_long", "field": "number"}]));
        let control = t.get(&format!("{bulletin}.pdf?letterhead=true&signer=%E5%BC%A0%0A%E4%B8%89"), &office).await;
        assert_eq!(control.json()["error"]["details"], json!([{"code": "control_characters", "field": "signer"}]));

        // A liaison reads the published bulletin, limited to the units they see.
        let theirs = t.get(&format!("{bulletin}.xlsx"), &lhasa).await;
        assert_eq!(theirs.status, StatusCode::OK);
        let rows = cells(&theirs.body);
        assert!(rows.iter().any(|r| r.get(1).is_some_and(|c| c == "拉萨市")));
        assert!(!rows.iter().flatten().any(|c| c == "日喀则市"), "{rows:?}");
        assert_eq!(t.get(&format!("{bulletin}.pdf"), &Auth::None).await.status, StatusCode::UNAUTHORIZED);

        // Issued in both languages: each fixed wording in Chinese with the Tibetan under it, the
        // Tibetan from the deployment's reviewed translations (a Chinese stand-in is not printed
        // twice). The Tibetan here is the test's own, not shipped text.
        documents_in_both(&t, campaign).await;
        // The scheme has a Tibetan name (set here as its form would, before it was published).
        let mut tx = t.db.store.write().await.unwrap();
        sqlx::query("UPDATE evaluation_schemes SET name_bo = 'ཚོགས་འདུ།' WHERE campaign_id = $1")
            .bind(campaign)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let setting = t.get(&format!("/api/v1/campaigns/{campaign}"), &office).await.json();
        assert_eq!(setting["documents_language"], "both", "{setting}");
        t.tibetan_reader("translator", pacesetter_domain::Role::Admin, "ZXB").await;
        let (admin, translator) = (t.token("admin").await, t.token("translator").await);
        let edit = "/api/v1/translations/bo/bulletin.heading";
        let drafted = t.json(Method::PUT, edit, &admin, json!({"text": "{scheme}གྲུབ་འབྲས་བསྒྲགས་གཏམ།"})).await;
        assert_eq!(drafted.status, StatusCode::OK, "{}", drafted.text());
        let reviewed = t.json(Method::POST, &format!("{edit}/review"), &translator, json!({})).await;
        assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.text());
        let pdf = t.get(&format!("{bulletin}.pdf"), &office).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        let text: String = pdf_extract::extract_text_from_mem(&pdf.body).unwrap().split_whitespace().collect();
        // The Tibetan heading names the scheme in Tibetan.
        for wanted in ["2023年度综合考评结果通报", "ཚོགས་འདུ།གྲུབ་འབྲས་བསྒྲགས་གཏམ།", "名次", "ལྷ་ས་གྲོང་ཁྱེར"] {
            assert!(text.contains(wanted), "{wanted} not in {text}");
        }
        assert_eq!(text.matches("名次").count(), 2, "the stand-in column header once per table: {text}");
        let rows = cells(&t.get(&format!("{bulletin}.xlsx"), &office).await.body);
        assert_eq!(rows[0][0], "2023年度综合考评结果通报 / ཚོགས་འདུ།གྲུབ་འབྲས་བསྒྲགས་གཏམ།");
    }
}

/// Has `campaign` issue its documents in Chinese and Tibetan, as its settings form would.
pub(crate) async fn documents_in_both(t: &pacesetter_testkit::TestApp, campaign: i64) {
    let mut tx = t.db.store.write().await.unwrap();
    sqlx::query("UPDATE campaigns SET documents_language = 'both' WHERE id = $1")
        .bind(campaign)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}
