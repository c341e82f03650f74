//! Inspections through the application layer, on every backend: a round planned with a team,
//! targets and a checklist built from the targets' tasks; a self-inspection handed in; an
//! inspector's check and a finding; its rectification item responded to, reopened with a
//! reason, responded to again and closed (销号); the ledger by state and by who may see it.

use pacesetter_app::{
    AppError,
    inspections::{self, CheckInput, FindingInput, LedgerQuery, RectificationInput, RoundInput, StepInput},
};
use pacesetter_domain::{
    Timestamp, UnitId,
    ids::CampaignId,
    inspection::{
        RectificationState, RectificationStep, Severity,
        records::{CheckSource, CheckStatus, RoundStatus},
    },
};
use pacesetter_testkit::backend_test;
use time::macros::date;

use crate::plans::campaign_with_task;

fn code(error: AppError) -> String {
    match error {
        AppError::Invalid(e) => e.fields[0].code.to_owned(),
        AppError::Unprocessable { code, .. } | AppError::Conflict(code) => code.to_owned(),
        AppError::Forbidden => "forbidden".to_owned(),
        AppError::Stale { .. } => "stale".to_owned(),
        other => format!("{other:?}"),
    }
}

backend_test! {
    async fn a_finding_is_rectified_through_to_closure(t) {
        let (office, lhasa, shigatse, inspector) = (
            t.actor("office").await,
            t.actor("lhasa").await,
            t.actor("shigatse").await,
            t.actor("inspector").await,
        );
        let (campaign, task) = campaign_with_task(&t, &t.token("office").await).await;
        let campaign = CampaignId(campaign);
        let (lhasa_unit, shigatse_unit) = (UnitId(t.unit_id("540100").await), UnitId(t.unit_id("540200").await));
        let app = &t.app;

        // The office plans a round; a liaison may not.
        let input = RoundInput {
            name: "2023年第一轮调研督导".into(),
            name_bo: String::new(),
            starts_on: date!(2023 - 05 - 08),
            ends_on: date!(2023 - 05 - 19),
            scheme_id: None,
        };
        assert_eq!(code(inspections::create_round(app, &lhasa, campaign, &input).await.unwrap_err()), "forbidden");
        let backwards = RoundInput { ends_on: date!(2023 - 05 - 01), ..input.clone() };
        assert_eq!(
            code(inspections::create_round(app, &office, campaign, &backwards).await.unwrap_err()),
            "ends_before_start"
        );
        let round = inspections::create_round(app, &office, campaign, &input).await.unwrap();
        assert_eq!(round.status, RoundStatus::Planning);
        let team = inspections::add_team(app, &office, round.id, "第一督导组", inspector.user.id, &[office.user.id])
            .await
            .unwrap();
        assert_eq!(team.members, [inspector.user.id, office.user.id], "the leader first");
        inspections::set_targets(
            app,
            &office,
            round.id,
            &[(lhasa_unit, Some(team.id)), (shigatse_unit, Some(team.id))],
        )
        .await
        .unwrap();

        // The checklist starts from the targets' tasks; the office adds its own point.
        let mut items = inspections::proposed_checklist(app, &office, round.id).await.unwrap();
        assert!(items.iter().any(|i| i.plan_item_id.map(|p| p.0) == Some(task)), "the assigned task is proposed");
        items.push(inspections::ItemInput {
            title: "民族团结进步宣传月活动开展情况".into(),
            title_bo: None,
            plan_item_id: None,
            indicator_code: None,
            evidence_request: Some("活动方案、照片".into()),
        });
        let foreign = inspections::ItemInput {
            plan_item_id: Some(pacesetter_domain::ids::PlanItemId(i64::MAX)),
            ..items[items.len() - 1].clone()
        };
        let refused = inspections::set_checklist(app, &office, round.id, &[foreign]).await.unwrap_err();
        assert_eq!(code(refused), "plan_item_not_in_campaign", "a task that is not the campaign's");
        let checklist = inspections::set_checklist(app, &office, round.id, &items).await.unwrap();
        assert_eq!(checklist.len(), items.len());
        let first = checklist[0].id;

        // Before the round, Lhasa inspects itself and hands it in; then it is fixed.
        let answer = |unit, status| CheckInput {
            unit,
            item: first,
            status,
            comment: Some("已建立台账".into()),
            evidence: vec![],
        };
        let own = answer(lhasa_unit, CheckStatus::Partly);
        inspections::save_check(app, &lhasa, round.id, CheckSource::SelfInspection, &own).await.unwrap();
        let by_other = inspections::save_check(app, &shigatse, round.id, CheckSource::SelfInspection, &own).await;
        assert!(matches!(by_other, Err(AppError::NotFound(_) | AppError::Forbidden)), "{by_other:?}");
        let early = answer(lhasa_unit, CheckStatus::Unmet);
        let too_early = inspections::save_check(app, &inspector, round.id, CheckSource::Inspector, &early).await;
        assert_eq!(code(too_early.unwrap_err()), "round_status", "inspectors check once the round is under way");
        let again = inspections::set_checklist(app, &office, round.id, &items).await;
        assert_eq!(code(again.unwrap_err()), "checklist_answered", "answers are never dropped");
        inspections::submit_self(app, &lhasa, round.id, lhasa_unit).await.unwrap();
        let late = inspections::save_check(app, &lhasa, round.id, CheckSource::SelfInspection, &own).await;
        assert_eq!(code(late.unwrap_err()), "self_inspection_submitted");

        // The round starts; it cannot go back to planning.
        let round = inspections::update_round(app, &office, round.id, round.version, &input, RoundStatus::Active)
            .await
            .unwrap();
        let back =
            inspections::update_round(app, &office, round.id, round.version, &input, RoundStatus::Planning).await;
        assert_eq!(code(back.unwrap_err()), "round_cannot_go_back");
        inspections::save_check(app, &inspector, round.id, CheckSource::Inspector, &early).await.unwrap();
        let sheet = inspections::sheet(app, &lhasa, round.id, lhasa_unit).await.unwrap();
        let line = &sheet.lines[0];
        assert_eq!(
            (line.self_check.as_ref().map(|c| c.status), line.inspector_check.as_ref().map(|c| c.status)),
            (Some(CheckStatus::Partly), Some(CheckStatus::Unmet)),
            "both answers side by side"
        );
        assert!(!sheet.can_self_inspect && !sheet.can_inspect);

        // A finding with its rectification item, given to Lhasa.
        let today = Timestamp::now().date_cst();
        let finding = FindingInput {
            unit: lhasa_unit,
            item: Some(first),
            plan_item: Some(pacesetter_domain::ids::PlanItemId(task)),
            indicator_code: None,
            severity: Severity::Major,
            category: "台账资料".into(),
            category_bo: None,
            description: "乡镇一级台账缺失，活动记录不完整".into(),
            rectification: Some(RectificationInput {
                unit: lhasa_unit,
                measure: "补齐乡镇台账并建立月报制度".into(),
                due_on: today + time::Duration::days(30),
            }),
            photos: Vec::new(),
        };
        let by_liaison = inspections::record_finding(app, &lhasa, round.id, &finding).await;
        assert_eq!(code(by_liaison.unwrap_err()), "forbidden");
        let recorded = inspections::record_finding(app, &inspector, round.id, &finding).await.unwrap();
        let item = recorded.rectification.clone().unwrap();
        assert_eq!(item.state, RectificationState::Open);

        // Respond → reopen (with a reason) → respond → close; each by whom it falls to.
        let step = |step, text: &str, version| StepInput { step, text: text.into(), evidence: vec![], version };
        let closing_own = inspections::take_step(app, &lhasa, item.id, &step(RectificationStep::Close, "", 1)).await;
        assert_eq!(code(closing_own.unwrap_err()), "forbidden", "the unit does not close its own item");
        let empty = inspections::take_step(app, &lhasa, item.id, &step(RectificationStep::Respond, " ", 1)).await;
        assert_eq!(code(empty.unwrap_err()), "response_needs_text");
        let responded =
            inspections::take_step(app, &lhasa, item.id, &step(RectificationStep::Respond, "已补齐台账", 1))
                .await
                .unwrap();
        assert_eq!(responded.rectification.as_ref().unwrap().state, RectificationState::Responded);
        let stale = inspections::take_step(app, &inspector, item.id, &step(RectificationStep::Close, "", 1)).await;
        assert_eq!(code(stale.unwrap_err()), "stale");
        let no_reason = inspections::take_step(app, &inspector, item.id, &step(RectificationStep::Reopen, "", 2)).await;
        assert_eq!(code(no_reason.unwrap_err()), "reopen_needs_reason");
        inspections::take_step(app, &inspector, item.id, &step(RectificationStep::Reopen, "缺少两个乡镇的数据", 2))
            .await
            .unwrap();
        inspections::take_step(app, &lhasa, item.id, &step(RectificationStep::Respond, "已补充", 3)).await.unwrap();
        let closed =
            inspections::take_step(app, &inspector, item.id, &step(RectificationStep::Close, "", 4)).await.unwrap();
        assert_eq!(closed.rectification.as_ref().unwrap().state, RectificationState::Closed);
        let steps: Vec<_> = closed.steps.iter().map(|s| s.step).collect();
        use RectificationStep::*;
        assert_eq!(steps, [Respond, Reopen, Respond, Close]);
        let after_close = inspections::take_step(app, &lhasa, item.id, &step(Respond, "再次反馈", 5)).await;
        assert_eq!(code(after_close.unwrap_err()), "step_not_allowed_now");

        // The ledger: the office sees the closed finding; Shigatse does not see Lhasa's.
        let closed_only = LedgerQuery { state: Some(RectificationState::Closed), ..LedgerQuery::default() };
        let (lines, count) = inspections::ledger(app, &office, campaign, &closed_only).await.unwrap();
        assert_eq!((lines.len(), count), (1, 1));
        assert_eq!(lines[0].finding.description, "乡镇一级台账缺失，活动记录不完整");
        let (theirs, _) = inspections::ledger(app, &shigatse, campaign, &closed_only).await.unwrap();
        assert!(theirs.is_empty());
        let open_only = LedgerQuery { state: Some(RectificationState::Open), ..LedgerQuery::default() };
        assert_eq!(inspections::ledger(app, &office, campaign, &open_only).await.unwrap().1, 0);
        assert!(inspections::finding(app, &shigatse, recorded.finding.id).await.is_err());

        // It survives a restart, and every step is in the audit chain, which verifies.
        let reopened = pacesetter_store::Store::connect(&t.db.url).await.unwrap();
        let mut conn = reopened.read().await.unwrap();
        let stored = pacesetter_store::inspections::get_rectification(&mut conn, item.id).await.unwrap();
        assert_eq!((stored.state, stored.version), (RectificationState::Closed, 5));
        drop(conn);
        reopened.close().await;
        let mut conn = t.db.store.read().await.unwrap();
        let (records, _) = pacesetter_store::audit::latest(&mut conn, Some("rectification"), 0, 100).await.unwrap();
        assert_eq!(records.len(), 5, "created, then four steps");
        drop(conn);
        assert!(matches!(
            pacesetter_app::audit::verify(&t.app).await.unwrap(),
            pacesetter_app::audit::Verdict::Intact { .. }
        ));
    }
}

backend_test! {
    async fn the_loop_runs_through_the_api_and_bad_input_gets_a_field_error(t) {
        use axum::http::{Method, StatusCode};
        use serde_json::json;

        use crate::plans::send_if_match;
        let (office, lhasa, inspector) = (t.token("office").await, t.token("lhasa").await, t.token("inspector").await);
        let (campaign, task) = campaign_with_task(&t, &office).await;
        let lhasa_unit = t.unit_id("540100").await;
        let rounds = format!("/api/v1/campaigns/{campaign}/inspection-rounds");
        let bad = t
            .json(Method::POST, &rounds, &office, json!({"name": "督导", "starts_on": "五月", "ends_on": "2023-05-31"}))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text());
        assert_eq!(bad.json()["error"]["details"][0]["field"], "starts_on", "{}", bad.text());
        let created = t
            .json(
                Method::POST,
                &rounds,
                &office,
                json!({"name": "第一轮调研督导", "starts_on": "2023-05-08", "ends_on": "2023-05-19"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        let round = created.json()["id"].as_i64().unwrap();
        let base = format!("/api/v1/inspection-rounds/{round}");
        let targets = t
            .json(Method::PUT, &format!("{base}/targets"), &office, json!({"targets": [{"unit_id": lhasa_unit}]}))
            .await;
        assert_eq!(targets.status, StatusCode::OK, "{}", targets.text());
        let proposed = t.get(&format!("{base}/proposed-checklist"), &office).await.json();
        assert_eq!(proposed[0]["plan_item_id"], task);
        let checklist = t.json(Method::PUT, &format!("{base}/checklist"), &office, json!({"items": proposed})).await;
        assert_eq!(checklist.status, StatusCode::OK, "{}", checklist.text());
        let item = checklist.json()[0]["id"].as_i64().unwrap();
        let own = json!({"unit_id": lhasa_unit, "item_id": item, "status": "partly", "comment": "部分乡镇未建台账"});
        assert_eq!(t.json(Method::PUT, &format!("{base}/self-checks"), &lhasa, own).await.status, StatusCode::OK);
        let started = send_if_match(
            &t,
            Method::PUT,
            &base,
            &office,
            "1",
            json!({"name": "第一轮调研督导", "starts_on": "2023-05-08", "ends_on": "2023-05-19", "status": "active"}),
        )
        .await;
        assert_eq!(started.json()["status"], "active", "{}", started.text());

        let finding = json!({"unit_id": lhasa_unit, "item_id": item, "severity": "grave", "category": "台账", "description": "缺失"});
        let refused = t.json(Method::POST, &format!("{base}/findings"), &inspector, finding).await;
        assert_eq!(refused.json()["error"]["details"][0]["field"], "severity", "{}", refused.text());
        // The deadline is judged on the campaign's day (2023-04-15), not the calendar's.
        let finding = |due: &str| json!({"unit_id": lhasa_unit, "item_id": item, "severity": "major", "category": "台账资料",
            "description": "乡镇一级台账缺失", "rectification": {"unit_id": lhasa_unit, "measure": "补齐台账", "due_on": due}});
        let past = t.json(Method::POST, &format!("{base}/findings"), &inspector, finding("2023-04-14")).await;
        assert_eq!(past.json()["error"]["details"][0]["code"], "due_in_the_past", "{}", past.text());
        let finding = finding("2023-07-20");
        let recorded = t.json(Method::POST, &format!("{base}/findings"), &inspector, finding).await;
        assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.text());
        let item_id = recorded.json()["rectification"]["id"].as_i64().unwrap();
        let steps = format!("/api/v1/rectifications/{item_id}/steps");
        let responded =
            send_if_match(&t, Method::POST, &steps, &lhasa, "1", json!({"step": "respond", "text": "已补齐"})).await;
        assert_eq!(responded.json()["rectification"]["state"], "responded", "{}", responded.text());
        let closed = send_if_match(&t, Method::POST, &steps, &inspector, "2", json!({"step": "close"})).await;
        assert_eq!(closed.json()["rectification"]["state"], "closed", "{}", closed.text());
        let again =
            send_if_match(&t, Method::POST, &steps, &lhasa, "3", json!({"step": "respond", "text": "再报"})).await;
        assert_eq!(again.json()["error"]["code"], "step_not_allowed_now", "{}", again.text());

        let finding_id = recorded.json()["finding"]["id"].as_i64().unwrap();
        let shown = t.get(&format!("/api/v1/findings/{finding_id}"), &lhasa).await.json();
        assert_eq!(shown["steps"].as_array().unwrap().len(), 2);
        let ledger = t.get(&format!("/api/v1/campaigns/{campaign}/findings?state=closed"), &office).await.json();
        assert_eq!(
            (ledger["total"].as_i64(), ledger["items"][0]["finding"]["id"].as_i64()),
            (Some(1), Some(finding_id))
        );
        let none = t.get(&format!("/api/v1/campaigns/{campaign}/findings?state=open"), &office).await.json();
        assert_eq!(none["total"], 0);
        let xlsx = t.get(&format!("/api/v1/campaigns/{campaign}/findings.xlsx?state=closed"), &office).await;
        assert_eq!(xlsx.status, StatusCode::OK);
        let grid = pacesetter_export::read_sheet(&xlsx.body).unwrap();
        let cells: Vec<&String> = grid.rows.iter().flat_map(|(_, row)| row).collect();
        assert!(
            cells.iter().any(|c| c.as_str() == "乡镇一级台账缺失") && cells.iter().any(|c| c.as_str() == "已销号"),
            "{cells:?}"
        );
    }
}

backend_test! {
    async fn a_finding_is_responded_to_and_closed_through_the_pages(t) {
        use axum::http::StatusCode;
        pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let round = pacesetter_app::demo::inspection::seed(&t.app).await.unwrap().completed;
        let (office, nyingchi, inspector) =
            (t.session("office").await, t.session("nyingchi").await, t.session("inspector").await);
        let ledger = t.get("/inspections?state=open", &office).await;
        assert_eq!(ledger.status, StatusCode::OK);
        let page = ledger.text();
        assert!(page.contains("问题台账") && page.contains("待整改") && page.contains("逾期"), "{page}");
        // Nyingchi's open item (its deadline is ahead).
        let finding = {
            let token = t.token("nyingchi").await;
            let campaign =
                t.get(&format!("/api/v1/inspection-rounds/{}", round.0), &token).await.json()["round"]["campaign_id"]
                    .as_i64()
                    .unwrap();
            let theirs = t.get(&format!("/api/v1/campaigns/{campaign}/findings?state=open"), &token).await.json();
            theirs["items"][0]["finding"]["id"].as_i64().unwrap()
        };
        let path = format!("/findings/{finding}");
        let shown = t.get(&path, &nyingchi).await.text();
        assert!(shown.contains("提交整改情况") && !shown.contains("核验通过，销号"), "the unit responds, never closes");
        let step = format!("{path}/step");
        let empty = t
            .multipart(
                &step,
                &nyingchi,
                &[("csrf", nyingchi.csrf()), ("version", "1"), ("step", "respond"), ("text", " ")],
                &[],
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text().contains("请写明整改情况"), "the message beside the form");
        // The response comes with a new file, which lands in the unit's library and is cited.
        let done = t
            .multipart(
                &step,
                &nyingchi,
                &[
                    ("csrf", nyingchi.csrf()),
                    ("version", "1"),
                    ("step", "respond"),
                    ("text", "已在8个社区、5所学校开展活动"),
                ],
                &[("file", "整改台账.pdf", b"%PDF-1.4\n%%EOF\n")],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
        let to_verify = t.get(&path, &inspector).await.text();
        assert!(to_verify.contains("已在8个社区、5所学校开展活动") && to_verify.contains("核验通过，销号"));
        assert!(to_verify.contains("整改台账.pdf"), "the cited evidence is shown with the response");
        // The inspector adds a photo; a file that is not a photo is refused beside the form.
        let photos = format!("{path}/photos");
        let bad =
            t.multipart(&photos, &inspector, &[("csrf", inspector.csrf())], &[("photo", "x.jpg", b"<svg/>")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("请上传 JPEG、PNG 或 WebP 格式的照片"));
        let photo: &[u8] = include_bytes!("../../../domain/fixtures/photo-gps.jpg");
        let added =
            t.multipart(&photos, &inspector, &[("csrf", inspector.csrf())], &[("photo", "site.jpg", photo)]).await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        assert!(
            t.multipart(&photos, &nyingchi, &[("csrf", nyingchi.csrf())], &[("photo", "site.jpg", photo)]).await.status
                == StatusCode::FORBIDDEN,
            "the unit does not add photos to its own finding"
        );
        let shown = t.get(&path, &nyingchi).await.text();
        let src = shown.split("src=\"/api/v1/findings/").nth(1).and_then(|rest| rest.split('"').next()).unwrap();
        let image = t.get(&format!("/api/v1/findings/{src}"), &nyingchi).await;
        assert_eq!(image.status, StatusCode::OK);
        assert_eq!(image.header("content-type"), Some("image/jpeg"));
        assert!(!image.body.windows(10).any(|w| w == b"PhoneMaker"), "stored without the phone's metadata");
        let closed = t
            .multipart(&step, &inspector, &[("csrf", inspector.csrf()), ("version", "2"), ("step", "close")], &[])
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER);
        assert!(t.get(&path, &office).await.text().contains("已销号"));
    }
}

backend_test! {
    async fn a_round_is_worked_through_on_its_sheet_pages(t) {
        use axum::http::StatusCode;
        pacesetter_app::demo::evaluation::seed(&t.app).await.unwrap();
        let planned = pacesetter_app::demo::inspection::seed(&t.app).await.unwrap().planned;
        let (office, lhasa, inspector) =
            (t.session("office").await, t.session("lhasa").await, t.session("inspector").await);
        let round = format!("/inspection-rounds/{}", planned.0);
        let page = t.get(&round, &office).await.text();
        assert!(page.contains("开始督导") && page.contains("检查清单") && page.contains("拉萨市"), "{page}");
        let lhasa_unit = t.unit_id("540100").await;
        let sheet = format!("{round}/units/{lhasa_unit}");
        let own = t.get(&sheet, &lhasa).await.text();
        assert!(
            own.contains("提交自查") && own.contains("尚无佐证"),
            "the unit self-inspects while the round is planned"
        );
        let item = {
            let token = t.token("office").await;
            t.get(&format!("/api/v1/inspection-rounds/{}", planned.0), &token).await.json()["items"][0]["id"]
                .as_i64()
                .unwrap()
        };
        let item_text = item.to_string();
        let unanswered =
            t.form(&format!("{sheet}/self"), &lhasa, &[("csrf", lhasa.csrf()), ("item_id", &item_text)]).await;
        assert_eq!(unanswered.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unanswered.text().contains("请选择一个状态"));
        let answered = t
            .form(
                &format!("{sheet}/self"),
                &lhasa,
                &[("csrf", lhasa.csrf()), ("item_id", &item_text), ("status", "partly"), ("comment", "两个县未完成")],
            )
            .await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER);
        assert_eq!(
            t.form(&format!("{sheet}/submit"), &lhasa, &[("csrf", lhasa.csrf())]).await.status,
            StatusCode::SEE_OTHER
        );

        // The office starts the round; the inspector checks and records a finding on a phone.
        let version = {
            let token = t.token("office").await;
            t.get(&format!("/api/v1/inspection-rounds/{}", planned.0), &token).await.json()["round"]["version"]
                .to_string()
        };
        let started = t
            .form(
                &format!("{round}/status"),
                &office,
                &[("csrf", office.csrf()), ("version", &version), ("status", "active")],
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER);
        let on_site = t.get(&sheet, &inspector).await.text();
        assert!(
            on_site.contains("两个县未完成") && on_site.contains("记录问题"),
            "the unit's own answer beside the form"
        );
        assert!(
            on_site.contains("督导组考评打分") && on_site.contains(&format!("/inspect?unit_id={lhasa_unit}")),
            "the round scores the demo's evaluation: the inspector's way to it"
        );
        assert!(!own.contains("督导组考评打分"), "not for the unit itself");
        let checked = t
            .form(
                &format!("{sheet}/inspect"),
                &inspector,
                &[("csrf", inspector.csrf()), ("item_id", &item_text), ("status", "unmet")],
            )
            .await;
        assert_eq!(checked.status, StatusCode::SEE_OTHER);
        let fields = |due: &'static str| {
            vec![
                ("csrf", inspector.csrf().to_owned()),
                ("item_id", item_text.clone()),
                ("severity", "major".to_owned()),
                ("category", "台账".to_owned()),
                ("description", "两个县台账缺失".to_owned()),
                ("measure", "补齐台账".to_owned()),
                ("due_on", due.to_owned()),
            ]
        };
        let path = format!("{sheet}/findings");
        let bad = fields("下月");
        let photo: &[u8] = include_bytes!("../../../domain/fixtures/photo-gps.jpg");
        let refused =
            t.multipart(&path, &inspector, &bad.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>(), &[]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.text().contains("日期格式") && refused.text().contains("两个县台账缺失"),
            "the form comes back as sent"
        );
        let good = fields("2099-01-31");
        let good_fields = good.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>();
        // A photo that is not whole refuses the finding, which comes back as sent.
        let cut = t.multipart(&path, &inspector, &good_fields, &[("photo", "site.jpg", &photo[..200])]).await;
        assert_eq!(cut.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(cut.text().contains("照片文件不完整") && cut.text().contains("两个县台账缺失"));
        // Taken on the phone with the finding.
        let recorded = t.multipart(&path, &inspector, &good_fields, &[("photo", "site.jpg", photo)]).await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text());
        let finding = recorded.header("location").unwrap().to_owned();
        let shown = t.get(&finding, &lhasa).await.text();
        assert!(shown.contains("提交整改情况"), "Lhasa can respond to it");
        assert!(shown.contains("<img src=\"/api/v1/findings/"), "with the photo");
        let recorded = t.get(&format!("/api/v1{finding}"), &t.token("inspector").await).await.json();
        assert!(recorded["finding"]["plan_item_id"].is_i64(), "linked to the point's task: {recorded}");
    }
}
