//! Evaluation end to end over the API, on every backend: a scheme refused naming its node,
//! self-assessment with evidence, inspector scores flagged against it, items, a run explained
//! line by line, a what-if that leaves the run alone, publication, an exact re-run, and an
//! appeal that publishes a new version beside the old one.

use axum::http::{Method, StatusCode};
use pacesetter_domain::{Timestamp, assignment::AssignmentState};
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};
use serde_json::{Value, json};

use crate::plans::{campaign_with_task, send_if_match};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n";

async fn upload(t: &TestApp, auth: &Auth, unit: i64) -> i64 {
    let mut request = axum::http::Request::post(format!("/api/v1/evidence?unit={unit}&filename=a.pdf"));
    if let Auth::Bearer(token) = auth {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = t.send(request.body(axum::body::Body::from(PDF)).unwrap()).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_i64().unwrap()
}

/// The worked example of SCORING.md §1, with C1 computed from the unit's share of closed
/// assignments under `task`.
fn scheme(task: i64) -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/evaluation/scheme.json")).unwrap();
    let mut scheme: Value = serde_json::from_str(&text).unwrap();
    for node in scheme["nodes"].as_array_mut().unwrap() {
        if node["code"] == "C1" {
            node["rubric"] = json!({"kind": "task_completion", "plan_items": [task]});
        }
    }
    scheme
}

fn answer(kind: &str, value: Value) -> Value {
    json!({"kind": kind, "value": value})
}

async fn put(t: &TestApp, path: &str, auth: &Auth, body: Value) -> TestResponse {
    t.json(Method::PUT, path, auth, body).await
}

/// Closes `unit`'s assignment of `task`, as if the loop had been walked.
async fn close_assignment(t: &TestApp, task: i64, unit: i64) {
    let mut tx = t.db.store.write().await.unwrap();
    let all = pacesetter_store::assignments::for_item(&mut tx, pacesetter_domain::ids::PlanItemId(task)).await.unwrap();
    let mine = all.iter().find(|a| a.unit_id.0 == unit).unwrap();
    pacesetter_store::assignments::set_state(&mut tx, mine, AssignmentState::Closed, 100, true, Timestamp::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn line(results: &Value, unit: i64) -> &Value {
    results["results"].as_array().unwrap().iter().find(|r| r["unit_id"] == unit).unwrap()
}

backend_test! {
    async fn a_scheme_is_scored_run_explained_published_and_appealed(t) {
        let office = t.token("office").await;
        let lhasa = t.token("lhasa").await;
        let shigatse = t.token("shigatse").await;
        let inspector = t.token("inspector").await;
        let (campaign, task) = campaign_with_task(&t, &office).await;
        let (lhasa_unit, shigatse_unit) = (t.unit_id("540100").await, t.unit_id("540200").await);
        close_assignment(&t, task, lhasa_unit).await;
        let units = json!([
            {"unit_id": lhasa_unit, "category": "地市"},
            {"unit_id": shigatse_unit, "category": "地市"}
        ]);

        // An inconsistent scheme is refused, naming the node.
        let mut bad = scheme(task);
        bad["nodes"][1]["points"] = json!("9");
        let refused = t
            .json(
                Method::POST,
                "/api/v1/evaluations",
                &office,
                json!({"campaign_id": campaign, "name": "考评", "scheme": bad, "units": units}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_eq!(refused.json()["error"]["code"], "checklist_does_not_add_up");
        assert_eq!(refused.json()["error"]["details"]["node"], "A1");
        let by_liaison = t
            .json(
                Method::POST,
                "/api/v1/evaluations",
                &lhasa,
                json!({"campaign_id": campaign, "name": "考评", "scheme": scheme(task), "units": units}),
            )
            .await;
        assert_eq!(by_liaison.status, StatusCode::FORBIDDEN);

        let created = t
            .json(
                Method::POST,
                "/api/v1/evaluations",
                &office,
                json!({"campaign_id": campaign, "name": "2023年综合考评", "scheme": scheme(task), "units": units}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let id = created.json()["id"].as_i64().unwrap();
        let base = format!("/api/v1/evaluations/{id}");
        assert_eq!(created.json()["status"], "draft");
        assert_eq!(created.json()["units"][0]["self_assess"], json!(["A1", "A2", "B1", "B2", "D1"]), "C1 is computed");

        let early = put(
            &t,
            &format!("{base}/self-entries"),
            &lhasa,
            json!({"unit_id": lhasa_unit, "leaf": "A1", "answer": answer("checked", json!([0, 1, 2, 3]))}),
        )
        .await;
        assert_eq!(early.json()["error"]["code"], "evaluation_not_open");
        let stale = send_if_match(
            &t,
            Method::PUT,
            &base,
            &office,
            "7",
            json!({"name": "2023年综合考评", "status": "active", "scheme": scheme(task), "units": units}),
        )
        .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        let opened = send_if_match(
            &t,
            Method::PUT,
            &base,
            &office,
            "1",
            json!({"name": "2023年综合考评", "status": "active", "scheme": scheme(task), "units": units}),
        )
        .await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.text());
        assert_eq!(opened.json()["status"], "active");

        // Self-assessment with evidence from the unit's own library only.
        let own = upload(&t, &lhasa, lhasa_unit).await;
        let foreign = upload(&t, &shigatse, shigatse_unit).await;
        let sheet = t.get(&format!("{base}/entries?unit_id={lhasa_unit}"), &lhasa).await;
        assert_eq!(sheet.json()["missing"], json!(["A1", "A2", "B1", "B2", "D1"]), "{}", sheet.text());
        let relinked = put(&t, &format!("{base}/self-entries"), &lhasa, json!({"unit_id": lhasa_unit, "leaf": "B1", "answer": answer("level", json!("A")), "evidence_ids": [foreign]})).await;
        assert_eq!(relinked.json()["error"]["details"][0]["code"], "evidence_not_found");
        let wrong = put(
            &t,
            &format!("{base}/self-entries"),
            &lhasa,
            json!({"unit_id": lhasa_unit, "leaf": "B1", "answer": answer("level", json!("Z"))}),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong.json()["error"]["code"], "unknown_level");
        let computed = put(
            &t,
            &format!("{base}/self-entries"),
            &lhasa,
            json!({"unit_id": lhasa_unit, "leaf": "C1", "answer": answer("value", json!("1"))}),
        )
        .await;
        assert_eq!(computed.json()["error"]["code"], "leaf_computed");
        let own_answers = [
            ("A1", answer("checked", json!([0, 1, 2, 3]))),
            ("A2", answer("checked", json!([0, 1, 2, 3, 4, 5, 6, 7]))),
            ("B1", answer("level", json!("A"))),
            ("B2", answer("value", json!("0.92"))),
        ];
        for (leaf, given) in &own_answers {
            let saved = put(&t, &format!("{base}/self-entries"), &lhasa, json!({"unit_id": lhasa_unit, "leaf": leaf, "answer": given, "evidence_ids": [own], "comment": "见附件"})).await;
            assert_eq!(saved.status, StatusCode::OK, "{leaf}: {}", saved.text());
        }
        let again = put(
            &t,
            &format!("{base}/self-entries"),
            &lhasa,
            json!({"unit_id": lhasa_unit, "leaf": "A1", "answer": answer("checked", json!([0]))}),
        )
        .await;
        assert_eq!(again.status, StatusCode::PRECONDITION_FAILED, "a second first entry is stale");
        let incomplete =
            t.json(Method::POST, &format!("{base}/submissions"), &lhasa, json!({"unit_id": lhasa_unit})).await;
        assert_eq!(incomplete.json()["error"]["code"], "self_assessment_incomplete");
        assert_eq!(incomplete.json()["error"]["details"]["missing"], json!(["D1"]));
        let d1 = put(
            &t,
            &format!("{base}/self-entries"),
            &lhasa,
            json!({"unit_id": lhasa_unit, "leaf": "D1", "answer": answer("value", json!("1"))}),
        )
        .await;
        assert_eq!(d1.status, StatusCode::OK);
        let submitted =
            t.json(Method::POST, &format!("{base}/submissions"), &lhasa, json!({"unit_id": lhasa_unit})).await;
        assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text());
        let after_submit = put(
            &t,
            &format!("{base}/self-entries"),
            &lhasa,
            json!({"unit_id": lhasa_unit, "leaf": "D1", "answer": answer("value", json!("0.5")), "version": 1}),
        )
        .await;
        assert_eq!(after_submit.json()["error"]["code"], "self_assessment_submitted");

        // A unit can neither read nor write another's entries.
        let peek = t.get(&format!("{base}/entries?unit_id={shigatse_unit}"), &lhasa).await;
        assert_eq!(peek.status, StatusCode::NOT_FOUND);
        let write = put(
            &t,
            &format!("{base}/self-entries"),
            &lhasa,
            json!({"unit_id": shigatse_unit, "leaf": "A1", "answer": answer("checked", json!([0]))}),
        )
        .await;
        assert_eq!(write.status, StatusCode::NOT_FOUND);
        let not_inspector = put(
            &t,
            &format!("{base}/inspector-entries"),
            &lhasa,
            json!({"unit_id": lhasa_unit, "leaf": "A1", "answer": answer("checked", json!([0]))}),
        )
        .await;
        assert_eq!(not_inspector.status, StatusCode::FORBIDDEN);

        // Inspector scores, side by side with the self-assessment; differences flagged.
        let inspected = [
            ("A1", answer("checked", json!([0, 1, 2, 3]))),
            ("A2", answer("checked", json!([0, 1, 2, 3, 4, 5, 6]))),
            ("B1", answer("level", json!("B"))),
            ("B2", answer("value", json!("0.84"))),
            ("D1", answer("value", json!("0.932"))),
        ];
        for (leaf, given) in &inspected {
            let saved = put(
                &t,
                &format!("{base}/inspector-entries"),
                &inspector,
                json!({"unit_id": lhasa_unit, "leaf": leaf, "answer": given}),
            )
            .await;
            assert_eq!(saved.status, StatusCode::OK, "{leaf}: {}", saved.text());
            let low = put(
                &t,
                &format!("{base}/inspector-entries"),
                &inspector,
                json!({"unit_id": shigatse_unit, "leaf": leaf, "answer": given}),
            )
            .await;
            assert_eq!(low.status, StatusCode::OK, "{leaf}: {}", low.text());
        }
        let sheet = t.get(&format!("{base}/entries?unit_id={lhasa_unit}"), &office).await.json();
        let flagged: Vec<&str> = sheet["leaves"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["flagged"] == true)
            .map(|l| l["code"].as_str().unwrap())
            .collect();
        assert_eq!(flagged, ["A2", "B1", "B2"], "{sheet}");
        assert_eq!(sheet["leaves"][2]["self_score"]["score"], "15");
        assert_eq!(sheet["leaves"][2]["inspector_score"]["score"], "12");

        // Items with their source: bonus claimed 6, capped at 5; deductions 2.
        for effect in [
            json!({"kind": "bonus", "points": "2", "cap": "3"}),
            json!({"kind": "bonus", "points": "3", "cap": "3"}),
            json!({"kind": "bonus", "points": "1", "cap": "3"}),
            json!({"kind": "deduction", "count": 2, "per": "0.5"}),
            json!({"kind": "deduction", "count": 1, "per": "1"}),
        ] {
            let item = t
                .json(
                    Method::POST,
                    &format!("{base}/items"),
                    &office,
                    json!({"unit_id": lhasa_unit, "effect": effect, "source": "通报"}),
                )
                .await;
            assert_eq!(item.status, StatusCode::CREATED, "{}", item.text());
        }
        let by_unit = t.json(Method::POST, &format!("{base}/items"), &lhasa, json!({"unit_id": lhasa_unit, "effect": {"kind": "bonus", "points": "5", "cap": "5"}, "source": "自报"})).await;
        assert_eq!(by_unit.status, StatusCode::FORBIDDEN);

        // A draft run: the worked example's 93.80, ranked first; the quota (优秀 ≤ 30% of 2 = 0)
        // moves it down to 良好.
        let run = t.json(Method::POST, &format!("{base}/runs"), &office, json!({})).await;
        assert_eq!(run.status, StatusCode::CREATED, "{}", run.text());
        let run_id = run.json()["run"]["id"].as_i64().unwrap();
        let first = line(&run.json(), lhasa_unit).clone();
        assert_eq!(first["final_score"], "93.80", "{first}");
        assert_eq!(
            (first["base"].as_str(), first["bonus"].as_str(), first["deductions"].as_str()),
            (Some("90.8"), Some("5"), Some("2"))
        );
        assert_eq!(first["rank"], 1);
        assert_eq!((first["grade"].as_str(), first["quota_moved"].as_bool()), (Some("良好"), Some(true)));
        assert_eq!(first["flagged_leaves"], json!(["A2", "B1", "B2"]));
        let run_path = format!("/api/v1/evaluations/runs/{run_id}");
        assert_eq!(t.get(&run_path, &lhasa).await.status, StatusCode::NOT_FOUND, "drafts are the office's");

        let explained = t.get(&format!("{run_path}/explanation?unit_id={lhasa_unit}"), &office).await;
        assert_eq!(explained.status, StatusCode::OK, "{}", explained.text());
        let explained = explained.json();
        let b1 = explained["leaves"].as_array().unwrap().iter().find(|l| l["code"] == "B1").unwrap();
        assert_eq!(
            (b1["self_score"]["score"].as_str(), b1["inspector_score"]["score"].as_str()),
            (Some("15"), Some("12"))
        );
        assert_eq!(b1["self_evidence_ids"], json!([own]));
        assert_eq!(b1["self_comment"], "见附件");
        let c1 = explained["leaves"].as_array().unwrap().iter().find(|l| l["code"] == "C1").unwrap();
        assert_eq!((c1["combined"].as_str(), c1["computed"].as_str()), (Some("25"), Some("1/1 项任务已办结")));
        assert_eq!(explained["bonus_items"].as_array().unwrap().len(), 3);
        assert_eq!(explained["deduction_items"][0]["source"], "通报");

        // What-if: other bands and no quota; the run itself does not move.
        let bands = json!([{"name": "优秀", "min": "93"}, {"name": "良好", "min": "80"}, {"name": "合格", "min": "60"}, {"name": "不合格", "min": "0"}]);
        let what_if =
            t.json(Method::POST, &format!("{run_path}/what-if"), &office, json!({"bands": bands, "quotas": []})).await;
        assert_eq!(what_if.status, StatusCode::CREATED, "{}", what_if.text());
        let moved =
            what_if.json()["moves"].as_array().unwrap().iter().find(|m| m["unit_id"] == lhasa_unit).unwrap().clone();
        assert_eq!((moved["grade_before"].as_str(), moved["grade"].as_str()), (Some("良好"), Some("优秀")));
        let bad_what_if = t
            .json(Method::POST, &format!("{run_path}/what-if"), &office, json!({"nodes": {"ZZ": {"points": "3"}}}))
            .await;
        assert_eq!(bad_what_if.json()["error"]["details"]["node"], "ZZ");
        let unmoved = t.get(&run_path, &office).await.json();
        assert_eq!(line(&unmoved, lhasa_unit)["grade"], "良好");
        assert_eq!(t.get(&format!("{run_path}/verify"), &office).await.json()["identical"], true);

        // Publish: frozen; the same numbers again from the frozen inputs.
        let published = t.json(Method::POST, &format!("{run_path}/publish"), &office, json!({})).await;
        assert_eq!(published.status, StatusCode::OK, "{}", published.text());
        assert_eq!(published.json()["version"], 1);
        assert_eq!(
            t.json(Method::POST, &format!("{run_path}/publish"), &office, json!({})).await.status,
            StatusCode::CONFLICT
        );
        let verified = t.get(&format!("{run_path}/verify"), &office).await.json();
        assert_eq!(
            (verified["identical"].as_bool(), verified["differing_units"].as_array().map(Vec::len)),
            (Some(true), Some(0))
        );
        // Tampering with a frozen row shows: the inputs no longer hash to the recorded digest,
        // and the stored line its inputs no longer give is named. Then the row is put back.
        let set_extras = |extras: String| {
            let store = t.db.store.clone();
            async move {
                let mut tx = store.write().await.unwrap();
                let sql = "UPDATE evaluation_run_inputs SET extras = $1 WHERE run_id = $2 AND unit_id = $3";
                sqlx::query(sql).bind(extras).bind(run_id).bind(lhasa_unit).execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
        };
        let frozen = {
            let mut conn = t.db.store.read().await.unwrap();
            let run = pacesetter_domain::evaluation::records::RunId(run_id);
            let unit = pacesetter_domain::UnitId(lhasa_unit);
            pacesetter_store::evaluation_run_rows::input_of(&mut conn, run, unit).await.unwrap()
        };
        set_extras(r#"{"bonuses":[{"points":"0","cap":"0","source":"改"}]}"#.to_owned()).await;
        let verified = t.get(&format!("{run_path}/verify"), &office).await.json();
        assert_eq!((verified["identical"].as_bool(), verified["inputs_intact"].as_bool()), (Some(false), Some(false)));
        // Its score changed, and with it the rank of the unit it passed.
        assert_eq!(verified["differing_units"], json!([lhasa_unit, shigatse_unit]));
        set_extras(frozen.extras).await;
        assert_eq!(t.get(&format!("{run_path}/verify"), &office).await.json()["identical"], true);
        let seen_by_lhasa = t.get(&run_path, &lhasa).await.json();
        assert_eq!(seen_by_lhasa["results"].as_array().unwrap().len(), 1, "a unit sees its own line");
        let other_line = t.get(&format!("{run_path}/explanation?unit_id={shigatse_unit}"), &lhasa).await;
        assert_eq!(other_line.status, StatusCode::NOT_FOUND);

        // After publishing, changes need an appeal (复核).
        let b1_entry = |version: i64| json!({"unit_id": lhasa_unit, "leaf": "B1", "answer": answer("level", json!("A")), "version": version});
        let locked = put(&t, &format!("{base}/inspector-entries"), &inspector, b1_entry(1)).await;
        assert_eq!(locked.json()["error"]["code"], "evaluation_published");
        let locked_item = t.json(Method::POST, &format!("{base}/items"), &office, json!({"unit_id": lhasa_unit, "effect": {"kind": "bonus", "points": "1", "cap": "1"}, "source": "补报"})).await;
        assert_eq!(locked_item.json()["error"]["code"], "evaluation_published");
        let locked_scheme = send_if_match(
            &t,
            Method::PUT,
            &base,
            &office,
            "2",
            json!({"name": "改", "scheme": scheme(task), "units": units}),
        )
        .await;
        assert_eq!(locked_scheme.json()["error"]["code"], "evaluation_published");
        let foreign_appeal = t
            .json(
                Method::POST,
                &format!("{run_path}/appeals"),
                &lhasa,
                json!({"unit_id": shigatse_unit, "reason": "x"}),
            )
            .await;
        assert_eq!(foreign_appeal.status, StatusCode::NOT_FOUND);
        let appeal = t
            .json(
                Method::POST,
                &format!("{run_path}/appeals"),
                &lhasa,
                json!({"unit_id": lhasa_unit, "reason": "宣传报道有省级媒体报道佐证，应评A"}),
            )
            .await;
        assert_eq!(appeal.status, StatusCode::CREATED, "{}", appeal.text());
        let appeal_id = appeal.json()["id"].as_i64().unwrap();
        let twice = t
            .json(
                Method::POST,
                &format!("{run_path}/appeals"),
                &lhasa,
                json!({"unit_id": lhasa_unit, "reason": "再次"}),
            )
            .await;
        assert_eq!(twice.json()["error"]["code"], "appeal_open");
        let corrected = put(&t, &format!("{base}/inspector-entries"), &inspector, b1_entry(1)).await;
        assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.text());
        let decision = format!("/api/v1/evaluations/appeals/{appeal_id}/decision");
        assert_eq!(
            t.json(Method::POST, &decision, &lhasa, json!({"decision": "upheld"})).await.status,
            StatusCode::FORBIDDEN
        );
        let decided = t.json(Method::POST, &decision, &office, json!({"decision": "upheld", "note": "复核属实"})).await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
        let decided = decided.json();
        assert_eq!(decided["appeal"]["decision"], "upheld");
        assert!(decided["appeal"]["reviewer_id"].is_i64());
        assert_eq!(
            (decided["new_run"]["version"].as_i64(), decided["new_run"]["parent_run_id"].as_i64()),
            (Some(2), Some(run_id))
        );
        let new_path = format!("/api/v1/evaluations/runs/{}", decided["new_run"]["id"]);
        assert_eq!(line(&t.get(&new_path, &office).await.json(), lhasa_unit)["final_score"], "96.80");
        let old = t.get(&run_path, &office).await.json();
        assert_eq!(
            (old["run"]["version"].as_i64(), line(&old, lhasa_unit)["final_score"].as_str()),
            (Some(1), Some("93.80"))
        );
        assert_eq!(t.get(&format!("{new_path}/verify"), &office).await.json()["identical"], true);
        assert_eq!(t.get(&format!("{run_path}/verify"), &office).await.json()["identical"], true);
        let relocked = put(&t, &format!("{base}/inspector-entries"), &inspector, b1_entry(2)).await;
        assert_eq!(relocked.json()["error"]["code"], "evaluation_published");
        let runs = t.get(&format!("{base}/runs"), &lhasa).await.json();
        assert_eq!(runs.as_array().unwrap().len(), 2, "two published versions; drafts and what-ifs stay the office's");

        // The scorecards kept with every entry saved are what building them from the entries gives.
        let scheme = pacesetter_domain::evaluation::records::SchemeId(id);
        let cards = || async {
            let mut conn = t.db.store.read().await.unwrap();
            let mut cards = Vec::new();
            for member in pacesetter_store::evaluations::members(&mut conn, scheme).await.unwrap() {
                cards.push(pacesetter_store::scorecards::get(&mut conn, scheme, member.unit_id).await.unwrap());
            }
            cards
        };
        let kept = cards().await;
        assert!(kept.iter().all(|c| !c.inspected.is_empty()) && !kept[0].own.is_empty(), "{kept:?}");
        let mut tx = t.db.store.write().await.unwrap();
        pacesetter_store::scorecards::rebuild(&mut tx, scheme).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(cards().await, kept);
        // Entries written around the application (a bulk load, or before migration 11) mark
        // their scheme pending; opening the store builds its scorecards.
        let mut tx = t.db.store.write().await.unwrap();
        sqlx::query("UPDATE evaluation_units SET scorecard = ''").execute(&mut *tx).await.unwrap();
        sqlx::query("INSERT INTO evaluation_scorecards_pending (scheme_id) VALUES ($1)")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(cards().await.iter().all(|c| c.inspected.is_empty()));
        pacesetter_store::Store::connect(&t.db.url).await.unwrap().close().await;
        assert_eq!(cards().await, kept);

        // Every entry, item, publication and appeal is in the audit chain, which verifies.
        let mut conn = t.db.store.read().await.unwrap();
        for (entity, at_least) in
            [("evaluation_entry", 16), ("evaluation_item", 5), ("evaluation_run", 4), ("evaluation_appeal", 2)]
        {
            let (records, _) = pacesetter_store::audit::latest(&mut conn, Some(entity), 0, 100).await.unwrap();
            assert!(records.len() >= at_least, "{entity}: {}", records.len());
        }
        let (runs_audited, _) =
            pacesetter_store::audit::latest(&mut conn, Some("evaluation_run"), 0, 100).await.unwrap();
        assert_eq!(runs_audited.iter().filter(|r| r.entry.action == "evaluation_run.publish").count(), 2);
        drop(conn);
        assert!(matches!(
            pacesetter_app::audit::verify(&t.app).await.unwrap(),
            pacesetter_app::audit::Verdict::Intact { .. }
        ));
    }
}

backend_test! {
    async fn hostile_schemes_and_answers_are_refused_without_a_server_error(t) {
        let office = t.token("office").await;
        let (campaign, task) = campaign_with_task(&t, &office).await;
        let unit = t.unit_id("540100").await;
        let mut huge = scheme(task);
        huge["total_points"] = json!("79228162514264337593543950335");
        let mut foreign_item = scheme(task);
        foreign_item["nodes"][6]["rubric"] = json!({"kind": "task_completion", "plan_items": [999_999]});
        for (body, code) in [
            (json!({"campaign_id": campaign, "name": "x", "scheme": {"nodes": 3}}), "scheme_invalid"),
            (json!({"campaign_id": campaign, "name": "x", "scheme": huge}), "number_out_of_bounds"),
            (json!({"campaign_id": campaign, "name": "x", "scheme": foreign_item}), "plan_item_not_in_campaign"),
            (
                json!({"campaign_id": campaign, "name": "x", "scheme": scheme(task), "units": [{"unit_id": unit, "category": "c", "self_assess": ["NOPE"]}]}),
                "leaf_not_self_assessable",
            ),
        ] {
            let response = t.json(Method::POST, "/api/v1/evaluations", &office, body).await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.text());
            assert_eq!(response.json()["error"]["code"], code, "{}", response.text());
        }
        let created = t
            .json(Method::POST, "/api/v1/evaluations", &office, json!({"campaign_id": campaign, "name": "x", "scheme": scheme(task), "units": [{"unit_id": unit, "category": "c"}]}))
            .await;
        let id = created.json()["id"].as_i64().unwrap();
        let opened = send_if_match(&t, Method::PUT, &format!("/api/v1/evaluations/{id}"), &office, "1", json!({"name": "x", "status": "active", "scheme": scheme(task), "units": [{"unit_id": unit, "category": "c"}]})).await;
        assert_eq!(opened.status, StatusCode::OK);
        for given in [
            answer("value", json!("1e30")),
            answer("value", json!("0.0000000000001")),
            answer("checked", json!([99])),
            answer("occurrences", json!(-1)),
            json!({"kind": "level"}),
            json!("A"),
        ] {
            let response = put(
                &t,
                &format!("/api/v1/evaluations/{id}/self-entries"),
                &office,
                json!({"unit_id": unit, "leaf": "A1", "answer": given}),
            )
            .await;
            assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{given}: {}", response.text());
        }
        let item = t
            .json(
                Method::POST,
                &format!("/api/v1/evaluations/{id}/items"),
                &office,
                json!({"unit_id": unit, "effect": {"kind": "bonus", "points": "-5", "cap": "3"}, "source": "x"}),
            )
            .await;
        assert_eq!(item.status, StatusCode::UNPROCESSABLE_ENTITY);
        let missing = t.get("/api/v1/evaluations/999999", &office).await;
        assert_eq!(missing.json()["error"]["code"], "evaluation_not_found");
    }
}
