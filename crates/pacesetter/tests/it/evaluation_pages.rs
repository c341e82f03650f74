//! The evaluation pages on every backend: a scheme built in the editor (a bad one comes back
//! 422 naming the node, input kept), each page for the right role and refused to others, and
//! self-assessment → inspector scores → run → explanation through the forms.

use axum::http::StatusCode;
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};

use crate::plans::campaign_with_task;

/// The editor's fields for a two-leaf scheme (A1 levels 60, A2 checklist 40) ranking Lhasa
/// and Shigatse; `checklist` is A2's parameters.
pub(crate) fn scheme_fields(csrf: &str, campaign: i64, checklist: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_owned()),
        ("campaign_id", campaign.to_string()),
        ("version", "0".into()),
        ("name", "2023年度考评".into()),
        ("status", "draft".into()),
        ("total_points", "100".into()),
        ("aggregation", "points".into()),
        ("combine", "inspector_overrides".into()),
        ("discrepancy_pct", "10".into()),
        ("bonus_cap", "5".into()),
        ("deduction_cap", "".into()),
        ("bands", "优秀 90\n良好 80\n合格 60\n不合格 0".into()),
        ("quotas", "".into()),
        ("tie_breakers", "基础分".into()),
        ("rank_style", "competition".into()),
        ("rounding", "half_up".into()),
        ("precision", "2".into()),
        ("n0_code", "A1".into()),
        ("n0_parent", "".into()),
        ("n0_name", "宣传报道".into()),
        ("n0_amount", "60".into()),
        ("n0_rubric", "levels".into()),
        ("n0_params", "A=1, B=0.8, C=0.6, D=0".into()),
        ("n1_code", "A2".into()),
        ("n1_parent", "".into()),
        ("n1_name", "工作机制".into()),
        ("n1_amount", "40".into()),
        ("n1_rubric", "checklist".into()),
        ("n1_params", checklist.to_owned()),
        ("n2_code", "".into()),
        ("m0_code", "540100".into()),
        ("m0_category", "地市".into()),
        ("m0_leaves", "".into()),
        ("m1_code", "540200".into()),
        ("m1_category", "地市".into()),
    ]
}

pub(crate) async fn post(t: &TestApp, path: &str, auth: &Auth, fields: &[(&str, String)]) -> TestResponse {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t.form(path, auth, &borrowed).await
}

pub(crate) fn redirected_to(response: &TestResponse) -> String {
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.text());
    response.header("location").unwrap().to_owned()
}

backend_test! {
    async fn a_scheme_is_built_scored_run_and_explained_through_the_pages(t) {
        let office_token = t.token("office").await;
        let (campaign, _task) = campaign_with_task(&t, &office_token).await;
        let office = t.session("office").await;
        let lhasa = t.session("lhasa").await;
        let inspector = t.session("inspector").await;
        let viewer = t.session("viewer").await;
        let lhasa_unit = t.unit_id("540100").await;

        // Building a scheme is the office's; others are refused before their input is judged.
        let form = t.get(&format!("/evaluations/new?campaign={campaign}"), &office).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("新建考评方案"));
        assert_eq!(t.get(&format!("/evaluations/new?campaign={campaign}"), &lhasa).await.status, StatusCode::FORBIDDEN);
        let refused = post(&t, "/evaluations", &lhasa, &scheme_fields(lhasa.csrf(), campaign, "20, 20")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // A checklist that does not add up: 422, the node named beside its row, input kept.
        let bad = post(&t, "/evaluations", &office, &scheme_fields(office.csrf(), campaign, "20, 10")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text());
        assert!(bad.text().contains("A2：清单各项分值之和不等于本指标分值。"), "{}", bad.text());
        assert!(bad.text().contains(r#"value="20, 10""#) && bad.text().contains(r#"value="2023年度考评""#));
        assert!(bad.text().contains(r#"class="row-error""#));

        let created = post(&t, "/evaluations", &office, &scheme_fields(office.csrf(), campaign, "20, 20")).await;
        let scheme_path = redirected_to(&created);
        let id: i64 = scheme_path.rsplit('/').next().unwrap().parse().unwrap();
        // Opened for scoring through the editor, at the version it was read.
        let edit = t.get(&format!("/evaluations/{id}/edit"), &office).await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(edit.text().contains(r#"value="A=1, B=0.8, C=0.6, D=0""#));
        let mut open = scheme_fields(office.csrf(), campaign, "20, 20");
        open.retain(|(k, _)| !matches!(*k, "status" | "version"));
        open.push(("status", "active".into()));
        open.push(("version", "1".into()));
        redirected_to(&post(&t, &format!("/evaluations/{id}"), &office, &open).await);
        let stale = post(&t, &format!("/evaluations/{id}"), &office, &open).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "a stale version keeps the input");
        assert!(stale.text().contains(r#"value="宣传报道""#));

        // The scheme page for everyone; the liaison sees the way to self-assess.
        let page = t.get(&format!("/evaluations/{id}"), &lhasa).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains(&format!("/evaluations/{id}/self?unit_id={lhasa_unit}")));
        assert_eq!(t.get(&format!("/evaluations?campaign={campaign}"), &viewer).await.status, StatusCode::OK);

        // Self-assessment: the liaison's page, nobody else's.
        let self_path = format!("/evaluations/{id}/self?unit_id={lhasa_unit}");
        let sheet = t.get(&self_path, &lhasa).await;
        assert_eq!(sheet.status, StatusCode::OK);
        assert!(sheet.text().contains("还有 2 项未自评"), "{}", sheet.text());
        assert_eq!(t.get(&self_path, &viewer).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.get(&self_path, &inspector).await.status, StatusCode::FORBIDDEN);
        let incomplete = post(
            &t,
            &format!("/evaluations/{id}/submit"),
            &lhasa,
            &[("csrf", lhasa.csrf().into()), ("unit_id", lhasa_unit.to_string())],
        )
        .await;
        assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
        // "None of the items" answers a checklist (0 points); it is not left blank.
        let none_met = [
            ("csrf", lhasa.csrf().to_owned()),
            ("unit_id", lhasa_unit.to_string()),
            ("k0", "A1".into()),
            ("a0", "A".into()),
            ("k1", "A2".into()),
            ("a1", "none".into()),
        ];
        let saved = redirected_to(&post(&t, &format!("/evaluations/{id}/self"), &lhasa, &none_met).await);
        let sheet = t.get(&saved, &lhasa).await.text();
        assert!(!sheet.contains("项未自评"), "{sheet}");
        assert!(sheet.contains(r#"value="none" checked"#), "the answer shows as given");
        // A sheet with one refused leaf saves none of its leaves, and says which was refused.
        let half = [
            ("csrf", lhasa.csrf().to_owned()),
            ("unit_id", lhasa_unit.to_string()),
            ("k0", "A1".into()),
            ("v0", "1".into()),
            ("a0", "B".into()),
            ("k1", "A2".into()),
            ("v1", "1".into()),
            ("a1", "99".into()),
        ];
        let refused = post(&t, &format!("/evaluations/{id}/self"), &lhasa, &half).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert!(refused.text().contains(r#"value="B" selected"#), "the input is kept");
        let sheet = t.get(&self_path, &lhasa).await.text();
        assert!(sheet.contains(r#"value="A" selected"#) && !sheet.contains(r#"value="B" selected"#), "A1 unchanged");
        assert!(sheet.contains(r#"value="none" checked"#), "A2 unchanged");
        let answers = [
            ("csrf", lhasa.csrf().to_owned()),
            ("unit_id", lhasa_unit.to_string()),
            ("k0", "A1".into()),
            ("v0", "1".into()),
            ("a0", "A".into()),
            ("c0", "已开展宣传".into()),
            ("k1", "A2".into()),
            ("v1", "1".into()),
            ("a1", "0".into()),
            ("a1", "1".into()),
        ];
        let saved = redirected_to(&post(&t, &format!("/evaluations/{id}/self"), &lhasa, &answers).await);
        assert!(t.get(&saved, &lhasa).await.text().contains("已保存"));
        let submitted = post(
            &t,
            &format!("/evaluations/{id}/submit"),
            &lhasa,
            &[("csrf", lhasa.csrf().into()), ("unit_id", lhasa_unit.to_string())],
        )
        .await;
        redirected_to(&submitted);

        // The inspector sees the unit's own answers beside theirs; B against A is flagged.
        let inspect_path = format!("/evaluations/{id}/inspect?unit_id={lhasa_unit}");
        assert_eq!(t.get(&inspect_path, &lhasa).await.status, StatusCode::FORBIDDEN);
        let inspect = t.get(&inspect_path, &inspector).await;
        assert_eq!(inspect.status, StatusCode::OK);
        let text = inspect.text();
        assert!(text.contains("已开展宣传"));
        // The inspector cites the unit's own library rather than asking for the papers again.
        let link =
            serde_json::json!({"unit_id": lhasa_unit, "url": "https://example.org/xuanchuan", "title": "宣传报道汇编"});
        let added = t.json(axum::http::Method::POST, "/api/v1/evidence/links", &t.token("lhasa").await, link).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
        let text = t.get(&inspect_path, &inspector).await.text();
        assert!(text.contains("宣传报道汇编"));
        let cited = text
            .split(r#"name="e0" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the unit's library is offered to the inspector")
            .to_owned();
        let scores = [
            ("csrf", inspector.csrf().to_owned()),
            ("unit_id", lhasa_unit.to_string()),
            ("k0", "A1".into()),
            ("e0", cited.clone()),
            ("a0", "B".into()),
            ("k1", "A2".into()),
            ("a1", "0".into()),
            ("a1", "1".into()),
        ];
        redirected_to(&post(&t, &format!("/evaluations/{id}/inspect"), &inspector, &scores).await);
        let scored = t.get(&inspect_path, &inspector).await.text();
        assert!(scored.contains("差异过大，待复核"));
        assert!(scored.contains(&format!(r#"name="e0" value="{cited}" checked"#)), "the citation is kept");

        // Items are the office's.
        assert_eq!(t.get(&format!("/evaluations/{id}/items"), &lhasa).await.status, StatusCode::FORBIDDEN);
        let item = [
            ("csrf", office.csrf().to_owned()),
            ("unit_id", lhasa_unit.to_string()),
            ("kind", "bonus".into()),
            ("points", "2".into()),
            ("cap", "3".into()),
            ("source", "获评先进集体".into()),
        ];
        redirected_to(&post(&t, &format!("/evaluations/{id}/items"), &office, &item).await);
        assert!(t.get(&format!("/evaluations/{id}/items"), &office).await.text().contains("获评先进集体"));
        // A unit may also be named by its code (the form of a scheme with too many units to list):
        // one that is not found comes back next to the field, the input kept.
        let by_code = |code: &str| {
            [
                ("csrf", office.csrf().to_owned()),
                ("unit_code", code.to_owned()),
                ("kind", "bonus".into()),
                ("points", "1".into()),
                ("cap", "1".into()),
                ("source", "市级表彰".into()),
            ]
        };
        let unknown = post(&t, &format!("/evaluations/{id}/items"), &office, &by_code("999999")).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.text().contains("市级表彰"), "{}", unknown.text());
        redirected_to(&post(&t, &format!("/evaluations/{id}/items"), &office, &by_code("540200")).await);
        let listed = t.get(&format!("/evaluations/{id}/items"), &office).await.text();
        assert!(listed.contains("市级表彰") && listed.contains("日喀则市"), "{listed}");

        // Run, results, explanation: 48 + 40 + 2 = 90.00.
        let run = redirected_to(
            &post(&t, &format!("/evaluations/{id}/runs"), &office, &[("csrf", office.csrf().into())]).await,
        );
        let results = t.get(&run, &office).await;
        assert_eq!(results.status, StatusCode::OK);
        assert!(results.text().contains("90.00") && results.text().contains("<svg"), "{}", results.text());
        assert_eq!(t.get(&run, &lhasa).await.status, StatusCode::NOT_FOUND, "drafts are the office's");
        let explain = t.get(&format!("{run}/explain?unit_id={lhasa_unit}"), &office).await;
        assert_eq!(explain.status, StatusCode::OK);
        let text = explain.text();
        assert!(
            text.contains("48 + 40 = 88") && text.contains("获评先进集体") && text.contains("<strong>90.00</strong>"),
            "{text}"
        );
        assert!(text.contains("B → 0.8 × 60"));

        // What-if leaves the run alone; the re-run check reproduces it.
        let what_if = post(
            &t,
            &format!("{run}/what-if"),
            &office,
            &[
                ("csrf", office.csrf().into()),
                ("bands", "优秀 95\n良好 80\n合格 60\n不合格 0".into()),
                ("quotas", "".into()),
            ],
        )
        .await;
        assert_eq!(what_if.status, StatusCode::OK, "{}", what_if.text());
        assert!(what_if.text().contains("模拟测算结果") && what_if.text().contains("优秀 → 良好"));
        let verify = t.get(&format!("{run}/verify"), &office).await;
        assert!(verify.text().contains("逐位一致"));

        // Published, then appealed by the unit and decided by the office.
        redirected_to(&post(&t, &format!("{run}/publish"), &office, &[("csrf", office.csrf().into())]).await);
        let theirs = t.get(&run, &lhasa).await;
        assert_eq!(theirs.status, StatusCode::OK);
        let run_id = run.trim_start_matches("/evaluations/runs/");
        let xlsx = format!("/api/v1/evaluations/runs/{run_id}/bulletin.xlsx");
        assert!(theirs.text().contains(&xlsx) && theirs.text().contains("bulletin.pdf"), "the bulletin is offered");
        let download = t.get(&xlsx, &lhasa).await;
        assert_eq!(download.status, StatusCode::OK, "the page's session downloads it");
        let not_theirs =
            post(&t, &format!("{run}/what-if"), &lhasa, &[("csrf", lhasa.csrf().into()), ("bands", "乱写".into())])
                .await;
        assert_eq!(not_theirs.status, StatusCode::FORBIDDEN, "refused before the input is judged");
        let appeal = [
            ("csrf", lhasa.csrf().to_owned()),
            ("unit_id", lhasa_unit.to_string()),
            ("reason", "A1 材料已补充".into()),
        ];
        redirected_to(&post(&t, &format!("{run}/appeals"), &lhasa, &appeal).await);
        let published = t.get(&run, &office).await.text();
        assert!(published.contains("A1 材料已补充") && published.contains("/decision"));
        // A decision cannot be taken back: one the form does not carry, or garbled, is refused.
        let decision = published
            .split("action=\"")
            .filter_map(|rest| rest.split('"').next())
            .find(|action| action.ends_with("/decision"))
            .unwrap()
            .to_owned();
        for garbled in ["", "dismis", "upheld;drop"] {
            let refused =
                post(&t, &decision, &office, &[("csrf", office.csrf().into()), ("decision", garbled.into())]).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{garbled:?}");
            assert!(refused.text().contains("请选择“采纳”或“维持原结果”"), "{}", refused.text());
        }
        let still_open = t.get(&run, &office).await.text();
        assert!(still_open.contains(&decision), "the appeal is still open");
    }
}
